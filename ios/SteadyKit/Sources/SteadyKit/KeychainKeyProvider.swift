// The store's key, kept in the iOS Keychain: 32 random bytes made once per install, readable
// after the first unlock since boot and never leaving this device (no iCloud Keychain, no
// backup) — `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`, so background sync can open
// the store while the phone is locked in a pocket, and a restored backup on another phone
// cannot. The core receives the raw key through the `KeyProvider` foreign trait; nothing here
// derives it from a passphrase.
//
// Only "no such item" makes a new key. Any other Keychain failure (notably
// `errSecInteractionNotAllowed` before the first unlock) is `KeyError.Unavailable`, which the
// core reports as `KeyUnavailable`: the app waits, and never resets a store whose key it merely
// could not read yet.

import Foundation
import Security
import SteadyCore

/// The Keychain entry that holds the store's key.
public final class KeychainKeyProvider: KeyProvider {
    /// The key's length, as the core requires.
    public static let keyLength = 32

    private let service: String
    private let account: String

    /// The entry `service` / `account` (one per store).
    public init(service: String = "app.steady.store-key", account: String = "device-store") {
        self.service = service
        self.account = account
    }

    /// The key, made and saved on first use.
    public func databaseKey() throws -> Data {
        if let existing = try read() {
            return existing
        }
        let fresh = try Self.randomKey()
        var attributes = baseQuery()
        attributes[kSecValueData as String] = fresh
        attributes[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let status = SecItemAdd(attributes as CFDictionary, nil)
        switch status {
        case errSecSuccess:
            return fresh
        case errSecDuplicateItem:
            // Another thread made it first: use theirs.
            if let existing = try read() { return existing }
            throw KeyError.Unavailable(detail: "keychain entry appeared and vanished")
        default:
            throw KeyError.Unavailable(detail: "keychain add failed (OSStatus \(status))")
        }
    }

    /// Deletes the key (sign-out, revocation, or a store the key no longer opens). The store's
    /// files must be gone first: without the key they can never be read again.
    public func deleteKey() throws {
        let status = SecItemDelete(baseQuery() as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeyError.Unavailable(detail: "keychain delete failed (OSStatus \(status))")
        }
    }

    /// Whether a key exists (without reading it).
    public func hasKey() -> Bool {
        var query = baseQuery()
        query[kSecReturnAttributes as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        return SecItemCopyMatching(query as CFDictionary, nil) == errSecSuccess
    }

    private func read() throws -> Data? {
        var query = baseQuery()
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data, data.count == Self.keyLength else {
                throw KeyError.Unavailable(detail: "keychain entry has the wrong length")
            }
            return data
        case errSecItemNotFound:
            return nil
        case errSecInteractionNotAllowed:
            throw KeyError.Unavailable(detail: "the device has not been unlocked since it started")
        default:
            throw KeyError.Unavailable(detail: "keychain read failed (OSStatus \(status))")
        }
    }

    private func baseQuery() -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            // The iOS-style keychain on macOS too (tests), never the legacy file keychain.
            kSecUseDataProtectionKeychain as String: true,
            kSecAttrSynchronizable as String: false,
        ]
    }

    /// 32 bytes from the system's secure random generator.
    static func randomKey() throws -> Data {
        var bytes = [UInt8](repeating: 0, count: keyLength)
        let status = SecRandomCopyBytes(kSecRandomDefault, keyLength, &bytes)
        guard status == errSecSuccess else {
            throw KeyError.Unavailable(detail: "no secure random bytes (OSStatus \(status))")
        }
        return Data(bytes)
    }
}
