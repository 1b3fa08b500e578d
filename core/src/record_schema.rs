//! The record schema: what a valid record is, defined once for the device and the server.
//!
//! Phones can be old, buggy, lost or hostile, so the server must hold the same definition of a
//! record that the device writes by. For each kind of record this module lists every field and
//! list: its type and bounds (text length, number range, an instant within a window of the
//! checker's clock, items per list), who may write it (the least role), whether it is bound to
//! the writer (authors, recorded-by: a body cannot choose them), and its lifecycle (set once at
//! creation; append-only). [`check_op`] is the one check of an operation against it: the device
//! runs it before a change enters the outbox, the server on every pushed operation, and both give
//! the same verdict for the same operation, clock and writer. The rules that need what the store
//! holds (a sheet lives in its person's unit, submission locks an incident, an addendum is added
//! by the incident's recorder or a lead, a use of force in a mental health unit lists every
//! s.6(5) item) are applied by each side's store beside this check, with the helpers here.
//!
//! A field not in the schema is refused: a record holds only what every reader understands.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::checklist::BandLevel;
use crate::clock::Timestamp;
use crate::codes::{IncidentTag, RestrictiveInterventionType, Role};
use crate::incident::{Addendum, Debrief, Deescalation, UseOfForce};
use crate::protocol::{ADDENDA_LIST, Change, EntityKind, Operation, RejectReason};

/// The earliest instant a record may name: 2000-01-01T00:00:00Z. Nothing this service records
/// happened before it; a smaller value is a bug or a forgery.
pub const EARLIEST_INSTANT_MS: i64 = 946_684_800_000;
/// How far past the checker's clock an instant that says when something happened may be: a
/// day, room for a phone whose clock is wrong by hours, never a record dated next month.
pub const HAPPENED_AHEAD_MS: i64 = 86_400_000;
/// How far ahead a date that is planned (a sheet's next review) may be: ten years.
pub const PLANNED_AHEAD_MS: i64 = 3_653 * 86_400_000;

/// The type and bounds of a field's value, or of a list item's.
#[derive(Debug, Clone, Copy)]
pub enum ValueType {
    /// Text of 1 to `max_chars` characters, no surrounding space (`null` clears it, unless the
    /// field is required).
    Text {
        /// The most characters.
        max_chars: usize,
    },
    /// `true` or `false`.
    Flag,
    /// An NHS number: 10 digits, valid by its Modulus 11 check digit ([`crate::nhs_number`]).
    NhsNumber,
    /// Whole milliseconds since 1970, from [`EARLIEST_INSTANT_MS`] to the checker's clock plus
    /// `ahead_ms`.
    Instant {
        /// How far past now it may be.
        ahead_ms: i64,
    },
    /// A whole number in a range.
    Integer {
        /// The least.
        min: i64,
        /// The most.
        max: i64,
    },
    /// One of fixed words.
    OneOf(&'static [&'static str]),
    /// The id of a record of this kind (which side's store checks it lives in the same unit).
    Reference(EntityKind),
    /// A list of ids, each at most [`crate::protocol::MAX_ID_BYTES`].
    Ids {
        /// The most ids.
        max_items: usize,
    },
    /// A list of short words (guidance tags).
    Words {
        /// The most words.
        max_items: usize,
        /// The most characters per word.
        max_chars: usize,
    },
    /// A picture: a PNG or JPEG, base64 in the JSON string, at most
    /// [`crate::guidance::IMAGE_BYTES`] decoded and [`crate::guidance::IMAGE_MAX_SIDE`] pixels a
    /// side, its format read from its content ([`crate::guidance::check_image`]).
    Image,
    /// A value of one of the core's own types, checked by its rule (keys the type does not
    /// have are refused, so nothing nests deeper than the type needs).
    Typed(Typed),
}

/// The core's structured values a field or list item holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// An incident's quick tags (codes of [`IncidentTag`]).
    Tags,
    /// What de-escalation was tried.
    Deescalation,
    /// A debrief: held, and a note.
    Debrief,
    /// A use of force with its MHSDS code and details.
    UseOfForce,
    /// An addendum to a submitted incident.
    Addendum,
    /// A restrictive intervention authorised in a care plan.
    AuthorisedIntervention,
    /// A list item of text (a trigger, a warning sign).
    ItemText {
        /// The most characters.
        max_chars: usize,
    },
    /// The person as frozen into an incident at submission ([`crate::incident::Subject`]).
    Subject,
    /// A safety alert or contraindication: its words and the interventions it rules out
    /// ([`crate::restraint`]).
    Caution {
        /// The most characters.
        max_chars: usize,
    },
    /// A checklist score band.
    Band,
    /// A proposal for the plan declined, with its reason
    /// ([`crate::proposals::DeclinedProposal`]).
    DeclinedProposal,
    /// One moment of an incident's timeline ([`crate::timeline::TimelineEvent`]).
    TimelineEvent,
    /// The person's relevant characteristics, s.6(5)(k)
    /// ([`crate::characteristics::RelevantCharacteristics`]).
    Characteristics,
}

/// Whether a field is bound to the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Free.
    No,
    /// Must be the writer's own name (recorded-by, submitted-by, reviewed-by, an author).
    WritersName,
    /// Must be the writer's own job title (a handover note's author's).
    WritersJobTitle,
}

/// One field of a record, or one list.
#[derive(Debug, Clone, Copy)]
pub struct FieldRule {
    /// The name on the wire and in the store.
    pub name: &'static str,
    /// Its value's type (a list's: each item's).
    pub value: ValueType,
    /// It is a list of items (each merged on its own) rather than a plain field.
    pub list: Option<ListRule>,
    /// It is never cleared (`null`): a record is made by its first change, and a field not yet
    /// written reads as empty, but once it has a value it keeps one.
    pub required: bool,
    /// It may be written only when the record is created (a checklist run's result, an
    /// incident's recorder).
    pub once: bool,
    /// Bound to the writer.
    pub bound: Bound,
}

/// The rules of a list.
#[derive(Debug, Clone, Copy)]
pub struct ListRule {
    /// The most live items.
    pub max_items: usize,
    /// Items are only ever added: never edited or removed (addenda).
    pub append_only: bool,
}

/// The rules of one kind of record.
#[derive(Debug, Clone, Copy)]
pub struct KindRule {
    /// The kind.
    pub kind: EntityKind,
    /// The least role that may write it from a device; `None`: read-only on devices.
    pub writer: Option<Role>,
    /// Its fields and lists.
    pub fields: &'static [FieldRule],
    /// The field that names the record's person, if any (it must be a person of the unit).
    pub person_field: Option<&'static str>,
    /// Submission freezes the record but for new items of this list (incidents: addenda).
    pub locks_but: Option<&'static str>,
}

const fn field(name: &'static str, value: ValueType) -> FieldRule {
    FieldRule {
        name,
        value,
        list: None,
        required: false,
        once: false,
        bound: Bound::No,
    }
}

const fn text(name: &'static str, max_chars: usize) -> FieldRule {
    field(name, ValueType::Text { max_chars })
}

const fn list(name: &'static str, item: Typed, max_items: usize) -> FieldRule {
    FieldRule {
        list: Some(ListRule {
            max_items,
            append_only: false,
        }),
        ..field(name, ValueType::Typed(item))
    }
}

const fn required(mut rule: FieldRule) -> FieldRule {
    rule.required = true;
    rule
}

const fn once(mut rule: FieldRule) -> FieldRule {
    rule.once = true;
    rule
}

const fn writers_name(mut rule: FieldRule) -> FieldRule {
    rule.bound = Bound::WritersName;
    rule
}

/// The longest name of a person or a member of staff.
pub const NAME_CHARS: usize = 100;
/// The longest free text of a support sheet field.
pub const SHEET_TEXT_CHARS: usize = 4000;
/// The longest sheet list item (a trigger, a warning sign, ...).
pub const SHEET_ITEM_CHARS: usize = 500;
/// The longest safety alert.
pub const SAFETY_ALERT_CHARS: usize = 200;
/// The longest local identifier.
pub const LOCAL_IDENTIFIER_CHARS: usize = 40;
/// The longest incident note.
pub const INCIDENT_NOTE_CHARS: usize = 2000;
/// The longest handover note.
pub const HANDOVER_NOTE_CHARS: usize = 2000;
/// How long a handover note may be corrected by its author: twelve hours, one long shift, after
/// which it stands as written, as a submitted incident does.
pub const HANDOVER_NOTE_LOCK_MS: i64 = 12 * 3_600_000;

const HAPPENED: ValueType = ValueType::Instant {
    ahead_ms: HAPPENED_AHEAD_MS,
};

const PERSON: &[FieldRule] = &[
    required(text("display_name", NAME_CHARS)),
    text("preferred_name", NAME_CHARS),
    text("local_identifier", LOCAL_IDENTIFIER_CHARS),
    field("nhs_number", ValueType::NhsNumber),
    field("deleted", ValueType::Flag),
    list(
        "safety_alerts",
        Typed::Caution {
            max_chars: SAFETY_ALERT_CHARS,
        },
        50,
    ),
];

const SHEET_ITEM: Typed = Typed::ItemText {
    max_chars: SHEET_ITEM_CHARS,
};

const SHEET: &[FieldRule] = &[
    text("about_me.liked_admired", SHEET_TEXT_CHARS),
    text("about_me.important", SHEET_TEXT_CHARS),
    text("about_me.how_to_support", SHEET_TEXT_CHARS),
    text("communication.how_i", SHEET_TEXT_CHARS),
    text("communication.with_me", SHEET_TEXT_CHARS),
    text("green.settled", SHEET_TEXT_CHARS),
    text("green.routines", SHEET_TEXT_CHARS),
    text("green.sensory", SHEET_TEXT_CHARS),
    text("green.likes_dislikes", SHEET_TEXT_CHARS),
    text("red.staff_should_do", SHEET_TEXT_CHARS),
    text("red.who_to_call", SHEET_TEXT_CHARS),
    text("blue.afterwards", SHEET_TEXT_CHARS),
    text("blue.debrief", SHEET_TEXT_CHARS),
    list("triggers", SHEET_ITEM, 200),
    list("amber.warning_signs", SHEET_ITEM, 200),
    list("amber.what_helps", SHEET_ITEM, 200),
    list("amber.what_to_avoid", SHEET_ITEM, 200),
    list(
        "red.contraindications",
        Typed::Caution {
            max_chars: SHEET_ITEM_CHARS,
        },
        200,
    ),
    list(
        "red.authorised_interventions",
        Typed::AuthorisedIntervention,
        30,
    ),
    writers_name(list(
        crate::proposals::DECLINED_LIST,
        Typed::DeclinedProposal,
        crate::proposals::MAX_DECLINED,
    )),
    field("review.at", HAPPENED),
    writers_name(text("review.by", NAME_CHARS)),
    field(
        "review.due",
        ValueType::Instant {
            ahead_ms: PLANNED_AHEAD_MS,
        },
    ),
];

/// An injury indicator ([`crate::codes::InjuryIndicator`]).
const INJURY: ValueType = ValueType::OneOf(&["yes", "no", "not_known"]);

const INCIDENT: &[FieldRule] = &[
    required(field("status", ValueType::OneOf(&["draft", "submitted"]))),
    required(field("occurred_at", HAPPENED)),
    once(writers_name(text("recorded_by", NAME_CHARS))),
    required(text("note", INCIDENT_NOTE_CHARS)),
    field("tags", ValueType::Typed(Typed::Tags)),
    field("person_id", ValueType::Reference(EntityKind::Person)),
    text("unidentified_person", 200),
    text("place", 200),
    field("deescalation", ValueType::Typed(Typed::Deescalation)),
    field("non_staff_involved", ValueType::Flag),
    text("non_staff_reason", 1000),
    text("mental_disorder", 500),
    text("relevant_characteristics", 500),
    field("characteristics", ValueType::Typed(Typed::Characteristics)),
    field("injured_person", INJURY),
    field("injured_staff", INJURY),
    field("injured_others", INJURY),
    field("learning_disability_or_autism", ValueType::Flag),
    field("nhs_number_not_known", ValueType::Flag),
    field("subject", ValueType::Typed(Typed::Subject)),
    text("injuries_person", 1000),
    text("injuries_staff", 1000),
    text("injuries_others", 1000),
    text("outcome", INCIDENT_NOTE_CHARS),
    field("death_or_serious_injury", ValueType::Flag),
    field("debrief_person", ValueType::Typed(Typed::Debrief)),
    field("debrief_staff", ValueType::Typed(Typed::Debrief)),
    field("notification_sent", ValueType::Flag),
    field("submitted_at", HAPPENED),
    writers_name(text("submitted_by", NAME_CHARS)),
    list("use_of_force", Typed::UseOfForce, 30),
    writers_name(list(
        crate::timeline::TIMELINE_LIST,
        Typed::TimelineEvent,
        crate::timeline::MAX_EVENTS,
    )),
    text("job_reference", crate::incident::JOB_REFERENCE_CHARS),
    FieldRule {
        list: Some(ListRule {
            max_items: 500,
            append_only: true,
        }),
        bound: Bound::WritersName,
        ..field(ADDENDA_LIST, ValueType::Typed(Typed::Addendum))
    },
];

const CHECKLIST_RUN: &[FieldRule] = &[
    once(required(text("template_id", 64))),
    once(required(field(
        "template_version",
        ValueType::Integer {
            min: 1,
            max: 1_000_000,
        },
    ))),
    once(field("person_id", ValueType::Reference(EntityKind::Person))),
    once(required(field(
        "present",
        ValueType::Ids { max_items: 500 },
    ))),
    once(required(field(
        "score",
        ValueType::Integer {
            min: 0,
            max: 1_000_000,
        },
    ))),
    once(required(field("band", ValueType::Typed(Typed::Band)))),
    once(required(field("at", HAPPENED))),
    once(writers_name(text("by", NAME_CHARS))),
];

/// A handover note: its words, and who wrote it when, about whom (all but the words fixed when
/// it is made).
const HANDOVER_NOTE: &[FieldRule] = &[
    required(text("text", HANDOVER_NOTE_CHARS)),
    once(field("person_id", ValueType::Reference(EntityKind::Person))),
    once(required(writers_name(text("author", NAME_CHARS)))),
    once(required(FieldRule {
        bound: Bound::WritersJobTitle,
        ..text("job_title", NAME_CHARS)
    })),
    once(required(field("at", HAPPENED))),
];

const GUIDANCE: &[FieldRule] = &[
    required(text("title", 200)),
    required(text("body", 20_000)),
    field(
        "tags",
        ValueType::Words {
            max_items: 20,
            max_chars: 40,
        },
    ),
    field("image", ValueType::Image),
    text("image_alt", crate::guidance::IMAGE_ALT_CHARS),
    field("featured", ValueType::Flag),
    field("deleted", ValueType::Flag),
];

/// Every kind's rules.
pub const KINDS: &[KindRule] = &[
    KindRule {
        kind: EntityKind::Person,
        writer: Some(Role::Editor),
        fields: PERSON,
        person_field: None,
        locks_but: None,
    },
    KindRule {
        kind: EntityKind::Sheet,
        writer: Some(Role::Editor),
        fields: SHEET,
        person_field: None,
        locks_but: None,
    },
    KindRule {
        kind: EntityKind::Incident,
        writer: Some(Role::Reader),
        fields: INCIDENT,
        person_field: Some("person_id"),
        locks_but: Some(ADDENDA_LIST),
    },
    KindRule {
        kind: EntityKind::ChecklistRun,
        writer: Some(Role::Reader),
        fields: CHECKLIST_RUN,
        person_field: Some("person_id"),
        locks_but: None,
    },
    KindRule {
        kind: EntityKind::Guidance,
        writer: None,
        fields: GUIDANCE,
        person_field: None,
        locks_but: None,
    },
    KindRule {
        kind: EntityKind::HandoverNote,
        writer: Some(Role::Reader),
        fields: HANDOVER_NOTE,
        person_field: Some("person_id"),
        locks_but: None,
    },
];

/// The fields a record of `kind` must be made with, all in its first change (a handover note
/// is made whole: a note with no author would be one nobody may correct).
pub fn made_with(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::HandoverNote => &["text", "author", "job_title", "at"],
        _ => &[],
    }
}

/// The field naming the only member of staff who may change a record of `kind` once made, and
/// how long after it was made they may (a handover note: its author, for
/// [`HANDOVER_NOTE_LOCK_MS`]). Past that the record is locked, as a submitted incident is.
pub fn author_edits_for(kind: EntityKind) -> Option<(&'static str, i64)> {
    (kind == EntityKind::HandoverNote).then_some(("author", HANDOVER_NOTE_LOCK_MS))
}

/// Whether `author`, as a record holds it, names the writer: the same check that binds the
/// name when it is written ([`Bound::WritersName`]), so the device and the server agree.
pub fn names_the_writer(author: &str, writer: &Writer<'_>) -> bool {
    match writer {
        Writer::Staff { .. } => check_bound(
            &Value::String(author.to_string()),
            Bound::WritersName,
            writer,
        )
        .is_ok(),
        Writer::Server | Writer::Console { .. } => true,
    }
}

/// The rules of `kind`.
pub fn kind_rule(kind: EntityKind) -> &'static KindRule {
    KINDS
        .iter()
        .find(|k| k.kind == kind)
        .expect("every kind has rules")
}

/// The rule of one field or list of `kind`.
pub fn field_rule(kind: EntityKind, name: &str) -> Option<&'static FieldRule> {
    kind_rule(kind).fields.iter().find(|f| f.name == name)
}

/// The most characters a text field of `kind` may hold (the apps size their inputs by it).
pub fn max_chars(kind: EntityKind, name: &str) -> Option<usize> {
    match field_rule(kind, name)?.value {
        ValueType::Text { max_chars } => Some(max_chars),
        ValueType::Typed(Typed::ItemText { max_chars } | Typed::Caution { max_chars }) => {
            Some(max_chars)
        }
        _ => None,
    }
}

/// Who is writing, as the check needs to know them.
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    /// The server itself (demo data, the console, admin commands): the console's lead is
    /// checked by the console, and its names are its own.
    Server,
    /// The web console's replica, a device of the server: its role is checked; the names it
    /// writes are the signed-in lead's, whom the console authenticates.
    Console {
        /// Its role in the operation's unit.
        role: Role,
    },
    /// A member of staff on an enrolled device.
    Staff {
        /// Their role in the operation's unit.
        role: Role,
        /// Their name, as the device was enrolled with.
        name: &'a str,
        /// Their job title.
        job_title: &'a str,
    },
}

/// What the check is judged against: who writes, and the checker's clock.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The writer.
    pub writer: Writer<'a>,
    /// The checker's clock (the server's at receipt; the device's when the change is made).
    pub now: Timestamp,
    /// The record is new: no cell of it is held yet.
    pub creating: bool,
    /// The record's unit is flagged for the Mental Health Act (a mental health unit): only
    /// there may seclusion or segregation be recorded or authorised.
    pub mental_health_unit: bool,
}

/// Seclusion and segregation are for people detained under the Mental Health Act, so they are
/// recorded and authorised only in units flagged as mental health units: "Staff must not use
/// seclusion other than for people detained under the Mental Health Act 1983" (Department of
/// Health, *Positive and Proactive Care*, 2014), and long-term segregation is a measure of the
/// Mental Health Act Code of Practice (2015), chapter 26. A care home never records either.
pub fn allowed_in_unit(
    intervention: RestrictiveInterventionType,
    mental_health_unit: bool,
) -> Result<(), String> {
    match intervention {
        RestrictiveInterventionType::Seclusion | RestrictiveInterventionType::Segregation
            if !mental_health_unit =>
        {
            Err(format!(
                "{} is only for people detained under the Mental Health Act: it is recorded or \
                 authorised only in a unit flagged as a mental health unit (Positive and \
                 Proactive Care, 2014)",
                intervention.label().to_lowercase()
            ))
        }
        _ => Ok(()),
    }
}

/// An operation that breaks a rule of its record: the reason the server answers, the field and
/// the rule in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct RuleBreak {
    /// The rejection it earns.
    pub reason: RejectReason,
    /// Where (`note`, `addenda/<id>.author`).
    pub field: String,
    /// What the rule is.
    pub rule: String,
}

fn broken(reason: RejectReason, field: &str, rule: impl Into<String>) -> RuleBreak {
    RuleBreak {
        reason,
        field: field.to_string(),
        rule: rule.into(),
    }
}

/// Checks an operation against its record's rules: the protocol's bounds, then each field or
/// item's type and bounds, who may write it, whether it is the writer's own name, and what may be
/// written only at creation. The same function for the device and the server.
pub fn check_op(op: &Operation, ctx: &Context<'_>) -> Result<(), RuleBreak> {
    check_writer(op.entity, &ctx.writer)?;
    check_values(op, ctx)
}

/// [`check_op`] but for the writer's role ([`check_writer`]), for a caller that has checked it
/// already (the server checks the role, then the record's unit, then this).
pub fn check_values(op: &Operation, ctx: &Context<'_>) -> Result<(), RuleBreak> {
    op.validate("op")
        .map_err(|e| broken(RejectReason::Invalid, &e.field, e.rule))?;
    let invalid = |field: &str, rule: String| Err(broken(RejectReason::Invalid, field, rule));
    let made_with = made_with(op.entity);
    if ctx.creating && !made_with.is_empty() {
        let Change::Fields(fields) = &op.change else {
            return invalid(
                op.entity.as_str(),
                "made by setting its fields first".into(),
            );
        };
        if let Some(missing) = made_with.iter().find(|f| !fields.contains_key(**f)) {
            let kind = op.entity.as_str().replace('_', " ");
            return invalid(missing, format!("a {kind} is made with it"));
        }
    }
    match &op.change {
        Change::Fields(fields) => {
            for (name, value) in fields {
                let Some(rule) = field_rule(op.entity, name).filter(|r| r.list.is_none()) else {
                    return invalid(name, format!("not a field of {}", op.entity.as_str()));
                };
                if rule.once && !ctx.creating {
                    return invalid(name, "set when the record is made, never changed".into());
                }
                if value.is_null() {
                    if rule.required {
                        return invalid(name, "must hold a value".into());
                    }
                    continue;
                }
                if rule.bound != Bound::No {
                    check_bound(value, rule.bound, &ctx.writer)
                        .or_else(|rule| invalid(name, rule))?;
                } else {
                    check_value(rule.value, value, ctx).or_else(|rule| invalid(name, rule))?;
                }
            }
        }
        Change::Item {
            list,
            item_id,
            value,
        } => {
            let at = format!("{list}/{item_id}");
            let Some(rule) = field_rule(op.entity, list) else {
                return invalid(list, format!("not a list of {}", op.entity.as_str()));
            };
            let Some(list_rule) = rule.list else {
                return invalid(list, "a field, not a list".into());
            };
            if value.is_null() {
                if list_rule.append_only {
                    return invalid(&at, "never removed".into());
                }
                return Ok(());
            }
            let Some(pos) = value.get("pos").and_then(Value::as_f64) else {
                return invalid(&at, "an item has a position, pos".into());
            };
            if !pos.is_finite() {
                return invalid(&at, "pos must be a finite number".into());
            }
            let mut item = value.clone();
            if let Some(obj) = item.as_object_mut() {
                obj.remove("pos");
                obj.insert("id".into(), Value::String(item_id.clone()));
            }
            check_value(rule.value, &item, ctx).or_else(|rule| invalid(&at, rule))?;
            if rule.bound == Bound::WritersName {
                check_author(&item, ctx).or_else(|rule| invalid(&at, rule))?;
            }
        }
    }
    Ok(())
}

/// Whether the writer's role may change records of `kind` at all (the first rule: a reader is
/// told `role` before anything about the record it named).
pub fn check_writer(kind: EntityKind, writer: &Writer<'_>) -> Result<(), RuleBreak> {
    if let Writer::Staff { role, .. } | Writer::Console { role } = *writer {
        let Some(needed) = kind_rule(kind).writer else {
            return Err(broken(
                RejectReason::ReadOnly,
                kind.as_str(),
                format!("{} is read-only on devices", kind.as_str()),
            ));
        };
        if role < needed {
            return Err(broken(
                RejectReason::Role,
                kind.as_str(),
                format!("a {} cannot change {}", role.as_str(), kind.as_str()),
            ));
        }
    }
    Ok(())
}

/// A field bound to the writer holds their name (or job title) exactly (a device with no
/// member of staff named writes ""); the server's and the console's names are bounded like any
/// name.
fn check_bound(value: &Value, bound: Bound, writer: &Writer<'_>) -> Result<(), String> {
    let Some(text) = value.as_str() else {
        return Err("a name".into());
    };
    match *writer {
        Writer::Staff { name, .. } if bound == Bound::WritersName && text != name => {
            Err("the name of the member of staff this device is enrolled for".into())
        }
        Writer::Staff { job_title, .. } if bound == Bound::WritersJobTitle && text != job_title => {
            Err("the job title of the member of staff this device is enrolled for".into())
        }
        _ => inner_text("name", text, NAME_CHARS),
    }
}

/// An author's name and job title (addenda) are the writer's own.
fn check_author(item: &Value, ctx: &Context<'_>) -> Result<(), String> {
    if let Writer::Staff {
        name, job_title, ..
    } = ctx.writer
        && (item.get("author").and_then(Value::as_str) != Some(name)
            || item.get("job_title").and_then(Value::as_str) != Some(job_title))
    {
        return Err("author and job_title: the member of staff this device is enrolled for".into());
    }
    Ok(())
}

fn text_ok(text: &str, max_chars: usize) -> Result<(), String> {
    if text.trim().is_empty() || text.trim() != text {
        return Err("text with no surrounding space, not empty (null clears)".into());
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(format!("at most {max_chars} characters (is {chars})"));
    }
    Ok(())
}

/// Text within a structured value: may be empty, bounded.
fn inner_text(what: &str, text: &str, max_chars: usize) -> Result<(), String> {
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(format!(
            "{what}: at most {max_chars} characters (is {chars})"
        ));
    }
    Ok(())
}

fn instant_ok(ms: Option<i64>, ahead_ms: i64, now: Timestamp) -> Result<(), String> {
    let latest = now.0.saturating_add(ahead_ms);
    match ms {
        Some(ms) if (EARLIEST_INSTANT_MS..=latest).contains(&ms) => Ok(()),
        _ => Err(format!(
            "an instant in whole milliseconds, from {EARLIEST_INSTANT_MS} (2000) to {ahead_ms} ms \
             after now"
        )),
    }
}

fn check_value(ty: ValueType, value: &Value, ctx: &Context<'_>) -> Result<(), String> {
    match ty {
        ValueType::Text { max_chars } => match value.as_str() {
            Some(t) => text_ok(t, max_chars),
            None => Err("text".into()),
        },
        ValueType::Flag => match value {
            Value::Bool(_) => Ok(()),
            _ => Err("true or false".into()),
        },
        ValueType::NhsNumber => match value.as_str() {
            Some(n) if crate::nhs_number::is_valid(n) => Ok(()),
            _ => Err("an NHS number: 10 digits, valid by its check digit".into()),
        },
        ValueType::Instant { ahead_ms } => instant_ok(value.as_i64(), ahead_ms, ctx.now),
        ValueType::Integer { min, max } => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(()),
            _ => Err(format!("a whole number from {min} to {max}")),
        },
        ValueType::OneOf(words) => match value.as_str() {
            Some(w) if words.contains(&w) => Ok(()),
            _ => Err(format!("one of {}", words.join(", "))),
        },
        ValueType::Reference(kind) => match value.as_str() {
            Some(id) if !id.is_empty() && id.len() <= crate::protocol::MAX_ID_BYTES => Ok(()),
            _ => Err(format!("the id of a {}", kind.as_str())),
        },
        ValueType::Ids { max_items } => {
            let ids = strings(value).ok_or("a list of ids")?;
            if ids.len() > max_items {
                return Err(format!("at most {max_items} ids"));
            }
            if ids
                .iter()
                .any(|id| id.is_empty() || id.len() > crate::protocol::MAX_ID_BYTES)
            {
                return Err("each id 1 to 64 bytes".into());
            }
            Ok(())
        }
        ValueType::Words {
            max_items,
            max_chars,
        } => {
            let words = strings(value).ok_or("a list of words")?;
            if words.len() > max_items {
                return Err(format!("at most {max_items} words"));
            }
            words
                .iter()
                .try_for_each(|w| text_ok(w, max_chars).map_err(|e| format!("each word: {e}")))
        }
        ValueType::Image => {
            let data = value.as_str().ok_or("a base64 PNG or JPEG")?;
            crate::guidance::check_image(data).map(|_| ())
        }
        ValueType::Typed(typed) => check_typed(typed, value, ctx),
    }
}

fn strings(value: &Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(Value::as_str).collect()
}

/// `value` read as a `T`, with no key that `T` does not have (anywhere inside it).
fn exactly<T: DeserializeOwned + Serialize>(value: &Value) -> Result<T, String> {
    let decoded: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let canonical = serde_json::to_value(&decoded).map_err(|e| e.to_string())?;
    match unknown_key(value, &canonical) {
        Some(key) => Err(format!("{key}: not part of this value")),
        None => Ok(decoded),
    }
}

fn unknown_key(value: &Value, canonical: &Value) -> Option<String> {
    match (value, canonical) {
        (Value::Object(map), Value::Object(known)) => {
            map.iter().find_map(|(k, v)| match known.get(k) {
                None => Some(k.clone()),
                Some(c) => unknown_key(v, c).map(|inner| format!("{k}.{inner}")),
            })
        }
        (Value::Array(items), Value::Array(known)) => items
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (v, c))| unknown_key(v, c).map(|inner| format!("[{i}].{inner}"))),
        _ => None,
    }
}

fn check_typed(typed: Typed, value: &Value, ctx: &Context<'_>) -> Result<(), String> {
    let happened = |what: &str, at: Option<Timestamp>| {
        at.map_or(Ok(()), |t| {
            instant_ok(Some(t.0), HAPPENED_AHEAD_MS, ctx.now).map_err(|e| format!("{what}: {e}"))
        })
    };
    match typed {
        Typed::Tags => {
            let tags: Vec<IncidentTag> = exactly(value)?;
            if tags.len() > 20 {
                return Err("at most 20 tags".into());
            }
        }
        Typed::Deescalation => {
            let d: Deescalation = exactly(value)?;
            if d.own_strategies.len() > 50 || d.general_steps.len() > 50 {
                return Err("at most 50 strategies and 50 steps".into());
            }
            for s in &d.own_strategies {
                text_ok(s, SHEET_ITEM_CHARS).map_err(|e| format!("own_strategies: {e}"))?;
            }
            inner_text("other", d.other.as_deref().unwrap_or(""), 1000)?;
            if d.helped.iter().any(|h| !d.own_strategies.contains(h))
                || d.steps_helped.iter().any(|h| !d.general_steps.contains(h))
            {
                return Err("helped: only what was tried can have helped".into());
            }
        }
        Typed::Debrief => {
            let d: Debrief = exactly(value)?;
            inner_text("note", &d.note, 1000)?;
        }
        Typed::UseOfForce => {
            let u: UseOfForce = exactly(value)?;
            allowed_in_unit(u.intervention, ctx.mental_health_unit)
                .map_err(|e| format!("intervention: {e}"))?;
            happened("started_at", u.started_at)?;
            happened("ended_at", u.ended_at)?;
            if let (Some(start), Some(end)) = (u.started_at, u.ended_at)
                && end < start
            {
                return Err("ended_at: must not be before started_at".into());
            }
            inner_text("how_force_was_used", &u.how_force_was_used, 2000)?;
            inner_text(
                "contraindication_override",
                u.contraindication_override.as_deref().unwrap_or(""),
                crate::incident::OVERRIDE_CHARS,
            )?;
            if u.staff.len() > 20 {
                return Err("staff: at most 20 people".into());
            }
            for s in &u.staff {
                text_ok(&s.name, NAME_CHARS).map_err(|e| format!("staff name: {e}"))?;
                text_ok(&s.job_title, NAME_CHARS).map_err(|e| format!("staff job_title: {e}"))?;
            }
        }
        Typed::Addendum => {
            let a: Addendum = exactly(value)?;
            happened("at", Some(a.at))?;
            // Bound to the writer (checked with the item): may be "" on an unnamed device.
            inner_text("author", &a.author, NAME_CHARS)?;
            inner_text("job_title", &a.job_title, NAME_CHARS)?;
            text_ok(&a.reason, 500).map_err(|e| format!("reason: {e}"))?;
            text_ok(&a.text, SHEET_TEXT_CHARS).map_err(|e| format!("text: {e}"))?;
            if let Some(r) = &a.review {
                happened("review.held_at", r.held_at)?;
                if r.held != r.held_at.is_some() {
                    return Err("review: a held review says when; one not held does not".into());
                }
                if !r.held && r.why_not.as_deref().is_none_or(|w| w.trim().is_empty()) {
                    return Err("review.why_not: a review not held says why".into());
                }
                inner_text("review.who", &r.who, 500)?;
                inner_text("review.why_not", r.why_not.as_deref().unwrap_or(""), 500)?;
                inner_text("review.note", &r.note, 4000)?;
            }
            if let Some((field, rule)) = a.proposal.as_ref().and_then(|p| p.problem()) {
                return Err(format!("{field}: {rule}"));
            }
            if let Some((field, rule)) = a.identified.as_ref().and_then(|i| i.problem()) {
                return Err(format!("{field}: {rule}"));
            }
            if let Some(o) = &a.observation {
                happened("observation.observed_at", o.observed_at)?;
                // The clock allowance of every "happened" instant: the device's clock may run ahead.
                let latest = Timestamp(ctx.now.0.saturating_add(HAPPENED_AHEAD_MS));
                if let Some((field, rule)) = o.problem(latest) {
                    return Err(format!("{field}: {rule}"));
                }
            }
        }
        Typed::AuthorisedIntervention => {
            #[derive(serde::Deserialize, Serialize)]
            struct Authorised {
                id: String,
                #[serde(rename = "type")]
                intervention: RestrictiveInterventionType,
                #[serde(default)]
                note: String,
            }
            let a: Authorised = exactly(value)?;
            allowed_in_unit(a.intervention, ctx.mental_health_unit)
                .map_err(|e| format!("type: {e}"))?;
            inner_text("note", &a.note, SHEET_ITEM_CHARS)?;
        }
        Typed::ItemText { max_chars } => {
            #[derive(serde::Deserialize, Serialize)]
            struct Item {
                id: String,
                text: String,
                #[serde(default)]
                source: Option<crate::proposals::ItemSource>,
            }
            let item: Item = exactly(value)?;
            text_ok(&item.text, max_chars).map_err(|e| format!("text: {e}"))?;
            if let Some(s) = &item.source {
                inner_text("source.incident_id", &s.incident_id, 64)?;
                inner_text("source.entry_id", &s.entry_id, 64)?;
            }
        }
        Typed::Subject => {
            let s: crate::incident::Subject = exactly(value)?;
            text_ok(&s.name, NAME_CHARS).map_err(|e| format!("name: {e}"))?;
            if let Some(n) = &s.nhs_number
                && !crate::nhs_number::is_valid(n)
            {
                return Err("nhs_number: 10 digits, valid by its check digit".into());
            }
            inner_text(
                "local_identifier",
                s.local_identifier.as_deref().unwrap_or(""),
                LOCAL_IDENTIFIER_CHARS,
            )?;
        }
        Typed::Caution { max_chars } => {
            #[derive(serde::Deserialize, Serialize)]
            struct Caution {
                id: String,
                text: String,
                #[serde(default)]
                avoid: Vec<RestrictiveInterventionType>,
            }
            let item: Caution = exactly(value)?;
            text_ok(&item.text, max_chars).map_err(|e| format!("text: {e}"))?;
            if item.avoid.len() > crate::restraint::MAX_AVOIDED {
                return Err(format!(
                    "avoid: at most {} interventions",
                    crate::restraint::MAX_AVOIDED
                ));
            }
        }
        Typed::Band => {
            let _: BandLevel = exactly(value)?;
        }
        Typed::DeclinedProposal => {
            let d: crate::proposals::DeclinedProposal = exactly(value)?;
            happened("at", Some(d.at))?;
            inner_text("author", &d.author, NAME_CHARS)?;
            inner_text("job_title", &d.job_title, NAME_CHARS)?;
            text_ok(&d.reason, crate::proposals::REASON_CHARS)
                .map_err(|e| format!("reason: {e}"))?;
            inner_text("source.incident_id", &d.source.incident_id, 64)?;
            inner_text("source.entry_id", &d.source.entry_id, 64)?;
        }
        Typed::TimelineEvent => {
            let e: crate::timeline::TimelineEvent = exactly(value)?;
            happened("at", Some(e.at))?;
            inner_text("author", &e.author, NAME_CHARS)?;
            inner_text("job_title", &e.job_title, NAME_CHARS)?;
            if let Some((name, rule)) = e.problem() {
                return Err(format!("{name}: {rule}"));
            }
        }
        Typed::Characteristics => {
            let c: crate::characteristics::RelevantCharacteristics = exactly(value)?;
            if let Some((name, rule)) = c.problem() {
                return Err(format!("{name}: {rule}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::clock::Hlc;

    const NOW: Timestamp = Timestamp(1_800_000_000_000);

    fn staff(role: Role) -> Context<'static> {
        Context {
            writer: Writer::Staff {
                role,
                name: "Alex Morgan",
                job_title: "Support worker",
            },
            now: NOW,
            creating: false,
            mental_health_unit: false,
        }
    }

    fn op(entity: EntityKind, change: Change) -> Operation {
        Operation {
            op_id: "op-1".into(),
            entity,
            entity_id: "rec-1".into(),
            unit_id: "ward-a".into(),
            change,
            stamp: Hlc {
                wall_ms: NOW.0,
                counter: 0,
                device: "dev-a".into(),
            },
        }
    }

    fn fields(pairs: &[(&str, Value)]) -> Change {
        Change::Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn item(list: &str, value: Value) -> Change {
        Change::Item {
            list: list.into(),
            item_id: "it-1".into(),
            value,
        }
    }

    fn verdict(o: &Operation, ctx: &Context<'_>) -> Result<(), (RejectReason, String)> {
        check_op(o, ctx).map_err(|b| {
            eprintln!("{b}");
            (b.reason, b.field)
        })
    }

    #[test]
    fn every_kind_has_rules_and_each_field_is_named_once() {
        for kind in EntityKind::ALL {
            let rule = kind_rule(kind);
            let mut names: Vec<_> = rule.fields.iter().map(|f| f.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), rule.fields.len(), "{kind:?}");
        }
        // The sheet's fields are the sheet's own keys, and nothing else.
        for f in crate::sheet::SheetText::ALL {
            assert!(field_rule(EntityKind::Sheet, f.key()).is_some());
        }
        for l in crate::sheet::SheetList::ALL {
            assert!(
                field_rule(EntityKind::Sheet, l.key())
                    .unwrap()
                    .list
                    .is_some()
            );
        }
    }

    #[test]
    fn a_field_no_reader_understands_is_refused() {
        let o = op(
            EntityKind::Sheet,
            fields(&[("green.setled", json!("calm"))]),
        );
        assert_eq!(
            verdict(&o, &staff(Role::Editor)),
            Err((RejectReason::Invalid, "green.setled".into()))
        );
    }

    #[test]
    fn text_is_bounded_and_null_clears_only_what_may_be_empty() {
        let ctx = staff(Role::Editor);
        let long = "x".repeat(SHEET_TEXT_CHARS + 1);
        let o = op(EntityKind::Sheet, fields(&[("green.settled", json!(long))]));
        assert_eq!(verdict(&o, &ctx).unwrap_err().1, "green.settled");
        let o = op(EntityKind::Sheet, fields(&[("green.settled", Value::Null)]));
        verdict(&o, &ctx).unwrap();
        let o = op(EntityKind::Person, fields(&[("display_name", Value::Null)]));
        assert_eq!(verdict(&o, &ctx).unwrap_err().1, "display_name");
        let o = op(EntityKind::Person, fields(&[("display_name", json!(5))]));
        assert_eq!(verdict(&o, &ctx).unwrap_err().1, "display_name");
    }

    #[test]
    fn an_incident_cannot_be_dated_next_month_or_before_2000() {
        let ctx = staff(Role::Reader);
        for bad in [
            NOW.0 + 31 * 86_400_000,
            1,
            1.5e12 as i64 - 1_000_000_000_000,
        ] {
            let o = op(EntityKind::Incident, fields(&[("occurred_at", json!(bad))]));
            assert_eq!(verdict(&o, &ctx).unwrap_err().1, "occurred_at", "{bad}");
        }
        let o = op(
            EntityKind::Incident,
            fields(&[("occurred_at", json!(NOW.0 - 3_600_000))]),
        );
        verdict(&o, &ctx).unwrap();
    }

    /// A post-incident review sent by any phone (or raw HTTP) is whole: held with when, or
    /// not held with why.
    #[test]
    fn a_review_is_held_with_a_time_or_not_held_with_a_reason() {
        let ctx = staff(Role::Reader);
        let with_review = |review: Value| {
            op(
                EntityKind::Incident,
                item(
                    ADDENDA_LIST,
                    json!({"pos": 1.0, "author": "Alex Morgan", "job_title": "Support worker",
                           "at": NOW.0, "reason": "Post-incident review with the person",
                           "text": "Held.", "review": review}),
                ),
            )
        };
        let good = json!({"with": "person", "held": true, "held_at": NOW.0 - 60_000,
                          "who": "keyworker", "why_not": null, "wellbeing_offered": null,
                          "note": ""});
        verdict(&with_review(good), &ctx).unwrap();
        for bad in [
            json!({"with": "person", "held": true, "held_at": null, "who": "", "why_not": null,
                   "wellbeing_offered": null, "note": ""}),
            json!({"with": "staff", "held": false, "held_at": null, "who": "", "why_not": " ",
                   "wellbeing_offered": true, "note": ""}),
            json!({"with": "person", "held": true, "held_at": NOW.0 + 7 * 86_400_000,
                   "who": "", "why_not": null, "wellbeing_offered": null, "note": ""}),
            json!({"with": "friends", "held": true, "held_at": NOW.0, "who": "",
                   "why_not": null, "wellbeing_offered": null, "note": ""}),
        ] {
            assert_eq!(
                verdict(&with_review(bad.clone()), &ctx).unwrap_err().1,
                "addenda/it-1",
                "{bad}"
            );
        }
    }

    #[test]
    fn authors_are_the_enrolled_member_of_staff() {
        let ctx = staff(Role::Reader);
        let addendum = |author: &str| {
            json!({"pos": 1.0, "author": author, "job_title": "Support worker",
                   "at": NOW.0, "reason": "Late detail", "text": "Seen by GP"})
        };
        let mine = op(
            EntityKind::Incident,
            item(ADDENDA_LIST, addendum("Alex Morgan")),
        );
        verdict(&mine, &ctx).unwrap();
        let forged = op(EntityKind::Incident, item(ADDENDA_LIST, addendum("Dr Lee")));
        assert_eq!(verdict(&forged, &ctx).unwrap_err().1, "addenda/it-1");
        let removed = op(EntityKind::Incident, item(ADDENDA_LIST, Value::Null));
        assert_eq!(verdict(&removed, &ctx).unwrap_err().1, "addenda/it-1");
        let by = op(
            EntityKind::Incident,
            fields(&[("submitted_by", json!("Dr Lee"))]),
        );
        assert_eq!(verdict(&by, &ctx).unwrap_err().1, "submitted_by");
        // The server's own writes (demo data, the console) carry the lead's name.
        let server = Context {
            writer: Writer::Server,
            ..ctx
        };
        verdict(&forged, &server).unwrap();
    }

    #[test]
    fn what_is_set_at_creation_is_never_changed() {
        let mut ctx = staff(Role::Reader);
        let o = op(
            EntityKind::Incident,
            fields(&[("recorded_by", json!("Alex Morgan"))]),
        );
        assert_eq!(verdict(&o, &ctx).unwrap_err().1, "recorded_by");
        ctx.creating = true;
        verdict(&o, &ctx).unwrap();
        let someone_else = op(
            EntityKind::Incident,
            fields(&[("recorded_by", json!("Dr Lee"))]),
        );
        assert_eq!(verdict(&someone_else, &ctx).unwrap_err().1, "recorded_by");
    }

    #[test]
    fn values_hold_only_what_their_type_has() {
        let ctx = staff(Role::Reader);
        let mut entry = json!({"pos": 1.0, "intervention": "01",
            "started_at": NOW.0 - 60_000, "how_force_was_used": "", "staff": []});
        let o = op(EntityKind::Incident, item("use_of_force", entry.clone()));
        verdict(&o, &ctx).unwrap();
        entry["extra"] = json!({"a": {"b": {"c": 1}}});
        let o = op(EntityKind::Incident, item("use_of_force", entry));
        assert_eq!(verdict(&o, &ctx).unwrap_err().1, "use_of_force/it-1");
        let o = op(
            EntityKind::Incident,
            fields(&[("tags", json!(["made_up"]))]),
        );
        assert_eq!(verdict(&o, &ctx).unwrap_err().1, "tags");
    }

    #[test]
    fn roles_and_read_only_kinds() {
        let o = op(
            EntityKind::Sheet,
            fields(&[("green.settled", json!("calm"))]),
        );
        assert_eq!(
            verdict(&o, &staff(Role::Reader)).unwrap_err().0,
            RejectReason::Role
        );
        let g = op(EntityKind::Guidance, fields(&[("title", json!("t"))]));
        assert_eq!(
            verdict(&g, &staff(Role::Lead)).unwrap_err().0,
            RejectReason::ReadOnly
        );
    }
}
