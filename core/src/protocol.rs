//! The wire shape of a change, defined once for the device, the sync engine and the server.
//!
//! A change is merged at the grain of one text field or one list item, so two people editing
//! different parts of the same support sheet never overwrite each other. An [`Operation`] names
//! the record and carries either a set of fields (each merged on its own with the operation's
//! stamp) or one list item. `op_id` is made on the device, so a retried upload is a no-op.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Hlc;

/// The kinds of replicated record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A person supported: names and safety alerts.
    Person,
    /// A person's support sheet (keyed by the person's id).
    Sheet,
    /// An incident: quick capture, detail, submission and addenda.
    Incident,
    /// A completed warning-sign checklist.
    ChecklistRun,
    /// Organisation-authored guidance, read-only on devices.
    Guidance,
}

impl EntityKind {
    /// The name used in the store and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Sheet => "sheet",
            EntityKind::Incident => "incident",
            EntityKind::ChecklistRun => "checklist_run",
            EntityKind::Guidance => "guidance",
        }
    }
}

/// What an operation changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Sets fields; each merges on its own. `null` clears a field.
    Fields(BTreeMap<String, Value>),
    /// Sets one item of a list (insert, edit or move); `null` removes it (a tombstone).
    Item {
        /// The list's field name.
        list: String,
        /// The item's stable id.
        item_id: String,
        /// The item, including its position; `null` when removed.
        value: Value,
    },
}

/// One change to one record, as queued on the device and sent to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Made on the device; the server applies each op id at most once.
    pub op_id: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// The unit the record belongs to (access is checked against it).
    pub unit_id: String,
    /// What changes.
    pub change: Change,
    /// When, in merge order.
    pub stamp: Hlc,
}
