// Quick capture: three taps from anywhere — the button (or the App Shortcut, or the home-screen
// quick action), a tag, Save. The time is the moment the sheet opened. A note, the person (or a
// description of someone not known by name) and the unit can be set here; everything else is
// completed later from the Incidents tab. Saved to the device at once, synced when there is
// signal.

import SteadyCore
import SteadyKit
import SwiftUI

struct CaptureView: View {
    @Environment(\.dismiss) private var dismiss
    @State private var model: CaptureModel
    @FocusState private var noteFocused: Bool

    init(session: AppSession, personId: String?) {
        _model = State(initialValue: CaptureModel(session: session, personId: personId))
    }

    var body: some View {
        @Bindable var model = model
        Form {
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
                if model.units.count > 1 {
                    Picker("Unit", selection: Binding(
                        get: { model.draft.unitId ?? "" },
                        set: { id in Task { await model.choose(unitId: id) } }
                    )) {
                        ForEach(model.units, id: \.grant.unitId) { unit in
                            Text(unit.grant.name).tag(unit.grant.unitId)
                        }
                    }
                    .frame(minHeight: 44)
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
                Text("Saved on this phone straight away. Complete it later from Incidents.")
            }
        }
        .navigationTitle("Record incident")
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("Cancel") { dismiss() }
            }
            ToolbarItem(placement: .confirmationAction) {
                Button("Save") {
                    Task { if await model.save() != nil { dismiss() } }
                }
                .disabled(!model.draft.canSave || model.saving)
            }
        }
        .task { await model.loadPeople() }
        .problemAlert($model.problem)
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
