// Sync and settings: the sync status (last success, what waits, problems, the last error),
// "sync now" with progress, the problems list, who is using the phone, its units and roles, the
// device id a lead needs, and sign-out — which deletes everything Steady holds on the phone,
// after saying how many changes have not been synced.

import SteadyCore
import SteadyKit
import SwiftUI

struct SettingsView: View {
    @Environment(AppSession.self) private var session
    @Environment(SyncModel.self) private var sync
    @State private var deviceId = ""
    @State private var confirmingSignOut = false

    var body: some View {
        @Bindable var sync = sync
        List {
            Section("Sync") {
                if let status = sync.status {
                    Label(status.lastSync, systemImage: "clock")
                    if let pending = status.pending {
                        Label(pending, systemImage: "arrow.up.circle")
                    } else {
                        Label("Everything is synced", systemImage: "checkmark.circle")
                    }
                    if let refused = status.refused {
                        Label(refused, systemImage: "exclamationmark.triangle").foregroundStyle(.orange)
                    }
                    if let error = status.lastError {
                        Label(error, systemImage: "wifi.exclamationmark").foregroundStyle(.orange)
                    }
                }
                Button {
                    Task { await sync.syncNow() }
                } label: {
                    HStack {
                        Text("Sync now")
                        Spacer()
                        if sync.syncing {
                            if let progress = sync.progress {
                                Text("\(progress.sent) sent, \(progress.received) received")
                                    .font(.footnote).foregroundStyle(.secondary)
                            }
                            ProgressView()
                        }
                    }
                    .frame(minHeight: 44)
                }
                .disabled(sync.syncing)
            }

            if !sync.problems.isEmpty {
                Section("Needs your attention") {
                    ForEach(sync.problems) { problem in
                        ProblemRow(problem: problem) { Task { await sync.resolve(problem) } }
                    }
                }
            }

            Section("You") {
                if let staff = session.staff {
                    LabeledContent("Name", value: staff.name)
                    LabeledContent("Job title", value: staff.jobTitle)
                }
            }

            Section("Units on this phone") {
                ForEach(session.units, id: \.grant.unitId) { unit in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(unit.grant.name).font(.headline)
                        Text("\(unit.grant.organisation) · \(unit.grant.role.label)")
                            .font(.subheadline).foregroundStyle(.secondary)
                        if !unit.active {
                            Text("Placement ended").font(.subheadline).foregroundStyle(.orange)
                        } else if let ends = unit.grant.endsAt {
                            Text("Access ends \(TimeText.dateTime(ends))").font(.subheadline)
                        }
                    }
                    .accessibilityElement(children: .combine)
                }
            }

            Section {
                LabeledContent("Device id", value: deviceId)
                    .textSelection(.enabled)
            } footer: {
                Text("Your lead uses this to end access or remove this phone.")
            }

            Section {
                Button("Sign out and delete data", role: .destructive) { confirmingSignOut = true }
                    .frame(minHeight: 44)
            } footer: {
                Text("Removes everything Steady holds on this phone, and its key.")
            }
        }
        .navigationTitle("Sync & settings")
        .task {
            await sync.load()
            if let core = session.core {
                deviceId = (try? await core.call { try $0.deviceId() }) ?? ""
            }
        }
        .confirmationDialog("Sign out and delete Steady's data?", isPresented: $confirmingSignOut,
                            titleVisibility: .visible) {
            Button("Sign out and delete", role: .destructive) {
                Task { await session.signOut() }
            }
        } message: {
            Text(signOutWarning)
        }
        .problemAlert($sync.problem)
    }

    private var signOutWarning: String {
        let pending = sync.rawStatus?.pending ?? 0
        if pending == 0 {
            return "Everything has been synced. You will need a new enrolment code to use Steady again."
        }
        return "\(pendingBadge(pending) ?? String(pending)) change(s) have NOT been synced and will be lost. Sync first if you can."
    }
}
