//! `steady-device`: a simulated phone on the command line, for the web console's browser tests
//! (`tests/console/`), which need a device the way a ward has one: enrolled with a code a lead made
//! on the console, syncing down the support sheets written there, and capturing incidents that the
//! console then shows. It drives the real device engine (`steady-core`'s [`Store`] and its HTTP
//! sync), exactly as the apps do through the FFI, and prints every result as one JSON document on
//! standard output so a Node test can read it.
//!
//! The store's key lives in a file next to the store (`DIR/store.key`). That is fine for a test
//! device holding synthetic data and is exactly what a real app must never do (the apps keep the
//! key in the platform keystore).
//!
//! ```text
//! steady-device --store DIR enrol SERVER_URL CODE      (or enrol 'steady://enrol?server=..&code=..')
//! steady-device --store DIR sync
//! steady-device --store DIR units
//! steady-device --store DIR people UNIT_ID
//! steady-device --store DIR show-sheet PERSON_ID
//! steady-device --store DIR incidents UNIT_ID
//! steady-device --store DIR add-person UNIT_ID DISPLAY_NAME [--local-identifier ID]
//! steady-device --store DIR add-alert PERSON_ID TEXT [--avoid CODE ...]
//! steady-device --store DIR capture --unit U --note TEXT [--person P] [--tag TAG ...]
//!                                   [--prone-minutes N] [--override REASON] [--observations]
//!                                   [--structured] [--submit] [--review]
//! ```

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use steady_core::characteristics::{Answer, RelevantCharacteristics};
use steady_core::codes::{
    DeescalationStep, IncidentTag, InjuryIndicator, RestrictiveInterventionReason,
    RestrictiveInterventionType,
};
use steady_core::incident::{
    Debrief, Deescalation, IncidentDetails, PostIncidentReview, QuickCapture, ReviewWith,
    UseOfForce,
};
use steady_core::observation::{
    BodyPosition, Breathing, Consciousness, ObservationPhase, PhysicalObservation, SkinColour,
};
use steady_core::people::NewPerson;
use steady_core::restraint::CautionList;
use steady_core::{HttpTransport, StaffMember, Store, StoreKey};

const USAGE: &str = "\
steady-device: a simulated Steady phone (real device engine), printing JSON

USAGE
  steady-device --store DIR enrol SERVER_URL CODE   (or: enrol 'steady://enrol?server=...&code=...')
        [--staff-name NAME] [--job-title TITLE]      (who uses the device; invented defaults)
  steady-device --store DIR sync
  steady-device --store DIR units
  steady-device --store DIR people UNIT_ID
  steady-device --store DIR show-sheet PERSON_ID
  steady-device --store DIR incidents UNIT_ID
  steady-device --store DIR add-person UNIT_ID DISPLAY_NAME [--local-identifier ID]
  steady-device --store DIR add-alert PERSON_ID TEXT [--avoid CODE ...]
      a safety alert on the person ruling out the MHSDS intervention codes given (01: prone)
  steady-device --store DIR capture --unit UNIT_ID --note TEXT [--person PERSON_ID]
        [--tag TAG ...] [--prone-minutes N] [--override REASON] [--observations]
        [--structured] [--submit] [--review]
      TAG is a snake_case incident tag (near_miss, deescalated_successfully, verbal_aggression,
      ...). --prone-minutes N records a prone hold of N minutes that ended 5 minutes ago, with
      every s.6(5) item filled, so the incident can be submitted in any unit. With it:
      --override REASON confirms the hold against the person's cautions with that reason;
      --observations adds two physical observations (during and after the hold); --structured
      answers (k) as nine answers and the three injury questions (person no, staff yes, others
      not known); --review (with --submit) adds a post-incident review with staff.
";

/// Options that take no value.
const SWITCHES: &[&str] = &["submit", "help", "observations", "structured", "review"];

struct Args {
    words: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            words: vec![],
            options: vec![],
        };
        let mut raw = raw.peekable();
        while let Some(arg) = raw.next() {
            if let Some(name) = arg.strip_prefix("--") {
                if SWITCHES.contains(&name) {
                    args.options.push((name.into(), None));
                } else {
                    let value = raw
                        .next()
                        .ok_or_else(|| format!("--{name} needs a value"))?;
                    args.options.push((name.into(), Some(value)));
                }
            } else if arg == "-h" {
                args.options.push(("help".into(), None));
            } else {
                args.words.push(arg);
            }
        }
        Ok(args)
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(n, _)| n == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.all(name).last().copied()
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("--{name} is required"))
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }
}

fn main() -> ExitCode {
    let result = Args::parse(std::env::args().skip(1)).and_then(|args| {
        if args.flag("help") || args.words.is_empty() {
            print!("{USAGE}");
            return Ok(None);
        }
        run(&args).map(Some)
    });
    match result {
        Ok(Some(value)) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("steady-device: {message}");
            println!("{}", json!({ "error": message }));
            ExitCode::FAILURE
        }
    }
}

fn fail(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The store in `dir`, created with a fresh random key on first use.
fn open_store(dir: &Path) -> Result<Store, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let key_path = dir.join("store.key");
    let key_bytes = match std::fs::read(&key_path) {
        Ok(bytes) => bytes,
        Err(_) => {
            let mut bytes = vec![0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut bytes))
                .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
            std::fs::write(&key_path, &bytes).map_err(fail)?;
            bytes
        }
    };
    let key = StoreKey::from_bytes(&key_bytes).map_err(fail)?;
    Store::open(dir.join("steady.db"), &key).map_err(fail)
}

fn transport(dir: &Path) -> Result<HttpTransport, String> {
    let url = std::fs::read_to_string(dir.join("server-url"))
        .map_err(|_| "this device is not enrolled (run `enrol` first)".to_string())?;
    HttpTransport::new(url.trim()).map_err(fail)
}

/// Decodes `%XX` escapes of a query value.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The server URL and code of an enrolment: `SERVER_URL CODE`, or the QR payload alone.
fn enrolment_target(args: &Args) -> Result<(String, String), String> {
    let first = args.words.get(1).ok_or("enrol needs SERVER_URL CODE")?;
    if let Some(query) = first.strip_prefix("steady://enrol?") {
        let mut server = None;
        let mut code = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("server", v)) => server = Some(percent_decode(v)),
                Some(("code", v)) => code = Some(percent_decode(v)),
                _ => {}
            }
        }
        let code = args.words.get(2).cloned().or(code);
        return match (server, code) {
            (Some(s), Some(c)) => Ok((s, c)),
            _ => Err("the enrolment link has no server or no code".into()),
        };
    }
    let code = args.words.get(2).ok_or("enrol needs SERVER_URL CODE")?;
    Ok((first.clone(), code.clone()))
}

fn run(args: &Args) -> Result<Value, String> {
    let dir = PathBuf::from(args.required("store")?);
    let word = |i: usize, what: &str| -> Result<&str, String> {
        args.words
            .get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("{} needs {what}", args.words[0]))
    };
    match args.words[0].as_str() {
        "enrol" | "enroll" => {
            let (server, code) = enrolment_target(args)?;
            let store = open_store(&dir)?;
            store
                .set_staff_member(StaffMember {
                    name: args.get("staff-name").unwrap_or("Sam Tester").into(),
                    job_title: args.get("job-title").unwrap_or("Support worker").into(),
                })
                .map_err(fail)?;
            let transport = HttpTransport::new(&server).map_err(fail)?;
            let grants = store.enroll(&transport, &code).map_err(fail)?;
            std::fs::write(dir.join("server-url"), &server).map_err(fail)?;
            Ok(json!({ "device_id": store.device_id(), "server": server, "grants": grants }))
        }
        "sync" => {
            let store = open_store(&dir)?;
            let report = store.sync(&transport(&dir)?).map_err(fail)?;
            Ok(json!({ "report": report, "status": store.sync_status().map_err(fail)? }))
        }
        "units" => Ok(json!(open_store(&dir)?.units().map_err(fail)?)),
        "people" => Ok(json!(
            open_store(&dir)?
                .people(word(1, "UNIT_ID")?)
                .map_err(fail)?
        )),
        "show-sheet" => Ok(json!(
            open_store(&dir)?
                .support_sheet(word(1, "PERSON_ID")?)
                .map_err(fail)?
        )),
        "incidents" => Ok(json!(
            open_store(&dir)?
                .incidents(word(1, "UNIT_ID")?)
                .map_err(fail)?
        )),
        "add-person" => {
            let store = open_store(&dir)?;
            let id = store
                .create_person(
                    word(1, "UNIT_ID")?,
                    NewPerson {
                        display_name: word(2, "DISPLAY_NAME")?.into(),
                        preferred_name: None,
                        local_identifier: args.get("local-identifier").map(str::to_string),
                        nhs_number: None,
                    },
                )
                .map_err(fail)?;
            Ok(json!({ "person_id": id, "person": store.person(&id).map_err(fail)? }))
        }
        "add-alert" => {
            let store = open_store(&dir)?;
            let person = word(1, "PERSON_ID")?;
            let avoid = args
                .all("avoid")
                .into_iter()
                .map(|code| {
                    RestrictiveInterventionType::ALL
                        .into_iter()
                        .find(|t| t.code() == code)
                        .ok_or_else(|| format!("--avoid {code}: not an MHSDS intervention code"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let id = store
                .add_safety_alert(person, word(2, "TEXT")?, None)
                .map_err(fail)?;
            store
                .set_caution_avoids(person, CautionList::SafetyAlert, &id, avoid)
                .map_err(fail)?;
            Ok(json!({ "alert_id": id, "profile": store.restraint_profile(person).map_err(fail)? }))
        }
        "capture" => capture(&open_store(&dir)?, args),
        other => Err(format!("unknown command `{other}` (steady-device --help)")),
    }
}

/// Captures an incident as a worker would: the quick capture, then the details, the prone hold
/// (if asked) and, with `--submit`, submission.
fn capture(store: &Store, args: &Args) -> Result<Value, String> {
    let tags = args
        .all("tag")
        .into_iter()
        .map(|t| {
            serde_json::from_value::<IncidentTag>(json!(t))
                .map_err(|_| format!("--tag {t}: not an incident tag"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let prone_minutes: Option<i64> = match args.get("prone-minutes") {
        None => None,
        Some(v) => Some(
            v.parse()
                .ok()
                .filter(|m| (1..=600).contains(m))
                .ok_or_else(|| format!("--prone-minutes {v}: give 1 to 600"))?,
        ),
    };
    let now = store.now();
    // The hold ended 5 minutes ago; the incident began when the hold did.
    let occurred_at = now.plus_minutes(-(prone_minutes.unwrap_or(0) + 5));
    let person_id = args.get("person").map(str::to_string);
    let id = store
        .capture_incident(QuickCapture {
            unit_id: args.required("unit")?.into(),
            note: args.required("note")?.into(),
            person_id,
            unidentified_person: None,
            tags,
            occurred_at: Some(occurred_at),
        })
        .map_err(fail)?;
    if let Some(minutes) = prone_minutes {
        store
            .update_incident(
                &id,
                IncidentDetails {
                    place: Some("Lounge (synthetic)".into()),
                    deescalation: Some(Deescalation {
                        own_strategies: vec![],
                        general_steps: vec![
                            DeescalationStep::GiveSpace,
                            DeescalationStep::LowerTone,
                        ],
                        other: None,
                        ..Deescalation::default()
                    }),
                    non_staff_involved: Some(false),
                    mental_disorder: Some("not known".into()),
                    relevant_characteristics: Some("not known".into()),
                    learning_disability_or_autism: Some(false),
                    injuries_person: Some("none".into()),
                    injuries_staff: Some(if args.flag("structured") {
                        "Graze to a forearm (synthetic).".into()
                    } else {
                        "none".into()
                    }),
                    injuries_others: Some("none".into()),
                    outcome: Some("Settled after the hold (synthetic test record).".into()),
                    death_or_serious_injury: Some(false),
                    debrief_person: Some(Debrief {
                        held: true,
                        note: "Talked it through (synthetic).".into(),
                    }),
                    debrief_staff: Some(Debrief {
                        held: true,
                        note: "Team debrief (synthetic).".into(),
                    }),
                    notification_sent: Some(true),
                    characteristics: args.flag("structured").then(|| RelevantCharacteristics {
                        age: Some(Answer::Stated { value: "34".into() }),
                        disability: Some(Answer::NotKnown),
                        gender_reassignment: Some(Answer::NotKnown),
                        marriage_and_civil_partnership: Some(Answer::NotKnown),
                        pregnancy_and_maternity: Some(Answer::NotKnown),
                        race: Some(Answer::Stated {
                            value: "White British".into(),
                        }),
                        religion_or_belief: Some(Answer::PrefersNotToSay),
                        sex: Some(Answer::Stated {
                            value: "Female".into(),
                        }),
                        sexual_orientation: Some(Answer::PrefersNotToSay),
                    }),
                    injured_person: args.flag("structured").then_some(InjuryIndicator::No),
                    injured_staff: args.flag("structured").then_some(InjuryIndicator::Yes),
                    injured_others: args.flag("structured").then_some(InjuryIndicator::NotKnown),
                    ..IncidentDetails::default()
                },
            )
            .map_err(fail)?;
        store
            .add_use_of_force(
                &id,
                UseOfForce {
                    id: String::new(),
                    intervention: RestrictiveInterventionType::PhysicalProne,
                    reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
                    started_at: Some(occurred_at),
                    ended_at: Some(occurred_at.plus_minutes(minutes)),
                    in_care_plan: Some(false),
                    how_force_was_used: "Prone hold on a mat (synthetic test record).".into(),
                    staff: vec![
                        StaffMember {
                            name: "Alex Example".into(),
                            job_title: "Staff nurse".into(),
                        },
                        StaffMember {
                            name: "Jo Example".into(),
                            job_title: "Healthcare assistant".into(),
                        },
                    ],
                    contraindication_override: args.get("override").map(str::to_string),
                },
            )
            .map_err(fail)?;
        if args.flag("observations") {
            for observation in [
                PhysicalObservation {
                    observed_at: Some(occurred_at.plus_minutes(2)),
                    phase: Some(ObservationPhase::DuringRestraint),
                    breathing: Some(Breathing::Laboured),
                    colour: Some(SkinColour::Flushed),
                    consciousness: Some(Consciousness::Alert),
                    position: Some(BodyPosition::Prone),
                    respiratory_rate: Some(24),
                    note: Some("Says it is hard to breathe (synthetic).".into()),
                    ..PhysicalObservation::default()
                },
                PhysicalObservation {
                    observed_at: Some(occurred_at.plus_minutes(minutes + 2)),
                    phase: Some(ObservationPhase::AfterRestraint),
                    breathing: Some(Breathing::Normal),
                    colour: Some(SkinColour::Normal),
                    consciousness: Some(Consciousness::Alert),
                    position: Some(BodyPosition::Seated),
                    respiratory_rate: Some(16),
                    oxygen_saturation: Some(97),
                    pulse: Some(88),
                    systolic_bp: Some(128),
                    diastolic_bp: Some(82),
                    temperature_tenths_c: Some(368),
                    ..PhysicalObservation::default()
                },
            ] {
                store
                    .add_physical_observation(&id, observation)
                    .map_err(fail)?;
            }
        }
    }
    let advice = if args.flag("submit") {
        Some(store.submit_incident(&id).map_err(fail)?.advice)
    } else {
        None
    };
    if advice.is_some() && args.flag("review") {
        store
            .add_post_incident_review(
                &id,
                PostIncidentReview {
                    with: ReviewWith::Staff,
                    held: true,
                    held_at: Some(store.now().plus_minutes(-1)),
                    who: "Alex Example, Jo Example (synthetic)".into(),
                    why_not: None,
                    wellbeing_offered: Some(true),
                    note: "Agreed to try the quiet room earlier (synthetic).".into(),
                },
            )
            .map_err(fail)?;
    }
    Ok(json!({
        "incident_id": id,
        "submitted": advice.is_some(),
        "advice": advice,
        "incident": store.incident(&id).map_err(fail)?,
    }))
}
