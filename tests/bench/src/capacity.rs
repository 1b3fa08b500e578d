//! The capacity of one server (issue 18, part 2): a trust's phones against one `steady-server`,
//! offered load stepped up until the 99th percentile passes 250 ms.
//!
//! 10,000 enrolled devices (each its own token, in 500 units of 20 phones), and an open-loop
//! load generator: requests are sent at the offered rate whatever the server's answers (a
//! closed loop would slow down with the server and hide its knee), each from a random device,
//! in a realistic mix — most syncs find little or nothing new, some push a few captures, a few
//! pull a whole page as a new or long-offline phone does. Latency is measured from the moment
//! the request was due, so time spent waiting for a connection counts (no coordinated
//! omission). Each step reports offered and served requests per second, p50 and p99, errors
//! and the server's RSS; the run is repeated on SQLite, on PostgreSQL, and with two server
//! processes sharing one PostgreSQL, and drawn as an SVG beside the report.
//!
//! The budget (issue 18): the knee above 2,000 requests/s on two cores, no errors below it,
//! RSS ≤ 300 MB. The load generator shares the machine's two cores with the server (and with
//! PostgreSQL), so the knee measured here is a lower bound for a server with its own cores.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::protocol::{Change, EntityKind, Operation, PROTOCOL_VERSION, SyncRequest};
use steady_server::storage::Storage;
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use tokio::sync::Mutex;

use crate::device::Rng;
use crate::env::{Env, thousands};
use crate::report::{Report, Row, Stats, ms, percentile};
use crate::scale::{
    ENROL_CONCURRENCY, MAX_P99, MAX_RSS_BYTES, PULL_LIMIT, ServerProcess, enrol, error_kind,
    proc_usage, sync_once,
};
use crate::sync::{code, create_unit, synthetic_note};

type BoxResult<T> = Result<T, Box<dyn Error>>;
type SendResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The budget's knee, requests per second.
const MIN_KNEE: f64 = 2_000.0;
/// A step is past the knee when it serves less than this share of what was offered.
const MIN_SERVED_SHARE: f64 = 0.95;
/// Captures stored in each unit before the run, so a page pull has a page to pull.
const SEEDED_PER_UNIT: usize = 40;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small-N run for CI.
    pub quick: bool,
    /// Enrolled devices.
    pub devices: usize,
    /// Units they are spread over.
    pub units: usize,
    /// Offered rates, requests per second, lowest first; stepping stops past the knee.
    pub steps: Vec<u32>,
    /// How long each step offers its rate.
    pub step: Duration,
    /// Connections the generator may hold open at once (as many phones syncing at one time).
    pub connections: usize,
}

impl Options {
    /// The full run, or the quick one.
    pub fn new(quick: bool) -> Options {
        if quick {
            Options {
                quick,
                devices: 200,
                units: 10,
                steps: vec![50, 100, 200],
                step: Duration::from_secs(2),
                connections: 64,
            }
        } else {
            Options {
                quick,
                devices: 10_000,
                units: 500,
                steps: vec![250, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000],
                step: Duration::from_secs(10),
                connections: 512,
            }
        }
    }
}

/// One kind of request in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A sync with nothing to push, from the device's own cursor.
    Idle,
    /// A sync pushing 1–3 captures.
    Push,
    /// A sync from no cursor: a page of the unit, as a new phone pulls it.
    Page,
}

/// The mix, per 1,000 requests: idle, push, page.
const MIX: [(Kind, usize); 3] = [(Kind::Idle, 900), (Kind::Push, 80), (Kind::Page, 20)];

fn pick(rng: &mut Rng) -> Kind {
    let mut roll = rng.below(1_000);
    for (kind, share) in MIX {
        if roll < share {
            return kind;
        }
        roll -= share;
    }
    Kind::Idle
}

/// A simulated phone: its token, unit and cursor.
struct Phone {
    device_id: String,
    token: String,
    unit: String,
    cursor: Option<String>,
    serial: u64,
}

/// One step's outcome.
#[derive(Debug, Clone)]
struct Step {
    offered: f64,
    served: f64,
    stats: Option<Stats>,
    errors: BTreeMap<String, u64>,
    by_kind: BTreeMap<Kind, (u64, Duration)>,
    rss: u64,
    pulled_per_idle: f64,
}

impl Step {
    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Within the budget's latency, error-free, and keeping up with what was offered.
    fn healthy(&self) -> bool {
        self.stats.is_some_and(|s| s.p99 <= MAX_P99)
            && self.error_count() == 0
            && self.served >= self.offered * MIN_SERVED_SHARE
    }
}

/// One configuration's curve.
struct Curve {
    label: String,
    steps: Vec<Step>,
    peak_rss: u64,
    setup: Duration,
}

impl Curve {
    /// The highest offered rate of a healthy step, if any; and whether a step failed.
    fn knee(&self) -> (Option<f64>, bool) {
        let passed = self.steps.iter().take_while(|s| s.healthy()).last();
        (
            passed.map(|s| s.offered),
            self.steps.iter().any(|s| !s.healthy()),
        )
    }
}

/// Runs the capacity section.
pub fn run(env: &mut Env, opts: &Options) -> BoxResult<Report> {
    let load_before = crate::report::load_average();
    let mut report = Report {
        title: "Steady benchmarks — capacity of one server".to_string(),
        quick: opts.quick,
        ..Report::default()
    };
    let _ = env.postgres();
    let binary = env.server_binary()?;
    let work = tempfile::tempdir()?;
    let mut curves = Vec::new();

    eprintln!("capacity: SQLite, one server process");
    let dir = work.path().join("capacity-sqlite");
    let sqlite = SqliteStorage::open(&dir)?;
    let codes = env.rt.block_on(prepare(&sqlite, opts))?;
    drop(sqlite);
    let store = ["--data-dir".to_string(), dir.to_string_lossy().into_owned()];
    curves.push(curve(
        env,
        &binary,
        &store,
        1,
        codes,
        opts,
        work.path(),
        "SQLite",
    )?);

    if let Ok(pg) = env.pg() {
        for processes in [1, 2] {
            let label = if processes == 1 {
                "PostgreSQL".to_string()
            } else {
                "PostgreSQL, two server processes".to_string()
            };
            eprintln!("capacity: {label}");
            let url = env.rt.block_on(pg.fresh_database("capacity"))?;
            let storage = env.rt.block_on(PgStorage::connect(&url))?;
            let codes = env.rt.block_on(prepare(&storage, opts))?;
            drop(storage);
            let store = ["--database-url".to_string(), url.clone()];
            let outcome = curve(
                env,
                &binary,
                &store,
                processes,
                codes,
                opts,
                work.path(),
                &label,
            );
            env.rt.block_on(pg.drop_database(&url));
            curves.push(outcome?);
        }
    }

    for c in &curves {
        rows(&mut report, c);
    }
    report.extra.push(detail_table(&curves));
    report
        .extra
        .push("![Offered against served requests per second, and p99 latency, for each back end](benchmarks-capacity.svg)".to_string());
    report
        .files
        .push(("benchmarks-capacity.svg".to_string(), svg(&curves)));
    crate::report::common_facts(&mut report);
    report.fact(
        "PostgreSQL",
        env.postgres_description()
            .unwrap_or_else(|| "not used".into()),
    );
    report.fact(
        "parameters",
        format!(
            "{} devices in {} units; offered {} requests/s, {} s a step; mix per 1,000: 900 idle \
             syncs, 80 pushing 1–3 captures, 20 pulling a page from no cursor (up to {PULL_LIMIT} \
             cells); at most {} connections open; {SEEDED_PER_UNIT} captures stored in each unit \
             first",
            thousands(opts.devices as u64),
            opts.units,
            opts.steps
                .iter()
                .map(|s| thousands(u64::from(*s)))
                .collect::<Vec<_>>()
                .join(", "),
            opts.step.as_secs(),
            opts.connections,
        ),
    );
    report.fact(
        "load average (1, 5, 15 min)",
        format!(
            "{load_before} at the start, {} at the end",
            crate::report::load_average()
        ),
    );
    report.notes = notes();
    Ok(report)
}

fn notes() -> Vec<String> {
    vec![
        "Method. `steady-server serve` runs as its own process (release build, every rate \
         limit off, so the server is measured and not its limiter). Units and enrolment codes \
         are made through the storage API; every device then enrols over HTTP and syncs once \
         (untimed) for its cursor, and one device per unit pushes the seed captures. The load \
         generator is one tokio runtime in the harness with a shared pool of keep-alive \
         connections (at most the configured number open, as that many phones syncing at the \
         same moment). At each step it sends requests at evenly spaced due times for the \
         step's duration; a request from a device already mid-request goes to another device. \
         Latency runs from the due time to the parsed answer, so queueing for a connection in \
         the harness counts. Served = answers ÷ the time from the step's start to its last answer (at least the step's length), so a server falling behind serves less than it is offered. An \
         error is a transport failure or a non-2xx answer. RSS is the server's `VmRSS` at the \
         end of each step; peak is `VmHWM` at the end of the run. With two processes, requests \
         alternate between them and RSS is their sum. Stepping stops after the first step past \
         the knee (p99 over 250 ms, an error, or served under 95% of offered)."
            .to_string(),
        "What this machine can say. The harness, the server and PostgreSQL share two cores: \
         the generator's own cost (JSON, HTTP, gzip) is CPU the server does not get, so the \
         knee here is a lower bound for a server with the machine to itself."
            .to_string(),
    ]
}

/// Units, codes, and the seed: returns each device's code and unit.
async fn prepare<S: Storage>(storage: &S, opts: &Options) -> BoxResult<Vec<(String, String)>> {
    let units: Vec<String> = (0..opts.units).map(|u| format!("unit-{u:04}")).collect();
    for unit in &units {
        create_unit(storage, unit).await?;
    }
    // An enrolment code enrols one device.
    let mut codes = Vec::with_capacity(opts.devices);
    for d in 0..opts.devices {
        let unit = units[d % units.len()].clone();
        codes.push((code(storage, &unit).await?, unit));
    }
    Ok(codes)
}

#[allow(clippy::too_many_arguments)]
fn curve(
    env: &Env,
    binary: &Path,
    store: &[String],
    processes: usize,
    codes: Vec<(String, String)>,
    opts: &Options,
    work: &Path,
    label: &str,
) -> BoxResult<Curve> {
    let store: Vec<&str> = store.iter().map(String::as_str).collect();
    let mut servers = Vec::new();
    for p in 0..processes {
        let log = work.join(format!(
            "capacity-{}-{p}.log",
            label.replace([' ', ','], "-")
        ));
        servers.push(ServerProcess::start(binary, &store, &log)?);
    }
    let bases: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let pids: Vec<u32> = servers.iter().map(|s| s.pid()).collect();
    let outcome = env.rt.block_on(drive(bases, pids.clone(), codes, opts));
    let peak_rss = pids.iter().map(|p| proc_usage(*p).peak_rss).sum();
    for s in servers {
        s.stop()?;
    }
    let (steps, setup) = outcome.map_err(|e| e.to_string())?;
    Ok(Curve {
        label: label.to_string(),
        steps,
        peak_rss,
        setup,
    })
}

fn client(connections: usize) -> SendResult<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .gzip(true)
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(connections)
        .user_agent("steady-bench capacity")
        .build()?)
}

async fn drive(
    bases: Vec<String>,
    pids: Vec<u32>,
    codes: Vec<(String, String)>,
    opts: &Options,
) -> SendResult<(Vec<Step>, Duration)> {
    let started = Instant::now();
    let http = client(opts.connections)?;
    // Enrol everyone and take their cursors (untimed).
    let gate = Arc::new(tokio::sync::Semaphore::new(ENROL_CONCURRENCY));
    let mut joins = Vec::with_capacity(codes.len());
    for (i, (code, unit)) in codes.into_iter().enumerate() {
        let (gate, http, base) = (gate.clone(), http.clone(), bases[i % bases.len()].clone());
        joins.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            let (device_id, token) = enrol(&http, &base, &code).await?;
            Ok::<_, Box<dyn Error + Send + Sync>>(Phone {
                device_id,
                token,
                unit,
                cursor: None,
                serial: 0,
            })
        }));
    }
    let mut phones = Vec::with_capacity(joins.len());
    for j in joins {
        phones.push(j.await??);
    }
    // One phone per unit stores the seed, so a page pull has a page to pull.
    let mut rng = Rng(0xCA9A_C17E);
    let mut seeded = std::collections::HashSet::new();
    for phone in phones.iter_mut() {
        if seeded.insert(phone.unit.clone()) {
            let push = (0..SEEDED_PER_UNIT)
                .map(|_| capture(phone, &mut rng))
                .collect();
            request(&http, &bases[0], phone, push, false).await?;
        }
    }
    for phone in phones.iter_mut() {
        request(&http, &bases[0], phone, Vec::new(), false).await?;
    }
    let setup = started.elapsed();
    eprintln!(
        "  {} devices enrolled, seeded and synced once in {}",
        phones.len(),
        ms(setup)
    );

    let phones: Arc<Vec<Mutex<Phone>>> = Arc::new(phones.into_iter().map(Mutex::new).collect());
    let connections = Arc::new(tokio::sync::Semaphore::new(opts.connections));
    let mut steps = Vec::new();
    for (n, rate) in opts.steps.iter().enumerate() {
        let step = offer(
            &http,
            &bases,
            &phones,
            &connections,
            f64::from(*rate),
            opts.step,
            0x5EED_0000 + n as u64,
        )
        .await;
        let step = Step {
            rss: pids.iter().map(|p| proc_usage(*p).rss).sum(),
            ..step
        };
        eprintln!(
            "  offered {rate}/s: served {:.0}/s, {}, {} errors",
            step.served,
            step.stats.map(|s| s.summary()).unwrap_or_default(),
            step.error_count()
        );
        let healthy = step.healthy();
        steps.push(step);
        if !healthy {
            break;
        }
    }
    Ok((steps, setup))
}

/// What one request saw: its kind, latency from its due time, changes pulled, or its error.
type Outcome = (Kind, Result<(Duration, usize), String>);

/// Offers `rate` requests per second for `duration`.
async fn offer(
    http: &reqwest::Client,
    bases: &[String],
    phones: &Arc<Vec<Mutex<Phone>>>,
    connections: &Arc<tokio::sync::Semaphore>,
    rate: f64,
    duration: Duration,
    seed: u64,
) -> Step {
    let mut rng = Rng(seed);
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let start = tokio::time::Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Outcome>();
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let kind = pick(&mut rng);
        let first = rng.below(phones.len());
        let (http, base) = (http.clone(), bases[i as usize % bases.len()].clone());
        let (phones, connections, tx) = (phones.clone(), connections.clone(), tx.clone());
        let push_n = 1 + rng.below(3);
        let note_seed = rng.next();
        tokio::spawn(async move {
            let _permit = connections.acquire_owned().await;
            // A phone mid-request is not asked again: the next free one is.
            let mut phone = None;
            for k in 0..phones.len() {
                if let Ok(p) = phones[(first + k) % phones.len()].try_lock() {
                    phone = Some(p);
                    break;
                }
            }
            let Some(mut phone) = phone else {
                let _ = tx.send((kind, Err("no free device".into())));
                return;
            };
            let mut rng = Rng(note_seed);
            let push = match kind {
                Kind::Push => (0..push_n).map(|_| capture(&mut phone, &mut rng)).collect(),
                _ => Vec::new(),
            };
            let answer = request(&http, &base, &mut phone, push, kind == Kind::Page).await;
            let done = due.elapsed();
            let _ = tx.send((
                kind,
                answer
                    .map(|pulled| (done, pulled))
                    .map_err(|e| error_kind(&*e)),
            ));
        });
    }
    drop(tx);
    let mut latencies = Vec::new();
    let mut errors = BTreeMap::new();
    let mut by_kind: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    let (mut idle_pulled, mut idles) = (0usize, 0usize);
    while let Some((kind, outcome)) = rx.recv().await {
        match outcome {
            Ok((latency, pulled)) => {
                latencies.push(latency);
                by_kind.entry(kind).or_default().push(latency);
                if kind == Kind::Idle {
                    idle_pulled += pulled;
                    idles += 1;
                }
            }
            Err(e) => *errors.entry(e).or_insert(0) += 1,
        }
    }
    let elapsed = start.elapsed().max(duration);
    Step {
        offered: rate,
        // Answers over the time it took to answer them all: a server keeping up finishes
        // with the step; one falling behind takes longer, and serves less per second.
        served: latencies.len() as f64 / elapsed.as_secs_f64(),
        stats: (!latencies.is_empty()).then(|| Stats::of(&latencies)),
        errors,
        by_kind: by_kind
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                (k, (v.len() as u64, percentile(&v, 99.0)))
            })
            .collect(),
        rss: 0,
        pulled_per_idle: if idles == 0 {
            0.0
        } else {
            idle_pulled as f64 / idles as f64
        },
    }
}

/// One sync from `phone`: its pushed ops, from its cursor (or none, for a page); the cursor
/// kept; the number of changes pulled.
async fn request(
    http: &reqwest::Client,
    base: &str,
    phone: &mut Phone,
    push: Vec<Operation>,
    page: bool,
) -> SendResult<usize> {
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: if page { None } else { phone.cursor.clone() },
        push,
        pull_limit: PULL_LIMIT,
    };
    let answer = sync_once(http, base, &phone.token, &request).await?;
    if !page {
        phone.cursor = Some(answer.cursor);
    }
    Ok(answer.changes.len())
}

/// A quick capture as the device would push it.
fn capture(phone: &mut Phone, rng: &mut Rng) -> Operation {
    phone.serial += 1;
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
        unit_id: phone.unit.clone(),
        change: Change::Fields(fields),
        stamp: Hlc {
            wall_ms: now,
            counter: (phone.serial % 1_000) as u32,
            device: phone.device_id.clone(),
        },
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn rows(report: &mut Report, c: &Curve) {
    let (knee, failed) = c.knee();
    let next = c.steps.iter().find(|s| !s.healthy()).map(|s| s.offered);
    let knee_text = match (knee, failed) {
        (Some(k), true) => format!(
            "between {} and {} requests/s (the last step within budget and the first past it)",
            thousands(k as u64),
            thousands(next.unwrap_or(k) as u64)
        ),
        (Some(k), false) => format!(
            "≥ {} requests/s (not reached: every step was within budget)",
            thousands(k as u64)
        ),
        (None, _) => "below the first step".to_string(),
    };
    report.rows.push(Row::budgeted(
        &format!(
            "capacity, {}: the knee (p99 ≤ 250 ms, no errors, served ≥ 95%)",
            c.label
        ),
        knee_text,
        "> 2,000 requests/s",
        // The knee lies past the last step within budget: above 2,000 when that step is.
        knee.is_some_and(|k| k >= MIN_KNEE),
    ));
    let below: u64 = c
        .steps
        .iter()
        .take_while(|s| s.healthy())
        .map(Step::error_count)
        .sum::<u64>()
        + c.steps
            .iter()
            .skip_while(|s| s.healthy())
            .take(1)
            .filter(|s| s.stats.is_some_and(|st| st.p99 <= MAX_P99))
            .map(Step::error_count)
            .sum::<u64>();
    report.rows.push(Row::budgeted(
        &format!("capacity, {}: errors below the knee", c.label),
        thousands(below),
        "0",
        below == 0,
    ));
    report.rows.push(Row::budgeted(
        &format!("capacity, {}: server peak RSS (VmHWM)", c.label),
        mib(c.peak_rss),
        "≤ 300 MB",
        c.peak_rss <= MAX_RSS_BYTES,
    ));
    report.rows.push(Row::info(
        &format!("capacity, {}: setup", c.label),
        format!("enrolment, seed and first syncs in {}", ms(c.setup)),
    ));
}

fn detail_table(curves: &[Curve]) -> String {
    let mut out = String::from(
        "| configuration | offered /s | served /s | p50 | p99 | p99 idle · push · page | errors | changes per idle sync | RSS |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for c in curves {
        for s in &c.steps {
            let kind = |k: Kind| {
                s.by_kind
                    .get(&k)
                    .map(|(_, p99)| ms(*p99))
                    .unwrap_or_else(|| "—".into())
            };
            let errors = if s.errors.is_empty() {
                "0".to_string()
            } else {
                s.errors
                    .iter()
                    .map(|(k, v)| format!("{v} {k}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {} | {} | {} · {} · {} | {} | {:.1} | {} |",
                c.label,
                thousands(s.offered as u64),
                s.served,
                s.stats.map(|st| ms(st.p50)).unwrap_or_else(|| "—".into()),
                s.stats.map(|st| ms(st.p99)).unwrap_or_else(|| "—".into()),
                kind(Kind::Idle),
                kind(Kind::Push),
                kind(Kind::Page),
                errors,
                s.pulled_per_idle,
                mib(s.rss),
            );
        }
    }
    out
}

/// Two charts side by side: served against offered (with the line served = offered), and p99
/// against offered (with the 250 ms budget), one line per configuration.
fn svg(curves: &[Curve]) -> String {
    const W: f64 = 360.0;
    const H: f64 = 260.0;
    const PAD: f64 = 48.0;
    const COLOURS: [&str; 3] = ["#1b6ca8", "#c0392b", "#2e8b57"];
    let max_x = curves
        .iter()
        .flat_map(|c| c.steps.iter().map(|s| s.offered))
        .fold(1.0_f64, f64::max);
    let max_served = curves
        .iter()
        .flat_map(|c| c.steps.iter().map(|s| s.served))
        .fold(max_x, f64::max);
    let max_p99 = curves
        .iter()
        .flat_map(|c| c.steps.iter().filter_map(|s| s.stats.map(|st| st.p99)))
        .map(|d| d.as_secs_f64() * 1_000.0)
        .fold(300.0_f64, f64::max);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" \
         fill=\"white\"/>\n",
        2.0 * W,
        H + 40.0
    );
    for (panel, (title, max_y, unit)) in [
        ("served requests/s", max_served, ""),
        ("p99 latency", max_p99, "ms"),
    ]
    .into_iter()
    .enumerate()
    {
        let x0 = panel as f64 * W;
        let px = |x: f64| x0 + PAD + (W - 2.0 * PAD) * x / max_x;
        let py = |y: f64| H - PAD + 20.0 - (H - 2.0 * PAD) * y / max_y;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"16\" font-weight=\"bold\">{title}, by offered requests/s</text>",
            x0 + PAD
        );
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\
             <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
            px(0.0),
            py(0.0),
            px(max_x),
            py(0.0),
            px(0.0),
            py(0.0),
            px(0.0),
            py(max_y)
        );
        for tick in 0..=4 {
            let (vx, vy) = (max_x * f64::from(tick) / 4.0, max_y * f64::from(tick) / 4.0);
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.0}</text>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{:.0}{unit}</text>",
                px(vx),
                py(0.0) + 14.0,
                vx,
                px(0.0) - 4.0,
                py(vy) + 4.0,
                vy
            );
        }
        // The reference: served = offered, or the 250 ms budget.
        let (rx1, ry1, rx2, ry2) = if panel == 0 {
            (px(0.0), py(0.0), px(max_x), py(max_x.min(max_y)))
        } else {
            let b = MAX_P99.as_secs_f64() * 1_000.0;
            (px(0.0), py(b), px(max_x), py(b))
        };
        let _ = writeln!(
            out,
            "<line x1=\"{rx1:.1}\" y1=\"{ry1:.1}\" x2=\"{rx2:.1}\" y2=\"{ry2:.1}\" \
             stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        );
        for (i, c) in curves.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let points: Vec<String> = c
                .steps
                .iter()
                .filter_map(|s| {
                    let y = if panel == 0 {
                        Some(s.served)
                    } else {
                        s.stats.map(|st| st.p99.as_secs_f64() * 1_000.0)
                    }?;
                    Some(format!("{:.1},{:.1}", px(s.offered), py(y)))
                })
                .collect();
            let _ = writeln!(
                out,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                points.join(" ")
            );
            if panel == 0 {
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{}</text>",
                    PAD,
                    H + 8.0 + 12.0 * i as f64,
                    xml_escape(&c.label)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(offered: f64, served: f64, p99_ms: u64, errors: u64) -> Step {
        let p99 = Duration::from_millis(p99_ms);
        Step {
            offered,
            served,
            stats: Some(Stats::of(&[p99])),
            errors: if errors == 0 {
                BTreeMap::new()
            } else {
                BTreeMap::from([("HTTP 503".to_string(), errors)])
            },
            by_kind: BTreeMap::new(),
            rss: 0,
            pulled_per_idle: 0.0,
        }
    }

    #[test]
    fn the_knee_is_the_last_healthy_step_before_the_first_that_is_not() {
        let c = Curve {
            label: "x".into(),
            steps: vec![
                step(500.0, 500.0, 10, 0),
                step(1_000.0, 990.0, 40, 0),
                step(2_000.0, 1_500.0, 400, 0),
            ],
            peak_rss: 0,
            setup: Duration::ZERO,
        };
        assert_eq!(c.knee(), (Some(1_000.0), true));
        let erring = Curve {
            steps: vec![step(500.0, 500.0, 10, 1)],
            ..c
        };
        assert_eq!(erring.knee(), (None, true));
    }

    #[test]
    fn the_mix_is_mostly_idle_syncs() {
        let mut rng = Rng(7);
        let picks: Vec<Kind> = (0..10_000).map(|_| pick(&mut rng)).collect();
        let idle = picks.iter().filter(|k| **k == Kind::Idle).count();
        let page = picks.iter().filter(|k| **k == Kind::Page).count();
        assert!((8_700..9_300).contains(&idle), "{idle}");
        assert!((100..300).contains(&page), "{page}");
    }

    #[test]
    fn the_plot_is_an_svg_with_a_line_per_configuration() {
        let c = |label: &str| Curve {
            label: label.into(),
            steps: vec![step(100.0, 100.0, 5, 0), step(200.0, 198.0, 9, 0)],
            peak_rss: 0,
            setup: Duration::ZERO,
        };
        let plot = svg(&[c("SQLite"), c("PostgreSQL & co")]);
        assert!(plot.starts_with("<svg"));
        assert_eq!(
            plot.matches("<polyline").count(),
            4,
            "two panels × two lines"
        );
        assert!(plot.contains("PostgreSQL &amp; co"));
    }
}
