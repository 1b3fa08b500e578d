//! The device section of DESIGN.md §7: does the encrypted store on the phone keep the promises of
//! the three moments? A quick capture must cost little more than the cheapest durable SQLite
//! write; with 10,000 people and full support sheets, the store must open, show an amber card
//! and search fast enough to feel instant.
//!
//! Everything goes through `steady-core`'s public API on synthetic data (invented names from
//! small word lists, never anyone's real data), in files under a fresh temporary directory. The
//! floor for the capture budget is measured in the same run, interleaved with the captures in
//! small blocks, so machine drift and background load hit both alike.

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};
use steady_core::codes::{RestrictiveInterventionType, Role};
use steady_core::incident::QuickCapture;
use steady_core::people::NewPerson;
use steady_core::sheet::{SheetList, SheetText};
use steady_core::units::UnitGrant;
use steady_core::{StaffMember, Store, StoreKey};

use crate::report::{self, Report, Row, Stats, ms};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small-N run for CI.
    pub quick: bool,
    /// People in the store.
    pub people: usize,
    /// Timed quick captures, and as many timed floor inserts.
    pub captures: usize,
}

pub(crate) const UNIT: &str = "unit-bench";
/// Floor inserts, encrypted floor inserts and captures alternate in blocks of this many.
const BLOCK: usize = 10;
/// Untimed operations before each timed series (statement caches, first page reads).
const WARMUP: usize = 10;
const OPENS: usize = 20;
const CARDS: usize = 1_000;
const SEARCHES: usize = 1_000;
const NOTE_CHARS: usize = 120;
const SEARCH_LIMIT: u32 = 20;

/// Runs the device section and reports its figures.
pub fn run(opts: &Options) -> BoxResult<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for figures worth reading");
    }
    let load_before = report::load_average();
    let dir = tempfile::tempdir_in(std::env::temp_dir())?;
    let mut rng = Rng(0x5EED_2024);
    let mut report = Report {
        title: "Steady benchmarks — device store".to_string(),
        quick: opts.quick,
        ..Report::default()
    };
    describe_run(&mut report, opts, dir.path())?;

    // 1. Quick capture against the floor.
    eprintln!(
        "device: {} quick captures, {} floor inserts and {} encrypted ones, interleaved",
        opts.captures, opts.captures, opts.captures
    );
    let Captures {
        floor,
        encrypted_floor,
        capture,
        pages,
    } = capture_vs_floor(dir.path(), opts.captures)?;
    let ratio = |c: Duration, f: Duration| c.as_secs_f64() / f.as_secs_f64();
    report.rows.push(Row::info(
        "floor: plain SQLite INSERT + COMMIT (unencrypted, WAL, synchronous=FULL)",
        floor.summary(),
    ));
    report.rows.push(Row::info(
        "encrypted floor: the same INSERT + COMMIT with a SQLCipher key (context only)",
        encrypted_floor.summary(),
    ));
    report.rows.push(Row::info(
        "quick capture: `Store::capture_incident` (encrypted store)",
        capture.summary(),
    ));
    for (label, c, f) in [
        ("quick capture ÷ floor, p50", capture.p50, floor.p50),
        ("quick capture ÷ floor, mean", capture.mean, floor.mean),
    ] {
        let r = ratio(c, f);
        report
            .rows
            .push(Row::budgeted(label, format!("{r:.2}×"), "≤ 1.2×", r <= 1.2));
    }
    report.rows.push(Row::info(
        "quick capture ÷ floor, p99",
        format!("{:.2}×", ratio(capture.p99, floor.p99)),
    ));
    report.rows.push(Row::info(
        "quick capture ÷ encrypted floor, p50 (what the core adds over SQLCipher)",
        format!("{:.2}×", ratio(capture.p50, encrypted_floor.p50)),
    ));

    report.rows.push(Row::info(
        &format!("pages written per commit, mean of {PAGE_SAMPLES}: quick capture vs floor"),
        format!(
            "{:.1} vs {:.1} ({:.1}×): the capture also writes its entity, its fields, its outbox \
             operation (with the indexes sync needs), its audit event and the device clock",
            pages.1,
            pages.0,
            pages.1 / pages.0
        ),
    ));

    // 2. N people with full support sheets.
    let path = dir.path().join("people.db");
    let built = build_people(&path, opts.people, &mut rng)?;
    let per_call = built.took / built.calls.max(1) as u32;
    report.rows.push(Row::info(
        &format!(
            "build: {} people through the public API, one transaction per call",
            opts.people
        ),
        format!(
            "{} for {} calls ({} per call); store {}",
            ms(built.took),
            built.calls,
            ms(per_call),
            megabytes(file_size(&path))
        ),
    ));

    eprintln!("device: open ×{OPENS} (all changes still pending in the outbox)");
    let open_pending = measure_open(&path)?;
    report.rows.push(open_row(
        &format!(
            "open + `units()`, {} people, {} changes pending in the outbox (as built)",
            opts.people, built.calls
        ),
        &open_pending,
    ));

    let store = Store::open(&path, &key())?;
    eprintln!("device: {CARDS} amber cards");
    let cards = measure_cards(&store, &built.ids, &mut rng)?;
    report.rows.push(Row::budgeted(
        &format!(
            "amber card `Store::amber_card`, {CARDS} random people of {}",
            opts.people
        ),
        cards.summary(),
        "p99 ≤ 2 ms",
        cards.p99 <= Duration::from_millis(2),
    ));

    eprintln!("device: {SEARCHES} searches");
    let searches = measure_search(&store, &mut rng)?;
    report.rows.push(Row::budgeted(
        &format!(
            "search `Store::search_people(q, {SEARCH_LIMIT})`, {SEARCHES} queries, {} people",
            opts.people
        ),
        searches.all.summary(),
        "p99 ≤ 10 ms",
        searches.all.p99 <= Duration::from_millis(10),
    ));
    for kind in &searches.kinds {
        report.rows.push(Row::info(
            &format!("search: {}", kind.label),
            format!(
                "{}; {:.1} hits on average",
                kind.stats.summary(),
                kind.mean_hits
            ),
        ));
    }

    eprintln!("device: acknowledging the outbox (as a completed sync would)");
    let started = Instant::now();
    let acknowledged = acknowledge_all(&store)?;
    let ack_took = started.elapsed();
    drop(store);
    report.rows.push(Row::info(
        "acknowledge the whole outbox (1,000 ops per call)",
        format!("{} ops in {}", acknowledged, ms(ack_took)),
    ));

    eprintln!("device: open ×{OPENS} (outbox empty)");
    let open_synced = measure_open(&path)?;
    report.rows.push(open_row(
        &format!(
            "open + `units()`, {} people, outbox empty (synced)",
            opts.people
        ),
        &open_synced,
    ));

    report.fact(
        "load average (1, 5, 15 min)",
        format!(
            "{load_before} at the start, {} at the end",
            report::load_average()
        ),
    );
    report.notes = notes();
    Ok(report)
}

fn describe_run(report: &mut Report, opts: &Options, dir: &Path) -> BoxResult<()> {
    report::common_facts(report);
    report.fact(
        "parameters",
        format!(
            "{} people; {} captures, {} floor inserts and as many encrypted ones (blocks of {BLOCK}, {WARMUP} warm-up each), \
             note of {NOTE_CHARS} characters; {OPENS} opens; {CARDS} amber cards; {SEARCHES} searches",
            opts.people, opts.captures, opts.captures
        ),
    );
    report.fact(
        "store files",
        format!(
            "fresh temporary directory {} ({})",
            dir.display(),
            same_disk_as_binary(dir)
        ),
    );
    Ok(())
}

fn notes() -> Vec<String> {
    vec![
        "Method. Times are wall-clock per call, taken with `std::time::Instant` around the public \
         API call only. The floor, an encrypted floor (the same table and INSERT on a SQLCipher \
         connection with the store's key, given for context) and the captures alternate in blocks \
         in the same run. The open \
         figure covers `Store::open` of the existing file (raw key, no passphrase derivation) plus \
         its first query, `store.units()`; the store is dropped between opens, and the file was \
         just written, so the OS page cache is warm (a phone after a reboot would read from \
         flash). p99 over 20 opens is their maximum. `amber_card` includes the audit \"view\" \
         event it writes (committed without waiting for the disk). Search queries cycle through \
         a three-letter surname prefix, a full first name and a warning-sign word."
            .to_string(),
        "Data. Synthetic people: names drawn from 48 first names × 48 surnames, with a numbered \
         local identifier; each with 1–2 safety alerts, every support-sheet text field set to a \
         sentence, 3–6 items in each sheet list and one authorised intervention, each added by its \
         own public API call (one transaction and one fsync per call, as the app would). Built \
         this way every change is still pending in the outbox; the open is measured both as built \
         and after the outbox is acknowledged, as it would be after a sync."
            .to_string(),
    ]
}

pub(crate) fn key() -> StoreKey {
    StoreKey::from_bytes(&[7u8; 32]).expect("a 32-byte key")
}

fn grant(role: Role) -> UnitGrant {
    UnitGrant {
        unit_id: UNIT.to_string(),
        organisation: "Synthetic Health Trust".to_string(),
        name: "Bench Ward".to_string(),
        mental_health_unit: true,
        role,
        ends_at: None,
    }
}

fn staff() -> StaffMember {
    StaffMember {
        name: "Bench Worker".to_string(),
        job_title: "Healthcare assistant".to_string(),
    }
}

/// A note of exactly [`NOTE_CHARS`] characters, different each time.
fn note(i: usize) -> String {
    let mut text = format!(
        "Scene {i:06}: man ~40 at roadside, alert and talking, cut to left forearm, calm after \
         reassurance; road crew called, awaiting handover."
    );
    while text.len() < NOTE_CHARS {
        text.push('.');
    }
    text.truncate(NOTE_CHARS);
    text
}

// ---------------------------------------------------------------------------------------------
// 1. Quick capture vs the floor

struct Captures {
    floor: Stats,
    encrypted_floor: Stats,
    capture: Stats,
    /// Mean database pages each commit wrote to the WAL: (floor, quick capture).
    pages: (f64, f64),
}

/// Commits whose pages are counted, after the timed ones.
const PAGE_SAMPLES: usize = 50;

/// Pages the commit made by `commit` wrote, read from the WAL of the database `conn` is open on
/// (emptied first; SQLCipher encrypts and authenticates each page it writes, so this is most of
/// what a commit costs beyond its fsync).
fn pages_written(conn: &Connection, commit: impl FnOnce() -> BoxResult<()>) -> BoxResult<i64> {
    let frames = |mode: &str| -> rusqlite::Result<(i64, i64)> {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    };
    let (busy, _) = frames("TRUNCATE")?;
    if busy != 0 {
        return Err("the WAL could not be emptied before counting pages".into());
    }
    commit()?;
    Ok(frames("PASSIVE")?.1)
}

/// A floor database: one plain table, WAL, `synchronous=FULL`; encrypted with the store's raw
/// key when `encrypted`.
fn floor_db(path: &Path, encrypted: bool) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    if encrypted {
        conn.pragma_update(None, "key", format!("x'{}'", "07".repeat(32)))?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE captures (id TEXT PRIMARY KEY, unit TEXT, note TEXT, at INTEGER)",
    )?;
    Ok(conn)
}

fn capture_vs_floor(dir: &Path, n: usize) -> BoxResult<Captures> {
    let mut floor = floor_db(&dir.join("floor.db"), false)?;
    let mut encrypted = floor_db(&dir.join("floor-encrypted.db"), true)?;

    let store = Store::open(dir.join("capture.db"), &key())?;
    store.apply_grants(&[grant(Role::Reader)])?;
    store.set_staff_member(staff())?;

    let mut floor_times = Vec::with_capacity(n);
    let mut encrypted_times = Vec::with_capacity(n);
    let mut capture_times = Vec::with_capacity(n);
    let mut serial = 0usize;
    for _ in 0..WARMUP {
        serial += 1;
        floor_insert(&mut floor, &note(serial))?;
        floor_insert(&mut encrypted, &note(serial))?;
        capture(&store, note(serial))?;
    }
    while capture_times.len() < n {
        let block = BLOCK.min(n - capture_times.len());
        for _ in 0..block {
            serial += 1;
            let text = note(serial);
            let started = Instant::now();
            floor_insert(&mut floor, &text)?;
            floor_times.push(started.elapsed());
        }
        for _ in 0..block {
            serial += 1;
            let text = note(serial);
            let started = Instant::now();
            floor_insert(&mut encrypted, &text)?;
            encrypted_times.push(started.elapsed());
        }
        for _ in 0..block {
            serial += 1;
            capture_times.push(capture(&store, note(serial))?);
        }
        if capture_times.len() % (BLOCK * 20) == 0 {
            eprintln!("  {}/{n}", capture_times.len());
        }
    }

    // Pages per commit, untimed, each counted through a second connection to the same file.
    let floor_probe = Connection::open(dir.join("floor.db"))?;
    let probe = Connection::open(dir.join("capture.db"))?;
    probe.pragma_update(None, "key", format!("x'{}'", "07".repeat(32)))?;
    let (mut floor_pages, mut capture_pages) = (0i64, 0i64);
    for _ in 0..PAGE_SAMPLES {
        serial += 1;
        let text = note(serial);
        floor_pages += pages_written(&floor_probe, || Ok(floor_insert(&mut floor, &text)?))?;
        serial += 1;
        let text = note(serial);
        capture_pages += pages_written(&probe, || capture(&store, text).map(|_| ()))?;
    }
    let mean = |total: i64| total as f64 / PAGE_SAMPLES as f64;
    Ok(Captures {
        floor: Stats::of(&floor_times),
        encrypted_floor: Stats::of(&encrypted_times),
        capture: Stats::of(&capture_times),
        pages: (mean(floor_pages), mean(capture_pages)),
    })
}

/// The floor: one row of the same shape as a capture, in its own durable transaction.
fn floor_insert(conn: &mut Connection, note: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.prepare_cached("INSERT INTO captures (id, unit, note, at) VALUES (?1, ?2, ?3, ?4)")?
        .execute((
            uuid::Uuid::now_v7().to_string(),
            UNIT,
            note,
            chrono::Utc::now().timestamp_millis(),
        ))?;
    tx.commit()
}

/// One quick capture, timed (the argument is built before the clock starts).
fn capture(store: &Store, note: String) -> BoxResult<Duration> {
    let capture = QuickCapture {
        unit_id: UNIT.to_string(),
        note,
        ..QuickCapture::default()
    };
    let started = Instant::now();
    store.capture_incident(capture)?;
    Ok(started.elapsed())
}

// ---------------------------------------------------------------------------------------------
// 2. People with full support sheets

pub(crate) struct Built {
    pub(crate) ids: Vec<String>,
    pub(crate) took: Duration,
    pub(crate) calls: u64,
}

pub(crate) fn build_people(path: &Path, n: usize, rng: &mut Rng) -> BoxResult<Built> {
    eprintln!("device: building {n} people with full support sheets");
    let store = Store::open(path, &key())?;
    store.apply_grants(&[grant(Role::Editor)])?;
    store.set_staff_member(staff())?;
    let mut ids = Vec::with_capacity(n);
    let mut calls = 0u64;
    let started = Instant::now();
    let every = (n / 20).max(1);
    for i in 0..n {
        let first = rng.pick(FIRST_NAMES);
        let surname = rng.pick(SURNAMES);
        let preferred = (rng.below(4) == 0).then(|| rng.pick(FIRST_NAMES).to_string());
        let id = store.create_person(
            UNIT,
            NewPerson {
                display_name: format!("{first} {surname}"),
                preferred_name: preferred,
                local_identifier: Some(format!("SYN-{i:06}")),
                nhs_number: None,
            },
        )?;
        calls += 1;
        let alerts = 1 + rng.below(2);
        for alert in rng.sample(SAFETY_ALERTS, alerts) {
            store.add_safety_alert(&id, alert, None)?;
            calls += 1;
        }
        for field in SheetText::ALL {
            let sentence = format!("{} {}", rng.pick(OPENERS), rng.pick(SENTENCES));
            store.set_sheet_text(&id, *field, &sentence)?;
            calls += 1;
        }
        for list in SheetList::ALL {
            let items = 3 + rng.below(4);
            for item in rng.sample(list_words(*list), items) {
                store.add_sheet_item(&id, *list, item, None)?;
                calls += 1;
            }
        }
        let intervention = *rng.pick(INTERVENTIONS);
        let plan = *rng.pick(INTERVENTION_NOTES);
        store.add_authorised_intervention(&id, intervention, plan)?;
        calls += 1;
        ids.push(id);
        if (i + 1) % every == 0 {
            let elapsed = started.elapsed();
            let eta = elapsed.mul_f64((n - i - 1) as f64 / (i + 1) as f64);
            eprintln!(
                "  {}/{n} people, {calls} calls, {:.0} s (about {:.0} s left)",
                i + 1,
                elapsed.as_secs_f64(),
                eta.as_secs_f64()
            );
        }
    }
    let took = started.elapsed();
    drop(store);
    Ok(Built { ids, took, calls })
}

/// Open + first query, and `Store::open` alone.
struct Opens {
    total: Stats,
    open_alone: Stats,
}

fn measure_open(path: &Path) -> BoxResult<Opens> {
    let mut times = Vec::with_capacity(OPENS);
    let mut open_alone = Vec::with_capacity(OPENS);
    for _ in 0..OPENS {
        let started = Instant::now();
        let store = Store::open(path, &key())?;
        open_alone.push(started.elapsed());
        let units = store.units()?;
        times.push(started.elapsed());
        if units.len() != 1 || !units[0].active {
            return Err(format!("expected one active unit, found {units:?}").into());
        }
        drop(store);
    }
    Ok(Opens {
        total: Stats::of(&times),
        open_alone: Stats::of(&open_alone),
    })
}

fn open_row(what: &str, opens: &Opens) -> Row {
    Row::budgeted(
        what,
        format!(
            "{}; of which `Store::open` alone p50 {}, p99 {}",
            opens.total.summary(),
            ms(opens.open_alone.p50),
            ms(opens.open_alone.p99)
        ),
        "≤ 20 ms (p99)",
        opens.total.p99 <= Duration::from_millis(20),
    )
}

fn measure_cards(store: &Store, ids: &[String], rng: &mut Rng) -> BoxResult<Stats> {
    for _ in 0..WARMUP {
        store.amber_card(rng.pick(ids).as_str())?;
    }
    let mut times = Vec::with_capacity(CARDS);
    for _ in 0..CARDS {
        let id = rng.pick(ids);
        let started = Instant::now();
        let card = store.amber_card(id)?;
        times.push(started.elapsed());
        if card.safety_alerts.is_empty() || card.warning_signs.len() < 3 {
            return Err(format!("amber card of {id} is missing items: {card:?}").into());
        }
    }
    Ok(Stats::of(&times))
}

struct SearchKind {
    label: &'static str,
    stats: Stats,
    mean_hits: f64,
}

struct Searches {
    all: Stats,
    kinds: Vec<SearchKind>,
}

fn measure_search(store: &Store, rng: &mut Rng) -> BoxResult<Searches> {
    const LABELS: [&str; 3] = [
        "surname prefix (3 letters)",
        "full first name",
        "warning-sign word",
    ];
    let query = |kind: usize, rng: &mut Rng| -> String {
        match kind {
            0 => rng.pick(SURNAMES).chars().take(3).collect(),
            1 => rng.pick(FIRST_NAMES).to_string(),
            _ => rng.pick(WARNING_WORDS).to_string(),
        }
    };
    for i in 0..WARMUP {
        store.search_people(&query(i % 3, rng), SEARCH_LIMIT)?;
    }
    let mut all = Vec::with_capacity(SEARCHES);
    let mut by_kind: [Vec<Duration>; 3] = Default::default();
    let mut hits = [0usize; 3];
    for i in 0..SEARCHES {
        let kind = i % 3;
        let q = query(kind, rng);
        let started = Instant::now();
        let found = store.search_people(&q, SEARCH_LIMIT)?;
        let took = started.elapsed();
        all.push(took);
        by_kind[kind].push(took);
        hits[kind] += found.len();
    }
    let kinds = (0..3)
        .filter(|k| !by_kind[*k].is_empty())
        .map(|k| SearchKind {
            label: LABELS[k],
            stats: Stats::of(&by_kind[k]),
            mean_hits: hits[k] as f64 / by_kind[k].len() as f64,
        })
        .collect();
    Ok(Searches {
        all: Stats::of(&all),
        kinds,
    })
}

fn acknowledge_all(store: &Store) -> BoxResult<u64> {
    let mut total = 0u64;
    loop {
        let ops = store.pending_operations(1_000)?;
        if ops.is_empty() {
            return Ok(total);
        }
        let ids: Vec<String> = ops.into_iter().map(|op| op.op_id).collect();
        total += ids.len() as u64;
        store.acknowledge_operations(&ids)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// Whether `dir` is on the same filesystem as this binary (so under the target dir's disk).
fn same_disk_as_binary(dir: &Path) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let binary = std::env::current_exe().and_then(std::fs::metadata);
        match (binary, std::fs::metadata(dir)) {
            (Ok(b), Ok(d)) if b.dev() == d.dev() => "same filesystem as the target dir",
            (Ok(_), Ok(_)) => "a different filesystem from the target dir",
            _ => "filesystem unknown",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        "filesystem unknown"
    }
}

/// SplitMix64: a small seeded generator, so every run builds the same synthetic data.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `k` distinct items, in random order.
    fn sample<'a, T>(&mut self, items: &'a [T], k: usize) -> Vec<&'a T> {
        let mut order: Vec<usize> = (0..items.len()).collect();
        let k = k.min(items.len());
        for i in 0..k {
            let j = i + self.below(items.len() - i);
            order.swap(i, j);
        }
        order[..k].iter().map(|i| &items[*i]).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic vocabulary: invented combinations, never real people's records.

const FIRST_NAMES: &[&str] = &[
    "Amara", "Bilal", "Chloe", "Dmitri", "Eilidh", "Farah", "Gareth", "Hana", "Idris", "Jasmine",
    "Kwame", "Lena", "Mohammed", "Niamh", "Oliver", "Priya", "Quentin", "Rhiannon", "Samuel",
    "Tariq", "Uma", "Vikram", "Wiktoria", "Xavier", "Yusuf", "Zara", "Aled", "Bronwen", "Callum",
    "Deepa", "Emeka", "Fiona", "Gwen", "Hamza", "Isla", "Jamal", "Kirsty", "Luca", "Maya",
    "Nkechi", "Owen", "Paige", "Ravi", "Siobhan", "Tomasz", "Ursula", "Ffion", "Wei",
];

const SURNAMES: &[&str] = &[
    "Adeyemi",
    "Bennett",
    "Chowdhury",
    "Davies",
    "Evans",
    "Fraser",
    "Gallagher",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "MacLeod",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Robertson",
    "Singh",
    "Thomas",
    "Usman",
    "Vaughan",
    "Walsh",
    "Xiong",
    "Young",
    "Zielinski",
    "Ahmed",
    "Baker",
    "Campbell",
    "Doherty",
    "Edwards",
    "Fitzgerald",
    "Griffiths",
    "Hassan",
    "Ingram",
    "Jenkins",
    "Kaur",
    "Lloyd",
    "Morgan",
    "Nash",
    "Obi",
    "Price",
    "Reid",
    "Shah",
    "Taylor",
    "Underwood",
    "Vincent",
    "Williams",
];

const SAFETY_ALERTS: &[&str] = &[
    "No prone holds: asthma",
    "Choking risk: soft diet, supervise meals",
    "Epilepsy: rescue medication in the red bag",
    "Do not hold the left arm: old fracture",
    "Allergic to penicillin",
    "Diabetic: check blood sugar if drowsy",
    "Hard of hearing: face them when speaking",
    "Falls risk: walking frame at all times",
    "Heart condition: no physical restraint",
    "Self-harm risk: remove cords and belts",
    "Absconding risk: keep the garden gate locked",
    "Pregnant: no pressure on the abdomen",
];

const TRIGGERS: &[&str] = &[
    "Loud noises, especially alarms",
    "Being touched without warning",
    "Changes to the daily routine",
    "Waiting in queues",
    "Being told no without a reason",
    "Crowded rooms",
    "Staff changes at handover",
    "Bright lights in the lounge",
    "Phone calls from family",
    "Being rushed in the morning",
    "Hunger before meals",
    "Losing at games",
    "Mentions of hospital",
    "Unfamiliar staff",
    "Being talked about in front of them",
];

const WARNING_SIGNS: &[&str] = &[
    "Pacing the corridor",
    "Rubbing hands together",
    "Raised voice",
    "Rocking in the chair",
    "Going quiet and withdrawn",
    "Clenched fists",
    "Asking the same question repeatedly",
    "Tearful",
    "Refusing food or drink",
    "Swearing under breath",
    "Pulling at clothes",
    "Slamming doors",
    "Humming loudly",
    "Covering ears",
    "Biting nails",
    "Staring at the floor",
    "Sweating and flushed face",
    "Following staff closely",
];

/// One word of each warning sign, as a worker would type it.
const WARNING_WORDS: &[&str] = &[
    "pacing",
    "rubbing",
    "voice",
    "rocking",
    "withdrawn",
    "clenched",
    "repeatedly",
    "tearful",
    "refusing",
    "swearing",
    "pulling",
    "slamming",
    "humming",
    "covering",
    "biting",
    "staring",
    "sweating",
    "following",
];

const WHAT_HELPS: &[&str] = &[
    "Offer a walk in the garden",
    "Speak slowly and calmly",
    "Give two simple choices",
    "Put on their favourite music",
    "Offer a warm drink",
    "Sit beside them, not opposite",
    "Give them space and check back in five minutes",
    "Use the weighted blanket",
    "Talk about football",
    "Offer the sensory box",
    "Move to the quiet room",
    "Call their key worker",
    "Remind them what happens next",
    "Offer a snack",
    "Let them hold their comfort object",
];

const WHAT_TO_AVOID: &[&str] = &[
    "Raising your voice",
    "Standing in the doorway",
    "Touching without asking",
    "Asking lots of questions",
    "Mentioning their brother",
    "Laughing nearby",
    "Making promises you cannot keep",
    "Rushing them",
    "Talking about them to others",
    "Sudden movements",
    "Taking away their phone",
    "Arguing about the rules",
    "Too many staff at once",
    "Bright overhead lights",
    "Using their full name",
];

const CONTRAINDICATIONS: &[&str] = &[
    "No prone restraint: breathing difficulties",
    "No pressure on the chest",
    "Avoid holds on the right shoulder",
    "No floor holds: brittle bones",
    "Monitor breathing throughout any hold",
    "No seated holds longer than five minutes",
    "No rapid tranquillisation without a doctor present",
    "Avoid restraint after meals: reflux",
    "Keep the head supported",
    "No holds near the feeding tube",
];

const OPENERS: &[&str] = &[
    "Staff say that",
    "In their own words,",
    "Family tell us that",
    "At the last review we agreed that",
    "Most days,",
    "It helps to know that",
];

const SENTENCES: &[&str] = &[
    "they enjoy gardening and like to water the tomatoes before lunch.",
    "a calm voice and a clear plan for the day make a real difference.",
    "they communicate mostly with gestures and a picture board.",
    "mornings go best with a slow start and breakfast at the same table.",
    "they like quiet rooms, soft lighting and music from the 1980s.",
    "they are proud of their artwork and like it to be noticed.",
    "visits from their sister on Sundays are very important to them.",
    "staff should stay nearby, speak little and keep others away.",
    "after an incident they want time alone, then a cup of tea and a chat.",
    "they understand short sentences best; give one instruction at a time.",
    "the on-call manager and their named nurse should be phoned first.",
    "they dislike the feel of wool and prefer cotton clothes.",
    "a regular bedtime with a story on the tablet helps them settle.",
    "they like to debrief by drawing what happened with a staff member they trust.",
    "swimming on Wednesdays keeps them settled for the rest of the week.",
    "they can be very funny and love a joke with staff they know.",
];

const INTERVENTIONS: &[RestrictiveInterventionType] = &[
    RestrictiveInterventionType::PhysicalSeated,
    RestrictiveInterventionType::PhysicalStanding,
    RestrictiveInterventionType::PhysicalRestrictiveEscort,
    RestrictiveInterventionType::PhysicalSide,
    RestrictiveInterventionType::ChemicalOral,
];

const INTERVENTION_NOTES: &[&str] = &[
    "Last resort only, two trained staff, no longer than five minutes.",
    "Only to prevent serious harm to self; stop as soon as safe.",
    "Guide to the quiet room with two staff; no holds on the chest.",
    "As prescribed, offered before any physical intervention.",
];

fn list_words(list: SheetList) -> &'static [&'static str] {
    match list {
        SheetList::Triggers => TRIGGERS,
        SheetList::WarningSigns => WARNING_SIGNS,
        SheetList::WhatHelps => WHAT_HELPS,
        SheetList::WhatToAvoid => WHAT_TO_AVOID,
        SheetList::Contraindications => CONTRAINDICATIONS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_the_stated_length() {
        assert_eq!(note(1).chars().count(), NOTE_CHARS);
        assert_eq!(note(999_999).chars().count(), NOTE_CHARS);
    }

    #[test]
    fn every_warning_word_is_in_a_warning_sign() {
        for word in WARNING_WORDS {
            assert!(
                WARNING_SIGNS
                    .iter()
                    .any(|s| s.to_lowercase().contains(word)),
                "{word}"
            );
        }
    }

    #[test]
    fn samples_are_distinct() {
        let mut rng = Rng(1);
        for _ in 0..100 {
            let mut s = rng.sample(WARNING_SIGNS, 6);
            s.sort();
            s.dedup();
            assert_eq!(s.len(), 6);
        }
    }
}
