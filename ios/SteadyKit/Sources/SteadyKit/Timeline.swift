// The incident's timeline (one tap per moment: a HEMS crew at a roadside, a ward's teamwork),
// its job or CAD reference, a later identification of a person unknown at the time, and
// proposals for the person's plan, with the review queue where editors accept or decline them:
// the twin of Android's state/Timeline.kt and ReviewQueueViewModel.kt. The buttons, their order
// and words are the core's (`timelineEventKinds`, `timelineEventLabel`); list headings are the
// core's (`sheetListHeading`); every refusal is shown by its field (`SteadyError.Validation`).

import Foundation
import Observation
import SteadyCore

/// One one-tap button of the timeline, in the core's order and words.
public struct TimelineButton: Equatable, Sendable, Identifiable {
    public let kind: TimelineEventKind
    public let label: String
    /// Support arrived, staff swapped: asks who before it is recorded.
    public let asksWho: Bool
    /// Other: asks what happened (the core refuses it without a note).
    public let asksNote: Bool
    public var id: String { label }

    /// The kinds that say who came or swapped in.
    public static let whoKinds: [TimelineEventKind] = [.supportArrived, .staffSwapped]

    /// The buttons, from `timelineEventKinds()`.
    public static func all() -> [TimelineButton] {
        timelineEventKinds().map {
            TimelineButton(kind: $0, label: timelineEventLabel(kind: $0),
                           asksWho: whoKinds.contains($0), asksNote: $0 == .other)
        }
    }
}

/// One moment recorded, in the order they happened.
public struct TimelineRow: Equatable, Sendable, Identifiable {
    public let id: String
    public let kind: TimelineEventKind
    public let at: Timestamp
    /// "Support arrived: Sam Okafor" (the core's words, then who or the note).
    public let text: String
    /// "Jo Bell, Paramedic".
    public let by: String

    /// The moments of `incident`, in the core's order.
    public static func rows(of incident: Incident) -> [TimelineRow] {
        incident.timeline.map { e in
            let extra = [e.who, e.note].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
            return TimelineRow(
                id: e.id, kind: e.kind, at: e.at,
                text: timelineEventLabel(kind: e.kind) + (extra.isEmpty ? "" : ": \(extra)"),
                by: [e.author, e.jobTitle].filter { !$0.isEmpty }.joined(separator: ", ")
            )
        }
    }
}

/// The lists a proposal may add to, in the sheet's order, with the core's headings.
public let proposalLists: [(list: SheetList, heading: String)] =
    [SheetList.triggers, .warningSigns, .whatHelps, .whatToAvoid].map { ($0, sheetListHeading(list: $0)) }

/// What the confirmation says once a proposal is recorded.
public let proposalSentText =
    "Proposed for the plan. An editor of the sheet will review it: accept it onto the sheet or decline it with a reason."

/// A sheet item's extra lines: accepted from an incident ("From the incident of Mon 23 Nov,
/// 14:05", or "From an incident" when that incident is not on this phone), and beside a "what
/// helps" strategy tried, "tried 3 · helped 2" (nothing before it was first tried).
public func sheetItemNotes(
    _ item: ListItem, incidentTimes: [String: Timestamp], outcomes: [String: StrategyOutcome],
    format: (Timestamp) -> String
) -> (source: String?, outcome: String?) {
    let source = item.source.map { s in
        incidentTimes[s.incidentId].map { "From the incident of \(format($0))" } ?? "From an incident"
    }
    let outcome = outcomes[item.id].flatMap { $0.tried > 0 ? "tried \($0.tried) · helped \($0.helped)" : nil }
    return (source, outcome)
}

/// The timeline, job reference, proposals and identification of one incident screen.
@MainActor
@Observable
public final class IncidentExtrasModel {
    public let incidentId: String
    public private(set) var incident: Incident?
    /// The sheet a button opened (who came, what happened), with its words and the core's rule.
    public var ask: (kind: TimelineEventKind, text: String, error: String?)?
    /// A tap the core refused, shown by the buttons.
    public private(set) var timelineError: String?
    /// "Recorded: Arrived at 14:02" (the screen formats the time).
    public private(set) var lastRecorded: (label: String, at: Timestamp)?
    /// The job or CAD reference, as typed, and the core's rule for it.
    public var jobReference = ""
    public private(set) var jobReferenceError: String?
    /// The proposal being written: its list and words, and the core's rule.
    public var proposalList: SheetList?
    public var proposalText = ""
    public private(set) var proposalError: String?
    public private(set) var proposalSent: String?
    /// "Patient identified": the form's fields and errors by field.
    public var hospital = ""
    public var hospitalIdentifier = ""
    public var nhsNumber = ""
    public private(set) var identifyErrors: [String: String] = [:]
    public var problem: UserProblem?

    private let session: AppSession

    public init(session: AppSession, incidentId: String) {
        self.session = session
        self.incidentId = incidentId
    }

    public var buttons: [TimelineButton] { TimelineButton.all() }
    public var rows: [TimelineRow] { incident.map(TimelineRow.rows(of:)) ?? [] }
    public var isDraft: Bool { incident?.status == .draft }
    /// The incident names a person whose sheet a proposal would change.
    public var canPropose: Bool { incident?.personId != nil }
    /// Submitted about someone unknown at the time: "Patient identified" is offered.
    public var canIdentify: Bool { incident?.status == .submitted && incident?.personId == nil }
    /// What was proposed from this incident: "Early warning signs: Pacing (Chris Lee)".
    public var proposed: [String] {
        incident?.addenda.compactMap { a in
            a.proposal.map { "\(sheetListHeading(list: $0.list)): \($0.text) (\(a.author))" }
        } ?? []
    }
    /// The identifications added, in the core's words.
    public var identifications: [Addendum] { incident?.addenda.filter { $0.identified != nil } ?? [] }

    public func load() async {
        guard let core = session.core else { return }
        let id = incidentId
        do {
            let incident = try await core.call { try $0.incident(incidentId: id) }
            if self.incident == nil { jobReference = incident.jobReference ?? "" }
            self.incident = incident
        } catch {
            problem = await session.handle(error)
        }
    }

    /// A button tapped (drafts only): recorded at once, or first asks who / what.
    public func tap(_ kind: TimelineEventKind) async {
        guard isDraft else { return }
        timelineError = nil
        if TimelineButton.whoKinds.contains(kind) || kind == .other {
            ask = (kind, "", nil)
            return
        }
        await add(NewTimelineEvent(kind: kind, at: nil, who: nil, note: nil))
    }

    /// Records the open sheet's moment, stamped by the core (one clock, so the list keeps the
    /// order of the taps); the core's rule stays under the field.
    public func saveAsk() async {
        guard let ask else { return }
        let words = ask.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = words.isEmpty ? nil : words
        let who = TimelineButton.whoKinds.contains(ask.kind)
        await add(NewTimelineEvent(kind: ask.kind, at: nil, who: who ? text : nil, note: who ? nil : text))
    }

    public func cancelAsk() {
        ask = nil
    }

    private func add(_ event: NewTimelineEvent) async {
        guard let core = session.core else { return }
        let id = incidentId
        do {
            _ = try await core.call { try $0.addTimelineEvent(incidentId: id, event: event) }
        } catch SteadyError.Validation(let field, _, let rule) where field == .timeline {
            let words = rule.prefix(1).uppercased() + rule.dropFirst()
            if ask != nil { ask?.error = words } else { timelineError = words }
            return
        } catch {
            problem = await session.handle(error)
            return
        }
        ask = nil
        lastRecorded = (timelineEventLabel(kind: event.kind), event.at ?? session.clock.now())
        await load()
    }

    /// Undo of a mistaken tap (drafts only).
    public func undo(_ eventId: String) async {
        guard isDraft, let core = session.core else { return }
        let id = incidentId
        do {
            try await core.call { try $0.removeTimelineEvent(incidentId: id, eventId: eventId) }
        } catch {
            problem = await session.handle(error)
        }
        await load()
    }

    /// Saves the job or CAD reference; its rule (Field.jobReference) under the field.
    public func saveJobReference() async {
        guard isDraft, let core = session.core else { return }
        let id = incidentId
        let text = jobReference.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            try await core.call { try $0.updateIncident(incidentId: id, details: IncidentDetails(jobReference: text)) }
            jobReferenceError = nil
        } catch SteadyError.Validation(let field, _, let rule) where field == .jobReference {
            jobReferenceError = rule.prefix(1).uppercased() + rule.dropFirst()
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Proposes the words for the chosen list (anyone in the unit); returns whether it was.
    @discardableResult
    public func propose() async -> Bool {
        guard let core = session.core else { return false }
        guard let list = proposalList else {
            proposalError = "Choose the list it belongs on"
            return false
        }
        let id = incidentId
        let proposal = PlanProposal(list: list, text: proposalText.trimmingCharacters(in: .whitespacesAndNewlines))
        do {
            _ = try await core.call { try $0.proposePlanChange(incidentId: id, proposal: proposal) }
        } catch SteadyError.Validation(let field, _, let rule) where field == .proposal {
            proposalError = rule.prefix(1).uppercased() + rule.dropFirst()
            return false
        } catch {
            problem = await session.handle(error)
            return false
        }
        proposalList = nil
        proposalText = ""
        proposalError = nil
        proposalSent = proposalSentText
        await load()
        return true
    }

    /// Adds the identification as an addendum; the core's rule under its field
    /// (`hospital`, `hospital_identifier`, `nhs_number`). Returns whether it was added.
    @discardableResult
    public func identify() async -> Bool {
        guard canIdentify, let core = session.core else { return false }
        let id = incidentId
        func clean(_ s: String) -> String? {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        let identification = Identification(
            hospital: hospital.trimmingCharacters(in: .whitespacesAndNewlines),
            hospitalIdentifier: clean(hospitalIdentifier),
            nhsNumber: clean(nhsNumber.filter { !$0.isWhitespace })
        )
        do {
            _ = try await core.call { try $0.identifyPatient(incidentId: id, identification: identification) }
        } catch SteadyError.Validation(let field, let path, let rule) where field == .identification {
            identifyErrors = [Self.identifyField(path): rule.prefix(1).uppercased() + rule.dropFirst()]
            return false
        } catch {
            problem = await session.handle(error)
            return false
        }
        identifyErrors = [:]
        hospital = ""
        hospitalIdentifier = ""
        nhsNumber = ""
        await load()
        return true
    }

    /// The form's field a refusal's path names ("identified.nhs_number" → "nhs_number"), or "".
    public nonisolated static func identifyField(_ path: String) -> String {
        for name in ["nhs_number", "hospital_identifier", "hospital"] where path.hasSuffix(name) { return name }
        return ""
    }
}

/// One proposal waiting in the review queue.
public struct ProposalRow: Equatable, Sendable, Identifiable {
    public let source: ItemSource
    public let personName: String
    public let listHeading: String
    public let text: String
    public let proposedBy: String
    public let proposedAt: Timestamp
    public let incidentAt: Timestamp
    public var id: String { "\(source.incidentId)/\(source.entryId)" }

    /// The rows of `pending`, each person by the name staff use (`names`).
    public static func rows(_ pending: [PendingProposal], names: [String: String]) -> [ProposalRow] {
        pending.map { p in
            ProposalRow(
                source: p.source, personName: names[p.personId] ?? "Someone no longer on this phone",
                listHeading: sheetListHeading(list: p.proposal.list), text: p.proposal.text,
                proposedBy: [p.proposedBy, p.jobTitle].filter { !$0.isEmpty }.joined(separator: ", "),
                proposedAt: p.proposedAt, incidentAt: p.incidentAt
            )
        }
    }
}

/// The review queue of a unit, or of one person's plan.
@MainActor
@Observable
public final class ReviewQueueModel {
    public let unitId: String
    public let personId: String?
    public private(set) var rows: [ProposalRow] = []
    /// Editor or lead with an active grant: Accept and Decline are offered.
    public private(set) var canDecide = false
    /// The proposal being declined and the core's rule for the reason.
    public var decliningId: String?
    public var declineReason = ""
    public private(set) var declineError: String?
    /// The last outcome or refusal, plainly ("Your role here cannot …").
    public private(set) var message: String?
    public var problem: UserProblem?

    private let session: AppSession

    public init(session: AppSession, unitId: String, personId: String? = nil) {
        self.session = session
        self.unitId = unitId
        self.personId = personId
    }

    public func load() async {
        guard let core = session.core else { return }
        let unit = unitId
        let person = personId
        do {
            let pending = try await core.call { try $0.planProposals(unitId: unit) }
                .filter { person == nil || $0.personId == person }
            let people = try await core.call { try $0.people(unitId: unit) }
            let names = Dictionary(people.map { ($0.id, $0.preferredName ?? $0.displayName) }, uniquingKeysWith: { a, _ in a })
            rows = ProposalRow.rows(pending, names: names)
            let access = session.units.first(where: { $0.grant.unitId == unit })
            canDecide = (access?.active ?? false) && (access?.grant.role.canEditSheets ?? false)
        } catch {
            problem = await session.handle(error)
        }
    }

    public func accept(_ row: ProposalRow) async {
        guard let core = session.core else { return }
        let source = row.source
        do {
            _ = try await core.call { try $0.acceptProposal(source: source) }
            message = "Accepted: on \(row.personName)'s sheet under \(row.listHeading)."
        } catch let SteadyError.NotAllowed(_, reason) {
            message = "Not allowed: \(reason)."
        } catch {
            problem = await session.handle(error)
        }
        await load()
    }

    /// Declines with the reason typed; the core's rule (Field.proposal) stays under it.
    public func decline(_ row: ProposalRow) async {
        guard let core = session.core else { return }
        let source = row.source
        let reason = declineReason.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            _ = try await core.call { try $0.declineProposal(source: source, reason: reason) }
            message = "Declined. The reason is kept on the sheet."
            decliningId = nil
            declineReason = ""
            declineError = nil
        } catch SteadyError.Validation(let field, _, let rule) where field == .proposal {
            declineError = rule.prefix(1).uppercased() + rule.dropFirst()
            return
        } catch let SteadyError.NotAllowed(_, reason) {
            message = "Not allowed: \(reason)."
        } catch {
            problem = await session.handle(error)
        }
        await load()
    }
}
