// Hides the screen whenever the scene is not active, so the app-switcher snapshot (taken as the
// app goes to the background) and anyone glancing at the switcher see the cover, not a person's
// support sheet or an incident.

import SwiftUI

private struct PrivacyCover: ViewModifier {
    @Environment(\.scenePhase) private var scenePhase

    func body(content: Content) -> some View {
        content.overlay {
            if scenePhase != .active {
                ZStack {
                    Rectangle().fill(.background)
                    VStack(spacing: 12) {
                        Image(systemName: "lock.shield")
                            .font(.largeTitle)
                            .foregroundStyle(.secondary)
                            .accessibilityHidden(true)
                        Text("Steady")
                            .font(.title.bold())
                    }
                }
                .ignoresSafeArea()
                .accessibilityElement(children: .combine)
                .accessibilityLabel("Steady is hidden while in the background")
            }
        }
    }
}

extension View {
    /// Covers the view while the scene is not active.
    func privacyCover() -> some View {
        modifier(PrivacyCover())
    }
}
