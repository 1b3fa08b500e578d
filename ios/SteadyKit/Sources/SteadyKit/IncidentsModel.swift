// The incidents screen's model: the unit's incidents in sections — needs attention (a change
// the server refused, or an edit overtaken), drafts, waiting to sync, submitted — with the
// problems and their reasons.

import Foundation
import Observation
import SteadyCore

/// State and actions of the incidents screen.
@MainActor
@Observable
public final class IncidentsModel {
    /// Every incident of the unit, newest first.
    public private(set) var rows: [IncidentRowState] = []
    /// Problems about incidents (refused changes, overtaken edits) with reasons.
    public private(set) var problems: [SyncProblemState] = []
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession

    /// The model for `session`.
    public init(session: AppSession) {
        self.session = session
    }

    /// The list in its sections.
    public var sections: [IncidentSection] {
        incidentSections(rows)
    }

    /// The problems of one incident.
    public func problems(for incidentId: String) -> [SyncProblemState] {
        problems.filter { $0.entityId == incidentId }
    }

    /// Loads the incidents of the unit in use and the sync problems.
    public func load() async {
        guard let core = session.core, let unitId = session.selectedUnitId else { return }
        do {
            let summaries = try await core.call { try $0.incidents(unitId: unitId) }
            let quarantined = try await core.call { try $0.quarantinedChanges() }
            let conflicts = try await core.call { try $0.conflicts() }
            let found = quarantined.filter { $0.entity == .incident }.map { SyncProblemState($0) }
                + conflicts.filter { $0.entity == .incident }.map { SyncProblemState($0) }
            problems = found
            let ids = Set(found.map(\.entityId))
            rows = summaries.map { IncidentRowState($0, problemIds: ids) }
        } catch {
            problem = await session.handle(error)
        }
    }
}
