//! Change notifications: the apps subscribe once and hear which records and units a committed
//! write touched, instead of reloading every screen after every save and sync.
//!
//! Every write transaction gathers what it changed — records written locally or merged from
//! the server, records whose pending change the server answered, units whose access changed
//! (a new grant, an end, a purge), whether the sync status moved — and the store tells
//! each subscriber after the transaction commits, on the thread that wrote, with no store lock
//! held (so a listener may read the store at once). A rolled-back transaction tells nobody.
//! Audit events (a view) are not changes: a screen that reloads because it was told
//! never causes another notification.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::protocol::EntityKind;
use crate::store::Store;

/// One record a write touched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChangedRecord {
    /// What kind of record.
    pub kind: EntityKind,
    /// Its id (a person's id for a person or their sheet).
    pub id: String,
    /// Its unit.
    pub unit_id: String,
}

/// What one committed write changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoreChange {
    /// Records written or merged, or whose sync state changed (a change sent, refused or
    /// settled), each once, sorted.
    pub records: Vec<ChangedRecord>,
    /// Units whose access changed (granted, ended, purged): reload the unit list and what
    /// it gates.
    pub units_with_new_access: Vec<String>,
    /// The sync status changed (a sync started, succeeded or failed, the enrolment changed):
    /// refresh a status line.
    pub sync_status: bool,
}

impl StoreChange {
    /// Whether `record` of `kind` is among the changes.
    pub fn touches(&self, kind: EntityKind, id: &str) -> bool {
        self.records.iter().any(|r| r.kind == kind && r.id == id)
    }
}

/// What a write has changed so far (kept by the writer until commit).
#[derive(Debug, Default)]
pub(crate) struct ChangeSet {
    records: BTreeSet<ChangedRecord>,
    access: BTreeSet<String>,
    sync_status: bool,
}

impl ChangeSet {
    pub fn record(&mut self, kind: EntityKind, id: &str, unit_id: &str) {
        self.records.insert(ChangedRecord {
            kind,
            id: id.to_string(),
            unit_id: unit_id.to_string(),
        });
    }

    pub fn access(&mut self, unit_id: &str) {
        self.access.insert(unit_id.to_string());
    }

    pub fn sync_status(&mut self) {
        self.sync_status = true;
    }

    fn into_change(self) -> Option<StoreChange> {
        if self.records.is_empty() && self.access.is_empty() && !self.sync_status {
            return None;
        }
        Some(StoreChange {
            records: self.records.into_iter().collect(),
            units_with_new_access: self.access.into_iter().collect(),
            sync_status: self.sync_status,
        })
    }
}

/// Hears about committed changes. Called on the thread that wrote, after the commit: hand
/// the work to your own thread or queue and return quickly.
pub trait ChangeListener: Send + Sync {
    /// `change` was committed.
    fn on_change(&self, change: &StoreChange);
}

/// A subscription's handle: [`Store::unsubscribe`] with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

/// The store's subscribers.
#[derive(Default)]
pub(crate) struct Listeners {
    next: AtomicU64,
    list: Mutex<Vec<(u64, Arc<dyn ChangeListener>)>>,
}

impl Listeners {
    /// Tells every subscriber about what `set` holds, if anything. A listener that panics is
    /// skipped; the others still hear.
    pub fn publish(&self, set: ChangeSet) {
        // Taken before the change is built: with nobody listening (the server's replica, the
        // benchmarks) a save pays for no copy of what it changed.
        let listeners: Vec<Arc<dyn ChangeListener>> = self
            .list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        if listeners.is_empty() {
            return;
        }
        let Some(change) = set.into_change() else {
            return;
        };
        for listener in listeners {
            let _ = catch_unwind(AssertUnwindSafe(|| listener.on_change(&change)));
        }
    }
}

impl Store {
    /// Tells `listener` about every committed change from now on, until
    /// [`Store::unsubscribe`].
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> SubscriptionId {
        let id = self.listeners.next.fetch_add(1, Ordering::Relaxed);
        self.listeners
            .list
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, listener));
        SubscriptionId(id)
    }

    /// Stops telling the subscriber `id`; true if it was subscribed.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut list = self
            .listeners
            .list
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let before = list.len();
        list.retain(|(i, _)| *i != id.0);
        list.len() != before
    }
}
