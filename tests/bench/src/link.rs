//! Sync over constrained links (issue 18, part 1): Steady and PouchDB through the same link in
//! the same run. The link is Toxiproxy (installed from the Go module proxy into the target
//! directory on first use, started and stopped here) with a latency and a bandwidth toxic each
//! way, behind a small relay of this harness's own that counts bytes, requests and connections,
//! charges one round trip per new connection (the TCP handshake, which Toxiproxy does not
//! delay) and, on the "edge of signal" profile, cuts every open connection on a fixed schedule
//! of bytes.
//!
//! ```text
//! device (Store + HttpTransport, or PouchDB) -> relay (count, handshake, cuts)
//!     -> Toxiproxy (latency, bandwidth) -> steady-server / express-pouchdb
//! ```
//!
//! Workloads: push N quick captures from a phone; pull a unit of M people with full support
//! sheets onto a new phone. After the cut runs the server's own SQLite store is read to check
//! that every capture the phone counts as acknowledged is there exactly once.

use std::error::Error;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use steady_core::Store;
use steady_core::sync::{HttpTransport, SyncOptions};
use steady_server::http::{Limits, spawn_for_tests};
use steady_server::storage::sqlite::{DB_FILE, SqliteStorage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::env::{Env, thousands};
use crate::peer::{LinkedRun, Peer};
use crate::report::{Report, Row, ms};
use crate::wire::RequestCounter;

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The Toxiproxy release installed (`go install …/cmd/server@TOXIPROXY`).
const TOXIPROXY: &str = "v2.12.0";
const TOXIPROXY_PACKAGE: &str = "github.com/Shopify/toxiproxy/v2/cmd/server";

/// Budget: at least this many times faster than PouchDB on each profile and workload.
const MIN_SPEEDUP: f64 = 10.0;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small-N run for CI, with shorter profiles.
    pub quick: bool,
    /// Quick captures pushed.
    pub captures: usize,
    /// People (with full support sheets) in the unit pulled.
    pub people: usize,
}

impl Options {
    /// The issue's sizes, or small ones for CI.
    pub fn new(quick: bool) -> Options {
        Options {
            quick,
            captures: if quick { 20 } else { 200 },
            people: if quick { 10 } else { 500 },
        }
    }

    /// How long one system's workload may take before it counts as not done.
    fn deadline(&self) -> Duration {
        Duration::from_secs(if self.quick { 60 } else { 900 })
    }

    /// How long a PouchDB attempt may go without a request or an answer before it is
    /// cancelled and started again (longer than any one exchange takes on these links).
    fn stall(&self) -> Duration {
        Duration::from_secs(if self.quick { 4 } else { 20 })
    }
}

/// Cuts: every open connection is dropped when the run's traffic (both ways, all connections)
/// reaches `first` bytes, and again after every further `every` bytes.
#[derive(Debug, Clone, Copy)]
struct Cuts {
    first: u64,
    every: u64,
}

/// A network profile.
#[derive(Debug, Clone, Copy)]
struct Profile {
    name: &'static str,
    /// Round trip added (half each way, by Toxiproxy's latency toxic).
    rtt: Duration,
    /// Server to device, in kB/s (1,000 bytes), as Toxiproxy's bandwidth toxic takes it.
    down_kbps: u64,
    /// Device to server, kB/s.
    up_kbps: u64,
    cuts: Option<Cuts>,
}

impl Profile {
    fn describe(&self) -> String {
        format!(
            "{} ms round trip, {} kbit/s down, {} kbit/s up{}",
            self.rtt.as_millis(),
            self.down_kbps * 8,
            self.up_kbps * 8,
            match self.cuts {
                Some(c) => format!(
                    ", every connection cut at {} KB of traffic and then every {} KB",
                    c.first / 1000,
                    c.every / 1000
                ),
                None => String::new(),
            }
        )
    }
}

/// "3G" and "edge of signal"; in a quick run, shorter round trips and a tighter cut schedule
/// for the smaller workloads, through the same code.
fn profiles(quick: bool) -> [Profile; 2] {
    let (g3_rtt, edge_rtt, cuts) = if quick {
        (
            100,
            200,
            Cuts {
                first: 1_000,
                every: 16_000,
            },
        )
    } else {
        (
            300,
            800,
            Cuts {
                first: 16_000,
                every: 256_000,
            },
        )
    };
    [
        Profile {
            name: "3G",
            rtt: Duration::from_millis(g3_rtt),
            down_kbps: 125,
            up_kbps: 50,
            cuts: None,
        },
        Profile {
            name: "edge of signal",
            rtt: Duration::from_millis(edge_rtt),
            down_kbps: 16,
            up_kbps: 16,
            cuts: Some(cuts),
        },
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workload {
    Push,
    Pull,
}

impl Workload {
    fn label(self, opts: &Options) -> String {
        match self {
            Workload::Push => format!("push {} quick captures", opts.captures),
            Workload::Pull => format!(
                "pull a {}-person unit (full sheets) onto a new phone",
                opts.people
            ),
        }
    }
}

/// One system's run of one workload on one profile.
#[derive(Debug, Clone)]
struct Measured {
    system: &'static str,
    profile: &'static str,
    workload: Workload,
    took: Duration,
    /// PouchDB: of `took`, waiting on attempts stalled after a cut until they were cancelled.
    stalled: Duration,
    done: bool,
    link: LinkCounts,
    /// Steady: `sync_with` calls and the engine's retries; PouchDB: `replicate` calls.
    attempts: String,
    /// For push: every capture acknowledged on the device is on the server exactly once.
    exactly_once: Option<Result<String, String>>,
}

/// Runs the constrained-links section.
pub fn run(env: &mut Env, opts: &Options) -> BoxResult<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for figures worth reading");
    }
    let load_before = crate::report::load_average();
    let mut report = Report {
        title: "Steady benchmarks — sync over constrained links".to_string(),
        quick: opts.quick,
        ..Report::default()
    };
    crate::report::common_facts(&mut report);
    let profiles = profiles(opts.quick);
    for p in &profiles {
        report.fact(&format!("profile \"{}\"", p.name), p.describe());
    }
    let toxiproxy = install_toxiproxy(&env.root).and_then(|bin| Toxiproxy::start(env, &bin));
    let toxiproxy = match toxiproxy {
        Ok(t) => t,
        Err(why) => {
            eprintln!("link: not measured: {why}");
            report.rows.push(Row::info(
                "sync over constrained links",
                format!("not measured: {why}"),
            ));
            report.notes = notes();
            return Ok(report);
        }
    };
    report.fact(
        "link",
        format!("Toxiproxy {TOXIPROXY} (`{TOXIPROXY_PACKAGE}`)"),
    );
    let peer = Peer::install(&env.root);
    let work = tempfile::tempdir()?;

    // The workloads' data, built once (untimed).
    eprintln!(
        "link: building a phone with {} quick captures (one transaction each)",
        opts.captures
    );
    let captures_dir = work.path().join("captures");
    let built = crate::sync::build_device(&captures_dir, opts.captures, 200)?;
    let capture_docs = work.path().join("captures.jsonl");
    std::fs::write(&capture_docs, &built.docs)?;
    let people_dir = work.path().join("people");
    std::fs::create_dir_all(&people_dir)?;
    let people = crate::device::build_people(
        &people_dir.join("device.db"),
        opts.people,
        &mut crate::device::Rng(0x5EED_0018),
    )?;
    let people_docs = work.path().join("people.jsonl");
    write_people_docs(&people_dir.join("device.db"), &people.ids, &people_docs)?;
    report.fact(
        "parameters",
        format!(
            "{} quick captures with a note of 200 characters; {} people with full support \
             sheets ({} calls to build, {}); SQLite back end; deadline {} s a run",
            opts.captures,
            opts.people,
            thousands(people.calls),
            ms(people.took),
            opts.deadline().as_secs()
        ),
    );

    let mut results: Vec<Measured> = Vec::new();
    let mut peer_versions = None;
    for profile in &profiles {
        for workload in [Workload::Push, Workload::Pull] {
            let tag = format!(
                "{}-{}",
                profile.name.replace(' ', "-"),
                if workload == Workload::Push {
                    "push"
                } else {
                    "pull"
                }
            );
            eprintln!("link: {}: {}: Steady", profile.name, workload.label(opts));
            let dir = work.path().join(format!("steady-{tag}"));
            let source = if workload == Workload::Push {
                &captures_dir
            } else {
                &people_dir
            };
            let m = steady_run(env, &toxiproxy, profile, workload, source, &dir, opts, &tag)?;
            results.push(m);
            match &peer {
                Ok(peer) => {
                    eprintln!("link: {}: {}: PouchDB", profile.name, workload.label(opts));
                    let docs = if workload == Workload::Push {
                        &capture_docs
                    } else {
                        &people_docs
                    };
                    match pouch_run(env, &toxiproxy, peer, profile, workload, docs, opts, &tag) {
                        Ok((m, versions)) => {
                            peer_versions = Some(versions);
                            results.push(m);
                        }
                        Err(e) => report.rows.push(Row::info(
                            &format!("PouchDB, {}, {}", profile.name, workload.label(opts)),
                            format!("not measured: {e}"),
                        )),
                    }
                }
                Err(e) => {
                    if results.len() <= 2 {
                        report.rows.push(Row::info(
                            "PouchDB",
                            format!("not measured: not installed: {e}"),
                        ));
                    }
                }
            }
        }
    }
    toxiproxy.stop();

    rows(&mut report, &results, opts);
    report.extra.push(table(&results, opts));
    report.fact(
        "peer",
        peer_versions.unwrap_or_else(|| "not measured".to_string()),
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

fn find<'a>(
    results: &'a [Measured],
    system: &str,
    profile: &str,
    workload: Workload,
) -> Option<&'a Measured> {
    results
        .iter()
        .find(|m| m.system == system && m.profile == profile && m.workload == workload)
}

/// Bytes sent again on the cut profile: its traffic less the same workload's on the uncut one
/// (the same requests but for the retries), and the largest single exchange (request and
/// answer) on the uncut link: "one batch".
fn sent_again(results: &[Measured], m: &Measured) -> Option<(u64, u64)> {
    let clean = results
        .iter()
        .find(|c| c.system == m.system && c.workload == m.workload && c.link.cuts == 0)?;
    Some((
        m.link.bytes().saturating_sub(clean.link.bytes()),
        clean.link.largest_exchange,
    ))
}

fn rows(report: &mut Report, results: &[Measured], opts: &Options) {
    for profile in profiles(opts.quick) {
        for workload in [Workload::Push, Workload::Pull] {
            let what = |m: &str| format!("{}, {}: {m}", profile.name, workload.label(opts));
            let Some(steady) = find(results, "Steady", profile.name, workload) else {
                continue;
            };
            let pouch = find(results, "PouchDB", profile.name, workload);
            let figure = |m: &Measured| {
                if m.done {
                    format!(
                        "{}, {} requests, {} bytes",
                        ms(m.took),
                        m.link.requests,
                        thousands(m.link.bytes())
                    )
                } else {
                    format!("not done within {}", ms(m.took))
                }
            };
            match pouch {
                Some(p) => {
                    // PouchDB counted as if it had noticed each cut at once.
                    let peer_time = p.took.saturating_sub(p.stalled);
                    let speedup = peer_time.as_secs_f64() / steady.took.as_secs_f64();
                    let ok = steady.done && speedup >= MIN_SPEEDUP;
                    let stalled = if p.stalled > Duration::ZERO {
                        format!(
                            ", of which {} stalled after cuts and not counted in the ratio",
                            ms(p.stalled)
                        )
                    } else {
                        String::new()
                    };
                    report.rows.push(Row::budgeted(
                        &what("time, PouchDB ÷ Steady"),
                        format!(
                            "{speedup:.2}× (Steady {}; PouchDB {}{stalled})",
                            figure(steady),
                            figure(p)
                        ),
                        "≥ 10×",
                        ok,
                    ));
                }
                None => report.rows.push(Row::info(&what("Steady"), figure(steady))),
            }
            let cut = sent_again(results, steady).filter(|_| steady.link.cuts > 0);
            if let Some((again, batch)) = cut {
                let peer = pouch
                    .and_then(|p| sent_again(results, p).map(|(a, _)| (a, p.link.cuts)))
                    .map(|(a, cuts)| format!("; PouchDB {} bytes after {cuts} cuts", thousands(a)))
                    .unwrap_or_default();
                let per_cut = again.checked_div(steady.link.cuts).unwrap_or(0);
                report.rows.push(Row::budgeted(
                    &what("bytes sent again per cut"),
                    format!(
                        "{} bytes per cut ({} after {} cuts; one batch = {} bytes){peer}",
                        thousands(per_cut),
                        thousands(again),
                        steady.link.cuts,
                        thousands(batch)
                    ),
                    "≤ one batch",
                    steady.done && per_cut <= batch,
                ));
            } else if profile.cuts.is_some() {
                report.rows.push(Row::info(
                    &what("cuts"),
                    "no cut fell inside Steady's run: nothing was sent again".to_string(),
                ));
            }
            if let Some(check) = &steady.exactly_once {
                report.rows.push(Row::budgeted(
                    &what("acknowledged captures on the server exactly once"),
                    match check {
                        Ok(s) | Err(s) => s.clone(),
                    },
                    "all, once each",
                    check.is_ok(),
                ));
            }
        }
    }
}

fn table(results: &[Measured], opts: &Options) -> String {
    let mut out = String::from(
        "### Each run\n\n\
         | profile | workload | system | time | of which stalled | done | HTTP requests | new connections | bytes \
         up | bytes down | cuts | attempts | sent again (vs the uncut link) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for m in results {
        let again = if m.link.cuts > 0 {
            sent_again(results, m)
                .map(|(a, _)| thousands(a))
                .unwrap_or_else(|| "—".into())
        } else {
            "—".into()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {again} |\n",
            m.profile,
            m.workload.label(opts),
            m.system,
            ms(m.took),
            if m.stalled > Duration::ZERO {
                ms(m.stalled)
            } else {
                "—".into()
            },
            if m.done { "yes" } else { "**no**" },
            thousands(m.link.requests),
            thousands(m.link.connections),
            thousands(m.link.up),
            thousands(m.link.down),
            m.link.cuts,
            m.attempts,
        ));
    }
    out
}

fn notes() -> Vec<String> {
    vec![
        "Method. Both systems run through the same link: the device's HTTP client connects to a \
         relay of this harness's, which forwards to a Toxiproxy proxy (latency toxic of half the \
         round trip and bandwidth toxic, each way), which forwards to the server on loopback. \
         The relay counts every byte both ways as the device sends and receives it (request \
         lines, headers, bodies), HTTP requests by parsing the request stream, and new \
         connections; it holds each new connection for one round trip before forwarding (a TCP \
         handshake, which Toxiproxy does not delay). On \"edge of signal\" the relay drops every \
         open connection (the device sees it closed mid-exchange) when the run's traffic \
         reaches the first cut and then after every further interval; the same schedule of \
         bytes for both systems, so the one that sends more is cut more often. \"Sent again\" is \
         a run's bytes less those of the same workload on the uncut 3G link; \"one batch\" is the \
         largest single request and answer on the uncut link. Enrolment and building the data \
         are not timed or counted."
            .to_string(),
        "Steady: the phone is the real `Store` with the apps' `HttpTransport` (blocking reqwest, \
         gzip both ways), enrolled directly with a fresh in-process steady-server on SQLite \
         (`spawn_for_tests`, rate limits off); then `Store::sync_with` with the default options \
         (retries with backoff and jitter) is called through the link until the outbox is empty \
         and a sync completes, as the app's scheduler calls it again after a failed sync. The \
         pull's unit is pushed to the server directly (untimed) from a phone that built it; a \
         new phone then enrols and pulls through the link. After each push the server's SQLite \
         file is read: each capture id the phone made has one incident record, every pushed \
         operation one stored answer (`op_results`), and no cell was written twice (the last \
         change sequence number equals the number of cells)."
            .to_string(),
        "PouchDB: the same captures as documents (same ids, fields and notes), and the people as \
         one document each (the support sheet as `Store::support_sheet` returns it, as JSON). \
         express-pouchdb (leveldb) in node; for the push the documents are in a local PouchDB, \
         for the pull they are written into the server's database directly (untimed). Then \
         `PouchDB.replicate` with its defaults runs through the link, and is called again after \
         an error (it resumes from its checkpoint) until every document is across; the far side \
         is then counted directly. After a cut in the middle of an answer, node's fetch (which \
         PouchDB uses) waited for the rest of the body with no error and PouchDB made no further \
         request; the peer cancels an attempt after a spell with no request or answer (20 s; 4 s \
         in a quick run) and calls `replicate` again. That wait is shown as \"stalled\" and left \
         out of the ratio: PouchDB is counted as if it had noticed each cut at once."
            .to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Steady

#[allow(clippy::too_many_arguments)]
fn steady_run(
    env: &Env,
    toxi: &Toxiproxy,
    profile: &Profile,
    workload: Workload,
    source: &Path,
    dir: &Path,
    opts: &Options,
    tag: &str,
) -> BoxResult<Measured> {
    use crate::sync::{UNIT, code, create_unit};
    let server_dir = dir.join("server");
    let storage = Arc::new(SqliteStorage::open(&server_dir)?);
    let (server, codes) = env.rt.block_on(async {
        create_unit(&*storage, UNIT).await?;
        let codes = [code(&*storage, UNIT).await?, code(&*storage, UNIT).await?];
        let server = spawn_for_tests(storage.clone(), Limits::unlimited()).await?;
        BoxResult::Ok((server, codes))
    })?;
    let direct = HttpTransport::new(&format!("http://{}", server.addr()))?;
    let options = SyncOptions::default();

    // The phone whose sync is measured, enrolled directly.
    let phone_dir = dir.join("phone");
    let phone = match workload {
        Workload::Push => {
            crate::sync::copy_dir(source, &phone_dir)?;
            let key = crate::sync::key();
            let phone = Store::open(phone_dir.join("device.db"), &key)?;
            phone.enroll(&direct, &codes[0])?;
            phone
        }
        Workload::Pull => {
            // The unit reaches the server first, from the phone that built it (untimed).
            let builder_dir = dir.join("builder");
            crate::sync::copy_dir(source, &builder_dir)?;
            let key = crate::device::key();
            let builder = Store::open(builder_dir.join("device.db"), &key)?;
            builder.enroll(&direct, &codes[0])?;
            builder.sync_with(&direct, &options)?;
            if builder.outbox_status()?.pending != 0 {
                return Err("the unit's builder did not push everything".into());
            }
            drop(builder);
            std::fs::create_dir_all(&phone_dir)?;
            let phone = Store::open(phone_dir.join("device.db"), &key)?;
            phone.set_staff_member(crate::sync::staff())?;
            phone.enroll(&direct, &codes[1])?;
            phone
        }
    };
    let pushed_ops = u64::from(phone.outbox_status()?.pending);
    let capture_ids: Vec<String> = match workload {
        Workload::Push => phone.incidents(UNIT)?.into_iter().map(|i| i.id).collect(),
        Workload::Pull => Vec::new(),
    };

    let link = Link::open(env, toxi, profile, server.addr(), &format!("steady-{tag}"))?;
    let transport = HttpTransport::new(&link.url())?;
    let started = Instant::now();
    let (mut calls, mut retries, mut done) = (0u32, 0u32, false);
    while started.elapsed() < opts.deadline() {
        calls += 1;
        match phone.sync_with(&transport, &options) {
            Ok(r) => {
                retries += r.retries;
                if phone.outbox_status()?.pending == 0 {
                    done = true;
                    break;
                }
            }
            Err(e) => eprintln!("  sync {calls} failed: {e}"),
        }
    }
    let took = started.elapsed();
    let counts = link.close(env, toxi);

    let exactly_once = match workload {
        Workload::Push => Some(verify_captures(
            &server_dir.join(DB_FILE),
            &capture_ids,
            pushed_ops,
        )?),
        Workload::Pull => {
            let got = phone.people(UNIT)?.len();
            if done && got != opts.people {
                return Err(format!("the new phone has {got} people of {}", opts.people).into());
            }
            None
        }
    };
    drop(phone);
    env.rt.block_on(server.stop())?;
    Ok(Measured {
        system: "Steady",
        profile: profile.name,
        workload,
        took,
        stalled: Duration::ZERO,
        done,
        link: counts,
        attempts: format!("{calls} sync calls, {retries} retries inside them"),
        exactly_once,
    })
}

/// Reads the server's SQLite store: each capture once, each operation answered once, no cell
/// written twice.
fn verify_captures(
    db: &Path,
    capture_ids: &[String],
    pushed_ops: u64,
) -> BoxResult<Result<String, String>> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut missing_or_twice = 0;
    let mut each =
        conn.prepare("SELECT count(*) FROM entities WHERE entity = 'incident' AND entity_id = ?1")?;
    for id in capture_ids {
        let n: i64 = each.query_row([id], |r| r.get(0))?;
        if n != 1 {
            missing_or_twice += 1;
        }
    }
    let incidents: i64 = conn.query_row(
        "SELECT count(*) FROM entities WHERE entity = 'incident'",
        [],
        |r| r.get(0),
    )?;
    let answers: i64 = conn.query_row("SELECT count(*) FROM op_results", [], |r| r.get(0))?;
    let cells: i64 = conn.query_row("SELECT count(*) FROM cells", [], |r| r.get(0))?;
    let seq: i64 = conn.query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| r.get(0))?;
    let text = format!(
        "{} of {} captures once each ({incidents} incident records); {answers} answers for \
         {pushed_ops} operations; {seq} cell writes for {cells} cells",
        capture_ids.len() - missing_or_twice,
        capture_ids.len()
    );
    let ok = missing_or_twice == 0
        && incidents as usize == capture_ids.len()
        && answers as u64 == pushed_ops
        && seq == cells;
    Ok(if ok { Ok(text) } else { Err(text) })
}

// ---------------------------------------------------------------------------------------------
// PouchDB

#[allow(clippy::too_many_arguments)]
fn pouch_run(
    env: &Env,
    toxi: &Toxiproxy,
    peer: &Peer,
    profile: &Profile,
    workload: Workload,
    docs: &Path,
    opts: &Options,
    tag: &str,
) -> BoxResult<(Measured, String)> {
    let mut link = None;
    let run: LinkedRun = peer.run_linked(
        docs,
        if workload == Workload::Push {
            "push"
        } else {
            "pull"
        },
        opts.deadline(),
        opts.stall(),
        |port| {
            let upstream: SocketAddr = format!("127.0.0.1:{port}").parse()?;
            let l = Link::open(env, toxi, profile, upstream, &format!("pouchdb-{tag}"))?;
            let url = format!("{}/bench", l.url());
            link = Some(l);
            Ok(url)
        },
    )?;
    let counts = link.ok_or("the link was never opened")?.close(env, toxi);
    if run.done && (run.distinct_at_far_side != run.docs || run.at_far_side != run.docs) {
        return Err(format!(
            "PouchDB: {} documents ({} distinct) at the far side of {}",
            run.at_far_side, run.distinct_at_far_side, run.docs
        )
        .into());
    }
    if !run.errors.is_empty() {
        eprintln!("  PouchDB's errors: {}", run.errors.join("; "));
    }
    let versions = run
        .versions
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok((
        Measured {
            system: "PouchDB",
            profile: profile.name,
            workload,
            took: Duration::from_secs_f64(run.ms / 1000.0),
            stalled: Duration::from_secs_f64(run.stalled_ms / 1000.0),
            done: run.done,
            link: counts,
            attempts: format!(
                "{} replicate calls, {} documents written",
                run.attempts, run.docs_written
            ),
            exactly_once: None,
        },
        versions,
    ))
}

/// The people as PouchDB documents: each support sheet as the store returns it, one a line.
fn write_people_docs(db: &Path, ids: &[String], out: &Path) -> BoxResult<()> {
    let store = Store::open(db, &crate::device::key())?;
    let mut text = String::new();
    for id in ids {
        let sheet = store.support_sheet(id)?;
        let mut doc = serde_json::to_value(&sheet)?;
        if let Some(map) = doc.as_object_mut() {
            map.insert("_id".into(), serde_json::Value::String(id.clone()));
            map.insert("type".into(), "person".into());
        }
        text.push_str(&doc.to_string());
        text.push('\n');
    }
    std::fs::write(out, text)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Toxiproxy

/// `go install`s Toxiproxy's server into `<target>/bench-tools/` once; the path of the binary,
/// or why it cannot be had.
fn install_toxiproxy(root: &Path) -> Result<PathBuf, String> {
    let dir = crate::peer::target_dir(root)
        .join("bench-tools")
        .join(format!("toxiproxy-{TOXIPROXY}"));
    let binary = dir.join("server");
    if binary.exists() {
        return Ok(binary);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!(
        "link: go install {TOXIPROXY_PACKAGE}@{TOXIPROXY} (once, into {})",
        dir.display()
    );
    let started = Instant::now();
    let status = Command::new("go")
        .args(["install", &format!("{TOXIPROXY_PACKAGE}@{TOXIPROXY}")])
        .env("GOBIN", &dir)
        .env("GOFLAGS", "-modcacherw")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("Go could not be run ({e}): Toxiproxy needs Go to install"))?;
    if !status.success() || !binary.exists() {
        return Err(format!(
            "go install {TOXIPROXY_PACKAGE}@{TOXIPROXY} failed ({status})"
        ));
    }
    eprintln!(
        "link: Toxiproxy installed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(binary)
}

/// A running toxiproxy-server on loopback; stopped when dropped.
struct Toxiproxy {
    child: Child,
    api: String,
    client: reqwest::Client,
}

impl Toxiproxy {
    fn start(env: &Env, binary: &Path) -> Result<Toxiproxy, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let child = Command::new(binary)
            .args(["-host", "127.0.0.1", "-port", &port.to_string()])
            .env("LOG_LEVEL", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("toxiproxy-server could not be started: {e}"))?;
        let toxi = Toxiproxy {
            child,
            api: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let up = env.rt.block_on(async {
                toxi.client
                    .get(format!("{}/version", toxi.api))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            });
            if up {
                return Ok(toxi);
            }
            if Instant::now() > deadline {
                return Err("toxiproxy-server did not answer within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> BoxResult<serde_json::Value> {
        let mut request = self.client.request(method, format!("{}{path}", self.api));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            return Err(format!("Toxiproxy {path}: {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// A proxy to `upstream` with the profile's latency and bandwidth each way; its address.
    async fn proxy(&self, name: &str, upstream: SocketAddr, p: &Profile) -> BoxResult<SocketAddr> {
        use reqwest::Method;
        let made = self
            .call(
                Method::POST,
                "/proxies",
                Some(serde_json::json!({
                    "name": name,
                    "listen": "127.0.0.1:0",
                    "upstream": upstream.to_string(),
                    "enabled": true,
                })),
            )
            .await?;
        let half = (p.rtt.as_millis() / 2) as u64;
        for (stream, rate) in [("upstream", p.up_kbps), ("downstream", p.down_kbps)] {
            for (kind, attributes) in [
                (
                    "latency",
                    serde_json::json!({ "latency": half, "jitter": 0 }),
                ),
                ("bandwidth", serde_json::json!({ "rate": rate })),
            ] {
                self.call(
                    Method::POST,
                    &format!("/proxies/{name}/toxics"),
                    Some(serde_json::json!({
                        "name": format!("{kind}-{stream}"),
                        "type": kind,
                        "stream": stream,
                        "toxicity": 1.0,
                        "attributes": attributes,
                    })),
                )
                .await?;
            }
        }
        let listen = made["listen"]
            .as_str()
            .ok_or("Toxiproxy gave no listen address")?;
        Ok(listen.parse()?)
    }

    async fn delete(&self, name: &str) {
        let _ = self
            .call(reqwest::Method::DELETE, &format!("/proxies/{name}"), None)
            .await;
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Toxiproxy {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The link: relay in front of a Toxiproxy proxy

/// What crossed the link in one run.
#[derive(Debug, Clone, Copy, Default)]
struct LinkCounts {
    requests: u64,
    up: u64,
    down: u64,
    connections: u64,
    cuts: u64,
    /// The largest request plus its answer, in bytes.
    largest_exchange: u64,
}

impl LinkCounts {
    fn bytes(&self) -> u64 {
        self.up + self.down
    }
}

struct Link {
    relay: Relay,
    proxy: String,
}

impl Link {
    fn open(
        env: &Env,
        toxi: &Toxiproxy,
        profile: &Profile,
        upstream: SocketAddr,
        name: &str,
    ) -> BoxResult<Link> {
        let name = name.replace(' ', "-");
        let relay = env.rt.block_on(async {
            let listen = toxi.proxy(&name, upstream, profile).await?;
            BoxResult::Ok(Relay::start(listen, profile.rtt, profile.cuts).await?)
        })?;
        Ok(Link { relay, proxy: name })
    }

    fn url(&self) -> String {
        format!("http://{}", self.relay.addr)
    }

    fn close(self, env: &Env, toxi: &Toxiproxy) -> LinkCounts {
        let counts = self.relay.counts();
        drop(self.relay);
        env.rt.block_on(toxi.delete(&self.proxy));
        counts
    }
}

#[derive(Default)]
struct RelayState {
    counts: LinkCounts,
    /// Traffic so far (both ways), for the cut schedule.
    total: u64,
    next_cut: Option<u64>,
    every: u64,
    /// Bytes up and down of each request and its answer.
    exchanges: Vec<(u64, u64)>,
}

struct Relay {
    addr: SocketAddr,
    state: Arc<Mutex<RelayState>>,
    task: tokio::task::JoinHandle<()>,
}

/// Per connection: the exchange being sent and the one being answered.
#[derive(Default)]
struct Exchange {
    sending: Option<usize>,
    answering: Option<usize>,
}

impl Relay {
    async fn start(
        upstream: SocketAddr,
        rtt: Duration,
        cuts: Option<Cuts>,
    ) -> std::io::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(RelayState {
            next_cut: cuts.map(|c| c.first),
            every: cuts.map_or(0, |c| c.every),
            ..RelayState::default()
        }));
        let (cut_tx, cut_rx) = watch::channel(0u64);
        let cut_tx = Arc::new(cut_tx);
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                shared.lock().expect("not poisoned").counts.connections += 1;
                let (shared, cut_tx, mut cut_rx) = (shared.clone(), cut_tx.clone(), cut_rx.clone());
                tokio::spawn(async move {
                    // The handshake's round trip.
                    tokio::time::sleep(rtt).await;
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    cut_rx.mark_unchanged();
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let exchange = Arc::new(Mutex::new(Exchange::default()));
                    let up = pump(
                        client_read,
                        server_write,
                        shared.clone(),
                        exchange.clone(),
                        cut_tx.clone(),
                        true,
                    );
                    let down = pump(server_read, client_write, shared, exchange, cut_tx, false);
                    // Whichever ends first (a close, or a cut anywhere) ends the connection.
                    tokio::select! {
                        _ = async { tokio::join!(up, down) } => {}
                        _ = cut_rx.changed() => {}
                    }
                });
            }
        });
        Ok(Relay { addr, state, task })
    }

    fn counts(&self) -> LinkCounts {
        let state = self.state.lock().expect("not poisoned");
        let mut counts = state.counts;
        counts.largest_exchange = state
            .exchanges
            .iter()
            .map(|(u, d)| u + d)
            .max()
            .unwrap_or(0);
        counts
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies one direction of a connection, counting; stops at a cut (which it may make).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    state: Arc<Mutex<RelayState>>,
    exchange: Arc<Mutex<Exchange>>,
    cut_tx: Arc<watch::Sender<u64>>,
    upstream: bool,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut parser = RequestCounter::default();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (allowed, cut) = {
            let mut s = state.lock().expect("not poisoned");
            let allowed = match s.next_cut {
                Some(at) => (n as u64).min(at.saturating_sub(s.total)) as usize,
                None => n,
            };
            s.total += allowed as u64;
            let cut = s.next_cut == Some(s.total);
            if cut {
                s.counts.cuts += 1;
                s.next_cut = Some(s.total + s.every);
            }
            let mut ex = exchange.lock().expect("not poisoned");
            if upstream {
                s.counts.up += allowed as u64;
                let before = parser.completed;
                s.counts.requests += parser.feed(&buf[..allowed]);
                let index = match ex.sending {
                    Some(i) => i,
                    None => {
                        s.exchanges.push((0, 0));
                        s.exchanges.len() - 1
                    }
                };
                s.exchanges[index].0 += allowed as u64;
                ex.sending = Some(index);
                if parser.completed > before {
                    ex.answering = ex.sending.take();
                }
            } else {
                s.counts.down += allowed as u64;
                if let Some(i) = ex.answering {
                    s.exchanges[i].1 += allowed as u64;
                }
            }
            (allowed, cut.then_some(s.counts.cuts))
        };
        if allowed > 0 && to.write_all(&buf[..allowed]).await.is_err() {
            break;
        }
        if let Some(generation) = cut {
            // Every open connection goes, this one with them.
            let _ = cut_tx.send(generation);
            return;
        }
    }
    let _ = to.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_relay_cuts_at_the_byte_and_counts_what_it_let_through() {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = server.local_addr().unwrap();
        let received = tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got).await;
            got.len()
        });
        let cuts = Cuts {
            first: 10,
            every: 100,
        };
        let relay = Relay::start(upstream, Duration::from_millis(1), Some(cuts))
            .await
            .unwrap();
        let mut client = TcpStream::connect(relay.addr).await.unwrap();
        client
            .write_all(b"POST / HTTP/1.1\r\nContent-Length: 30\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = client.read_to_end(&mut answer).await;
        assert!(answer.is_empty(), "the connection was cut, not answered");
        assert_eq!(received.await.unwrap(), 10);
        let counts = relay.counts();
        assert_eq!((counts.up, counts.cuts, counts.connections), (10, 1, 1));
        assert_eq!(
            counts.requests, 0,
            "the request head never got through whole"
        );
    }
}
