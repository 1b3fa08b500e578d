//! The audit trail: who viewed or changed which record, and when.
//!
//! Append-only (SQL triggers refuse updates and deletes) and hash-chained: each event's hash
//! covers its own content and the previous event's hash, so removing, reordering or editing any
//! event is detected by [`Store::verify_audit_trail`]. Events hold record ids and field names,
//! never the personal data itself.

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::error::{Error, Result};
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

fn chain_hash(prev: &[u8; 32], e: &AuditEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(e.seq.to_be_bytes());
    h.update(e.at.0.to_be_bytes());
    for part in [
        &e.actor,
        &e.action,
        &e.entity,
        &e.entity_id,
        &e.unit_id,
        &e.detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
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

const EVENT_COLUMNS: &str = "seq, at, actor, action, entity, entity_id, unit_id, detail";

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
            let mut prev = [0u8; 32];
            let mut expected_seq = 1;
            let mut count = 0u64;
            while let Some(row) = rows.next()? {
                let event = event_from_row(row)?;
                let stored_prev: Vec<u8> = row.get(8)?;
                let stored: Vec<u8> = row.get(9)?;
                if event.seq != expected_seq
                    || stored_prev != prev
                    || stored != chain_hash(&prev, &event)
                {
                    return Err(Error::Corrupt(format!(
                        "audit trail broken at event {}",
                        event.seq
                    )));
                }
                prev = chain_hash(&prev, &event);
                expected_seq += 1;
                count += 1;
            }
            Ok(count)
        })
    }
}
