// The app's long-lived objects, made once: the session over the device store (key in the
// Keychain, store under Application Support), the sync model, the prone-alert notifications and
// the router. One instance, because the background task, the App Intent and the home-screen
// quick action reach it from outside the view tree.

import SteadyKit
import SwiftUI

/// The tabs of the main screen.
enum MainTab: Hashable {
    case people, incidents, guidance, settings
}

/// Where the app is asked to go from outside a screen: the quick capture (button, App Intent,
/// quick action) and an enrolment link.
@MainActor
@Observable
final class Router {
    /// The tab showing.
    var tab: MainTab = .people
    /// The quick capture sheet is showing.
    var showingCapture = false
    /// The person a capture starts with, if it was opened from their screen.
    var capturePersonId: String?
    /// A `steady://enrol` link opened while the enrol screen was not showing.
    var pendingEnrolLink: String?

    /// Opens the quick capture, about `personId` if given.
    func requestCapture(personId: String? = nil) {
        capturePersonId = personId
        showingCapture = true
    }
}

/// The app's objects.
@MainActor
final class AppEnvironment {
    /// The one instance.
    static let shared = AppEnvironment()

    let session: AppSession
    let sync: SyncModel
    let alerts: NotificationProneAlerts
    let router: Router
    let network = NetworkWatcher()

    private init() {
        session = AppSession(location: .standard, keys: KeychainKeyProvider())
        sync = SyncModel(session: session)
        alerts = NotificationProneAlerts()
        router = Router()
        let syncModel = self.sync
        let currentSession = self.session
        network.start {
            guard currentSession.phase == .ready else { return }
            Task { await syncModel.syncNow() }
        }
    }
}
