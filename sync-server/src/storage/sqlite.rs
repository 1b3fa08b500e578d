//! The embedded SQLite back end: the default store, one file in one directory, no set-up.
//!
//! A small organisation runs one server process over one file. SQLite allows one writer at a
//! time, which is exactly what makes the change sequence safe: every push allocates its
//! sequence numbers inside an immediate (write-locked) transaction, so commit order is sequence
//! order and a pull can never see seq n+1 before n (the cursor trap of `DESIGN.md` §5). Reads —
//! pulls and token checks, the bulk of the traffic — run on their own connections against WAL
//! snapshots, so they never queue behind a push.
//!
//! The file is plain SQLite. rusqlite is built with SQLCipher in this workspace (cargo unifies
//! features with the device store's), but no key is ever set here: the server's disk encryption
//! is the operator's job (an encrypted volume), not a key this process would have to hold.
//!
//! All work runs on tokio's blocking threads; the async methods only hand it over.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use serde_json::Value;
use steady_core::audit::AuditEvent;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{AuditRecord, EntityKind, OpOutcome, OpResult, Operation};
use steady_core::units::UnitGrant;
use tokio::sync::Semaphore;

use super::{
    Authenticated, Cursor, DeviceRecord, GrantSpec, MAX_PAGE_BYTES, NewDevice, NewEnrolmentCode,
    Page, PulledCell, Redeemed, Refusal, Storage, StorageError, StorageResult, StoredCode, Unit,
    add_to_page, check_unit_id, code_refusal,
};
use crate::audit_log::{AuditAppend, AuditReport, AuditVerifier, DeviceAuditEntry};
use crate::merge::{self, Actor, CellKey, EntityState, GrantRecord, Known, Plan};
use crate::records_log::{self, LogEntry, RecordsReport, Verifier};

/// The database file inside the data directory.
pub const DB_FILE: &str = "steady-server.db";

/// Schema upgrades, in order; `PRAGMA user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/001_initial.sql"),
    include_str!("../../migrations/sqlite/002_record_log.sql"),
    // The web console's leads, sessions and audit log (see src/console/store.rs).
    include_str!("../../migrations/sqlite/003_console.sql"),
    // Who made each record, whom each device was enrolled for, what was purged (src/merge.rs).
    include_str!("../../migrations/sqlite/004_record_rules.sql"),
    // Each device's audit trail, and the console audit log chained (src/audit_log.rs).
    include_str!("../../migrations/sqlite/005_audit.sql"),
    // Occupied bed days per unit and month, for the dashboard's rates (src/console/store.rs).
    include_str!("../../migrations/sqlite/006_bed_days.sql"),
];

/// The schema version that added the record log: upgrading to it logs the incidents already
/// submitted.
const RECORD_LOG_VERSION: usize = 2;

/// The schema version that chained the console audit log: upgrading to it chains the entries
/// already there, in seq order.
const AUDIT_VERSION: usize = 5;

/// Reads run at once, each on its own connection (kept open between requests).
const MAX_READERS: usize = 8;

/// How long a connection waits for another process's lock (an admin command run while the
/// server serves) before giving up.
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// Rows per bulk lookup: well under SQLite's bound-parameter limit, and few round trips for a
/// full push of [`MAX_PUSH_OPS`](steady_core::protocol::MAX_PUSH_OPS) operations.
const CHUNK: usize = 200;

/// The SQLite store. Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Writes wait here, not on a blocking thread: a burst of pushes queues as futures.
    write_gate: Arc<Semaphore>,
    /// At most [`MAX_READERS`] reads at once: more would only contend for two cores and
    /// open a connection (and page cache) each.
    read_gate: Arc<Semaphore>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.inner.path)
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic mid-transaction rolled the transaction back when it unwound; the connection
    // itself is still sound, so a poisoned lock is simply taken over.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits for a turn. The permit travels with the blocking work, so a request that times out
/// while the work runs does not let another in early.
async fn gate(semaphore: &Arc<Semaphore>) -> StorageResult<tokio::sync::OwnedSemaphorePermit> {
    semaphore
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| StorageError::Task(e.to_string()))
}

fn configure(conn: &Connection) -> StorageResult<()> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // FULL: a push the device was told about survives a power cut on the server too.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> StorageResult<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Upgrades the schema to `target` (at most the latest), each step as the server that
/// introduced it ran it.
fn migrate_to(conn: &mut Connection, target: usize) -> StorageResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StorageError::Invalid(format!(
            "the database has schema version {version}, written by a newer steady-server; \
             this build knows up to {known}: upgrade the server (the database was not touched)"
        )));
    }
    let steps = MIGRATIONS.iter().enumerate().take(target);
    for (i, sql) in steps.skip(version as usize) {
        // Each upgrade and its version bump commit together, or not at all.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if i + 1 == RECORD_LOG_VERSION {
            backfill_log(&tx, Timestamp::now())?;
        }
        if i + 1 == AUDIT_VERSION {
            chain_console_audit(&tx)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

impl SqliteStorage {
    /// Opens (creating if needed) the store in `data_dir`: the directory, `steady-server.db` in
    /// it, WAL, `synchronous=FULL`, foreign keys, and the schema. A database written by a newer
    /// server is refused untouched.
    pub fn open(data_dir: &Path) -> StorageResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StorageError::Invalid(format!(
                "cannot create the data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(DB_FILE);
        let mut writer = Connection::open(&path)?;
        configure(&writer)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Invalid(format!(
                "the database could not switch to WAL (journal mode {mode})"
            )));
        }
        migrate(&mut writer)?;
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                write_gate: Arc::new(Semaphore::new(1)),
                read_gate: Arc::new(Semaphore::new(MAX_READERS)),
            }),
        })
    }

    /// Makes the database in `data_dir` as a server of schema `version` made it (its migration
    /// files and the steps run with them, no later ones), and closes it: tests open it with
    /// [`SqliteStorage::open`] to see an older store upgraded.
    #[doc(hidden)]
    pub fn create_at_version(data_dir: &Path, version: usize) -> StorageResult<()> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StorageError::Invalid(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let mut conn = Connection::open(data_dir.join(DB_FILE))?;
        configure(&conn)?;
        migrate_to(&mut conn, version)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on the writer connection, on a blocking thread. (`pub(crate)`: the web
    /// console's tables, `console/store.rs`, are written through it too.)
    pub(crate) async fn write<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StorageResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        let permit = gate(&inner.write_gate).await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = lock(&inner.writer);
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// Runs `f` on a reader connection, on a blocking thread. (`pub(crate)`: see `write`.)
    pub(crate) async fn read<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StorageResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        let permit = gate(&inner.read_gate).await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let pooled = lock(&inner.readers).pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => {
                    let conn = Connection::open(&inner.path)?;
                    configure(&conn)?;
                    conn.pragma_update(None, "query_only", "ON")?;
                    conn
                }
            };
            let result = f(&conn);
            let mut idle = lock(&inner.readers);
            if idle.len() < MAX_READERS {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }
}

fn kind(name: &str) -> StorageResult<EntityKind> {
    EntityKind::parse(name)
        .ok_or_else(|| StorageError::Invalid(format!("stored record kind {name} is unknown")))
}

fn role(name: &str) -> StorageResult<Role> {
    Role::parse(name).ok_or_else(|| StorageError::Invalid(format!("stored role {name} is unknown")))
}

fn meta(conn: &Connection, key: &str) -> StorageResult<i64> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))?)
}

fn unit_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Unit> {
    Ok(Unit {
        unit_id: r.get(at)?,
        organisation: r.get(at + 1)?,
        name: r.get(at + 2)?,
        mental_health_unit: r.get(at + 3)?,
    })
}

/// Whom a device is enrolled for ([`super::enrolled_staff`]).
fn staff_of(conn: &Connection, device_id: &str) -> StorageResult<Option<(String, String)>> {
    let row = conn
        .prepare_cached(
            "SELECT label, staff_name, staff_job, \
               EXISTS (SELECT 1 FROM console_devices c WHERE c.device_id = d.device_id) \
             FROM devices d WHERE device_id = ?1",
        )?
        .query_row([device_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })
        .optional()?;
    Ok(row
        .and_then(|(label, name, job, console)| super::enrolled_staff(&label, name, job, console)))
}

fn grants_of(conn: &Connection, device_id: &str) -> StorageResult<Vec<(GrantRecord, Unit)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.role, g.ends_at, u.unit_id, u.organisation, u.name, u.mental_health_unit \
         FROM grants g JOIN units u ON u.unit_id = g.unit_id \
         WHERE g.device_id = ?1 ORDER BY u.name, u.unit_id",
    )?;
    let rows = stmt
        .query_map([device_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                unit_from_row(r, 2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(role_name, ends_at, unit)| {
            Ok((
                GrantRecord {
                    unit_id: unit.unit_id.clone(),
                    role: role(&role_name)?,
                    ends_at: ends_at.map(Timestamp),
                },
                unit,
            ))
        })
        .collect()
}

/// `(?,?),(?,?),...`: `rows` tuples of `width` placeholders.
fn tuples(rows: usize, width: usize) -> String {
    let one = format!("({})", vec!["?"; width].join(","));
    vec![one; rows].join(",")
}

/// Loads, in a few bulk queries, what the merge rules need to know about a batch.
fn load_known(conn: &Connection, ops: &[Operation], needs: &merge::Needs) -> StorageResult<Known> {
    let mut known = Known::default();
    for chunk in needs.op_ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT op_id, device_id, outcome_json FROM op_results WHERE op_id IN ({})",
            vec!["?"; chunk.len()].join(",")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            let outcome: OpOutcome = serde_json::from_str(&r.get::<_, String>(2)?)?;
            known.answered.insert(r.get(0)?, (r.get(1)?, outcome));
        }
    }
    for chunk in needs.entities.chunks(CHUNK) {
        let sql = format!(
            "SELECT entity, entity_id, unit_id, locked, created_by, purged_before FROM entities \
             WHERE (entity, entity_id) IN (VALUES {})",
            tuples(chunk.len(), 2)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let args = chunk.iter().flat_map(|(k, id)| [k.as_str(), id.as_str()]);
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let entity = kind(&r.get::<_, String>(0)?)?;
            known.entities.insert(
                (entity, r.get(1)?),
                EntityState {
                    unit_id: r.get(2)?,
                    locked: r.get(3)?,
                    created_by: r.get(4)?,
                    purged_before_ms: r.get(5)?,
                },
            );
        }
    }
    for chunk in needs.cells.chunks(CHUNK) {
        let sql = format!(
            "SELECT entity, entity_id, field, item_id, value_json, hlc_wall, hlc_counter, hlc_device \
             FROM cells WHERE (entity, entity_id, field, item_id) IN (VALUES {})",
            tuples(chunk.len(), 4)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let args = chunk.iter().flat_map(|c| {
            [
                c.entity.as_str(),
                c.entity_id.as_str(),
                c.field.as_str(),
                c.item_id.as_str(),
            ]
        });
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let (key, stamp, value) = stored_cell(r)?;
            known.cells.insert(key, (stamp, value));
        }
    }
    load_whole(conn, &needs.records, &mut known)?;
    let people = merge::people_needed(ops, &known);
    load_whole(conn, &people, &mut known)?;
    for chunk in needs.units.chunks(CHUNK) {
        let sql = format!(
            "SELECT unit_id FROM units WHERE mental_health_unit AND unit_id IN ({})",
            vec!["?"; chunk.len()].join(",")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(chunk.iter()))?;
        while let Some(r) = rows.next()? {
            known.mental_health_units.insert(r.get(0)?);
        }
    }
    Ok(known)
}

/// Loads every cell of `records` into `known` (marking them whole).
fn load_whole(
    conn: &Connection,
    records: &[(EntityKind, String)],
    known: &mut Known,
) -> StorageResult<()> {
    let records: Vec<_> = records
        .iter()
        .filter(|r| !known.whole.contains(*r))
        .collect();
    for chunk in records.chunks(CHUNK) {
        let sql = format!(
            "SELECT entity, entity_id, field, item_id, value_json, hlc_wall, hlc_counter, hlc_device \
             FROM cells WHERE (entity, entity_id) IN (VALUES {})",
            tuples(chunk.len(), 2)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let args = chunk.iter().flat_map(|(k, id)| [k.as_str(), id.as_str()]);
        let mut rows = stmt.query(params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let (key, stamp, value) = stored_cell(r)?;
            known.cells.insert(key, (stamp, value));
        }
        known.whole.extend(chunk.iter().map(|r| (*r).clone()));
    }
    Ok(())
}

/// A cell row: entity, entity_id, field, item_id, value_json, hlc_wall, hlc_counter, hlc_device.
fn stored_cell(r: &rusqlite::Row<'_>) -> StorageResult<(CellKey, Hlc, Value)> {
    let key = CellKey {
        entity: kind(&r.get::<_, String>(0)?)?,
        entity_id: r.get(1)?,
        field: r.get(2)?,
        item_id: r.get(3)?,
    };
    let value: Value = serde_json::from_str(&r.get::<_, String>(4)?)?;
    let stamp = Hlc {
        wall_ms: r.get(5)?,
        counter: r.get(6)?,
        device: r.get(7)?,
    };
    Ok((key, stamp, value))
}

/// Writes a plan: remembered outcomes, new records, cells (each with the next sequence number)
/// and locks. Runs inside the push's immediate transaction.
fn write_plan(conn: &Connection, sender: &str, plan: &Plan, now: Timestamp) -> StorageResult<()> {
    {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO op_results (op_id, device_id, outcome_json) VALUES (?1, ?2, ?3)",
        )?;
        for (op_id, outcome) in &plan.remember {
            stmt.execute(params![op_id, sender, serde_json::to_string(outcome)?])?;
        }
    }
    {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO entities (entity, entity_id, unit_id, locked, created_by) \
             VALUES (?1, ?2, ?3, 0, ?4)",
        )?;
        for e in &plan.new_entities {
            stmt.execute(params![
                e.entity.as_str(),
                e.entity_id,
                e.unit_id,
                e.created_by
            ])?;
        }
    }
    if !plan.writes.is_empty() {
        let mut seq = meta(conn, "seq")?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO cells (entity, entity_id, field, item_id, unit_id, value_json, \
               hlc_wall, hlc_counter, hlc_device, seq, written_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (entity, entity_id, field, item_id) DO UPDATE SET \
               unit_id = excluded.unit_id, value_json = excluded.value_json, \
               hlc_wall = excluded.hlc_wall, hlc_counter = excluded.hlc_counter, \
               hlc_device = excluded.hlc_device, seq = excluded.seq, \
               written_at = excluded.written_at",
        )?;
        for w in &plan.writes {
            seq += 1;
            stmt.execute(params![
                w.key.entity.as_str(),
                w.key.entity_id,
                w.key.field,
                w.key.item_id,
                w.unit_id,
                serde_json::to_string(&w.value)?,
                w.stamp.wall_ms,
                w.stamp.counter,
                w.stamp.device,
                seq,
                now.0,
            ])?;
        }
        conn.prepare_cached("UPDATE meta SET value = ?1 WHERE key = 'seq'")?
            .execute([seq])?;
    }
    {
        let mut stmt = conn.prepare_cached(
            "UPDATE entities SET locked = 1 WHERE entity = ?1 AND entity_id = ?2",
        )?;
        for (entity, entity_id) in &plan.locks {
            stmt.execute(params![entity.as_str(), entity_id])?;
        }
    }
    log_plan(conn, plan, now)
}

const LOG_CELL_COLUMNS: &str = "c.entity, c.entity_id, c.field, c.item_id, c.unit_id, \
     c.value_json, c.hlc_wall, c.hlc_counter, c.hlc_device";

fn log_cell(r: &rusqlite::Row<'_>) -> rusqlite::Result<LogEntry> {
    Ok(LogEntry {
        seq: 0,
        entity: r.get(0)?,
        entity_id: r.get(1)?,
        field: r.get(2)?,
        item_id: r.get(3)?,
        unit_id: r.get(4)?,
        value_json: r.get(5)?,
        stamp: Hlc {
            wall_ms: r.get(6)?,
            counter: r.get(7)?,
            device: r.get(8)?,
        },
        logged_at: 0,
    })
}

/// Appends cells to the record log, chained after its last row.
fn append_log(conn: &Connection, cells: Vec<LogEntry>, now: Timestamp) -> StorageResult<()> {
    if cells.is_empty() {
        return Ok(());
    }
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM record_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO record_log (seq, entity, entity_id, field, item_id, unit_id, value_json, \
           hlc_wall, hlc_counter, hlc_device, logged_at, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for (e, prev, hash) in records_log::chain(last, cells, now.0) {
        insert.execute(params![
            e.seq,
            e.entity,
            e.entity_id,
            e.field,
            e.item_id,
            e.unit_id,
            e.value_json,
            e.stamp.wall_ms,
            e.stamp.counter,
            e.stamp.device,
            e.logged_at,
            prev,
            &hash[..]
        ])?;
    }
    Ok(())
}

/// Logs what a written plan locked (every cell of each incident) and the addenda it added to
/// incidents locked before.
fn log_plan(conn: &Connection, plan: &Plan, now: Timestamp) -> StorageResult<()> {
    let todo = records_log::to_log(plan);
    if todo.is_empty() {
        return Ok(());
    }
    let mut cells = Vec::new();
    {
        let mut whole = conn.prepare_cached(&format!(
            "SELECT {LOG_CELL_COLUMNS} FROM cells c WHERE c.entity = 'incident' \
             AND c.entity_id = ?1 ORDER BY c.field, c.item_id"
        ))?;
        for id in &todo.sealed {
            for cell in whole.query_map([id], log_cell)? {
                cells.push(cell?);
            }
        }
        let mut addendum = conn.prepare_cached(&format!(
            "SELECT {LOG_CELL_COLUMNS} FROM cells c JOIN entities e \
               ON e.entity = c.entity AND e.entity_id = c.entity_id AND e.locked \
             WHERE c.entity = 'incident' AND c.entity_id = ?1 AND c.field = 'addenda' \
               AND c.item_id = ?2"
        ))?;
        for (id, item) in &todo.addenda {
            if let Some(cell) = addendum.query_row([id, item], log_cell).optional()? {
                cells.push(cell);
            }
        }
    }
    append_log(conn, cells, now)
}

/// Logs every incident already locked (the upgrade that adds the log).
fn backfill_log(conn: &Connection, now: Timestamp) -> StorageResult<()> {
    let cells = conn
        .prepare(&format!(
            "SELECT {LOG_CELL_COLUMNS} FROM cells c JOIN entities e \
               ON e.entity = c.entity AND e.entity_id = c.entity_id AND e.locked \
             WHERE c.entity = 'incident' ORDER BY c.entity_id, c.field, c.item_id"
        ))?
        .query_map([], log_cell)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    append_log(conn, cells, now)
}

/// Walks the record log and checks the locked incidents against it, in one snapshot.
/// Gives every console audit entry its hash, chained in seq order (the upgrade to
/// [`AUDIT_VERSION`], whose SQL lifted the update trigger), then puts the trigger back.
fn chain_console_audit(tx: &Connection) -> StorageResult<()> {
    let entries = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {CONSOLE_AUDIT_COLUMNS} FROM console_audit ORDER BY seq"
        ))?;
        stmt.query_map([], console_audit_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    // Each keeps its own seq: the chain needs them increasing, not without gaps.
    let mut prev = steady_core::audit::GENESIS;
    for e in &entries {
        prev = steady_core::audit::chain_hash(&prev, &crate::audit_log::console_event(e));
        tx.execute(
            "UPDATE console_audit SET hash = ?2 WHERE seq = ?1",
            params![e.seq, &prev[..]],
        )?;
    }
    tx.execute_batch(
        "CREATE TRIGGER console_audit_no_update BEFORE UPDATE ON console_audit \
         BEGIN SELECT RAISE(ABORT, 'the console audit log is append-only'); END;",
    )?;
    Ok(())
}

/// The columns [`console_audit_from_row`] reads, in order.
pub(crate) const CONSOLE_AUDIT_COLUMNS: &str =
    "seq, at, lead_id, action, unit_id, entity, entity_id, detail";

/// A console audit entry from a row of [`CONSOLE_AUDIT_COLUMNS`].
pub(crate) fn console_audit_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<crate::console::store::ConsoleAuditEntry> {
    Ok(crate::console::store::ConsoleAuditEntry {
        seq: r.get(0)?,
        at: Timestamp(r.get(1)?),
        lead_id: r.get(2)?,
        action: r.get(3)?,
        unit_id: r.get(4)?,
        entity: r.get(5)?,
        entity_id: r.get(6)?,
        detail: r.get(7)?,
    })
}

const DEVICE_AUDIT_COLUMNS: &str =
    "seq, at, actor, action, entity, entity_id, unit_id, detail, device_id, received_at, hash";

fn device_audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(DeviceAuditEntry, Vec<u8>)> {
    Ok((
        DeviceAuditEntry {
            event: AuditEvent {
                seq: r.get(0)?,
                at: Timestamp(r.get(1)?),
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                unit_id: r.get(6)?,
                detail: r.get(7)?,
            },
            device_id: r.get(8)?,
            received_at: Timestamp(r.get(9)?),
        },
        r.get(10)?,
    ))
}

/// [`Storage::append_device_audit`] on the writer.
fn append_device_audit_blocking(
    conn: &mut Connection,
    device_id: &str,
    events: &[AuditRecord],
    now: Timestamp,
) -> StorageResult<AuditAppend> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let head: Option<(i64, Vec<u8>)> = tx
        .prepare_cached(
            "SELECT seq, hash FROM device_audit WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([device_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let head_seq = head.as_ref().map_or(0, |h| h.0);
    let mut held = BTreeMap::new();
    if let Some(first) = events.first().map(|r| r.event.seq)
        && first <= head_seq
    {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, hash FROM device_audit WHERE device_id = ?1 AND seq BETWEEN ?2 AND ?3",
        )?;
        let rows = stmt.query_map(params![device_id, first - 1, head_seq], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (seq, hash) = row?;
            held.insert(seq, hash);
        }
    }
    let fresh = match crate::audit_log::check_batch(head, &held, events) {
        Ok(fresh) => fresh,
        Err(why) => return Ok(AuditAppend::Refused(why)),
    };
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO device_audit (device_id, seq, at, actor, action, entity, entity_id, \
               unit_id, detail, hash, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for (e, hash) in &fresh {
            stmt.execute(params![
                device_id,
                e.seq,
                e.at.0,
                e.actor,
                e.action,
                e.entity,
                e.entity_id,
                e.unit_id,
                e.detail,
                &hash[..],
                now.0
            ])?;
        }
    }
    tx.commit()?;
    let acknowledged = fresh.last().map_or(head_seq, |(e, _)| e.seq);
    Ok(AuditAppend::Stored {
        acknowledged,
        stored: fresh.len() as u32,
    })
}

/// [`Storage::verify_audit`] in one read snapshot.
fn verify_audit_blocking(conn: &Connection) -> StorageResult<AuditReport> {
    let tx = conn.unchecked_transaction()?;
    let mut v = AuditVerifier::new();
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT {DEVICE_AUDIT_COLUMNS} FROM device_audit ORDER BY device_id, seq"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (entry, hash) = device_audit_from_row(r)?;
            v.device_event(&entry.device_id, &entry.event, &hash);
        }
    }
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT {CONSOLE_AUDIT_COLUMNS}, hash FROM console_audit ORDER BY seq"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let entry = console_audit_from_row(r)?;
            let hash: Vec<u8> = r.get(8)?;
            v.console_entry(&entry, &hash);
        }
    }
    Ok(v.finish())
}

fn verify_blocking(conn: &Connection) -> StorageResult<RecordsReport> {
    let tx = conn.unchecked_transaction()?;
    let mut v = Verifier::new();
    {
        let mut stmt = tx.prepare(
            "SELECT entity, entity_id, field, item_id, unit_id, value_json, hlc_wall, \
               hlc_counter, hlc_device, seq, logged_at, prev_hash, hash FROM record_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut e = log_cell(r)?;
            e.seq = r.get(9)?;
            e.logged_at = r.get(10)?;
            let prev: Vec<u8> = r.get(11)?;
            let hash: Vec<u8> = r.get(12)?;
            v.entry(&e, &prev, &hash);
        }
    }
    {
        let mut stmt = tx.prepare(
            "SELECT entity_id FROM entities WHERE entity = 'incident' AND locked ORDER BY entity_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            v.locked(&r.get::<_, String>(0)?);
        }
    }
    {
        let mut stmt = tx.prepare(&format!(
            "SELECT {LOG_CELL_COLUMNS} FROM cells c JOIN entities e \
               ON e.entity = c.entity AND e.entity_id = c.entity_id AND e.locked \
             WHERE c.entity = 'incident' ORDER BY c.entity_id, c.field, c.item_id"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            v.cell(&log_cell(r)?);
        }
    }
    Ok(v.finish())
}

fn push_blocking(
    conn: &mut Connection,
    device_id: Option<&str>,
    ops: &[Operation],
    now: Timestamp,
) -> StorageResult<Vec<OpResult>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let grants: Vec<GrantRecord> = match device_id {
        Some(d) => grants_of(&tx, d)?.into_iter().map(|(g, _)| g).collect(),
        None => Vec::new(),
    };
    let staff = match device_id {
        Some(d) => staff_of(&tx, d)?,
        None => None,
    };
    let known = load_known(&tx, ops, &merge::needs(ops))?;
    let actor = match device_id {
        Some(device_id) => Actor::Device {
            device_id,
            grants: &grants,
            staff: staff
                .as_ref()
                .map(|(name, job_title)| merge::Staff { name, job_title }),
        },
        None => Actor::Server,
    };
    let plan = merge::plan(actor, ops, known, now);
    write_plan(&tx, device_id.unwrap_or(merge::SERVER_DEVICE), &plan, now)?;
    tx.commit()?;
    Ok(plan.results)
}

fn pull_blocking(
    conn: &Connection,
    reader: Option<&str>,
    units: &[String],
    cursor: &Cursor,
    limit: u32,
) -> StorageResult<Page> {
    // One read transaction: every unit and the horizon come from the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut units: Vec<&String> = units.iter().collect();
    units.sort();
    units.dedup();
    let horizon = meta(&tx, "tombstone_horizon")?;
    let stale = units.iter().any(|u| {
        let at = cursor.position(u);
        at > 0 && at < horizon
    });
    if stale {
        // Tombstones this device never saw are gone: it must start again from empty, and
        // nothing is sent until it does (so nothing is applied on top of stale data).
        return Ok(Page {
            changes: Vec::new(),
            cursor: Cursor::default(),
            more: true,
            full_resync: true,
        });
    }
    let mut budget = limit as usize;
    let mut scan = budget.saturating_mul(super::PULL_SCAN_FACTOR);
    let mut bytes = 0usize;
    let mut changes = Vec::new();
    let mut positions = BTreeMap::new();
    let mut more = false;
    let mut read = tx.prepare_cached(
        "SELECT entity, entity_id, field, item_id, value_json, hlc_wall, hlc_counter, hlc_device, seq \
         FROM cells WHERE unit_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let mut waiting =
        tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM cells WHERE unit_id = ?1 AND seq > ?2)")?;
    for unit in units {
        let from = cursor.position(unit);
        let mut at = from;
        if budget == 0 || scan == 0 {
            if !more {
                more = waiting.query_row(params![unit, from], |r| r.get(0))?;
            }
        } else {
            let mut rows = read.query(params![unit, from, (scan + 1) as i64])?;
            while let Some(r) = rows.next()? {
                if budget == 0 || scan == 0 {
                    more = true;
                    break;
                }
                at = r.get(8)?;
                scan -= 1;
                let hlc_device: String = r.get(7)?;
                if from > 0 && reader == Some(hlc_device.as_str()) {
                    // The reader's own cell, still standing: it has it already.
                    continue;
                }
                budget -= 1;
                let value_json: String = r.get(4)?;
                bytes += value_json.len();
                let cell = PulledCell {
                    entity: kind(&r.get::<_, String>(0)?)?,
                    entity_id: r.get(1)?,
                    field: r.get(2)?,
                    item_id: r.get(3)?,
                    value: serde_json::from_str(&value_json)?,
                    stamp: Hlc {
                        wall_ms: r.get(5)?,
                        counter: r.get(6)?,
                        device: hlc_device,
                    },
                };
                add_to_page(&mut changes, unit, cell);
                if bytes >= MAX_PAGE_BYTES {
                    // A page of large values ends early, so a phone never receives (and the
                    // server never builds) a response of hundreds of megabytes.
                    budget = 0;
                }
            }
        }
        if at != 0 {
            positions.insert(unit.clone(), at);
        }
    }
    Ok(Page {
        changes,
        cursor: Cursor(positions),
        more,
        full_resync: false,
    })
}

fn redeem_blocking(
    conn: &mut Connection,
    code_id: &str,
    secret_hash: &str,
    device: &NewDevice,
    now: Timestamp,
) -> StorageResult<Redeemed> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let specs = match take_code(&tx, code_id, secret_hash, now)? {
        Ok(specs) => specs,
        Err(refusal) => {
            // A wrong secret was counted: commit it, though the answer is "no".
            tx.commit()?;
            return Ok(Redeemed::Refused(refusal));
        }
    };
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = ?1)",
        [&device.device_id],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(Redeemed::Refused(Refusal::DeviceExists));
    }
    tx.execute(
        "INSERT INTO devices (device_id, token_hash, label, enrolled_at, staff_name, staff_job) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            device.device_id,
            device.token_hash,
            device.label,
            now.0,
            device.staff.as_ref().map(|s| &s.0),
            device.staff.as_ref().map(|s| &s.1),
        ],
    )?;
    let grants = grant_specs(&tx, &device.device_id, &specs)?;
    burn_code(&tx, code_id, &device.device_id, now)?;
    tx.commit()?;
    Ok(Redeemed::Enrolled(grants))
}

/// Redeems a code for an enrolled device: the device is checked before the code is touched.
fn redeem_for_device_blocking(
    conn: &mut Connection,
    code_id: &str,
    secret_hash: &str,
    device_id: &str,
    now: Timestamp,
) -> StorageResult<Redeemed> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let revoked: Option<bool> = tx
        .query_row(
            "SELECT revoked_at IS NOT NULL FROM devices WHERE device_id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?;
    match revoked {
        None => return Ok(Redeemed::Refused(Refusal::DeviceUnknown)),
        Some(true) => return Ok(Redeemed::Refused(Refusal::DeviceRevoked)),
        Some(false) => {}
    }
    let specs = match take_code(&tx, code_id, secret_hash, now)? {
        Ok(specs) => specs,
        Err(refusal) => {
            tx.commit()?;
            return Ok(Redeemed::Refused(refusal));
        }
    };
    let grants = grant_specs(&tx, device_id, &specs)?;
    burn_code(&tx, code_id, device_id, now)?;
    tx.commit()?;
    Ok(Redeemed::Enrolled(grants))
}

/// Checks a code inside the caller's transaction: its grants if it may be redeemed, else why
/// not. A wrong secret is counted here; the caller commits a refusal so the count stands.
fn take_code(
    tx: &Connection,
    code_id: &str,
    secret_hash: &str,
    now: Timestamp,
) -> StorageResult<Result<Vec<GrantSpec>, Refusal>> {
    let code = tx
        .query_row(
            "SELECT secret_hash, grants_json, expires_at, max_attempts, attempts, used_at \
             FROM enrolment_codes WHERE code_id = ?1",
            [code_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((stored_hash, grants_json, expires_at, max_attempts, attempts, used_at)) = code else {
        return Ok(Err(Refusal::Unknown));
    };
    let stored = StoredCode {
        secret_hash: &stored_hash,
        expires_at,
        max_attempts,
        attempts,
        used: used_at.is_some(),
    };
    match code_refusal(&stored, secret_hash, now) {
        None => Ok(Ok(serde_json::from_str(&grants_json)?)),
        Some(Refusal::WrongSecret) => {
            // The wrong guess is counted and committed: a code can be guessed at only so often.
            tx.execute(
                "UPDATE enrolment_codes SET attempts = attempts + 1 WHERE code_id = ?1",
                [code_id],
            )?;
            Ok(Err(Refusal::WrongSecret))
        }
        Some(refusal) => Ok(Err(refusal)),
    }
}

/// Gives `device_id` the code's grants, each replacing its grant in the same unit (a unit named
/// twice keeps its last); returns them with their units.
fn grant_specs(
    tx: &Connection,
    device_id: &str,
    specs: &[GrantSpec],
) -> StorageResult<Vec<UnitGrant>> {
    let mut grants = Vec::new();
    for spec in specs {
        tx.execute(
            "INSERT INTO grants (device_id, unit_id, role, ends_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (device_id, unit_id) DO UPDATE SET role = excluded.role, \
               ends_at = excluded.ends_at",
            params![
                device_id,
                spec.unit_id,
                spec.role.as_str(),
                spec.ends_at.map(|t| t.0)
            ],
        )?;
        let unit = tx
            .query_row(
                "SELECT unit_id, organisation, name, mental_health_unit FROM units WHERE unit_id = ?1",
                [&spec.unit_id],
                |r| unit_from_row(r, 0),
            )
            .optional()?
            .ok_or_else(|| StorageError::NotFound(format!("unit {}", spec.unit_id)))?;
        grants.retain(|g: &UnitGrant| g.unit_id != unit.unit_id);
        grants.push(UnitGrant {
            unit_id: unit.unit_id,
            organisation: unit.organisation,
            name: unit.name,
            mental_health_unit: unit.mental_health_unit,
            role: spec.role,
            ends_at: spec.ends_at,
        });
    }
    Ok(grants)
}

/// Marks a code used by `device_id`: it redeems nothing again.
fn burn_code(tx: &Connection, code_id: &str, device_id: &str, now: Timestamp) -> StorageResult<()> {
    tx.execute(
        "UPDATE enrolment_codes SET used_at = ?2, used_by = ?3 WHERE code_id = ?1",
        params![code_id, now.0, device_id],
    )?;
    Ok(())
}

impl Storage for SqliteStorage {
    async fn health(&self) -> StorageResult<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }

    async fn create_unit(&self, unit: &Unit) -> StorageResult<()> {
        check_unit_id(&unit.unit_id)?;
        let unit = unit.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let inserted = tx.execute(
                "INSERT INTO units (unit_id, organisation, name, mental_health_unit) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (unit_id) DO NOTHING",
                params![
                    unit.unit_id,
                    unit.organisation,
                    unit.name,
                    unit.mental_health_unit
                ],
            )?;
            if inserted == 0 {
                return Err(StorageError::Exists(format!("unit {}", unit.unit_id)));
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn units(&self) -> StorageResult<Vec<Unit>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT unit_id, organisation, name, mental_health_unit FROM units \
                 ORDER BY name, unit_id",
            )?;
            let units = stmt
                .query_map([], |r| unit_from_row(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(units)
        })
        .await
    }

    async fn issue_code(&self, code: &NewEnrolmentCode) -> StorageResult<()> {
        let code = code.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for grant in &code.grants {
                let known: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM units WHERE unit_id = ?1)",
                    [&grant.unit_id],
                    |r| r.get(0),
                )?;
                if !known {
                    return Err(StorageError::NotFound(format!("unit {}", grant.unit_id)));
                }
            }
            let inserted = tx.execute(
                "INSERT INTO enrolment_codes (code_id, secret_hash, grants_json, expires_at, \
                   max_attempts, attempts) VALUES (?1, ?2, ?3, ?4, ?5, 0) \
                 ON CONFLICT (code_id) DO NOTHING",
                params![
                    code.code_id,
                    code.secret_hash,
                    serde_json::to_string(&code.grants)?,
                    code.expires_at.0,
                    code.max_attempts,
                ],
            )?;
            if inserted == 0 {
                return Err(StorageError::Exists(format!(
                    "enrolment code {}",
                    code.code_id
                )));
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn redeem_code(
        &self,
        code_id: &str,
        secret_hash: &str,
        device: &NewDevice,
        now: Timestamp,
    ) -> StorageResult<Redeemed> {
        let (code_id, secret_hash, device) =
            (code_id.to_string(), secret_hash.to_string(), device.clone());
        self.write(move |conn| redeem_blocking(conn, &code_id, &secret_hash, &device, now))
            .await
    }

    async fn redeem_code_for_device(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        now: Timestamp,
    ) -> StorageResult<Redeemed> {
        let (code_id, secret_hash, device_id) = (
            code_id.to_string(),
            secret_hash.to_string(),
            device_id.to_string(),
        );
        self.write(move |conn| {
            redeem_for_device_blocking(conn, &code_id, &secret_hash, &device_id, now)
        })
        .await
    }

    async fn authenticate(&self, token_hash: &str) -> StorageResult<Option<Authenticated>> {
        let token_hash = token_hash.to_string();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT device_id, revoked_at IS NOT NULL FROM devices WHERE token_hash = ?1",
                )?
                .query_row([token_hash], |r| {
                    Ok(Authenticated {
                        device_id: r.get(0)?,
                        revoked: r.get(1)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn grants(&self, device_id: &str) -> StorageResult<Vec<(GrantRecord, Unit)>> {
        let device_id = device_id.to_string();
        self.read(move |conn| grants_of(conn, &device_id)).await
    }

    async fn push(
        &self,
        device_id: Option<&str>,
        ops: &[Operation],
        now: Timestamp,
    ) -> StorageResult<Vec<OpResult>> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let device_id = device_id.map(str::to_string);
        let ops = ops.to_vec();
        self.write(move |conn| push_blocking(conn, device_id.as_deref(), &ops, now))
            .await
    }

    async fn pull(
        &self,
        reader: Option<&str>,
        units: &[String],
        cursor: &Cursor,
        limit: u32,
    ) -> StorageResult<Page> {
        let reader = reader.map(str::to_string);
        let units = units.to_vec();
        let cursor = cursor.clone();
        self.read(move |conn| pull_blocking(conn, reader.as_deref(), &units, &cursor, limit))
            .await
    }

    async fn end_grant(
        &self,
        device_id: &str,
        unit_id: &str,
        at: Timestamp,
    ) -> StorageResult<bool> {
        let (device_id, unit_id) = (device_id.to_string(), unit_id.to_string());
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM grants WHERE device_id = ?1 AND unit_id = ?2)",
                [&device_id, &unit_id],
                |r| r.get(0),
            )?;
            // An earlier end stays: ending a grant never extends it.
            tx.execute(
                "UPDATE grants SET ends_at = ?3 WHERE device_id = ?1 AND unit_id = ?2 \
                 AND (ends_at IS NULL OR ends_at > ?3)",
                params![device_id, unit_id, at.0],
            )?;
            tx.commit()?;
            Ok(exists)
        })
        .await
    }

    async fn revoke_device(&self, device_id: &str, at: Timestamp) -> StorageResult<bool> {
        let device_id = device_id.to_string();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE device_id = ?1",
                params![device_id, at.0],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn devices(&self) -> StorageResult<Vec<DeviceRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT device_id, label, enrolled_at, revoked_at FROM devices \
                 ORDER BY enrolled_at, device_id",
            )?;
            let devices = stmt
                .query_map([], |r| {
                    Ok(DeviceRecord {
                        device_id: r.get(0)?,
                        label: r.get(1)?,
                        enrolled_at: Timestamp(r.get(2)?),
                        revoked_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(devices)
        })
        .await
    }

    async fn purge_tombstones(&self, before: Timestamp) -> StorageResult<u64> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let highest: Option<i64> = tx.query_row(
                "SELECT MAX(seq) FROM cells WHERE value_json = 'null' AND written_at < ?1",
                [before.0],
                |r| r.get(0),
            )?;
            // Each record remembers the newest tombstone purged from it, so an older write of
            // a cell that is gone cannot bring it back (merge.rs, "deleted stays deleted").
            tx.execute(
                "UPDATE entities SET purged_before = MAX(purged_before, \
                   (SELECT MAX(c.hlc_wall) FROM cells c WHERE c.entity = entities.entity \
                      AND c.entity_id = entities.entity_id AND c.value_json = 'null' \
                      AND c.written_at < ?1)) \
                 WHERE EXISTS (SELECT 1 FROM cells c WHERE c.entity = entities.entity \
                   AND c.entity_id = entities.entity_id AND c.value_json = 'null' \
                   AND c.written_at < ?1)",
                [before.0],
            )?;
            let deleted = tx.execute(
                "DELETE FROM cells WHERE value_json = 'null' AND written_at < ?1",
                [before.0],
            )?;
            if let Some(highest) = highest {
                tx.execute(
                    "UPDATE meta SET value = MAX(value, ?1) WHERE key = 'tombstone_horizon'",
                    [highest],
                )?;
            }
            tx.commit()?;
            Ok(deleted as u64)
        })
        .await
    }

    async fn cell_count(&self) -> StorageResult<u64> {
        self.read(|conn| {
            let n: i64 = conn.query_row("SELECT count(*) FROM cells", [], |r| r.get(0))?;
            Ok(n as u64)
        })
        .await
    }

    async fn verify_records(&self) -> StorageResult<RecordsReport> {
        self.read(verify_blocking).await
    }

    async fn append_device_audit(
        &self,
        device_id: &str,
        events: &[AuditRecord],
        now: Timestamp,
    ) -> StorageResult<AuditAppend> {
        let (device_id, events) = (device_id.to_string(), events.to_vec());
        self.write(move |conn| append_device_audit_blocking(conn, &device_id, &events, now))
            .await
    }

    async fn device_audit_about(
        &self,
        entity_ids: &[String],
    ) -> StorageResult<Vec<DeviceAuditEntry>> {
        let ids = entity_ids.to_vec();
        self.read(move |conn| {
            let mut out = Vec::new();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DEVICE_AUDIT_COLUMNS} FROM device_audit WHERE entity_id = ?1"
            ))?;
            for id in &ids {
                for row in stmt.query_map([id], device_audit_from_row)? {
                    out.push(row?.0);
                }
            }
            out.sort_by(|a, b| (&a.device_id, a.event.seq).cmp(&(&b.device_id, b.event.seq)));
            out.dedup_by(|a, b| a.device_id == b.device_id && a.event.seq == b.event.seq);
            Ok(out)
        })
        .await
    }

    async fn verify_audit(&self) -> StorageResult<AuditReport> {
        self.read(verify_audit_blocking).await
    }
}

/// The detail lines of a query plan (tests check that lookups use indexes).
#[cfg(test)]
fn query_plan(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("plan");
    stmt.query_map(args, |r| r.get::<_, String>(3))
        .expect("plan rows")
        .collect::<rusqlite::Result<_>>()
        .expect("plan text")
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use steady_core::protocol::RejectReason;

    use steady_core::protocol::{Change, PulledChange};

    use super::*;
    use crate::storage::hash_secret;

    const NOW: Timestamp = Timestamp(1_800_000_000_000);

    fn store() -> (tempfile::TempDir, SqliteStorage) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStorage::open(dir.path()).expect("open");
        (dir, store)
    }

    fn unit(id: &str) -> Unit {
        Unit {
            unit_id: id.into(),
            organisation: "Northfield Care".into(),
            name: format!("Unit {id}"),
            mental_health_unit: false,
        }
    }

    // Person records: these tests are of the store's mechanics, and a person needs nothing
    // before it (a sheet needs its person: merge's rule, tested in the conformance suite).
    fn op(id: &str, entity_id: &str, unit: &str, fields: &[(&str, Value)], wall: i64) -> Operation {
        Operation {
            op_id: id.into(),
            entity: EntityKind::Person,
            entity_id: entity_id.into(),
            unit_id: unit.into(),
            change: Change::Fields(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
            stamp: Hlc {
                wall_ms: wall,
                counter: 0,
                device: merge::SERVER_DEVICE.into(),
            },
        }
    }

    fn item(id: &str, entity_id: &str, item_id: &str, value: Value, wall: i64) -> Operation {
        Operation {
            change: Change::Item {
                list: "safety_alerts".into(),
                item_id: item_id.into(),
                value,
            },
            ..op(id, entity_id, "ward-a", &[], wall)
        }
    }

    #[tokio::test]
    async fn a_newer_schema_is_refused_untouched() {
        let (dir, store) = store();
        drop(store);
        let path = dir.path().join(DB_FILE);
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "user_version", 99))
            .expect("bump");
        let err = SqliteStorage::open(dir.path()).expect_err("refused");
        assert!(err.to_string().contains("newer"), "{err}");
        let version: i64 = Connection::open(&path)
            .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .expect("version");
        assert_eq!(version, 99);
        // Reopening a current database is a no-op.
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "user_version", MIGRATIONS.len() as i64))
            .expect("reset");
        SqliteStorage::open(dir.path()).expect("reopen");
    }

    #[tokio::test]
    async fn unit_ids_are_checked_and_unique() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("create");
        assert!(matches!(
            store.create_unit(&unit("ward-a")).await,
            Err(StorageError::Exists(_))
        ));
        for bad in ["", "ward a", "ward,b", "ward=b", &"x".repeat(65)] {
            assert!(
                matches!(
                    store.create_unit(&unit(bad)).await,
                    Err(StorageError::Invalid(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(store.units().await.expect("units").len(), 1);
    }

    #[tokio::test]
    async fn one_op_comes_back_as_one_change_and_items_one_each() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("unit");
        let ops = vec![
            op(
                "o1",
                "sam",
                "ward-a",
                &[
                    ("preferred_name", json!("calm")),
                    ("local_identifier", json!("tea")),
                ],
                NOW.0 - 10,
            ),
            item(
                "o2",
                "sam",
                "t1",
                json!({"pos": 1.0, "text": "noise"}),
                NOW.0 - 9,
            ),
            item(
                "o3",
                "sam",
                "t2",
                json!({"pos": 2.0, "text": "crowds"}),
                NOW.0 - 8,
            ),
        ];
        let results = store.push(None, &ops, NOW).await.expect("push");
        assert!(
            results
                .iter()
                .all(|r| matches!(r.outcome, OpOutcome::Applied { clamped: None }))
        );
        let page = store
            .pull(None, &["ward-a".into()], &Cursor::default(), 100)
            .await
            .expect("pull");
        assert_eq!(page.changes.len(), 3);
        assert_eq!(page.changes[0], PulledChange::from(&ops[0]));
        assert_eq!(page.changes[2], PulledChange::from(&ops[2]));
        assert!(!page.more && !page.full_resync);
        assert_eq!(page.cursor.position("ward-a"), 4);

        // Paging: two cells per page, resumed from the cursor, nothing lost or repeated.
        let mut cursor = Cursor::default();
        let mut seen = 0;
        loop {
            let page = store
                .pull(None, &["ward-a".into()], &cursor, 2)
                .await
                .expect("page");
            seen += page
                .changes
                .iter()
                .map(|c| c.change.cells().len())
                .sum::<usize>();
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!(seen, 4);
        let idle = store
            .pull(None, &["ward-a".into()], &cursor, 100)
            .await
            .expect("idle");
        assert!(idle.changes.is_empty() && !idle.more);
        assert_eq!(idle.cursor, cursor);

        // A retry is answered again and writes nothing.
        let again = store.push(None, &ops, NOW).await.expect("retry");
        assert_eq!(again, results);
        assert_eq!(store.cell_count().await.expect("count"), 4);
        let idle = store
            .pull(None, &["ward-a".into()], &cursor, 100)
            .await
            .expect("idle");
        assert!(idle.changes.is_empty());
    }

    #[tokio::test]
    async fn later_stamps_win_and_pulls_see_the_winner_once() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("unit");
        store
            .push(
                None,
                &[op(
                    "a",
                    "sam",
                    "ward-a",
                    &[("preferred_name", json!("v1"))],
                    NOW.0 - 5,
                )],
                NOW,
            )
            .await
            .expect("a");
        let results = store
            .push(
                None,
                &[
                    op(
                        "b",
                        "sam",
                        "ward-a",
                        &[("preferred_name", json!("v2"))],
                        NOW.0 - 1,
                    ),
                    op(
                        "c",
                        "sam",
                        "ward-a",
                        &[("preferred_name", json!("v3"))],
                        NOW.0 - 9,
                    ),
                ],
                NOW,
            )
            .await
            .expect("b c");
        assert!(matches!(results[0].outcome, OpOutcome::Applied { .. }));
        assert!(
            matches!(&results[1].outcome, OpOutcome::Superseded { winners, .. } if winners[0].value == json!("v2"))
        );
        let page = store
            .pull(None, &["ward-a".into()], &Cursor::default(), 100)
            .await
            .expect("pull");
        assert_eq!(page.changes.len(), 1);
        assert_eq!(page.changes[0].change.cells()[0].2, &json!("v2"));
    }

    #[tokio::test]
    async fn devices_are_checked_against_their_grants() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("a");
        store.create_unit(&unit("ward-b")).await.expect("b");
        store
            .issue_code(&NewEnrolmentCode {
                code_id: "CODE01".into(),
                secret_hash: hash_secret("S"),
                grants: vec![GrantSpec {
                    unit_id: "ward-a".into(),
                    role: Role::Reader,
                    ends_at: None,
                }],
                expires_at: Timestamp(NOW.0 + 1000),
                max_attempts: 3,
            })
            .await
            .expect("code");
        let device = NewDevice {
            device_id: "dev-1".into(),
            token_hash: hash_secret("token"),
            label: "Phone 1".into(),
            staff: None,
        };
        let enrolled = store
            .redeem_code("CODE01", &hash_secret("S"), &device, NOW)
            .await
            .expect("redeem");
        assert!(
            matches!(&enrolled, Redeemed::Enrolled(g) if g.len() == 1 && g[0].name == "Unit ward-a")
        );
        let mut sheet = op(
            "d1",
            "sam",
            "ward-a",
            &[("preferred_name", json!("v1"))],
            NOW.0,
        );
        sheet.stamp.device = "dev-1".into();
        let mut elsewhere = sheet.clone();
        elsewhere.op_id = "d2".into();
        elsewhere.unit_id = "ward-b".into();
        elsewhere.entity = EntityKind::Incident;
        let results = store
            .push(Some("dev-1"), &[sheet, elsewhere], NOW)
            .await
            .expect("push");
        assert!(matches!(
            results[0].outcome,
            OpOutcome::Rejected {
                reason: RejectReason::Role,
                ..
            }
        ));
        assert!(matches!(
            results[1].outcome,
            OpOutcome::Rejected {
                reason: RejectReason::NotGranted,
                ..
            }
        ));
        assert_eq!(store.cell_count().await.expect("count"), 0);
        let auth = store
            .authenticate(&hash_secret("token"))
            .await
            .expect("auth")
            .expect("known");
        assert!(!auth.revoked);
        assert!(store.revoke_device("dev-1", NOW).await.expect("revoke"));
        assert!(
            store
                .authenticate(&hash_secret("token"))
                .await
                .expect("auth")
                .expect("known")
                .revoked
        );
        assert!(store.end_grant("dev-1", "ward-a", NOW).await.expect("end"));
        assert!(!store.end_grant("dev-1", "ward-b", NOW).await.expect("none"));
        let grants = store.grants("dev-1").await.expect("grants");
        assert_eq!(grants[0].0.ends_at, Some(NOW));
    }

    #[tokio::test]
    async fn codes_refuse_in_order_and_count_wrong_secrets() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("a");
        let code = |id: &str, expires: i64| NewEnrolmentCode {
            code_id: id.into(),
            secret_hash: hash_secret("RIGHT"),
            grants: vec![GrantSpec {
                unit_id: "ward-a".into(),
                role: Role::Editor,
                ends_at: None,
            }],
            expires_at: Timestamp(expires),
            max_attempts: 2,
        };
        let device = |id: &str| NewDevice {
            device_id: id.into(),
            token_hash: hash_secret(id),
            label: "Phone".into(),
            staff: None,
        };
        store
            .issue_code(&code("AAAAAA", NOW.0 + 1000))
            .await
            .expect("a");
        store
            .issue_code(&code("BBBBBB", NOW.0 - 1))
            .await
            .expect("b");
        assert!(matches!(
            store.issue_code(&code("AAAAAA", NOW.0)).await,
            Err(StorageError::Exists(_))
        ));
        let mut missing_unit = code("CCCCCC", NOW.0);
        missing_unit.grants[0].unit_id = "nowhere".into();
        assert!(matches!(
            store.issue_code(&missing_unit).await,
            Err(StorageError::NotFound(_))
        ));
        let redeem = |id: &'static str, secret: &'static str, dev: &'static str| {
            let store = store.clone();
            async move {
                store
                    .redeem_code(id, &hash_secret(secret), &device(dev), NOW)
                    .await
                    .expect("redeem")
            }
        };
        assert_eq!(
            redeem("ZZZZZZ", "RIGHT", "d1").await,
            Redeemed::Refused(Refusal::Unknown)
        );
        assert_eq!(
            redeem("BBBBBB", "RIGHT", "d1").await,
            Redeemed::Refused(Refusal::Expired)
        );
        assert_eq!(
            redeem("AAAAAA", "WRONG", "d1").await,
            Redeemed::Refused(Refusal::WrongSecret)
        );
        assert!(matches!(
            redeem("AAAAAA", "RIGHT", "d1").await,
            Redeemed::Enrolled(_)
        ));
        assert_eq!(
            redeem("AAAAAA", "RIGHT", "d2").await,
            Redeemed::Refused(Refusal::Used)
        );
        store
            .issue_code(&code("DDDDDD", NOW.0 + 1000))
            .await
            .expect("d");
        assert_eq!(
            redeem("DDDDDD", "RIGHT", "d1").await,
            Redeemed::Refused(Refusal::DeviceExists)
        );
        assert_eq!(
            redeem("DDDDDD", "WRONG", "d2").await,
            Redeemed::Refused(Refusal::WrongSecret)
        );
        assert_eq!(
            redeem("DDDDDD", "WRONG", "d2").await,
            Redeemed::Refused(Refusal::WrongSecret)
        );
        assert_eq!(
            redeem("DDDDDD", "RIGHT", "d2").await,
            Redeemed::Refused(Refusal::Exhausted)
        );
        let devices = store.devices().await.expect("devices");
        assert_eq!(devices.len(), 1);
    }

    #[tokio::test]
    async fn purged_tombstones_send_stale_cursors_to_a_full_resync() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("a");
        store
            .push(
                None,
                &[item(
                    "i1",
                    "sam",
                    "t1",
                    json!({"pos": 1.0, "text": "noise"}),
                    NOW.0 - 100,
                )],
                Timestamp(NOW.0 - 100),
            )
            .await
            .expect("add");
        let early = store
            .pull(None, &["ward-a".into()], &Cursor::default(), 100)
            .await
            .expect("early")
            .cursor;
        store
            .push(
                None,
                &[
                    item("i2", "sam", "t1", Value::Null, NOW.0 - 50),
                    item(
                        "i3",
                        "sam",
                        "t2",
                        json!({"pos": 2.0, "text": "dogs"}),
                        NOW.0 - 40,
                    ),
                ],
                Timestamp(NOW.0 - 50),
            )
            .await
            .expect("remove");
        let late = store
            .pull(None, &["ward-a".into()], &Cursor::default(), 100)
            .await
            .expect("late")
            .cursor;
        assert_eq!(store.purge_tombstones(NOW).await.expect("purge"), 1);
        assert_eq!(store.cell_count().await.expect("count"), 1);
        let stale = store
            .pull(None, &["ward-a".into()], &early, 100)
            .await
            .expect("stale");
        assert!(stale.full_resync && stale.changes.is_empty());
        let fresh = store
            .pull(None, &["ward-a".into()], &Cursor::default(), 100)
            .await
            .expect("fresh");
        assert!(!fresh.full_resync);
        assert_eq!(fresh.changes.len(), 1);
        let current = store
            .pull(None, &["ward-a".into()], &late, 100)
            .await
            .expect("current");
        assert!(!current.full_resync && current.changes.is_empty());
        // Sequence numbers are never reused after a purge.
        store
            .push(
                None,
                &[op(
                    "o9",
                    "sam",
                    "ward-a",
                    &[("preferred_name", json!("v1"))],
                    NOW.0,
                )],
                NOW,
            )
            .await
            .expect("after");
        let next = store
            .pull(None, &["ward-a".into()], &late, 100)
            .await
            .expect("next");
        assert_eq!(next.cursor.position("ward-a"), late.position("ward-a") + 1);
    }

    #[tokio::test]
    async fn a_page_of_large_values_ends_early_and_the_rest_follows() {
        let (_dir, store) = store();
        store.create_unit(&unit("ward-a")).await.expect("unit");
        // The largest text a record holds: a guidance card's body of 20,000 characters, here
        // three bytes each (60,000 bytes).
        let big = "€".repeat(20_000);
        let ops: Vec<Operation> = (0..100)
            .map(|i| Operation {
                entity: EntityKind::Guidance,
                ..op(
                    &format!("big-{i}"),
                    &format!("g{i}"),
                    "ward-a",
                    &[("body", json!(big))],
                    NOW.0 - 1000 + i,
                )
            })
            .collect();
        store.push(None, &ops, NOW).await.expect("push");
        let first = store
            .pull(None, &["ward-a".into()], &Cursor::default(), 5000)
            .await
            .expect("first");
        assert!(first.more);
        assert!(
            (60..=70).contains(&first.changes.len()),
            "{}",
            first.changes.len()
        );
        let rest = store
            .pull(None, &["ward-a".into()], &first.cursor, 5000)
            .await
            .expect("rest");
        assert!(!rest.more);
        assert_eq!(first.changes.len() + rest.changes.len(), 100);
    }

    #[tokio::test]
    async fn lookups_and_idle_pulls_use_indexes() {
        let (_dir, store) = store();
        let conn = lock(&store.inner.writer);
        let plans = [
            query_plan(
                &conn,
                "SELECT entity, entity_id, field, item_id, value_json, hlc_wall, hlc_counter, hlc_device, seq \
                 FROM cells WHERE unit_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                &[&"ward-a", &0, &10],
            ),
            query_plan(
                &conn,
                &format!(
                    "SELECT value_json FROM cells WHERE (entity, entity_id, field, item_id) IN (VALUES {})",
                    tuples(3, 4)
                ),
                &[
                    &"a", &"b", &"c", &"d", &"a", &"b", &"c", &"d", &"a", &"b", &"c", &"d",
                ],
            ),
            query_plan(
                &conn,
                &format!(
                    "SELECT unit_id FROM entities WHERE (entity, entity_id) IN (VALUES {})",
                    tuples(2, 2)
                ),
                &[&"a", &"b", &"a", &"b"],
            ),
        ];
        for plan in plans {
            let text = plan.join(" | ");
            assert!(
                text.contains("USING INDEX") || text.contains("PRIMARY KEY"),
                "{text}"
            );
            assert!(
                !text.contains("SCAN cells") && !text.contains("SCAN entities"),
                "{text}"
            );
        }
    }

    /// A store from before the console audit log was chained has its entries chained in seq
    /// order by the upgrade, which verifies; the log stays append-only.
    #[tokio::test]
    async fn upgrading_chains_the_console_audit_entries_already_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(DB_FILE);
        {
            let conn = Connection::open(&path).expect("open");
            for sql in &MIGRATIONS[..AUDIT_VERSION - 1] {
                conn.execute_batch(sql).expect("old schema");
            }
            conn.execute_batch(
                "INSERT INTO console_audit (at, lead_id, action, unit_id, entity, entity_id, detail) \
                 VALUES (1, 'lead-1', 'view', 'ward-a', 'person', 'p1', 'person'), \
                        (2, 'lead-1', 'export', 'ward-a', 'person', 'p1', 'subject access');",
            )
            .expect("old entries");
            conn.pragma_update(None, "user_version", (AUDIT_VERSION - 1) as i64)
                .expect("version");
        }
        let store = SqliteStorage::open(dir.path()).expect("upgrade");
        let report = store.verify_audit().await.expect("verify");
        assert_eq!((report.console_entries, report.first_break), (2, None));
        let refused = Connection::open(&path)
            .and_then(|c| c.execute("UPDATE console_audit SET detail = 'x'", []))
            .expect_err("append-only");
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
}
