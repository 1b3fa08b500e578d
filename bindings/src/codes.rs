//! The words and codes of the core's fixed lists, for the apps to show, and the prone-hold rule
//! the apps alert on: each lives once, in the core (`steady_core::codes`, `s65`, `incident`);
//! these functions hand them over.

use steady_core::characteristics::CHARACTERISTICS;
use steady_core::clock::Timestamp;
use steady_core::codes::{
    DeescalationStep, IncidentTag, InjuryIndicator, RestrictiveInterventionReason,
    RestrictiveInterventionType, Role,
};
use steady_core::incident::{Incident, UseOfForce};
use steady_core::observation::{
    BodyPosition, Breathing, Consciousness, ObservationPhase, PhysicalObservation, SkinColour,
};
use steady_core::s65::S65Item;
use steady_core::sheet::{SheetList, SheetSection, SheetText};

/// The MHSDS code of a restrictive intervention type ("01" for prone, ...).
#[uniffi::export]
pub fn intervention_code(intervention: RestrictiveInterventionType) -> String {
    intervention.code().to_string()
}

/// A restrictive intervention type in plain English.
#[uniffi::export]
pub fn intervention_label(intervention: RestrictiveInterventionType) -> String {
    intervention.label().to_string()
}

/// The MHSDS code of a restrictive intervention reason ("10", ...).
#[uniffi::export]
pub fn reason_code(reason: RestrictiveInterventionReason) -> String {
    reason.code().to_string()
}

/// A restrictive intervention reason in plain English.
#[uniffi::export]
pub fn reason_label(reason: RestrictiveInterventionReason) -> String {
    reason.label().to_string()
}

/// An incident tag in plain English.
#[uniffi::export]
pub fn incident_tag_label(tag: IncidentTag) -> String {
    tag.label().to_string()
}

/// A general de-escalation step in plain English.
#[uniffi::export]
pub fn deescalation_step_label(step: DeescalationStep) -> String {
    step.label().to_string()
}

/// A role in plain English.
#[uniffi::export]
pub fn role_label(role: Role) -> String {
    role.label().to_string()
}

/// The item's letter in s.6(5) of the Mental Health Units (Use of Force) Act 2018, "a" to "p".
#[uniffi::export]
pub fn s65_item_letter(item: S65Item) -> String {
    item.letter().to_string()
}

/// What an s.6(5) item asks for, in plain words.
#[uniffi::export]
pub fn s65_item_description(item: S65Item) -> String {
    item.description().to_string()
}

/// Whether a use of force is a prone hold that has lasted (or, still running at `now`, is
/// lasting) more than 10 minutes: the core's rule, reported separately and alerted on.
#[uniffi::export]
pub fn prone_hold_over_ten_minutes(entry: UseOfForce, now: Timestamp) -> bool {
    entry.prone_over_ten_minutes(now)
}

/// When a running prone hold passes 10 minutes (schedule the alert for then when the hold
/// starts); `None` when it is not a prone hold, has not started, or has ended.
#[uniffi::export]
pub fn prone_hold_alert_at(entry: UseOfForce) -> Option<Timestamp> {
    entry.prone_alert_at()
}

/// The heading of a support sheet's text field, as every face shows it.
#[uniffi::export]
pub fn sheet_text_heading(field: SheetText) -> String {
    field.heading().to_string()
}

/// The heading of a support sheet's list, as every face shows it.
#[uniffi::export]
pub fn sheet_list_heading(list: SheetList) -> String {
    list.heading().to_string()
}

/// The heading of the restrictive interventions authorised in the care plan.
#[uniffi::export]
pub fn authorised_interventions_heading() -> String {
    steady_core::sheet::AUTHORISED_INTERVENTIONS_HEADING.to_string()
}

/// The support sheet's sections, titles and order, defined once in the core: the apps draw the
/// sheet from this and keep no copy of it.
#[uniffi::export]
pub fn sheet_layout() -> Vec<SheetSection> {
    steady_core::sheet::sheet_layout()
}

/// The most characters a text field of `kind` may hold, from the record schema the device and
/// the server both check (`None` for a field that is not text): size inputs by it.
#[uniffi::export]
pub fn max_text_chars(kind: steady_core::protocol::EntityKind, field: String) -> Option<u32> {
    steady_core::record_schema::max_chars(kind, &field).map(|n| n as u32)
}

/// The window an incident's time (when it happened) must fall in: from this instant (2000)...
#[uniffi::export]
pub fn earliest_record_time() -> Timestamp {
    Timestamp(steady_core::record_schema::EARLIEST_INSTANT_MS)
}

/// ...to this long after the clock's now (a day: a phone whose clock is hours out still
/// records, a record dated next month never does). A time picker offers nothing later.
#[uniffi::export]
pub fn latest_record_time(now: Timestamp) -> Timestamp {
    Timestamp(now.0 + steady_core::record_schema::HAPPENED_AHEAD_MS)
}

/// The words of the prone-hold alert (the local notification both apps schedule for
/// [`prone_hold_alert_at`], and the in-app banner): one set, in the core's façade, so the apps
/// keep no copy. They hold no personal data (they show on a locked screen).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProneAlertText {
    /// The notification's title: the 10-minute point, stated as the reporting split it is.
    pub title: String,
    /// The notification's body: the clinical message, then why 10 minutes is marked.
    pub body: String,
}

/// The prone-hold alert's title and body, for a running prone hold at
/// [`prone_hold_alert_at`].
///
/// Worded as ../shared/reviews/clinical-and-product-audit.md (finding 4) recommends: the
/// clinical message is "move to the least restrictive position as soon as possible; one person
/// monitors airway and breathing throughout" (DH *Positive and Proactive Care*, 2014: no
/// restraint that impacts airway, breathing or circulation; MHA Code of Practice ch. 26: no
/// planned prone restraint without cogent reasons; NICE QS154 statement 3: physical health
/// monitored during and after restraint), and 10 minutes is NHS Digital's reporting split for
/// prone restraint (Assuring Transformation, Q39b under / Q39c over 10 minutes), not a
/// clinical limit.
#[uniffi::export]
pub fn prone_hold_alert_text() -> ProneAlertText {
    ProneAlertText {
        title: "Prone hold: over 10 minutes".to_string(),
        body: "End the prone position as soon as possible: move to the least restrictive \
               position. One person monitors airway and breathing throughout. Holds over 10 \
               minutes are reported separately."
            .to_string(),
    }
}

/// The restraint flow's standing words, one set for both apps.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestraintWords {
    /// Shown from the first second of any physical hold, while it runs.
    pub monitoring: String,
    /// A prone hold past 10 minutes, as the reporting fact it is.
    pub prone_reported: String,
}

/// The words the restraint flow shows besides the alert: the one-person-monitors prompt from
/// the first second of any physical hold (NICE QS154 statement 3: physical health monitored
/// during and after restraint; *Positive and Proactive Care*, 2014: never in a way that impacts
/// on airway, breathing or circulation), and the 10-minute prone flag worded as NHS Digital's
/// reporting split, not as a clinical limit (the audit's finding 4).
#[uniffi::export]
pub fn restraint_words() -> RestraintWords {
    RestraintWords {
        monitoring: "One person monitors airway, breathing and colour throughout; move to the \
                     least restrictive position as soon as possible."
            .to_string(),
        prone_reported: "Over 10 minutes prone: reported separately".to_string(),
    }
}

/// The words of an injury answer ("Yes", "No", "Not known").
#[uniffi::export]
pub fn injury_indicator_label(indicator: InjuryIndicator) -> String {
    indicator.label().to_string()
}

/// One protected characteristic of s.6(5)(k): the `RelevantCharacteristics` field it fills
/// and its words on the form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CharacteristicLabel {
    /// The field (`age`, `religion_or_belief`, ...).
    pub name: String,
    /// The Equality Act 2010's words ("Religion or belief").
    pub label: String,
}

/// The nine protected characteristics of the Equality Act 2010 s.4, in the Act's order: the
/// questions of s.6(5)(k), so both apps ask the same ones in the same words.
#[uniffi::export]
pub fn characteristic_labels() -> Vec<CharacteristicLabel> {
    CHARACTERISTICS
        .iter()
        .map(|c| CharacteristicLabel {
            name: c.name.to_string(),
            label: c.label.to_string(),
        })
        .collect()
}

/// The words of a timeline button ("Called for support").
#[uniffi::export]
pub fn timeline_event_label(kind: steady_core::timeline::TimelineEventKind) -> String {
    kind.label().to_string()
}

/// The timeline's one-tap buttons, in the order to show them.
#[uniffi::export]
pub fn timeline_event_kinds() -> Vec<steady_core::timeline::TimelineEventKind> {
    steady_core::timeline::TimelineEventKind::ALL.to_vec()
}

/// The words of an observation's phase ("After rapid tranquillisation").
#[uniffi::export]
pub fn observation_phase_label(phase: ObservationPhase) -> String {
    phase.label().to_string()
}

/// The words of a breathing answer ("Laboured or fast").
#[uniffi::export]
pub fn breathing_label(breathing: Breathing) -> String {
    breathing.label().to_string()
}

/// The words of a colour answer ("Blue lips or fingertips").
#[uniffi::export]
pub fn skin_colour_label(colour: SkinColour) -> String {
    colour.label().to_string()
}

/// The words of an ACVPU answer, with its letter ("V: responds to voice").
#[uniffi::export]
pub fn consciousness_label(consciousness: Consciousness) -> String {
    consciousness.label().to_string()
}

/// The words of a position ("On their side").
#[uniffi::export]
pub fn body_position_label(position: BodyPosition) -> String {
    position.label().to_string()
}

/// The plausible range of each vital sign, as the core checks it: (field, least, most), e.g.
/// ("oxygen_saturation", 50, 100); temperature in tenths of a degree.
#[uniffi::export]
pub fn vital_sign_ranges() -> Vec<VitalRange> {
    steady_core::observation::VITAL_RANGES
        .iter()
        .map(|(name, least, most)| VitalRange {
            name: (*name).to_string(),
            least: *least,
            most: *most,
        })
        .collect()
}

/// One vital sign's plausible range.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VitalRange {
    /// The `PhysicalObservation` field (`pulse`, `temperature_tenths_c`, ...).
    pub name: String,
    /// The least accepted.
    pub least: u32,
    /// The most accepted.
    pub most: u32,
}

/// When the next physical observation is due after rapid tranquillisation (an hour after the
/// injection, then after each check), until one records no further concerns (NICE QS154
/// statement 4); `None` when nothing is scheduled. The apps schedule a reminder for it.
#[uniffi::export]
pub fn next_observation_due(incident: Incident) -> Option<Timestamp> {
    steady_core::observation::next_observation_due(&incident)
}

/// An observation's words as the record shows them: ("Physical observation during restraint",
/// "Breathing normal; SpO2 97%; ...").
#[uniffi::export]
pub fn observation_words(observation: PhysicalObservation) -> Vec<String> {
    let (heading, text) = observation.words();
    vec![heading, text]
}

#[cfg(test)]
mod prone_alert_text_tests {
    use super::*;

    #[test]
    fn the_alert_words_carry_the_clinical_message_and_no_personal_data() {
        let text = prone_hold_alert_text();
        assert!(text.title.contains("10 minutes"));
        assert!(text.body.contains("airway and breathing"));
        assert!(text.body.contains("as soon as possible"));
        assert!(text.body.contains("reported separately"));
    }
}
