//! The person in the restraint flow: what staff must see from the first tap of a use of force,
//! and the one rule that stops a hold the person's own plan forbids from being recorded as if
//! nothing were wrong.
//!
//! A safety alert ("No prone holds: asthma") or a contraindication ("Recent hip replacement: no
//! floor holds") names, besides its words, the restrictive interventions it rules out (`avoid`,
//! MHSDS codes). Starting one of those on the person needs an explicit confirmation with a
//! reason, which is kept in the record (`UseOfForce::contraindication_override`); without it the
//! device refuses the change ([`crate::Error::Contraindicated`]) and the server refuses the
//! same op, judged by the same function here ([`contraindicating`]). Whether the intervention is
//! authorised in the plan (s.6(5)(d)) is filled in from the plan when staff have not said.
//!
//! Sources: *Positive and Proactive Care* (Department of Health, 2014) — restrictive
//! interventions only as set out in the person's plan, never in a way that impacts on airway,
//! breathing or circulation; NICE NG10 (2015) 1.4 — know the person's physical health and any
//! contraindications before restrictive interventions; the Mental Health Units (Use of Force)
//! Act 2018 s.6(5)(d) — whether the force was in the person's care plan.

use serde_json::Value;

use crate::codes::RestrictiveInterventionType;
use crate::error::{Error, Result};
use crate::people::{self, SAFETY_ALERTS, load_person};
use crate::protocol::EntityKind;
use crate::replica::{self, Record};
use crate::sheet::{AuthorisedIntervention, SheetList};
use crate::store::Store;
use crate::units::{active_grant, require_role};

/// The list a caution lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CautionList {
    /// The person's safety alerts (shown first everywhere).
    SafetyAlert,
    /// The support sheet's contraindications (red section).
    Contraindication,
}

impl CautionList {
    fn of(self) -> (EntityKind, &'static str) {
        match self {
            CautionList::SafetyAlert => (EntityKind::Person, SAFETY_ALERTS),
            CautionList::Contraindication => {
                (EntityKind::Sheet, SheetList::Contraindications.key())
            }
        }
    }
}

/// The most interventions one caution may rule out (there are 15 types).
pub const MAX_AVOIDED: usize = 15;

/// A safety alert or a contraindication, with the interventions it rules out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Caution {
    /// Which list it is in.
    pub list: CautionList,
    /// Its item id.
    pub id: String,
    /// Its words.
    pub text: String,
    /// The restrictive interventions it rules out (empty: a caution to read, not a bar).
    pub avoid: Vec<RestrictiveInterventionType>,
}

/// What the restraint flow shows from its first tap.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RestraintProfile {
    /// The person.
    pub person_id: String,
    /// The name staff use.
    pub name: String,
    /// Safety alerts first, then contraindications, each in its list's order.
    pub cautions: Vec<Caution>,
    /// What the plan authorises, with its conditions.
    pub authorised: Vec<AuthorisedIntervention>,
}

impl RestraintProfile {
    /// The cautions that rule out `intervention`.
    pub fn ruling_out(&self, intervention: RestrictiveInterventionType) -> Vec<&Caution> {
        self.cautions
            .iter()
            .filter(|c| c.avoid.contains(&intervention))
            .collect()
    }

    /// Whether the plan authorises `intervention`.
    pub fn authorises(&self, intervention: RestrictiveInterventionType) -> bool {
        self.authorised
            .iter()
            .any(|a| a.intervention == intervention)
    }
}

/// The interventions an item's `avoid` names; an entry the core cannot read is left out.
fn avoided(value: &Value) -> Vec<RestrictiveInterventionType> {
    value
        .get("avoid")
        .and_then(Value::as_array)
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| serde_json::from_value(c.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn cautions_of(record: &Record, list: CautionList) -> Vec<Caution> {
    let (_, key) = list.of();
    record
        .list(key)
        .iter()
        .map(|(id, v)| Caution {
            list,
            id: id.clone(),
            text: v
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            avoid: avoided(v),
        })
        .collect()
}

/// The profile from the person's and the sheet's records.
pub(crate) fn profile_from(
    person_id: &str,
    person: &Record,
    sheet: Option<&Record>,
) -> RestraintProfile {
    let mut cautions = cautions_of(person, CautionList::SafetyAlert);
    if let Some(sheet) = sheet {
        cautions.extend(cautions_of(sheet, CautionList::Contraindication));
    }
    RestraintProfile {
        person_id: person_id.to_string(),
        name: person
            .opt_text("preferred_name")
            .unwrap_or_else(|| person.text("display_name")),
        cautions,
        authorised: sheet.map(crate::sheet::authorised_of).unwrap_or_default(),
    }
}

/// The ids of the person's cautions that rule out `intervention`, from the cells of the
/// person's record and of their sheet (the server's form; the device reads the same records).
/// One definition, so the phone and the server refuse the same hold.
pub fn contraindicating(
    intervention: RestrictiveInterventionType,
    person: &[(&str, &str, &Value)],
    sheet: &[(&str, &str, &Value)],
) -> Vec<String> {
    let person = Record::from_cells("", person);
    let sheet = Record::from_cells("", sheet);
    profile_from("", &person, Some(&sheet))
        .ruling_out(intervention)
        .into_iter()
        .map(|c| c.id.clone())
        .collect()
}

/// Whether a use of force may be recorded as it stands: if the person's cautions rule out its
/// intervention, a reason for going ahead must be given (kept in the record).
pub(crate) fn check_override(
    profile: &RestraintProfile,
    intervention: RestrictiveInterventionType,
    override_reason: Option<&str>,
) -> Result<()> {
    let ruling_out = profile.ruling_out(intervention);
    if ruling_out.is_empty() || override_reason.is_some_and(|r| !r.trim().is_empty()) {
        return Ok(());
    }
    Err(Error::Contraindicated {
        intervention,
        caution_ids: ruling_out.into_iter().map(|c| c.id.clone()).collect(),
    })
}

/// The person's profile, for an incident's check (`None` when the incident names nobody still
/// on the device).
pub(crate) fn profile_for(
    conn: &rusqlite::Connection,
    person_id: &str,
) -> Result<Option<RestraintProfile>> {
    let Ok(person) = load_person(conn, person_id) else {
        return Ok(None);
    };
    let sheet = replica::load(conn, EntityKind::Sheet, person_id)?;
    Ok(Some(profile_from(person_id, &person, sheet.as_ref())))
}

impl Store {
    /// What the restraint flow shows from its first tap: the person's safety alerts and
    /// contraindications (with the interventions each rules out) and what their plan
    /// authorises. Not audited as a separate view: it is shown inside the incident.
    pub fn restraint_profile(&self, person_id: &str) -> Result<RestraintProfile> {
        let now = self.now();
        self.read(|tx| {
            let person = load_person(tx, person_id)?;
            active_grant(tx, &person.unit_id, now)?;
            let sheet = replica::load(tx, EntityKind::Sheet, person_id)?;
            Ok(profile_from(person_id, &person, sheet.as_ref()))
        })
    }

    /// Sets the restrictive interventions a safety alert or contraindication rules out (editor
    /// or lead). An empty list makes it a caution to read only.
    pub fn set_caution_avoids(
        &self,
        person_id: &str,
        list: CautionList,
        item_id: &str,
        avoid: Vec<RestrictiveInterventionType>,
    ) -> Result<()> {
        let mut avoid = avoid;
        avoid.dedup();
        if avoid.len() > MAX_AVOIDED {
            return Err(Error::invalid(
                "avoid",
                format!("at most {MAX_AVOIDED} interventions"),
            ));
        }
        let (kind, key) = list.of();
        self.write(|w| {
            let person = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &person.unit_id,
                w.now(),
                crate::codes::Role::Editor,
                "edit support sheets",
            )?;
            let record = match kind {
                EntityKind::Person => person,
                _ => crate::sheet::sheet_record(w.tx(), person_id, &person.unit_id)?,
            };
            let edit = people::ListEdit {
                kind,
                entity_id: person_id,
                list: key,
            };
            let mut value = edit.current(&record, item_id)?.clone();
            value["avoid"] = serde_json::to_value(&avoid)?;
            edit.edit(w, &record, item_id, value)
        })
    }
}

/// Keeps an item's `avoid` when its words are edited.
pub(crate) fn keep_avoid(current: &Value, mut value: Value) -> Value {
    if let Some(avoid) = current.get("avoid") {
        value["avoid"] = avoid.clone();
    }
    value
}
