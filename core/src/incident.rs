//! Incidents: quick capture first, detail later, then submission and addenda.
//!
//! A HEMS crew at a roadside or a care worker mid-shift records an incident in one call with
//! only a unit and a note; `occurred_at` is the moment of the call unless given. The draft is
//! completed later — de-escalation tried (the person's own "what helps" first), each use of force
//! with its MHSDS codes and times, injuries, outcome, debriefs — and then submitted, after which
//! it is locked (by this API and by SQL triggers) and only addenda can be added.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::characteristics::RelevantCharacteristics;
use crate::clock::Timestamp;
use crate::codes::{
    DeescalationStep, IncidentTag, InjuryIndicator, RestrictiveInterventionReason,
    RestrictiveInterventionType, Role,
};
use crate::error::{Error, Refusal, Result};
use crate::observation::PhysicalObservation;
use crate::people::{ListEdit, Person, checked_text, load_person, new_id, person_from};
use crate::proposals::PlanProposal;
use crate::protocol::{Change, EntityKind};
use crate::replica::{self, Record, Writer};
use crate::s65::{self, S65Item};
use crate::store::{StaffMember, Store};
use crate::timeline::{TIMELINE_LIST, TimelineEvent};
use crate::units::{UnitGrant, active_grant, require_role};

/// Where an incident is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum IncidentStatus {
    /// Editable, synced.
    Draft,
    /// Locked; only addenda may be added.
    Submitted,
}

/// The one-call capture: only `unit_id` and `note` are required.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QuickCapture {
    /// The unit the incident belongs to.
    pub unit_id: String,
    /// What happened, in a line or two.
    pub note: String,
    /// The person involved, if known to the unit.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub person_id: Option<String>,
    /// A description of someone not known by name ("man ~40, roadside").
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub unidentified_person: Option<String>,
    /// Quick tags.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Vec<IncidentTag>,
    /// When it happened; now if not given.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub occurred_at: Option<Timestamp>,
}

/// De-escalation tried before (or instead of) any use of force.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Deescalation {
    /// Strategies ticked from the person's own "what helps" list (their text at the time).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub own_strategies: Vec<String>,
    /// General steps tried.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub general_steps: Vec<DeescalationStep>,
    /// Anything else tried.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub other: Option<String>,
    /// Which of the person's own strategies tried helped (a subset of `own_strategies`): the
    /// sheet then shows, beside each, how often it was tried and helped.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub helped: Vec<String>,
    /// Which general steps tried helped (a subset of `general_steps`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub steps_helped: Vec<DeescalationStep>,
}

/// A member of staff involved in a use of force.
pub type StaffInvolved = StaffMember;

/// One restrictive intervention used during the incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UseOfForce {
    /// Item id (set by the store).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub id: String,
    /// MHSDS restrictive intervention type.
    pub intervention: RestrictiveInterventionType,
    /// MHSDS reason, once known.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reason: Option<RestrictiveInterventionReason>,
    /// When it started.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub started_at: Option<Timestamp>,
    /// When it ended (still running while `None`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub ended_at: Option<Timestamp>,
    /// Whether this intervention is authorised in the person's care plan.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub in_care_plan: Option<bool>,
    /// How force was used.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub how_force_was_used: String,
    /// Staff who used force (name and job title).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub staff: Vec<StaffInvolved>,
    /// Why staff went ahead although the person's own safety alerts or contraindications rule
    /// this intervention out ([`crate::restraint`]): the confirmation, kept in the record.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub contraindication_override: Option<String>,
}

impl UseOfForce {
    /// Minutes from start to end (to `now` while still running).
    pub fn minutes(&self, now: Timestamp) -> Option<i64> {
        let start = self.started_at?;
        Some((self.ended_at.unwrap_or(now).0 - start.0) / 60_000)
    }

    /// A prone hold that has lasted (or is lasting) more than 10 minutes: reported separately.
    pub fn prone_over_ten_minutes(&self, now: Timestamp) -> bool {
        self.intervention.is_prone()
            && self
                .started_at
                .is_some_and(|s| self.ended_at.unwrap_or(now).0 - s.0 > PRONE_HOLD_LIMIT_MS)
    }

    /// When a running prone hold passes the limit: the moment the app alerts staff (schedule it
    /// when the hold starts). `None` when this is not a prone hold, has not started, or has ended.
    pub fn prone_alert_at(&self) -> Option<Timestamp> {
        match (self.intervention.is_prone(), self.started_at, self.ended_at) {
            (true, Some(start), None) => Some(Timestamp(start.0 + PRONE_HOLD_LIMIT_MS + 1)),
            _ => None,
        }
    }
}

/// How long a prone hold may last before it is reported separately (and staff are alerted):
/// 10 minutes, in milliseconds.
pub const PRONE_HOLD_LIMIT_MS: i64 = 10 * 60_000;

/// Whether a post-incident debrief was held, and a note (why not, or what came of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Debrief {
    /// It was held.
    pub held: bool,
    /// Why not, or a short summary.
    pub note: String,
}

/// What an addendum carries beside its words.
enum Carried {
    Words,
    Review(PostIncidentReview),
    Observation(PhysicalObservation),
    Identified(Identification),
    Proposal(PlanProposal),
}

/// An addendum to an incident: added, never changed. Words added after submission, a
/// post-incident review, or physical observations (which may also be added to a draft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Addendum {
    /// Item id.
    pub id: String,
    /// Who added it.
    pub author: String,
    /// Their job title.
    pub job_title: String,
    /// When.
    pub at: Timestamp,
    /// Why it was needed.
    pub reason: String,
    /// What it adds.
    pub text: String,
    /// When the addendum records a post-incident review held (or declined) after the
    /// submission: its structured answers, counted with the debriefs.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub review: Option<PostIncidentReview>,
    /// When the addendum records physical observations taken during or after the use of force
    /// ([`crate::observation`]): what was observed, and when.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub observation: Option<PhysicalObservation>,
    /// When the addendum links a person who was not known at the time (a HEMS patient) to
    /// the receiving hospital's identifier or their NHS number.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub identified: Option<Identification>,
    /// When the addendum proposes a change to the person's support sheet
    /// ([`crate::proposals`]).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub proposal: Option<PlanProposal>,
}

/// Whether an addendum is one that anyone working in the unit adds, to a draft or to a
/// submitted incident, under their own name: physical observations and proposals for the
/// plan (the member of staff monitoring, or who saw what helped, is often not the recorder).
/// Other addenda are added after submission by the recorder or a lead. One rule, read by the
/// device and the server.
pub fn open_to_the_unit(addendum: &Value) -> bool {
    ["observation", "proposal"]
        .iter()
        .any(|k| addendum.get(*k).is_some_and(|v| !v.is_null()))
}

/// Who an unidentified person turned out to be, as the receiving hospital knows them: added
/// after submission, so the sealed record keeps what was known at the time and the link
/// beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Identification {
    /// The receiving hospital or service.
    pub hospital: String,
    /// Its identifier for the person (hospital number, ED attendance number).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub hospital_identifier: Option<String>,
    /// The person's NHS number, valid by its check digit.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub nhs_number: Option<String>,
}

/// The longest hospital name or hospital identifier.
pub const IDENTIFICATION_CHARS: usize = 100;

impl Identification {
    /// The first rule it breaks, as `(field, rule)`: the one check of the phone and the server.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let bad = |t: &str| {
            t.trim().is_empty() || t.trim() != t || t.chars().count() > IDENTIFICATION_CHARS
        };
        if bad(&self.hospital) {
            return Some((
                "identified.hospital",
                format!("the hospital's name, at most {IDENTIFICATION_CHARS} characters"),
            ));
        }
        if self.hospital_identifier.as_deref().is_some_and(bad) {
            return Some((
                "identified.hospital_identifier",
                format!("at most {IDENTIFICATION_CHARS} characters, not empty"),
            ));
        }
        if let Some(n) = &self.nhs_number
            && !crate::nhs_number::is_valid(n)
        {
            return Some((
                "identified.nhs_number",
                "an NHS number: 10 digits, valid by its check digit".to_string(),
            ));
        }
        if self.hospital_identifier.is_none() && self.nhs_number.is_none() {
            return Some((
                "identified",
                "give the hospital's identifier or the NHS number".to_string(),
            ));
        }
        None
    }
}

/// Who a post-incident review was with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReviewWith {
    /// The person on whom force was used (with their advocate or family if they wish).
    Person,
    /// The staff involved.
    Staff,
}

/// A post-incident review (debrief) after the record was submitted — usually the next day —
/// as its own append-only entry: held or not, when, with whom, why not, whether staff were
/// offered support. NICE NG10 (2015) 1.4.56–1.4.60 asks for a review with the service user and
/// with staff after every restrictive intervention; *Positive and Proactive Care* (2014)
/// for a debrief that supports the person and the staff and feeds back into the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PostIncidentReview {
    /// With the person or with staff.
    pub with: ReviewWith,
    /// It was held.
    pub held: bool,
    /// When it was held (required when held).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub held_at: Option<Timestamp>,
    /// Who took part (roles or names).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub who: String,
    /// Why it was not held (required when not held): declined, too unwell, discharged...
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub why_not: Option<String>,
    /// For staff: whether support for their wellbeing was offered.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub wellbeing_offered: Option<bool>,
    /// What was learned or agreed.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub note: String,
}

impl Incident {
    /// Whether a debrief was held with `with`, at the submission or in a review added after.
    pub fn debrief_held(&self, with: ReviewWith) -> bool {
        let at_submission = match with {
            ReviewWith::Person => &self.debrief_person,
            ReviewWith::Staff => &self.debrief_staff,
        };
        at_submission.as_ref().is_some_and(|d| d.held)
            || self
                .addenda
                .iter()
                .filter_map(|a| a.review.as_ref())
                .any(|r| r.with == with && r.held)
    }
}

/// A whole incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Incident {
    /// The incident's id.
    pub id: String,
    /// Its unit.
    pub unit_id: String,
    /// Draft or submitted.
    pub status: IncidentStatus,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: String,
    /// The person involved, if known.
    pub person_id: Option<String>,
    /// The person's name to show, if known.
    pub person_name: Option<String>,
    /// A description of someone not known by name.
    pub unidentified_person: Option<String>,
    /// The short note.
    pub note: String,
    /// Quick tags.
    pub tags: Vec<IncidentTag>,
    /// Where it happened.
    pub place: Option<String>,
    /// De-escalation tried.
    pub deescalation: Deescalation,
    /// Restrictive interventions used.
    pub use_of_force: Vec<UseOfForce>,
    /// Anyone not unit staff involved in the use of force.
    pub non_staff_involved: Option<bool>,
    /// Why they were.
    pub non_staff_reason: Option<String>,
    /// The person's mental disorder, if known (or "not known").
    pub mental_disorder: Option<String>,
    /// Relevant characteristics, if known (or "not known").
    pub relevant_characteristics: Option<String>,
    /// Whether the person has a learning disability or autism.
    pub learning_disability_or_autism: Option<bool>,
    /// Injuries to the person.
    pub injuries_person: Option<String>,
    /// Injuries to staff.
    pub injuries_staff: Option<String>,
    /// Injuries to others.
    pub injuries_others: Option<String>,
    /// What happened in the end.
    pub outcome: Option<String>,
    /// Whether the person died or suffered serious injury.
    pub death_or_serious_injury: Option<bool>,
    /// Debrief with the person.
    pub debrief_person: Option<Debrief>,
    /// Debrief with staff.
    pub debrief_staff: Option<Debrief>,
    /// Whether the people named in the care plan were notified.
    pub notification_sent: Option<bool>,
    /// When it was submitted.
    pub submitted_at: Option<Timestamp>,
    /// Addenda, oldest first.
    pub addenda: Vec<Addendum>,
    /// Parts of the stored record that could not be read (a field, or `list/item id`), left out
    /// above: shown flagged, so that one bad stored value never hides the rest of the record or
    /// of the unit.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub unreadable: Vec<String>,
    /// The person as they stood when the incident was submitted (name, NHS number, local
    /// identifier), frozen and sealed into the record: a later rename or removal of the person
    /// never changes the legal record. `None` while a draft, or for no known person.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub subject: Option<Subject>,
    /// Staff recorded that the person's NHS number is not known (an unidentified patient, a
    /// HEMS call): s.6(5)(g) answered as "not known" rather than left blank.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub nhs_number_not_known: Option<bool>,
    /// s.6(5)(k), the person's relevant characteristics as structured answers (the older
    /// free-text `relevant_characteristics` is kept for records made before them).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub characteristics: Option<RelevantCharacteristics>,
    /// Was the person injured: yes, no, not known (asked, never inferred from text).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub injured_person: Option<InjuryIndicator>,
    /// Were staff injured.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub injured_staff: Option<InjuryIndicator>,
    /// Were other people injured.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub injured_others: Option<InjuryIndicator>,
    /// The moments of the incident, one tap each, in the order they happened
    /// ([`crate::timeline`]).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub timeline: Vec<TimelineEvent>,
    /// The job or CAD reference of an ambulance or HEMS call.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub job_reference: Option<String>,
}

impl Incident {
    /// The physical observations taken, in the order they were added.
    pub fn observations(&self) -> impl Iterator<Item = &PhysicalObservation> {
        self.addenda.iter().filter_map(|a| a.observation.as_ref())
    }
}

/// The person an incident is about, as frozen at submission: s.6(5)(e) and (g).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Subject {
    /// The name as recorded.
    pub name: String,
    /// The NHS number (the consistent identifier), if recorded.
    pub nhs_number: Option<String>,
    /// The organisation's local identifier, if recorded.
    pub local_identifier: Option<String>,
}

impl Subject {
    /// The person as they stand now.
    pub fn of(person: &Person) -> Subject {
        Subject {
            name: person.display_name.clone(),
            nhs_number: person.nhs_number.clone(),
            local_identifier: person.local_identifier.clone(),
        }
    }

    /// The person a submission must freeze, from the cells of their record (the server's
    /// form); `None` for a removed person. The same reading as the device's [`Subject::of`].
    pub fn of_cells(cells: &[(&str, &str, &Value)]) -> Option<Subject> {
        let record = Record::from_cells("", cells);
        (!record.deleted()).then(|| Subject::of(&person_from("", &record)))
    }
}

/// Changes to a draft's details; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IncidentDetails {
    /// When it happened.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub occurred_at: Option<Timestamp>,
    /// The short note.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
    /// The person involved (an empty string clears it).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub person_id: Option<String>,
    /// A description of someone not known by name.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub unidentified_person: Option<String>,
    /// Quick tags (replaces the set).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Option<Vec<IncidentTag>>,
    /// Where it happened.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub place: Option<String>,
    /// De-escalation tried (replaces it).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub deescalation: Option<Deescalation>,
    /// Anyone not unit staff involved.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub non_staff_involved: Option<bool>,
    /// Why they were.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub non_staff_reason: Option<String>,
    /// Mental disorder, if known.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub mental_disorder: Option<String>,
    /// Relevant characteristics, if known.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub relevant_characteristics: Option<String>,
    /// Learning disability or autism.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub learning_disability_or_autism: Option<bool>,
    /// The person's NHS number is not known (s.6(5)(g) answered "not known").
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub nhs_number_not_known: Option<bool>,
    /// Injuries to the person.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub injuries_person: Option<String>,
    /// Injuries to staff.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub injuries_staff: Option<String>,
    /// Injuries to others.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub injuries_others: Option<String>,
    /// Outcome.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub outcome: Option<String>,
    /// Death or serious injury.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub death_or_serious_injury: Option<bool>,
    /// Debrief with the person.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub debrief_person: Option<Debrief>,
    /// Debrief with staff.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub debrief_staff: Option<Debrief>,
    /// Notification sent.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub notification_sent: Option<bool>,
    /// s.6(5)(k) as structured answers (replaces them all).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub characteristics: Option<RelevantCharacteristics>,
    /// Was the person injured.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub injured_person: Option<InjuryIndicator>,
    /// Were staff injured.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub injured_staff: Option<InjuryIndicator>,
    /// Were other people injured.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub injured_others: Option<InjuryIndicator>,
    /// The job or CAD reference of an ambulance or HEMS call.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub job_reference: Option<String>,
}

/// An incident in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IncidentSummary {
    /// The incident's id.
    pub id: String,
    /// Its unit.
    pub unit_id: String,
    /// Draft or submitted.
    pub status: IncidentStatus,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who or whom it was about, as shown.
    pub about: String,
    /// Quick tags.
    pub tags: Vec<IncidentTag>,
    /// It records a use of force.
    pub use_of_force: bool,
    /// Changes not yet on the server.
    pub pending_changes: u32,
}

/// What submitting said: in a mental health unit nothing is missing (or it would have failed);
/// elsewhere, the s.6(5) items missing, as advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SubmitOutcome {
    /// Items of s.6(5) not yet recorded.
    pub advice: Vec<S65Item>,
}

/// The longest job or CAD reference.
pub const JOB_REFERENCE_CHARS: usize = 40;

const USE_OF_FORCE: &str = crate::protocol::USE_OF_FORCE_LIST;
const ADDENDA: &str = crate::protocol::ADDENDA_LIST;

fn text_field(
    fields: &mut BTreeMap<String, Value>,
    key: &str,
    value: &Option<String>,
    max: usize,
) -> Result<()> {
    if let Some(v) = value {
        fields.insert(key.to_string(), json!(checked_text(key, v, max, false)?));
    }
    Ok(())
}

fn incident_from(id: &str, r: &Record, person: Option<&Person>) -> Result<Incident> {
    // Read defensively: a value that does not decode (older data, or anything a peer wrote
    // before the server checked it) is left out and named in `unreadable`.
    let mut unreadable = Vec::new();
    let use_of_force =
        decode_items::<UseOfForce>(USE_OF_FORCE, r.list(USE_OF_FORCE), &mut unreadable);
    let addenda = decode_items::<Addendum>(ADDENDA, r.list(ADDENDA), &mut unreadable);
    let timeline =
        decode_items::<TimelineEvent>(TIMELINE_LIST, r.list(TIMELINE_LIST), &mut unreadable);
    let raw = |name: &str| {
        r.decode::<Value>(name)
            .ok()
            .flatten()
            .filter(|v| !v.is_null())
    };
    let tags = typed("tags", raw("tags"), &mut unreadable).unwrap_or_default();
    let deescalation =
        typed("deescalation", raw("deescalation"), &mut unreadable).unwrap_or_default();
    let debrief_person = typed("debrief_person", raw("debrief_person"), &mut unreadable);
    let debrief_staff = typed("debrief_staff", raw("debrief_staff"), &mut unreadable);
    let subject: Option<Subject> = typed("subject", raw("subject"), &mut unreadable);
    let characteristics = typed("characteristics", raw("characteristics"), &mut unreadable);
    let mut injury = |name: &str| typed::<InjuryIndicator>(name, raw(name), &mut unreadable);
    let (injured_person, injured_staff, injured_others) = (
        injury("injured_person"),
        injury("injured_staff"),
        injury("injured_others"),
    );
    Ok(Incident {
        id: id.to_string(),
        unit_id: r.unit_id.clone(),
        status: if r.locked || r.opt_text("status").as_deref() == Some("submitted") {
            IncidentStatus::Submitted
        } else {
            IncidentStatus::Draft
        },
        occurred_at: r.time("occurred_at").unwrap_or(Timestamp(0)),
        recorded_by: r.text("recorded_by"),
        person_id: r.opt_text("person_id"),
        // A submitted record names the person as frozen at submission.
        person_name: subject.as_ref().map(|s| s.name.clone()).or_else(|| {
            person.map(|p| {
                p.preferred_name
                    .clone()
                    .unwrap_or_else(|| p.display_name.clone())
            })
        }),
        unidentified_person: r.opt_text("unidentified_person"),
        note: r.text("note"),
        tags,
        place: r.opt_text("place"),
        deescalation,
        use_of_force,
        non_staff_involved: r.flag("non_staff_involved"),
        non_staff_reason: r.opt_text("non_staff_reason"),
        mental_disorder: r.opt_text("mental_disorder"),
        relevant_characteristics: r.opt_text("relevant_characteristics"),
        learning_disability_or_autism: r.flag("learning_disability_or_autism"),
        injuries_person: r.opt_text("injuries_person"),
        injuries_staff: r.opt_text("injuries_staff"),
        injuries_others: r.opt_text("injuries_others"),
        outcome: r.opt_text("outcome"),
        death_or_serious_injury: r.flag("death_or_serious_injury"),
        debrief_person,
        debrief_staff,
        notification_sent: r.flag("notification_sent"),
        submitted_at: r.time("submitted_at"),
        addenda,
        unreadable,
        subject,
        nhs_number_not_known: r.flag("nhs_number_not_known"),
        characteristics,
        injured_person,
        injured_staff,
        injured_others,
        timeline,
        job_reference: r.opt_text("job_reference"),
    })
}

/// `value` as a `T`, or `None` with `name` noted as unreadable.
fn typed<T: serde::de::DeserializeOwned>(
    name: &str,
    value: Option<Value>,
    unreadable: &mut Vec<String>,
) -> Option<T> {
    let value = value?;
    match serde_json::from_value(value) {
        Ok(v) => Some(v),
        Err(_) => {
            unreadable.push(name.to_string());
            None
        }
    }
}

/// The items of `list` that read as a `T` (each given its id); the others noted as unreadable.
fn decode_items<T: serde::de::DeserializeOwned>(
    list: &str,
    items: &[(String, Value)],
    unreadable: &mut Vec<String>,
) -> Vec<T> {
    items
        .iter()
        .filter_map(|(item_id, v)| {
            let decoded = decode_item(item_id, v);
            if decoded.is_none() {
                unreadable.push(format!("{list}/{item_id}"));
            }
            decoded
        })
        .collect()
}

fn decode_item<T: serde::de::DeserializeOwned>(item_id: &str, value: &Value) -> Option<T> {
    let mut value = value.clone();
    value.as_object_mut()?.insert("id".into(), json!(item_id));
    serde_json::from_value(value).ok()
}

/// The s.6(5) items a use-of-force incident lacks, judged from its cells as (field, item, value)
/// and its person's: what the server checks when an incident in a mental health unit is
/// submitted, by the same rule ([`s65::missing_items`]) the device applies before it submits.
pub fn missing_s65_items(
    incident_id: &str,
    cells: &[(&str, &str, &Value)],
    person: Option<&[(&str, &str, &Value)]>,
) -> Vec<S65Item> {
    let record = Record::from_cells("", cells);
    let person = person.map(|cells| {
        let id = record.opt_text("person_id").unwrap_or_default();
        person_from(&id, &Record::from_cells("", cells))
    });
    match incident_from(incident_id, &record, person.as_ref()) {
        Ok(incident) => s65::missing_items(&incident, person.as_ref()),
        Err(_) => S65Item::ALL.to_vec(),
    }
}

/// Loads an incident with its person (if identified and still on the device).
pub(crate) fn load_incident(
    conn: &rusqlite::Connection,
    id: &str,
) -> Result<(Record, Incident, Option<Person>)> {
    let record = replica::load(conn, EntityKind::Incident, id)?
        .ok_or_else(|| Error::not_found("incident", id))?;
    let person = match record.opt_text("person_id") {
        Some(pid) => load_person(conn, &pid).ok().map(|p| person_from(&pid, &p)),
        None => None,
    };
    let incident = incident_from(id, &record, person.as_ref())?;
    Ok((record, incident, person))
}

fn check_person_in_unit(conn: &rusqlite::Connection, person_id: &str, unit_id: &str) -> Result<()> {
    let person = load_person(conn, person_id)
        .map_err(|_| Error::invalid("person_id", "no such person on this device"))?;
    if person.unit_id != unit_id {
        return Err(Error::invalid(
            "person_id",
            "the person belongs to another unit",
        ));
    }
    Ok(())
}

fn validate_use_of_force(u: &UseOfForce) -> Result<()> {
    if let (Some(start), Some(end)) = (u.started_at, u.ended_at)
        && end < start
    {
        return Err(Error::invalid("ended_at", "must not be before started_at"));
    }
    checked_text("how_force_was_used", &u.how_force_was_used, 2000, false)?;
    checked_text(
        "use_of_force.contraindication_override",
        u.contraindication_override.as_deref().unwrap_or(""),
        OVERRIDE_CHARS,
        false,
    )?;
    if u.staff.len() > 20 {
        return Err(Error::invalid("staff", "at most 20 people"));
    }
    for (i, s) in u.staff.iter().enumerate() {
        checked_text(&format!("staff[{i}].name"), &s.name, 100, true)?;
        checked_text(&format!("staff[{i}].job_title"), &s.job_title, 100, true)?;
    }
    Ok(())
}

/// A review as the user gave it, checked: held needs when (not in the future), not held needs
/// why; texts trimmed and bounded.
fn checked_review(mut r: PostIncidentReview, now: Timestamp) -> Result<PostIncidentReview> {
    r.who = checked_text("review.who", &r.who, 500, false)?.unwrap_or_default();
    r.note = checked_text("review.note", &r.note, 4000, false)?.unwrap_or_default();
    r.why_not = checked_text(
        "review.why_not",
        r.why_not.as_deref().unwrap_or(""),
        500,
        false,
    )?;
    if r.held {
        let Some(at) = r.held_at else {
            return Err(Error::invalid(
                "review.held_at",
                "say when the review was held",
            ));
        };
        if at > now {
            return Err(Error::invalid(
                "review.held_at",
                "must not be in the future",
            ));
        }
        r.why_not = None;
    } else {
        if r.why_not.is_none() {
            return Err(Error::invalid(
                "review.why_not",
                "say why the review was not held (declined, too unwell, discharged...)",
            ));
        }
        r.held_at = None;
    }
    if r.with == ReviewWith::Person {
        r.wellbeing_offered = None;
    }
    Ok(r)
}

/// The addendum's words for a review, so every reader (console, export) shows it.
fn review_words(r: &PostIncidentReview) -> (String, String) {
    let with = match r.with {
        ReviewWith::Person => "the person",
        ReviewWith::Staff => "staff",
    };
    let reason = format!("Post-incident review with {with}");
    let mut text = if r.held {
        format!(
            "Held{}.",
            if r.who.is_empty() {
                String::new()
            } else {
                format!(" with {}", r.who)
            }
        )
    } else {
        format!("Not held: {}.", r.why_not.as_deref().unwrap_or_default())
    };
    if let Some(offered) = r.wellbeing_offered {
        text.push_str(if offered {
            " Support for staff wellbeing offered."
        } else {
            " Support for staff wellbeing not offered."
        });
    }
    if !r.note.is_empty() {
        text.push(' ');
        text.push_str(&r.note);
    }
    (reason, text)
}

/// The most characters of a reason for going ahead against the person's cautions.
pub const OVERRIDE_CHARS: usize = 500;

/// A use of force checked against the person's plan: refused if their cautions rule it out and
/// no reason is given; "in the care plan" filled in from the plan when not answered.
fn with_the_plan(
    conn: &rusqlite::Connection,
    record: &Record,
    mut entry: UseOfForce,
) -> Result<UseOfForce> {
    let Some(person_id) = record.opt_text("person_id") else {
        return Ok(entry);
    };
    let Some(profile) = crate::restraint::profile_for(conn, &person_id)? else {
        return Ok(entry);
    };
    crate::restraint::check_override(
        &profile,
        entry.intervention,
        entry.contraindication_override.as_deref(),
    )?;
    if entry.in_care_plan.is_none() {
        entry.in_care_plan = Some(profile.authorises(entry.intervention));
    }
    entry.contraindication_override = entry
        .contraindication_override
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    Ok(entry)
}

fn use_of_force_value(u: &UseOfForce) -> Result<Value> {
    let mut value = serde_json::to_value(u)?;
    if let Some(obj) = value.as_object_mut() {
        obj.remove("id");
    }
    Ok(value)
}

impl Store {
    /// Records an incident in one call (any role in the unit). Only the unit and a note are
    /// needed; returns the new incident's id once it is durably saved.
    pub fn capture_incident(&self, capture: QuickCapture) -> Result<String> {
        let note = checked_text("note", &capture.note, 2000, true)?;
        let unidentified = checked_text(
            "unidentified_person",
            capture.unidentified_person.as_deref().unwrap_or(""),
            200,
            false,
        )?;
        let person_id = capture.person_id.filter(|p| !p.trim().is_empty());
        if person_id.is_some() && unidentified.is_some() {
            return Err(Error::invalid(
                "unidentified_person",
                "give either a known person or a description, not both",
            ));
        }
        let id = new_id();
        self.write(|w| {
            let unit = &capture.unit_id;
            require_role(w.tx(), unit, w.now(), Role::Reader, "record incidents")?;
            if let Some(pid) = &person_id {
                check_person_in_unit(w.tx(), pid, unit)?;
            }
            let mut fields = BTreeMap::new();
            fields.insert("status".to_string(), json!("draft"));
            fields.insert(
                "occurred_at".to_string(),
                json!(capture.occurred_at.unwrap_or(w.now()).0),
            );
            fields.insert("recorded_by".to_string(), json!(w.staff().name));
            fields.insert("note".to_string(), json!(note));
            fields.insert("tags".to_string(), json!(capture.tags));
            if let Some(pid) = &person_id {
                fields.insert("person_id".to_string(), json!(pid));
            }
            if let Some(u) = &unidentified {
                fields.insert("unidentified_person".to_string(), json!(u));
            }
            w.change(
                EntityKind::Incident,
                &id,
                unit,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Changes a draft's details (any role in the unit). A submitted incident is locked.
    pub fn update_incident(&self, incident_id: &str, details: IncidentDetails) -> Result<()> {
        let mut fields = BTreeMap::new();
        if let Some(t) = details.occurred_at {
            fields.insert("occurred_at".to_string(), json!(t.0));
        }
        if let Some(note) = &details.note {
            fields.insert(
                "note".to_string(),
                json!(checked_text("note", note, 2000, true)?),
            );
        }
        text_field(
            &mut fields,
            "unidentified_person",
            &details.unidentified_person,
            200,
        )?;
        if let Some(tags) = &details.tags {
            fields.insert("tags".to_string(), json!(tags));
        }
        text_field(&mut fields, "place", &details.place, 200)?;
        if let Some(d) = &details.deescalation {
            let own = d
                .own_strategies
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    checked_text(&format!("own_strategies[{i}]"), s, 500, true)
                        .map(Option::unwrap_or_default)
                })
                .collect::<Result<Vec<_>>>()?;
            let other = checked_text(
                "deescalation.other",
                d.other.as_deref().unwrap_or(""),
                1000,
                false,
            )?;
            if let Some(stray) = d.helped.iter().find(|h| !own.contains(h)) {
                return Err(Error::invalid(
                    "deescalation.helped",
                    format!("{stray:?} was not among the strategies tried"),
                ));
            }
            if d.steps_helped.iter().any(|h| !d.general_steps.contains(h)) {
                return Err(Error::invalid(
                    "deescalation.steps_helped",
                    "a step that helped must be among the steps tried",
                ));
            }
            fields.insert(
                "deescalation".to_string(),
                json!(Deescalation {
                    helped: d.helped.clone(),
                    steps_helped: d.steps_helped.clone(),
                    own_strategies: own,
                    general_steps: d.general_steps.clone(),
                    other,
                }),
            );
        }
        for (key, value) in [
            ("non_staff_involved", details.non_staff_involved),
            (
                "learning_disability_or_autism",
                details.learning_disability_or_autism,
            ),
            ("death_or_serious_injury", details.death_or_serious_injury),
            ("notification_sent", details.notification_sent),
            ("nhs_number_not_known", details.nhs_number_not_known),
        ] {
            if let Some(v) = value {
                fields.insert(key.to_string(), json!(v));
            }
        }
        text_field(
            &mut fields,
            "non_staff_reason",
            &details.non_staff_reason,
            1000,
        )?;
        text_field(
            &mut fields,
            "mental_disorder",
            &details.mental_disorder,
            500,
        )?;
        text_field(
            &mut fields,
            "relevant_characteristics",
            &details.relevant_characteristics,
            500,
        )?;
        text_field(
            &mut fields,
            "injuries_person",
            &details.injuries_person,
            1000,
        )?;
        text_field(&mut fields, "injuries_staff", &details.injuries_staff, 1000)?;
        text_field(
            &mut fields,
            "injuries_others",
            &details.injuries_others,
            1000,
        )?;
        text_field(&mut fields, "outcome", &details.outcome, 2000)?;
        text_field(
            &mut fields,
            "job_reference",
            &details.job_reference,
            JOB_REFERENCE_CHARS,
        )?;
        if let Some(c) = &details.characteristics {
            if let Some((name, rule)) = c.problem() {
                return Err(Error::invalid(format!("characteristics.{name}"), rule));
            }
            fields.insert("characteristics".to_string(), json!(c));
        }
        for (key, value) in [
            ("injured_person", details.injured_person),
            ("injured_staff", details.injured_staff),
            ("injured_others", details.injured_others),
        ] {
            if let Some(v) = value {
                fields.insert(key.to_string(), json!(v));
            }
        }
        for (key, debrief) in [
            ("debrief_person", &details.debrief_person),
            ("debrief_staff", &details.debrief_staff),
        ] {
            if let Some(d) = debrief {
                let note =
                    checked_text(&format!("{key}.note"), &d.note, 1000, false)?.unwrap_or_default();
                fields.insert(key.to_string(), json!(Debrief { held: d.held, note }));
            }
        }
        self.edit_draft(incident_id, |w, record| {
            if let Some(pid) = &details.person_id {
                if pid.trim().is_empty() {
                    fields.insert("person_id".to_string(), Value::Null);
                } else {
                    check_person_in_unit(w.tx(), pid, &record.unit_id)?;
                    fields.insert("person_id".to_string(), json!(pid));
                }
            }
            if fields.is_empty() {
                return Ok(());
            }
            w.change(
                EntityKind::Incident,
                incident_id,
                &record.unit_id,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })
    }

    /// Adds a use of force to a draft; returns its id. Start a timer by giving `started_at` and
    /// no `ended_at`.
    ///
    /// If the person's own safety alerts or contraindications rule the intervention out, it is
    /// refused ([`Error::Contraindicated`]) unless `contraindication_override` gives the reason
    /// for going ahead. Whether it is in the care plan (s.6(5)(d)) is taken from the plan when
    /// `in_care_plan` is not given.
    pub fn add_use_of_force(&self, incident_id: &str, entry: UseOfForce) -> Result<String> {
        validate_use_of_force(&entry)?;
        self.edit_draft(incident_id, |w, record| {
            let entry = with_the_plan(w.tx(), record, entry)?;
            let value = use_of_force_value(&entry)?;
            uses(incident_id).add(w, record, value, None)
        })
    }

    /// Replaces a use of force on a draft (ending its timer, adding staff, ...).
    /// The same check of the person's cautions as [`Store::add_use_of_force`] applies.
    pub fn update_use_of_force(&self, incident_id: &str, entry: UseOfForce) -> Result<()> {
        validate_use_of_force(&entry)?;
        self.edit_draft(incident_id, |w, record| {
            let entry = with_the_plan(w.tx(), record, entry)?;
            let value = use_of_force_value(&entry)?;
            uses(incident_id).edit(w, record, &entry.id, value)
        })
    }

    /// Removes a use of force from a draft.
    pub fn remove_use_of_force(&self, incident_id: &str, entry_id: &str) -> Result<()> {
        self.edit_draft(incident_id, |w, record| {
            uses(incident_id).remove(w, record, entry_id)
        })
    }

    /// The s.6(5) items the incident still lacks (empty when no force was used).
    pub fn missing_use_of_force_items(&self, incident_id: &str) -> Result<Vec<S65Item>> {
        let now = self.now();
        self.read(|tx| {
            let (record, incident, person) = load_incident(tx, incident_id)?;
            active_grant(tx, &record.unit_id, now)?;
            Ok(s65::missing_items(&incident, person.as_ref()))
        })
    }

    /// Submits a draft: in a mental health unit a use-of-force incident must have every s.6(5)
    /// item (else [`Error::IncompleteUseOfForce`] and nothing changes); elsewhere the missing
    /// items come back as advice. After this the incident is locked.
    pub fn submit_incident(&self, incident_id: &str) -> Result<SubmitOutcome> {
        self.write(|w| {
            let (record, incident, person) = load_incident(w.tx(), incident_id)?;
            let grant = require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Reader,
                "submit incidents",
            )?;
            if incident.status == IncidentStatus::Submitted {
                return Err(Error::Locked(incident_id.to_string()));
            }
            let missing = s65::missing_items(&incident, person.as_ref());
            if grant.mental_health_unit && !missing.is_empty() {
                return Err(Error::IncompleteUseOfForce { missing });
            }
            let mut fields = BTreeMap::new();
            fields.insert("status".to_string(), json!("submitted"));
            fields.insert("submitted_at".to_string(), json!(w.now().0));
            fields.insert("submitted_by".to_string(), json!(w.staff().name));
            // The person as they stand now is frozen into the record (and so into its seal).
            if let Some(person) = &person {
                fields.insert("subject".to_string(), json!(Subject::of(person)));
            }
            w.change(
                EntityKind::Incident,
                incident_id,
                &record.unit_id,
                Change::Fields(fields),
                "submit",
            )?;
            w.lock(EntityKind::Incident, incident_id)?;
            Ok(SubmitOutcome { advice: missing })
        })
    }

    /// Adds an addendum to a submitted incident (the person who recorded it, or a lead).
    /// Returns its id. Addenda are never changed or removed.
    pub fn add_addendum(&self, incident_id: &str, reason: &str, text: &str) -> Result<String> {
        let reason = checked_text("addendum.reason", reason, 500, true)?;
        let text = checked_text("addendum.text", text, 4000, true)?;
        self.append_addendum(
            incident_id,
            &reason.unwrap_or_default(),
            &text.unwrap_or_default(),
            Carried::Words,
        )
    }

    /// Records a post-incident review held (or not held) after the submission, usually the
    /// next day: its own append-only entry (an addendum carrying the review), counted with the
    /// debriefs on the dashboard and in the export. The person who recorded it or a lead, as
    /// for addenda. Held needs when; not held needs why.
    pub fn add_post_incident_review(
        &self,
        incident_id: &str,
        review: PostIncidentReview,
    ) -> Result<String> {
        let review = checked_review(review, self.now())?;
        let (reason, text) = review_words(&review);
        self.append_addendum(incident_id, &reason, &text, Carried::Review(review))
    }

    /// Records physical observations taken during or after a restraint, or after rapid
    /// tranquillisation ([`crate::observation`]): an entry appended to the incident, on a draft
    /// (from the first minute of a hold) or after it is submitted (the hourly checks that
    /// follow). Anyone working in the unit may add one, under their own name: the member of
    /// staff monitoring is often not the one recording. Returns the entry's id.
    pub fn add_physical_observation(
        &self,
        incident_id: &str,
        observation: PhysicalObservation,
    ) -> Result<String> {
        let observation = observation.checked(self.now())?;
        let (reason, text) = observation.words();
        self.append_addendum(
            incident_id,
            &reason,
            &text,
            Carried::Observation(observation),
        )
    }

    /// Links a person who was not known when the incident was recorded (a HEMS patient) to
    /// the receiving hospital's identifier or their NHS number: an addendum after submission,
    /// so the sealed record keeps what was known at the time. The recorder or a lead.
    pub fn identify_patient(
        &self,
        incident_id: &str,
        mut identification: Identification,
    ) -> Result<String> {
        identification.hospital = identification.hospital.trim().to_string();
        identification.hospital_identifier = identification
            .hospital_identifier
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty());
        identification.nhs_number = match identification.nhs_number.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => Some(crate::nhs_number::parse(n, "identified.nhs_number")?),
            _ => None,
        };
        if let Some((field, rule)) = identification.problem() {
            return Err(Error::invalid(field, rule));
        }
        let reason = "Patient identified".to_string();
        let text = format!(
            "Identified at {}{}{}",
            identification.hospital,
            identification
                .hospital_identifier
                .as_deref()
                .map(|h| format!(", hospital identifier {h}"))
                .unwrap_or_default(),
            identification
                .nhs_number
                .as_deref()
                .map(|n| format!(", NHS number {n}"))
                .unwrap_or_default()
        );
        self.append_addendum(
            incident_id,
            &reason,
            &text,
            Carried::Identified(identification),
        )
    }

    pub(crate) fn append_proposal(
        &self,
        incident_id: &str,
        proposal: PlanProposal,
    ) -> Result<String> {
        let reason = format!("Proposed for the plan: {}", proposal.list.heading());
        let text = proposal.text.clone();
        self.append_addendum(incident_id, &reason, &text, Carried::Proposal(proposal))
    }

    fn append_addendum(
        &self,
        incident_id: &str,
        reason: &str,
        text: &str,
        carried: Carried,
    ) -> Result<String> {
        self.write(|w| {
            let (record, incident, _) = load_incident(w.tx(), incident_id)?;
            let action = match carried {
                Carried::Observation(_) => "record observations",
                Carried::Proposal(_) => "propose changes to plans",
                _ => "add addenda",
            };
            let grant = require_role(w.tx(), &record.unit_id, w.now(), Role::Reader, action)?;
            let (mut review, mut observation, mut identified, mut proposal) =
                (None, None, None, None);
            match carried {
                Carried::Words => {}
                Carried::Review(r) => review = Some(r),
                Carried::Observation(o) => observation = Some(o),
                Carried::Identified(i) => identified = Some(i),
                Carried::Proposal(p) => {
                    if incident.person_id.is_none() {
                        return Err(Error::invalid(
                            "proposal",
                            "the incident names no person whose plan it could change",
                        ));
                    }
                    proposal = Some(p);
                }
            }
            // Addenda are ordered by when they were added; the position is that instant.
            let value = json!({
                "pos": w.now().0 as f64,
                "author": w.staff().name,
                "job_title": w.staff().job_title,
                "at": w.now().0,
                "reason": reason,
                "text": text,
                "review": review,
                "observation": observation,
                "identified": identified,
                "proposal": proposal,
            });
            // Who may add it, and to what, by the rule the server applies to the same value.
            if !open_to_the_unit(&value) {
                if incident.status != IncidentStatus::Submitted {
                    return Err(Error::invalid(
                        "incident",
                        "is still a draft: edit it instead of adding an addendum",
                    ));
                }
                if grant.role < Role::Lead && incident.recorded_by != w.staff().name {
                    return Err(Error::NotAllowed(Refusal::NotTheAuthor {
                        action: "add an addendum".into(),
                    }));
                }
            }
            let item_id = new_id();
            let change = Change::Item {
                list: ADDENDA.to_string(),
                item_id: item_id.clone(),
                value,
            };
            w.change(
                EntityKind::Incident,
                incident_id,
                &record.unit_id,
                change,
                "addendum",
            )?;
            Ok(item_id)
        })
    }

    /// One incident (audited as a view).
    pub fn incident(&self, incident_id: &str) -> Result<Incident> {
        let now = self.now();
        let incident = self.read(|tx| {
            let (record, incident, _) = load_incident(tx, incident_id)?;
            active_grant(tx, &record.unit_id, now)?;
            Ok(incident)
        })?;
        self.record_view("incident", incident_id, &incident.unit_id, "incident")?;
        Ok(incident)
    }

    /// A unit's incidents, newest first.
    pub fn incidents(&self, unit_id: &str) -> Result<Vec<IncidentSummary>> {
        let now = self.now();
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'incident'",
                )?
                .query_map([unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut list = Vec::with_capacity(ids.len());
            for id in ids {
                let (_, incident, _) = load_incident(tx, &id)?;
                let pending: u32 = tx
                    .prepare_cached(
                        "SELECT count(*) FROM outbox WHERE entity_id = ?1 AND state = 'pending'",
                    )?
                    .query_row([&id], |r| r.get(0))?;
                list.push(IncidentSummary {
                    about: incident
                        .person_name
                        .clone()
                        .or_else(|| incident.unidentified_person.clone())
                        .unwrap_or_default(),
                    id,
                    unit_id: incident.unit_id,
                    status: incident.status,
                    occurred_at: incident.occurred_at,
                    tags: incident.tags,
                    use_of_force: !incident.use_of_force.is_empty(),
                    pending_changes: pending,
                });
            }
            list.sort_by(|a, b| {
                b.occurred_at
                    .cmp(&a.occurred_at)
                    .then_with(|| a.id.cmp(&b.id))
            });
            Ok(list)
        })
    }

    /// A unit's incidents whole, each with the s.6(5) items it lacks, read for counting (the
    /// console's figures, list and exports): no view is recorded, because nobody reads one
    /// record. `only`: just these ids (those a change touched), else every incident of the
    /// unit; an id no longer held is left out.
    pub fn incidents_for_counting(
        &self,
        unit_id: &str,
        only: Option<&[String]>,
    ) -> Result<Vec<(Incident, Vec<S65Item>)>> {
        let now = self.now();
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let ids: Vec<String> = match only {
                Some(ids) => ids.to_vec(),
                None => tx
                    .prepare_cached(
                        "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'incident'",
                    )?
                    .query_map([unit_id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?,
            };
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                match load_incident(tx, &id) {
                    Ok((record, incident, person)) if record.unit_id == unit_id => {
                        let missing = s65::missing_items(&incident, person.as_ref());
                        out.push((incident, missing));
                    }
                    Ok(_) | Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }

    pub(crate) fn edit_draft<T>(
        &self,
        incident_id: &str,
        f: impl FnOnce(&mut Writer<'_>, &Record) -> Result<T>,
    ) -> Result<T> {
        self.write(|w| {
            let record = replica::load(w.tx(), EntityKind::Incident, incident_id)?
                .ok_or_else(|| Error::not_found("incident", incident_id))?;
            let _: UnitGrant = require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Reader,
                "edit incidents",
            )?;
            if record.locked {
                return Err(Error::Locked(incident_id.to_string()));
            }
            f(w, &record)
        })
    }
}

fn uses(incident_id: &str) -> ListEdit<'_> {
    ListEdit {
        kind: EntityKind::Incident,
        entity_id: incident_id,
        list: USE_OF_FORCE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::RestrictiveInterventionType;

    fn hold(intervention: RestrictiveInterventionType, ended_at: Option<Timestamp>) -> UseOfForce {
        UseOfForce {
            id: "uof-1".into(),
            intervention,
            reason: None,
            started_at: Some(Timestamp(1_000_000)),
            ended_at,
            in_care_plan: None,
            how_force_was_used: String::new(),
            staff: Vec::new(),
            contraindication_override: None,
        }
    }

    #[test]
    fn a_prone_hold_alerts_at_the_first_moment_it_is_over_ten_minutes() {
        let running = hold(RestrictiveInterventionType::PhysicalProne, None);
        let at = running
            .prone_alert_at()
            .expect("a running prone hold alerts");
        assert!(running.prone_over_ten_minutes(at));
        assert!(!running.prone_over_ten_minutes(Timestamp(at.0 - 1)));
        assert_eq!(at.0 - 1_000_000, PRONE_HOLD_LIMIT_MS + 1);

        // Ended, or not prone: nothing to alert on, though an ended long hold is still reported.
        let ended = hold(
            RestrictiveInterventionType::PhysicalProne,
            Some(Timestamp(at.0 + 60_000)),
        );
        assert_eq!(ended.prone_alert_at(), None);
        assert!(ended.prone_over_ten_minutes(Timestamp(i64::MAX)));
        let seated = hold(RestrictiveInterventionType::PhysicalSeated, None);
        assert_eq!(seated.prone_alert_at(), None);
        assert!(!seated.prone_over_ten_minutes(Timestamp(at.0 + 3_600_000)));
    }
}
