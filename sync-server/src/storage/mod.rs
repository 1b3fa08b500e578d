//! The server's storage: one trait, two back ends (embedded SQLite, PostgreSQL), one
//! conformance suite (`tests/conformance.rs`) that every back end must pass.
//!
//! What is stored: units; devices (token stored as a SHA-256 hash) and their grants; enrolment
//! codes (secret stored hashed, single use, expiring, attempt-limited); the answer to every op id
//! (idempotency); records and their cells — one row per field or list item with its winning
//! value, stamp and change sequence number. A pull returns cells whose sequence number is after
//! the caller's cursor for that unit, in sequence order.
//!
//! **The cursor trap.** With several writers, a sequence number allocated before another's but
//! committed after it must never be skipped by a pull. Both back ends make commit order equal
//! sequence order: SQLite has one writer at a time; PostgreSQL takes a transaction-scoped
//! advisory lock (`pg_advisory_xact_lock`) before allocating sequence numbers, so pushes are
//! serialised at the point where they allocate, and a pull can never see seq n+1 without n.

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::Value;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{
    AuditRecord, Change, EntityKind, MAX_FIELDS_PER_OP, OpResult, Operation, PulledChange,
};
use steady_core::units::UnitGrant;

use crate::audit_log::{AuditAppend, AuditReport, DeviceAuditEntry};
use crate::merge::GrantRecord;

pub mod postgres;
pub mod sqlite;

/// A storage failure (never a rule refusal: those are op outcomes).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The embedded SQLite store failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL store failed.
    #[error("postgres: {0}")]
    Postgres(String),
    /// A stored document could not be read back.
    #[error("stored data: {0}")]
    Json(#[from] serde_json::Error),
    /// The thing named does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The thing named exists already.
    #[error("{0} already exists")]
    Exists(String),
    /// A blocking task failed to complete.
    #[error("task: {0}")]
    Task(String),
    /// The request or the stored data breaks a rule of the store (a malformed unit id, a
    /// database written by a newer server).
    #[error("invalid: {0}")]
    Invalid(String),
}

/// Checks a unit id: 1 to 64 of `A-Z a-z 0-9 _ -`. The cursor's text form
/// (`v1:<unit>=<seq>,...`) relies on it, so every back end refuses other ids at creation.
pub fn check_unit_id(unit_id: &str) -> StorageResult<()> {
    let ok = (1..=64).contains(&unit_id.len())
        && unit_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(StorageError::Invalid(
            "a unit id must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'".into(),
        ))
    }
}

/// The storage result type.
pub type StorageResult<T> = Result<T, StorageError>;

/// A unit: ward, care home, supported-living service, HEMS base.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    /// Its id.
    pub unit_id: String,
    /// Its organisation.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// A mental health unit under the Use of Force Act.
    pub mental_health_unit: bool,
}

/// A grant an enrolment code carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrantSpec {
    /// The unit.
    pub unit_id: String,
    /// The role.
    pub role: Role,
    /// When it ends (a placement's last day), if it does.
    pub ends_at: Option<Timestamp>,
}

/// An enrolment code to store. The code a person types is `{code_id}-{secret}`; only the hash
/// of the secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolmentCode {
    /// The public part, used to find the code (and to count wrong guesses against it).
    pub code_id: String,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
    /// What the device gets.
    pub grants: Vec<GrantSpec>,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Wrong secrets allowed before the code is burned.
    pub max_attempts: u32,
}

/// The device an enrolment creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// The device's own id.
    pub device_id: String,
    /// SHA-256 of its bearer token, hex.
    pub token_hash: String,
    /// Who uses it, as leads see it.
    pub label: String,
    /// The member of staff it is enrolled for (name, job title): the authors it may write.
    /// `None` when the device did not say (an older app): the label stands in.
    pub staff: Option<(String, String)>,
}

/// Whom a device is enrolled for, as the merge binds its authors: the staff named at enrolment,
/// or for a device enrolled before names were sent, its label read the way devices make it
/// ("name, job title"; "Unnamed device" names nobody). `None` for the console's replica, whose
/// names are its signed-in leads'.
pub fn enrolled_staff(
    label: &str,
    staff_name: Option<String>,
    staff_job: Option<String>,
    console: bool,
) -> Option<(String, String)> {
    if console {
        return None;
    }
    if let Some(name) = staff_name {
        return Some((name, staff_job.unwrap_or_default()));
    }
    if label == "Unnamed device" {
        return Some((String::new(), String::new()));
    }
    Some(match label.split_once(", ") {
        Some((name, job)) => (name.to_string(), job.to_string()),
        None => (label.to_string(), String::new()),
    })
}

/// Why an enrolment was refused (logged; the device only hears "refused").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such code.
    Unknown,
    /// Wrong secret (counted).
    WrongSecret,
    /// Already redeemed.
    Used,
    /// Past its expiry.
    Expired,
    /// Too many wrong secrets.
    Exhausted,
    /// The device id is already enrolled.
    DeviceExists,
    /// Adding a placement: the device is not enrolled (checked before the code is touched).
    DeviceUnknown,
    /// Adding a placement: the device was revoked (checked before the code is touched).
    DeviceRevoked,
}

/// The result of redeeming an enrolment code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// Enrolled (or, for [`Storage::redeem_code_for_device`], granted), with the grants the
    /// code carried.
    Enrolled(Vec<UnitGrant>),
    /// Refused.
    Refused(Refusal),
}

/// A device as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceRecord {
    /// Its id.
    pub device_id: String,
    /// Who uses it.
    pub label: String,
    /// When it enrolled.
    pub enrolled_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Who a bearer token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The device.
    pub device_id: String,
    /// Revoked: tell it to wipe, serve nothing.
    pub revoked: bool,
}

/// Where a device's pull got to, per unit (a unit granted later starts from zero, so its
/// history is pulled in full). Opaque to devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor(pub BTreeMap<String, i64>);

impl Cursor {
    /// The text form sent to devices.
    pub fn encode(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(u, s)| format!("{u}={s}")).collect();
        format!("v1:{}", parts.join(","))
    }

    /// Reads a cursor a device sent back; `None` if it is not one of ours.
    pub fn decode(text: &str) -> Option<Cursor> {
        let body = text.strip_prefix("v1:")?;
        let mut map = BTreeMap::new();
        if !body.is_empty() {
            for part in body.split(',') {
                let (unit, seq) = part.rsplit_once('=')?;
                map.insert(unit.to_string(), seq.parse().ok()?);
            }
        }
        Some(Cursor(map))
    }

    /// The position in `unit` (0: from the start).
    pub fn position(&self, unit: &str) -> i64 {
        self.0.get(unit).copied().unwrap_or(0)
    }
}

/// One page of a pull.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Changes in sequence order (cells of one record with one stamp grouped into one change).
    pub changes: Vec<PulledChange>,
    /// Where the page ended.
    pub cursor: Cursor,
    /// More wait.
    pub more: bool,
    /// The cursor is older than the tombstone horizon for some unit: start again from empty.
    pub full_resync: bool,
}

/// The storage every back end provides. Methods are async; the SQLite back end runs its work on
/// blocking threads.
pub trait Storage: Send + Sync + 'static {
    /// Answers when the store is reachable.
    fn health(&self) -> impl Future<Output = StorageResult<()>> + Send;

    /// Creates a unit (error if the id exists).
    fn create_unit(&self, unit: &Unit) -> impl Future<Output = StorageResult<()>> + Send;

    /// Every unit, by name.
    fn units(&self) -> impl Future<Output = StorageResult<Vec<Unit>>> + Send;

    /// Stores a new enrolment code (its units must exist).
    fn issue_code(&self, code: &NewEnrolmentCode)
    -> impl Future<Output = StorageResult<()>> + Send;

    /// Redeems a code: checks expiry, use and attempts, counts a wrong secret, and on success
    /// creates the device with the code's grants, atomically, so a code enrols one device only.
    fn redeem_code(
        &self,
        code_id: &str,
        secret_hash: &str,
        device: &NewDevice,
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<Redeemed>> + Send;

    /// Redeems a code for a device already enrolled (its next placement, or a second one at
    /// once): the device must exist and not be revoked, which is checked first, so a refused
    /// device never touches the code; then the code is checked, counted and burned exactly as
    /// [`Storage::redeem_code`] does, and its grants are added to the device's, each replacing
    /// the device's grant in the same unit (role and end), atomically. The device's token is
    /// unchanged. Returns the code's grants; [`Storage::grants`] has them all.
    fn redeem_code_for_device(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<Redeemed>> + Send;

    /// The device a token hash belongs to.
    fn authenticate(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = StorageResult<Option<Authenticated>>> + Send;

    /// All grants of a device, ended ones included, each with its unit.
    fn grants(
        &self,
        device_id: &str,
    ) -> impl Future<Output = StorageResult<Vec<(GrantRecord, Unit)>>> + Send;

    /// Applies a device's operations by the merge rules, in one transaction (`device_id` None:
    /// the server's own changes, no grant checks). Returns one result per operation.
    fn push(
        &self,
        device_id: Option<&str>,
        ops: &[Operation],
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<Vec<OpResult>>> + Send;

    /// Changes in `units` after `cursor`, at most `limit` cells read, in sequence order.
    ///
    /// `reader` is the device asking: in a unit it has pulled before (cursor position above
    /// zero) the cells it wrote itself and that still stand are left out — it holds them
    /// already, with the server's stamp (a clamped stamp comes back in the push result) — but
    /// still count towards `limit` and move the cursor past them, so a device is not sent back
    /// what it has just pushed. From position zero (first sync, full resync) it gets everything.
    fn pull(
        &self,
        reader: Option<&str>,
        units: &[String],
        cursor: &Cursor,
        limit: u32,
    ) -> impl Future<Output = StorageResult<Page>> + Send;

    /// Ends a device's grant in a unit at `at`; false if there was none.
    fn end_grant(
        &self,
        device_id: &str,
        unit_id: &str,
        at: Timestamp,
    ) -> impl Future<Output = StorageResult<bool>> + Send;

    /// Revokes a device; false if unknown.
    fn revoke_device(
        &self,
        device_id: &str,
        at: Timestamp,
    ) -> impl Future<Output = StorageResult<bool>> + Send;

    /// Every device.
    fn devices(&self) -> impl Future<Output = StorageResult<Vec<DeviceRecord>>> + Send;

    /// Deletes tombstones (null cells) last written before `before`, and records the highest
    /// sequence number deleted as the horizon: a device whose cursor for a unit is below it (and
    /// above zero) must resync from empty. Returns how many were deleted.
    fn purge_tombstones(
        &self,
        before: Timestamp,
    ) -> impl Future<Output = StorageResult<u64>> + Send;

    /// The number of cells stored (for benchmarks and the idle-sync proof).
    fn cell_count(&self) -> impl Future<Output = StorageResult<u64>> + Send;

    /// Walks the record log (submitted incidents and their addenda, hash-chained) and checks
    /// every locked incident against it, in one snapshot; the report names the first break.
    /// Reads only (`steady-server verify`).
    fn verify_records(
        &self,
    ) -> impl Future<Output = StorageResult<crate::records_log::RecordsReport>> + Send;

    /// Stores a batch of `device_id`'s audit events if it continues the chain held for that
    /// device ([`crate::audit_log::check_batch`]), in one transaction under a per-device lock;
    /// events held already are acknowledged and not stored again; a refused batch stores
    /// nothing. `device_id` is the device the token belongs to.
    fn append_device_audit(
        &self,
        device_id: &str,
        events: &[AuditRecord],
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<AuditAppend>> + Send;

    /// The device audit events about any of `entity_ids`, by device then seq.
    fn device_audit_about(
        &self,
        entity_ids: &[String],
    ) -> impl Future<Output = StorageResult<Vec<DeviceAuditEntry>>> + Send;

    /// Walks every device's audit chain and the console audit log's, in one snapshot; the
    /// report names the first break. Reads only (`steady-server verify`).
    fn verify_audit(&self) -> impl Future<Output = StorageResult<AuditReport>> + Send;
}

/// A pull page stops early once its values reach this many bytes (cells of up to 64 KiB times a
/// pull limit of 5,000 would otherwise make a 300 MB answer).
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// A pull reads at most this many stored cells for each cell its page may carry. The reader's
/// own cells (past a cursor of zero) are read and skipped without counting against the page,
/// so a phone that has just pushed a backlog is not paged through it, empty page after empty
/// page; this bounds the reading a page may take all the same.
pub const PULL_SCAN_FACTOR: usize = 8;
/// One stored cell, as a pull reads it.
pub(crate) struct PulledCell {
    pub entity: EntityKind,
    pub entity_id: String,
    pub field: String,
    pub item_id: String,
    pub value: Value,
    pub stamp: Hlc,
}

/// Adds a cell to the page: into the previous change when it is a plain field of the same
/// record written with the same stamp (one pushed operation comes back as one change), else
/// as a change of its own.
pub(crate) fn add_to_page(changes: &mut Vec<PulledChange>, unit_id: &str, cell: PulledCell) {
    if cell.item_id.is_empty()
        && let Some(last) = changes.last_mut()
        && last.entity == cell.entity
        && last.entity_id == cell.entity_id
        && last.unit_id == unit_id
        && last.stamp == cell.stamp
        && let Change::Fields(fields) = &mut last.change
        && fields.len() < MAX_FIELDS_PER_OP
        && !fields.contains_key(&cell.field)
    {
        fields.insert(cell.field, cell.value);
        return;
    }
    let change = if cell.item_id.is_empty() {
        Change::Fields(BTreeMap::from([(cell.field, cell.value)]))
    } else {
        Change::Item {
            list: cell.field,
            item_id: cell.item_id,
            value: cell.value,
        }
    };
    changes.push(PulledChange {
        entity: cell.entity,
        entity_id: cell.entity_id,
        unit_id: unit_id.to_string(),
        change,
        stamp: cell.stamp,
    });
}

/// An enrolment code as stored, for [`code_refusal`].
pub(crate) struct StoredCode<'a> {
    /// SHA-256 of the secret, hex.
    pub secret_hash: &'a str,
    /// When it stops working (epoch ms).
    pub expires_at: i64,
    /// Wrong secrets allowed.
    pub max_attempts: i64,
    /// Wrong secrets so far.
    pub attempts: i64,
    /// Already redeemed.
    pub used: bool,
}

/// Why a stored code refuses `secret_hash` at `now`, in the one order both back ends apply:
/// used, expired, out of attempts, then a wrong secret (which the back end counts and commits
/// before answering). `None`: the code may enrol.
pub(crate) fn code_refusal(
    code: &StoredCode<'_>,
    secret_hash: &str,
    now: Timestamp,
) -> Option<Refusal> {
    if code.used {
        Some(Refusal::Used)
    } else if now.0 >= code.expires_at {
        Some(Refusal::Expired)
    } else if code.attempts >= code.max_attempts {
        Some(Refusal::Exhausted)
    } else if !crate::secrets::same_secret(code.secret_hash, secret_hash) {
        Some(Refusal::WrongSecret)
    } else {
        None
    }
}

pub use crate::secrets::hash_secret;

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(field: &str, item: &str, wall: i64) -> PulledCell {
        PulledCell {
            entity: EntityKind::Sheet,
            entity_id: "sam".into(),
            field: field.into(),
            item_id: item.into(),
            value: Value::from(field),
            stamp: Hlc {
                wall_ms: wall,
                counter: 0,
                device: "d".into(),
            },
        }
    }

    #[test]
    fn consecutive_fields_with_one_stamp_group_and_items_stand_alone() {
        let mut changes = Vec::new();
        for c in [
            cell("a", "", 1),
            cell("b", "", 1),
            cell("list", "i1", 1),
            cell("c", "", 1),
            cell("d", "", 2),
        ] {
            add_to_page(&mut changes, "ward-a", c);
        }
        assert_eq!(changes.len(), 4);
        assert!(matches!(&changes[0].change, Change::Fields(f) if f.len() == 2));
        assert!(matches!(&changes[1].change, Change::Item { .. }));
        assert!(matches!(&changes[2].change, Change::Fields(f) if f.len() == 1));
    }

    #[test]
    fn a_code_is_refused_used_then_expired_then_exhausted_then_for_a_wrong_secret() {
        let code = |used, attempts| StoredCode {
            secret_hash: "aa",
            expires_at: 100,
            max_attempts: 3,
            attempts,
            used,
        };
        let at = |ms| Timestamp(ms);
        assert_eq!(
            code_refusal(&code(true, 9), "xx", at(999)),
            Some(Refusal::Used)
        );
        assert_eq!(
            code_refusal(&code(false, 9), "xx", at(100)),
            Some(Refusal::Expired)
        );
        assert_eq!(
            code_refusal(&code(false, 3), "aa", at(99)),
            Some(Refusal::Exhausted)
        );
        assert_eq!(
            code_refusal(&code(false, 2), "ab", at(99)),
            Some(Refusal::WrongSecret)
        );
        assert_eq!(code_refusal(&code(false, 2), "aa", at(99)), None);
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let c = Cursor(BTreeMap::from([
            ("ward-a".to_string(), 12),
            ("ward=b".to_string(), 0),
        ]));
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("v1:"), Some(Cursor::default()));
        assert_eq!(Cursor::decode("garbage"), None);
        assert_eq!(Cursor::decode("v1:a=notanumber"), None);
    }
}
