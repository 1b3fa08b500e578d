//! Handover notes: the free text one shift leaves the next, shown in the shift huddle.
//!
//! The huddle's counts say who had a hard day; a handover note says what the next shift needs to
//! know that no count carries ("Sam slept badly, go gently with the morning routine"). A note
//! belongs to a unit and may be about one person of it. Anyone with a grant in the unit writes
//! one under their own name and job title (bound to the device's member of staff by the record
//! schema, so a phone cannot sign a note as someone else). A note is appended, never removed: its
//! author may correct its words for [`HANDOVER_NOTE_LOCK_MS`] after writing it, and then it stands
//! as written, as a submitted incident does. The server applies the same rules to every note it
//! receives ([`crate::record_schema::author_edits_for`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::Timestamp;
use crate::codes::Role;
use crate::error::{Error, Refusal, Result};
use crate::people::{load_person, new_id};
use crate::protocol::{Change, EntityKind};
use crate::record_schema::{HANDOVER_NOTE_CHARS, HANDOVER_NOTE_LOCK_MS};
use crate::replica;
use crate::store::Store;
use crate::units::{active_grant, require_role};

/// One handover note, as the huddle lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HandoverNote {
    /// The note.
    pub note_id: String,
    /// Its words.
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// Their job title.
    pub job_title: String,
    /// When it was written.
    pub at: Timestamp,
    /// The person of the unit it is about, if any.
    pub person_id: Option<String>,
    /// That person's name to use (empty when the note is about no one, or the person is gone).
    pub person_name: String,
    /// It can no longer be corrected (written more than [`HANDOVER_NOTE_LOCK_MS`] ago).
    pub locked: bool,
}

/// The note's words as they are kept: trimmed, not empty, at most [`HANDOVER_NOTE_CHARS`].
fn note_text(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(
            "text",
            "write what the next shift needs to know",
        ));
    }
    let chars = text.chars().count();
    if chars > HANDOVER_NOTE_CHARS {
        return Err(Error::invalid(
            "text",
            format!("at most {HANDOVER_NOTE_CHARS} characters (is {chars})"),
        ));
    }
    Ok(text.to_string())
}

/// Whether a note written at `at` can no longer be corrected at `now`.
pub fn is_locked(at: Timestamp, now: Timestamp) -> bool {
    now.0.saturating_sub(at.0) >= HANDOVER_NOTE_LOCK_MS
}

/// The notes of `unit_id` written since `since`, newest first. Read defensively: a stored note
/// whose parts do not read is left out, never an error for the whole huddle.
pub(crate) fn notes_since(
    conn: &rusqlite::Connection,
    unit_id: &str,
    since: Timestamp,
    now: Timestamp,
) -> Result<Vec<HandoverNote>> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'handover_note'",
        )?
        .query_map([unit_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut notes = Vec::new();
    for id in ids {
        let Ok(Some(note)) = replica::load(conn, EntityKind::HandoverNote, &id) else {
            continue;
        };
        let (Some(text), Some(at)) = (note.opt_text("text"), note.time("at")) else {
            continue;
        };
        if at < since {
            continue;
        }
        let person_id = note.opt_text("person_id");
        let person_name = person_id
            .as_deref()
            .and_then(|p| load_person(conn, p).ok())
            .filter(|p| p.unit_id == unit_id)
            .map(|p| {
                p.opt_text("preferred_name")
                    .unwrap_or_else(|| p.text("display_name"))
            })
            .unwrap_or_default();
        notes.push(HandoverNote {
            note_id: id,
            text,
            author: note.opt_text("author").unwrap_or_default(),
            job_title: note.opt_text("job_title").unwrap_or_default(),
            at,
            person_id,
            person_name,
            locked: is_locked(at, now),
        });
    }
    notes.sort_by(|a, b| (b.at, &b.note_id).cmp(&(a.at, &a.note_id)));
    Ok(notes)
}

impl Store {
    /// Writes a handover note for `unit_id` (any role in the unit), about `person_id` of the
    /// unit if given, under the name and job title of this device's member of staff. `text` is
    /// trimmed; 1 to 2000 characters. Returns the note as the huddle lists it.
    pub fn add_handover_note(
        &self,
        unit_id: &str,
        person_id: Option<String>,
        text: &str,
    ) -> Result<HandoverNote> {
        let text = note_text(text)?;
        self.write(|w| {
            require_role(
                w.tx(),
                unit_id,
                w.now(),
                Role::Reader,
                "write handover notes",
            )?;
            let mut person_name = String::new();
            if let Some(pid) = &person_id {
                let person = load_person(w.tx(), pid)?;
                if person.unit_id != unit_id {
                    return Err(Error::invalid(
                        "person_id",
                        "the person belongs to another unit",
                    ));
                }
                person_name = person
                    .opt_text("preferred_name")
                    .unwrap_or_else(|| person.text("display_name"));
            }
            if w.staff().name.trim().is_empty() {
                return Err(Error::invalid(
                    "author",
                    "a handover note is signed: name the member of staff on this device first",
                ));
            }
            let note_id = new_id();
            let at = w.now();
            let author = w.staff().name.clone();
            let job_title = w.staff().job_title.clone();
            let mut fields = BTreeMap::new();
            fields.insert("text".to_string(), json!(text));
            if let Some(pid) = &person_id {
                fields.insert("person_id".to_string(), json!(pid));
            }
            fields.insert("author".to_string(), json!(author));
            fields.insert("job_title".to_string(), json!(job_title));
            fields.insert("at".to_string(), json!(at.0));
            w.change(
                EntityKind::HandoverNote,
                &note_id,
                unit_id,
                Change::Fields(fields),
                "change",
            )?;
            Ok(HandoverNote {
                note_id,
                text,
                author,
                job_title,
                at,
                person_id,
                person_name,
                locked: false,
            })
        })
    }

    /// Corrects the words of a handover note: only its author, and only within 12 hours of
    /// writing it (then it stands as written). `text` is trimmed; 1 to 2000 characters.
    pub fn edit_handover_note(&self, note_id: &str, text: &str) -> Result<()> {
        let text = note_text(text)?;
        self.write(|w| {
            let note = replica::load(w.tx(), EntityKind::HandoverNote, note_id)?
                .ok_or_else(|| Error::not_found("handover note", note_id))?;
            active_grant(w.tx(), &note.unit_id, w.now())?;
            if note.opt_text("author").as_deref() != Some(w.staff().name.as_str()) {
                return Err(Error::NotAllowed(Refusal::Rule {
                    field: "author".into(),
                    rule: "only the member of staff who wrote a handover note corrects it".into(),
                }));
            }
            if note.time("at").is_none_or(|at| is_locked(at, w.now())) {
                return Err(Error::NotAllowed(Refusal::Rule {
                    field: "text".into(),
                    rule: "a handover note stands as written 12 hours after it was written".into(),
                }));
            }
            let unit_id = note.unit_id.clone();
            let mut fields = BTreeMap::new();
            fields.insert("text".to_string(), json!(text));
            w.change(
                EntityKind::HandoverNote,
                note_id,
                &unit_id,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })
    }
}
