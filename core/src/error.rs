//! Errors of the core, in one enum.
//!
//! Each variant is a situation the caller can act on differently: a wrong key is not a damaged
//! file, a missing field is not a locked record. Validation errors name the field and the rule
//! broken so the app can put the message next to the right input. Messages never contain the
//! personal data that was being saved (they may be logged).

use crate::clock::Timestamp;
use crate::codes::{RestrictiveInterventionType, Role};
use crate::s65::S65Item;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key does not open this store (or the key-check file does not belong to it).
    #[error("the key does not open this store")]
    WrongKey,
    /// The store was written by a newer version of Steady; it is left as it is.
    #[error(
        "the store has schema version {found}, newer than this build's {supported}; update the app"
    )]
    NewerSchema { found: u32, supported: u32 },
    /// The store file is damaged (truncated, or a page fails its check).
    #[error("the store file is damaged: {0}")]
    Corrupt(String),
    /// Input broke a rule; `field` names the input, `rule` says what is wrong with it.
    #[error("{field}: {rule}")]
    Validation { field: String, rule: String },
    /// No such record on this device (or not visible to it).
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    /// The device's grants do not allow this; the [`Refusal`] says which rule.
    #[error("not allowed: {0}")]
    NotAllowed(Refusal),
    /// The incident is submitted: it can no longer change; add an addendum instead.
    #[error("incident {0} is submitted and locked; add an addendum instead")]
    Locked(String),
    /// The person's own safety alerts or contraindications rule this intervention out: it is
    /// recorded only with a reason for going ahead (`contraindication_override`), which the
    /// record keeps. `caution_ids` name the alerts and contraindications (their words stay in
    /// the store: errors may be logged).
    #[error("the person's cautions {} rule out {}; give a reason to record it", caution_ids.join(", "), intervention.label())]
    Contraindicated {
        intervention: RestrictiveInterventionType,
        caution_ids: Vec<String>,
    },
    /// A use-of-force incident in a mental health unit lacks items that s.6(5) requires.
    #[error("cannot submit: the use-of-force record lacks s.6(5) items {}", S65Item::letters(.missing))]
    IncompleteUseOfForce { missing: Vec<S65Item> },
    /// The underlying database failed (disk full, I/O error, ...).
    #[error("storage: {0}")]
    Storage(rusqlite::Error),
    /// A stored or imported document is not valid JSON of the expected shape.
    #[error("data: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading or writing a file beside the store failed.
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    /// The sync server could not be reached, or failed; nothing was lost, try again later.
    #[error("sync server unavailable: {0}")]
    Network(String),
    /// The server refused the enrolment code (unknown, used, expired or out of attempts).
    #[error("enrolment refused: {0}")]
    EnrolmentRefused(String),
    /// This device has not been enrolled with a sync server yet.
    #[error("this device is not enrolled; enter an enrolment code first")]
    NotEnrolled,
    /// The server no longer accepts this device's token; enrol the device again.
    #[error("the sync server does not accept this device's token; enrol it again")]
    Unauthorized,
    /// The device was revoked: its data has been removed; delete the store and its key.
    #[error("this device was revoked; its data has been removed")]
    Revoked,
    /// The server refused a sync request (a protocol mismatch or a bug, not a network fault).
    #[error("the sync server refused the request: {0}")]
    SyncRefused(String),
    /// The sync was interrupted ([`crate::Store::interrupt_sync`]) between two requests: what
    /// the server had answered is kept, the rest waits for the next sync.
    #[error("the sync was interrupted; what was not sent waits for the next sync")]
    Interrupted,
}

/// Why the device's grants refuse an action: each a different thing to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Refusal {
    /// This device has no grant for the unit (never had one, or its data was removed).
    #[error("this device has no access to unit {unit_id}")]
    NoAccess { unit_id: String },
    /// The placement ended: the grant's end has passed. Nothing can be read or written in the
    /// unit; its data leaves the device once what waits is synced.
    #[error("access to {unit_name} ended at {ended_at}")]
    PlacementEnded {
        unit_id: String,
        unit_name: String,
        ended_at: Timestamp,
    },
    /// The grant's role is below what the action needs.
    #[error("a {} cannot {action}; it needs {}", role.as_str(), needs.as_str())]
    RoleTooLow {
        role: Role,
        needs: Role,
        action: String,
    },
    /// Only the record's author (or a lead) may do this, e.g. add an addendum.
    #[error("only the person who recorded it or a lead can {action}")]
    NotTheAuthor { action: String },
    /// Another rule of the record schema: who may write a field, or a field nobody writes.
    #[error("{rule}")]
    Rule { field: String, rule: String },
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                Error::Corrupt(e.to_string())
            }
            _ => Error::Storage(e),
        }
    }
}

impl Error {
    /// A validation error for `field`, breaking `rule`.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// A not-found error.
    pub fn not_found(entity: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound {
            entity,
            id: id.into(),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
