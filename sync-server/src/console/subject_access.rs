//! The subject-access export's parts that are not a page: reading what the server holds about a
//! person (even one who has been removed), and redacting third parties.
//!
//! **What the server holds.** The console's replica reads through the core's domain API, which
//! answers only for people still on the unit's list. A subject-access request does not lapse
//! when someone is discharged or removed, so the person's own record (tombstoned, not erased,
//! until the tombstone horizon), their support sheet and the checklist runs about them are read
//! here from the server's store itself ([`Storage::pull`] from the start of the unit's changes,
//! both back ends), folded cell by cell to their current values. Incidents keep the identity
//! frozen at submission ([`steady_core::incident::Subject`]) whatever happens to the person.
//!
//! **Redaction.** The ICO's right-of-access guidance lets a controller withhold information that
//! identifies someone else unless they consent or it is reasonable to disclose it; staff acting
//! in their role are commonly described by that role. So the export keeps the person's own data
//! and replaces: other staff members' names with their job title (or "a member of staff" where
//! the record holds none), in the name fields and wherever the full name appears in free text;
//! other people of the unit by "another person" in free text; the console leads by "a lead".
//! Only names the records hold are found: a first name alone or a nickname typed in a note is
//! not, so the export is a draft for a person to read before it is released (as the guidance
//! expects), and `docs/exports.md` says so.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use steady_core::incident::Incident;
use steady_core::protocol::{Change, EntityKind};

use crate::storage::{Cursor, Storage, StorageError};

/// How many cells one pull reads while folding a unit's records.
const PULL_PAGE: u32 = 2_000;

/// One record as the server holds it now: plain fields, and list items by item id (removed
/// items dropped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeldRecord {
    /// Plain fields and their current values.
    pub fields: BTreeMap<String, Value>,
    /// Each list's live items by item id.
    pub lists: BTreeMap<String, BTreeMap<String, Value>>,
}

impl HeldRecord {
    fn apply(&mut self, change: &Change) {
        match change {
            Change::Fields(fields) => {
                for (k, v) in fields {
                    self.fields.insert(k.clone(), v.clone());
                }
            }
            Change::Item {
                list,
                item_id,
                value,
            } => {
                let items = self.lists.entry(list.clone()).or_default();
                if value.is_null() {
                    items.remove(item_id);
                } else {
                    items.insert(item_id.clone(), value.clone());
                }
            }
        }
    }

    /// Whether the record has been removed (tombstoned).
    pub fn removed(&self) -> bool {
        self.fields.get("deleted") == Some(&Value::Bool(true))
    }

    /// A plain text field.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    /// The record as JSON: its fields (bar the tombstone flag) with each list as an array.
    pub fn to_json(&self) -> Value {
        let mut out: Map<String, Value> = self
            .fields
            .iter()
            .filter(|(k, _)| k.as_str() != "deleted")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (list, items) in &self.lists {
            out.insert(
                list.clone(),
                Value::Array(items.values().cloned().collect()),
            );
        }
        Value::Object(out)
    }
}

/// What the server's store holds about one person in one unit.
#[derive(Debug, Clone, Default)]
pub struct HeldAboutPerson {
    /// Their record (also when removed), if still held.
    pub person: Option<HeldRecord>,
    /// Their support sheet, if any.
    pub sheet: Option<HeldRecord>,
    /// The checklist runs about them, by run id.
    pub checklist_runs: BTreeMap<String, HeldRecord>,
}

/// Reads what the server holds about `person_id` in `unit_id`: every change of the unit from the
/// start, folded to current values.
pub async fn held_about<S: Storage>(
    storage: &S,
    unit_id: &str,
    person_id: &str,
) -> Result<HeldAboutPerson, StorageError> {
    let units = [unit_id.to_string()];
    let mut cursor = Cursor::default();
    let mut held = HeldAboutPerson::default();
    let mut runs: BTreeMap<String, HeldRecord> = BTreeMap::new();
    loop {
        let page = storage.pull(None, &units, &cursor, PULL_PAGE).await?;
        for change in &page.changes {
            let slot = match change.entity {
                EntityKind::Person if change.entity_id == person_id => {
                    held.person.get_or_insert_with(HeldRecord::default)
                }
                EntityKind::Sheet if change.entity_id == person_id => {
                    held.sheet.get_or_insert_with(HeldRecord::default)
                }
                EntityKind::ChecklistRun => runs.entry(change.entity_id.clone()).or_default(),
                _ => continue,
            };
            slot.apply(&change.change);
        }
        if !page.more || page.cursor == cursor {
            break;
        }
        cursor = page.cursor;
    }
    held.checklist_runs = runs
        .into_iter()
        .filter(|(_, r)| r.text("person_id") == Some(person_id) && !r.removed())
        .collect();
    Ok(held)
}

/// Replaces third parties' names, keeping the person's own (rules in the module docs).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    own: Vec<String>,
    /// Staff name → job title ("" when none is known).
    staff: BTreeMap<String, String>,
    others: Vec<String>,
}

/// What a staff member with no job title on record is called.
pub const A_MEMBER_OF_STAFF: &str = "a member of staff";
/// What another person of the unit is called in free text.
pub const ANOTHER_PERSON: &str = "another person";
/// What a console lead is called.
pub const A_LEAD: &str = "a lead";

fn usable(name: &str) -> Option<String> {
    let name = name.trim();
    (name.chars().count() >= 2).then(|| name.to_string())
}

impl Redactor {
    /// A redactor keeping `own` (the person's names as recorded) untouched.
    pub fn new<'a>(own: impl IntoIterator<Item = &'a str>) -> Redactor {
        Redactor {
            own: own.into_iter().filter_map(usable).collect(),
            ..Redactor::default()
        }
    }

    /// A member of staff (their job title, or "" when the record gives none).
    pub fn staff(&mut self, name: &str, job_title: &str) {
        let Some(name) = usable(name) else { return };
        if self.own.contains(&name) {
            return;
        }
        let title = self.staff.entry(name).or_default();
        if title.is_empty() {
            *title = job_title.trim().to_string();
        }
    }

    /// Another person of the unit.
    pub fn other_person(&mut self, name: &str) {
        if let Some(name) = usable(name)
            && !self.own.contains(&name)
            && !self.others.contains(&name)
        {
            self.others.push(name);
        }
    }

    /// Every staff member named in an incident, with their job title where it gives one.
    pub fn staff_of(&mut self, incident: &Incident) {
        for s in incident.use_of_force.iter().flat_map(|e| &e.staff) {
            self.staff(&s.name, &s.job_title);
        }
        for a in &incident.addenda {
            self.staff(&a.author, &a.job_title);
        }
        self.staff(&incident.recorded_by, "");
    }

    /// What a name field holding a staff member's name becomes: their job title, or "a member
    /// of staff". The person's own name is kept.
    pub fn staff_name(&self, name: &str) -> String {
        let name = name.trim();
        if self.own.iter().any(|o| o == name) {
            return name.to_string();
        }
        match self.staff.get(name) {
            Some(title) if !title.is_empty() => title.clone(),
            _ => A_MEMBER_OF_STAFF.to_string(),
        }
    }

    /// Free text with every known third party's full name replaced (whole words only; the
    /// person's own names are protected first, so a staff name inside theirs is left alone).
    pub fn text(&self, text: &str) -> String {
        let mut names: Vec<(&str, String)> = self
            .staff
            .iter()
            .map(|(n, t)| {
                let t = if t.is_empty() { A_MEMBER_OF_STAFF } else { t };
                (n.as_str(), format!("[{t}]"))
            })
            .chain(
                self.others
                    .iter()
                    .map(|n| (n.as_str(), format!("[{ANOTHER_PERSON}]"))),
            )
            .collect();
        if names.iter().all(|(n, _)| !text.contains(n)) {
            return text.to_string();
        }
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        let mut own: Vec<&str> = self.own.iter().map(String::as_str).collect();
        own.sort_by_key(|n| std::cmp::Reverse(n.len()));
        // Private-use characters mark the person's own names while the others are replaced.
        let mut out = text.to_string();
        for (i, name) in own.iter().enumerate() {
            out = replace_words(&out, name, &format!("\u{E000}{i}\u{E001}"));
        }
        for (name, with) in &names {
            out = replace_words(&out, name, with);
        }
        for (i, name) in own.iter().enumerate() {
            out = out.replace(&format!("\u{E000}{i}\u{E001}"), name);
        }
        out
    }

    /// [`Redactor::text`] applied to every string in `value` (keys are left alone).
    pub fn json(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.json(v)),
            _ => {}
        }
    }

    /// An incident as the person may see it: staff names as job titles, other people's names
    /// replaced in its text.
    pub fn incident(&self, incident: &Incident) -> Value {
        let mut i = incident.clone();
        i.recorded_by = self.staff_name(&i.recorded_by);
        for s in i.use_of_force.iter_mut().flat_map(|e| e.staff.iter_mut()) {
            s.name = self.staff_name(&s.name);
        }
        for a in &mut i.addenda {
            a.author = self.staff_name(&a.author);
        }
        let mut value = serde_json::to_value(&i).unwrap_or(Value::Null);
        self.json(&mut value);
        value
    }

    /// A checklist run as the person may see it: who ran it as their role.
    pub fn checklist_run(&self, run_id: &str, run: &HeldRecord) -> Value {
        let mut value = run.to_json();
        if let Some(map) = value.as_object_mut() {
            map.insert("run_id".into(), json!(run_id));
            if let Some(by) = run.text("by") {
                map.insert("by".into(), json!(self.staff_name(by)));
            }
        }
        self.json(&mut value);
        value
    }
}

/// `text` with every whole-word occurrence of `name` replaced by `with`: the characters either
/// side must not be letters or digits.
fn replace_words(text: &str, name: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        out.push_str(&rest[..at]);
        if word(before) || word(after) {
            out.push_str(name);
        } else {
            out.push_str(with);
        }
        rest = &rest[at + name.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        let mut r = Redactor::new(["Sam Example", "Sam"]);
        r.staff("Alex Morgan", "Support worker");
        r.staff("Jo Bloggs", "");
        r.staff("Sam", "Nurse");
        r.other_person("Robin Other");
        r
    }

    #[test]
    fn staff_become_their_role_and_the_persons_own_name_stays() {
        let r = redactor();
        assert_eq!(r.staff_name("Alex Morgan"), "Support worker");
        assert_eq!(r.staff_name("Jo Bloggs"), A_MEMBER_OF_STAFF);
        assert_eq!(r.staff_name("Somebody Unknown"), A_MEMBER_OF_STAFF);
        assert_eq!(r.staff_name("Sam Example"), "Sam Example");
        assert_eq!(
            r.text("Alex Morgan and Jo Bloggs held Sam Example; Robin Other watched."),
            "[Support worker] and [a member of staff] held Sam Example; [another person] watched."
        );
        assert_eq!(
            r.text("Alex Morganson"),
            "Alex Morganson",
            "whole words only"
        );
        assert_eq!(r.text("plain"), "plain");
    }

    #[test]
    fn json_strings_are_redacted_and_keys_kept() {
        let r = redactor();
        let mut v = json!({"Alex Morgan": ["by Alex Morgan", 3, {"note": "Robin Other"}]});
        r.json(&mut v);
        assert_eq!(
            v,
            json!({"Alex Morgan": ["by [Support worker]", 3, {"note": "[another person]"}]})
        );
    }

    #[test]
    fn a_held_record_folds_fields_and_items_to_their_current_values() {
        let mut r = HeldRecord::default();
        r.apply(&Change::Fields(BTreeMap::from([
            ("display_name".to_string(), json!("Sam")),
            ("deleted".to_string(), json!(true)),
        ])));
        for (id, value) in [("a", json!({"text": "x"})), ("b", json!({"text": "y"}))] {
            r.apply(&Change::Item {
                list: "safety_alerts".into(),
                item_id: id.into(),
                value,
            });
        }
        r.apply(&Change::Item {
            list: "safety_alerts".into(),
            item_id: "a".into(),
            value: Value::Null,
        });
        assert!(r.removed());
        assert_eq!(
            r.to_json(),
            json!({"display_name": "Sam", "safety_alerts": [{"text": "y"}]})
        );
    }
}
