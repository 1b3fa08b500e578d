// The prone-hold alert as a local notification: scheduled for the moment a running prone hold
// passes 10 minutes, so it sounds even when the phone is locked or Steady is in the background;
// cancelled when the hold ends. Time-sensitive, so Focus modes let it through. Its words hold no
// personal data (it shows on the lock screen): no name, no incident.

import Foundation
import SteadyCore
import SteadyKit
import UserNotifications

final class NotificationProneAlerts: ProneAlertScheduling {
    private static let prefix = "app.steady.prone."

    func schedule(entryId: String, at: Timestamp) async {
        let center = UNUserNotificationCenter.current()
        let granted = (try? await center.requestAuthorization(options: [.alert, .sound])) ?? false
        guard granted else {
            Log.ui.notice("prone alert notifications not allowed; in-app alert only")
            return
        }
        let content = UNMutableNotificationContent()
        content.title = "Prone hold over 10 minutes"
        content.body = "A prone hold recorded in Steady has passed 10 minutes. Record when it ends."
        content.sound = .default
        content.interruptionLevel = .timeSensitive
        let seconds = max(1, TimeInterval(at - SystemWallClock().now()) / 1000)
        let trigger = UNTimeIntervalNotificationTrigger(timeInterval: seconds, repeats: false)
        let request = UNNotificationRequest(identifier: Self.prefix + entryId, content: content, trigger: trigger)
        do {
            try await center.add(request)
        } catch {
            Log.ui.error("prone alert not scheduled")
        }
    }

    func cancel(entryId: String) async {
        UNUserNotificationCenter.current().removePendingNotificationRequests(withIdentifiers: [Self.prefix + entryId])
    }
}
