// Syncs when the network comes back while the app is open (the HEMS moment: a capture made with
// no signal goes as soon as there is some), as WorkManager's network constraint does on Android.
// Only the transition from no network to network triggers a sync.

import Foundation
import Network
import SteadyKit

@MainActor
final class NetworkWatcher {
    private let monitor = NWPathMonitor()
    private var wasConnected = true

    /// Starts watching; `onReconnect` runs on the main actor after each reconnection.
    func start(onReconnect: @escaping @MainActor @Sendable () -> Void) {
        monitor.pathUpdateHandler = { [weak self] path in
            let connected = path.status == .satisfied
            Task { @MainActor in
                guard let self else { return }
                if connected && !self.wasConnected { onReconnect() }
                self.wasConnected = connected
            }
        }
        monitor.start(queue: DispatchQueue(label: "app.steady.network"))
    }
}
