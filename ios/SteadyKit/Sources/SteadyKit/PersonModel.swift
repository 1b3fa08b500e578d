// The person screen's model: the amber card first (it loads on its own, so it shows in the
// time of one small query even on a slow phone), then the whole support sheet; edits for
// editors and leads, each a single core call that reloads the sheet afterwards.

import Foundation
import Observation
import SteadyCore

/// State and actions of the person screen.
@MainActor
@Observable
public final class PersonModel {
    /// The person's id.
    public let personId: String
    /// The amber card, once loaded.
    public private(set) var card: AmberCardState?
    /// The whole sheet, once loaded.
    public private(set) var sheet: SupportSheet?
    /// The last problem, to show (validation problems carry their field).
    public var problem: UserProblem?

    private let session: AppSession

    /// The model for the person `personId`.
    public init(session: AppSession, personId: String) {
        self.session = session
        self.personId = personId
    }

    /// The device may edit this sheet (editor or lead in an active unit).
    public var canEdit: Bool { session.canEditSheets }

    /// The sections of the sheet, in order.
    public var sections: [SheetSection] { sheet?.sections ?? [] }

    /// The review line and whether the sheet is overdue.
    public func review(format: (Timestamp) -> String) -> (text: String, overdue: Bool)? {
        guard let sheet else { return nil }
        return reviewLine(sheet.review, format: format)
    }

    /// Loads the amber card, then the sheet.
    public func load() async {
        guard let core = session.core else { return }
        let id = personId
        do {
            let card = try await core.call { try $0.amberCard(personId: id) }
            self.card = AmberCardState(card)
            sheet = try await core.call { try $0.supportSheet(personId: id) }
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Sets a text field (empty clears it).
    public func setText(_ field: SheetText, to text: String) async {
        let id = personId
        await edit { try $0.setSheetText(personId: id, field: field, text: text) }
    }

    /// Adds an item at the end of a list.
    public func addItem(_ list: SheetList, text: String) async {
        let id = personId
        await edit { _ = try $0.addSheetItem(personId: id, list: list, text: text, before: nil) }
    }

    /// Changes an item's text.
    public func editItem(_ list: SheetList, itemId: String, text: String) async {
        let id = personId
        await edit { try $0.editSheetItem(personId: id, list: list, itemId: itemId, text: text) }
    }

    /// Removes an item.
    public func removeItem(_ list: SheetList, itemId: String) async {
        let id = personId
        await edit { try $0.removeSheetItem(personId: id, list: list, itemId: itemId) }
    }

    /// Moves an item one place up (before the item above it).
    public func moveItemUp(_ list: SheetList, itemId: String) async {
        guard let items = sheet?.items(list), let index = items.firstIndex(where: { $0.id == itemId }),
              index > 0
        else { return }
        let id = personId
        let before = items[index - 1].id
        await edit { try $0.moveSheetItem(personId: id, list: list, itemId: itemId, before: before) }
    }

    /// Adds a safety alert at the end.
    public func addSafetyAlert(_ text: String) async {
        let id = personId
        await edit { _ = try $0.addSafetyAlert(personId: id, text: text, before: nil) }
    }

    /// Removes a safety alert.
    public func removeSafetyAlert(_ alertId: String) async {
        let id = personId
        await edit { try $0.removeSafetyAlert(personId: id, alertId: alertId) }
    }

    /// Records an authorised restrictive intervention.
    public func addIntervention(_ type: RestrictiveInterventionType, note: String) async {
        let id = personId
        await edit { _ = try $0.addAuthorisedIntervention(personId: id, intervention: type, note: note) }
    }

    /// Removes an authorised restrictive intervention.
    public func removeIntervention(_ itemId: String) async {
        let id = personId
        await edit { try $0.removeAuthorisedIntervention(personId: id, itemId: itemId) }
    }

    /// Marks the sheet reviewed now, next review due in `months` months.
    public func markReviewed(nextDueInMonths months: Int) async {
        let id = personId
        let now = session.clock.now().date
        guard let due = Calendar.current.date(byAdding: .month, value: months, to: now) else { return }
        let nextDue = due.timestamp
        await edit { try $0.markSheetReviewed(personId: id, nextDue: nextDue) }
    }

    private func edit(_ change: @escaping @Sendable (SteadyStore) throws -> Void) async {
        guard let core = session.core else { return }
        problem = nil
        do {
            try await core.call(change)
            await load()
        } catch {
            problem = await session.handle(error)
        }
    }
}
