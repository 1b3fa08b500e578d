// Running timers for the use-of-force entries of an incident being completed, the monitoring
// prompt and the prone-hold rule. From the first second of any physical hold the board carries
// the one-person-monitors prompt (`RestraintWords.monitoring`: airway, breathing and colour,
// the least restrictive position as soon as possible — NICE QS154, *Positive and Proactive
// Care*); a prone (face-down) hold past 10 minutes is a reporting fact, reported separately in
// NHS Digital's returns (DESIGN.md §3.1; `RestraintWords.proneReported`), and the scheduled
// alert (`proneHoldAlertText`) says what it is.
//
// The rule lives once, in the core (`UseOfForce::prone_over_ten_minutes` and `prone_alert_at`,
// core/src/incident.rs: prone, started, and (end, or now while running) − start > 10 minutes);
// these wrappers call the façade's `proneHoldOverTenMinutes` and `proneHoldAlertAt`, so the
// boundary can never drift from what the server and the dashboard count. The clock is injected
// so the tests never wait.
//
// Restraint is usually written up afterwards by someone who was holding an arm, not a phone, so
// an entry's start and end can be entered or corrected after the event (`ForceTimeRule`): never
// later than now, never before the core's `earliestRecordTime()`, inside `latestRecordTime(now:)`,
// and an end never before its start.

import Foundation
import SteadyCore

extension UseOfForce {
    /// Still running: started and not yet ended.
    public var isRunning: Bool { startedAt != nil && endedAt == nil }

    /// Milliseconds from start to end (to `now` while running); `nil` before it started.
    public func elapsedMs(now: Timestamp) -> Int64? {
        guard let start = startedAt else { return nil }
        return max(0, (endedAt ?? now) - start)
    }

    /// A prone hold that has lasted (or is lasting) more than 10 minutes — the core's rule.
    public func proneOverTenMinutes(now: Timestamp) -> Bool {
        proneHoldOverTenMinutes(entry: self, now: now)
    }

    /// When a running prone hold passes the limit (the moment to alert), or `nil` for anything
    /// else: not prone, not started, or already ended — the core's rule.
    public var proneAlertAt: Timestamp? {
        proneHoldAlertAt(entry: self)
    }

    /// A copy started at `time` (the entry's timer starts).
    public func started(at time: Timestamp) -> UseOfForce {
        with(startedAt: time, endedAt: nil)
    }

    /// A copy ended at `time` (the entry's timer stops).
    public func ended(at time: Timestamp) -> UseOfForce {
        with(startedAt: startedAt, endedAt: time)
    }

    /// A copy with its start or end (`which`) entered as `time`; the other is kept.
    public func with(_ which: ForceTime, at time: Timestamp) -> UseOfForce {
        switch which {
        case .start: return with(startedAt: time, endedAt: endedAt)
        case .end: return with(startedAt: startedAt, endedAt: time)
        }
    }

    /// A copy with these times, everything else kept.
    public func with(startedAt: Timestamp?, endedAt: Timestamp?) -> UseOfForce {
        UseOfForce(
            id: id, intervention: intervention, reason: reason, startedAt: startedAt, endedAt: endedAt,
            inCarePlan: inCarePlan, howForceWasUsed: howForceWasUsed, staff: staff,
            contraindicationOverride: contraindicationOverride
        )
    }

    /// A copy with `reason` (a chosen reason can always be changed, or cleared with `nil`).
    public func with(reason: RestrictiveInterventionReason?) -> UseOfForce {
        UseOfForce(
            id: id, intervention: intervention, reason: reason, startedAt: startedAt, endedAt: endedAt,
            inCarePlan: inCarePlan, howForceWasUsed: howForceWasUsed, staff: staff,
            contraindicationOverride: contraindicationOverride
        )
    }

    /// A copy with whether it was in the care plan.
    public func with(inCarePlan: Bool?) -> UseOfForce {
        UseOfForce(
            id: id, intervention: intervention, reason: reason, startedAt: startedAt, endedAt: endedAt,
            inCarePlan: inCarePlan, howForceWasUsed: howForceWasUsed, staff: staff,
            contraindicationOverride: contraindicationOverride
        )
    }

    /// A copy with the reason for going ahead against the person's cautions (`nil`: none given).
    public func with(contraindicationOverride: String?) -> UseOfForce {
        UseOfForce(
            id: id, intervention: intervention, reason: reason, startedAt: startedAt, endedAt: endedAt,
            inCarePlan: inCarePlan, howForceWasUsed: howForceWasUsed, staff: staff,
            contraindicationOverride: contraindicationOverride
        )
    }

    /// The recorded start or end.
    public func time(_ which: ForceTime) -> Timestamp? {
        switch which {
        case .start: return startedAt
        case .end: return endedAt
        }
    }
}

/// Which of a use-of-force entry's times.
public enum ForceTime: String, Equatable, Hashable, Sendable {
    /// When it started.
    case start
    /// When it ended.
    case end
}

/// What a start or end entered after the event may be: the core's window for recorded times
/// (`earliestRecordTime()` to `latestRecordTime(now:)`), never later than now, and an end never
/// before the start (nor a start after the end).
public enum ForceTimeRule {
    /// The earliest time anything may be recorded at: the core's.
    public static var earliest: Timestamp { earliestRecordTime() }

    /// The latest time an entry's start or end may be at `now`: now (a use of force cannot have
    /// ended in the future), and never past the core's window.
    public static func latest(now: Timestamp) -> Timestamp {
        min(now, latestRecordTime(now: now))
    }

    /// The times `which` of `entry` may take at `now`, for a picker: the window, narrowed by the
    /// other end when it is recorded.
    public static func bounds(_ which: ForceTime, of entry: UseOfForce, now: Timestamp) -> ClosedRange<Timestamp> {
        var lower = earliest
        var upper = latest(now: now)
        switch which {
        case .start:
            if let end = entry.endedAt { upper = min(upper, end) }
        case .end:
            if let start = entry.startedAt { lower = max(lower, start) }
        }
        return lower...max(lower, upper)
    }

    /// Where a picker for `which` of `entry` starts: the recorded time, or for an end not yet
    /// recorded, now; for a start, when the incident happened (`occurredAt`). Inside `bounds`.
    public static func initial(_ which: ForceTime, of entry: UseOfForce, occurredAt: Timestamp, now: Timestamp) -> Timestamp {
        let range = bounds(which, of: entry, now: now)
        let value = entry.time(which) ?? (which == .end ? now : occurredAt)
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// Why `time` cannot be `which` of `entry` at `now`, in words to show by the picker, or `nil`
    /// when it can. `clock` words a time ("14:05").
    public static func problem(
        _ which: ForceTime, of entry: UseOfForce, time: Timestamp, now: Timestamp,
        clock: (Timestamp) -> String = ForceTimeRule.clockWords
    ) -> String? {
        if time > latest(now: now) {
            return "It can't be later than now (\(clock(now)))."
        }
        if time < earliest {
            return "It can't be before \(earliest.date.formatted(date: .abbreviated, time: .omitted))."
        }
        switch which {
        case .end:
            if let start = entry.startedAt, time < start {
                return "The end can't be before the start (\(clock(start)))."
            }
        case .start:
            if let end = entry.endedAt, time > end {
                return "The start can't be after the end (\(clock(end)))."
            }
        }
        return nil
    }

    /// "14:05", in the device's time zone and format.
    public static func clockWords(_ time: Timestamp) -> String {
        time.date.formatted(date: .omitted, time: .shortened)
    }
}

/// What one timer shows: its running time and whether it is in alert.
public struct ForceTimerState: Equatable, Sendable, Identifiable {
    /// The entry's id.
    public let id: String
    /// The intervention, in plain English.
    public let title: String
    /// A physical hold (MHSDS 01–08): one person monitors while it runs.
    public let physicalHold: Bool
    /// Elapsed time as "m:ss" (or "h:mm:ss"), or "Not started".
    public let elapsed: String
    /// Still running.
    public let running: Bool
    /// A prone hold past 10 minutes.
    public let proneAlert: Bool

    /// The state of `entry` at `now`.
    public init(entry: UseOfForce, now: Timestamp, title: String) {
        id = entry.id
        self.title = title
        physicalHold = entry.intervention.isPhysicalHold
        running = entry.isRunning
        proneAlert = entry.proneOverTenMinutes(now: now)
        if let ms = entry.elapsedMs(now: now) {
            elapsed = ForceTimerState.format(ms: ms)
        } else {
            elapsed = "Not started"
        }
    }

    /// "m:ss" under an hour, "h:mm:ss" above.
    public static func format(ms: Int64) -> String {
        let total = ms / 1000
        let hours = total / 3600
        let minutes = (total % 3600) / 60
        let seconds = total % 60
        if hours > 0 {
            return String(format: "%lld:%02lld:%02lld", hours, minutes, seconds)
        }
        return String(format: "%lld:%02lld", minutes, seconds)
    }

    /// What VoiceOver says: "Prone restraint, running, 10:05, over 10 minutes prone: reported
    /// separately".
    public var accessibilityDescription: String {
        var parts = [title, running ? "running" : "stopped", elapsed]
        if proneAlert { parts.append(RestraintWords.proneReported.lowercased()) }
        return parts.joined(separator: ", ")
    }
}

/// The timers of one incident at a moment, and which prone holds need an alert.
public struct ForceTimerBoard: Equatable, Sendable {
    /// One state per entry, in the incident's order.
    public let timers: [ForceTimerState]
    /// Entries (ids) that are prone holds past the limit at this moment.
    public let proneAlerts: [String]
    /// The next moment a running prone hold will pass the limit, to schedule a local
    /// notification for (`nil`: none is coming).
    public let nextAlertAt: Timestamp?
    /// The timers still running, in the incident's order: each keeps its Stop on screen.
    public let running: [ForceTimerState]

    /// The board for `entries` at `now`; `title` gives an entry's words (the core's label).
    public init(entries: [UseOfForce], now: Timestamp, title: (UseOfForce) -> String) {
        timers = entries.map { ForceTimerState(entry: $0, now: now, title: title($0)) }
        proneAlerts = entries.filter { $0.proneOverTenMinutes(now: now) }.map(\.id)
        nextAlertAt = entries.compactMap(\.proneAlertAt).filter { $0 > now }.min()
        running = timers.filter(\.running)
    }

    /// The one-person-monitors prompt while any physical hold runs, from its first second
    /// (`nil` otherwise).
    public var monitoringPrompt: String? {
        running.contains(where: \.physicalHold) ? RestraintWords.monitoring : nil
    }

    /// Any prone hold is past the limit.
    public var hasProneAlert: Bool { !proneAlerts.isEmpty }
}

/// Remembers which prone holds the user has already been alerted about, so the in-app alert
/// shows once per hold (the local notification is scheduled once per hold too).
public struct ProneAlertLedger: Equatable, Sendable {
    private var alerted: Set<String> = []

    /// An empty ledger.
    public init() {}

    /// The entries of `board` that are past the limit and have not been alerted yet; records
    /// them as alerted.
    public mutating func newAlerts(on board: ForceTimerBoard) -> [String] {
        let fresh = board.proneAlerts.filter { !alerted.contains($0) }
        alerted.formUnion(fresh)
        return fresh
    }
}
