//! Running a warning-sign checklist on shift, and keeping the result.
//!
//! A run records the template and version, the person (if any), the signs present, the score and
//! band, when and by whom. When the band is moderate or high the person's own amber strategies
//! (what helps, what to avoid) come back with the result, so the worker sees what to do next to
//! the score that told them to act.

use std::collections::BTreeMap;

use serde_json::json;

use crate::checklist::{self, ChecklistScore, ChecklistTemplate};
use crate::codes::Role;
use crate::error::{Error, Result};
use crate::people::{self, ListItem, load_person, new_id};
use crate::protocol::{Change, EntityKind};
use crate::replica;
use crate::sheet::SheetList;
use crate::store::Store;
use crate::units::{active_grant, require_role};

/// The outcome of a checklist run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChecklistResult {
    /// The saved run's id.
    pub run_id: String,
    /// The template used.
    pub template_id: String,
    /// Its version.
    pub template_version: u32,
    /// Score, maximum and band (with guidance).
    pub score: ChecklistScore,
    /// For a moderate or high band with a known person: what helps them.
    pub what_helps: Vec<ListItem>,
    /// For a moderate or high band with a known person: what to avoid.
    pub what_to_avoid: Vec<ListItem>,
}

fn own_template(conn: &rusqlite::Connection, person_id: &str) -> Result<ChecklistTemplate> {
    let sheet = replica::load(conn, EntityKind::Sheet, person_id)?.unwrap_or_default();
    let signs: Vec<(String, String)> = people::items_of(&sheet, SheetList::WarningSigns.key())
        .into_iter()
        .map(|i| (i.id, i.text))
        .collect();
    checklist::own_warning_signs(person_id, &signs)
}

fn template_by_id(
    conn: &rusqlite::Connection,
    template_id: &str,
    person_id: Option<&str>,
) -> Result<ChecklistTemplate> {
    if template_id == checklist::stamp().id {
        return Ok(checklist::stamp());
    }
    if let Some(owner) = template_id.strip_prefix("own:") {
        if person_id != Some(owner) {
            return Err(Error::invalid(
                "person_id",
                "a person's own checklist is run for that person",
            ));
        }
        return own_template(conn, owner);
    }
    let body: String = conn
        .query_row(
            "SELECT body FROM checklist_templates WHERE template_id = ?1",
            [template_id],
            |r| r.get(0),
        )
        .map_err(|_| Error::not_found("checklist template", template_id))?;
    Ok(serde_json::from_str(&body)?)
}

impl Store {
    /// The checklists available: STAMP, imported ones, and — when `person_id` is given and their
    /// sheet lists early warning signs — that person's own.
    pub fn checklist_templates(&self, person_id: Option<String>) -> Result<Vec<ChecklistTemplate>> {
        let now = self.now();
        self.read(|tx| {
            let mut templates = vec![checklist::stamp()];
            if let Some(pid) = &person_id {
                let person = load_person(tx, pid)?;
                active_grant(tx, &person.unit_id, now)?;
                if let Ok(own) = own_template(tx, pid) {
                    templates.insert(0, own);
                }
            }
            let mut stmt =
                tx.prepare("SELECT body FROM checklist_templates ORDER BY template_id")?;
            let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for body in bodies {
                templates.push(serde_json::from_str(&body?)?);
            }
            Ok(templates)
        })
    }

    /// Imports a licensed organisation's checklist template (JSON), after strict validation.
    /// Re-importing the same id replaces it only with a higher version. Returns the template.
    pub fn import_checklist_template(&self, json: &str) -> Result<ChecklistTemplate> {
        let template = checklist::import_template(json)?;
        self.write(|w| {
            let existing: Option<u32> = w
                .tx()
                .query_row(
                    "SELECT version FROM checklist_templates WHERE template_id = ?1",
                    [&template.id],
                    |r| r.get(0),
                )
                .ok();
            if existing.is_some_and(|v| v >= template.version) {
                return Err(Error::invalid(
                    "version",
                    format!("version {} of {} is already imported", existing.unwrap_or(0), template.id),
                ));
            }
            w.tx().execute(
                "INSERT INTO checklist_templates (template_id, version, body, imported_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (template_id) DO UPDATE SET version = excluded.version, body = excluded.body, \
                 imported_at = excluded.imported_at",
                (&template.id, template.version, serde_json::to_string(&template)?, w.now().0),
            )?;
            Ok(())
        })?;
        Ok(template)
    }

    /// Scores a checklist run and saves it (any role in the unit). `present` lists the item ids
    /// seen. With a person, the run is kept in their unit and a moderate or high band returns
    /// their own strategies; without one, `unit_id` says where it is kept.
    pub fn run_checklist(
        &self,
        unit_id: &str,
        template_id: &str,
        person_id: Option<String>,
        present: Vec<String>,
    ) -> Result<ChecklistResult> {
        self.write(|w| {
            let unit = match &person_id {
                Some(pid) => load_person(w.tx(), pid)?.unit_id,
                None => unit_id.to_string(),
            };
            if unit != unit_id {
                return Err(Error::invalid(
                    "unit_id",
                    "the person belongs to another unit",
                ));
            }
            require_role(w.tx(), &unit, w.now(), Role::Reader, "run checklists")?;
            let template = template_by_id(w.tx(), template_id, person_id.as_deref())?;
            let score = checklist::score(&template, &present)?;
            let (what_helps, what_to_avoid) = match (&person_id, score.band.level.is_concerning()) {
                (Some(pid), true) => {
                    let sheet = replica::load(w.tx(), EntityKind::Sheet, pid)?.unwrap_or_default();
                    (
                        people::items_of(&sheet, SheetList::WhatHelps.key()),
                        people::items_of(&sheet, SheetList::WhatToAvoid.key()),
                    )
                }
                _ => (Vec::new(), Vec::new()),
            };
            let run_id = new_id();
            let mut fields = BTreeMap::new();
            fields.insert("template_id".to_string(), json!(template.id));
            fields.insert("template_version".to_string(), json!(template.version));
            fields.insert("person_id".to_string(), json!(person_id));
            fields.insert("present".to_string(), json!(present));
            fields.insert("score".to_string(), json!(score.score));
            fields.insert("band".to_string(), json!(score.band.level));
            fields.insert("at".to_string(), json!(w.now().0));
            fields.insert("by".to_string(), json!(w.staff().name));
            w.change(
                EntityKind::ChecklistRun,
                &run_id,
                &unit,
                Change::Fields(fields),
                "change",
            )?;
            Ok(ChecklistResult {
                run_id,
                template_id: template.id,
                template_version: template.version,
                score,
                what_helps,
                what_to_avoid,
            })
        })
    }
}
