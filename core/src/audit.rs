//! The audit trail: who viewed or changed which record, and when.
//!
//! Append-only (SQL triggers refuse updates and deletes) and hash-chained: each event's hash
//! covers its own content and the previous event's hash, so removing, reordering or editing any
//! event is detected by [`Store::verify_audit_trail`]. Events hold record ids and field names,
//! never the personal data itself.
//!
//! The trail also reaches the sync server (`POST /v1/audit`, after each sync's push and pull),
//! so a subject-access request answered there can say who viewed a person's record on which
//! phone. [`chain_hash`] is the one chain encoder: the device chains its events with it, the
//! server checks each event it is sent with it (and chains its own console audit log with it),
//! and [`ChainWalk`] is the one walk that says where a chain first breaks. Events the server has
//! acknowledged stay on the device: they are its own trail.

use rusqlite::Connection;

use crate::chain::ChainHasher;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::protocol::AuditRecord;
use crate::store::Store;

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuditEvent {
    /// Position in the trail, from 1.
    pub seq: i64,
    /// When it happened.
    pub at: crate::clock::Timestamp,
    /// Who (the staff member using the device).
    pub actor: String,
    /// `view`, `change`, `submit`, `addendum`, `export` or `purge`.
    pub action: String,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// The record's unit.
    pub unit_id: String,
    /// Which fields or items (names only, never values).
    pub detail: String,
}

/// The end of the chain, kept in memory by the writer.
#[derive(Debug, Clone)]
pub(crate) struct AuditChain {
    last_seq: i64,
    last_hash: [u8; 32],
}

impl AuditChain {
    pub fn resume(conn: &Connection) -> Result<Self> {
        let last = conn.query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
        );
        match last {
            Ok((seq, hash)) => Ok(AuditChain {
                last_seq: seq,
                last_hash: hash
                    .try_into()
                    .map_err(|_| Error::Corrupt("audit hash has the wrong length".into()))?,
            }),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(AuditChain {
                last_seq: 0,
                last_hash: [0; 32],
            }),
            Err(e) => Err(e.into()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        conn: &Connection,
        at: Timestamp,
        actor: &str,
        action: &str,
        entity: &str,
        entity_id: &str,
        unit_id: &str,
        detail: &str,
    ) -> Result<()> {
        let event = AuditEvent {
            seq: self.last_seq + 1,
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            unit_id: unit_id.to_string(),
            detail: detail.to_string(),
        };
        let hash = chain_hash(&self.last_hash, &event);
        conn.prepare_cached(
            "INSERT INTO audit (seq, at, actor, action, entity, entity_id, unit_id, detail, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(rusqlite::params![
                event.seq,
                event.at.0,
                event.actor,
                event.action,
                event.entity,
                event.entity_id,
                event.unit_id,
                event.detail,
                &self.last_hash[..],
                &hash[..]
            ],
        )?;
        self.last_seq = event.seq;
        self.last_hash = hash;
        Ok(())
    }
}

/// The hash before the first event of a chain.
pub const GENESIS: [u8; 32] = [0; 32];

/// The chain encoder: an event's hash, covering the previous event's hash and every part of the
/// event (lengths prefixed, so no two events encode alike). The device, the server's check of
/// what a device sends, and the server's console audit log all call this one function.
pub fn chain_hash(prev: &[u8; 32], e: &AuditEvent) -> [u8; 32] {
    ChainHasher::new()
        .fixed(prev)
        .fixed(e.seq.to_be_bytes())
        .fixed(e.at.0.to_be_bytes())
        .part(&e.actor)
        .part(&e.action)
        .part(&e.entity)
        .part(&e.entity_id)
        .part(&e.unit_id)
        .part(&e.detail)
        .finish()
}

/// Where a chain first breaks, as [`ChainWalk::step`] finds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The event's position is not the one that follows.
    #[error("event {found} does not follow event {last} (expected {expected})")]
    Seq {
        /// The last position accepted.
        last: i64,
        /// What should have come next.
        expected: i64,
        /// What came.
        found: i64,
    },
    /// The event's hash is not what its content and the previous hash give: it was edited,
    /// forged, or one before it was removed.
    #[error("event {seq}: its hash does not match its content and the event before it")]
    Hash {
        /// The event's position.
        seq: i64,
    },
}

/// Walks a chain in order, from its start or from a known head, checking each event's position
/// and hash with [`chain_hash`].
#[derive(Debug, Clone)]
pub struct ChainWalk {
    last_seq: i64,
    prev: [u8; 32],
    contiguous: bool,
    checked: u64,
}

impl ChainWalk {
    /// From the start of a chain whose positions run 1, 2, 3, ... (a device's trail).
    pub fn contiguous() -> Self {
        ChainWalk::resume(0, GENESIS, true)
    }

    /// From the start of a chain whose positions only increase (a log whose numbering may skip,
    /// as a PostgreSQL sequence does after a rolled-back insert: the console audit log).
    pub fn increasing() -> Self {
        ChainWalk::resume(0, GENESIS, false)
    }

    /// From a head already checked: the last position and its hash.
    pub fn resume(last_seq: i64, last_hash: [u8; 32], contiguous: bool) -> Self {
        ChainWalk {
            last_seq,
            prev: last_hash,
            contiguous,
            checked: 0,
        }
    }

    /// Checks the next event against the hash stored (or sent) with it; on success that hash is
    /// the new head.
    pub fn step(&mut self, event: &AuditEvent, hash: &[u8]) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        let in_order = if self.contiguous {
            event.seq == expected
        } else {
            event.seq >= expected
        };
        if !in_order {
            return Err(ChainBreak::Seq {
                last: self.last_seq,
                expected,
                found: event.seq,
            });
        }
        let computed = chain_hash(&self.prev, event);
        if computed[..] != *hash {
            return Err(ChainBreak::Hash { seq: event.seq });
        }
        self.last_seq = event.seq;
        self.prev = computed;
        self.checked += 1;
        Ok(())
    }

    /// The last position accepted (0 at the start).
    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// The last hash accepted ([`GENESIS`] at the start).
    pub fn head(&self) -> [u8; 32] {
        self.prev
    }

    /// How many events this walk accepted.
    pub fn checked(&self) -> u64 {
        self.checked
    }
}

/// An event as the device stores it, with its hash: what it sends the server.
pub(crate) fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    let hash: Vec<u8> = r.get(8)?;
    Ok(AuditRecord {
        event: event_from_row(r)?,
        hash: hex::encode(hash),
    })
}

fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        seq: r.get(0)?,
        at: Timestamp(r.get(1)?),
        actor: r.get(2)?,
        action: r.get(3)?,
        entity: r.get(4)?,
        entity_id: r.get(5)?,
        unit_id: r.get(6)?,
        detail: r.get(7)?,
    })
}

pub(crate) const EVENT_COLUMNS: &str = "seq, at, actor, action, entity, entity_id, unit_id, detail";

impl Store {
    /// The audit events about one record, oldest first.
    pub fn audit_trail_for(&self, entity_id: &str) -> Result<Vec<AuditEvent>> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!(
                "SELECT {EVENT_COLUMNS} FROM audit WHERE entity_id = ?1 ORDER BY seq"
            ))?;
            let rows = stmt.query_map([entity_id], event_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Checks the whole audit chain; on a break, says at which event.
    pub fn verify_audit_trail(&self) -> Result<u64> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!(
                "SELECT {EVENT_COLUMNS}, prev_hash, hash FROM audit ORDER BY seq"
            ))?;
            let mut rows = stmt.query([])?;
            let mut walk = ChainWalk::contiguous();
            while let Some(row) = rows.next()? {
                let event = event_from_row(row)?;
                let stored_prev: Vec<u8> = row.get(8)?;
                let stored: Vec<u8> = row.get(9)?;
                if stored_prev != walk.head() || walk.step(&event, &stored).is_err() {
                    return Err(Error::Corrupt(format!(
                        "audit trail broken at event {}",
                        event.seq
                    )));
                }
            }
            let count = walk.checked();
            Ok(count)
        })
    }
}

impl Store {
    /// The audit events after `after_seq`, oldest first, at most `limit`, each with its stored
    /// hash: what the sync engine sends the server next.
    pub(crate) fn audit_after(&self, after_seq: i64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS}, hash FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))?;
            let rows = stmt.query_map((after_seq, limit as i64), record_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// The ids of the records about one person on this store: the person, their sheet (keyed by
    /// the person's id), and the incidents and checklist runs that name them. A subject-access
    /// export lists the audit events about these.
    pub fn records_about_person(&self, person_id: &str) -> Result<Vec<String>> {
        self.read(|tx| {
            let named = serde_json::to_string(person_id)?;
            let mut stmt = tx.prepare_cached(
                "SELECT DISTINCT entity_id FROM fields \
                 WHERE entity IN ('incident', 'checklist_run') AND field = 'person_id' \
                   AND item_id = '' AND value = ?1 ORDER BY entity_id",
            )?;
            let mut ids = vec![person_id.to_string()];
            let rows = stmt.query_map([named], |r| r.get::<_, String>(0))?;
            for id in rows {
                ids.push(id?);
            }
            Ok(ids)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The audit chain's encoding, pinned: every trail on every phone and server depends on it.
    #[test]
    fn the_audit_encoding_never_changes() {
        let e = AuditEvent {
            seq: 4,
            at: Timestamp(1_700_000_000_000),
            actor: "Sam Example".into(),
            action: "view".into(),
            entity: "person".into(),
            entity_id: "p-1".into(),
            unit_id: "ward-a".into(),
            detail: "sheet".into(),
        };
        assert_eq!(
            hex::encode(chain_hash(&[2u8; 32], &e)),
            "cffce6c795c1ffbdfd860421358790c1483300639b739a696d937fa726e5066b"
        );
    }
}
