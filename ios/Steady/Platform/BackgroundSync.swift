// Background sync with BGTaskScheduler: an app-refresh task (identifier listed in Info.plist's
// BGTaskSchedulerPermittedIdentifiers) asked for every 15 minutes at the earliest; iOS decides
// when it runs, typically when the phone has network and charge. Each run schedules the next,
// then syncs through the same path as "sync now". The store opens while the phone is locked
// because its key and files are available after the first unlock.

import BackgroundTasks
import Foundation
import SteadyKit

enum BackgroundSync {
    /// As in Info.plist.
    static let taskIdentifier = "app.steady.sync"

    /// Asks iOS for the next background run.
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: taskIdentifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Simulators and devices with Background App Refresh off refuse; the foreground sync
            // still runs.
            Log.sync.notice("background sync not scheduled")
        }
    }

    /// One background run: schedule the next, open the store if needed, sync.
    @MainActor
    static func run() async {
        schedule()
        let environment = AppEnvironment.shared
        if environment.session.core == nil {
            await environment.session.start()
        }
        guard environment.session.phase == .ready else { return }
        let ok = await environment.sync.syncNow()
        Log.sync.info("background sync finished: \(ok, privacy: .public)")
    }
}
