// The prone-hold alert as a local notification: scheduled for the moment a running prone hold
// passes 10 minutes (the core's `proneHoldAlertAt`), so it sounds even when the phone is locked
// or Steady is in the background; cancelled when the hold ends or is removed. Time-sensitive, so
// Focus modes let it through. Its words are the core's (`ProneAlertRequest`, from
// `proneHoldAlertText`, the same as Android's) and hold no personal data (it shows on the lock
// screen): no name, no incident.
//
// Permission is never asked from here while scheduling (that was a system dialog in the middle
// of a restraint): it is asked at enrolment and when the incident screen opens with no hold
// running (`shouldAskForNotifications` in SteadyKit decides). Scheduling without permission
// adds nothing the user would see; the in-app alert still shows.

import Foundation
import SteadyCore
import SteadyKit
import UserNotifications

final class NotificationProneAlerts: ProneAlertScheduling, ObservationReminderScheduling {
    /// The hourly "Physical observations due" after rapid tranquillisation, at the core's
    /// `nextObservationDue`: the title and the unit only, never the person (the lock screen).
    /// Active, not time-sensitive: a reminder, not an alarm.
    func scheduleReminder(_ request: ObservationReminderRequest) async {
        let center = UNUserNotificationCenter.current()
        guard await center.notificationSettings().authorizationStatus == .authorized else {
            Log.ui.notice("observation reminders not allowed; the screen shows the next check")
            return
        }
        let content = UNMutableNotificationContent()
        content.title = request.title
        content.body = request.body
        content.sound = .default
        content.interruptionLevel = .active
        let trigger = UNTimeIntervalNotificationTrigger(
            timeInterval: request.delaySeconds(now: SystemWallClock().now()), repeats: false
        )
        do {
            try await center.add(UNNotificationRequest(identifier: request.identifier, content: content, trigger: trigger))
        } catch {
            Log.ui.error("observation reminder not scheduled")
        }
    }

    func cancelReminder(incidentId: String) async {
        let center = UNUserNotificationCenter.current()
        let identifier = ObservationReminderRequest.identifier(incidentId: incidentId)
        center.removePendingNotificationRequests(withIdentifiers: [identifier])
        center.removeDeliveredNotifications(withIdentifiers: [identifier])
    }

    func schedule(entryId: String, at: Timestamp) async {
        let center = UNUserNotificationCenter.current()
        let settings = await center.notificationSettings()
        guard settings.authorizationStatus == .authorized else {
            Log.ui.notice("prone alert notifications not allowed; in-app alert only")
            return
        }
        let request = ProneAlertRequest(entryId: entryId, at: at)
        let content = UNMutableNotificationContent()
        content.title = request.title
        content.body = request.body
        content.sound = .default
        content.interruptionLevel = .timeSensitive
        let trigger = UNTimeIntervalNotificationTrigger(
            timeInterval: request.delaySeconds(now: SystemWallClock().now()), repeats: false
        )
        do {
            try await center.add(UNNotificationRequest(identifier: request.identifier, content: content, trigger: trigger))
        } catch {
            Log.ui.error("prone alert not scheduled")
        }
    }

    func cancel(entryId: String) async {
        let center = UNUserNotificationCenter.current()
        let identifier = ProneAlertPlan.identifier(entryId: entryId)
        center.removePendingNotificationRequests(withIdentifiers: [identifier])
        center.removeDeliveredNotifications(withIdentifiers: [identifier])
    }

    func notificationsUndetermined() async -> Bool {
        await UNUserNotificationCenter.current().notificationSettings().authorizationStatus == .notDetermined
    }

    func requestNotificationPermission() async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound])
    }
}
