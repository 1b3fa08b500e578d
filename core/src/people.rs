//! People supported, with their safety alerts.
//!
//! Only what the job needs is kept: a display name, a preferred name, an optional local
//! identifier (needed for use-of-force records) and short safety alerts that are always shown
//! first ("no prone holds: asthma"). No date of birth, no address.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::codes::Role;
use crate::error::{Error, Result};
use crate::protocol::{Change, EntityKind};
use crate::replica::{self, Record, Writer};
use crate::store::Store;
use crate::units::{active_grant, require_role};

/// A short text item of an ordered list (a safety alert, a trigger, a warning sign, ...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ListItem {
    /// Stable id: edits and moves keep it, so concurrent edits merge item by item.
    pub id: String,
    /// The text.
    pub text: String,
}

/// A person supported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Person {
    /// The person's id.
    pub id: String,
    /// The unit that supports them.
    pub unit_id: String,
    /// Name as recorded.
    pub display_name: String,
    /// What they like to be called, if different.
    pub preferred_name: Option<String>,
    /// The organisation's identifier (e.g. hospital number), if it is needed.
    pub local_identifier: Option<String>,
    /// Safety alerts, always shown first.
    pub safety_alerts: Vec<ListItem>,
}

/// What a new person's record starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewPerson {
    /// Name as recorded (required).
    pub display_name: String,
    /// What they like to be called.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub preferred_name: Option<String>,
    /// The organisation's identifier.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub local_identifier: Option<String>,
}

/// A person in a list: enough to find them and see what is urgent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PersonSummary {
    /// The person's id.
    pub id: String,
    /// Their unit.
    pub unit_id: String,
    /// Name as recorded.
    pub display_name: String,
    /// What they like to be called.
    pub preferred_name: Option<String>,
    /// Safety alerts' texts, in order.
    pub safety_alerts: Vec<String>,
    /// The support sheet's review date has passed.
    pub review_overdue: bool,
    /// Changes to this person or their sheet that have not reached the server yet.
    pub pending_changes: u32,
}

pub(crate) const SAFETY_ALERTS: &str = "safety_alerts";

/// Trims `text` and checks its length; `None` for optional fields left empty.
pub(crate) fn checked_text(
    field: &str,
    text: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>> {
    let text = text.trim();
    if text.is_empty() {
        return if required {
            Err(Error::invalid(field, "must not be empty"))
        } else {
            Ok(None)
        };
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters (is {chars})"),
        ));
    }
    Ok(Some(text.to_string()))
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(crate) fn items_of(record: &Record, list: &str) -> Vec<ListItem> {
    record
        .list(list)
        .iter()
        .map(|(id, v)| ListItem {
            id: id.clone(),
            text: v
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

pub(crate) fn person_from(id: &str, record: &Record) -> Person {
    Person {
        id: id.to_string(),
        unit_id: record.unit_id.clone(),
        display_name: record.text("display_name"),
        preferred_name: record.opt_text("preferred_name"),
        local_identifier: record.opt_text("local_identifier"),
        safety_alerts: items_of(record, SAFETY_ALERTS),
    }
}

/// Loads a live person, or says it is not there.
pub(crate) fn load_person(conn: &rusqlite::Connection, id: &str) -> Result<Record> {
    match replica::load(conn, EntityKind::Person, id)? {
        Some(r) if !r.deleted() => Ok(r),
        _ => Err(Error::not_found("person", id)),
    }
}

/// Adds, edits, moves or removes one item of a list on a record, as one change.
pub(crate) struct ListEdit<'a> {
    pub kind: EntityKind,
    pub entity_id: &'a str,
    pub list: &'a str,
}

impl ListEdit<'_> {
    /// Adds `value` (an object; its position is set here) before `before`, or at the end.
    pub fn add(
        &self,
        w: &mut Writer<'_>,
        record: &Record,
        mut value: Value,
        before: Option<&str>,
    ) -> Result<String> {
        // The record schema's number of items per list, as the server counts them.
        if let Some(rule) =
            crate::record_schema::field_rule(self.kind, self.list).and_then(|r| r.list)
            && record.list(self.list).len() >= rule.max_items
        {
            return Err(Error::invalid(
                self.list,
                format!("holds at most {} items", rule.max_items),
            ));
        }
        let pos = replica::position_before(record.list(self.list), before)?;
        value["pos"] = json!(pos);
        let item_id = new_id();
        self.put(w, record, &item_id, value)?;
        Ok(item_id)
    }

    /// Replaces the item's content, keeping its position.
    pub fn edit(
        &self,
        w: &mut Writer<'_>,
        record: &Record,
        item_id: &str,
        mut value: Value,
    ) -> Result<()> {
        let current = self.current(record, item_id)?;
        value["pos"] = current["pos"].clone();
        self.put(w, record, item_id, value)
    }

    /// Moves the item before `before` (or to the end).
    pub fn move_before(
        &self,
        w: &mut Writer<'_>,
        record: &Record,
        item_id: &str,
        before: Option<&str>,
    ) -> Result<()> {
        let mut value = self.current(record, item_id)?.clone();
        if before == Some(item_id) {
            return Ok(());
        }
        let others: Vec<(String, Value)> = record
            .list(self.list)
            .iter()
            .filter(|(id, _)| id != item_id)
            .cloned()
            .collect();
        value["pos"] = json!(replica::position_before(&others, before)?);
        self.put(w, record, item_id, value)
    }

    /// Removes the item (a tombstone, so the removal merges too).
    pub fn remove(&self, w: &mut Writer<'_>, record: &Record, item_id: &str) -> Result<()> {
        self.current(record, item_id)?;
        self.put(w, record, item_id, Value::Null)
    }

    fn current<'r>(&self, record: &'r Record, item_id: &str) -> Result<&'r Value> {
        record
            .list(self.list)
            .iter()
            .find(|(id, _)| id == item_id)
            .map(|(_, v)| v)
            .ok_or_else(|| Error::not_found("list item", item_id))
    }

    fn put(&self, w: &mut Writer<'_>, record: &Record, item_id: &str, value: Value) -> Result<()> {
        w.change(
            self.kind,
            self.entity_id,
            &record.unit_id,
            Change::Item {
                list: self.list.to_string(),
                item_id: item_id.to_string(),
                value,
            },
            "change",
        )?;
        Ok(())
    }
}

impl Store {
    /// Adds a person to `unit_id` (editor or lead). Returns their id.
    pub fn create_person(&self, unit_id: &str, person: NewPerson) -> Result<String> {
        let mut fields = std::collections::BTreeMap::new();
        let name = checked_text("display_name", &person.display_name, 100, true)?;
        fields.insert("display_name".to_string(), json!(name));
        if let Some(p) = checked_text(
            "preferred_name",
            person.preferred_name.as_deref().unwrap_or(""),
            100,
            false,
        )? {
            fields.insert("preferred_name".to_string(), json!(p));
        }
        if let Some(l) = checked_text(
            "local_identifier",
            person.local_identifier.as_deref().unwrap_or(""),
            40,
            false,
        )? {
            fields.insert("local_identifier".to_string(), json!(l));
        }
        let id = new_id();
        self.write(|w| {
            require_role(w.tx(), unit_id, w.now(), Role::Editor, "add people")?;
            w.change(
                EntityKind::Person,
                &id,
                unit_id,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Changes a person's names or identifier (editor or lead). `None` leaves a field as it is;
    /// `Some("")` clears an optional one.
    pub fn update_person(
        &self,
        person_id: &str,
        display_name: Option<String>,
        preferred_name: Option<String>,
        local_identifier: Option<String>,
    ) -> Result<()> {
        let mut fields = std::collections::BTreeMap::new();
        if let Some(n) = display_name {
            fields.insert(
                "display_name".into(),
                json!(checked_text("display_name", &n, 100, true)?),
            );
        }
        if let Some(p) = preferred_name {
            fields.insert(
                "preferred_name".into(),
                json!(checked_text("preferred_name", &p, 100, false)?),
            );
        }
        if let Some(l) = local_identifier {
            fields.insert(
                "local_identifier".into(),
                json!(checked_text("local_identifier", &l, 40, false)?),
            );
        }
        if fields.is_empty() {
            return Ok(());
        }
        self.write(|w| {
            let record = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Editor,
                "edit people",
            )?;
            w.change(
                EntityKind::Person,
                person_id,
                &record.unit_id,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })
    }

    /// Removes a person from the unit's list (editor or lead). Their record is tombstoned so the
    /// removal reaches every device.
    pub fn remove_person(&self, person_id: &str) -> Result<()> {
        self.write(|w| {
            let record = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Editor,
                "remove people",
            )?;
            let mut fields = std::collections::BTreeMap::new();
            fields.insert("deleted".to_string(), json!(true));
            w.change(
                EntityKind::Person,
                person_id,
                &record.unit_id,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })
    }

    /// Adds a safety alert (editor or lead), before `before` or at the end. Returns its id.
    pub fn add_safety_alert(
        &self,
        person_id: &str,
        text: &str,
        before: Option<&str>,
    ) -> Result<String> {
        let text = checked_text("safety_alert", text, 200, true)?;
        self.write(|w| {
            let record = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Editor,
                "edit safety alerts",
            )?;
            alerts(person_id).add(w, &record, json!({ "text": text }), before)
        })
    }

    /// Removes a safety alert (editor or lead).
    pub fn remove_safety_alert(&self, person_id: &str, alert_id: &str) -> Result<()> {
        self.write(|w| {
            let record = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Editor,
                "edit safety alerts",
            )?;
            alerts(person_id).remove(w, &record, alert_id)
        })
    }

    /// The people of a unit, by name, each with alerts, overdue-review flag and pending count.
    pub fn people(&self, unit_id: &str) -> Result<Vec<PersonSummary>> {
        let now = self.now();
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let mut people: HashMap<String, Record> = HashMap::new();
            let mut stmt = tx.prepare_cached(
                "SELECT f.entity_id, f.field, f.item_id, f.value FROM entities e \
                 JOIN fields f ON f.entity = e.entity AND f.entity_id = e.entity_id \
                 WHERE e.unit_id = ?1 AND e.entity = 'person'",
            )?;
            let mut rows = stmt.query([unit_id])?;
            while let Some(row) = rows.next()? {
                let record = people.entry(row.get(0)?).or_default();
                record.push_row(row.get(1)?, row.get(2)?, &row.get::<_, String>(3)?)?;
            }
            let mut due: HashMap<String, i64> = HashMap::new();
            let mut stmt = tx.prepare_cached(
                "SELECT f.entity_id, f.value FROM entities e JOIN fields f \
                   ON f.entity = e.entity AND f.entity_id = e.entity_id AND f.field = 'review.due' \
                 WHERE e.unit_id = ?1 AND e.entity = 'sheet'",
            )?;
            let mut rows = stmt.query([unit_id])?;
            while let Some(row) = rows.next()? {
                if let Ok(Value::Number(n)) = serde_json::from_str(&row.get::<_, String>(1)?) {
                    due.insert(row.get(0)?, n.as_i64().unwrap_or(i64::MAX));
                }
            }
            let mut pending: HashMap<String, u32> = HashMap::new();
            let mut stmt = tx.prepare_cached(
                "SELECT entity_id, count(*) FROM outbox WHERE unit_id = ?1 AND state = 'pending' GROUP BY entity_id",
            )?;
            let mut rows = stmt.query([unit_id])?;
            while let Some(row) = rows.next()? {
                pending.insert(row.get(0)?, row.get(1)?);
            }
            let mut list: Vec<PersonSummary> = people
                .into_iter()
                .filter(|(_, r)| !r.deleted())
                .map(|(id, mut r)| {
                    r.order_lists();
                    PersonSummary {
                        unit_id: unit_id.to_string(),
                        display_name: r.text("display_name"),
                        preferred_name: r.opt_text("preferred_name"),
                        safety_alerts: items_of(&r, SAFETY_ALERTS).into_iter().map(|i| i.text).collect(),
                        review_overdue: due.get(&id).is_some_and(|d| *d <= now.0),
                        pending_changes: pending.get(&id).copied().unwrap_or(0),
                        id,
                    }
                })
                .collect();
            list.sort_by(|a, b| {
                a.display_name
                    .to_lowercase()
                    .cmp(&b.display_name.to_lowercase())
                    .then_with(|| a.id.cmp(&b.id))
            });
            Ok(list)
        })
    }

    /// One person (audited as a view).
    pub fn person(&self, person_id: &str) -> Result<Person> {
        let now = self.now();
        let person = self.read(|tx| {
            let record = load_person(tx, person_id)?;
            active_grant(tx, &record.unit_id, now)?;
            Ok(person_from(person_id, &record))
        })?;
        self.record_view("person", person_id, &person.unit_id, "person")?;
        Ok(person)
    }
}

fn alerts(person_id: &str) -> ListEdit<'_> {
    ListEdit {
        kind: EntityKind::Person,
        entity_id: person_id,
        list: SAFETY_ALERTS,
    }
}
