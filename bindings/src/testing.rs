//! Hooks for the tests of the façade itself, in Rust and through the generated Kotlin (feature
//! `testing`; never in an app build): a way to make the core panic mid-call, so the tests can
//! show the panic arrives as an error and the store keeps working.

use std::sync::atomic::{AtomicBool, Ordering};

use steady_core::WallClock;
use steady_core::clock::Timestamp;

use crate::store::SteadyStore;

/// The system clock, which can be told to panic the next time the core reads it.
#[derive(Default)]
pub(crate) struct TestingClock {
    panic_next: AtomicBool,
}

impl WallClock for TestingClock {
    fn now(&self) -> Timestamp {
        if self.panic_next.swap(false, Ordering::SeqCst) {
            panic!("testing: the clock panicked inside the core");
        }
        Timestamp::now()
    }
}

#[uniffi::export]
impl SteadyStore {
    /// Testing only: the next call that reads the clock (almost every read and write) panics
    /// inside the core.
    #[doc(hidden)]
    pub fn testing_panic_inside_core(&self) {
        self.clock.panic_next.store(true, Ordering::SeqCst);
    }
}

/// Testing only: panics inside the façade itself, outside any store.
#[doc(hidden)]
#[uniffi::export]
pub fn testing_panic(message: String) -> Result<(), crate::SteadyError> {
    crate::error::guard(|| -> Result<(), crate::SteadyError> { panic!("{message}") })
}
