//! What the app shows about sync, and what the user can do about it.
//!
//! The status line ([`Store::sync_status`]); changes another edit won over
//! ([`Store::conflicts`]), kept until the user has seen them; changes the server refused
//! ([`Store::quarantined_operations`]), with the reason, until the user discards them; and the
//! wipe of a revoked device ([`Store::wipe_contents`]). Values and reasons are for the screen:
//! the values are personal data and must not be logged; reasons and counts may be.

use rusqlite::OptionalExtension;
use serde_json::Value;

use crate::clock::{Hlc, Timestamp};
use crate::error::{Error, Result};
use crate::protocol::{EntityKind, Operation};
use crate::search;
use crate::store::{StaffMember, Store};
use crate::sync::state;
use crate::units::purge_unit;

/// Where sync stands, for the app's status line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncStatus {
    /// The device holds a token from a sync server.
    pub enrolled: bool,
    /// The server enrolled with, to reconnect after a restart.
    pub server_url: Option<String>,
    /// Changes waiting to be sent.
    pub pending: u32,
    /// Changes the server refused, waiting for the user.
    pub quarantined: u32,
    /// Edits another change won over, waiting for the user.
    pub conflicts: u32,
    /// When a sync last completed.
    pub last_success_at: Option<Timestamp>,
    /// When a sync was last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// Why the last sync failed, if it did (cleared by the next success): a detail for
    /// support, in English. What to show the user follows from `last_problem`.
    pub last_error: Option<String>,
    /// What kind of failure the last sync met, if it failed.
    pub last_problem: Option<SyncProblem>,
    /// A full re-pull is under way; the data shown may include records since deleted.
    pub resyncing: bool,
}

/// What kind of failure a sync met: each a different thing to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SyncProblem {
    /// No network, or the server did not answer: nothing is lost; it tries again.
    Offline,
    /// The server answered but refused the request (a protocol mismatch or a server fault).
    ServerRefused,
    /// The server no longer accepts this device's token: enrol again.
    TokenRefused,
    /// The device is not enrolled.
    NotEnrolled,
    /// The device was revoked: its data is gone.
    Revoked,
    /// Something on the device failed (the store, a file).
    Device,
}

/// Between the kind and the detail in `sync_state.last_error`.
const PROBLEM_SEPARATOR: char = '\u{1f}';

impl SyncProblem {
    /// The kind of `e`, for the sync status.
    pub fn of(e: &Error) -> SyncProblem {
        match e {
            Error::Network(_) => SyncProblem::Offline,
            Error::SyncRefused(_) | Error::EnrolmentRefused(_) => SyncProblem::ServerRefused,
            Error::Unauthorized => SyncProblem::TokenRefused,
            Error::NotEnrolled => SyncProblem::NotEnrolled,
            Error::Revoked => SyncProblem::Revoked,
            _ => SyncProblem::Device,
        }
    }

    fn code(self) -> &'static str {
        match self {
            SyncProblem::Offline => "offline",
            SyncProblem::ServerRefused => "server_refused",
            SyncProblem::TokenRefused => "token_refused",
            SyncProblem::NotEnrolled => "not_enrolled",
            SyncProblem::Revoked => "revoked",
            SyncProblem::Device => "device",
        }
    }

    /// How a failure is kept: its kind's code, then the detail.
    pub(crate) fn stored(self, detail: &str) -> String {
        format!("{}{PROBLEM_SEPARATOR}{detail}", self.code())
    }

    /// The kind of a kept failure (one kept before kinds were, as `Device` unless it says
    /// otherwise).
    fn of_stored(stored: &str) -> SyncProblem {
        let code = stored.split_once(PROBLEM_SEPARATOR).map(|(c, _)| c);
        [
            SyncProblem::Offline,
            SyncProblem::ServerRefused,
            SyncProblem::TokenRefused,
            SyncProblem::NotEnrolled,
            SyncProblem::Revoked,
            SyncProblem::Device,
        ]
        .into_iter()
        .find(|p| Some(p.code()) == code)
        .unwrap_or(if stored.contains("revoked") {
            SyncProblem::Revoked
        } else {
            SyncProblem::Device
        })
    }

    fn detail_of_stored(stored: &str) -> &str {
        stored
            .split_once(PROBLEM_SEPARATOR)
            .map_or(stored, |(_, detail)| detail)
    }
}

/// An edit made on this device that lost to a later change elsewhere; both values are kept so
/// nothing is silently lost.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conflict {
    /// Its id, for [`Store::dismiss_conflict`].
    pub id: i64,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record.
    pub entity_id: String,
    /// Its unit.
    pub unit_id: String,
    /// The field, or the list, that was edited.
    pub field: String,
    /// The list item, or "" for a plain field.
    pub item_id: String,
    /// What this device wrote (`null`: a removal).
    pub my_value: Value,
    /// What is now on the record.
    pub winning_value: Value,
    /// When, and by which device, the winning value was written.
    pub winning_stamp: Hlc,
    /// The operation that lost.
    pub op_id: String,
    /// When the device learnt of it.
    pub at: Timestamp,
}

/// A change the server refused (or that could not be sent), kept with its reason. Its value
/// still shows on the device until it is discarded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuarantinedChange {
    /// The operation.
    pub op_id: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record.
    pub entity_id: String,
    /// Its unit.
    pub unit_id: String,
    /// Why, as a code: the server's (`not_granted`, `grant_ended`, `role`, `locked`,
    /// `unit_mismatch`, `read_only`, `forged_stamp`, `duplicate_op_id`, `invalid`), or the
    /// device's own when it could not send it (`invalid`, `too_large`).
    pub reason: String,
    /// Why, in words (no personal data).
    pub detail: String,
}

/// Every operation the server refused, oldest first, with its reason and detail.
pub(crate) fn quarantined(conn: &rusqlite::Connection) -> Result<Vec<(Operation, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT op, COALESCE(reason, ''), COALESCE(detail, '') FROM outbox \
         WHERE state = 'quarantined' ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (op, reason, detail) = row?;
        out.push((serde_json::from_str(&op)?, reason, detail));
    }
    Ok(out)
}

impl Store {
    /// Where sync stands: enrolment, what waits, what needs the user, the last success and error.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.read(|tx| {
            let s = state::load(tx)?;
            let (pending, quarantined): (u32, u32) = tx.query_row(
                "SELECT count(*) FILTER (WHERE state = 'pending'), \
                   count(*) FILTER (WHERE state = 'quarantined') FROM outbox",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let conflicts: u32 =
                tx.query_row("SELECT count(*) FROM conflicts", [], |r| r.get(0))?;
            Ok(SyncStatus {
                enrolled: s.enrolled,
                server_url: s.server_url,
                pending,
                quarantined,
                conflicts,
                last_success_at: s.last_success_at,
                last_attempt_at: s.last_attempt_at,
                last_problem: s.last_error.as_deref().map(SyncProblem::of_stored),
                last_error: s
                    .last_error
                    .map(|e| SyncProblem::detail_of_stored(&e).to_string()),
                resyncing: s.resyncing,
            })
        })
    }

    /// Edits that lost to a later change, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT id, entity, entity_id, unit_id, field, item_id, my_value, winning_value, \
                   winning_stamp, op_id, at FROM conflicts ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, i64>(10)?,
                ))
            })?;
            let mut conflicts = Vec::new();
            for row in rows {
                let (
                    id,
                    entity,
                    entity_id,
                    unit_id,
                    field,
                    item_id,
                    mine,
                    winning,
                    stamp,
                    op_id,
                    at,
                ) = row?;
                conflicts.push(Conflict {
                    id,
                    entity: parse_kind(&entity)?,
                    entity_id,
                    unit_id,
                    field,
                    item_id,
                    my_value: serde_json::from_str(&mine)?,
                    winning_value: serde_json::from_str(&winning)?,
                    winning_stamp: serde_json::from_str(&stamp)?,
                    op_id,
                    at: Timestamp(at),
                });
            }
            Ok(conflicts)
        })
    }

    /// The user has seen a conflict: it is no longer listed.
    pub fn dismiss_conflict(&self, id: i64) -> Result<()> {
        let removed = self.write(|w| {
            let about: Option<(String, String, String)> = w
                .tx()
                .query_row(
                    "DELETE FROM conflicts WHERE id = ?1 RETURNING entity, entity_id, unit_id",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((kind, entity_id, unit_id)) = &about
                && let Some(kind) = EntityKind::parse(kind)
            {
                w.note_record_changed(kind, entity_id, unit_id);
            }
            Ok(usize::from(about.is_some()))
        })?;
        if removed == 0 {
            return Err(Error::not_found("conflict", id.to_string()));
        }
        Ok(())
    }

    /// Changes the server refused, oldest first, with why.
    pub fn quarantined_operations(&self) -> Result<Vec<QuarantinedChange>> {
        self.read(|tx| {
            let mut changes = Vec::new();
            for (op, reason, detail) in quarantined(tx)? {
                changes.push(QuarantinedChange {
                    op_id: op.op_id,
                    entity: op.entity,
                    entity_id: op.entity_id,
                    unit_id: op.unit_id,
                    reason,
                    detail,
                });
            }
            Ok(changes)
        })
    }

    /// Gives up a refused change: it leaves the queue, and the fields it set on this device go
    /// back to the server's values, which the next sync pulls again (the cursor starts over;
    /// merging what the device already has is harmless). On a submitted incident the value
    /// stays as it is: records protection lets nothing there change.
    pub fn discard_quarantined(&self, op_id: &str) -> Result<()> {
        self.write(|w| {
            let tx = w.tx();
            let op: Option<String> = tx
                .query_row(
                    "SELECT op FROM outbox WHERE op_id = ?1 AND state = 'quarantined'",
                    [op_id],
                    |r| r.get(0),
                )
                .optional()?;
            let op: Operation = match op {
                Some(json) => serde_json::from_str(&json)?,
                None => return Err(Error::not_found("quarantined change", op_id)),
            };
            tx.execute("DELETE FROM outbox WHERE op_id = ?1", [op_id])?;
            let mut reverted = 0;
            let (kind, entity_id, unit_id) = (op.entity, op.entity_id.clone(), op.unit_id.clone());
            {
                let mut stmt = tx.prepare(
                    "DELETE FROM fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3 \
                       AND item_id = ?4 AND hlc_wall = ?5 AND hlc_counter = ?6 AND hlc_device = ?7 \
                       AND field <> 'addenda' AND NOT EXISTS (SELECT 1 FROM entities e \
                         WHERE e.entity = fields.entity AND e.entity_id = fields.entity_id \
                           AND e.locked = 1)",
                )?;
                for (field, item, _) in op.change.cells() {
                    reverted += stmt.execute(rusqlite::params![
                        op.entity.as_str(),
                        op.entity_id,
                        field,
                        item,
                        op.stamp.wall_ms,
                        op.stamp.counter,
                        op.stamp.device,
                    ])?;
                }
            }
            if reverted > 0 {
                // A record only this device ever had (its creation was refused) goes entirely.
                tx.execute(
                    "DELETE FROM entities WHERE entity = ?1 AND entity_id = ?2 AND locked = 0 \
                       AND NOT EXISTS (SELECT 1 FROM fields f WHERE f.entity = ?1 AND f.entity_id = ?2) \
                       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = ?2)",
                    (op.entity.as_str(), &op.entity_id),
                )?;
                if matches!(op.entity, EntityKind::Person | EntityKind::Sheet) {
                    search::reindex_person(tx, &op.entity_id)?;
                }
                state::save_cursor(tx, None)?;
            }
            w.note_record_changed(kind, &entity_id, &unit_id);
            Ok(())
        })
    }

    /// Removes everything this device holds for its units — records, queued and refused
    /// changes, conflicts, grants, imported templates — and forgets its enrolment, in one
    /// transaction. What a revoked device does before the app deletes the store file
    /// ([`Store::wipe`]) and its key. The audit trail (ids only) stays: it is append-only.
    pub fn wipe_contents(&self) -> Result<()> {
        self.write(|w| {
            let units: Vec<String> = {
                let mut stmt = w.tx().prepare(
                    "SELECT unit_id FROM units UNION SELECT unit_id FROM entities \
                     UNION SELECT unit_id FROM outbox UNION SELECT unit_id FROM conflicts",
                )?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for unit in &units {
                purge_unit(w.tx(), unit)?;
                w.note_access_changed(unit);
            }
            let tx = w.tx();
            for table in [
                "resync_unseen",
                "conflicts",
                "outbox",
                "people_search",
                "search_docs",
                "checklist_templates",
            ] {
                tx.execute(&format!("DELETE FROM {table}"), [])?;
            }
            tx.execute("UPDATE device SET staff_name = '', staff_job = ''", [])?;
            state::forget(tx, &SyncProblem::Revoked.stored("this device was revoked"))?;
            w.audit("purge", "device", "", "", "device revoked")?;
            Ok(())
        })?;
        self.lock_writer().staff = StaffMember::default();
        Ok(())
    }
}

fn parse_kind(name: &str) -> Result<EntityKind> {
    EntityKind::parse(name).ok_or_else(|| Error::Corrupt(format!("unknown record kind {name}")))
}
