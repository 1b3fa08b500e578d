// Quick capture: three taps from anywhere — the button (or the App Shortcut, or the home-screen
// quick action), a tag, Save. The time is the moment the sheet opened, and the draft is in the
// core from then on (CaptureModel); every tap updates it. A note, the person (or a description
// of someone not known by name) and the unit can be set here; everything else is completed
// later from the Incidents tab. Cancel on a started capture asks first, and a swipe down cannot
// close it unasked. Synced when there is signal.

import SteadyCore
import SteadyKit
import SwiftUI

struct CaptureView: View {
    @Environment(\.dismiss) private var dismiss
    @Environment(\.scenePhase) private var scenePhase
    @State private var model: CaptureModel
    @State private var askingToLeave = false
    @FocusState private var noteFocused: Bool

    init(session: AppSession, personId: String?) {
        _model = State(initialValue: CaptureModel(session: session, personId: personId))
    }

    var body: some View {
        @Bindable var model = model
        Form {
            if model.needsUnit {
                Section("Which unit?") {
                    unitPicker
                }
            }
            Section("What happened") {
                LazyVGrid(columns: [GridItem(.adaptive(minimum: 150), spacing: 8)], spacing: 8) {
                    ForEach(IncidentTag.all, id: \.self) { tag in
                        TagButton(title: tag.label, selected: model.draft.tags.contains(tag)) {
                            model.toggle(tag)
                        }
                    }
                }
                .padding(.vertical, 4)
                TextField("Note (optional)", text: $model.draft.note, axis: .vertical)
                    .lineLimit(2...6)
                    .focused($noteFocused)
            }

            Section("Who") {
                Picker("Person", selection: $model.draft.personId) {
                    Text("Not chosen").tag(String?.none)
                    ForEach(model.people) { person in
                        Text(person.name).tag(Optional(person.id))
                    }
                }
                .frame(minHeight: 44)
                if model.draft.personId == nil {
                    TextField("Or describe them (e.g. man ~40, roadside)", text: $model.draft.unidentifiedPerson)
                        .frame(minHeight: 44)
                }
            }

            Section {
                if model.units.count > 1 && !model.needsUnit {
                    unitPicker
                        .disabled(model.savedId != nil)
                }
                DatePicker(
                    "When",
                    selection: Binding(
                        get: { model.draft.occurredAt.date },
                        set: { model.draft.occurredAt = $0.timestamp }
                    ),
                    in: ...Date()
                )
            }

            Section {
                Button {
                    Task {
                        if await model.save() != nil { dismiss() }
                    }
                } label: {
                    Text("Save")
                        .font(.headline)
                        .frame(maxWidth: .infinity, minHeight: 50)
                }
                .buttonStyle(.borderedProminent)
                .disabled(!model.draft.canSave || model.saving)
                .listRowInsets(EdgeInsets())
            } footer: {
                Text(model.savedId != nil
                    ? "Saved on this phone as a draft from the first tap. Complete it later from Incidents."
                    : "Saved on this phone straight away. Complete it later from Incidents.")
            }
        }
        .navigationTitle("Record incident")
        .navigationBarTitleDisplayMode(.inline)
        // A swipe down never throws a started capture away: Cancel asks instead.
        .interactiveDismissDisabled(model.leaveDecision == .ask)
        .confirmationDialog("Keep this draft?", isPresented: $askingToLeave, titleVisibility: .visible) {
            Button("Keep this draft") {
                Task {
                    await model.keep()
                    dismiss()
                }
            }
            Button("Go back to it", role: .cancel) {}
        } message: {
            Text("It is saved on this phone and stays under \"drafts to finish\" until you complete and submit it. "
                + "Drafts cannot be deleted from the phone yet.")
        }
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("Cancel") {
                    if model.leaveDecision == .ask {
                        askingToLeave = true
                    } else {
                        model.discardUntouched()
                        dismiss()
                    }
                }
            }
            ToolbarItem(placement: .confirmationAction) {
                Button("Save") {
                    Task { if await model.save() != nil { dismiss() } }
                }
                .disabled(!model.draft.canSave || model.saving)
            }
        }
        .task { await model.start() }
        .onChange(of: scenePhase) { _, phase in
            if phase != .active { Task { await model.flush() } }
        }
        .onDisappear {
            // Swiped away with nothing in it: no open capture to reopen at the next launch.
            model.discardUntouched()
            Task { await model.flush() }
        }
        .problemAlert($model.problem)
    }

    /// The units to choose from (only until the draft exists: an incident stays in its unit).
    private var unitPicker: some View {
        Picker("Unit", selection: Binding(
            get: { model.draft.unitId ?? "" },
            set: { id in Task { await model.choose(unitId: id) } }
        )) {
            if model.draft.unitId == nil {
                Text("Choose").tag("")
            }
            ForEach(model.units, id: \.grant.unitId) { unit in
                Text(unit.grant.name).tag(unit.grant.unitId)
            }
        }
        .frame(minHeight: 44)
    }
}

/// A tag that toggles, at least 44 points tall.
private struct TagButton: View {
    let title: String
    let selected: Bool
    let action: () -> Void

    var body: some View {
        Button(action: action) {
            Text(title)
                .font(.subheadline.weight(.medium))
                .multilineTextAlignment(.center)
                .frame(maxWidth: .infinity, minHeight: 44)
                .padding(.horizontal, 6)
                .background(selected ? Color.accentColor.opacity(0.25) : Color.secondary.opacity(0.12),
                            in: RoundedRectangle(cornerRadius: 10))
                .overlay(RoundedRectangle(cornerRadius: 10)
                    .stroke(selected ? Color.accentColor : Color.clear, lineWidth: 2))
        }
        .buttonStyle(.plain)
        .accessibilityAddTraits(selected ? [.isButton, .isSelected] : .isButton)
    }
}
