//! Time, in two kinds that must never be mixed up.
//!
//! [`Timestamp`] is a wall-clock instant shown to people (when an incident happened, when a
//! review is due). [`Hlc`] is a hybrid logical clock stamp: the order in which changes are
//! merged. A device's wall clock can be wrong by hours; the HLC keeps causality (a change made
//! after seeing another always sorts after it) and lets the server clamp a stamp from a device
//! whose clock runs fast. Keeping them as separate types means a display time can never be
//! compared against a merge stamp by mistake.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::protocol::{MAX_HLC_COUNTER, MAX_WIRE_TIME_MS};

/// A wall-clock instant: milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

// In the apps a timestamp is a plain 64-bit integer of epoch milliseconds (Kotlin `Long`,
// Swift `Int64`), the same number as on the wire.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(Timestamp, i64, {
    lower: |t| t.0,
    try_lift: |millis| Ok(Timestamp(millis)),
});

impl Timestamp {
    /// The current time of this machine's clock.
    pub fn now() -> Self {
        Timestamp(chrono::Utc::now().timestamp_millis())
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This instant plus `minutes` (negative goes back).
    pub fn plus_minutes(self, minutes: i64) -> Self {
        Timestamp(self.0 + minutes * 60_000)
    }

    /// This instant plus `days` (negative goes back).
    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0 + days * 86_400_000)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match chrono::DateTime::from_timestamp_millis(self.0) {
            Some(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
            None => write!(f, "{}ms", self.0),
        }
    }
}

/// A hybrid logical clock stamp: wall milliseconds, a counter for changes within the same
/// millisecond (or after seeing a stamp from the future), and the device that made it, which
/// breaks ties so that every replica orders any two stamps the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Hlc {
    /// Wall-clock part, milliseconds since the Unix epoch.
    pub wall_ms: i64,
    /// Logical part: orders stamps that share `wall_ms`.
    pub counter: u32,
    /// The device (or server) that issued the stamp.
    pub device: String,
}

impl Hlc {
    /// The stamp before every real one.
    pub fn zero() -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            device: String::new(),
        }
    }
}

impl Hlc {
    /// The least stamp of `device` that sorts after this one: the same wall time with the next
    /// counter, or the next millisecond once the counter is at [`MAX_HLC_COUNTER`]. The server
    /// stamps a submission so when it must win over what it replaces.
    pub fn successor(&self, device: &str) -> Hlc {
        let (wall_ms, counter) = if self.counter >= MAX_HLC_COUNTER {
            (self.wall_ms + 1, 0)
        } else {
            (self.wall_ms, self.counter + 1)
        };
        Hlc {
            wall_ms,
            counter,
            device: device.to_string(),
        }
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, self.device.as_str()).cmp(&(
            other.wall_ms,
            other.counter,
            other.device.as_str(),
        ))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The clock a device stamps its changes with. The last stamp issued is persisted with every
/// change (in the same transaction), so a restart never issues a stamp that sorts before one
/// already used.
#[derive(Debug, Clone)]
pub struct HybridClock {
    device: String,
    wall_ms: i64,
    counter: u32,
}

impl HybridClock {
    /// A clock for `device` that last issued (`wall_ms`, `counter`).
    pub fn resume(device: String, wall_ms: i64, counter: u32) -> Self {
        HybridClock {
            device,
            wall_ms,
            counter,
        }
    }

    /// The next stamp, given the physical time `now`: always later than the last one. The
    /// counter never saturates: past [`MAX_HLC_COUNTER`] the clock steps its wall part one
    /// millisecond on instead, which still sorts after every stamp before it (a saturated
    /// counter would issue the same stamp twice, and the second change would tie with the
    /// first).
    pub fn tick(&mut self, now: Timestamp) -> Hlc {
        if now.0 > self.wall_ms {
            self.wall_ms = now.0;
            self.counter = 0;
        } else {
            let next = self.stamp().successor(&self.device);
            (self.wall_ms, self.counter) = (next.wall_ms, next.counter);
        }
        self.stamp()
    }

    /// Takes in a stamp seen from elsewhere, so the next local stamp sorts after it. A stamp
    /// outside what the protocol allows (a wall time past [`MAX_WIRE_TIME_MS`], a counter past
    /// [`MAX_HLC_COUNTER`], written before the server bounded them) is not adopted: one such
    /// stamp must not carry this device's clock to the end of time.
    pub fn observe(&mut self, seen: &Hlc) {
        if !(0..=MAX_WIRE_TIME_MS).contains(&seen.wall_ms) || seen.counter > MAX_HLC_COUNTER {
            return;
        }
        match seen.wall_ms.cmp(&self.wall_ms) {
            Ordering::Greater => {
                self.wall_ms = seen.wall_ms;
                self.counter = seen.counter;
            }
            Ordering::Equal => self.counter = self.counter.max(seen.counter),
            Ordering::Less => {}
        }
    }

    /// The last stamp issued or observed, as stored.
    pub fn state(&self) -> (i64, u32) {
        (self.wall_ms, self.counter)
    }

    fn stamp(&self) -> Hlc {
        Hlc {
            wall_ms: self.wall_ms,
            counter: self.counter,
            device: self.device.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_only_move_forward_even_when_the_wall_clock_goes_back() {
        let mut clock = HybridClock::resume("dev-a".into(), 0, 0);
        let first = clock.tick(Timestamp(1_000));
        let same_ms = clock.tick(Timestamp(1_000));
        let clock_went_back = clock.tick(Timestamp(500));
        assert!(first < same_ms && same_ms < clock_went_back);
        assert_eq!(clock_went_back.wall_ms, 1_000);
        assert_eq!(clock_went_back.counter, 2);
    }

    #[test]
    fn a_stamp_seen_from_elsewhere_is_passed() {
        let mut clock = HybridClock::resume("dev-a".into(), 1_000, 0);
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
            device: "dev-b".into(),
        };
        clock.observe(&remote);
        let next = clock.tick(Timestamp(2_000));
        assert!(next > remote);
    }

    #[test]
    fn the_counter_never_saturates_and_no_stamp_repeats() {
        let mut clock = HybridClock::resume("dev-a".into(), 1_000, MAX_HLC_COUNTER - 1);
        let a = clock.tick(Timestamp(1_000));
        let b = clock.tick(Timestamp(1_000));
        let c = clock.tick(Timestamp(1_000));
        assert!(a < b && b < c, "{a:?} {b:?} {c:?}");
        assert_eq!((a.wall_ms, a.counter), (1_000, MAX_HLC_COUNTER));
        assert_eq!((b.wall_ms, b.counter), (1_001, 0));
        assert_eq!((c.wall_ms, c.counter), (1_001, 1));
    }

    #[test]
    fn an_absurd_stamp_seen_from_elsewhere_is_not_adopted() {
        let mut clock = HybridClock::resume("dev-a".into(), 1_000, 0);
        for absurd in [
            Hlc {
                wall_ms: 1_000,
                counter: u32::MAX,
                device: "old".into(),
            },
            Hlc {
                wall_ms: i64::MAX,
                counter: 0,
                device: "old".into(),
            },
        ] {
            clock.observe(&absurd);
        }
        assert_eq!(clock.state(), (1_000, 0));
        let next = clock.tick(Timestamp(2_000));
        assert_eq!((next.wall_ms, next.counter), (2_000, 0));
    }

    #[test]
    fn a_successor_sorts_after_whatever_device_made_the_stamp() {
        let stamp = Hlc {
            wall_ms: 5,
            counter: 3,
            device: "zz".into(),
        };
        assert!(stamp.successor("aa") > stamp);
        let top = Hlc {
            counter: MAX_HLC_COUNTER,
            ..stamp.clone()
        };
        let next = top.successor("aa");
        assert!(next > top);
        assert_eq!((next.wall_ms, next.counter), (6, 0));
    }

    #[test]
    fn device_breaks_ties() {
        let a = Hlc {
            wall_ms: 1,
            counter: 0,
            device: "a".into(),
        };
        let b = Hlc {
            device: "b".into(),
            ..a.clone()
        };
        assert!(a < b);
    }
}
