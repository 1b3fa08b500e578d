//! The server's two schemas, as a deployment meets them: an older store upgraded by a newer
//! server, and the two back ends side by side.
//!
//! - Every older SQLite store and every older PostgreSQL database (each version from 1 to the
//!   one before the latest, made as the server of that version made it: its migrations and the
//!   steps run with them) opens with today's server, ends with the very schema a new store has (tables,
//!   columns, indexes, triggers), and still serves the record it held.
//! - A fresh SQLite store and a fresh PostgreSQL database have the same tables with the same
//!   columns, so a migration added to one back end and forgotten in the other fails here.
//!
//! The old record is written with the first schema's SQL, as the first server stored it, so
//! each later migration has data to carry. PostgreSQL runs need `STEADY_TEST_DATABASE_URL` as
//! in `conformance.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use steady_core::protocol::EntityKind;
use steady_server::storage::postgres::{PgStorage, with_database};
use steady_server::storage::sqlite::{DB_FILE, SqliteStorage};
use steady_server::storage::{Cursor, Storage};

/// Table → its columns.
type Tables = BTreeMap<String, BTreeSet<String>>;

/// The migration files of `backend` (`sqlite` or `postgres`), in order.
fn migrations(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("migration file"))
        .collect()
}

/// One record as the first schema stores it: a unit, a device with its grant, an incident and
/// its one field. Synthetic.
const V1_RECORD_SQLITE: &str = "\
    INSERT INTO units (unit_id, organisation, name, mental_health_unit) \
        VALUES ('ward-a', 'Synthetic Trust', 'Ash Ward', 1); \
    INSERT INTO devices (device_id, token_hash, label, enrolled_at) \
        VALUES ('old-phone', 'hash-of-a-synthetic-token', 'Sam Example, Nurse', 1000); \
    INSERT INTO grants (device_id, unit_id, role) VALUES ('old-phone', 'ward-a', 'editor'); \
    INSERT INTO entities (entity, entity_id, unit_id) VALUES ('incident', 'inc-1', 'ward-a'); \
    INSERT INTO cells (entity, entity_id, field, item_id, unit_id, value_json, hlc_wall, \
        hlc_counter, hlc_device, seq, written_at) \
        VALUES ('incident', 'inc-1', 'note', '', 'ward-a', '\"pacing the corridor\"', 2000, 0, \
        'old-phone', 1, 2000); \
    UPDATE meta SET value = 1 WHERE key = 'seq';";

const V1_RECORD_POSTGRES: &str = "\
    INSERT INTO units (unit_id, organisation, name, mental_health_unit) \
        VALUES ('ward-a', 'Synthetic Trust', 'Ash Ward', true); \
    INSERT INTO devices (device_id, token_hash, label, enrolled_at) \
        VALUES ('old-phone', 'hash-of-a-synthetic-token', 'Sam Example, Nurse', 1000); \
    INSERT INTO grants (device_id, unit_id, role) VALUES ('old-phone', 'ward-a', 'editor'); \
    INSERT INTO entities (entity, entity_id, unit_id) VALUES ('incident', 'inc-1', 'ward-a'); \
    INSERT INTO cells (entity, entity_id, field, item_id, unit_id, value_json, hlc_wall, \
        hlc_counter, hlc_device, seq, written_at) \
        VALUES ('incident', 'inc-1', 'note', '', 'ward-a', '\"pacing the corridor\"', 2000, 0, \
        'old-phone', nextval('cell_seq'), 2000);";

/// What an upgraded store must still serve: the incident's note, to a device of its unit.
async fn serves_the_old_record(store: &impl Storage, at: &str) {
    let page = store
        .pull(
            Some("another-phone"),
            &["ward-a".to_string()],
            &Cursor::default(),
            100,
        )
        .await
        .unwrap_or_else(|e| panic!("{at}: pull after the upgrade: {e}"));
    let notes: Vec<_> = page
        .changes
        .iter()
        .filter(|c| c.entity == EntityKind::Incident && c.entity_id == "inc-1")
        .collect();
    assert_eq!(notes.len(), 1, "{at}: {:?}", page.changes);
    let text = serde_json::to_string(&notes[0].change).expect("json");
    assert!(text.contains("pacing the corridor"), "{at}: {text}");
}

// ---- SQLite ----

/// Everything SQLite says about the schema, by kind and name: tables with their columns, and
/// the SQL of each index and trigger.
fn sqlite_schema(path: &Path) -> (Tables, BTreeMap<String, String>) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut tables = Tables::new();
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("names");
    for name in names {
        let columns: BTreeSet<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .expect("prepare")
            .query_map([&name], |r| r.get(0))
            .expect("columns")
            .collect::<Result<_, _>>()
            .expect("column names");
        tables.insert(name, columns);
    }
    let others: BTreeMap<String, String> = conn
        .prepare(
            "SELECT type || ' ' || name, coalesce(sql, '') FROM sqlite_master \
             WHERE type IN ('index', 'trigger') ORDER BY name",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("indexes")
        .collect::<Result<_, _>>()
        .expect("index rows");
    (tables, others)
}

#[tokio::test]
async fn every_older_sqlite_store_upgrades_to_a_new_stores_schema_and_keeps_its_records() {
    let files = migrations("sqlite");
    let fresh_dir = tempfile::tempdir().expect("tempdir");
    drop(SqliteStorage::open(fresh_dir.path()).expect("a new store"));
    let fresh = sqlite_schema(&fresh_dir.path().join(DB_FILE));

    for version in 1..files.len() {
        let at = format!("SQLite from version {version}");
        let dir = tempfile::tempdir().expect("tempdir");
        SqliteStorage::create_at_version(dir.path(), 1).expect("a first store");
        rusqlite::Connection::open(dir.path().join(DB_FILE))
            .and_then(|c| c.execute_batch(V1_RECORD_SQLITE))
            .expect("an old record");
        SqliteStorage::create_at_version(dir.path(), version).expect("an older store");
        let store =
            SqliteStorage::open(dir.path()).unwrap_or_else(|e| panic!("{at}: upgrade: {e}"));
        serves_the_old_record(&store, &at).await;
        drop(store);
        assert_eq!(
            sqlite_schema(&dir.path().join(DB_FILE)),
            fresh,
            "{at}: the upgraded schema differs from a new store's"
        );
    }
}

// ---- PostgreSQL ----

/// The admin URL, or `None` (skipped) when PostgreSQL is not available and not required.
fn pg_admin_url() -> Option<String> {
    match std::env::var("STEADY_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("STEADY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "STEADY_REQUIRE_POSTGRES=1 but STEADY_TEST_DATABASE_URL is not set"
            );
            eprintln!("skipped: no PostgreSQL (run bash tests/run)");
            None
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    client
}

/// A new, empty database; returns its URL and name.
async fn new_database(admin: &str) -> (String, String) {
    let name = format!("steady_schema_{}", uuid::Uuid::new_v4().simple());
    connect(admin)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    (with_database(admin, &name), name)
}

async fn drop_database(admin: &str, name: &str) {
    connect(admin)
        .await
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop the test database");
}

/// Tables with their columns (and the schema's indexes by name, with their definitions).
async fn pg_schema(url: &str) -> (Tables, BTreeMap<String, String>) {
    let client = connect(url).await;
    let mut tables = Tables::new();
    for row in client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' ORDER BY 1, 2",
            &[],
        )
        .await
        .expect("columns")
    {
        tables
            .entry(row.get(0))
            .or_default()
            .insert(row.get::<_, String>(1));
    }
    let indexes = client
        .query(
            "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public'",
            &[],
        )
        .await
        .expect("indexes")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    (tables, indexes)
}

#[tokio::test]
async fn every_older_postgres_database_upgrades_to_a_new_ones_schema_and_keeps_its_records() {
    let Some(admin) = pg_admin_url() else { return };
    let files = migrations("postgres");
    let (fresh_url, fresh_name) = new_database(&admin).await;
    drop(
        PgStorage::connect(&fresh_url)
            .await
            .expect("a new database"),
    );
    let fresh = pg_schema(&fresh_url).await;

    for version in 1..files.len() {
        let at = format!("PostgreSQL from version {version}");
        let (url, name) = new_database(&admin).await;
        PgStorage::create_at_version(&url, 1)
            .await
            .expect("a first database");
        connect(&url)
            .await
            .batch_execute(V1_RECORD_POSTGRES)
            .await
            .expect("an old record");
        PgStorage::create_at_version(&url, version)
            .await
            .expect("an older database");
        let store = PgStorage::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{at}: upgrade: {e}"));
        serves_the_old_record(&store, &at).await;
        drop(store);
        assert_eq!(
            pg_schema(&url).await,
            fresh,
            "{at}: the upgraded schema differs from a new database's"
        );
        drop_database(&admin, &name).await;
    }
    drop_database(&admin, &fresh_name).await;
}

/// The tables only one back end has, each for a reason: SQLite keeps the schema version in
/// `PRAGMA user_version`, PostgreSQL in a table.
const ONLY_POSTGRES: &[&str] = &["schema_version"];

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_tables_and_columns() {
    let Some(admin) = pg_admin_url() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    drop(SqliteStorage::open(dir.path()).expect("a new store"));
    let (sqlite, _) = sqlite_schema(&dir.path().join(DB_FILE));
    let (url, name) = new_database(&admin).await;
    drop(PgStorage::connect(&url).await.expect("a new database"));
    let (mut postgres, _) = pg_schema(&url).await;
    drop_database(&admin, &name).await;
    for table in ONLY_POSTGRES {
        assert!(postgres.remove(*table).is_some(), "{table} is expected");
    }
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "the back ends' tables differ"
    );
    for (table, columns) in &sqlite {
        assert_eq!(
            columns, &postgres[table],
            "the columns of {table} differ between SQLite and PostgreSQL"
        );
    }
}
