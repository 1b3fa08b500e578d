//! Enrolment, an added placement, and sync as the apps call them, with a `SyncObserver` for
//! progress.
//!
//! `sync` builds the core's `HttpTransport` for the server the device enrolled with (kept
//! between calls, so connections are reused) and runs the core's sync engine through it.
//! Progress comes from a thin `Transport` wrapper that counts what each round trip carried and
//! tells the observer — the engine itself needs no hook. A failing observer never fails the
//! sync. `interrupt_sync` stops a sync between requests, for the OS ending background work.
//!
//! `SyncStatus`, `SyncReport` and `QuarantinedChange` are the core's own types. Only
//! `Conflict` is twinned, field for field, because its two values travel to the apps as JSON
//! text rather than as the core's `serde_json::Value`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use steady_core::clock::{Hlc, Timestamp};
use steady_core::protocol::{
    EnrollRequest, EnrollResponse, EntityKind, GrantsRequest, GrantsResponse, SyncRequest,
    SyncResponse,
};
pub use steady_core::sync::{QuarantinedChange, SyncReport, SyncStatus};
use steady_core::units::UnitGrant;
use steady_core::{HttpTransport, Transport, TransportError};

use steady_core::Error as CoreError;

use crate::error::SteadyError;
use crate::store::SteadyStore;

/// Told how a sync is going. Called on the thread that runs the sync (never the main thread,
/// if the app follows the rule): hop to the UI thread before touching views.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// After each request to the server, with the totals so far.
    fn on_progress(&self, progress: SyncProgress);
    /// Once at the end, successful or not, with the status line to show.
    fn on_finished(&self, status: SyncStatus);
}

/// How far a sync has got.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    /// Requests made so far, retries included.
    pub requests: u32,
    /// Changes from this device the server has answered for so far.
    pub sent: u32,
    /// Changes received from the server so far.
    pub received: u32,
    /// The server has more to send: another round trip follows.
    pub more: bool,
    /// The last request failed; the engine may retry it after a pause.
    pub retrying: bool,
}

/// An edit made here that lost to a later change elsewhere; both values are kept.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Conflict {
    /// Its id, for `dismiss_conflict`.
    pub id: i64,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record.
    pub entity_id: String,
    /// Its unit.
    pub unit_id: String,
    /// The field or list edited.
    pub field: String,
    /// The list item, or "" for a plain field.
    pub item_id: String,
    /// What this device wrote, as JSON (`null`: a removal).
    pub my_value_json: String,
    /// What is now on the record, as JSON.
    pub winning_value_json: String,
    /// When and by which device the winning value was written.
    pub winning_stamp: Hlc,
    /// The operation that lost.
    pub op_id: String,
    /// When the device learnt of it.
    pub at: Timestamp,
}

impl From<steady_core::sync::Conflict> for Conflict {
    fn from(c: steady_core::sync::Conflict) -> Self {
        Conflict {
            id: c.id,
            entity: c.entity,
            entity_id: c.entity_id,
            unit_id: c.unit_id,
            field: c.field,
            item_id: c.item_id,
            my_value_json: c.my_value.to_string(),
            winning_value_json: c.winning_value.to_string(),
            winning_stamp: c.winning_stamp,
            op_id: c.op_id,
            at: c.at,
        }
    }
}

/// The HTTP transport of the last server address used, so connections are reused.
#[derive(Default)]
pub(crate) struct TransportCache(Mutex<Option<(String, Arc<HttpTransport>)>>);

impl TransportCache {
    fn get(&self, server_url: &str) -> steady_core::Result<Arc<HttpTransport>> {
        let mut cached = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((url, transport)) = cached.as_ref()
            && url == server_url
        {
            return Ok(transport.clone());
        }
        let transport = Arc::new(HttpTransport::new(server_url)?);
        *cached = Some((server_url.to_string(), transport.clone()));
        Ok(transport)
    }
}

/// Counts what each round trip carries and tells the observer.
struct ObservedTransport<'a> {
    inner: &'a HttpTransport,
    observer: &'a dyn SyncObserver,
    progress: Mutex<SyncProgress>,
}

impl Transport for ObservedTransport<'_> {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.inner.enroll(req)
    }

    fn add_grants(
        &self,
        token: &str,
        req: &GrantsRequest,
    ) -> Result<GrantsResponse, TransportError> {
        self.inner.add_grants(token, req)
    }

    fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let result = self.inner.sync(token, req);
        let progress = {
            let mut p = self.progress.lock().unwrap_or_else(|p| p.into_inner());
            p.requests += 1;
            match &result {
                Ok(response) => {
                    p.sent += response.results.len() as u32;
                    p.received += response.changes.len() as u32;
                    p.more = response.more;
                    p.retrying = false;
                }
                Err(e) => p.retrying = e.is_transient(),
            }
            p.clone()
        };
        tell(|| self.observer.on_progress(progress));
        result
    }

    fn server_url(&self) -> Option<String> {
        self.inner.server_url()
    }
}

/// Calls the observer; whatever it does (a foreign exception included) does not touch the sync.
fn tell(call: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(call));
}

#[uniffi::export]
impl SteadyStore {
    /// Enrols this device with the code a lead issued, at the sync server `server_url`
    /// (`https://…`; plain `http://` only to this device itself). Returns the grants the code
    /// carries. A refused code is a `Validation` of field `code`. Blocking: one
    /// network round trip.
    pub fn enroll(&self, server_url: String, code: String) -> Result<Vec<UnitGrant>, SteadyError> {
        self.with(|s| {
            let transport = self.transport.get(&server_url)?;
            s.enroll(transport.as_ref(), &code)
        })
    }

    /// Adds the placement another enrolment code carries, without signing out: for a bank or
    /// agency worker whose placement in one unit ended, or who works two units at once. The
    /// code is redeemed at the server this device enrolled with, using the device's token
    /// (which stays the same), and burned there as an enrolment burns it. Returns all the
    /// device's grants in force now, the new unit's among them; a unit it held already takes
    /// the code's role and end. Change observers hear of each unit whose access changed, so
    /// the people list can reload; run `sync` next to fetch the new unit's people.
    ///
    /// A refused code (unknown, used, expired, mistyped too often) is a `Validation` of field
    /// `code`, as at enrolment, and changes nothing. `NotEnrolled` before enrolment or when the
    /// server no longer accepts the token. On `Revoked` the data is already gone: call `wipe()`
    /// and delete the key. `Network` if the server could not be reached: the code may have
    /// been used all the same, and the next `sync` then brings the placement. Blocking: one
    /// network round trip.
    pub fn add_placement(&self, code: String) -> Result<Vec<UnitGrant>, SteadyError> {
        self.with(|s| {
            let server_url = s.sync_status()?.server_url.ok_or(CoreError::NotEnrolled)?;
            let transport = self.transport.get(&server_url)?;
            s.add_placement(transport.as_ref(), &code)
        })
    }

    /// Sends what waits and receives what changed, with the server this device enrolled with.
    /// `observer` hears progress after each request and the final status. Blocking, for
    /// seconds on a slow network: run it from a background worker (WorkManager,
    /// BGTaskScheduler), and call `interrupt_sync` when the OS stops that work. Transient
    /// failures are retried a few times, then `Network`; nothing is lost. `NotEnrolled` before
    /// enrolment. On `Revoked` the data is already gone: call `wipe()` and delete the key.
    pub fn sync(&self, observer: Option<Arc<dyn SyncObserver>>) -> Result<SyncReport, SteadyError> {
        let result = self.with(|s| {
            let server_url = s.sync_status()?.server_url.ok_or(CoreError::NotEnrolled)?;
            let transport = self.transport.get(&server_url)?;
            let report = match &observer {
                Some(observer) => s.sync(&ObservedTransport {
                    inner: transport.as_ref(),
                    observer: observer.as_ref(),
                    progress: Mutex::default(),
                })?,
                None => s.sync(transport.as_ref())?,
            };
            Ok(report)
        });
        if let Some(observer) = &observer
            && let Ok(status) = self.sync_status()
        {
            tell(|| observer.on_finished(status));
        }
        result
    }

    /// Stops the sync in progress (from any thread): it ends before its next request, or at
    /// once if it is waiting to retry, and returns `Interrupted`. The request in flight, if
    /// any, completes and its answer is kept, so nothing is lost or sent twice. Call it from
    /// WorkManager's `onStopped` or a BGTask's expiration handler. Does nothing if no sync runs.
    pub fn interrupt_sync(&self) -> Result<(), SteadyError> {
        self.with(|s| {
            s.interrupt_sync();
            Ok(())
        })
    }

    /// Where sync stands: enrolment, what waits, what needs the user, the last success and
    /// error. Cheap: fine for a status line.
    pub fn sync_status(&self) -> Result<SyncStatus, SteadyError> {
        self.with(|s| s.sync_status())
    }

    /// Edits that lost to a later change elsewhere, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, SteadyError> {
        self.with(|s| Ok(s.conflicts()?.into_iter().map(Conflict::from).collect()))
    }

    /// The user has seen a conflict: it is no longer listed.
    pub fn dismiss_conflict(&self, id: i64) -> Result<(), SteadyError> {
        self.with(|s| s.dismiss_conflict(id))
    }

    /// Changes the server refused, oldest first, with why.
    pub fn quarantined_changes(&self) -> Result<Vec<QuarantinedChange>, SteadyError> {
        self.with(|s| s.quarantined_operations())
    }

    /// Gives up a refused change: the fields it set go back to the server's values.
    pub fn discard_quarantined(&self, op_id: String) -> Result<(), SteadyError> {
        self.with(|s| s.discard_quarantined(&op_id))
    }

    /// Every change the server refused, with the words the user wrote, as one JSON document
    /// to share with a lead (kept even after the unit's placement ended). The export is
    /// audited.
    pub fn export_quarantined_changes(&self) -> Result<String, SteadyError> {
        self.with(|s| s.export_quarantined())
    }
}
