// Where the device store lives, and the file protections around it: a directory under
// Application Support, excluded from iCloud and iTunes backups (the data stays on this phone;
// a new phone enrols and syncs), with Data Protection class
// `completeUntilFirstUserAuthentication` so background sync can reach it while the phone is
// locked after its first unlock. Files the store creates inherit the directory's class; the
// class is set again on each file after open in case one was made before.

import Foundation

/// The directory and file of the device store.
public struct StoreLocation: Sendable {
    /// The directory holding the store and its companions (WAL, key check).
    public let directory: URL

    /// The store at `directory` (default: Application Support/Steady).
    public init(directory: URL) {
        self.directory = directory
    }

    /// The app's default location: Application Support/Steady (created by `prepare()`).
    public static var standard: StoreLocation {
        StoreLocation(directory: URL.applicationSupportDirectory.appendingPathComponent("Steady", isDirectory: true))
    }

    /// The store file's path, as the core's `SteadyStore.open` wants it.
    public var storePath: String {
        directory.appendingPathComponent("steady.db", isDirectory: false).path
    }

    /// Creates the directory if needed, excluded from backup and protected.
    public func prepare() throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: directory.path) {
            var attributes: [FileAttributeKey: Any] = [:]
            #if os(iOS)
            attributes[.protectionKey] = FileProtectionType.completeUntilFirstUserAuthentication
            #endif
            try manager.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: attributes
            )
        }
        try excludeFromBackup(directory)
    }

    /// Sets protection and backup exclusion on every file in the directory (after open).
    public func protectFiles() throws {
        let manager = FileManager.default
        let files = try manager.contentsOfDirectory(
            at: directory, includingPropertiesForKeys: nil, options: []
        )
        for file in files {
            #if os(iOS)
            try manager.setAttributes(
                [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication],
                ofItemAtPath: file.path
            )
            #endif
            try excludeFromBackup(file)
        }
    }

    /// Whether a store has been created here.
    public var storeExists: Bool {
        FileManager.default.fileExists(atPath: storePath)
    }

    /// Deletes whatever is left in the directory (after the core's `wipe`, which deletes the
    /// store's own files).
    public func removeAll() throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory.path) {
            try manager.removeItem(at: directory)
        }
    }

    private func excludeFromBackup(_ url: URL) throws {
        var target = url
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try target.setResourceValues(values)
    }
}
