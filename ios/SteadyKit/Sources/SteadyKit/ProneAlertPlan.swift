// What the prone-hold local notification says, when it is scheduled or cancelled, and when the
// app asks for permission to post it: plain logic, tested in SteadyKitTests; the app's
// `NotificationProneAlerts` only hands the result to UserNotifications.
//
// The words are the core's (`proneHoldAlertText`, the same ones Android posts) and the moment is
// the core's (`proneHoldAlertAt`). Permission is asked at enrolment, or when the incident screen
// opens with no hold running — never during a hold, when a system dialog (and the privacy cover
// behind it) would blank the screen in the middle of a restraint.

import Foundation
import SteadyCore

/// One pending prone-hold notification.
public struct ProneAlertRequest: Equatable, Sendable {
    /// The notification request's identifier (one per entry: adding it again replaces it).
    public let identifier: String
    /// The use-of-force entry.
    public let entryId: String
    /// When it fires (epoch ms): the core's `proneHoldAlertAt`.
    public let at: Timestamp
    /// The core's title.
    public let title: String
    /// The core's body.
    public let body: String

    /// The request for `entryId` at `at`, with the core's words.
    public init(entryId: String, at: Timestamp) {
        let text = proneHoldAlertText()
        identifier = ProneAlertPlan.identifier(entryId: entryId)
        self.entryId = entryId
        self.at = at
        title = text.title
        body = text.body
    }

    /// Seconds from `now` to the alert (at least 1: UserNotifications refuses 0).
    public func delaySeconds(now: Timestamp) -> TimeInterval {
        max(1, TimeInterval(at - now) / 1000)
    }
}

/// The prone-hold notifications an incident's entries need.
public enum ProneAlertPlan {
    /// Prefix of every prone-alert request identifier.
    public static let prefix = "app.steady.prone."

    /// The request identifier of `entryId`'s alert.
    public static func identifier(entryId: String) -> String { prefix + entryId }

    /// For `entries` at `now`: a request for each running prone hold whose alert is still to
    /// come, and the entry ids to cancel (every other entry: ended, not prone, not started).
    /// `removed`: ids of entries no longer in the incident, cancelled too.
    public static func plan(
        entries: [UseOfForce], now: Timestamp, removed: [String] = []
    ) -> (schedule: [ProneAlertRequest], cancel: [String]) {
        var schedule: [ProneAlertRequest] = []
        var cancel: [String] = removed
        for entry in entries {
            if let at = entry.proneAlertAt {
                if at > now { schedule.append(ProneAlertRequest(entryId: entry.id, at: at)) }
                // Past its moment and still running: the notification has fired; leave it.
            } else {
                cancel.append(entry.id)
            }
        }
        return (schedule, cancel)
    }
}

/// When the app may show the notification-permission dialog.
public enum NotificationAskMoment: Sendable {
    /// The device has just enrolled.
    case enrolled
    /// The incident screen (where use of force is recorded) opened.
    case incidentScreen
}

/// Whether to ask for notification permission now: only at enrolment or on the incident screen,
/// only while the system has not been asked (`undetermined`), and never while a hold runs.
public func shouldAskForNotifications(
    at moment: NotificationAskMoment, entries: [UseOfForce], undetermined: Bool
) -> Bool {
    switch moment {
    case .enrolled, .incidentScreen:
        return undetermined && !entries.contains(where: \.isRunning)
    }
}
