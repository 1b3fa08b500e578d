// The incident screen's timeline (big one-tap buttons from the core's kinds, usable in gloves at
// a roadside; "who" or "what" asked in a small sheet; each moment with its UK time, who recorded
// it and Undo while a draft), the job or CAD reference, "Propose for the plan" and "Patient
// identified" (IncidentExtrasModel), and the review queue where editors accept or decline the
// proposals (ReviewQueueModel). The twin of Android's TimelineViews.kt and ReviewQueueScreen.kt.

import SteadyCore
import SteadyKit
import SwiftUI

/// "Timeline": the buttons (drafts), then the moments in the order they happened.
struct TimelineSection: View {
    @Bindable var model: IncidentExtrasModel

    private let columns = [GridItem(.flexible(), spacing: 8), GridItem(.flexible(), spacing: 8)]

    var body: some View {
        Section("Timeline") {
            if model.isDraft {
                LazyVGrid(columns: columns, spacing: 8) {
                    ForEach(model.buttons) { button in
                        Button {
                            Task { await model.tap(button.kind) }
                        } label: {
                            Text(button.label)
                                .font(.headline)
                                .multilineTextAlignment(.center)
                                .frame(maxWidth: .infinity, minHeight: 64)
                        }
                        .buttonStyle(.borderedProminent)
                    }
                }
                if let error = model.timelineError {
                    Text(error).foregroundStyle(Color.steadyAlert)
                }
                if let last = model.lastRecorded {
                    Text("Recorded: \(last.label) at \(TimeText.time(last.at))")
                        .font(.footnote)
                        .accessibilityAddTraits(.updatesFrequently)
                }
            }
            if model.rows.isEmpty {
                Text("No moments recorded yet.").foregroundStyle(.secondary)
            }
            ForEach(model.rows) { row in
                HStack(alignment: .firstTextBaseline) {
                    Text(TimeText.time(row.at)).font(.headline).monospacedDigit()
                    VStack(alignment: .leading) {
                        Text(row.text)
                        Text(row.by).font(.footnote).foregroundStyle(.secondary)
                    }
                    Spacer()
                    if model.isDraft {
                        Button("Undo") { Task { await model.undo(row.id) } }
                            .frame(minHeight: 44)
                            .accessibilityLabel("Undo: \(row.text) at \(TimeText.time(row.at))")
                    }
                }
            }
        }
        .sheet(isPresented: Binding(
            get: { model.ask != nil },
            set: { showing in if !showing { model.cancelAsk() } }
        )) {
            TimelineAskSheet(model: model)
        }
    }
}

/// Who came or swapped in, or what happened: stamped by the core on Record.
private struct TimelineAskSheet: View {
    @Bindable var model: IncidentExtrasModel

    var body: some View {
        NavigationStack {
            Form {
                if let ask = model.ask {
                    TextField(TimelineButton.whoKinds.contains(ask.kind) ? "Who (name, job title)" : "What happened",
                              text: Binding(get: { model.ask?.text ?? "" }, set: { model.ask?.text = $0; model.ask?.error = nil }))
                    if let error = ask.error {
                        Text(error).foregroundStyle(Color.steadyAlert)
                    }
                }
            }
            .navigationTitle(model.ask.map { timelineEventLabel(kind: $0.kind) } ?? "")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel") { model.cancelAsk() } }
                ToolbarItem(placement: .confirmationAction) { Button("Record") { Task { await model.saveAsk() } } }
            }
        }
        .presentationDetents([.medium, .large])
    }
}

/// The job or CAD reference of an ambulance or HEMS call, saved when editing ends.
struct JobReferenceField: View {
    @Bindable var model: IncidentExtrasModel

    var body: some View {
        VStack(alignment: .leading) {
            TextField("Job or CAD reference (optional)", text: $model.jobReference)
                .onSubmit { Task { await model.saveJobReference() } }
            if let error = model.jobReferenceError {
                Text(error).font(.footnote).foregroundStyle(Color.steadyAlert)
            }
        }
        .onDisappear { Task { await model.saveJobReference() } }
    }
}

/// "For their plan": what was proposed from this incident, and "Propose for the plan".
struct ProposalSection: View {
    @Bindable var model: IncidentExtrasModel
    @State private var proposing = false

    var body: some View {
        if model.canPropose {
            Section("For their plan") {
                if let sent = model.proposalSent { Text(sent) }
                ForEach(model.proposed, id: \.self) { Text($0) }
                Button("Propose for the plan") { proposing = true }
                    .frame(minHeight: 44)
            }
            .sheet(isPresented: $proposing) { ProposeSheet(model: model) { proposing = false } }
        }
    }
}

/// Which list (the core's headings) and the words; an editor reviews it.
struct ProposeSheet: View {
    @Bindable var model: IncidentExtrasModel
    let done: () -> Void

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Picker("Which list", selection: $model.proposalList) {
                        Text("Choose…").tag(SheetList?.none)
                        ForEach(proposalLists, id: \.heading) { item in
                            Text(item.heading).tag(SheetList?.some(item.list))
                        }
                    }
                    TextField("Their words for it", text: $model.proposalText, axis: .vertical)
                    if let error = model.proposalError {
                        Text(error).foregroundStyle(Color.steadyAlert)
                    }
                } footer: {
                    Text("What you saw may help next time. An editor of the sheet reviews it before it goes on.")
                }
            }
            .navigationTitle("Propose for the plan")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) { Button("Cancel", action: done) }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Propose") { Task { if await model.propose() { done() } } }
                }
            }
        }
    }
}

/// A submitted record about someone unknown at the time: identifications, and the form.
struct IdentifySection: View {
    @Bindable var model: IncidentExtrasModel
    @State private var identifying = false

    var body: some View {
        if model.canIdentify {
            Section("Patient identified") {
                if model.identifications.isEmpty { Text("Not identified yet.").foregroundStyle(.secondary) }
                ForEach(model.identifications, id: \.id) { a in
                    VStack(alignment: .leading) {
                        Text(a.text)
                        Text("\(a.author), \(TimeText.dateTime(a.at))").font(.footnote).foregroundStyle(.secondary)
                    }
                }
                Button("Patient identified") { identifying = true }.frame(minHeight: 44)
            }
            .sheet(isPresented: $identifying) {
                NavigationStack {
                    Form {
                        field("Receiving hospital or service", $model.hospital, "hospital")
                        field("Hospital identifier (optional)", $model.hospitalIdentifier, "hospital_identifier")
                        field("NHS number (optional)", $model.nhsNumber, "nhs_number").keyboardType(.numberPad)
                        if let error = model.identifyErrors[""] { Text(error).foregroundStyle(Color.steadyAlert) }
                    }
                    .navigationTitle("Patient identified")
                    .toolbar {
                        ToolbarItem(placement: .cancellationAction) { Button("Cancel") { identifying = false } }
                        ToolbarItem(placement: .confirmationAction) {
                            Button("Add") { Task { if await model.identify() { identifying = false } } }
                        }
                    }
                }
            }
        }
    }

    private func field(_ label: String, _ text: Binding<String>, _ name: String) -> some View {
        VStack(alignment: .leading) {
            TextField(label, text: text)
            if let error = model.identifyErrors[name] {
                Text(error).font(.footnote).foregroundStyle(Color.steadyAlert)
            }
        }
    }
}

/// Proposals for the plan: the person, list, words, who and when, the incident; editors accept
/// or decline with a reason, readers read.
struct ReviewQueueView: View {
    @State private var model: ReviewQueueModel
    private let session: AppSession

    init(session: AppSession, unitId: String, personId: String? = nil) {
        self.session = session
        _model = State(initialValue: ReviewQueueModel(session: session, unitId: unitId, personId: personId))
    }

    var body: some View {
        @Bindable var model = model
        List {
            if let message = model.message { Section { Text(message) } }
            if !model.canDecide {
                Section { Text("Read only: an editor or a lead of this unit accepts or declines proposals.") }
            }
            if model.rows.isEmpty { Text("Nothing waiting for review.").foregroundStyle(.secondary) }
            ForEach(model.rows) { row in
                Section("\(row.personName): \(row.listHeading)") {
                    Text(row.text).font(.headline)
                    Text("\(row.proposedBy) · Proposed \(TimeText.dateTime(row.proposedAt))").font(.footnote)
                    NavigationLink("From the incident of \(TimeText.dateTime(row.incidentAt))") {
                        IncidentView(session: session, incidentId: row.source.incidentId, alerts: AppEnvironment.shared.alerts)
                    }
                    if model.canDecide {
                        if model.decliningId == row.id {
                            TextField("Why it is declined (kept on the sheet)", text: $model.declineReason, axis: .vertical)
                            if let error = model.declineError { Text(error).foregroundStyle(Color.steadyAlert) }
                            HStack {
                                Button("Cancel") { model.decliningId = nil }
                                Spacer()
                                Button("Decline", role: .destructive) { Task { await model.decline(row) } }
                            }
                            .buttonStyle(.borderless)
                        } else {
                            HStack {
                                Button("Accept") { Task { await model.accept(row) } }
                                    .buttonStyle(.borderedProminent)
                                Spacer()
                                Button("Decline…") { model.decliningId = row.id }
                                    .buttonStyle(.bordered)
                            }
                        }
                    }
                }
            }
        }
        .navigationTitle("Proposals for the plan")
        .task { await model.load() }
        .onChange(of: session.changeCount) { Task { await model.load() } }
    }
}
