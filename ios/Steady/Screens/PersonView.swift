// A person: the amber card first — safety alerts, early warning signs, what helps, what to
// avoid — then triggers and the red (crisis) section, then the actions and the rest of the
// support sheet (about me, communication, green, blue, review; the amber section again only for
// editors, who edit its lists there). Nothing floats over the card. Editors and leads edit in place — safety alerts, the person's
// names and identifier, the sheet's texts and lists — each saved through the core at once,
// a refused field's message shown under it in the edit sheet; readers see the same screen
// without the edit controls. Tap 2 of the two-tap path.
//
// Each safety alert and contraindication shows what it rules out ("Rules out: Prone
// restraint"), the marks the incident screen checks before any hold; editors and leads set
// them with a multi-select of the intervention types (CautionAvoidsSheet, RestraintViews.swift).

import SteadyCore
import SteadyKit
import SwiftUI

struct PersonView: View {
    @Environment(Router.self) private var router
    @State private var model: PersonModel
    @State private var editing: SheetEdit?
    @State private var confirmingReview = false
    @State private var editingDetails: DetailsEdit?
    @State private var removingAlert: ListItem?
    @State private var editingAvoids: CautionAvoidEdit?

    init(session: AppSession, personId: String) {
        _model = State(initialValue: PersonModel(session: session, personId: personId))
    }

    var body: some View {
        List {
            if let card = model.card {
                AmberCardSections(card: card, canEdit: model.canEdit, edit: { editing = $0 },
                                  removeAlert: { removingAlert = $0 },
                                  avoids: { model.avoids(.safetyAlert, itemId: $0) },
                                  editAvoids: { editingAvoids = $0 },
                                  notes: { model.notes($0, format: TimeText.dateTime) })
                // What a worker on shift looks for next: triggers, then the red section.
                ForEach(model.firstSections) { section in
                    SheetSectionView(section: section, canEdit: model.canEdit, edit: { editing = $0 },
                                     avoids: { model.avoids(.contraindication, itemId: $0) },
                                     editAvoids: { editingAvoids = $0 }) { action in
                        Task { await perform(action) }
                    }
                }
                Section {
                    NavigationLink(value: PeopleRoute.checklist(personId: model.personId)) {
                        Label("Check warning signs", systemImage: "checklist").frame(minHeight: 44)
                    }
                    Button {
                        router.requestCapture(personId: model.personId)
                    } label: {
                        Label("Record an incident", systemImage: "square.and.pencil").frame(minHeight: 44)
                    }
                    if model.proposalsWaiting > 0, let unitId = model.person?.unitId {
                        NavigationLink(value: PeopleRoute.proposals(unitId: unitId, personId: model.personId)) {
                            Label(model.proposalsWaiting == 1 ? "1 proposal to review" : "\(model.proposalsWaiting) proposals to review",
                                  systemImage: "tray.full")
                                .frame(minHeight: 44)
                        }
                    }
                }
                DetailsSection(person: model.person, canEdit: model.canEdit) {
                    if let form = model.detailsForm {
                        model.clearFieldErrors()
                        editingDetails = DetailsEdit(form: form)
                    }
                }
            } else {
                ProgressView()
            }
            ForEach(model.laterSections) { section in
                SheetSectionView(section: section, canEdit: model.canEdit, edit: { editing = $0 },
                                 avoids: { model.avoids(.contraindication, itemId: $0) },
                                 editAvoids: { editingAvoids = $0 }) { action in
                    Task { await perform(action) }
                }
            }
            if let review = model.review(format: TimeText.date) {
                Section("Review") {
                    Label(review.text, systemImage: review.overdue ? "exclamationmark.circle.fill" : "calendar")
                        .foregroundStyle(review.overdue ? Color.orange : Color.primary)
                    if model.canEdit {
                        Button("Mark reviewed today") { confirmingReview = true }
                            .frame(minHeight: 44)
                    }
                }
            }
        }
        .navigationTitle(model.card?.name ?? "")
        .task { await model.load() }
        .refreshable { await model.load() }
        .sheet(item: $editing, onDismiss: { model.clearFieldErrors() }) { edit in
            TextEditSheet(edit: edit, model: model) { text in
                await save(edit, text: text)
            }
        }
        .sheet(item: $editingDetails, onDismiss: { model.clearFieldErrors() }) { edit in
            PersonDetailsSheet(form: edit.form, model: model)
        }
        .sheet(item: $editingAvoids) { edit in
            CautionAvoidsSheet(edit: edit) { avoid in
                await model.setAvoids(edit.list, itemId: edit.itemId, avoid: avoid)
            }
        }
        .confirmationDialog("Remove this safety alert?", isPresented: Binding(
            get: { removingAlert != nil }, set: { if !$0 { removingAlert = nil } }
        ), titleVisibility: .visible, presenting: removingAlert) { alert in
            Button("Remove", role: .destructive) {
                Task { await model.removeSafetyAlert(alert.id) }
            }
        } message: { alert in
            Text("\u{201C}\(alert.text)\u{201D} will no longer show on the amber card, on this or any other device.")
        }
        .confirmationDialog("Next review due in", isPresented: $confirmingReview, titleVisibility: .visible) {
            ForEach([3, 6, 12], id: \.self) { months in
                Button("\(months) months") { Task { await model.markReviewed(nextDueInMonths: months) } }
            }
        }
        .problemAlert($model.problem)
    }

    private func save(_ edit: SheetEdit, text: String) async -> EditResult {
        switch edit.target {
        case let .text(field): return await model.setText(field, to: text)
        case let .newItem(list): return await model.addItem(list, text: text)
        case let .item(list, itemId): return await model.editItem(list, itemId: itemId, text: text)
        case .newAlert: return await model.addSafetyAlert(text)
        }
    }

    private func perform(_ action: SheetAction) async {
        switch action {
        case let .remove(list, itemId): await model.removeItem(list, itemId: itemId)
        case let .moveUp(list, itemId): await model.moveItemUp(list, itemId: itemId)
        case let .removeIntervention(itemId): await model.removeIntervention(itemId)
        }
    }
}

/// What an edit sheet changes.
struct SheetEdit: Identifiable {
    enum Target {
        case text(SheetText)
        case newItem(SheetList)
        case item(SheetList, itemId: String)
        case newAlert
    }

    let id = UUID()
    let title: String
    let initial: String
    let target: Target
}

/// The person's details being edited.
struct DetailsEdit: Identifiable {
    let id = UUID()
    let form: PersonDetailsForm
}

/// A one-tap change to a list.
enum SheetAction {
    case remove(SheetList, itemId: String)
    case moveUp(SheetList, itemId: String)
    case removeIntervention(String)
}

/// The amber card: four sections on an amber ground, safety alerts first.
private struct AmberCardSections: View {
    let card: AmberCardState
    let canEdit: Bool
    let edit: (SheetEdit) -> Void
    let removeAlert: (ListItem) -> Void
    /// What an alert (by id) rules out.
    let avoids: (String) -> [RestrictiveInterventionType]
    let editAvoids: (CautionAvoidEdit) -> Void
    /// A sheet item's source line ("From the incident of …") and "tried N · helped M".
    var notes: (ListItem) -> (source: String?, outcome: String?) = { _ in (nil, nil) }

    var body: some View {
        Section {
            if card.reviewOverdue {
                Label("This support sheet is overdue for review.", systemImage: "exclamationmark.circle.fill")
                    .foregroundStyle(.orange)
            }
            if card.safetyAlerts.isEmpty {
                Text("No safety alerts recorded.").foregroundStyle(.secondary)
            }
            ForEach(card.safetyAlerts, id: \.id) { alert in
                VStack(alignment: .leading, spacing: 4) {
                    Label(alert.text, systemImage: "exclamationmark.triangle.fill")
                        .font(.headline)
                        .foregroundStyle(.red)
                        .frame(minHeight: 44, alignment: .leading)
                    CautionAvoidMarks(avoid: avoids(alert.id), canEdit: canEdit) {
                        editAvoids(CautionAvoidEdit(list: .safetyAlert, itemId: alert.id, text: alert.text,
                                                    avoid: avoids(alert.id)))
                    }
                }
                    .swipeActions {
                        if canEdit {
                            Button("Remove", role: .destructive) { removeAlert(alert) }
                        }
                    }
                    .accessibilityActions {
                        if canEdit {
                            Button("Remove safety alert") { removeAlert(alert) }
                        }
                    }
            }
            if canEdit {
                Button("Add safety alert") {
                    edit(SheetEdit(title: "Safety alert", initial: "", target: .newAlert))
                }
                .frame(minHeight: 44)
            }
        } header: {
            Text("Safety alerts").font(.headline)
        }
        .listRowBackground(Color.red.opacity(0.12))

        amberList("Early warning signs", card.warningSigns, list: .warningSigns, icon: "eye.fill")
        amberList("What helps", card.whatHelps, list: .whatHelps, icon: "checkmark.circle.fill")
        amberList("What to avoid", card.whatToAvoid, list: .whatToAvoid, icon: "xmark.octagon.fill")
    }

    private func amberList(_ title: String, _ items: [ListItem], list: SheetList, icon: String) -> some View {
        Section {
            if items.isEmpty {
                Text("None recorded.").foregroundStyle(.secondary)
            }
            ForEach(items, id: \.id) { item in
                let extra = notes(item)
                BulletRow(text: item.text + (extra.outcome.map { "  (\($0))" } ?? ""), systemImage: icon, color: .orange)
                    .font(.body)
                if let source = extra.source, let incidentId = item.source?.incidentId {
                    NavigationLink(value: PeopleRoute.incident(incidentId)) {
                        Text(source).font(.footnote).frame(minHeight: 44)
                    }
                }
            }
        } header: {
            Text(title).font(.headline)
        }
        .listRowBackground(Color.orange.opacity(0.15))
    }
}

/// One section of the sheet, with edit controls for editors.
private struct SheetSectionView: View {
    let section: SheetSectionState
    let canEdit: Bool
    let edit: (SheetEdit) -> Void
    /// What a contraindication (by id) rules out.
    let avoids: (String) -> [RestrictiveInterventionType]
    let editAvoids: (CautionAvoidEdit) -> Void
    let act: (SheetAction) -> Void

    var body: some View {
        Section {
            ForEach(section.entries) { entry in
                switch entry {
                case let .text(field, heading, text):
                    VStack(alignment: .leading, spacing: 4) {
                        Text(heading).font(.subheadline.weight(.semibold)).foregroundStyle(.secondary)
                        Text(text.isEmpty ? "Not recorded." : text)
                            .foregroundStyle(text.isEmpty ? Color.secondary : Color.primary)
                    }
                    .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    .contentShape(Rectangle())
                    .accessibilityElement(children: .combine)
                    .onTapGesture {
                        if canEdit { edit(SheetEdit(title: heading, initial: text, target: .text(field))) }
                    }
                    .accessibilityAddTraits(canEdit ? .isButton : [])
                    .accessibilityHint(canEdit ? "Double-tap to edit" : "")
                case let .list(list, heading, items):
                    Text(heading).font(.subheadline.weight(.semibold)).foregroundStyle(.secondary)
                    if items.isEmpty {
                        Text("None recorded.").foregroundStyle(.secondary)
                    }
                    ForEach(items, id: \.id) { item in
                        VStack(alignment: .leading, spacing: 4) {
                            BulletRow(text: item.text)
                                .frame(minHeight: 44)
                            if list == .contraindications {
                                CautionAvoidMarks(avoid: avoids(item.id), canEdit: canEdit) {
                                    editAvoids(CautionAvoidEdit(list: .contraindication, itemId: item.id,
                                                                text: item.text, avoid: avoids(item.id)))
                                }
                            }
                        }
                            .swipeActions {
                                if canEdit {
                                    Button("Remove", role: .destructive) { act(.remove(list, itemId: item.id)) }
                                    Button("Edit") {
                                        edit(SheetEdit(title: heading, initial: item.text, target: .item(list, itemId: item.id)))
                                    }
                                    Button("Move up") { act(.moveUp(list, itemId: item.id)) }
                                }
                            }
                    }
                    if canEdit {
                        Button("Add to \(heading.lowercased())") {
                            edit(SheetEdit(title: heading, initial: "", target: .newItem(list)))
                        }
                        .frame(minHeight: 44)
                    }
                case let .interventions(heading, items):
                    Text(heading).font(.subheadline.weight(.semibold)).foregroundStyle(.secondary)
                    if items.isEmpty {
                        Text("None authorised.").foregroundStyle(.secondary)
                    }
                    ForEach(items, id: \.id) { item in
                        VStack(alignment: .leading) {
                            Text("\(item.intervention.code) \(item.intervention.label)")
                            if !item.note.isEmpty {
                                Text(item.note).font(.footnote).foregroundStyle(.secondary)
                            }
                        }
                        .accessibilityElement(children: .combine)
                        .swipeActions {
                            if canEdit {
                                Button("Remove", role: .destructive) { act(.removeIntervention(item.id)) }
                            }
                        }
                    }
                }
            }
        } header: {
            Text(section.title).font(.headline)
        }
        .listRowBackground(tint(section.band))
    }

    private func tint(_ band: SheetBand) -> Color? {
        switch band {
        case .aboutMe, .communication, .triggers: return nil
        case .green: return Color.green.opacity(0.12)
        case .amber: return Color.orange.opacity(0.15)
        case .red: return Color.red.opacity(0.12)
        case .blue: return Color.blue.opacity(0.12)
        }
    }
}

/// Edits one text: a field, a list item, a new item or a safety alert. Saved through the core
/// before it closes; a refused text keeps it open with the core's message under the field.
private struct TextEditSheet: View {
    let edit: SheetEdit
    let model: PersonModel
    let onSave: (String) async -> EditResult
    @State private var text: String
    @State private var saving = false
    @Environment(\.dismiss) private var dismiss

    init(edit: SheetEdit, model: PersonModel, onSave: @escaping (String) async -> EditResult) {
        self.edit = edit
        self.model = model
        self.onSave = onSave
        _text = State(initialValue: edit.initial)
    }

    /// The one field of this sheet, so whatever the core refused belongs to it.
    private var error: String? { model.fieldErrors.values.sorted().first }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField(edit.title, text: $text, axis: .vertical)
                        .lineLimit(3...12)
                        .accessibilityHint(error ?? "")
                    FieldError(message: error)
                }
            }
            .navigationTitle(edit.title)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Cancel") { dismiss() }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        saving = true
                        Task {
                            let result = await onSave(text)
                            saving = false
                            if result != .invalid { dismiss() }
                        }
                    }
                    .disabled(saving)
                }
            }
        }
    }
}

/// The person's names and identifier, with an edit button for editors.
private struct DetailsSection: View {
    let person: Person?
    let canEdit: Bool
    let edit: () -> Void

    var body: some View {
        if let person {
            Section {
                LabeledContent("Recorded name", value: person.displayName)
                LabeledContent("Preferred name", value: person.preferredName ?? "Not recorded")
                LabeledContent("Local identifier", value: person.localIdentifier ?? "Not recorded")
                if canEdit {
                    Button("Edit details", action: edit).frame(minHeight: 44)
                }
            } header: {
                Text("Details").font(.headline)
            }
        }
    }
}

/// Edits the person's recorded name, preferred name and local identifier (`updatePerson`).
/// Only what changed is saved; the core's message for a refused field shows under it.
private struct PersonDetailsSheet: View {
    let model: PersonModel
    @State private var form: PersonDetailsForm
    @State private var saving = false
    @Environment(\.dismiss) private var dismiss

    init(form: PersonDetailsForm, model: PersonModel) {
        self.model = model
        _form = State(initialValue: form)
    }

    var body: some View {
        NavigationStack {
            Form {
                field("Recorded name", text: $form.displayName, key: PersonField.displayName,
                      footer: "Required. As in the person's records.")
                    .textContentType(.name)
                field("Preferred name", text: $form.preferredName, key: PersonField.preferredName,
                      footer: "What they like to be called; shown first. Leave empty for none.")
                field("Local identifier", text: $form.localIdentifier, key: PersonField.localIdentifier,
                      footer: "A room or local record number. Leave empty for none.")
                    .autocorrectionDisabled()
                    .textInputAutocapitalization(.never)
                field("NHS number", text: $form.nhsNumber, key: PersonField.nhsNumber,
                      footer: "10 digits, checked as you save. A use-of-force record needs it (its consistent identifier).")
                    .keyboardType(.numberPad)
                    .autocorrectionDisabled()
            }
            .navigationTitle("Details")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        saving = true
                        Task {
                            let result = await model.updateDetails(form)
                            saving = false
                            if result != .invalid { dismiss() }
                        }
                    }
                    .disabled(saving)
                }
            }
        }
    }

    private func field(_ title: String, text: Binding<String>, key: Field, footer: String) -> some View {
        Section {
            TextField(title, text: text)
                .accessibilityLabel(title)
                .accessibilityHint(model.fieldErrors[key] ?? "")
            FieldError(message: model.fieldErrors[key])
        } header: {
            Text(title)
        } footer: {
            Text(footer)
        }
    }
}
