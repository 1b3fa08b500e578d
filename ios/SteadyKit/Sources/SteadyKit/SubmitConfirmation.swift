// What Submit asks before it locks an incident for good: what will be locked (when, about whom,
// each use of force with its times, the s.6(5) answers), the s.6(5) items still missing (the
// core's list), and whether this unit refuses the submission until they are recorded (a mental
// health unit). Plain data, so the words are tested without a screen; the same lines as
// Android's confirmation (IncidentViewModel.onSubmitRequest), with each use of force's times
// and, for one the person's cautions rule out, the reason staff gave for going ahead.

import Foundation
import SteadyCore

/// The confirmation shown before Submit locks the record.
public struct SubmitConfirmation: Equatable, Sendable {
    /// What will be locked, one line each.
    public let locked: [String]
    /// The s.6(5) items still missing (the core's list, in its order).
    public let missing: [S65Item]
    /// A mental health unit with items missing: the core will refuse, so Submit is not offered.
    public let blocked: Bool

    /// The confirmation for `incident` with `missing` items; `mentalHealthUnit`: missing items
    /// block the submission. `dateTime` and `clock` word the times ("23 Nov 2026 at 14:05",
    /// "14:05").
    public init(
        incident: Incident, missing: [S65Item], mentalHealthUnit: Bool,
        dateTime: (Timestamp) -> String = { $0.date.formatted(date: .abbreviated, time: .shortened) },
        clock: (Timestamp) -> String = ForceTimeRule.clockWords
    ) {
        self.missing = missing
        blocked = mentalHealthUnit && !missing.isEmpty
        var lines = ["When it happened: \(dateTime(incident.occurredAt))"]
        if let about = incident.personName ?? incident.unidentifiedPerson {
            lines.append("About: \(about)")
        }
        lines.append("What happened and where")
        lines.append("De-escalation tried")
        for entry in incident.useOfForce {
            lines.append("Use of force: " + SubmitConfirmation.describe(entry, clock: clock))
            if let reason = entry.contraindicationOverride {
                lines.append("Against the person's cautions, because: \(reason)")
            }
        }
        if !incident.useOfForce.isEmpty {
            lines.append("The s.6(5) answers: reasons, care plan, staff, people involved, characteristics, people told")
        }
        lines.append("Injuries, outcome and reviews held")
        locked = lines
    }

    /// The title of the confirmation.
    public var title: String { blocked ? "Not ready to submit" : "Submit this incident?" }

    /// What locking means, above the list.
    public var lockNote: String {
        "Once submitted it is locked for good; corrections are added as addenda. This locks:"
    }

    /// The heading of the missing items, or `nil` when none are missing.
    public var missingHeading: String? {
        if missing.isEmpty { return nil }
        return blocked
            ? "Required on this unit before it can be submitted (s.6(5)):"
            : "Not recorded yet (s.6(5)); you can submit, but they should be recorded:"
    }

    /// The words of the button that goes back to the record.
    public var backTitle: String { blocked ? "Back to the record" : "Keep editing" }

    /// "06 Physical restraint – standing, 14:05 to 14:17 (12:00)".
    static func describe(_ entry: UseOfForce, clock: (Timestamp) -> String) -> String {
        let name = "\(entry.intervention.code) \(entry.intervention.label)"
        switch (entry.startedAt, entry.endedAt) {
        case let (start?, end?):
            return "\(name), \(clock(start)) to \(clock(end)) (\(ForceTimerState.format(ms: max(0, end - start))))"
        case let (start?, nil):
            return "\(name), from \(clock(start)), end not recorded"
        case let (nil, end?):
            return "\(name), start not recorded, ended \(clock(end))"
        case (nil, nil):
            return "\(name), times not recorded"
        }
    }
}
