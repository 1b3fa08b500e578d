// One incident. A draft is completed here: summary, de-escalation tried (the person's own "what
// helps" first, then general steps), use of force with running timers (a prone hold past 10
// minutes raises an alert in the app and a local notification), staff, injuries, outcome,
// debriefs, notifications; then submission with the list of s.6(5) items still missing. A
// submitted incident is read-only, with its addenda and a way to add one.
//
// When it happened is changed in its own sheet (a date picker limited to the past, laid out
// for large text) and saved through the core on Save, apart from the rest of the form.

import SteadyCore
import SteadyKit
import SwiftUI

struct IncidentView: View {
    @State private var model: IncidentModel
    @State private var confirmingSubmit = false
    @State private var addingAddendum = false

    init(session: AppSession, incidentId: String, alerts: ProneAlertScheduling) {
        _model = State(initialValue: IncidentModel(session: session, incidentId: incidentId, alerts: alerts))
    }

    var body: some View {
        @Bindable var model = model
        List {
            if let warning = model.unreadableWarning {
                Section {
                    Label(warning, systemImage: "exclamationmark.triangle")
                        .foregroundStyle(.red)
                }
            }
            if let incident = model.incident {
                if model.isSubmitted {
                    SubmittedSections(incident: incident, advice: model.submitAdvice) { addingAddendum = true }
                } else if model.form != nil {
                    DraftSections(model: model)
                    MissingSection(missing: model.missing, blocks: model.missingBlocksSubmission)
                    Section {
                        Button {
                            confirmingSubmit = true
                        } label: {
                            Text("Submit").font(.headline).frame(maxWidth: .infinity, minHeight: 44)
                        }
                        .disabled(model.busy)
                    } footer: {
                        Text("Once submitted, an incident cannot change; you can add addenda.")
                    }
                }
            } else {
                ProgressView()
            }
        }
        .navigationTitle(model.isSubmitted ? "Incident" : "Complete incident")
        .toolbar {
            if !model.isSubmitted {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") { Task { await model.saveDetails() } }
                        .disabled(!model.hasUnsavedChanges || model.busy)
                }
            }
        }
        .task { await model.load() }
        .task {
            // The timers' clock: once a second while the screen shows.
            while !Task.isCancelled {
                model.tick()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        .onDisappear { Task { await model.saveDetails() } }
        // The core's words, the same as the notification's and Android's.
        .alert(proneHoldAlertText().title, isPresented: $model.showingProneAlert) {
            Button("OK", role: .cancel) {}
        } message: {
            Text(proneHoldAlertText().body)
        }
        .confirmationDialog("Submit this incident?", isPresented: $confirmingSubmit, titleVisibility: .visible) {
            Button("Submit") { Task { await model.submit() } }
        } message: {
            if model.missing.isEmpty {
                Text("It will be locked. Changes after this are addenda.")
            } else {
                Text("\(model.missing.count) use-of-force item(s) are still missing. "
                     + (model.missingBlocksSubmission ? "This unit cannot submit until they are recorded." : "You can submit, but they should be recorded."))
            }
        }
        .sheet(isPresented: $addingAddendum) {
            AddendumSheet { reason, text in
                Task { await model.addAddendum(reason: reason, text: text) }
            }
        }
        .problemAlert($model.problem)
    }
}

/// The editable sections of a draft.
private struct DraftSections: View {
    @Bindable var model: IncidentModel

    var body: some View {
        if let form = Binding($model.form) {
            Section("Summary") {
                OccurredAtRow(model: model, occurredAt: form.wrappedValue.occurredAt)
                TextField("What happened", text: form.note, axis: .vertical).lineLimit(2...8)
                TextField("Where", text: form.place)
            }

            Section("De-escalation tried") {
                ForEach(model.whatHelps, id: \.id) { item in
                    Toggle(item.text, isOn: member(of: form.ownStrategies, item.text))
                        .frame(minHeight: 44)
                }
                ForEach(DeescalationStep.all, id: \.self) { step in
                    Toggle(step.label, isOn: member(of: form.generalSteps, step))
                        .frame(minHeight: 44)
                }
                TextField("Anything else tried", text: form.otherDeescalation, axis: .vertical)
            }

            UseOfForceSection(model: model)

            Section("People and characteristics") {
                TriStatePicker(title: "Anyone not unit staff involved", value: form.nonStaffInvolved)
                if form.wrappedValue.nonStaffInvolved == true {
                    TextField("Why they were involved", text: form.nonStaffReason, axis: .vertical)
                }
                TextField("Mental disorder (or \"not known\")", text: form.mentalDisorder)
                TextField("Relevant characteristics", text: form.relevantCharacteristics, axis: .vertical)
                TriStatePicker(title: "Learning disability or autism", value: form.learningDisabilityOrAutism)
            }

            Section("Injuries and outcome") {
                TextField("Injuries to the person", text: form.injuriesPerson, axis: .vertical)
                TextField("Injuries to staff", text: form.injuriesStaff, axis: .vertical)
                TextField("Injuries to others", text: form.injuriesOthers, axis: .vertical)
                TextField("Outcome", text: form.outcome, axis: .vertical)
                TriStatePicker(title: "Death or serious injury", value: form.deathOrSeriousInjury)
            }

            Section("Afterwards") {
                TriStatePicker(title: "Review held with the person", value: form.debriefPersonHeld)
                TextField("Why not, or what came of it", text: form.debriefPersonNote, axis: .vertical)
                TriStatePicker(title: "Review held with staff", value: form.debriefStaffHeld)
                TextField("Why not, or what came of it", text: form.debriefStaffNote, axis: .vertical)
                TriStatePicker(title: "People in the care plan told", value: form.notificationSent)
            }
        }
    }

    private func member<T: Hashable>(of set: Binding<Set<T>>, _ value: T) -> Binding<Bool> {
        Binding(
            get: { set.wrappedValue.contains(value) },
            set: { on in
                if on { set.wrappedValue.insert(value) } else { set.wrappedValue.remove(value) }
            }
        )
    }
}

/// When it happened, as a row that opens the change sheet (drafts only).
private struct OccurredAtRow: View {
    let model: IncidentModel
    let occurredAt: Timestamp
    @State private var changing = false
    @Environment(\.dynamicTypeSize) private var typeSize

    var body: some View {
        Button {
            model.clearFieldErrors()
            changing = true
        } label: {
            let layout = typeSize.isAccessibilitySize
                ? AnyLayout(VStackLayout(alignment: .leading, spacing: 4))
                : AnyLayout(HStackLayout(alignment: .firstTextBaseline))
            layout {
                Text("When").foregroundStyle(Color.primary)
                if !typeSize.isAccessibilitySize { Spacer() }
                Text(TimeText.dateTime(occurredAt))
                    .foregroundStyle(Color.accentColor)
                    .multilineTextAlignment(typeSize.isAccessibilitySize ? .leading : .trailing)
            }
            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
            .contentShape(Rectangle())
        }
        .disabled(model.busy)
        .accessibilityElement(children: .ignore)
        .accessibilityLabel("When it happened: \(TimeText.dateTime(occurredAt))")
        .accessibilityHint("Double-tap to change")
        .accessibilityAddTraits(.isButton)
        .sheet(isPresented: $changing, onDismiss: { model.clearFieldErrors() }) {
            OccurredAtSheet(model: model, initial: occurredAt)
        }
    }
}

/// Changes when it happened: a date and time no later than now, saved through the core at
/// once on Save. With large text the calendar gives way to a date and a time picker stacked
/// under their own labels, so nothing is clipped.
private struct OccurredAtSheet: View {
    let model: IncidentModel
    private let latest: Date
    @State private var date: Date
    @State private var saving = false
    @Environment(\.dismiss) private var dismiss
    @Environment(\.dynamicTypeSize) private var typeSize

    init(model: IncidentModel, initial: Timestamp) {
        self.model = model
        let latest = model.latestOccurredAt.date
        self.latest = latest
        _date = State(initialValue: min(initial.date, latest))
    }

    private var error: String? { model.fieldErrors[IncidentModel.occurredAtField] }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    if typeSize.isAccessibilitySize {
                        VStack(alignment: .leading, spacing: 8) {
                            Text("Date").font(.headline)
                            DatePicker("Date", selection: $date, in: ...latest, displayedComponents: .date)
                                .labelsHidden()
                                .datePickerStyle(.compact)
                            Text("Time").font(.headline)
                            DatePicker("Time", selection: $date, in: ...latest, displayedComponents: .hourAndMinute)
                                .labelsHidden()
                                .datePickerStyle(.compact)
                        }
                        .frame(minHeight: 44)
                    } else {
                        DatePicker("When it happened", selection: $date, in: ...latest,
                                   displayedComponents: [.date, .hourAndMinute])
                            .datePickerStyle(.graphical)
                    }
                    FieldError(message: error)
                } footer: {
                    Text("Up to now, not later. Saved when you tap Save; the rest of the form is kept as it is.")
                }
            }
            .navigationTitle("When it happened")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        saving = true
                        Task {
                            let result = await model.changeOccurredAt(date.timestamp)
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

/// Use-of-force entries with their timers.
private struct UseOfForceSection: View {
    let model: IncidentModel
    @State private var editing: UseOfForce?

    var body: some View {
        Section {
            if model.incident?.useOfForce.isEmpty ?? true {
                Text("No force used.").foregroundStyle(.secondary)
            }
            ForEach(model.incident?.useOfForce ?? [], id: \.id) { entry in
                let timer = model.board.timers.first { $0.id == entry.id }
                VStack(alignment: .leading, spacing: 6) {
                    Text("\(entry.intervention.code) \(entry.intervention.label)").font(.headline)
                    HStack {
                        Text(timer?.elapsed ?? "")
                            .font(.title2.monospacedDigit())
                            .foregroundStyle(timer?.proneAlert == true ? Color.red : Color.primary)
                        if timer?.proneAlert == true {
                            Badge(text: "Over 10 minutes", color: .red)
                        }
                        Spacer()
                        if entry.startedAt == nil {
                            Button("Start") { Task { await model.start(entry) } }
                                .buttonStyle(.bordered).tapTarget()
                        } else if entry.isRunning {
                            Button("Stop") { Task { await model.stop(entry) } }
                                .buttonStyle(.borderedProminent).tint(.red).tapTarget()
                        }
                    }
                    .accessibilityElement(children: .contain)
                    .accessibilityLabel(timer?.accessibilityDescription ?? entry.intervention.label)
                    Button("Details: reason, care plan, staff") { editing = entry }
                        .font(.subheadline)
                        .frame(minHeight: 44)
                }
                .swipeActions {
                    Button("Remove", role: .destructive) { Task { await model.remove(entry) } }
                }
            }
            Menu {
                ForEach(RestrictiveInterventionType.all, id: \.self) { type in
                    Button("\(type.code) \(type.label)") { Task { await model.addUseOfForce(type) } }
                }
            } label: {
                Label("Add use of force (timer starts now)", systemImage: "plus.circle")
                    .frame(minHeight: 44)
            }
        } header: {
            Text("Use of force")
        }
        .sheet(item: Binding(get: { editing.map(EditingEntry.init) }, set: { editing = $0?.entry })) { item in
            UseOfForceEditor(entry: item.entry) { updated in
                Task { await model.update(updated) }
            }
        }
    }
}

/// A use-of-force entry being edited, identified by its id.
private struct EditingEntry: Identifiable {
    let entry: UseOfForce
    var id: String { entry.id }
}

/// Reason, whether it was in the care plan, how force was used, and the staff involved.
private struct UseOfForceEditor: View {
    let onSave: (UseOfForce) -> Void
    private let entry: UseOfForce
    @State private var reason: RestrictiveInterventionReason?
    @State private var inCarePlan: Bool?
    @State private var how: String
    @State private var staff: [StaffMember]
    @State private var newName = ""
    @State private var newTitle = ""
    @Environment(\.dismiss) private var dismiss

    init(entry: UseOfForce, onSave: @escaping (UseOfForce) -> Void) {
        self.entry = entry
        self.onSave = onSave
        _reason = State(initialValue: entry.reason)
        _inCarePlan = State(initialValue: entry.inCarePlan)
        _how = State(initialValue: entry.howForceWasUsed)
        _staff = State(initialValue: entry.staff)
    }

    var body: some View {
        NavigationStack {
            Form {
                Picker("Reason", selection: $reason) {
                    Text("Not recorded").tag(RestrictiveInterventionReason?.none)
                    ForEach(RestrictiveInterventionReason.all, id: \.self) { reason in
                        Text("\(reason.code) \(reason.label)").tag(Optional(reason))
                    }
                }
                TriStatePicker(title: "In the care plan", value: $inCarePlan)
                TextField("How force was used", text: $how, axis: .vertical).lineLimit(2...8)
                Section("Staff involved") {
                    ForEach(staff.indices, id: \.self) { index in
                        Text("\(staff[index].name), \(staff[index].jobTitle)")
                    }
                    .onDelete { staff.remove(atOffsets: $0) }
                    TextField("Name", text: $newName)
                    TextField("Job title", text: $newTitle)
                    Button("Add member of staff") {
                        staff.append(StaffMember(name: newName, jobTitle: newTitle))
                        newName = ""
                        newTitle = ""
                    }
                    .disabled(newName.trimmingCharacters(in: .whitespaces).isEmpty
                              || newTitle.trimmingCharacters(in: .whitespaces).isEmpty)
                }
            }
            .navigationTitle(entry.intervention.label)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        onSave(UseOfForce(
                            id: entry.id, intervention: entry.intervention, reason: reason,
                            startedAt: entry.startedAt, endedAt: entry.endedAt, inCarePlan: inCarePlan,
                            howForceWasUsed: how, staff: staff
                        ))
                        dismiss()
                    }
                }
            }
        }
    }
}

/// The s.6(5) items still missing, from the core.
private struct MissingSection: View {
    let missing: [S65Item]
    let blocks: Bool

    var body: some View {
        if !missing.isEmpty {
            Section {
                ForEach(missing, id: \.self) { item in
                    BulletRow(text: item.label, systemImage: "exclamationmark.circle", color: .orange)
                }
            } header: {
                Text("Still missing (\(missing.count))")
            } footer: {
                Text(blocks
                     ? "Mental Health Units (Use of Force) Act 2018 s.6(5): this unit cannot submit until these are recorded."
                     : "Mental Health Units (Use of Force) Act 2018 s.6(5): recommended before submitting.")
            }
        }
    }
}

/// A submitted incident, read-only, with its addenda.
private struct SubmittedSections: View {
    let incident: Incident
    let advice: [S65Item]
    let addAddendum: () -> Void

    var body: some View {
        Section("Summary") {
            LabeledContent("When", value: TimeText.dateTime(incident.occurredAt))
            LabeledContent("Recorded by", value: incident.recordedBy)
            if let name = incident.personName ?? incident.unidentifiedPerson {
                LabeledContent("About", value: name)
            }
            Text(incident.note)
            if !incident.tags.isEmpty {
                Text(incident.tags.map(\.label).joined(separator: ", ")).foregroundStyle(.secondary)
            }
            if let submitted = incident.submittedAt {
                LabeledContent("Submitted", value: TimeText.dateTime(submitted))
            }
        }
        if !incident.useOfForce.isEmpty {
            Section("Use of force") {
                ForEach(incident.useOfForce, id: \.id) { entry in
                    VStack(alignment: .leading) {
                        Text("\(entry.intervention.code) \(entry.intervention.label)")
                        if let ms = entry.elapsedMs(now: entry.endedAt ?? entry.startedAt ?? 0) {
                            Text(ForceTimerState.format(ms: ms)).foregroundStyle(.secondary)
                        }
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        }
        if !advice.isEmpty {
            Section("Not recorded before submission") {
                ForEach(advice, id: \.self) { item in Text(item.label) }
            }
        }
        Section {
            ForEach(incident.addenda, id: \.id) { addendum in
                VStack(alignment: .leading, spacing: 4) {
                    Text(addendum.text)
                    Text("\(addendum.author), \(addendum.jobTitle) · \(TimeText.dateTime(addendum.at)) · \(addendum.reason)")
                        .font(.footnote).foregroundStyle(.secondary)
                }
                .accessibilityElement(children: .combine)
            }
            Button("Add an addendum", action: addAddendum).frame(minHeight: 44)
        } header: {
            Text("Addenda")
        } footer: {
            Text("Submitted incidents are never rewritten; addenda are added with who, when and why.")
        }
    }
}

/// Reason and text of a new addendum.
private struct AddendumSheet: View {
    let onSave: (String, String) -> Void
    @State private var reason = ""
    @State private var text = ""
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Form {
                TextField("Why it is needed", text: $reason)
                TextField("What it adds", text: $text, axis: .vertical).lineLimit(3...10)
            }
            .navigationTitle("Addendum")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Add") {
                        onSave(reason, text)
                        dismiss()
                    }
                    .disabled(reason.trimmingCharacters(in: .whitespaces).isEmpty
                              || text.trimmingCharacters(in: .whitespaces).isEmpty)
                }
            }
        }
    }
}
