//! Seals: tamper evidence for submitted incidents and their addenda.
//!
//! Records protection (the API and SQL triggers) stops a submitted incident from being changed
//! through Steady. A seal makes a change made *around* Steady visible: someone with the key who
//! drops the triggers and edits the file, a bit flipped on the disk. When an incident is locked
//! — submitted here, or pulled already submitted — the store writes a seal row holding a SHA-256
//! digest of everything the incident holds (each field and list item with its value and stamp,
//! addenda aside) and the names of those fields; each addendum is sealed the same way when it is
//! added or arrives. Seal rows are append-only and hash-chained like the audit trail.
//!
//! [`Store::verify_records`] checks the audit trail, the seal chain, that every sealed record
//! still has exactly the content it was sealed with, and that no locked incident or addendum is
//! without a seal; the first problem is reported with where it is.
//!
//! What this does not do: someone who can rewrite the whole file can recompute every hash (there
//! is no secret in them). The server keeps its own chained log of what it accepted
//! (`steady-server verify`), which a device cannot rewrite.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};

use crate::chain::ChainHasher;
use crate::error::{Error, Result};
use crate::protocol::ADDENDA_LIST;
use crate::store::Store;

/// What [`Store::verify_records`] checked (all of it passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecordsCheck {
    /// Audit events whose chain was verified.
    pub audit_events: u64,
    /// Seal rows whose chain was verified.
    pub seals: u64,
    /// Submitted incidents on the device whose content matched their seal.
    pub sealed_incidents: u64,
    /// Addenda on the device whose content matched their seal.
    pub sealed_addenda: u64,
}

/// One stored row of a record: (field, item id, value JSON, wall, counter, device).
type Row = (String, String, String, i64, i64, String);

fn rows_of(conn: &Connection, entity_id: &str, item: Option<&str>) -> Result<Vec<Row>> {
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    };
    let rows = match item {
        None => conn
            .prepare_cached(
                "SELECT field, item_id, value, hlc_wall, hlc_counter, hlc_device FROM fields \
                 WHERE entity = 'incident' AND entity_id = ?1 AND field <> 'addenda' \
                 ORDER BY field, item_id",
            )?
            .query_map([entity_id], map)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        Some(item) => conn
            .prepare_cached(
                "SELECT field, item_id, value, hlc_wall, hlc_counter, hlc_device FROM fields \
                 WHERE entity = 'incident' AND entity_id = ?1 AND field = 'addenda' \
                   AND item_id = ?2",
            )?
            .query_map([entity_id, item], map)?
            .collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// The digest of a record's rows and the names of its cells ("field" or "field/item").
/// An incident's digest also covers when the device first stored it (`created_at`).
fn digest(
    kind: &str,
    entity_id: &str,
    unit_id: &str,
    created_at: Option<i64>,
    rows: &[Row],
) -> ([u8; 32], String) {
    let mut h = ChainHasher::new()
        .part(b"steady seal v1")
        .part(kind)
        .part(entity_id)
        .part(unit_id);
    if let Some(created_at) = created_at {
        h = h.fixed(created_at.to_be_bytes());
    }
    let mut names = Vec::with_capacity(rows.len());
    for (field, item, value, wall, counter, device) in rows {
        h = h
            .part(field)
            .part(item)
            .part(value)
            .fixed(wall.to_be_bytes())
            .fixed(counter.to_be_bytes())
            .part(device);
        names.push(if item.is_empty() {
            field.clone()
        } else {
            format!("{field}/{item}")
        });
    }
    (h.finish(), names.join(","))
}

/// A seal row as stored (without its chain hashes).
struct SealRow {
    seq: i64,
    kind: String,
    entity_id: String,
    item_id: String,
    unit_id: String,
    cells: String,
    digest: Vec<u8>,
}

fn chain_hash(prev: &[u8], s: &SealRow) -> [u8; 32] {
    ChainHasher::new()
        .part(prev)
        .fixed(s.seq.to_be_bytes())
        .part(&s.kind)
        .part(&s.entity_id)
        .part(&s.item_id)
        .part(&s.unit_id)
        .part(&s.cells)
        .part(&s.digest)
        .finish()
}

fn append(
    conn: &Connection,
    kind: &str,
    entity_id: &str,
    item_id: &str,
    unit_id: &str,
    cells: String,
    digest: [u8; 32],
) -> Result<()> {
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM seals ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (last_seq, prev) = last.unwrap_or((0, vec![0; 32]));
    let row = SealRow {
        seq: last_seq + 1,
        kind: kind.into(),
        entity_id: entity_id.into(),
        item_id: item_id.into(),
        unit_id: unit_id.into(),
        cells,
        digest: digest.to_vec(),
    };
    let hash = chain_hash(&prev, &row);
    conn.prepare_cached(
        "INSERT INTO seals (seq, kind, entity_id, item_id, unit_id, cells, digest, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params![
        row.seq,
        row.kind,
        row.entity_id,
        row.item_id,
        row.unit_id,
        row.cells,
        row.digest,
        prev,
        &hash[..]
    ])?;
    Ok(())
}

/// Seals a just-locked incident's content (addenda are sealed one by one).
pub(crate) fn seal_incident(conn: &Connection, entity_id: &str, unit_id: &str) -> Result<()> {
    let rows = rows_of(conn, entity_id, None)?;
    let created_at: i64 = conn
        .prepare_cached(
            "SELECT created_at FROM entities WHERE entity = 'incident' AND entity_id = ?1",
        )?
        .query_row([entity_id], |r| r.get(0))?;
    let (digest, cells) = digest("incident", entity_id, unit_id, Some(created_at), &rows);
    append(conn, "incident", entity_id, "", unit_id, cells, digest)
}

/// Seals a just-added addendum.
pub(crate) fn seal_addendum(
    conn: &Connection,
    entity_id: &str,
    item_id: &str,
    unit_id: &str,
) -> Result<()> {
    let rows = rows_of(conn, entity_id, Some(item_id))?;
    let (digest, cells) = digest("addendum", entity_id, unit_id, None, &rows);
    append(conn, "addendum", entity_id, item_id, unit_id, cells, digest)
}

/// Whether an addendum row is already stored (an addendum merged twice is sealed once).
pub(crate) fn addendum_exists(conn: &Connection, entity_id: &str, item_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM fields WHERE entity = 'incident' AND entity_id = ?1 \
               AND field = 'addenda' AND item_id = ?2)",
        )?
        .query_row([entity_id, item_id], |r| r.get(0))?)
}

/// Records that a unit's records left the device: its earlier seals no longer expect them.
pub(crate) fn seal_purge(conn: &Connection, unit_id: &str) -> Result<()> {
    append(conn, "purge", "", "", unit_id, String::new(), [0; 32])
}

/// Seals what a store upgraded from before seals already holds: every locked incident and
/// every addendum (run once, inside the upgrade's transaction).
pub(crate) fn backfill(conn: &Connection) -> Result<()> {
    let locked: Vec<(String, String)> = conn
        .prepare(
            "SELECT entity_id, unit_id FROM entities WHERE entity = 'incident' AND locked = 1 \
             ORDER BY entity_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, unit) in &locked {
        seal_incident(conn, id, unit)?;
    }
    let addenda: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT f.entity_id, f.item_id, e.unit_id FROM fields f JOIN entities e \
               ON e.entity = f.entity AND e.entity_id = f.entity_id \
             WHERE f.entity = 'incident' AND f.field = 'addenda' ORDER BY f.entity_id, f.item_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, item, unit) in &addenda {
        seal_addendum(conn, id, item, unit)?;
    }
    Ok(())
}

fn broken(what: String) -> Error {
    Error::Corrupt(format!("records check failed: {what}"))
}

/// What a seal expects to find on the device.
struct Expected {
    seq: i64,
    unit_id: String,
    cells: String,
    digest: Vec<u8>,
}

fn verify_seals(conn: &Connection, check: &mut RecordsCheck) -> Result<()> {
    // 1. The chain, and what it says should be on the device now.
    let mut expected: BTreeMap<(String, String, String), Expected> = BTreeMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT seq, kind, entity_id, item_id, unit_id, cells, digest, prev_hash, hash \
             FROM seals ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = vec![0u8; 32];
        let mut next_seq = 1;
        while let Some(r) = rows.next()? {
            let row = SealRow {
                seq: r.get(0)?,
                kind: r.get(1)?,
                entity_id: r.get(2)?,
                item_id: r.get(3)?,
                unit_id: r.get(4)?,
                cells: r.get(5)?,
                digest: r.get(6)?,
            };
            let stored_prev: Vec<u8> = r.get(7)?;
            let stored: Vec<u8> = r.get(8)?;
            if row.seq != next_seq {
                return Err(broken(format!(
                    "seal {next_seq} is missing (the next seal is {})",
                    row.seq
                )));
            }
            let hash = chain_hash(&prev, &row);
            if stored_prev != prev || stored[..] != hash[..] {
                return Err(broken(format!(
                    "the seal chain is broken at seal {} ({} {})",
                    row.seq, row.kind, row.entity_id
                )));
            }
            prev = hash.to_vec();
            next_seq += 1;
            check.seals += 1;
            if row.kind == "purge" {
                expected.retain(|_, e| e.unit_id != row.unit_id);
            } else {
                expected.insert(
                    (row.kind.clone(), row.entity_id.clone(), row.item_id.clone()),
                    Expected {
                        seq: row.seq,
                        unit_id: row.unit_id,
                        cells: row.cells,
                        digest: row.digest,
                    },
                );
            }
        }
    }

    // 2. Every sealed record still holds what it was sealed with.
    let mut head = conn.prepare_cached(
        "SELECT unit_id, locked, created_at FROM entities \
         WHERE entity = 'incident' AND entity_id = ?1",
    )?;
    for ((kind, entity_id, item_id), e) in &expected {
        let what = if kind == "incident" {
            format!("submitted incident {entity_id} (seal {})", e.seq)
        } else {
            format!(
                "addendum {item_id} of incident {entity_id} (seal {})",
                e.seq
            )
        };
        let found: Option<(String, i64, i64)> = head
            .query_row([entity_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((unit_id, locked, created_at)) = found else {
            return Err(broken(format!("{what} is missing from the device")));
        };
        if unit_id != e.unit_id {
            return Err(broken(format!("{what} has moved to unit {unit_id}")));
        }
        if kind == "incident" && locked != 1 {
            return Err(broken(format!("{what} is no longer locked")));
        }
        let rows = rows_of(
            conn,
            entity_id,
            (kind == "addendum").then_some(item_id.as_str()),
        )?;
        let created_at = (kind == "incident").then_some(created_at);
        let (digest, cells) = digest(kind, entity_id, &unit_id, created_at, &rows);
        if cells != e.cells {
            let sealed: Vec<&str> = e.cells.split(',').filter(|c| !c.is_empty()).collect();
            let now: Vec<&str> = cells.split(',').filter(|c| !c.is_empty()).collect();
            let gone: Vec<&str> = sealed
                .iter()
                .filter(|c| !now.contains(c))
                .copied()
                .collect();
            let added: Vec<&str> = now
                .iter()
                .filter(|c| !sealed.contains(c))
                .copied()
                .collect();
            return Err(broken(format!(
                "{what}: fields removed [{}], fields added [{}] since it was sealed",
                gone.join(","),
                added.join(",")
            )));
        }
        if digest[..] != e.digest[..] {
            return Err(broken(format!(
                "{what}: a value of [{}] differs from what was sealed",
                e.cells
            )));
        }
        if kind == "incident" {
            check.sealed_incidents += 1;
        } else {
            check.sealed_addenda += 1;
        }
    }

    // 3. Nothing locked or added without a seal.
    let locked: Vec<String> = conn
        .prepare("SELECT entity_id FROM entities WHERE entity = 'incident' AND locked = 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &locked {
        let key = ("incident".to_string(), id.clone(), String::new());
        if !expected.contains_key(&key) {
            return Err(broken(format!(
                "incident {id} is locked but was never sealed"
            )));
        }
    }
    let addenda: Vec<(String, String)> = conn
        .prepare(
            "SELECT entity_id, item_id FROM fields WHERE entity = 'incident' AND field = ?1 \
             ORDER BY entity_id, item_id",
        )?
        .query_map([ADDENDA_LIST], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, item) in addenda {
        if !expected.contains_key(&("addendum".to_string(), id.clone(), item.clone())) {
            return Err(broken(format!(
                "addendum {item} of incident {id} was never sealed"
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Checks that nothing on the device was altered behind Steady's back: the audit trail's
    /// chain, the seal chain, every submitted incident and addendum against its seal, and that
    /// no locked incident or addendum lacks one. On the first problem, [`Error::Corrupt`] says
    /// where (which audit event, seal, incident, addendum or fields). Reads only.
    pub fn verify_records(&self) -> Result<RecordsCheck> {
        let audit_events = self.verify_audit_trail()?;
        let mut check = RecordsCheck {
            audit_events,
            ..RecordsCheck::default()
        };
        self.read(|tx| verify_seals(tx, &mut check))?;
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seal encodings, pinned: every sealed record on every phone depends on them.
    #[test]
    fn the_seal_encodings_never_change() {
        let rows: Vec<Row> = vec![
            (
                "note".into(),
                "".into(),
                "\"pacing\"".into(),
                5,
                1,
                "dev-a".into(),
            ),
            (
                "addenda".into(),
                "a1".into(),
                "{}".into(),
                6,
                0,
                "dev-b".into(),
            ),
        ];
        let (d, names) = digest("incident", "inc-1", "ward-a", Some(7), &rows);
        assert_eq!(
            hex::encode(d),
            "1471d2bb3cb39c84799079ccce7dc31dbb1099e0ecdb482b38aea560500d4246"
        );
        assert_eq!(names, "note,addenda/a1");
        let row = SealRow {
            seq: 3,
            kind: "incident".into(),
            entity_id: "inc-1".into(),
            item_id: "".into(),
            unit_id: "ward-a".into(),
            cells: names,
            digest: d.to_vec(),
        };
        assert_eq!(
            hex::encode(chain_hash(&[1u8; 32], &row)),
            "9a077ad785ce6b5b0f11efbfdeee6c0f59f72bbb13fe66f173de0b8725a146d8"
        );
    }
    use crate::clock::Timestamp;
    use crate::schema;

    /// A store from before seals, holding a submitted incident and an addendum, is sealed by
    /// the upgrade and verifies.
    #[test]
    fn an_upgrade_seals_what_the_store_already_holds() {
        let conn = Connection::open_in_memory().unwrap();
        schema::migrate_to(&conn, 0, 2, Timestamp(1)).unwrap();
        conn.execute_batch(
            "INSERT INTO entities (entity, entity_id, unit_id, locked, created_at) \
               VALUES ('incident', 'i1', 'ward-a', 0, 5), ('incident', 'i2', 'ward-a', 0, 6); \
             INSERT INTO fields (entity, entity_id, field, item_id, value, hlc_wall, hlc_counter, hlc_device) \
               VALUES ('incident', 'i1', 'note', '', '\"n\"', 1, 0, 'd'), \
                      ('incident', 'i1', 'status', '', '\"submitted\"', 2, 0, 'd'), \
                      ('incident', 'i1', 'addenda', 'a1', '{\"text\":\"t\"}', 3, 0, 'd'), \
                      ('incident', 'i2', 'note', '', '\"draft\"', 1, 0, 'd'); \
             UPDATE entities SET locked = 1 WHERE entity_id = 'i1';",
        )
        .unwrap();
        schema::migrate(&conn, 2, Timestamp(2)).unwrap();
        let mut check = RecordsCheck::default();
        verify_seals(&conn, &mut check).unwrap();
        assert_eq!(
            (check.seals, check.sealed_incidents, check.sealed_addenda),
            (2, 1, 1)
        );
        conn.execute(
            "UPDATE entities SET created_at = 7 WHERE entity_id = 'i2'",
            [],
        )
        .unwrap();
        verify_seals(&conn, &mut RecordsCheck::default()).unwrap();
    }
}
