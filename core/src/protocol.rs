//! Sync protocol v1: the wire types, defined once for the device, the sync engine and the server.
//!
//! A change is merged at the grain of one text field or one list item, so two people editing
//! different parts of the same support sheet never overwrite each other. An [`Operation`] names
//! the record and carries either a set of fields (each merged on its own with the operation's
//! stamp) or one list item. `op_id` is made on the device, so a retried upload is a no-op.
//!
//! Unknown fields in any message are ignored (a newer peer may add some); a field that is
//! present but wrong is refused with a message naming it ([`Operation::validate`],
//! [`SyncRequest::validate`]). `docs/protocol.md` describes the exchange in prose.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::AuditEvent;
use crate::clock::{Hlc, Timestamp};
use crate::units::UnitGrant;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The most operations one sync request may push. As many as one pull may carry cells, so a
/// device with a backlog (a HEMS crew back in signal, a first sync of imported records) pushes
/// it in as few round trips as it pulls; the 4 MiB body limit still bounds a request's bytes,
/// and a batch the server finds too large is halved by the device.
pub const MAX_PUSH_OPS: usize = 5000;
/// The most fields and list items one sync response may carry (fields of one record written
/// together arrive grouped as one change).
pub const MAX_PULL_LIMIT: u32 = 5000;
/// The largest JSON value of one field or item, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most fields one operation may set.
pub const MAX_FIELDS_PER_OP: usize = 64;
/// The longest id (op, entity, unit, item, device) or field name, in bytes.
pub const MAX_ID_BYTES: usize = 64;
/// The deepest a field's or item's JSON value may nest (the deepest record value, a use of force
/// with its staff list, nests three deep; the rest is room for a newer peer, not for a parser
/// bomb that other devices would then be sent).
pub const MAX_VALUE_DEPTH: usize = 8;
/// The latest instant any timestamp or stamp on the wire may name: 2100-01-01T00:00:00Z. No
/// record of this service can be dated later; the server clamps stamps far closer than this.
pub const MAX_WIRE_TIME_MS: i64 = 4_102_444_800_000;
/// The largest counter of a stamp. A device's counter counts the changes it makes within one
/// millisecond (or within the minute a fast clock is clamped to): a million is beyond any real
/// device, and small enough that no stamp can be pinned at the top of the range.
pub const MAX_HLC_COUNTER: u32 = 1_000_000;
/// The largest magnitude of any number in a value: 2^53, the integers that JavaScript, Kotlin's
/// `Double` and Swift's `Double` hold exactly. Nothing a record holds is larger.
pub const MAX_WIRE_NUMBER: f64 = 9_007_199_254_740_992.0;

/// The kinds of replicated record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum EntityKind {
    /// A person supported: names and safety alerts.
    Person,
    /// A person's support sheet (keyed by the person's id).
    Sheet,
    /// An incident: quick capture, detail, submission and addenda.
    Incident,
    /// A completed warning-sign checklist.
    ChecklistRun,
    /// Organisation-authored guidance, read-only on devices.
    Guidance,
    /// A free-text handover note for a unit's shift huddle, optionally about one person.
    HandoverNote,
}

impl EntityKind {
    /// Every kind.
    pub const ALL: [EntityKind; 6] = [
        EntityKind::Person,
        EntityKind::Sheet,
        EntityKind::Incident,
        EntityKind::ChecklistRun,
        EntityKind::Guidance,
        EntityKind::HandoverNote,
    ];

    /// The name used in the store and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Sheet => "sheet",
            EntityKind::Incident => "incident",
            EntityKind::ChecklistRun => "checklist_run",
            EntityKind::Guidance => "guidance",
            EntityKind::HandoverNote => "handover_note",
        }
    }

    /// The kind named `name` in the store or on the wire.
    pub fn parse(name: &str) -> Option<Self> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The list whose items may still be added to a submitted incident.
pub const ADDENDA_LIST: &str = "addenda";

/// The list of an incident's uses of force.
pub const USE_OF_FORCE_LIST: &str = "use_of_force";

/// What an operation changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Sets fields; each merges on its own. `null` clears a field.
    Fields(BTreeMap<String, Value>),
    /// Sets one item of a list (insert, edit or move); `null` removes it (a tombstone).
    Item {
        /// The list's field name.
        list: String,
        /// The item's stable id.
        item_id: String,
        /// The item, including its position; `null` when removed.
        value: Value,
    },
}

impl Change {
    /// Each (field, item id, value) the change sets; `item_id` is "" for a plain field.
    pub fn cells(&self) -> Vec<(&str, &str, &Value)> {
        match self {
            Change::Fields(fields) => fields.iter().map(|(f, v)| (f.as_str(), "", v)).collect(),
            Change::Item {
                list,
                item_id,
                value,
            } => vec![(list.as_str(), item_id.as_str(), value)],
        }
    }
}

/// One change to one record, as queued on the device and pushed to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Made on the device; the server applies each op id at most once.
    pub op_id: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// The unit the record belongs to (access is checked against it).
    pub unit_id: String,
    /// What changes.
    pub change: Change,
    /// When, in merge order.
    pub stamp: Hlc,
}

/// A change as the server hands it out on a pull: the winning value of one or more fields of a
/// record, with the stamp that won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledChange {
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// Its unit.
    pub unit_id: String,
    /// The fields or item, with their current values.
    pub change: Change,
    /// The stamp those values carry.
    pub stamp: Hlc,
}

impl From<&Operation> for PulledChange {
    fn from(op: &Operation) -> Self {
        PulledChange {
            entity: op.entity,
            entity_id: op.entity_id.clone(),
            unit_id: op.unit_id.clone(),
            change: op.change.clone(),
            stamp: op.stamp.clone(),
        }
    }
}

/// A message that is well-formed JSON but breaks a protocol rule; `field` names where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct ProtocolError {
    /// Where in the message (e.g. `push[3].change.fields`).
    pub field: String,
    /// What is wrong.
    pub rule: String,
}

fn id_ok(at: &str, what: &str, id: &str) -> Result<(), ProtocolError> {
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
        return Err(ProtocolError {
            field: format!("{at}.{what}"),
            rule: format!("must be 1 to {MAX_ID_BYTES} bytes with no control characters"),
        });
    }
    Ok(())
}

/// Whether a field or object key names an instant: `occurred_at`, `started_at`, an addendum's
/// `at`, a sheet's `review.due`. Every timestamp the core writes is named so.
fn names_a_time(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    last == "at" || last == "due" || last.ends_with("_at")
}

/// Checks one value of a change: nesting no deeper than [`MAX_VALUE_DEPTH`], every number
/// within [`MAX_WIRE_NUMBER`], and every instant (see [`names_a_time`]) null or a whole number of
/// milliseconds from 1970 to [`MAX_WIRE_TIME_MS`]. `key` is the field or object key holding it.
fn check_value(path: &str, key: &str, value: &Value, depth: usize) -> Result<(), ProtocolError> {
    let refuse = |rule: String| {
        Err(ProtocolError {
            field: path.to_string(),
            rule,
        })
    };
    if depth > MAX_VALUE_DEPTH {
        return refuse(format!("nests deeper than {MAX_VALUE_DEPTH} levels"));
    }
    if names_a_time(key) {
        let in_range = value.is_null()
            || value
                .as_i64()
                .is_some_and(|ms| (0..=MAX_WIRE_TIME_MS).contains(&ms));
        if !in_range {
            return refuse(format!(
                "an instant: null or whole milliseconds since 1970, 0 to {MAX_WIRE_TIME_MS}"
            ));
        }
        return Ok(());
    }
    match value {
        Value::Number(n) => {
            if n.as_f64().is_none_or(|x| x.abs() > MAX_WIRE_NUMBER) {
                return refuse(format!("numbers must be within ±{MAX_WIRE_NUMBER}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_value(&format!("{path}[{i}]"), "", item, depth + 1)?;
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                check_value(&format!("{path}.{k}"), k, v, depth + 1)?;
            }
        }
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
    Ok(())
}

impl Operation {
    /// Checks the operation's shape; `at` prefixes the field named in an error.
    pub fn validate(&self, at: &str) -> Result<(), ProtocolError> {
        id_ok(at, "op_id", &self.op_id)?;
        id_ok(at, "entity_id", &self.entity_id)?;
        id_ok(at, "unit_id", &self.unit_id)?;
        id_ok(at, "stamp.device", &self.stamp.device)?;
        if !(0..=MAX_WIRE_TIME_MS).contains(&self.stamp.wall_ms) {
            return Err(ProtocolError {
                field: format!("{at}.stamp.wall_ms"),
                rule: format!(
                    "must be 0 to {MAX_WIRE_TIME_MS} (milliseconds since 1970, before 2100)"
                ),
            });
        }
        if self.stamp.counter > MAX_HLC_COUNTER {
            return Err(ProtocolError {
                field: format!("{at}.stamp.counter"),
                rule: format!("must be 0 to {MAX_HLC_COUNTER}"),
            });
        }
        let cells = self.change.cells();
        if cells.is_empty() || cells.len() > MAX_FIELDS_PER_OP {
            return Err(ProtocolError {
                field: format!("{at}.change"),
                rule: format!("must set 1 to {MAX_FIELDS_PER_OP} fields"),
            });
        }
        for (field, item, value) in cells {
            id_ok(at, "change.field", field)?;
            if let Change::Item { .. } = self.change {
                id_ok(at, "change.item_id", item)?;
            }
            check_value(&format!("{at}.change.{field}"), field, value, 1)?;
            let size = serde_json::to_vec(value)
                .map(|v| v.len())
                .unwrap_or(usize::MAX);
            if size > MAX_VALUE_BYTES {
                return Err(ProtocolError {
                    field: format!("{at}.change.{field}"),
                    rule: format!("value is {size} bytes; at most {MAX_VALUE_BYTES}"),
                });
            }
        }
        Ok(())
    }
}

/// `POST /v1/enroll`: a device redeems an enrolment code for a device token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// Must be [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The code a lead issued, as typed or scanned.
    pub code: String,
    /// The device's id (made when its store was created).
    pub device_id: String,
    /// Who uses the device, as shown to leads ("Alex Morgan, Support worker").
    pub device_label: String,
    /// The name of the member of staff who uses the device: every author, recorded-by and
    /// submitted-by the device writes must be this (absent from older apps: the label's part
    /// before ", " stands in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_name: Option<String>,
    /// Their job title (an addendum's job title must be this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_job_title: Option<String>,
}

/// The answer to an enrolment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The protocol version of the server.
    pub protocol: u32,
    /// The bearer token for every later call; shown once, stored hashed on the server.
    pub device_token: String,
    /// The grants the code carried.
    pub grants: Vec<UnitGrant>,
    /// The server's clock.
    pub server_time: Timestamp,
}

/// `POST /v1/grants`: an enrolled device redeems another enrolment code — its next placement,
/// or a second one at once — without enrolling again. Sent with the device's token; the code is
/// checked and burned exactly as an enrolment burns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantsRequest {
    /// Must be [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The code a lead issued, as typed or scanned.
    pub code: String,
    /// The device's id: must be the device the token belongs to.
    pub device_id: String,
}

/// The answer to [`GrantsRequest`]: every grant of the device now, as a sync answers them. No
/// token: the device keeps the one it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantsResponse {
    /// The protocol version of the server.
    pub protocol: u32,
    /// All the device's grants in force now, the code's among them (a grant for a unit the
    /// device held already replaced by the code's).
    pub grants: Vec<UnitGrant>,
    /// Units whose grant has ended: push what is pending for them, then purge them.
    pub ended_units: Vec<String>,
    /// The server's clock.
    pub server_time: Timestamp,
}

/// `POST /v1/sync`: push and pull in one round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// Must be [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// Where the last pull ended (opaque; absent on the first sync).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Operations to apply, oldest first (at most [`MAX_PUSH_OPS`]).
    #[serde(default)]
    pub push: Vec<Operation>,
    /// The most fields and list items to return (1 to [`MAX_PULL_LIMIT`]).
    pub pull_limit: u32,
}

impl SyncRequest {
    /// Checks the request and every operation in it, naming the field at fault. A device checks
    /// this before it sends; the server checks only [`SyncRequest::validate_envelope`] for the
    /// whole request and each operation on its own ([`Operation::validate`]), so one bad
    /// operation is answered `rejected` and never fails the rest of the batch.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        self.validate_envelope()?;
        for (i, op) in self.push.iter().enumerate() {
            op.validate(&format!("push[{i}]"))?;
        }
        Ok(())
    }

    /// Checks what the whole request stands or falls by: the version, the sizes, the cursor,
    /// and that every operation has an op id its answer can carry.
    pub fn validate_envelope(&self) -> Result<(), ProtocolError> {
        if self.protocol != PROTOCOL_VERSION {
            return Err(ProtocolError {
                field: "protocol".into(),
                rule: format!("this server speaks version {PROTOCOL_VERSION}"),
            });
        }
        if self.push.len() > MAX_PUSH_OPS {
            return Err(ProtocolError {
                field: "push".into(),
                rule: format!("at most {MAX_PUSH_OPS} operations per request"),
            });
        }
        if self.pull_limit == 0 || self.pull_limit > MAX_PULL_LIMIT {
            return Err(ProtocolError {
                field: "pull_limit".into(),
                rule: format!("must be 1 to {MAX_PULL_LIMIT}"),
            });
        }
        if self.cursor.as_ref().is_some_and(|c| c.len() > 64 * 1024) {
            return Err(ProtocolError {
                field: "cursor".into(),
                rule: "too long".into(),
            });
        }
        for (i, op) in self.push.iter().enumerate() {
            id_ok(&format!("push[{i}]"), "op_id", &op.op_id)?;
        }
        Ok(())
    }
}

/// The most audit events one `POST /v1/audit` may carry: as many as a push carries
/// operations, since most changes write one event (a day's backlog goes in a request or two;
/// a batch a cut link drops is halved by the device).
pub const MAX_AUDIT_EVENTS: usize = 5000;
/// The longest text of an audit event (actor, action, entity, ids, detail), in bytes. A detail
/// names at most [`MAX_FIELDS_PER_OP`] fields of [`MAX_ID_BYTES`] each, with separators.
pub const MAX_AUDIT_TEXT_BYTES: usize = 8 * 1024;

/// One event of a device's audit trail as stored on the device and sent to the server: the
/// event ([`AuditEvent`]: ids and field names, never personal content) and its chained hash
/// ([`crate::audit::chain_hash`], hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The event, exactly as stored on the device.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// Its hash (64 hex digits): over the previous event's hash and this event.
    pub hash: String,
}

impl AuditRecord {
    /// The hash as bytes; `None` unless 32 bytes in hex.
    pub fn hash_bytes(&self) -> Option<[u8; 32]> {
        hex::decode(&self.hash).ok()?.try_into().ok()
    }
}

/// `POST /v1/audit`: a device sends the events of its audit trail the server has not yet
/// acknowledged, oldest first, in order. The server checks each against its chain (the seq
/// follows the last one it holds for this device, the hash is what [`crate::audit::chain_hash`]
/// gives) and stores the batch whole or refuses it whole. Events it already holds, with the
/// same hash, are acknowledged again and not stored twice (a retried request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPushRequest {
    /// Must be [`PROTOCOL_VERSION`].
    pub protocol: u32,
    /// The device's id: must be the device the token belongs to (the server files the events
    /// under the token's device, never under a body's).
    pub device_id: String,
    /// The events, oldest first (1 to [`MAX_AUDIT_EVENTS`]).
    pub events: Vec<AuditRecord>,
}

impl AuditPushRequest {
    /// Checks the request's shape, naming the field at fault.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.protocol != PROTOCOL_VERSION {
            return Err(ProtocolError {
                field: "protocol".into(),
                rule: format!("this server speaks version {PROTOCOL_VERSION}"),
            });
        }
        id_ok("request", "device_id", &self.device_id).map_err(|mut e| {
            e.field = "device_id".into();
            e
        })?;
        if self.events.is_empty() || self.events.len() > MAX_AUDIT_EVENTS {
            return Err(ProtocolError {
                field: "events".into(),
                rule: format!("must hold 1 to {MAX_AUDIT_EVENTS} events"),
            });
        }
        for (i, record) in self.events.iter().enumerate() {
            let at = format!("events[{i}]");
            let e = &record.event;
            if e.seq < 1 {
                return Err(ProtocolError {
                    field: format!("{at}.seq"),
                    rule: "must be 1 or more".into(),
                });
            }
            if !(0..=MAX_WIRE_TIME_MS).contains(&e.at.0) {
                return Err(ProtocolError {
                    field: format!("{at}.at"),
                    rule: format!("must be 0 to {MAX_WIRE_TIME_MS} (milliseconds since 1970)"),
                });
            }
            for (name, text) in [
                ("actor", &e.actor),
                ("action", &e.action),
                ("entity", &e.entity),
                ("entity_id", &e.entity_id),
                ("unit_id", &e.unit_id),
                ("detail", &e.detail),
            ] {
                if text.len() > MAX_AUDIT_TEXT_BYTES {
                    return Err(ProtocolError {
                        field: format!("{at}.{name}"),
                        rule: format!("at most {MAX_AUDIT_TEXT_BYTES} bytes"),
                    });
                }
            }
            if record.hash_bytes().is_none() {
                return Err(ProtocolError {
                    field: format!("{at}.hash"),
                    rule: "must be 64 hex digits".into(),
                });
            }
        }
        Ok(())
    }
}

/// The answer to [`AuditPushRequest`]: how far the server holds this device's trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPushResponse {
    /// The protocol version of the server.
    pub protocol: u32,
    /// The last seq the server holds for this device: every event up to it is stored.
    pub acknowledged: i64,
    /// How many events of this request were stored now (the rest it held already).
    pub stored: u32,
}

/// Why the server refused an operation. The device quarantines it and goes on with the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The device has no grant in the operation's unit.
    NotGranted,
    /// The grant had ended when the change was made.
    GrantEnded,
    /// The device's role does not allow this change (e.g. a reader editing a sheet).
    Role,
    /// The record is a submitted incident: only new addenda may be added.
    Locked,
    /// The record belongs to another unit.
    UnitMismatch,
    /// The record kind cannot be changed from a device (guidance).
    ReadOnly,
    /// The stamp names another device.
    ForgedStamp,
    /// The op id was already used by another device.
    DuplicateOpId,
    /// The change breaks a rule of the record (a field's type or bounds, a reference to a record
    /// of another unit); the detail names the field and the rule.
    Invalid,
}

/// One field or item where another change won, with the value that won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winner {
    /// The field (or list) name.
    pub field: String,
    /// The list item, or "" for a plain field.
    pub item_id: String,
    /// The winning value (`null` when withheld).
    pub value: Value,
    /// Its stamp.
    pub stamp: Hlc,
    /// The value is not in this answer: the answer's room for winning values was spent, or the
    /// device may no longer read the unit. The next pull carries it if the device may read it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

impl Winner {
    /// Leaves the value out of the answer ([`Winner::withheld`]).
    pub fn withhold(&mut self) {
        self.value = Value::Null;
        self.withheld = true;
    }
}

/// What happened to one pushed operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OpOutcome {
    /// Every field applied. `clamped` is set when the stamp was too far ahead of the server's
    /// clock and was stored earlier; the device re-stamps its copy to match.
    Applied {
        /// The stamp as stored, when it differs from the one sent.
        #[serde(default)]
        clamped: Option<Hlc>,
    },
    /// At least one field lost to a later change (the others applied). The device keeps its
    /// losing edit visible as a conflict.
    Superseded {
        /// The fields that lost, with what won.
        winners: Vec<Winner>,
        /// The stamp as stored, when it was clamped.
        #[serde(default)]
        clamped: Option<Hlc>,
    },
    /// Nothing applied.
    Rejected {
        /// Why.
        reason: RejectReason,
        /// In words, for the person who sees it quarantined.
        detail: String,
    },
}

impl OpOutcome {
    /// Leaves every winner's value out ([`Winner::withhold`]): what the server keeps to answer a
    /// retried op names the winners, not what they hold.
    pub fn withhold_winners(&mut self) {
        if let OpOutcome::Superseded { winners, .. } = self {
            winners.iter_mut().for_each(Winner::withhold);
        }
    }
}

/// The outcome of one pushed operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    /// Which operation.
    pub op_id: String,
    /// What happened.
    pub outcome: OpOutcome,
}

/// The answer to a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// The protocol version of the server.
    pub protocol: u32,
    /// One result per pushed operation, in order.
    pub results: Vec<OpResult>,
    /// Changes in the device's granted units after its cursor, in commit order.
    pub changes: Vec<PulledChange>,
    /// Where this pull ended: send it back next time.
    pub cursor: String,
    /// More changes wait: sync again straight away.
    pub more: bool,
    /// The grants in force now.
    pub grants: Vec<UnitGrant>,
    /// Units whose grant has ended: push what is pending for them, then purge them.
    pub ended_units: Vec<String>,
    /// The cursor is older than the server's tombstone retention: drop replicated data (never
    /// the outbox) and pull everything again from an empty cursor.
    pub full_resync: bool,
    /// The server's clock.
    pub server_time: Timestamp,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// "ok" when the server and its store answer.
    pub status: String,
    /// The protocol version.
    pub protocol: u32,
    /// The server's version.
    pub version: String,
}

/// What an error response says, so the device can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed; `message` names the field.
    BadRequest,
    /// No valid device token.
    Unauthorized,
    /// This device was revoked: wipe the store and the key.
    DeviceRevoked,
    /// The enrolment code is unknown, used, expired or out of attempts.
    EnrolmentRefused,
    /// Too many requests; retry after the `Retry-After` header.
    RateLimited,
    /// The body is too large.
    PayloadTooLarge,
    /// The content type is not `application/json`.
    UnsupportedMediaType,
    /// The server failed; retry later.
    Internal,
    /// An audit batch does not continue the chain the server holds for the device (a gap, an
    /// event out of order, a hash that does not match): nothing of it was stored; `message`
    /// says which event.
    AuditRefused,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What kind of error.
    pub error: ErrorCode,
    /// In words (never personal data).
    pub message: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn op() -> Operation {
        Operation {
            op_id: "op-1".into(),
            entity: EntityKind::Incident,
            entity_id: "inc-1".into(),
            unit_id: "unit-1".into(),
            change: Change::Fields(BTreeMap::from([("note".to_string(), Value::from("x"))])),
            stamp: Hlc {
                wall_ms: 1,
                counter: 0,
                device: "dev".into(),
            },
        }
    }

    #[test]
    fn unknown_fields_from_a_newer_peer_are_tolerated() {
        let json = r#"{"protocol":1,"pull_limit":10,"push":[],"hint":"new in v1.1"}"#;
        let request: SyncRequest = serde_json::from_str(json).unwrap();
        request.validate().unwrap();
    }

    #[test]
    fn invalid_operations_are_refused_naming_the_field() {
        let mut bad = op();
        bad.entity_id = String::new();
        let request = SyncRequest {
            protocol: 1,
            cursor: None,
            push: vec![op(), bad],
            pull_limit: 10,
        };
        assert_eq!(request.validate().unwrap_err().field, "push[1].entity_id");
        let mut huge = op();
        huge.change = Change::Fields(BTreeMap::from([(
            "note".to_string(),
            Value::from("x".repeat(MAX_VALUE_BYTES)),
        )]));
        assert_eq!(huge.validate("op").unwrap_err().field, "op.change.note");
        let wrong_version = SyncRequest {
            protocol: 2,
            cursor: None,
            push: vec![],
            pull_limit: 10,
        };
        assert_eq!(wrong_version.validate().unwrap_err().field, "protocol");
    }

    fn with_field(name: &str, value: Value) -> Operation {
        Operation {
            change: Change::Fields(BTreeMap::from([(name.to_string(), value)])),
            ..op()
        }
    }

    #[test]
    fn an_incident_time_no_incident_can_have_is_refused() {
        // The input fuzz/regressions/protocol_decode/crash-occurred-at-float-1e66.json found:
        // an occurred_at of 1.7e66, sent as an integer literal that only a float can hold.
        let found = r#"{"protocol":1,"cursor":"v1:ward-a=1'42","pull_limit":1000,"push":[{"op_id":"0193a","entity":"incident","entity_id":"0193b","unit_id":"ward-a","change":{"fields":{"note":"Synthetic","status":"draft","occurred_at":1666666666666666666666666666666666666666666666666666666795424400000}},"stamp":{"wall_ms":1795424400000,"counter":0,"device":"0f4c"}}]}"#;
        let request: SyncRequest = serde_json::from_str(found).unwrap();
        let refused = request.validate().unwrap_err();
        assert_eq!(refused.field, "push[0].change.occurred_at");
        assert!(refused.rule.contains("milliseconds"), "{}", refused.rule);

        for bad in [
            json!(1.5e12),
            json!(-1),
            json!(MAX_WIRE_TIME_MS + 1),
            json!("2026-12-03T10:00:00Z"),
            json!(true),
        ] {
            let err = with_field("occurred_at", bad.clone())
                .validate("op")
                .unwrap_err();
            assert_eq!(err.field, "op.change.occurred_at", "{bad}");
        }
        for good in [
            json!(1_795_424_400_000_i64),
            json!(0),
            json!(MAX_WIRE_TIME_MS),
            Value::Null,
        ] {
            with_field("occurred_at", good).validate("op").unwrap();
        }
        // Inside items too: a use of force's start, an addendum's time, a sheet's review date.
        let item = Operation {
            change: Change::Item {
                list: "use_of_force".into(),
                item_id: "f1".into(),
                value: json!({"pos": 1.0, "started_at": 1e300, "staff": []}),
            },
            ..op()
        };
        assert_eq!(
            item.validate("op").unwrap_err().field,
            "op.change.use_of_force.started_at"
        );
        let addendum = Operation {
            change: Change::Item {
                list: ADDENDA_LIST.into(),
                item_id: "a1".into(),
                value: json!({"at": 12.25, "text": "t"}),
            },
            ..op()
        };
        assert_eq!(
            addendum.validate("op").unwrap_err().field,
            "op.change.addenda.at"
        );
        assert!(with_field("review.due", json!(-5)).validate("op").is_err());
    }

    #[test]
    fn absurd_numbers_and_stamps_are_refused() {
        let huge = with_field("pos", json!(1e66));
        assert_eq!(huge.validate("op").unwrap_err().field, "op.change.pos");
        with_field("pos", json!(-2.5)).validate("op").unwrap();

        let mut far = op();
        far.stamp.wall_ms = MAX_WIRE_TIME_MS + 1;
        assert_eq!(far.validate("op").unwrap_err().field, "op.stamp.wall_ms");
        let mut negative = op();
        negative.stamp.wall_ms = -1;
        assert_eq!(
            negative.validate("op").unwrap_err().field,
            "op.stamp.wall_ms"
        );
        let mut pinned = op();
        pinned.stamp.counter = u32::MAX;
        assert_eq!(pinned.validate("op").unwrap_err().field, "op.stamp.counter");
        pinned.stamp.counter = MAX_HLC_COUNTER;
        pinned.validate("op").unwrap();
    }

    #[test]
    fn a_value_nested_past_what_any_record_needs_is_refused() {
        let mut deep = json!("leaf");
        for _ in 0..MAX_VALUE_DEPTH {
            deep = json!([deep]);
        }
        let err = with_field("note", deep.clone()).validate("op").unwrap_err();
        assert_eq!(err.field.split('[').next(), Some("op.change.note"));
        assert!(err.rule.contains("nests deeper"), "{}", err.rule);
        // One level less is accepted.
        let fits = deep.as_array().unwrap()[0].clone();
        with_field("note", fits).validate("op").unwrap();
    }

    #[test]
    fn a_float_survives_the_wire_exactly() {
        // serde_json's float_roundtrip: what a device sends is what others are sent.
        for text in [
            "0.1",
            "1.7976931348623157e308",
            "123456789.12345679",
            "5e-324",
            "1666666666666666666666666666666666666666666666666666666795424400000",
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            let again: Value = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
            assert_eq!(v, again, "{text}");
        }
    }

    #[test]
    fn outcomes_have_a_stable_wire_shape() {
        let result = OpResult {
            op_id: "op-1".into(),
            outcome: OpOutcome::Rejected {
                reason: RejectReason::Role,
                detail: "a reader cannot edit support sheets".into(),
            },
        };
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["outcome"]["status"], "rejected");
        assert_eq!(json["outcome"]["reason"], "role");
        let wrong_type = r#"{"protocol":1,"pull_limit":"ten"}"#;
        assert!(serde_json::from_str::<SyncRequest>(wrong_type).is_err());
    }
}
