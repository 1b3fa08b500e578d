//! The three moments Steady exists for (DESIGN.md §1), against the public API.

mod common;

use common::*;
use steady_core::Error;
use steady_core::codes::{DeescalationStep, IncidentTag, Role};
use steady_core::incident::{Deescalation, IncidentDetails, IncidentStatus, QuickCapture};

/// "Sam is pacing and rubbing his hands — what helps?": from the people list to Sam's amber card,
/// offline, safety alerts first, each list in the order the sheet gives it.
#[test]
fn care_worker_reaches_the_amber_card_in_two_taps() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam_id = sam(&f.store, "ward-a");

    // Tap 1: the unit's people, Sam with his safety alert visible in the list.
    let people = f.store.people("ward-a").unwrap();
    let sam = people
        .iter()
        .find(|p| p.id == sam_id)
        .expect("Sam is listed");
    assert_eq!(sam.safety_alerts, vec!["No prone holds: asthma"]);

    // Tap 2: the amber card.
    let card = f.store.amber_card(&sam_id).unwrap();
    assert_eq!(card.name, "Sam");
    assert_eq!(texts(&card.safety_alerts), vec!["No prone holds: asthma"]);
    assert_eq!(
        texts(&card.warning_signs),
        vec!["Pacing", "Rubbing his hands", "Repeating questions"]
    );
    assert_eq!(
        texts(&card.what_helps),
        vec![
            "Offer a walk in the garden",
            "Speak slowly, one question at a time"
        ]
    );
    assert_eq!(
        texts(&card.what_to_avoid),
        vec!["Crowding him in corridors"]
    );

    // Or straight from what the worker sees: a warning sign finds him.
    let hits = f.store.search_people("rubbing hands", 10).unwrap();
    assert_eq!(
        hits.first().map(|h| h.person_id.as_str()),
        Some(sam_id.as_str())
    );

    // Looking was recorded (who, what, when), without the data itself.
    let trail = f.store.audit_trail_for(&sam_id).unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.action == "view" && e.detail == "amber")
    );
    assert!(trail.iter().all(|e| !e.detail.contains("Pacing")));
}

/// First shift at a new placement: the placement's people are there; when the placement ends,
/// access ends by itself, what was recorded still goes to the server, and then the unit's data
/// leaves the device.
#[test]
fn bank_staff_loses_access_when_placement_ends() {
    let f = fixture();
    let placement_end = SHIFT_START.plus_days(5);
    // The unit's lead wrote Sam's sheet; this device is a bank worker's, as a reader.
    f.store
        .apply_grants(&[grant("home-b", Role::Editor, false, None)])
        .unwrap();
    let sam_id = sam(&f.store, "home-b");
    f.store.acknowledge_operations(&op_ids(&f.store)).unwrap();
    f.store
        .apply_grants(&[grant("home-b", Role::Reader, false, Some(placement_end))])
        .unwrap();

    assert_eq!(f.store.amber_card(&sam_id).unwrap().name, "Sam");
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "home-b".into(),
            note: "Sam shouted at a visitor, settled with a walk".into(),
            person_id: Some(sam_id.clone()),
            tags: vec![
                IncidentTag::VerbalAggression,
                IncidentTag::DeescalatedSuccessfully,
            ],
            ..QuickCapture::default()
        })
        .unwrap();

    // The placement ends.
    f.clock.advance_days(5);
    assert!(matches!(
        f.store.amber_card(&sam_id),
        Err(Error::NotAllowed(_))
    ));
    assert!(matches!(
        f.store.people("home-b"),
        Err(Error::NotAllowed(_))
    ));
    assert!(f.store.search_people("Sam", 10).unwrap().is_empty());

    // The incident has not reached the server yet: it is kept until it has.
    assert!(f.store.purge_ended_units().unwrap().is_empty());
    let pending = f.store.pending_operations(100).unwrap();
    assert!(pending.iter().any(|op| op.entity_id == incident));

    // The next sync pushes it and the server acknowledges; then the unit leaves the device.
    f.store.acknowledge_operations(&op_ids(&f.store)).unwrap();
    assert_eq!(
        f.store.purge_ended_units().unwrap(),
        vec!["home-b".to_string()]
    );
    assert!(f.store.units().unwrap().is_empty());
    assert_eq!(f.store.outbox_status().unwrap().pending, 0);
    let f = f.reopen();
    assert!(matches!(
        f.store.amber_card(&sam_id),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        f.store.incident(&incident),
        Err(Error::NotFound { .. })
    ));
    // The audit trail (ids only) keeps its chain across the purge.
    assert!(f.store.verify_audit_trail().unwrap() > 0);
}

/// A scene with no signal: a timestamped note for a patient whose name is unknown, in one call;
/// completed later; still there after the app is killed; queued for sync.
#[test]
fn hems_crew_captures_an_unnamed_patient_and_completes_it_later() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("hems-base", Role::Reader, false, None)])
        .unwrap();

    let id = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "hems-base".into(),
            note: "Agitated on scene, struck out at crew".into(),
            unidentified_person: Some("man ~40, roadside".into()),
            ..QuickCapture::default()
        })
        .unwrap();

    // The app is killed and restarted; the note is there, timestamped at capture.
    let f = f.reopen();
    let captured = f.store.incident(&id).unwrap();
    assert_eq!(captured.occurred_at, SHIFT_START);
    assert_eq!(
        captured.unidentified_person.as_deref(),
        Some("man ~40, roadside")
    );
    assert_eq!(captured.status, IncidentStatus::Draft);
    assert_eq!(captured.recorded_by, "Alex Morgan");

    // Back at base: the detail.
    f.clock.advance_minutes(90);
    f.store
        .update_incident(
            &id,
            IncidentDetails {
                tags: Some(vec![IncidentTag::PhysicalAggressionToStaff]),
                place: Some("A-road lay-by".into()),
                deescalation: Some(Deescalation {
                    general_steps: vec![DeescalationStep::GiveSpace, DeescalationStep::LowerTone],
                    ..Deescalation::default()
                }),
                outcome: Some("Conveyed to ED, calmer on arrival".into()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    let outcome = f.store.submit_incident(&id).unwrap();
    assert!(
        outcome.advice.is_empty(),
        "no force used, nothing to advise"
    );

    let done = f.store.incident(&id).unwrap();
    assert_eq!(done.status, IncidentStatus::Submitted);
    assert_eq!(done.occurred_at, SHIFT_START, "the first tap's time stays");
    assert_eq!(done.place.as_deref(), Some("A-road lay-by"));

    // Everything waits in the outbox, in order, for signal.
    let ops = f.store.pending_operations(10).unwrap();
    assert_eq!(ops.len(), 3, "capture, details, submit");
    assert!(ops.iter().all(|op| op.entity_id == id));
    assert!(ops.windows(2).all(|w| w[0].stamp < w[1].stamp));
}

fn op_ids(store: &steady_core::Store) -> Vec<String> {
    store
        .pending_operations(10_000)
        .unwrap()
        .into_iter()
        .map(|op| op.op_id)
        .collect()
}
