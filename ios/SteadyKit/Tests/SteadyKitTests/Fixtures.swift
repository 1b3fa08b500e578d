// Synthetic records for the tests (invented people and events, never real ones).

import Foundation
import SteadyCore
@testable import SteadyKit

enum Fixtures {
    static let now: Timestamp = 1_795_424_400_000

    static func incident(
        status: IncidentStatus = .draft,
        note: String = "Shouting in the lounge",
        personId: String? = "p1",
        useOfForce: [UseOfForce] = [],
        deescalation: Deescalation = Deescalation(),
        debriefPerson: Debrief? = nil,
        nonStaffInvolved: Bool? = nil,
        unreadable: [String] = [],
        timeline: [TimelineEvent] = [],
        addenda: [Addendum] = []
    ) -> Incident {
        Incident(
            id: "i1", unitId: "home", status: status, occurredAt: now, recordedBy: "Alex Morgan",
            personId: personId, personName: personId == nil ? nil : "Sam", unidentifiedPerson: nil,
            note: note, tags: [.verbalAggression], place: nil, deescalation: deescalation,
            useOfForce: useOfForce, nonStaffInvolved: nonStaffInvolved, nonStaffReason: nil,
            mentalDisorder: nil, relevantCharacteristics: nil, learningDisabilityOrAutism: nil,
            injuriesPerson: nil, injuriesStaff: nil, injuriesOthers: nil, outcome: nil,
            deathOrSeriousInjury: nil, debriefPerson: debriefPerson, debriefStaff: nil,
            notificationSent: nil, submittedAt: status == .submitted ? now + 60_000 : nil, addenda: addenda,
            unreadable: unreadable, timeline: timeline
        )
    }

    static func person(
        id: String, name: String, preferred: String? = nil, alerts: [String] = [],
        overdue: Bool = false, pending: UInt32 = 0
    ) -> PersonSummary {
        PersonSummary(
            id: id, unitId: "home", displayName: name, preferredName: preferred,
            safetyAlerts: alerts, reviewOverdue: overdue, pendingChanges: pending
        )
    }

    static func summary(id: String, status: IncidentStatus, pending: UInt32) -> IncidentSummary {
        IncidentSummary(
            id: id, unitId: "home", status: status, occurredAt: now, about: "Sam",
            tags: [.nearMiss], useOfForce: false, pendingChanges: pending
        )
    }
}
