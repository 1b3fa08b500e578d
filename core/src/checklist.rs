//! Warning-sign checklists: templates, their score bands, and scoring a run.
//!
//! Staff on shift tick the signs they can see and get back a level (low, moderate, high) with
//! short guidance, so that rising distress is noticed early and the person's own "what helps" is
//! used before things escalate. Steady ships two kinds of checklist: STAMP, whose cue names come
//! from a published paper (the wording and the bands are Steady's own), and a checklist derived
//! from each person's own early warning signs. Licensed instruments (the Brøset Violence
//! Checklist, DASA, ...) are never shipped: an organisation that holds a licence imports its own
//! template as JSON, and this module checks that template strictly, naming the field at fault,
//! before anyone relies on it.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The id of the built-in STAMP template (reserved: an import may not use it).
const STAMP_ID: &str = "stamp";
/// The prefix of the ids of templates derived from a person's own warning signs (reserved).
const OWN_ID_PREFIX: &str = "own:";
/// The longest an imported template id may be, in characters.
const MAX_ID_CHARS: usize = 64;
/// The longest a template name may be, in characters.
const MAX_NAME_CHARS: usize = 120;
/// The most items a template may have.
const MAX_ITEMS: usize = 50;
/// The longest an item's text may be, in characters.
const MAX_ITEM_TEXT_CHARS: usize = 200;
/// The lowest weight an item may carry.
const MIN_WEIGHT: u32 = 1;
/// The highest weight an item may carry.
const MAX_WEIGHT: u32 = 10;
/// The most bands a template may have.
const MAX_BANDS: usize = 10;
/// The longest a band's guidance may be, in characters.
const MAX_GUIDANCE_CHARS: usize = 500;
/// The longest a source citation or licence note may be, in characters.
const MAX_NOTE_CHARS: usize = 1000;

/// The fields an imported template may have.
const TEMPLATE_FIELDS: &[&str] = &[
    "id", "version", "name", "items", "bands", "source", "licence",
];
/// The fields an imported item may have.
const ITEM_FIELDS: &[&str] = &["id", "text", "weight"];
/// The fields an imported band may have.
const BAND_FIELDS: &[&str] = &["min", "max", "level", "guidance"];

/// One observable sign on a checklist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChecklistItem {
    /// Stable id of the item within its template (what a run records as present).
    pub id: String,
    /// What staff look for, in a short sentence.
    pub text: String,
    /// What the sign adds to the score when present: 1 or more (1 when absent from JSON).
    #[serde(default = "default_weight")]
    pub weight: u32,
}

/// The weight of an item whose JSON does not give one.
fn default_weight() -> u32 {
    1
}

/// How concerning a checklist score is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BandLevel {
    /// No or few signs: carry on and keep observing.
    Low,
    /// Early signs: act on the person's own "what helps" now.
    Moderate,
    /// Several signs: follow the person's plan and call for support.
    High,
}

impl BandLevel {
    /// Whether this level should bring the person's own amber strategies up next to the result
    /// (moderate and high).
    pub fn is_concerning(&self) -> bool {
        matches!(self, Self::Moderate | Self::High)
    }
}

/// A range of scores (inclusive at both ends) with its level and what staff should do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScoreBand {
    /// The lowest score in the band.
    pub min: u32,
    /// The highest score in the band.
    pub max: u32,
    /// How concerning a score in this band is.
    pub level: BandLevel,
    /// Short, practical guidance shown with the result.
    pub guidance: String,
}

/// A checklist: its items, how scores group into bands, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChecklistTemplate {
    /// Stable id: `"stamp"`, `"own:<person id>"`, or an imported template's own id.
    pub id: String,
    /// Version of the template; a run records the version it was scored against.
    pub version: u32,
    /// Name shown to staff.
    pub name: String,
    /// The signs, in display order.
    pub items: Vec<ChecklistItem>,
    /// Score bands, from score 0 up to the highest possible score, without gaps or overlaps.
    pub bands: Vec<ScoreBand>,
    /// Citation of where the checklist comes from.
    pub source: String,
    /// Licence note: on what terms the checklist is used.
    pub licence: String,
}

impl ChecklistTemplate {
    /// The highest possible score: the sum of all item weights.
    pub fn max_score(&self) -> u32 {
        self.items
            .iter()
            .fold(0u32, |sum, item| sum.saturating_add(item.weight))
    }
}

/// The result of scoring one checklist run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChecklistScore {
    /// The sum of the weights of the signs present.
    pub score: u32,
    /// The highest possible score of the template.
    pub max_score: u32,
    /// The band the score falls in (its level and guidance).
    pub band: ScoreBand,
}

/// A band built in code.
fn band(min: u32, max: u32, level: BandLevel, guidance: &str) -> ScoreBand {
    ScoreBand {
        min,
        max,
        level,
        guidance: guidance.to_owned(),
    }
}

/// The built-in STAMP checklist (Staring, Tone, Anxiety, Mumbling, Pacing), id `"stamp"`,
/// version 1.
///
/// The five cue names come from Luck, Jackson & Usher (2007); the descriptions are Steady's own
/// wording, and the bands (0 low, 1–2 moderate, 3–5 high) are Steady's default grouping, not a
/// validated cut-off. The licence note says so, for staff and auditors to read.
pub fn stamp() -> ChecklistTemplate {
    let item = |id: &str, text: &str| ChecklistItem {
        id: id.to_owned(),
        text: text.to_owned(),
        weight: 1,
    };
    ChecklistTemplate {
        id: STAMP_ID.to_owned(),
        version: 1,
        name: "STAMP (Staring, Tone, Anxiety, Mumbling, Pacing)".to_owned(),
        items: vec![
            item(
                "staring",
                "Staring and eye contact: a fixed stare or glaring, or avoiding eye contact altogether",
            ),
            item(
                "tone",
                "Tone and volume of voice: raised, sharp, sarcastic or louder than usual",
            ),
            item(
                "anxiety",
                "Anxiety: looks tense, on edge or unable to relax; may be flushed or breathing fast",
            ),
            item(
                "mumbling",
                "Mumbling: muttering under their breath or repeating complaints quietly",
            ),
            item(
                "pacing",
                "Pacing: walking up and down or round the room, unable to settle in one place",
            ),
        ],
        bands: vec![
            band(
                0,
                0,
                BandLevel::Low,
                "No signs seen. Carry on as usual and keep observing.",
            ),
            band(
                1,
                2,
                BandLevel::Moderate,
                "Early signs present. Use this person's own 'what helps' now and keep observing.",
            ),
            band(
                3,
                5,
                BandLevel::High,
                "Several signs present. Follow the person's plan, call for support, keep yourself and others safe.",
            ),
        ],
        source: "Luck L, Jackson D, Usher K. STAMP: components of observable behaviour that \
                 indicate potential for patient violence in emergency departments. Journal of \
                 Advanced Nursing 2007;59(1):11–19."
            .to_owned(),
        licence: "The five cue names (Staring, Tone and volume of voice, Anxiety, Mumbling, \
                  Pacing) come from the published paper cited as the source. The descriptions \
                  are Steady's own wording. The score bands (0 low, 1–2 moderate, 3–5 high) are \
                  Steady's default grouping, not a validated cut-off from the paper; an \
                  organisation may replace them by importing its own template."
            .to_owned(),
    }
}

/// A checklist derived from a person's amber "early warning signs" list.
///
/// `signs` are the list's `(item id, text)` pairs in display order; each becomes an item of
/// weight 1 with the same id and (trimmed) text. The template id is `"own:<person_id>"`,
/// version 1. Bands: 0 is low, 1 up to half the signs (rounded up) is moderate, more than that
/// is high; with a single sign there is no high band.
///
/// Errors: an empty list (`warning_signs`), a blank person id (`person_id`), or a sign with a
/// blank id, a repeated id or a blank text (`warning_signs[i].id`, `warning_signs[i].text`).
pub fn own_warning_signs(person_id: &str, signs: &[(String, String)]) -> Result<ChecklistTemplate> {
    if signs.is_empty() {
        return Err(Error::invalid(
            "warning_signs",
            "the support sheet has no early warning signs to check",
        ));
    }
    if person_id.trim().is_empty() {
        return Err(Error::invalid("person_id", "must not be empty"));
    }
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    let mut items = Vec::with_capacity(signs.len());
    for (index, (id, text)) in signs.iter().enumerate() {
        let id = id.trim();
        let text = text.trim();
        if id.is_empty() {
            return Err(Error::invalid(
                format!("warning_signs[{index}].id"),
                "must not be empty",
            ));
        }
        if let Some(first) = first_index.insert(id, index) {
            return Err(Error::invalid(
                format!("warning_signs[{index}].id"),
                format!("repeats the id of warning_signs[{first}]"),
            ));
        }
        if text.is_empty() {
            return Err(Error::invalid(
                format!("warning_signs[{index}].text"),
                "must not be empty",
            ));
        }
        items.push(ChecklistItem {
            id: id.to_owned(),
            text: text.to_owned(),
            weight: 1,
        });
    }
    let count = u32::try_from(signs.len())
        .map_err(|_| Error::invalid("warning_signs", "has too many signs to score"))?;
    let moderate_max = count.div_ceil(2);
    let mut bands = vec![
        band(
            0,
            0,
            BandLevel::Low,
            "None of this person's early warning signs are showing. Carry on as usual and keep observing.",
        ),
        band(
            1,
            moderate_max,
            BandLevel::Moderate,
            "Some of this person's early warning signs are showing. Use their own 'what helps' now, avoid what they say to avoid, and keep observing.",
        ),
    ];
    if count > moderate_max {
        bands.push(band(
            moderate_max + 1,
            count,
            BandLevel::High,
            "Most or all of this person's early warning signs are showing. Follow their plan, call for support, keep yourself and others safe.",
        ));
    }
    Ok(ChecklistTemplate {
        id: format!("{OWN_ID_PREFIX}{person_id}"),
        version: 1,
        name: "Own warning signs".to_owned(),
        items,
        bands,
        source: "This person's support sheet (amber: early warning signs)".to_owned(),
        licence: "Derived from the person's own plan.".to_owned(),
    })
}

/// Reads and checks a checklist template an organisation supplies as JSON (typically a licensed
/// instrument whose items Steady does not ship).
///
/// Shape: `{"id", "version", "name", "items": [{"id", "text", "weight"?}],
/// "bands": [{"min", "max", "level", "guidance"}], "source", "licence"}`; `weight` defaults to
/// 1, `level` is `"low"`, `"moderate"` or `"high"`, and any other field is refused. Text is
/// trimmed before it is checked and stored.
///
/// Rules, each error naming its field (`id`, `items[3].text`, `bands[1].min`, ...): id of 1 to
/// 64 characters from `a-z`, `0-9`, `_`, `-`, and not `"stamp"` nor starting `"own:"`; version 1
/// or more; name of 1 to 120 characters; 1 to 50 items with non-empty, unique ids, text of 1 to
/// 200 characters and weight 1 to 10; 1 to 10 bands, each with min ≤ max and guidance of 1 to 500
/// characters, listed from score 0 up and covering exactly 0 to the sum of the weights with no
/// gap or overlap; source and licence of 1 to 1000 characters (a template without a licence note
/// is refused).
///
/// Text that is not JSON at all gives [`Error::Json`].
pub fn import_template(json: &str) -> Result<ChecklistTemplate> {
    let value: Value = serde_json::from_str(json)?;
    let template = read_template(&value)?;
    check_imported_id(&template.id)?;
    check_template(&template)?;
    Ok(template)
}

/// Scores a run of `template` in which the signs with the ids in `present` were seen.
///
/// Errors (`items_present`): an id that is not an item of the template, or an id listed twice.
/// A template whose bands do not cover the score (possible only if it was not validated) gives
/// an error naming `bands` rather than a panic.
pub fn score(template: &ChecklistTemplate, present: &[String]) -> Result<ChecklistScore> {
    let mut seen: HashSet<&str> = HashSet::with_capacity(present.len());
    let mut total = 0u32;
    for id in present {
        let item = template
            .items
            .iter()
            .find(|item| item.id == *id)
            .ok_or_else(|| {
                Error::invalid(
                    "items_present",
                    format!("{id} is not an item of {}", template.id),
                )
            })?;
        if !seen.insert(id.as_str()) {
            return Err(Error::invalid(
                "items_present",
                format!("{id} is listed more than once"),
            ));
        }
        total = total.saturating_add(item.weight);
    }
    let band = template
        .bands
        .iter()
        .find(|band| band.min <= total && total <= band.max)
        .cloned()
        .ok_or_else(|| {
            Error::invalid(
                "bands",
                format!("no band of {} covers a score of {total}", template.id),
            )
        })?;
    Ok(ChecklistScore {
        score: total,
        max_score: template.max_score(),
        band,
    })
}

// ---- reading an imported template: shape, types and unknown fields ----

/// The path of `key` inside the object at `prefix` (`""` for the top level).
fn path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `value` as an object with only `allowed` fields; `at` names it in errors (`"template"` for the
/// top level, whose fields have no prefix).
fn object<'a>(value: &'a Value, at: &str, allowed: &[&str]) -> Result<&'a Map<String, Value>> {
    let map = value
        .as_object()
        .ok_or_else(|| Error::invalid(at, "must be a JSON object"))?;
    let prefix = if at == "template" { "" } else { at };
    if let Some(unknown) = map.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(Error::invalid(
            path(prefix, unknown),
            format!("is not a known field; expected {}", allowed.join(", ")),
        ));
    }
    Ok(map)
}

/// The field `key` of `map`, which must be present.
fn required<'a>(map: &'a Map<String, Value>, prefix: &str, key: &str) -> Result<&'a Value> {
    map.get(key)
        .ok_or_else(|| Error::invalid(path(prefix, key), "is missing"))
}

/// The text field `key` of `map`, trimmed (its length is checked later).
fn text(map: &Map<String, Value>, prefix: &str, key: &str) -> Result<String> {
    required(map, prefix, key)?
        .as_str()
        .map(|text| text.trim().to_owned())
        .ok_or_else(|| Error::invalid(path(prefix, key), "must be text"))
}

/// The whole-number field at `at` (0 or more; its range is checked later).
fn whole(value: &Value, at: &str) -> Result<u32> {
    value
        .as_u64()
        .and_then(|number| u32::try_from(number).ok())
        .ok_or_else(|| Error::invalid(at, "must be a whole number, 0 or more"))
}

/// The list field `key` of `map`.
fn list<'a>(map: &'a Map<String, Value>, prefix: &str, key: &str) -> Result<&'a Vec<Value>> {
    required(map, prefix, key)?
        .as_array()
        .ok_or_else(|| Error::invalid(path(prefix, key), "must be a list"))
}

/// A template from its JSON value, checking shape and types only.
fn read_template(value: &Value) -> Result<ChecklistTemplate> {
    let map = object(value, "template", TEMPLATE_FIELDS)?;
    let id = text(map, "", "id")?;
    let version = whole(required(map, "", "version")?, "version")?;
    let name = text(map, "", "name")?;
    let items = list(map, "", "items")?
        .iter()
        .enumerate()
        .map(|(index, item)| read_item(item, &format!("items[{index}]")))
        .collect::<Result<Vec<_>>>()?;
    let bands = list(map, "", "bands")?
        .iter()
        .enumerate()
        .map(|(index, band)| read_band(band, &format!("bands[{index}]")))
        .collect::<Result<Vec<_>>>()?;
    let source = text(map, "", "source")?;
    if !map.contains_key("licence") {
        return Err(Error::invalid(
            "licence",
            "is missing; state the licence under which this checklist is used",
        ));
    }
    let licence = text(map, "", "licence")?;
    Ok(ChecklistTemplate {
        id,
        version,
        name,
        items,
        bands,
        source,
        licence,
    })
}

/// An item from its JSON value at `at`.
fn read_item(value: &Value, at: &str) -> Result<ChecklistItem> {
    let map = object(value, at, ITEM_FIELDS)?;
    let weight = match map.get("weight") {
        None => default_weight(),
        Some(weight) => whole(weight, &path(at, "weight"))?,
    };
    Ok(ChecklistItem {
        id: text(map, at, "id")?,
        text: text(map, at, "text")?,
        weight,
    })
}

/// A band from its JSON value at `at`.
fn read_band(value: &Value, at: &str) -> Result<ScoreBand> {
    let map = object(value, at, BAND_FIELDS)?;
    let level = match required(map, at, "level")?.as_str() {
        Some("low") => BandLevel::Low,
        Some("moderate") => BandLevel::Moderate,
        Some("high") => BandLevel::High,
        _ => {
            return Err(Error::invalid(
                path(at, "level"),
                "must be \"low\", \"moderate\" or \"high\"",
            ));
        }
    };
    Ok(ScoreBand {
        min: whole(required(map, at, "min")?, &path(at, "min"))?,
        max: whole(required(map, at, "max")?, &path(at, "max"))?,
        level,
        guidance: text(map, at, "guidance")?,
    })
}

// ---- checking a template's values ----

/// Checks that an imported template's id is well formed and not reserved for a built-in.
fn check_imported_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid("id", "must not be empty"));
    }
    if id == STAMP_ID || id.starts_with(OWN_ID_PREFIX) {
        return Err(Error::invalid(
            "id",
            format!(
                "is reserved for Steady's built-in checklists (\"{STAMP_ID}\", \"{OWN_ID_PREFIX}...\")"
            ),
        ));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Err(Error::invalid(
            "id",
            format!("is longer than {MAX_ID_CHARS} characters"),
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !id.chars().all(allowed) {
        return Err(Error::invalid(
            "id",
            "may contain only a-z, 0-9, '_' and '-'",
        ));
    }
    Ok(())
}

/// Checks that `text` (once trimmed) is 1 to `max` characters long.
fn check_text(field: &str, text: &str, max: usize) -> Result<()> {
    let length = text.trim().chars().count();
    if length == 0 {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if length > max {
        return Err(Error::invalid(
            field,
            format!("is {length} characters long; at most {max}"),
        ));
    }
    Ok(())
}

/// Checks every rule on a template's values except those on an imported id.
fn check_template(template: &ChecklistTemplate) -> Result<()> {
    if template.id.trim().is_empty() {
        return Err(Error::invalid("id", "must not be empty"));
    }
    if template.version < 1 {
        return Err(Error::invalid("version", "must be 1 or more"));
    }
    check_text("name", &template.name, MAX_NAME_CHARS)?;
    check_items(&template.items)?;
    check_bands(&template.bands, template.max_score())?;
    check_text("source", &template.source, MAX_NOTE_CHARS)?;
    if template.licence.trim().is_empty() {
        return Err(Error::invalid(
            "licence",
            "must state the licence under which this checklist is used",
        ));
    }
    check_text("licence", &template.licence, MAX_NOTE_CHARS)
}

/// Checks the item count, ids, texts and weights.
fn check_items(items: &[ChecklistItem]) -> Result<()> {
    if items.is_empty() {
        return Err(Error::invalid("items", "must list at least one item"));
    }
    if items.len() > MAX_ITEMS {
        return Err(Error::invalid(
            "items",
            format!("has {} items; at most {MAX_ITEMS}", items.len()),
        ));
    }
    let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let id = item.id.trim();
        if id.is_empty() {
            return Err(Error::invalid(
                format!("items[{index}].id"),
                "must not be empty",
            ));
        }
        if let Some(first) = first_index.insert(id, index) {
            return Err(Error::invalid(
                format!("items[{index}].id"),
                format!("repeats the id of items[{first}]"),
            ));
        }
        check_text(
            &format!("items[{index}].text"),
            &item.text,
            MAX_ITEM_TEXT_CHARS,
        )?;
        if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&item.weight) {
            return Err(Error::invalid(
                format!("items[{index}].weight"),
                format!(
                    "is {}; must be from {MIN_WEIGHT} to {MAX_WEIGHT}",
                    item.weight
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the band count and guidance, and that the bands cover exactly `0..=max_score` in
/// order, with no gap or overlap.
fn check_bands(bands: &[ScoreBand], max_score: u32) -> Result<()> {
    if bands.is_empty() {
        return Err(Error::invalid("bands", "must list at least one band"));
    }
    if bands.len() > MAX_BANDS {
        return Err(Error::invalid(
            "bands",
            format!("has {} bands; at most {MAX_BANDS}", bands.len()),
        ));
    }
    let mut previous: Option<&ScoreBand> = None;
    for (index, band) in bands.iter().enumerate() {
        check_text(
            &format!("bands[{index}].guidance"),
            &band.guidance,
            MAX_GUIDANCE_CHARS,
        )?;
        let min_field = format!("bands[{index}].min");
        let max_field = format!("bands[{index}].max");
        if band.min > band.max {
            return Err(Error::invalid(
                max_field,
                format!("is {}, below this band's min of {}", band.max, band.min),
            ));
        }
        if band.max > max_score {
            return Err(Error::invalid(
                max_field,
                format!(
                    "is {}, above the highest possible score of {max_score}",
                    band.max
                ),
            ));
        }
        match previous {
            None if band.min != 0 => {
                return Err(Error::invalid(
                    min_field,
                    format!(
                        "is {}; the first band must start at 0 so that every score has a band",
                        band.min
                    ),
                ));
            }
            Some(before) if band.min < before.min => {
                return Err(Error::invalid(
                    min_field,
                    format!(
                        "is {}, below bands[{}]; list the bands from the lowest score up",
                        band.min,
                        index - 1
                    ),
                ));
            }
            Some(before) if band.min <= before.max => {
                return Err(Error::invalid(
                    min_field,
                    format!(
                        "is {}, overlapping bands[{}], which ends at {}; must be {}",
                        band.min,
                        index - 1,
                        before.max,
                        before.max + 1
                    ),
                ));
            }
            Some(before) if band.min > before.max + 1 => {
                return Err(Error::invalid(
                    min_field,
                    format!(
                        "is {}, leaving scores {} to {} without a band; must be {}",
                        band.min,
                        before.max + 1,
                        band.min - 1,
                        before.max + 1
                    ),
                ));
            }
            _ => {}
        }
        previous = Some(band);
    }
    if let Some(last) = previous
        && last.max != max_score
    {
        return Err(Error::invalid(
            format!("bands[{}].max", bands.len() - 1),
            format!(
                "is {}; the last band must end at {max_score}, the highest possible score",
                last.max
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The field a validation error names, or a panic saying what came back instead.
    fn field_of<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    /// Every score from 0 to the template's highest lies in exactly one band.
    fn assert_covers_exactly(template: &ChecklistTemplate) {
        let max = template.max_score();
        for score in 0..=max {
            let containing = template
                .bands
                .iter()
                .filter(|band| band.min <= score && score <= band.max)
                .count();
            assert_eq!(containing, 1, "score {score} of {}", template.id);
        }
        assert!(template.bands.iter().all(|band| band.max <= max));
        check_bands(&template.bands, max).expect("bands pass the import rules");
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    fn signs(count: usize) -> Vec<(String, String)> {
        (1..=count)
            .map(|n| (format!("sign-{n}"), format!("Early sign number {n}")))
            .collect()
    }

    /// A neutral, made-up template (no licensed instrument's items).
    fn example() -> Value {
        json!({
            "id": "example-ward_v1",
            "version": 2,
            "name": "Example ward checklist",
            "items": [
                {"id": "raised_voice", "text": "Voice raised", "weight": 1},
                {"id": "restless", "text": "Restless, cannot settle"},
                {"id": "refusing", "text": "Refusing the usual routine", "weight": 2},
                {"id": "withdrawn", "text": "Withdrawn from others", "weight": 1}
            ],
            "bands": [
                {"min": 0, "max": 0, "level": "low", "guidance": "Carry on and keep observing."},
                {"min": 1, "max": 2, "level": "moderate", "guidance": "Use the person's own plan."},
                {"min": 3, "max": 5, "level": "high", "guidance": "Call for support."}
            ],
            "source": "Example Trust, ward checklist, 2024 (made up for tests)",
            "licence": "Used under the Example Trust's internal licence."
        })
    }

    /// Imports `example()` after `change`, returning the field the error names.
    fn import_error(change: impl FnOnce(&mut Value)) -> String {
        let mut template = example();
        change(&mut template);
        field_of(import_template(&template.to_string()))
    }

    #[test]
    fn stamp_has_five_cues_and_bands_covering_0_to_5() {
        let stamp = stamp();
        assert_eq!((stamp.id.as_str(), stamp.version), ("stamp", 1));
        let item_ids: Vec<&str> = stamp.items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(
            item_ids,
            ["staring", "tone", "anxiety", "mumbling", "pacing"]
        );
        assert_eq!(stamp.max_score(), 5);
        assert_covers_exactly(&stamp);
        check_template(&stamp).expect("STAMP keeps the template rules");
        assert!(stamp.source.contains("Luck L, Jackson D, Usher K"));
        assert!(stamp.licence.contains("not a validated cut-off"));
    }

    #[test]
    fn stamp_with_0_2_4_signs_is_low_moderate_high() {
        let stamp = stamp();
        let low = score(&stamp, &[]).expect("score");
        assert_eq!(
            (low.score, low.max_score, low.band.level),
            (0, 5, BandLevel::Low)
        );
        let moderate = score(&stamp, &ids(&["pacing", "tone"])).expect("score");
        assert_eq!(
            (moderate.score, moderate.band.level),
            (2, BandLevel::Moderate)
        );
        let high = score(&stamp, &ids(&["staring", "tone", "anxiety", "mumbling"])).expect("score");
        assert_eq!((high.score, high.band.level), (4, BandLevel::High));
        assert!(!low.band.level.is_concerning());
        assert!(moderate.band.level.is_concerning() && high.band.level.is_concerning());
    }

    #[test]
    fn own_template_from_1_2_5_signs_covers_0_to_n() {
        let one = own_warning_signs("p1", &signs(1)).expect("one sign");
        assert_covers_exactly(&one);
        let levels: Vec<_> = one.bands.iter().map(|band| band.level).collect();
        assert_eq!(levels, [BandLevel::Low, BandLevel::Moderate]);

        let two = own_warning_signs("p1", &signs(2)).expect("two signs");
        assert_covers_exactly(&two);
        let ranges: Vec<_> = two.bands.iter().map(|band| (band.min, band.max)).collect();
        assert_eq!(ranges, [(0, 0), (1, 1), (2, 2)]);

        let five = own_warning_signs("p1", &signs(5)).expect("five signs");
        assert_covers_exactly(&five);
        let ranges: Vec<_> = five.bands.iter().map(|band| (band.min, band.max)).collect();
        assert_eq!(ranges, [(0, 0), (1, 3), (4, 5)]);
        assert_eq!(five.bands[2].level, BandLevel::High);

        for template in [&one, &two, &five] {
            check_template(template).expect("own template keeps the template rules");
        }
    }

    #[test]
    fn own_template_keeps_ids_texts_and_order() {
        let list = vec![
            ("b7".to_owned(), " Rubbing hands ".to_owned()),
            ("a2".to_owned(), "Pacing the corridor".to_owned()),
        ];
        let own = own_warning_signs("sam-42", &list).expect("template");
        assert_eq!(own.id, "own:sam-42");
        assert_eq!(own.version, 1);
        assert_eq!(own.name, "Own warning signs");
        let items: Vec<(&str, &str, u32)> = own
            .items
            .iter()
            .map(|item| (item.id.as_str(), item.text.as_str(), item.weight))
            .collect();
        assert_eq!(
            items,
            [("b7", "Rubbing hands", 1), ("a2", "Pacing the corridor", 1)]
        );
        let scored = score(&own, &ids(&["a2"])).expect("score");
        assert_eq!((scored.score, scored.band.level), (1, BandLevel::Moderate));
    }

    #[test]
    fn own_template_refuses_an_empty_or_broken_list() {
        match own_warning_signs("p1", &[]) {
            Err(Error::Validation { field, rule }) => {
                assert_eq!(field, "warning_signs");
                assert_eq!(
                    rule,
                    "the support sheet has no early warning signs to check"
                );
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        let repeated = vec![
            ("x".to_owned(), "One".to_owned()),
            ("x".to_owned(), "Two".to_owned()),
        ];
        assert_eq!(
            field_of(own_warning_signs("p1", &repeated)),
            "warning_signs[1].id"
        );
        let blank = vec![("x".to_owned(), "  ".to_owned())];
        assert_eq!(
            field_of(own_warning_signs("p1", &blank)),
            "warning_signs[0].text"
        );
        assert_eq!(field_of(own_warning_signs(" ", &signs(2))), "person_id");
    }

    #[test]
    fn a_valid_synthetic_template_imports_trimmed_with_default_weight() {
        let mut template = example();
        template["name"] = json!("  Example ward checklist  ");
        template["items"][0]["text"] = json!("\tVoice raised ");
        let imported = import_template(&template.to_string()).expect("valid template");
        assert_eq!(imported.id, "example-ward_v1");
        assert_eq!(imported.version, 2);
        assert_eq!(imported.name, "Example ward checklist");
        assert_eq!(imported.items[0].text, "Voice raised");
        assert_eq!(imported.items[1].weight, 1, "weight defaults to 1");
        assert_eq!(imported.max_score(), 5);
        assert_eq!(imported.bands[2].level, BandLevel::High);
        assert_covers_exactly(&imported);

        let scored = score(&imported, &ids(&["refusing", "withdrawn"])).expect("score");
        assert_eq!((scored.score, scored.max_score), (3, 5));
        assert_eq!(scored.band.level, BandLevel::High);
    }

    #[test]
    fn imported_bands_must_not_leave_a_gap() {
        let field = import_error(|t| t["bands"][1]["min"] = json!(2));
        assert_eq!(field, "bands[1].min");
    }

    #[test]
    fn imported_bands_must_not_overlap() {
        let field = import_error(|t| t["bands"][2]["min"] = json!(2));
        assert_eq!(field, "bands[2].min");
    }

    #[test]
    fn imported_bands_must_be_in_order() {
        let field = import_error(|t| {
            t["bands"] = json!([
                {"min": 1, "max": 2, "level": "moderate", "guidance": "b"},
                {"min": 0, "max": 0, "level": "low", "guidance": "a"},
                {"min": 3, "max": 5, "level": "high", "guidance": "c"}
            ]);
        });
        assert_eq!(field, "bands[0].min");
    }

    #[test]
    fn imported_bands_must_start_at_0_and_end_at_the_highest_score() {
        assert_eq!(
            import_error(|t| {
                t.get_mut("bands")
                    .and_then(Value::as_array_mut)
                    .map(|bands| bands.remove(0));
            }),
            "bands[0].min"
        );
        assert_eq!(
            import_error(|t| t["bands"][2]["max"] = json!(4)),
            "bands[2].max"
        );
        assert_eq!(
            import_error(|t| t["bands"][2]["max"] = json!(6)),
            "bands[2].max"
        );
    }

    #[test]
    fn imported_band_min_must_not_exceed_max() {
        let field = import_error(|t| {
            t["bands"][1]["min"] = json!(2);
            t["bands"][1]["max"] = json!(1);
        });
        assert_eq!(field, "bands[1].max");
    }

    #[test]
    fn imported_item_ids_must_be_unique_and_present() {
        assert_eq!(
            import_error(|t| t["items"][3]["id"] = json!("restless")),
            "items[3].id"
        );
        assert_eq!(
            import_error(|t| t["items"][2]["id"] = json!(" ")),
            "items[2].id"
        );
    }

    #[test]
    fn imported_ids_stamp_and_own_are_reserved() {
        assert_eq!(import_error(|t| t["id"] = json!("stamp")), "id");
        assert_eq!(import_error(|t| t["id"] = json!("own:sam")), "id");
        assert_eq!(import_error(|t| t["id"] = json!("Ward Checklist")), "id");
        assert_eq!(import_error(|t| t["id"] = json!("a".repeat(65))), "id");
    }

    #[test]
    fn an_imported_template_must_state_its_licence() {
        assert_eq!(
            import_error(|t| {
                t.as_object_mut().map(|map| map.remove("licence"));
            }),
            "licence"
        );
        assert_eq!(import_error(|t| t["licence"] = json!("   ")), "licence");
        assert_eq!(import_error(|t| t["source"] = json!("")), "source");
    }

    #[test]
    fn imported_weights_run_from_1_to_10() {
        assert_eq!(
            import_error(|t| t["items"][0]["weight"] = json!(0)),
            "items[0].weight"
        );
        assert_eq!(
            import_error(|t| t["items"][0]["weight"] = json!(11)),
            "items[0].weight"
        );
        assert_eq!(
            import_error(|t| t["items"][0]["weight"] = json!(-1)),
            "items[0].weight"
        );
    }

    #[test]
    fn imported_item_and_band_counts_are_limited() {
        assert_eq!(
            import_error(|t| {
                let items: Vec<Value> = (0..51)
                    .map(|n| json!({"id": format!("i{n}"), "text": "A sign"}))
                    .collect();
                t["items"] = json!(items);
                t["bands"] = json!([{"min": 0, "max": 51, "level": "low", "guidance": "g"}]);
            }),
            "items"
        );
        assert_eq!(import_error(|t| t["items"] = json!([])), "items");
        assert_eq!(
            import_error(|t| {
                let bands: Vec<Value> = (0..=5)
                    .chain(0..5)
                    .map(|n| json!({"min": n, "max": n, "level": "low", "guidance": "g"}))
                    .collect();
                t["bands"] = json!(bands);
            }),
            "bands"
        );
        assert_eq!(import_error(|t| t["bands"] = json!([])), "bands");
    }

    #[test]
    fn imported_unknown_fields_are_refused_by_path() {
        assert_eq!(import_error(|t| t["colour"] = json!("red")), "colour");
        assert_eq!(
            import_error(|t| t["items"][1]["score"] = json!(3)),
            "items[1].score"
        );
        assert_eq!(
            import_error(|t| t["bands"][0]["colour"] = json!("green")),
            "bands[0].colour"
        );
    }

    #[test]
    fn imported_texts_have_lengths_and_levels_are_named() {
        assert_eq!(import_error(|t| t["name"] = json!("  ")), "name");
        assert_eq!(import_error(|t| t["name"] = json!("n".repeat(121))), "name");
        assert_eq!(
            import_error(|t| t["items"][2]["text"] = json!("t".repeat(201))),
            "items[2].text"
        );
        assert_eq!(
            import_error(|t| t["bands"][1]["guidance"] = json!("")),
            "bands[1].guidance"
        );
        assert_eq!(
            import_error(|t| t["bands"][1]["level"] = json!("amber")),
            "bands[1].level"
        );
        assert_eq!(import_error(|t| t["version"] = json!(0)), "version");
        assert_eq!(import_error(|t| t["version"] = json!("1")), "version");
        assert_eq!(
            import_error(|t| t["licence"] = json!("l".repeat(1001))),
            "licence"
        );
    }

    #[test]
    fn imported_text_that_is_not_a_template_is_refused_clearly() {
        assert!(matches!(import_template("{\"id\": "), Err(Error::Json(_))));
        assert_eq!(field_of(import_template("[1, 2]")), "template");
        assert_eq!(field_of(import_template("{}")), "id");
        assert_eq!(
            import_error(|t| {
                t.as_object_mut().map(|map| map.remove("bands"));
            }),
            "bands"
        );
    }

    #[test]
    fn score_rejects_unknown_and_repeated_items() {
        let stamp = stamp();
        match score(&stamp, &ids(&["pacing", "shouting"])) {
            Err(Error::Validation { field, rule }) => {
                assert_eq!(field, "items_present");
                assert_eq!(rule, "shouting is not an item of stamp");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        assert_eq!(
            field_of(score(&stamp, &ids(&["pacing", "tone", "pacing"]))),
            "items_present"
        );
    }

    #[test]
    fn score_reports_a_missing_band_instead_of_panicking() {
        let mut broken = stamp();
        broken.bands.truncate(2);
        assert_eq!(
            field_of(score(&broken, &ids(&["pacing", "tone", "anxiety"]))),
            "bands"
        );
        assert!(score(&broken, &ids(&["pacing"])).is_ok());
    }

    #[test]
    fn items_default_to_weight_1_and_templates_round_trip_through_serde() {
        let item: ChecklistItem =
            serde_json::from_str(r#"{"id": "a", "text": "A sign"}"#).expect("item");
        assert_eq!(item.weight, 1);
        let stamp = stamp();
        let json = serde_json::to_string(&stamp).expect("serialise");
        assert!(json.contains("\"level\":\"moderate\""));
        let back: ChecklistTemplate = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, stamp);
        assert_eq!(field_of(import_template(&json)), "id", "stamp is reserved");
    }
}
