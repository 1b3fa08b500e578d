// Every value of the core's fixed lists, in display order, for pickers and chips. Their words
// and MHSDS codes stay in the core (`incidentTagLabel`, `interventionLabel`, ... of
// `SteadyCore`); only the order of the cases lives here.
//
// uniffi does not make the generated enums `CaseIterable`, and Swift cannot synthesise that
// conformance outside the enum's own file, so each list is written out. Each is paired with an
// exhaustive `switch` that names every case: when the core gains a case, this file stops
// compiling until the new case is placed in its list.

import SteadyCore

extension IncidentTag {
    /// Every tag, in the order the capture screen shows them.
    public static let all: [IncidentTag] = [
        .verbalAggression, .physicalAggressionToStaff, .physicalAggressionToOthers,
        .physicalAggressionToSelf, .damageToProperty, .absconding, .nearMiss,
        .deescalatedSuccessfully,
    ]

    /// The tag in plain English, from the core.
    public var label: String { incidentTagLabel(tag: self) }

    /// Compile-time guard: a new case makes this switch non-exhaustive.
    static func listed(_ tag: IncidentTag) -> Bool {
        switch tag {
        case .verbalAggression, .physicalAggressionToStaff, .physicalAggressionToOthers,
             .physicalAggressionToSelf, .damageToProperty, .absconding, .nearMiss,
             .deescalatedSuccessfully:
            return all.contains(tag)
        }
    }
}

extension DeescalationStep {
    /// Every general de-escalation step, in the order the completion screen shows them.
    public static let all: [DeescalationStep] = [
        .giveSpace, .lowerTone, .offerChoices, .giveTime, .distraction, .swapStaff, .callForSupport,
    ]

    /// The step in plain English, from the core.
    public var label: String { deescalationStepLabel(step: self) }

    static func listed(_ step: DeescalationStep) -> Bool {
        switch step {
        case .giveSpace, .lowerTone, .offerChoices, .giveTime, .distraction, .swapStaff,
             .callForSupport:
            return all.contains(step)
        }
    }
}

extension RestrictiveInterventionType {
    /// Every MHSDS restrictive intervention type, physical holds first (prone at the top: it is
    /// the one with a timer rule).
    public static let all: [RestrictiveInterventionType] = [
        .physicalProne, .physicalStanding, .physicalRestrictiveEscort, .physicalSupine,
        .physicalSide, .physicalSeated, .physicalKneeling, .physicalOther,
        .chemicalInjectionRapidTranquillisation, .chemicalInjectionNonRapidTranquillisation,
        .chemicalOral, .chemicalOther, .mechanical, .seclusion, .segregation,
    ]

    /// The type in plain English, from the core.
    public var label: String { interventionLabel(intervention: self) }

    /// The MHSDS code ("01" for prone), from the core.
    public var code: String { interventionCode(intervention: self) }

    /// A face-down hold: the one some returns report separately past 10 minutes.
    public var isProne: Bool { self == .physicalProne }

    static func listed(_ type: RestrictiveInterventionType) -> Bool {
        switch type {
        case .physicalProne, .physicalStanding, .physicalRestrictiveEscort, .physicalSupine,
             .physicalSide, .physicalSeated, .physicalKneeling, .physicalOther,
             .chemicalInjectionRapidTranquillisation, .chemicalInjectionNonRapidTranquillisation,
             .chemicalOral, .chemicalOther, .mechanical, .seclusion, .segregation:
            return all.contains(type)
        }
    }
}

extension RestrictiveInterventionReason {
    /// Every MHSDS reason, in code order.
    public static let all: [RestrictiveInterventionReason] = [
        .preventViolenceToOthers, .preventSeriousIntentionalSelfHarm,
        .preventAccidentalSeriousSelfInjury, .administerTreatment, .personalCare,
        .nasogastricFeeding, .prolongedOverActivity, .otherwiseDangerousBehaviour, .search,
        .preventAbscondingFromLawfulCustody, .other, .notKnown,
    ]

    /// The reason in plain English, from the core.
    public var label: String { reasonLabel(reason: self) }

    /// The MHSDS code ("10", ...), from the core.
    public var code: String { reasonCode(reason: self) }

    static func listed(_ reason: RestrictiveInterventionReason) -> Bool {
        switch reason {
        case .preventViolenceToOthers, .preventSeriousIntentionalSelfHarm,
             .preventAccidentalSeriousSelfInjury, .administerTreatment, .personalCare,
             .nasogastricFeeding, .prolongedOverActivity, .otherwiseDangerousBehaviour, .search,
             .preventAbscondingFromLawfulCustody, .other, .notKnown:
            return all.contains(reason)
        }
    }
}

extension S65Item {
    /// "(c) types of force used", from the core's letter and description.
    public var label: String { "(\(s65ItemLetter(item: self))) \(s65ItemDescription(item: self))" }
}

extension Role {
    /// The role in plain English, from the core.
    public var label: String { roleLabel(role: self) }

    /// May edit support sheets (editor or lead).
    public var canEditSheets: Bool {
        switch self {
        case .reader: return false
        case .editor, .lead: return true
        }
    }
}
