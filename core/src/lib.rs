//! Steady's core: the offline store behind the care worker's phone.
//!
//! Person-centred support sheets, warning-sign checklists and quick incident capture, kept in an
//! encrypted local SQLite that answers instantly with no network and never loses a save. Every
//! change is written with its outbox operation in one transaction, ready for the sync engine.
//! The apps reach this crate through the uniffi façade in `bindings/`; this crate's only
//! knowledge of FFI is the optional `uniffi` feature, which derives uniffi records and enums on
//! the public types the apps see, so the façade hands them over as they are.
//!
//! Start at [`Store::open`].

// The uniffi metadata of this crate's records and enums, for the façade in `bindings/` (the
// core itself exports no functions).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod audit;
pub mod chain;
pub mod changes;
pub mod characteristics;
pub mod checklist;
pub mod checklist_run;
pub mod clock;
pub mod codes;
pub mod error;
pub mod guidance;
pub mod handover;
pub mod huddle;
pub mod incident;
pub mod nhs_number;
pub mod observation;
pub mod outbox;
pub mod people;
pub mod proposals;
pub mod protocol;
pub mod record_schema;
mod replica;
pub mod restraint;
pub mod s65;
pub mod schema;
pub mod seal;
pub mod search;
pub mod sheet;
pub mod store;
pub mod sync;
pub mod timeline;
pub mod uk_time;
pub mod units;

pub use error::{Error, Refusal, Result};
pub use store::{StaffMember, Store, StoreKey, SystemClock, WallClock};
pub use sync::{HttpTransport, SyncOptions, SyncReport, SyncStatus, Transport, TransportError};
