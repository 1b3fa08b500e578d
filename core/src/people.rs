//! People supported, with their safety alerts, listed in the order a shift needs them.
//!
//! Only what the job needs is kept: a display name, a preferred name, an optional local
//! identifier (needed for use-of-force records) and short safety alerts that are always shown
//! first ("no prone holds: asthma"). No date of birth, no address.
//!
//! The people list is in shift order, decided here once for every app: the people pinned on
//! this phone first, then everyone with a safety alert or a recent event (an incident about
//! them, or a warning-sign check at a moderate or high band, in the last
//! [`RECENT_EVENT_HOURS`] hours), then the rest; within each group by the name a worker uses
//! (preferred name, else the recorded one), ignoring case. Each summary says why it is where it
//! is (`pinned`, `recent_event`, `safety_alerts`), so the apps can show it. A pin belongs to
//! this device only: never synced, and removed with its unit's data.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::checklist::BandLevel;
use crate::clock::Timestamp;
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
    /// The incident entry that proposed it, when it came from one ([`crate::proposals`]).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub source: Option<crate::proposals::ItemSource>,
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
    /// The organisation's own identifier (room or hospital number), if it is needed. Local:
    /// not the consistent identifier of s.6(5)(g).
    pub local_identifier: Option<String>,
    /// The NHS number (10 digits, valid by its check digit): the consistent identifier.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub nhs_number: Option<String>,
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
    /// The NHS number, as typed (spaces allowed); checked by its check digit.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub nhs_number: Option<String>,
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
    /// Pinned on this phone ([`Store::pin_person`]): listed first.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pinned: bool,
    /// The latest event of the last [`RECENT_EVENT_HOURS`] hours that brings them up the list
    /// (an incident about them, or a warning-sign check at a moderate or high band), if any.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub recent_event: Option<RecentEvent>,
}

impl PersonSummary {
    /// The name a worker uses: the preferred name, else the name as recorded.
    pub fn name(&self) -> &str {
        self.preferred_name
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or(&self.display_name)
    }

    /// Where the person falls in the shift order: 0 pinned, 1 a safety alert or a recent
    /// event, 2 everyone else.
    pub fn shift_group(&self) -> u8 {
        if self.pinned {
            0
        } else if !self.safety_alerts.is_empty() || self.recent_event.is_some() {
            1
        } else {
            2
        }
    }
}

/// How far back an event brings a person up the people list: 72 hours, three shifts' worth of
/// handovers.
pub const RECENT_EVENT_HOURS: i64 = 72;

/// What kind of recent event brought a person up the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RecentEventKind {
    /// An incident about them that records a use of force (red).
    UseOfForce,
    /// Any other incident about them (their distress rose: amber or red).
    Incident,
    /// A warning-sign check with a high band (red).
    CheckHigh,
    /// A warning-sign check with a moderate band (amber).
    CheckModerate,
}

impl RecentEventKind {
    /// Words to show staff ("Use of force recorded").
    pub fn label(self) -> &'static str {
        match self {
            Self::UseOfForce => "Use of force recorded",
            Self::Incident => "Incident recorded",
            Self::CheckHigh => "Warning signs check: high",
            Self::CheckModerate => "Warning signs check: moderate",
        }
    }

    /// Which of two events on the same person says more: use of force, then a high check,
    /// then an incident, then a moderate check.
    fn weight(self) -> u8 {
        match self {
            Self::UseOfForce => 3,
            Self::CheckHigh => 2,
            Self::Incident => 1,
            Self::CheckModerate => 0,
        }
    }
}

/// The recent event that brought a person up the list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecentEvent {
    /// What it was.
    pub kind: RecentEventKind,
    /// When it happened (the incident's time, or when the check was run).
    pub at: Timestamp,
    /// The core's words for it ([`RecentEventKind::label`]), so both apps say the same.
    pub label: String,
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
            source: v
                .get("source")
                .and_then(|s| serde_json::from_value(s.clone()).ok()),
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
        nhs_number: record.opt_text("nhs_number"),
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

    pub fn current<'r>(&self, record: &'r Record, item_id: &str) -> Result<&'r Value> {
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
        if let Some(n) = person
            .nhs_number
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            fields.insert(
                "nhs_number".to_string(),
                json!(crate::nhs_number::parse(n, "nhs_number")?),
            );
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

    /// Sets or clears a person's NHS number (editor or lead). It is checked by its check digit
    /// (spaces and hyphens as typed are dropped); `None` or "" clears it.
    pub fn set_nhs_number(&self, person_id: &str, nhs_number: Option<&str>) -> Result<()> {
        let value = match nhs_number.filter(|n| !n.trim().is_empty()) {
            Some(n) => json!(crate::nhs_number::parse(n, "nhs_number")?),
            None => Value::Null,
        };
        self.write(|w| {
            let record = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &record.unit_id,
                w.now(),
                Role::Editor,
                "edit people",
            )?;
            let mut fields = std::collections::BTreeMap::new();
            fields.insert("nhs_number".to_string(), value);
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

    /// The people of a unit in shift order (see the module docs): pinned on this phone first,
    /// then those with a safety alert or a recent event, then the rest, each group by the name
    /// a worker uses, ignoring case. Each with alerts, overdue-review flag, pending count, pin
    /// and recent event.
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
            let pinned: std::collections::HashSet<String> = tx
                .prepare_cached("SELECT person_id FROM pinned_people WHERE unit_id = ?1")?
                .query_map([unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let events = recent_events(tx, unit_id, now)?;
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
                        pinned: pinned.contains(&id),
                        recent_event: events.get(&id).cloned(),
                        id,
                    }
                })
                .collect();
            list.sort_by_cached_key(|p| {
                (
                    p.shift_group(),
                    p.name().to_lowercase(),
                    p.display_name.to_lowercase(),
                    p.id.clone(),
                )
            });
            Ok(list)
        })
    }

    /// Pins a person on this phone (`pinned` true) so they come first in the people list, or
    /// unpins them (any role, while access to their unit lasts). The pin stays on this device:
    /// it is not synced, and it leaves the device with the unit's data.
    pub fn pin_person(&self, person_id: &str, pinned: bool) -> Result<()> {
        self.write(|w| {
            let record = load_person(w.tx(), person_id)?;
            active_grant(w.tx(), &record.unit_id, w.now())?;
            if pinned {
                w.tx()
                    .prepare_cached(
                        "INSERT INTO pinned_people (person_id, unit_id, pinned_at) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (person_id) DO NOTHING",
                    )?
                    .execute(rusqlite::params![person_id, record.unit_id, w.now().0])?;
            } else {
                w.tx()
                    .prepare_cached("DELETE FROM pinned_people WHERE person_id = ?1")?
                    .execute([person_id])?;
            }
            Ok(())
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

/// Each person's most telling event of the last [`RECENT_EVENT_HOURS`] hours in `unit_id`: an
/// incident about them (a use of force above any other) or a warning-sign check at a moderate
/// or high band. Only records whose time falls in the window are read.
fn recent_events(
    tx: &rusqlite::Connection,
    unit_id: &str,
    now: Timestamp,
) -> Result<HashMap<String, RecentEvent>> {
    let since = now.0 - RECENT_EVENT_HOURS * 3_600_000;
    let mut stmt = tx.prepare_cached(
        "SELECT e.entity, t.value, p.value, \
           (SELECT count(*) FROM fields u WHERE u.entity = e.entity AND u.entity_id = e.entity_id \
              AND u.field = 'use_of_force' AND u.item_id <> '' AND u.value <> 'null'), \
           (SELECT b.value FROM fields b WHERE b.entity = e.entity AND b.entity_id = e.entity_id \
              AND b.field = 'band' AND b.item_id = '') \
         FROM entities e \
         JOIN fields t ON t.entity = e.entity AND t.entity_id = e.entity_id AND t.item_id = '' \
           AND t.field = CASE e.entity WHEN 'incident' THEN 'occurred_at' ELSE 'at' END \
         JOIN fields p ON p.entity = e.entity AND p.entity_id = e.entity_id AND p.item_id = '' \
           AND p.field = 'person_id' \
         WHERE e.unit_id = ?1 AND e.entity IN ('incident', 'checklist_run') \
           AND CAST(t.value AS INTEGER) >= ?2",
    )?;
    let mut rows = stmt.query(rusqlite::params![unit_id, since])?;
    let mut events: HashMap<String, RecentEvent> = HashMap::new();
    while let Some(row) = rows.next()? {
        let entity: String = row.get(0)?;
        // A value that does not read (older data) is skipped, never fatal to the list.
        let Ok(Value::Number(at)) = serde_json::from_str::<Value>(&row.get::<_, String>(1)?) else {
            continue;
        };
        let Some(at) = at.as_i64().map(Timestamp) else {
            continue;
        };
        let Ok(Value::String(person)) = serde_json::from_str::<Value>(&row.get::<_, String>(2)?)
        else {
            continue;
        };
        let kind = if entity == "incident" {
            if row.get::<_, i64>(3)? > 0 {
                RecentEventKind::UseOfForce
            } else {
                RecentEventKind::Incident
            }
        } else {
            let band = row
                .get::<_, Option<String>>(4)?
                .and_then(|b| serde_json::from_str::<BandLevel>(&b).ok());
            match band {
                Some(BandLevel::High) => RecentEventKind::CheckHigh,
                Some(BandLevel::Moderate) => RecentEventKind::CheckModerate,
                _ => continue,
            }
        };
        let event = RecentEvent {
            kind,
            at,
            label: kind.label().to_string(),
        };
        match events.get(&person) {
            Some(held) if (held.kind.weight(), held.at) >= (event.kind.weight(), event.at) => {}
            _ => {
                events.insert(person, event);
            }
        }
    }
    Ok(events)
}
