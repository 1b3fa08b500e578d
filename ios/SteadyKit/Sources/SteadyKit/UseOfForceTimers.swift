// Running timers for the use-of-force entries of an incident being completed, and the
// prone-hold rule: a prone (face-down) hold past 10 minutes is reported separately in some
// returns (DESIGN.md §3.1), so staff are alerted the moment one passes it.
//
// The rule lives once, in the core (`UseOfForce::prone_over_ten_minutes` and `prone_alert_at`,
// core/src/incident.rs: prone, started, and (end, or now while running) − start > 10 minutes);
// these wrappers call the façade's `proneHoldOverTenMinutes` and `proneHoldAlertAt`, so the
// boundary can never drift from what the server and the dashboard count. The clock is injected
// so the tests never wait.

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
        UseOfForce(
            id: id, intervention: intervention, reason: reason, startedAt: time, endedAt: nil,
            inCarePlan: inCarePlan, howForceWasUsed: howForceWasUsed, staff: staff
        )
    }

    /// A copy ended at `time` (the entry's timer stops).
    public func ended(at time: Timestamp) -> UseOfForce {
        UseOfForce(
            id: id, intervention: intervention, reason: reason, startedAt: startedAt, endedAt: time,
            inCarePlan: inCarePlan, howForceWasUsed: howForceWasUsed, staff: staff
        )
    }
}

/// What one timer shows: its running time and whether it is in alert.
public struct ForceTimerState: Equatable, Sendable, Identifiable {
    /// The entry's id.
    public let id: String
    /// The intervention, in plain English.
    public let title: String
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

    /// What VoiceOver says: "Prone restraint, running, 10 minutes 5 seconds, over 10 minutes".
    public var accessibilityDescription: String {
        var parts = [title, running ? "running" : "stopped", elapsed]
        if proneAlert { parts.append("prone hold over 10 minutes") }
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

    /// The board for `entries` at `now`; `title` gives an entry's words (the core's label).
    public init(entries: [UseOfForce], now: Timestamp, title: (UseOfForce) -> String) {
        timers = entries.map { ForceTimerState(entry: $0, now: now, title: title($0)) }
        proneAlerts = entries.filter { $0.proneOverTenMinutes(now: now) }.map(\.id)
        nextAlertAt = entries.compactMap(\.proneAlertAt).filter { $0 > now }.min()
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
