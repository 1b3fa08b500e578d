// The people screen's model: the unit's people in the core's shift order (pinned on this
// phone, then a safety alert or a recent event, then the rest, by the name staff use) with their
// safety alerts, pending-sync badges and overdue-review flags; instant offline search as the
// user types (a filter over the loaded list at every keystroke, plus the core's full-text search
// over triggers and warning signs, each hit with the line that matched); a pin per person. When
// the unit's placement has ended, the ended state in words (`EndedPlacementState`) instead of a
// list; with no placement left, the way to the next one.

import Foundation
import Observation
import SteadyCore

/// State and actions of the people screen.
@MainActor
@Observable
public final class PeopleModel {
    /// Every person of the unit.
    public private(set) var all: [PersonRowState] = []
    /// What the user typed.
    public private(set) var query = ""
    /// The people shown: filtered by the query.
    public private(set) var shown: [PersonRowState] = []
    /// Loading for the first time.
    public private(set) var loading = false
    /// Incident drafts on this phone not yet submitted, in every active unit ("2 drafts to
    /// finish"): captures left open are listed where the user starts.
    public private(set) var draftsToFinish = 0
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession
    private var searchTask: Task<Void, Never>?

    /// The model for `session`.
    public init(session: AppSession) {
        self.session = session
    }

    /// The unit in use has ended: what the screen says instead of a list (nil while active).
    public var ended: EndedPlacementState? {
        EndedPlacementState(units: session.units, selected: session.selectedUnitId)
    }

    /// Enrolled, but every placement has ended and left the phone: the screen shows the way to
    /// the next one, not an empty list.
    public var noPlacement: Bool {
        session.phase == .ready && session.units.isEmpty
    }

    /// Loads the people of the unit in use.
    public func load() async {
        guard let core = session.core, let unitId = session.selectedUnitId,
              session.selectedUnit?.active ?? true
        else {
            // No unit, or its placement has ended: nothing to read (the core would refuse it).
            all = []
            shown = []
            return
        }
        loading = all.isEmpty
        defer { loading = false }
        let unitIds = session.activeUnits.map(\.grant.unitId)
        if let drafts = try? await core.call({ store in
            try unitIds.reduce(0) { sum, id in sum + (try store.incidents(unitId: id)).filter { $0.status == .draft }.count }
        }) {
            draftsToFinish = drafts
        }
        do {
            let people = try await core.call { try $0.people(unitId: unitId) }
            all = people.map(PersonRowState.init)
            search(query)
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Pins `row`'s person on this phone (first in the list) or unpins them, then reloads in the
    /// core's order.
    public func togglePin(_ row: PersonRowState) async {
        guard let core = session.core else { return }
        let id = row.id
        let pinned = !row.pinned
        do {
            try await core.call { try $0.pinPerson(personId: id, pinned: pinned) }
        } catch {
            problem = await session.handle(error)
            return
        }
        await load()
    }

    /// Filters at once, then adds the core's full-text hits (triggers, warning signs) when they
    /// arrive; a newer keystroke cancels an older search.
    public func search(_ text: String) {
        query = text
        let local = filterPeople(all, query: text)
        shown = local
        searchTask?.cancel()
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 2, let core = session.core else { return }
        let unitId = session.selectedUnitId
        searchTask = Task { [weak self] in
            guard let hits = try? await core.call({ try $0.searchPeople(text: trimmed, limit: 50) }),
                  !Task.isCancelled, let self
            else { return }
            let inUnit = hits.filter { $0.unitId == unitId }
            self.shown = mergeSearch(local: local, all: self.all, hits: inUnit)
        }
    }
}
