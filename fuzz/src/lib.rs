//! The fuzz targets' bodies, once: each takes arbitrary bytes, must never panic, and checks
//! what must hold of any input. Run by cargo-fuzz (`fuzz/fuzz_targets/*.rs`, nightly) and by the
//! stable fallback in the main workspace (`sync-server/tests/fuzz_targets.rs`, which runs every
//! corpus file and a few thousand generated inputs through these functions on every CI run).
//!
//! - [`protocol_decode`]: a request body as the server would read it — `SyncRequest`,
//!   `EnrollRequest`, an `Operation`, a cursor — decoded and validated; what validates must
//!   survive a round trip unchanged.
//! - [`sync_plan`]: the merge rules ([`steady_server::merge::plan`]) over a batch and an
//!   arbitrary "what the store holds" state, both built from the bytes; checks the rules'
//!   invariants (one answer per op, nothing written for a refused op, no write outside the
//!   device's grants or into a locked incident except a new addendum, clamped stamps within the
//!   allowed skew, a repeated batch answered identically and writing nothing).
//! - [`checklist_import`]: a licensed organisation's checklist template (JSON) through
//!   `checklist::import_template`; an accepted template scores every subset of its items into
//!   exactly one band.

use std::collections::HashMap;

use serde_json::{Value, json};
use steady_core::checklist;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{
    ADDENDA_LIST, Change, EnrollRequest, EntityKind, OpOutcome, OpResult, Operation, SyncRequest,
};
use steady_server::merge::{
    self, Actor, CellKey, EntityState, GrantRecord, Known, MAX_CLOCK_AHEAD_MS,
};
use steady_server::storage::Cursor;

/// The server's clock in these targets.
pub const NOW: Timestamp = Timestamp(1_800_000_000_000);

/// Request bodies: decode, validate, round-trip.
pub fn protocol_decode(data: &[u8]) {
    if let Ok(req) = serde_json::from_slice::<SyncRequest>(data)
        && req.validate().is_ok()
    {
        let again: SyncRequest =
            serde_json::from_str(&serde_json::to_string(&req).expect("encodes")).expect("decodes");
        assert_eq!(again, req, "a valid sync request survives a round trip");
        assert!(again.validate().is_ok());
        if let Some(cursor) = &req.cursor {
            cursor_round_trip(cursor);
        }
    }
    if let Ok(req) = serde_json::from_slice::<EnrollRequest>(data) {
        let again: EnrollRequest =
            serde_json::from_str(&serde_json::to_string(&req).expect("encodes")).expect("decodes");
        assert_eq!(again, req);
        let _ = steady_server::admin::parse_code(&req.code);
    }
    if let Ok(op) = serde_json::from_slice::<Operation>(data)
        && op.validate("op").is_ok()
    {
        let _ = op.change.cells();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        cursor_round_trip(text);
        let _ = steady_server::admin::parse_code(text);
    }
}

fn cursor_round_trip(text: &str) {
    if let Some(cursor) = Cursor::decode(text) {
        let encoded = cursor.encode();
        // Positions survive; a unit named twice keeps its last position.
        let again = Cursor::decode(&encoded).expect("a cursor we encode decodes");
        for (unit, seq) in &cursor.0 {
            if !unit.contains(',') && !unit.contains('=') {
                assert_eq!(again.position(unit), *seq, "{text:?}");
            }
        }
    }
}

/// Reads small choices from the fuzzer's bytes (zeros when they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn below(&mut self, n: usize) -> usize {
        self.byte() as usize % n
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn more(&self) -> bool {
        !self.0.is_empty()
    }
}

const KINDS: [EntityKind; EntityKind::ALL.len()] = EntityKind::ALL;
const IDS: [&str; 4] = ["r1", "r2", "r3", "r4"];
const UNITS: [&str; 3] = ["ward-a", "ward-b", "ward-c"];
const FIELDS: [&str; 7] = [
    "note",
    "status",
    "display_name",
    "tags",
    "person_id",
    "text",
    "author",
];
const ITEMS: [&str; 3] = ["i1", "i2", "i3"];
const DEVICES: [&str; 3] = ["dev-a", "dev-b", merge::SERVER_DEVICE];
const ROLES: [Role; 3] = [Role::Reader, Role::Editor, Role::Lead];

fn stamp(b: &mut Bytes<'_>) -> Hlc {
    // From a day behind to a day ahead of the server, in coarse steps, with close neighbours.
    let offset = (b.byte() as i64 - 128) * 700_000 + b.byte() as i64;
    Hlc {
        wall_ms: NOW.0 + offset,
        counter: b.below(3) as u32,
        device: b.pick(&DEVICES).to_string(),
    }
}

fn value(b: &mut Bytes<'_>, field: &str) -> Value {
    match (field, b.below(6)) {
        // Addenda and tags as the core writes them, most of the time (else the incident's own
        // rules refuse the op before the lock rules are reached).
        ("addenda", 0..=3) => json!({"pos": b.byte() as f64, "author": "A", "job_title": "Nurse",
                                     "at": NOW.0, "reason": "r", "text": "t"}),
        ("tags", 0..=2) => json!(["near_miss"]),
        ("person_id", 0) => Value::Null,
        ("person_id", _) => json!(b.pick(&IDS)),
        ("status", 0..=2) => json!("submitted"),
        ("status", _) => json!("draft"),
        (_, 0) => Value::Null,
        (_, 1) => json!({"pos": b.byte() as f64, "text": "t"}),
        (_, n) => json!(format!("v{n}")),
    }
}

fn operation(b: &mut Bytes<'_>, n: usize, device: &str) -> Operation {
    let entity = b.pick(&KINDS);
    let entity_id = b.pick(&IDS).to_string();
    let unit_id = b.pick(&UNITS).to_string();
    let change = if b.below(3) == 0 {
        let list = if b.below(2) == 0 {
            ADDENDA_LIST
        } else {
            "tags"
        };
        Change::Item {
            list: list.into(),
            item_id: b.pick(&ITEMS).into(),
            value: value(b, list),
        }
    } else {
        let mut fields = std::collections::BTreeMap::new();
        for _ in 0..1 + b.below(3) {
            let f = b.pick(&FIELDS);
            fields.insert(f.to_string(), value(b, f));
        }
        Change::Fields(fields)
    };
    let mut stamp = stamp(b);
    if b.below(8) != 0 {
        stamp.device = device.to_string();
    }
    Operation {
        // Mostly fresh op ids, sometimes one answered before.
        op_id: if b.below(6) == 0 {
            format!("known-{}", b.below(3))
        } else {
            format!("op-{n}")
        },
        entity,
        entity_id,
        unit_id,
        change,
        stamp,
    }
}

/// The merge rules over an arbitrary batch and store state.
pub fn sync_plan(data: &[u8]) {
    let mut b = Bytes(data);
    let device = b.pick(&["dev-a", "dev-b"]);
    // The device's grants: each unit granted or not, with a role and maybe an end.
    let mut grants = Vec::new();
    for unit in UNITS {
        if b.below(3) != 0 {
            let ends_at = match b.below(4) {
                0 => Some(Timestamp(NOW.0 - 1_000 * b.byte() as i64)),
                1 => Some(Timestamp(NOW.0 + 1_000 * b.byte() as i64)),
                2 => Some(Timestamp(NOW.0 - merge::LATE_ARRIVAL_MS - 1)),
                _ => None,
            };
            grants.push(GrantRecord {
                unit_id: unit.to_string(),
                role: b.pick(&ROLES),
                ends_at,
            });
        }
    }
    // What the store holds.
    let mut known = Known::default();
    for _ in 0..b.below(6) {
        known.entities.insert(
            (b.pick(&KINDS), b.pick(&IDS).to_string()),
            EntityState {
                unit_id: b.pick(&UNITS).to_string(),
                locked: b.below(2) == 0,
                created_by: match b.below(3) {
                    0 => None,
                    1 => Some(device.to_string()),
                    _ => Some("someone-else".to_string()),
                },
                purged_before_ms: if b.below(4) == 0 {
                    NOW.0 - 86_400_000
                } else {
                    0
                },
            },
        );
    }
    for _ in 0..b.below(8) {
        let key = CellKey {
            entity: b.pick(&KINDS),
            entity_id: b.pick(&IDS).to_string(),
            field: b
                .pick(&["note", "status", ADDENDA_LIST, "tags"])
                .to_string(),
            item_id: if b.below(2) == 0 {
                String::new()
            } else {
                b.pick(&ITEMS).to_string()
            },
        };
        // Stored stamps were clamped when written: never ahead of the server by more than
        // the allowed skew.
        let mut st = stamp(&mut b);
        st.wall_ms = st.wall_ms.min(NOW.0 + MAX_CLOCK_AHEAD_MS);
        let v = value(&mut b, &key.field.clone());
        known.cells.insert(key, (st, v));
    }
    for i in 0..3 {
        if b.below(3) == 0 {
            known.answered.insert(
                format!("known-{i}"),
                (
                    b.pick(&DEVICES).to_string(),
                    OpOutcome::Applied { clamped: None },
                ),
            );
        }
    }
    // The batch: decoded from JSON if the rest is a sync request, else built from the bytes.
    let ops: Vec<Operation> = match serde_json::from_slice::<SyncRequest>(b.0) {
        Ok(req) if req.validate().is_ok() => req.push,
        _ => {
            let mut ops = Vec::new();
            let mut n = 0;
            while b.more() && ops.len() < 40 {
                ops.push(operation(&mut b, n, device));
                n += 1;
            }
            ops
        }
    };
    let as_server = data.first().is_some_and(|x| x % 11 == 0);
    let actor = if as_server {
        Actor::Server
    } else {
        Actor::Device {
            device_id: device,
            grants: &grants,
            // The member of staff the fuzzed values name as authors.
            staff: Some(merge::Staff {
                name: "A",
                job_title: "Nurse",
            }),
        }
    };
    let plan = merge::plan(actor, &ops, known.clone(), NOW);

    // One answer per op, in order.
    assert_eq!(plan.results.len(), ops.len());
    for (r, op) in plan.results.iter().zip(&ops) {
        assert_eq!(r.op_id, op.op_id);
    }
    // Deterministic.
    let again = merge::plan(actor, &ops, known.clone(), NOW);
    assert_eq!(again, plan);

    let mut locked: HashMap<(EntityKind, String), bool> = known
        .entities
        .iter()
        .map(|(k, e)| (k.clone(), e.locked))
        .collect();
    let mut units: HashMap<(EntityKind, String), String> = known
        .entities
        .iter()
        .map(|(k, e)| (k.clone(), e.unit_id.clone()))
        .collect();
    let mut answered_before = known.answered.clone();
    for (r, op) in plan.results.iter().zip(&ops) {
        let key = (op.entity, op.entity_id.clone());
        let first_time = !answered_before.contains_key(&op.op_id);
        match &r.outcome {
            OpOutcome::Rejected { .. } => {}
            OpOutcome::Applied { clamped } | OpOutcome::Superseded { clamped, .. } => {
                if first_time {
                    if let Some(c) = clamped {
                        assert!(c.wall_ms <= NOW.0 + MAX_CLOCK_AHEAD_MS, "{c:?}");
                        assert_eq!(c.device, op.stamp.device);
                    }
                    if let Actor::Device {
                        device_id, grants, ..
                    } = actor
                    {
                        assert_eq!(op.stamp.device, device_id, "a forged stamp took");
                        let grant = grants
                            .iter()
                            .find(|g| g.unit_id == op.unit_id)
                            .expect("an op outside the device's grants took");
                        // When it was made, as the server judges it: the stamp as sent, or as
                        // clamped when it was too far ahead. A submission may be stored with a
                        // later stamp still, to beat the cells it replaces: that is not when it
                        // was made, so a fast phone's submission is not judged here.
                        let fast = op.stamp.wall_ms > NOW.0 + MAX_CLOCK_AHEAD_MS;
                        let made = match clamped {
                            Some(c) if fast && !merge::submits(op) => Some(c.wall_ms),
                            _ if fast => None,
                            _ => Some(op.stamp.wall_ms),
                        };
                        assert!(
                            // (A phone up to the allowed skew fast still counts as before it.)
                            grant.ends_at.is_none_or(|end| {
                                made.is_none_or(|made| made < end.0 + MAX_CLOCK_AHEAD_MS)
                            }),
                            "a change made after the grant ended took: {op:?} {grant:?} {:?}",
                            r.outcome
                        );
                        assert!(op.entity != EntityKind::Guidance, "guidance is read-only");
                        // A handover note is changed only by its author, while it is open.
                        if op.entity == EntityKind::HandoverNote
                            && known.entities.contains_key(&key)
                        {
                            let author = CellKey {
                                entity: op.entity,
                                entity_id: op.entity_id.clone(),
                                field: "author".into(),
                                item_id: String::new(),
                            };
                            let (made, name) = known
                                .cells
                                .get(&author)
                                .expect("a changed note has an author");
                            assert_eq!(name, &json!("A"), "another's note changed: {op:?}");
                            assert!(
                                NOW.0 - made.wall_ms
                                    < steady_core::record_schema::HANDOVER_NOTE_LOCK_MS,
                                "a locked note changed: {op:?}"
                            );
                        }
                        // After the end (server clock): no people or plans, no value shown.
                        if grant.ends_at.is_some_and(|end| NOW >= end) {
                            assert!(
                                !matches!(op.entity, EntityKind::Person | EntityKind::Sheet),
                                "a plan edited after the grant ended: {op:?}"
                            );
                            // Only to records it made itself (or new ones).
                            if let Some(e) = known.entities.get(&key) {
                                assert_eq!(
                                    e.created_by.as_deref(),
                                    Some(device_id),
                                    "another's record changed after the grant ended: {op:?}"
                                );
                            }
                            if let OpOutcome::Superseded { winners, .. } = &r.outcome {
                                assert!(winners.iter().all(|w| w.value.is_null()));
                            }
                        }
                        if matches!(op.entity, EntityKind::Person | EntityKind::Sheet) {
                            assert!(grant.role >= Role::Editor);
                        }
                    }
                    if let Some(unit) = units.get(&key) {
                        assert_eq!(*unit, op.unit_id, "a record moved unit");
                    }
                    // References stay inside the unit: a sheet's person, an incident's or
                    // checklist run's person.
                    let person_named = match (&op.entity, &op.change) {
                        (EntityKind::Sheet, _) => Some(op.entity_id.clone()),
                        (EntityKind::Incident | EntityKind::ChecklistRun, Change::Fields(f)) => f
                            .get("person_id")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        _ => None,
                    };
                    if let Some(person) = person_named {
                        assert_eq!(
                            units.get(&(EntityKind::Person, person.clone())),
                            Some(&op.unit_id),
                            "{op:?} names a person outside its unit"
                        );
                    }
                    if locked.get(&key).copied().unwrap_or(false) {
                        let new_addendum = matches!(&op.change, Change::Item { list, item_id, .. }
                        if list == ADDENDA_LIST && !known.cells.contains_key(&CellKey {
                            entity: op.entity,
                            entity_id: op.entity_id.clone(),
                            field: list.clone(),
                            item_id: item_id.clone(),
                        }));
                        assert!(new_addendum, "a locked record took {op:?}");
                    }
                }
            }
        }
        // A submission that took locks the incident for the ops after it.
        let submits = merge::submits(op);
        let status_took = match &r.outcome {
            OpOutcome::Applied { .. } => true,
            OpOutcome::Superseded { winners, .. } => !winners
                .iter()
                .any(|w| w.field == "status" && w.item_id.is_empty()),
            OpOutcome::Rejected { .. } => false,
        };
        // Submission is not last-writer-wins: a submission that is not refused always locks.
        if submits && first_time && !matches!(r.outcome, OpOutcome::Rejected { .. }) {
            assert!(
                status_took,
                "a submission lost to an edit: {op:?} {:?}",
                r.outcome
            );
            assert!(plan.locks.contains(&key), "a submission did not lock");
        }
        if submits && status_took && first_time && plan.locks.contains(&key) {
            locked.insert(key.clone(), true);
        }
        if first_time && !matches!(r.outcome, OpOutcome::Rejected { .. }) {
            units
                .entry(key.clone())
                .or_insert_with(|| op.unit_id.clone());
        }
        if !first_time {
            // A repeated op id: its first answer again (or refused from another sender).
            assert!(
                matches!(r.outcome, OpOutcome::Rejected { .. })
                    || answered_before.get(&op.op_id).map(|(_, o)| stripped(o))
                        == Some(stripped(&r.outcome))
            );
        }
        answered_before.insert(op.op_id.clone(), (String::new(), r.outcome.clone()));
    }
    // Nothing is written for an op refused as a whole.
    for w in &plan.writes {
        let took = ops.iter().zip(&plan.results).any(|(op, r)| {
            op.entity == w.key.entity
                && op.entity_id == w.key.entity_id
                && op.unit_id == w.unit_id
                && !matches!(r.outcome, OpOutcome::Rejected { .. })
        });
        assert!(took, "a write with no accepted op: {w:?}");
    }
    // The same batch again, against the state the plan wrote, answers the same and writes
    // nothing.
    let mut after = known;
    for (id, outcome) in &plan.remember {
        let sender = match actor {
            Actor::Device { device_id, .. } => device_id.to_string(),
            Actor::Server => merge::SERVER_DEVICE.to_string(),
        };
        after.answered.insert(id.clone(), (sender, outcome.clone()));
    }
    for e in &plan.new_entities {
        after.entities.insert(
            (e.entity, e.entity_id.clone()),
            EntityState {
                unit_id: e.unit_id.clone(),
                locked: false,
                created_by: Some(e.created_by.clone()),
                purged_before_ms: 0,
            },
        );
    }
    for k in &plan.locks {
        if let Some(e) = after.entities.get_mut(k) {
            e.locked = true;
        }
    }
    for w in &plan.writes {
        after
            .cells
            .insert(w.key.clone(), (w.stamp.clone(), w.value.clone()));
    }
    let replay = merge::plan(actor, &ops, after, NOW);
    assert!(replay.writes.is_empty(), "a replayed batch wrote again");
    // (The same answers, but for the winners' values: what is kept for a retry names the
    // winners only, and the pull carries their values.)
    let strip = |results: &[OpResult]| -> Vec<OpOutcome> {
        results.iter().map(|r| stripped(&r.outcome)).collect()
    };
    assert_eq!(
        strip(&replay.results),
        strip(&plan.results),
        "a replayed batch answered differently"
    );
    // A push never buys an answer much larger than itself.
    let sent: usize = ops
        .iter()
        .flat_map(|op| op.change.cells())
        .map(|(_, _, v)| v.to_string().len())
        .sum();
    let answered: usize = plan
        .results
        .iter()
        .filter_map(|r| match &r.outcome {
            OpOutcome::Superseded { winners, .. } => Some(winners),
            _ => None,
        })
        .flatten()
        .map(|w| w.value.to_string().len())
        .sum();
    assert!(
        answered <= merge::WINNER_BYTES_FLOOR + merge::WINNER_BYTES_PER_BYTE * sent,
        "an answer of {answered} bytes of winners to {sent} bytes pushed"
    );
}

/// An outcome with every winner's value withheld.
fn stripped(outcome: &OpOutcome) -> OpOutcome {
    let mut outcome = outcome.clone();
    outcome.withhold_winners();
    outcome
}

/// The record schema's check (`steady_core::record_schema::check_op`) on any operation: it
/// never panics, it judges the same op the same way every time and after a JSON round trip, a
/// rule break names a field of the op, and what it accepts is within the protocol's bounds and
/// reads back through the core's incident reader. The first byte picks the writer (role,
/// server or console) and whether the record is new.
pub fn record_check(data: &[u8]) {
    use steady_core::record_schema::{self, Context, Writer};
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(op) = serde_json::from_slice::<Operation>(rest) else {
        return;
    };
    let role = ROLES[(pick % 3) as usize];
    let writer = match pick / 3 % 4 {
        0 => Writer::Server,
        1 => Writer::Console { role },
        _ => Writer::Staff {
            role,
            name: "A",
            job_title: "Nurse",
        },
    };
    let ctx = Context {
        writer,
        now: NOW,
        creating: pick & 0x80 != 0,
        mental_health_unit: pick & 0x40 != 0,
    };
    let verdict = record_schema::check_op(&op, &ctx);
    assert_eq!(record_schema::check_op(&op, &ctx), verdict, "deterministic");
    let again: Operation =
        serde_json::from_str(&serde_json::to_string(&op).expect("encodes")).expect("decodes");
    assert_eq!(
        record_schema::check_op(&again, &ctx).is_ok(),
        verdict.is_ok(),
        "the same verdict after a round trip: {op:?}"
    );
    match verdict {
        Ok(()) => {
            op.validate("op")
                .expect("what the schema takes, the protocol takes");
            if op.entity == EntityKind::Incident {
                let cells = op.change.cells();
                let _ = steady_core::incident::missing_s65_items(&op.entity_id, &cells, None);
            }
        }
        Err(broken) => {
            assert!(
                !broken.field.is_empty() && !broken.rule.is_empty(),
                "{broken:?}"
            );
        }
    }
}

/// A checklist template as a licensed organisation might send it.
pub fn checklist_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = checklist::import_template(text) else {
        return;
    };
    // Every subset of items scores into exactly one band (checked for up to 10 items).
    let ids: Vec<String> = template.items.iter().map(|i| i.id.clone()).collect();
    let n = ids.len().min(10);
    for mask in 0u32..(1 << n) {
        let present: Vec<String> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| ids[i].clone())
            .collect();
        let score = checklist::score(&template, &present).expect("an accepted template scores");
        let bands = template
            .bands
            .iter()
            .filter(|b| (b.min..=b.max).contains(&score.score))
            .count();
        assert_eq!(bands, 1, "score {} in {bands} bands", score.score);
    }
    // All items at once: the maximum.
    let all = checklist::score(&template, &ids).expect("scores");
    assert_eq!(all.score, template.max_score());
}
