//! The storage conformance suite: one set of tests that every back end must pass, so the
//! embedded SQLite store and the shared PostgreSQL store keep one meaning.
//!
//! Each test is written once against [`Storage`] and instantiated for both back ends by
//! [`conformance!`]: `sqlite::<test>` on a fresh directory, `postgres::<test>` on a fresh
//! database made for it from `STEADY_TEST_DATABASE_URL` and dropped after. Without that
//! variable the PostgreSQL tests print "skipped" and pass, unless `STEADY_REQUIRE_POSTGRES=1`
//! (set by `tests/postgres.sh`, which `tests/run` sources), when they fail. A few PostgreSQL
//! tests have no SQLite twin: the push held open at its commit point, migrations racing, and the
//! plan of an idle pull.
//!
//! The cursor trap (DESIGN.md §5) is tested twice: by many writers on several handles ("server
//! processes") against readers pulling all the while, and, on PostgreSQL, deterministically, with
//! a push stopped between its writes and its commit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use steady_server::storage::postgres::with_database;

use serde_json::{Value, json};
use steady_core::audit::AuditEvent;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::AuditRecord;
use steady_core::protocol::{
    ADDENDA_LIST, Change, EntityKind, OpOutcome, OpResult, Operation, PulledChange, RejectReason,
};
use steady_server::audit_log::AuditAppend;
use steady_server::console::store::{ConsoleAuditEntry, ConsoleStorage};
use steady_server::merge::MAX_CLOCK_AHEAD_MS;
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{
    Cursor, GrantSpec, NewDevice, NewEnrolmentCode, Page, Redeemed, Refusal, Storage, StorageError,
    Unit, hash_secret,
};

/// The server's clock in these tests.
const NOW: Timestamp = Timestamp(1_800_000_000_000);

// ---------------------------------------------------------------------------------------------
// Back ends

/// A fresh, empty store of one kind, and more handles on it.
trait Backend: Sized {
    type S: Storage;

    /// A new empty store, or `None` when this back end cannot run here (skipped).
    async fn fresh() -> Option<Self>;

    /// The store.
    fn store(&self) -> Arc<Self::S>;

    /// Another handle on the same store, as another server process would hold one
    /// (PostgreSQL: another connection pool; SQLite: another open of the same file).
    async fn another(&self) -> Arc<Self::S>;

    /// The query plan of a pull, where the back end can show one.
    async fn explain_pull(&self, _units: &[String], _cursor: &Cursor) -> Option<String> {
        None
    }

    /// Runs SQL on the store behind the server's back (an operator with a database shell):
    /// `sqlite` on the SQLite back end, `postgres` on PostgreSQL.
    async fn raw_sql(&self, sqlite: &str, postgres: &str) -> Result<(), String>;
}

struct SqliteBackend {
    dir: tempfile::TempDir,
    store: Arc<SqliteStorage>,
}

impl Backend for SqliteBackend {
    type S = SqliteStorage;

    async fn fresh() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(SqliteStorage::open(dir.path()).expect("open sqlite store"));
        Some(SqliteBackend { dir, store })
    }

    fn store(&self) -> Arc<SqliteStorage> {
        self.store.clone()
    }

    async fn another(&self) -> Arc<SqliteStorage> {
        Arc::new(SqliteStorage::open(self.dir.path()).expect("open sqlite store again"))
    }

    async fn raw_sql(&self, sqlite: &str, _: &str) -> Result<(), String> {
        let conn = rusqlite::Connection::open(self.store.path()).map_err(|e| e.to_string())?;
        conn.execute_batch(sqlite).map_err(|e| e.to_string())
    }
}

/// A database made for one test and dropped when the test ends (even by a panic).
struct PgBackend {
    admin_url: String,
    database: String,
    url: String,
    store: Arc<PgStorage>,
}

/// The admin URL, or `None` (skipped) when PostgreSQL is not available and not required.
fn pg_admin_url() -> Option<String> {
    match std::env::var("STEADY_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("STEADY_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!(
                    "STEADY_REQUIRE_POSTGRES=1 but STEADY_TEST_DATABASE_URL is not set: run \
                     `bash tests/run`, or `source tests/postgres.sh && steady_pg_start` first"
                );
            }
            eprintln!("skipped: no PostgreSQL (run bash tests/run)");
            None
        }
    }
}

async fn admin_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to STEADY_TEST_DATABASE_URL");
    tokio::spawn(connection);
    client
}

impl PgBackend {
    async fn create() -> Option<(String, String, String)> {
        let admin_url = pg_admin_url()?;
        let database = format!("steady_test_{}", uuid::Uuid::new_v4().simple());
        admin_client(&admin_url)
            .await
            .batch_execute(&format!("CREATE DATABASE {database}"))
            .await
            .expect("create a test database");
        let url = with_database(&admin_url, &database);
        Some((admin_url, database, url))
    }

    /// A raw connection to the test database, for what the trait cannot show.
    async fn raw(&self) -> tokio_postgres::Client {
        admin_client(&self.url).await
    }
}

impl Backend for PgBackend {
    type S = PgStorage;

    async fn fresh() -> Option<Self> {
        let (admin_url, database, url) = PgBackend::create().await?;
        let store = Arc::new(PgStorage::connect(&url).await.expect("connect PgStorage"));
        Some(PgBackend {
            admin_url,
            database,
            url,
            store,
        })
    }

    fn store(&self) -> Arc<PgStorage> {
        self.store.clone()
    }

    async fn another(&self) -> Arc<PgStorage> {
        Arc::new(PgStorage::connect(&self.url).await.expect("connect again"))
    }

    async fn explain_pull(&self, units: &[String], cursor: &Cursor) -> Option<String> {
        Some(
            self.store
                .explain_pull(units, cursor, 100)
                .await
                .expect("explain"),
        )
    }

    async fn raw_sql(&self, _: &str, postgres: &str) -> Result<(), String> {
        self.raw()
            .await
            .batch_execute(postgres)
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => db.message().to_string(),
                None => e.to_string(),
            })
    }
}

impl Drop for PgBackend {
    fn drop(&mut self) {
        // Dropped inside the test's runtime, perhaps while panicking: a thread with its own
        // runtime does the async work. FORCE closes the pools' connections.
        let (admin_url, database) = (self.admin_url.clone(), self.database.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// Instantiates each generic test once per back end.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    use super::Backend as _;
                    let Some(backend) = super::SqliteBackend::fresh().await else { return };
                    super::$name(backend).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    use super::Backend as _;
                    let Some(backend) = super::PgBackend::fresh().await else { return };
                    super::$name(backend).await;
                }
            )*
        }
    };
}

conformance!(
    units_are_listed_by_name_and_an_id_is_never_reused,
    a_code_enrols_one_device_once_with_its_grants,
    an_expired_code_is_refused,
    wrong_secrets_are_counted_until_even_the_right_one_fails,
    an_enrolled_device_id_is_refused_and_the_code_stays_usable,
    codes_name_existing_units_and_are_unique,
    tokens_authenticate_by_hash_and_revocation_shows,
    grants_list_ended_ones_and_ending_never_extends,
    a_code_adds_a_placement_to_an_enrolled_device_replacing_its_grant_in_a_unit,
    a_placement_code_is_counted_expired_and_single_use_as_an_enrolment_code_is,
    a_revoked_or_unknown_device_is_refused_before_the_code_is_touched,
    pushed_ops_come_back_on_pull_grouped_per_record,
    a_device_is_not_sent_back_what_it_pushed_but_gets_it_from_empty,
    a_device_that_pushed_a_backlog_is_not_paged_through_it,
    a_retried_op_id_gets_its_first_answer_and_writes_nothing,
    the_later_stamp_wins_each_field_and_the_loser_hears_the_winner,
    a_day_fast_stamp_is_clamped_and_stored_clamped,
    a_reader_editing_a_sheet_is_rejected_and_nothing_is_written,
    a_record_of_another_unit_is_a_unit_mismatch,
    a_submitted_incident_takes_only_new_addenda,
    the_record_log_holds_submitted_incidents_and_finds_a_changed_byte,
    a_change_made_before_a_grant_ended_is_accepted_after,
    the_server_pushes_without_grant_checks,
    paging_returns_every_change_once_in_order_with_more_right,
    a_unit_granted_later_pulls_its_full_history,
    a_cursor_older_than_purged_tombstones_must_resync,
    an_idle_pull_reads_nothing_however_much_is_stored,
    concurrent_writers_never_make_a_reader_skip_or_repeat_a_change,
    another_units_crisis_plan_cannot_be_taken_over,
    an_incident_names_only_a_person_of_its_own_unit,
    a_submission_locks_whatever_order_the_ops_arrive_in,
    one_bad_op_is_rejected_naming_its_field_and_the_rest_apply,
    a_devices_audit_trail_is_stored_once_in_chain_and_verify_finds_an_edited_row,
    a_batch_that_breaks_a_devices_chain_is_refused_whole,
    the_console_audit_log_is_chained_and_verify_finds_an_edited_entry,
);

// ---------------------------------------------------------------------------------------------
// Helpers

fn unit(id: &str, name: &str) -> Unit {
    Unit {
        unit_id: id.into(),
        organisation: "Northfield Trust".into(),
        name: name.into(),
        mental_health_unit: id == "ward-a",
    }
}

/// Units ward-a ("Ash ward") and ward-b ("Birch house").
async fn with_units<S: Storage>(store: &S) {
    store
        .create_unit(&unit("ward-a", "Ash ward"))
        .await
        .unwrap();
    store
        .create_unit(&unit("ward-b", "Birch house"))
        .await
        .unwrap();
}

fn code(
    code_id: &str,
    secret: &str,
    grants: &[(&str, Role, Option<Timestamp>)],
) -> NewEnrolmentCode {
    NewEnrolmentCode {
        code_id: code_id.into(),
        secret_hash: hash_secret(secret),
        grants: grants
            .iter()
            .map(|(u, role, ends_at)| GrantSpec {
                unit_id: (*u).into(),
                role: *role,
                ends_at: *ends_at,
            })
            .collect(),
        expires_at: NOW.plus_minutes(30),
        max_attempts: 3,
    }
}

fn device(id: &str) -> NewDevice {
    NewDevice {
        device_id: id.into(),
        token_hash: hash_secret(&format!("token-of-{id}")),
        label: format!("Device {id}"),
        staff: Some(("Alex Morgan".into(), "Support worker".into())),
    }
}

/// Enrols `device_id` with `grants` through a fresh code.
async fn enrol<S: Storage>(store: &S, device_id: &str, grants: &[(&str, Role, Option<Timestamp>)]) {
    let code_id = format!("code-{device_id}");
    store
        .issue_code(&code(&code_id, "s3cret", grants))
        .await
        .unwrap();
    let redeemed = store
        .redeem_code(&code_id, &hash_secret("s3cret"), &device(device_id), NOW)
        .await
        .unwrap();
    assert!(matches!(redeemed, Redeemed::Enrolled(_)), "{redeemed:?}");
}

fn stamp(wall_ms: i64, device: &str) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        device: device.into(),
    }
}

/// An operation setting plain fields.
fn fields(
    op_id: &str,
    entity: EntityKind,
    entity_id: &str,
    unit_id: &str,
    values: &[(&str, Value)],
    stamp: Hlc,
) -> Operation {
    Operation {
        op_id: op_id.into(),
        entity,
        entity_id: entity_id.into(),
        unit_id: unit_id.into(),
        change: Change::Fields(
            values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        ),
        stamp,
    }
}

/// An operation setting one list item.
fn item(
    op_id: &str,
    entity: EntityKind,
    entity_id: &str,
    unit_id: &str,
    (list, item_id): (&str, &str),
    value: Value,
    stamp: Hlc,
) -> Operation {
    Operation {
        op_id: op_id.into(),
        entity,
        entity_id: entity_id.into(),
        unit_id: unit_id.into(),
        change: Change::Item {
            list: list.into(),
            item_id: item_id.into(),
            value,
        },
        stamp,
    }
}

/// An addendum as the core writes it (the server refuses one it could not read back).
fn addendum_value(text: &str) -> Value {
    json!({"pos": 1.0, "author": "Alex Morgan", "job_title": "Support worker", "at": NOW.0 - 1,
           "reason": "Learned later", "text": text})
}

fn units(names: &[&str]) -> Vec<String> {
    names.iter().map(|u| u.to_string()).collect()
}

fn applied(result: &OpResult) -> bool {
    matches!(result.outcome, OpOutcome::Applied { .. })
}

fn rejected(result: &OpResult) -> Option<RejectReason> {
    match result.outcome {
        OpOutcome::Rejected { reason, .. } => Some(reason),
        _ => None,
    }
}

/// One field or item as pulled: (entity id, field, item id, value, stamp, unit).
type PulledCell = (String, String, String, Value, Hlc, String);

/// The cells a list of changes carries, in order.
fn cells_of(changes: &[PulledChange]) -> Vec<PulledCell> {
    let mut cells = Vec::new();
    for c in changes {
        match &c.change {
            Change::Fields(f) => {
                for (field, value) in f {
                    cells.push((
                        c.entity_id.clone(),
                        field.clone(),
                        String::new(),
                        value.clone(),
                        c.stamp.clone(),
                        c.unit_id.clone(),
                    ));
                }
            }
            Change::Item {
                list,
                item_id,
                value,
            } => cells.push((
                c.entity_id.clone(),
                list.clone(),
                item_id.clone(),
                value.clone(),
                c.stamp.clone(),
                c.unit_id.clone(),
            )),
        }
    }
    cells
}

/// Pulls page after page until `more` is false; checks no page is larger than `limit`.
async fn pull_all<S: Storage>(
    store: &S,
    units: &[String],
    mut cursor: Cursor,
    limit: u32,
) -> (Vec<PulledChange>, Cursor, usize) {
    let mut changes = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.pull(None, units, &cursor, limit).await.unwrap();
        assert!(!page.full_resync);
        assert!(page.changes.len() <= limit as usize, "page over its limit");
        assert!(
            cells_of(&page.changes).len() <= limit as usize,
            "a page carries at most `limit` cells"
        );
        pages += 1;
        assert!(pages < 100_000, "pull never ends");
        changes.extend(page.changes);
        cursor = page.cursor;
        if !page.more {
            return (changes, cursor, pages);
        }
    }
}

/// A tiny deterministic generator (no dependency needed for test noise).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

// ---------------------------------------------------------------------------------------------
// Units, codes, devices, grants

async fn units_are_listed_by_name_and_an_id_is_never_reused<B: Backend>(b: B) {
    let store = b.store();
    store
        .create_unit(&unit("ward-b", "Birch house"))
        .await
        .unwrap();
    store
        .create_unit(&unit("ward-a", "Ash ward"))
        .await
        .unwrap();
    let listed = store.units().await.unwrap();
    assert_eq!(
        listed,
        vec![unit("ward-a", "Ash ward"), unit("ward-b", "Birch house")]
    );
    assert!(listed[0].mental_health_unit && !listed[1].mental_health_unit);

    let again = store.create_unit(&unit("ward-a", "Another name")).await;
    assert!(matches!(again, Err(StorageError::Exists(_))), "{again:?}");
    let bad = store.create_unit(&unit("ward a,=1", "Bad id")).await;
    assert!(matches!(bad, Err(StorageError::Invalid(_))), "{bad:?}");
    assert_eq!(
        store.units().await.unwrap().len(),
        2,
        "nothing else was stored"
    );
    store.health().await.unwrap();
}

async fn a_code_enrols_one_device_once_with_its_grants<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    let ends = NOW.plus_days(30);
    store
        .issue_code(&code(
            "K7P2",
            "horse-battery",
            &[
                ("ward-a", Role::Editor, None),
                ("ward-b", Role::Reader, Some(ends)),
            ],
        ))
        .await
        .unwrap();
    let redeemed = store
        .redeem_code("K7P2", &hash_secret("horse-battery"), &device("dev-a"), NOW)
        .await
        .unwrap();
    let Redeemed::Enrolled(mut grants) = redeemed else {
        panic!("{redeemed:?}")
    };
    grants.sort_by(|a, b| a.unit_id.cmp(&b.unit_id));
    assert_eq!(grants.len(), 2);
    assert_eq!(
        (
            grants[0].unit_id.as_str(),
            grants[0].role,
            grants[0].ends_at
        ),
        ("ward-a", Role::Editor, None)
    );
    assert_eq!(grants[0].name, "Ash ward");
    assert!(grants[0].mental_health_unit);
    assert_eq!(
        (
            grants[1].unit_id.as_str(),
            grants[1].role,
            grants[1].ends_at
        ),
        ("ward-b", Role::Reader, Some(ends))
    );

    // Single use: the same code, even with the right secret, enrols nobody else.
    let second = store
        .redeem_code("K7P2", &hash_secret("horse-battery"), &device("dev-b"), NOW)
        .await
        .unwrap();
    assert_eq!(second, Redeemed::Refused(Refusal::Used));
    let unknown = store
        .redeem_code("NOPE", &hash_secret("horse-battery"), &device("dev-b"), NOW)
        .await
        .unwrap();
    assert_eq!(unknown, Redeemed::Refused(Refusal::Unknown));

    let devices = store.devices().await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_id, "dev-a");
    assert_eq!(devices[0].label, "Device dev-a");
    assert_eq!(devices[0].enrolled_at, NOW);
    assert_eq!(devices[0].revoked_at, None);
    let stored = store.grants("dev-a").await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().any(|(g, u)| g.unit_id == "ward-b"
        && g.role == Role::Reader
        && g.ends_at == Some(ends)
        && u.name == "Birch house"));
    assert!(store.grants("dev-b").await.unwrap().is_empty());
}

async fn an_expired_code_is_refused<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    let c = code("EXP1", "s", &[("ward-a", Role::Reader, None)]);
    store.issue_code(&c).await.unwrap();
    let late = store
        .redeem_code("EXP1", &hash_secret("s"), &device("dev-a"), c.expires_at)
        .await
        .unwrap();
    assert_eq!(late, Redeemed::Refused(Refusal::Expired));
    assert!(store.devices().await.unwrap().is_empty());
    // A minute before expiry it still works.
    let in_time = store
        .redeem_code(
            "EXP1",
            &hash_secret("s"),
            &device("dev-a"),
            c.expires_at.plus_minutes(-1),
        )
        .await
        .unwrap();
    assert!(matches!(in_time, Redeemed::Enrolled(_)), "{in_time:?}");
}

async fn wrong_secrets_are_counted_until_even_the_right_one_fails<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    store
        .issue_code(&code("GUESS", "right", &[("ward-a", Role::Reader, None)]))
        .await
        .unwrap();
    for guess in ["wrong-1", "wrong-2", "wrong-3"] {
        let r = store
            .redeem_code("GUESS", &hash_secret(guess), &device("dev-x"), NOW)
            .await
            .unwrap();
        assert_eq!(r, Redeemed::Refused(Refusal::WrongSecret));
    }
    // Three wrong guesses were committed even though each answer was "no": the code is burned.
    let r = store
        .redeem_code("GUESS", &hash_secret("right"), &device("dev-x"), NOW)
        .await
        .unwrap();
    assert_eq!(r, Redeemed::Refused(Refusal::Exhausted));
    assert!(store.devices().await.unwrap().is_empty());
}

async fn an_enrolled_device_id_is_refused_and_the_code_stays_usable<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    store
        .issue_code(&code("SECOND", "s", &[("ward-b", Role::Lead, None)]))
        .await
        .unwrap();
    let clash = store
        .redeem_code("SECOND", &hash_secret("s"), &device("dev-a"), NOW)
        .await
        .unwrap();
    assert_eq!(clash, Redeemed::Refused(Refusal::DeviceExists));
    // dev-a's grants are untouched by the refused code.
    let grants = store.grants("dev-a").await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].0.unit_id, "ward-a");
    // The code was not used up by the refusal.
    let other = store
        .redeem_code("SECOND", &hash_secret("s"), &device("dev-b"), NOW)
        .await
        .unwrap();
    assert!(matches!(other, Redeemed::Enrolled(ref g) if g.len() == 1 && g[0].role == Role::Lead));
}

async fn codes_name_existing_units_and_are_unique<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    let missing = store
        .issue_code(&code(
            "C1",
            "s",
            &[
                ("ward-a", Role::Reader, None),
                ("ward-z", Role::Reader, None),
            ],
        ))
        .await;
    assert!(
        matches!(missing, Err(StorageError::NotFound(_))),
        "{missing:?}"
    );
    // Nothing was stored for the refused code.
    let r = store
        .redeem_code("C1", &hash_secret("s"), &device("dev-a"), NOW)
        .await
        .unwrap();
    assert_eq!(r, Redeemed::Refused(Refusal::Unknown));
    store
        .issue_code(&code("C1", "s", &[("ward-a", Role::Reader, None)]))
        .await
        .unwrap();
    let twice = store
        .issue_code(&code("C1", "other", &[("ward-b", Role::Lead, None)]))
        .await;
    assert!(matches!(twice, Err(StorageError::Exists(_))), "{twice:?}");
}

async fn tokens_authenticate_by_hash_and_revocation_shows<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Reader, None)]).await;
    let token_hash = device("dev-a").token_hash;
    let who = store
        .authenticate(&token_hash)
        .await
        .unwrap()
        .expect("known token");
    assert_eq!((who.device_id.as_str(), who.revoked), ("dev-a", false));
    assert_eq!(
        store.authenticate(&hash_secret("guess")).await.unwrap(),
        None
    );
    // The token itself is not what is stored: presenting the raw token is not its hash.
    assert_eq!(store.authenticate("token-of-dev-a").await.unwrap(), None);

    assert!(
        store
            .revoke_device("dev-a", NOW.plus_minutes(5))
            .await
            .unwrap()
    );
    assert!(!store.revoke_device("dev-zz", NOW).await.unwrap());
    let who = store.authenticate(&token_hash).await.unwrap().unwrap();
    assert!(who.revoked, "a revoked device is told so");
    // Revoking again keeps the first time.
    assert!(
        store
            .revoke_device("dev-a", NOW.plus_days(1))
            .await
            .unwrap()
    );
    let devices = store.devices().await.unwrap();
    assert_eq!(devices[0].revoked_at, Some(NOW.plus_minutes(5)));
}

async fn grants_list_ended_ones_and_ending_never_extends<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(
        &*store,
        "dev-a",
        &[
            ("ward-a", Role::Editor, None),
            ("ward-b", Role::Reader, None),
        ],
    )
    .await;
    let end = NOW.plus_minutes(-10);
    assert!(store.end_grant("dev-a", "ward-b", end).await.unwrap());
    assert!(!store.end_grant("dev-a", "ward-z", end).await.unwrap());
    assert!(!store.end_grant("dev-zz", "ward-a", end).await.unwrap());
    // Ending again later does not give the access back.
    assert!(
        store
            .end_grant("dev-a", "ward-b", NOW.plus_days(5))
            .await
            .unwrap()
    );
    let grants: BTreeMap<String, Option<Timestamp>> = store
        .grants("dev-a")
        .await
        .unwrap()
        .into_iter()
        .map(|(g, _)| (g.unit_id, g.ends_at))
        .collect();
    assert_eq!(
        grants,
        BTreeMap::from([
            ("ward-a".to_string(), None),
            ("ward-b".to_string(), Some(end))
        ]),
        "ended grants are still listed"
    );
}

/// The device's grants as (unit, role, end), by unit.
async fn grant_table<S: Storage>(
    store: &S,
    device_id: &str,
) -> BTreeMap<String, (Role, Option<Timestamp>)> {
    store
        .grants(device_id)
        .await
        .unwrap()
        .into_iter()
        .map(|(g, _)| (g.unit_id, (g.role, g.ends_at)))
        .collect()
}

async fn a_code_adds_a_placement_to_an_enrolled_device_replacing_its_grant_in_a_unit<B: Backend>(
    b: B,
) {
    let store = b.store();
    with_units(&*store).await;
    store
        .create_unit(&unit("ward-c", "Cedar unit"))
        .await
        .unwrap();
    enrol(
        &*store,
        "dev-a",
        &[
            ("ward-a", Role::Editor, Some(NOW.plus_days(2))),
            ("ward-c", Role::Reader, None),
        ],
    )
    .await;
    // The next placement: a new unit, and the same ward again with a new role and end.
    let ends = NOW.plus_days(30);
    store
        .issue_code(&code(
            "NEXT",
            "s",
            &[
                ("ward-b", Role::Editor, Some(ends)),
                ("ward-a", Role::Lead, None),
            ],
        ))
        .await
        .unwrap();
    let redeemed = store
        .redeem_code_for_device("NEXT", &hash_secret("s"), "dev-a", NOW)
        .await
        .unwrap();
    let Redeemed::Enrolled(mut added) = redeemed else {
        panic!("{redeemed:?}")
    };
    added.sort_by(|a, b| a.unit_id.cmp(&b.unit_id));
    assert_eq!(
        added
            .iter()
            .map(|g| (g.unit_id.as_str(), g.role, g.ends_at, g.name.as_str()))
            .collect::<Vec<_>>(),
        [
            ("ward-a", Role::Lead, None, "Ash ward"),
            ("ward-b", Role::Editor, Some(ends), "Birch house"),
        ],
        "the code's grants, with their units"
    );
    assert_eq!(
        grant_table(&*store, "dev-a").await,
        BTreeMap::from([
            ("ward-a".to_string(), (Role::Lead, None)),
            ("ward-b".to_string(), (Role::Editor, Some(ends))),
            ("ward-c".to_string(), (Role::Reader, None)),
        ]),
        "added to the device's grants; its grant in ward-a replaced, ward-c untouched"
    );
    // Still one device, with the token it had.
    assert_eq!(store.devices().await.unwrap().len(), 1);
    let who = store
        .authenticate(&device("dev-a").token_hash)
        .await
        .unwrap()
        .expect("the same token");
    assert_eq!(who.device_id, "dev-a");
    // Burned as an enrolment burns a code: neither this device nor a new one redeems it again.
    assert_eq!(
        store
            .redeem_code_for_device("NEXT", &hash_secret("s"), "dev-a", NOW)
            .await
            .unwrap(),
        Redeemed::Refused(Refusal::Used)
    );
    assert_eq!(
        store
            .redeem_code("NEXT", &hash_secret("s"), &device("dev-b"), NOW)
            .await
            .unwrap(),
        Redeemed::Refused(Refusal::Used)
    );
    // And a code already used for an enrolment adds nothing.
    assert_eq!(
        store
            .redeem_code_for_device("code-dev-a", &hash_secret("s3cret"), "dev-a", NOW)
            .await
            .unwrap(),
        Redeemed::Refused(Refusal::Used)
    );
}

async fn a_placement_code_is_counted_expired_and_single_use_as_an_enrolment_code_is<B: Backend>(
    b: B,
) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    let before = grant_table(&*store, "dev-a").await;
    store
        .issue_code(&code("GUESS", "right", &[("ward-b", Role::Reader, None)]))
        .await
        .unwrap();
    for guess in ["wrong-1", "wrong-2", "wrong-3"] {
        let r = store
            .redeem_code_for_device("GUESS", &hash_secret(guess), "dev-a", NOW)
            .await
            .unwrap();
        assert_eq!(r, Redeemed::Refused(Refusal::WrongSecret));
    }
    // The wrong guesses were committed: the code is burned for everyone.
    let r = store
        .redeem_code_for_device("GUESS", &hash_secret("right"), "dev-a", NOW)
        .await
        .unwrap();
    assert_eq!(r, Redeemed::Refused(Refusal::Exhausted));
    assert_eq!(
        store
            .redeem_code("GUESS", &hash_secret("right"), &device("dev-b"), NOW)
            .await
            .unwrap(),
        Redeemed::Refused(Refusal::Exhausted)
    );
    // Expiry and unknown codes as for an enrolment.
    let c = code("EXP1", "s", &[("ward-b", Role::Reader, None)]);
    store.issue_code(&c).await.unwrap();
    assert_eq!(
        store
            .redeem_code_for_device("EXP1", &hash_secret("s"), "dev-a", c.expires_at)
            .await
            .unwrap(),
        Redeemed::Refused(Refusal::Expired)
    );
    assert_eq!(
        store
            .redeem_code_for_device("NOPE", &hash_secret("s"), "dev-a", NOW)
            .await
            .unwrap(),
        Redeemed::Refused(Refusal::Unknown)
    );
    assert_eq!(grant_table(&*store, "dev-a").await, before, "nothing added");
    // A minute before expiry it still works.
    let in_time = store
        .redeem_code_for_device(
            "EXP1",
            &hash_secret("s"),
            "dev-a",
            c.expires_at.plus_minutes(-1),
        )
        .await
        .unwrap();
    assert!(
        matches!(in_time, Redeemed::Enrolled(ref g) if g.len() == 1),
        "{in_time:?}"
    );
    assert_eq!(grant_table(&*store, "dev-a").await.len(), 2);
}

async fn a_revoked_or_unknown_device_is_refused_before_the_code_is_touched<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    assert!(store.revoke_device("dev-a", NOW).await.unwrap());
    store
        .issue_code(&code("KEEP", "right", &[("ward-b", Role::Reader, None)]))
        .await
        .unwrap();
    // More wrong secrets than the code allows, from a revoked and from an unknown device: none
    // is counted, and the right secret is refused too.
    for guess in ["wrong-1", "wrong-2", "wrong-3", "right"] {
        assert_eq!(
            store
                .redeem_code_for_device("KEEP", &hash_secret(guess), "dev-a", NOW)
                .await
                .unwrap(),
            Redeemed::Refused(Refusal::DeviceRevoked)
        );
        assert_eq!(
            store
                .redeem_code_for_device("KEEP", &hash_secret(guess), "dev-zz", NOW)
                .await
                .unwrap(),
            Redeemed::Refused(Refusal::DeviceUnknown)
        );
    }
    assert_eq!(
        grant_table(&*store, "dev-a").await.len(),
        1,
        "the revoked device gained nothing"
    );
    assert!(store.grants("dev-zz").await.unwrap().is_empty());
    // The code was neither used nor counted down: it still enrols its rightful owner.
    let owner = store
        .redeem_code("KEEP", &hash_secret("right"), &device("dev-b"), NOW)
        .await
        .unwrap();
    assert!(
        matches!(owner, Redeemed::Enrolled(ref g) if g.len() == 1),
        "{owner:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Push and pull

async fn pushed_ops_come_back_on_pull_grouped_per_record<B: Backend>(b: B) {
    // Person records carry these fields and items: the record kind is incidental here (a sheet
    // would need its person first; that rule has its own test).
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    let ops = vec![
        fields(
            "op-1",
            EntityKind::Person,
            "sam",
            "ward-a",
            &[
                ("preferred_name", json!("Music, tea")),
                ("local_identifier", json!("Noise")),
                ("deleted", json!(null)),
            ],
            stamp(NOW.0 - 100, "dev-a"),
        ),
        item(
            "op-2",
            EntityKind::Person,
            "sam",
            "ward-a",
            ("safety_alerts", "ws-1"),
            json!({"pos": 1, "text": "pacing", "pos": 1}),
            stamp(NOW.0 - 90, "dev-a"),
        ),
        fields(
            "op-3",
            EntityKind::Incident,
            "inc-1",
            "ward-a",
            &[("note", json!("Sam upset at handover"))],
            stamp(NOW.0 - 80, "dev-a"),
        ),
    ];
    let results = store.push(Some("dev-a"), &ops, NOW).await.unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(applied), "{results:?}");
    assert_eq!(
        results.iter().map(|r| r.op_id.as_str()).collect::<Vec<_>>(),
        ["op-1", "op-2", "op-3"]
    );
    assert_eq!(store.cell_count().await.unwrap(), 5);

    let page = store
        .pull(None, &units(&["ward-a"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert!(!page.more && !page.full_resync);
    let expected: Vec<PulledChange> = ops.iter().map(PulledChange::from).collect();
    assert_eq!(
        page.changes, expected,
        "one change per record and stamp, in push order"
    );
    assert!(page.cursor.position("ward-a") > 0);

    // Pulled again from where it ended: nothing.
    let again = store
        .pull(None, &units(&["ward-a"]), &page.cursor, 100)
        .await
        .unwrap();
    assert!(again.changes.is_empty() && !again.more);
    assert_eq!(
        again.cursor.position("ward-a"),
        page.cursor.position("ward-a")
    );
    // A unit without the records sees none of them.
    let other = store
        .pull(None, &units(&["ward-b"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert!(other.changes.is_empty());
}

/// A HEMS phone back in signal pushes a day's backlog, then pulls: its own cells, which it has,
/// neither fill its pages (so a colleague's one change comes in the first page, not after
/// pages of nothing) nor are read without bound (a page reads at most PULL_SCAN_FACTOR times
/// its limit, then says `more`).
async fn a_device_that_pushed_a_backlog_is_not_paged_through_it<B: Backend>(b: B) {
    use steady_server::storage::PULL_SCAN_FACTOR;
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Editor, None)]).await;
    let ward = units(&["ward-a"]);
    let capture = |n: usize, dev: &str| {
        fields(
            &format!("op-{dev}-{n}"),
            EntityKind::Incident,
            &format!("inc-{dev}-{n}"),
            "ward-a",
            &[("note", json!(format!("capture {n}")))],
            stamp(NOW.0 - 10_000 + n as i64, dev),
        )
    };
    // dev-a has synced once (its cursor is past zero), then pushes its backlog.
    store
        .push(Some("dev-b"), &[capture(0, "dev-b")], NOW)
        .await
        .unwrap();
    let first = store
        .pull(Some("dev-a"), &ward, &Cursor::default(), 100)
        .await
        .unwrap();
    assert_eq!(first.changes.len(), 1);
    let limit = 100u32;
    let bound = limit as usize * PULL_SCAN_FACTOR;
    let backlog: Vec<Operation> = (0..bound / 2).map(|n| capture(n, "dev-a")).collect();
    assert!(
        store
            .push(Some("dev-a"), &backlog, NOW)
            .await
            .unwrap()
            .iter()
            .all(applied)
    );
    store
        .push(Some("dev-b"), &[capture(1, "dev-b")], NOW)
        .await
        .unwrap();

    let page = store
        .pull(Some("dev-a"), &ward, &first.cursor, limit)
        .await
        .unwrap();
    assert_eq!(
        page.changes
            .iter()
            .map(|c| c.entity_id.as_str())
            .collect::<Vec<_>>(),
        ["inc-dev-b-1"],
        "the colleague's change in the first page"
    );
    assert!(!page.more);

    // A backlog longer than the bound: a page stops reading at it and says more; the pages
    // together still bring the colleague's change, once.
    let longer: Vec<Operation> = (bound..bound * 3).map(|n| capture(n, "dev-a")).collect();
    for batch in longer.chunks(1000) {
        assert!(
            store
                .push(Some("dev-a"), batch, NOW)
                .await
                .unwrap()
                .iter()
                .all(applied)
        );
    }
    store
        .push(Some("dev-b"), &[capture(2, "dev-b")], NOW)
        .await
        .unwrap();
    let mut cursor = page.cursor;
    let mut pages = 0;
    let mut heard = Vec::new();
    loop {
        let next = store
            .pull(Some("dev-a"), &ward, &cursor, limit)
            .await
            .unwrap();
        pages += 1;
        heard.extend(next.changes.iter().map(|c| c.entity_id.clone()));
        cursor = next.cursor;
        if !next.more {
            break;
        }
        assert!(next.changes.is_empty(), "only the backlog read so far");
    }
    assert_eq!(heard, ["inc-dev-b-2"]);
    assert_eq!(pages, 3, "{} own cells read {bound} a page", bound * 2);

    // A unit newly pulled (cursor zero there) gets the reader's own cells with their values,
    // even when they come after own cells skipped in a unit it has pulled before.
    let more_own: Vec<Operation> = (bound * 3..bound * 3 + 300)
        .map(|n| capture(n, "dev-a"))
        .collect();
    assert!(
        store
            .push(Some("dev-a"), &more_own, NOW)
            .await
            .unwrap()
            .iter()
            .all(applied)
    );
    let in_b: Vec<Operation> = (0..50)
        .map(|n| {
            fields(
                &format!("op-b-{n}"),
                EntityKind::Incident,
                &format!("inc-b-{n}"),
                "ward-b",
                &[("note", json!(format!("birch {n}")))],
                stamp(NOW.0 - 1_000 + n, "dev-a"),
            )
        })
        .collect();
    assert!(
        store
            .push(None, &in_b, NOW)
            .await
            .unwrap()
            .iter()
            .all(applied)
    );
    let both = units(&["ward-a", "ward-b"]);
    let (changes, _, _) = pull_all_as(&*store, "dev-a", &both, cursor, limit).await;
    assert_eq!(changes.len(), 50, "{changes:?}");
    for c in &changes {
        assert_eq!(c.unit_id, "ward-b");
        let text = serde_json::to_string(&c.change).unwrap();
        assert!(text.contains("birch"), "{text}");
    }
}

/// Every page from `cursor` as `reader` sees them.
async fn pull_all_as<S: Storage>(
    store: &S,
    reader: &str,
    units: &[String],
    mut cursor: Cursor,
    limit: u32,
) -> (Vec<PulledChange>, Cursor, usize) {
    let mut changes = Vec::new();
    let mut pages = 0;
    loop {
        let page = store
            .pull(Some(reader), units, &cursor, limit)
            .await
            .unwrap();
        pages += 1;
        changes.extend(page.changes);
        cursor = page.cursor;
        if !page.more {
            return (changes, cursor, pages);
        }
    }
}

async fn a_device_is_not_sent_back_what_it_pushed_but_gets_it_from_empty<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Editor, None)]).await;
    let ward = units(&["ward-a"]);
    let person = |op: &str, name: &str, at: i64, dev: &str| {
        fields(
            op,
            EntityKind::Person,
            "p-1",
            "ward-a",
            &[("display_name", json!(name))],
            stamp(NOW.0 - at, dev),
        )
    };
    let note = |op: &str, text: &str, at: i64, dev: &str| {
        fields(
            op,
            EntityKind::Incident,
            "inc-1",
            "ward-a",
            &[("note", json!(text))],
            stamp(NOW.0 - at, dev),
        )
    };
    // dev-a has synced once: its cursor stands after dev-b's first change.
    store
        .push(Some("dev-b"), &[person("op-1", "Sam", 100, "dev-b")], NOW)
        .await
        .unwrap();
    let first = store
        .pull(Some("dev-a"), &ward, &Cursor::default(), 100)
        .await
        .unwrap();
    assert_eq!(first.changes.len(), 1);

    // dev-a writes a note and renames the person; dev-b then renames the person again.
    let results = store
        .push(
            Some("dev-a"),
            &[
                note("op-2", "Sam upset at handover", 90, "dev-a"),
                person("op-3", "Sam R", 80, "dev-a"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert!(results.iter().all(applied), "{results:?}");
    store
        .push(
            Some("dev-b"),
            &[person("op-4", "Sam Reed", 70, "dev-b")],
            NOW,
        )
        .await
        .unwrap();

    // dev-a hears dev-b's rename, which overwrote its own, and not its own note.
    let next = store
        .pull(Some("dev-a"), &ward, &first.cursor, 100)
        .await
        .unwrap();
    assert_eq!(
        next.changes,
        vec![PulledChange::from(&person("op-4", "Sam Reed", 70, "dev-b"))]
    );
    // dev-b hears dev-a's note.
    let for_b = store
        .pull(Some("dev-b"), &ward, &first.cursor, 100)
        .await
        .unwrap();
    assert_eq!(
        for_b.changes,
        vec![PulledChange::from(&note(
            "op-2",
            "Sam upset at handover",
            90,
            "dev-a"
        ))]
    );
    assert_eq!(
        next.cursor.position("ward-a"),
        for_b.cursor.position("ward-a")
    );

    // A last change of its own still moves dev-a's cursor, so it is not read again.
    store
        .push(
            Some("dev-a"),
            &[note("op-5", "Calm by 14:10", 60, "dev-a")],
            NOW,
        )
        .await
        .unwrap();
    let own = store
        .pull(Some("dev-a"), &ward, &next.cursor, 100)
        .await
        .unwrap();
    assert!(own.changes.is_empty() && !own.more, "{own:?}");
    assert!(own.cursor.position("ward-a") > next.cursor.position("ward-a"));
    let idle = store
        .pull(Some("dev-a"), &ward, &own.cursor, 100)
        .await
        .unwrap();
    assert_eq!(
        idle.cursor.position("ward-a"),
        own.cursor.position("ward-a")
    );

    // From empty (a first sync or a full resync) dev-a gets everything, its own cells too.
    let all = store
        .pull(Some("dev-a"), &ward, &Cursor::default(), 100)
        .await
        .unwrap();
    assert_eq!(
        all.changes,
        vec![
            PulledChange::from(&person("op-4", "Sam Reed", 70, "dev-b")),
            PulledChange::from(&note("op-5", "Calm by 14:10", 60, "dev-a")),
        ]
    );
}

async fn a_retried_op_id_gets_its_first_answer_and_writes_nothing<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Editor, None)]).await;
    let op = fields(
        "op-1",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[("note", json!("first"))],
        stamp(NOW.0 + 86_400_000, "dev-a"),
    );
    let first = store
        .push(Some("dev-a"), std::slice::from_ref(&op), NOW)
        .await
        .unwrap();
    assert!(matches!(
        &first[0].outcome,
        OpOutcome::Applied { clamped: Some(_) }
    ));
    let (_, cursor, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 100).await;
    let cells = store.cell_count().await.unwrap();

    // The retry (the connection dropped before the answer arrived) — later, and twice in one batch.
    let retry = store
        .push(
            Some("dev-a"),
            &[op.clone(), op.clone()],
            NOW.plus_minutes(5),
        )
        .await
        .unwrap();
    assert_eq!(
        retry,
        vec![first[0].clone(), first[0].clone()],
        "the first answer, clamp included"
    );
    let after = store
        .pull(None, &units(&["ward-a"]), &cursor, 100)
        .await
        .unwrap();
    assert!(
        after.changes.is_empty(),
        "no new sequence number: {:?}",
        after.changes
    );
    assert_eq!(after.cursor.position("ward-a"), cursor.position("ward-a"));
    assert_eq!(store.cell_count().await.unwrap(), cells);

    // Another device reusing the op id is refused, and writes nothing either.
    let mut stolen = op.clone();
    stolen.stamp.device = "dev-b".into();
    let theirs = store.push(Some("dev-b"), &[stolen], NOW).await.unwrap();
    assert_eq!(rejected(&theirs[0]), Some(RejectReason::DuplicateOpId));
    let after = store
        .pull(None, &units(&["ward-a"]), &cursor, 100)
        .await
        .unwrap();
    assert!(after.changes.is_empty());
}

async fn the_later_stamp_wins_each_field_and_the_loser_hears_the_winner<B: Backend>(b: B) {
    // Person records carry these fields and items: the record kind is incidental here (a sheet
    // would need its person first; that rule has its own test).
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Editor, None)]).await;
    let a_stamp = stamp(NOW.0 - 100, "dev-a");
    let a = fields(
        "a-1",
        EntityKind::Person,
        "sam",
        "ward-a",
        &[
            ("preferred_name", json!("A")),
            ("local_identifier", json!("A")),
        ],
        a_stamp.clone(),
    );
    assert!(applied(
        &store.push(Some("dev-a"), &[a], NOW).await.unwrap()[0]
    ));
    // B was offline: one field edited before A, one after; and one at A's wall time exactly,
    // where the device id breaks the tie ("dev-b" > "dev-a").
    let b_ops = vec![
        fields(
            "b-1",
            EntityKind::Person,
            "sam",
            "ward-a",
            &[
                ("preferred_name", json!("B-old")),
                ("display_name", json!("B")),
            ],
            stamp(NOW.0 - 200, "dev-b"),
        ),
        fields(
            "b-2",
            EntityKind::Person,
            "sam",
            "ward-a",
            &[("local_identifier", json!("B-tie"))],
            stamp(NOW.0 - 100, "dev-b"),
        ),
    ];
    let results = store.push(Some("dev-b"), &b_ops, NOW).await.unwrap();
    match &results[0].outcome {
        OpOutcome::Superseded { winners, clamped } => {
            assert_eq!(clamped, &None);
            assert_eq!(winners.len(), 1, "only the field that lost: {winners:?}");
            assert_eq!(winners[0].field, "preferred_name");
            assert_eq!(winners[0].item_id, "");
            assert_eq!(winners[0].value, json!("A"));
            assert_eq!(winners[0].stamp, a_stamp);
        }
        other => panic!("{other:?}"),
    }
    assert!(applied(&results[1]), "{:?}", results[1]);

    let (changes, _, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 100).await;
    let now: BTreeMap<String, (Value, String)> = cells_of(&changes)
        .into_iter()
        .map(|(_, f, _, v, s, _)| (f, (v, s.device)))
        .collect();
    assert_eq!(now["preferred_name"], (json!("A"), "dev-a".into()));
    assert_eq!(
        now["display_name"],
        (json!("B"), "dev-b".into()),
        "the other field applied"
    );
    assert_eq!(now["local_identifier"], (json!("B-tie"), "dev-b".into()));
    assert_eq!(
        cells_of(&changes).len(),
        3,
        "each cell once, with its winner"
    );
}

async fn a_day_fast_stamp_is_clamped_and_stored_clamped<B: Backend>(b: B) {
    // Person records carry these fields and items: the record kind is incidental here (a sheet
    // would need its person first; that rule has its own test).
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Editor, None)]).await;
    let fast = fields(
        "f-1",
        EntityKind::Person,
        "sam",
        "ward-a",
        &[("preferred_name", json!("from the fast phone"))],
        Hlc {
            wall_ms: NOW.0 + 86_400_000,
            counter: 3,
            device: "dev-a".into(),
        },
    );
    let r = store.push(Some("dev-a"), &[fast], NOW).await.unwrap();
    let OpOutcome::Applied {
        clamped: Some(clamped),
    } = &r[0].outcome
    else {
        panic!("{r:?}")
    };
    assert_eq!(clamped.wall_ms, NOW.0 + MAX_CLOCK_AHEAD_MS);
    let page = store
        .pull(None, &units(&["ward-a"]), &Cursor::default(), 10)
        .await
        .unwrap();
    assert_eq!(&page.changes[0].stamp, clamped, "stored as clamped");
    // So an honest edit two minutes later wins, instead of losing for a day.
    let honest = fields(
        "h-1",
        EntityKind::Person,
        "sam",
        "ward-a",
        &[("preferred_name", json!("honest"))],
        stamp(NOW.0 + 120_000, "dev-b"),
    );
    let r = store
        .push(Some("dev-b"), &[honest], NOW.plus_minutes(2))
        .await
        .unwrap();
    assert!(applied(&r[0]), "{r:?}");
}

async fn a_reader_editing_a_sheet_is_rejected_and_nothing_is_written<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-r", &[("ward-a", Role::Reader, None)]).await;
    let ops = vec![
        fields(
            "r-1",
            EntityKind::Sheet,
            "sam",
            "ward-a",
            &[("green.settled", json!("x"))],
            stamp(NOW.0, "dev-r"),
        ),
        fields(
            "r-2",
            EntityKind::Guidance,
            "card-1",
            "ward-a",
            &[("title", json!("x"))],
            stamp(NOW.0, "dev-r"),
        ),
        fields(
            "r-3",
            EntityKind::Incident,
            "inc-1",
            "ward-b",
            &[("note", json!("x"))],
            stamp(NOW.0, "dev-r"),
        ),
        fields(
            "r-4",
            EntityKind::Incident,
            "inc-2",
            "ward-a",
            &[("note", json!("x"))],
            stamp(NOW.0, "dev-other"),
        ),
    ];
    let first = store.push(Some("dev-r"), &ops, NOW).await.unwrap();
    assert_eq!(
        first.iter().map(rejected).collect::<Vec<_>>(),
        vec![
            Some(RejectReason::Role),
            Some(RejectReason::ReadOnly),
            Some(RejectReason::NotGranted),
            Some(RejectReason::ForgedStamp),
        ]
    );
    assert_eq!(store.cell_count().await.unwrap(), 0);
    let page = store
        .pull(None, &units(&["ward-a", "ward-b"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert!(page.changes.is_empty() && !page.more);
    // An unknown device has no grants at all.
    let r = store
        .push(
            Some("dev-ghost"),
            &[fields(
                "g-1",
                EntityKind::Incident,
                "inc-3",
                "ward-a",
                &[("note", json!("x"))],
                stamp(NOW.0, "dev-ghost"),
            )],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(rejected(&r[0]), Some(RejectReason::NotGranted));
    // And the refusals are remembered: a retry gets the same answer, detail included.
    let again = store.push(Some("dev-r"), &ops[..1], NOW).await.unwrap();
    assert_eq!(again[0], first[0]);
}

async fn a_record_of_another_unit_is_a_unit_mismatch<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(
        &*store,
        "dev-a",
        &[
            ("ward-a", Role::Editor, None),
            ("ward-b", Role::Editor, None),
        ],
    )
    .await;
    let create = fields(
        "c-1",
        EntityKind::Person,
        "p-1",
        "ward-a",
        &[("display_name", json!("Sam"))],
        stamp(NOW.0 - 10, "dev-a"),
    );
    assert!(applied(
        &store.push(Some("dev-a"), &[create], NOW).await.unwrap()[0]
    ));
    let moved = fields(
        "c-2",
        EntityKind::Person,
        "p-1",
        "ward-b",
        &[("display_name", json!("Sam moved"))],
        stamp(NOW.0, "dev-a"),
    );
    let r = store.push(Some("dev-a"), &[moved], NOW).await.unwrap();
    assert_eq!(rejected(&r[0]), Some(RejectReason::UnitMismatch));
    let b_page = store
        .pull(None, &units(&["ward-b"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert!(b_page.changes.is_empty(), "nothing leaked into ward-b");
    let a_page = store
        .pull(None, &units(&["ward-a"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert_eq!(cells_of(&a_page.changes)[0].3, json!("Sam"));
}

async fn a_submitted_incident_takes_only_new_addenda<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Reader, None)]).await;
    let t = |ms: i64| stamp(NOW.0 - 1000 + ms, "dev-a");
    let submit = fields(
        "s-1",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[
            ("note", json!("n")),
            ("status", json!("submitted")),
            ("recorded_by", json!("Alex Morgan")),
        ],
        t(0),
    );
    assert!(applied(
        &store.push(Some("dev-a"), &[submit], NOW).await.unwrap()[0]
    ));
    // Separate pushes: the lock is stored, not just remembered inside one batch.
    let edit = fields(
        "s-2",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[("note", json!("rewritten"))],
        t(10),
    );
    assert_eq!(
        rejected(&store.push(Some("dev-a"), &[edit], NOW).await.unwrap()[0]),
        Some(RejectReason::Locked)
    );
    let addendum = |id: &str, item_id: &str, ms: i64| {
        item(
            id,
            EntityKind::Incident,
            "inc-1",
            "ward-a",
            (ADDENDA_LIST, item_id),
            addendum_value("Later: Sam said the fire alarm set it off"),
            t(ms),
        )
    };
    assert!(applied(
        &store
            .push(Some("dev-a"), &[addendum("s-3", "add-1", 20)], NOW)
            .await
            .unwrap()[0]
    ));
    assert_eq!(
        rejected(
            &store
                .push(Some("dev-a"), &[addendum("s-4", "add-1", 30)], NOW)
                .await
                .unwrap()[0]
        ),
        Some(RejectReason::Locked),
        "an addendum never changes once made"
    );
    let other_list = item(
        "s-5",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        ("use_of_force", "u-1"),
        json!({"pos": 1, "intervention": "01", "how_force_was_used": "", "staff": []}),
        t(40),
    );
    assert_eq!(
        rejected(&store.push(Some("dev-a"), &[other_list], NOW).await.unwrap()[0]),
        Some(RejectReason::Locked)
    );
    let (changes, _, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 100).await;
    let cells = cells_of(&changes);
    assert_eq!(
        cells.len(),
        4,
        "note, status, recorder and one addendum: {cells:?}"
    );
    assert!(cells.iter().any(|c| c.1 == "note" && c.3 == json!("n")));

    // Created and submitted in one batch locks as well.
    let batch = vec![
        fields(
            "s-6",
            EntityKind::Incident,
            "inc-2",
            "ward-a",
            &[("status", json!("submitted"))],
            t(50),
        ),
        fields(
            "s-7",
            EntityKind::Incident,
            "inc-2",
            "ward-a",
            &[("note", json!("too late"))],
            t(60),
        ),
    ];
    let r = store.push(Some("dev-a"), &batch, NOW).await.unwrap();
    assert!(applied(&r[0]));
    assert_eq!(rejected(&r[1]), Some(RejectReason::Locked));
    let again = fields(
        "s-8",
        EntityKind::Incident,
        "inc-2",
        "ward-a",
        &[("note", json!("still too late"))],
        t(70),
    );
    assert_eq!(
        rejected(&store.push(Some("dev-a"), &[again], NOW).await.unwrap()[0]),
        Some(RejectReason::Locked)
    );
}

async fn the_record_log_holds_submitted_incidents_and_finds_a_changed_byte<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Reader, None)]).await;
    let t = |ms: i64| stamp(NOW.0 - 100_000 + ms, "dev-a");
    let push = |ops: Vec<Operation>| {
        let store = store.clone();
        async move {
            let results = store.push(Some("dev-a"), &ops, NOW).await.unwrap();
            assert!(results.iter().all(applied), "{results:?}");
        }
    };
    let empty = store.verify_records().await.unwrap();
    assert_eq!((empty.entries, empty.first_break.as_deref()), (0, None));
    // inc-1 created and submitted at once; inc-2 a draft; inc-3 a draft submitted later, with a
    // cleared field (a tombstone) among its cells.
    push(vec![
        fields(
            "r-1",
            EntityKind::Incident,
            "inc-1",
            "ward-a",
            &[
                ("note", json!("Synthetic: hit the door")),
                ("status", json!("submitted")),
                ("recorded_by", json!("Alex Morgan")),
            ],
            t(0),
        ),
        fields(
            "r-2",
            EntityKind::Incident,
            "inc-2",
            "ward-a",
            &[
                ("note", json!("Synthetic draft")),
                ("status", json!("draft")),
            ],
            t(1),
        ),
        fields(
            "r-3",
            EntityKind::Incident,
            "inc-3",
            "ward-a",
            &[
                ("note", json!("Synthetic: shouting")),
                ("person_id", Value::Null),
            ],
            t(2),
        ),
    ])
    .await;
    push(vec![fields(
        "r-4",
        EntityKind::Incident,
        "inc-3",
        "ward-a",
        &[("status", json!("submitted"))],
        t(3),
    )])
    .await;
    push(vec![item(
        "r-5",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        (ADDENDA_LIST, "add-1"),
        addendum_value("Later: it was the fire alarm"),
        t(4),
    )])
    .await;
    let report = store.verify_records().await.unwrap();
    assert_eq!(report.first_break, None, "{report:?}");
    assert_eq!(
        report.entries,
        3 + 3 + 1,
        "inc-1's three cells, inc-3's three, one addendum"
    );
    assert_eq!((report.incidents, report.cells), (2, 7));
    assert_eq!(report.head.len(), 64);

    // A purged tombstone (inc-3's person_id) is not a loss.
    assert_eq!(
        store.purge_tombstones(Timestamp(i64::MAX)).await.unwrap(),
        1
    );
    assert_eq!(store.verify_records().await.unwrap().first_break, None);

    // One byte of a submitted note changed behind the server's back.
    b.raw_sql(
        "UPDATE cells SET value_json = replace(value_json, 'door', 'doos') WHERE entity_id = 'inc-1' AND field = 'note'",
        "UPDATE cells SET value_json = replace(value_json, 'door', 'doos') WHERE entity_id = 'inc-1' AND field = 'note'",
    )
    .await
    .unwrap();
    let report = store.verify_records().await.unwrap();
    let found = report.first_break.expect("found");
    assert!(
        found.contains("incident inc-1: field note differs from record log entry 1"),
        "{found}"
    );
    b.raw_sql(
        "UPDATE cells SET value_json = replace(value_json, 'doos', 'door') WHERE entity_id = 'inc-1'",
        "UPDATE cells SET value_json = replace(value_json, 'doos', 'door') WHERE entity_id = 'inc-1'",
    )
    .await
    .unwrap();
    assert_eq!(store.verify_records().await.unwrap().first_break, None);

    // The log is append-only to anyone who does not first drop its triggers.
    for sql in [
        "UPDATE record_log SET unit_id = 'x'",
        "DELETE FROM record_log",
    ] {
        let refused = b.raw_sql(sql, sql).await.expect_err(sql);
        assert!(refused.contains("append-only"), "{refused}");
    }
    // With the triggers dropped, one byte of a logged addendum changed.
    b.raw_sql(
        "DROP TRIGGER record_log_no_update; \
         UPDATE record_log SET value_json = replace(value_json, 'fire', 'fira') WHERE item_id = 'add-1'",
        "ALTER TABLE record_log DISABLE TRIGGER USER; \
         UPDATE record_log SET value_json = replace(value_json, 'fire', 'fira') WHERE item_id = 'add-1'",
    )
    .await
    .unwrap();
    let found = store
        .verify_records()
        .await
        .unwrap()
        .first_break
        .expect("found");
    assert!(
        found.contains("the record log is broken at entry 7 (incident inc-1, addenda item add-1)"),
        "{found}"
    );
    // A submitted incident unlocked.
    b.raw_sql(
        "UPDATE record_log SET value_json = replace(value_json, 'fira', 'fire'); \
         UPDATE entities SET locked = 0 WHERE entity_id = 'inc-3'",
        "UPDATE record_log SET value_json = replace(value_json, 'fira', 'fire'); \
         UPDATE entities SET locked = false WHERE entity_id = 'inc-3'",
    )
    .await
    .unwrap();
    let found = store
        .verify_records()
        .await
        .unwrap()
        .first_break
        .expect("found");
    assert!(
        found.contains("incident inc-3 is in the record log but no longer locked"),
        "{found}"
    );
}

async fn a_change_made_before_a_grant_ended_is_accepted_after<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-bank", &[("ward-a", Role::Reader, None)]).await;
    let end = NOW.plus_minutes(-60);
    store.end_grant("dev-bank", "ward-a", end).await.unwrap();
    let before = fields(
        "b-1",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[("note", json!("captured on the last shift"))],
        stamp(end.0 - 5_000, "dev-bank"),
    );
    let after = fields(
        "b-2",
        EntityKind::Incident,
        "inc-2",
        "ward-a",
        &[("note", json!("after the placement"))],
        // Past the allowance for a phone clock running a little fast.
        stamp(end.0 + MAX_CLOCK_AHEAD_MS + 5_000, "dev-bank"),
    );
    let r = store
        .push(Some("dev-bank"), &[before, after], NOW)
        .await
        .unwrap();
    assert!(applied(&r[0]), "{r:?}");
    assert_eq!(rejected(&r[1]), Some(RejectReason::GrantEnded));
    let page = store
        .pull(None, &units(&["ward-a"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].entity_id, "inc-1");
}

async fn the_server_pushes_without_grant_checks<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    let guidance = fields(
        "srv-1",
        EntityKind::Guidance,
        "card-1",
        "ward-a",
        &[("title", json!("Safe holds"))],
        stamp(NOW.0, "server"),
    );
    let r = store
        .push(None, std::slice::from_ref(&guidance), NOW)
        .await
        .unwrap();
    assert!(applied(&r[0]), "{r:?}");
    // The server's op ids are its own: a device cannot replay one.
    let mut replay = guidance.clone();
    replay.stamp.device = "dev-a".into();
    let r = store.push(Some("dev-a"), &[replay], NOW).await.unwrap();
    assert_eq!(rejected(&r[0]), Some(RejectReason::DuplicateOpId));
    let page = store
        .pull(None, &units(&["ward-a"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert_eq!(page.changes, vec![PulledChange::from(&guidance)]);
}

async fn paging_returns_every_change_once_in_order_with_more_right<B: Backend>(b: B) {
    // Person records carry these fields and items: the record kind is incidental here (a sheet
    // would need its person first; that rule has its own test).
    let store = b.store();
    with_units(&*store).await;
    enrol(
        &*store,
        "dev-a",
        &[
            ("ward-a", Role::Editor, None),
            ("ward-b", Role::Editor, None),
        ],
    )
    .await;
    // 90 list items in two units, pushed in batches of 7; then some of them again (a rewrite
    // moves a cell to the end of the order).
    let mut ops = Vec::new();
    for i in 0..90 {
        // Five sheets; two of them in ward-b.
        ops.push(item(
            &format!("op-{i}"),
            EntityKind::Person,
            &format!("sheet-{}", i % 5),
            if i % 5 == 0 || i % 5 == 3 {
                "ward-b"
            } else {
                "ward-a"
            },
            ("safety_alerts", &format!("ws-{i}")),
            json!({ "pos": i, "text": format!("sign {i}") }),
            stamp(NOW.0 - 10_000 + i, "dev-a"),
        ));
    }
    for batch in ops.chunks(7) {
        let r = store.push(Some("dev-a"), batch, NOW).await.unwrap();
        assert!(r.iter().all(applied), "{r:?}");
    }
    let rewrites: Vec<Operation> = ops
        .iter()
        .step_by(10)
        .enumerate()
        .map(|(k, op)| {
            let mut op = op.clone();
            op.op_id = format!("rewrite-{k}");
            op.stamp.wall_ms = NOW.0 - 10;
            if let Change::Item { value, .. } = &mut op.change {
                *value = json!({ "pos": k, "text": format!("rewritten {k}") });
            }
            op
        })
        .collect();
    assert!(
        store
            .push(Some("dev-a"), &rewrites, NOW)
            .await
            .unwrap()
            .iter()
            .all(applied)
    );
    let rewritten: HashSet<String> = rewrites
        .iter()
        .map(|op| match &op.change {
            Change::Item { item_id, .. } => item_id.clone(),
            _ => unreachable!(),
        })
        .collect();

    // The order every pull must follow, per unit: each item at its last write.
    let expected_order = |unit: &str| -> Vec<String> {
        let mut order: Vec<String> = Vec::new();
        for op in ops
            .iter()
            .chain(rewrites.iter())
            .filter(|op| op.unit_id == unit)
        {
            let Change::Item { item_id, .. } = &op.change else {
                unreachable!()
            };
            order.retain(|i| i != item_id);
            order.push(item_id.clone());
        }
        order
    };

    let both = units(&["ward-a", "ward-b"]);
    for limit in [1u32, 2, 3, 7, 50, 1000] {
        let (changes, cursor, pages) = pull_all(&*store, &both, Cursor::default(), limit).await;
        let cells = cells_of(&changes);
        assert_eq!(cells.len(), 90, "limit {limit}: every item exactly once");
        let distinct: HashSet<&String> = cells.iter().map(|c| &c.2).collect();
        assert_eq!(distinct.len(), 90, "limit {limit}: no repeats");
        for c in &cells {
            let expect = if rewritten.contains(&c.2) {
                "rewritten"
            } else {
                "sign"
            };
            assert!(
                c.3["text"].as_str().is_some_and(|t| t.starts_with(expect)),
                "limit {limit}: current value of {}",
                c.2
            );
        }
        for u in ["ward-a", "ward-b"] {
            let seen: Vec<String> = cells
                .iter()
                .filter(|c| c.5 == u)
                .map(|c| c.2.clone())
                .collect();
            assert_eq!(
                seen,
                expected_order(u),
                "limit {limit}: {u} in sequence order"
            );
        }
        assert!(
            pages >= 90usize.div_ceil(limit as usize),
            "limit {limit}: {pages} pages"
        );
        // At the end, nothing more, and `more` was false only on the last page.
        let tail = store.pull(None, &both, &cursor, limit).await.unwrap();
        assert!(tail.changes.is_empty() && !tail.more);
    }
    // An exact fit: a page that holds everything left says `more: false`.
    let exact = store
        .pull(None, &both, &Cursor::default(), 90)
        .await
        .unwrap();
    assert_eq!(cells_of(&exact.changes).len(), 90);
    assert!(!exact.more);
    let short = store
        .pull(None, &both, &Cursor::default(), 89)
        .await
        .unwrap();
    assert!(short.more);
}

async fn a_unit_granted_later_pulls_its_full_history<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    let mut ops = Vec::new();
    for i in 0..30 {
        let unit = if i % 2 == 0 { "ward-a" } else { "ward-b" };
        ops.push(fields(
            &format!("op-{i}"),
            EntityKind::Incident,
            &format!("inc-{i}"),
            unit,
            &[("note", json!(format!("note {i}")))],
            stamp(NOW.0 - 1000 + i, "server"),
        ));
    }
    store.push(None, &ops[..20], NOW).await.unwrap();
    // The device knows ward-a only, and pulls it to the end.
    let (a_changes, cursor, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 4).await;
    assert_eq!(a_changes.len(), 10);
    // Later ward-a and ward-b both move on; then ward-b is granted.
    store.push(None, &ops[20..], NOW).await.unwrap();
    let (changes, cursor, _) = pull_all(&*store, &units(&["ward-a", "ward-b"]), cursor, 3).await;
    let mut got: Vec<String> = changes.iter().map(|c| c.entity_id.clone()).collect();
    got.sort();
    let mut want: Vec<String> = (0..30)
        .filter(|i| i % 2 == 1 || *i >= 20)
        .map(|i| format!("inc-{i}"))
        .collect();
    want.sort();
    assert_eq!(
        got, want,
        "ward-b's whole history and only ward-a's new changes"
    );
    assert!(cursor.position("ward-b") > 0);
    // The cursor survives its text form.
    let decoded = Cursor::decode(&cursor.encode()).unwrap();
    let idle = store
        .pull(None, &units(&["ward-a", "ward-b"]), &decoded, 10)
        .await
        .unwrap();
    assert!(idle.changes.is_empty() && !idle.more);
}

async fn a_cursor_older_than_purged_tombstones_must_resync<B: Backend>(b: B) {
    // Person records carry these fields and items: the record kind is incidental here (a sheet
    // would need its person first; that rule has its own test).
    let store = b.store();
    with_units(&*store).await;
    let a = units(&["ward-a"]);
    let set = |id: &str, entity_id: &str, v: Value, ms: i64| {
        item(
            id,
            EntityKind::Person,
            entity_id,
            "ward-a",
            ("safety_alerts", "ws-1"),
            v,
            stamp(NOW.0 - 10_000 + ms, "server"),
        )
    };
    store
        .push(
            None,
            &[set("o-1", "sam", json!({"pos": 1, "text": "pacing"}), 0)],
            NOW.plus_days(-40),
        )
        .await
        .unwrap();
    store
        .push(
            None,
            &[set("o-2", "kim", json!({"pos": 1, "text": "quiet"}), 1)],
            NOW.plus_days(-40),
        )
        .await
        .unwrap();
    let early = store
        .pull(None, &a, &Cursor::default(), 100)
        .await
        .unwrap()
        .cursor;
    // Sam's warning sign is removed (a tombstone), long ago; then life goes on.
    store
        .push(
            None,
            &[set("o-3", "sam", Value::Null, 2)],
            NOW.plus_days(-35),
        )
        .await
        .unwrap();
    let seen_tombstone = store.pull(None, &a, &early, 100).await.unwrap();
    assert_eq!(
        cells_of(&seen_tombstone.changes)[0].3,
        Value::Null,
        "the tombstone is pulled"
    );
    let current = seen_tombstone.cursor;
    store
        .push(
            None,
            &[set("o-4", "lee", json!({"pos": 1, "text": "new"}), 3)],
            NOW,
        )
        .await
        .unwrap();
    let cells_before = store.cell_count().await.unwrap();

    // Not old enough yet: nothing is purged.
    assert_eq!(store.purge_tombstones(NOW.plus_days(-36)).await.unwrap(), 0);
    assert_eq!(store.purge_tombstones(NOW.plus_days(-30)).await.unwrap(), 1);
    assert_eq!(store.cell_count().await.unwrap(), cells_before - 1);

    // A device that never saw the tombstone must start again from empty.
    let stale = store.pull(None, &a, &early, 100).await.unwrap();
    assert!(stale.full_resync, "{stale:?}");
    assert!(
        stale.changes.is_empty(),
        "nothing applied on top of stale data"
    );
    // One that saw it carries on; one starting from empty gets the live cells only.
    let fine = store.pull(None, &a, &current, 100).await.unwrap();
    assert!(!fine.full_resync);
    assert_eq!(fine.changes.len(), 1);
    let (fresh, _, _) = pull_all(&*store, &a, Cursor::default(), 2).await;
    let ids: Vec<&str> = fresh.iter().map(|c| c.entity_id.as_str()).collect();
    assert_eq!(ids, ["kim", "lee"]);
    // Deleted stays deleted: an older write of the purged item (a phone offline since before
    // the removal) is answered as removed and stores nothing.
    let resurrect = item(
        "o-5",
        EntityKind::Person,
        "sam",
        "ward-a",
        ("safety_alerts", "ws-1"),
        json!({"pos": 1, "text": "pacing (from an old phone)"}),
        stamp(NOW.plus_days(-36).0, "server"),
    );
    let cells = store.cell_count().await.unwrap();
    let r = store.push(None, &[resurrect], NOW).await.unwrap();
    match &r[0].outcome {
        OpOutcome::Superseded { winners, .. } => assert_eq!(winners[0].value, Value::Null),
        other => panic!("a purged item came back: {other:?}"),
    }
    assert_eq!(store.cell_count().await.unwrap(), cells);
    // Purging again finds nothing and does not move the horizon past live data.
    assert_eq!(store.purge_tombstones(NOW.plus_days(1)).await.unwrap(), 0);
    assert!(
        !store
            .pull(None, &a, &current, 100)
            .await
            .unwrap()
            .full_resync
    );
}

async fn an_idle_pull_reads_nothing_however_much_is_stored<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    // 4,000 cells from full-size batches (1,000 ops each): ward-b holds most of them.
    for batch in 0..4 {
        let ops: Vec<Operation> = (0..1000)
            .map(|i| {
                let n = batch * 1000 + i;
                fields(
                    &format!("op-{n}"),
                    EntityKind::Incident,
                    &format!("inc-{n}"),
                    if n % 100 == 0 { "ward-a" } else { "ward-b" },
                    &[("note", json!(format!("note {n}")))],
                    stamp(NOW.0 - 100_000 + n, "server"),
                )
            })
            .collect();
        let started = Instant::now();
        let r = store.push(None, &ops, NOW).await.unwrap();
        assert_eq!(r.len(), 1000);
        assert!(r.iter().all(applied));
        eprintln!("push of 1,000 ops: {:?}", started.elapsed());
    }
    assert_eq!(store.cell_count().await.unwrap(), 4000);
    let a = units(&["ward-a"]);
    let (changes, cursor, _) = pull_all(&*store, &a, Cursor::default(), 1000).await;
    assert_eq!(changes.len(), 40);
    let idle: Page = store.pull(None, &a, &cursor, 1000).await.unwrap();
    assert!(idle.changes.is_empty() && !idle.more && !idle.full_resync);
    assert_eq!(idle.cursor.position("ward-a"), cursor.position("ward-a"));
    // Where the back end shows its plan: index seeks on (unit, seq), never a scan of cells.
    if let Some(plan) = b.explain_pull(&units(&["ward-a", "ward-b"]), &cursor).await {
        assert!(plan.contains("cells_by_unit_seq"), "{plan}");
        assert!(!plan.contains("Seq Scan on cells"), "{plan}");
    }
}

/// The cursor trap under load: several handles ("server processes"), many writers, readers
/// pulling all the while. Every reader must end with every written cell exactly once. One round
/// catches a missing push lock about half the time (measured by deleting the lock), so three
/// rounds run, each in two units of its own with batches that mix them (so pushes take several
/// unit locks at once); the PostgreSQL-only tests below force the race instead.
async fn concurrent_writers_never_make_a_reader_skip_or_repeat_a_change<B: Backend>(b: B) {
    const PROCESSES: usize = 4;
    const ROUNDS: usize = 3;
    let store = b.store();
    let mut grants = Vec::new();
    for round in 0..ROUNDS {
        for half in ["a", "b"] {
            let id = format!("trap-{round}-{half}");
            store.create_unit(&unit(&id, &id)).await.unwrap();
            grants.push(id);
        }
    }
    let grant_specs: Vec<(&str, Role, Option<Timestamp>)> = grants
        .iter()
        .map(|u| (u.as_str(), Role::Lead, None))
        .collect();
    enrol(&*store, "dev-a", &grant_specs).await;
    let mut handles = vec![store.clone()];
    for _ in 1..PROCESSES {
        handles.push(b.another().await);
    }
    for (round, units) in grants.chunks(2).enumerate() {
        trap_round(&handles, units, round as u64).await;
    }
}

/// One round of the test above, over `units`: 16 writers spread over the handles push about
/// 2,000 operations (4,000 cells) in random small batches, each operation in one of the units
/// in turn, while 3 readers pull them all.
async fn trap_round<S: Storage>(handles: &[Arc<S>], units: &[String], round: u64) {
    // Person records carry these fields and items: the record kind is incidental here (a sheet
    // would need its person first; that rule has its own test).
    let name = units.join("+");
    const WRITERS_PER_HANDLE: usize = 4;
    const OPS_PER_WRITER: usize = 125;
    const READERS: usize = 3;
    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (p, handle) in handles.iter().enumerate() {
        for w in 0..WRITERS_PER_HANDLE {
            let handle = handle.clone();
            let units = units.to_vec();
            let name = name.clone();
            writers.push(tokio::spawn(async move {
                let mut rng =
                    Rng(0x9E37_79B9_7F4A_7C15 ^ ((round * 1000) + (p * 31 + w) as u64 + 1));
                let mut written = Vec::new();
                let mut n = 0;
                while n < OPS_PER_WRITER {
                    let size = (1 + rng.below(8) as usize).min(OPS_PER_WRITER - n);
                    let ops: Vec<Operation> = (n..n + size)
                        .map(|i| {
                            let values: Vec<(String, Value)> = (0..1 + (i % 3))
                                .map(|f| {
                                    let name =
                                        ["display_name", "preferred_name", "local_identifier"][f];
                                    (name.to_string(), json!(format!("v{i}")))
                                })
                                .collect();
                            let refs: Vec<(&str, Value)> = values
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.clone()))
                                .collect();
                            let unit_id = &units[i % units.len()];
                            let id = format!("{name}-p{p}-w{w}-{i}");
                            fields(
                                &id,
                                EntityKind::Person,
                                &id,
                                unit_id,
                                &refs,
                                Hlc {
                                    wall_ms: NOW.0 - 1_000_000 + i as i64,
                                    counter: (p * 10 + w) as u32,
                                    device: "dev-a".into(),
                                },
                            )
                        })
                        .collect();
                    let results = handle.push(Some("dev-a"), &ops, NOW).await.unwrap();
                    for (op, r) in ops.iter().zip(&results) {
                        assert!(applied(r), "{r:?}");
                        if let Change::Fields(f) = &op.change {
                            for field in f.keys() {
                                written.push((op.entity_id.clone(), field.clone()));
                            }
                        }
                    }
                    n += size;
                    if rng.below(4) == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                written
            }));
        }
    }
    let mut readers = Vec::new();
    for r in 0..READERS {
        let handle = handles[r % handles.len()].clone();
        let done = done.clone();
        let units = units.to_vec();
        readers.push(tokio::spawn(async move {
            let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (round * 1000 + r as u64 + 7));
            let mut cursor = Cursor::default();
            let mut seen: HashMap<(String, String), u32> = HashMap::new();
            let mut pulls = 0u32;
            loop {
                // Read the flag before pulling: once the writers are done, one more pull
                // after that point reaches everything committed.
                let finished = done.load(Ordering::SeqCst);
                let limit = 1 + rng.below(40) as u32;
                let page = handle.pull(None, &units, &cursor, limit).await.unwrap();
                pulls += 1;
                assert!(!page.full_resync);
                for unit_id in &units {
                    assert!(
                        page.cursor.position(unit_id) >= cursor.position(unit_id),
                        "a cursor never goes back"
                    );
                }
                for (entity_id, field, ..) in cells_of(&page.changes) {
                    *seen.entry((entity_id, field)).or_default() += 1;
                }
                cursor = page.cursor;
                if finished && !page.more {
                    return (seen, pulls);
                }
                if page.changes.is_empty() {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }

    let mut written = Vec::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let expected: HashSet<(String, String)> = written.iter().cloned().collect();
    assert_eq!(expected.len(), written.len(), "each cell written once");
    for r in readers {
        let (seen, pulls) = r.await.unwrap();
        let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            repeated.is_empty(),
            "pulled twice: {:?}",
            &repeated[..repeated.len().min(5)]
        );
        let got: HashSet<(String, String)> = seen.into_keys().collect();
        let missed: Vec<_> = expected.difference(&got).collect();
        assert!(
            missed.is_empty(),
            "skipped {} cells, e.g. {:?}",
            missed.len(),
            &missed[..missed.len().min(5)]
        );
        assert_eq!(got, expected);
        assert!(
            pulls > 3,
            "the reader pulled while writers wrote ({pulls} pulls)"
        );
    }
    eprintln!(
        "{name}: {} ops ({} cells) from {} writers on {} handles, {READERS} readers: {:?}",
        handles.len() * WRITERS_PER_HANDLE * OPS_PER_WRITER,
        expected.len(),
        handles.len() * WRITERS_PER_HANDLE,
        handles.len(),
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL only

mod postgres_only {
    use steady_server::storage::postgres::{BeforeCommit, PUSH_LOCK};
    use tokio::sync::Notify;
    use tokio::task::JoinHandle;

    use super::*;

    fn op(id: &str, value: i64) -> Operation {
        fields(
            id,
            EntityKind::Incident,
            id,
            "ward-a",
            &[("note", json!(format!("note {value}")))],
            stamp(NOW.0 - 1000 + value, "server"),
        )
    }

    /// Starts pushing `op` from a pool of its own that stops after its writes, before its
    /// commit; returns once it is there, with the push and the signal that lets it commit.
    async fn push_held_at_commit(
        b: &PgBackend,
        op: Operation,
    ) -> (JoinHandle<Vec<OpResult>>, Arc<Notify>) {
        let reached = Arc::new(Notify::new());
        let release = Arc::new(Notify::new());
        let mut held = PgStorage::connect(&b.url).await.unwrap();
        let hook: BeforeCommit = {
            let (reached, release) = (reached.clone(), release.clone());
            Arc::new(move || {
                let (reached, release) = (reached.clone(), release.clone());
                Box::pin(async move {
                    reached.notify_one();
                    release.notified().await;
                })
            })
        };
        held.set_before_commit(Some(hook));
        let push = tokio::spawn(async move { held.push(None, &[op], NOW).await.unwrap() });
        reached.notified().await;
        (push, release)
    }

    /// The cursor trap, forced: push A stops after writing (its seq allocated, not committed);
    /// push B, from another pool, must wait for it rather than commit a later seq first; a pull
    /// meanwhile sees neither; then both arrive, A before B.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_push_held_open_at_commit_holds_back_later_pushes_and_pulls() {
        let Some(b) = PgBackend::fresh().await else {
            return;
        };
        let store = b.store();
        with_units(&*store).await;
        store.push(None, &[op("base", 0)], NOW).await.unwrap();
        let ward = units(&["ward-a"]);
        let base = store
            .pull(None, &ward, &Cursor::default(), 100)
            .await
            .unwrap()
            .cursor;

        let (a, release) = push_held_at_commit(&b, op("a", 1)).await;

        let other = b.another().await;
        let b_push = tokio::spawn({
            let other = other.clone();
            async move { other.push(None, &[op("b", 2)], NOW).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            !b_push.is_finished(),
            "B must wait for A's commit, not take a later seq first"
        );
        let reader = b.another().await;
        let between = reader.pull(None, &ward, &base, 100).await.unwrap();
        assert!(between.changes.is_empty(), "{:?}", between.changes);
        assert_eq!(between.cursor.position("ward-a"), base.position("ward-a"));

        release.notify_one();
        assert!(applied(&a.await.unwrap()[0]));
        assert!(applied(&b_push.await.unwrap()[0]));
        let after = reader
            .pull(None, &ward, &between.cursor, 100)
            .await
            .unwrap();
        let ids: Vec<&str> = after.changes.iter().map(|c| c.entity_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "A's seq, allocated first, arrives first");
    }

    /// Pushes to different units do not wait for each other: push A, held open at its commit
    /// point in ward-a, holds back neither a push to ward-b nor that unit's readers; a tombstone
    /// purge (which needs every push out of the way) does wait for A. Then A arrives in ward-a.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_push_held_open_in_one_unit_does_not_hold_back_another_unit() {
        let Some(b) = PgBackend::fresh().await else {
            return;
        };
        let store = b.store();
        with_units(&*store).await;
        let both = units(&["ward-a", "ward-b"]);

        let (a, release) = push_held_at_commit(&b, op("a", 1)).await;

        let other = b.another().await;
        let in_ward_b = fields(
            "b",
            EntityKind::Incident,
            "b",
            "ward-b",
            &[("note", json!("note 2"))],
            stamp(NOW.0 - 998, "server"),
        );
        let pushed =
            tokio::time::timeout(Duration::from_secs(10), other.push(None, &[in_ward_b], NOW))
                .await
                .expect("a push to ward-b does not wait for ward-a's open push")
                .unwrap();
        assert!(applied(&pushed[0]));
        let reader = b.another().await;
        let page = reader
            .pull(None, &both, &Cursor::default(), 100)
            .await
            .unwrap();
        let ids: Vec<&str> = page.changes.iter().map(|c| c.entity_id.as_str()).collect();
        assert_eq!(
            ids,
            ["b"],
            "ward-b's change is there; ward-a's is not committed yet"
        );

        let purge = tokio::spawn({
            let other = other.clone();
            async move { other.purge_tombstones(NOW).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(!purge.is_finished(), "a purge waits for the push in flight");

        release.notify_one();
        assert!(applied(&a.await.unwrap()[0]));
        assert_eq!(purge.await.unwrap(), 0);
        let after = reader.pull(None, &both, &page.cursor, 100).await.unwrap();
        let ids: Vec<&str> = after.changes.iter().map(|c| c.entity_id.as_str()).collect();
        assert_eq!(
            ids,
            ["a"],
            "A, committed later with a lower seq, is not skipped"
        );
    }

    /// The control experiment for the test above: a writer that allocates a seq *without* the
    /// push lock and commits late is skipped by a pull. This is the trap the lock prevents, and
    /// it shows the tests can see it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn without_the_push_lock_a_late_commit_would_be_skipped() {
        let Some(b) = PgBackend::fresh().await else {
            return;
        };
        let store = b.store();
        with_units(&*store).await;
        let ward = units(&["ward-a"]);
        let mut raw = b.raw().await;
        let tx = raw.transaction().await.unwrap();
        tx.batch_execute(
            "INSERT INTO cells (entity, entity_id, field, item_id, unit_id, value_json, \
               hlc_wall, hlc_counter, hlc_device, seq, written_at) \
             VALUES ('incident', 'rogue', 'note', '', 'ward-a', '1', 1, 0, 'server', \
               nextval('cell_seq'), 0)",
        )
        .await
        .unwrap();
        store.push(None, &[op("later", 2)], NOW).await.unwrap();
        let page = store
            .pull(None, &ward, &Cursor::default(), 100)
            .await
            .unwrap();
        assert_eq!(page.changes.len(), 1);
        tx.commit().await.unwrap();
        let after = store.pull(None, &ward, &page.cursor, 100).await.unwrap();
        assert!(
            after.changes.is_empty(),
            "the rogue seq is below the cursor: skipped"
        );
        let everything = store
            .pull(None, &ward, &Cursor::default(), 100)
            .await
            .unwrap();
        assert_eq!(everything.changes.len(), 2, "yet it is stored");

        // With the lock taken first, as every push does, the later push waits instead.
        let tx = raw.transaction().await.unwrap();
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
            .await
            .unwrap();
        let waiting = tokio::spawn({
            let store = store.clone();
            async move { store.push(None, &[op("waits", 3)], NOW).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished());
        tx.commit().await.unwrap();
        assert!(applied(&waiting.await.unwrap()[0]));
    }

    /// Every pooled connection plans its statements once and never JIT-compiles them (an idle
    /// sync stays flat in data size: `docs/benchmarks.md`), and the `options` a database URL
    /// carries are kept, not replaced.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pooled_connections_plan_once_never_jit_and_keep_the_urls_options() {
        let Some(b) = PgBackend::fresh().await else {
            return;
        };
        let separator = if b.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}options=-c%20statement_timeout%3D12345", b.url);
        let store = PgStorage::connect(&url).await.unwrap();
        assert_eq!(
            store.setting("plan_cache_mode").await.unwrap(),
            "force_generic_plan"
        );
        assert_eq!(store.setting("jit").await.unwrap(), "off");
        assert_eq!(store.setting("statement_timeout").await.unwrap(), "12345ms");
    }

    /// Server processes starting together migrate once; a newer schema is refused untouched.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn processes_starting_together_migrate_once_and_a_newer_schema_is_refused() {
        let Some((admin_url, database, url)) = PgBackend::create().await else {
            return;
        };
        let connects: Vec<_> = (0..6)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { PgStorage::connect(&url).await.map(|_| ()) })
            })
            .collect();
        for c in connects {
            c.await.unwrap().expect("every process starts");
        }
        let store = Arc::new(PgStorage::connect(&url).await.unwrap());
        let b = PgBackend {
            admin_url,
            database,
            url: url.clone(),
            store,
        };
        with_units(&*b.store()).await;
        let raw = b.raw().await;
        let version: i32 = raw
            .query_one("SELECT version FROM schema_version", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            version, 6,
            "001_initial, 002_record_log, 003_console, 004_record_rules, 005_audit and \
             006_bed_days, once"
        );
        raw.batch_execute("UPDATE schema_version SET version = 99")
            .await
            .unwrap();
        match PgStorage::connect(&url).await {
            Err(StorageError::Invalid(message)) => {
                assert!(message.contains("newer"), "{message}")
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("a newer schema must be refused"),
        }
        assert_eq!(b.store().units().await.unwrap().len(), 2, "data untouched");
    }
}

// ---------------------------------------------------------------------------------------------
// The server is the authority on a record (issue 19): references, lifecycle, one bad op.

/// A person of `unit`, made by the server (the console or an import).
async fn person_in<S: Storage>(store: &S, person: &str, unit: &str) {
    let create = fields(
        &format!("make-{person}"),
        EntityKind::Person,
        person,
        unit,
        &[("display_name", json!("Synthetic Person"))],
        stamp(NOW.0 - 100_000, "server"),
    );
    assert!(applied(&store.push(None, &[create], NOW).await.unwrap()[0]));
}

async fn another_units_crisis_plan_cannot_be_taken_over<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    // An editor in ward-a who also holds a grant in ward-b (a bank worker).
    enrol(
        &*store,
        "dev-a",
        &[
            ("ward-a", Role::Editor, None),
            ("ward-b", Role::Reader, None),
        ],
    )
    .await;
    person_in(&*store, "p-birch", "ward-b").await;
    // The sheet of ward-b's person, pushed into ward-a before anyone in ward-b wrote it.
    let takeover = fields(
        "t-1",
        EntityKind::Sheet,
        "p-birch",
        "ward-a",
        &[("red.staff_should_do", json!("Hold him down"))],
        stamp(NOW.0 - 10, "dev-a"),
    );
    // And a sheet for a person who does not exist at all.
    let orphan = fields(
        "t-2",
        EntityKind::Sheet,
        "p-nobody",
        "ward-a",
        &[("red.staff_should_do", json!("x"))],
        stamp(NOW.0 - 10, "dev-a"),
    );
    let r = store
        .push(Some("dev-a"), &[takeover, orphan], NOW)
        .await
        .unwrap();
    assert_eq!(rejected(&r[0]), Some(RejectReason::UnitMismatch));
    assert_eq!(rejected(&r[1]), Some(RejectReason::UnitMismatch));
    // The refusal reads the same whether or not the person exists elsewhere.
    assert_eq!(
        serde_json::to_value(&r[0].outcome).unwrap()["detail"],
        serde_json::to_value(&r[1].outcome).unwrap()["detail"]
    );
    let a_page = store
        .pull(None, &units(&["ward-a"]), &Cursor::default(), 100)
        .await
        .unwrap();
    assert!(a_page.changes.is_empty(), "nothing stored in ward-a");
    // Ward-b's own staff can still write their person's plan.
    let own = fields(
        "t-3",
        EntityKind::Sheet,
        "p-birch",
        "ward-b",
        &[("red.staff_should_do", json!("Give space; speak calmly"))],
        stamp(NOW.0 - 5, "server"),
    );
    assert!(applied(&store.push(None, &[own], NOW).await.unwrap()[0]));
    // A person and their sheet made in one batch, in that order, are accepted.
    let person = fields(
        "t-4",
        EntityKind::Person,
        "p-ash",
        "ward-a",
        &[("display_name", json!("Synthetic"))],
        stamp(NOW.0 - 4, "dev-a"),
    );
    let sheet = fields(
        "t-5",
        EntityKind::Sheet,
        "p-ash",
        "ward-a",
        &[("green.settled", json!("Calm"))],
        stamp(NOW.0 - 3, "dev-a"),
    );
    let r = store
        .push(Some("dev-a"), &[person, sheet], NOW)
        .await
        .unwrap();
    assert!(applied(&r[0]) && applied(&r[1]), "{r:?}");
}

async fn an_incident_names_only_a_person_of_its_own_unit<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(
        &*store,
        "dev-a",
        &[
            ("ward-a", Role::Reader, None),
            ("ward-b", Role::Reader, None),
        ],
    )
    .await;
    person_in(&*store, "p-ash", "ward-a").await;
    person_in(&*store, "p-birch", "ward-b").await;
    let capture = |op_id: &str, incident: &str, person: &str| {
        fields(
            op_id,
            EntityKind::Incident,
            incident,
            "ward-a",
            &[("note", json!("Synthetic")), ("person_id", json!(person))],
            stamp(NOW.0 - 10, "dev-a"),
        )
    };
    let r = store
        .push(
            Some("dev-a"),
            &[
                capture("i-1", "inc-1", "p-birch"),
                capture("i-2", "inc-2", "p-nobody"),
                capture("i-3", "inc-3", "p-ash"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(rejected(&r[0]), Some(RejectReason::UnitMismatch));
    assert_eq!(rejected(&r[1]), Some(RejectReason::UnitMismatch));
    assert!(applied(&r[2]), "{r:?}");
    // Moving an existing incident onto another unit's person is refused as well.
    let moved = fields(
        "i-4",
        EntityKind::Incident,
        "inc-3",
        "ward-a",
        &[("person_id", json!("p-birch"))],
        stamp(NOW.0 - 5, "dev-a"),
    );
    let r = store.push(Some("dev-a"), &[moved], NOW).await.unwrap();
    assert_eq!(rejected(&r[0]), Some(RejectReason::UnitMismatch));
    let (changes, _, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 100).await;
    let people: Vec<Value> = cells_of(&changes)
        .into_iter()
        .filter(|c| c.1 == "person_id")
        .map(|c| c.3)
        .collect();
    assert_eq!(
        people,
        vec![json!("p-ash")],
        "ward-b's person named nowhere in ward-a"
    );
}

async fn a_submission_locks_whatever_order_the_ops_arrive_in<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Reader, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Reader, None)]).await;
    let capture = fields(
        "o-1",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[("note", json!("Synthetic")), ("status", json!("draft"))],
        stamp(NOW.0 - 1_000, "dev-a"),
    );
    assert!(applied(
        &store.push(Some("dev-a"), &[capture], NOW).await.unwrap()[0]
    ));
    // Another phone, whose clock runs ahead, edits the draft (its status with it) and syncs
    // first.
    let edit = fields(
        "o-2",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[
            ("note", json!("Edited elsewhere")),
            ("status", json!("draft")),
        ],
        stamp(NOW.0 + 30_000, "dev-b"),
    );
    assert!(applied(
        &store.push(Some("dev-b"), &[edit], NOW).await.unwrap()[0]
    ));
    // The submission, made earlier by the wall clock, arrives after: it still locks.
    let submit = fields(
        "o-3",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[("status", json!("submitted"))],
        stamp(NOW.0 - 500, "dev-a"),
    );
    let r = store.push(Some("dev-a"), &[submit], NOW).await.unwrap();
    let OpOutcome::Applied {
        clamped: Some(stored),
    } = &r[0].outcome
    else {
        panic!("the submission must apply, re-stamped: {r:?}");
    };
    assert!(*stored > stamp(NOW.0 + 30_000, "dev-b"), "{stored:?}");
    assert_eq!(stored.device, "dev-a");
    // Locked on the server now, for everyone.
    let late = fields(
        "o-4",
        EntityKind::Incident,
        "inc-1",
        "ward-a",
        &[("note", json!("Rewritten"))],
        stamp(NOW.0 + 40_000, "dev-b"),
    );
    assert_eq!(
        rejected(&store.push(Some("dev-b"), &[late], NOW).await.unwrap()[0]),
        Some(RejectReason::Locked)
    );
    // Every replica pulls the submitted status, with the stamp that beats the other edit.
    let (changes, _, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 100).await;
    let status: Vec<(Value, Hlc)> = cells_of(&changes)
        .into_iter()
        .filter(|c| c.1 == "status")
        .map(|c| (c.3, c.4))
        .collect();
    assert_eq!(status, vec![(json!("submitted"), stored.clone())]);
}

async fn one_bad_op_is_rejected_naming_its_field_and_the_rest_apply<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Reader, None)]).await;
    let capture = |op_id: &str, incident: &str, occurred_at: Value| {
        fields(
            op_id,
            EntityKind::Incident,
            incident,
            "ward-a",
            &[("note", json!("Synthetic")), ("occurred_at", occurred_at)],
            stamp(NOW.0 - 10, "dev-a"),
        )
    };
    let r = store
        .push(
            Some("dev-a"),
            &[
                capture("b-1", "inc-1", json!(NOW.0 - 60_000)),
                capture("b-2", "inc-2", json!(1.7e66)),
                capture("b-3", "inc-3", json!(NOW.0 - 30_000)),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert!(applied(&r[0]) && applied(&r[2]), "{r:?}");
    match &r[1].outcome {
        OpOutcome::Rejected { reason, detail } => {
            assert_eq!(*reason, RejectReason::Invalid);
            assert!(detail.contains("occurred_at"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    let (changes, _, _) = pull_all(&*store, &units(&["ward-a"]), Cursor::default(), 100).await;
    let incidents: HashSet<String> = changes.iter().map(|c| c.entity_id.clone()).collect();
    assert_eq!(
        incidents,
        HashSet::from(["inc-1".to_string(), "inc-3".to_string()]),
        "the bad op stored nothing"
    );
}

// ---------------------------------------------------------------------------------------------
// Audit trails (src/audit_log.rs)

/// A device's trail of `n` events, chained by the core's encoder as the device chains it.
fn audit_trail(n: i64) -> Vec<AuditRecord> {
    let mut prev = steady_core::audit::GENESIS;
    (1..=n)
        .map(|seq| {
            let event = AuditEvent {
                seq,
                at: Timestamp(NOW.0 - 10_000 + seq),
                actor: "Alex Morgan".into(),
                action: "view".into(),
                entity: "person".into(),
                entity_id: format!("person-{}", seq % 3),
                unit_id: "ward-a".into(),
                detail: "card".into(),
            };
            prev = steady_core::audit::chain_hash(&prev, &event);
            AuditRecord {
                event,
                hash: hex::encode(prev),
            }
        })
        .collect()
}

fn stored(acknowledged: i64, stored: u32) -> AuditAppend {
    AuditAppend::Stored {
        acknowledged,
        stored,
    }
}

async fn a_devices_audit_trail_is_stored_once_in_chain_and_verify_finds_an_edited_row<
    B: Backend,
>(
    b: B,
) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    enrol(&*store, "dev-b", &[("ward-a", Role::Editor, None)]).await;
    let trail = audit_trail(6);
    let empty = store.verify_audit().await.unwrap();
    assert_eq!((empty.devices, empty.first_break.as_deref()), (0, None));

    assert_eq!(
        store
            .append_device_audit("dev-a", &trail[..4], NOW)
            .await
            .unwrap(),
        stored(4, 4)
    );
    // A retry of the same batch, and one overlapping it: nothing stored twice.
    assert_eq!(
        store
            .append_device_audit("dev-a", &trail[..4], NOW)
            .await
            .unwrap(),
        stored(4, 0)
    );
    assert_eq!(
        store
            .append_device_audit("dev-a", &trail[2..], NOW)
            .await
            .unwrap(),
        stored(6, 2)
    );
    // Another device's trail is its own chain, from 1.
    assert_eq!(
        store
            .append_device_audit("dev-b", &trail[..2], NOW)
            .await
            .unwrap(),
        stored(2, 2)
    );
    let about = store
        .device_audit_about(&["person-1".to_string()])
        .await
        .unwrap();
    let seen: Vec<(&str, i64)> = about
        .iter()
        .map(|e| (e.device_id.as_str(), e.event.seq))
        .collect();
    assert_eq!(seen, [("dev-a", 1), ("dev-a", 4), ("dev-b", 1)]);
    assert_eq!(about[0].event, trail[0].event, "exactly as sent");
    assert_eq!(about[0].received_at, NOW);

    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, None, "{report:?}");
    assert_eq!((report.devices, report.device_events), (2, 8));

    // Append-only to anyone who does not first drop its triggers.
    for sql in [
        "UPDATE device_audit SET detail = 'x'",
        "DELETE FROM device_audit",
    ] {
        let refused = b.raw_sql(sql, sql).await.expect_err(sql);
        assert!(refused.contains("append-only"), "{refused}");
    }
    // With the triggers dropped, one stored event edited to name someone else's record.
    b.raw_sql(
        "DROP TRIGGER device_audit_no_update; \
         UPDATE device_audit SET entity_id = 'person-9' WHERE device_id = 'dev-a' AND seq = 3",
        "ALTER TABLE device_audit DISABLE TRIGGER USER; \
         UPDATE device_audit SET entity_id = 'person-9' WHERE device_id = 'dev-a' AND seq = 3",
    )
    .await
    .unwrap();
    let report = store.verify_audit().await.unwrap();
    let found = report.first_break.expect("found");
    assert!(
        found.contains("device dev-a's audit trail is broken: event 3"),
        "{found}"
    );
    assert_eq!(report.problems, 1, "dev-b's trail is intact");
    // A removed event is found too.
    b.raw_sql(
        "UPDATE device_audit SET entity_id = 'person-0' WHERE device_id = 'dev-a' AND seq = 3; \
         DROP TRIGGER device_audit_no_delete; \
         DELETE FROM device_audit WHERE device_id = 'dev-b' AND seq = 1",
        "UPDATE device_audit SET entity_id = 'person-0' WHERE device_id = 'dev-a' AND seq = 3; \
         DELETE FROM device_audit WHERE device_id = 'dev-b' AND seq = 1",
    )
    .await
    .unwrap();
    let report = store.verify_audit().await.unwrap();
    let found = report.first_break.expect("found");
    assert!(
        found.contains("device dev-b's audit trail is broken"),
        "{found}"
    );
}

async fn a_batch_that_breaks_a_devices_chain_is_refused_whole<B: Backend>(b: B) {
    let store = b.store();
    with_units(&*store).await;
    enrol(&*store, "dev-a", &[("ward-a", Role::Editor, None)]).await;
    let trail = audit_trail(6);
    store
        .append_device_audit("dev-a", &trail[..2], NOW)
        .await
        .unwrap();
    let refused = |what: AuditAppend| match what {
        AuditAppend::Refused(why) => why,
        other => panic!("stored: {other:?}"),
    };
    // A gap: event 4 after event 2.
    let why = refused(
        store
            .append_device_audit("dev-a", &trail[3..], NOW)
            .await
            .unwrap(),
    );
    assert!(why.contains("event 4 does not follow"), "{why}");
    // A forged hash on the next event, after a good one: the good one is not stored either.
    let mut forged = trail[2..4].to_vec();
    forged[1].hash = hex::encode([9u8; 32]);
    let why = refused(
        store
            .append_device_audit("dev-a", &forged, NOW)
            .await
            .unwrap(),
    );
    assert!(why.contains("event 4: the hash does not match"), "{why}");
    // An event edited on its way (its old hash kept).
    let mut edited = trail[2].clone();
    edited.event.entity_id = "person-9".into();
    let why = refused(
        store
            .append_device_audit("dev-a", &[edited], NOW)
            .await
            .unwrap(),
    );
    assert!(why.contains("edited or forged"), "{why}");
    // A held event sent changed.
    let mut rewritten = trail[1].clone();
    rewritten.event.detail = "sheet".into();
    let why = refused(
        store
            .append_device_audit("dev-a", &[rewritten], NOW)
            .await
            .unwrap(),
    );
    assert!(why.contains("differs from the event 2"), "{why}");
    // Nothing of any of them was stored; the good continuation still is.
    let report = store.verify_audit().await.unwrap();
    assert_eq!((report.device_events, report.first_break), (2, None));
    assert_eq!(
        store
            .append_device_audit("dev-a", &trail[2..], NOW)
            .await
            .unwrap(),
        stored(6, 4)
    );
}

async fn the_console_audit_log_is_chained_and_verify_finds_an_edited_entry<B: Backend>(b: B)
where
    B::S: ConsoleStorage,
{
    let store = b.store();
    let entry = |id: &str| ConsoleAuditEntry {
        seq: 0,
        at: NOW,
        lead_id: "lead-1".into(),
        action: "view".into(),
        unit_id: "ward-a".into(),
        entity: "person".into(),
        entity_id: id.into(),
        detail: "person".into(),
    };
    store
        .console_audit_append(&[entry("p1"), entry("p2")])
        .await
        .unwrap();
    store.console_audit_append(&[entry("p3")]).await.unwrap();
    // Another server process appends to the same chain.
    b.another()
        .await
        .console_audit_append(&[entry("p1")])
        .await
        .unwrap();
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, None, "{report:?}");
    assert_eq!(report.console_entries, 4);
    assert_eq!(report.console_head.len(), 64);
    let about = store
        .console_audit_about(&["p1".to_string()])
        .await
        .unwrap();
    assert_eq!(about.len(), 2);

    let sql = "UPDATE console_audit SET lead_id = 'lead-2'";
    let refused = b.raw_sql(sql, sql).await.expect_err(sql);
    assert!(refused.contains("append-only"), "{refused}");
    b.raw_sql(
        "DROP TRIGGER console_audit_no_update; \
         UPDATE console_audit SET entity_id = 'p9' WHERE entity_id = 'p2'",
        "ALTER TABLE console_audit DISABLE TRIGGER USER; \
         UPDATE console_audit SET entity_id = 'p9' WHERE entity_id = 'p2'",
    )
    .await
    .unwrap();
    let found = store
        .verify_audit()
        .await
        .unwrap()
        .first_break
        .expect("found");
    assert!(
        found.contains("the console audit log is broken: event 2"),
        "{found}"
    );
}
