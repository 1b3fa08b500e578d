// One incident. A draft is completed here: summary, de-escalation tried (the person's own "what
// helps" first, then general steps), use of force with running timers (a prone hold past 10
// minutes raises an alert in the app and a local notification), staff, every s.6(5) input ((k)
// as the nine protected characteristics), physical observations from a hold's first second
// (and after submission; ObservationViews.swift), injuries (yes / no / not known, and what),
// outcome, debriefs (held is an explicit answer; a note alone waits, marked as not
// saved), notifications; then Submit, which asks first and shows what will be locked and the
// s.6(5) items still missing. A submitted incident is read-only, with its addenda and a way to
// add one.
//
// When it happened is changed in its own sheet (a date picker limited to the past, laid out
// for large text) and saved through the core on Save, apart from the rest of the form. So are a
// use of force's start and end, entered or corrected after the event (never later than now,
// inside the core's window, an end never before its start). Each entry has its own section:
// the timer, start, end, reason and care-plan answer (changeable at any time while a draft),
// how force was used and the staff, and "Remove" for an entry started by mistake, asked first.
//
// The person in the restraint flow (RestraintViews.swift): above the intervention choices, the
// person's safety alerts and contraindications (each with what it rules out) and what their
// plan authorises; the choices ruled out are marked, and starting one asks for the reason
// first (cancel records nothing; the core's own `Contraindicated` refusal opens the same
// question). No prone quick start: prone is in the full list only. While a hold runs, a bar at
// the bottom keeps its Stop and, for a physical hold, the one-person-monitors prompt on screen
// at every text size; a prone hold past 10 minutes is marked as the reporting fact it is, and
// the alert (the core's words) still comes.

import SteadyCore
import SteadyKit
import SwiftUI

struct IncidentView: View {
    @State private var model: IncidentModel
    /// The timeline, job reference, proposals and identification (TimelineViews.swift).
    @State private var extras: IncidentExtrasModel
    @State private var addingAddendum = false
    @State private var addingReview = false
    private let session: AppSession

    init(session: AppSession, incidentId: String, alerts: ProneAlertScheduling) {
        self.session = session
        _model = State(initialValue: IncidentModel(session: session, incidentId: incidentId, alerts: alerts))
        _extras = State(initialValue: IncidentExtrasModel(session: session, incidentId: incidentId))
    }

    var body: some View {
        @Bindable var model = model
        List {
            if let warning = model.unreadableWarning {
                Section {
                    Label(warning, systemImage: "exclamationmark.triangle")
                        .foregroundStyle(Color.steadyAlert)
                }
            }
            if let incident = model.incident {
                if model.isSubmitted {
                    SubmittedSections(
                        incident: incident, advice: model.submitAdvice,
                        addAddendum: { addingAddendum = true }, addReview: { addingReview = true }
                    )
                    if !extras.rows.isEmpty { TimelineSection(model: extras) }
                    // Observations go on after submission (after rapid tranquillisation, hourly).
                    if model.showsObservations { ObservationsSection(model: model) }
                    IdentifySection(model: extras)
                    ProposalSection(model: extras)
                } else if model.form != nil {
                    // One tap per moment, first: at a roadside it is what gets recorded.
                    TimelineSection(model: extras)
                    Section("The call") { JobReferenceField(model: extras) }
                    DraftSections(model: model)
                    ProposalSection(model: extras)
                    MissingSection(missing: model.missing, blocks: model.missingBlocksSubmission)
                    Section {
                        Button {
                            Task { await model.requestSubmit() }
                        } label: {
                            Text("Submit…").font(.headline).frame(maxWidth: .infinity, minHeight: 44)
                        }
                        .disabled(model.busy)
                        .accessibilityHint("Shows what will be locked before anything is submitted")
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
        .safeAreaInset(edge: .bottom, spacing: 0) {
            RunningHoldsBar(model: model)
        }
        .task { await model.load() }
        .task { await extras.load() }
        // An observation (or any change) another phone made to this incident, arriving by sync:
        // shown without leaving the screen, and the hourly reminder moved with it.
        .onChange(of: session.changeCount) {
            if model.concerns(session.lastChange) {
                Task {
                    await model.load()
                    await extras.load()
                }
            }
        }
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
        .sheet(isPresented: Binding(
            get: { model.confirmation != nil },
            set: { showing in if !showing { model.cancelSubmit() } }
        )) {
            if let confirmation = model.confirmation {
                SubmitConfirmSheet(confirmation: confirmation) {
                    Task { await model.submit() }
                } onBack: {
                    model.cancelSubmit()
                }
            }
        }
        .confirmationDialog(
            "Remove this use of force?",
            isPresented: Binding(
                get: { model.removalRequest != nil },
                set: { showing in if !showing { model.cancelRemoval() } }
            ),
            titleVisibility: .visible,
            presenting: model.removalRequest
        ) { entry in
            Button("Remove \(entry.intervention.label)", role: .destructive) {
                Task { await model.confirmRemoval(entry) }
            }
            Button("Keep it", role: .cancel) { model.cancelRemoval() }
        } message: { _ in
            Text("For an entry started by mistake. It is taken out of this draft, and the removal is recorded and synced like any other change.")
        }
        .sheet(item: $model.overrideRequest) { request in
            CautionOverrideSheet(request: request) { reason in
                model.overrideRequest?.reason = reason
                Task { await model.confirmOverride() }
            } onCancel: {
                model.cancelOverride()
            }
        }
        .sheet(isPresented: $addingAddendum) {
            AddendumSheet { reason, text in
                Task { await model.addAddendum(reason: reason, text: text) }
            }
        }
        .sheet(isPresented: $addingReview) {
            ReviewSheet(now: model.latestOccurredAt) { review in
                Task { await model.addReview(review) }
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
                // Beside each strategy tried, whether it helped (as Android's "Helped" chip): the
                // sheet then counts how often each was tried and helped.
                ForEach(model.whatHelps, id: \.id) { item in
                    Toggle(item.text, isOn: member(of: form.ownStrategies, item.text))
                        .frame(minHeight: 44)
                    if form.wrappedValue.ownStrategies.contains(item.text) {
                        Toggle("Helped", isOn: member(of: form.helped, item.text))
                            .accessibilityLabel("\(item.text) helped")
                            .padding(.leading, 24)
                            .frame(minHeight: 44)
                    }
                }
                ForEach(DeescalationStep.all, id: \.self) { step in
                    Toggle(step.label, isOn: member(of: form.generalSteps, step))
                        .frame(minHeight: 44)
                    if form.wrappedValue.generalSteps.contains(step) {
                        Toggle("Helped", isOn: member(of: form.stepsHelped, step))
                            .accessibilityLabel("\(step.label) helped")
                            .padding(.leading, 24)
                            .frame(minHeight: 44)
                    }
                }
                TextField("Anything else tried", text: form.otherDeescalation, axis: .vertical)
            }

            UseOfForceSections(model: model)

            Section("People and characteristics") {
                TriStatePicker(title: "Anyone not unit staff involved", value: form.nonStaffInvolved)
                if form.wrappedValue.nonStaffInvolved == true {
                    TextField("Why they were involved", text: form.nonStaffReason, axis: .vertical)
                }
                TextField("Mental disorder (or \"not known\")", text: form.mentalDisorder)
                CharacteristicsRows(form: form, errors: model.characteristicErrors)
                TriStatePicker(title: "Learning disability or autism", value: form.learningDisabilityOrAutism)
            }

            Section("Injuries and outcome") {
                // Asked as explicit answers (the export never guesses them from text), beside the words.
                InjuryPicker(title: InjuryWho.person.question, value: form.injuredPerson)
                TextField("Injuries to the person: what", text: form.injuriesPerson, axis: .vertical)
                InjuryPicker(title: InjuryWho.staff.question, value: form.injuredStaff)
                TextField("Injuries to staff: what", text: form.injuriesStaff, axis: .vertical)
                InjuryPicker(title: InjuryWho.others.question, value: form.injuredOthers)
                TextField("Injuries to others: what", text: form.injuriesOthers, axis: .vertical)
                TextField("Outcome", text: form.outcome, axis: .vertical)
                TriStatePicker(title: "Death or serious injury", value: form.deathOrSeriousInjury)
            }

            Section {
                TriStatePicker(title: "Review held with the person", value: form.debriefPersonHeld,
                               yes: "Held", no: "Not held")
                TextField(form.wrappedValue.debriefPersonHeld == false ? "Why not" : "What came of it",
                          text: form.debriefPersonNote, axis: .vertical)
                if form.wrappedValue.debriefPersonNoteWaiting { WaitingNote() }
                TriStatePicker(title: "Review held with staff", value: form.debriefStaffHeld,
                               yes: "Held", no: "Not held")
                TextField(form.wrappedValue.debriefStaffHeld == false ? "Why not" : "What came of it",
                          text: form.debriefStaffNote, axis: .vertical)
                if form.wrappedValue.debriefStaffNoteWaiting { WaitingNote() }
                TriStatePicker(title: "People in the care plan told", value: form.notificationSent)
            } header: {
                Text("Afterwards")
            } footer: {
                Text("A review is recorded only when you answer held or not held; a note alone does not say it was held.")
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

/// A debrief note that waits for its held / not held answer.
private struct WaitingNote: View {
    var body: some View {
        Label("Not saved yet: answer held or not held first", systemImage: "exclamationmark.circle")
            .font(.footnote)
            .foregroundStyle(Color.steadyOverdue)
    }
}

/// Use of force: the person first (their safety alerts and contraindications, each with what it
/// rules out, and what their plan authorises), then the intervention choices — a few one-tap
/// starts (never prone), the full list, and an entry already over — each marked from the
/// person's profile; then one section per entry.
private struct UseOfForceSections: View {
    let model: IncidentModel
    @State private var editing: UseOfForce?
    @State private var editingTime: ForceTimeTarget?

    var body: some View {
        let entries = model.incident?.useOfForce ?? []
        let choices = model.choices
        RestraintProfileSection(
            profile: model.profile, unreadable: model.profileUnreadable,
            personNamed: model.incident?.personId != nil
        )
        Section {
            if entries.isEmpty {
                Text("No force used.").foregroundStyle(.secondary)
            }
            Text("Start now (the timer starts)")
                .font(.subheadline.weight(.semibold))
                .foregroundStyle(.secondary)
                .accessibilityAddTraits(.isHeader)
            ForEach(choices.quickStarts) { choice in
                InterventionChoiceButton(choice: choice, disabled: model.busy) {
                    Task { await model.addUseOfForce(choice.intervention) }
                }
            }
            Menu {
                ForEach(choices.all) { choice in
                    InterventionMenuItem(choice: choice) {
                        Task { await model.addUseOfForce(choice.intervention) }
                    }
                }
            } label: {
                Label("Another intervention now (full list)", systemImage: "timer")
                    .frame(minHeight: 44)
            }
            .disabled(model.busy)
            Menu {
                ForEach(choices.all) { choice in
                    InterventionMenuItem(choice: choice) {
                        Task { await model.addUseOfForce(choice.intervention, startNow: false) }
                    }
                }
            } label: {
                Label("Use of force that has ended (enter its times)", systemImage: "clock.arrow.circlepath")
                    .frame(minHeight: 44)
            }
            .disabled(model.busy)
        } header: {
            Text("Use of force")
        } footer: {
            Text("Prone is in the full list only. An intervention marked as ruled out asks for your reason before anything is recorded. Writing it up afterwards? Add it as ended, then enter when it started and ended.")
        }
        .sheet(item: $editingTime, onDismiss: {
            model.clearForceTimeError()
            model.editorClosed()
        }) { target in
            ForceTimeSheet(model: model, target: target)
        }
        .sheet(item: Binding(get: { editing.map(EditingEntry.init) }, set: { editing = $0?.entry }),
               onDismiss: { model.editorClosed() }) { item in
            UseOfForceEditor(entry: item.entry) { how, staff in
                Task { await model.setHowAndStaff(how, staff: staff, ofEntry: item.entry.id) }
            }
        }
        ForEach(entries, id: \.id) { entry in
            UseOfForceEntrySection(
                model: model, entry: entry,
                editTime: { which in
                    model.clearForceTimeError()
                    model.editorOpened()
                    editingTime = ForceTimeTarget(entryId: entry.id, which: which)
                },
                editDetails: {
                    model.editorOpened()
                    editing = entry
                }
            )
        }
        // From the first second of a hold: its observations, right under it.
        if model.showsObservations { ObservationsSection(model: model) }
    }
}

/// Which time of which entry is being entered.
private struct ForceTimeTarget: Identifiable {
    let entryId: String
    let which: ForceTime
    var id: String { "\(entryId):\(which.rawValue)" }
}

/// One use-of-force entry: its timer (the monitoring prompt while a physical hold runs; the
/// 10-minute prone mark as the reporting fact it is), start and end, the person's cautions
/// against it and the reason given, the reason, the care-plan answer beside the plan's, details,
/// removal.
private struct UseOfForceEntrySection: View {
    let model: IncidentModel
    let entry: UseOfForce
    let editTime: (ForceTime) -> Void
    let editDetails: () -> Void

    var body: some View {
        let timer = model.board.timers.first { $0.id == entry.id }
        let alerting = timer?.proneAlert == true
        let against = model.cautionsRulingOut(entry.intervention)
        Section {
            HStack {
                Text(timer?.elapsed ?? "")
                    .font(.title2.monospacedDigit())
                    .foregroundStyle(alerting ? Color.steadyAlert : Color.primary)
                Spacer()
                if entry.startedAt == nil && entry.endedAt == nil {
                    Button("Start now") { Task { await model.start(entry) } }
                        .buttonStyle(.bordered).tapTarget()
                } else if entry.isRunning {
                    Button("Stop") { Task { await model.stop(entry) } }
                        .buttonStyle(.borderedProminent).tint(Color.steadyAlertFill).tapTarget()
                        .accessibilityLabel("Stop \(entry.intervention.label)")
                }
            }
            .accessibilityElement(children: .contain)
            .accessibilityLabel(timer?.accessibilityDescription ?? entry.intervention.label)
            if alerting {
                Label(RestraintWords.proneReported, systemImage: "flag.fill")
                    .foregroundStyle(Color.steadyAlert)
            }
            if entry.isRunning && entry.intervention.isPhysicalHold {
                Label(RestraintWords.monitoring, systemImage: "lungs.fill")
                    .font(.body.weight(.semibold))
            }
            if !against.isEmpty || entry.contraindicationOverride != nil {
                OverrideRecordRow(cautions: against, reason: entry.contraindicationOverride)
            }
            ForceTimeRow(title: "Started", time: entry.startedAt, disabled: model.busy) { editTime(.start) }
            ForceTimeRow(title: "Ended", time: entry.endedAt, disabled: model.busy) { editTime(.end) }
            Picker("Reason", selection: Binding(
                get: { entry.reason },
                set: { reason in Task { await model.setReason(reason, ofEntry: entry.id) } }
            )) {
                Text("Not recorded").tag(RestrictiveInterventionReason?.none)
                ForEach(RestrictiveInterventionReason.all, id: \.self) { reason in
                    Text("\(reason.code) \(reason.label)").tag(Optional(reason))
                }
            }
            .pickerStyle(.menu)
            .frame(minHeight: 44)
            TriStatePicker(title: "In the care plan", value: Binding(
                get: { entry.inCarePlan },
                set: { answer in Task { await model.setInCarePlan(answer, ofEntry: entry.id) } }
            ))
            if let line = model.carePlanLine(for: entry.intervention) {
                Text(line).font(.footnote).foregroundStyle(.secondary)
            }
            Button("How force was used, staff involved", action: editDetails)
                .frame(minHeight: 44)
            Button(role: .destructive) {
                model.requestRemoval(entry)
            } label: {
                Label("Remove: started by mistake", systemImage: "trash")
                    .frame(minHeight: 44)
            }
        } header: {
            Text(entry.intervention.codeAndLabel)
        }
    }
}

/// A start or end, as a row that opens its sheet. "Not recorded" is an s.6(5)(b) gap.
private struct ForceTimeRow: View {
    let title: String
    let time: Timestamp?
    let disabled: Bool
    let action: () -> Void
    @Environment(\.dynamicTypeSize) private var typeSize

    var body: some View {
        let value = time.map(TimeText.dateTime) ?? "Not recorded"
        Button(action: action) {
            let layout = typeSize.isAccessibilitySize
                ? AnyLayout(VStackLayout(alignment: .leading, spacing: 4))
                : AnyLayout(HStackLayout(alignment: .firstTextBaseline))
            layout {
                Text(title).foregroundStyle(Color.primary)
                if !typeSize.isAccessibilitySize { Spacer() }
                Text(value)
                    .foregroundStyle(time == nil ? Color.steadyOverdue : Color.accentColor)
                    .multilineTextAlignment(typeSize.isAccessibilitySize ? .leading : .trailing)
            }
            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
            .contentShape(Rectangle())
        }
        .disabled(disabled)
        .accessibilityElement(children: .ignore)
        .accessibilityLabel("\(title): \(value)")
        .accessibilityHint("Double-tap to enter or correct it")
        .accessibilityAddTraits(.isButton)
    }
}

/// Enters or corrects a start or end after the event: a date and time inside the bounds the
/// model gives (never later than now, the core's window, the other end), saved through the core
/// on Save; a refusal stays in the sheet with its reason.
private struct ForceTimeSheet: View {
    let model: IncidentModel
    let target: ForceTimeTarget
    private let range: ClosedRange<Date>
    @State private var date: Date
    @State private var saving = false
    @Environment(\.dismiss) private var dismiss
    @Environment(\.dynamicTypeSize) private var typeSize

    init(model: IncidentModel, target: ForceTimeTarget) {
        self.model = model
        self.target = target
        let bounds = model.timeBounds(target.which, ofEntry: target.entryId)
        range = bounds.lowerBound.date...bounds.upperBound.date
        _date = State(initialValue: model.initialTime(target.which, ofEntry: target.entryId).date)
    }

    private var title: String { target.which == .start ? "When it started" : "When it ended" }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    if let entry = model.forceEntry(target.entryId) {
                        Text("\(entry.intervention.code) \(entry.intervention.label)").font(.headline)
                    }
                    if typeSize.isAccessibilitySize {
                        VStack(alignment: .leading, spacing: 8) {
                            Text("Date").font(.headline)
                            DatePicker("Date", selection: $date, in: range, displayedComponents: .date)
                                .labelsHidden()
                                .datePickerStyle(.compact)
                            Text("Time").font(.headline)
                            DatePicker("Time", selection: $date, in: range, displayedComponents: .hourAndMinute)
                                .labelsHidden()
                                .datePickerStyle(.compact)
                        }
                        .frame(minHeight: 44)
                    } else {
                        DatePicker(title, selection: $date, in: range, displayedComponents: [.date, .hourAndMinute])
                            .datePickerStyle(.graphical)
                    }
                    FieldError(message: model.forceTimeError)
                } footer: {
                    Text(target.which == .start
                         ? "Up to now, and not after its end. Saved when you tap Save."
                         : "Up to now, and not before its start. Saved when you tap Save.")
                }
            }
            .navigationTitle(title)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        saving = true
                        Task {
                            let result = await model.setTime(target.which, ofEntry: target.entryId, to: date.timestamp)
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

/// Submit's question: what will be locked, the s.6(5) items still missing, then the choice.
/// On a unit that cannot submit with items missing, only the way back is offered.
private struct SubmitConfirmSheet: View {
    let confirmation: SubmitConfirmation
    let onSubmit: () -> Void
    let onBack: () -> Void

    var body: some View {
        NavigationStack {
            List {
                Section {
                    ForEach(Array(confirmation.locked.enumerated()), id: \.offset) { _, line in
                        BulletRow(text: line, systemImage: "lock.fill")
                    }
                } header: {
                    Text(confirmation.lockNote).font(.body).foregroundStyle(.primary).textCase(nil)
                }
                if let heading = confirmation.missingHeading {
                    Section {
                        ForEach(confirmation.missing, id: \.self) { item in
                            BulletRow(text: item.label, systemImage: "exclamationmark.circle", color: .steadyOverdue)
                        }
                    } header: {
                        Text(heading).font(.body.weight(.semibold)).foregroundStyle(.primary).textCase(nil)
                    }
                }
                if !confirmation.blocked {
                    Section {
                        Button(action: onSubmit) {
                            Text("Submit and lock").font(.headline).frame(maxWidth: .infinity, minHeight: 44)
                        }
                        .buttonStyle(.borderedProminent)
                    }
                }
            }
            .navigationTitle(confirmation.title)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button(confirmation.backTitle, action: onBack) }
            }
        }
    }
}

/// A use-of-force entry being edited, identified by its id.
private struct EditingEntry: Identifiable {
    let entry: UseOfForce
    var id: String { entry.id }
}

/// How force was used and the staff involved (s.6(5)(f) and (h)); the reason and the care-plan
/// answer are in the entry's own section.
private struct UseOfForceEditor: View {
    let onSave: (String, [StaffMember]) -> Void
    private let entry: UseOfForce
    @State private var how: String
    @State private var staff: [StaffMember]
    @State private var newName = ""
    @State private var newTitle = ""
    @Environment(\.dismiss) private var dismiss

    init(entry: UseOfForce, onSave: @escaping (String, [StaffMember]) -> Void) {
        self.entry = entry
        self.onSave = onSave
        _how = State(initialValue: entry.howForceWasUsed)
        _staff = State(initialValue: entry.staff)
    }

    var body: some View {
        NavigationStack {
            Form {
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
                        onSave(how, staff)
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
                    BulletRow(text: item.label, systemImage: "exclamationmark.circle", color: .steadyOverdue)
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
    let addReview: () -> Void

    private func injured(_ who: InjuryWho) -> InjuryIndicator? {
        switch who {
        case .person: return incident.injuredPerson
        case .staff: return incident.injuredStaff
        case .others: return incident.injuredOthers
        }
    }

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
        Section("Injuries") {
            ForEach(InjuryWho.allCases) { who in
                LabeledContent(who.question, value: injured(who)?.label ?? "Not answered")
            }
        }
        if !advice.isEmpty {
            Section("Not recorded before submission") {
                ForEach(advice, id: \.self) { item in Text(item.label) }
            }
        }
        Section {
            // Observations are listed in their own section.
            ForEach(incident.addenda.filter { $0.observation == nil }, id: \.id) { addendum in
                VStack(alignment: .leading, spacing: 4) {
                    Text(addendum.text)
                    Text("\(addendum.author), \(addendum.jobTitle) · \(TimeText.dateTime(addendum.at)) · \(addendum.reason)")
                        .font(.footnote).foregroundStyle(.secondary)
                }
                .accessibilityElement(children: .combine)
            }
            Button("Record a debrief held after", action: addReview).frame(minHeight: 44)
            Button("Add an addendum", action: addAddendum).frame(minHeight: 44)
        } header: {
            Text("Debriefs and addenda")
        } footer: {
            Text("Submitted incidents are never rewritten; addenda are added with who, when and why.")
        }
    }
}

/// A post-incident review held (or not) after the submission: with the person or with staff,
/// when, who, or why not, and for staff whether wellbeing support was offered.
private struct ReviewSheet: View {
    let now: Timestamp
    let onSave: (PostIncidentReview) -> Void
    @State private var with: ReviewWith = .person
    @State private var held = true
    @State private var heldAt = Date()
    @State private var who = ""
    @State private var whyNot = ""
    @State private var wellbeing = true
    @State private var note = ""
    @Environment(\.dismiss) private var dismiss

    private var ready: Bool {
        held || !whyNot.trimmingCharacters(in: .whitespaces).isEmpty
    }

    var body: some View {
        NavigationStack {
            Form {
                Picker("With", selection: $with) {
                    Text("The person").tag(ReviewWith.person)
                    Text("Staff").tag(ReviewWith.staff)
                }
                .pickerStyle(.segmented)
                Picker("Held", selection: $held) {
                    Text("Held").tag(true)
                    Text("Not held").tag(false)
                }
                .pickerStyle(.segmented)
                if held {
                    DatePicker("When", selection: $heldAt, in: ...now.date)
                    TextField("Who took part", text: $who)
                } else {
                    TextField("Why not (declined, too unwell, discharged…)", text: $whyNot)
                }
                if with == .staff {
                    Toggle("Support for staff wellbeing offered", isOn: $wellbeing)
                }
                TextField("What was learned or agreed", text: $note, axis: .vertical).lineLimit(3...10)
            }
            .navigationTitle("Debrief held after")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { dismiss() } }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Record") {
                        onSave(PostIncidentReview(
                            with: with, held: held,
                            heldAt: held ? Timestamp(heldAt.timeIntervalSince1970 * 1000) : nil,
                            who: who, whyNot: held ? nil : whyNot,
                            wellbeingOffered: with == .staff ? wellbeing : nil, note: note
                        ))
                        dismiss()
                    }
                    .disabled(!ready)
                }
            }
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
