//! Rules that protect records: submitted incidents and addenda never change (API and SQL
//! triggers), s.6(5) completeness for use of force, role checks, and validation that names the
//! field and leaves nothing half-saved.

mod common;

use std::collections::BTreeMap;

use common::*;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::{RestrictiveInterventionReason, RestrictiveInterventionType, Role};
use steady_core::incident::{Debrief, Deescalation, IncidentDetails, QuickCapture, UseOfForce};
use steady_core::protocol::{Change, EntityKind, PulledChange};
use steady_core::s65::S65Item;
use steady_core::sheet::{SheetList, SheetText};
use steady_core::{Error, StaffMember, Store};

fn raw(f: &Fixture) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(f.path()).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", "5a".repeat(32)))
        .unwrap();
    conn
}

fn prone_restraint(started: Timestamp) -> UseOfForce {
    UseOfForce {
        id: String::new(),
        intervention: RestrictiveInterventionType::PhysicalProne,
        reason: None,
        started_at: Some(started),
        ended_at: None,
        in_care_plan: None,
        how_force_was_used: String::new(),
        staff: vec![],
        contraindication_override: None,
    }
}

fn capture(store: &Store, unit: &str, person: Option<&str>) -> String {
    store
        .capture_incident(QuickCapture {
            unit_id: unit.into(),
            note: "Synthetic: pushed a member of staff".into(),
            person_id: person.map(str::to_string),
            ..QuickCapture::default()
        })
        .unwrap()
}

fn submitted_with_addendum(f: &Fixture) -> (String, String) {
    f.store
        .apply_grants(&[grant("ward-a", Role::Lead, false, None)])
        .unwrap();
    let id = capture(&f.store, "ward-a", None);
    f.store.submit_incident(&id).unwrap();
    let addendum = f
        .store
        .add_addendum(&id, "Time corrected", "It was 14:10, not 14:00")
        .unwrap();
    (id, addendum)
}

#[test]
fn a_submitted_incident_is_locked_to_the_api() {
    let f = fixture();
    let (id, _) = submitted_with_addendum(&f);
    let edit = f.store.update_incident(
        &id,
        IncidentDetails {
            note: Some("rewritten".into()),
            ..IncidentDetails::default()
        },
    );
    assert!(matches!(edit, Err(Error::Locked(ref locked)) if *locked == id));
    assert!(matches!(
        f.store.submit_incident(&id),
        Err(Error::Locked(_))
    ));
    assert!(matches!(
        f.store.add_use_of_force(&id, prone_restraint(SHIFT_START)),
        Err(Error::Locked(_))
    ));
    let incident = f.store.incident(&id).unwrap();
    assert_eq!(incident.note, "Synthetic: pushed a member of staff");
    assert_eq!(incident.addenda.len(), 1);
    assert_eq!(incident.addenda[0].author, "Alex Morgan");
    assert_eq!(incident.addenda[0].reason, "Time corrected");
}

#[test]
fn raw_sql_cannot_rewrite_or_delete_a_submitted_incident_or_addendum() {
    let f = fixture();
    let (id, addendum) = submitted_with_addendum(&f);
    let conn = raw(&f);
    let attempts = [
        format!(
            "UPDATE fields SET value = '\"rewritten\"' WHERE entity_id = '{id}' AND field = 'note'"
        ),
        format!("DELETE FROM fields WHERE entity_id = '{id}' AND field = 'note'"),
        format!("UPDATE fields SET value = '{{}}' WHERE item_id = '{addendum}'"),
        format!("DELETE FROM fields WHERE item_id = '{addendum}'"),
        format!("DELETE FROM entities WHERE entity_id = '{id}'"),
        format!("UPDATE entities SET locked = 0 WHERE entity_id = '{id}'"),
        format!(
            "INSERT INTO fields VALUES ('incident', '{id}', 'outcome', '', '\"added later\"', 1, 0, 'x')"
        ),
        "DELETE FROM audit".to_string(),
        "UPDATE audit SET actor = 'someone else'".to_string(),
    ];
    for sql in &attempts {
        let err = conn.execute(sql, []).expect_err(sql);
        let message = err.to_string();
        assert!(
            message.contains("locked") || message.contains("append-only"),
            "{sql}: {message}"
        );
    }
    drop(conn);
    let incident = f.store.incident(&id).unwrap();
    assert_eq!(incident.note, "Synthetic: pushed a member of staff");
    assert_eq!(incident.addenda.len(), 1);
    assert!(incident.outcome.is_none());
}

#[test]
fn the_audit_trail_detects_an_edited_event() {
    let f = fixture();
    submitted_with_addendum(&f);
    let events = f.store.verify_audit_trail().unwrap();
    assert_eq!(events, 3, "capture, submit, addendum");
    let conn = raw(&f);
    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'someone else' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    match f.store.verify_audit_trail() {
        Err(Error::Corrupt(message)) => assert!(message.contains("event 2"), "{message}"),
        other => panic!("tampering not detected: {other:?}"),
    }
}

#[test]
fn use_of_force_in_a_mental_health_unit_needs_every_s65_item_to_submit() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-mh", Role::Editor, true, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-mh");
    let id = capture(&f.store, "ward-mh", Some(&sam));
    // Sam's alert rules prone out (the audit found this hold recorded with no warning at all):
    // refused until staff confirm why they went ahead, and the reason stays in the record.
    assert!(matches!(
        f.store.add_use_of_force(&id, prone_restraint(SHIFT_START)),
        Err(Error::Contraindicated { .. })
    ));
    let entry = f
        .store
        .add_use_of_force(
            &id,
            UseOfForce {
                contraindication_override: Some(
                    "He fell forward in the struggle; turned to his side at once".into(),
                ),
                ..prone_restraint(SHIFT_START)
            },
        )
        .unwrap();

    let missing = match f.store.submit_incident(&id) {
        Err(Error::IncompleteUseOfForce { missing }) => missing,
        other => panic!("expected the missing items, got {other:?}"),
    };
    assert!(missing.contains(&S65Item::Reason));
    assert!(missing.contains(&S65Item::StaffNamesAndJobTitles));
    assert!(
        !missing.contains(&S65Item::PatientName),
        "Sam is identified"
    );
    assert!(
        !missing.contains(&S65Item::ConsistentIdentifier),
        "Sam has a local identifier"
    );
    assert!(!missing.contains(&S65Item::Types));
    assert_eq!(
        f.store.incident(&id).unwrap().submitted_at,
        None,
        "nothing changed"
    );
    assert_eq!(f.store.missing_use_of_force_items(&id).unwrap(), missing);

    // Twelve minutes of prone restraint: the prone-over-10-minutes flag shows.
    f.clock.advance_minutes(12);
    let running = f.store.incident(&id).unwrap().use_of_force[0].clone();
    assert!(running.prone_over_ten_minutes(f.store.now()));
    f.store
        .update_use_of_force(
            &id,
            UseOfForce {
                id: entry,
                reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
                ended_at: Some(f.store.now()),
                in_care_plan: Some(false),
                how_force_was_used: "Two staff, guided to the floor, released when calm".into(),
                staff: vec![
                    StaffMember {
                        name: "Alex Morgan".into(),
                        job_title: "Support worker".into(),
                    },
                    StaffMember {
                        name: "Jo Patel".into(),
                        job_title: "Staff nurse".into(),
                    },
                ],
                ..running
            },
        )
        .unwrap();
    f.store
        .update_incident(
            &id,
            IncidentDetails {
                place: Some("Day room".into()),
                non_staff_involved: Some(false),
                mental_disorder: Some("Not known".into()),
                relevant_characteristics: Some("Not known".into()),
                learning_disability_or_autism: Some(false),
                outcome: Some("Settled after 20 minutes; no injuries".into()),
                death_or_serious_injury: Some(false),
                deescalation: Some(Deescalation {
                    own_strategies: vec!["Offer a walk in the garden".into()],
                    ..Deescalation::default()
                }),
                notification_sent: Some(true),
                debrief_person: Some(Debrief {
                    held: true,
                    note: "Next morning".into(),
                }),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    assert_eq!(f.store.missing_use_of_force_items(&id).unwrap(), vec![]);
    assert!(f.store.submit_incident(&id).unwrap().advice.is_empty());
    let done = f.store.incident(&id).unwrap();
    assert_eq!(done.use_of_force[0].minutes(f.store.now()), Some(12));
}

#[test]
fn outside_mental_health_units_missing_items_come_back_as_advice() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("home-c", Role::Reader, false, None)])
        .unwrap();
    let id = capture(&f.store, "home-c", None);
    f.store
        .add_use_of_force(&id, prone_restraint(SHIFT_START))
        .unwrap();
    let outcome = f.store.submit_incident(&id).unwrap();
    assert!(outcome.advice.contains(&S65Item::PatientName));
    assert!(outcome.advice.contains(&S65Item::Reason));
}

#[test]
fn a_reader_cannot_edit_a_sheet_but_can_read_it_and_record_incidents() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    f.store
        .apply_grants(&[grant("ward-a", Role::Reader, false, None)])
        .unwrap();
    let pending_before = f.store.outbox_status().unwrap().pending;

    for attempt in [
        f.store
            .set_sheet_text(&sam, SheetText::WhenSettled, "Hums to himself")
            .map(|_| ()),
        f.store
            .add_sheet_item(&sam, SheetList::Triggers, "Shouting", None)
            .map(|_| ()),
        f.store
            .add_safety_alert(&sam, "Choking risk", None)
            .map(|_| ()),
        f.store.remove_person(&sam),
    ] {
        assert!(
            matches!(
                attempt,
                Err(Error::NotAllowed(steady_core::Refusal::RoleTooLow {
                    role: steady_core::codes::Role::Reader,
                    ..
                }))
            ),
            "{attempt:?}"
        );
    }
    assert_eq!(
        f.store.outbox_status().unwrap().pending,
        pending_before,
        "nothing queued"
    );
    assert_eq!(f.store.support_sheet(&sam).unwrap().triggers.len(), 1);
    capture(&f.store, "ward-a", Some(&sam));
}

#[test]
fn another_units_records_are_out_of_reach() {
    let f = fixture();
    f.store
        .apply_grants(&[
            grant("ward-a", Role::Editor, false, None),
            grant("ward-b", Role::Editor, false, None),
        ])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    f.store
        .apply_grants(&[grant("ward-b", Role::Editor, false, None)])
        .unwrap();
    assert!(matches!(
        f.store.amber_card(&sam),
        Err(Error::NotAllowed(_))
    ));
    let wrong_unit = f.store.capture_incident(QuickCapture {
        unit_id: "ward-b".into(),
        note: "x".into(),
        person_id: Some(sam.clone()),
        ..QuickCapture::default()
    });
    assert!(matches!(wrong_unit, Err(Error::Validation { ref field, .. }) if field == "person_id"));
    assert!(matches!(
        f.store.capture_incident(QuickCapture {
            unit_id: "ward-z".into(),
            note: "x".into(),
            ..QuickCapture::default()
        }),
        Err(Error::NotAllowed(_))
    ));
}

#[test]
fn bad_input_names_the_field_and_changes_nothing() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let before = f.store.outbox_status().unwrap().pending;
    let cases: Vec<(Result<(), Error>, &str)> = vec![
        (
            f.store
                .capture_incident(QuickCapture {
                    unit_id: "ward-a".into(),
                    note: "   ".into(),
                    ..QuickCapture::default()
                })
                .map(|_| ()),
            "note",
        ),
        (
            f.store
                .add_sheet_item(&sam, SheetList::WhatHelps, &"x".repeat(501), None)
                .map(|_| ()),
            "amber.what_helps",
        ),
        (
            f.store
                .add_sheet_item(&sam, SheetList::WhatHelps, "Music", Some("no-such-item"))
                .map(|_| ()),
            "before",
        ),
        (
            f.store
                .create_person("ward-a", steady_core::people::NewPerson::default())
                .map(|_| ()),
            "display_name",
        ),
        (
            f.store.mark_sheet_reviewed(&sam, SHIFT_START.plus_days(-1)),
            "next_due",
        ),
        (
            f.store
                .capture_incident(QuickCapture {
                    unit_id: "ward-a".into(),
                    note: "x".into(),
                    person_id: Some(sam.clone()),
                    unidentified_person: Some("woman ~30".into()),
                    ..QuickCapture::default()
                })
                .map(|_| ()),
            "unidentified_person",
        ),
    ];
    for (outcome, expected) in cases {
        match outcome {
            Err(Error::Validation { field, .. }) => assert_eq!(field, expected),
            other => panic!("{expected}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(f.store.outbox_status().unwrap().pending, before);
}

#[test]
fn sheet_lists_keep_their_order_through_adds_moves_and_removals() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let card = f.store.amber_card(&sam).unwrap();
    let [pacing, rubbing, repeating] = [0, 1, 2].map(|i| card.warning_signs[i].id.clone());
    let first = f
        .store
        .add_sheet_item(&sam, SheetList::WarningSigns, "Going quiet", Some(&pacing))
        .unwrap();
    f.store
        .move_sheet_item(&sam, SheetList::WarningSigns, &repeating, Some(&rubbing))
        .unwrap();
    f.store
        .remove_sheet_item(&sam, SheetList::WarningSigns, &pacing)
        .unwrap();
    f.store
        .edit_sheet_item(&sam, SheetList::WarningSigns, &first, "Going very quiet")
        .unwrap();
    let card = f.store.amber_card(&sam).unwrap();
    assert_eq!(
        texts(&card.warning_signs),
        vec![
            "Going very quiet",
            "Repeating questions",
            "Rubbing his hands"
        ]
    );
    // The removal is a tombstone that syncs, not a lost row.
    let ops = f.store.pending_operations(1000).unwrap();
    assert!(ops.iter().any(|op| matches!(&op.change,
        Change::Item { item_id, value, .. } if *item_id == pacing && value.is_null())));
}

#[test]
fn reviews_fall_due_and_show_as_overdue() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    f.store
        .mark_sheet_reviewed(&sam, SHIFT_START.plus_days(30))
        .unwrap();
    let sheet = f.store.support_sheet(&sam).unwrap();
    assert_eq!(
        sheet.review.last_reviewed_by.as_deref(),
        Some("Alex Morgan")
    );
    assert!(!sheet.review.overdue);
    f.clock.advance_days(31);
    assert!(f.store.support_sheet(&sam).unwrap().review.overdue);
    assert!(f.store.amber_card(&sam).unwrap().review_overdue);
    assert!(f.store.people("ward-a").unwrap()[0].review_overdue);
}

#[test]
fn every_sheet_section_is_saved_and_read_back() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    for (i, field) in SheetText::ALL.iter().enumerate() {
        f.store
            .set_sheet_text(&sam, *field, &format!("Synthetic text {i}"))
            .unwrap();
    }
    for list in SheetList::ALL {
        f.store
            .add_sheet_item(&sam, *list, "Synthetic item", None)
            .unwrap();
    }
    f.store
        .add_authorised_intervention(
            &sam,
            RestrictiveInterventionType::PhysicalSeated,
            "Two staff, max 5 minutes",
        )
        .unwrap();
    let sheet = f.store.support_sheet(&sam).unwrap();
    for (i, field) in SheetText::ALL.iter().enumerate() {
        assert_eq!(sheet.text(*field), format!("Synthetic text {i}"));
    }
    assert_eq!(sheet.contraindications.len(), 1);
    assert_eq!(sheet.triggers.len(), 2);
    assert_eq!(
        sheet.authorised_interventions[0].intervention,
        RestrictiveInterventionType::PhysicalSeated
    );
    // Clearing a text field.
    f.store
        .set_sheet_text(&sam, SheetText::WhoToCall, "")
        .unwrap();
    assert_eq!(
        f.store
            .support_sheet(&sam)
            .unwrap()
            .text(SheetText::WhoToCall),
        ""
    );
}

/// Changes from the server merge field by field: the later stamp wins, whichever arrives last.
#[test]
fn merged_changes_keep_the_later_edit_of_each_field() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    f.store
        .set_sheet_text(&sam, SheetText::WhenSettled, "Local edit")
        .unwrap();
    let local = f
        .store
        .pending_operations(1000)
        .unwrap()
        .pop()
        .unwrap()
        .stamp;
    let remote = |field: &str, text: &str, wall_ms: i64| PulledChange {
        entity: EntityKind::Sheet,
        entity_id: sam.clone(),
        unit_id: "ward-a".into(),
        change: Change::Fields(BTreeMap::from([(
            field.to_string(),
            serde_json::json!(text),
        )])),
        stamp: Hlc {
            wall_ms,
            counter: 0,
            device: "other-device".into(),
        },
    };
    f.store
        .merge_pulled_changes(&[
            remote(
                SheetText::WhenSettled.key(),
                "Older remote edit",
                local.wall_ms - 1,
            ),
            remote(
                SheetText::Routines.key(),
                "Remote routine",
                local.wall_ms - 1,
            ),
        ])
        .unwrap();
    let sheet = f.store.support_sheet(&sam).unwrap();
    assert_eq!(sheet.text(SheetText::WhenSettled), "Local edit");
    assert_eq!(sheet.text(SheetText::Routines), "Remote routine");
    f.store
        .merge_pulled_changes(&[remote(
            SheetText::WhenSettled.key(),
            "Newer remote edit",
            local.wall_ms + 5,
        )])
        .unwrap();
    assert_eq!(
        f.store
            .support_sheet(&sam)
            .unwrap()
            .text(SheetText::WhenSettled),
        "Newer remote edit"
    );
    // A later local edit sorts after the remote stamp it has seen.
    f.store
        .set_sheet_text(&sam, SheetText::WhenSettled, "Edited again")
        .unwrap();
    let again = f
        .store
        .pending_operations(1000)
        .unwrap()
        .pop()
        .unwrap()
        .stamp;
    assert!(again.wall_ms >= local.wall_ms + 5);
    assert_eq!(
        f.store
            .support_sheet(&sam)
            .unwrap()
            .text(SheetText::WhenSettled),
        "Edited again"
    );
}

#[test]
fn guidance_cards_arrive_from_the_server_and_read_offline() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Reader, false, None)])
        .unwrap();
    let card = PulledChange {
        entity: EntityKind::Guidance,
        entity_id: "card-1".into(),
        unit_id: "ward-a".into(),
        change: Change::Fields(BTreeMap::from([
            (
                "title".to_string(),
                serde_json::json!("Safe holding: the basics"),
            ),
            (
                "body".to_string(),
                serde_json::json!("Never restrict breathing. Call for help early."),
            ),
            (
                "tags".to_string(),
                serde_json::json!(["restraint", "safety"]),
            ),
        ])),
        stamp: Hlc {
            wall_ms: 1,
            counter: 0,
            device: "server".into(),
        },
    };
    let elsewhere = PulledChange {
        unit_id: "ward-secret".into(),
        entity_id: "card-2".into(),
        ..card.clone()
    };
    f.store.merge_pulled_changes(&[card, elsewhere]).unwrap();
    let cards = f.store.guidance_cards("ward-a").unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].title, "Safe holding: the basics");
    assert_eq!(cards[0].tags, vec!["restraint", "safety"]);
    assert!(f.store.guidance_cards("ward-secret").is_err());
}

#[test]
fn a_long_offline_backlog_is_counted_up_to_a_cap_so_the_unit_list_stays_fast() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("hems-base", Role::Reader, false, None)])
        .unwrap();
    let cap = steady_core::units::PENDING_COUNT_CAP;
    for n in 0..cap + 5 {
        capture(&f.store, "hems-base", None);
        if n == 2 {
            assert_eq!(f.store.units().unwrap()[0].pending_changes, 3);
        }
    }
    assert_eq!(f.store.units().unwrap()[0].pending_changes, cap);
    assert_eq!(
        f.store.outbox_status().unwrap().pending,
        cap + 5,
        "the queue itself is whole"
    );
}

#[test]
fn a_list_stops_at_the_record_schemas_number_of_items_and_says_so() {
    // The server counts a list's live items against the same rule: the phone refuses the
    // fifty-first safety alert itself, clearly, rather than queue a change the server refuses.
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let max = steady_core::record_schema::field_rule(EntityKind::Person, "safety_alerts")
        .and_then(|r| r.list)
        .unwrap()
        .max_items;
    let existing = f.store.person(&sam).unwrap().safety_alerts.len();
    for i in existing..max {
        f.store
            .add_safety_alert(&sam, &format!("Synthetic alert {i}"), None)
            .unwrap();
    }
    let pending = f.store.outbox_status().unwrap().pending;
    let refused = f.store.add_safety_alert(&sam, "One too many", None);
    assert!(
        matches!(&refused, Err(Error::Validation { field, rule })
            if field == "safety_alerts" && rule.contains(&max.to_string())),
        "{refused:?}"
    );
    assert_eq!(f.store.outbox_status().unwrap().pending, pending);
    assert_eq!(f.store.person(&sam).unwrap().safety_alerts.len(), max);
}

/// Seclusion and segregation are for people detained under the Mental Health Act: a care home
/// can neither record nor authorise them, on the phone as on the server; a mental health ward
/// can (Positive and Proactive Care, 2014).
#[test]
fn seclusion_is_refused_in_a_care_home_and_recorded_on_a_mental_health_ward() {
    use steady_core::codes::RestrictiveInterventionType as T;
    use steady_core::incident::UseOfForce;
    let f = fixture();
    f.store
        .apply_grants(&[
            grant("home", Role::Editor, false, None),
            grant("ward", Role::Editor, true, None),
        ])
        .unwrap();
    let entry = |intervention| UseOfForce {
        id: String::new(),
        intervention,
        reason: None,
        started_at: None,
        ended_at: None,
        in_care_plan: None,
        how_force_was_used: String::new(),
        staff: vec![],
        contraindication_override: None,
    };
    for (unit, allowed) in [("home", false), ("ward", true)] {
        let person = sam(&f.store, unit);
        let incident = f
            .store
            .capture_incident(QuickCapture {
                unit_id: unit.into(),
                person_id: Some(person.clone()),
                note: "Shouting, then hitting the door".into(),
                ..QuickCapture::default()
            })
            .unwrap();
        let pending = f.store.outbox_status().unwrap().pending;
        for intervention in [T::Seclusion, T::Segregation] {
            let recorded = f.store.add_use_of_force(&incident, entry(intervention));
            let authorised = f
                .store
                .add_authorised_intervention(&person, intervention, "");
            if allowed {
                recorded.unwrap();
                authorised.unwrap();
            } else {
                for outcome in [recorded.map(|_| ()), authorised.map(|_| ())] {
                    match outcome {
                        Err(Error::Validation { rule, .. }) => {
                            assert!(rule.contains("Mental Health Act"), "{rule}")
                        }
                        other => panic!("{unit}: {other:?}"),
                    }
                }
            }
        }
        if !allowed {
            assert_eq!(
                f.store.outbox_status().unwrap().pending,
                pending,
                "nothing queued"
            );
            // Every other intervention is still recorded in a care home.
            f.store
                .add_use_of_force(&incident, entry(T::PhysicalStanding))
                .unwrap();
        }
    }
}
