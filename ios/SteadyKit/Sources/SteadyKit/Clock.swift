// The wall clock the app reads, behind a protocol so the use-of-force timers and the
// prone-hold alert can be tested at any minute without waiting for it.
//
// Times are the core's `Timestamp` (epoch milliseconds, `Int64`): the same unit the core stores
// and compares, so a timer here and the record in the core can never disagree about units.

import Foundation
import SteadyCore

/// Something that says what time it is now, in the core's unit (epoch milliseconds).
public protocol WallClock: Sendable {
    /// Now, in epoch milliseconds.
    func now() -> Timestamp
}

/// The device's clock.
public struct SystemWallClock: WallClock {
    /// A clock reading the device's time.
    public init() {}

    /// Now, from the device's clock.
    public func now() -> Timestamp {
        Timestamp((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// A clock the tests set and move by hand.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Timestamp

    /// A clock stopped at `start` (epoch milliseconds).
    public init(start: Timestamp) {
        current = start
    }

    /// The time it was last set to.
    public func now() -> Timestamp {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Moves the clock on by `seconds`.
    public func advance(seconds: Int64) {
        lock.lock()
        current += seconds * 1000
        lock.unlock()
    }

    /// Sets the clock to `time`.
    public func set(_ time: Timestamp) {
        lock.lock()
        current = time
        lock.unlock()
    }
}

extension Timestamp {
    /// This timestamp as a `Date`, for formatting.
    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(self) / 1000)
    }
}

extension Date {
    /// This date in the core's unit (epoch milliseconds).
    public var timestamp: Timestamp {
        Timestamp((timeIntervalSince1970 * 1000).rounded())
    }
}
