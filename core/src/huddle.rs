//! The shift huddle: what the start of a shift and a handover need to know about a unit, on
//! one screen.
//!
//! The seeds ask for "daily safety huddles to identify environmental or relational triggers".
//! A huddle looks back over the last day to three: who had a red event (a use of force, or
//! physical aggression) or an amber one (distress, verbal aggression, a near miss, a
//! de-escalation), whose warning-sign checklist came out moderate or high, which incidents are
//! still open drafts, and whose support sheet is overdue for review. Each person's checklist
//! runs are also kept as a series ([`Store::checklist_history`]), as a daily rating such as
//! DASA is read: the direction matters more than one score. The free-text handover notes of
//! the period ([`crate::handover`]) come with it, newest first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checklist::BandLevel;
use crate::clock::Timestamp;
use crate::codes::IncidentTag;
use crate::error::{Error, Result};
use crate::handover::{HandoverNote, notes_since};
use crate::incident::{IncidentStatus, load_incident};
use crate::people::load_person;
use crate::protocol::EntityKind;
use crate::replica;
use crate::store::Store;
use crate::units::active_grant;

/// The shortest and longest look back, in hours.
pub const HUDDLE_HOURS: std::ops::RangeInclusive<u32> = 1..=168;

/// One person in the huddle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HuddlePerson {
    /// The person.
    pub person_id: String,
    /// The name to use.
    pub name: String,
    /// Red events: incidents with a use of force or physical aggression.
    pub red: u32,
    /// Amber events: the other incidents (distress, verbal aggression, near misses,
    /// de-escalations).
    pub amber: u32,
    /// The highest checklist band in the period, if any run was moderate or high.
    pub checklist_band: Option<BandLevel>,
    /// Checklist runs in the period.
    pub checklist_runs: u32,
    /// The latest event or run.
    pub last_at: Timestamp,
}

/// An incident still a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OpenDraft {
    /// The incident.
    pub incident_id: String,
    /// Who or what it is about.
    pub about: String,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: String,
    /// It records a use of force (its s.6(5) record waits).
    pub use_of_force: bool,
}

/// A support sheet past its review date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OverdueSheet {
    /// The person.
    pub person_id: String,
    /// The name to use.
    pub name: String,
    /// When the review was due.
    pub due: Timestamp,
}

/// The huddle of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Huddle {
    /// The unit.
    pub unit_id: String,
    /// The start of the period looked back over.
    pub since: Timestamp,
    /// People with a red or amber event or a moderate or high checklist, the most red first.
    pub people: Vec<HuddlePerson>,
    /// Incidents still drafts (any age), oldest first.
    pub open_drafts: Vec<OpenDraft>,
    /// Sheets overdue for review, longest overdue first.
    pub sheets_overdue: Vec<OverdueSheet>,
    /// Handover notes written in the period, newest first.
    pub notes: Vec<HandoverNote>,
}

/// One checklist run in a person's series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChecklistPoint {
    /// The run.
    pub run_id: String,
    /// When.
    pub at: Timestamp,
    /// The template.
    pub template_id: String,
    /// Its score.
    pub score: u32,
    /// Its band.
    pub band: BandLevel,
}

fn is_red(tags: &[IncidentTag], use_of_force: bool) -> bool {
    use_of_force
        || tags.iter().any(|t| {
            matches!(
                t,
                IncidentTag::PhysicalAggressionToStaff
                    | IncidentTag::PhysicalAggressionToOthers
                    | IncidentTag::PhysicalAggressionToSelf
            )
        })
}

fn name_of(record: &replica::Record) -> String {
    record
        .opt_text("preferred_name")
        .unwrap_or_else(|| record.text("display_name"))
}

impl Store {
    /// The huddle of `unit_id` over the last `hours` (1 to 168; 24 to 72 at a shift change).
    pub fn shift_huddle(&self, unit_id: &str, hours: u32) -> Result<Huddle> {
        if !HUDDLE_HOURS.contains(&hours) {
            return Err(Error::invalid("hours", "from 1 to 168"));
        }
        let now = self.now();
        let since = Timestamp(now.0 - i64::from(hours) * 3_600_000);
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let of_unit = |kind: &str| -> Result<Vec<String>> {
                Ok(tx
                    .prepare_cached(
                        "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = ?2",
                    )?
                    .query_map((unit_id, kind), |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?)
            };
            let mut people: BTreeMap<String, HuddlePerson> = BTreeMap::new();
            let entry = |people: &mut BTreeMap<String, HuddlePerson>, pid: &str| -> Result<bool> {
                if !people.contains_key(pid) {
                    let Ok(p) = load_person(tx, pid) else {
                        return Ok(false);
                    };
                    people.insert(
                        pid.to_string(),
                        HuddlePerson {
                            person_id: pid.to_string(),
                            name: name_of(&p),
                            red: 0,
                            amber: 0,
                            checklist_band: None,
                            checklist_runs: 0,
                            last_at: Timestamp(0),
                        },
                    );
                }
                Ok(true)
            };
            let mut open_drafts = Vec::new();
            for id in of_unit("incident")? {
                let Ok((_, incident, _)) = load_incident(tx, &id) else {
                    continue;
                };
                if incident.status == IncidentStatus::Draft {
                    open_drafts.push(OpenDraft {
                        incident_id: id.clone(),
                        about: incident
                            .person_name
                            .clone()
                            .or_else(|| incident.unidentified_person.clone())
                            .unwrap_or_default(),
                        occurred_at: incident.occurred_at,
                        recorded_by: incident.recorded_by.clone(),
                        use_of_force: !incident.use_of_force.is_empty(),
                    });
                }
                let Some(pid) = &incident.person_id else {
                    continue;
                };
                if incident.occurred_at < since || !entry(&mut people, pid)? {
                    continue;
                }
                let p = people.get_mut(pid).expect("just added");
                if is_red(&incident.tags, !incident.use_of_force.is_empty()) {
                    p.red += 1;
                } else {
                    p.amber += 1;
                }
                p.last_at = p.last_at.max(incident.occurred_at);
            }
            for id in of_unit("checklist_run")? {
                let Some(run) = replica::load(tx, EntityKind::ChecklistRun, &id)? else {
                    continue;
                };
                let (Some(pid), Some(at)) = (run.opt_text("person_id"), run.time("at")) else {
                    continue;
                };
                let Ok(Some(band)) = run.decode::<BandLevel>("band") else {
                    continue;
                };
                if at < since || !entry(&mut people, &pid)? {
                    continue;
                }
                let p = people.get_mut(&pid).expect("just added");
                p.checklist_runs += 1;
                if band.is_concerning() && p.checklist_band.is_none_or(|b| band > b) {
                    p.checklist_band = Some(band);
                }
                p.last_at = p.last_at.max(at);
            }
            let mut people: Vec<HuddlePerson> = people
                .into_values()
                .filter(|p| p.red + p.amber > 0 || p.checklist_band.is_some())
                .collect();
            people.sort_by(|a, b| {
                (b.red, b.checklist_band, b.amber, b.last_at).cmp(&(
                    a.red,
                    a.checklist_band,
                    a.amber,
                    a.last_at,
                ))
            });
            open_drafts.sort_by_key(|d| (d.occurred_at, d.incident_id.clone()));

            let mut sheets_overdue = Vec::new();
            for id in of_unit("person")? {
                let Ok(p) = load_person(tx, &id) else {
                    continue;
                };
                if let Some(sheet) = replica::load(tx, EntityKind::Sheet, &id)?
                    && let Some(due) = sheet.time("review.due")
                    && due <= now
                {
                    sheets_overdue.push(OverdueSheet {
                        person_id: id,
                        name: name_of(&p),
                        due,
                    });
                }
            }
            sheets_overdue.sort_by_key(|s| (s.due, s.person_id.clone()));
            let notes = notes_since(tx, unit_id, since, now)?;
            Ok(Huddle {
                unit_id: unit_id.to_string(),
                since,
                people,
                open_drafts,
                sheets_overdue,
                notes,
            })
        })
    }

    /// A person's checklist runs as a series, oldest first (a daily rating read for its
    /// direction).
    pub fn checklist_history(&self, person_id: &str) -> Result<Vec<ChecklistPoint>> {
        let now = self.now();
        self.read(|tx| {
            let person = load_person(tx, person_id)?;
            active_grant(tx, &person.unit_id, now)?;
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'checklist_run'",
                )?
                .query_map([&person.unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut points = Vec::new();
            for id in ids {
                let Some(run) = replica::load(tx, EntityKind::ChecklistRun, &id)? else {
                    continue;
                };
                if run.opt_text("person_id").as_deref() != Some(person_id) {
                    continue;
                }
                // Read defensively: a run whose parts do not read is left out of the series.
                let (Some(at), Ok(Some(band)), Ok(Some(score))) = (
                    run.time("at"),
                    run.decode::<BandLevel>("band"),
                    run.decode::<u32>("score"),
                ) else {
                    continue;
                };
                points.push(ChecklistPoint {
                    run_id: id,
                    at,
                    template_id: run.text("template_id"),
                    score,
                    band,
                });
            }
            points.sort_by_key(|p| (p.at, p.run_id.clone()));
            Ok(points)
        })
    }
}
