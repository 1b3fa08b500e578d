//! Monitoring as part of the record, and a sound s.6(5)(k) (issue 15, items 2 and 4): physical
//! observations are taken from the first minute of a hold on the draft and go on after it is
//! submitted, each appended and sealed; the person's relevant characteristics are nine answers,
//! not a line of text; injuries are asked yes / no / not known. All data is invented.

mod common;

use common::*;
use steady_core::Error;
use steady_core::characteristics::{Answer, RelevantCharacteristics};
use steady_core::codes::{
    DeescalationStep, InjuryIndicator, RestrictiveInterventionReason, RestrictiveInterventionType,
    Role,
};
use steady_core::incident::{Deescalation, IncidentDetails, QuickCapture, UseOfForce};
use steady_core::observation::{
    Breathing, Consciousness, ObservationPhase, PhysicalObservation, SkinColour,
};
use steady_core::s65::S65Item;
use steady_core::store::StaffMember;

/// A standing hold on Sam on a ward, running from the start of the shift.
fn a_hold_on_the_ward(f: &Fixture) -> (String, String) {
    f.store
        .apply_grants(&[grant("ward", Role::Editor, true, None)])
        .unwrap();
    let sam = sam(&f.store, "ward");
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward".into(),
            person_id: Some(sam.clone()),
            note: "Hit out at a nurse in the corridor".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    let hold = f
        .store
        .add_use_of_force(
            &incident,
            UseOfForce {
                id: String::new(),
                intervention: RestrictiveInterventionType::PhysicalStanding,
                reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
                started_at: Some(SHIFT_START),
                ended_at: None,
                in_care_plan: Some(true),
                how_force_was_used: "Two staff, standing hold, upper arms".into(),
                staff: vec![StaffMember {
                    name: "Alex Morgan".into(),
                    job_title: "Support worker".into(),
                }],
                contraindication_override: None,
            },
        )
        .unwrap();
    (incident, hold)
}

fn breathing_normally() -> PhysicalObservation {
    PhysicalObservation {
        phase: Some(ObservationPhase::DuringRestraint),
        breathing: Some(Breathing::Normal),
        colour: Some(SkinColour::Normal),
        consciousness: Some(Consciousness::Alert),
        ..PhysicalObservation::default()
    }
}

fn every_other_s65_item(f: &Fixture, incident: &str, hold: &str) {
    let mut ended = f.store.incident(incident).unwrap().use_of_force[0].clone();
    assert_eq!(ended.id, hold);
    ended.ended_at = Some(SHIFT_START.plus_minutes(4));
    f.store.update_use_of_force(incident, ended).unwrap();
    f.store
        .update_incident(
            incident,
            IncidentDetails {
                place: Some("Corridor".into()),
                non_staff_involved: Some(false),
                mental_disorder: Some("Not known".into()),
                learning_disability_or_autism: Some(false),
                outcome: Some("Settled in his room".into()),
                death_or_serious_injury: Some(false),
                notification_sent: Some(true),
                deescalation: Some(Deescalation {
                    general_steps: vec![DeescalationStep::GiveSpace],
                    ..Deescalation::default()
                }),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
}

fn nine_answers() -> RelevantCharacteristics {
    RelevantCharacteristics {
        age: Some(Answer::Stated { value: "34".into() }),
        disability: Some(Answer::NotKnown),
        gender_reassignment: Some(Answer::PrefersNotToSay),
        marriage_and_civil_partnership: Some(Answer::NotKnown),
        pregnancy_and_maternity: Some(Answer::Stated {
            value: "Not pregnant".into(),
        }),
        race: Some(Answer::Stated {
            value: "Black British — Caribbean".into(),
        }),
        religion_or_belief: Some(Answer::PrefersNotToSay),
        sex: Some(Answer::Stated {
            value: "Male".into(),
        }),
        sexual_orientation: Some(Answer::PrefersNotToSay),
    }
}

#[test]
fn observations_are_taken_on_the_draft_from_the_first_minute_and_after_submission() {
    let f = fixture();
    let (incident, hold) = a_hold_on_the_ward(&f);

    // Minute one of the hold: the draft takes an observation.
    f.clock.advance_minutes(1);
    let first = f
        .store
        .add_physical_observation(&incident, breathing_normally())
        .unwrap();
    f.clock.advance_minutes(2);
    f.store
        .add_physical_observation(
            &incident,
            PhysicalObservation {
                breathing: Some(Breathing::Laboured),
                oxygen_saturation: Some(93),
                pulse: Some(118),
                ..breathing_normally()
            },
        )
        .unwrap();

    every_other_s65_item(&f, &incident, &hold);
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                characteristics: Some(nine_answers()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    f.store.submit_incident(&incident).unwrap();

    // An hour after, the check that follows is added to the submitted record.
    f.clock.advance_minutes(60);
    f.store
        .add_physical_observation(
            &incident,
            PhysicalObservation {
                phase: Some(ObservationPhase::AfterRestraint),
                respiratory_rate: Some(16),
                systolic_bp: Some(124),
                diastolic_bp: Some(80),
                temperature_tenths_c: Some(368),
                ..PhysicalObservation::default()
            },
        )
        .unwrap();

    let record = f.store.incident(&incident).unwrap();
    let taken: Vec<_> = record.observations().collect();
    assert_eq!(taken.len(), 3);
    assert_eq!(
        taken[0].observed_at,
        Some(SHIFT_START.plus_minutes(1)),
        "timed when taken"
    );
    assert_eq!(taken[1].oxygen_saturation, Some(93));
    assert_eq!(taken[2].phase, Some(ObservationPhase::AfterRestraint));
    let first_entry = record.addenda.iter().find(|a| a.id == first).unwrap();
    assert_eq!(first_entry.author, "Alex Morgan");
    assert_eq!(first_entry.reason, "Physical observation during restraint");
    assert_eq!(
        first_entry.text,
        "Breathing normal; Colour normal; Consciousness alert"
    );

    // Each is sealed when added, so the record verifies with all three.
    let check = f.store.verify_records().unwrap();
    assert_eq!(check.sealed_incidents, 1);
    assert_eq!(check.sealed_addenda, 3);
}

#[test]
fn an_observation_out_of_range_or_empty_is_refused_and_changes_nothing() {
    let f = fixture();
    let (incident, _) = a_hold_on_the_ward(&f);
    let before = f.store.incident(&incident).unwrap();

    let slip = f.store.add_physical_observation(
        &incident,
        PhysicalObservation {
            oxygen_saturation: Some(970),
            ..breathing_normally()
        },
    );
    match slip {
        Err(Error::Validation { field, rule }) => {
            assert_eq!(field, "observation.oxygen_saturation");
            assert_eq!(rule, "from 50 to 100");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let empty = f.store.add_physical_observation(
        &incident,
        PhysicalObservation {
            phase: Some(ObservationPhase::DuringRestraint),
            ..PhysicalObservation::default()
        },
    );
    assert!(matches!(empty, Err(Error::Validation { field, .. }) if field == "observation"));
    let later = f.store.add_physical_observation(
        &incident,
        PhysicalObservation {
            observed_at: Some(SHIFT_START.plus_minutes(30)),
            ..breathing_normally()
        },
    );
    assert!(
        matches!(later, Err(Error::Validation { field, .. }) if field == "observation.observed_at")
    );
    assert_eq!(f.store.incident(&incident).unwrap(), before);
}

#[test]
fn a_plain_addendum_still_waits_for_the_submission() {
    let f = fixture();
    let (incident, _) = a_hold_on_the_ward(&f);
    let early = f
        .store
        .add_addendum(&incident, "Correction", "It was 14:05");
    assert!(matches!(early, Err(Error::Validation { field, .. }) if field == "incident"));
}

#[test]
fn a_reader_in_the_unit_records_observations_but_not_addenda_on_anothers_record() {
    let f = fixture();
    let (incident, hold) = a_hold_on_the_ward(&f);
    every_other_s65_item(&f, &incident, &hold);
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                characteristics: Some(nine_answers()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    f.store.submit_incident(&incident).unwrap();
    // The phone changes hands: a bank nurse, a reader on the ward, monitors afterwards.
    f.store
        .set_staff_member(StaffMember {
            name: "Jo Bank".into(),
            job_title: "Bank nurse".into(),
        })
        .unwrap();
    f.store
        .apply_grants(&[grant("ward", Role::Reader, true, None)])
        .unwrap();
    f.store
        .add_physical_observation(
            &incident,
            PhysicalObservation {
                phase: Some(ObservationPhase::AfterRestraint),
                pulse: Some(84),
                ..PhysicalObservation::default()
            },
        )
        .unwrap();
    let words = f
        .store
        .add_addendum(&incident, "Correction", "It was the day room");
    assert!(matches!(words, Err(Error::NotAllowed(_))), "{words:?}");
    let record = f.store.incident(&incident).unwrap();
    assert_eq!(record.observations().count(), 1);
    assert_eq!(record.addenda[0].author, "Jo Bank");
}

#[test]
fn relevant_characteristics_are_nine_answers_and_eight_are_not_enough() {
    let f = fixture();
    let (incident, hold) = a_hold_on_the_ward(&f);
    every_other_s65_item(&f, &incident, &hold);
    let eight = RelevantCharacteristics {
        sexual_orientation: None,
        ..nine_answers()
    };
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                characteristics: Some(eight),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    assert_eq!(
        f.store.missing_use_of_force_items(&incident).unwrap(),
        vec![S65Item::RelevantCharacteristics]
    );
    assert!(matches!(
        f.store.submit_incident(&incident),
        Err(Error::IncompleteUseOfForce { missing }) if missing == vec![S65Item::RelevantCharacteristics]
    ));

    // An empty stated answer is refused by name, and nothing changes.
    let blank = RelevantCharacteristics {
        race: Some(Answer::Stated { value: "  ".into() }),
        ..nine_answers()
    };
    let refused = f.store.update_incident(
        &incident,
        IncidentDetails {
            characteristics: Some(blank),
            ..IncidentDetails::default()
        },
    );
    assert!(
        matches!(refused, Err(Error::Validation { field, .. }) if field == "characteristics.race")
    );

    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                characteristics: Some(nine_answers()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    assert!(
        f.store
            .missing_use_of_force_items(&incident)
            .unwrap()
            .is_empty()
    );
    f.store.submit_incident(&incident).unwrap();
    let record = f.store.incident(&incident).unwrap();
    assert_eq!(record.characteristics, Some(nine_answers()));
    assert!(
        record
            .characteristics
            .unwrap()
            .summary()
            .starts_with("Age: 34; Disability: not known; Gender reassignment: prefers not to say")
    );
}

#[test]
fn injuries_are_asked_yes_no_or_not_known_and_kept_as_answered() {
    let f = fixture();
    let (incident, _) = a_hold_on_the_ward(&f);
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                injured_person: Some(InjuryIndicator::NotKnown),
                injured_staff: Some(InjuryIndicator::Yes),
                injured_others: Some(InjuryIndicator::No),
                injuries_person: Some("Not checked: refused".into()),
                injuries_staff: Some("Scratch to a forearm".into()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    let record = f.store.incident(&incident).unwrap();
    assert_eq!(record.injured_person, Some(InjuryIndicator::NotKnown));
    assert_eq!(record.injured_staff, Some(InjuryIndicator::Yes));
    assert_eq!(record.injured_others, Some(InjuryIndicator::No));
    assert_eq!(
        record.injuries_person.as_deref(),
        Some("Not checked: refused")
    );
}

#[test]
fn after_rapid_tranquillisation_the_next_check_is_due_hourly_until_no_further_concerns() {
    use steady_core::observation::next_observation_due;
    let f = fixture();
    let (incident, _) = a_hold_on_the_ward(&f);
    assert_eq!(
        next_observation_due(&f.store.incident(&incident).unwrap()),
        None,
        "a physical hold is monitored throughout, not on a schedule"
    );
    f.clock.advance_minutes(10);
    f.store
        .add_use_of_force(
            &incident,
            UseOfForce {
                id: String::new(),
                intervention: RestrictiveInterventionType::ChemicalInjectionRapidTranquillisation,
                reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
                started_at: Some(SHIFT_START.plus_minutes(10)),
                ended_at: Some(SHIFT_START.plus_minutes(10)),
                in_care_plan: Some(true),
                how_force_was_used: "Injection, as prescribed".into(),
                staff: vec![],
                contraindication_override: None,
            },
        )
        .unwrap();
    let due = |f: &Fixture| next_observation_due(&f.store.incident(&incident).unwrap());
    assert_eq!(due(&f), Some(SHIFT_START.plus_minutes(70)));

    f.clock.advance_minutes(55);
    let hourly = PhysicalObservation {
        phase: Some(ObservationPhase::AfterRapidTranquillisation),
        consciousness: Some(Consciousness::Voice),
        pulse: Some(72),
        ..PhysicalObservation::default()
    };
    f.store
        .add_physical_observation(&incident, hourly.clone())
        .unwrap();
    assert_eq!(due(&f), Some(SHIFT_START.plus_minutes(125)));

    f.clock.advance_minutes(60);
    f.store
        .add_physical_observation(
            &incident,
            PhysicalObservation {
                consciousness: Some(Consciousness::Alert),
                no_further_concerns: Some(true),
                ..hourly
            },
        )
        .unwrap();
    assert_eq!(due(&f), None, "the checks end with no further concerns");
}

#[test]
fn a_crew_taps_the_moments_of_a_call_and_the_hospital_identifies_the_patient_later() {
    use steady_core::incident::Identification;
    use steady_core::timeline::{NewTimelineEvent, TimelineEventKind as K};
    let f = fixture();
    f.store
        .apply_grants(&[grant("hems", Role::Reader, false, None)])
        .unwrap();
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "hems".into(),
            unidentified_person: Some("Man, about 40, roadside".into()),
            note: "Agitated after a fall from a bike".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    let tap = |kind: K, minutes: i64| NewTimelineEvent {
        kind,
        at: Some(SHIFT_START.plus_minutes(minutes)),
        who: None,
        note: None,
    };
    f.clock.advance_minutes(40);
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                job_reference: Some("CAD-2611-0042".into()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    f.store
        .add_timeline_event(&incident, tap(K::Arrived, 0))
        .unwrap();
    f.store
        .add_timeline_event(&incident, tap(K::Sedation, 20))
        .unwrap();
    // Tapped late: placed by when it happened.
    f.store
        .add_timeline_event(&incident, tap(K::VerbalDeescalation, 5))
        .unwrap();
    f.store
        .add_timeline_event(
            &incident,
            NewTimelineEvent {
                who: Some("Second crew".into()),
                ..tap(K::SupportArrived, 12)
            },
        )
        .unwrap();
    let other = f.store.add_timeline_event(&incident, tap(K::Other, 30));
    assert!(matches!(other, Err(Error::Validation { field, .. }) if field == "timeline.note"));
    let ahead = f.store.add_timeline_event(&incident, tap(K::Handover, 41));
    assert!(matches!(ahead, Err(Error::Validation { field, .. }) if field == "timeline.at"));

    let record = f.store.incident(&incident).unwrap();
    let kinds: Vec<K> = record.timeline.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            K::Arrived,
            K::VerbalDeescalation,
            K::SupportArrived,
            K::Sedation
        ]
    );
    assert_eq!(record.timeline[2].who.as_deref(), Some("Second crew"));
    assert_eq!(record.timeline[0].author, "Alex Morgan");
    assert_eq!(record.job_reference.as_deref(), Some("CAD-2611-0042"));

    f.store.submit_incident(&incident).unwrap();
    assert!(matches!(
        f.store.add_timeline_event(&incident, tap(K::Handover, 35)),
        Err(Error::Locked(_))
    ));
    // The receiving hospital identifies him the next day.
    let bad = f.store.identify_patient(
        &incident,
        Identification {
            hospital: "Synthetic General".into(),
            hospital_identifier: None,
            nhs_number: Some("999 000 0001".into()),
        },
    );
    assert!(
        matches!(bad, Err(Error::Validation { field, .. }) if field == "identified.nhs_number")
    );
    f.store
        .identify_patient(
            &incident,
            Identification {
                hospital: "Synthetic General".into(),
                hospital_identifier: Some("SG-77812".into()),
                nhs_number: Some(steady_core::nhs_number::synthetic(9)),
            },
        )
        .unwrap();
    let record = f.store.incident(&incident).unwrap();
    let identified = record.addenda[0].identified.as_ref().unwrap();
    assert_eq!(identified.hospital_identifier.as_deref(), Some("SG-77812"));
    assert_eq!(
        record.unidentified_person.as_deref(),
        Some("Man, about 40, roadside"),
        "the sealed record keeps what was known at the time"
    );
    assert_eq!(f.store.verify_records().unwrap().sealed_addenda, 1);
}
