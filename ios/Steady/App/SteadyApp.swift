// The app's entry point: one window whose root follows the session (enrol, the main tabs, or a
// problem), the privacy cover over everything while the app is not active (the app-switcher
// snapshot shows no personal data), and background sync through BGTaskScheduler (SwiftUI's
// `.backgroundTask(.appRefresh)` runs the task the scheduler launches).

import SteadyKit
import SwiftUI

@main
struct SteadyApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    @Environment(\.scenePhase) private var scenePhase
    private let environment = AppEnvironment.shared

    var body: some Scene {
        WindowGroup {
            RootView()
                .environment(environment.session)
                .environment(environment.sync)
                .environment(environment.router)
                .privacyCover()
                .task { await environment.session.start() }
                .onOpenURL { url in
                    environment.router.pendingEnrolLink = url.absoluteString
                }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active:
                Task { await foreground() }
            case .background:
                BackgroundSync.schedule()
            default:
                break
            }
        }
        .backgroundTask(.appRefresh(BackgroundSync.taskIdentifier)) {
            await BackgroundSync.run()
        }
    }

    /// Coming to the foreground: reopen the store if the key was not readable before, and sync.
    @MainActor
    private func foreground() async {
        let session = environment.session
        if session.phase == .waitingForUnlock || session.core == nil {
            await session.start()
        }
        if session.phase == .ready {
            await environment.sync.syncNow()
        }
    }
}
