// The person in the restraint flow (issue 15, item 1; the rule is the core's, core/src/
// restraint.rs): from the first tap of a use of force the incident screen shows the person's
// safety alerts, then contraindications — each with the interventions it rules out (`avoid`) —
// and what their plan authorises, with its conditions, above the intervention choices; the
// choices ruled out are marked.
//
// Starting one of them asks first (`CautionOverrideRequest`): the cautions that rule it out,
// in the person's own words from `restraintProfile`, and a required reason for going ahead,
// which the record keeps (`UseOfForce.contraindicationOverride`). Cancelling records nothing.
// The core refuses the same hold without a reason (`SteadyError.Contraindicated`, so a caution
// that arrived by sync is never missed), and that refusal opens the same question.
//
// There is no prone quick start: prone (a face-down hold) is in the full list only. The
// monitoring prompt and the 10-minute reporting fact are the core's words (`RestraintWords`);
// the scheduled alert's are the core's (`proneHoldAlertText`).

import Foundation
import SteadyCore

extension RestrictiveInterventionType {
    /// A physical hold (MHSDS 01–08): one person monitors from its first second.
    public var isPhysicalHold: Bool {
        switch self {
        case .physicalProne, .physicalStanding, .physicalRestrictiveEscort, .physicalSupine,
             .physicalSide, .physicalSeated, .physicalKneeling, .physicalOther:
            return true
        case .chemicalInjectionRapidTranquillisation, .chemicalInjectionNonRapidTranquillisation,
             .chemicalOral, .chemicalOther, .mechanical, .seclusion, .segregation:
            return false
        }
    }

    /// "01 Prone restraint": the core's code and words.
    public var codeAndLabel: String { "\(code) \(label)" }
}

/// The restraint flow's standing words, from the core (`restraintWords()`, the same on
/// Android; the alert's are the core's `proneHoldAlertText`).
public enum RestraintWords {
    /// Shown from the first second of any physical hold, while it runs (NICE QS154 statement 3;
    /// *Positive and Proactive Care*, 2014: never in a way that impacts airway, breathing or
    /// circulation).
    public static var monitoring: String { restraintWords().monitoring }
    /// A prone hold past 10 minutes: NHS Digital's reporting split, not a clinical limit.
    public static var proneReported: String { restraintWords().proneReported }
}

extension CautionList {
    /// "Safety alert" or "Contraindication".
    public var label: String {
        switch self {
        case .safetyAlert: return "Safety alert"
        case .contraindication: return "Contraindication"
        }
    }
}

extension Caution {
    /// Whether this caution rules out `intervention`.
    public func rulesOut(_ intervention: RestrictiveInterventionType) -> Bool {
        avoid.contains(intervention)
    }

    /// What it rules out, in the core's words and the full list's order ("Rules out: Prone
    /// restraint, Supine restraint"), or `nil` for a caution to read only.
    public var rulesOutLine: String? {
        guard !avoid.isEmpty else { return nil }
        let named = RestrictiveInterventionType.all.filter { avoid.contains($0) }.map(\.label)
        return "Rules out: " + named.joined(separator: ", ")
    }

    /// "Safety alert: No prone holds: asthma".
    public var quoted: String { "\(list.label): \(text)" }
}

extension RestraintProfile {
    /// The person's safety alerts, in their order.
    public var safetyAlerts: [Caution] { cautions.filter { $0.list == .safetyAlert } }

    /// The sheet's contraindications, in their order.
    public var contraindications: [Caution] { cautions.filter { $0.list == .contraindication } }

    /// The cautions that rule out `intervention` (alerts first): the core's own test.
    public func rulingOut(_ intervention: RestrictiveInterventionType) -> [Caution] {
        cautions.filter { $0.rulesOut(intervention) }
    }

    /// The cautions with these ids (from `SteadyError.Contraindicated`), in the profile's order.
    public func cautions(ids: [String]) -> [Caution] {
        cautions.filter { ids.contains($0.id) }
    }

    /// The plan's authorisation of `intervention`, with its conditions, if it authorises it.
    public func authorisation(of intervention: RestrictiveInterventionType) -> AuthorisedIntervention? {
        authorised.first { $0.intervention == intervention }
    }

    /// Whether the plan authorises `intervention` (what the core fills "in the care plan" with).
    public func authorises(_ intervention: RestrictiveInterventionType) -> Bool {
        authorisation(of: intervention) != nil
    }

    /// The plan's answer for "in the care plan", in words, beside the entry's own answer.
    public func carePlanLine(for intervention: RestrictiveInterventionType) -> String {
        guard let authorised = authorisation(of: intervention) else {
            return "The plan does not authorise this intervention."
        }
        let note = authorised.note.trimmingCharacters(in: .whitespacesAndNewlines)
        return note.isEmpty ? "The plan authorises this intervention." : "The plan authorises this intervention: \(note)"
    }
}

/// One intervention on offer, with what the person's profile says about it.
public struct InterventionChoice: Equatable, Sendable, Identifiable {
    /// The intervention.
    public let intervention: RestrictiveInterventionType
    /// The cautions that rule it out (empty: none).
    public let ruledOutBy: [Caution]
    /// The plan's authorisation, with its conditions (`nil`: not authorised, or no plan read).
    public let authorised: AuthorisedIntervention?

    public var id: RestrictiveInterventionType { intervention }

    /// The person's own cautions rule it out: starting it asks for a reason.
    public var isRuledOut: Bool { !ruledOutBy.isEmpty }

    /// "01 Prone restraint".
    public var title: String { intervention.codeAndLabel }

    /// The mark beside it: ruled out first (it matters more), else authorised.
    public var mark: String? {
        if isRuledOut { return "Ruled out by their cautions" }
        if authorised != nil { return "In their plan" }
        return nil
    }

    /// What VoiceOver says: "Standing restraint, in their plan".
    public var accessibilityLabel: String {
        [intervention.label, mark].compactMap { $0 }.joined(separator: ", ")
    }
}

/// The interventions the use-of-force section offers: a few one-tap starts (never prone) and
/// the full list, each marked from the person's profile.
public struct RestraintChoices: Equatable, Sendable {
    /// The one-tap starts: the most used holds, prone not among them (prone needs the full
    /// list, a deliberate choice).
    public static let quickStartTypes: [RestrictiveInterventionType] = [
        .physicalStanding, .physicalSeated, .physicalRestrictiveEscort, .physicalSupine,
    ]

    /// The one-tap starts, in `quickStartTypes` order.
    public let quickStarts: [InterventionChoice]
    /// Every intervention, in the full list's order (`RestrictiveInterventionType.all`).
    public let all: [InterventionChoice]

    /// The choices marked from `profile` (`nil`: no known person, or the profile could not be
    /// read — nothing marked).
    public init(profile: RestraintProfile?) {
        func choice(_ type: RestrictiveInterventionType) -> InterventionChoice {
            InterventionChoice(
                intervention: type,
                ruledOutBy: profile?.rulingOut(type) ?? [],
                authorised: profile?.authorisation(of: type)
            )
        }
        quickStarts = Self.quickStartTypes.map(choice)
        all = RestrictiveInterventionType.all.map(choice)
    }
}

/// The question asked before an intervention the person's own cautions rule out is recorded:
/// which cautions, in their words, and the reason for going ahead (required). Nothing is
/// recorded until it is confirmed with a reason; cancelling records nothing.
public struct CautionOverrideRequest: Equatable, Sendable, Identifiable {
    /// What is waiting for the confirmation.
    public enum Action: Equatable, Sendable {
        /// A new entry, its start (`nil`: written up afterwards, no times yet) taken at the tap.
        case add(startedAt: Timestamp?)
        /// A change to a recorded entry the core refused (the entry as it would be saved).
        case update(UseOfForce)
    }

    /// The most characters of a reason: the core's (`OVERRIDE_CHARS`).
    public static let maxReason = 500

    public let id: String
    /// The intervention ruled out.
    public let intervention: RestrictiveInterventionType
    /// The name staff use for the person.
    public let personName: String
    /// The cautions that rule it out, in the person's words (alerts first).
    public let cautions: [Caution]
    /// What is recorded on confirmation.
    public let action: Action
    /// The reason for going ahead, as typed.
    public var reason: String

    /// A question about `intervention` for `action`, naming `cautions`.
    public init(intervention: RestrictiveInterventionType, personName: String, cautions: [Caution],
                action: Action, reason: String = "") {
        id = UUID().uuidString
        self.intervention = intervention
        self.personName = personName
        self.cautions = cautions
        self.action = action
        self.reason = reason
    }

    /// "Prone restraint is ruled out for Sam".
    public var title: String { "\(intervention.label) is ruled out for \(personName)" }

    /// What the question says above the cautions.
    public var explanation: String {
        cautions.isEmpty
            ? "\(personName)'s own safety alerts or contraindications rule this out."
            : "\(personName)'s own \(cautions.count == 1 ? "caution rules" : "cautions rule") this out:"
    }

    /// The reason without surrounding spaces, as it is recorded.
    public var trimmedReason: String { reason.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Why the reason cannot be recorded yet, or `nil` when it can.
    public var reasonProblem: String? {
        if trimmedReason.isEmpty { return "Give the reason for going ahead." }
        if trimmedReason.count > Self.maxReason { return "At most \(Self.maxReason) characters." }
        return nil
    }

    /// A reason is given (and not too long): the confirmation may be tapped.
    public var canConfirm: Bool { reasonProblem == nil }

    /// The confirmation button's words.
    public var confirmTitle: String {
        switch action {
        case .add(startedAt: .some): return "Start \(intervention.label.lowercased()) with this reason"
        case .add(startedAt: .none): return "Record \(intervention.label.lowercased()) with this reason"
        case .update: return "Save with this reason"
        }
    }

    /// The way back, which records nothing.
    public var cancelTitle: String { "Don't record it" }
}
