// Quick capture from anywhere: the persistent button, the App Shortcut and the App Intent all
// land here. Three taps — the button, a tag, Save — give a durable, timestamped draft; the note,
// the person (or a description of someone unknown) and the time can be added in the same sheet
// and everything else later. `occurredAt` is the moment the capture was opened, not saved.

import Foundation
import Observation
import SteadyCore

/// State and actions of the quick capture sheet.
@MainActor
@Observable
public final class CaptureModel {
    /// The capture being tapped in.
    public var draft: CaptureDraft
    /// The people of the unit, to pick from.
    public private(set) var people: [PersonRowState] = []
    /// Saving now.
    public private(set) var saving = false
    /// The saved incident's id.
    public private(set) var savedId: String?
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession

    /// A capture started now, in the unit in use, about `personId` if given.
    public init(session: AppSession, personId: String? = nil) {
        self.session = session
        draft = CaptureDraft(unitId: session.selectedUnitId, personId: personId, now: session.clock.now())
    }

    /// Units the capture may go to (active grants only).
    public var units: [UnitAccess] { session.activeUnits }

    /// Loads the people of the chosen unit, for the optional person picker.
    public func loadPeople() async {
        guard let core = session.core, let unitId = draft.unitId else { return }
        do {
            let list = try await core.call { try $0.people(unitId: unitId) }
            people = list.map(PersonRowState.init)
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Chooses the unit (and forgets a person from another unit).
    public func choose(unitId: String) async {
        guard unitId != draft.unitId else { return }
        draft.unitId = unitId
        draft.personId = nil
        await loadPeople()
    }

    /// Ticks or unticks a tag.
    public func toggle(_ tag: IncidentTag) {
        if draft.tags.contains(tag) {
            draft.tags.remove(tag)
        } else {
            draft.tags.insert(tag)
        }
    }

    /// Saves the capture; returns the new incident's id once it is durable.
    @discardableResult
    public func save() async -> String? {
        guard let core = session.core, let capture = draft.capture, !saving else { return nil }
        saving = true
        defer { saving = false }
        do {
            let id = try await core.call { try $0.captureIncident(capture: capture) }
            savedId = id
            Log.ui.info("incident captured")
            return id
        } catch {
            problem = await session.handle(error)
            return nil
        }
    }
}
