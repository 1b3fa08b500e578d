// The one door to the core. Every call to `SteadyStore` blocks (a save waits for the disk, a
// sync for the network), so none may run on the main actor: `CoreService.call` runs the work
// on a private dispatch queue and resumes the caller with the result.
//
// A dispatch queue rather than an actor's executor: the core's calls block, and blocking a
// thread of Swift's cooperative pool for the seconds a sync takes would starve other tasks.
// The queue is concurrent because the store is `Send + Sync` and serialises its own writes;
// reads run side by side.

import Dispatch
import Foundation
import SteadyCore

/// An open device store, reached off the main actor.
public final class CoreService: Sendable {
    /// The store. Use it only inside `call`.
    private let store: SteadyStore
    private let queue: DispatchQueue

    /// Wraps an open store.
    public init(store: SteadyStore) {
        self.store = store
        queue = DispatchQueue(label: "app.steady.core", qos: .userInitiated, attributes: .concurrent)
    }

    /// Opens (or creates) the store at `location` with the key from `keys`, off the main actor,
    /// then sets the files' protection.
    public static func open(at location: StoreLocation, keys: KeyProvider) async throws -> CoreService {
        let queue = DispatchQueue(label: "app.steady.core.open", qos: .userInitiated)
        let store: SteadyStore = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    try location.prepare()
                    let store = try SteadyStore.open(path: location.storePath, keys: keys)
                    try location.protectFiles()
                    continuation.resume(returning: store)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        return CoreService(store: store)
    }

    /// Runs `work` with the store on a background queue and returns its result.
    public func call<T: Sendable>(_ work: @escaping @Sendable (SteadyStore) throws -> T) async throws -> T {
        let store = self.store
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: try work(store))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
