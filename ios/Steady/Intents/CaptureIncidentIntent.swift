// The App Intent and App Shortcut for quick capture: "Record an incident in Steady" from Siri,
// Spotlight, the Shortcuts app or the Action button opens Steady straight at the quick capture
// sheet, in the unit in use. It opens the app rather than saving in the background because a
// capture needs a tag or a note, and the store key is only read on a device that has been
// unlocked.

import AppIntents
import SwiftUI

struct CaptureIncidentIntent: AppIntent {
    static let title: LocalizedStringResource = "Record an incident"
    static let description = IntentDescription("Opens Steady's quick capture: a timestamped incident in three taps, saved on the phone even with no signal.")
    static let openAppWhenRun = true

    @MainActor
    func perform() async throws -> some IntentResult {
        let environment = AppEnvironment.shared
        environment.router.tab = .people
        environment.router.requestCapture()
        return .result()
    }
}

struct SteadyShortcuts: AppShortcutsProvider {
    static var appShortcuts: [AppShortcut] {
        AppShortcut(
            intent: CaptureIncidentIntent(),
            phrases: [
                "Record an incident in \(.applicationName)",
                "Quick capture in \(.applicationName)",
            ],
            shortTitle: "Record incident",
            systemImageName: "square.and.pencil"
        )
    }
}
