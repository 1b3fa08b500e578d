//! Steady's FFI façade: the small API the Android and iOS apps call, generated into Kotlin
//! (`app.steady.core`) and Swift (module `SteadyCore`) by uniffi.
//!
//! The apps learn four things: open a [`SteadyStore`] with a path and a [`KeyProvider`] (the
//! platform keystore hands over the 32-byte key); call the domain methods on it (people, support
//! sheets and the amber card, checklists, incidents, guidance); enrol and [`SteadyStore::sync`]
//! with an optional [`SyncObserver`]; and catch one error type, [`SteadyError`], whose few
//! variants each say what the app should do.
//!
//! Records and enums are the core's own types (the core's `uniffi` feature derives them; in
//! Kotlin they live in `app.steady.core.model`), so there is one definition of each. Only a
//! sync conflict is twinned here (see [`sync`]). Screens stay current through
//! [`SteadyStore::subscribe`]: a [`StoreListener`] hears what each committed write changed.
//!
//! Every method blocks until its work is done and may be called from any thread: the store is
//! `Send + Sync` and serialises its own writes. Call from a background thread (Kotlin
//! `Dispatchers.IO`, a Swift background `Task`), never the main thread: most calls take a
//! millisecond or two, but a save waits for the disk and a sync for the network. No panic
//! crosses the boundary: each call runs under `catch_unwind` and a panic arrives as
//! [`SteadyError::Internal`].
//!
//! Modules: `store` (open and the domain calls), `sync` (enrolment, sync and what the app shows
//! about it), `error` (the public error and how the core's errors map onto it), `codes` (labels
//! and codes of the MHSDS lists for display).

#[cfg(target_os = "android")]
mod android;
mod codes;
mod error;
mod store;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
mod testing;

pub use codes::*;
pub use error::{Field, KeyError, SteadyError};
pub use store::{KeyProvider, SteadyStore, StoreListener, Subscription};
pub use sync::{SyncObserver, SyncProgress};

uniffi::setup_scaffolding!();

#[cfg(test)]
mod tests;
