// UIKit hooks SwiftUI has no modifier for: the home-screen quick action "Record incident"
// (long-press on the app icon, declared in Info.plist as UIApplicationShortcutItems) opens the
// quick capture whether the app was running or not; and the notification delegate, so the prone
// alert also sounds while the app is open.

import SteadyKit
import SwiftUI
import UIKit
import UserNotifications

/// The quick action's type, as in Info.plist.
let captureShortcutType = "app.steady.capture"

final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        return true
    }

    func application(
        _ application: UIApplication,
        configurationForConnecting connectingSceneSession: UISceneSession,
        options: UIScene.ConnectionOptions
    ) -> UISceneConfiguration {
        if let item = options.shortcutItem, item.type == captureShortcutType {
            Task { @MainActor in AppEnvironment.shared.router.requestCapture() }
        }
        let configuration = UISceneConfiguration(name: nil, sessionRole: connectingSceneSession.role)
        configuration.delegateClass = SceneDelegate.self
        return configuration
    }

    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification
    ) async -> UNNotificationPresentationOptions {
        [.banner, .sound, .list]
    }
}

/// Receives the quick action while the app is already running.
final class SceneDelegate: NSObject, UIWindowSceneDelegate {
    func windowScene(
        _ windowScene: UIWindowScene,
        performActionFor shortcutItem: UIApplicationShortcutItem
    ) async -> Bool {
        guard shortcutItem.type == captureShortcutType else { return false }
        await MainActor.run { AppEnvironment.shared.router.requestCapture() }
        return true
    }
}
