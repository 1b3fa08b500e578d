//! Synthetic incidents for the figures' unit tests: one unit, one person, no real data.

use chrono::{DateTime, NaiveDate};
use steady_core::StaffMember;
use steady_core::clock::Timestamp;
use steady_core::codes::{RestrictiveInterventionReason, RestrictiveInterventionType};
use steady_core::incident::{
    Addendum, Deescalation, Incident, IncidentStatus, PostIncidentReview, ReviewWith, UseOfForce,
};

/// An instant from an RFC 3339 string.
pub fn at(text: &str) -> Timestamp {
    Timestamp(
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .timestamp_millis(),
    )
}

/// A date from `YYYY-MM-DD`.
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

/// The `now` most tests use: after every month they look at.
pub const NOW: &str = "2026-12-15T12:00:00Z";

/// A synthetic incident in unit `u-1`, draft, no tags, no force.
pub fn incident(id: &str, occurred_at: &str) -> Incident {
    Incident {
        id: id.into(),
        unit_id: "u-1".into(),
        status: IncidentStatus::Draft,
        occurred_at: at(occurred_at),
        recorded_by: "Synthetic Worker".into(),
        person_id: Some("p-1".into()),
        person_name: Some("Sam Example".into()),
        unidentified_person: None,
        note: "synthetic note".into(),
        tags: vec![],
        place: None,
        deescalation: Deescalation::default(),
        use_of_force: vec![],
        non_staff_involved: None,
        non_staff_reason: None,
        mental_disorder: None,
        relevant_characteristics: None,
        learning_disability_or_autism: None,
        injuries_person: None,
        injuries_staff: None,
        injuries_others: None,
        outcome: None,
        death_or_serious_injury: None,
        debrief_person: None,
        debrief_staff: None,
        notification_sent: None,
        submitted_at: None,
        addenda: vec![],
        unreadable: vec![],
        subject: None,
        nhs_number_not_known: None,
        characteristics: None,
        injured_person: None,
        injured_staff: None,
        injured_others: None,
        timeline: vec![],
        job_reference: None,
    }
}

/// A use of force of `kind`, reason 10, in the care plan, two staff named.
pub fn force(
    id: &str,
    kind: RestrictiveInterventionType,
    start: Option<&str>,
    end: Option<&str>,
) -> UseOfForce {
    UseOfForce {
        id: id.into(),
        intervention: kind,
        reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
        started_at: start.map(at),
        ended_at: end.map(at),
        in_care_plan: Some(true),
        how_force_was_used: "synthetic".into(),
        staff: vec![
            StaffMember {
                name: "A Worker".into(),
                job_title: "Nurse".into(),
            },
            StaffMember {
                name: "B Worker".into(),
                job_title: "HCA".into(),
            },
        ],
        contraindication_override: None,
    }
}

/// A post-incident review recorded after the submission, as an addendum.
pub fn review(with: ReviewWith, held: bool, on: &str, why_not: Option<&str>) -> Addendum {
    Addendum {
        id: format!("a-{on}"),
        author: "Priya Shah".into(),
        job_title: "Ward manager".into(),
        at: at(on),
        reason: "Post-incident review".into(),
        text: "Review.".into(),
        review: Some(PostIncidentReview {
            with,
            held,
            held_at: held.then(|| at(on)),
            who: "keyworker".into(),
            why_not: why_not.map(str::to_string),
            wellbeing_offered: None,
            note: String::new(),
        }),
        observation: None,
        identified: None,
        proposal: None,
    }
}
