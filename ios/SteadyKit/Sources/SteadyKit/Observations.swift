// Physical observations during and after restraint and after rapid tranquillisation (NICE QS154
// statements 3 and 4), s.6(5)(k) as the nine protected characteristics of the Equality Act 2010,
// and the three injury indicators: the form state the incident screen binds, and the pure rules
// that turn it into the core's records, the twin of Android's state/Observations.kt. The
// ranges (`vitalSignRanges`), the chips' words (`breathingLabel`, …), an observation's words
// (`observationWords`) and the characteristics' names and words (`characteristicLabels`) are the
// core's; nothing here restates them. The hourly reminder after rapid tranquillisation is
// scheduled at the core's `nextObservationDue` (`ObservationReminderPlan`).

import Foundation
import SteadyCore

extension ObservationPhase {
    /// Every phase, in the order the form offers them.
    public static let all: [ObservationPhase] = [
        .duringRestraint, .afterRestraint, .afterRapidTranquillisation, .duringIsolation,
    ]

    /// Its words on the form: the core's (`observationPhaseLabel`).
    public var label: String { observationPhaseLabel(phase: self) }
}

extension Breathing {
    /// Every answer, in the order the chips show them.
    public static let all: [Breathing] = [.normal, .laboured, .noisy, .notBreathing]

    /// Its words on a chip: the core's (`breathingLabel`).
    public var label: String { breathingLabel(breathing: self) }
}

extension SkinColour {
    /// Every answer, in the order the chips show them.
    public static let all: [SkinColour] = [.normal, .pale, .flushed, .blue]

    /// Its words on a chip: the core's (`skinColourLabel`).
    public var label: String { skinColourLabel(colour: self) }
}

extension Consciousness {
    /// The ACVPU scale (NEWS2), in its order.
    public static let all: [Consciousness] = [.alert, .newConfusion, .voice, .pain, .unresponsive]

    /// Its words on a chip, with the ACVPU letter: the core's (`consciousnessLabel`).
    public var label: String { consciousnessLabel(consciousness: self) }
}

extension BodyPosition {
    /// Every position, in the order the chips show them.
    public static let all: [BodyPosition] = [.standing, .seated, .kneeling, .side, .supine, .prone]

    /// Its words on a chip: the core's (`bodyPositionLabel`).
    public var label: String { bodyPositionLabel(position: self) }
}

extension InjuryIndicator {
    /// Yes, No, Not known.
    public static let all: [InjuryIndicator] = [.yes, .no, .notKnown]

    /// The core's words ("Not known").
    public var label: String { injuryIndicatorLabel(indicator: self) }

    /// Compile-time guard: a new case makes this switch non-exhaustive.
    static func listed(_ indicator: InjuryIndicator) -> Bool {
        switch indicator {
        case .yes, .no, .notKnown: return all.contains(indicator)
        }
    }
}

/// The typed fields of the observation form, each by the core's name of it (the end of a
/// refusal's path, `observation.oxygen_saturation`).
public enum ObservationField: String, CaseIterable, Sendable, Identifiable {
    case respiratoryRate = "respiratory_rate"
    case oxygenSaturation = "oxygen_saturation"
    case pulse
    case temperature = "temperature_tenths_c"
    case systolicBp = "systolic_bp"
    case diastolicBp = "diastolic_bp"
    case notTakenBecause = "not_taken_because"
    case hydration
    case sideEffects = "side_effects"
    case note

    public var id: String { rawValue }

    /// Its label on the form.
    public var label: String {
        switch self {
        case .respiratoryRate: return "Breaths a minute"
        case .oxygenSaturation: return "Oxygen saturation, %"
        case .pulse: return "Pulse a minute"
        case .temperature: return "Temperature, °C"
        case .systolicBp: return "Blood pressure: systolic"
        case .diastolicBp: return "Blood pressure: diastolic"
        case .notTakenBecause: return "Not taken because"
        case .hydration: return "Hydration"
        case .sideEffects: return "Side effects seen"
        case .note: return "Anything else"
        }
    }

    /// A vital sign, typed as a number.
    public var isNumber: Bool {
        switch self {
        case .respiratoryRate, .oxygenSaturation, .pulse, .temperature, .systolicBp, .diastolicBp: return true
        case .notTakenBecause, .hydration, .sideEffects, .note: return false
        }
    }

    /// The core's plausible range in the form's units ("50 to 100"; the temperature in degrees,
    /// "25.0 to 45.0"), from `vitalSignRanges()`; `nil` for a text field.
    public var rangeText: String? {
        guard let range = vitalSignRanges().first(where: { $0.name == rawValue }) else { return nil }
        if self == .temperature { return "\(tenthsText(range.least)) to \(tenthsText(range.most))" }
        return "\(range.least) to \(range.most)"
    }

    /// The field a refusal's path names, or `nil` for the whole form.
    public static func of(path: String) -> ObservationField? {
        allCases.first { path == "observation.\($0.rawValue)" }
    }
}

/// A typed temperature in tenths of a degree: "36.8" is 368, "37" is 370; `nil` when it is not
/// a number with at most one decimal place.
public func parseTenths(_ text: String) -> UInt32? {
    let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
    let parts = t.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), let whole = UInt32(parts[0]), parts[0].count <= 3 else { return nil }
    if parts.count == 1 { return whole * 10 }
    guard parts[1].count == 1, let tenth = UInt32(parts[1]) else { return nil }
    return whole * 10 + tenth
}

/// A temperature in tenths as degrees: 368 is "36.8".
public func tenthsText(_ tenths: UInt32) -> String { "\(tenths / 10).\(tenths % 10)" }

/// The core's rule for a refused field in the form's units: the temperature is typed in
/// degrees, so "from 250 to 450" (tenths) reads "From 25.0 to 45.0 °C".
public func observationRuleText(field: ObservationField?, rule: String) -> String {
    if field == .temperature {
        let numbers = rule.split(whereSeparator: { !$0.isNumber }).compactMap { UInt32($0) }
        if rule.hasPrefix("from"), numbers.count == 2 {
            return "From \(tenthsText(numbers[0])) to \(tenthsText(numbers[1])) °C"
        }
    }
    return rule.prefix(1).uppercased() + rule.dropFirst()
}

/// The quick observation form as it is being filled: the phase (preselected during restraint
/// while a hold runs, after restraint otherwise, until chosen), one-tap answers, typed values,
/// and the refusals shown under their fields.
public struct ObservationDraft: Equatable, Sendable {
    public var phase: ObservationPhase = .afterRestraint
    /// The user chose the phase: it no longer follows whether a hold runs.
    public var phaseChosen = false
    public var breathing: Breathing?
    public var colour: SkinColour?
    public var consciousness: Consciousness?
    public var position: BodyPosition?
    public var values: [ObservationField: String] = [:]
    public var errors: [ObservationField: String] = [:]
    /// A refusal that is no one field's ("record at least one observation…").
    public var error: String?
    /// After rapid tranquillisation: no further concerns, the hourly checks may stop (sent only
    /// in that phase).
    public var noFurtherConcerns = false
    /// When it was taken, if set earlier than the tap on Record (`nil`: now).
    public var takenAt: Timestamp?
    /// Why the "taken at" time is refused (this form's rule, or the core's).
    public var takenAtError: String?

    /// The rule shown by the "taken at" time: the core refuses a time still to come.
    public static let takenAtRule = "Never later than now"
    /// The quick steps of the "taken at" time, in minutes.
    public static let takenAtSteps = [-5, -15, -60, 5]

    public init() {}

    /// The "taken at" time moved by `minutes` from the one set, or from `now`; a time later
    /// than `now` is refused by the field at once.
    public mutating func moveTakenAt(minutes: Int, now: Timestamp) {
        let at = (takenAt ?? now) + Int64(minutes) * 60_000
        takenAt = at
        takenAtError = ObservationDraft.takenAtProblem(at, now: now)
    }

    /// The form's refusal of a "taken at" time: one later than `now` (the core's rule too).
    public static func takenAtProblem(_ takenAt: Timestamp?, now: Timestamp) -> String? {
        guard let takenAt, takenAt > now else { return nil }
        return "\(takenAtRule): an observation cannot be taken in the future"
    }

    /// The phase the form shows: the chosen one, or from whether a hold runs.
    public func following(holdRunning: Bool) -> ObservationDraft {
        guard !phaseChosen else { return self }
        var draft = self
        draft.phase = holdRunning ? .duringRestraint : .afterRestraint
        return draft
    }

    /// An empty form for the next set, keeping the phase.
    public var next: ObservationDraft {
        var draft = ObservationDraft()
        draft.phase = phase
        draft.phaseChosen = phaseChosen
        return draft
    }

    /// The core's observation (at `takenAt`, else timed by the core, now), or the fields this form refuses (a
    /// number that is not one) with why. Empty fields are left out.
    public func observation() -> (PhysicalObservation?, [ObservationField: String]) {
        var errors: [ObservationField: String] = [:]
        var numbers: [ObservationField: UInt32] = [:]
        var texts: [ObservationField: String] = [:]
        for (field, raw) in values {
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if value.isEmpty { continue }
            if field == .temperature {
                if let tenths = parseTenths(value) { numbers[field] = tenths } else { errors[field] = "A temperature such as 36.8" }
            } else if field.isNumber {
                if let number = UInt32(value) { numbers[field] = number } else { errors[field] = "A whole number" }
            } else {
                texts[field] = value
            }
        }
        if !errors.isEmpty { return (nil, errors) }
        let observation = PhysicalObservation(
            observedAt: takenAt, phase: phase, breathing: breathing, colour: colour,
            consciousness: consciousness, position: position,
            respiratoryRate: numbers[.respiratoryRate], oxygenSaturation: numbers[.oxygenSaturation],
            pulse: numbers[.pulse], systolicBp: numbers[.systolicBp], diastolicBp: numbers[.diastolicBp],
            temperatureTenthsC: numbers[.temperature], hydration: texts[.hydration],
            sideEffects: texts[.sideEffects], notTakenBecause: texts[.notTakenBecause], note: texts[.note],
            noFurtherConcerns: (noFurtherConcerns && phase == .afterRapidTranquillisation) ? true : nil
        )
        return (observation, [:])
    }
}

/// One observation taken: when, who, and the core's words.
public struct ObservationRow: Equatable, Sendable, Identifiable {
    public let id: String
    public let at: Timestamp
    /// "Jo Bell, Support worker".
    public let by: String
    /// "Physical observation during restraint".
    public let heading: String
    /// "Breathing normal; SpO2 97%; …".
    public let text: String

    /// The observations of `incident`, newest first.
    public static func rows(of incident: Incident) -> [ObservationRow] {
        incident.addenda.compactMap { addendum -> ObservationRow? in
            guard let observation = addendum.observation else { return nil }
            let words = observationWords(observation: observation)
            return ObservationRow(
                id: addendum.id,
                at: observation.observedAt ?? addendum.at,
                by: [addendum.author, addendum.jobTitle].filter { !$0.isEmpty }.joined(separator: ", "),
                heading: words.first ?? addendum.reason,
                text: words.count > 1 ? words[1] : addendum.text
            )
        }
        .sorted { $0.at > $1.at }
    }
}

/// How one protected characteristic is answered.
public enum AnswerKind: String, CaseIterable, Sendable, Identifiable {
    case stated, notKnown, prefersNotToSay

    public var id: String { rawValue }

    /// Its words on the form.
    public var label: String {
        switch self {
        case .stated: return "Stated"
        case .notKnown: return "Not known"
        case .prefersNotToSay: return "Prefers not to say"
        }
    }
}

/// One row of the s.6(5)(k) form: a protected characteristic (the core's name and words) and
/// its answer as being given.
public struct CharacteristicRow: Equatable, Sendable, Identifiable {
    /// The core's name of it (`religion_or_belief`).
    public let name: String
    /// The Act's words ("Religion or belief").
    public let label: String
    public var kind: AnswerKind?
    /// The stated words, as typed (kept while another choice is tapped).
    public var stated: String = ""

    public var id: String { name }

    /// The core's answer; "Stated" with no words yet is no answer.
    public var answer: Answer? {
        switch kind {
        case .stated:
            let words = stated.trimmingCharacters(in: .whitespacesAndNewlines)
            return words.isEmpty ? nil : .stated(value: words)
        case .notKnown: return .notKnown
        case .prefersNotToSay: return .prefersNotToSay
        case nil: return nil
        }
    }

    /// The answer in words, for the submitted record.
    public var answerText: String {
        switch answer {
        case let .stated(value): return value
        case .notKnown: return "Not known"
        case .prefersNotToSay: return "Prefers not to say"
        case nil: return "Not answered"
        }
    }
}

/// The nine rows, in the Act's order (`characteristicLabels`), from a stored record.
public func makeCharacteristicRows(_ c: RelevantCharacteristics?) -> [CharacteristicRow] {
    characteristicLabels().map { label in
        var row = CharacteristicRow(name: label.name, label: label.label)
        switch characteristicAnswer(of: label.name, in: c) {
        case let .stated(value):
            row.kind = .stated
            row.stated = value
        case .notKnown: row.kind = .notKnown
        case .prefersNotToSay: row.kind = .prefersNotToSay
        case nil: break
        }
        return row
    }
}

/// The answer of the characteristic named `name` in `c`.
public func characteristicAnswer(of name: String, in c: RelevantCharacteristics?) -> Answer? {
    guard let c else { return nil }
    switch name {
    case "age": return c.age
    case "disability": return c.disability
    case "gender_reassignment": return c.genderReassignment
    case "marriage_and_civil_partnership": return c.marriageAndCivilPartnership
    case "pregnancy_and_maternity": return c.pregnancyAndMaternity
    case "race": return c.race
    case "religion_or_belief": return c.religionOrBelief
    case "sex": return c.sex
    case "sexual_orientation": return c.sexualOrientation
    default: return nil
    }
}

/// The rows as the core's record (it replaces all nine answers at once).
public func characteristicsRecord(_ rows: [CharacteristicRow]) -> RelevantCharacteristics {
    func a(_ name: String) -> Answer? { rows.first { $0.name == name }?.answer }
    return RelevantCharacteristics(
        age: a("age"), disability: a("disability"), genderReassignment: a("gender_reassignment"),
        marriageAndCivilPartnership: a("marriage_and_civil_partnership"),
        pregnancyAndMaternity: a("pregnancy_and_maternity"), race: a("race"),
        religionOrBelief: a("religion_or_belief"), sex: a("sex"), sexualOrientation: a("sexual_orientation")
    )
}

/// Whose injury a question asks about.
public enum InjuryWho: String, CaseIterable, Sendable, Identifiable {
    case person, staff, others

    public var id: String { rawValue }

    /// The question.
    public var question: String {
        switch self {
        case .person: return "Was the person injured?"
        case .staff: return "Were staff injured?"
        case .others: return "Was anyone else injured?"
        }
    }
}

/// One pending "Physical observations due" notification: for an incident, at the core's time.
public struct ObservationReminderRequest: Equatable, Sendable {
    /// The notification's title: no name, no detail (it shows on the lock screen).
    public static let title = "Physical observations due"
    /// Prefix of every reminder's request identifier.
    public static let prefix = "app.steady.observations."

    /// The request identifier (one per incident: adding it again replaces it).
    public let identifier: String
    public let incidentId: String
    /// When it fires (epoch ms): the core's `nextObservationDue`.
    public let at: Timestamp
    public let title: String
    /// The unit, never the person.
    public let body: String

    public init(incidentId: String, at: Timestamp, unitName: String) {
        identifier = ObservationReminderRequest.identifier(incidentId: incidentId)
        self.incidentId = incidentId
        self.at = at
        title = ObservationReminderRequest.title
        body = unitName.isEmpty
            ? "The hourly check after rapid tranquillisation"
            : "\(unitName): the hourly check after rapid tranquillisation"
    }

    /// The request identifier of `incidentId`'s reminder.
    public static func identifier(incidentId: String) -> String { prefix + incidentId }

    /// Seconds from `now` to the reminder (at least 1: UserNotifications refuses 0).
    public func delaySeconds(now: Timestamp) -> TimeInterval { max(1, TimeInterval(at - now) / 1000) }
}

/// What the hourly reminder after rapid tranquillisation needs for an incident (NICE QS154
/// statement 4), from the core's `nextObservationDue`: the twin of Android's ObservationReminders.
public enum ObservationReminderPlan: Equatable, Sendable {
    /// Schedule (or replace) it.
    case schedule(ObservationReminderRequest)
    /// Due already: it has fired; leave it (the screen says the check is overdue).
    case overdue(Timestamp)
    /// Nothing is due (no rapid tranquillisation, or no further concerns): cancel it.
    case cancel

    /// The plan for `incident` in `unitName` at `now`.
    public static func plan(incident: Incident, unitName: String, now: Timestamp) -> ObservationReminderPlan {
        guard let due = nextObservationDue(incident: incident) else { return .cancel }
        guard due > now else { return .overdue(due) }
        return .schedule(ObservationReminderRequest(incidentId: incident.id, at: due, unitName: unitName))
    }

    private static let timeFormat: DateFormatter = {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_GB")
        format.timeZone = PlacementText.uk
        format.dateFormat = "HH:mm"
        return format
    }()

    /// "Next check due 15:02" (UK time), or "Check overdue: due 15:02"; `nil` when none is due.
    public static func dueText(_ due: Timestamp?, now: Timestamp) -> String? {
        guard let due else { return nil }
        let time = timeFormat.string(from: due.date)
        return due > now ? "Next check due \(time)" : "Check overdue: due \(time)"
    }
}
