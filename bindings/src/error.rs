//! The one error the apps catch, and how the core's detailed errors map onto it.
//!
//! The core's `Error` has a variant for every situation it can tell apart; the apps need fewer:
//! one per thing they would *do* differently (show the message by the input, offer an
//! addendum, send the user to enrolment, delete the store and key, try again later, ...).
//! [`SteadyError`]'s doc is the mapping table; `tests.rs` reaches every variant from real calls
//! and checks each core variant lands where the table says.
//!
//! Panics never cross the boundary: [`guard`] runs each call under `catch_unwind` and turns a
//! panic into [`SteadyError::Internal`]. The store stays usable afterwards — its locks recover
//! from poisoning and an unfinished transaction is rolled back when it is dropped.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use steady_core::Error as CoreError;

/// What went wrong, sorted by what the app should do about it. Messages and fields never carry
/// the personal data being saved (they may be logged).
///
/// How the core's errors map:
///
/// | core error | this |
/// |---|---|
/// | `Validation { field, rule }` | `Validation { field, rule }` |
/// | `IncompleteUseOfForce { missing }` | `Validation { field: "use_of_force", rule }` (the items: `missing_use_of_force_items`) |
/// | `EnrolmentRefused(why)` | `Validation { field: "code", rule: why }` |
/// | `Locked(id)` | `Locked { record: id }` |
/// | `NotFound { entity, id }` | `NotFound { what: entity, id }` |
/// | `NotAllowed(why)` | `NotAllowed { reason: why }` |
/// | `NotEnrolled`, `Unauthorized` | `NotEnrolled { reason }` |
/// | `Revoked` | `Revoked` |
/// | `Network(text)`, `SyncRefused(text)` | `Network { detail }` |
/// | `WrongKey` | `WrongKey` |
/// | `Storage`, `Io`, `Json`, `Corrupt`, `NewerSchema` | `Storage { detail }` |
/// | (the key provider failed) | `KeyUnavailable { detail }` |
/// | (a panic) | `Internal { detail }` |
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SteadyError {
    /// Input broke a rule: show `rule` next to the input named `field` (`display_name`,
    /// `note`, `code`, `server_url`, `use_of_force`, ...).
    #[error("{field}: {rule}")]
    Validation { field: String, rule: String },
    /// The incident is submitted and can no longer change: offer an addendum instead.
    #[error("{record} is submitted and locked; add an addendum instead")]
    Locked { record: String },
    /// The record is not on this device (never was, was removed, or its unit was purged).
    #[error("{what} {id} was not found")]
    NotFound { what: String, id: String },
    /// This device's grant does not allow it (no grant, the placement ended, or the role is
    /// too low). Show the reason; nothing to retry.
    #[error("not allowed: {reason}")]
    NotAllowed { reason: String },
    /// The device is not enrolled, or the server no longer accepts its token: enrol (again)
    /// with a code from a lead.
    #[error("not enrolled: {reason}")]
    NotEnrolled { reason: String },
    /// The device was revoked: its data is already wiped. Call `wipe()` and delete the key.
    #[error("this device was revoked; its data has been removed")]
    Revoked,
    /// The sync server could not be reached or refused the request: nothing was lost; try again
    /// later (WorkManager / BGTaskScheduler will).
    #[error("sync server unavailable: {detail}")]
    Network { detail: String },
    /// The key from the platform keystore does not open this store (the keystore entry was
    /// reset): the data cannot be read. Delete the store and its key, then enrol again.
    #[error("the key does not open this store")]
    WrongKey,
    /// The key provider could not give the key (e.g. before the first unlock after a reboot):
    /// try again once the device is unlocked.
    #[error("the store key is not available: {detail}")]
    KeyUnavailable { detail: String },
    /// The store failed: disk full, I/O error, a damaged file, or a store written by a newer
    /// Steady. Show the detail; if it persists, the device can be reset and enrolled again.
    #[error("storage: {detail}")]
    Storage { detail: String },
    /// A bug: a panic inside the library, caught before it crossed into the app. The store is
    /// still usable; report it.
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

impl From<CoreError> for SteadyError {
    fn from(e: CoreError) -> Self {
        // Exhaustive on purpose: a new core variant must be placed in the table above.
        match e {
            CoreError::Validation { field, rule } => SteadyError::Validation { field, rule },
            e @ CoreError::IncompleteUseOfForce { .. } => SteadyError::Validation {
                field: "use_of_force".into(),
                rule: e.to_string(),
            },
            CoreError::EnrolmentRefused(why) => SteadyError::Validation {
                field: "code".into(),
                rule: why,
            },
            CoreError::Locked(record) => SteadyError::Locked { record },
            CoreError::NotFound { entity, id } => SteadyError::NotFound {
                what: entity.to_string(),
                id,
            },
            CoreError::NotAllowed(reason) => SteadyError::NotAllowed { reason },
            e @ (CoreError::NotEnrolled | CoreError::Unauthorized) => SteadyError::NotEnrolled {
                reason: e.to_string(),
            },
            CoreError::Revoked => SteadyError::Revoked,
            e @ (CoreError::Network(_) | CoreError::SyncRefused(_)) => SteadyError::Network {
                detail: e.to_string(),
            },
            CoreError::WrongKey => SteadyError::WrongKey,
            e @ (CoreError::Storage(_)
            | CoreError::Io(_)
            | CoreError::Json(_)
            | CoreError::Corrupt(_)
            | CoreError::NewerSchema { .. }) => SteadyError::Storage {
                detail: e.to_string(),
            },
        }
    }
}

/// Why the platform keystore could not give the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyError {
    /// The key exists but cannot be read now (device locked, keystore busy): try again later.
    #[error("the key is not available: {detail}")]
    Unavailable { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyError::Unavailable { detail: e.reason }
    }
}

impl From<KeyError> for SteadyError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Unavailable { detail } => SteadyError::KeyUnavailable { detail },
        }
    }
}

/// Runs one façade call: the core's error becomes a [`SteadyError`], and a panic becomes
/// [`SteadyError::Internal`] instead of unwinding into the foreign caller.
pub(crate) fn guard<T, E: Into<SteadyError>>(
    call: impl FnOnce() -> Result<T, E>,
) -> Result<T, SteadyError> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(result) => result.map_err(Into::into),
        Err(payload) => Err(SteadyError::Internal {
            detail: panic_text(payload.as_ref()),
        }),
    }
}

/// The panic's message, when it has one.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        format!("panic: {text}")
    } else if let Some(text) = payload.downcast_ref::<String>() {
        format!("panic: {text}")
    } else {
        "panic".to_string()
    }
}
