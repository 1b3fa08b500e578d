// The store key as the session needs it: readable by the core (`KeyProvider`) and deletable at
// sign-out or after a revocation. The Keychain is the real one; a memory key serves the tests
// (the macOS test runner has no Keychain entitlement).

import Foundation
import SteadyCore

/// A store key the app can also delete.
public protocol DeviceKey: KeyProvider {
    /// Deletes the key; the next `databaseKey()` makes a new one.
    func deleteKey() throws
}

extension KeychainKeyProvider: DeviceKey {}

/// A random key held in memory: for tests and previews, never for a real store.
public final class MemoryDeviceKey: DeviceKey, @unchecked Sendable {
    private let lock = NSLock()
    private var key: Data?

    /// An empty key store; the first read makes a random key.
    public init() {}

    /// The key, made on first use.
    public func databaseKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let key { return key }
        let fresh = try KeychainKeyProvider.randomKey()
        key = fresh
        return fresh
    }

    /// Forgets the key.
    public func deleteKey() throws {
        lock.lock()
        key = nil
        lock.unlock()
    }

    /// Replaces the key (to simulate a reset Keychain entry).
    public func replaceKey() throws {
        let fresh = try KeychainKeyProvider.randomKey()
        lock.lock()
        key = fresh
        lock.unlock()
    }
}
