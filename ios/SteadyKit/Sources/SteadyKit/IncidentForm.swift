// The completion form of a draft incident: what the user edits after the quick capture, and
// the `IncidentDetails` that saves only what changed (the core leaves `nil` fields as they are,
// so an untouched field is never overwritten by a stale copy from another device).
//
// Answers that may be unknown are tri-state (`nil`: not answered yet) because the s.6(5)
// completeness check in the core counts an unanswered item as missing.
//
// "Review held" is an explicit answer, never inferred: a note typed while held / not held is
// unanswered is not saved (it would have to say one or the other); it waits on screen, marked
// as not saved, until the answer is given (`debriefPersonNoteWaiting`), as on Android.
//
// s.6(5)(k) is nine answers (`characteristicRows`, Observations.swift), saved together (the core
// replaces them at once) when they changed; the older free text is never edited here. Injury is
// three explicit answers beside the descriptions.

import Foundation
import SteadyCore

/// A draft incident's details as being edited.
public struct IncidentForm: Equatable, Sendable {
    /// When it happened.
    public var occurredAt: Timestamp
    /// The short note.
    public var note: String
    /// Where it happened.
    public var place: String
    /// The person's own "what helps" strategies ticked (their text).
    public var ownStrategies: Set<String>
    /// General de-escalation steps ticked.
    public var generalSteps: Set<DeescalationStep>
    /// Of the own strategies tried, those that helped (`Deescalation.helped`): only ever a
    /// subset of `ownStrategies`, as the core checks.
    public var helped: Set<String>
    /// Of the general steps tried, those that helped (`Deescalation.stepsHelped`).
    public var stepsHelped: Set<DeescalationStep>
    /// Anything else tried.
    public var otherDeescalation: String
    /// Anyone not unit staff involved in the use of force.
    public var nonStaffInvolved: Bool?
    /// Why they were.
    public var nonStaffReason: String
    /// The person's mental disorder, if known.
    public var mentalDisorder: String
    /// Relevant characteristics as free text: only an older record's (shown read-only).
    public var relevantCharacteristics: String
    /// s.6(5)(k): the nine protected characteristics, in the core's order, each answered or not.
    public var characteristicRows: [CharacteristicRow]
    /// Was the person, were staff, was anyone else injured (`nil`: not answered yet).
    public var injuredPerson: InjuryIndicator?
    public var injuredStaff: InjuryIndicator?
    public var injuredOthers: InjuryIndicator?
    /// Learning disability or autism.
    public var learningDisabilityOrAutism: Bool?
    /// Injuries to the person.
    public var injuriesPerson: String
    /// Injuries to staff.
    public var injuriesStaff: String
    /// Injuries to others.
    public var injuriesOthers: String
    /// The outcome.
    public var outcome: String
    /// Death or serious injury.
    public var deathOrSeriousInjury: Bool?
    /// Post-incident review with the person held.
    public var debriefPersonHeld: Bool?
    /// Why not, or a summary.
    public var debriefPersonNote: String
    /// Post-incident review with staff held.
    public var debriefStaffHeld: Bool?
    /// Why not, or a summary.
    public var debriefStaffNote: String
    /// People named in the care plan were told.
    public var notificationSent: Bool?

    /// The form filled from `incident`.
    public init(_ incident: Incident) {
        occurredAt = incident.occurredAt
        note = incident.note
        place = incident.place ?? ""
        ownStrategies = Set(incident.deescalation.ownStrategies)
        generalSteps = Set(incident.deescalation.generalSteps)
        helped = Set(incident.deescalation.helped)
        stepsHelped = Set(incident.deescalation.stepsHelped)
        otherDeescalation = incident.deescalation.other ?? ""
        nonStaffInvolved = incident.nonStaffInvolved
        nonStaffReason = incident.nonStaffReason ?? ""
        mentalDisorder = incident.mentalDisorder ?? ""
        relevantCharacteristics = incident.relevantCharacteristics ?? ""
        characteristicRows = makeCharacteristicRows(incident.characteristics)
        injuredPerson = incident.injuredPerson
        injuredStaff = incident.injuredStaff
        injuredOthers = incident.injuredOthers
        learningDisabilityOrAutism = incident.learningDisabilityOrAutism
        injuriesPerson = incident.injuriesPerson ?? ""
        injuriesStaff = incident.injuriesStaff ?? ""
        injuriesOthers = incident.injuriesOthers ?? ""
        outcome = incident.outcome ?? ""
        deathOrSeriousInjury = incident.deathOrSeriousInjury
        debriefPersonHeld = incident.debriefPerson?.held
        debriefPersonNote = incident.debriefPerson?.note ?? ""
        debriefStaffHeld = incident.debriefStaff?.held
        debriefStaffNote = incident.debriefStaff?.note ?? ""
        notificationSent = incident.notificationSent
    }

    /// The injury answer for `who`.
    public func injured(_ who: InjuryWho) -> InjuryIndicator? {
        switch who {
        case .person: return injuredPerson
        case .staff: return injuredStaff
        case .others: return injuredOthers
        }
    }

    /// Sets the injury answer for `who`.
    public mutating func setInjured(_ who: InjuryWho, _ answer: InjuryIndicator?) {
        switch who {
        case .person: injuredPerson = answer
        case .staff: injuredStaff = answer
        case .others: injuredOthers = answer
        }
    }

    /// How many of the nine characteristics are answered ("Stated" needs its words).
    public var characteristicsAnswered: Int {
        characteristicRows.filter { $0.answer != nil }.count
    }

    /// A note for the review with the person is typed but held / not held is unanswered: it is
    /// not saved until the answer is given.
    public var debriefPersonNoteWaiting: Bool {
        debriefPersonHeld == nil && !debriefPersonNote.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// The same for the review with staff.
    public var debriefStaffNoteWaiting: Bool {
        debriefStaffHeld == nil && !debriefStaffNote.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// This form with the debrief notes of `earlier` that were waiting for their answer (kept on
    /// screen across a save, which cannot save them, and the reload after it).
    public func keepingWaitingNotes(of earlier: IncidentForm) -> IncidentForm {
        var form = self
        if earlier.debriefPersonNoteWaiting && form.debriefPersonHeld == nil {
            form.debriefPersonNote = earlier.debriefPersonNote
        }
        if earlier.debriefStaffNoteWaiting && form.debriefStaffHeld == nil {
            form.debriefStaffNote = earlier.debriefStaffNote
        }
        return form
    }

    /// The details that differ from `incident`, each other field `nil` (left as it is); `nil`
    /// when nothing changed, or nothing that can be saved yet (a debrief note waiting for its
    /// answer). A cleared text is sent as "" (the core clears it). Ticked own
    /// strategies are saved in `whatHelps` order (the person's list), then any no longer on it.
    public func changes(from incident: Incident, whatHelps: [String] = []) -> IncidentDetails? {
        let base = IncidentForm(incident)
        if self == base { return nil }
        func text(_ new: String, _ old: String) -> String? {
            new == old ? nil : new.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func flag(_ new: Bool?, _ old: Bool?) -> Bool? {
            new == old ? nil : new
        }
        func debrief(_ held: Bool?, _ note: String, _ oldHeld: Bool?, _ oldNote: String) -> Debrief? {
            guard let held, held != oldHeld || note != oldNote else { return nil }
            return Debrief(held: held, note: note.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var deescalation: Deescalation?
        // Only what was tried can have helped: a strategy unticked no longer counts as helping.
        let helpedTried = helped.intersection(ownStrategies)
        let stepsHelpedTried = stepsHelped.intersection(generalSteps)
        if ownStrategies != base.ownStrategies || generalSteps != base.generalSteps
            || otherDeescalation != base.otherDeescalation
            || helpedTried != base.helped.intersection(base.ownStrategies)
            || stepsHelpedTried != base.stepsHelped.intersection(base.generalSteps) {
            let other = otherDeescalation.trimmingCharacters(in: .whitespacesAndNewlines)
            let tried = whatHelps.filter { ownStrategies.contains($0) }
                + ownStrategies.subtracting(whatHelps).sorted()
            deescalation = Deescalation(
                ownStrategies: tried,
                generalSteps: DeescalationStep.all.filter { generalSteps.contains($0) },
                other: other.isEmpty ? nil : other,
                helped: tried.filter { helpedTried.contains($0) },
                stepsHelped: DeescalationStep.all.filter { stepsHelpedTried.contains($0) }
            )
        }
        let characteristics = characteristicsRecord(characteristicRows)
        let baseCharacteristics = characteristicsRecord(base.characteristicRows)
        func injury(_ new: InjuryIndicator?, _ old: InjuryIndicator?) -> InjuryIndicator? {
            new == old ? nil : new
        }
        let details = IncidentDetails(
            occurredAt: occurredAt == base.occurredAt ? nil : occurredAt,
            note: text(note, base.note),
            place: text(place, base.place),
            deescalation: deescalation,
            nonStaffInvolved: flag(nonStaffInvolved, base.nonStaffInvolved),
            nonStaffReason: text(nonStaffReason, base.nonStaffReason),
            mentalDisorder: text(mentalDisorder, base.mentalDisorder),
            relevantCharacteristics: text(relevantCharacteristics, base.relevantCharacteristics),
            learningDisabilityOrAutism: flag(learningDisabilityOrAutism, base.learningDisabilityOrAutism),
            injuriesPerson: text(injuriesPerson, base.injuriesPerson),
            injuriesStaff: text(injuriesStaff, base.injuriesStaff),
            injuriesOthers: text(injuriesOthers, base.injuriesOthers),
            outcome: text(outcome, base.outcome),
            deathOrSeriousInjury: flag(deathOrSeriousInjury, base.deathOrSeriousInjury),
            debriefPerson: debrief(debriefPersonHeld, debriefPersonNote, base.debriefPersonHeld, base.debriefPersonNote),
            debriefStaff: debrief(debriefStaffHeld, debriefStaffNote, base.debriefStaffHeld, base.debriefStaffNote),
            notificationSent: flag(notificationSent, base.notificationSent),
            characteristics: characteristics == baseCharacteristics ? nil : characteristics,
            injuredPerson: injury(injuredPerson, base.injuredPerson),
            injuredStaff: injury(injuredStaff, base.injuredStaff),
            injuredOthers: injury(injuredOthers, base.injuredOthers)
        )
        return details == IncidentDetails() ? nil : details
    }
}

/// The quick capture as it is being tapped in: unit, optional person or a description of
/// someone unknown, tags, note.
public struct CaptureDraft: Equatable, Sendable {
    /// The unit.
    public var unitId: String?
    /// A known person.
    public var personId: String?
    /// A description of someone not known by name ("man ~40, roadside").
    public var unidentifiedPerson: String
    /// Tags tapped.
    public var tags: Set<IncidentTag>
    /// The note typed.
    public var note: String
    /// When it happened (the first tap).
    public var occurredAt: Timestamp

    /// A draft started at `now` in `unitId`, about `personId` if given.
    public init(unitId: String?, personId: String? = nil, now: Timestamp) {
        self.unitId = unitId
        self.personId = personId
        unidentifiedPerson = ""
        tags = []
        note = ""
        occurredAt = now
    }

    /// The note to save: what was typed or, when nothing was (the three-tap path: button, tag,
    /// save), the tapped tags' words, so the record says what happened; with neither yet (the
    /// draft made at the first tap), the plain placeholder, since the core needs a note.
    public var noteToSave: String {
        let typed = note.trimmingCharacters(in: .whitespacesAndNewlines)
        if !typed.isEmpty { return typed }
        let words = IncidentTag.all.filter { tags.contains($0) }.map(\.label).joined(separator: ", ")
        return words.isEmpty ? quickCapturePlaceholderNote : words
    }

    /// Ready to save: a unit. A tag and a note are optional (the draft exists from the first tap).
    public var canSave: Bool {
        unitId != nil
    }

    /// Something was tapped or typed beyond opening the sheet.
    public var hasInput: Bool {
        !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            || !unidentifiedPerson.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            || !tags.isEmpty
    }

    /// The changes that bring the core's draft up to date with what is on screen.
    public var details: IncidentDetails {
        let description = unidentifiedPerson.trimmingCharacters(in: .whitespacesAndNewlines)
        return IncidentDetails(
            occurredAt: occurredAt,
            note: noteToSave,
            personId: personId,
            unidentifiedPerson: personId == nil ? description : "",
            tags: IncidentTag.all.filter { tags.contains($0) }
        )
    }

    /// The core's `QuickCapture`, or `nil` when not ready.
    public var capture: QuickCapture? {
        guard let unitId, canSave else { return nil }
        let description = unidentifiedPerson.trimmingCharacters(in: .whitespacesAndNewlines)
        return QuickCapture(
            unitId: unitId,
            note: noteToSave,
            personId: personId,
            unidentifiedPerson: personId == nil && !description.isEmpty ? description : nil,
            tags: IncidentTag.all.filter { tags.contains($0) },
            occurredAt: occurredAt
        )
    }
}
