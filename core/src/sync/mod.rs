//! The device's sync engine: enrolment, push and pull, and what the app shows about them.
//!
//! Everything here runs on the device, inside the store, through a [`Transport`] (HTTPS in the
//! apps, a scripted fake in tests). [`Store::enroll`] redeems an enrolment code for a device
//! token and the unit grants; [`Store::sync`] pushes the outbox oldest first and pulls what
//! changed, in as few round trips as the protocol allows, applying each answer in short write
//! transactions so a care worker's save never waits behind a big merge. Nothing the user saved
//! leaves the outbox before the server has answered for it; a refused change is quarantined and
//! a change that lost to a later one is kept as a [`Conflict`], both shown to the user until
//! they deal with them. A revoked device wipes its contents; the app then deletes the file and
//! its key.
//!
//! Modules: `transport` (the wire), `engine` (the sync loop and retries), `enrolment`,
//! `review` (status, conflicts and quarantine for the app, and the wipe), `resync` (a full
//! re-pull that keeps data readable throughout), `state` (the `sync_state` row).

mod engine;
mod enrolment;
mod resync;
pub(crate) mod review;
mod state;
pub mod transport;

pub use engine::{
    AUDIT_BATCH, PULL_LIMIT, Sleeper, SyncInterrupt, SyncOptions, SyncReport, ThreadSleeper,
};
pub use review::{Conflict, QuarantinedChange, SyncProblem, SyncStatus};
pub use transport::{HttpTransport, Transport, TransportError};

#[cfg(doc)]
use crate::store::Store;
