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

use crate::clock::{Hlc, Timestamp};
use crate::units::UnitGrant;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The most operations one sync request may push.
pub const MAX_PUSH_OPS: usize = 1000;
/// The most fields and list items one sync response may carry (fields of one record written
/// together arrive grouped as one change).
pub const MAX_PULL_LIMIT: u32 = 5000;
/// The largest JSON value of one field or item, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most fields one operation may set.
pub const MAX_FIELDS_PER_OP: usize = 64;
/// The longest id (op, entity, unit, item, device) or field name, in bytes.
pub const MAX_ID_BYTES: usize = 64;

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
}

impl EntityKind {
    /// The name used in the store and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Sheet => "sheet",
            EntityKind::Incident => "incident",
            EntityKind::ChecklistRun => "checklist_run",
            EntityKind::Guidance => "guidance",
        }
    }

    /// The kind named `name` in the store or on the wire.
    pub fn parse(name: &str) -> Option<Self> {
        [
            EntityKind::Person,
            EntityKind::Sheet,
            EntityKind::Incident,
            EntityKind::ChecklistRun,
            EntityKind::Guidance,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// The list whose items may still be added to a submitted incident.
pub const ADDENDA_LIST: &str = "addenda";

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

impl Operation {
    /// Checks the operation's shape; `at` prefixes the field named in an error.
    pub fn validate(&self, at: &str) -> Result<(), ProtocolError> {
        id_ok(at, "op_id", &self.op_id)?;
        id_ok(at, "entity_id", &self.entity_id)?;
        id_ok(at, "unit_id", &self.unit_id)?;
        id_ok(at, "stamp.device", &self.stamp.device)?;
        if self.stamp.wall_ms < 0 {
            return Err(ProtocolError {
                field: format!("{at}.stamp.wall_ms"),
                rule: "must not be negative".into(),
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
    /// Checks the request's shape, naming the field at fault.
    pub fn validate(&self) -> Result<(), ProtocolError> {
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
            op.validate(&format!("push[{i}]"))?;
        }
        Ok(())
    }
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
}

/// One field or item where another change won, with the value that won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winner {
    /// The field (or list) name.
    pub field: String,
    /// The list item, or "" for a plain field.
    pub item_id: String,
    /// The winning value.
    pub value: Value,
    /// Its stamp.
    pub stamp: Hlc,
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
