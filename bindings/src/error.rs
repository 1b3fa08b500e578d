//! The one error the apps catch, and how the core's detailed errors map onto it.
//!
//! The core's `Error` has a variant for every situation it can tell apart; the apps need fewer:
//! one per thing they would *do* differently (show the message by the input, offer an
//! addendum, send the user to enrolment, delete the store and key, try again later, ...).
//! [`SteadyError`]'s doc is the mapping table; `tests.rs` reaches every variant from real calls
//! and checks each core variant lands where the table says.
//!
//! Panics never cross the boundary: [`guard`] runs each call under `catch_unwind` and turns a
//! panic into [`SteadyError::Internal`]. The store stays usable afterwards — its locks recover
//! from poisoning and an unfinished transaction is rolled back when it is dropped.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use steady_core::codes::RestrictiveInterventionType;
use steady_core::s65::S65Item;
use steady_core::{Error as CoreError, Refusal};

/// What went wrong, sorted by what the app should do about it. Messages and fields never carry
/// the personal data being saved (they may be logged).
///
/// How the core's errors map:
///
/// | core error | this |
/// |---|---|
/// | `Validation { field, rule }` | `Validation { field: Field::of(field), path: field, rule }` |
/// | `IncompleteUseOfForce { missing }` | `UseOfForceIncomplete { missing }` |
/// | `Contraindicated { intervention, caution_ids }` | `Contraindicated { intervention, caution_ids }` |
/// | `EnrolmentRefused(why)` | `Validation { field: EnrolmentCode, path: "code", rule: why }` |
/// | `Locked(id)` | `Locked { record: id }` |
/// | `NotFound { entity, id }` | `NotFound { what: entity, id }` |
/// | `NotAllowed(refusal)` | `NotAllowed { refusal, reason }` |
/// | `NotEnrolled`, `Unauthorized` | `NotEnrolled { reason }` |
/// | `Revoked` | `Revoked` |
/// | `Network(text)`, `SyncRefused(text)` | `Network { detail }` |
/// | `Interrupted` | `Interrupted` |
/// | `WrongKey` | `WrongKey` |
/// | `NewerSchema { found, supported }` | `NeedsAppUpdate { found, supported }` |
/// | `Corrupt(text)` | `Damaged { detail }` |
/// | `Storage`, `Io`, `Json` | `Storage { detail }` |
/// | (the key provider could not give the key yet) | `KeyUnavailable { detail }` |
/// | (the key provider's key is lost or damaged) | `KeyUnreadable { detail }` |
/// | (a panic) | `Internal { detail }` |
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SteadyError {
    /// Input broke a rule: show `rule` next to the input `field`. `path` is the core's exact
    /// name of what was wrong (e.g. `use_of_force.started_at`), for a log or a finer match.
    #[error("{path}: {rule}")]
    Validation {
        field: Field,
        path: String,
        rule: String,
    },
    /// A use-of-force incident in a mental health unit cannot be submitted yet: these s.6(5)
    /// items are missing. Take the user to each.
    #[error("cannot submit: the use-of-force record lacks s.6(5) items {}", S65Item::letters(.missing))]
    UseOfForceIncomplete { missing: Vec<S65Item> },
    /// The person's own safety alerts or contraindications (`caution_ids`, from
    /// `restraint_profile`) rule this intervention out. Show them, and record it only if staff
    /// confirm with a reason (`UseOfForce.contraindication_override`), which the record keeps.
    #[error("the person's cautions rule out this intervention; confirm with a reason to record it")]
    Contraindicated {
        intervention: RestrictiveInterventionType,
        caution_ids: Vec<String>,
    },
    /// The incident is submitted and can no longer change: offer an addendum instead.
    #[error("{record} is submitted and locked; add an addendum instead")]
    Locked { record: String },
    /// The record is not on this device (never was, was removed, or its unit was purged).
    #[error("{what} {id} was not found")]
    NotFound { what: String, id: String },
    /// This device's grant does not allow it. `refusal` says which rule (the placement ended,
    /// the role is too low, no grant, not the author): tell the user that; nothing to retry.
    #[error("not allowed: {reason}")]
    NotAllowed { refusal: Refusal, reason: String },
    /// The device is not enrolled, or the server no longer accepts its token: enrol (again)
    /// with a code from a lead.
    #[error("not enrolled: {reason}")]
    NotEnrolled { reason: String },
    /// The device was revoked: its data is already wiped. Call `wipe()` and delete the key.
    #[error("this device was revoked; its data has been removed")]
    Revoked,
    /// The sync server could not be reached or refused the request: nothing was lost; try again
    /// later (WorkManager / BGTaskScheduler will).
    #[error("sync server unavailable: {detail}")]
    Network { detail: String },
    /// The sync was interrupted (`interrupt_sync`, e.g. the OS stopped background work):
    /// what the server answered is kept, the rest goes with the next sync. Not a failure.
    #[error("the sync was interrupted; the rest goes with the next sync")]
    Interrupted,
    /// The key from the platform keystore does not open this store (the keystore entry was
    /// reset): the data cannot be read. Delete the store and its key, then enrol again.
    #[error("the key does not open this store")]
    WrongKey,
    /// The key provider could not give the key (e.g. before the first unlock after a reboot):
    /// try again once the device is unlocked.
    #[error("the store key is not available: {detail}")]
    KeyUnavailable { detail: String },
    /// The key provider's key is lost or damaged for good (its wrapped file is unreadable):
    /// the store can never be opened. Say so, then offer to delete the store and enrol again.
    #[error("the store key is damaged: {detail}")]
    KeyUnreadable { detail: String },
    /// The store was written by a newer Steady (the app was downgraded or rolled back): the
    /// data is intact. Ask the user to update the app; never offer a reset.
    #[error(
        "this store is from a newer Steady (schema {found}, this app reads {supported}); update the app"
    )]
    NeedsAppUpdate { found: u32, supported: u32 },
    /// The store file is damaged (a page fails its check). Unsynced records may be lost: tell
    /// the user to ask a lead before resetting.
    #[error("the store file is damaged: {detail}")]
    Damaged { detail: String },
    /// The store failed: disk full, an I/O error. Show the detail; try again later.
    #[error("storage: {detail}")]
    Storage { detail: String },
    /// A bug: a panic inside the library, caught before it crossed into the app. The store is
    /// still usable; report it.
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

/// The input a [`SteadyError::Validation`] is about, so the app puts the message by it without
/// matching the core's field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Field {
    /// A person's full name.
    DisplayName,
    /// The name a person likes to be called.
    PreferredName,
    /// A person's local identifier.
    LocalIdentifier,
    /// A person's NHS number.
    NhsNumber,
    /// A safety alert (its text or its place in the list).
    SafetyAlert,
    /// An entry of the support sheet: a section's text or list item, a trigger.
    SheetEntry,
    /// The sheet's review (who reviewed it, when the next is due).
    Review,
    /// A record's identity: its id, person or unit.
    Record,
    /// An incident's note.
    Note,
    /// When the incident happened.
    OccurredAt,
    /// An incident's tags.
    Tags,
    /// Where it happened.
    Place,
    /// An incident's outcome.
    Outcome,
    /// The de-escalation steps tried.
    Deescalation,
    /// A use of force: its type, reason, times, how force was used.
    UseOfForce,
    /// A debrief (with the person or with staff).
    Debrief,
    /// Injuries to the person, staff or others.
    Injuries,
    /// Another item of the Use of Force Act's s.6(5) record.
    S65Answer,
    /// An addendum to a submitted incident.
    Addendum,
    /// A physical observation (breathing, colour, consciousness, a vital sign, its time).
    Observation,
    /// The person's relevant characteristics, s.6(5)(k), one answer each.
    Characteristics,
    /// A moment on the incident's timeline (its time, who, note).
    Timeline,
    /// A later identification of the person (hospital, identifier, NHS number).
    Identification,
    /// The job or CAD reference of a call.
    JobReference,
    /// A proposal for the plan (its list, words, or the reason for declining it).
    Proposal,
    /// The huddle's look-back, in hours.
    Hours,
    /// A checklist: its template, answers or score bands.
    Checklist,
    /// The enrolment code.
    EnrolmentCode,
    /// The sync server's address.
    ServerUrl,
    /// The organisation's root certificate.
    RootCertificate,
    /// The staff member's name.
    StaffName,
    /// The staff member's job title.
    JobTitle,
    /// Something else: show the rule by the form as a whole.
    Other,
}

impl Field {
    /// The input a core field name (or path, `section.field` / `list[item].field`) is about.
    pub fn of(path: &str) -> Field {
        let head = path.split(['.', '[', '/']).next().unwrap_or(path).trim();
        match head {
            "display_name" => Field::DisplayName,
            "preferred_name" => Field::PreferredName,
            "local_identifier" => Field::LocalIdentifier,
            "nhs_number" => Field::NhsNumber,
            "safety_alerts" | "safety_alert" | "alert" | "before" => Field::SafetyAlert,
            "about_me" | "communication" | "green" | "amber" | "red" | "blue" | "triggers"
            | "warning_signs" | "sheet" | "list" | "section" => Field::SheetEntry,
            "review" | "next_due" => Field::Review,
            "id" | "person_id" | "unit_id" | "incident" | "entity_id" => Field::Record,
            "note" => Field::Note,
            "occurred_at" => Field::OccurredAt,
            "tags" => Field::Tags,
            "place" => Field::Place,
            "outcome" => Field::Outcome,
            "deescalation" => Field::Deescalation,
            "use_of_force" | "how_force_was_used" | "started_at" | "ended_at" | "intervention" => {
                Field::UseOfForce
            }
            "debrief" | "debriefs" | "debrief_person" | "debrief_staff" => Field::Debrief,
            "injuries_person" | "injuries_staff" | "injuries_others" | "injured_person"
            | "injured_staff" | "injured_others" => Field::Injuries,
            "observation" => Field::Observation,
            "characteristics" => Field::Characteristics,
            "timeline" => Field::Timeline,
            "identified" => Field::Identification,
            "job_reference" => Field::JobReference,
            "proposal" => Field::Proposal,
            "hours" => Field::Hours,
            "mental_disorder"
            | "relevant_characteristics"
            | "learning_disability_or_autism"
            | "non_staff_involved"
            | "non_staff_reason"
            | "death_or_serious_injury"
            | "notification_sent"
            | "unidentified_person"
            | "s65" => Field::S65Answer,
            "addenda" | "addendum" => Field::Addendum,
            "template" | "template_id" | "items" | "bands" | "answers" | "checklist"
            | "version" => Field::Checklist,
            "code" => Field::EnrolmentCode,
            "server_url" => Field::ServerUrl,
            "root_certificate" => Field::RootCertificate,
            "name" | "staff" => Field::StaffName,
            "job_title" => Field::JobTitle,
            _ => Field::Other,
        }
    }
}

impl From<CoreError> for SteadyError {
    fn from(e: CoreError) -> Self {
        // Exhaustive on purpose: a new core variant must be placed in the table above.
        match e {
            CoreError::Validation { field, rule } => SteadyError::Validation {
                field: Field::of(&field),
                path: field,
                rule,
            },
            CoreError::IncompleteUseOfForce { missing } => {
                SteadyError::UseOfForceIncomplete { missing }
            }
            CoreError::Contraindicated {
                intervention,
                caution_ids,
            } => SteadyError::Contraindicated {
                intervention,
                caution_ids,
            },
            CoreError::EnrolmentRefused(why) => SteadyError::Validation {
                field: Field::EnrolmentCode,
                path: "code".into(),
                rule: why,
            },
            CoreError::Locked(record) => SteadyError::Locked { record },
            CoreError::NotFound { entity, id } => SteadyError::NotFound {
                what: entity.to_string(),
                id,
            },
            CoreError::NotAllowed(refusal) => SteadyError::NotAllowed {
                reason: refusal.to_string(),
                refusal,
            },
            e @ (CoreError::NotEnrolled | CoreError::Unauthorized) => SteadyError::NotEnrolled {
                reason: e.to_string(),
            },
            CoreError::Revoked => SteadyError::Revoked,
            e @ (CoreError::Network(_) | CoreError::SyncRefused(_)) => SteadyError::Network {
                detail: e.to_string(),
            },
            CoreError::Interrupted => SteadyError::Interrupted,
            CoreError::WrongKey => SteadyError::WrongKey,
            CoreError::NewerSchema { found, supported } => {
                SteadyError::NeedsAppUpdate { found, supported }
            }
            CoreError::Corrupt(detail) => SteadyError::Damaged { detail },
            e @ (CoreError::Storage(_) | CoreError::Io(_) | CoreError::Json(_)) => {
                SteadyError::Storage {
                    detail: e.to_string(),
                }
            }
        }
    }
}

/// Why the platform keystore could not give the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyError {
    /// The key exists but cannot be read now (device locked, keystore busy): try again later.
    #[error("the key is not available: {detail}")]
    Unavailable { detail: String },
    /// The key is lost or damaged for good (its wrapped file is truncated or fails its
    /// authentication tag, the keystore entry is gone): it will never be readable.
    #[error("the key is damaged: {detail}")]
    Unreadable { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyError::Unavailable { detail: e.reason }
    }
}

impl From<KeyError> for SteadyError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Unavailable { detail } => SteadyError::KeyUnavailable { detail },
            KeyError::Unreadable { detail } => SteadyError::KeyUnreadable { detail },
        }
    }
}

/// Runs one façade call: the core's error becomes a [`SteadyError`], and a panic becomes
/// [`SteadyError::Internal`] instead of unwinding into the foreign caller.
pub(crate) fn guard<T, E: Into<SteadyError>>(
    call: impl FnOnce() -> Result<T, E>,
) -> Result<T, SteadyError> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(result) => result.map_err(Into::into),
        Err(payload) => Err(SteadyError::Internal {
            detail: panic_text(payload.as_ref()),
        }),
    }
}

/// The panic's message, when it has one.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        format!("panic: {text}")
    } else if let Some(text) = payload.downcast_ref::<String>() {
        format!("panic: {text}")
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod field_tests {
    use super::Field;

    /// Every name the core uses for an input lands on the input the apps show it by.
    #[test]
    fn each_core_name_is_placed_by_its_input() {
        for (path, field) in [
            ("display_name", Field::DisplayName),
            ("preferred_name", Field::PreferredName),
            ("local_identifier", Field::LocalIdentifier),
            ("nhs_number", Field::NhsNumber),
            ("safety_alert", Field::SafetyAlert),
            ("amber.warning_signs", Field::SheetEntry),
            ("red.authorised_interventions.note", Field::SheetEntry),
            ("review.due", Field::Review),
            ("note", Field::Note),
            ("occurred_at", Field::OccurredAt),
            ("use_of_force/f-1.started_at", Field::UseOfForce),
            ("how_force_was_used", Field::UseOfForce),
            ("debrief_person", Field::Debrief),
            ("injuries_staff", Field::Injuries),
            ("relevant_characteristics", Field::S65Answer),
            ("injured_others", Field::Injuries),
            ("observation.oxygen_saturation", Field::Observation),
            ("characteristics.race", Field::Characteristics),
            ("timeline.note", Field::Timeline),
            ("identified.nhs_number", Field::Identification),
            ("job_reference", Field::JobReference),
            ("proposal.reason", Field::Proposal),
            ("addendum.reason", Field::Addendum),
            ("addendum.text", Field::Addendum),
            ("addenda/a-1.text", Field::Addendum),
            ("template", Field::Checklist),
            ("code", Field::EnrolmentCode),
            ("server_url", Field::ServerUrl),
            ("root_certificate", Field::RootCertificate),
            ("name", Field::StaffName),
            ("job_title", Field::JobTitle),
            ("something_new", Field::Other),
        ] {
            assert_eq!(Field::of(path), field, "{path}");
        }
    }
}
