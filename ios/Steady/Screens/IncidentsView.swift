// Incidents: the unit's incidents in sections — needs attention (a change the server refused, or
// an edit another change overtook, each with its reason), drafts, waiting to sync, submitted.
// A draft opens for completion; a submitted one opens read-only with its addenda.

import SteadyCore
import SteadyKit
import SwiftUI

struct IncidentsView: View {
    @Environment(SyncModel.self) private var sync
    @Environment(Router.self) private var router
    @State private var model: IncidentsModel
    private let session: AppSession

    init(session: AppSession) {
        self.session = session
        _model = State(initialValue: IncidentsModel(session: session))
    }

    var body: some View {
        List {
            if !model.problems.isEmpty {
                Section {
                    ForEach(model.problems) { problem in
                        ProblemRow(problem: problem) {
                            Task {
                                await sync.resolve(problem)
                                await model.load()
                            }
                        }
                    }
                } header: {
                    Text("Needs your attention")
                } footer: {
                    Text("Nothing else waits behind these; the rest keeps syncing.")
                }
            }
            ForEach(model.sections) { section in
                Section(section.state.label) {
                    ForEach(section.rows) { row in
                        NavigationLink(value: row.id) { IncidentRow(row: row) }
                    }
                }
            }
        }
        .overlay {
            if model.rows.isEmpty && model.problems.isEmpty {
                ContentUnavailableView("No incidents", systemImage: "list.bullet.clipboard",
                                       description: Text("Incidents you record appear here, even with no signal."))
            }
        }
        .navigationTitle("Incidents")
        .navigationDestination(for: String.self) { id in
            IncidentView(session: session, incidentId: id, alerts: AppEnvironment.shared.alerts)
        }
        .toolbar {
            ToolbarItem(placement: .topBarLeading) { UnitPicker() }
        }
        .refreshable {
            await sync.syncNow()
            await model.load()
        }
        // Runs again each time the list reappears (back from an incident), and on a unit change.
        .task(id: session.selectedUnitId) { await model.load() }
        // A capture saved from the sheet over this list shows as soon as the sheet closes.
        .onChange(of: router.showingCapture) { _, showing in
            if !showing { Task { await model.load() } }
        }
        .problemAlert($model.problem)
    }
}

private struct IncidentRow: View {
    let row: IncidentRowState

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(row.about).font(.headline)
                Spacer()
                Badge(text: row.state.label, color: color)
            }
            Text(TimeText.dateTime(row.occurredAt)).font(.subheadline).foregroundStyle(.secondary)
            if !row.tags.isEmpty {
                Text(row.tags.joined(separator: ", ")).font(.subheadline)
            }
            HStack {
                if row.useOfForce {
                    Label("Use of force", systemImage: "hand.raised.fill").font(.caption).foregroundStyle(.red)
                }
                if let badge = row.pendingBadge { PendingBadge(text: badge) }
            }
        }
        .frame(minHeight: 44)
        .accessibilityElement(children: .combine)
    }

    private var color: Color {
        switch row.state {
        case .draft: return .blue
        case .waitingToSync: return .orange
        case .submitted: return .green
        case .needsAttention: return .red
        }
    }
}

/// A refused or overtaken change, its reason, and the one thing to do about it.
struct ProblemRow: View {
    let problem: SyncProblemState
    let resolve: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Label(problem.recordKind, systemImage: "exclamationmark.triangle.fill")
                .font(.headline)
                .foregroundStyle(.red)
            Text(problem.reason)
            Button(buttonTitle, action: resolve)
                .buttonStyle(.bordered)
                .frame(minHeight: 44)
        }
        .accessibilityElement(children: .contain)
    }

    private var buttonTitle: String {
        switch problem.kind {
        case .quarantined: return "Discard my change"
        case .conflict: return "OK, keep the newer value"
        }
    }
}
