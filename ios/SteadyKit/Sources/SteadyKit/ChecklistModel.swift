// The checklist screen's model: choose STAMP or the person's own warning signs (the core offers
// the templates), tick what is present, and get the score, band and — for a moderate or high
// band — that person's own strategies, all decided by the core's `runChecklist`.

import Foundation
import Observation
import SteadyCore

/// State and actions of the checklist screen.
@MainActor
@Observable
public final class ChecklistModel {
    /// The person the checklist is about, if any.
    public let personId: String?
    /// The templates offered (the person's own first when they have warning signs).
    public private(set) var templates: [ChecklistTemplate] = []
    /// The template chosen.
    public private(set) var selected: ChecklistTemplate?
    /// Item ids ticked as present.
    public private(set) var present: Set<String> = []
    /// The result of the last run.
    public private(set) var result: ChecklistResultState?
    /// Scoring now.
    public private(set) var busy = false
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession

    /// The model for a checklist about `personId` (or no one).
    public init(session: AppSession, personId: String?) {
        self.session = session
        self.personId = personId
    }

    /// Loads the templates and chooses the first.
    public func load() async {
        guard let core = session.core else { return }
        let id = personId
        do {
            templates = try await core.call { try $0.checklistTemplates(personId: id) }
            if selected == nil, let first = templates.first { choose(first) }
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Chooses a template and clears the ticks and the result.
    public func choose(_ template: ChecklistTemplate) {
        selected = template
        present = []
        result = nil
    }

    /// Ticks or unticks an item.
    public func toggle(_ itemId: String) {
        if present.contains(itemId) {
            present.remove(itemId)
        } else {
            present.insert(itemId)
        }
        result = nil
    }

    /// Scores and saves the run.
    public func score() async {
        guard let core = session.core, let template = selected, let unitId = session.selectedUnitId
        else { return }
        busy = true
        defer { busy = false }
        let personId = personId
        // In the template's order, so the saved run reads as the checklist does.
        let ticked = template.items.map(\.id).filter { present.contains($0) }
        let templateId = template.id
        do {
            let result = try await core.call {
                try $0.runChecklist(unitId: unitId, templateId: templateId, personId: personId, present: ticked)
            }
            self.result = ChecklistResultState(result)
        } catch {
            problem = await session.handle(error)
        }
    }
}
