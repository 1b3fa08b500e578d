//! Handover notes on the console's shift huddle: the notes of the period, newest first, and a
//! form for the lead to write one.
//!
//! The huddle's counts come from records; what the next shift needs in words comes from the
//! staff who were there. Phones write notes through the core; a lead at a desk writes one here,
//! through the console's replica as the signed-in lead (the core signs it with their name and
//! the console's job title, and the server checks it as it checks every note). A note is never
//! removed or edited from the console: only its author corrects it, on the phone they wrote it
//! on, for 12 hours.

use std::sync::Arc;

use axum::extract::{Extension, Form, Path, State};
use maud::{Markup, html};
use serde::Deserialize;
use steady_core::handover::HandoverNote;
use steady_core::people::PersonSummary;
use steady_core::record_schema::HANDOVER_NOTE_CHARS;

use super::pages::{Page, see_other, unit_for};
use super::session::Session;
use super::views::{csrf, when};
use super::{Console, ConsoleError, ConsoleStorage};
use crate::storage::Storage;

/// The handover note form.
#[derive(Deserialize)]
pub struct NoteForm {
    text: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    hours: String,
}

/// `POST /console/units/{unit}/huddle/notes`: the lead writes a handover note (about one
/// person of the unit, or the unit), through the replica under their own name.
pub async fn add_note<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let text = form.text.trim().to_string();
    if text.is_empty() {
        return Err(ConsoleError::Invalid(
            "Write the handover note first: what the next shift needs to know. Nothing was \
             saved."
                .into(),
        ));
    }
    let person = Some(form.person_id.trim().to_string()).filter(|p| !p.is_empty());
    let uid = unit.unit_id.clone();
    let note = console
        .replica
        .write(&s.lead.name, move |st| {
            st.add_handover_note(&uid, person, &text)
        })
        .await
        .map_err(|e| match e {
            super::replica::ReplicaError::Core(steady_core::Error::NotFound { .. }) => {
                ConsoleError::Invalid(
                    "That person is not one of this unit's: choose someone from the list, or \
                     nobody. Nothing was saved."
                        .into(),
                )
            }
            other => ConsoleError::from(other),
        })?;
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            "handover_note",
            &[&note.note_id],
            "handover note written",
        )
        .await?;
    let hours = match form.hours.trim() {
        "72" => "72",
        _ => "24",
    };
    Ok(see_other(&format!(
        "/console/units/{}/huddle?hours={hours}#huddle-notes-h",
        unit.unit_id
    )))
}

/// The huddle's handover notes: each with its author, job title, time and person, newest
/// first, then the form to write one.
pub fn notes_section(
    s: &Session,
    unit_id: &str,
    hours: u32,
    notes: &[HandoverNote],
    people: &[PersonSummary],
) -> Markup {
    html! {
        section aria-labelledby="huddle-notes-h" data-testid="huddle-notes" {
            h2 id="huddle-notes-h" { "Handover notes" }
            @if notes.is_empty() { p { "No handover notes in the last " (hours) " hours." } }
            @else {
                ol class="notes" {
                    @for n in notes {
                        li data-note=(n.note_id) {
                            p class="meta" {
                                strong { (n.author) } @if !n.job_title.is_empty() { ", " (n.job_title) }
                                ", " (when(n.at))
                                @if let Some(pid) = &n.person_id {
                                    " — about "
                                    @if n.person_name.is_empty() { "a person no longer on this unit" }
                                    @else { a href={ "/console/people/" (pid) } { (n.person_name) } }
                                }
                            }
                            p class="note-text" { (n.text) }
                        }
                    }
                }
            }
            form method="post" action={ "/console/units/" (unit_id) "/huddle/notes" } {
                (csrf(s))
                input type="hidden" name="hours" value=(hours);
                h3 { "Add a handover note" }
                label for="note-text" { "What the next shift needs to know" }
                textarea id="note-text" name="text" required maxlength=(HANDOVER_NOTE_CHARS) rows="4" {}
                label for="note-person" { "About (optional)" }
                select id="note-person" name="person_id" {
                    option value="" { "The unit, no one person" }
                    @for p in people {
                        option value=(p.id) { (p.preferred_name.as_deref().unwrap_or(&p.display_name)) }
                    }
                }
                p { "Signed with your name. It is kept with the unit's records and cannot be removed." }
                button type="submit" { "Add handover note" }
            }
        }
    }
}
