// The root: follows the session — opening, waiting for the first unlock, enrolment, the main
// tabs, or a problem with the store (with a reset when the key no longer opens it).

import SteadyKit
import SwiftUI

struct RootView: View {
    @Environment(AppSession.self) private var session

    var body: some View {
        Group {
            phase
        }
        .problemAlert(Binding(get: { session.problem }, set: { session.problem = $0 }))
    }

    @ViewBuilder
    private var phase: some View {
        switch session.phase {
        case .starting:
            ProgressView("Opening Steady…")
        case .waitingForUnlock:
            MessageView(
                systemImage: "lock",
                title: "Unlock your phone",
                message: "Steady's data opens once the phone has been unlocked since it started."
            ) {
                Button("Try again") { Task { await session.start() } }
                    .buttonStyle(.borderedProminent)
            }
        case .needsEnrolment:
            NavigationStack { EnrolView(session: session) }
        case .ready:
            MainView()
        case let .failed(problem):
            StoreProblemView(problem: problem)
        }
    }
}

/// The store cannot be opened: say why and offer what helps.
private struct StoreProblemView: View {
    @Environment(AppSession.self) private var session
    let problem: UserProblem
    @State private var confirmingReset = false

    var body: some View {
        MessageView(systemImage: "exclamationmark.triangle", title: problem.title, message: problem.message) {
            // Never for .updateApp: a newer Steady's store is intact, and a reset would delete
            // records not yet synced.
            if problem.action == .resetStore || problem.action == .showWithReset {
                Button("Reset Steady", role: .destructive) { confirmingReset = true }
                    .buttonStyle(.borderedProminent)
            }
            Button("Try again") { Task { await session.start() } }
        }
        .confirmationDialog(
            "Reset Steady on this phone?", isPresented: $confirmingReset, titleVisibility: .visible
        ) {
            Button("Delete this phone's Steady data", role: .destructive) {
                Task { await session.resetAfterWrongKey() }
            }
        } message: {
            Text("Anything not yet synced is lost. You will need a new enrolment code from your lead.")
        }
    }
}

/// The main screen: tabs, each with its own navigation stack, and the quick capture button on
/// every one of them. A `steady://enrol` link tapped once enrolled opens "Add a placement" with
/// its code (a link for another server is refused there, with the reason).
struct MainView: View {
    @Environment(AppSession.self) private var session
    @Environment(Router.self) private var router
    @State private var placementLink: PlacementLinkItem?

    var body: some View {
        @Bindable var router = router
        TabView(selection: $router.tab) {
            NavigationStack { PeopleView(session: session) }
                .captureButton()
                .tabItem { Label("People", systemImage: "person.2") }
                .tag(MainTab.people)
            NavigationStack { IncidentsView(session: session) }
                .captureButton()
                .tabItem { Label("Incidents", systemImage: "list.bullet.clipboard") }
                .tag(MainTab.incidents)
            NavigationStack { GuidanceView(session: session) }
                .captureButton()
                .tabItem { Label("Guidance", systemImage: "book") }
                .tag(MainTab.guidance)
            NavigationStack { SettingsView() }
                .tabItem { Label("Sync & settings", systemImage: "arrow.triangle.2.circlepath") }
                .tag(MainTab.settings)
        }
        .sheet(isPresented: $router.showingCapture) {
            NavigationStack {
                CaptureView(session: session, personId: router.capturePersonId)
            }
        }
        .sheet(item: $placementLink) { item in
            NavigationStack { AddPlacementView(session: session, link: item.link) }
        }
        .onAppear(perform: takePlacementLink)
        .onChange(of: router.pendingEnrolLink) { _, _ in takePlacementLink() }
    }

    /// A tapped enrolment link while enrolled: the next placement's code.
    private func takePlacementLink() {
        guard let link = router.pendingEnrolLink else { return }
        router.pendingEnrolLink = nil
        placementLink = PlacementLinkItem(link: link)
    }
}

/// A tapped link waiting for "Add a placement".
private struct PlacementLinkItem: Identifiable {
    let id = UUID()
    let link: String
}
