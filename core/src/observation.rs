//! Physical observations during and after restraint and after rapid tranquillisation, each a
//! timestamped entry appended to the incident.
//!
//! NICE QS154 (2017) statement 3: people who are restrained have their physical health
//! monitored during and after the restraint; statement 4: after rapid tranquillisation, "side
//! effects, vital signs, hydration level and consciousness" are monitored, "at least every hour
//! until there are no further concerns". The Mental Health Act Code of Practice (2015) ch.26
//! asks that one member of staff monitors the person's airway and physical condition
//! throughout a restraint. So observations are taken from the first minute of a hold, while the
//! record is still a draft, and go on after it is submitted: each is an addendum carrying the
//! observation (appended, never edited, sealed when added), which keeps one append-only list and
//! one set of lock, trigger and seal rules for everything added to an incident over time.
//!
//! What is observed is the shape a trust's observation chart uses: breathing, colour and
//! consciousness on the ACVPU scale of NEWS2 (Royal College of Physicians, 2017), position, and
//! the vital signs — respiratory rate, oxygen saturation, pulse, blood pressure, temperature —
//! with hydration and side effects after medication. When vital signs could not be taken (the
//! person refused, it was not safe to approach), the entry says why, beside what could still be
//! seen (breathing, colour, responsiveness).
//!
//! After rapid tranquillisation the next check is due an hour after the last
//! ([`next_observation_due`]), until an observation records no further concerns: the apps
//! remind staff at that time.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::codes::RestrictiveInterventionType;
use crate::error::{Error, Result};
use crate::people::checked_text;

/// When an observation was taken, relative to the intervention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ObservationPhase {
    /// While the person is held.
    DuringRestraint,
    /// After a restraint ended.
    AfterRestraint,
    /// After rapid tranquillisation (medication given to calm the person).
    AfterRapidTranquillisation,
    /// During seclusion or segregation.
    DuringIsolation,
}

/// How the person is breathing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Breathing {
    /// Breathing normally.
    Normal,
    /// Laboured, fast, or the person says they cannot breathe.
    Laboured,
    /// Noisy: gurgling, snoring, wheeze.
    Noisy,
    /// Not breathing: release the hold and start basic life support.
    NotBreathing,
}

/// The person's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SkinColour {
    /// Their usual colour.
    Normal,
    /// Pale or grey.
    Pale,
    /// Flushed.
    Flushed,
    /// Blue around the lips or fingertips (cyanosed).
    Blue,
}

/// Level of consciousness on the ACVPU scale (NEWS2, Royal College of Physicians, 2017).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Consciousness {
    /// A: alert.
    Alert,
    /// C: new confusion.
    NewConfusion,
    /// V: responds to voice.
    Voice,
    /// P: responds to pain.
    Pain,
    /// U: unresponsive.
    Unresponsive,
}

/// The person's position at the time (a change of position is a new observation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BodyPosition {
    /// Standing.
    Standing,
    /// Seated.
    Seated,
    /// Kneeling.
    Kneeling,
    /// On their side (recovery position).
    Side,
    /// Face up.
    Supine,
    /// Face down.
    Prone,
}

impl ObservationPhase {
    /// Words for a form or a record.
    pub fn label(self) -> &'static str {
        match self {
            ObservationPhase::DuringRestraint => "During restraint",
            ObservationPhase::AfterRestraint => "After restraint",
            ObservationPhase::AfterRapidTranquillisation => "After rapid tranquillisation",
            ObservationPhase::DuringIsolation => "During seclusion or segregation",
        }
    }
}

impl Breathing {
    /// Words for a form or a record.
    pub fn label(self) -> &'static str {
        match self {
            Breathing::Normal => "Normal",
            Breathing::Laboured => "Laboured or fast",
            Breathing::Noisy => "Noisy",
            Breathing::NotBreathing => "Not breathing",
        }
    }
}

impl SkinColour {
    /// Words for a form or a record.
    pub fn label(self) -> &'static str {
        match self {
            SkinColour::Normal => "Usual colour",
            SkinColour::Pale => "Pale or grey",
            SkinColour::Flushed => "Flushed",
            SkinColour::Blue => "Blue lips or fingertips",
        }
    }
}

impl Consciousness {
    /// Words for a form or a record, with the ACVPU letter.
    pub fn label(self) -> &'static str {
        match self {
            Consciousness::Alert => "A: alert",
            Consciousness::NewConfusion => "C: new confusion",
            Consciousness::Voice => "V: responds to voice",
            Consciousness::Pain => "P: responds to pain",
            Consciousness::Unresponsive => "U: unresponsive",
        }
    }
}

impl BodyPosition {
    /// Words for a form or a record.
    pub fn label(self) -> &'static str {
        match self {
            BodyPosition::Standing => "Standing",
            BodyPosition::Seated => "Seated",
            BodyPosition::Kneeling => "Kneeling",
            BodyPosition::Side => "On their side",
            BodyPosition::Supine => "Face up",
            BodyPosition::Prone => "Face down",
        }
    }
}

/// One set of observations, as taken.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhysicalObservation {
    /// When they were taken (the moment of the call when not given; never in the future).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub observed_at: Option<Timestamp>,
    /// During or after what.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phase: Option<ObservationPhase>,
    /// Breathing.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub breathing: Option<Breathing>,
    /// Colour.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub colour: Option<SkinColour>,
    /// Consciousness (ACVPU).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub consciousness: Option<Consciousness>,
    /// Position.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub position: Option<BodyPosition>,
    /// Breaths per minute.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub respiratory_rate: Option<u32>,
    /// Oxygen saturation, %.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub oxygen_saturation: Option<u32>,
    /// Pulse, beats per minute.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pulse: Option<u32>,
    /// Systolic blood pressure, mmHg.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub systolic_bp: Option<u32>,
    /// Diastolic blood pressure, mmHg.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub diastolic_bp: Option<u32>,
    /// Temperature in tenths of a degree Celsius (368 is 36.8 °C).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub temperature_tenths_c: Option<u32>,
    /// Hydration (drinking, refused fluids, dry mouth...).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub hydration: Option<String>,
    /// Side effects seen after medication (stiffness, tremor, over-sedation...).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub side_effects: Option<String>,
    /// Why vital signs were not taken (refused, not safe to approach...).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub not_taken_because: Option<String>,
    /// Anything else.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub note: Option<String>,
    /// The person's physical health raises no further concerns: the hourly checks after rapid
    /// tranquillisation may stop (NICE QS154 statement 4).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub no_further_concerns: Option<bool>,
}

/// How often physical observations are due after rapid tranquillisation: "at least every hour
/// until there are no further concerns about their physical status" (NICE QS154, statement 4).
pub const AFTER_RAPID_TRANQUILLISATION_EVERY_MINUTES: i64 = 60;

/// When the next physical observation is due on `incident`: an hour after rapid
/// tranquillisation, then an hour after each observation taken since, until one records no
/// further concerns; `None` when no rapid tranquillisation is recorded or the checks have
/// ended. (During a physical hold monitoring is continuous, so nothing is scheduled for it.)
pub fn next_observation_due(incident: &crate::incident::Incident) -> Option<Timestamp> {
    let given = incident
        .use_of_force
        .iter()
        .filter(|u| {
            u.intervention == RestrictiveInterventionType::ChemicalInjectionRapidTranquillisation
        })
        .filter_map(|u| u.started_at.or(u.ended_at))
        .max()?;
    let since: Vec<&PhysicalObservation> = incident
        .observations()
        .filter(|o| o.observed_at.is_some_and(|t| t >= given))
        .collect();
    if since.iter().any(|o| o.no_further_concerns == Some(true)) {
        return None;
    }
    let last = since
        .iter()
        .filter_map(|o| o.observed_at)
        .max()
        .unwrap_or(given);
    Some(last.plus_minutes(AFTER_RAPID_TRANQUILLISATION_EVERY_MINUTES))
}

/// The plausible range of each vital sign, as `(name, least, most)`: a value outside is a
/// typing slip, refused with the range, not a finding.
pub const VITAL_RANGES: [(&str, u32, u32); 6] = [
    ("respiratory_rate", 0, 80),
    ("oxygen_saturation", 50, 100),
    ("pulse", 0, 300),
    ("systolic_bp", 40, 300),
    ("diastolic_bp", 20, 200),
    ("temperature_tenths_c", 250, 450),
];

/// The longest text of an observation (hydration, side effects, why not taken, note).
pub const OBSERVATION_TEXT_CHARS: usize = 500;

impl PhysicalObservation {
    fn vitals(&self) -> [Option<u32>; 6] {
        [
            self.respiratory_rate,
            self.oxygen_saturation,
            self.pulse,
            self.systolic_bp,
            self.diastolic_bp,
            self.temperature_tenths_c,
        ]
    }

    fn texts(&self) -> [(&'static str, &Option<String>); 4] {
        [
            ("hydration", &self.hydration),
            ("side_effects", &self.side_effects),
            ("not_taken_because", &self.not_taken_because),
            ("note", &self.note),
        ]
    }

    /// The first rule the observation breaks, as `(field, rule)`: no observation at all, a
    /// vital sign out of range, a text too long, a time in the future. The one check the
    /// device applies when it is taken and the server applies when it arrives.
    pub fn problem(&self, now: Timestamp) -> Option<(String, String)> {
        let observed_anything = self.breathing.is_some()
            || self.colour.is_some()
            || self.consciousness.is_some()
            || self.position.is_some()
            || self.vitals().iter().any(Option::is_some)
            || self.texts().iter().any(|(_, t)| t.is_some())
            || self.no_further_concerns.is_some();
        if !observed_anything {
            return Some((
                "observation".into(),
                "record at least one observation, or why they were not taken".into(),
            ));
        }
        if self.phase.is_none() {
            return Some((
                "observation.phase".into(),
                "say whether this is during or after restraint, or after rapid tranquillisation"
                    .into(),
            ));
        }
        for (value, (name, least, most)) in self.vitals().into_iter().zip(VITAL_RANGES) {
            if let Some(v) = value
                && !(least..=most).contains(&v)
            {
                return Some((
                    format!("observation.{name}"),
                    format!("from {least} to {most}"),
                ));
            }
        }
        if let (Some(s), Some(d)) = (self.systolic_bp, self.diastolic_bp)
            && d >= s
        {
            return Some((
                "observation.diastolic_bp".into(),
                "lower than the systolic pressure".into(),
            ));
        }
        for (name, text) in self.texts() {
            if let Some(t) = text {
                let chars = t.chars().count();
                if t.trim().is_empty() || t.trim() != t || chars > OBSERVATION_TEXT_CHARS {
                    return Some((
                        format!("observation.{name}"),
                        format!(
                            "text with no surrounding space, at most {OBSERVATION_TEXT_CHARS} \
                             characters"
                        ),
                    ));
                }
            }
        }
        if self.observed_at.is_some_and(|t| t > now) {
            return Some((
                "observation.observed_at".into(),
                "must not be in the future".into(),
            ));
        }
        None
    }

    /// The observation as the user gave it, trimmed and checked; timed now when not given.
    pub(crate) fn checked(mut self, now: Timestamp) -> Result<PhysicalObservation> {
        for (name, text) in [
            ("observation.hydration", &mut self.hydration),
            ("observation.side_effects", &mut self.side_effects),
            ("observation.not_taken_because", &mut self.not_taken_because),
            ("observation.note", &mut self.note),
        ] {
            *text = checked_text(
                name,
                text.as_deref().unwrap_or(""),
                OBSERVATION_TEXT_CHARS,
                false,
            )?;
        }
        self.observed_at.get_or_insert(now);
        match self.problem(now) {
            Some((field, rule)) => Err(Error::invalid(field, rule)),
            None => Ok(self),
        }
    }

    /// The addendum's words, so every reader (console, export, an older app) shows it:
    /// ("Physical observation during restraint", "Breathing normal; SpO2 97%; ...").
    pub fn words(&self) -> (String, String) {
        let phase = match self.phase {
            Some(ObservationPhase::DuringRestraint) | None => "during restraint",
            Some(ObservationPhase::AfterRestraint) => "after restraint",
            Some(ObservationPhase::AfterRapidTranquillisation) => "after rapid tranquillisation",
            Some(ObservationPhase::DuringIsolation) => "during seclusion or segregation",
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(b) = self.breathing {
            parts.push(format!("Breathing {}", words_of(b)));
        }
        if let Some(c) = self.colour {
            parts.push(format!("Colour {}", words_of(c)));
        }
        if let Some(c) = self.consciousness {
            parts.push(format!("Consciousness {}", words_of(c)));
        }
        if let Some(p) = self.position {
            parts.push(format!("Position {}", words_of(p)));
        }
        let unit = |v: Option<u32>, f: &dyn Fn(u32) -> String| v.map(f);
        parts.extend(unit(self.respiratory_rate, &|v| format!("RR {v}/min")));
        parts.extend(unit(self.oxygen_saturation, &|v| format!("SpO2 {v}%")));
        parts.extend(unit(self.pulse, &|v| format!("Pulse {v}/min")));
        match (self.systolic_bp, self.diastolic_bp) {
            (Some(s), Some(d)) => parts.push(format!("BP {s}/{d} mmHg")),
            (Some(s), None) => parts.push(format!("BP systolic {s} mmHg")),
            (None, Some(d)) => parts.push(format!("BP diastolic {d} mmHg")),
            (None, None) => {}
        }
        parts.extend(unit(self.temperature_tenths_c, &|v| {
            format!("Temp {}.{} °C", v / 10, v % 10)
        }));
        if self.no_further_concerns == Some(true) {
            parts.push("No further concerns".to_string());
        }
        for (label, text) in [
            ("Hydration", &self.hydration),
            ("Side effects", &self.side_effects),
            ("Not taken", &self.not_taken_because),
            ("Note", &self.note),
        ] {
            if let Some(t) = text {
                parts.push(format!("{label}: {t}"));
            }
        }
        (format!("Physical observation {phase}"), parts.join("; "))
    }
}

/// A code's words: its wire form with spaces ("not_breathing" → "not breathing").
fn words_of<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken() -> PhysicalObservation {
        PhysicalObservation {
            phase: Some(ObservationPhase::DuringRestraint),
            breathing: Some(Breathing::Normal),
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_observation_or_one_without_a_phase_is_refused() {
        let now = Timestamp(1_800_000_000_000);
        let empty = PhysicalObservation {
            phase: Some(ObservationPhase::AfterRestraint),
            ..Default::default()
        };
        assert_eq!(empty.problem(now).unwrap().0, "observation");
        let no_phase = PhysicalObservation {
            pulse: Some(80),
            ..Default::default()
        };
        assert_eq!(no_phase.problem(now).unwrap().0, "observation.phase");
        assert_eq!(taken().problem(now), None);
    }

    #[test]
    fn vital_signs_out_of_range_are_refused_with_the_range() {
        let now = Timestamp(1_800_000_000_000);
        let slip = PhysicalObservation {
            oxygen_saturation: Some(970),
            ..taken()
        };
        assert_eq!(
            slip.problem(now),
            Some((
                "observation.oxygen_saturation".into(),
                "from 50 to 100".into()
            ))
        );
        let inverted = PhysicalObservation {
            systolic_bp: Some(80),
            diastolic_bp: Some(120),
            ..taken()
        };
        assert_eq!(inverted.problem(now).unwrap().0, "observation.diastolic_bp");
        let future = PhysicalObservation {
            observed_at: Some(Timestamp(now.0 + 1)),
            ..taken()
        };
        assert_eq!(future.problem(now).unwrap().0, "observation.observed_at");
    }

    #[test]
    fn the_words_read_like_an_observation_chart() {
        let o = PhysicalObservation {
            phase: Some(ObservationPhase::AfterRapidTranquillisation),
            consciousness: Some(Consciousness::Voice),
            respiratory_rate: Some(14),
            oxygen_saturation: Some(96),
            systolic_bp: Some(118),
            diastolic_bp: Some(76),
            temperature_tenths_c: Some(368),
            hydration: Some("Drinking water".into()),
            ..Default::default()
        };
        let (reason, text) = o.words();
        assert_eq!(reason, "Physical observation after rapid tranquillisation");
        assert_eq!(
            text,
            "Consciousness voice; RR 14/min; SpO2 96%; BP 118/76 mmHg; Temp 36.8 °C; \
             Hydration: Drinking water"
        );
    }
}
