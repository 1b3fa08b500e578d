//! The `sync_state` row: where sync stands, read and written inside the caller's transaction.
//!
//! Kept apart from the engine so that every write of the cursor is visibly next to the merge it
//! belongs to, and the token is read in one place.

use rusqlite::Connection;

use crate::clock::Timestamp;
use crate::error::Result;

/// The `sync_state` row.
#[derive(Debug, Clone, Default)]
pub(crate) struct SyncState {
    pub server_url: Option<String>,
    pub device_token: Option<String>,
    pub cursor: Option<String>,
    pub enrolled: bool,
    pub resyncing: bool,
    pub last_success_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

pub(crate) fn load(conn: &Connection) -> Result<SyncState> {
    Ok(conn
        .prepare_cached(
            "SELECT server_url, device_token, cursor, enrolled, resyncing, last_success_at, \
               last_attempt_at, last_error FROM sync_state",
        )?
        .query_row([], |r| {
            Ok(SyncState {
                server_url: r.get(0)?,
                device_token: r.get(1)?,
                cursor: r.get(2)?,
                enrolled: r.get(3)?,
                resyncing: r.get(4)?,
                last_success_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
                last_attempt_at: r.get::<_, Option<i64>>(6)?.map(Timestamp),
                last_error: r.get(7)?,
            })
        })?)
}

/// Stores a fresh enrolment. The cursor starts again: a new token may mean a new server. So does
/// the audit trail's acknowledgement: the whole trail is offered again, and a server that holds
/// it already acknowledges it without storing it twice.
pub(crate) fn enrolled(conn: &Connection, server_url: Option<&str>, token: &str) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET server_url = ?1, device_token = ?2, enrolled = 1, cursor = NULL, \
           last_error = NULL, audit_acked = 0",
        (server_url, token),
    )?;
    Ok(())
}

/// Saves where the last applied pull page ended: call in the same transaction as its merge.
pub(crate) fn save_cursor(conn: &Connection, cursor: Option<&str>) -> Result<()> {
    conn.prepare_cached("UPDATE sync_state SET cursor = ?1")?
        .execute([cursor])?;
    Ok(())
}

pub(crate) fn record_attempt(conn: &Connection, now: Timestamp) -> Result<()> {
    conn.execute("UPDATE sync_state SET last_attempt_at = ?1", [now.0])?;
    Ok(())
}

pub(crate) fn record_success(conn: &Connection, now: Timestamp) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET last_success_at = ?1, last_error = NULL",
        [now.0],
    )?;
    Ok(())
}

pub(crate) fn record_error(conn: &Connection, error: &str) -> Result<()> {
    conn.execute("UPDATE sync_state SET last_error = ?1", [error])?;
    Ok(())
}

/// Forgets the enrolment (revoked device): token, cursor, re-pull bookkeeping.
pub(crate) fn forget(conn: &Connection, why: &str) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET device_token = NULL, server_url = NULL, cursor = NULL, \
           enrolled = 0, resyncing = 0, last_error = ?1",
        [why],
    )?;
    Ok(())
}

/// The last audit event the server has acknowledged (0: none).
pub(crate) fn audit_acked(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT audit_acked FROM sync_state", [], |r| r.get(0))?)
}

/// Records how far the server holds the audit trail, as it says (the server is the authority on
/// what it holds: one restored from an older backup is sent the rest again).
pub(crate) fn save_audit_acked(conn: &Connection, seq: i64) -> Result<()> {
    conn.prepare_cached("UPDATE sync_state SET audit_acked = ?1")?
        .execute([seq])?;
    Ok(())
}
