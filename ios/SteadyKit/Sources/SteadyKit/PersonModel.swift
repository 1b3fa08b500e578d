// The person screen's model: the amber card first (it loads on its own, so it shows in the
// time of one small query even on a slow phone), then the support sheet in shift order —
// triggers and the red (crisis) section right after the card, then the rest (`shiftOrder`);
// edits for editors and leads, each a single core call that reloads the sheet afterwards.
//
// Who may edit is decided by the grant of the person's own unit (not the unit picked on the
// People tab), and the core checks the role again on every write, so a reader is refused even
// if a control slipped through. Edits with their own sheet (the person's details, a safety
// alert) put the core's `Validation` answer into `fieldErrors` under its `Field`, so
// the sheet shows it next to the field and stays open.
//
// Each safety alert and contraindication may name the restrictive interventions it rules out
// (`avoid`, read from the core's `restraintProfile`, the same the incident screen shows before
// any hold): readers see the marks, editors and leads set them (`setAvoids`, the core's
// `setCautionAvoids`); starting one of them on the person then asks for a reason.

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
    /// The person's cautions with what each rules out, and what the plan authorises (`nil`
    /// until loaded, or if it could not be read: no marks shown).
    public private(set) var profile: RestraintProfile?
    /// The last problem, to show (validation problems carry their field).
    public var problem: UserProblem?
    /// Messages by the core's field name (`PersonField`), from the last edit's `Validation`.
    public private(set) var fieldErrors: [Field: String] = [:]

    /// Beside each "what helps" strategy: how often tried and helped (the core's `strategyOutcomes`).
    public private(set) var outcomes: [String: StrategyOutcome] = [:]
    /// When each incident of the unit happened, for "From the incident of …".
    public private(set) var incidentTimes: [String: Timestamp] = [:]
    /// Proposals for this person's plan waiting for an editor (the review queue).
    public private(set) var proposalsWaiting = 0

    private let session: AppSession

    /// The model for the person `personId`.
    public init(session: AppSession, personId: String) {
        self.session = session
        self.personId = personId
    }

    /// The device may edit this person (editor or lead with an active grant for the person's
    /// unit). False until the sheet has loaded: readers never see an edit control.
    public var canEdit: Bool {
        guard let unitId = sheet?.person.unitId,
              let unit = session.units.first(where: { $0.grant.unitId == unitId }), unit.active
        else { return false }
        return unit.grant.role.canEditSheets
    }

    /// The person's record (names, identifier), once the sheet has loaded.
    public var person: Person? { sheet?.person }

    /// A form for the person's details, filled from the loaded record.
    public var detailsForm: PersonDetailsForm? { person.map(PersonDetailsForm.init) }

    /// Forgets the messages of a sheet that was cancelled.
    public func clearFieldErrors() {
        fieldErrors = [:]
    }

    /// The sections of the sheet, in the core's order.
    public var sections: [SheetSectionState] { sheet?.sections ?? [] }

    /// The sections shown right after the amber card: triggers, then the red section.
    public var firstSections: [SheetSectionState] { shiftOrder(sections, keepAmber: canEdit).first }

    /// The sections shown after the actions and the person's details, in the core's order. The
    /// amber section is there only for editors (its lists are edited there); for readers the
    /// card above already is it.
    public var laterSections: [SheetSectionState] { shiftOrder(sections, keepAmber: canEdit).rest }

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
            return
        }
        // The marks are extra: the sheet shows without them if they cannot be read.
        profile = try? await core.call { try $0.restraintProfile(personId: id) }
        // So are the source lines, the tried / helped counts and the proposals waiting.
        if let unitId = sheet?.person.unitId {
            let list = (try? await core.call { try $0.strategyOutcomes(personId: id) }) ?? []
            outcomes = Dictionary(list.map { ($0.itemId, $0) }, uniquingKeysWith: { a, _ in a })
            let incidents = (try? await core.call { try $0.incidents(unitId: unitId) }) ?? []
            incidentTimes = Dictionary(incidents.map { ($0.id, $0.occurredAt) }, uniquingKeysWith: { a, _ in a })
            proposalsWaiting = ((try? await core.call { try $0.planProposals(unitId: unitId) }) ?? [])
                .filter { $0.personId == id }.count
        }
    }

    /// A sheet item's extra lines: its incident ("From the incident of …"), its counts.
    public func notes(_ item: ListItem, format: (Timestamp) -> String) -> (source: String?, outcome: String?) {
        sheetItemNotes(item, incidentTimes: incidentTimes, outcomes: outcomes, format: format)
    }

    /// The interventions the safety alert or contraindication `itemId` rules out, in the full
    /// list's order (empty: none, or not known yet).
    public func avoids(_ list: CautionList, itemId: String) -> [RestrictiveInterventionType] {
        guard let caution = profile?.cautions.first(where: { $0.list == list && $0.id == itemId }) else { return [] }
        return RestrictiveInterventionType.all.filter { caution.avoid.contains($0) }
    }

    /// Sets what a safety alert or contraindication rules out (editor or lead), saved at once;
    /// an empty list makes it a caution to read only. A reader's refusal comes back in `problem`.
    @discardableResult
    public func setAvoids(_ list: CautionList, itemId: String, avoid: [RestrictiveInterventionType]) async -> EditResult {
        let id = personId
        return await edit { try $0.setCautionAvoids(personId: id, list: list, itemId: itemId, avoid: avoid) }
    }

    /// Sets a text field (empty clears it).
    @discardableResult
    public func setText(_ field: SheetText, to text: String) async -> EditResult {
        let id = personId
        return await edit(showsFields: true) { try $0.setSheetText(personId: id, field: field, text: text) }
    }

    /// Adds an item at the end of a list.
    @discardableResult
    public func addItem(_ list: SheetList, text: String) async -> EditResult {
        let id = personId
        return await edit(showsFields: true) { _ = try $0.addSheetItem(personId: id, list: list, text: text, before: nil) }
    }

    /// Changes an item's text.
    @discardableResult
    public func editItem(_ list: SheetList, itemId: String, text: String) async -> EditResult {
        let id = personId
        return await edit(showsFields: true) { try $0.editSheetItem(personId: id, list: list, itemId: itemId, text: text) }
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

    /// Adds a safety alert at the end, saved at once. An empty or over-long text comes back
    /// from the core under `PersonField.safetyAlert`.
    @discardableResult
    public func addSafetyAlert(_ text: String) async -> EditResult {
        let id = personId
        return await edit(showsFields: true) { _ = try $0.addSafetyAlert(personId: id, text: text, before: nil) }
    }

    /// Removes a safety alert, saved at once.
    @discardableResult
    public func removeSafetyAlert(_ alertId: String) async -> EditResult {
        let id = personId
        return await edit { try $0.removeSafetyAlert(personId: id, alertId: alertId) }
    }

    /// Saves what changed in the person's details (`updatePerson`), at once. The core's
    /// `Validation` lands in `fieldErrors` under `PersonField` names.
    @discardableResult
    public func updateDetails(_ form: PersonDetailsForm) async -> EditResult {
        guard let person else { return .failed }
        guard let change = form.change(from: person) else {
            fieldErrors = [:]
            return .saved
        }
        return await save(change)
    }

    /// Sends `change` to the core (`updatePerson`), then reloads.
    func save(_ change: PersonDetailsChange) async -> EditResult {
        let id = personId
        return await edit(showsFields: true) {
            if change.displayName != nil || change.preferredName != nil || change.localIdentifier != nil {
                try $0.updatePerson(personId: id, displayName: change.displayName,
                                    preferredName: change.preferredName,
                                    localIdentifier: change.localIdentifier)
            }
            if let nhs = change.nhsNumber {
                // Checked by its check digit in the core; a bad one lands by the field.
                try $0.setNhsNumber(personId: id, nhsNumber: nhs.isEmpty ? nil : nhs)
            }
        }
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

    /// Runs one write, then reloads. With `showsFields` (the edit has a sheet that shows
    /// `fieldErrors`) a `Validation` answer goes next to its field; otherwise into `problem`.
    @discardableResult
    private func edit(showsFields: Bool = false,
                      _ change: @escaping @Sendable (SteadyStore) throws -> Void) async -> EditResult {
        guard let core = session.core else { return .failed }
        problem = nil
        fieldErrors = [:]
        do {
            try await core.call(change)
        } catch {
            let found = await session.handle(error)
            if showsFields, let field = found.field {
                fieldErrors[field] = found.message
                return .invalid
            }
            problem = found
            return .failed
        }
        await load()
        return .saved
    }
}

/// The sheet's sections in shift order: `first` holds triggers then the red section (what a
/// worker on shift looks for after the amber card), `rest` the others in the core's order — the
/// amber section only with `keepAmber`, since the card above already shows it. Titles, headings
/// and entries stay the core's.
public func shiftOrder(_ sections: [SheetSectionState], keepAmber: Bool)
    -> (first: [SheetSectionState], rest: [SheetSectionState]) {
    let firstBands: [SheetBand] = [.triggers, .red]
    let first = firstBands.compactMap { band in sections.first { $0.band == band } }
    let rest = sections.filter { !firstBands.contains($0.band) && (keepAmber || $0.band != .amber) }
    return (first, rest)
}
