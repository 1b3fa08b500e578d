//! Model-based sync test: three devices and a server (in-process, SQLite, behind the fault
//! proxy) run random sequences of what people and networks do — people added, renamed and
//! removed, support-sheet text and list items added, edited, moved and removed, incidents
//! captured, edited, submitted and given addenda, syncs, partitions (requests dropped), lost
//! answers (the push is delivered twice), cut answers, app restarts (the store reopened) and
//! clocks an hour slow or a day fast. After quiescence (every device syncs until nothing is
//! pending, twice), checked against a model:
//!
//! - **the server equals the model**: the model keeps every operation the devices pushed and
//!   the server's first answer to each (recorded on the wire by a transport wrapper); for every
//!   field and list item the server must hold exactly the accepted write with the greatest stamp
//!   (clamped where the server said so), and an edit of a submitted incident must have been
//!   refused once the submission was accepted;
//! - **every replica equals every other**, and a fresh device that enrols at the end (built from
//!   the server alone): people, support sheets and incidents as read through the public API;
//!   the one known exception is an edit of a draft that was refused because another device
//!   submitted it first — it stays visible (flagged as quarantined) on the device that made it,
//!   and the test checks it is flagged;
//! - a hostile phone (a reader of the unit) tries forged stamps and authors, pinned counters,
//!   future dates, unreadable values, unknown fields, guidance, other units and people outside
//!   the unit: every such op is refused, and everything above still holds (so no honest record
//!   was altered);
//! - every create the API acknowledged exists exactly once on every replica (unless removed),
//!   no addendum is lost, every superseded edit is recorded as a conflict on the device that made
//!   it, and every store passes its integrity and records checks, the server its record log.
//!
//! 64 cases of up to 40 actions by default (CI, a few seconds); `PROPTEST_CASES=10000` for the
//! long run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use serde_json::Value;
use steady_core::clock::Hlc;
use steady_core::codes::Role;
use steady_core::incident::{IncidentDetails, IncidentStatus, QuickCapture};
use steady_core::people::NewPerson;
use steady_core::protocol::{
    EnrollRequest, EnrollResponse, OpOutcome, Operation, SyncRequest, SyncResponse,
};
use steady_core::sheet::{SheetList, SheetText};
use steady_core::sync::{HttpTransport, SyncOptions, ThreadSleeper, Transport, TransportError};
use steady_core::{Error, StaffMember, Store, StoreKey};
use steady_e2e::fault_proxy::Fault;
use steady_e2e::{Cluster, SkewedClock};
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{Cursor, Storage};

const UNIT: &str = "ward-a";
const DEVICES: usize = 3;
const MAX_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone)]
enum Action {
    CreatePerson {
        dev: usize,
    },
    RenamePerson {
        dev: usize,
        person: usize,
        name: u8,
    },
    RemovePerson {
        dev: usize,
        person: usize,
    },
    SetSheetText {
        dev: usize,
        person: usize,
        text: u8,
    },
    AddItem {
        dev: usize,
        person: usize,
        before: Option<usize>,
    },
    EditItem {
        dev: usize,
        item: usize,
        text: u8,
    },
    MoveItem {
        dev: usize,
        item: usize,
        before: Option<usize>,
    },
    RemoveItem {
        dev: usize,
        item: usize,
    },
    Capture {
        dev: usize,
    },
    EditNote {
        dev: usize,
        incident: usize,
        text: u8,
    },
    Submit {
        dev: usize,
        incident: usize,
    },
    Addendum {
        dev: usize,
        incident: usize,
    },
    Sync {
        dev: usize,
    },
    /// The network drops every request of one sync.
    Partition {
        dev: usize,
    },
    /// The server commits the push and the answer is lost: the push is delivered again.
    DuplicateDelivery {
        dev: usize,
    },
    /// The answer is cut after `at` bytes.
    CutAnswer {
        dev: usize,
        at: u16,
    },
    /// The app is killed and started again (the store reopened).
    Restart {
        dev: usize,
    },
    /// The device's clock is set `offset` from the truth.
    Skew {
        dev: usize,
        offset: i8,
    },
    /// A hostile phone (a reader of the unit, raw ops straight to the server's merge) tries one
    /// of the ways to change what honest phones show: forged stamps and authors, absurd stamps
    /// and dates, values no reader can read, references outside the unit, other devices'
    /// records, plans it may not edit. Every one must be refused.
    Hostile {
        what: u8,
        target: usize,
    },
}

fn action() -> impl Strategy<Value = Action> {
    let dev = 0..DEVICES;
    let idx = 0..8usize;
    prop_oneof![
        3 => dev.clone().prop_map(|dev| Action::CreatePerson { dev }),
        2 => (dev.clone(), idx.clone(), any::<u8>())
            .prop_map(|(dev, person, name)| Action::RenamePerson { dev, person, name }),
        1 => (dev.clone(), idx.clone()).prop_map(|(dev, person)| Action::RemovePerson { dev, person }),
        2 => (dev.clone(), idx.clone(), any::<u8>())
            .prop_map(|(dev, person, text)| Action::SetSheetText { dev, person, text }),
        3 => (dev.clone(), idx.clone(), proptest::option::of(idx.clone()))
            .prop_map(|(dev, person, before)| Action::AddItem { dev, person, before }),
        2 => (dev.clone(), idx.clone(), any::<u8>())
            .prop_map(|(dev, item, text)| Action::EditItem { dev, item, text }),
        2 => (dev.clone(), idx.clone(), proptest::option::of(idx.clone()))
            .prop_map(|(dev, item, before)| Action::MoveItem { dev, item, before }),
        1 => (dev.clone(), idx.clone()).prop_map(|(dev, item)| Action::RemoveItem { dev, item }),
        3 => dev.clone().prop_map(|dev| Action::Capture { dev }),
        2 => (dev.clone(), idx.clone(), any::<u8>())
            .prop_map(|(dev, incident, text)| Action::EditNote { dev, incident, text }),
        2 => (dev.clone(), idx.clone()).prop_map(|(dev, incident)| Action::Submit { dev, incident }),
        2 => (dev.clone(), idx.clone()).prop_map(|(dev, incident)| Action::Addendum { dev, incident }),
        6 => dev.clone().prop_map(|dev| Action::Sync { dev }),
        1 => dev.clone().prop_map(|dev| Action::Partition { dev }),
        1 => dev.clone().prop_map(|dev| Action::DuplicateDelivery { dev }),
        1 => (dev.clone(), 0..400u16).prop_map(|(dev, at)| Action::CutAnswer { dev, at }),
        1 => dev.clone().prop_map(|dev| Action::Restart { dev }),
        1 => (dev, -1i8..=2).prop_map(|(dev, offset)| Action::Skew { dev, offset }),
        2 => (any::<u8>(), idx).prop_map(|(what, target)| Action::Hostile { what, target }),
    ]
}

/// What went over the wire: every op pushed and the server's first answer to it, in order.
#[derive(Default)]
struct Wire {
    ops: HashMap<String, (usize, Operation)>,
    answers: Vec<(String, OpOutcome)>,
    answered: BTreeSet<String>,
}

/// The real HTTP transport, recording what it sends and what comes back.
struct Recording {
    inner: HttpTransport,
    dev: usize,
    wire: Arc<Mutex<Wire>>,
}

impl Transport for Recording {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.inner.enroll(req)
    }

    fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let answer = self.inner.sync(token, req);
        let mut wire = self.wire.lock().unwrap();
        for op in &req.push {
            wire.ops
                .entry(op.op_id.clone())
                .or_insert_with(|| (self.dev, op.clone()));
        }
        if let Ok(response) = &answer {
            for r in &response.results {
                if let Some((_, first)) = wire.answers.iter().find(|(id, _)| *id == r.op_id) {
                    assert_eq!(*first, r.outcome, "an op id answered twice, differently");
                } else {
                    wire.answers.push((r.op_id.clone(), r.outcome.clone()));
                    wire.answered.insert(r.op_id.clone());
                }
            }
        }
        answer
    }

    fn server_url(&self) -> Option<String> {
        self.inner.server_url()
    }
}

struct Phone {
    store: Option<Store>,
    link: Recording,
    clock: Arc<SkewedClock>,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Phone {
    fn store(&self) -> &Store {
        self.store.as_ref().expect("open")
    }
}

fn key() -> StoreKey {
    StoreKey::from_bytes(&[0x42; 32]).expect("key")
}

fn options() -> SyncOptions {
    SyncOptions {
        max_attempts: MAX_ATTEMPTS,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        sleeper: Arc::new(ThreadSleeper),
    }
}

/// The model's view of what exists: ids the API handed out, in order.
#[derive(Default)]
struct Known {
    people: Vec<String>,
    removed: BTreeSet<String>,
    items: Vec<(String, String)>,
    incidents: Vec<String>,
    addenda: Vec<(String, String)>,
}

/// Enrols the hostile phone straight into the server's store: a reader of the unit, enrolled
/// for "Hostile (synthetic)".
fn enrol_hostile(c: &Cluster<SqliteStorage>) -> String {
    let code = c.code(&[(UNIT, Role::Reader, None)]);
    let (code_id, secret) = steady_server::admin::parse_code(&code).expect("code");
    let device = steady_server::storage::NewDevice {
        device_id: "hostile-phone".into(),
        token_hash: steady_server::storage::hash_secret("hostile-token"),
        label: "Hostile (synthetic), Reader".into(),
        staff: Some(("Hostile (synthetic)".into(), "Reader".into())),
    };
    let now = steady_core::clock::Timestamp::now();
    c.rt.block_on(c.storage.redeem_code(
        &code_id,
        &steady_server::storage::hash_secret(&secret),
        &device,
        now,
    ))
    .expect("redeem");
    device.device_id
}

/// One hostile op aimed at the honest phones' records (`target` picks which).
fn hostile_op(device: &str, what: u8, target: usize, known: &Known, phones: &[Phone]) -> Operation {
    use serde_json::json;
    use steady_core::protocol::{Change, EntityKind};
    let now = steady_core::clock::Timestamp::now().0;
    let person = pick(&known.people, target).unwrap_or_else(|| "person-x".into());
    let incident = pick(&known.incidents, target).unwrap_or_else(|| "incident-x".into());
    let fields = |pairs: &[(&str, Value)]| {
        Change::Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    };
    let addendum = |author: &str| Change::Item {
        list: "addenda".into(),
        item_id: format!("hostile-{what}"),
        value: json!({"pos": 1.0, "author": author, "job_title": "Reader", "at": now,
                      "reason": "Synthetic", "text": "Rewritten by a hostile phone"}),
    };
    let mut stamp = Hlc {
        wall_ms: now,
        counter: 0,
        device: device.to_string(),
    };
    let (entity, entity_id, unit, change) = match what % 11 {
        // A reader rewriting a crisis plan.
        0 => (
            EntityKind::Sheet,
            person,
            UNIT,
            fields(&[(
                SheetText::WhatStaffShouldDo.key(),
                json!("Restrain at once"),
            )]),
        ),
        // An honest phone's stamp, to win as if it were that phone.
        1 => {
            stamp.device = phones[target % phones.len()]
                .store()
                .device_id()
                .to_string();
            (
                EntityKind::Incident,
                incident,
                UNIT,
                fields(&[("note", json!("Forged"))]),
            )
        }
        // An addendum in someone else's name.
        2 => (
            EntityKind::Incident,
            incident,
            UNIT,
            addendum("Dr Lee (synthetic)"),
        ),
        // Its own name on an incident it did not record (a reader, not a lead).
        3 => (
            EntityKind::Incident,
            incident,
            UNIT,
            addendum("Hostile (synthetic)"),
        ),
        // A value no reader can read.
        4 => (
            EntityKind::Incident,
            incident,
            UNIT,
            fields(&[("tags", json!(5))]),
        ),
        // Dated next month.
        5 => (
            EntityKind::Incident,
            incident,
            UNIT,
            fields(&[("occurred_at", json!(now + 31 * 86_400_000))]),
        ),
        // A stamp pinned at the top of the counter, to win every later write.
        6 => {
            stamp.counter = u32::MAX;
            (
                EntityKind::Incident,
                incident,
                UNIT,
                fields(&[("note", json!("Pinned"))]),
            )
        }
        // A field no kind has.
        7 => (
            EntityKind::Incident,
            incident,
            UNIT,
            fields(&[("hidden", json!("x"))]),
        ),
        // Guidance is the organisation's.
        8 => (
            EntityKind::Guidance,
            "guidance-x".into(),
            UNIT,
            fields(&[("title", json!("Fake guidance"))]),
        ),
        // A unit it has no grant in.
        9 => (
            EntityKind::Incident,
            "incident-elsewhere".into(),
            "ward-z",
            fields(&[("note", json!("Elsewhere"))]),
        ),
        // An incident naming someone who is not a person of the unit.
        _ => (
            EntityKind::Incident,
            format!("hostile-incident-{target}"),
            UNIT,
            fields(&[("person_id", json!("not-a-person-here"))]),
        ),
    };
    Operation {
        op_id: format!("hostile-{what}-{target}-{now}"),
        entity,
        entity_id,
        unit_id: unit.to_string(),
        change,
        stamp,
    }
}

fn pick<T: Clone>(list: &[T], i: usize) -> Option<T> {
    (!list.is_empty()).then(|| list[i % list.len()].clone())
}

/// A refusal the API may give for an action on a record this device cannot act on (not synced
/// yet, locked, not its own); anything else fails the test.
fn allowed<T>(result: steady_core::Result<T>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(
            Error::NotFound { .. }
            | Error::Locked(_)
            | Error::NotAllowed(_)
            | Error::Validation { .. },
        ) => None,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn phone(c: &Cluster<SqliteStorage>, dev: usize, wire: &Arc<Mutex<Wire>>) -> Phone {
    let dir = tempfile::tempdir_in(c.dir.path()).expect("dir");
    let path = dir.path().join("steady.db");
    let clock = SkewedClock::ahead(0);
    let store = Store::open_with_clock(&path, &key(), clock.clone()).expect("open");
    store
        .set_staff_member(StaffMember {
            name: format!("Staff {dev}"),
            job_title: "Support worker".into(),
        })
        .expect("staff");
    let link = Recording {
        inner: HttpTransport::new(&c.proxy.url()).expect("transport"),
        dev,
        wire: wire.clone(),
    };
    let role = if dev == 0 { Role::Lead } else { Role::Editor };
    store
        .enroll(&link, &c.code(&[(UNIT, role, None)]))
        .expect("enrol");
    Phone {
        store: Some(store),
        link,
        clock,
        path,
        _dir: dir,
    }
}

fn run(actions: &[Action]) {
    let c = Cluster::<SqliteStorage>::start().expect("sqlite is always there");
    c.unit(UNIT, false);
    let wire = Arc::new(Mutex::new(Wire::default()));
    let mut phones: Vec<Phone> = (0..DEVICES).map(|d| phone(&c, d, &wire)).collect();
    let mut known = Known::default();
    let mut hostile: Option<String> = None;

    for action in actions {
        match *action {
            Action::Hostile { what, target } => {
                let device = hostile.get_or_insert_with(|| enrol_hostile(&c)).clone();
                let op = hostile_op(&device, what, target, &known, &phones);
                let results =
                    c.rt.block_on(c.storage.push(
                        Some(&device),
                        std::slice::from_ref(&op),
                        steady_core::clock::Timestamp::now(),
                    ))
                    .expect("push");
                assert!(
                    matches!(results[0].outcome, OpOutcome::Rejected { .. }),
                    "a hostile op took: {op:?} {:?}",
                    results[0].outcome
                );
            }
            Action::CreatePerson { dev } => {
                let n = known.people.len();
                if let Some(id) = allowed(phones[dev].store().create_person(
                    UNIT,
                    NewPerson {
                        display_name: format!("Person {n} (synthetic)"),
                        preferred_name: None,
                        local_identifier: None,
                        nhs_number: None,
                    },
                )) {
                    known.people.push(id);
                }
            }
            Action::RenamePerson { dev, person, name } => {
                if let Some(p) = pick(&known.people, person) {
                    allowed(phones[dev].store().update_person(
                        &p,
                        Some(format!("Renamed {name}")),
                        None,
                        None,
                    ));
                }
            }
            Action::RemovePerson { dev, person } => {
                if let Some(p) = pick(&known.people, person)
                    && allowed(phones[dev].store().remove_person(&p)).is_some()
                {
                    known.removed.insert(p);
                }
            }
            Action::SetSheetText { dev, person, text } => {
                if let Some(p) = pick(&known.people, person) {
                    allowed(phones[dev].store().set_sheet_text(
                        &p,
                        SheetText::WhenSettled,
                        &format!("Settled text {text}"),
                    ));
                }
            }
            Action::AddItem {
                dev,
                person,
                before,
            } => {
                if let Some(p) = pick(&known.people, person) {
                    let before = before
                        .and_then(|b| pick(&known.items, b))
                        .filter(|(owner, _)| *owner == p)
                        .map(|(_, item)| item);
                    let n = known.items.len();
                    if let Some(item) = allowed(phones[dev].store().add_sheet_item(
                        &p,
                        SheetList::WarningSigns,
                        &format!("Sign {n}"),
                        before.as_deref(),
                    )) {
                        known.items.push((p, item));
                    }
                }
            }
            Action::EditItem { dev, item, text } => {
                if let Some((p, item)) = pick(&known.items, item) {
                    allowed(phones[dev].store().edit_sheet_item(
                        &p,
                        SheetList::WarningSigns,
                        &item,
                        &format!("Edited sign {text}"),
                    ));
                }
            }
            Action::MoveItem { dev, item, before } => {
                if let Some((p, item)) = pick(&known.items, item) {
                    let before = before
                        .and_then(|b| pick(&known.items, b))
                        .filter(|(owner, other)| *owner == p && *other != item)
                        .map(|(_, other)| other);
                    allowed(phones[dev].store().move_sheet_item(
                        &p,
                        SheetList::WarningSigns,
                        &item,
                        before.as_deref(),
                    ));
                }
            }
            Action::RemoveItem { dev, item } => {
                if let Some((p, item)) = pick(&known.items, item) {
                    allowed(phones[dev].store().remove_sheet_item(
                        &p,
                        SheetList::WarningSigns,
                        &item,
                    ));
                }
            }
            Action::Capture { dev } => {
                let n = known.incidents.len();
                if let Some(id) = allowed(phones[dev].store().capture_incident(QuickCapture {
                    unit_id: UNIT.into(),
                    note: format!("Capture {n} (synthetic)"),
                    ..QuickCapture::default()
                })) {
                    known.incidents.push(id);
                }
            }
            Action::EditNote {
                dev,
                incident,
                text,
            } => {
                if let Some(i) = pick(&known.incidents, incident) {
                    allowed(phones[dev].store().update_incident(
                        &i,
                        IncidentDetails {
                            note: Some(format!("Edited note {text}")),
                            ..IncidentDetails::default()
                        },
                    ));
                }
            }
            Action::Submit { dev, incident } => {
                if let Some(i) = pick(&known.incidents, incident) {
                    allowed(phones[dev].store().submit_incident(&i));
                }
            }
            Action::Addendum { dev, incident } => {
                if let Some(i) = pick(&known.incidents, incident)
                    && let Some(a) = allowed(phones[dev].store().add_addendum(
                        &i,
                        "Synthetic correction",
                        "Added later",
                    ))
                {
                    known.addenda.push((i, a));
                }
            }
            Action::Sync { dev } => {
                let p = &phones[dev];
                p.store()
                    .sync_with(&p.link, &options())
                    .expect("a sync with no fault succeeds");
            }
            Action::Partition { dev } => {
                c.proxy
                    .plan(vec![Fault::DropRequest; MAX_ATTEMPTS as usize]);
                let p = &phones[dev];
                assert!(p.store().sync_with(&p.link, &options()).is_err());
            }
            Action::DuplicateDelivery { dev } => {
                c.proxy.plan([Fault::DropResponse]);
                let p = &phones[dev];
                p.store()
                    .sync_with(&p.link, &options())
                    .expect("the retry succeeds");
            }
            Action::CutAnswer { dev, at } => {
                c.proxy.plan([Fault::TruncateResponse(at as usize)]);
                let p = &phones[dev];
                p.store()
                    .sync_with(&p.link, &options())
                    .expect("the retry succeeds");
            }
            Action::Restart { dev } => {
                let p = &mut phones[dev];
                drop(p.store.take());
                p.store =
                    Some(Store::open_with_clock(&p.path, &key(), p.clock.clone()).expect("reopen"));
            }
            Action::Skew { dev, offset } => {
                let ms = match offset {
                    -1 => -3_600_000,
                    0 => 0,
                    1 => 300_000,
                    _ => 86_400_000,
                };
                phones[dev].clock.set_ahead(ms);
            }
        }
    }

    // Quiescence: everyone syncs until nothing is pending, twice.
    for _ in 0..2 {
        for p in &phones {
            for attempt in 0.. {
                p.store()
                    .sync_with(&p.link, &options())
                    .expect("quiescent sync");
                if p.store().sync_status().expect("status").pending == 0 {
                    break;
                }
                assert!(attempt < 20, "the outbox never drained");
            }
        }
    }
    let fresh = phone(&c, 3, &Arc::new(Mutex::new(Wire::default())));
    fresh
        .store()
        .sync_with(&fresh.link, &options())
        .expect("the fresh device pulls");

    check_server_against_model(&c, &wire.lock().unwrap());
    check_replicas(&phones, &fresh, &known, &wire.lock().unwrap());
}

/// The server holds, for each cell, the accepted write with the greatest effective stamp; no
/// edit of a submitted incident was accepted after its submission.
fn check_server_against_model(c: &Cluster<SqliteStorage>, wire: &Wire) {
    let mut expected: BTreeMap<(String, String, String), (Value, Hlc)> = BTreeMap::new();
    let mut locked: BTreeSet<String> = BTreeSet::new();
    for (op_id, outcome) in &wire.answers {
        let (_, op) = &wire.ops[op_id];
        let clamped = match outcome {
            OpOutcome::Applied { clamped } | OpOutcome::Superseded { clamped, .. } => clamped,
            OpOutcome::Rejected { .. } => continue,
        };
        let stamp = clamped.clone().unwrap_or_else(|| op.stamp.clone());
        for (field, item, value) in op.change.cells() {
            // Once a submission was accepted, only new addenda may be.
            assert!(
                !locked.contains(&op.entity_id) || field == "addenda",
                "{op_id}: {field} of submitted {} accepted",
                op.entity_id
            );
            let key = (op.entity_id.clone(), field.to_string(), item.to_string());
            let later = expected.get(&key).is_none_or(|(_, s)| stamp > *s);
            if later {
                expected.insert(key, (value.clone(), stamp.clone()));
            }
        }
        if let steady_core::protocol::Change::Fields(f) = &op.change
            && f.get("status").and_then(Value::as_str) == Some("submitted")
            && expected
                .get(&(op.entity_id.clone(), "status".into(), String::new()))
                .is_some_and(|(v, _)| v == "submitted")
        {
            locked.insert(op.entity_id.clone());
        }
    }
    let mut stored = BTreeMap::new();
    let mut cursor = Cursor::default();
    loop {
        let page =
            c.rt.block_on(c.storage.pull(None, &[UNIT.to_string()], &cursor, 5000))
                .expect("pull");
        for ch in &page.changes {
            for (field, item, value) in ch.change.cells() {
                stored.insert(
                    (ch.entity_id.clone(), field.to_string(), item.to_string()),
                    (value.clone(), ch.stamp.clone()),
                );
            }
        }
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(
        stored, expected,
        "the server's cells are the last accepted write of each"
    );
    let report = c.rt.block_on(c.storage.verify_records()).expect("verify");
    assert_eq!(report.first_break, None, "{report:?}");
}

/// Everything a device shows of the unit, as JSON.
fn view(store: &Store) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for p in store.people(UNIT).expect("people") {
        let person = store.person(&p.id).expect("person");
        let sheet = store.support_sheet(&p.id).expect("sheet");
        out.insert(
            format!("person {}", p.id),
            serde_json::json!({"summary": p, "person": person, "sheet": sheet}),
        );
    }
    for i in store.incidents(UNIT).expect("incidents") {
        let incident = store.incident(&i.id).expect("incident");
        out.insert(
            format!("incident {}", i.id),
            serde_json::json!({"summary": i, "incident": incident}),
        );
    }
    out
}

/// The top-level fields of two views that differ: (path, mine, reference).
fn differences(mine: &Value, reference: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for part in ["incident", "summary"] {
        let (Some(a), Some(b)) = (mine[part].as_object(), reference[part].as_object()) else {
            continue;
        };
        for (k, v) in a {
            if b.get(k) != Some(v) {
                out.push((
                    format!("{part}.{k}"),
                    v.clone(),
                    b.get(k).cloned().unwrap_or_default(),
                ));
            }
        }
    }
    out
}

fn check_replicas(phones: &[Phone], fresh: &Phone, known: &Known, wire: &Wire) {
    let reference = view(fresh.store());
    for (dev, p) in phones.iter().enumerate() {
        let store = p.store();
        let status = store.sync_status().expect("status");
        assert_eq!(status.pending, 0, "device {dev}");
        // Edits refused because the incident was submitted meanwhile stay visible, flagged.
        let refused: BTreeSet<String> = store
            .quarantined_operations()
            .expect("quarantined")
            .into_iter()
            .map(|q| {
                assert_eq!(q.reason, "locked", "device {dev}: {q:?}");
                format!("incident {}", q.entity_id)
            })
            .collect();
        // Where this device's copy of a submitted incident differs from the official record,
        // it says so: a conflict `locked:<id>` on the field.
        let flagged: BTreeSet<(String, String)> = store
            .conflicts()
            .expect("conflicts")
            .into_iter()
            .filter(|c| c.op_id == format!("locked:{}", c.entity_id))
            .map(|c| (format!("incident {}", c.entity_id), c.field))
            .collect();
        let mine = view(store);
        assert_eq!(
            mine.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "device {dev} holds the same records"
        );
        for (key, value) in &mine {
            if value == &reference[key] {
                continue;
            }
            let differing = differences(value, &reference[key]);
            assert!(
                key.starts_with("incident "),
                "device {dev}: {key} differs: {differing:?}"
            );
            for (field, _, _) in &differing {
                let field = field.trim_start_matches("incident.");
                assert!(
                    refused.contains(key) || flagged.contains(&(key.clone(), field.to_string())),
                    "device {dev}: {key} differs silently: {differing:?}"
                );
                assert!(
                    !["status", "addenda", "summary.status"].contains(&field),
                    "device {dev}: {key}: {differing:?}"
                );
            }
        }
        store.check_integrity().expect("integrity");
        store.verify_records().expect("records check");

        // Every superseded edit is a conflict on the device that made it.
        let conflicts: BTreeSet<(String, String, String)> = store
            .conflicts()
            .expect("conflicts")
            .into_iter()
            .map(|c| (c.op_id, c.field, c.item_id))
            .collect();
        for (op_id, outcome) in &wire.answers {
            let (by, op) = &wire.ops[op_id];
            if *by != dev {
                continue;
            }
            if let OpOutcome::Superseded { winners, .. } = outcome {
                for w in winners {
                    let mine = op
                        .change
                        .cells()
                        .into_iter()
                        .find(|(f, i, _)| *f == w.field && *i == w.item_id)
                        .map(|(_, _, v)| v.clone());
                    if mine.as_ref() != Some(&w.value) {
                        assert!(
                            conflicts.contains(&(
                                op_id.clone(),
                                w.field.clone(),
                                w.item_id.clone()
                            )),
                            "device {dev}: superseded {op_id} {} not kept as a conflict",
                            w.field
                        );
                    }
                }
            }
        }
    }
    // Every acknowledged create exactly once; removed people gone; no addendum lost.
    for id in &known.people {
        let key = format!("person {id}");
        assert_eq!(
            reference.contains_key(&key),
            !known.removed.contains(id),
            "{key}"
        );
    }
    for id in &known.incidents {
        assert!(
            reference.contains_key(&format!("incident {id}")),
            "incident {id}"
        );
    }
    for (incident, addendum) in &known.addenda {
        let list = reference[&format!("incident {incident}")]["incident"]["addenda"]
            .as_array()
            .expect("addenda")
            .iter()
            .filter(|a| a["id"] == addendum.as_str())
            .count();
        assert_eq!(list, 1, "addendum {addendum} of {incident}");
        assert_eq!(
            reference[&format!("incident {incident}")]["incident"]["status"],
            serde_json::to_value(IncidentStatus::Submitted).expect("json")
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: steady_e2e::proptest_cases(64),
        max_shrink_iters: 200,
        rng_seed: steady_e2e::proptest_rng_seed(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn replicas_converge_to_the_model(actions in prop::collection::vec(action(), 1..40)) {
        run(&actions);
    }
}
