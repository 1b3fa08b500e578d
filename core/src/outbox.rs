//! The outbox: changes made on this device, waiting for the server, in the order they were made.
//!
//! An entry is written in the same transaction as the change it describes and leaves only when
//! the server has acknowledged it, so a crash, a kill or a dropped connection never loses one.
//! This module gives the sync engine (and the app's status line) its view of the queue, and
//! merges changes pulled from the server.

use crate::clock::Timestamp;
use crate::error::Result;
use crate::protocol::{Operation, PulledChange};
use crate::store::Store;
use crate::units::active_grant;

/// The state of the queue, for the app's sync status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OutboxStatus {
    /// Changes waiting to be sent.
    pub pending: u32,
    /// Changes the server refused, kept for a person to look at (those of a unit already purged
    /// from the device included).
    pub quarantined: u32,
}

impl Store {
    /// How many changes wait to be sent, and how many were refused.
    pub fn outbox_status(&self) -> Result<OutboxStatus> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'quarantined') FROM outbox",
                [],
                |r| {
                    Ok(OutboxStatus {
                        pending: r.get(0)?,
                        quarantined: r.get(1)?,
                    })
                },
            )?)
        })
    }

    /// Every change the server refused, oldest first, as one JSON document the user can save or
    /// hand to their lead: each change's id, unit, record, the reason and detail, and the
    /// operation itself (`op`, with the values the user wrote). Refused changes of a unit
    /// already purged from the device (the placement ended) are included: this is where their
    /// words still are. The document holds personal data: the app shares it only where the
    /// user chooses. The export is audited (ids and a count only).
    ///
    /// ```json
    /// {"device_id": "…", "exported_at": 1795424400000,
    ///  "changes": [{"op_id": "…", "unit_id": "…", "entity": "incident", "entity_id": "…",
    ///               "reason": "locked", "detail": "…", "op": { … }}]}
    /// ```
    pub fn export_quarantined(&self) -> Result<String> {
        let device_id = self.device_id().to_string();
        self.write(|w| {
            let changes: Vec<serde_json::Value> = crate::sync::review::quarantined(w.tx())?
                .into_iter()
                .map(|(op, reason, detail)| {
                    serde_json::json!({
                        "op_id": op.op_id,
                        "unit_id": op.unit_id,
                        "entity": op.entity,
                        "entity_id": op.entity_id,
                        "reason": reason,
                        "detail": detail,
                        "op": op,
                    })
                })
                .collect();
            let exported_at = w.now();
            w.audit(
                "export",
                "quarantined",
                "",
                "",
                &format!("{} refused changes", changes.len()),
            )?;
            Ok(serde_json::to_string(&serde_json::json!({
                "device_id": device_id,
                "exported_at": exported_at.0,
                "changes": changes,
            }))?)
        })
    }

    /// The oldest `limit` pending operations, in the order they were made.
    pub fn pending_operations(&self, limit: u32) -> Result<Vec<Operation>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT op FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |r| r.get::<_, String>(0))?;
            let mut ops = Vec::new();
            for row in rows {
                ops.push(serde_json::from_str(&row?)?);
            }
            Ok(ops)
        })
    }

    /// Removes operations the server has acknowledged (applied or superseded). Unknown ids are
    /// ignored, so a repeated acknowledgement is harmless. For the sync engine.
    pub fn acknowledge_operations(&self, op_ids: &[String]) -> Result<()> {
        self.write(|w| {
            let mut stmt = w
                .tx()
                .prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?;
            for id in op_ids {
                stmt.execute([id])?;
            }
            Ok(())
        })
    }

    /// Merges changes pulled from the server (for each field or item the later stamp wins).
    /// Changes for units this device has no active grant in are ignored. For the sync engine;
    /// apps do not call this.
    pub fn merge_pulled_changes(&self, ops: &[PulledChange]) -> Result<()> {
        self.write(|w| {
            let now: Timestamp = w.now();
            for op in ops {
                if active_grant(w.tx(), &op.unit_id, now).is_err() {
                    continue;
                }
                w.merge(op)?;
            }
            Ok(())
        })
    }
}
