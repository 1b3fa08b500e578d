//! What a use-of-force record must contain: the Mental Health Units (Use of Force) Act 2018,
//! section 6(5), items (a) to (p).
//!
//! In a unit flagged as a mental health unit these items must be present before a use-of-force
//! incident can be submitted; elsewhere the same list comes back as advice. The check lives here,
//! once, and works on the typed incident so the apps and the server ask the same question.

use crate::incident::Incident;
use crate::people::Person;

/// One required item of s.6(5).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum S65Item {
    /// (a) the reason for the use of force.
    Reason,
    /// (b) the place, date and duration of the use of force.
    PlaceDateDuration,
    /// (c) the type or types of force used.
    Types,
    /// (d) whether the types of force formed part of the care plan.
    InCarePlan,
    /// (e) the name of the patient.
    PatientName,
    /// (f) a description of how force was used.
    HowForceWasUsed,
    /// (g) the patient's consistent identifier.
    ConsistentIdentifier,
    /// (h) the name and job title of every member of staff who used force.
    StaffNamesAndJobTitles,
    /// (i) why anyone who was not unit staff was involved.
    NonStaffInvolvement,
    /// (j) the patient's mental disorder, if known.
    MentalDisorder,
    /// (k) the patient's relevant characteristics, if known.
    RelevantCharacteristics,
    /// (l) whether the patient has a learning disability or autism.
    LearningDisabilityOrAutism,
    /// (m) a description of the outcome.
    Outcome,
    /// (n) whether the patient died or was seriously injured.
    DeathOrSeriousInjury,
    /// (o) efforts made to avoid the use of force.
    EffortsToAvoidForce,
    /// (p) whether the people named in the care plan were notified.
    NotificationSent,
}

impl S65Item {
    /// All items, (a) to (p).
    pub const ALL: [S65Item; 16] = [
        S65Item::Reason,
        S65Item::PlaceDateDuration,
        S65Item::Types,
        S65Item::InCarePlan,
        S65Item::PatientName,
        S65Item::HowForceWasUsed,
        S65Item::ConsistentIdentifier,
        S65Item::StaffNamesAndJobTitles,
        S65Item::NonStaffInvolvement,
        S65Item::MentalDisorder,
        S65Item::RelevantCharacteristics,
        S65Item::LearningDisabilityOrAutism,
        S65Item::Outcome,
        S65Item::DeathOrSeriousInjury,
        S65Item::EffortsToAvoidForce,
        S65Item::NotificationSent,
    ];

    /// The item's letter in s.6(5), "a" to "p".
    pub fn letter(self) -> char {
        let index = S65Item::ALL.iter().position(|i| *i == self).unwrap_or(0);
        (b'a' + index as u8) as char
    }

    /// What the item asks for, in plain words.
    pub fn description(self) -> &'static str {
        match self {
            S65Item::Reason => "the reason for the use of force",
            S65Item::PlaceDateDuration => "the place, date and duration",
            S65Item::Types => "the type or types of force used",
            S65Item::InCarePlan => "whether each type of force was part of the care plan",
            S65Item::PatientName => "the name of the patient",
            S65Item::HowForceWasUsed => "a description of how force was used",
            S65Item::ConsistentIdentifier => {
                "the patient's consistent identifier: the NHS number (or 'not known')"
            }
            S65Item::StaffNamesAndJobTitles => {
                "the name and job title of each member of staff who used force"
            }
            S65Item::NonStaffInvolvement => {
                "why anyone who was not unit staff was involved (or that nobody was)"
            }
            S65Item::MentalDisorder => "the patient's mental disorder (or 'not known')",
            S65Item::RelevantCharacteristics => {
                "the patient's relevant characteristics (or 'not known')"
            }
            S65Item::LearningDisabilityOrAutism => {
                "whether the patient has a learning disability or autism"
            }
            S65Item::Outcome => "a description of the outcome",
            S65Item::DeathOrSeriousInjury => "whether the patient died or suffered serious injury",
            S65Item::EffortsToAvoidForce => "the efforts made to avoid using force",
            S65Item::NotificationSent => "whether the people named in the care plan were notified",
        }
    }

    /// "(a), (c)" for a list of items.
    pub fn letters(items: &[S65Item]) -> String {
        items
            .iter()
            .map(|i| format!("({})", i.letter()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn filled(text: &Option<String>) -> bool {
    text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// The s.6(5) items a use-of-force incident still lacks; empty when there was no use of force
/// or nothing is missing. `person` is the identified patient, if any.
pub fn missing_items(incident: &Incident, person: Option<&Person>) -> Vec<S65Item> {
    let uses = &incident.use_of_force;
    if uses.is_empty() {
        return Vec::new();
    }
    let mut missing = Vec::new();
    let mut check = |ok: bool, item: S65Item| {
        if !ok {
            missing.push(item);
        }
    };
    check(uses.iter().all(|u| u.reason.is_some()), S65Item::Reason);
    check(
        filled(&incident.place)
            && uses
                .iter()
                .all(|u| u.started_at.is_some() && u.ended_at.is_some()),
        S65Item::PlaceDateDuration,
    );
    check(true, S65Item::Types); // every entry carries its type
    check(
        uses.iter().all(|u| u.in_care_plan.is_some()),
        S65Item::InCarePlan,
    );
    // The person as frozen at submission, if the record is submitted; else as they stand.
    let subject = incident
        .subject
        .clone()
        .or_else(|| person.map(crate::incident::Subject::of));
    check(
        subject.as_ref().is_some_and(|s| !s.name.trim().is_empty()),
        S65Item::PatientName,
    );
    check(
        uses.iter().all(|u| !u.how_force_was_used.trim().is_empty()),
        S65Item::HowForceWasUsed,
    );
    // (g) is the consistent identifier of HSCA 2012 s.251A, the NHS number: a local number is
    // not one. An unidentified patient's record says "not known" explicitly.
    check(
        subject.as_ref().is_some_and(|s| {
            s.nhs_number
                .as_deref()
                .is_some_and(crate::nhs_number::is_valid)
        }) || incident.nhs_number_not_known == Some(true),
        S65Item::ConsistentIdentifier,
    );
    check(
        uses.iter().all(|u| {
            !u.staff.is_empty()
                && u.staff
                    .iter()
                    .all(|s| !s.name.trim().is_empty() && !s.job_title.trim().is_empty())
        }),
        S65Item::StaffNamesAndJobTitles,
    );
    check(
        match incident.non_staff_involved {
            Some(true) => filled(&incident.non_staff_reason),
            Some(false) => true,
            None => false,
        },
        S65Item::NonStaffInvolvement,
    );
    check(filled(&incident.mental_disorder), S65Item::MentalDisorder);
    // (k): every protected characteristic answered ("not known" is an answer), or the
    // free text of a record made before the structured answers existed.
    check(
        incident
            .characteristics
            .as_ref()
            .is_some_and(|c| c.complete())
            || filled(&incident.relevant_characteristics),
        S65Item::RelevantCharacteristics,
    );
    check(
        incident.learning_disability_or_autism.is_some(),
        S65Item::LearningDisabilityOrAutism,
    );
    check(filled(&incident.outcome), S65Item::Outcome);
    check(
        incident.death_or_serious_injury.is_some(),
        S65Item::DeathOrSeriousInjury,
    );
    check(
        !incident.deescalation.own_strategies.is_empty()
            || !incident.deescalation.general_steps.is_empty()
            || filled(&incident.deescalation.other),
        S65Item::EffortsToAvoidForce,
    );
    check(
        incident.notification_sent.is_some(),
        S65Item::NotificationSent,
    );
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_run_a_to_p() {
        assert_eq!(S65Item::Reason.letter(), 'a');
        assert_eq!(S65Item::NotificationSent.letter(), 'p');
        assert_eq!(
            S65Item::letters(&[S65Item::Types, S65Item::Outcome]),
            "(c), (m)"
        );
    }
}
