// The shift huddle: the look-back (24 or 72 hours), the handover notes (newest first, who and
// when, whom about) with a field to add one, the people to talk about with their events and
// checklist band in words, the open drafts and the sheets overdue for review (HuddleModel). The
// twin of Android's HuddleScreen.kt.

import SwiftUI
import SteadyCore
import SteadyKit

struct HuddleView: View {
    @State private var model: HuddleModel
    private let session: AppSession

    init(session: AppSession, unitId: String) {
        self.session = session
        _model = State(initialValue: HuddleModel(session: session, unitId: unitId))
    }

    var body: some View {
        @Bindable var model = model
        List {
            Section {
                Picker("Look back over", selection: $model.hours) {
                    ForEach(huddleHours, id: \.self) { h in Text("Last \(h) hours").tag(h) }
                }
                .pickerStyle(.segmented)
            }
            if let message = model.message { Section { Text(message) } }
            Section("Handover notes") {
                TextField("Add a handover note for the next shift", text: $model.noteText, axis: .vertical)
                    .lineLimit(2...6)
                if let error = model.noteError {
                    Text(error).foregroundStyle(Color.steadyAlert)
                } else {
                    Text("Signed with your name. Up to 2000 characters.").font(.footnote).foregroundStyle(.secondary)
                }
                Button("Add handover note") { Task { await model.addNote() } }
                    .disabled(model.noteText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                    .frame(minHeight: 44)
                let notes = model.huddle?.notes ?? []
                if notes.isEmpty { Text("No handover notes in the last \(model.hours) hours.").foregroundStyle(.secondary) }
                ForEach(notes, id: \.noteId) { note in
                    VStack(alignment: .leading, spacing: 4) {
                        Text("\(noteAuthor(note)) · \(TimeText.dateTime(note.at))").font(.footnote).bold()
                        if note.personId != nil {
                            Text("About \(note.personName.isEmpty ? "someone no longer on this phone" : note.personName)")
                                .font(.footnote)
                        }
                        Text(note.text)
                    }
                    .accessibilityElement(children: .combine)
                }
            }
            Section("People") {
                let people = model.huddle?.people ?? []
                if people.isEmpty { Text("Nobody had an event or a moderate or high checklist.").foregroundStyle(.secondary) }
                ForEach(people, id: \.personId) { p in
                    NavigationLink(value: PeopleRoute.person(p.personId)) {
                        Text("\(p.name): \(huddleSummary(p))")
                    }
                }
            }
            Section("Open drafts") {
                let drafts = model.huddle?.openDrafts ?? []
                if drafts.isEmpty { Text("No incident is still a draft.").foregroundStyle(.secondary) }
                ForEach(drafts, id: \.incidentId) { d in
                    NavigationLink(value: PeopleRoute.incident(d.incidentId)) {
                        Text("\(d.about.isEmpty ? "Not named" : d.about) · \(TimeText.dateTime(d.occurredAt)) · recorded by \(d.recordedBy)\(d.useOfForce ? " (use of force: its record waits)" : "")")
                    }
                }
            }
            Section("Sheets overdue for review") {
                let overdue = model.huddle?.sheetsOverdue ?? []
                if overdue.isEmpty { Text("None overdue.").foregroundStyle(.secondary) }
                ForEach(overdue, id: \.personId) { o in
                    Text("\(o.name): review was due \(TimeText.dateTime(o.due))")
                }
            }
        }
        .navigationTitle("Shift huddle")
        .task { await model.load() }
        .onChange(of: model.hours) { Task { await model.load() } }
        .onChange(of: session.changeCount) { Task { await model.load() } }
    }
}
