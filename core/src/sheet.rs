//! Support sheets: what a worker needs to know about a person, in the traffic-light shape of UK
//! Positive Behaviour Support plans and hospital passports, plus the one-page-profile headings.
//!
//! The amber card — safety alerts, early warning signs, what helps, what to avoid — is the
//! moment Steady exists for, so it has its own read ([`Store::amber_card`]) that returns only
//! what the card shows (two primary-key range reads: the person's rows and the sheet's rows).
//! Each text field and each list item is its own merge unit.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clock::Timestamp;
use crate::codes::{RestrictiveInterventionType, Role};
use crate::error::{Error, Result};
use crate::people::{self, ListEdit, ListItem, Person, checked_text, load_person, person_from};
use crate::protocol::{Change, EntityKind};
use crate::replica::{self, Record};
use crate::store::Store;
use crate::units::{active_grant, require_role};

macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $key:expr,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every value, in sheet order.
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            /// The field's name in the store and on the wire.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key.0,)* }
            }

            /// The heading people read, in the person's own voice as one-page profiles and
            /// PBS plans write them. The apps and the console show this and no copy of it.
            pub fn heading(self) -> &'static str {
                match self { $($name::$variant => $key.1,)* }
            }

            /// The field named `key` on the wire.
            pub fn from_key(key: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|f| f.key() == key)
            }
        }
    };
}

keyed_enum! {
    /// A free-text field of a support sheet.
    SheetText {
        /// About me: what people like and admire about me.
        LikedAndAdmired => ("about_me.liked_admired", "What people like and admire about me"),
        /// About me: what's important to me.
        ImportantToMe => ("about_me.important", "What's important to me"),
        /// About me: how best to support me.
        HowToSupportMe => ("about_me.how_to_support", "How best to support me"),
        /// Communication: how I communicate.
        HowICommunicate => ("communication.how_i", "How I communicate"),
        /// Communication: how to communicate with me.
        HowToCommunicateWithMe => ("communication.with_me", "How to communicate with me"),
        /// Green: what I'm like when settled.
        WhenSettled => ("green.settled", "What I'm like when I'm settled"),
        /// Green: routines that keep me well.
        Routines => ("green.routines", "Routines that keep me well"),
        /// Green: sensory needs.
        SensoryNeeds => ("green.sensory", "My sensory needs"),
        /// Green: likes and dislikes that keep me well.
        LikesAndDislikes => ("green.likes_dislikes", "Likes and dislikes that keep me well"),
        /// Red: what staff should do in a crisis.
        WhatStaffShouldDo => ("red.staff_should_do", "What staff should do in a crisis"),
        /// Red: who to call.
        WhoToCall => ("red.who_to_call", "Who to call"),
        /// Blue: how to support me afterwards.
        SupportAfterwards => ("blue.afterwards", "How to support me afterwards"),
        /// Blue: how I like to be debriefed.
        HowIDebrief => ("blue.debrief", "How I like to be debriefed"),
    }
}

keyed_enum! {
    /// An ordered list of a support sheet.
    SheetList {
        /// Triggers.
        Triggers => ("triggers", "Triggers"),
        /// Amber: my early warning signs.
        WarningSigns => ("amber.warning_signs", "Early warning signs"),
        /// Amber: what helps.
        WhatHelps => ("amber.what_helps", "What helps"),
        /// Amber: what to avoid.
        WhatToAvoid => ("amber.what_to_avoid", "What to avoid"),
        /// Red: contraindications to restrictive interventions.
        Contraindications => ("red.contraindications", "Contraindications"),
    }
}

const AUTHORISED: &str = "red.authorised_interventions";

/// The heading of the care plan's authorised restrictive interventions.
pub const AUTHORISED_INTERVENTIONS_HEADING: &str =
    "Restrictive interventions authorised in the care plan";

/// A band of the sheet, in the traffic-light order of PBS plans (DESIGN.md §3): the apps colour
/// each band by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SheetBand {
    /// About me (one-page profile).
    AboutMe,
    /// Communication.
    Communication,
    /// Green: calm, what keeps me well.
    Green,
    /// Triggers.
    Triggers,
    /// Amber: rising distress.
    Amber,
    /// Red: crisis.
    Red,
    /// Blue: recovery.
    Blue,
}

/// One entry of a sheet section: a text field, a list, or the authorised interventions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SheetEntry {
    /// A free-text field.
    Text {
        /// Which field.
        field: SheetText,
    },
    /// An ordered list.
    List {
        /// Which list.
        list: SheetList,
    },
    /// The restrictive interventions authorised in the care plan
    /// ([`AUTHORISED_INTERVENTIONS_HEADING`]).
    AuthorisedInterventions,
}

/// A section of the sheet as every face shows it: its band, its title and its entries in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SheetSection {
    /// The band (colour).
    pub band: SheetBand,
    /// The section's title.
    pub title: String,
    /// What it holds, in order.
    pub entries: Vec<SheetEntry>,
}

/// The layout of a support sheet: sections, titles and order, defined once here for the phones
/// and the console. Every text field and list appears exactly once.
pub fn sheet_layout() -> Vec<SheetSection> {
    use SheetEntry::{AuthorisedInterventions, List, Text};
    let text = |field| Text { field };
    let list = |list| List { list };
    let section = |band, title: &str, entries| SheetSection {
        band,
        title: title.to_string(),
        entries,
    };
    vec![
        section(
            SheetBand::AboutMe,
            "About me",
            vec![
                text(SheetText::LikedAndAdmired),
                text(SheetText::ImportantToMe),
                text(SheetText::HowToSupportMe),
            ],
        ),
        section(
            SheetBand::Communication,
            "Communication",
            vec![
                text(SheetText::HowICommunicate),
                text(SheetText::HowToCommunicateWithMe),
            ],
        ),
        section(
            SheetBand::Green,
            "Green: when I'm calm",
            vec![
                text(SheetText::WhenSettled),
                text(SheetText::Routines),
                text(SheetText::SensoryNeeds),
                text(SheetText::LikesAndDislikes),
            ],
        ),
        section(
            SheetBand::Triggers,
            "Triggers",
            vec![list(SheetList::Triggers)],
        ),
        section(
            SheetBand::Amber,
            "Amber: rising distress",
            vec![
                list(SheetList::WarningSigns),
                list(SheetList::WhatHelps),
                list(SheetList::WhatToAvoid),
            ],
        ),
        section(
            SheetBand::Red,
            "Red: crisis",
            vec![
                text(SheetText::WhatStaffShouldDo),
                AuthorisedInterventions,
                list(SheetList::Contraindications),
                text(SheetText::WhoToCall),
            ],
        ),
        section(
            SheetBand::Blue,
            "Blue: recovery",
            vec![
                text(SheetText::SupportAfterwards),
                text(SheetText::HowIDebrief),
            ],
        ),
    ]
}

/// A restrictive intervention authorised in the person's care plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuthorisedIntervention {
    /// Item id.
    pub id: String,
    /// MHSDS restrictive intervention type.
    pub intervention: RestrictiveInterventionType,
    /// Conditions and limits set by the plan.
    pub note: String,
}

/// The review state of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Review {
    /// When it was last reviewed.
    pub last_reviewed_at: Option<Timestamp>,
    /// Who reviewed it.
    pub last_reviewed_by: Option<String>,
    /// When the next review is due.
    pub due: Option<Timestamp>,
    /// The due date has passed: show the sheet flagged.
    pub overdue: bool,
}

/// The amber card: what a worker needs when distress is rising. Safety alerts first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AmberCard {
    /// The person.
    pub person_id: String,
    /// Name to use.
    pub name: String,
    /// Safety alerts, always first.
    pub safety_alerts: Vec<ListItem>,
    /// Early warning signs.
    pub warning_signs: Vec<ListItem>,
    /// What helps.
    pub what_helps: Vec<ListItem>,
    /// What to avoid.
    pub what_to_avoid: Vec<ListItem>,
    /// The sheet is past its review date.
    pub review_overdue: bool,
}

/// A whole support sheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SupportSheet {
    /// The person (with safety alerts).
    pub person: Person,
    /// Every text field that has a value, in sheet order.
    pub texts: Vec<SheetTextValue>,
    /// Triggers.
    pub triggers: Vec<ListItem>,
    /// Amber: early warning signs.
    pub warning_signs: Vec<ListItem>,
    /// Amber: what helps.
    pub what_helps: Vec<ListItem>,
    /// Amber: what to avoid.
    pub what_to_avoid: Vec<ListItem>,
    /// Red: interventions authorised in the care plan.
    pub authorised_interventions: Vec<AuthorisedIntervention>,
    /// Red: contraindications.
    pub contraindications: Vec<ListItem>,
    /// Review state.
    pub review: Review,
}

/// One text field of a sheet and its value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SheetTextValue {
    /// Which field.
    pub field: SheetText,
    /// Its text.
    pub text: String,
}

impl SupportSheet {
    /// The text of one field ("" when empty).
    pub fn text(&self, field: SheetText) -> &str {
        self.texts
            .iter()
            .find(|t| t.field == field)
            .map(|t| t.text.as_str())
            .unwrap_or_default()
    }
}

fn review_of(sheet: &Record, now: Timestamp) -> Review {
    let due = sheet.time("review.due");
    Review {
        last_reviewed_at: sheet.time("review.at"),
        last_reviewed_by: sheet.opt_text("review.by"),
        due,
        overdue: due.is_some_and(|d| d <= now),
    }
}

pub(crate) fn sheet_record(
    conn: &rusqlite::Connection,
    person_id: &str,
    unit_id: &str,
) -> Result<Record> {
    Ok(
        replica::load(conn, EntityKind::Sheet, person_id)?.unwrap_or_else(|| Record {
            unit_id: unit_id.to_string(),
            ..Record::default()
        }),
    )
}

/// The interventions a sheet authorises (an item the core cannot read is left out).
pub(crate) fn authorised_of(sheet: &Record) -> Vec<AuthorisedIntervention> {
    sheet
        .list(AUTHORISED)
        .iter()
        .filter_map(|(id, v)| {
            Some(AuthorisedIntervention {
                id: id.clone(),
                intervention: serde_json::from_value(v.get("type")?.clone()).ok()?,
                note: v
                    .get("note")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            })
        })
        .collect()
}

impl Store {
    /// The amber card for a person (audited as a view): the two-tap answer to "what helps now?".
    pub fn amber_card(&self, person_id: &str) -> Result<AmberCard> {
        let now = self.now();
        let (card, unit) = self.read(|tx| {
            let person = load_person(tx, person_id)?;
            active_grant(tx, &person.unit_id, now)?;
            let sheet = sheet_record(tx, person_id, &person.unit_id)?;
            let card = AmberCard {
                person_id: person_id.to_string(),
                name: person
                    .opt_text("preferred_name")
                    .unwrap_or_else(|| person.text("display_name")),
                safety_alerts: people::items_of(&person, people::SAFETY_ALERTS),
                warning_signs: people::items_of(&sheet, SheetList::WarningSigns.key()),
                what_helps: people::items_of(&sheet, SheetList::WhatHelps.key()),
                what_to_avoid: people::items_of(&sheet, SheetList::WhatToAvoid.key()),
                review_overdue: review_of(&sheet, now).overdue,
            };
            Ok((card, person.unit_id))
        })?;
        self.record_view("sheet", person_id, &unit, "amber")?;
        Ok(card)
    }

    /// The whole support sheet (audited as a view).
    pub fn support_sheet(&self, person_id: &str) -> Result<SupportSheet> {
        let now = self.now();
        let sheet = self.read(|tx| {
            let person = load_person(tx, person_id)?;
            active_grant(tx, &person.unit_id, now)?;
            let sheet = sheet_record(tx, person_id, &person.unit_id)?;
            let texts = SheetText::ALL
                .iter()
                .filter_map(|f| {
                    sheet
                        .opt_text(f.key())
                        .map(|text| SheetTextValue { field: *f, text })
                })
                .collect();
            let authorised_interventions = authorised_of(&sheet);
            Ok(SupportSheet {
                person: person_from(person_id, &person),
                texts,
                triggers: people::items_of(&sheet, SheetList::Triggers.key()),
                warning_signs: people::items_of(&sheet, SheetList::WarningSigns.key()),
                what_helps: people::items_of(&sheet, SheetList::WhatHelps.key()),
                what_to_avoid: people::items_of(&sheet, SheetList::WhatToAvoid.key()),
                authorised_interventions,
                contraindications: people::items_of(&sheet, SheetList::Contraindications.key()),
                review: review_of(&sheet, now),
            })
        })?;
        self.record_view("sheet", person_id, &sheet.person.unit_id, "sheet")?;
        Ok(sheet)
    }

    /// Sets one text field of a person's sheet (editor or lead); empty text clears it.
    pub fn set_sheet_text(&self, person_id: &str, field: SheetText, text: &str) -> Result<()> {
        let text = checked_text(field.key(), text, 4000, false)?;
        self.edit_sheet(person_id, |w, _, unit| {
            let mut fields = BTreeMap::new();
            fields.insert(field.key().to_string(), json!(text));
            w.change(
                EntityKind::Sheet,
                person_id,
                unit,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })
    }

    /// Adds an item to a sheet list (editor or lead), before `before` or at the end; returns its id.
    pub fn add_sheet_item(
        &self,
        person_id: &str,
        list: SheetList,
        text: &str,
        before: Option<&str>,
    ) -> Result<String> {
        let text = checked_text(list.key(), text, 500, true)?;
        self.edit_sheet(person_id, |w, sheet, _| {
            sheet_list(person_id, list.key()).add(w, sheet, json!({ "text": text }), before)
        })
    }

    /// Changes an item's text (editor or lead).
    pub fn edit_sheet_item(
        &self,
        person_id: &str,
        list: SheetList,
        item_id: &str,
        text: &str,
    ) -> Result<()> {
        let text = checked_text(list.key(), text, 500, true)?;
        self.edit_sheet(person_id, |w, sheet, _| {
            let edit = sheet_list(person_id, list.key());
            // New words keep what the item rules out (a contraindication's `avoid`).
            let value = crate::restraint::keep_avoid(
                edit.current(sheet, item_id)?,
                json!({ "text": text }),
            );
            edit.edit(w, sheet, item_id, value)
        })
    }

    /// Moves an item before `before`, or to the end (editor or lead).
    pub fn move_sheet_item(
        &self,
        person_id: &str,
        list: SheetList,
        item_id: &str,
        before: Option<&str>,
    ) -> Result<()> {
        self.edit_sheet(person_id, |w, sheet, _| {
            sheet_list(person_id, list.key()).move_before(w, sheet, item_id, before)
        })
    }

    /// Removes an item (editor or lead).
    pub fn remove_sheet_item(&self, person_id: &str, list: SheetList, item_id: &str) -> Result<()> {
        self.edit_sheet(person_id, |w, sheet, _| {
            sheet_list(person_id, list.key()).remove(w, sheet, item_id)
        })
    }

    /// Records a restrictive intervention authorised in the care plan (editor or lead).
    pub fn add_authorised_intervention(
        &self,
        person_id: &str,
        intervention: RestrictiveInterventionType,
        note: &str,
    ) -> Result<String> {
        let note = checked_text("red.authorised_interventions.note", note, 500, false)?;
        self.edit_sheet(person_id, |w, sheet, _| {
            // A plan never authorises what the person's own cautions rule out: change the
            // caution first if it no longer holds. (A new caution is never refused for what the
            // plan authorises: the restraint flow then asks for a reason instead.)
            if let Some(profile) = crate::restraint::profile_for(w.tx(), person_id)? {
                let ruling_out = profile.ruling_out(intervention);
                if !ruling_out.is_empty() {
                    return Err(Error::Contraindicated {
                        intervention,
                        caution_ids: ruling_out.into_iter().map(|c| c.id.clone()).collect(),
                    });
                }
            }
            sheet_list(person_id, AUTHORISED).add(
                w,
                sheet,
                // No note is "", as the record schema reads it (null was refused there).
                json!({ "type": intervention, "note": note.unwrap_or_default() }),
                None,
            )
        })
    }

    /// Removes an authorised intervention (editor or lead).
    pub fn remove_authorised_intervention(&self, person_id: &str, item_id: &str) -> Result<()> {
        self.edit_sheet(person_id, |w, sheet, _| {
            sheet_list(person_id, AUTHORISED).remove(w, sheet, item_id)
        })
    }

    /// Marks the sheet reviewed now by the staff member using the device, with the next review
    /// due at `next_due` (editor or lead).
    pub fn mark_sheet_reviewed(&self, person_id: &str, next_due: Timestamp) -> Result<()> {
        self.edit_sheet(person_id, |w, _, unit| {
            if next_due <= w.now() {
                return Err(Error::invalid("next_due", "must be in the future"));
            }
            let mut fields = BTreeMap::new();
            fields.insert("review.at".to_string(), json!(w.now().0));
            fields.insert("review.by".to_string(), json!(w.staff().name));
            fields.insert("review.due".to_string(), json!(next_due.0));
            w.change(
                EntityKind::Sheet,
                person_id,
                unit,
                Change::Fields(fields),
                "change",
            )?;
            Ok(())
        })
    }

    fn edit_sheet<T>(
        &self,
        person_id: &str,
        f: impl FnOnce(&mut crate::replica::Writer<'_>, &Record, &str) -> Result<T>,
    ) -> Result<T> {
        self.write(|w| {
            let person = load_person(w.tx(), person_id)?;
            require_role(
                w.tx(),
                &person.unit_id,
                w.now(),
                Role::Editor,
                "edit support sheets",
            )?;
            let sheet = sheet_record(w.tx(), person_id, &person.unit_id)?;
            f(w, &sheet, &person.unit_id)
        })
    }
}

fn sheet_list<'a>(person_id: &'a str, list: &'a str) -> ListEdit<'a> {
    ListEdit {
        kind: EntityKind::Sheet,
        entity_id: person_id,
        list,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_shows_every_field_and_list_exactly_once() {
        let entries: Vec<SheetEntry> = sheet_layout().into_iter().flat_map(|s| s.entries).collect();
        for field in SheetText::ALL {
            let n = entries
                .iter()
                .filter(|e| **e == SheetEntry::Text { field: *field })
                .count();
            assert_eq!(n, 1, "{field:?}");
            assert!(!field.heading().is_empty());
            assert_eq!(SheetText::from_key(field.key()), Some(*field));
        }
        for list in SheetList::ALL {
            let n = entries
                .iter()
                .filter(|e| **e == SheetEntry::List { list: *list })
                .count();
            assert_eq!(n, 1, "{list:?}");
        }
        assert_eq!(
            entries
                .iter()
                .filter(|e| **e == SheetEntry::AuthorisedInterventions)
                .count(),
            1
        );
    }
}
