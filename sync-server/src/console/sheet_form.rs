//! The support sheet edited as one form, saved once, with optimistic concurrency.
//!
//! A lead rewriting a plan works through all of it, then saves: saving field by field lost the
//! words typed in every other box each time one was saved. The person page now holds every text
//! field and every item of the sheet's lists in one form, sent once. The form carries the sheet as
//! it was loaded (each value, and a digest of them all, its version). On save, for each field
//! and item: what the lead left as loaded is not written; what they changed is written when
//! nobody else changed it meanwhile; and when someone else did (a phone's edit synced, another
//! lead), nothing at all is saved: the form comes back with both versions side by side and the
//! lead's own typed text still in the boxes, to save again deliberately. Changes by others to
//! other fields are kept, never overwritten with the stale values of the form.
//!
//! Safety alerts and authorised interventions are structured (the interventions a caution rules
//! out, an MHSDS code) and keep their own add and remove forms on the page.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{Markup, html};
use sha2::{Digest, Sha256};
use steady_core::people::ListItem;
use steady_core::record_schema::{SHEET_ITEM_CHARS, SHEET_TEXT_CHARS};
use steady_core::sheet::{SheetEntry, SheetList, SheetText, SupportSheet, sheet_layout};

use super::pages::{Page, person_unit, see_other, sheet_items};
use super::session::Session;
use super::views::{self, UnitNav, csrf};
use super::{Console, ConsoleError, ConsoleStorage};
use crate::storage::Storage;

/// The most items one save may add to one list.
const MAX_ADDED: usize = 50;

fn text_key(f: SheetText) -> String {
    format!("text.{}", f.key())
}

fn item_key(list: SheetList, id: &str) -> String {
    format!("item.{}.{id}", list.key())
}

fn add_key(list: SheetList) -> String {
    format!("add.{}", list.key())
}

/// Every text field and list item of `sheet`, by form key: the values the form is loaded with.
pub fn values_of(sheet: &SupportSheet) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = SheetText::ALL
        .iter()
        .map(|f| (text_key(*f), sheet.text(*f).to_string()))
        .collect();
    for list in SheetList::ALL {
        for item in sheet_items(sheet, *list) {
            values.insert(item_key(*list, &item.id), item.text.clone());
        }
    }
    values
}

/// The version of a sheet as loaded: a digest of every value the form holds.
pub fn version_of(values: &BTreeMap<String, String>) -> String {
    let json = serde_json::to_vec(values).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What one form shows: the version and values it was loaded at, what is in its boxes, and
/// what changed meanwhile beside what the lead typed.
pub struct SheetForm {
    /// The version the base values are.
    pub version: String,
    /// The sheet as loaded.
    pub base: BTreeMap<String, String>,
    /// What the boxes hold (the lead's typed text after a conflict).
    pub values: BTreeMap<String, String>,
    /// Each list's "add" box.
    pub adds: BTreeMap<String, String>,
    /// Form key → what someone else saved meanwhile ("" when they removed it).
    pub conflicts: BTreeMap<String, String>,
}

impl SheetForm {
    /// The form for `sheet` as it stands.
    pub fn loaded(sheet: &SupportSheet) -> SheetForm {
        let base = values_of(sheet);
        SheetForm {
            version: version_of(&base),
            values: base.clone(),
            base,
            adds: BTreeMap::new(),
            conflicts: BTreeMap::new(),
        }
    }
}

/// The one form: every text field and list of the sheet in the core's layout, one save button.
/// `beside` draws what goes next to an item (its source, tried and helped); `after_list` what
/// goes after a section's entry that is not the form's (the authorised interventions, whose own
/// forms cannot sit inside this one, come after it).
pub fn render(
    s: &Session,
    person_id: &str,
    sheet: &SupportSheet,
    form: &SheetForm,
    beside: &dyn Fn(SheetList, &ListItem) -> Markup,
) -> Markup {
    let conflict = |key: &str| -> Markup {
        html! {
            @if let Some(theirs) = form.conflicts.get(key) {
                div class="error conflict" role="alert" data-conflict=(key) {
                    @if theirs.is_empty() {
                        p { strong { "Removed by someone else" } " since you opened the sheet. Your words are kept in the box; save again to keep them, or empty the box." }
                    } @else {
                        p { strong { "Changed by someone else" } " since you opened the sheet. Theirs, as saved now:" }
                        blockquote class="theirs" { (theirs) }
                        p { "Yours is in the box. Save again to keep yours, or change it." }
                    }
                }
            }
        }
    };
    html! {
        form method="post" action={ "/console/people/" (person_id) "/sheet" } data-testid="sheet-form" {
            (csrf(s))
            input type="hidden" name="version" value=(form.version);
            @for (k, v) in &form.base {
                input type="hidden" name={ "base:" (k) } value=(v);
            }
            @for part in sheet_layout() {
                @if part.entries.iter().any(|e| !matches!(e, SheetEntry::AuthorisedInterventions)) {
                    section class="sheet" {
                        h2 { (part.title) }
                        @for entry in &part.entries {
                            @match entry {
                                SheetEntry::Text { field } => {
                                    @let key = text_key(*field);
                                    (conflict(&key))
                                    label for=(key) { (field.heading()) }
                                    textarea id=(key) name=(key) maxlength=(SHEET_TEXT_CHARS) {
                                        (form.values.get(&key).map(String::as_str).unwrap_or(""))
                                    }
                                }
                                SheetEntry::List { list } => {
                                    h3 { (list.heading()) }
                                    @let items = sheet_items(sheet, *list);
                                    @if items.is_empty() { p { "None recorded." } }
                                    ul class="items" {
                                        @for (n, item) in items.iter().enumerate() {
                                            @let key = item_key(*list, &item.id);
                                            li {
                                                (conflict(&key))
                                                label for=(key) { (list.heading()) ", item " (n + 1) }
                                                input type="text" id=(key) name=(key) maxlength=(SHEET_ITEM_CHARS)
                                                    value=(form.values.get(&key).map(String::as_str).unwrap_or(&item.text));
                                                " " (beside(*list, item))
                                            }
                                        }
                                    }
                                    @for (key, _) in form.conflicts.iter().filter(|(k, _)| k.starts_with(&format!("item.{}.", list.key())) && !items.iter().any(|i| item_key(*list, &i.id) == **k)) {
                                        (conflict(key))
                                    }
                                    @let add = add_key(*list);
                                    @let hint = format!("{add}-hint");
                                    label for=(add) { "Add to " (list.heading()) }
                                    textarea id=(add) name=(add) rows="2" aria-describedby=(hint) {
                                        (form.adds.get(&add).map(String::as_str).unwrap_or(""))
                                    }
                                    p id=(hint) class="hint" { "One item a line. Empty an item's box above to remove it." }
                                }
                                SheetEntry::AuthorisedInterventions => {}
                            }
                        }
                    }
                }
            }
            p { "Everything above is saved together. If someone else changes the sheet while you work, nothing is lost: you are shown both versions." }
            button type="submit" { "Save support sheet" }
        }
    }
}

/// One change the save makes.
enum Step {
    Text(SheetText, String),
    Edit(SheetList, String, String),
    Remove(SheetList, String),
    Add(SheetList, String),
}

/// What the lead sent, read and bounded (nothing is saved unless all of it is good).
struct Sent {
    version: String,
    base: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    adds: BTreeMap<String, String>,
}

fn read_form(fields: Vec<(String, String)>) -> Result<Sent, ConsoleError> {
    let mut sent = Sent {
        version: String::new(),
        base: BTreeMap::new(),
        values: BTreeMap::new(),
        adds: BTreeMap::new(),
    };
    for (k, v) in fields {
        if k == "version" {
            sent.version = v;
        } else if let Some(key) = k.strip_prefix("base:") {
            sent.base.insert(key.to_string(), v);
        } else if k.starts_with("text.") || k.starts_with("item.") {
            sent.values.insert(k, v.replace("\r\n", "\n"));
        } else if k.starts_with("add.") {
            sent.adds.insert(k, v.replace("\r\n", "\n"));
        }
    }
    if sent.version != version_of(&sent.base) {
        return Err(ConsoleError::Invalid(
            "This form does not match the sheet it was opened with. Reload the sheet and try \
             again; nothing was saved."
                .into(),
        ));
    }
    for (k, v) in &sent.values {
        let (most, what) = if k.starts_with("text.") {
            (SHEET_TEXT_CHARS, "A text field")
        } else {
            (SHEET_ITEM_CHARS, "A list item")
        };
        if v.trim().chars().count() > most {
            return Err(ConsoleError::Invalid(format!(
                "{what} is longer than {most} characters; nothing was saved."
            )));
        }
    }
    for v in sent.adds.values() {
        let lines: Vec<&str> = v.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() > MAX_ADDED
            || lines
                .iter()
                .any(|l| l.trim().chars().count() > SHEET_ITEM_CHARS)
        {
            return Err(ConsoleError::Invalid(format!(
                "Add at most {MAX_ADDED} items to a list at once, each at most \
                 {SHEET_ITEM_CHARS} characters; nothing was saved."
            )));
        }
    }
    Ok(sent)
}

/// Compares what the lead sent with the sheet as it stands now: the changes to make, or what
/// someone else changed meanwhile that the lead changed too.
fn plan(
    sent: &Sent,
    now: &BTreeMap<String, String>,
) -> Result<Vec<Step>, BTreeMap<String, String>> {
    let mut steps = Vec::new();
    let mut conflicts = BTreeMap::new();
    let same = |a: &str, b: &str| a.trim() == b.trim();
    for f in SheetText::ALL {
        let key = text_key(*f);
        let (Some(mine), Some(base)) = (sent.values.get(&key), sent.base.get(&key)) else {
            continue;
        };
        let theirs = now.get(&key).map(String::as_str).unwrap_or("");
        if same(mine, base) || same(mine, theirs) {
            continue;
        }
        if same(theirs, base) {
            steps.push(Step::Text(*f, mine.trim().to_string()));
        } else {
            conflicts.insert(key, theirs.to_string());
        }
    }
    for list in SheetList::ALL {
        let prefix = format!("item.{}.", list.key());
        for (key, base) in sent.base.range(prefix.clone()..) {
            let Some(id) = key.strip_prefix(&prefix) else {
                break;
            };
            // An item the form did not send is left as it is (a browser sends every box).
            let Some(mine) = sent.values.get(key).map(String::as_str) else {
                continue;
            };
            let theirs = now.get(key);
            if same(mine, base) {
                continue;
            }
            match theirs {
                // Removed meanwhile: the lead's edit would bring it back unasked.
                None if mine.trim().is_empty() => {}
                None => {
                    conflicts.insert(key.clone(), String::new());
                }
                Some(t) if same(t, mine) => {}
                Some(t) if !same(t, base) => {
                    conflicts.insert(key.clone(), t.clone());
                }
                Some(_) if mine.trim().is_empty() => {
                    steps.push(Step::Remove(*list, id.to_string()));
                }
                Some(_) => steps.push(Step::Edit(*list, id.to_string(), mine.trim().to_string())),
            }
        }
        if let Some(added) = sent.adds.get(&add_key(*list)) {
            for line in added.lines().map(str::trim).filter(|l| !l.is_empty()) {
                steps.push(Step::Add(*list, line.to_string()));
            }
        }
    }
    if conflicts.is_empty() {
        Ok(steps)
    } else {
        Err(conflicts)
    }
}

/// `POST /console/people/{person}/sheet`: saves the whole form once, or shows the conflicts.
pub async fn save_sheet<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path(person_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Page {
    let unit = person_unit(&console, &s, &person_id).await?;
    let sent = read_form(fields)?;
    let pid = person_id.clone();
    // Compared and written in one turn of the replica, after it has pulled what others saved.
    let outcome = console
        .replica
        .write(&s.lead.name, move |st| {
            let sheet = st.support_sheet(&pid)?;
            let now = values_of(&sheet);
            match plan(&sent, &now) {
                Err(conflicts) => Ok(Err((sheet, sent, conflicts))),
                Ok(steps) => {
                    let n = steps.len();
                    for step in steps {
                        match step {
                            Step::Text(f, t) => st.set_sheet_text(&pid, f, &t)?,
                            Step::Edit(l, id, t) => st.edit_sheet_item(&pid, l, &id, &t)?,
                            Step::Remove(l, id) => st.remove_sheet_item(&pid, l, &id)?,
                            Step::Add(l, t) => {
                                st.add_sheet_item(&pid, l, &t, None)?;
                            }
                        }
                    }
                    Ok(Ok(n))
                }
            }
        })
        .await?;
    match outcome {
        Ok(changes) => {
            console
                .audit(
                    &s,
                    "change",
                    &unit.unit_id,
                    "sheet",
                    &[&person_id],
                    &format!("support sheet saved: {changes} changes"),
                )
                .await?;
            Ok(see_other(&format!("/console/people/{person_id}?saved=1")))
        }
        Err((sheet, sent, conflicts)) => {
            // The newest version to save over, the lead's typed text in every box, and what
            // someone else saved beside each box both changed.
            let base = values_of(&sheet);
            let mut values = base.clone();
            // Only the boxes the lead changed keep their text; the rest show the sheet as it
            // is now (else saving again would put back what others changed meanwhile).
            for (k, v) in &sent.values {
                let changed = sent.base.get(k).is_none_or(|b| b.trim() != v.trim());
                if changed && base.contains_key(k) {
                    values.insert(k.clone(), v.clone());
                }
            }
            let mut adds = sent.adds.clone();
            for (k, _) in conflicts.iter().filter(|(_, t)| t.is_empty()) {
                // An item removed meanwhile that the lead edited: their words go to its list's
                // "add" box, to add again if they mean to.
                if let (Some(mine), Some(list)) = (
                    sent.values.get(k),
                    SheetList::ALL
                        .iter()
                        .find(|l| k.starts_with(&format!("item.{}.", l.key()))),
                ) {
                    let add = adds.entry(add_key(*list)).or_default();
                    if !add.is_empty() && !add.ends_with('\n') {
                        add.push('\n');
                    }
                    add.push_str(mine.trim());
                }
            }
            let form = SheetForm {
                version: version_of(&base),
                base,
                values,
                adds,
                conflicts,
            };
            let body = html! {
                h1 { "Support sheet of " (sheet.person.display_name) ": not saved yet" }
                div class="error" role="alert" data-testid="sheet-conflict" {
                    p { "Someone else changed this support sheet while you were editing it, in "
                        (form.conflicts.len()) @if form.conflicts.len() == 1 { " place" } @else { " places" }
                        " you changed too. Nothing was saved. Each place shows their version beside yours; your typed text is still in every box. Save again to keep what is in the boxes." }
                }
                (render(&s, &person_id, &sheet, &form, &|_, _| html! {}))
                p { a href={ "/console/people/" (person_id) } { "Discard your changes and open the sheet as it is now" } }
            };
            Ok((
                StatusCode::CONFLICT,
                axum::response::Html(
                    views::page(
                        "Support sheet: not saved yet",
                        &s,
                        Some(UnitNav {
                            id: &unit.unit_id,
                            name: &unit.name,
                        }),
                        body,
                    )
                    .into_string(),
                ),
            )
                .into_response())
        }
    }
}
