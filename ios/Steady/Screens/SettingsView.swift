// Sync and settings: the sync status (last success, what waits, problems, the last error),
// "sync now" with progress, the problems list, who is using the phone, its units and roles, the
// device id a lead needs, and sign-out — which deletes everything Steady holds on the phone,
// after saying how many changes have not been synced. "Placements on this phone" lists each unit
// with its role and end (UK time) and offers "Add a placement": the next unit's code, typed,
// scanned or from a tapped link, added without signing out (`AddPlacementView`, also opened from
// the people screen's ended state and by a `steady://enrol` link once enrolled).

import SteadyCore
import SteadyKit
import SwiftUI

struct SettingsView: View {
    @Environment(AppSession.self) private var session
    @Environment(SyncModel.self) private var sync
    @State private var deviceId = ""
    @State private var confirmingSignOut = false
    @State private var addingPlacement = false

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

            Section {
                ForEach(session.units, id: \.grant.unitId) { unit in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(unit.grant.name).font(.headline)
                        Text("\(unit.grant.organisation) · \(unit.grant.role.label)")
                            .font(.subheadline).foregroundStyle(.secondary)
                        if let end = PlacementText.endLine(unit) {
                            if unit.active {
                                Text(end).font(.subheadline)
                            } else {
                                Text("\(end) · records leave this phone once synced")
                                    .font(.subheadline.weight(.semibold))
                            }
                        }
                    }
                    .accessibilityElement(children: .combine)
                }
                Button("Add a placement") { addingPlacement = true }
                    .frame(minHeight: 44)
            } header: {
                Text("Placements on this phone")
            } footer: {
                Text("The next unit's code from its lead, added without signing out. Your other placements and anything not yet synced stay.")
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
        .sheet(isPresented: $addingPlacement) {
            NavigationStack { AddPlacementView(session: session) }
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

/// "Add a placement": the next unit's code, typed, scanned from its QR code or from a tapped
/// `steady://enrol` link, redeemed at the server this phone syncs with. The code's problems show
/// under it; no signal says nothing was lost.
struct AddPlacementView: View {
    @Environment(\.dismiss) private var dismiss
    @State private var model: PlacementModel
    @State private var scanning = false
    @State private var server: String?
    private let session: AppSession
    private let link: String?

    init(session: AppSession, link: String? = nil) {
        self.session = session
        self.link = link
        _model = State(initialValue: PlacementModel(session: session))
    }

    var body: some View {
        Form {
            Section {
                Text("Enter the code your next unit's lead gave you, or scan its QR code. Your other placements and anything not yet synced stay on this phone.")
            }
            Section {
                VStack(alignment: .leading, spacing: 4) {
                    TextField("Placement code", text: Binding(get: { model.code }, set: { model.codeChanged($0) }))
                        .textInputAutocapitalization(.characters)
                        .autocorrectionDisabled()
                        .frame(minHeight: 44)
                    if let error = model.codeError {
                        Text(error).font(.footnote).foregroundStyle(.red)
                    }
                }
                Button("Scan the QR code") { scanning = true }
                    .frame(minHeight: 44)
            } footer: {
                if let server { Text("Codes from \(server) only.") }
            }
            if let problem = model.problem {
                Section {
                    Label(problem.message, systemImage: "wifi.exclamationmark").foregroundStyle(.orange)
                }
            }
            Section {
                Button {
                    Task {
                        if await model.add() { dismiss() }
                    }
                } label: {
                    HStack {
                        Text(model.busy ? "Adding…" : "Add placement")
                        if model.busy { ProgressView() }
                    }
                    .frame(minHeight: 44)
                }
                .disabled(model.busy)
            }
        }
        .navigationTitle("Add a placement")
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("Cancel") { dismiss() }.disabled(model.busy)
            }
        }
        .sheet(isPresented: $scanning) {
            QRScannerSheet { text in
                scanning = false
                Task { await model.scanned(text) }
            }
        }
        .task {
            if let core = session.core {
                server = try? await core.call { try $0.syncStatus() }.serverUrl
            }
            if let link { await model.scanned(link) }
        }
    }
}
