//! The scale section of DESIGN.md §7, on each back end:
//!
//! 1. **Idle sync**: what an idle `POST /v1/sync` (nothing to push, cursor at the end) costs with
//!    10,000 and then 1,000,000 operations stored. The budget: independent of data size.
//! 2. **Load**: 1,000 simulated devices, each a real HTTP client with its own device token and
//!    connection, doing sync cycles against one `steady-server` process for a fixed time:
//!    throughput, latency, errors and the server's peak RSS.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::protocol::{
    Change, EnrollRequest, EnrollResponse, EntityKind, Operation, PROTOCOL_VERSION, SyncRequest,
    SyncResponse,
};
use steady_server::http::{Limits, spawn_for_tests};
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{Cursor, Storage};

use crate::device::Rng;
use crate::env::{Env, thousands};
use crate::report::{Report, Row, Stats, ms};
use crate::sync::{UNIT, code, create_unit, synthetic_note};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small-N run for CI.
    pub quick: bool,
    /// Stored operations at which idle sync is measured, smallest first.
    pub idle_sizes: Vec<u64>,
    /// Idle syncs timed at each size.
    pub idle_requests: usize,
    /// Simulated devices.
    pub devices: usize,
    /// How long they run.
    pub duration: Duration,
    /// Mean time between a device's sync cycles.
    pub interval: Duration,
    /// Units the devices are spread over.
    pub units: usize,
}

impl Options {
    /// The full run, or the quick one.
    pub fn new(quick: bool) -> Options {
        if quick {
            Options {
                quick,
                idle_sizes: vec![2_000, 20_000],
                idle_requests: 200,
                devices: 50,
                duration: Duration::from_secs(5),
                interval: Duration::from_secs(1),
                units: 5,
            }
        } else {
            Options {
                quick,
                idle_sizes: vec![10_000, 1_000_000],
                idle_requests: 2_000,
                devices: 1_000,
                duration: Duration::from_secs(60),
                interval: Duration::from_secs(5),
                units: 50,
            }
        }
    }
}

/// Operations pushed per `Storage::push` call while loading.
const LOAD_BATCH: usize = 1_000;
/// Untimed idle syncs before the timed ones.
const IDLE_WARMUP: usize = 100;
/// What a simulated device asks for per request: the device engine's own limit.
pub(crate) const PULL_LIMIT: u32 = steady_core::sync::PULL_LIMIT;
/// Enrolments in flight at once while setting up the load test.
pub(crate) const ENROL_CONCURRENCY: usize = 16;
/// Budgets of DESIGN.md §7.
const MAX_IDLE_RATIO: f64 = 1.2;
pub(crate) const MAX_P99: Duration = Duration::from_millis(250);
pub(crate) const MAX_RSS_BYTES: u64 = 300 * 1024 * 1024;

/// Runs the scale section.
pub fn run(env: &mut Env, opts: &Options) -> BoxResult<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for figures worth reading");
    }
    let load_before = crate::report::load_average();
    let mut report = Report {
        title: "Steady benchmarks — server scale".to_string(),
        quick: opts.quick,
        ..Report::default()
    };
    let _ = env.postgres();
    let server_binary = env.server_binary()?;
    let work = tempfile::tempdir()?;
    let mut plans = Vec::new();

    // 1. Idle sync.
    eprintln!("scale: idle sync on SQLite");
    let sqlite = Arc::new(SqliteStorage::open(&work.path().join("idle-sqlite"))?);
    let idle = idle_sync(env, sqlite, opts, None)?;
    idle_rows(&mut report, "SQLite", &idle);
    if let Ok(pg) = env.pg() {
        eprintln!("scale: idle sync on PostgreSQL");
        let url = env.rt.block_on(pg.fresh_database("idle"))?;
        let storage = Arc::new(env.rt.block_on(PgStorage::connect(&url))?);
        let idle = idle_sync(env, storage.clone(), opts, Some(&url))?;
        idle_rows(&mut report, "PostgreSQL", &idle);
        if let Some(last) = idle.last() {
            let cursor = Cursor::decode(&last.cursor).unwrap_or_default();
            let plan =
                env.rt
                    .block_on(storage.explain_pull(&[UNIT.to_string()], &cursor, PULL_LIMIT))?;
            plans.push(format!(
                "PostgreSQL's plan for the idle pull at {} stored operations (`EXPLAIN`):\n\n\
                 ```text\n{plan}\n```",
                thousands(last.stored)
            ));
        }
        drop(storage);
        env.rt.block_on(pg.drop_database(&url));
    }

    // 2. Load.
    eprintln!(
        "scale: {} devices for {} s against a steady-server process on SQLite",
        opts.devices,
        opts.duration.as_secs()
    );
    let dir = work.path().join("load-sqlite");
    let sqlite = SqliteStorage::open(&dir)?;
    let tokens_setup = env.rt.block_on(prepare_codes(&sqlite, opts))?;
    drop(sqlite);
    let load = load_test(
        env,
        &server_binary,
        &["--data-dir", &dir.to_string_lossy()],
        tokens_setup,
        opts,
        &work.path().join("server-sqlite.log"),
    )?;
    load_rows(&mut report, "SQLite", &load, opts);
    if let Ok(pg) = env.pg() {
        eprintln!(
            "scale: {} devices for {} s against a steady-server process on PostgreSQL",
            opts.devices,
            opts.duration.as_secs()
        );
        let url = env.rt.block_on(pg.fresh_database("load"))?;
        let storage = env.rt.block_on(PgStorage::connect(&url))?;
        let codes = env.rt.block_on(prepare_codes(&storage, opts))?;
        drop(storage);
        let load = load_test(
            env,
            &server_binary,
            &["--database-url", &url],
            codes,
            opts,
            &work.path().join("server-postgres.log"),
        )?;
        load_rows(&mut report, "PostgreSQL", &load, opts);
        env.rt.block_on(pg.drop_database(&url));
    }

    crate::report::common_facts(&mut report);
    report.fact(
        "PostgreSQL",
        env.postgres_description()
            .unwrap_or_else(|| "not used".into()),
    );
    report.fact(
        "parameters",
        format!(
            "idle sync at {} stored operations, {} timed requests each ({IDLE_WARMUP} warm-up); \
             load: {} devices in {} units for {} s, a sync cycle every {:.1} s on average \
             (0.5–1.5× jitter) pushing 0–3 captures (note of 200 characters) and pulling up to \
             {PULL_LIMIT} cells a request (the device engine's limit) until done",
            opts.idle_sizes
                .iter()
                .map(|n| thousands(*n))
                .collect::<Vec<_>>()
                .join(" and "),
            thousands(opts.idle_requests as u64),
            thousands(opts.devices as u64),
            opts.units,
            opts.duration.as_secs(),
            opts.interval.as_secs_f64()
        ),
    );
    report.fact(
        "load average (1, 5, 15 min)",
        format!(
            "{load_before} at the start, {} at the end",
            crate::report::load_average()
        ),
    );
    report.extra = plans;
    report.notes = notes();
    Ok(report)
}

fn notes() -> Vec<String> {
    vec![
        "Idle sync. A server (`spawn_for_tests`, rate limits off, in this process) over a \
         fresh store; operations are stored through `Storage::push` as the server itself \
         (no device), in batches of 1,000: single-field operations, five per incident \
         (status, time, author, a 200-character note, tags), all in the device's unit, so \
         stored operations = stored cells. On PostgreSQL, `VACUUM ANALYZE` runs after each \
         load (what autovacuum soon does after a bulk insert: without it, the minutes after \
         storing a million rows time autovacuum as much as idle sync). A device enrolled in \
         that unit, with its cursor \
         at the end, then sends `POST /v1/sync` with nothing to push, one request after \
         another over one keep-alive connection; the time is the client's, request sent to \
         answer parsed. The store then grows to the next size and the same device is timed \
         again."
            .to_string(),
        "Load. `steady-server serve` runs as its own process (release build) with every rate \
         limit off (`--enroll-limit off --sync-limit off --ip-limit off`), so the test \
         measures the server, not its limiter; its JSON request log goes to a file. Enrolment \
         codes are issued through the storage API before the server starts, and every device \
         enrols over HTTP and syncs once (untimed) to get its cursor. Each simulated device \
         is a tokio task in the harness with its own reqwest client (so its own connection, \
         gzip answers accepted) and its own device token; it starts at a random point of its \
         first interval, then at each cycle pushes 0–3 new captures in one `POST /v1/sync` \
         and pulls its units' changes, repeating at once while the server says `more`. An \
         error is any transport failure or non-2xx answer. Latency is per request, from the \
         client. Peak RSS is the server process's `VmHWM` from /proc; CPU is its user + \
         system time over the run. The harness (1,000 clients) and the server share the \
         machine's two cores."
            .to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// 1. Idle sync

struct Idle {
    stored: u64,
    load_took: Duration,
    stats: Stats,
    cursor: String,
}

/// Measures idle sync at each size. `pg_url`: the PostgreSQL database behind `storage`, which
/// is vacuumed and analysed after each bulk load (what autovacuum would soon do anyway), so the
/// timings are of idle sync and not of autovacuum catching up with a million new rows.
fn idle_sync<S: Storage>(
    env: &Env,
    storage: Arc<S>,
    opts: &Options,
    pg_url: Option<&str>,
) -> BoxResult<Vec<Idle>> {
    let rt = &env.rt;
    rt.block_on(async {
        create_unit(&*storage, UNIT).await?;
        let code = code(&*storage, UNIT).await?;
        let server = spawn_for_tests(storage.clone(), Limits::unlimited()).await?;
        let base = server.url();
        let client = http_client().map_err(|e| e.to_string())?;
        let (_, token) = enrol(&client, &base, &code)
            .await
            .map_err(|e| e.to_string())?;
        let mut results = Vec::new();
        let mut stored = 0u64;
        let mut cursor = Cursor::default();
        for &size in &opts.idle_sizes {
            eprintln!("  storing operations up to {}", thousands(size));
            let started = Instant::now();
            while stored < size {
                let n = LOAD_BATCH.min((size - stored) as usize);
                let ops = load_ops(stored, n);
                storage.push(None, &ops, Timestamp::now()).await?;
                stored += n as u64;
                if stored.is_multiple_of(100_000) {
                    eprintln!(
                        "  {} stored ({:.0} s)",
                        thousands(stored),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            let load_took = started.elapsed();
            if let Some(url) = pg_url {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(connection);
                client
                    .batch_execute("VACUUM ANALYZE")
                    .await
                    .map_err(|e| e.to_string())?;
            }
            // The device has pulled everything: move its cursor to the end.
            loop {
                let page = storage
                    .pull(
                        None,
                        &[UNIT.to_string()],
                        &cursor,
                        steady_core::protocol::MAX_PULL_LIMIT,
                    )
                    .await?;
                cursor = page.cursor;
                if !page.more {
                    break;
                }
            }
            let cursor_text = cursor.encode();
            let idle = SyncRequest {
                protocol: PROTOCOL_VERSION,
                cursor: Some(cursor_text.clone()),
                push: Vec::new(),
                pull_limit: PULL_LIMIT,
            };
            let mut times = Vec::with_capacity(opts.idle_requests);
            for i in 0..IDLE_WARMUP + opts.idle_requests {
                let started = Instant::now();
                let answer = sync_once(&client, &base, &token, &idle)
                    .await
                    .map_err(|e| e.to_string())?;
                let took = started.elapsed();
                if !answer.changes.is_empty() || answer.more {
                    return Err(format!(
                        "an idle sync at {stored} got {} changes (more: {})",
                        answer.changes.len(),
                        answer.more
                    )
                    .into());
                }
                if i >= IDLE_WARMUP {
                    times.push(took);
                }
            }
            let stats = Stats::of(&times);
            eprintln!("  idle sync at {}: {}", thousands(stored), stats.summary());
            results.push(Idle {
                stored,
                load_took,
                stats,
                cursor: cursor_text,
            });
        }
        server.stop().await?;
        BoxResult::Ok(results)
    })
}

/// `n` single-field operations, five per incident, numbered from `from`.
fn load_ops(from: u64, n: usize) -> Vec<Operation> {
    let now = Timestamp::now().0;
    let mut rng = Rng(from ^ 0x1D1E);
    (from..from + n as u64)
        .map(|k| {
            let (field, value) = match k % 5 {
                0 => ("status", json!("draft")),
                1 => ("occurred_at", json!(now)),
                2 => ("recorded_by", json!("Bench Worker")),
                3 => ("note", json!(synthetic_note(&mut rng, 200))),
                _ => ("tags", json!([])),
            };
            Operation {
                op_id: format!("load-{k:010}"),
                entity: EntityKind::Incident,
                entity_id: format!("inc-{:010}", k / 5),
                unit_id: UNIT.to_string(),
                change: Change::Fields(BTreeMap::from([(field.to_string(), value)])),
                stamp: Hlc {
                    wall_ms: now,
                    counter: 0,
                    device: steady_server::merge::SERVER_DEVICE.to_string(),
                },
            }
        })
        .collect()
}

fn idle_rows(report: &mut Report, backend: &str, idle: &[Idle]) {
    for i in idle {
        report.rows.push(Row::info(
            &format!(
                "idle sync, {backend}, {} operations stored",
                thousands(i.stored)
            ),
            format!("{} (storing took {})", i.stats.summary(), ms(i.load_took)),
        ));
    }
    if let (Some(small), Some(large)) = (idle.first(), idle.last())
        && idle.len() > 1
    {
        let p50 = large.stats.p50.as_secs_f64() / small.stats.p50.as_secs_f64();
        let p99 = large.stats.p99.as_secs_f64() / small.stats.p99.as_secs_f64();
        report.rows.push(Row::budgeted(
            &format!(
                "idle sync, {backend}: p50 at {} ÷ p50 at {}",
                thousands(large.stored),
                thousands(small.stored)
            ),
            format!("{p50:.2}× (p99: {p99:.2}×)"),
            "flat: ≤ 1.2×",
            p50 <= MAX_IDLE_RATIO,
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Load

/// A device's enrolment code and unit.
struct Pending {
    code: String,
    unit: String,
}

async fn prepare_codes<S: Storage>(storage: &S, opts: &Options) -> BoxResult<Vec<Pending>> {
    let units: Vec<String> = (0..opts.units).map(|u| format!("unit-{u:03}")).collect();
    for unit in &units {
        create_unit(storage, unit).await?;
    }
    let mut codes = Vec::with_capacity(opts.devices);
    for d in 0..opts.devices {
        let unit = units[d % units.len()].clone();
        codes.push(Pending {
            code: code(storage, &unit).await?,
            unit,
        });
    }
    Ok(codes)
}

/// The server process; killed if still running when dropped.
pub(crate) struct ServerProcess {
    child: Child,
    pub(crate) url: String,
}

impl ServerProcess {
    pub(crate) fn start(binary: &Path, store: &[&str], log: &Path) -> BoxResult<ServerProcess> {
        let mut child = Command::new(binary)
            .args(store)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--enroll-limit",
                "off",
                "--sync-limit",
                "off",
                "--ip-limit",
                "off",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log)?)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .map(str::to_string);
        let mut server = ServerProcess {
            child,
            url: String::new(),
        };
        match url {
            Some(url) => server.url = url,
            None => {
                return Err(format!(
                    "steady-server did not start (said {line:?}); see {}",
                    log.display()
                )
                .into());
            }
        }
        Ok(server)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait for the graceful shutdown (SIGKILL after 40 s).
    pub(crate) fn stop(mut self) -> BoxResult<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        self.child.wait()?;
        Err("steady-server did not stop within 40 s of SIGTERM; killed".into())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Memory and CPU of a process, from /proc.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProcUsage {
    pub(crate) peak_rss: u64,
    pub(crate) rss: u64,
    pub(crate) cpu: Duration,
}

pub(crate) fn proc_usage(pid: u32) -> ProcUsage {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
            * 1024
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime
    // the 15th, counted from 1.
    let after = stat.rsplit_once(')').map(|(_, a)| a).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| -> u64 { fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0) };
    let hz = clock_ticks();
    ProcUsage {
        peak_rss: kb("VmHWM:"),
        rss: kb("VmRSS:"),
        cpu: Duration::from_secs_f64((ticks(11) + ticks(12)) as f64 / hz),
    }
}

fn clock_ticks() -> f64 {
    static HZ: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// What one simulated device saw.
#[derive(Default)]
struct DeviceTally {
    latencies: Vec<Duration>,
    errors: HashMap<String, u64>,
    pushed: u64,
    pulled: u64,
    cycles: u64,
}

struct Load {
    requests: u64,
    stats: Option<Stats>,
    max: Duration,
    errors: BTreeMap<String, u64>,
    pushed: u64,
    pulled: u64,
    cycles: u64,
    took: Duration,
    usage_start: ProcUsage,
    usage_end: ProcUsage,
    enrol_took: Duration,
}

/// A simulated device.
struct SimDevice {
    client: reqwest::Client,
    device_id: String,
    token: String,
    unit: String,
    cursor: Option<String>,
    serial: u64,
}

fn load_test(
    env: &Env,
    binary: &Path,
    store: &[&str],
    codes: Vec<Pending>,
    opts: &Options,
    log: &Path,
) -> BoxResult<Load> {
    let server = ServerProcess::start(binary, store, log)?;
    let base = server.url.clone();
    let pid = server.pid();
    let outcome = env.rt.block_on(async {
        // Enrol everyone (untimed), each device with its own client and connection.
        let started = Instant::now();
        let gate = Arc::new(tokio::sync::Semaphore::new(ENROL_CONCURRENCY));
        let mut joins = Vec::with_capacity(codes.len());
        for pending in codes {
            let gate = gate.clone();
            let base = base.clone();
            joins.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                let client = http_client()?;
                let (device_id, token) = enrol(&client, &base, &pending.code).await?;
                let mut device = SimDevice {
                    client,
                    device_id,
                    token,
                    unit: pending.unit,
                    cursor: None,
                    serial: 0,
                };
                // The first sync: gets the cursor.
                let first = SyncRequest {
                    protocol: PROTOCOL_VERSION,
                    cursor: None,
                    push: Vec::new(),
                    pull_limit: PULL_LIMIT,
                };
                let answer = sync_once(&device.client, &base, &device.token, &first).await?;
                device.cursor = Some(answer.cursor);
                Ok::<_, Box<dyn Error + Send + Sync>>(device)
            }));
        }
        let mut devices = Vec::with_capacity(joins.len());
        for j in joins {
            devices.push(j.await?.map_err(|e| e.to_string())?);
        }
        let enrol_took = started.elapsed();
        eprintln!(
            "  {} devices enrolled and synced once in {}",
            devices.len(),
            ms(enrol_took)
        );

        let usage_start = proc_usage(pid);
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + opts.duration;
        let mut joins = Vec::with_capacity(devices.len());
        for (i, device) in devices.into_iter().enumerate() {
            let base = base.clone();
            let interval = opts.interval;
            joins.push(tokio::spawn(simulate(
                device,
                base,
                interval,
                deadline,
                0xD0_0000 + i as u64,
            )));
        }
        let mut tallies = Vec::with_capacity(joins.len());
        for j in joins {
            tallies.push(j.await?);
        }
        let took = started.elapsed();
        let usage_end = proc_usage(pid);
        BoxResult::Ok((tallies, took, usage_start, usage_end, enrol_took))
    });
    let (tallies, took, usage_start, usage_end, enrol_took) = match outcome {
        Ok(o) => o,
        Err(e) => {
            let _ = server.stop();
            return Err(e);
        }
    };
    server.stop()?;

    let mut latencies = Vec::new();
    let mut errors = BTreeMap::new();
    let (mut pushed, mut pulled, mut cycles) = (0, 0, 0);
    for t in tallies {
        latencies.extend(t.latencies);
        for (k, v) in t.errors {
            *errors.entry(k).or_insert(0) += v;
        }
        pushed += t.pushed;
        pulled += t.pulled;
        cycles += t.cycles;
    }
    let requests = latencies.len() as u64 + errors.values().sum::<u64>();
    Ok(Load {
        requests,
        max: latencies.iter().copied().max().unwrap_or_default(),
        stats: (!latencies.is_empty()).then(|| Stats::of(&latencies)),
        errors,
        pushed,
        pulled,
        cycles,
        took,
        usage_start,
        usage_end,
        enrol_took,
    })
}

/// One device's cycles until `deadline`.
async fn simulate(
    mut device: SimDevice,
    base: String,
    interval: Duration,
    deadline: tokio::time::Instant,
    seed: u64,
) -> DeviceTally {
    let mut rng = Rng(seed);
    let mut tally = DeviceTally::default();
    let jitter = |rng: &mut Rng| interval.mul_f64(0.5 + rng.below(1_000) as f64 / 1_000.0);
    let mut next =
        tokio::time::Instant::now() + interval.mul_f64(rng.below(1_000) as f64 / 1_000.0);
    while next < deadline {
        tokio::time::sleep_until(next).await;
        tally.cycles += 1;
        let mut push: Vec<Operation> = (0..rng.below(4))
            .map(|_| capture_op(&mut device, &mut rng))
            .collect();
        // Push, then pull while the server says there is more (bounded).
        for _ in 0..20 {
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                cursor: device.cursor.clone(),
                push: std::mem::take(&mut push),
                pull_limit: PULL_LIMIT,
            };
            let pushed = request.push.len() as u64;
            let started = Instant::now();
            match sync_once(&device.client, &base, &device.token, &request).await {
                Ok(answer) => {
                    tally.latencies.push(started.elapsed());
                    tally.pushed += pushed;
                    tally.pulled += answer.changes.len() as u64;
                    device.cursor = Some(answer.cursor);
                    if !answer.more {
                        break;
                    }
                }
                Err(e) => {
                    *tally.errors.entry(error_kind(&*e)).or_insert(0) += 1;
                    break;
                }
            }
        }
        next += jitter(&mut rng);
    }
    tally
}

pub(crate) fn error_kind(e: &(dyn Error + Send + Sync)) -> String {
    let text = e.to_string();
    match text.split_once(':') {
        Some((kind, _)) if kind.starts_with("HTTP ") => kind.to_string(),
        _ => text.chars().take(80).collect(),
    }
}

/// A quick capture as the device would push it: one operation, five fields.
fn capture_op(device: &mut SimDevice, rng: &mut Rng) -> Operation {
    device.serial += 1;
    let now = Timestamp::now().0;
    let fields = BTreeMap::from([
        ("status".to_string(), json!("draft")),
        ("occurred_at".to_string(), json!(now)),
        ("recorded_by".to_string(), json!("Load Worker")),
        ("note".to_string(), json!(synthetic_note(rng, 200))),
        ("tags".to_string(), json!([])),
    ]);
    Operation {
        op_id: uuid::Uuid::now_v7().to_string(),
        entity: EntityKind::Incident,
        entity_id: uuid::Uuid::now_v7().to_string(),
        unit_id: device.unit.clone(),
        change: Change::Fields(fields),
        stamp: Hlc {
            wall_ms: now,
            counter: (device.serial % 1_000) as u32,
            device: device.device_id.clone(),
        },
    }
}

fn load_rows(report: &mut Report, backend: &str, load: &Load, opts: &Options) {
    let what = |m: &str| {
        format!(
            "{} devices, {} s, {backend}: {m}",
            thousands(opts.devices as u64),
            opts.duration.as_secs()
        )
    };
    let secs = load.took.as_secs_f64();
    let errors: u64 = load.errors.values().sum();
    report.rows.push(Row::info(
        &what("throughput"),
        format!(
            "{} requests in {:.1} s = {:.0} requests/s; {} sync cycles; {:.0} ops pushed/s; \
             {:.0} changes pulled/s",
            thousands(load.requests),
            secs,
            load.requests as f64 / secs,
            thousands(load.cycles),
            load.pushed as f64 / secs,
            load.pulled as f64 / secs
        ),
    ));
    report.rows.push(Row::budgeted(
        &what("errors (transport or non-2xx)"),
        if errors == 0 {
            "0".to_string()
        } else {
            format!(
                "{errors}: {}",
                load.errors
                    .iter()
                    .map(|(k, v)| format!("{v} × {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        "0",
        errors == 0,
    ));
    match &load.stats {
        Some(stats) => report.rows.push(Row::budgeted(
            &what("latency per request"),
            format!("{}; max {}", stats.summary(), ms(load.max)),
            "p99 ≤ 250 ms",
            stats.p99 <= MAX_P99,
        )),
        None => report.rows.push(Row::budgeted(
            &what("latency per request"),
            "no request succeeded".into(),
            "p99 ≤ 250 ms",
            false,
        )),
    }
    report.rows.push(Row::budgeted(
        &what("server peak RSS (VmHWM)"),
        format!(
            "{:.1} MiB (RSS {:.1} MiB before the run, {:.1} MiB at its end)",
            load.usage_end.peak_rss as f64 / 1_048_576.0,
            load.usage_start.rss as f64 / 1_048_576.0,
            load.usage_end.rss as f64 / 1_048_576.0
        ),
        "≤ 300 MB",
        load.usage_end.peak_rss > 0 && load.usage_end.peak_rss <= MAX_RSS_BYTES,
    ));
    let cpu = load.usage_end.cpu.saturating_sub(load.usage_start.cpu);
    report.rows.push(Row::info(
        &what("server CPU"),
        format!(
            "{:.1} s user + system over {:.1} s ({:.0}% of one core); enrolment and first \
             sync of every device beforehand took {}",
            cpu.as_secs_f64(),
            secs,
            100.0 * cpu.as_secs_f64() / secs,
            ms(load.enrol_took)
        ),
    ));
}

// ---------------------------------------------------------------------------------------------
// HTTP, as a device speaks it

fn http_client() -> Result<reqwest::Client, Box<dyn Error + Send + Sync>> {
    Ok(reqwest::Client::builder()
        .gzip(true)
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(1)
        .user_agent("steady-bench")
        .build()?)
}

/// Enrols a new device with `code`; returns its id and token.
pub(crate) async fn enrol(
    client: &reqwest::Client,
    base: &str,
    code: &str,
) -> Result<(String, String), Box<dyn Error + Send + Sync>> {
    let device_id = uuid::Uuid::new_v4().to_string();
    let request = EnrollRequest {
        protocol: PROTOCOL_VERSION,
        code: code.to_string(),
        device_id: device_id.clone(),
        device_label: "Load Worker, Support worker".to_string(),
        staff_name: None,
        staff_job_title: None,
    };
    let answer = client
        .post(format!("{base}/v1/enroll"))
        .json(&request)
        .send()
        .await?;
    let status = answer.status();
    if !status.is_success() {
        return Err(format!("HTTP {}: enrolment refused", status.as_u16()).into());
    }
    let answer: EnrollResponse = answer.json().await?;
    Ok((device_id, answer.device_token))
}

pub(crate) async fn sync_once(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    request: &SyncRequest,
) -> Result<SyncResponse, Box<dyn Error + Send + Sync>> {
    let answer = client
        .post(format!("{base}/v1/sync"))
        .bearer_auth(token)
        .json(request)
        .send()
        .await
        .map_err(|e| format!("transport: {}", root_cause(&e)))?;
    let status = answer.status();
    if !status.is_success() {
        let body = answer.text().await.unwrap_or_default();
        return Err(format!(
            "HTTP {}: {}",
            status.as_u16(),
            body.chars().take(200).collect::<String>()
        )
        .into());
    }
    Ok(answer
        .json()
        .await
        .map_err(|e| format!("transport: {}", root_cause(&e)))?)
}

fn root_cause(e: &(dyn Error + 'static)) -> String {
    let mut cause: &dyn Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
