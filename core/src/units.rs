//! Units and this device's grants in them: the scope of every read and write.
//!
//! The server decides grants; the device keeps its local view so that access is checked even
//! with no signal. A grant with an end time stops working by itself at that time (a bank or
//! agency placement ends), and once everything recorded in that unit has reached the server the
//! unit's data leaves the device ([`Store::purge_ended_units`]).

use rusqlite::{Connection, OptionalExtension};

use crate::clock::Timestamp;
use crate::codes::Role;
use crate::error::{Error, Refusal, Result};
use crate::store::Store;

/// A unit — ward, care home, supported-living service, HEMS base — and this device's grant in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UnitGrant {
    /// The unit's id.
    pub unit_id: String,
    /// The organisation it belongs to.
    pub organisation: String,
    /// Its name as staff know it.
    pub name: String,
    /// A mental health unit under the Mental Health Units (Use of Force) Act 2018: s.6(5) items
    /// are required to submit a use-of-force incident there.
    pub mental_health_unit: bool,
    /// This device's role in the unit.
    pub role: Role,
    /// When the grant ends (a placement's last day), if it does.
    pub ends_at: Option<Timestamp>,
}

/// A unit as the app lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UnitAccess {
    /// The unit and the grant.
    pub grant: UnitGrant,
    /// False once the grant has ended.
    pub active: bool,
    /// Changes made here that have not yet reached the server, counted up to
    /// [`PENDING_COUNT_CAP`] (show "999+" beyond it): a phone offline for weeks must not make
    /// this list slow.
    pub pending_changes: u32,
}

/// The most pending changes [`Store::units`] counts per unit.
pub const PENDING_COUNT_CAP: u32 = 1000;

impl Store {
    /// The unit a record on this device belongs to, if it is held and its unit's grant is in
    /// force (a removed person reads as none). Records no view: it routes an id to its unit
    /// (the console's pages) without reading every record of every unit.
    pub fn unit_of(&self, kind: crate::protocol::EntityKind, id: &str) -> Result<Option<String>> {
        let now = self.now();
        self.read(|tx| {
            let Some(record) = crate::replica::load(tx, kind, id)? else {
                return Ok(None);
            };
            if record.deleted() || active_grant(tx, &record.unit_id, now).is_err() {
                return Ok(None);
            }
            Ok(Some(record.unit_id))
        })
    }

    /// Replaces the device's view of its grants with `grants` (from enrolment or a sync).
    /// Units no longer granted stay on the device, without access, until purged.
    pub fn apply_grants(&self, grants: &[UnitGrant]) -> Result<()> {
        self.write(|w| {
            for unit in write_grants(w.tx(), grants, w.now())? {
                w.note_access_changed(&unit);
            }
            Ok(())
        })
    }

    /// The units this device knows, with whether access is still active and what is pending.
    pub fn units(&self) -> Result<Vec<UnitAccess>> {
        let now = self.now();
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT u.unit_id, u.organisation, u.name, u.mental_health_unit, u.role, u.grant_ends_at, \
                   (SELECT count(*) FROM (SELECT 1 FROM outbox o WHERE o.unit_id = u.unit_id \
                      AND o.state = 'pending' LIMIT ?1)) \
                 FROM units u ORDER BY u.name",
            )?;
            let rows = stmt.query_map([PENDING_COUNT_CAP], |r| {
                let grant = grant_from_row(r)?;
                let active = grant.ends_at.is_none_or(|end| end > now);
                Ok(UnitAccess {
                    grant,
                    active,
                    pending_changes: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Removes from the device every unit whose grant has ended and that has nothing left to
    /// send; returns the units removed. A unit with changes still pending keeps them (and stays
    /// locked to the user) until they have reached the server. Changes the server refused
    /// outlive the purge: they stay listed ([`Store::quarantined_operations`]), counted
    /// ([`Store::sync_status`]) and exportable ([`Store::export_quarantined`]) until the user
    /// discards them, and are never sent again.
    pub fn purge_ended_units(&self) -> Result<Vec<String>> {
        self.write(|w| {
            let now = w.now();
            let ended: Vec<String> = {
                let mut stmt = w.tx().prepare(
                    "SELECT unit_id FROM units WHERE grant_ends_at IS NOT NULL AND grant_ends_at <= ?1 \
                     AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.unit_id = units.unit_id AND o.state = 'pending')",
                )?;
                stmt.query_map([now.0], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for unit in &ended {
                purge_unit(w.tx(), unit)?;
                w.note_access_changed(unit);
                let kept: u32 = w.tx().query_row(
                    "SELECT count(*) FROM outbox WHERE unit_id = ?1 AND state = 'quarantined'",
                    [unit],
                    |r| r.get(0),
                )?;
                let detail = match kept {
                    0 => "grant ended".to_string(),
                    n => format!("grant ended; {n} refused changes kept for the user"),
                };
                w.audit("purge", "unit", unit, unit, &detail)?;
            }
            Ok(ended)
        })
    }
}

/// Replaces the device's view of its grants with `grants` inside the caller's transaction;
/// units no longer listed end at `now` (an earlier end stays). Returns the units whose grant
/// is new or changed, for the change listeners.
pub(crate) fn write_grants(
    tx: &Connection,
    grants: &[UnitGrant],
    now: Timestamp,
) -> Result<Vec<String>> {
    let before = grant_rows(tx)?;
    for g in grants {
        if g.unit_id.trim().is_empty() {
            return Err(Error::invalid("unit_id", "must not be empty"));
        }
    }
    // Units that disappeared from the grants end now.
    let listed: Vec<&str> = grants.iter().map(|g| g.unit_id.as_str()).collect();
    let mut stmt = tx.prepare("SELECT unit_id FROM units")?;
    let known: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for unit in known.iter().filter(|u| !listed.contains(&u.as_str())) {
        end_grant_now(tx, unit, now)?;
    }
    let changed_from_before = |g: &UnitGrant| before.iter().all(|b| b != g);
    for g in grants {
        tx.execute(
            "INSERT INTO units (unit_id, organisation, name, mental_health_unit, role, grant_ends_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (unit_id) DO UPDATE SET organisation = excluded.organisation, \
               name = excluded.name, mental_health_unit = excluded.mental_health_unit, \
               role = excluded.role, grant_ends_at = excluded.grant_ends_at",
            rusqlite::params![
                g.unit_id,
                g.organisation,
                g.name,
                g.mental_health_unit,
                g.role.as_str(),
                g.ends_at.map(|t| t.0)
            ],
        )?;
    }
    let after = grant_rows(tx)?;
    Ok(after
        .into_iter()
        .filter(|g| changed_from_before(g))
        .map(|g| g.unit_id)
        .collect())
}

/// Every grant row, as stored.
fn grant_rows(tx: &Connection) -> Result<Vec<UnitGrant>> {
    let mut stmt = tx.prepare_cached(
        "SELECT unit_id, organisation, name, mental_health_unit, role, grant_ends_at FROM units",
    )?;
    let rows = stmt.query_map([], grant_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ends this device's grant in `unit` at `now`, unless it already ended earlier; true if the
/// end moved.
pub(crate) fn end_grant_now(tx: &Connection, unit: &str, now: Timestamp) -> Result<bool> {
    let moved = tx.execute(
        "UPDATE units SET grant_ends_at = ?2 \
         WHERE unit_id = ?1 AND (grant_ends_at IS NULL OR grant_ends_at > ?2)",
        (unit, now.0),
    )?;
    Ok(moved > 0)
}

/// Deletes everything of `unit` from the device (records, queued ops, search rows, the grant)
/// except what the user wrote that exists nowhere else: nothing leaves the phone without a word
/// (issue 19), so changes the server refused stay in the outbox, quarantined, until the user
/// discards them ([`Store::discard_quarantined`]), and edits that lost to a later change stay as
/// conflicts (their winning value, the unit's data, is dropped) until dismissed; a revoked
/// device's wipe removes both. Submitted
/// incidents may leave only through here: the `purging` row opens the triggers.
pub(crate) fn purge_unit(tx: &Connection, unit: &str) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO purging (unit_id) VALUES (?1)",
        [unit],
    )?;
    tx.execute(
        "DELETE FROM resync_unseen WHERE EXISTS (SELECT 1 FROM entities e WHERE e.entity = resync_unseen.entity \
           AND e.entity_id = resync_unseen.entity_id AND e.unit_id = ?1)",
        [unit],
    )?;
    tx.execute(
        "DELETE FROM fields WHERE EXISTS (SELECT 1 FROM entities e WHERE e.entity = fields.entity \
           AND e.entity_id = fields.entity_id AND e.unit_id = ?1)",
        [unit],
    )?;
    tx.execute("DELETE FROM entities WHERE unit_id = ?1", [unit])?;
    tx.execute(
        "DELETE FROM search_docs WHERE docid IN (SELECT rowid FROM people_search WHERE unit_id = ?1)",
        [unit],
    )?;
    tx.execute("DELETE FROM people_search WHERE unit_id = ?1", [unit])?;
    tx.execute(
        "DELETE FROM outbox WHERE unit_id = ?1 AND state <> 'quarantined'",
        [unit],
    )?;
    // An edit that lost to a later change exists nowhere but here: the user's own words stay
    // until dismissed, as refused changes do; the unit's winning value leaves with the unit.
    tx.execute(
        "UPDATE conflicts SET winning_value = 'null' WHERE unit_id = ?1",
        [unit],
    )?;
    tx.execute("DELETE FROM units WHERE unit_id = ?1", [unit])?;
    tx.execute("DELETE FROM purging WHERE unit_id = ?1", [unit])?;
    crate::seal::seal_purge(tx, unit)?;
    Ok(())
}

fn grant_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UnitGrant> {
    let role: String = r.get(4)?;
    Ok(UnitGrant {
        unit_id: r.get(0)?,
        organisation: r.get(1)?,
        name: r.get(2)?,
        mental_health_unit: r.get(3)?,
        role: Role::parse(&role).unwrap_or(Role::Reader),
        ends_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
    })
}

/// This device's grant in `unit`, if it is in force at `now`; otherwise why not.
pub(crate) fn active_grant(conn: &Connection, unit: &str, now: Timestamp) -> Result<UnitGrant> {
    let grant = conn
        .prepare_cached(
            "SELECT unit_id, organisation, name, mental_health_unit, role, grant_ends_at FROM units WHERE unit_id = ?1",
        )?
        .query_row([unit], grant_from_row)
        .optional()?
        .ok_or_else(|| {
            Error::NotAllowed(Refusal::NoAccess {
                unit_id: unit.to_string(),
            })
        })?;
    if let Some(end) = grant.ends_at.filter(|end| *end <= now) {
        return Err(Error::NotAllowed(Refusal::PlacementEnded {
            unit_id: grant.unit_id,
            unit_name: grant.name,
            ended_at: end,
        }));
    }
    Ok(grant)
}

/// Like [`active_grant`], and the role must be at least `min` to `what`.
pub(crate) fn require_role(
    conn: &Connection,
    unit: &str,
    now: Timestamp,
    min: Role,
    what: &str,
) -> Result<UnitGrant> {
    let grant = active_grant(conn, unit, now)?;
    if grant.role < min {
        return Err(Error::NotAllowed(Refusal::RoleTooLow {
            role: grant.role,
            needs: min,
            action: what.to_string(),
        }));
    }
    Ok(grant)
}
