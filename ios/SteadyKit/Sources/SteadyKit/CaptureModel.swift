// Quick capture from anywhere: the persistent button, the App Shortcut and the App Intent all
// land here. Saved from the first tap: opening the sheet is the first tap, its time is when it
// happened, and the draft is created in the core at once (`captureIncident` is durable when it
// returns), before any tag or note; every later tap updates that one draft (`updateIncident`).
// The open capture (the draft's id, its unit and the first tap's time, never its words) is kept
// in UserDefaults until the user saves or keeps it, so a relaunch after iOS ended the app
// reopens the same draft instead of starting a second one with a new time. Cancel or a swipe on
// a started capture asks first; nothing is thrown away unasked.

import Foundation
import Observation
import SteadyCore

/// The note stored while nothing was typed and no tag tapped: the core needs a note, and this
/// one says plainly that the record is a start, not an account (the same words as Android).
public let quickCapturePlaceholderNote = "Quick capture — details to follow"

/// A capture still open on screen: what a relaunch needs to carry on with the same draft. Ids
/// and a time only — no note, no name — since UserDefaults is not the encrypted store.
public struct OpenCapture: Codable, Equatable, Sendable {
    /// The draft in the core, once it exists.
    public var incidentId: String?
    /// Its unit.
    public var unitId: String?
    /// The first tap.
    public var occurredAt: Timestamp

    /// An open capture.
    public init(incidentId: String?, unitId: String?, occurredAt: Timestamp) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.occurredAt = occurredAt
    }
}

/// Where the open capture is kept between launches.
public struct OpenCaptureStore: @unchecked Sendable {
    private let defaults: UserDefaults
    private static let key = "steady.openCapture"

    /// The store over `defaults`.
    public init(defaults: UserDefaults = .standard) {
        self.defaults = defaults
    }

    /// The capture left open, if any.
    public func load() -> OpenCapture? {
        guard let data = defaults.data(forKey: Self.key) else { return nil }
        return try? JSONDecoder().decode(OpenCapture.self, from: data)
    }

    /// Keeps `capture` as the open one.
    public func save(_ capture: OpenCapture) {
        defaults.set(try? JSONEncoder().encode(capture), forKey: Self.key)
    }

    /// No capture is open any more (saved, or kept as a draft to finish).
    public func clear() {
        defaults.removeObject(forKey: Self.key)
    }
}

/// What Cancel (or a swipe down) does with the capture on screen.
public enum LeaveDecision: Equatable, Sendable {
    /// Nothing exists and nothing was tapped: the sheet just closes.
    case close
    /// A draft exists or something was tapped: "Keep this draft", or go back to it.
    case ask
}

/// State and actions of the quick capture sheet.
@MainActor
@Observable
public final class CaptureModel {
    /// The capture being tapped in.
    public var draft: CaptureDraft {
        didSet { if draft != oldValue { changed() } }
    }
    /// The people of the unit, to pick from.
    public private(set) var people: [PersonRowState] = []
    /// Saving now.
    public private(set) var saving = false
    /// The draft's id in the core: there from the first tap once the unit is known.
    public private(set) var savedId: String?
    /// Save was tapped: the capture is done (the incident stays a draft to complete).
    public private(set) var done = false
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession
    private let openCaptures: OpenCaptureStore
    /// Continued from a capture left open at the last launch.
    private let restored: Bool
    private var pendingUpdate: Task<Void, Never>?
    private let updateDelay: Duration

    /// The capture left open at the last launch, if any, else one started now in the unit in
    /// use (the only active unit when there is one), about `personId` if given.
    public init(session: AppSession, personId: String? = nil,
                openCaptures: OpenCaptureStore = OpenCaptureStore(),
                updateDelay: Duration = .milliseconds(600)) {
        self.session = session
        self.openCaptures = openCaptures
        self.updateDelay = updateDelay
        if let open = openCaptures.load() {
            restored = true
            savedId = open.incidentId
            draft = CaptureDraft(unitId: open.unitId, personId: personId, now: open.occurredAt)
        } else {
            restored = false
            let active = session.activeUnits
            let unit = session.selectedUnitId.flatMap { id in active.contains { $0.grant.unitId == id } ? id : nil }
                ?? (active.count == 1 ? active.first?.grant.unitId : nil)
            // Kept by start(), not here: SwiftUI may build and drop extra instances of a view's
            // model, and those must leave no trace.
            draft = CaptureDraft(unitId: unit, personId: personId, now: session.clock.now())
        }
    }

    /// Whether a capture was left open at the last launch (the app reopens the sheet for it).
    public static func hasOpenCapture(in store: OpenCaptureStore = OpenCaptureStore()) -> Bool {
        store.load() != nil
    }

    /// Units the capture may go to (active grants only).
    public var units: [UnitAccess] { session.activeUnits }

    /// Several units and none chosen yet: the sheet asks which first.
    public var needsUnit: Bool { draft.unitId == nil && units.count > 1 }

    /// The first tap's work: the draft in the core now, or the one left open taken up again.
    public func start() async {
        if !restored {
            openCaptures.save(OpenCapture(incidentId: nil, unitId: draft.unitId, occurredAt: draft.occurredAt))
        }
        await loadPeople()
        if let savedId {
            await continueDraft(savedId)
        } else {
            if restored { await adoptDraft() }
            if savedId == nil { await persist() }
        }
    }

    /// After a relaunch: the draft's stored fields on screen (the words live only in the core).
    private func continueDraft(_ id: String) async {
        guard let core = session.core else { return }
        do {
            let stored = try await core.call { try $0.incident(incidentId: id) }
            guard stored.status == .draft else {
                finish()
                return
            }
            var shown = draft
            shown.tags = Set(stored.tags)
            let words = IncidentTag.all.filter { shown.tags.contains($0) }.map(\.label).joined(separator: ", ")
            shown.note = stored.note == quickCapturePlaceholderNote || stored.note == words ? "" : stored.note
            shown.personId = stored.personId
            shown.unidentifiedPerson = stored.unidentifiedPerson ?? ""
            shown.occurredAt = stored.occurredAt
            draft = shown
            // Shown from the core, so nothing to write back.
            pendingUpdate?.cancel()
        } catch {
            problem = await session.handle(error)
        }
    }

    /// iOS ended the app after the core saved the draft but before its id was kept: the draft
    /// is the one in this unit with the first tap's exact time, taken up rather than made twice.
    private func adoptDraft() async {
        guard let core = session.core, let unitId = draft.unitId else { return }
        let at = draft.occurredAt
        if let list = try? await core.call({ try $0.incidents(unitId: unitId) }),
           let found = list.first(where: { $0.status == .draft && $0.occurredAt == at }) {
            remember(found.id)
            await continueDraft(found.id)
        }
    }

    private func remember(_ id: String) {
        savedId = id
        openCaptures.save(OpenCapture(incidentId: id, unitId: draft.unitId, occurredAt: draft.occurredAt))
    }

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

    /// Chooses the unit (only before the draft exists: an incident stays in its unit); the
    /// draft is made then, with the first tap's time and anything tapped so far.
    public func choose(unitId: String) async {
        guard savedId == nil, unitId != draft.unitId else { return }
        draft.unitId = unitId
        draft.personId = nil
        openCaptures.save(OpenCapture(incidentId: nil, unitId: unitId, occurredAt: draft.occurredAt))
        await loadPeople()
        await persist()
    }

    /// Ticks or unticks a tag.
    public func toggle(_ tag: IncidentTag) {
        if draft.tags.contains(tag) {
            draft.tags.remove(tag)
        } else {
            draft.tags.insert(tag)
        }
    }

    /// What Cancel or a swipe should do now.
    public var leaveDecision: LeaveDecision {
        Self.leaveDecision(savedId: savedId, draft: draft, done: done)
    }

    /// The rule, on its own: a capture that holds something asks first, unless Save was tapped.
    public nonisolated static func leaveDecision(savedId: String?, draft: CaptureDraft, done: Bool) -> LeaveDecision {
        if done { return .close }
        return savedId != nil || draft.hasInput ? .ask : .close
    }

    /// An input changed: into the core a moment later (typing), one draft always.
    private func changed() {
        guard draft.unitId != nil, savedId != nil else { return }
        pendingUpdate?.cancel()
        let delay = updateDelay
        pendingUpdate = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.persist()
        }
    }

    /// Creates the draft, or brings it up to date.
    private func persist() async {
        guard let core = session.core, draft.unitId != nil else { return }
        do {
            if let id = savedId {
                let details = draft.details
                try await core.call { try $0.updateIncident(incidentId: id, details: details) }
            } else if let capture = draft.capture {
                let id = try await core.call { try $0.captureIncident(capture: capture) }
                remember(id)
                Log.ui.info("incident captured")
            }
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Writes whatever waits, now.
    public func flush() async {
        pendingUpdate?.cancel()
        pendingUpdate = nil
        await persist()
    }

    /// Save: whatever waits is written; the capture is done. Returns the draft's id.
    @discardableResult
    public func save() async -> String? {
        guard !saving else { return nil }
        saving = true
        defer { saving = false }
        await flush()
        guard let savedId else { return nil }
        finish()
        return savedId
    }

    /// "Keep this draft": written now, listed under drafts to finish; the sheet may close.
    /// (The core has no way yet to delete an incident draft, so keeping is the only way out.)
    public func keep() async {
        await flush()
        finish()
    }

    /// Closing a capture that holds nothing (no unit chosen, nothing tapped).
    public func discardUntouched() {
        guard leaveDecision == .close else { return }
        openCaptures.clear()
    }

    private func finish() {
        done = true
        openCaptures.clear()
    }
}
