//! The server's merge rules, defined once for every storage back end.
//!
//! For each pushed operation, in order: a repeated op id gets its first answer again (so a
//! retried upload is a no-op); the stamp must be the pushing device's own; a stamp too far ahead
//! of the server's clock is clamped (a phone whose clock runs a day fast cannot make its edits
//! win for a day); the device must have held a grant in the unit when it made the change, with a
//! role that allows it; a record never moves unit; a submitted incident takes only new addenda.
//! Then each field or list item keeps whichever stamp is later (ties broken by device id,
//! inside [`Hlc`]'s order). An operation whose fields all won is `applied`; one with a field
//! that lost is `superseded`, with the winning values, so the device can keep the losing edit
//! visible; a refused one is `rejected` with a reason and changes nothing.
//!
//! The rules are a pure function ([`plan`]) of the operations, what the store already holds
//! about them ([`Known`], loaded in bulk by the back end) and the time, so they are tested here
//! without a database and behave identically on SQLite and PostgreSQL.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::RestrictiveInterventionType;
use steady_core::codes::Role;
use steady_core::incident;
use steady_core::protocol::{
    ADDENDA_LIST, Change, EntityKind, OpOutcome, OpResult, Operation, RejectReason,
    USE_OF_FORCE_LIST, Winner,
};
use steady_core::record_schema::{self, Context, Writer};

/// How far ahead of the server's clock a stamp may be before it is clamped.
pub const MAX_CLOCK_AHEAD_MS: i64 = 60_000;

/// How long after a grant ends the changes made before its end are still accepted.
pub const LATE_ARRIVAL_MS: i64 = 30 * 86_400_000;

/// The device id the server stamps its own changes with (demo data, console edits).
pub const SERVER_DEVICE: &str = "server";

/// One grant of a device, as stored (ended grants included, so that changes made before the end
/// are still accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// The unit.
    pub unit_id: String,
    /// The role in it.
    pub role: Role,
    /// When it ends or ended.
    pub ends_at: Option<Timestamp>,
}

/// Who is pushing.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// An enrolled device with its grants.
    Device {
        /// The device's id (every stamp must carry it).
        device_id: &'a str,
        /// All its grants, ended ones included.
        grants: &'a [GrantRecord],
        /// The member of staff it was enrolled for: every author, recorded-by and submitted-by
        /// it writes must be theirs. `None` for the web console's replica, whose lead signs in
        /// to the console and is named by it.
        staff: Option<Staff<'a>>,
    },
    /// The server itself (admin commands, demo data, the console): no grant checks.
    Server,
}

/// The member of staff a device was enrolled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staff<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their job title.
    pub job_title: &'a str,
}

/// A field (item "") or list item of a record: the unit of merge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    /// The record's kind.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// The field or list name.
    pub field: String,
    /// The list item, or "".
    pub item_id: String,
}

/// What the store knows about a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityState {
    /// Its unit (fixed at creation).
    pub unit_id: String,
    /// Submitted incident: only new addenda.
    pub locked: bool,
    /// The device that made it (`None` for records older than this rule): after a grant ends,
    /// a device may still push changes to the records it made, and to no others.
    pub created_by: Option<String>,
    /// The latest stamp (wall time) of a tombstone purged from it: a cell of it that is not held
    /// and is written with an older stamp may be one that was removed and purged, so it stays
    /// removed (0: nothing purged).
    pub purged_before_ms: i64,
}

/// What the back end must load before planning a batch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Op ids already answered, if any.
    pub op_ids: Vec<String>,
    /// Records touched.
    pub entities: Vec<(EntityKind, String)>,
    /// Cells touched.
    pub cells: Vec<CellKey>,
    /// Records to load whole (every cell): those whose rules look at the whole record (a list's
    /// size, an incident's s.6(5) items at submission, who recorded it for an addendum).
    pub records: Vec<(EntityKind, String)>,
    /// Units whose mental health flag matters (a submission's; an intervention recorded or authorised).
    pub units: Vec<String>,
}

/// What the store already holds about a batch (only the parts listed in [`Needs`]).
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// op id → (device that pushed it, its outcome).
    pub answered: HashMap<String, (String, OpOutcome)>,
    /// Records that exist.
    pub entities: HashMap<(EntityKind, String), EntityState>,
    /// Current stamp and value of each cell that exists (in key order, so a record's or a
    /// list's cells are one range).
    pub cells: BTreeMap<CellKey, (Hlc, Value)>,
    /// Records whose every cell is in `cells` (those [`Needs::records`] listed).
    pub whole: HashSet<(EntityKind, String)>,
    /// The units flagged as mental health units (of those [`Needs::units`] listed).
    pub mental_health_units: HashSet<String>,
}

/// A record the plan creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntity {
    /// Kind.
    pub entity: EntityKind,
    /// Id.
    pub entity_id: String,
    /// Unit.
    pub unit_id: String,
    /// The device that made it ([`SERVER_DEVICE`] for the server).
    pub created_by: String,
}

/// A cell the plan writes (the back end gives each write the next change sequence number, in
/// plan order).
#[derive(Debug, Clone, PartialEq)]
pub struct CellWrite {
    /// Which cell.
    pub key: CellKey,
    /// The record's unit (pulls are filtered by it).
    pub unit_id: String,
    /// The new value (`null` is a tombstone).
    pub value: Value,
    /// Its stamp.
    pub stamp: Hlc,
}

/// What to write for a batch, in one transaction.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Plan {
    /// One result per operation, in order (the response).
    pub results: Vec<OpResult>,
    /// Outcomes to remember by op id (only for operations not answered before).
    pub remember: Vec<(String, OpOutcome)>,
    /// Records to create.
    pub new_entities: Vec<NewEntity>,
    /// Records to lock (submitted incidents).
    pub locks: Vec<(EntityKind, String)>,
    /// Cells to write, in order.
    pub writes: Vec<CellWrite>,
}

/// The records, cells and op ids a batch touches.
pub fn needs(ops: &[Operation]) -> Needs {
    let mut needs = Needs::default();
    let mut seen_entities = HashSet::new();
    let mut seen_cells = HashSet::new();
    for op in ops {
        needs.op_ids.push(op.op_id.clone());
        for key in std::iter::once((op.entity, op.entity_id.clone())).chain(references(op)) {
            if seen_entities.insert(key.clone()) {
                needs.entities.push(key);
            }
        }
        for (field, item, _) in op.change.cells() {
            let key = cell(op, field, item);
            if seen_cells.insert(key.clone()) {
                needs.cells.push(key);
            }
        }
        // A record its author alone corrects is read whole: its author, and when it was made.
        let whole = matches!(op.change, Change::Item { .. })
            || submits(op)
            || record_schema::author_edits_for(op.entity).is_some();
        let key = (op.entity, op.entity_id.clone());
        if whole && !needs.records.contains(&key) {
            needs.records.push(key);
        }
        // A submission's unit (s.6(5) in mental health units) and any unit an intervention is
        // recorded or authorised in (seclusion and segregation only in mental health units).
        if (submits(op) || records_intervention(op)) && !needs.units.contains(&op.unit_id) {
            needs.units.push(op.unit_id.clone());
        }
    }
    needs
}

/// Whether `op` records a use of force on an incident (not its removal).
fn records_force(op: &Operation) -> bool {
    op.entity == EntityKind::Incident
        && matches!(&op.change, Change::Item { list, value, .. }
            if list == USE_OF_FORCE_LIST && !value.is_null())
}

/// Whether `op` authorises a restrictive intervention on a sheet (not its removal).
fn authorises(op: &Operation) -> bool {
    op.entity == EntityKind::Sheet
        && matches!(&op.change, Change::Item { list, value, .. }
            if list == AUTHORISED_LIST && !value.is_null())
}

/// The sheet's list of the interventions its plan authorises.
const AUTHORISED_LIST: &str = "red.authorised_interventions";

/// The person the stored incident `op` changes names, if any.
fn stored_person<'k>(op: &Operation, known: &'k Known) -> Option<&'k str> {
    known
        .cells
        .get(&cell(op, PERSON_FIELD, ""))
        .and_then(|(_, v)| v.as_str())
}

/// The person an op itself names in `person_id`.
fn named_person(op: &Operation) -> Option<&str> {
    match &op.change {
        Change::Fields(f) => f.get(PERSON_FIELD).and_then(Value::as_str),
        Change::Item { .. } => None,
    }
}

/// The person `id` as the store holds them, frozen as a submission freezes them
/// ([`incident::Subject::of_cells`]); `None` if the record is not held whole, or removed.
fn person_as_stored(known: &Known, id: &str) -> Option<incident::Subject> {
    if !known.whole.contains(&(EntityKind::Person, id.to_string())) {
        return None;
    }
    incident::Subject::of_cells(&record_cells(known, EntityKind::Person, id))
}

/// Whether `op` records or authorises a restrictive intervention, whose type may depend on
/// the unit ([`record_schema::allowed_in_unit`]).
fn records_intervention(op: &Operation) -> bool {
    matches!(&op.change, Change::Item { list, .. }
        if list == USE_OF_FORCE_LIST || list == AUTHORISED_LIST)
}

/// The people a batch's submissions name, once [`needs`] is loaded: their records are loaded
/// whole too, for the s.6(5) items that come from the person (name, identifier). And for each
/// use of force recorded, its person's record and sheet, for the cautions that may rule it out.
pub fn people_needed(ops: &[Operation], known: &Known) -> Vec<(EntityKind, String)> {
    let mut people = Vec::new();
    // An intervention authorised on a sheet is judged against the person's cautions too.
    for op in ops.iter().filter(|op| authorises(op)) {
        for key in [
            (EntityKind::Person, op.entity_id.clone()),
            (EntityKind::Sheet, op.entity_id.clone()),
        ] {
            if !people.contains(&key) {
                people.push(key);
            }
        }
    }
    for op in ops.iter().filter(|op| records_force(op)) {
        if let Some(person) = stored_person(op, known) {
            for key in [
                (EntityKind::Person, person.to_string()),
                (EntityKind::Sheet, person.to_string()),
            ] {
                if !people.contains(&key) {
                    people.push(key);
                }
            }
        }
    }
    let submitting: HashSet<&str> = ops
        .iter()
        .filter(|op| submits(op))
        .map(|op| op.entity_id.as_str())
        .collect();
    for op in ops.iter().filter(|op| {
        op.entity == EntityKind::Incident && submitting.contains(op.entity_id.as_str())
    }) {
        let named = match &op.change {
            Change::Fields(f) => f
                .get(PERSON_FIELD)
                .and_then(Value::as_str)
                .map(str::to_string),
            Change::Item { .. } => None,
        };
        let stored = known
            .cells
            .get(&cell(op, PERSON_FIELD, ""))
            .and_then(|(_, v)| v.as_str().map(str::to_string));
        for person in named.into_iter().chain(stored) {
            let key = (EntityKind::Person, person);
            if !people.contains(&key) {
                people.push(key);
            }
        }
    }
    people
}

/// The records an operation's record must agree with on its unit: a sheet and its person (one
/// id, one unit: a sheet lives in its person's unit), and the person an incident or checklist
/// run names in `person_id`.
fn references(op: &Operation) -> Vec<(EntityKind, String)> {
    let mut out = Vec::new();
    match op.entity {
        EntityKind::Sheet => out.push((EntityKind::Person, op.entity_id.clone())),
        EntityKind::Person => out.push((EntityKind::Sheet, op.entity_id.clone())),
        EntityKind::Incident | EntityKind::ChecklistRun | EntityKind::HandoverNote => {
            if let Change::Fields(fields) = &op.change
                && let Some(Value::String(person)) = fields.get(PERSON_FIELD)
            {
                out.push((EntityKind::Person, person.clone()));
            }
        }
        EntityKind::Guidance => {}
    }
    out
}

/// The field of an incident or checklist run that names its person.
const PERSON_FIELD: &str = "person_id";

/// The longest reason in words a rejection carries (it names a field of the sender's own value,
/// which may be long).
const MAX_DETAIL_BYTES: usize = 300;

fn bounded(mut text: String) -> String {
    if text.len() > MAX_DETAIL_BYTES {
        let mut end = MAX_DETAIL_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Whether the record `key` is in `unit` (known, or made earlier in this batch).
fn in_unit(known: &Known, key: &(EntityKind, String), unit: &str) -> bool {
    known.entities.get(key).is_some_and(|e| e.unit_id == unit)
}

/// The unit rules between records: a sheet lives in its person's unit (and a person is never
/// made beside another unit's sheet of the same id); an incident's or checklist run's person is a
/// person of its unit. A reference outside the unit is refused in the same words whether or not
/// the record exists elsewhere, so a refusal tells nothing about other units.
fn check_references(op: &Operation, known: &Known) -> Result<(), OpOutcome> {
    let refuse = |detail: &str| Err(reject(RejectReason::UnitMismatch, detail));
    match op.entity {
        EntityKind::Sheet => {
            if !in_unit(
                known,
                &(EntityKind::Person, op.entity_id.clone()),
                &op.unit_id,
            ) {
                return refuse("a support sheet lives in its person's unit: no such person here");
            }
        }
        EntityKind::Person => {
            let sheet = (EntityKind::Sheet, op.entity_id.clone());
            if known.entities.contains_key(&sheet) && !in_unit(known, &sheet, &op.unit_id) {
                return refuse("the record belongs to another unit");
            }
        }
        EntityKind::Incident | EntityKind::ChecklistRun | EntityKind::HandoverNote => {
            for (kind, id) in references(op) {
                if !in_unit(known, &(kind, id), &op.unit_id) {
                    return refuse("person_id: not a person of this unit");
                }
            }
        }
        EntityKind::Guidance => {}
    }
    Ok(())
}

/// Whether the operation submits an incident.
pub fn submits(op: &Operation) -> bool {
    op.entity == EntityKind::Incident
        && matches!(&op.change, Change::Fields(f)
            if f.get("status").and_then(Value::as_str) == Some("submitted"))
}

fn cell(op: &Operation, field: &str, item: &str) -> CellKey {
    CellKey {
        entity: op.entity,
        entity_id: op.entity_id.clone(),
        field: field.to_string(),
        item_id: item.to_string(),
    }
}

fn reject(reason: RejectReason, detail: impl Into<String>) -> OpOutcome {
    OpOutcome::Rejected {
        reason,
        detail: detail.into(),
    }
}

/// Decides a batch. `known` must hold what [`needs`] listed; `now` is the server's clock.
pub fn plan(actor: Actor<'_>, ops: &[Operation], mut known: Known, now: Timestamp) -> Plan {
    let mut plan = Plan::default();
    // The room for winning values, counted only once a winner needs it (most pushes have none).
    let mut room: Option<usize> = None;
    for op in ops {
        let outcome = match known.answered.get(&op.op_id) {
            Some((device, outcome)) => {
                let same_sender = match actor {
                    Actor::Device { device_id, .. } => device == device_id,
                    Actor::Server => device == SERVER_DEVICE,
                };
                if same_sender {
                    outcome.clone()
                } else {
                    reject(
                        RejectReason::DuplicateOpId,
                        "this op id was already used by another device",
                    )
                }
            }
            None => {
                let outcome = decide(actor, op, &mut known, &mut plan, now);
                let sender = match actor {
                    Actor::Device { device_id, .. } => device_id.to_string(),
                    Actor::Server => SERVER_DEVICE.to_string(),
                };
                // What is kept to answer a retry names the winners but not their values (the
                // pull carries those): a push never makes the server store what others wrote
                // again.
                let mut kept = outcome.clone();
                kept.withhold_winners();
                known
                    .answered
                    .insert(op.op_id.clone(), (sender, kept.clone()));
                plan.remember.push((op.op_id.clone(), kept));
                outcome
            }
        };
        let mut outcome = outcome;
        if let OpOutcome::Superseded { winners, .. } = &mut outcome {
            let room = room.get_or_insert_with(|| {
                let sent: usize = ops
                    .iter()
                    .flat_map(|op| op.change.cells())
                    .map(|(_, _, v)| value_bytes(v))
                    .sum();
                WINNER_BYTES_FLOOR + WINNER_BYTES_PER_BYTE * sent
            });
            for winner in winners.iter_mut().filter(|w| !w.withheld) {
                let size = value_bytes(&winner.value);
                if size > *room {
                    winner.withhold();
                } else {
                    *room -= size;
                }
            }
        }
        plan.results.push(OpResult {
            op_id: op.op_id.clone(),
            outcome,
        });
    }
    plan
}

/// The most bytes of winning values one push answer carries beyond the pushed values' own
/// size (each op may hear back up to [`WINNER_BYTES_PER_BYTE`] times its own values, plus this);
/// the rest are withheld, to come with the next pull. A small push never buys a large answer.
pub const WINNER_BYTES_FLOOR: usize = 64 * 1024;
/// See [`WINNER_BYTES_FLOOR`].
pub const WINNER_BYTES_PER_BYTE: usize = 4;

fn value_bytes(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// The live items of one list of a record (tombstones left out).
fn live_items(known: &Known, op: &Operation, list: &str) -> usize {
    let from = cell(op, list, "");
    known
        .cells
        .range(from..)
        .take_while(|(k, _)| {
            k.entity == op.entity && k.entity_id == op.entity_id && k.field == list
        })
        .filter(|(k, (_, v))| !k.item_id.is_empty() && !v.is_null())
        .count()
}

/// A record's stored cells as (field, item, value), for the core's readers.
fn record_cells<'k>(
    known: &'k Known,
    entity: EntityKind,
    entity_id: &str,
) -> Vec<(&'k str, &'k str, &'k Value)> {
    let from = CellKey {
        entity,
        entity_id: entity_id.to_string(),
        field: String::new(),
        item_id: String::new(),
    };
    known
        .cells
        .range(from..)
        .take_while(|(k, _)| k.entity == entity && k.entity_id == entity_id)
        .map(|(k, (_, v))| (k.field.as_str(), k.item_id.as_str(), v))
        .collect()
}

fn decide(
    actor: Actor<'_>,
    op: &Operation,
    known: &mut Known,
    plan: &mut Plan,
    now: Timestamp,
) -> OpOutcome {
    // The stamp as it will be stored.
    let mut stamp = op.stamp.clone();
    let mut clamped = None;
    if stamp.wall_ms > now.0 + MAX_CLOCK_AHEAD_MS {
        stamp.wall_ms = now.0 + MAX_CLOCK_AHEAD_MS;
        // A device's ops arrive in the order it made them, so a later op must still sort after
        // the same device's earlier writes to the same cells once both are clamped (two edits
        // made a millisecond apart by a fast phone would otherwise get equal stamps, and the
        // earlier would win: a capture's "draft" beating its own "submitted").
        for (field, item, _) in op.change.cells() {
            if let Some((current, _)) = known.cells.get(&cell(op, field, item))
                && current.device == stamp.device
                && *current >= stamp
            {
                stamp.wall_ms = current.wall_ms;
                stamp.counter = current.counter.saturating_add(1);
            }
        }
        clamped = Some(stamp.clone());
    }

    let entity_key = (op.entity, op.entity_id.clone());
    let existing = known.entities.get(&entity_key).cloned();
    let mut withhold_winners = false;
    let mut writer = Writer::Server;
    if let Actor::Device {
        device_id,
        grants,
        staff,
    } = actor
    {
        if op.stamp.device != device_id {
            return reject(RejectReason::ForgedStamp, "the stamp names another device");
        }
        let Some(grant) = grants.iter().find(|g| g.unit_id == op.unit_id) else {
            return reject(
                RejectReason::NotGranted,
                "this device has no grant in the unit",
            );
        };
        // A change made while the grant was in force is accepted after it ends (the bank
        // worker's last incident still arrives); one made after is not. A stamp up to
        // MAX_CLOCK_AHEAD_MS past the end still counts as made before it: a phone's clock may run
        // a little fast, and a capture in the placement's last minute must not be refused and
        // then purged with the unit.
        if grant.ends_at.is_some_and(|end| {
            stamp.wall_ms >= end.0 + MAX_CLOCK_AHEAD_MS || now.0 >= end.0 + LATE_ARRIVAL_MS
        }) {
            return reject(
                RejectReason::GrantEnded,
                "the grant had ended when this change was made",
            );
        }
        // Once the grant has ended (by the server's clock), the device may still push what it
        // recorded before the end — its own incidents and checklist runs, new or made by it —
        // but nothing else of the unit, and no answer shows it a value of the unit.
        if grant.ends_at.is_some_and(|end| now >= end) {
            let its_own = matches!(op.entity, EntityKind::Incident | EntityKind::ChecklistRun)
                && existing
                    .as_ref()
                    .is_none_or(|e| e.created_by.as_deref() == Some(device_id));
            if !its_own {
                return reject(
                    RejectReason::GrantEnded,
                    "the grant has ended: only the incidents and checklist runs this device made \
                     before its end are still accepted",
                );
            }
            withhold_winners = true;
        }
        writer = match staff {
            Some(staff) => Writer::Staff {
                role: grant.role,
                name: staff.name,
                job_title: staff.job_title,
            },
            None => Writer::Console { role: grant.role },
        };
    }

    // Who may write the kind at all, then whether the record is the unit's, then the record's
    // own rules (the same check the device made before queueing the change).
    if let Err(broken) = record_schema::check_writer(op.entity, &writer) {
        return reject(broken.reason, bounded(broken.to_string()));
    }
    if existing.as_ref().is_some_and(|e| e.unit_id != op.unit_id) {
        return reject(
            RejectReason::UnitMismatch,
            "the record belongs to another unit",
        );
    }
    let ctx = Context {
        writer,
        now,
        creating: existing.is_none(),
        mental_health_unit: known.mental_health_units.contains(&op.unit_id),
    };
    if let Err(broken) = record_schema::check_values(op, &ctx) {
        return reject(broken.reason, bounded(broken.to_string()));
    }

    if let Err(refused) = check_references(op, known) {
        return refused;
    }

    // On a draft, the only addenda are physical observations; words are added by editing it.
    if !existing.as_ref().is_some_and(|e| e.locked)
        && matches!(writer, Writer::Staff { .. })
        && let Change::Item { list, value, .. } = &op.change
        && list == ADDENDA_LIST
        && !value.is_null()
        && !incident::open_to_the_unit(value)
    {
        return reject(
            RejectReason::Invalid,
            "the incident is a draft: edit it instead of adding an addendum",
        );
    }
    if existing.as_ref().is_some_and(|e| e.locked) {
        let new_addendum = match &op.change {
            Change::Item { list, item_id, .. } if list == ADDENDA_LIST => {
                !known.cells.contains_key(&cell(op, list, item_id))
            }
            _ => false,
        };
        if !new_addendum {
            return reject(
                RejectReason::Locked,
                "the incident is submitted: only new addenda can be added",
            );
        }
    }
    if existing.is_some()
        && let Err(refused) = check_authors_own(op, known, &writer, now)
    {
        return refused;
    }
    if let Err(refused) = check_whole_record(op, known, &writer) {
        return refused;
    }
    if existing.is_none() {
        let created_by = match actor {
            Actor::Device { device_id, .. } => device_id.to_string(),
            Actor::Server => SERVER_DEVICE.to_string(),
        };
        known.entities.insert(
            entity_key.clone(),
            EntityState {
                unit_id: op.unit_id.clone(),
                locked: false,
                created_by: Some(created_by.clone()),
                purged_before_ms: 0,
            },
        );
        plan.new_entities.push(NewEntity {
            entity: op.entity,
            entity_id: op.entity_id.clone(),
            unit_id: op.unit_id.clone(),
            created_by,
        });
    }

    // Submission is not last-writer-wins: it locks the incident whatever order the ops arrive
    // in. Its cells are stored with a stamp after every cell they replace (told to the device
    // as `clamped`, so its copy carries the same), so no edit of the draft made elsewhere, with
    // a later stamp, can keep the incident a draft.
    let purged_before_ms = existing.as_ref().map_or(0, |e| e.purged_before_ms);
    if submits(op) {
        for (field, item, _) in op.change.cells() {
            if let Some((current, _)) = known.cells.get(&cell(op, field, item))
                && *current >= stamp
            {
                stamp = current.successor(&op.stamp.device);
                clamped = Some(stamp.clone());
            }
        }
        // And after any tombstone purged from the record, so none of its cells is taken for
        // one that was removed (below).
        if stamp.wall_ms <= purged_before_ms {
            stamp = Hlc {
                wall_ms: purged_before_ms + 1,
                counter: 0,
                device: op.stamp.device.clone(),
            };
            clamped = Some(stamp.clone());
        }
    }
    let mut winners = Vec::new();
    let mut submitted = false;
    for (field, item, value) in op.change.cells() {
        let key = cell(op, field, item);
        match known.cells.get(&key) {
            Some((current, current_value)) if *current >= stamp => winners.push(Winner {
                field: field.to_string(),
                item_id: item.to_string(),
                value: current_value.clone(),
                stamp: current.clone(),
                withheld: false,
            }),
            // Deleted stays deleted: a cell that is not held, written with a stamp older than
            // the newest tombstone purged, may be one that was removed and then purged. It is
            // answered as removed (a tombstone at the purge horizon) and not stored.
            None if stamp.wall_ms <= purged_before_ms && may_be_removed(op.entity, field, item) => {
                winners.push(Winner {
                    field: field.to_string(),
                    item_id: item.to_string(),
                    value: Value::Null,
                    stamp: Hlc {
                        wall_ms: purged_before_ms,
                        counter: 0,
                        device: SERVER_DEVICE.to_string(),
                    },
                    withheld: false,
                })
            }
            _ => {
                if op.entity == EntityKind::Incident && item.is_empty() && field == "status" {
                    submitted = value.as_str() == Some("submitted");
                }
                known
                    .cells
                    .insert(key.clone(), (stamp.clone(), value.clone()));
                plan.writes.push(CellWrite {
                    key,
                    unit_id: op.unit_id.clone(),
                    value: value.clone(),
                    stamp: stamp.clone(),
                });
            }
        }
    }
    if submitted && let Some(state) = known.entities.get_mut(&entity_key) {
        state.locked = true;
        plan.locks.push(entity_key);
    }
    if withhold_winners {
        // The fields that lost are named; what won is not the device's to read any more.
        for winner in &mut winners {
            winner.withhold();
        }
    }
    if winners.is_empty() {
        OpOutcome::Applied { clamped }
    } else {
        OpOutcome::Superseded { winners, clamped }
    }
}

/// Whether a cell could have been a tombstone, since purged: a list item of a list that is not
/// append-only, or a field that may be cleared. (A field that keeps a value once written, such as
/// an incident's status, and an addendum are never tombstones, so the purge horizon never
/// stands in for them.)
fn may_be_removed(entity: EntityKind, field: &str, item: &str) -> bool {
    match record_schema::field_rule(entity, field) {
        Some(rule) => match rule.list {
            Some(list) => !item.is_empty() && !list.append_only,
            None => !rule.required,
        },
        None => true,
    }
}

/// A record only its author changes once made, for a while (a handover note,
/// [`record_schema::author_edits_for`]): a change by anyone else is refused, and once the while
/// has passed the record is locked, as a submitted incident is. When it was made is the stored
/// stamp of its author field, written once with the record and never later than the server's
/// clock allows, so a device cannot keep its note open by dating it ahead.
fn check_authors_own(
    op: &Operation,
    known: &Known,
    writer: &Writer<'_>,
    now: Timestamp,
) -> Result<(), OpOutcome> {
    let Some((author_field, open_ms)) = record_schema::author_edits_for(op.entity) else {
        return Ok(());
    };
    let what = op.entity.as_str().replace('_', " ");
    let Some((made, author)) = known.cells.get(&cell(op, author_field, "")) else {
        return Err(reject(
            RejectReason::Locked,
            format!("the {what} names no author: it stands as written"),
        ));
    };
    if !author
        .as_str()
        .is_some_and(|a| record_schema::names_the_writer(a, writer))
    {
        return Err(reject(
            RejectReason::Role,
            format!("only the member of staff who wrote the {what} changes it"),
        ));
    }
    if now.0.saturating_sub(made.wall_ms) >= open_ms {
        return Err(reject(
            RejectReason::Locked,
            format!(
                "the {what} stands as written: it may be corrected for {} hours after it is made",
                open_ms / 3_600_000
            ),
        ));
    }
    Ok(())
}

/// The rules that look at the whole stored record: a list holds at most its number of items; an
/// addendum is added by the member of staff who recorded the incident or by a lead; and in a
/// mental health unit a use-of-force incident is submitted only with every s.6(5) item (the
/// same list the device gives, from the same function).
fn check_whole_record(op: &Operation, known: &Known, writer: &Writer<'_>) -> Result<(), OpOutcome> {
    let invalid = |detail: String| Err(reject(RejectReason::Invalid, bounded(detail)));
    if let Change::Item {
        list,
        item_id,
        value,
    } = &op.change
        && !value.is_null()
        && !known.cells.contains_key(&cell(op, list, item_id))
        && let Some(rule) = record_schema::field_rule(op.entity, list).and_then(|r| r.list)
        && live_items(known, op, list) >= rule.max_items
    {
        return invalid(format!("{list}: at most {} items", rule.max_items));
    }
    // Physical observations and proposals for the plan are addenda that anyone working in
    // the unit adds, under their own name (`incident::open_to_the_unit`).
    if let (Change::Item { list, value, .. }, Writer::Staff { role, name, .. }) =
        (&op.change, writer)
        && op.entity == EntityKind::Incident
        && list == ADDENDA_LIST
        && *role < Role::Lead
        && !incident::open_to_the_unit(value)
    {
        let recorder = known
            .cells
            .get(&cell(op, "recorded_by", ""))
            .and_then(|(_, v)| v.as_str());
        if recorder != Some(*name) {
            return Err(reject(
                RejectReason::Role,
                "only the member of staff who recorded the incident, or a lead, adds an addendum \
                 (anyone in the unit may add physical observations or proposals for the plan)",
            ));
        }
    }
    if let (true, Change::Item { value, .. }) = (records_force(op), &op.change)
        && let Some(person) = stored_person(op, known)
        && let Ok(intervention) = serde_json::from_value::<RestrictiveInterventionType>(
            value.get("intervention").cloned().unwrap_or(Value::Null),
        )
    {
        let ruling_out = steady_core::restraint::contraindicating(
            intervention,
            &record_cells(known, EntityKind::Person, person),
            &record_cells(known, EntityKind::Sheet, person),
        );
        let reason = value
            .get("contraindication_override")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !ruling_out.is_empty() && reason.trim().is_empty() {
            return invalid(format!(
                "the person's cautions {} rule out {}: it is recorded only with a reason for \
                 going ahead (contraindication_override)",
                ruling_out.join(", "),
                intervention.label()
            ));
        }
    }
    if let (true, Change::Item { value, .. }) = (authorises(op), &op.change)
        && let Ok(intervention) = serde_json::from_value::<RestrictiveInterventionType>(
            value.get("type").cloned().unwrap_or(Value::Null),
        )
    {
        let ruling_out = steady_core::restraint::contraindicating(
            intervention,
            &record_cells(known, EntityKind::Person, &op.entity_id),
            &record_cells(known, EntityKind::Sheet, &op.entity_id),
        );
        if !ruling_out.is_empty() {
            return invalid(format!(
                "the person's cautions {} rule out {}: a plan does not authorise it (change the \
                 caution first if it no longer holds)",
                ruling_out.join(", "),
                intervention.label()
            ));
        }
    }
    if submits(op)
        && let Some(person) = stored_person(op, known).or_else(|| named_person(op))
        && let Some(standing) = person_as_stored(known, person)
    {
        // The submission freezes the person into the sealed record exactly as they stand: a
        // phone cannot seal another name or number into the legal record.
        let sent = match &op.change {
            Change::Fields(f) => f.get("subject"),
            Change::Item { .. } => None,
        }
        .and_then(|v| serde_json::from_value::<incident::Subject>(v.clone()).ok());
        if sent.as_ref() != Some(&standing) {
            return invalid(
                "subject: a submission freezes the person's name, NHS number and local \
                 identifier into the record, as the person's record holds them"
                    .into(),
            );
        }
    }
    if submits(op) && known.mental_health_units.contains(&op.unit_id) {
        let mut cells = record_cells(known, op.entity, &op.entity_id);
        // The submission's own fields, and what this op changes, as they will stand.
        let own = op.change.cells();
        cells.retain(|(f, i, _)| !own.iter().any(|(of, oi, _)| of == f && oi == i));
        cells.extend(own.iter().copied());
        let person_id = cells
            .iter()
            .find(|(f, i, _)| *f == PERSON_FIELD && i.is_empty())
            .and_then(|(_, _, v)| v.as_str())
            .map(str::to_string);
        let person = person_id.map(|p| record_cells(known, EntityKind::Person, &p));
        let missing = incident::missing_s65_items(&op.entity_id, &cells, person.as_deref());
        if !missing.is_empty() {
            return invalid(format!(
                "a use of force in a mental health unit is submitted with every item of s.6(5) \
                 of the Mental Health Units (Use of Force) Act 2018; missing: {}",
                steady_core::s65::S65Item::letters(&missing)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    const NOW: Timestamp = Timestamp(1_800_000_000_000);

    fn op(
        id: &str,
        entity: EntityKind,
        entity_id: &str,
        fields: &[(&str, Value)],
        wall_ms: i64,
        device: &str,
    ) -> Operation {
        Operation {
            op_id: id.into(),
            entity,
            entity_id: entity_id.into(),
            unit_id: "ward-a".into(),
            change: Change::Fields(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            stamp: Hlc {
                wall_ms,
                counter: 0,
                device: device.into(),
            },
        }
    }

    fn grants(role: Role) -> Vec<GrantRecord> {
        vec![GrantRecord {
            unit_id: "ward-a".into(),
            role,
            ends_at: None,
        }]
    }

    fn device<'a>(id: &'a str, grants: &'a [GrantRecord]) -> Actor<'a> {
        Actor::Device {
            device_id: id,
            grants,
            staff: Some(Staff {
                name: "Alex Morgan",
                job_title: "Support worker",
            }),
        }
    }

    /// What the store knows before each test: Sam, a person of ward-a, whose sheet the tests
    /// edit (a sheet lives in its person's unit).
    /// And the drafts `inc`, `inc2`, `i1`, `i2`, captured on dev-a by Alex Morgan (so the
    /// tests' edits of them are edits, not new incidents missing their time and note).
    fn with_sam() -> Known {
        let mut known = Known::default();
        known.entities.insert(
            (EntityKind::Person, "sam".into()),
            EntityState {
                unit_id: "ward-a".into(),
                locked: false,
                created_by: None,
                purged_before_ms: 0,
            },
        );
        for id in ["inc", "inc2", "i1", "i2"] {
            known.entities.insert(
                (EntityKind::Incident, id.into()),
                EntityState {
                    unit_id: "ward-a".into(),
                    locked: false,
                    created_by: Some("dev-a".into()),
                    purged_before_ms: 0,
                },
            );
            known.cells.insert(
                CellKey {
                    entity: EntityKind::Incident,
                    entity_id: id.into(),
                    field: "recorded_by".into(),
                    item_id: String::new(),
                },
                (
                    Hlc {
                        wall_ms: NOW.0 - 86_400_000,
                        counter: 0,
                        device: "dev-a".into(),
                    },
                    json!("Alex Morgan"),
                ),
            );
        }
        known
    }

    fn status(plan: &Plan, i: usize) -> &OpOutcome {
        &plan.results[i].outcome
    }

    #[test]
    fn later_stamp_wins_field_by_field_and_the_loser_hears_the_winner() {
        let g = grants(Role::Editor);
        let a = op(
            "a1",
            EntityKind::Sheet,
            "sam",
            &[
                ("green.settled", json!("A")),
                ("green.routines", json!("A")),
            ],
            NOW.0 - 10,
            "dev-a",
        );
        let first = plan(device("dev-a", &g), &[a], with_sam(), NOW);
        assert!(matches!(
            status(&first, 0),
            OpOutcome::Applied { clamped: None }
        ));
        let mut known = with_sam();
        for w in &first.writes {
            known
                .cells
                .insert(w.key.clone(), (w.stamp.clone(), w.value.clone()));
        }
        for e in &first.new_entities {
            known.entities.insert(
                (e.entity, e.entity_id.clone()),
                EntityState {
                    unit_id: e.unit_id.clone(),
                    locked: false,
                    created_by: None,
                    purged_before_ms: 0,
                },
            );
        }
        // B edited one field earlier (offline) and another later.
        let b_old = op(
            "b1",
            EntityKind::Sheet,
            "sam",
            &[("green.settled", json!("B-old"))],
            NOW.0 - 20,
            "dev-b",
        );
        let b_new = op(
            "b2",
            EntityKind::Sheet,
            "sam",
            &[("green.routines", json!("B-new"))],
            NOW.0 - 5,
            "dev-b",
        );
        let second = plan(device("dev-b", &g), &[b_old, b_new], known, NOW);
        match status(&second, 0) {
            OpOutcome::Superseded { winners, .. } => {
                assert_eq!(winners[0].field, "green.settled");
                assert_eq!(winners[0].value, json!("A"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(status(&second, 1), OpOutcome::Applied { .. }));
        assert_eq!(second.writes.len(), 1);
        assert_eq!(second.writes[0].value, json!("B-new"));
    }

    #[test]
    fn equal_wall_times_are_ordered_by_device_id_the_same_everywhere() {
        let g = grants(Role::Editor);
        let a = op(
            "a1",
            EntityKind::Sheet,
            "sam",
            &[("green.settled", json!("from a"))],
            NOW.0,
            "dev-a",
        );
        let b = op(
            "b1",
            EntityKind::Sheet,
            "sam",
            &[("green.settled", json!("from b"))],
            NOW.0,
            "dev-b",
        );
        let mut known = with_sam();
        known.cells.insert(
            CellKey {
                entity: EntityKind::Sheet,
                entity_id: "sam".into(),
                field: "green.settled".into(),
                item_id: String::new(),
            },
            (a.stamp.clone(), json!("from a")),
        );
        known.entities.insert(
            (EntityKind::Sheet, "sam".into()),
            EntityState {
                unit_id: "ward-a".into(),
                locked: false,
                created_by: None,
                purged_before_ms: 0,
            },
        );
        let p = plan(device("dev-b", &g), &[b], known, NOW);
        assert!(
            matches!(status(&p, 0), OpOutcome::Applied { .. }),
            "dev-b > dev-a"
        );
    }

    #[test]
    fn a_retried_op_gets_its_first_answer_and_writes_nothing() {
        let g = grants(Role::Reader);
        let capture = op(
            "c1",
            EntityKind::Incident,
            "inc",
            &[("note", json!("n"))],
            NOW.0,
            "dev-a",
        );
        let first = plan(
            device("dev-a", &g),
            std::slice::from_ref(&capture),
            with_sam(),
            NOW,
        );
        let mut known = with_sam();
        for (id, outcome) in &first.remember {
            known
                .answered
                .insert(id.clone(), ("dev-a".into(), outcome.clone()));
        }
        let again = plan(
            device("dev-a", &g),
            &[capture.clone(), capture.clone()],
            known.clone(),
            NOW,
        );
        assert_eq!(again.results[0].outcome, first.results[0].outcome);
        assert!(again.writes.is_empty() && again.remember.is_empty());
        let thief = plan(
            device("dev-x", &g),
            &[op(
                "c1",
                EntityKind::Incident,
                "inc",
                &[("note", json!("n"))],
                NOW.0,
                "dev-x",
            )],
            known,
            NOW,
        );
        assert!(matches!(
            status(&thief, 0),
            OpOutcome::Rejected {
                reason: RejectReason::DuplicateOpId,
                ..
            }
        ));
    }

    #[test]
    fn a_fast_devices_later_op_still_beats_its_earlier_one_once_both_are_clamped() {
        let g = grants(Role::Reader);
        let day = 86_400_000;
        // Captured, then submitted a millisecond later, by a phone a day fast: both clamped
        // to the same instant.
        let ops = vec![
            op(
                "c",
                EntityKind::Incident,
                "inc",
                &[
                    ("status", json!("draft")),
                    ("note", json!("n")),
                    ("occurred_at", json!(NOW.0 - 60_000)),
                ],
                NOW.0 + day,
                "d",
            ),
            op(
                "s",
                EntityKind::Incident,
                "inc",
                &[("status", json!("submitted"))],
                NOW.0 + day + 1,
                "d",
            ),
        ];
        let p = plan(device("d", &g), &ops, with_sam(), NOW);
        assert!(
            matches!(
                &p.results[1].outcome,
                OpOutcome::Applied { clamped: Some(_) }
            ),
            "{:?}",
            p.results[1]
        );
        assert_eq!(p.locks.len(), 1, "the submission took");
        let status: Vec<_> = p
            .writes
            .iter()
            .filter(|w| w.key.field == "status")
            .map(|w| (w.value.clone(), w.stamp.clone()))
            .collect();
        assert!(status[1].1 > status[0].1, "{status:?}");
        // And in a later batch at the same server instant: the earlier write is stored.
        let later = op(
            "t",
            EntityKind::Incident,
            "inc",
            &[("note", json!("n2"))],
            NOW.0 + day + 5,
            "d",
        );
        let mut known = with_sam();
        let stored = p.writes.iter().find(|w| w.key.field == "note").unwrap();
        known
            .cells
            .insert(stored.key.clone(), (stored.stamp.clone(), json!("n")));
        let p = plan(device("d", &g), &[later], known, NOW);
        assert!(
            matches!(&p.results[0].outcome, OpOutcome::Applied { .. }),
            "{:?}",
            p.results[0]
        );
    }

    #[test]
    fn a_stamp_from_a_day_ahead_is_clamped_to_the_servers_clock() {
        let g = grants(Role::Editor);
        let fast = op(
            "f1",
            EntityKind::Sheet,
            "sam",
            &[("green.settled", json!("fast"))],
            NOW.0 + 86_400_000,
            "dev-a",
        );
        let p = plan(device("dev-a", &g), &[fast], with_sam(), NOW);
        match status(&p, 0) {
            OpOutcome::Applied {
                clamped: Some(stamp),
            } => assert_eq!(stamp.wall_ms, NOW.0 + MAX_CLOCK_AHEAD_MS),
            other => panic!("{other:?}"),
        }
        assert_eq!(p.writes[0].stamp.wall_ms, NOW.0 + MAX_CLOCK_AHEAD_MS);
    }

    #[test]
    fn grants_roles_units_and_stamps_are_checked_before_anything_is_written() {
        let reader = grants(Role::Reader);
        let cases = [
            (
                op(
                    "r1",
                    EntityKind::Sheet,
                    "sam",
                    &[("green.settled", json!(1))],
                    NOW.0,
                    "dev-a",
                ),
                RejectReason::Role,
            ),
            (
                op(
                    "r2",
                    EntityKind::Guidance,
                    "card",
                    &[("title", json!("t"))],
                    NOW.0,
                    "dev-a",
                ),
                RejectReason::ReadOnly,
            ),
            (
                op(
                    "r3",
                    EntityKind::Incident,
                    "inc",
                    &[("note", json!("n"))],
                    NOW.0,
                    "dev-b",
                ),
                RejectReason::ForgedStamp,
            ),
            (
                Operation {
                    unit_id: "ward-z".into(),
                    ..op(
                        "r4",
                        EntityKind::Incident,
                        "inc",
                        &[("note", json!("n"))],
                        NOW.0,
                        "dev-a",
                    )
                },
                RejectReason::NotGranted,
            ),
        ];
        for (o, reason) in cases {
            let p = plan(device("dev-a", &reader), &[o], with_sam(), NOW);
            assert!(
                matches!(status(&p, 0), OpOutcome::Rejected { reason: r, .. } if *r == reason),
                "{reason:?}: {:?}",
                p.results
            );
            assert!(p.writes.is_empty() && p.new_entities.is_empty());
        }
        let mut known = with_sam();
        known.entities.insert(
            (EntityKind::Incident, "inc".into()),
            EntityState {
                unit_id: "ward-b".into(),
                locked: false,
                created_by: None,
                purged_before_ms: 0,
            },
        );
        let p = plan(
            device("dev-a", &reader),
            &[op(
                "r5",
                EntityKind::Incident,
                "inc",
                &[("note", json!("n"))],
                NOW.0,
                "dev-a",
            )],
            known,
            NOW,
        );
        assert!(matches!(
            status(&p, 0),
            OpOutcome::Rejected {
                reason: RejectReason::UnitMismatch,
                ..
            }
        ));
    }

    #[test]
    fn a_capture_stamped_just_after_the_end_by_a_slightly_fast_clock_is_accepted() {
        // The e2e suite caught this: a capture in the same millisecond as the end was refused,
        // quarantined, and then purged with the unit.
        let ended = vec![GrantRecord {
            unit_id: "ward-a".into(),
            role: Role::Reader,
            ends_at: Some(Timestamp(NOW.0 - 60_000)),
        }];
        let same_ms = op(
            "s1",
            EntityKind::Incident,
            "i1",
            &[("note", json!("n"))],
            NOW.0 - 60_000,
            "dev-a",
        );
        let fast = op(
            "s2",
            EntityKind::Incident,
            "i2",
            &[("note", json!("n"))],
            NOW.0 - 1,
            "dev-a",
        );
        let p = plan(device("dev-a", &ended), &[same_ms, fast], with_sam(), NOW);
        assert!(matches!(status(&p, 0), OpOutcome::Applied { .. }));
        assert!(matches!(status(&p, 1), OpOutcome::Applied { .. }));
    }

    #[test]
    fn a_change_made_before_the_placement_ended_still_arrives() {
        let ended = vec![GrantRecord {
            unit_id: "ward-a".into(),
            role: Role::Reader,
            ends_at: Some(Timestamp(NOW.0 - 120_000)),
        }];
        let before = op(
            "b1",
            EntityKind::Incident,
            "inc",
            &[("note", json!("n"))],
            NOW.0 - 125_000,
            "dev-a",
        );
        let after = op(
            "a1",
            EntityKind::Incident,
            "inc2",
            &[("note", json!("n"))],
            NOW.0 - 10,
            "dev-a",
        );
        let p = plan(device("dev-a", &ended), &[before, after], with_sam(), NOW);
        assert!(matches!(status(&p, 0), OpOutcome::Applied { .. }));
        assert!(matches!(
            status(&p, 1),
            OpOutcome::Rejected {
                reason: RejectReason::GrantEnded,
                ..
            }
        ));
    }

    /// A phone cannot seal another name or number into a submitted record: the subject it
    /// sends must be the person as the server holds them.
    #[test]
    fn a_submission_freezes_the_person_as_stored_and_nothing_else() {
        let g = grants(Role::Reader);
        let mut known = with_sam();
        let stamp = Hlc {
            wall_ms: NOW.0 - 86_400_000,
            counter: 0,
            device: "dev-b".into(),
        };
        for (entity, id, field, value) in [
            (
                EntityKind::Person,
                "sam",
                "display_name",
                json!("Samuel Okafor"),
            ),
            (EntityKind::Person, "sam", "nhs_number", json!("9434765919")),
            (EntityKind::Incident, "inc", "person_id", json!("sam")),
        ] {
            known.cells.insert(
                CellKey {
                    entity,
                    entity_id: id.into(),
                    field: field.into(),
                    item_id: String::new(),
                },
                (stamp.clone(), value),
            );
        }
        known.whole.insert((EntityKind::Person, "sam".into()));
        let submit = |id: &str, subject: Value| {
            op(
                id,
                EntityKind::Incident,
                "inc",
                &[("status", json!("submitted")), ("subject", subject)],
                NOW.0 - 40,
                "dev-a",
            )
        };
        let forged =
            json!({"name": "Someone Else", "nhs_number": "9434765919", "local_identifier": null});
        let missing = Value::Null;
        let true_one =
            json!({"name": "Samuel Okafor", "nhs_number": "9434765919", "local_identifier": null});
        for (subject, accepted) in [(forged, false), (missing, false), (true_one, true)] {
            let p = plan(
                device("dev-a", &g),
                &[submit("z", subject.clone())],
                known.clone(),
                NOW,
            );
            match (status(&p, 0), accepted) {
                (OpOutcome::Applied { .. }, true) => {}
                (OpOutcome::Rejected { detail, .. }, false) => {
                    assert!(detail.contains("subject"), "{detail}")
                }
                (other, _) => panic!("{subject}: {other:?}"),
            }
        }
    }

    /// A phone that skips its own check, or raw HTTP, cannot record a hold the person's own
    /// alert rules out without the reason: the server judges by the same core function.
    #[test]
    fn a_hold_the_persons_alert_rules_out_is_refused_without_a_reason() {
        let g = grants(Role::Editor);
        let mut known = with_sam();
        let stamp = Hlc {
            wall_ms: NOW.0 - 86_400_000,
            counter: 0,
            device: "dev-b".into(),
        };
        let mut put = |entity: EntityKind, id: &str, field: &str, item: &str, value: Value| {
            known.cells.insert(
                CellKey {
                    entity,
                    entity_id: id.into(),
                    field: field.into(),
                    item_id: item.into(),
                },
                (stamp.clone(), value),
            );
        };
        put(
            EntityKind::Person,
            "sam",
            "safety_alerts",
            "alert-1",
            json!({"pos": 1.0, "text": "No prone holds: asthma", "avoid": ["01"]}),
        );
        put(EntityKind::Incident, "inc", "person_id", "", json!("sam"));
        let force = |id: &str, code: &str, reason: Value| Operation {
            change: Change::Item {
                list: USE_OF_FORCE_LIST.into(),
                item_id: format!("f-{id}"),
                value: json!({"pos": 1.0, "intervention": code, "how_force_was_used": "",
                              "staff": [], "contraindication_override": reason}),
            },
            ..op(id, EntityKind::Incident, "inc", &[], NOW.0 - 40, "dev-a")
        };
        let batch = [
            force("c1", "01", Value::Null),
            force(
                "c2",
                "01",
                json!("Fell forward; turned to his side at once"),
            ),
            force("c3", "07", Value::Null),
        ];
        let people = people_needed(&batch, &known);
        assert!(people.contains(&(EntityKind::Person, "sam".to_string())));
        assert!(people.contains(&(EntityKind::Sheet, "sam".to_string())));
        let p = plan(device("dev-a", &g), &batch, known, NOW);
        match status(&p, 0) {
            OpOutcome::Rejected { reason, detail } => {
                assert_eq!(*reason, RejectReason::Invalid);
                assert!(detail.contains("alert-1"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(status(&p, 1), OpOutcome::Applied { .. }),
            "{:?}",
            status(&p, 1)
        );
        assert!(
            matches!(status(&p, 2), OpOutcome::Applied { .. }),
            "a standing hold is not ruled out"
        );
    }

    /// A phone cannot record or authorise seclusion in a care home, whatever it sends: the
    /// server applies the same rule as the device, from the unit's flag it holds.
    #[test]
    fn seclusion_and_segregation_only_in_a_mental_health_unit() {
        let g = grants(Role::Editor);
        let force = |id: &str, code: &str| Operation {
            change: Change::Item {
                list: "use_of_force".into(),
                item_id: format!("f-{id}"),
                value: json!({"pos": 1.0, "id": format!("f-{id}"), "intervention": code,
                              "how_force_was_used": "", "staff": []}),
            },
            ..op(id, EntityKind::Incident, "inc", &[], NOW.0 - 40, "dev-a")
        };
        let authorise = |id: &str, code: &str| Operation {
            change: Change::Item {
                list: "red.authorised_interventions".into(),
                item_id: format!("a-{id}"),
                value: json!({"pos": 1.0, "id": format!("a-{id}"), "type": code, "note": ""}),
            },
            ..op(id, EntityKind::Sheet, "sam", &[], NOW.0 - 40, "dev-a")
        };
        let batch = [
            force("x1", "05"),
            force("x2", "06"),
            authorise("x3", "05"),
            force("x4", "07"),
        ];
        assert_eq!(needs(&batch).units, vec!["ward-a".to_string()]);

        // ward-a is a care home here: the flag is not set.
        let p = plan(device("dev-a", &g), &batch, with_sam(), NOW);
        for i in 0..3 {
            match status(&p, i) {
                OpOutcome::Rejected { reason, detail } => {
                    assert_eq!(*reason, RejectReason::Invalid);
                    assert!(detail.contains("Mental Health Act"), "{detail}");
                }
                other => panic!("op {i}: {other:?}"),
            }
        }
        assert!(
            matches!(status(&p, 3), OpOutcome::Applied { .. }),
            "a standing hold is fine"
        );

        // The same batch in a mental health unit is recorded.
        let mut ward = with_sam();
        ward.mental_health_units.insert("ward-a".into());
        let p = plan(device("dev-a", &g), &batch, ward, NOW);
        for i in 0..4 {
            assert!(
                matches!(status(&p, i), OpOutcome::Applied { .. }),
                "op {i}: {:?}",
                status(&p, i)
            );
        }
    }

    #[test]
    fn a_submitted_incident_takes_only_new_addenda() {
        let g = grants(Role::Reader);
        let submit = op(
            "s1",
            EntityKind::Incident,
            "inc",
            &[("note", json!("n")), ("status", json!("submitted"))],
            NOW.0 - 100,
            "dev-a",
        );
        let edit = op(
            "s2",
            EntityKind::Incident,
            "inc",
            &[("note", json!("rewritten"))],
            NOW.0 - 50,
            "dev-a",
        );
        let addendum = |id: &str, item: &str| Operation {
            change: Change::Item {
                list: ADDENDA_LIST.into(),
                item_id: item.into(),
                value: json!({"pos": 1.0, "author": "Alex Morgan", "job_title": "Support worker",
                              "at": NOW.0, "reason": "r", "text": "t"}),
            },
            ..op(id, EntityKind::Incident, "inc", &[], NOW.0 - 40, "dev-a")
        };
        let p = plan(
            device("dev-a", &g),
            &[
                submit,
                edit,
                addendum("s3", "add-1"),
                addendum("s4", "add-1"),
            ],
            with_sam(),
            NOW,
        );
        assert_eq!(p.locks, vec![(EntityKind::Incident, "inc".to_string())]);
        assert!(matches!(
            status(&p, 1),
            OpOutcome::Rejected {
                reason: RejectReason::Locked,
                ..
            }
        ));
        assert!(matches!(status(&p, 2), OpOutcome::Applied { .. }));
        assert!(
            matches!(
                status(&p, 3),
                OpOutcome::Rejected {
                    reason: RejectReason::Locked,
                    ..
                }
            ),
            "an addendum never changes"
        );
    }

    #[test]
    fn after_a_grant_ends_plans_are_closed_and_no_answer_shows_a_value() {
        let ended = vec![GrantRecord {
            unit_id: "ward-a".into(),
            role: Role::Editor,
            ends_at: Some(Timestamp(NOW.0 - 60_000)),
        }];
        // A sheet edit stamped before the end (back-dated, or made offline): refused now.
        let sheet = op(
            "s1",
            EntityKind::Sheet,
            "sam",
            &[("red.staff_should_do", json!("x"))],
            NOW.0 - 3_600_000,
            "dev-a",
        );
        let p = plan(device("dev-a", &ended), &[sheet], with_sam(), NOW);
        assert!(matches!(
            status(&p, 0),
            OpOutcome::Rejected {
                reason: RejectReason::GrantEnded,
                ..
            }
        ));
        assert!(p.writes.is_empty());
        // The incident it recorded before the end still arrives; where another edit won, the
        // answer names the field but not what won.
        let mut known = with_sam();
        known.cells.insert(
            CellKey {
                entity: EntityKind::Incident,
                entity_id: "inc".into(),
                field: "note".into(),
                item_id: String::new(),
            },
            (
                Hlc {
                    wall_ms: NOW.0 - 1_000,
                    counter: 0,
                    device: "dev-b".into(),
                },
                json!("written after the placement ended"),
            ),
        );
        let late = op(
            "i1",
            EntityKind::Incident,
            "inc",
            &[("note", json!("mine")), ("tags", json!(["near_miss"]))],
            NOW.0 - 3_600_000,
            "dev-a",
        );
        let p = plan(device("dev-a", &ended), &[late], known, NOW);
        match status(&p, 0) {
            OpOutcome::Superseded { winners, .. } => {
                assert_eq!(winners.len(), 1);
                assert_eq!(winners[0].field, "note");
                assert_eq!(winners[0].value, Value::Null);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.writes.len(), 1, "the tags it made still arrive");
        // But an incident another device recorded is not its to change any more.
        let mut known = with_sam();
        known
            .entities
            .get_mut(&(EntityKind::Incident, "inc".to_string()))
            .unwrap()
            .created_by = Some("dev-b".into());
        let theirs = op(
            "i2",
            EntityKind::Incident,
            "inc",
            &[("tags", json!(["near_miss"]))],
            NOW.0 - 3_600_000,
            "dev-a",
        );
        let p = plan(device("dev-a", &ended), &[theirs], known, NOW);
        assert!(matches!(
            status(&p, 0),
            OpOutcome::Rejected {
                reason: RejectReason::GrantEnded,
                ..
            }
        ));
    }

    #[test]
    fn needs_lists_each_record_and_cell_once() {
        let a = op(
            "1",
            EntityKind::Sheet,
            "sam",
            &[("green.settled", json!(1)), ("y", json!(2))],
            1,
            "d",
        );
        let b = op(
            "2",
            EntityKind::Sheet,
            "sam",
            &[("green.settled", json!(3))],
            2,
            "d",
        );
        let n = needs(&[a, b]);
        assert_eq!(n.op_ids, vec!["1", "2"]);
        // The sheet, and its person (whose unit the sheet must share).
        assert_eq!(
            n.entities,
            vec![
                (EntityKind::Sheet, "sam".to_string()),
                (EntityKind::Person, "sam".to_string())
            ]
        );
        assert_eq!(n.cells.len(), 2);
    }
}
