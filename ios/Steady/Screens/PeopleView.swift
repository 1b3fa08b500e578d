// People: the unit's people in the core's shift order (pinned on this phone, then a safety
// alert or a recent event, then the rest, by the name staff use), found instantly offline as the
// user types (names, safety alerts; triggers and warning signs through the core's search, each
// hit saying which line matched), each with their safety alerts, the recent event, a flag when
// their sheet's review is overdue and a badge when changes wait to sync; a pin per row (swipe,
// or the VoiceOver action). Tap 1 of the two-tap path to a person's amber card. When the unit's
// placement has ended: when (UK time), what happens to its records and what still waits, with
// "Add your next placement" and "Switch to <unit>"; with no placement left, the way to the next.

import SteadyCore
import SteadyKit
import SwiftUI

struct PeopleView: View {
    @Environment(SyncModel.self) private var sync
    @Environment(Router.self) private var router
    @State private var model: PeopleModel
    @State private var search = ""
    @State private var addingPlacement = false
    private let session: AppSession

    init(session: AppSession) {
        self.session = session
        _model = State(initialValue: PeopleModel(session: session))
    }

    var body: some View {
        List {
            if model.noPlacement {
                Section {
                    VStack(alignment: .leading, spacing: 8) {
                        Text(PlacementText.noPlacementTitle).font(.headline)
                        Text(PlacementText.noPlacementMessage)
                    }
                    .accessibilityElement(children: .combine)
                    Button(PlacementText.addNext) { addingPlacement = true }
                        .font(.headline)
                        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                } footer: {
                    Text("To stop using Steady on this phone, sign out in Sync & settings.")
                }
            }
            if let ended = model.ended {
                Section {
                    Label(ended.text, systemImage: "clock.badge.xmark")
                    Button(PlacementText.addNext) { addingPlacement = true }
                        .font(.headline)
                        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    if let id = ended.switchToId, let name = ended.switchToName {
                        Button("Switch to \(name)") { session.select(unitId: id) }
                            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    }
                } header: {
                    Text("Placement ended")
                }
            }
            if model.draftsToFinish > 0 {
                Section {
                    Button {
                        router.tab = .incidents
                    } label: {
                        Label(model.draftsToFinish == 1 ? "1 draft to finish" : "\(model.draftsToFinish) drafts to finish",
                              systemImage: "square.and.pencil")
                            .font(.headline)
                            .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                    }
                    .accessibilityHint("Opens Incidents, where drafts are listed first")
                }
            }
            // An ended placement's people are not shown (the core would refuse to open them).
            ForEach(model.ended == nil ? model.shown : []) { row in
                NavigationLink(value: PeopleRoute.person(row.id)) {
                    PersonRow(row: row)
                }
                .swipeActions(edge: .leading) {
                    Button(row.pinned ? "Unpin" : "Pin") { Task { await model.togglePin(row) } }
                        .tint(.blue)
                }
                .accessibilityAction(named: row.pinned ? "Unpin" : "Pin to the top") {
                    Task { await model.togglePin(row) }
                }
            }
        }
        .overlay {
            if model.shown.isEmpty && !model.loading && model.ended == nil && !model.noPlacement {
                if search.isEmpty {
                    ContentUnavailableView("No people yet", systemImage: "person.2",
                                           description: Text("People appear after the first sync."))
                } else {
                    ContentUnavailableView.search(text: search)
                }
            }
        }
        .searchable(text: $search, prompt: "Name, alert, trigger or sign")
        .onChange(of: search) { _, text in model.search(text) }
        .navigationTitle(session.selectedUnit?.grant.name ?? "People")
        .navigationDestination(for: PeopleRoute.self) { route in
            switch route {
            case let .person(id):
                PersonView(session: session, personId: id)
            case let .checklist(personId):
                ChecklistView(session: session, personId: personId)
            case let .proposals(unitId, personId):
                ReviewQueueView(session: session, unitId: unitId, personId: personId)
            case let .incident(id):
                IncidentView(session: session, incidentId: id, alerts: AppEnvironment.shared.alerts)
            case let .huddle(unitId):
                HuddleView(session: session, unitId: unitId)
            }
        }
        .toolbar {
            ToolbarItem(placement: .topBarLeading) { UnitPicker() }
            ToolbarItem(placement: .topBarTrailing) {
                NavigationLink(value: PeopleRoute.checklist(personId: nil)) {
                    Label("Checklist", systemImage: "checklist")
                }
            }
            // The unit's shift huddle, for the start of a shift and a handover.
            if let unitId = session.selectedUnitId {
                ToolbarItem(placement: .topBarTrailing) {
                    NavigationLink(value: PeopleRoute.huddle(unitId: unitId)) {
                        Label("Shift huddle", systemImage: "person.3")
                    }
                }
            }
            // The unit's review queue: proposals for people's plans from incidents and debriefs.
            if let unitId = session.selectedUnitId {
                ToolbarItem(placement: .topBarTrailing) {
                    NavigationLink(value: PeopleRoute.proposals(unitId: unitId, personId: nil)) {
                        Label("Proposals for the plan", systemImage: "tray.full")
                    }
                }
            }
        }
        .refreshable {
            await sync.syncNow()
            await model.load()
        }
        .task(id: session.selectedUnitId) { await model.load() }
        .task {
            // A capture left open when iOS ended the app: its sheet comes back, on the same draft.
            if CaptureModel.hasOpenCapture() && !router.showingCapture { router.requestCapture() }
        }
        .onChange(of: router.showingCapture) { _, showing in
            if !showing { Task { await model.load() } }
        }
        .sheet(isPresented: $addingPlacement) {
            NavigationStack { AddPlacementView(session: session) }
        }
        .problemAlert($model.problem)
    }
}

/// Where the people tab navigates.
enum PeopleRoute: Hashable {
    case person(String)
    case checklist(personId: String?)
    /// The review queue of a unit, or of one person's plan.
    case proposals(unitId: String, personId: String?)
    /// An incident (a sheet item's source).
    case incident(String)
    /// The shift huddle of a unit, with its handover notes.
    case huddle(unitId: String)
}

/// One person: name (and pin), the line a search matched, safety alerts, the recent event,
/// overdue flag, pending badge.
private struct PersonRow: View {
    let row: PersonRowState

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack(alignment: .firstTextBaseline) {
                if row.pinned {
                    Image(systemName: "pin.fill").foregroundStyle(.blue).accessibilityHidden(true)
                }
                Text(row.name).font(.headline)
                Spacer()
                if let badge = row.pendingBadge { PendingBadge(text: badge) }
            }
            if let line = row.matchLine {
                Label(line, systemImage: "magnifyingglass").font(.subheadline)
            }
            ForEach(row.safetyAlerts, id: \.self) { alert in
                Label(alert, systemImage: "exclamationmark.triangle.fill")
                    .font(.subheadline)
                    .foregroundStyle(.red)
            }
            if let event = row.recentEvent {
                Label("\(event.label) · \(TimeText.dateTime(event.at))", systemImage: "clock.badge.exclamationmark")
                    .font(.subheadline.weight(.semibold))
            }
            if row.reviewOverdue {
                Badge(text: "Review overdue", color: .orange)
            }
        }
        .padding(.vertical, 4)
        .frame(minHeight: 44)
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(row.accessibilityLabel)
        .accessibilityAddTraits(.isButton)
    }
}

/// Chooses the unit in use when the device has more than one: each placement with its role and
/// end ("Editor · Ends Fri 5 Dec, 20:00"), ended ones marked.
struct UnitPicker: View {
    @Environment(AppSession.self) private var session

    var body: some View {
        if session.units.count > 1 {
            Menu {
                Picker("Unit", selection: Binding(
                    get: { session.selectedUnitId },
                    set: { session.select(unitId: $0) }
                )) {
                    ForEach(session.units, id: \.grant.unitId) { unit in
                        // Two lines in a menu: the name, then role and end.
                        Label {
                            Text(unit.grant.name)
                            Text(PlacementText.pickerLine(unit))
                        } icon: {
                            Image(systemName: unit.active ? "building.2" : "clock.badge.xmark")
                        }
                        .accessibilityLabel(
                            "\(unit.grant.name), \(unit.active ? "" : "placement ended, ")\(PlacementText.pickerLine(unit))"
                        )
                        .tag(Optional(unit.grant.unitId))
                    }
                }
            } label: {
                Label("Unit", systemImage: "building.2")
            }
            .accessibilityLabel("Choose unit")
        }
    }
}
