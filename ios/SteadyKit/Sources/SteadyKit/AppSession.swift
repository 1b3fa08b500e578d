// The app's session: the open store, whether the device is enrolled, its units and the unit in
// use, and the reactions that affect the whole app — a revoked device wiped, a store the key no
// longer opens reset, sign-out with wipe.
//
// Every screen's model holds the session and reaches the core through `session.core`, which
// runs each call off the main actor.

import Foundation
import Observation
import SteadyCore

/// Where the app stands.
public enum SessionPhase: Equatable, Sendable {
    /// Opening the store.
    case starting
    /// The phone has not been unlocked since it started: the key cannot be read yet.
    case waitingForUnlock
    /// The store is open and the device has no enrolment: show the enrol screen.
    case needsEnrolment
    /// Enrolled: show the app.
    case ready
    /// The store cannot be opened; the problem says what to do (reset, report).
    case failed(UserProblem)
}

/// The session, observed by the root view.
@MainActor
@Observable
public final class AppSession {
    /// Where the app stands.
    public private(set) var phase: SessionPhase = .starting
    /// The open store, once it is.
    public private(set) var core: CoreService?
    /// The units this device knows (active and ended).
    public private(set) var units: [UnitAccess] = []
    /// The unit in use (remembered between launches); change it with `select(unitId:)`.
    public private(set) var selectedUnitId: String?
    /// Who is using the device.
    public private(set) var staff: StaffMember?
    /// A problem that concerns the whole app (a revoked device), shown over every screen.
    public var problem: UserProblem?
    /// The last change the core announced (a save here, a sync page merged, a grant given or
    /// ended). Screens observe it and reload only when it touches what they show, so an open
    /// amber card takes the lead's new safety alert as soon as a sync brings it.
    public private(set) var lastChange: StoreChange?
    /// Counts the changes announced, so a screen can react to each even when two are equal.
    public private(set) var changeCount = 0
    private var subscription: Subscription?
    private var endWatch: Task<Void, Never>?

    /// The clock the app reads.
    public let clock: WallClock
    private let location: StoreLocation
    private let keys: DeviceKey
    private let defaults: UserDefaults
    private static let unitKey = "app.steady.selected-unit"

    /// A session over the store at `location` with the key `keys`.
    public init(location: StoreLocation, keys: DeviceKey, clock: WallClock = SystemWallClock(),
                defaults: UserDefaults = .standard) {
        self.location = location
        self.keys = keys
        self.clock = clock
        self.defaults = defaults
        selectedUnitId = defaults.string(forKey: Self.unitKey)
    }

    /// The unit in use, if it is still on the device.
    public var selectedUnit: UnitAccess? {
        units.first { $0.grant.unitId == selectedUnitId }
    }

    /// Units whose grant is still active.
    public var activeUnits: [UnitAccess] {
        units.filter(\.active)
    }

    /// The device may edit support sheets in the unit in use.
    public var canEditSheets: Bool {
        guard let unit = selectedUnit, unit.active else { return false }
        return unit.grant.role.canEditSheets
    }

    /// Makes `unitId` the unit in use, remembered for the next launch.
    public func select(unitId: String?) {
        selectedUnitId = unitId
        defaults.set(unitId, forKey: Self.unitKey)
    }

    /// Opens the store (creating it on first launch) and finds out whether it is enrolled.
    public func start() async {
        if core == nil {
            phase = .starting
            do {
                let opened = try await CoreService.open(at: location, keys: keys)
                core = opened
                subscription = try await opened.call { [weak self] store in
                    try store.subscribe(listener: ChangeBridge { change in
                        Task { @MainActor in self?.heard(change) }
                    })
                }
                Log.store.info("store opened")
            } catch {
                let problem = UserProblem(error)
                Log.store.error("store open failed: \(problem.kind, privacy: .public)")
                phase = problem.action == .waitForUnlock ? .waitingForUnlock : .failed(problem)
                return
            }
        }
        await refresh()
    }

    /// A change from the core, on the main actor: units reload when access changed.
    private func heard(_ change: StoreChange) {
        lastChange = change
        changeCount += 1
        if !change.unitsWithNewAccess.isEmpty || change.syncStatus {
            Task { await refresh() }
        }
    }

    /// Reloads enrolment, staff member and units.
    public func refresh() async {
        guard let core else { return }
        do {
            let status = try await core.call { try $0.syncStatus() }
            guard status.enrolled else {
                units = []
                phase = .needsEnrolment
                return
            }
            _ = try await core.call { try $0.purgeEndedUnits() }
            units = try await core.call { try $0.units() }
            staff = try await core.call { try $0.staffMember() }
            if selectedUnit == nil {
                select(unitId: activeUnits.first?.grant.unitId ?? units.first?.grant.unitId)
            }
            watchNextEnd()
            phase = .ready
        } catch {
            let problem = await handle(error)
            // Still opening: the app has nothing to show but the problem.
            if phase == .starting { phase = .failed(problem) }
        }
    }

    /// Reloads the units when the next placement in force ends, so the people screen shows the
    /// ended state while the app is open. The core decides "ended" by the device's own clock, so
    /// the wait is by it too. Not a purge: the ended unit stays, with its words, until the next
    /// start-up or sync removes it.
    private func watchNextEnd() {
        endWatch?.cancel()
        endWatch = nil
        guard let next = activeUnits.compactMap(\.grant.endsAt).min() else { return }
        let wait = max(0, next - Date().timestamp) + 500
        endWatch = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000)
            guard !Task.isCancelled else { return }
            await self?.reloadUnits()
        }
    }

    /// Reloads the units only (no purge), e.g. when a placement has just ended.
    public func reloadUnits() async {
        guard let core, let loaded = try? await core.call({ try $0.units() }) else { return }
        units = loaded
        watchNextEnd()
    }

    /// Turns an error from any screen into what to show, reacting first to those that concern
    /// the whole app: revoked (wipe), not enrolled (enrol), wrong key (offer a reset).
    @discardableResult
    public func handle(_ error: Error) async -> UserProblem {
        let problem = UserProblem(error)
        Log.ui.error("problem: \(problem.kind, privacy: .public)")
        switch problem.action {
        case .wipeAndEnrol:
            // The screen that asked is about to go: the session shows the problem itself.
            self.problem = problem
            await wipeEverything()
        case .enrol:
            phase = .needsEnrolment
        case .resetStore:
            phase = .failed(problem)
        case .waitForUnlock:
            phase = .waitingForUnlock
        default:
            break
        }
        return problem
    }

    /// Sign-out: deletes the store, its key and every file beside it, then opens a fresh,
    /// empty store for the next enrolment. Changes not yet synced are lost — the screen asks
    /// first and says how many.
    public func signOut() async {
        await wipeEverything()
        await start()
    }

    /// After `WrongKey`: the data cannot be read any more, so delete it and start again.
    public func resetAfterWrongKey() async {
        await wipeEverything()
        await start()
    }

    private func wipeEverything() async {
        endWatch?.cancel()
        endWatch = nil
        subscription?.cancel()
        subscription = nil
        if let core {
            do {
                try await core.call { try $0.wipe() }
            } catch {
                Log.store.error("wipe failed: \(UserProblem(error).kind, privacy: .public)")
            }
        }
        core = nil
        do {
            try location.removeAll()
            try keys.deleteKey()
        } catch {
            Log.store.error("removing files or key failed")
        }
        units = []
        staff = nil
        select(unitId: nil)
        phase = .needsEnrolment
        Log.store.info("device wiped")
    }
}

/// Carries the core's change notifications (on the writing thread) to a closure.
final class ChangeBridge: StoreListener, @unchecked Sendable {
    private let onChange: @Sendable (StoreChange) -> Void

    init(_ onChange: @escaping @Sendable (StoreChange) -> Void) {
        self.onChange = onChange
    }

    func onChange(change: StoreChange) {
        onChange(change)
    }
}

public extension StoreChange {
    /// Whether the change touches the record `id` of `kind`.
    func touches(_ kind: EntityKind, _ id: String) -> Bool {
        records.contains { $0.kind == kind && $0.id == id }
    }
}
