//! The replicated rows under every record, and the one path by which they change.
//!
//! Every record (person, sheet, incident, checklist run, guidance card) is stored as rows of
//! `fields`: one per text field and one per list item, each with the clock stamp that last set
//! it. A local change goes through [`Writer::change`], which stamps it, writes the rows, queues
//! the matching outbox operation and appends the audit event, all inside the caller's one
//! transaction. A change from the server goes through [`Writer::merge`], which keeps whichever
//! stamp is later for each field or item — the same rule the server applies — so every replica
//! converges. Typed records are assembled from rows by [`load`].

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde_json::Value;

use crate::audit::AuditChain;
use crate::changes::ChangeSet;
use crate::clock::{Hlc, HybridClock, Timestamp};
use crate::error::{Error, Refusal, Result};
use crate::protocol::{ADDENDA_LIST, Change, EntityKind, Operation, PulledChange, RejectReason};
use crate::record_schema;
use crate::seal;
use crate::search;
use crate::store::StaffMember;

/// A record as stored: its unit, whether it is locked, its fields and its ordered lists.
#[derive(Debug, Default)]
pub(crate) struct Record {
    pub unit_id: String,
    pub locked: bool,
    pub fields: HashMap<String, Value>,
    /// List name → live items (tombstones left out) in display order.
    pub lists: HashMap<String, Vec<(String, Value)>>,
}

impl Record {
    /// Adds one stored row (a field, or a list item when `item` is not empty).
    pub fn push_row(&mut self, field: String, item: String, value: &str) -> Result<()> {
        self.push_value(field, item, serde_json::from_str(value)?);
        Ok(())
    }

    /// Adds one cell's value (a field, or a list item when `item` is not empty).
    pub fn push_value(&mut self, field: String, item: String, value: Value) {
        if item.is_empty() {
            self.fields.insert(field, value);
        } else if !value.is_null() {
            self.lists.entry(field).or_default().push((item, value));
        }
    }

    /// A record from its cells as (field, item, value), lists in display order.
    pub fn from_cells(unit_id: &str, cells: &[(&str, &str, &Value)]) -> Record {
        let mut record = Record {
            unit_id: unit_id.to_string(),
            ..Record::default()
        };
        for (field, item, value) in cells {
            record.push_value(field.to_string(), item.to_string(), (*value).clone());
        }
        record.order_lists();
        record
    }

    /// Puts every list in display order (position, then item id: the same on every replica).
    pub fn order_lists(&mut self) {
        for items in self.lists.values_mut() {
            items.sort_by(|(a_id, a), (b_id, b)| {
                position(a)
                    .total_cmp(&position(b))
                    .then_with(|| a_id.cmp(b_id))
            });
        }
    }

    /// A text field, or "" when unset.
    pub fn text(&self, field: &str) -> String {
        self.fields
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// A text field that may be absent.
    pub fn opt_text(&self, field: &str) -> Option<String> {
        self.fields
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// A timestamp field.
    pub fn time(&self, field: &str) -> Option<Timestamp> {
        self.fields
            .get(field)
            .and_then(Value::as_i64)
            .map(Timestamp)
    }

    /// A yes/no field that may be unanswered.
    pub fn flag(&self, field: &str) -> Option<bool> {
        self.fields.get(field).and_then(Value::as_bool)
    }

    /// A field holding any JSON shape, decoded.
    pub fn decode<T: serde::de::DeserializeOwned>(&self, field: &str) -> Result<Option<T>> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Ok(Some(serde_json::from_value(v.clone())?)),
        }
    }

    /// The live items of a list, in order.
    pub fn list(&self, list: &str) -> &[(String, Value)] {
        self.lists.get(list).map(Vec::as_slice).unwrap_or_default()
    }

    /// Whether the record was deleted (a tombstone on the whole record).
    pub fn deleted(&self) -> bool {
        self.flag("deleted").unwrap_or(false)
    }
}

/// Loads a record's rows, or `None` if this device has never seen it.
pub(crate) fn load(conn: &Connection, kind: EntityKind, id: &str) -> Result<Option<Record>> {
    let head = conn
        .prepare_cached(
            "SELECT unit_id, locked FROM entities WHERE entity = ?1 AND entity_id = ?2",
        )?
        .query_row((kind.as_str(), id), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
        })
        .optional()?;
    let Some((unit_id, locked)) = head else {
        return Ok(None);
    };
    let mut record = Record {
        unit_id,
        locked,
        ..Record::default()
    };
    let mut stmt = conn.prepare_cached(
        "SELECT field, item_id, value FROM fields WHERE entity = ?1 AND entity_id = ?2",
    )?;
    let mut rows = stmt.query((kind.as_str(), id))?;
    while let Some(row) = rows.next()? {
        record.push_row(row.get(0)?, row.get(1)?, &row.get::<_, String>(2)?)?;
    }
    record.order_lists();
    Ok(Some(record))
}

/// An item's position in its list.
pub(crate) fn position(item: &Value) -> f64 {
    item.get("pos").and_then(Value::as_f64).unwrap_or(0.0)
}

/// A position for an item placed before `before` (or at the end when `None`) in `items`.
/// Concurrent inserts at the same place get the same position and are ordered by item id,
/// identically on every replica.
pub(crate) fn position_before(items: &[(String, Value)], before: Option<&str>) -> Result<f64> {
    let Some(before) = before else {
        return Ok(items.last().map(|(_, v)| position(v) + 1.0).unwrap_or(1.0));
    };
    let index = items
        .iter()
        .position(|(id, _)| id == before)
        .ok_or_else(|| Error::invalid("before", format!("{before} is not an item of this list")))?;
    let next = position(&items[index].1);
    let prev = if index == 0 {
        next - 2.0
    } else {
        position(&items[index - 1].1)
    };
    Ok((prev + next) / 2.0)
}

/// One write transaction's view of the store: the place every local change is made.
pub(crate) struct Writer<'a> {
    tx: &'a Transaction<'a>,
    clock: &'a mut HybridClock,
    audit: &'a mut AuditChain,
    staff: &'a StaffMember,
    now: Timestamp,
    clock_moved: bool,
    /// What this transaction changed, for [`crate::changes`] once it commits.
    changed: ChangeSet,
}

impl<'a> Writer<'a> {
    pub fn new(
        tx: &'a Transaction<'a>,
        clock: &'a mut HybridClock,
        audit: &'a mut AuditChain,
        staff: &'a StaffMember,
        now: Timestamp,
    ) -> Self {
        Writer {
            tx,
            clock,
            audit,
            staff,
            now,
            clock_moved: false,
            changed: ChangeSet::default(),
        }
    }

    /// Notes that access to `unit_id` changed in this transaction (a grant written, ended or
    /// purged), for the change listeners.
    pub fn note_access_changed(&mut self, unit_id: &str) {
        self.changed.access(unit_id);
    }

    /// Notes that a record's state changed without a change of its fields (its change was sent
    /// or refused, a conflict about it was settled), for the change listeners.
    pub fn note_record_changed(&mut self, kind: EntityKind, entity_id: &str, unit_id: &str) {
        self.changed.record(kind, entity_id, unit_id);
    }

    /// Notes that the sync status changed (a sync began, ended or failed; the enrolment).
    pub fn note_sync_status_changed(&mut self) {
        self.changed.sync_status();
    }

    /// What this transaction changed; the store publishes it after the commit.
    pub fn take_changes(&mut self) -> ChangeSet {
        std::mem::take(&mut self.changed)
    }

    /// The transaction, for reads and for tables outside the replica.
    pub fn tx(&self) -> &Transaction<'a> {
        self.tx
    }

    /// The time this transaction started.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Who is making the change.
    pub fn staff(&self) -> &StaffMember {
        self.staff
    }

    /// Makes a local change: stamps it, writes its rows, queues its outbox operation and audits
    /// it. The record is created in `unit_id` if new; an existing record keeps its unit.
    pub fn change(
        &mut self,
        kind: EntityKind,
        entity_id: &str,
        unit_id: &str,
        change: Change,
        action: &str,
    ) -> Result<Hlc> {
        let creating = self.ensure_entity(kind, entity_id, unit_id)?;
        let stamp = self.clock.tick(self.now);
        self.clock_moved = true;
        let op = Operation {
            op_id: uuid::Uuid::now_v7().to_string(),
            entity: kind,
            entity_id: entity_id.to_string(),
            unit_id: unit_id.to_string(),
            change,
            stamp: stamp.clone(),
        };
        // The record schema's check, the same the server makes on receipt: nothing enters the
        // outbox that the server would refuse for the record's own rules.
        let grant = crate::units::active_grant(self.tx, unit_id, self.now)?;
        let role = grant.role;
        let ctx = record_schema::Context {
            writer: record_schema::Writer::Staff {
                role,
                name: &self.staff.name,
                job_title: &self.staff.job_title,
            },
            now: self.now,
            creating,
            mental_health_unit: grant.mental_health_unit,
        };
        record_schema::check_op(&op, &ctx).map_err(|broken| match broken.reason {
            RejectReason::Role | RejectReason::ReadOnly => Error::NotAllowed(Refusal::Rule {
                field: broken.field,
                rule: broken.rule,
            }),
            _ => Error::invalid(&broken.field, broken.rule),
        })?;
        let change = &op.change;
        let new_addendum = new_addendum(self.tx, kind, entity_id, change)?;
        apply_rows(self.tx, kind, entity_id, change, &stamp)?;
        self.changed.record(kind, entity_id, unit_id);
        if let Some(item_id) = new_addendum {
            seal::seal_addendum(self.tx, entity_id, item_id, unit_id)?;
        }
        let detail = match change {
            Change::Fields(fields) => fields.keys().cloned().collect::<Vec<_>>().join(","),
            Change::Item { list, item_id, .. } => format!("{list}/{item_id}"),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (op_id, unit_id, entity_id, op) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute((&op.op_id, unit_id, entity_id, serde_json::to_string(&op)?))?;
        self.audit.append(
            self.tx,
            self.now,
            &self.staff.name,
            action,
            kind.as_str(),
            entity_id,
            unit_id,
            &detail,
        )?;
        after_change(self.tx, kind, entity_id)?;
        Ok(stamp)
    }

    /// Merges an operation that came from the server: for each field or item, the later stamp
    /// wins, as on the server. Advances the local clock past the stamp seen.
    pub fn merge(&mut self, op: &PulledChange) -> Result<()> {
        self.ensure_entity(op.entity, &op.entity_id, &op.unit_id)?;
        self.clock.observe(&op.stamp);
        self.clock_moved = true;
        let locked: bool = self
            .tx
            .prepare_cached("SELECT locked FROM entities WHERE entity = ?1 AND entity_id = ?2")?
            .query_row((op.entity.as_str(), &op.entity_id), |r| r.get(0))?;
        let addendum = matches!(&op.change, Change::Item { list, .. } if list == ADDENDA_LIST);
        if locked && !addendum {
            // A locked record cannot take them. The server sends one only when its copy of a
            // submitted incident differs from this device's: an edit made elsewhere reached the
            // server before this device's submission did, or this device's own edit was refused
            // because another device submitted first. The difference is kept as a conflict, so
            // the copy shown here is never silently different from the official record.
            self.changed.record(op.entity, &op.entity_id, &op.unit_id);
            return note_locked_divergence(self.tx, op, self.now);
        }
        let new_addendum = new_addendum(self.tx, op.entity, &op.entity_id, &op.change)?;
        apply_rows(self.tx, op.entity, &op.entity_id, &op.change, &op.stamp)?;
        self.changed.record(op.entity, &op.entity_id, &op.unit_id);
        if let Some(item_id) = new_addendum {
            seal::seal_addendum(self.tx, &op.entity_id, item_id, &op.unit_id)?;
        }
        after_change(self.tx, op.entity, &op.entity_id)?;
        let submitted = matches!(&op.change, Change::Fields(f)
            if f.get("status").and_then(Value::as_str) == Some("submitted"));
        if op.entity == EntityKind::Incident && submitted {
            self.lock(op.entity, &op.entity_id)?;
        }
        Ok(())
    }

    /// Locks a record (a submitted incident): from now on only addenda may be added.
    /// A just-locked incident is sealed (see [`seal`]).
    pub fn lock(&mut self, kind: EntityKind, entity_id: &str) -> Result<()> {
        let unit: Option<String> = self
            .tx
            .prepare_cached(
                "UPDATE entities SET locked = 1 WHERE entity = ?1 AND entity_id = ?2 AND locked = 0 \
                 RETURNING unit_id",
            )?
            .query_row((kind.as_str(), entity_id), |r| r.get(0))
            .optional()?;
        if let (Some(unit), EntityKind::Incident) = (unit, kind) {
            seal::seal_incident(self.tx, entity_id, &unit)?;
        }
        Ok(())
    }

    /// Appends an audit event that is not a change (an export, a purge).
    pub fn audit(
        &mut self,
        action: &str,
        kind: &str,
        entity_id: &str,
        unit_id: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit.append(
            self.tx,
            self.now,
            &self.staff.name,
            action,
            kind,
            entity_id,
            unit_id,
            detail,
        )
    }

    /// Makes the record if new (true) or checks it is in `unit_id`.
    fn ensure_entity(&mut self, kind: EntityKind, entity_id: &str, unit_id: &str) -> Result<bool> {
        let existing: Option<String> = self
            .tx
            .prepare_cached("SELECT unit_id FROM entities WHERE entity = ?1 AND entity_id = ?2")?
            .query_row((kind.as_str(), entity_id), |r| r.get(0))
            .optional()?;
        match existing {
            Some(unit) if unit == unit_id => Ok(false),
            Some(_) => Err(Error::invalid(
                "unit_id",
                format!("{} {entity_id} belongs to another unit", kind.as_str()),
            )),
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO entities (entity, entity_id, unit_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute((kind.as_str(), entity_id, unit_id, self.now.0))?;
                Ok(true)
            }
        }
    }

    /// Saves the clock with the transaction. Called by the store before commit.
    pub fn finish(&mut self) -> Result<()> {
        if self.clock_moved {
            let (wall, counter) = self.clock.state();
            self.tx
                .prepare_cached("UPDATE device SET hlc_wall = ?1, hlc_counter = ?2")?
                .execute((wall, counter))?;
        }
        Ok(())
    }
}

/// Writes a change's rows, keeping for each field or item whichever stamp is later.
fn apply_rows(
    tx: &Transaction<'_>,
    kind: EntityKind,
    id: &str,
    change: &Change,
    stamp: &Hlc,
) -> Result<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO fields (entity, entity_id, field, item_id, value, hlc_wall, hlc_counter, hlc_device) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (entity, entity_id, field, item_id) DO UPDATE SET \
           value = excluded.value, hlc_wall = excluded.hlc_wall, \
           hlc_counter = excluded.hlc_counter, hlc_device = excluded.hlc_device \
         WHERE (excluded.hlc_wall, excluded.hlc_counter, excluded.hlc_device) \
             > (fields.hlc_wall, fields.hlc_counter, fields.hlc_device)",
    )?;
    let mut put = |field: &str, item: &str, value: &Value| -> Result<()> {
        upsert.execute(rusqlite::params![
            kind.as_str(),
            id,
            field,
            item,
            serde_json::to_string(value)?,
            stamp.wall_ms,
            stamp.counter,
            stamp.device
        ])?;
        Ok(())
    };
    match change {
        Change::Fields(fields) => {
            for (field, value) in fields {
                put(field, "", value)?;
            }
        }
        Change::Item {
            list,
            item_id,
            value,
        } => put(list, item_id, value)?,
    }
    Ok(())
}

/// Records, as conflicts, where a pulled change for a locked record differs from what this
/// device holds (op id `locked:<record id>`, one row per field or item, the latest kept).
fn note_locked_divergence(tx: &Transaction<'_>, op: &PulledChange, now: Timestamp) -> Result<()> {
    let mut current = tx.prepare_cached(
        "SELECT value FROM fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3 \
         AND item_id = ?4",
    )?;
    let mut keep = tx.prepare_cached(
        "INSERT OR REPLACE INTO conflicts (entity, entity_id, unit_id, field, item_id, my_value, \
           winning_value, winning_stamp, op_id, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (field, item, value) in op.change.cells() {
        let mine: Value = match current
            .query_row((op.entity.as_str(), &op.entity_id, field, item), |r| {
                r.get::<_, String>(0)
            })
            .optional()?
        {
            Some(json) => serde_json::from_str(&json)?,
            None => Value::Null,
        };
        if mine != *value {
            keep.execute(rusqlite::params![
                op.entity.as_str(),
                op.entity_id,
                op.unit_id,
                field,
                item,
                serde_json::to_string(&mine)?,
                serde_json::to_string(value)?,
                serde_json::to_string(&op.stamp)?,
                format!("locked:{}", op.entity_id),
                now.0,
            ])?;
        }
    }
    Ok(())
}

/// The item id of an addendum this change adds, if it is not stored yet (it is then sealed).
fn new_addendum<'c>(
    tx: &Transaction<'_>,
    kind: EntityKind,
    entity_id: &str,
    change: &'c Change,
) -> Result<Option<&'c str>> {
    match change {
        Change::Item { list, item_id, .. }
            if kind == EntityKind::Incident
                && list == ADDENDA_LIST
                && !seal::addendum_exists(tx, entity_id, item_id)? =>
        {
            Ok(Some(item_id))
        }
        _ => Ok(None),
    }
}

/// Keeps derived state (the search index) in step with a changed record.
fn after_change(tx: &Transaction<'_>, kind: EntityKind, id: &str) -> Result<()> {
    match kind {
        EntityKind::Person | EntityKind::Sheet => search::reindex_person(tx, id),
        _ => Ok(()),
    }
}
