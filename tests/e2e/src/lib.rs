//! End-to-end harness: real devices (`steady-core` stores in temp dirs) syncing over HTTP through
//! a real `steady-server` on loopback, on either storage back end, with a fault-injecting proxy
//! between them. The tests in `tests/` read like the users' moments and the network's failures.
//!
//! The server runs in this process on its own tokio runtime (a real listener on 127.0.0.1, real
//! HTTP); devices use the blocking HTTP transport from the test thread, as an app's background
//! worker would. A PostgreSQL cluster comes from `STEADY_TEST_DATABASE_URL` (set by `tests/run`);
//! without it the PostgreSQL variants print "skipped" unless `STEADY_REQUIRE_POSTGRES=1`.

pub mod fault_proxy;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use steady_server::storage::postgres::with_database;

use steady_core::clock::Timestamp;
use steady_core::codes::Role;
use steady_core::sync::{HttpTransport, SyncOptions, SyncReport, ThreadSleeper};
use steady_core::units::UnitGrant;
use steady_core::{StaffMember, Store, StoreKey, WallClock};
use steady_server::http::{Limits, TestServer, spawn_for_tests};
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{GrantSpec, Storage, Unit};

use crate::fault_proxy::FaultProxy;

/// Makes a fresh, empty server store of one kind.
pub trait Backend: Storage + Sized {
    /// A new store, or `None` when this back end cannot run here (then the test is skipped).
    fn fresh(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> Option<Self>;
}

impl Backend for SqliteStorage {
    fn fresh(_: &tokio::runtime::Runtime, dir: &std::path::Path) -> Option<Self> {
        Some(SqliteStorage::open(&dir.join("server")).expect("open the SQLite store"))
    }
}

impl Backend for PgStorage {
    fn fresh(rt: &tokio::runtime::Runtime, _: &std::path::Path) -> Option<Self> {
        let Ok(admin_url) = std::env::var("STEADY_TEST_DATABASE_URL") else {
            assert!(
                std::env::var("STEADY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "STEADY_REQUIRE_POSTGRES=1 but STEADY_TEST_DATABASE_URL is not set: run bash tests/run"
            );
            eprintln!("skipped: no PostgreSQL (run bash tests/run)");
            return None;
        };
        let database = format!(
            "steady_e2e_{}",
            std::process::id() as u64 * 1000 + next_id()
        );
        let url = rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
                .await
                .expect("connect to STEADY_TEST_DATABASE_URL");
            tokio::spawn(connection);
            client
                .batch_execute(&format!("CREATE DATABASE {database}"))
                .await
                .expect("create the test database");
            with_database(&admin_url, &database)
        });
        Some(
            rt.block_on(PgStorage::connect(&url))
                .expect("connect PgStorage"),
        )
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst) as u64
}

/// The wall clock devices in a test use: real time plus an offset the test may change.
#[derive(Default)]
pub struct SkewedClock(AtomicI64);

impl SkewedClock {
    /// A clock `offset_ms` ahead of real time (negative: behind).
    pub fn ahead(offset_ms: i64) -> Arc<Self> {
        Arc::new(SkewedClock(AtomicI64::new(offset_ms)))
    }

    /// Moves the clock to `offset_ms` ahead of real time.
    pub fn set_ahead(&self, offset_ms: i64) {
        self.0.store(offset_ms, Ordering::SeqCst);
    }
}

impl WallClock for SkewedClock {
    fn now(&self) -> Timestamp {
        Timestamp(Timestamp::now().0 + self.0.load(Ordering::SeqCst))
    }
}

/// A server, its store and a fault proxy in front of it.
pub struct Cluster<S: Backend> {
    /// The runtime the server and proxy run on.
    pub rt: tokio::runtime::Runtime,
    /// The server's store (tests look inside and act as the admin).
    pub storage: Arc<S>,
    server: Option<TestServer>,
    /// The proxy devices talk through.
    pub proxy: FaultProxy,
    /// Where device stores live.
    pub dir: tempfile::TempDir,
}

impl<S: Backend> Cluster<S> {
    /// A fresh cluster, or `None` when the back end is not available here.
    pub fn start() -> Option<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Arc::new(S::fresh(&rt, dir.path())?);
        let server = rt
            .block_on(spawn_for_tests(storage.clone(), Limits::unlimited()))
            .expect("start the server");
        let proxy = rt.block_on(FaultProxy::start(server.addr()));
        Some(Cluster {
            rt,
            storage,
            server: Some(server),
            proxy,
            dir,
        })
    }

    /// Creates a unit.
    pub fn unit(&self, unit_id: &str, mental_health_unit: bool) {
        self.rt
            .block_on(self.storage.create_unit(&Unit {
                unit_id: unit_id.into(),
                organisation: "Example Care Trust".into(),
                name: format!("{unit_id} (synthetic)"),
                mental_health_unit,
            }))
            .expect("create unit");
    }

    /// Issues an enrolment code carrying `grants` (unit, role, end).
    pub fn code(&self, grants: &[(&str, Role, Option<Timestamp>)]) -> String {
        let grants = grants
            .iter()
            .map(|(unit, role, ends_at)| GrantSpec {
                unit_id: unit.to_string(),
                role: *role,
                ends_at: *ends_at,
            })
            .collect();
        self.rt
            .block_on(steady_server::admin::issue_code(
                &*self.storage,
                grants,
                Duration::from_secs(3600),
                5,
                Timestamp::now(),
            ))
            .expect("issue code")
            .code
    }

    /// A new device, enrolled with `grants`, used by `staff`.
    pub fn device(&self, staff: &str, grants: &[(&str, Role, Option<Timestamp>)]) -> Device {
        self.device_with_clock(staff, grants, SkewedClock::ahead(0))
    }

    /// A new enrolled device whose clock is `clock`.
    pub fn device_with_clock(
        &self,
        staff: &str,
        grants: &[(&str, Role, Option<Timestamp>)],
        clock: Arc<SkewedClock>,
    ) -> Device {
        let dir = tempfile::tempdir_in(self.dir.path()).expect("device dir");
        let key = StoreKey::from_bytes(&[0x42; 32]).expect("key");
        let store = Store::open_with_clock(dir.path().join("steady.db"), &key, clock.clone())
            .expect("open store");
        store
            .set_staff_member(StaffMember {
                name: staff.into(),
                job_title: "Support worker".into(),
            })
            .expect("staff");
        let transport = HttpTransport::new(&self.proxy.url()).expect("transport");
        let code = self.code(grants);
        store.enroll(&transport, &code).expect("enrol");
        Device {
            store,
            transport,
            clock,
            _dir: dir,
        }
    }

    /// Ends a device's grant in a unit now (the coordinator ends a placement).
    pub fn end_grant(&self, device: &Device, unit: &str) {
        assert!(
            self.rt
                .block_on(
                    self.storage
                        .end_grant(device.store.device_id(), unit, Timestamp::now())
                )
                .expect("end grant")
        );
    }

    /// Revokes a device (lost phone).
    pub fn revoke(&self, device: &Device) {
        assert!(
            self.rt
                .block_on(
                    self.storage
                        .revoke_device(device.store.device_id(), Timestamp::now())
                )
                .expect("revoke")
        );
    }

    /// Stops the server gracefully and starts it again on the same store (a deploy, a crash
    /// recovery); the proxy follows it to its new port.
    pub fn restart_server(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.stop()).expect("stop the server");
        }
        let server = self
            .rt
            .block_on(spawn_for_tests(self.storage.clone(), Limits::unlimited()))
            .expect("restart the server");
        self.proxy.set_upstream(server.addr());
        self.server = Some(server);
    }

    /// Stops the server (the proxy's requests then fail until it is started again).
    pub fn stop_server(&mut self) {
        if let Some(server) = self.server.take() {
            self.rt.block_on(server.stop()).expect("stop the server");
        }
    }
}

/// A phone: an encrypted store and its transport to the server (through the proxy).
pub struct Device {
    /// The device's store, as the app would use it.
    pub store: Store,
    /// Its transport.
    pub transport: HttpTransport,
    /// Its wall clock.
    pub clock: Arc<SkewedClock>,
    _dir: tempfile::TempDir,
}

impl Device {
    /// Syncs with retries that wait only briefly (faults are injected, not real outages).
    pub fn sync(&self) -> steady_core::Result<SyncReport> {
        self.store.sync_with(&self.transport, &quick_retries())
    }

    /// The device's grant list as the app sees it.
    pub fn grants(&self) -> Vec<UnitGrant> {
        self.store
            .units()
            .expect("units")
            .into_iter()
            .filter(|u| u.active)
            .map(|u| u.grant)
            .collect()
    }
}

/// Retry options for tests: many attempts, short real sleeps.
pub fn quick_retries() -> SyncOptions {
    SyncOptions {
        max_attempts: 30,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        sleeper: Arc::new(ThreadSleeper),
    }
}

/// Instantiates a test body `fn name<S: Backend>(cluster: Cluster<S>)` once per back end.
#[macro_export]
macro_rules! on_both_back_ends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    if let Some(c) = $crate::Cluster::<steady_server::storage::sqlite::SqliteStorage>::start() {
                        super::$name(c);
                    }
                }
                #[test]
                fn postgres() {
                    if let Some(c) = $crate::Cluster::<steady_server::storage::postgres::PgStorage>::start() {
                        super::$name(c);
                    }
                }
            }
        )*
    };
}

/// How many cases a property test runs: `PROPTEST_CASES`, else `default` (CI's size).
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

/// The property tests' seed: the same cases on every run unless `PROPTEST_RNG_SEED` names
/// another (a number, or `random` to explore: proptest prints the seed of a failure). A failure
/// is also written to `proptest-regressions/` beside the test, which proptest replays first on
/// every run: commit it with the fix.
pub fn proptest_rng_seed() -> proptest::test_runner::RngSeed {
    use proptest::test_runner::RngSeed;
    match std::env::var("PROPTEST_RNG_SEED").as_deref() {
        Ok("random") => RngSeed::Random,
        Ok(n) => RngSeed::Fixed(n.parse().expect("PROPTEST_RNG_SEED: a number or `random`")),
        Err(_) => RngSeed::Fixed(20_261_203),
    }
}
