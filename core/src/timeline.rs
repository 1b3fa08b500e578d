//! The incident's timeline: one tap per moment, each stamped with when it happened and who
//! recorded it.
//!
//! A HEMS crew at a roadside cannot write prose while they work; they tap "arrived",
//! "agitated", "verbal de-escalation", "sedation", "handover", and the record is the sequence.
//! On a ward the same list records the teamwork the training asks for — "call for help;
//! coordinate; swap staff when rapport is failing" — as one-tap team actions: who asked for
//! support and when, who came, who swapped in. The timeline belongs to the draft (edited like
//! its other parts, frozen and sealed at submission) and is checked by the one record schema on
//! the phone and on the server.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::people::{ListEdit, checked_text};
use crate::protocol::EntityKind;
use crate::store::Store;

/// The list of an incident that holds its timeline.
pub const TIMELINE_LIST: &str = "timeline";
/// The most events on one incident's timeline.
pub const MAX_EVENTS: usize = 200;
/// The longest note or name on an event.
pub const EVENT_TEXT_CHARS: usize = 200;

/// What happened at a moment of the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TimelineEventKind {
    /// The crew or staff arrived with the person.
    Arrived,
    /// The person became agitated.
    Agitated,
    /// Verbal de-escalation began.
    VerbalDeescalation,
    /// Sedation or medication was given.
    Sedation,
    /// Staff called for support.
    CalledForSupport,
    /// Support arrived (`who` says who came).
    SupportArrived,
    /// A member of staff swapped in, rapport failing (`who` says who).
    StaffSwapped,
    /// The person was handed over (to the receiving hospital, the next shift).
    Handover,
    /// Something else (`note` says what).
    Other,
}

impl TimelineEventKind {
    /// Every kind, in the order the one-tap buttons show them.
    pub const ALL: [TimelineEventKind; 9] = [
        TimelineEventKind::Arrived,
        TimelineEventKind::Agitated,
        TimelineEventKind::VerbalDeescalation,
        TimelineEventKind::CalledForSupport,
        TimelineEventKind::SupportArrived,
        TimelineEventKind::StaffSwapped,
        TimelineEventKind::Sedation,
        TimelineEventKind::Handover,
        TimelineEventKind::Other,
    ];

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            TimelineEventKind::Arrived => "Arrived",
            TimelineEventKind::Agitated => "Agitated",
            TimelineEventKind::VerbalDeescalation => "Verbal de-escalation",
            TimelineEventKind::Sedation => "Sedation given",
            TimelineEventKind::CalledForSupport => "Called for support",
            TimelineEventKind::SupportArrived => "Support arrived",
            TimelineEventKind::StaffSwapped => "Staff swapped",
            TimelineEventKind::Handover => "Handover",
            TimelineEventKind::Other => "Other",
        }
    }
}

/// One moment on the timeline, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TimelineEvent {
    /// Item id.
    pub id: String,
    /// What happened.
    pub kind: TimelineEventKind,
    /// When it happened.
    pub at: Timestamp,
    /// Who recorded it (the member of staff using the phone).
    pub author: String,
    /// Their job title.
    pub job_title: String,
    /// Who came or swapped in, for those events.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub who: Option<String>,
    /// A few words.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
}

/// A moment as the user taps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewTimelineEvent {
    /// What happened.
    pub kind: TimelineEventKind,
    /// When (now when not given; never in the future).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub at: Option<Timestamp>,
    /// Who came or swapped in.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub who: Option<String>,
    /// A few words ("Other" needs them).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
}

impl TimelineEvent {
    /// The first rule the stored event breaks, as `(field, rule)`: what the server checks
    /// beside the phone. (Its time is checked as every instant that happened is.)
    pub fn problem(&self) -> Option<(&'static str, String)> {
        for (name, text) in [("who", &self.who), ("note", &self.note)] {
            if let Some(t) = text
                && (t.trim().is_empty()
                    || t.trim() != t
                    || t.chars().count() > EVENT_TEXT_CHARS
                    || t.chars().any(char::is_control))
            {
                return Some((
                    name,
                    format!(
                        "text with no surrounding space, at most {EVENT_TEXT_CHARS} characters"
                    ),
                ));
            }
        }
        if self.kind == TimelineEventKind::Other && self.note.is_none() {
            return Some(("note", "say what happened".to_string()));
        }
        None
    }
}

fn timeline(incident_id: &str) -> ListEdit<'_> {
    ListEdit {
        kind: EntityKind::Incident,
        entity_id: incident_id,
        list: TIMELINE_LIST,
    }
}

impl Store {
    /// Records one moment on a draft's timeline (one tap); returns its id. Events are kept in
    /// the order they happened, whatever the order they were tapped.
    pub fn add_timeline_event(&self, incident_id: &str, event: NewTimelineEvent) -> Result<String> {
        let who = checked_text(
            "timeline.who",
            event.who.as_deref().unwrap_or(""),
            EVENT_TEXT_CHARS,
            false,
        )?;
        let note = checked_text(
            "timeline.note",
            event.note.as_deref().unwrap_or(""),
            EVENT_TEXT_CHARS,
            false,
        )?;
        if event.kind == TimelineEventKind::Other && note.is_none() {
            return Err(Error::invalid("timeline.note", "say what happened"));
        }
        self.edit_draft(incident_id, |w, record| {
            let at = event.at.unwrap_or(w.now());
            if at > w.now() {
                return Err(Error::invalid("timeline.at", "must not be in the future"));
            }
            let value = json!({
                "kind": event.kind,
                "at": at.0,
                "author": w.staff().name,
                "job_title": w.staff().job_title,
                "who": who,
                "note": note,
            });
            // Placed by time: before the first event that happened later.
            let later = record
                .list(TIMELINE_LIST)
                .iter()
                .find(|(_, v)| {
                    v.get("at")
                        .and_then(|a| a.as_i64())
                        .is_some_and(|t| t > at.0)
                })
                .map(|(id, _)| id.clone());
            timeline(incident_id).add(w, record, value, later.as_deref())
        })
    }

    /// Removes a moment tapped by mistake from a draft's timeline.
    pub fn remove_timeline_event(&self, incident_id: &str, event_id: &str) -> Result<()> {
        self.edit_draft(incident_id, |w, record| {
            timeline(incident_id).remove(w, record, event_id)
        })
    }
}
