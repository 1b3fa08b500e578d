//! From debrief to plan: an incident proposes a change to the person's support sheet, and the
//! sheet's editors accept it (the sheet item keeps the link to its incident) or decline it with
//! a reason.
//!
//! The seeds ask staff to "repair, debrief, record, and adjust the plan", so that "the same
//! flashpoint is not allowed to repeat with the same patient, week after week". Whoever was
//! there — often not an editor of the sheet — proposes a new early warning sign, a "what helps"
//! that worked, a "what to avoid" that did not, or a trigger, from the incident or its debrief.
//! The proposal is an entry appended to the incident (an addendum carrying it: signed, sealed,
//! never edited, on a draft or after submission), so it is attributed and linked without a new
//! kind of record. Accepting adds the item to the sheet with its source; declining keeps a
//! reason on the sheet. The review queue is every proposal of a unit neither accepted nor
//! declined.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::Timestamp;
use crate::codes::Role;
use crate::error::{Error, Result};
use crate::people::{ListEdit, checked_text, load_person};
use crate::protocol::{ADDENDA_LIST, EntityKind};
use crate::replica;
use crate::sheet::SheetList;
use crate::store::Store;
use crate::units::{active_grant, require_role};

/// The sheet's list of proposals declined, with their reasons.
pub const DECLINED_LIST: &str = "proposals.declined";
/// The longest reason for declining.
pub const REASON_CHARS: usize = 500;
/// The most declined proposals a sheet keeps.
pub const MAX_DECLINED: usize = 500;

/// A change to the person's sheet, proposed from an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlanProposal {
    /// The list it would add to: triggers, early warning signs, what helps, what to avoid.
    pub list: SheetList,
    /// The words of the new item.
    pub text: String,
}

impl PlanProposal {
    /// The first rule it breaks, as `(field, rule)`: the one check of the phone and the server.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !PROPOSABLE.contains(&self.list) {
            return Some((
                "proposal.list",
                "a trigger, an early warning sign, what helps or what to avoid".to_string(),
            ));
        }
        let t = &self.text;
        let max = crate::record_schema::SHEET_ITEM_CHARS;
        if t.trim().is_empty() || t.trim() != t || t.chars().count() > max {
            return Some((
                "proposal.text",
                format!("text with no surrounding space, at most {max} characters"),
            ));
        }
        None
    }
}

/// The lists a proposal may add to (contraindications and authorised interventions are the
/// editors' own: they change what may be done to the person).
pub const PROPOSABLE: [SheetList; 4] = [
    SheetList::Triggers,
    SheetList::WarningSigns,
    SheetList::WhatHelps,
    SheetList::WhatToAvoid,
];

/// Where a sheet item came from: the incident entry that proposed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ItemSource {
    /// The incident.
    pub incident_id: String,
    /// The entry (addendum) that proposed it.
    pub entry_id: String,
}

/// A proposal waiting in the review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PendingProposal {
    /// Where it came from.
    pub source: ItemSource,
    /// The person whose sheet it would change.
    pub person_id: String,
    /// What it proposes.
    pub proposal: PlanProposal,
    /// Who proposed it.
    pub proposed_by: String,
    /// Their job title.
    pub job_title: String,
    /// When.
    pub proposed_at: Timestamp,
    /// When the incident happened.
    pub incident_at: Timestamp,
}

/// A proposal an editor declined, kept on the sheet with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeclinedProposal {
    /// Item id.
    pub id: String,
    /// The proposal declined.
    pub source: ItemSource,
    /// Why.
    pub reason: String,
    /// Who declined it.
    pub author: String,
    /// Their job title.
    pub job_title: String,
    /// When.
    pub at: Timestamp,
}

/// The sources a sheet has taken up or declined.
fn settled(sheet: Option<&replica::Record>) -> std::collections::HashSet<ItemSource> {
    let Some(sheet) = sheet else {
        return Default::default();
    };
    let mut done = std::collections::HashSet::new();
    for list in PROPOSABLE {
        for (_, v) in sheet.list(list.key()) {
            if let Some(s) = v
                .get("source")
                .and_then(|s| serde_json::from_value(s.clone()).ok())
            {
                done.insert(s);
            }
        }
    }
    for (_, v) in sheet.list(DECLINED_LIST) {
        if let Some(s) = v
            .get("source")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
        {
            done.insert(s);
        }
    }
    done
}

/// The proposal an incident's entry carries, read defensively.
fn carried(value: &Value) -> Option<PlanProposal> {
    serde_json::from_value(value.get("proposal")?.clone()).ok()
}

/// How often one of the person's own "what helps" strategies was tried in an incident, and
/// how often it helped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StrategyOutcome {
    /// The sheet item.
    pub item_id: String,
    /// Its words.
    pub text: String,
    /// Incidents in which it was tried.
    pub tried: u32,
    /// Of those, the ones in which it helped.
    pub helped: u32,
}

impl Store {
    /// Beside each of the person's "what helps" strategies, how often it was tried and how
    /// often it helped, across the incidents about them on this phone (an incident names a
    /// strategy by its words at the time).
    pub fn strategy_outcomes(&self, person_id: &str) -> Result<Vec<StrategyOutcome>> {
        let now = self.now();
        self.read(|tx| {
            let person = load_person(tx, person_id)?;
            active_grant(tx, &person.unit_id, now)?;
            let sheet = crate::sheet::sheet_record(tx, person_id, &person.unit_id)?;
            let mut outcomes: Vec<StrategyOutcome> =
                crate::people::items_of(&sheet, SheetList::WhatHelps.key())
                    .into_iter()
                    .map(|i| StrategyOutcome {
                        item_id: i.id,
                        text: i.text,
                        tried: 0,
                        helped: 0,
                    })
                    .collect();
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'incident'",
                )?
                .query_map([&person.unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                let Some(incident) = replica::load(tx, EntityKind::Incident, &id)? else {
                    continue;
                };
                if incident.opt_text("person_id").as_deref() != Some(person_id) {
                    continue;
                }
                let Ok(Some(d)) = incident.decode::<crate::incident::Deescalation>("deescalation")
                else {
                    continue;
                };
                for o in &mut outcomes {
                    if d.own_strategies.contains(&o.text) {
                        o.tried += 1;
                        o.helped += u32::from(d.helped.contains(&o.text));
                    }
                }
            }
            Ok(outcomes)
        })
    }

    /// Proposes a change to the sheet of the incident's person, from the incident or its
    /// debrief: an entry appended to the incident, by anyone working in the unit, on a draft
    /// or after submission. Returns the entry's id (the proposal's link).
    pub fn propose_plan_change(&self, incident_id: &str, proposal: PlanProposal) -> Result<String> {
        let proposal = PlanProposal {
            text: checked_text(
                "proposal.text",
                &proposal.text,
                crate::record_schema::SHEET_ITEM_CHARS,
                true,
            )?
            .unwrap_or_default(),
            ..proposal
        };
        if let Some((field, rule)) = proposal.problem() {
            return Err(Error::invalid(field, rule));
        }
        self.append_proposal(incident_id, proposal)
    }

    /// The review queue of `unit_id`: proposals from its incidents that no sheet has taken up
    /// or declined yet, oldest first.
    pub fn plan_proposals(&self, unit_id: &str) -> Result<Vec<PendingProposal>> {
        let now = self.now();
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'incident'",
                )?
                .query_map([unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut pending = Vec::new();
            let mut sheets = std::collections::HashMap::new();
            for id in ids {
                let Some(incident) = replica::load(tx, EntityKind::Incident, &id)? else {
                    continue;
                };
                let Some(person_id) = incident.opt_text("person_id") else {
                    continue;
                };
                for (entry_id, value) in incident.list(ADDENDA_LIST) {
                    let Some(proposal) = carried(value) else {
                        continue;
                    };
                    if !sheets.contains_key(&person_id) {
                        let sheet = replica::load(tx, EntityKind::Sheet, &person_id)?;
                        sheets.insert(person_id.clone(), settled(sheet.as_ref()));
                    }
                    let source = ItemSource {
                        incident_id: id.clone(),
                        entry_id: entry_id.clone(),
                    };
                    if sheets[&person_id].contains(&source) {
                        continue;
                    }
                    let text = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
                    pending.push(PendingProposal {
                        source,
                        person_id: person_id.clone(),
                        proposal,
                        proposed_by: text("author").to_string(),
                        job_title: text("job_title").to_string(),
                        proposed_at: Timestamp(
                            value.get("at").and_then(Value::as_i64).unwrap_or(0),
                        ),
                        incident_at: incident.time("occurred_at").unwrap_or(Timestamp(0)),
                    });
                }
            }
            pending.sort_by_key(|p| (p.proposed_at, p.source.entry_id.clone()));
            Ok(pending)
        })
    }

    /// Accepts a proposal: adds its item to the person's sheet, linked to the incident entry
    /// that proposed it (editor or lead). Returns the new sheet item's id.
    pub fn accept_proposal(&self, source: &ItemSource) -> Result<String> {
        self.settle(source, |w, person_id, sheet, proposal| {
            ListEdit {
                kind: EntityKind::Sheet,
                entity_id: person_id,
                list: proposal.list.key(),
            }
            .add(
                w,
                sheet,
                json!({ "text": proposal.text, "source": source }),
                None,
            )
        })
    }

    /// Declines a proposal with a reason, kept on the sheet (editor or lead).
    pub fn decline_proposal(&self, source: &ItemSource, reason: &str) -> Result<String> {
        let reason =
            checked_text("proposal.reason", reason, REASON_CHARS, true)?.unwrap_or_default();
        self.settle(source, |w, person_id, sheet, _| {
            let value = json!({
                "source": source,
                "reason": reason,
                "author": w.staff().name,
                "job_title": w.staff().job_title,
                "at": w.now().0,
            });
            ListEdit {
                kind: EntityKind::Sheet,
                entity_id: person_id,
                list: DECLINED_LIST,
            }
            .add(w, sheet, value, None)
        })
    }

    /// The proposals declined on a person's sheet, with their reasons.
    pub fn declined_proposals(&self, person_id: &str) -> Result<Vec<DeclinedProposal>> {
        let now = self.now();
        self.read(|tx| {
            let person = load_person(tx, person_id)?;
            active_grant(tx, &person.unit_id, now)?;
            let Some(sheet) = replica::load(tx, EntityKind::Sheet, person_id)? else {
                return Ok(Vec::new());
            };
            Ok(sheet
                .list(DECLINED_LIST)
                .iter()
                .filter_map(|(id, v)| {
                    let mut v = v.clone();
                    v.as_object_mut()?.insert("id".into(), json!(id));
                    serde_json::from_value(v).ok()
                })
                .collect())
        })
    }

    /// Accepts or declines: checks the proposal is there and still waiting, and that the
    /// writer edits the person's sheet.
    fn settle(
        &self,
        source: &ItemSource,
        f: impl FnOnce(
            &mut crate::replica::Writer<'_>,
            &str,
            &replica::Record,
            PlanProposal,
        ) -> Result<String>,
    ) -> Result<String> {
        self.write(|w| {
            let incident = replica::load(w.tx(), EntityKind::Incident, &source.incident_id)?
                .ok_or_else(|| Error::not_found("incident", &source.incident_id))?;
            let proposal = incident
                .list(ADDENDA_LIST)
                .iter()
                .find(|(id, _)| *id == source.entry_id)
                .and_then(|(_, v)| carried(v))
                .ok_or_else(|| Error::not_found("proposal", &source.entry_id))?;
            let person_id = incident
                .opt_text("person_id")
                .ok_or_else(|| Error::invalid("proposal", "the incident names no person"))?;
            let person = load_person(w.tx(), &person_id)?;
            require_role(
                w.tx(),
                &person.unit_id,
                w.now(),
                Role::Editor,
                "change support sheets",
            )?;
            let sheet = crate::sheet::sheet_record(w.tx(), &person_id, &person.unit_id)?;
            if settled(Some(&sheet)).contains(source) {
                return Err(Error::invalid(
                    "proposal",
                    "has already been accepted or declined",
                ));
            }
            f(w, &person_id, &sheet, proposal)
        })
    }
}
