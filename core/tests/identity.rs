//! A sound s.6(5) record (issue 15, item 4): (g) is the NHS number — a consistent identifier of
//! general application, checked by its check digit — never a local number, with "not known" an
//! explicit answer for an unidentified patient; and the person's identity is frozen and sealed
//! into the record at submission, so a later rename or removal never rewrites it. All data is
//! invented (NHS numbers from the 999 range, never issued).

mod common;

use common::*;
use steady_core::Error;
use steady_core::codes::{
    DeescalationStep, RestrictiveInterventionReason, RestrictiveInterventionType, Role,
};
use steady_core::incident::{Deescalation, IncidentDetails, QuickCapture, UseOfForce};
use steady_core::nhs_number;
use steady_core::people::NewPerson;
use steady_core::s65::S65Item;
use steady_core::{StaffMember, Store};

fn complete_hold(store: &Store, incident: &str) {
    store
        .add_use_of_force(
            incident,
            UseOfForce {
                id: String::new(),
                intervention: RestrictiveInterventionType::PhysicalStanding,
                reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
                started_at: Some(SHIFT_START),
                ended_at: Some(SHIFT_START.plus_minutes(3)),
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
    store
        .update_incident(
            incident,
            IncidentDetails {
                place: Some("Day room".into()),
                non_staff_involved: Some(false),
                mental_disorder: Some("Not known".into()),
                relevant_characteristics: Some("Not known".into()),
                learning_disability_or_autism: Some(false),
                outcome: Some("Settled after ten minutes".into()),
                death_or_serious_injury: Some(false),
                notification_sent: Some(true),
                deescalation: Some(Deescalation {
                    general_steps: vec![DeescalationStep::GiveSpace, DeescalationStep::LowerTone],
                    ..Deescalation::default()
                }),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
}

fn on_the_ward(f: &Fixture, person: NewPerson) -> (String, String) {
    f.store
        .apply_grants(&[grant("ward", Role::Editor, true, None)])
        .unwrap();
    let id = f.store.create_person("ward", person).unwrap();
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward".into(),
            person_id: Some(id.clone()),
            note: "Threw a chair at the window".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    (id, incident)
}

#[test]
fn an_nhs_number_is_checked_by_its_check_digit_and_a_bad_one_changes_nothing() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward", Role::Editor, true, None)])
        .unwrap();
    let bad = NewPerson {
        display_name: "Jo Park".into(),
        nhs_number: Some("999 000 0001".into()),
        ..NewPerson::default()
    };
    let good = nhs_number::synthetic(3);
    assert!(!nhs_number::is_valid("9990000001") || good == "9990000001");
    match f.store.create_person("ward", bad) {
        Err(Error::Validation { field, .. }) if field == "nhs_number" => {}
        Err(e) if nhs_number::is_valid("9990000001") => panic!("valid by chance: {e:?}"),
        other => panic!("{other:?}"),
    }
    let spaced = format!("{} {} {}", &good[..3], &good[3..6], &good[6..]);
    let id = f
        .store
        .create_person(
            "ward",
            NewPerson {
                display_name: "Jo Park".into(),
                nhs_number: Some(spaced),
                ..NewPerson::default()
            },
        )
        .unwrap();
    assert_eq!(
        f.store.person(&id).unwrap().nhs_number.as_deref(),
        Some(good.as_str())
    );
    let pending = f.store.outbox_status().unwrap().pending;
    assert!(matches!(
        f.store.set_nhs_number(&id, Some("123")),
        Err(Error::Validation { .. })
    ));
    assert_eq!(f.store.outbox_status().unwrap().pending, pending);
    f.store.set_nhs_number(&id, None).unwrap();
    assert_eq!(f.store.person(&id).unwrap().nhs_number, None);
}

#[test]
fn a_local_number_is_not_the_consistent_identifier_but_an_nhs_number_or_not_known_is() {
    let f = fixture();
    let (person, incident) = on_the_ward(
        &f,
        NewPerson {
            display_name: "Robin Shah".into(),
            local_identifier: Some("WW410137".into()),
            ..NewPerson::default()
        },
    );
    complete_hold(&f.store, &incident);
    let missing = f.store.missing_use_of_force_items(&incident).unwrap();
    assert_eq!(
        missing,
        vec![S65Item::ConsistentIdentifier],
        "a hospital number is local"
    );
    assert!(matches!(
        f.store.submit_incident(&incident),
        Err(Error::IncompleteUseOfForce { .. })
    ));

    f.store
        .set_nhs_number(&person, Some(&nhs_number::synthetic(4)))
        .unwrap();
    assert!(
        f.store
            .missing_use_of_force_items(&incident)
            .unwrap()
            .is_empty()
    );

    // An unidentified patient: "not known" said explicitly.
    f.store.set_nhs_number(&person, None).unwrap();
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                nhs_number_not_known: Some(true),
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
}

#[test]
fn a_rename_or_removal_after_submission_leaves_the_sealed_record_as_submitted() {
    let f = fixture();
    let number = nhs_number::synthetic(5);
    let (person, incident) = on_the_ward(
        &f,
        NewPerson {
            display_name: "Robin Shah".into(),
            local_identifier: Some("WW410137".into()),
            nhs_number: Some(number.clone()),
            ..NewPerson::default()
        },
    );
    complete_hold(&f.store, &incident);
    f.store.submit_incident(&incident).unwrap();
    let subject = f
        .store
        .incident(&incident)
        .unwrap()
        .subject
        .expect("frozen");
    assert_eq!(
        (
            subject.name.as_str(),
            subject.nhs_number.as_deref(),
            subject.local_identifier.as_deref()
        ),
        ("Robin Shah", Some(number.as_str()), Some("WW410137"))
    );

    f.store
        .update_person(
            &person,
            Some("Robin Shah-Patel".into()),
            None,
            Some("WW999".into()),
        )
        .unwrap();
    f.store.set_nhs_number(&person, None).unwrap();
    let after = f.store.incident(&incident).unwrap();
    assert_eq!(after.person_name.as_deref(), Some("Robin Shah"));
    assert_eq!(after.subject.as_ref(), Some(&subject));
    f.store.remove_person(&person).unwrap();
    let after = f.store.incident(&incident).unwrap();
    assert_eq!(after.subject, Some(subject));
    assert!(
        f.store
            .missing_use_of_force_items(&incident)
            .unwrap()
            .is_empty(),
        "(e) and (g) still answered from the sealed record"
    );
    f.store.verify_records().unwrap();
}
