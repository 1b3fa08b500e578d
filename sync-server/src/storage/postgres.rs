//! The PostgreSQL back end: the store shared by many stateless server processes behind a load
//! balancer. It exists so a trust can run more than one server against one database; the
//! embedded SQLite back end stays the default.
//!
//! Every method is a few statements over a `deadpool-postgres` pool. A push is one transaction:
//! grants, then what [`merge::needs`] lists, loaded in bulk (`unnest` arrays, `= ANY`), then
//! [`merge::plan`], then the plan written with multi-row `unnest` statements, so a 1,000-op
//! batch costs a handful of round trips, not 1,000.
//!
//! **The cursor trap, and how this back end avoids it.** Change sequence numbers come from one
//! sequence (`cell_seq`, CACHE 1). With several writers, a transaction could take seq 10,
//! another take seq 11 and commit first; a pull in between would return 11, move the cursor to
//! 11 and never see 10. A device's cursor is a position *per unit*, so what must hold is that
//! within one unit seqs become visible in the order they were allocated. Here every push takes,
//! *before* it reads what it merges against or allocates any seq, and holds until it commits:
//! [`PUSH_LOCK`] in shared mode, then the exclusive advisory lock of every unit its operations
//! name (`unit_lock_keys`, taken in one sorted order so two pushes cannot deadlock). So:
//! 1. pushes to one unit run one at a time between taking the lock and committing, whatever
//!    process or pool they come from (advisory locks are per database, not per connection);
//!    pushes to different units run side by side and share their commits' flushes;
//! 2. PostgreSQL makes a transaction's commit visible before it releases its locks, so the
//!    next holder of a unit's lock — and any snapshot taken after that holder commits — sees
//!    every earlier holder's writes;
//! 3. therefore a unit's seqs are allocated in commit order: when a pull's snapshot contains
//!    seq n of a unit, it contains every committed seq of that unit below n, and the only ones
//!    it can miss will never exist (rolled back) or will be allocated above everything it saw.
//!
//! A record's unit never changes and the merge refuses an operation whose unit differs from
//! the record's, so every cell a push writes is in a unit it holds. (Two pushes creating one
//! new record id in two different units at once: the later one fails on the `entities` key,
//! is answered with a server error, and when retried is refused as naming the wrong unit.) A
//! tombstone purge takes [`PUSH_LOCK`] exclusively: it waits for every push in flight and
//! holds new ones back. A pull is a single statement (one snapshot) that also reads the
//! tombstone horizon, so a purge committing mid-pull cannot hide a tombstone without also
//! raising `full_resync`. The unit locks also make the merge itself safe: what a push read
//! cannot change before it writes, so two devices editing one field at once cannot both "win".
//! Appending to the record log takes `RECORD_LOG_LOCK` last, so the log's hash chain has one
//! head. Pulls never take a lock.
//! `tests/conformance.rs` proves the guarantee with concurrent pools, with a push held open at
//! its commit point, and that a held push in one unit does not hold back another unit.
//!
//! Errors are reported by SQLSTATE and message only, never PostgreSQL's DETAIL (which can quote
//! a row's values), so no personal data reaches the logs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use serde_json::Value;
use sha2::{Digest, Sha256};
use steady_core::audit::AuditEvent;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{AuditRecord, EntityKind, OpOutcome, OpResult, Operation};
use steady_core::units::UnitGrant;
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::{
    Authenticated, Cursor, DeviceRecord, MAX_PAGE_BYTES, NewDevice, NewEnrolmentCode, Page,
    PulledCell, Redeemed, Refusal, Storage, StorageError, StorageResult, StoredCode, Unit,
    add_to_page, check_unit_id, code_refusal,
};
use crate::audit_log::{AuditAppend, AuditReport, AuditVerifier, DeviceAuditEntry};
use crate::merge::{self, Actor, CellKey, EntityState, GrantRecord, Known, Plan};
use crate::records_log::{self, LogEntry, RecordsReport, Verifier};

/// Connections each [`PgStorage`] keeps at most (per server process).
pub const POOL_SIZE: usize = 16;

/// Settings for every connection of the pool (after any `options` in the database URL).
/// Every statement here is a short, indexed OLTP statement prepared once per connection and
/// run thousands of times, so:
/// - `plan_cache_mode=force_generic_plan`: plan it once. Left to choose, PostgreSQL re-planned
///   the pull on every call once `cells` was large (its generic estimate, with `LIMIT $3` and
///   the units array unknown, looked dear), which made an idle sync at 1,000,000 stored cells
///   ~1.5× one at 10,000; planned once, the same index seeks run at both sizes.
/// - `jit=off`: those generic estimates can pass `jit_above_cost`, and compiling a pull that
///   then reads three index pages took 8 ms.
///
/// A statement added here whose best plan depends on its parameters' values (a range over a
/// skewed column, say) would be planned blind: check its generic plan with `EXPLAIN`.
const SESSION_OPTIONS: &str = "-c plan_cache_mode=force_generic_plan -c jit=off";

/// The schema upgrades, in order: entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/001_initial.sql"),
    include_str!("../../migrations/postgres/002_record_log.sql"),
    // The web console's leads, sessions and audit log (see src/console/store.rs).
    include_str!("../../migrations/postgres/003_console.sql"),
    // Who made each record, whom each device was enrolled for, what was purged (src/merge.rs).
    include_str!("../../migrations/postgres/004_record_rules.sql"),
    // Each device's audit trail, and the console audit log chained (src/audit_log.rs).
    include_str!("../../migrations/postgres/005_audit.sql"),
    // Occupied bed days per unit and month, for the dashboard's rates (src/console/store.rs).
    include_str!("../../migrations/postgres/006_bed_days.sql"),
];

/// The schema version that chained the console audit log: upgrading to it chains the entries
/// already there, in seq order.
const AUDIT_VERSION: i32 = 5;

/// Advisory lock key held while appending to the console audit log, so its chain has one head.
/// Public only so the console's store (`console/store.rs`) takes the same one.
#[doc(hidden)]
pub const CONSOLE_AUDIT_LOCK: i64 = 0x0053_7465_6164_7904;

/// The schema version that added the record log: upgrading to it logs the incidents already
/// submitted.
const RECORD_LOG_VERSION: i32 = 2;

/// Advisory lock key held while the schema is upgraded ("Steady" in ASCII, then 1), so server
/// processes starting together migrate once.
const MIGRATION_LOCK: i64 = 0x0053_7465_6164_7901;

/// Advisory lock key every push holds shared, and a tombstone purge exclusively, from before
/// its reads until it commits (module doc). Public only so the conformance suite can hold it
/// by hand.
#[doc(hidden)]
pub const PUSH_LOCK: i64 = 0x0053_7465_6164_7902;

/// The first key of a unit's push lock (`pg_advisory_xact_lock(int4, int4)`, whose keys are a
/// space apart from the single-key locks above); the second is [`unit_lock_key`].
const UNIT_LOCK_CLASS: i32 = 0x5374;

/// Advisory lock key held while appending to the record log, so its chain has one head.
const RECORD_LOG_LOCK: i64 = 0x0053_7465_6164_7903;

/// A unit's push-lock key: the first four bytes of its id's SHA-256. Two units that share a key
/// only share a lock (pushes to them wait for each other), which is safe.
fn unit_lock_key(unit_id: &str) -> i32 {
    let digest = Sha256::digest(unit_id.as_bytes());
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The unit locks a push takes, each once, in ascending order: every push takes its locks in
/// the same order, so two pushes naming the same units cannot deadlock.
fn unit_lock_keys(ops: &[Operation]) -> Vec<i32> {
    let keys: BTreeSet<i32> = ops.iter().map(|op| unit_lock_key(&op.unit_id)).collect();
    keys.into_iter().collect()
}

/// A test hook run inside a push after its writes and before its commit.
#[doc(hidden)]
pub type BeforeCommit = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The PostgreSQL store: a connection pool over one migrated database.
pub struct PgStorage {
    pool: Pool,
    before_commit: Option<BeforeCommit>,
}

/// Maps a PostgreSQL error to a storage error by SQLSTATE and message, leaving out DETAIL
/// (which may quote a row) so no personal data is logged.
pub(crate) fn pg(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(db) => StorageError::Postgres(format!(
            "{} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        )),
        None => StorageError::Postgres(e.to_string()),
    }
}

fn pool_err(e: deadpool_postgres::PoolError) -> StorageError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg(e),
        other => StorageError::Postgres(format!("connection pool: {other}")),
    }
}

fn is_unique_violation(e: &tokio_postgres::Error, constraint: &str) -> bool {
    e.as_db_error().is_some_and(|db| {
        db.code() == &tokio_postgres::error::SqlState::UNIQUE_VIOLATION
            && db.constraint() == Some(constraint)
    })
}

fn bad_data(what: &str) -> StorageError {
    StorageError::Postgres(format!("stored data: {what}"))
}

fn entity_kind(name: &str) -> StorageResult<EntityKind> {
    EntityKind::parse(name).ok_or_else(|| bad_data("unknown entity kind"))
}

fn role(name: &str) -> StorageResult<Role> {
    Role::parse(name).ok_or_else(|| bad_data("unknown role"))
}

fn counter(c: i64) -> StorageResult<u32> {
    u32::try_from(c).map_err(|_| bad_data("stamp counter out of range"))
}

const SELECT_LOCK: &str = "SELECT pg_advisory_xact_lock($1::int8)";

const SELECT_LOCK_SHARED: &str = "SELECT pg_advisory_xact_lock_shared($1::int8)";

const SELECT_UNIT_LOCK: &str = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)";

const SELECT_GRANTS: &str = "SELECT unit_id, role, ends_at FROM grants WHERE device_id = $1";

const SELECT_ANSWERED: &str =
    "SELECT op_id, device_id, outcome_json FROM op_results WHERE op_id = ANY($1::text[])";

const SELECT_ENTITIES: &str = "SELECT e.entity, e.entity_id, e.unit_id, e.locked, \
       e.created_by, e.purged_before \
     FROM unnest($1::text[], $2::text[]) AS k(entity, entity_id) \
     JOIN entities e ON e.entity = k.entity AND e.entity_id = k.entity_id";

const SELECT_CELLS: &str = "SELECT c.entity, c.entity_id, c.field, c.item_id, c.value_json, \
       c.hlc_wall, c.hlc_counter, c.hlc_device \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(entity, entity_id, field, item_id) \
     JOIN cells c ON c.entity = k.entity AND c.entity_id = k.entity_id \
       AND c.field = k.field AND c.item_id = k.item_id";

/// Every cell of the records listed (loaded whole for the rules that look at a whole record).
const SELECT_WHOLE: &str = "SELECT c.entity, c.entity_id, c.field, c.item_id, c.value_json, \
       c.hlc_wall, c.hlc_counter, c.hlc_device \
     FROM unnest($1::text[], $2::text[]) AS k(entity, entity_id) \
     JOIN cells c ON c.entity = k.entity AND c.entity_id = k.entity_id";

const SELECT_MENTAL_HEALTH_UNITS: &str =
    "SELECT unit_id FROM units WHERE mental_health_unit AND unit_id = ANY($1::text[])";

/// Whom a device is enrolled for (`super::enrolled_staff`).
const SELECT_STAFF: &str = "SELECT d.label, d.staff_name, d.staff_job, \
       EXISTS (SELECT 1 FROM console_devices c WHERE c.device_id = d.device_id) \
     FROM devices d WHERE d.device_id = $1";

const ALLOCATE_SEQS: &str = "SELECT nextval('cell_seq') FROM generate_series(1, $1::int4)";

const INSERT_RESULTS: &str = "INSERT INTO op_results (op_id, device_id, outcome_json) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])";

const INSERT_ENTITIES: &str = "INSERT INTO entities (entity, entity_id, unit_id, locked, \
       created_by) \
     SELECT k.entity, k.entity_id, k.unit_id, false, k.created_by \
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
       AS k(entity, entity_id, unit_id, created_by)";

const LOCK_ENTITIES: &str = "UPDATE entities SET locked = true \
     FROM unnest($1::text[], $2::text[]) AS k(entity, entity_id) \
     WHERE entities.entity = k.entity AND entities.entity_id = k.entity_id";

const UPSERT_CELLS: &str = "INSERT INTO cells (entity, entity_id, field, item_id, unit_id, \
       value_json, hlc_wall, hlc_counter, hlc_device, seq, written_at) \
     SELECT k.*, $11::int8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
       $5::text[], $6::text[], $7::int8[], $8::int8[], $9::text[], $10::int8[]) AS k \
     ON CONFLICT (entity, entity_id, field, item_id) DO UPDATE SET \
       unit_id = excluded.unit_id, value_json = excluded.value_json, \
       hlc_wall = excluded.hlc_wall, hlc_counter = excluded.hlc_counter, \
       hlc_device = excluded.hlc_device, seq = excluded.seq, written_at = excluded.written_at";

/// One statement, so one snapshot: the horizon and the cells agree. Per unit, an index seek on
/// `cells_by_unit_seq` for at most `$3` cells after that unit's position; merged in seq order.
/// With nothing new it reads one meta row and one index page per unit, however many cells are
/// stored. The left join yields one row (with null cell columns) when there is nothing.
const PULL: &str = "SELECT h.horizon, c.unit_id, c.seq, c.entity, c.entity_id, c.field, \
       c.item_id, c.value_json, c.hlc_wall, c.hlc_counter, c.hlc_device \
     FROM (SELECT COALESCE((SELECT value FROM meta WHERE key = 'tombstone_horizon'), 0) \
       AS horizon) AS h \
     LEFT JOIN LATERAL ( \
       SELECT x.* FROM unnest($1::text[], $2::int8[], $5::int8[]) AS p(unit_id, pos, since) \
       CROSS JOIN LATERAL ( \
         SELECT cells.unit_id, cells.seq, cells.entity, cells.entity_id, cells.field, \
           cells.item_id, \
           CASE WHEN cells.hlc_device = $4 AND p.since > 0 THEN '' ELSE cells.value_json END \
             AS value_json, \
           cells.hlc_wall, cells.hlc_counter, cells.hlc_device \
         FROM cells WHERE cells.unit_id = p.unit_id AND cells.seq > p.pos \
         ORDER BY cells.seq LIMIT $3::int8) AS x \
       ORDER BY x.seq LIMIT $3::int8) AS c ON true \
     ORDER BY c.seq";

impl PgStorage {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`, TLS not
    /// supported yet: use loopback or a private network), and brings its schema up to date.
    /// A database whose schema is newer than this server is refused, never changed.
    pub async fn connect(url: &str) -> StorageResult<Self> {
        let storage = Self::pool_for(url)?;
        storage.migrate().await?;
        Ok(storage)
    }

    /// The pool for `url`, with the session options, not yet connected.
    fn pool_for(url: &str) -> StorageResult<Self> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StorageError::Invalid(format!("database url: {e}")))?;
        let options = match config.get_options() {
            Some(theirs) if !theirs.trim().is_empty() => format!("{theirs} {SESSION_OPTIONS}"),
            _ => SESSION_OPTIONS.to_string(),
        };
        config.options(&options);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| StorageError::Postgres(format!("connection pool: {e}")))?;
        Ok(PgStorage {
            pool,
            before_commit: None,
        })
    }

    /// Makes the schema of the (empty) database at `url` what a server of schema `version` made
    /// (its migrations and the steps run with them, no later ones): tests then connect with
    /// [`PgStorage::connect`] to see an older database upgraded.
    #[doc(hidden)]
    pub async fn create_at_version(url: &str, version: usize) -> StorageResult<()> {
        let storage = Self::pool_for(url)?;
        storage.migrate_to(version).await
    }

    /// Runs `hook` inside every push after its writes and before its commit (tests use it to
    /// hold a push open at its most delicate point).
    #[doc(hidden)]
    pub fn set_before_commit(&mut self, hook: Option<BeforeCommit>) {
        self.before_commit = hook;
    }

    /// A setting as a pooled connection sees it (tests check [`SESSION_OPTIONS`] took).
    #[doc(hidden)]
    pub async fn setting(&self, name: &str) -> StorageResult<String> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT current_setting($1)", &[&name])
            .await
            .map_err(pg)?;
        Ok(row.get(0))
    }

    /// The plan PostgreSQL chooses for a pull (tests check that an idle pull is index seeks).
    #[doc(hidden)]
    pub async fn explain_pull(
        &self,
        units: &[String],
        cursor: &Cursor,
        limit: u32,
    ) -> StorageResult<String> {
        let (names, positions) = pull_args(units, cursor);
        let fetch = i64::from(limit) + 1;
        let reader: Option<&str> = None;
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("EXPLAIN {PULL}"),
                &[&names, &positions, &fetch, &reader, &positions],
            )
            .await
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// A pooled connection. (`pub(crate)`: the web console's tables, `console/store.rs`, use it.)
    pub(crate) async fn client(&self) -> StorageResult<deadpool_postgres::Client> {
        self.pool.get().await.map_err(pool_err)
    }

    /// Applies each pending upgrade in its own transaction under [`MIGRATION_LOCK`]; the
    /// version is re-read under the lock, so processes starting together upgrade once.
    async fn migrate(&self) -> StorageResult<()> {
        self.migrate_to(MIGRATIONS.len()).await
    }

    /// [`PgStorage::migrate`] up to schema `target` (at most the latest) only.
    async fn migrate_to(&self, target: usize) -> StorageResult<()> {
        let mut client = self.client().await?;
        let latest = MIGRATIONS.len() as i32;
        let target = target.min(MIGRATIONS.len()) as i32;
        loop {
            let tx = client.transaction().await.map_err(pg)?;
            tx.execute(SELECT_LOCK, &[&MIGRATION_LOCK])
                .await
                .map_err(pg)?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (\
                   singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), \
                   version integer NOT NULL)",
            )
            .await
            .map_err(pg)?;
            let version: i32 = tx
                .query_opt("SELECT version FROM schema_version", &[])
                .await
                .map_err(pg)?
                .map(|r| r.get(0))
                .unwrap_or(0);
            if version > latest {
                return Err(StorageError::Invalid(format!(
                    "the database schema is version {version}, newer than this server \
                     understands ({latest}): upgrade the server"
                )));
            }
            if version >= target {
                tx.commit().await.map_err(pg)?;
                return Ok(());
            }
            tx.batch_execute(MIGRATIONS[version as usize])
                .await
                .map_err(pg)?;
            if version + 1 == RECORD_LOG_VERSION {
                let cells = log_cells(&tx, None).await?;
                append_log(&tx, cells, Timestamp::now()).await?;
            }
            if version + 1 == AUDIT_VERSION {
                chain_console_audit(&tx).await?;
            }
            tx.execute(
                "INSERT INTO schema_version (singleton, version) VALUES (true, $1) \
                 ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
                &[&(version + 1)],
            )
            .await
            .map_err(pg)?;
            tx.commit().await.map_err(pg)?;
        }
    }
}

/// The requested units (each once) and their cursor positions, as parallel arrays.
fn pull_args(units: &[String], cursor: &Cursor) -> (Vec<String>, Vec<i64>) {
    let names: Vec<String> = units
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let positions = names.iter().map(|u| cursor.position(u)).collect();
    (names, positions)
}

/// Loads what `needs` lists, in three statements sent together.
async fn load_known(
    tx: &deadpool_postgres::Transaction<'_>,
    ops: &[Operation],
    needs: &merge::Needs,
) -> StorageResult<Known> {
    let (answered, entities, cells) = {
        let entity_kinds: Vec<&str> = needs.entities.iter().map(|(k, _)| k.as_str()).collect();
        let entity_ids: Vec<&str> = needs.entities.iter().map(|(_, id)| id.as_str()).collect();
        let cell_kinds: Vec<&str> = needs.cells.iter().map(|c| c.entity.as_str()).collect();
        let cell_ids: Vec<&str> = needs.cells.iter().map(|c| c.entity_id.as_str()).collect();
        let fields: Vec<&str> = needs.cells.iter().map(|c| c.field.as_str()).collect();
        let items: Vec<&str> = needs.cells.iter().map(|c| c.item_id.as_str()).collect();
        let (s_answered, s_entities, s_cells) = futures::try_join!(
            tx.prepare_cached(SELECT_ANSWERED),
            tx.prepare_cached(SELECT_ENTITIES),
            tx.prepare_cached(SELECT_CELLS),
        )
        .map_err(pg)?;
        let p_answered: [&(dyn ToSql + Sync); 1] = [&needs.op_ids];
        let p_entities: [&(dyn ToSql + Sync); 2] = [&entity_kinds, &entity_ids];
        let p_cells: [&(dyn ToSql + Sync); 4] = [&cell_kinds, &cell_ids, &fields, &items];
        futures::try_join!(
            tx.query(&s_answered, &p_answered),
            tx.query(&s_entities, &p_entities),
            tx.query(&s_cells, &p_cells),
        )
        .map_err(pg)?
    };
    let mut known = Known::default();
    for row in answered {
        let outcome: OpOutcome = serde_json::from_str(row.get(2))?;
        known
            .answered
            .insert(row.get(0), (row.get::<_, String>(1), outcome));
    }
    for row in entities {
        known.entities.insert(
            (entity_kind(row.get(0))?, row.get(1)),
            EntityState {
                unit_id: row.get(2),
                locked: row.get(3),
                created_by: row.get(4),
                purged_before_ms: row.get(5),
            },
        );
    }
    for row in cells {
        let (key, stamp, value) = stored_cell(&row)?;
        known.cells.insert(key, (stamp, value));
    }
    load_whole(tx, &needs.records, &mut known).await?;
    let people = merge::people_needed(ops, &known);
    load_whole(tx, &people, &mut known).await?;
    if !needs.units.is_empty() {
        let stmt = tx
            .prepare_cached(SELECT_MENTAL_HEALTH_UNITS)
            .await
            .map_err(pg)?;
        for row in tx.query(&stmt, &[&needs.units]).await.map_err(pg)? {
            known.mental_health_units.insert(row.get(0));
        }
    }
    Ok(known)
}

/// Loads every cell of `records` into `known` (marking them whole).
async fn load_whole(
    tx: &deadpool_postgres::Transaction<'_>,
    records: &[(EntityKind, String)],
    known: &mut Known,
) -> StorageResult<()> {
    let records: Vec<_> = records
        .iter()
        .filter(|r| !known.whole.contains(*r))
        .cloned()
        .collect();
    if records.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = records.iter().map(|(k, _)| k.as_str()).collect();
    let ids: Vec<&str> = records.iter().map(|(_, id)| id.as_str()).collect();
    let stmt = tx.prepare_cached(SELECT_WHOLE).await.map_err(pg)?;
    for row in tx.query(&stmt, &[&kinds, &ids]).await.map_err(pg)? {
        let (key, stamp, value) = stored_cell(&row)?;
        known.cells.insert(key, (stamp, value));
    }
    known.whole.extend(records);
    Ok(())
}

/// A cell row: entity, entity_id, field, item_id, value_json, hlc_wall, hlc_counter, hlc_device.
fn stored_cell(row: &tokio_postgres::Row) -> StorageResult<(CellKey, Hlc, Value)> {
    let key = CellKey {
        entity: entity_kind(row.get(0))?,
        entity_id: row.get(1),
        field: row.get(2),
        item_id: row.get(3),
    };
    let value: Value = serde_json::from_str(row.get(4))?;
    let stamp = Hlc {
        wall_ms: row.get(5),
        counter: counter(row.get(6))?,
        device: row.get(7),
    };
    Ok((key, stamp, value))
}

/// Writes a plan: answers, new records, locks, and cells with fresh seqs. Runs under the locks
/// of the plan's units, so the seqs allocated here are above every seq of those units already
/// committed.
async fn write_plan(
    tx: &deadpool_postgres::Transaction<'_>,
    plan: &Plan,
    sender: &str,
    now: Timestamp,
) -> StorageResult<()> {
    // A cell written twice in one batch keeps its last write only (one multi-row upsert cannot
    // touch a row twice); the earlier write's value was already superseded inside the plan.
    let mut last = HashMap::new();
    for (i, w) in plan.writes.iter().enumerate() {
        last.insert(&w.key, i);
    }
    let writes: Vec<_> = plan
        .writes
        .iter()
        .enumerate()
        .filter(|(i, w)| last.get(&w.key) == Some(i))
        .map(|(_, w)| w)
        .collect();

    let results = async {
        if plan.remember.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = plan.remember.iter().map(|(id, _)| id.as_str()).collect();
        let senders: Vec<&str> = vec![sender; ids.len()];
        let outcomes = plan
            .remember
            .iter()
            .map(|(_, o)| serde_json::to_string(o))
            .collect::<Result<Vec<_>, _>>()?;
        let stmt = tx.prepare_cached(INSERT_RESULTS).await.map_err(pg)?;
        tx.execute(&stmt, &[&ids, &senders, &outcomes])
            .await
            .map_err(pg)?;
        StorageResult::Ok(())
    };
    let entities = async {
        if !plan.new_entities.is_empty() {
            let kinds: Vec<&str> = plan
                .new_entities
                .iter()
                .map(|e| e.entity.as_str())
                .collect();
            let ids: Vec<&str> = plan
                .new_entities
                .iter()
                .map(|e| e.entity_id.as_str())
                .collect();
            let units: Vec<&str> = plan
                .new_entities
                .iter()
                .map(|e| e.unit_id.as_str())
                .collect();
            let makers: Vec<&str> = plan
                .new_entities
                .iter()
                .map(|e| e.created_by.as_str())
                .collect();
            let stmt = tx.prepare_cached(INSERT_ENTITIES).await.map_err(pg)?;
            tx.execute(&stmt, &[&kinds, &ids, &units, &makers])
                .await
                .map_err(pg)?;
        }
        // After the inserts: an incident created and submitted in one batch is locked too.
        if !plan.locks.is_empty() {
            let kinds: Vec<&str> = plan.locks.iter().map(|(k, _)| k.as_str()).collect();
            let ids: Vec<&str> = plan.locks.iter().map(|(_, id)| id.as_str()).collect();
            let stmt = tx.prepare_cached(LOCK_ENTITIES).await.map_err(pg)?;
            tx.execute(&stmt, &[&kinds, &ids]).await.map_err(pg)?;
        }
        StorageResult::Ok(())
    };
    let cells = async {
        if writes.is_empty() {
            return Ok(());
        }
        let n = i32::try_from(writes.len()).map_err(|_| bad_data("batch too large"))?;
        let stmt = tx.prepare_cached(ALLOCATE_SEQS).await.map_err(pg)?;
        let mut seqs: Vec<i64> = tx
            .query(&stmt, &[&n])
            .await
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        // Handed out in increasing order; sorted so plan order is seq order whatever order
        // the rows came back in.
        seqs.sort_unstable();
        let kinds: Vec<&str> = writes.iter().map(|w| w.key.entity.as_str()).collect();
        let ids: Vec<&str> = writes.iter().map(|w| w.key.entity_id.as_str()).collect();
        let fields: Vec<&str> = writes.iter().map(|w| w.key.field.as_str()).collect();
        let items: Vec<&str> = writes.iter().map(|w| w.key.item_id.as_str()).collect();
        let units: Vec<&str> = writes.iter().map(|w| w.unit_id.as_str()).collect();
        let values = writes
            .iter()
            .map(|w| serde_json::to_string(&w.value))
            .collect::<Result<Vec<_>, _>>()?;
        let walls: Vec<i64> = writes.iter().map(|w| w.stamp.wall_ms).collect();
        let counters: Vec<i64> = writes.iter().map(|w| i64::from(w.stamp.counter)).collect();
        let devices: Vec<&str> = writes.iter().map(|w| w.stamp.device.as_str()).collect();
        let stmt = tx.prepare_cached(UPSERT_CELLS).await.map_err(pg)?;
        let params: [&(dyn ToSql + Sync); 11] = [
            &kinds, &ids, &fields, &items, &units, &values, &walls, &counters, &devices, &seqs,
            &now.0,
        ];
        tx.execute(&stmt, &params).await.map_err(pg)?;
        StorageResult::Ok(())
    };
    futures::try_join!(results, entities, cells)?;
    log_plan(tx, plan, now).await
}

const LOG_CELL_COLUMNS: &str = "c.entity, c.entity_id, c.field, c.item_id, c.unit_id, \
     c.value_json, c.hlc_wall, c.hlc_counter, c.hlc_device";

fn log_cell(row: &tokio_postgres::Row) -> StorageResult<LogEntry> {
    Ok(LogEntry {
        seq: 0,
        entity: row.get(0),
        entity_id: row.get(1),
        field: row.get(2),
        item_id: row.get(3),
        unit_id: row.get(4),
        value_json: row.get(5),
        stamp: Hlc {
            wall_ms: row.get(6),
            counter: counter(row.get(7))?,
            device: row.get(8),
        },
        logged_at: 0,
    })
}

/// The cells of locked incidents (`ids`: only those; `None`: all), in log order.
async fn log_cells(
    tx: &deadpool_postgres::Transaction<'_>,
    ids: Option<&[String]>,
) -> StorageResult<Vec<LogEntry>> {
    let rows = match ids {
        Some(ids) => {
            tx.query(
                &format!(
                    "SELECT {LOG_CELL_COLUMNS} FROM cells c WHERE c.entity = 'incident' \
                       AND c.entity_id = ANY($1::text[]) ORDER BY c.entity_id, c.field, c.item_id"
                ),
                &[&ids],
            )
            .await
        }
        None => {
            tx.query(
                &format!(
                    "SELECT {LOG_CELL_COLUMNS} FROM cells c JOIN entities e \
                       ON e.entity = c.entity AND e.entity_id = c.entity_id AND e.locked \
                     WHERE c.entity = 'incident' ORDER BY c.entity_id, c.field, c.item_id"
                ),
                &[],
            )
            .await
        }
    }
    .map_err(pg)?;
    rows.iter().map(log_cell).collect()
}

/// Appends cells to the record log, chained after its last row (under [`RECORD_LOG_LOCK`],
/// held to commit, so the chain has one head).
async fn append_log(
    tx: &deadpool_postgres::Transaction<'_>,
    cells: Vec<LogEntry>,
    now: Timestamp,
) -> StorageResult<()> {
    if cells.is_empty() {
        return Ok(());
    }
    tx.execute(SELECT_LOCK, &[&RECORD_LOG_LOCK])
        .await
        .map_err(pg)?;
    let last = tx
        .query_opt(
            "SELECT seq, hash FROM record_log ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(pg)?
        .map(|r| (r.get::<_, i64>(0), r.get::<_, Vec<u8>>(1)));
    let stmt = tx
        .prepare_cached(
            "INSERT INTO record_log (seq, entity, entity_id, field, item_id, unit_id, value_json, \
               hlc_wall, hlc_counter, hlc_device, logged_at, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .await
        .map_err(pg)?;
    for (e, prev, hash) in records_log::chain(last, cells, now.0) {
        let counter = i64::from(e.stamp.counter);
        let hash = hash.to_vec();
        tx.execute(
            &stmt,
            &[
                &e.seq,
                &e.entity,
                &e.entity_id,
                &e.field,
                &e.item_id,
                &e.unit_id,
                &e.value_json,
                &e.stamp.wall_ms,
                &counter,
                &e.stamp.device,
                &e.logged_at,
                &prev,
                &hash,
            ],
        )
        .await
        .map_err(pg)?;
    }
    Ok(())
}

/// Logs what a written plan locked (every cell of each incident) and the addenda it added to
/// incidents locked before.
async fn log_plan(
    tx: &deadpool_postgres::Transaction<'_>,
    plan: &Plan,
    now: Timestamp,
) -> StorageResult<()> {
    let todo = records_log::to_log(plan);
    if todo.is_empty() {
        return Ok(());
    }
    let mut cells = log_cells(tx, Some(&todo.sealed)).await?;
    for (id, item) in &todo.addenda {
        let row = tx
            .query_opt(
                &format!(
                    "SELECT {LOG_CELL_COLUMNS} FROM cells c JOIN entities e \
                       ON e.entity = c.entity AND e.entity_id = c.entity_id AND e.locked \
                     WHERE c.entity = 'incident' AND c.entity_id = $1 AND c.field = 'addenda' \
                       AND c.item_id = $2"
                ),
                &[id, item],
            )
            .await
            .map_err(pg)?;
        if let Some(row) = row {
            cells.push(log_cell(&row)?);
        }
    }
    append_log(tx, cells, now).await
}

/// Checks a code inside the caller's transaction, locking it (`FOR UPDATE`: two devices racing
/// with one code queue here; the second sees it used): its grants if it may be redeemed (a unit
/// named twice keeps its last grant), else why not. A wrong secret is counted here; the caller
/// commits a refusal so the count stands.
async fn take_code(
    tx: &deadpool_postgres::Transaction<'_>,
    code_id: &str,
    secret_hash: &str,
    now: Timestamp,
) -> StorageResult<Result<Vec<super::GrantSpec>, Refusal>> {
    let Some(row) = tx
        .query_opt(
            "SELECT secret_hash, grants_json::text, expires_at, max_attempts, attempts, \
               used_at FROM enrolment_codes WHERE code_id = $1 FOR UPDATE",
            &[&code_id],
        )
        .await
        .map_err(pg)?
    else {
        return Ok(Err(Refusal::Unknown));
    };
    let stored_hash: String = row.get(0);
    let expires_at: i64 = row.get(2);
    let max_attempts: i32 = row.get(3);
    let attempts: i32 = row.get(4);
    let used_at: Option<i64> = row.get(5);
    let stored = StoredCode {
        secret_hash: &stored_hash,
        expires_at,
        max_attempts: i64::from(max_attempts),
        attempts: i64::from(attempts),
        used: used_at.is_some(),
    };
    match code_refusal(&stored, secret_hash, now) {
        None => {}
        Some(Refusal::WrongSecret) => {
            tx.execute(
                "UPDATE enrolment_codes SET attempts = attempts + 1 WHERE code_id = $1",
                &[&code_id],
            )
            .await
            .map_err(pg)?;
            return Ok(Err(Refusal::WrongSecret));
        }
        Some(refusal) => return Ok(Err(refusal)),
    }
    let mut specs: Vec<super::GrantSpec> = Vec::new();
    for spec in serde_json::from_str::<Vec<super::GrantSpec>>(row.get(1))? {
        specs.retain(|g| g.unit_id != spec.unit_id);
        specs.push(spec);
    }
    Ok(Ok(specs))
}

/// Gives `device_id` the code's grants (one per unit), each replacing its grant in the same
/// unit; returns them with their units.
async fn grant_specs(
    tx: &deadpool_postgres::Transaction<'_>,
    device_id: &str,
    specs: Vec<super::GrantSpec>,
) -> StorageResult<Vec<UnitGrant>> {
    let units: Vec<&str> = specs.iter().map(|g| g.unit_id.as_str()).collect();
    let roles: Vec<&str> = specs.iter().map(|g| g.role.as_str()).collect();
    let ends: Vec<Option<i64>> = specs.iter().map(|g| g.ends_at.map(|t| t.0)).collect();
    tx.execute(
        "INSERT INTO grants (device_id, unit_id, role, ends_at) \
         SELECT $1, k.unit_id, k.role, k.ends_at \
         FROM unnest($2::text[], $3::text[], $4::int8[]) AS k(unit_id, role, ends_at) \
         ON CONFLICT (device_id, unit_id) DO UPDATE SET role = excluded.role, \
           ends_at = excluded.ends_at",
        &[&device_id, &units, &roles, &ends],
    )
    .await
    .map_err(pg)?;
    let unit_rows = tx
        .query(
            "SELECT unit_id, organisation, name, mental_health_unit FROM units \
             WHERE unit_id = ANY($1::text[])",
            &[&units],
        )
        .await
        .map_err(pg)?;
    let mut granted = Vec::new();
    for spec in &specs {
        if let Some(u) = unit_rows
            .iter()
            .find(|r| r.get::<_, &str>(0) == spec.unit_id)
        {
            granted.push(UnitGrant {
                unit_id: spec.unit_id.clone(),
                organisation: u.get(1),
                name: u.get(2),
                mental_health_unit: u.get(3),
                role: spec.role,
                ends_at: spec.ends_at,
            });
        }
    }
    Ok(granted)
}

/// Marks a code used by `device_id`: it redeems nothing again.
async fn burn_code(
    tx: &deadpool_postgres::Transaction<'_>,
    code_id: &str,
    device_id: &str,
    now: Timestamp,
) -> StorageResult<()> {
    tx.execute(
        "UPDATE enrolment_codes SET used_at = $2, used_by = $3 WHERE code_id = $1",
        &[&code_id, &now.0, &device_id],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

impl Storage for PgStorage {
    async fn health(&self) -> StorageResult<()> {
        let client = self.client().await?;
        client.execute("SELECT 1", &[]).await.map_err(pg)?;
        Ok(())
    }

    async fn create_unit(&self, unit: &Unit) -> StorageResult<()> {
        check_unit_id(&unit.unit_id)?;
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO units (unit_id, organisation, name, mental_health_unit) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id) DO NOTHING",
                &[
                    &unit.unit_id,
                    &unit.organisation,
                    &unit.name,
                    &unit.mental_health_unit,
                ],
            )
            .await
            .map_err(pg)?;
        if inserted == 0 {
            return Err(StorageError::Exists(format!("unit {}", unit.unit_id)));
        }
        Ok(())
    }

    async fn units(&self) -> StorageResult<Vec<Unit>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT unit_id, organisation, name, mental_health_unit FROM units \
                 ORDER BY name, unit_id",
                &[],
            )
            .await
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| Unit {
                unit_id: r.get(0),
                organisation: r.get(1),
                name: r.get(2),
                mental_health_unit: r.get(3),
            })
            .collect())
    }

    async fn issue_code(&self, code: &NewEnrolmentCode) -> StorageResult<()> {
        let units: Vec<&str> = code
            .grants
            .iter()
            .map(|g| g.unit_id.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let grants = serde_json::to_string(&code.grants)?;
        let max_attempts = i32::try_from(code.max_attempts).unwrap_or(i32::MAX);
        let client = self.client().await?;
        let found: Vec<String> = client
            .query(
                "SELECT unit_id FROM units WHERE unit_id = ANY($1::text[])",
                &[&units],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if let Some(missing) = units.iter().find(|u| !found.iter().any(|f| f == *u)) {
            return Err(StorageError::NotFound(format!("unit {missing}")));
        }
        let inserted = client
            .execute(
                "INSERT INTO enrolment_codes (code_id, secret_hash, grants_json, expires_at, \
                   max_attempts) VALUES ($1, $2, $3::text::jsonb, $4, $5) \
                 ON CONFLICT (code_id) DO NOTHING",
                &[
                    &code.code_id,
                    &code.secret_hash,
                    &grants,
                    &code.expires_at.0,
                    &max_attempts,
                ],
            )
            .await
            .map_err(pg)?;
        if inserted == 0 {
            return Err(StorageError::Exists("enrolment code".into()));
        }
        Ok(())
    }

    async fn redeem_code(
        &self,
        code_id: &str,
        secret_hash: &str,
        device: &NewDevice,
        now: Timestamp,
    ) -> StorageResult<Redeemed> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let specs = match take_code(&tx, code_id, secret_hash, now).await? {
            Ok(specs) => specs,
            Err(refusal) => {
                // Counted and committed, so guesses burn the code even though the answer is "no".
                tx.commit().await.map_err(pg)?;
                return Ok(Redeemed::Refused(refusal));
            }
        };
        let inserted = tx
            .execute(
                "INSERT INTO devices (device_id, token_hash, label, enrolled_at, staff_name, \
                   staff_job) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (device_id) DO NOTHING",
                &[
                    &device.device_id,
                    &device.token_hash,
                    &device.label,
                    &now.0,
                    &device.staff.as_ref().map(|s| s.0.as_str()),
                    &device.staff.as_ref().map(|s| s.1.as_str()),
                ],
            )
            .await;
        match inserted {
            Ok(0) => return Ok(Redeemed::Refused(Refusal::DeviceExists)),
            Ok(_) => {}
            Err(e) if is_unique_violation(&e, "devices_pkey") => {
                return Ok(Redeemed::Refused(Refusal::DeviceExists));
            }
            Err(e) => return Err(pg(e)),
        }
        let granted = grant_specs(&tx, &device.device_id, specs).await?;
        burn_code(&tx, code_id, &device.device_id, now).await?;
        tx.commit().await.map_err(pg)?;
        Ok(Redeemed::Enrolled(granted))
    }

    async fn redeem_code_for_device(
        &self,
        code_id: &str,
        secret_hash: &str,
        device_id: &str,
        now: Timestamp,
    ) -> StorageResult<Redeemed> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        // The device first, and locked: a revocation waits for this redemption or is seen by it,
        // and a stranger or a revoked device never touches the code.
        let revoked: Option<bool> = tx
            .query_opt(
                "SELECT revoked_at IS NOT NULL FROM devices WHERE device_id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await
            .map_err(pg)?
            .map(|r| r.get(0));
        match revoked {
            None => return Ok(Redeemed::Refused(Refusal::DeviceUnknown)),
            Some(true) => return Ok(Redeemed::Refused(Refusal::DeviceRevoked)),
            Some(false) => {}
        }
        let specs = match take_code(&tx, code_id, secret_hash, now).await? {
            Ok(specs) => specs,
            Err(refusal) => {
                tx.commit().await.map_err(pg)?;
                return Ok(Redeemed::Refused(refusal));
            }
        };
        let granted = grant_specs(&tx, device_id, specs).await?;
        burn_code(&tx, code_id, device_id, now).await?;
        tx.commit().await.map_err(pg)?;
        Ok(Redeemed::Enrolled(granted))
    }

    async fn authenticate(&self, token_hash: &str) -> StorageResult<Option<Authenticated>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT device_id, revoked_at IS NOT NULL FROM devices WHERE token_hash = $1",
            )
            .await
            .map_err(pg)?;
        let row = client.query_opt(&stmt, &[&token_hash]).await.map_err(pg)?;
        Ok(row.map(|r| Authenticated {
            device_id: r.get(0),
            revoked: r.get(1),
        }))
    }

    async fn grants(&self, device_id: &str) -> StorageResult<Vec<(GrantRecord, Unit)>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT g.unit_id, g.role, g.ends_at, u.organisation, u.name, \
                   u.mental_health_unit \
                 FROM grants g JOIN units u ON u.unit_id = g.unit_id \
                 WHERE g.device_id = $1 ORDER BY u.name, g.unit_id",
            )
            .await
            .map_err(pg)?;
        let rows = client.query(&stmt, &[&device_id]).await.map_err(pg)?;
        rows.iter()
            .map(|r| {
                let unit_id: String = r.get(0);
                Ok((
                    GrantRecord {
                        unit_id: unit_id.clone(),
                        role: role(r.get(1))?,
                        ends_at: r.get::<_, Option<i64>>(2).map(Timestamp),
                    },
                    Unit {
                        unit_id,
                        organisation: r.get(3),
                        name: r.get(4),
                        mental_health_unit: r.get(5),
                    },
                ))
            })
            .collect()
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
        let needs = merge::needs(ops);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        // First, before reading anything: the cursor-trap guarantee and a stable merge
        // (module doc). Shared push lock, then each unit's lock in ascending key order.
        let shared = tx.prepare_cached(SELECT_LOCK_SHARED).await.map_err(pg)?;
        tx.execute(&shared, &[&PUSH_LOCK]).await.map_err(pg)?;
        let unit_lock = tx.prepare_cached(SELECT_UNIT_LOCK).await.map_err(pg)?;
        for key in unit_lock_keys(ops) {
            tx.execute(&unit_lock, &[&UNIT_LOCK_CLASS, &key])
                .await
                .map_err(pg)?;
        }
        let grants = async {
            let Some(device_id) = device_id else {
                return StorageResult::Ok(Vec::new());
            };
            let stmt = tx.prepare_cached(SELECT_GRANTS).await.map_err(pg)?;
            tx.query(&stmt, &[&device_id])
                .await
                .map_err(pg)?
                .iter()
                .map(|r| {
                    Ok(GrantRecord {
                        unit_id: r.get(0),
                        role: role(r.get(1))?,
                        ends_at: r.get::<_, Option<i64>>(2).map(Timestamp),
                    })
                })
                .collect()
        };
        let staff = async {
            let Some(device_id) = device_id else {
                return StorageResult::Ok(None);
            };
            let stmt = tx.prepare_cached(SELECT_STAFF).await.map_err(pg)?;
            Ok(tx
                .query_opt(&stmt, &[&device_id])
                .await
                .map_err(pg)?
                .and_then(|r| super::enrolled_staff(r.get(0), r.get(1), r.get(2), r.get(3))))
        };
        let (grants, staff, known) =
            futures::try_join!(grants, staff, load_known(&tx, ops, &needs))?;
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
        let sender = device_id.unwrap_or(merge::SERVER_DEVICE);
        write_plan(&tx, &plan, sender, now).await?;
        if let Some(hook) = &self.before_commit {
            hook().await;
        }
        tx.commit().await.map_err(pg)?;
        Ok(plan.results)
    }

    async fn pull(
        &self,
        reader: Option<&str>,
        units: &[String],
        cursor: &Cursor,
        limit: u32,
    ) -> StorageResult<Page> {
        let (names, since) = pull_args(units, cursor);
        // A page holds up to `limit` cells. The reader's own cells past a cursor of zero are
        // read (the query leaves their values out) and skipped without counting, up to `scan`
        // rows in all; when a query's rows ran out on skipped ones, the next query goes on from
        // where it stopped. Each asks for one row more than the page could take: its presence
        // is `more`.
        let scan = (limit as usize).saturating_mul(super::PULL_SCAN_FACTOR);
        let client = self.client().await?;
        let stmt = client.prepare_cached(PULL).await.map_err(pg)?;
        let mut next: BTreeMap<String, i64> = names.iter().cloned().zip(since.clone()).collect();
        let mut changes = Vec::new();
        let mut taken = 0usize;
        let mut scanned = 0usize;
        let mut bytes = 0usize;
        let mut more = false;
        let mut first = true;
        'pages: loop {
            let positions: Vec<i64> = names.iter().map(|n| next[n]).collect();
            let fetch = (limit as usize - taken).min(scan - scanned) as i64 + 1;
            let rows = client
                .query(&stmt, &[&names, &positions, &fetch, &reader, &since])
                .await
                .map_err(pg)?;
            if first {
                let horizon: i64 = rows.first().map(|r| r.get(0)).unwrap_or(0);
                if since.iter().any(|&p| p > 0 && p < horizon) {
                    // Tombstones this device has not seen are gone: start again from empty.
                    return Ok(Page {
                        changes: Vec::new(),
                        cursor: Cursor::default(),
                        more: true,
                        full_resync: true,
                    });
                }
                first = false;
            }
            let mut read = 0i64;
            let mut skipped = false;
            for row in &rows {
                let Some(seq) = row.get::<_, Option<i64>>(2) else {
                    continue;
                };
                read += 1;
                // A page ends at `limit` cells, or early at MAX_PAGE_BYTES of values, so a phone
                // never receives (and the server never builds) an answer of hundreds of
                // megabytes.
                if taken == limit as usize
                    || scanned == scan
                    || (taken > 0 && bytes >= MAX_PAGE_BYTES)
                {
                    more = true;
                    break 'pages;
                }
                let unit_id: String = row.get(1);
                scanned += 1;
                next.insert(unit_id.clone(), seq);
                let hlc_device: String = row.get(10);
                if reader == Some(hlc_device.as_str()) && cursor.position(&unit_id) > 0 {
                    // The reader's own cell, still standing: it has it already.
                    skipped = true;
                    continue;
                }
                taken += 1;
                let value_json: &str = row.get(7);
                bytes += value_json.len();
                add_to_page(
                    &mut changes,
                    &unit_id,
                    PulledCell {
                        entity: entity_kind(row.get(3))?,
                        entity_id: row.get(4),
                        field: row.get(5),
                        item_id: row.get(6),
                        value: serde_json::from_str(value_json)?,
                        stamp: Hlc {
                            wall_ms: row.get(8),
                            counter: counter(row.get(9))?,
                            device: hlc_device,
                        },
                    },
                );
            }
            if read < fetch || !skipped {
                // Every row there is was read (or the page is full and said so above).
                break;
            }
        }
        next.retain(|_, seq| *seq > 0);
        Ok(Page {
            changes,
            cursor: Cursor(next),
            more,
            full_resync: false,
        })
    }

    async fn end_grant(
        &self,
        device_id: &str,
        unit_id: &str,
        at: Timestamp,
    ) -> StorageResult<bool> {
        let client = self.client().await?;
        // An earlier end stands: ending again never extends access.
        let updated = client
            .execute(
                "UPDATE grants SET ends_at = LEAST(COALESCE(ends_at, $3), $3) \
                 WHERE device_id = $1 AND unit_id = $2",
                &[&device_id, &unit_id, &at.0],
            )
            .await
            .map_err(pg)?;
        Ok(updated > 0)
    }

    async fn revoke_device(&self, device_id: &str, at: Timestamp) -> StorageResult<bool> {
        let client = self.client().await?;
        let updated = client
            .execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE device_id = $1",
                &[&device_id, &at.0],
            )
            .await
            .map_err(pg)?;
        Ok(updated > 0)
    }

    async fn devices(&self) -> StorageResult<Vec<DeviceRecord>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT device_id, label, enrolled_at, revoked_at FROM devices \
                 ORDER BY enrolled_at, device_id",
                &[],
            )
            .await
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| DeviceRecord {
                device_id: r.get(0),
                label: r.get(1),
                enrolled_at: Timestamp(r.get(2)),
                revoked_at: r.get::<_, Option<i64>>(3).map(Timestamp),
            })
            .collect())
    }

    async fn purge_tombstones(&self, before: Timestamp) -> StorageResult<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        // The push lock, exclusively: no push is between reading a tombstone and overwriting
        // it, and none is in flight with a seq below the horizon this sets.
        tx.execute(SELECT_LOCK, &[&PUSH_LOCK]).await.map_err(pg)?;
        let row = tx
            .query_one(
                // Each record remembers the newest tombstone purged from it, so an older write
                // of a cell that is gone cannot bring it back (merge.rs, "deleted stays deleted").
                "WITH gone AS (DELETE FROM cells WHERE value_json = 'null' AND written_at < $1 \
                   RETURNING seq, entity, entity_id, hlc_wall), \
                 marked AS (UPDATE entities e SET purged_before = GREATEST(e.purged_before, g.wall) \
                   FROM (SELECT entity, entity_id, max(hlc_wall) AS wall FROM gone \
                         GROUP BY entity, entity_id) g \
                   WHERE e.entity = g.entity AND e.entity_id = g.entity_id RETURNING 1) \
                 SELECT count(*), COALESCE(max(seq), 0) FROM gone",
                &[&before.0],
            )
            .await
            .map_err(pg)?;
        let (deleted, highest): (i64, i64) = (row.get(0), row.get(1));
        tx.execute(
            "UPDATE meta SET value = GREATEST(value, $1) WHERE key = 'tombstone_horizon'",
            &[&highest],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(deleted as u64)
    }

    async fn cell_count(&self) -> StorageResult<u64> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT count(*) FROM cells", &[])
            .await
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn verify_records(&self) -> StorageResult<RecordsReport> {
        let mut client = self.client().await?;
        // One snapshot for the log and the incidents.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg)?;
        let mut v = Verifier::new();
        let rows = tx
            .query(
                "SELECT entity, entity_id, field, item_id, unit_id, value_json, hlc_wall, \
                   hlc_counter, hlc_device, seq, logged_at, prev_hash, hash \
                 FROM record_log ORDER BY seq",
                &[],
            )
            .await
            .map_err(pg)?;
        for row in &rows {
            let mut e = log_cell(row)?;
            e.seq = row.get(9);
            e.logged_at = row.get(10);
            let prev: Vec<u8> = row.get(11);
            let hash: Vec<u8> = row.get(12);
            v.entry(&e, &prev, &hash);
        }
        drop(rows);
        let locked = tx
            .query(
                "SELECT entity_id FROM entities WHERE entity = 'incident' AND locked \
                 ORDER BY entity_id",
                &[],
            )
            .await
            .map_err(pg)?;
        for row in &locked {
            v.locked(row.get(0));
        }
        for cell in log_cells(&tx, None).await? {
            v.cell(&cell);
        }
        tx.commit().await.map_err(pg)?;
        Ok(v.finish())
    }

    async fn append_device_audit(
        &self,
        device_id: &str,
        events: &[AuditRecord],
        now: Timestamp,
    ) -> StorageResult<AuditAppend> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        // The device's row, locked: one head per device's chain, whichever process answers.
        let known = tx
            .query_opt(
                "SELECT 1 FROM devices WHERE device_id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await
            .map_err(pg)?;
        if known.is_none() {
            return Err(StorageError::NotFound(format!("device {device_id}")));
        }
        let head: Option<(i64, Vec<u8>)> = tx
            .query_opt(
                "SELECT seq, hash FROM device_audit WHERE device_id = $1 \
                 ORDER BY seq DESC LIMIT 1",
                &[&device_id],
            )
            .await
            .map_err(pg)?
            .map(|r| (r.get(0), r.get(1)));
        let head_seq = head.as_ref().map_or(0, |h| h.0);
        let mut held = BTreeMap::new();
        if let Some(first) = events.first().map(|r| r.event.seq)
            && first <= head_seq
        {
            for row in tx
                .query(
                    "SELECT seq, hash FROM device_audit WHERE device_id = $1 \
                     AND seq BETWEEN $2 AND $3",
                    &[&device_id, &(first - 1), &head_seq],
                )
                .await
                .map_err(pg)?
            {
                held.insert(row.get::<_, i64>(0), row.get::<_, Vec<u8>>(1));
            }
        }
        let fresh = match crate::audit_log::check_batch(head, &held, events) {
            Ok(fresh) => fresh,
            Err(why) => return Ok(AuditAppend::Refused(why)),
        };
        if !fresh.is_empty() {
            let seq: Vec<i64> = fresh.iter().map(|(e, _)| e.seq).collect();
            let at: Vec<i64> = fresh.iter().map(|(e, _)| e.at.0).collect();
            let col = |f: fn(&AuditEvent) -> &str| -> Vec<&str> {
                fresh.iter().map(|(e, _)| f(e)).collect()
            };
            let (actor, action, entity, entity_id, unit_id, detail) = (
                col(|e| &e.actor),
                col(|e| &e.action),
                col(|e| &e.entity),
                col(|e| &e.entity_id),
                col(|e| &e.unit_id),
                col(|e| &e.detail),
            );
            let hash: Vec<&[u8]> = fresh.iter().map(|(_, h)| &h[..]).collect();
            tx.execute(
                "INSERT INTO device_audit (device_id, seq, at, actor, action, entity, entity_id, \
                   unit_id, detail, hash, received_at) \
                 SELECT $1, s, a, ac, an, en, ei, ui, de, h, $11 FROM unnest($2::int8[], \
                   $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
                   $9::text[], $10::bytea[]) AS t(s, a, ac, an, en, ei, ui, de, h)",
                &[
                    &device_id, &seq, &at, &actor, &action, &entity, &entity_id, &unit_id, &detail,
                    &hash, &now.0,
                ],
            )
            .await
            .map_err(pg)?;
        }
        tx.commit().await.map_err(pg)?;
        let acknowledged = fresh.last().map_or(head_seq, |(e, _)| e.seq);
        Ok(AuditAppend::Stored {
            acknowledged,
            stored: fresh.len() as u32,
        })
    }

    async fn device_audit_about(
        &self,
        entity_ids: &[String],
    ) -> StorageResult<Vec<DeviceAuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {DEVICE_AUDIT_COLUMNS} FROM device_audit \
                     WHERE entity_id = ANY($1::text[]) ORDER BY device_id, seq"
                ),
                &[&entity_ids],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(|r| device_audit_from_row(r).0).collect())
    }

    async fn verify_audit(&self) -> StorageResult<AuditReport> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg)?;
        let mut v = AuditVerifier::new();
        let rows = tx
            .query(
                &format!(
                    "SELECT {DEVICE_AUDIT_COLUMNS} FROM device_audit \
                     ORDER BY device_id COLLATE \"C\", seq"
                ),
                &[],
            )
            .await
            .map_err(pg)?;
        for row in &rows {
            let (entry, hash) = device_audit_from_row(row);
            v.device_event(&entry.device_id, &entry.event, &hash);
        }
        drop(rows);
        let rows = tx
            .query(
                &format!("SELECT {CONSOLE_AUDIT_COLUMNS}, hash FROM console_audit ORDER BY seq"),
                &[],
            )
            .await
            .map_err(pg)?;
        for row in &rows {
            let hash: Vec<u8> = row.get(8);
            v.console_entry(&console_audit_from_row(row), &hash);
        }
        tx.commit().await.map_err(pg)?;
        Ok(v.finish())
    }
}

/// Gives every console audit entry its hash, chained in seq order (the upgrade to
/// [`AUDIT_VERSION`], whose SQL disabled the append-only trigger), then enables the trigger.
async fn chain_console_audit(tx: &deadpool_postgres::Transaction<'_>) -> StorageResult<()> {
    let rows = tx
        .query(
            &format!("SELECT {CONSOLE_AUDIT_COLUMNS} FROM console_audit ORDER BY seq"),
            &[],
        )
        .await
        .map_err(pg)?;
    // Each keeps its own seq: the chain needs them increasing, not without gaps.
    let mut prev = steady_core::audit::GENESIS;
    for row in &rows {
        let entry = console_audit_from_row(row);
        prev = steady_core::audit::chain_hash(&prev, &crate::audit_log::console_event(&entry));
        tx.execute(
            "UPDATE console_audit SET hash = $2 WHERE seq = $1",
            &[&entry.seq, &&prev[..]],
        )
        .await
        .map_err(pg)?;
    }
    tx.batch_execute(
        "ALTER TABLE console_audit ALTER COLUMN hash DROP DEFAULT; \
         ALTER TABLE console_audit ENABLE TRIGGER console_audit_append_only",
    )
    .await
    .map_err(pg)?;
    Ok(())
}

/// The columns [`console_audit_from_row`] reads, in order.
pub(crate) const CONSOLE_AUDIT_COLUMNS: &str =
    "seq, at, lead_id, action, unit_id, entity, entity_id, detail";

/// A console audit entry from a row of [`CONSOLE_AUDIT_COLUMNS`].
pub(crate) fn console_audit_from_row(
    r: &tokio_postgres::Row,
) -> crate::console::store::ConsoleAuditEntry {
    crate::console::store::ConsoleAuditEntry {
        seq: r.get(0),
        at: Timestamp(r.get(1)),
        lead_id: r.get(2),
        action: r.get(3),
        unit_id: r.get(4),
        entity: r.get(5),
        entity_id: r.get(6),
        detail: r.get(7),
    }
}

const DEVICE_AUDIT_COLUMNS: &str =
    "seq, at, actor, action, entity, entity_id, unit_id, detail, device_id, received_at, hash";

fn device_audit_from_row(r: &tokio_postgres::Row) -> (DeviceAuditEntry, Vec<u8>) {
    (
        DeviceAuditEntry {
            event: AuditEvent {
                seq: r.get(0),
                at: Timestamp(r.get(1)),
                actor: r.get(2),
                action: r.get(3),
                entity: r.get(4),
                entity_id: r.get(5),
                unit_id: r.get(6),
                detail: r.get(7),
            },
            device_id: r.get(8),
            received_at: Timestamp(r.get(9)),
        },
        r.get(10),
    )
}

/// `url` with its database name replaced by `database` (query parameters kept): how tests, the
/// benchmarks and the end-to-end harness make a database of their own next to the one they
/// were given.
pub fn with_database(url: &str, database: &str) -> String {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let path_at = url[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(url.len());
    let query = url[path_at..]
        .find('?')
        .map(|i| &url[path_at + i..])
        .unwrap_or("");
    format!("{}/{database}{query}", &url[..path_at])
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_urls() {
        assert_eq!(
            with_database("postgres://u@h:1/steady", "x"),
            "postgres://u@h:1/x"
        );
        assert_eq!(
            with_database("postgres://u@h:1/steady?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }
}
