//! The console section (issue 18, "the console at trust scale"): the lead's web console over a
//! trust's records. 50 mental health units, 5,000 synthetic people and 100,000 synthetic
//! incidents over three years are stored through `Storage::push` as the server (the records
//! the server really holds, checked by the same merge rules as a device's), a lead account is
//! made through `accounts::add_lead` (the path `steady-server lead add` takes), and
//! `steady-server serve` runs as its own process. The lead signs in over HTTP as a browser does
//! (the sign-in form's cookie and CSRF token, then the session cookie), and each page is asked
//! for N times in turn, one request after another: the units list, a unit's dashboard, its
//! incident list, one incident, and each export (MHS505, MHS515, the older interventions file
//! and the monthly summary). Every page's p50 and p99 are reported against the budget of
//! 100 ms, with the server's peak RSS and the store's and the console replica's size on disk,
//! at each size of the record (10,000 then 100,000 incidents) so the growth shows.
//!
//! Figures are reported, never asserted.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde_json::{Value, json};
use steady_core::StaffMember;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::{
    DeescalationStep, IncidentTag, RestrictiveInterventionReason, RestrictiveInterventionType,
};
use steady_core::incident::{Debrief, Deescalation, PostIncidentReview, ReviewWith, UseOfForce};
use steady_core::observation::{
    BodyPosition, Breathing, Consciousness, ObservationPhase, PhysicalObservation, SkinColour,
};
use steady_core::protocol::{
    ADDENDA_LIST, Change, EntityKind, OpOutcome, Operation, USE_OF_FORCE_LIST,
};
use steady_server::console::store::ConsoleStorage;
use steady_server::console::{accounts, session};
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{Storage, Unit};

use crate::device::Rng;
use crate::env::{Env, mb, thousands};
use crate::report::{Report, Row, Stats, ms};
use crate::scale::{ProcUsage, ServerProcess, proc_usage};
use crate::sync::synthetic_note;

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small-N run for CI.
    pub quick: bool,
    /// Units (mental health wards) of the trust.
    pub units: usize,
    /// People, spread evenly over the units.
    pub people: usize,
    /// Incidents stored when the pages are timed, smallest first; the last is the trust.
    pub sizes: Vec<usize>,
    /// Timed requests of each page at each size.
    pub requests: usize,
    /// Untimed requests of each page before the timed ones.
    pub warmup: usize,
}

impl Options {
    /// The full run, or the quick one.
    pub fn new(quick: bool) -> Options {
        if quick {
            Options {
                quick,
                // Small enough that CI's debug build times every page in seconds.
                units: 2,
                people: 100,
                sizes: vec![500],
                requests: 5,
                warmup: 1,
            }
        } else {
            Options {
                quick,
                units: 50,
                people: 5_000,
                sizes: vec![10_000, 100_000],
                requests: 200,
                warmup: 3,
            }
        }
    }
}

/// The budget of issue 18 for every console page and export.
const MAX_P99: Duration = Duration::from_millis(100);
/// How far back the incidents go.
const YEARS: i64 = 3;
const SPAN_MS: i64 = YEARS * 365 * 86_400_000;
/// Incidents stored per `Storage::push` (each is 2 to 6 operations).
const INCIDENTS_PER_PUSH: usize = 250;
/// People stored per `Storage::push`.
const PEOPLE_PER_PUSH: usize = 1_000;
/// Shares of the seed, in per cent.
const FORCE_PERCENT: usize = 25;
const DRAFT_PERCENT: usize = 3;
const REVIEW_PERCENT: usize = 60;
const OBSERVATION_PERCENT: usize = 40;

const ORGANISATION: &str = "Synthetic Health NHS Trust";
const LEAD_EMAIL: &str = "trust.lead@example.org";
const LEAD_NAME: &str = "Synthetic Trust Lead";

/// Runs the console section.
pub fn run(env: &mut Env, opts: &Options) -> BoxResult<Report> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for figures worth reading");
    }
    let load_before = crate::report::load_average();
    let mut report = Report {
        title: "Steady benchmarks — the console at trust scale".to_string(),
        quick: opts.quick,
        ..Report::default()
    };
    let _ = env.postgres();
    let binary = env.server_binary()?;
    let work = tempfile::tempdir()?;
    let mut runs: Vec<(&str, Vec<SizeRun>)> = Vec::new();

    eprintln!("console: SQLite");
    let sqlite = Backend::Sqlite(work.path().join("store-sqlite"));
    runs.push((
        "SQLite",
        measure(env, &binary, &sqlite, opts, work.path(), "sqlite")?,
    ));
    if let Ok(pg) = env.pg() {
        eprintln!("console: PostgreSQL");
        let url = env.rt.block_on(pg.fresh_database("console"))?;
        let measured = measure(
            env,
            &binary,
            &Backend::Postgres(url.clone()),
            opts,
            work.path(),
            "postgres",
        );
        env.rt.block_on(pg.drop_database(&url));
        runs.push(("PostgreSQL", measured?));
    }

    for (backend, sizes) in &runs {
        rows(&mut report, backend, sizes);
    }
    report.extra.push(growth_table(&runs));

    crate::report::common_facts(&mut report);
    report.fact(
        "PostgreSQL",
        env.postgres_description()
            .unwrap_or_else(|| "not used".into()),
    );
    report.fact(
        "parameters",
        format!(
            "{} mental health units of one trust, {} people, incidents over {YEARS} years stored \
             up to {}; {} timed requests of each page at each size ({} warm-up), one after \
             another over one keep-alive connection, by a lead of every unit",
            opts.units,
            thousands(opts.people as u64),
            opts.sizes
                .iter()
                .map(|n| thousands(*n as u64))
                .collect::<Vec<_>>()
                .join(" then "),
            opts.requests,
            opts.warmup
        ),
    );
    report.fact(
        "load average (1, 5, 15 min)",
        format!(
            "{load_before} at the start, {} at the end",
            crate::report::load_average()
        ),
    );
    report.notes = notes(opts);
    Ok(report)
}

fn notes(opts: &Options) -> Vec<String> {
    vec![
        format!(
            "Seed. Everything is synthetic (invented names, 999-prefixed NHS numbers). {} units, \
             all mental health units of one organisation; people spread evenly over them; \
             incidents spread evenly over the units, each about one of its unit's people, at a \
             random instant of the last {YEARS} years. {FORCE_PERCENT}% record a use of force \
             (one or two restrictive interventions, with every s.6(5) item, as a mental health \
             unit's submission must); of those {REVIEW_PERCENT}% have a post-incident review and \
             {OBSERVATION_PERCENT}% a physical observation added after submission. \
             {DRAFT_PERCENT}% of incidents are still drafts; the rest are submitted (which \
             freezes the person into the record and locks it). Records are stored through \
             `Storage::push` as the server itself, {INCIDENTS_PER_PUSH} incidents a call, so \
             they pass the same record schema and merge checks as a device's and are the \
             server's real records; the console's replica then pulls them as it pulls a phone's. \
             On PostgreSQL `VACUUM ANALYZE` runs after each load (as in the scale section).",
            opts.units
        ),
        "Requests. The lead account is made with `accounts::add_lead` before the server starts \
         (what `steady-server lead add` does), with access to every unit. `steady-server serve` \
         runs as its own process (same build profile as the harness, rate limits off, \
         `--request-timeout 3600` so the first page can wait for the replica); the harness \
         signs in as a browser does: `GET /console/sign-in` for the form's cookie and CSRF \
         token, `POST` the form, keep the session cookie. The first page after each start is \
         timed on its own: the console's replica pulls everything stored since it last ran \
         before answering it. Then each page is asked for the given number of times in a row \
         (after a few untimed), gzip accepted, each answer read whole and checked (200, and \
         what the page must show); the time is the client's. The unit measured is the one that \
         sorts last among the lead's units (the incident page finds an incident's unit by \
         walking the lead's units in order, so an incident there is its slowest to find; the \
         same page for an incident of the unit that sorts first is timed too), the incident is \
         its newest submitted use of force, a page slower than 1 s on its first request is \
         timed 20 times only, and the exports are the links the Exports page offers (the \
         last 90 days). \
         Every page also writes the console audit log, as in use (an export one entry per \
         incident it covers), so the store grows while the pages are timed."
            .to_string(),
        "Memory and disk. Peak RSS is the server process's `VmHWM` from /proc after all its \
         requests (the console runs inside the server, so this is the console's too). The \
         store's size is its files on disk (SQLite: the data directory with its WAL) or \
         `pg_database_size` (PostgreSQL), after the seed and again after the timed requests; \
         the console's own replica (an encrypted steady-core store in `--console-dir`) is \
         measured on its own."
            .to_string(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The seed (pure: what the k-th incident is, and the operations that store it)

/// The `u`th unit's id; they sort in order (zero-padded).
pub(crate) fn unit_id(u: usize) -> String {
    format!("ward-{u:02}")
}

fn person_id(n: usize) -> String {
    format!("person-{n:05}")
}

fn incident_id(k: usize) -> String {
    format!("incident-{k:07}")
}

const FIRST_NAMES: &[&str] = &[
    "Alex", "Sam", "Jordan", "Robin", "Morgan", "Casey", "Jamie", "Riley", "Avery", "Quinn",
];
const SURNAMES: &[&str] = &[
    "Example",
    "Sample",
    "Placeholder",
    "Testwell",
    "Fictional",
    "Madeup",
    "Invented",
    "Dummy",
];

/// The `n`th person's name, NHS number and local identifier.
fn person_details(n: usize) -> (String, String, String) {
    let name = format!(
        "{} {} {n}",
        FIRST_NAMES[n % FIRST_NAMES.len()],
        SURNAMES[(n / FIRST_NAMES.len()) % SURNAMES.len()]
    );
    (
        name,
        steady_core::nhs_number::synthetic(n as u32),
        format!("SYN{n:06}"),
    )
}

/// What the `k`th incident holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IncidentSpec {
    pub(crate) unit: usize,
    pub(crate) person: usize,
    pub(crate) occurred_at: i64,
    /// Restrictive interventions recorded (0: no use of force).
    pub(crate) interventions: usize,
    pub(crate) submitted: bool,
    pub(crate) review: bool,
    pub(crate) observation: bool,
    pub(crate) tags: Vec<IncidentTag>,
}

/// The `k`th incident of a seed of `units` units and `people` people, stored at `now`: the same
/// `k` always gives the same incident.
pub(crate) fn incident_spec(k: usize, units: usize, people: usize, now: i64) -> IncidentSpec {
    let mut rng = Rng(0xC0_5013 ^ (k as u64).wrapping_mul(0x9E37_79B9));
    let unit = k % units;
    let per_unit = (people / units).max(1);
    let person = unit + units * rng.below(per_unit);
    // At least two hours ago, so every later instant of the record (the end of a hold, the
    // submission an hour later) is in the past too.
    let occurred_at = now - 2 * 3_600_000 - (rng.next() % SPAN_MS as u64) as i64;
    let force = rng.below(100) < FORCE_PERCENT;
    let interventions = match (force, rng.below(10)) {
        (false, _) => 0,
        (true, 0..=6) => 1,
        (true, _) => 2,
    };
    let submitted = rng.below(100) >= DRAFT_PERCENT;
    let review = submitted && force && rng.below(100) < REVIEW_PERCENT;
    let observation = submitted && force && rng.below(100) < OBSERVATION_PERCENT;
    let first = *rng.pick(&IncidentTag::ALL);
    let mut tags = vec![first];
    if rng.below(3) == 0 {
        let second = *rng.pick(&IncidentTag::ALL);
        if second != first {
            tags.push(second);
        }
    }
    IncidentSpec {
        unit,
        person,
        occurred_at,
        interventions,
        submitted,
        review,
        observation,
        tags,
    }
}

/// Makes operations stamped as the server's own, in order.
struct Stamper {
    wall_ms: i64,
    counter: u32,
}

impl Stamper {
    fn new() -> Stamper {
        Stamper {
            wall_ms: Timestamp::now().0,
            counter: 0,
        }
    }

    fn op(
        &mut self,
        id: String,
        entity: EntityKind,
        entity_id: &str,
        unit: &str,
        change: Change,
    ) -> Operation {
        self.counter += 1;
        Operation {
            op_id: id,
            entity,
            entity_id: entity_id.to_string(),
            unit_id: unit.to_string(),
            change,
            stamp: Hlc {
                wall_ms: self.wall_ms,
                counter: self.counter,
                device: steady_server::merge::SERVER_DEVICE.to_string(),
            },
        }
    }
}

fn fields(pairs: Vec<(&str, Value)>) -> Change {
    Change::Fields(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The operation that stores the `n`th person.
fn person_op(n: usize, units: usize, stamper: &mut Stamper) -> Operation {
    let (name, nhs, local) = person_details(n);
    let id = person_id(n);
    stamper.op(
        format!("bench-console-{id}"),
        EntityKind::Person,
        &id,
        &unit_id(n % units),
        fields(vec![
            ("display_name", json!(name)),
            ("nhs_number", json!(nhs)),
            ("local_identifier", json!(local)),
        ]),
    )
}

const PLACES: &[&str] = &["Day room", "Corridor", "Bedroom", "Dining room", "Garden"];

/// The operations that store the `k`th incident as a device would have sent them: the capture
/// with its details, each use of force, the submission, then what was added after it.
fn incident_ops(k: usize, spec: &IncidentSpec, now: i64, stamper: &mut Stamper) -> Vec<Operation> {
    let mut rng = Rng(0x1AC1_DE47 ^ k as u64);
    let id = incident_id(k);
    let unit = unit_id(spec.unit);
    let at = spec.occurred_at;
    let recorder = format!("Synthetic Nurse {}", k % 40);
    let mut details = vec![
        ("status", json!("draft")),
        ("occurred_at", json!(at)),
        ("recorded_by", json!(recorder)),
        ("note", json!(synthetic_note(&mut rng, 200).trim())),
        ("tags", json!(spec.tags)),
        ("person_id", json!(person_id(spec.person))),
        ("place", json!(*rng.pick(PLACES))),
        (
            "outcome",
            json!("Settled; plan reviewed with the team (synthetic)."),
        ),
    ];
    if spec.interventions > 0 {
        details.extend([
            (
                "deescalation",
                json!(Deescalation {
                    own_strategies: vec![],
                    general_steps: vec![DeescalationStep::GiveSpace, DeescalationStep::LowerTone],
                    other: None,
                    ..Deescalation::default()
                }),
            ),
            ("non_staff_involved", json!(false)),
            ("mental_disorder", json!("Synthetic diagnosis")),
            (
                "relevant_characteristics",
                json!("Not known (synthetic record)"),
            ),
            ("learning_disability_or_autism", json!(false)),
            ("death_or_serious_injury", json!(false)),
            ("notification_sent", json!(true)),
            ("injured_person", json!("no")),
            ("injured_staff", json!("no")),
            ("injured_others", json!("no")),
            (
                "debrief_person",
                json!(Debrief {
                    held: true,
                    note: String::new()
                }),
            ),
            (
                "debrief_staff",
                json!(Debrief {
                    held: true,
                    note: String::new()
                }),
            ),
        ]);
    }
    let mut ops = vec![stamper.op(
        format!("bench-console-{id}-capture"),
        EntityKind::Incident,
        &id,
        &unit,
        fields(details),
    )];
    for n in 0..spec.interventions {
        let started = at + n as i64 * 60_000;
        let use_of_force = UseOfForce {
            id: String::new(),
            intervention: *rng.pick(&[
                RestrictiveInterventionType::PhysicalStanding,
                RestrictiveInterventionType::PhysicalRestrictiveEscort,
                RestrictiveInterventionType::PhysicalSeated,
                RestrictiveInterventionType::PhysicalProne,
                RestrictiveInterventionType::ChemicalInjectionRapidTranquillisation,
            ]),
            reason: Some(*rng.pick(&RestrictiveInterventionReason::ALL)),
            started_at: Some(Timestamp(started)),
            ended_at: Some(Timestamp(started + (3 + rng.below(20) as i64) * 60_000)),
            in_care_plan: Some(rng.below(4) > 0),
            how_force_was_used: "Two staff held the person's arms (synthetic).".into(),
            staff: vec![
                StaffMember {
                    name: recorder.clone(),
                    job_title: "Staff nurse".into(),
                },
                StaffMember {
                    name: format!("Synthetic Assistant {}", k % 30),
                    job_title: "Healthcare assistant".into(),
                },
            ],
            contraindication_override: None,
        };
        let mut value = json!(use_of_force);
        if let Some(o) = value.as_object_mut() {
            o.remove("id");
            o.insert("pos".into(), json!((n + 1) as f64));
        }
        ops.push(stamper.op(
            format!("bench-console-{id}-force-{n}"),
            EntityKind::Incident,
            &id,
            &unit,
            Change::Item {
                list: USE_OF_FORCE_LIST.into(),
                item_id: format!("{id}-force-{n}"),
                value,
            },
        ));
    }
    if !spec.submitted {
        return ops;
    }
    let (name, nhs, local) = person_details(spec.person);
    let submitted_at = at + 3_600_000;
    ops.push(stamper.op(
        format!("bench-console-{id}-submit"),
        EntityKind::Incident,
        &id,
        &unit,
        fields(vec![
            ("status", json!("submitted")),
            ("submitted_at", json!(submitted_at)),
            ("submitted_by", json!(recorder)),
            (
                "subject",
                json!({ "name": name, "nhs_number": nhs, "local_identifier": local }),
            ),
        ]),
    ));
    let later = |offset: i64| (at + offset).min(now - 60_000);
    let mut addenda = Vec::new();
    if spec.observation {
        let observed = later(30 * 60_000);
        let observation = PhysicalObservation {
            observed_at: Some(Timestamp(observed)),
            phase: Some(ObservationPhase::AfterRestraint),
            breathing: Some(Breathing::Normal),
            colour: Some(SkinColour::Normal),
            consciousness: Some(Consciousness::Alert),
            position: Some(BodyPosition::Seated),
            respiratory_rate: Some(16),
            oxygen_saturation: Some(97),
            pulse: Some(84),
            ..PhysicalObservation::default()
        };
        let (reason, text) = observation.words();
        addenda.push((
            "observation",
            observed,
            json!({
                "pos": observed as f64, "author": format!("Synthetic Assistant {}", k % 30),
                "job_title": "Healthcare assistant", "at": observed, "reason": reason,
                "text": text, "review": null, "observation": observation,
            }),
        ));
    }
    if spec.review {
        let held = later(86_400_000);
        let review = PostIncidentReview {
            with: ReviewWith::Person,
            held: true,
            held_at: Some(Timestamp(held)),
            who: "Keyworker and advocate".into(),
            why_not: None,
            wellbeing_offered: None,
            note: "Agreed earlier use of the person's own strategies (synthetic).".into(),
        };
        addenda.push((
            "review",
            held,
            json!({
                "pos": held as f64, "author": "Synthetic Ward Manager",
                "job_title": "Ward manager", "at": held, "reason": "Post-incident review",
                "text": "Post-incident review held with the person.", "review": review,
                "observation": null,
            }),
        ));
    }
    for (tag, _, value) in addenda {
        ops.push(stamper.op(
            format!("bench-console-{id}-{tag}"),
            EntityKind::Incident,
            &id,
            &unit,
            Change::Item {
                list: ADDENDA_LIST.into(),
                item_id: format!("{id}-{tag}"),
                value,
            },
        ));
    }
    ops
}

/// The incident whose page is timed: the newest submitted use of force in `unit` among the
/// first `size` incidents.
pub(crate) fn measured_incident(
    size: usize,
    units: usize,
    people: usize,
    unit: usize,
    now: i64,
) -> Option<usize> {
    (unit..size)
        .step_by(units)
        .map(|k| (k, incident_spec(k, units, people, now)))
        .filter(|(_, s)| s.interventions > 0 && s.submitted)
        .max_by_key(|(_, s)| s.occurred_at)
        .map(|(k, _)| k)
}

/// Pushes `ops` as the server; the first refusal is an error (a seed the server would not
/// hold measures nothing).
async fn push_all<S: Storage>(storage: &S, ops: &[Operation]) -> BoxResult<()> {
    let results = storage.push(None, ops, Timestamp::now()).await?;
    for (op, result) in ops.iter().zip(&results) {
        if let OpOutcome::Rejected { reason, detail } = &result.outcome {
            return Err(format!("the server refused {}: {reason:?}: {detail}", op.op_id).into());
        }
    }
    Ok(())
}

/// The units, the people and the lead; returns the lead's password.
async fn prepare<S: Storage + ConsoleStorage>(storage: &S, opts: &Options) -> BoxResult<String> {
    let units: Vec<String> = (0..opts.units).map(unit_id).collect();
    for (u, id) in units.iter().enumerate() {
        storage
            .create_unit(&Unit {
                unit_id: id.clone(),
                organisation: ORGANISATION.into(),
                name: format!("Ward {u:02} (synthetic)"),
                mental_health_unit: true,
            })
            .await?;
    }
    let mut n = 0;
    while n < opts.people {
        let mut stamper = Stamper::new();
        let end = (n + PEOPLE_PER_PUSH).min(opts.people);
        let ops: Vec<Operation> = (n..end)
            .map(|p| person_op(p, opts.units, &mut stamper))
            .collect();
        push_all(storage, &ops).await?;
        n = end;
    }
    let password = format!("bench-{}", uuid::Uuid::new_v4().simple());
    accounts::add_lead(
        storage,
        LEAD_EMAIL,
        LEAD_NAME,
        &password,
        &units,
        Timestamp::now(),
    )
    .await?;
    Ok(password)
}

/// Stores incidents `from..to`.
async fn grow<S: Storage>(
    storage: &S,
    from: usize,
    to: usize,
    opts: &Options,
    now: i64,
) -> BoxResult<()> {
    let started = Instant::now();
    let mut k = from;
    while k < to {
        let end = (k + INCIDENTS_PER_PUSH).min(to);
        let mut stamper = Stamper::new();
        let ops: Vec<Operation> = (k..end)
            .flat_map(|i| {
                let spec = incident_spec(i, opts.units, opts.people, now);
                incident_ops(i, &spec, now, &mut stamper)
            })
            .collect();
        push_all(storage, &ops).await?;
        k = end;
        if k.is_multiple_of(10_000) || k == to {
            eprintln!(
                "  {} incidents stored ({:.0} s, {:.0} a second)",
                thousands(k as u64),
                started.elapsed().as_secs_f64(),
                (k - from) as f64 / started.elapsed().as_secs_f64().max(1e-9)
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The measurement

enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

/// One page's timings.
struct PageTiming {
    what: String,
    stats: Stats,
    bytes: usize,
}

/// What one size of the record gave.
struct SizeRun {
    incidents: usize,
    per_unit: usize,
    seed_took: Duration,
    first_page: Duration,
    pages: Vec<PageTiming>,
    /// Optional pages this server does not have.
    absent: Vec<String>,
    usage: ProcUsage,
    store_after_seed: u64,
    store_after_requests: u64,
    console_bytes: u64,
}

fn measure(
    env: &Env,
    binary: &Path,
    backend: &Backend,
    opts: &Options,
    work: &Path,
    label: &str,
) -> BoxResult<Vec<SizeRun>> {
    let now = Timestamp::now().0;
    let console_dir = work.join(format!("console-{label}"));
    let log = work.join(format!("server-console-{label}.log"));
    let password = match backend {
        Backend::Sqlite(dir) => {
            let storage = SqliteStorage::open(dir)?;
            env.rt.block_on(prepare(&storage, opts))?
        }
        Backend::Postgres(url) => env.rt.block_on(async {
            let storage = PgStorage::connect(url).await?;
            prepare(&storage, opts).await
        })?,
    };
    let measured_unit = opts.units - 1;
    let mut stored = 0;
    let mut runs = Vec::new();
    for &size in &opts.sizes {
        eprintln!("  storing incidents up to {}", thousands(size as u64));
        let started = Instant::now();
        match backend {
            Backend::Sqlite(dir) => {
                let storage = SqliteStorage::open(dir)?;
                env.rt.block_on(grow(&storage, stored, size, opts, now))?;
            }
            Backend::Postgres(url) => env.rt.block_on(async {
                let storage = PgStorage::connect(url).await?;
                grow(&storage, stored, size, opts, now).await?;
                drop(storage);
                let client = pg_client(url).await?;
                client.batch_execute("VACUUM ANALYZE").await?;
                BoxResult::Ok(())
            })?,
        }
        let seed_took = started.elapsed();
        stored = size;
        let store_after_seed = store_bytes(env, backend)?;
        let incident = measured_incident(size, opts.units, opts.people, measured_unit, now)
            .ok_or("no submitted use of force in the measured unit")?;
        let mut args: Vec<String> = match backend {
            Backend::Sqlite(dir) => vec!["--data-dir".into(), dir.to_string_lossy().into()],
            Backend::Postgres(url) => vec!["--database-url".into(), url.clone()],
        };
        args.extend([
            "--console-dir".into(),
            console_dir.to_string_lossy().into(),
            "--request-timeout".into(),
            "3600".into(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = ServerProcess::start(binary, &args, &log)?;
        let pid = server.pid();
        let first = measured_incident(size, opts.units, opts.people, 0, now)
            .ok_or("no submitted use of force in the first unit")?;
        let pages = pages(
            &unit_id(measured_unit),
            &incident_id(incident),
            &incident_id(first),
        );
        let timed = env
            .rt
            .block_on(time_pages(&server.url, &password, &pages, opts));
        let usage = proc_usage(pid);
        server.stop()?;
        let (first_page, pages, absent) = timed?;
        runs.push(SizeRun {
            incidents: size,
            per_unit: size.div_ceil(opts.units),
            seed_took,
            first_page,
            pages,
            absent,
            usage,
            store_after_seed,
            store_after_requests: store_bytes(env, backend)?,
            console_bytes: dir_bytes(&console_dir),
        });
    }
    Ok(runs)
}

/// A page: what it is, its path, and a text its answer must hold.
struct PageSpec {
    what: &'static str,
    path: String,
    must_hold: &'static str,
    /// Timed only if this server has it (a 404 leaves it out, said in the report).
    optional: bool,
}

/// A page slower than this on its first request is timed [`SLOW_PAGE_REQUESTS`] times only,
/// so one slow page cannot take the run's hour.
const SLOW_PAGE: Duration = Duration::from_secs(1);
const SLOW_PAGE_REQUESTS: usize = 20;

fn pages(unit: &str, incident: &str, first_units_incident: &str) -> Vec<PageSpec> {
    let export = |stem: &str| format!("/console/units/{unit}/exports/{stem}.csv");
    let organisation: String = form_encode(&[("organisation", ORGANISATION)]);
    vec![
        PageSpec {
            what: "units list (the lead's every unit)",
            path: "/console".into(),
            must_hold: "Your units",
            optional: false,
        },
        PageSpec {
            what: "organisation roll-up (every unit)",
            path: format!("/console/roll-up?{organisation}"),
            must_hold: "",
            optional: true,
        },
        PageSpec {
            what: "dashboard of one unit",
            path: format!("/console/units/{unit}/dashboard"),
            must_hold: "Dashboard",
            optional: false,
        },
        PageSpec {
            what: "incident list of one unit (first page)",
            path: format!("/console/units/{unit}/incidents"),
            must_hold: "Incidents in",
            optional: false,
        },
        PageSpec {
            what: "one incident (a use of force)",
            path: format!("/console/incidents/{incident}"),
            must_hold: "MHSDS type",
            optional: false,
        },
        PageSpec {
            what: "one incident of the unit that sorts first (a use of force)",
            path: format!("/console/incidents/{first_units_incident}"),
            must_hold: "MHSDS type",
            optional: false,
        },
        PageSpec {
            what: "MHS505 export (last 90 days)",
            path: export("mhs505-restrictive-intervention-incident"),
            must_hold: "",
            optional: false,
        },
        PageSpec {
            what: "MHS515 export (last 90 days)",
            path: export("mhs515-restrictive-intervention-type"),
            must_hold: "",
            optional: false,
        },
        PageSpec {
            what: "restrictive interventions CSV (last 90 days)",
            path: export("restrictive-interventions"),
            must_hold: "",
            optional: false,
        },
        PageSpec {
            what: "monthly summary CSV (last 90 days)",
            path: export("restrictive-practice-summary"),
            must_hold: "",
            optional: false,
        },
    ]
}

fn browser() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .no_proxy()
        .timeout(Duration::from_secs(3_600))
        .pool_max_idle_per_host(1)
        .user_agent("steady-bench (console)")
        .build()
}

/// Signs in and times every page; returns the first page's time and each page's timings.
async fn time_pages(
    base: &str,
    password: &str,
    pages: &[PageSpec],
    opts: &Options,
) -> BoxResult<(Duration, Vec<PageTiming>, Vec<String>)> {
    let client = browser()?;
    let cookie = sign_in(&client, base, LEAD_EMAIL, password).await?;
    let started = Instant::now();
    let dashboard = pages
        .iter()
        .find(|p| p.path.ends_with("/dashboard"))
        .ok_or("no dashboard among the pages")?;
    get(&client, base, &cookie, dashboard).await?;
    let first_page = started.elapsed();
    eprintln!(
        "  first page after start (the replica catches up): {}",
        ms(first_page)
    );
    let mut timings = Vec::new();
    let mut absent = Vec::new();
    for page in pages {
        if page.optional {
            let answer = client
                .get(format!("{base}{}", page.path))
                .header(header::COOKIE, format!("{}={cookie}", session::COOKIE))
                .send()
                .await?;
            if answer.status() == StatusCode::NOT_FOUND {
                eprintln!("  {}: not served by this build", page.what);
                absent.push(page.what.to_string());
                continue;
            }
        }
        let started = Instant::now();
        let mut bytes = get(&client, base, &cookie, page).await?;
        let requests = if started.elapsed() > SLOW_PAGE {
            SLOW_PAGE_REQUESTS.min(opts.requests)
        } else {
            opts.requests
        };
        let mut times = Vec::with_capacity(requests);
        for i in 0..opts.warmup.saturating_sub(1) + requests {
            let started = Instant::now();
            bytes = get(&client, base, &cookie, page).await?;
            if i >= opts.warmup.saturating_sub(1) {
                times.push(started.elapsed());
            }
        }
        let stats = Stats::of(&times);
        eprintln!("  {}: {}", page.what, stats.summary());
        timings.push(PageTiming {
            what: page.what.to_string(),
            stats,
            bytes,
        });
    }
    Ok((first_page, timings, absent))
}

/// One page, read whole and checked; returns its size.
async fn get(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    page: &PageSpec,
) -> BoxResult<usize> {
    let answer = client
        .get(format!("{base}{}", page.path))
        .header(header::COOKIE, format!("{}={cookie}", session::COOKIE))
        .send()
        .await?;
    let status = answer.status();
    let body = answer.text().await?;
    if status != StatusCode::OK {
        return Err(format!(
            "{} answered HTTP {}: {}",
            page.path,
            status.as_u16(),
            body.chars().take(300).collect::<String>()
        )
        .into());
    }
    if !body.contains(page.must_hold) {
        let at = body.find("<h1").unwrap_or(0);
        return Err(format!(
            "{} does not show {:?}: {}",
            page.path,
            page.must_hold,
            body[at..].chars().take(1_500).collect::<String>()
        )
        .into());
    }
    Ok(body.len())
}

/// Signs in as a browser does; returns the session cookie's value.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> BoxResult<String> {
    let url = format!("{base}/console/sign-in");
    let form = client.get(&url).send().await?;
    let pre = set_cookie(form.headers(), session::SIGN_IN_COOKIE)
        .ok_or("the sign-in form set no cookie")?;
    let html = form.text().await?;
    let csrf = csrf_in(&html).ok_or("the sign-in form has no CSRF token")?;
    let answer = client
        .post(&url)
        .header(header::COOKIE, format!("{}={pre}", session::SIGN_IN_COOKIE))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(&[
            ("csrf", &csrf),
            ("email", email),
            ("password", password),
        ]))
        .send()
        .await?;
    if answer.status() != StatusCode::SEE_OTHER {
        return Err(format!("sign-in refused: HTTP {}", answer.status().as_u16()).into());
    }
    Ok(set_cookie(answer.headers(), session::COOKIE).ok_or("sign-in set no session cookie")?)
}

/// The value of the hidden `csrf` field of a form.
pub(crate) fn csrf_in(html: &str) -> Option<String> {
    const FIELD: &str = "name=\"csrf\" value=\"";
    let at = html.find(FIELD)? + FIELD.len();
    let token = html[at..].split('"').next()?;
    (!token.is_empty()).then(|| token.to_string())
}

/// The value a `Set-Cookie` header gives cookie `name` (not one whose name only starts so).
pub(crate) fn set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            let (k, v) = c.split(';').next()?.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn pg_client(url: &str) -> BoxResult<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The store's size on disk.
fn store_bytes(env: &Env, backend: &Backend) -> BoxResult<u64> {
    match backend {
        Backend::Sqlite(dir) => Ok(dir_bytes(dir)),
        Backend::Postgres(url) => env.rt.block_on(async {
            let client = pg_client(url).await?;
            let row = client
                .query_one("SELECT pg_database_size(current_database())::bigint", &[])
                .await?;
            Ok(row.get::<_, i64>(0).max(0) as u64)
        }),
    }
}

/// The bytes of every file under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

// ---------------------------------------------------------------------------------------------
// The report

fn rows(report: &mut Report, backend: &str, sizes: &[SizeRun]) {
    let Some(last) = sizes.last() else {
        return;
    };
    let at = |run: &SizeRun| {
        format!(
            "console, {backend}, {} incidents",
            thousands(run.incidents as u64)
        )
    };
    for page in &last.pages {
        report.rows.push(Row::budgeted(
            &format!(
                "{}: {} ({} incidents in the unit)",
                at(last),
                page.what,
                thousands(last.per_unit as u64)
            ),
            format!(
                "{}; answer {:.1} KB",
                page.stats.summary(),
                page.bytes as f64 / 1_000.0
            ),
            "p99 ≤ 100 ms",
            page.stats.p99 <= MAX_P99,
        ));
    }
    for what in &last.absent {
        report.rows.push(Row::info(
            &format!("{}: {what}", at(last)),
            "not measured: this server answers 404 (not in this build)".into(),
        ));
    }
    for run in sizes {
        report.rows.push(Row::info(
            &format!("{}: first page after the server starts", at(run)),
            format!(
                "{} (the console's replica pulls what was stored since it last ran; storing \
                 the incidents took {})",
                ms(run.first_page),
                ms(run.seed_took)
            ),
        ));
        report.rows.push(Row::info(
            &format!("{}: server peak RSS (VmHWM)", at(run)),
            format!(
                "{:.1} MiB (RSS {:.1} MiB after the requests)",
                run.usage.peak_rss as f64 / 1_048_576.0,
                run.usage.rss as f64 / 1_048_576.0
            ),
        ));
        report.rows.push(Row::info(
            &format!("{}: on disk", at(run)),
            format!(
                "store {} after the seed, {} after the timed requests (their audit log); the \
                 console's replica {}",
                mb(run.store_after_seed),
                mb(run.store_after_requests),
                mb(run.console_bytes)
            ),
        ));
    }
}

/// p50 and p99 of every page at every size, side by side.
fn growth_table(runs: &[(&str, Vec<SizeRun>)]) -> String {
    let mut out = String::from("How the pages grow with the record (p50 / p99):\n\n");
    let Some((_, first)) = runs.first() else {
        return out;
    };
    let _ = write!(out, "| page | back end |");
    for run in first {
        let _ = write!(
            out,
            " {} incidents ({} a unit) |",
            thousands(run.incidents as u64),
            thousands(run.per_unit as u64)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "|---|---|{}", "---|".repeat(first.len()));
    let mut by_page: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (backend, sizes) in runs {
        let Some(last) = sizes.last() else { continue };
        for (p, page) in last.pages.iter().enumerate() {
            let mut line = format!("| {} | {backend} |", page.what);
            for run in sizes {
                match run.pages.iter().find(|t| t.what == page.what) {
                    Some(t) => {
                        let _ = write!(line, " {} / {} |", ms(t.stats.p50), ms(t.stats.p99));
                    }
                    None => line.push_str(" — |"),
                }
            }
            by_page.entry(p).or_default().push(line);
        }
    }
    for lines in by_page.values() {
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn the_seed_spreads_over_units_people_and_three_years() {
        let (units, people, n) = (50, 5_000, 20_000);
        let specs: Vec<IncidentSpec> = (0..n)
            .map(|k| incident_spec(k, units, people, NOW))
            .collect();
        let mut per_unit = vec![0; units];
        for s in &specs {
            per_unit[s.unit] += 1;
            assert_eq!(s.person % units, s.unit, "the person is one of the unit's");
            assert!(s.person < people);
            assert!(s.occurred_at <= NOW - 2 * 3_600_000);
            assert!(s.occurred_at >= NOW - SPAN_MS - 2 * 3_600_000);
            assert!(!s.tags.is_empty());
            assert!(!(s.review || s.observation) || (s.submitted && s.interventions > 0));
        }
        assert!(per_unit.iter().all(|&c| c == n / units), "evenly spread");
        let share = |f: fn(&IncidentSpec) -> bool| {
            100.0 * specs.iter().filter(|s| f(s)).count() as f64 / n as f64
        };
        let force = share(|s| s.interventions > 0);
        assert!((22.0..28.0).contains(&force), "{force}% with force");
        let drafts = share(|s| !s.submitted);
        assert!((2.0..4.0).contains(&drafts), "{drafts}% drafts");
        let oldest = specs.iter().map(|s| s.occurred_at).min().unwrap();
        assert!(
            NOW - oldest > SPAN_MS * 9 / 10,
            "the record goes back about three years"
        );
        assert_eq!(
            incident_spec(7, units, people, NOW),
            specs[7],
            "deterministic"
        );
    }

    #[test]
    fn an_incidents_operations_capture_then_force_then_submit_then_add() {
        let k = (0..)
            .find(|&k| {
                let s = incident_spec(k, 2, 200, NOW);
                s.interventions == 2 && s.review && s.observation
            })
            .unwrap();
        let spec = incident_spec(k, 2, 200, NOW);
        let ops = incident_ops(k, &spec, NOW, &mut Stamper::new());
        let kinds: Vec<String> = ops
            .iter()
            .map(|o| match &o.change {
                Change::Fields(f) => format!("fields:{}", f["status"]),
                Change::Item { list, .. } => list.clone(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "fields:\"draft\"",
                "use_of_force",
                "use_of_force",
                "fields:\"submitted\"",
                "addenda",
                "addenda"
            ]
        );
        assert!(
            ops.windows(2)
                .all(|w| w[0].stamp.counter < w[1].stamp.counter)
        );
        assert!(ops.iter().all(|o| o.unit_id == unit_id(spec.unit)));
        let (_, nhs, _) = person_details(spec.person);
        assert!(steady_core::nhs_number::is_valid(&nhs));
        let measured = measured_incident(1_000, 2, 200, 1, NOW).unwrap();
        assert_eq!(measured % 2, 1, "in the measured unit");
    }

    #[test]
    fn sign_in_parts_are_read_and_written_as_a_browser_does() {
        let html =
            r#"<form><input type="hidden" name="csrf" value="abc-_123"><input name="email">"#;
        assert_eq!(csrf_in(html).as_deref(), Some("abc-_123"));
        assert_eq!(csrf_in("<form></form>"), None);
        let mut headers = HeaderMap::new();
        for v in [
            "steady_console_sign_in=; HttpOnly; Max-Age=0",
            "steady_console=s3cret; HttpOnly; SameSite=Strict; Path=/console",
        ] {
            headers.append(header::SET_COOKIE, v.parse().unwrap());
        }
        assert_eq!(
            set_cookie(&headers, "steady_console").as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            set_cookie(&headers, "steady_console_sign_in").as_deref(),
            Some("")
        );
        assert_eq!(set_cookie(&headers, "other"), None);
        assert_eq!(
            form_encode(&[("email", "a.b+c@example.org"), ("password", "x y&z=é")]),
            "email=a.b%2Bc%40example.org&password=x+y%26z%3D%C3%A9"
        );
    }
}
