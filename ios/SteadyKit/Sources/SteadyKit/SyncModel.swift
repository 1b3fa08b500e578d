// Sync from the app: "sync now", the status line (last success, what waits, problems), the
// list of changes that need the user (refused or overtaken), and the entry point the
// background task calls. Progress arrives through the core's `SyncObserver` on the syncing
// thread and hops to the main actor before touching state.

import Foundation
import Observation
import SteadyCore

/// Hands the core's progress reports to the main actor.
final class SyncProgressBridge: SyncObserver {
    private let onProgressChange: @Sendable (SyncProgress) -> Void

    init(onProgress: @escaping @Sendable (SyncProgress) -> Void) {
        onProgressChange = onProgress
    }

    func onProgress(progress: SyncProgress) {
        onProgressChange(progress)
    }

    func onFinished(status: SyncStatus) {}
}

/// State and actions of the sync and settings screen, and the problems list.
@MainActor
@Observable
public final class SyncModel {
    /// The status as shown.
    public private(set) var status: SyncStatusState?
    /// The raw status (counts for the sign-out warning).
    public private(set) var rawStatus: SyncStatus?
    /// Progress of the sync running now, if any.
    public private(set) var progress: SyncProgress?
    /// Syncing now.
    public private(set) var syncing = false
    /// Changes the server refused and edits that were overtaken.
    public private(set) var problems: [SyncProblemState] = []
    /// The last problem, to show.
    public var problem: UserProblem?

    private let session: AppSession

    /// The model for `session`.
    public init(session: AppSession) {
        self.session = session
    }

    /// Reloads the status and the problems.
    public func load() async {
        guard let core = session.core else { return }
        do {
            let status = try await core.call { try $0.syncStatus() }
            let quarantined = try await core.call { try $0.quarantinedChanges() }
            let conflicts = try await core.call { try $0.conflicts() }
            rawStatus = status
            self.status = SyncStatusState(status, now: session.clock.now())
            problems = quarantined.map { SyncProblemState($0) } + conflicts.map { SyncProblemState($0) }
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Syncs now (from the button, the app coming to the foreground, or the background task).
    /// Returns whether it succeeded.
    @discardableResult
    public func syncNow() async -> Bool {
        guard let core = session.core, !syncing else { return false }
        syncing = true
        progress = nil
        defer {
            syncing = false
            progress = nil
        }
        let bridge = SyncProgressBridge { [weak self] progress in
            Task { @MainActor in self?.progress = progress }
        }
        do {
            let status = try await core.call { try $0.syncStatus() }
            guard status.enrolled else {
                await session.refresh()
                return false
            }
            // When iOS ends the background task (SwiftUI cancels `.backgroundTask`'s Task as its
            // time runs out) the blocking sync is told to stop between requests: what the server
            // answered is kept, and the call returns `Interrupted` at once.
            let report = try await withTaskCancellationHandler {
                try await core.call { try $0.sync(observer: bridge) }
            } onCancel: {
                Task { try? await core.call { try $0.interruptSync() } }
            }
            Log.sync.info(
                "sync: pushed \(report.pushed, privacy: .public), pulled \(report.pulled, privacy: .public), quarantined \(report.quarantined, privacy: .public)"
            )
            await session.refresh()
            await load()
            return true
        } catch {
            problem = await session.handle(error)
            await load()
            return false
        }
    }

    /// Gives up a refused change (its fields go back to the server's values).
    public func discard(opId: String) async {
        guard let core = session.core else { return }
        do {
            try await core.call { try $0.discardQuarantined(opId: opId) }
        } catch {
            problem = await session.handle(error)
        }
        await load()
    }

    /// The user has seen an overtaken edit.
    public func dismiss(conflictId: Int64) async {
        guard let core = session.core else { return }
        do {
            try await core.call { try $0.dismissConflict(id: conflictId) }
        } catch {
            problem = await session.handle(error)
        }
        await load()
    }

    /// Resolves a problem row by its kind.
    public func resolve(_ row: SyncProblemState) async {
        switch row.kind {
        case let .quarantined(opId): await discard(opId: opId)
        case let .conflict(conflictId): await dismiss(conflictId: conflictId)
        }
    }
}
