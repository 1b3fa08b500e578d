//! A full re-pull, without ever leaving the care worker with an empty device.
//!
//! The server asks for one when the device's cursor is older than its tombstone retention: a
//! record deleted since may never be announced again, so the device cannot tell stale rows from
//! live ones by pulling forward. Dropping everything first and pulling again would be simplest,
//! but a resync interrupted by lost signal would then leave Sam's amber card missing on shift.
//! So the device marks instead of dropping ([`begin`]): every cell of the units it holds an
//! active grant in is listed in `resync_unseen`, the cursor is reset, and the pull starts from
//! empty, merging as usual (later stamp wins, so nothing newer on the device is overwritten).
//! Each cell the server sends is struck off ([`seen`]). When the pull reaches the end
//! ([`finish`]), what is still listed is gone from the server and is dropped — except cells that
//! an outbox entry (pending or quarantined) carries: those are this device's own edits, not yet
//! accepted, and they stay until the server has answered them. The marks and the cursor are
//! saved with each page, so a kill mid-resync resumes where it stopped.
//!
//! Submitted incidents are never dropped here: records protection lets them leave only with a
//! whole-unit purge, and the server keeps them for the legal retention anyway.

use rusqlite::Connection;

use crate::error::Result;
use crate::protocol::{EntityKind, Operation, PulledChange};
use crate::replica::Writer;
use crate::search;

/// Starts a full re-pull: lists the cells of every actively granted unit and resets the cursor.
/// Starting again while one is under way lists the cells merged since and starts from empty.
pub(crate) fn begin(w: &mut Writer<'_>) -> Result<()> {
    let now = w.now();
    w.tx().execute(
        "INSERT OR IGNORE INTO resync_unseen (entity, entity_id, field, item_id) \
         SELECT f.entity, f.entity_id, f.field, f.item_id FROM fields f \
         JOIN entities e ON e.entity = f.entity AND e.entity_id = f.entity_id \
         JOIN units u ON u.unit_id = e.unit_id \
         WHERE u.grant_ends_at IS NULL OR u.grant_ends_at > ?1",
        [now.0],
    )?;
    w.tx()
        .execute("UPDATE sync_state SET resyncing = 1, cursor = NULL", [])?;
    Ok(())
}

/// Strikes off the cells of a change the server sent during a re-pull.
pub(crate) fn seen(conn: &Connection, change: &PulledChange) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM resync_unseen WHERE entity = ?1 AND entity_id = ?2 AND field = ?3 AND item_id = ?4",
    )?;
    for (field, item, _) in change.change.cells() {
        stmt.execute((change.entity.as_str(), &change.entity_id, field, item))?;
    }
    Ok(())
}

/// Ends a re-pull: drops what the server no longer has, keeps the device's own unanswered edits
/// and submitted incidents; returns how many cells were dropped.
pub(crate) fn finish(w: &mut Writer<'_>) -> Result<u64> {
    let now = w.now();
    let tx = w.tx();
    // The device's own edits not yet answered (pending) or refused and still shown (quarantined).
    let own: Vec<String> = {
        let mut stmt = tx.prepare("SELECT op FROM outbox")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    {
        let mut keep = tx.prepare_cached(
            "DELETE FROM resync_unseen WHERE entity = ?1 AND entity_id = ?2 AND field = ?3 AND item_id = ?4",
        )?;
        for json in &own {
            let op: Operation = serde_json::from_str(json)?;
            for (field, item, _) in op.change.cells() {
                keep.execute((op.entity.as_str(), &op.entity_id, field, item))?;
            }
        }
    }
    // Only units still actively granted: an ended unit leaves whole, through the purge.
    tx.execute(
        "DELETE FROM resync_unseen WHERE NOT EXISTS (SELECT 1 FROM entities e \
           JOIN units u ON u.unit_id = e.unit_id \
           WHERE e.entity = resync_unseen.entity AND e.entity_id = resync_unseen.entity_id \
             AND e.locked = 0 AND (u.grant_ends_at IS NULL OR u.grant_ends_at > ?1))",
        [now.0],
    )?;
    let touched: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT DISTINCT entity, entity_id FROM resync_unseen")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let dropped = tx.execute(
        "DELETE FROM fields WHERE field <> 'addenda' AND (entity, entity_id, field, item_id) IN \
           (SELECT entity, entity_id, field, item_id FROM resync_unseen)",
        [],
    )? as u64;
    for (entity, entity_id) in &touched {
        tx.execute(
            "DELETE FROM entities WHERE entity = ?1 AND entity_id = ?2 AND locked = 0 \
               AND NOT EXISTS (SELECT 1 FROM fields f WHERE f.entity = ?1 AND f.entity_id = ?2) \
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = ?2)",
            (entity, entity_id),
        )?;
    }
    for (entity, entity_id) in &touched {
        if matches!(
            EntityKind::parse(entity),
            Some(EntityKind::Person | EntityKind::Sheet)
        ) {
            search::reindex_person(tx, entity_id)?;
            tx.execute(
                "DELETE FROM search_docs WHERE person_id = ?1 AND NOT EXISTS \
                   (SELECT 1 FROM entities WHERE entity = 'person' AND entity_id = ?1)",
                [entity_id],
            )?;
        }
    }
    tx.execute("DELETE FROM resync_unseen", [])?;
    tx.execute("UPDATE sync_state SET resyncing = 0", [])?;
    if dropped > 0 {
        w.audit(
            "purge",
            "device",
            "",
            "",
            &format!("full resync: {dropped} fields no longer on the server"),
        )?;
    }
    Ok(dropped)
}
