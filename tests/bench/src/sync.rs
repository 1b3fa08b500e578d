//! The sync section of DESIGN.md §7: N records pushed from a device and pulled to a fresh one
//! through steady-server (SQLite and PostgreSQL back ends), against PouchDB replicating the same
//! documents to express-pouchdb and back, in the same run: rates, HTTP requests per 1,000
//! records and bytes on the wire, each as a ratio to the peer.
//!
//! A protocol-free floor ([`crate::floor`]: axum + rusqlite, a durable outbox, no stamps, no
//! checks) moves the same records in the same run, so Steady's rate is also given as a share
//! of the physical limit of the job on this machine.
//!
//! A record is one quick capture (`Store::capture_incident`) whose note is synthetic text of a
//! given size; the PouchDB document has the same fields as JSON, the same id and the same note.
//! The device store is built the way the app builds it: one transaction (and one fsync) per
//! capture. Everything runs on loopback; every byte between device and server passes through
//! a counting TCP proxy ([`crate::wire`]); PouchDB's bytes are counted at its server's sockets.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use steady_core::clock::Timestamp;
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::protocol::{MAX_PUSH_OPS, PROTOCOL_VERSION, SyncRequest};
use steady_core::sync::{HttpTransport, PULL_LIMIT, SyncOptions, SyncReport};
use steady_core::units::UnitGrant;
use steady_core::{StaffMember, Store, StoreKey};
use steady_server::http::{Limits, spawn_for_tests};
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{GrantSpec, Storage, Unit};

use crate::device::Rng;
use crate::env::{Env, mb, thousands};
use crate::peer::{Peer, PeerRun, Replication};
use crate::report::{Report, Row, ms};
use crate::wire::{CountingProxy, WireCounts};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small-N run for CI.
    pub quick: bool,
    /// Records per size.
    pub records: usize,
}

/// Note sizes measured: the 1 KB and 200 B records of the issue.
const SIZES: [(usize, &str); 2] = [(1000, "1 KB"), (200, "200 B")];

pub(crate) const UNIT: &str = "unit-bench";
const STAFF: &str = "Bench Worker";

/// Budgets of DESIGN.md §7.
const MIN_RATE_RATIO: f64 = 10.0;
const MAX_REQUESTS_PER_1000: f64 = 2.0;
const MAX_BYTES_RATIO: f64 = 0.5;
const MIN_FLOOR_RATIO: f64 = 0.5;

/// The protocol-free floor's name in the tables ([`crate::floor`]).
const FLOOR: &str = "Floor: axum + rusqlite outbox";

/// One direction of one system's run.
#[derive(Debug, Clone, Copy)]
struct Leg {
    took: Duration,
    records: u64,
    wire: WireCounts,
}

impl Leg {
    fn rate(&self) -> f64 {
        self.records as f64 / self.took.as_secs_f64()
    }

    fn per_1000(&self) -> f64 {
        self.wire.requests as f64 * 1000.0 / self.records as f64
    }

    fn from_peer(r: &Replication, records: u64) -> Leg {
        Leg {
            took: Duration::from_secs_f64(r.ms / 1000.0),
            records,
            wire: WireCounts {
                requests: r.requests,
                up: r.bytes_up,
                down: r.bytes_down,
                connections: r.connections,
                server: Duration::ZERO,
            },
        }
    }
}

/// A system's push and pull.
struct Run {
    system: String,
    push: Leg,
    pull: Leg,
    /// What the device engine counted (requests), to check the proxy's count.
    engine_requests: (u32, u32),
    /// Push request bodies as JSON, and gzip-compressed as sent (Steady only).
    push_bodies: Option<(u64, u64)>,
}

/// Runs the sync section.
pub fn run(env: &mut Env, opts: &Options) -> BoxResult<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for figures worth reading");
    }
    let load_before = crate::report::load_average();
    let mut report = Report {
        title: "Steady benchmarks — sync vs PouchDB".to_string(),
        quick: opts.quick,
        ..Report::default()
    };
    let peer = Peer::install(&env.root);
    let _ = env.postgres();
    let work = tempfile::tempdir()?;
    let mut tables = Vec::new();
    let mut versions = None;
    let mut builds = Vec::new();

    for (note_len, label) in SIZES {
        let dir = work.path().join(format!("n{note_len}"));
        std::fs::create_dir_all(&dir)?;
        eprintln!(
            "sync: building a device store with {} captures of {label} (one transaction each)",
            opts.records
        );
        let built = build_device(&dir.join("device"), opts.records, note_len)?;
        builds.push(format!(
            "{label}: {} ({} per capture)",
            ms(built.took),
            ms(built.took / opts.records.max(1) as u32)
        ));
        let docs_file = dir.join("docs.jsonl");
        std::fs::write(&docs_file, &built.docs)?;

        let mut runs = Vec::new();
        eprintln!("sync: {label}: Steady on SQLite");
        let storage = Arc::new(SqliteStorage::open(&dir.join("server-sqlite"))?);
        runs.push(steady_run(
            env,
            storage,
            "Steady, SQLite",
            &dir,
            opts.records,
        )?);
        let pg_url = match env.pg() {
            Ok(pg) => Some(env.rt.block_on(pg.fresh_database("sync"))?),
            Err(_) => None,
        };
        if let Some(url) = &pg_url {
            eprintln!("sync: {label}: Steady on PostgreSQL");
            let storage = Arc::new(env.rt.block_on(PgStorage::connect(url))?);
            runs.push(steady_run(
                env,
                storage,
                "Steady, PostgreSQL",
                &dir,
                opts.records,
            )?);
            if let Ok(pg) = env.pg() {
                env.rt.block_on(pg.drop_database(url));
            }
        }

        eprintln!("sync: {label}: the floor (axum + rusqlite outbox, no protocol)");
        let (floor_push, floor_pull) = crate::floor::run(&env.rt, &dir.join("floor"), &built.docs)?;
        let floor_leg = |l: crate::floor::FloorLeg| Leg {
            took: l.took,
            records: l.records,
            wire: l.wire,
        };
        runs.push(Run {
            system: FLOOR.to_string(),
            push: floor_leg(floor_push),
            pull: floor_leg(floor_pull),
            engine_requests: (0, 0),
            push_bodies: None,
        });

        let peer_run = match &peer {
            Ok(peer) => {
                eprintln!("sync: {label}: PouchDB → express-pouchdb and back");
                match peer.run(&docs_file) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        report.rows.push(Row::info(
                            &format!("PouchDB, {label}"),
                            format!("not measured: {e}"),
                        ));
                        None
                    }
                }
            }
            Err(_) => None,
        };
        if let Some(p) = &peer_run {
            versions = Some(p.clone());
            if p.pulled != opts.records as u64 || p.push.docs_written != p.docs {
                return Err(format!(
                    "PouchDB pushed {} and pulled {} documents of {}",
                    p.push.docs_written, p.pulled, opts.records
                )
                .into());
            }
            runs.push(Run {
                system: format!("PouchDB ({})", p.adapter),
                push: Leg::from_peer(&p.push, p.docs),
                pull: Leg::from_peer(&p.pull, p.docs),
                engine_requests: (0, 0),
                push_bodies: None,
            });
        }
        tables.push(table(label, opts.records, note_len, &runs));
        budget_rows(&mut report, label, &runs, peer_run.as_ref());
    }

    describe(
        &mut report,
        env,
        opts,
        versions.as_ref(),
        &peer,
        &builds,
        &load_before,
    );
    report.extra = tables;
    report.notes = notes();
    Ok(report)
}

fn describe(
    report: &mut Report,
    env: &Env,
    opts: &Options,
    peer_run: Option<&PeerRun>,
    peer: &BoxResult<Peer>,
    builds: &[String],
    load_before: &str,
) {
    crate::report::common_facts(report);
    report.fact(
        "PostgreSQL",
        env.postgres_description()
            .unwrap_or_else(|| "not used".into()),
    );
    let peer_versions = match (peer_run, peer) {
        (Some(p), _) => p
            .versions
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        (None, Err(e)) => format!("not installed: {e}"),
        (None, Ok(_)) => "installed, but no run completed".into(),
    };
    report.fact("peer", peer_versions);
    report.fact(
        "parameters",
        format!(
            "{} records per size; note of {} characters of synthetic text; device store built \
             with one transaction per capture ({})",
            thousands(opts.records as u64),
            SIZES
                .iter()
                .map(|(n, _)| n.to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            builds.join("; ")
        ),
    );
    report.fact(
        "load average (1, 5, 15 min)",
        format!(
            "{load_before} at the start, {} at the end",
            crate::report::load_average()
        ),
    );
}

fn table(label: &str, records: usize, note_len: usize, runs: &[Run]) -> String {
    let mut out = format!(
        "### {} records of {label} (note of {note_len} characters)\n\n\
         | system | direction | time | of which server | records/s | HTTP requests | \
         per 1,000 records | new connections | bytes up | bytes down | bytes total |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
        thousands(records as u64)
    );
    for run in runs {
        for (direction, leg) in [("push", &run.push), ("pull", &run.pull)] {
            let server = if run.system.starts_with("Steady") {
                format!(
                    "{} ({:.0}%)",
                    ms(leg.wire.server),
                    100.0 * leg.wire.server.as_secs_f64() / leg.took.as_secs_f64()
                )
            } else {
                "—".to_string()
            };
            out.push_str(&format!(
                "| {} | {direction} | {} | {server} | {} | {} | {:.1} | {} | {} | {} | {} |\n",
                run.system,
                ms(leg.took),
                thousands(leg.rate().round() as u64),
                thousands(leg.wire.requests),
                leg.per_1000(),
                thousands(leg.wire.connections),
                mb(leg.wire.up),
                mb(leg.wire.down),
                mb(leg.wire.bytes()),
            ));
        }
    }
    let engine: Vec<String> = runs
        .iter()
        .filter(|r| r.engine_requests != (0, 0))
        .map(|r| {
            format!(
                "{}: {} and {}",
                r.system, r.engine_requests.0, r.engine_requests.1
            )
        })
        .collect();
    if !engine.is_empty() {
        out.push_str(&format!(
            "\nRequests as the device sync engine counted them (push, pull): {}.\n",
            engine.join("; ")
        ));
    }
    if let Some((raw, gzipped)) = runs.iter().find_map(|r| r.push_bodies) {
        out.push_str(&format!(
            "\nSteady's push request bodies: {} of JSON, {} gzip-compressed as the device sends \
             them (flate2's fast level, `Content-Encoding: gzip`), {:.0}% of the size.\n",
            mb(raw),
            mb(gzipped),
            100.0 * gzipped as f64 / raw as f64
        ));
    }
    out
}

fn budget_rows(report: &mut Report, label: &str, runs: &[Run], peer: Option<&PeerRun>) {
    let pouch = peer.map(|p| {
        (
            Leg::from_peer(&p.push, p.docs),
            Leg::from_peer(&p.pull, p.docs),
        )
    });
    let floor = runs.iter().find(|r| r.system == FLOOR);
    for run in runs.iter().filter(|r| r.system.starts_with("Steady")) {
        let backend = run.system.trim_start_matches("Steady, ");
        for (direction, leg, peer_leg, floor_leg) in [
            ("push", &run.push, pouch.map(|p| p.0), floor.map(|f| f.push)),
            ("pull", &run.pull, pouch.map(|p| p.1), floor.map(|f| f.pull)),
        ] {
            let what = |m: &str| format!("{label}, {backend}, {direction}: {m}");
            if let Some(f) = floor_leg {
                let r = leg.rate() / f.rate();
                report.rows.push(Row::budgeted(
                    &what("rate ÷ the protocol-free floor"),
                    format!(
                        "{r:.2}× ({} vs {} records/s)",
                        thousands(leg.rate().round() as u64),
                        thousands(f.rate().round() as u64)
                    ),
                    "≥ 0.5×",
                    r >= MIN_FLOOR_RATIO,
                ));
            }
            if let Some(p) = peer_leg {
                let r = leg.rate() / p.rate();
                report.rows.push(Row::budgeted(
                    &what("rate ÷ PouchDB"),
                    format!(
                        "{r:.2}× ({} vs {} records/s)",
                        thousands(leg.rate().round() as u64),
                        thousands(p.rate().round() as u64)
                    ),
                    "≥ 10×",
                    r >= MIN_RATE_RATIO,
                ));
            }
            report.rows.push(Row::budgeted(
                &what("HTTP requests per 1,000 records"),
                format!(
                    "{:.1} ({} requests)",
                    leg.per_1000(),
                    thousands(leg.wire.requests)
                ),
                "≤ 2",
                leg.per_1000() <= MAX_REQUESTS_PER_1000,
            ));
            if let Some(p) = peer_leg {
                let r = leg.wire.bytes() as f64 / p.wire.bytes() as f64;
                report.rows.push(Row::budgeted(
                    &what("bytes on the wire ÷ PouchDB"),
                    format!(
                        "{r:.2}× ({} vs {})",
                        mb(leg.wire.bytes()),
                        mb(p.wire.bytes())
                    ),
                    "≤ 0.5×",
                    r <= MAX_BYTES_RATIO,
                ));
            }
        }
    }
}

fn notes() -> Vec<String> {
    vec![
        "Method. Steady: the device store is built first (untimed) with one \
         `Store::capture_incident` per record, each its own durable transaction, as the app \
         makes them. A copy of it is enrolled with a fresh server (`spawn_for_tests`, rate \
         limits off, in this process) and `Store::sync_with` runs once: it pushes the outbox in \
         batches of 1,000 and pulls until the server says there is no more (the push leg). A \
         fresh store then enrols in the same unit and `sync_with` pulls everything (the pull \
         leg). The device uses the apps' `HttpTransport` (blocking reqwest, gzip answers \
         accepted), through a counting TCP proxy on loopback: every byte both ways is counted \
         as it crosses the sockets (request lines, headers, bodies), and requests are counted \
         by parsing the request stream. Enrolment is not counted. Times are wall-clock around \
         `sync_with` only. The server's SQLite store runs with `synchronous=FULL`; the device \
         store commits each merged chunk durably."
            .to_string(),
        "PouchDB: the same documents (same ids, fields and notes) are loaded into a local \
         PouchDB (leveldb adapter, node) with `bulkDocs` (untimed); `PouchDB.replicate(local, \
         remote)` to express-pouchdb (under express, leveldb in a temp dir, in the same node \
         process) is the push leg, `PouchDB.replicate(remote, fresh)` the pull leg, both with \
         PouchDB's defaults (batches of 100 documents). Its bytes are counted at the server's \
         sockets (`socket.bytesRead` and `bytesWritten`), its requests by a middleware in \
         front of express-pouchdb. leveldb does not fsync each write by default, so PouchDB's \
         writes are not durable in the sense Steady's are: the comparison favours PouchDB."
            .to_string(),
        "The floor: the same records (the PouchDB documents' JSON) moved by a minimal axum \
         server over one rusqlite table and a minimal device over another, each batch of 1,000 \
         one JSON request and one durable transaction on each side (WAL, `synchronous=FULL`), \
         through the same counting proxy, with reqwest's blocking client as Steady's device \
         uses. It has nothing Steady needs — field stamps, validation, grants, audit, \
         encryption, compression — so it is the physical limit of this machine for the job: \
         Steady's rate ÷ the floor says how much of that limit Steady's sync reaches."
            .to_string(),
        "Reading the figures. Steady's push leg is a whole `sync_with`: each request also \
         pulls, but the server leaves out the cells the device itself wrote (once its cursor \
         has moved past zero), so the push leg's answers are small. The \
         device asks for up to 5,000 stored cells a request (the protocol's maximum; a \
         capture is 5 cells, so a page holds about 1,000 captures). \"Of which server\" is the \
         time from the last byte of each request passing the proxy to the first byte of its \
         answer, summed: the rest of the leg is the device (reading its outbox, building and \
         parsing JSON, applying answers in durable transactions) and the transfer. Steady's \
         device gzips request bodies of 1 KiB or more; PouchDB sends its requests \
         uncompressed; answers are gzipped by both."
            .to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The device

pub(crate) struct Built {
    pub(crate) took: Duration,
    /// The same records as PouchDB documents, one JSON object a line.
    pub(crate) docs: String,
}

pub(crate) fn key() -> StoreKey {
    StoreKey::from_bytes(&[9u8; 32]).expect("a 32-byte key")
}

pub(crate) fn staff() -> StaffMember {
    StaffMember {
        name: STAFF.to_string(),
        job_title: "Paramedic".to_string(),
    }
}

/// A store with `n` quick captures, each with a note of `note_len` characters, made one
/// transaction at a time; and the same records as PouchDB documents.
pub(crate) fn build_device(dir: &Path, n: usize, note_len: usize) -> BoxResult<Built> {
    std::fs::create_dir_all(dir)?;
    let store = Store::open(dir.join("device.db"), &key())?;
    store.apply_grants(&[UnitGrant {
        unit_id: UNIT.to_string(),
        organisation: "Synthetic Health Trust".to_string(),
        name: "Bench Ward".to_string(),
        mental_health_unit: false,
        role: Role::Editor,
        ends_at: None,
    }])?;
    store.set_staff_member(staff())?;
    let mut rng = Rng(0xC0FF_EE00 + note_len as u64);
    let mut docs = String::with_capacity(n * (note_len + 200));
    let started = Instant::now();
    let every = (n / 10).max(1);
    for i in 0..n {
        let note = synthetic_note(&mut rng, note_len);
        let at = Timestamp::now();
        let id = store.capture_incident(QuickCapture {
            unit_id: UNIT.to_string(),
            note: note.clone(),
            occurred_at: Some(at),
            ..QuickCapture::default()
        })?;
        let doc = serde_json::json!({
            "_id": id,
            "type": "incident",
            "unit_id": UNIT,
            "status": "draft",
            "occurred_at": at.0,
            "recorded_by": STAFF,
            "note": note,
            "tags": [],
        });
        docs.push_str(&doc.to_string());
        docs.push('\n');
        if (i + 1) % every == 0 {
            eprintln!("  {}/{n}", i + 1);
        }
    }
    let took = started.elapsed();
    drop(store);
    Ok(Built { took, docs })
}

/// Synthetic incident-note text of exactly `len` characters: words from a small vocabulary in
/// a seeded random order, so it compresses like prose rather than like repeated bytes.
pub(crate) fn synthetic_note(rng: &mut Rng, len: usize) -> String {
    const WORDS: &[&str] = &[
        "resident",
        "became",
        "distressed",
        "after",
        "lunch",
        "and",
        "was",
        "pacing",
        "the",
        "corridor",
        "staff",
        "offered",
        "a",
        "walk",
        "in",
        "garden",
        "which",
        "helped",
        "calm",
        "voice",
        "used",
        "two",
        "choices",
        "given",
        "no",
        "physical",
        "intervention",
        "needed",
        "settled",
        "within",
        "ten",
        "minutes",
        "family",
        "informed",
        "by",
        "phone",
        "plan",
        "reviewed",
        "at",
        "handover",
        "warning",
        "signs",
        "noticed",
        "early",
        "quiet",
        "room",
        "music",
        "drink",
        "of",
        "water",
        "sat",
        "with",
        "them",
        "talked",
        "about",
        "football",
        "shift",
        "nurse",
        "on",
        "call",
        "manager",
        "aware",
        "incident",
        "recorded",
        "later",
        "refused",
        "medication",
        "then",
        "accepted",
        "it",
        "when",
        "asked",
        "again",
        "slowly",
    ];
    let mut text = String::with_capacity(len + 16);
    while text.len() < len {
        if !text.is_empty() {
            text.push(if rng.below(9) == 0 { '.' } else { ' ' });
            if text.ends_with('.') {
                text.push(' ');
            }
        }
        let word: &&str = rng.pick(WORDS);
        text.push_str(word);
    }
    text.truncate(len);
    text
}

pub(crate) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Steady's run

/// Issues an enrolment code for one editor grant in [`UNIT`].
pub(crate) async fn code<S: Storage>(storage: &S, unit: &str) -> BoxResult<String> {
    Ok(steady_server::admin::issue_code(
        storage,
        vec![GrantSpec {
            unit_id: unit.to_string(),
            role: Role::Editor,
            ends_at: None,
        }],
        Duration::from_secs(24 * 3600),
        5,
        Timestamp::now(),
    )
    .await?
    .code)
}

/// Creates a unit with a synthetic name.
pub(crate) async fn create_unit<S: Storage>(storage: &S, unit_id: &str) -> BoxResult<()> {
    storage
        .create_unit(&Unit {
            unit_id: unit_id.to_string(),
            organisation: "Synthetic Health Trust".to_string(),
            name: format!("{unit_id} (synthetic)"),
            mental_health_unit: false,
        })
        .await?;
    Ok(())
}

fn steady_run<S: Storage>(
    env: &Env,
    storage: Arc<S>,
    system: &str,
    dir: &Path,
    n: usize,
) -> BoxResult<Run> {
    let rt = &env.rt;
    let (server, proxy, codes) = rt.block_on(async {
        create_unit(&*storage, UNIT).await?;
        let codes = [code(&*storage, UNIT).await?, code(&*storage, UNIT).await?];
        let server = spawn_for_tests(storage.clone(), Limits::unlimited()).await?;
        let proxy = CountingProxy::start(server.addr()).await?;
        BoxResult::Ok((server, proxy, codes))
    })?;
    let options = SyncOptions::default();
    let transport = HttpTransport::new(&proxy.url())?;

    // Push: a copy of the built device enrols, then syncs.
    let tag = system.replace(", ", "-").to_lowercase();
    let pusher_dir: PathBuf = dir.join(format!("pusher-{tag}"));
    copy_dir(&dir.join("device"), &pusher_dir)?;
    let pusher = Store::open(pusher_dir.join("device.db"), &key())?;
    pusher.enroll(&transport, &codes[0])?;
    let push_bodies = push_bodies(&pusher, n)?;
    let (push, push_report) = timed_sync(&pusher, &transport, &options, &proxy, n)?;
    let pending = pusher.outbox_status()?;
    if push_report.pushed as usize != n || pending.pending != 0 {
        return Err(format!(
            "{system}: pushed {} of {n}, {} still pending ({push_report:?})",
            push_report.pushed, pending.pending
        )
        .into());
    }
    drop(pusher);

    // Pull: a fresh device in the same unit.
    let puller_dir = dir.join(format!("puller-{tag}"));
    std::fs::create_dir_all(&puller_dir)?;
    let puller = Store::open(puller_dir.join("device.db"), &key())?;
    puller.set_staff_member(staff())?;
    puller.enroll(&transport, &codes[1])?;
    let (pull, pull_report) = timed_sync(&puller, &transport, &options, &proxy, n)?;
    let got = puller.incidents(UNIT)?.len();
    if got != n {
        return Err(format!("{system}: the fresh device has {got} incidents of {n}").into());
    }
    drop(puller);

    rt.block_on(server.stop())?;
    drop(proxy);
    Ok(Run {
        system: system.to_string(),
        push,
        pull,
        engine_requests: (push_report.requests, pull_report.requests),
        push_bodies: Some(push_bodies),
    })
}

/// The push request bodies this device will send (batches of the protocol's maximum), in
/// bytes as JSON and gzip-compressed as `HttpTransport` sends them (fast level).
fn push_bodies(store: &Store, n: usize) -> BoxResult<(u64, u64)> {
    use std::io::Write as _;
    let ops = store.pending_operations(n as u32)?;
    let (mut raw, mut gzipped) = (0u64, 0u64);
    for chunk in ops.chunks(MAX_PUSH_OPS) {
        let body = serde_json::to_vec(&SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: None,
            push: chunk.to_vec(),
            pull_limit: PULL_LIMIT,
        })?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&body)?;
        raw += body.len() as u64;
        gzipped += gz.finish()?.len() as u64;
    }
    Ok((raw, gzipped))
}

fn timed_sync(
    store: &Store,
    transport: &HttpTransport,
    options: &SyncOptions,
    proxy: &CountingProxy,
    n: usize,
) -> BoxResult<(Leg, SyncReport)> {
    let before = proxy.counts();
    let started = Instant::now();
    let report = store.sync_with(transport, options)?;
    let took = started.elapsed();
    // The proxy counts as bytes pass; the last answer is fully through once sync returns.
    let wire = proxy.counts().since(&before);
    Ok((
        Leg {
            took,
            records: n as u64,
            wire,
        },
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_have_the_stated_length_and_vary() {
        let mut rng = Rng(1);
        let a = synthetic_note(&mut rng, 1000);
        let b = synthetic_note(&mut rng, 1000);
        assert_eq!((a.len(), b.len()), (1000, 1000));
        assert_ne!(a, b);
        assert_eq!(synthetic_note(&mut rng, 200).len(), 200);
    }
}
