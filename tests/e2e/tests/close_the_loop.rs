//! Closing the loop (issue 16): what a debrief learns reaches the person's plan, through the
//! real server, on three phones. All data is invented.

use steady_core::Error;
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::people::NewPerson;
use steady_core::proposals::{ItemSource, PlanProposal};
use steady_core::sheet::SheetList;
use steady_e2e::{Backend, Cluster, on_both_back_ends};

on_both_back_ends!(
    a_debrief_proposes_a_warning_sign_an_editor_accepts_it_and_another_phone_shows_it_linked,
    a_declined_proposal_keeps_its_reason_and_leaves_the_plan_as_it_was,
    the_sheet_shows_how_often_each_strategy_was_tried_and_helped,
    a_handover_note_written_on_one_phone_is_in_the_next_shifts_huddle_on_another,
);

/// A ward with Sam; a support worker (reader) who was there, a sheet editor, and a bank nurse.
fn the_ward<S: Backend>(
    c: &Cluster<S>,
) -> (
    steady_e2e::Device,
    steady_e2e::Device,
    steady_e2e::Device,
    String,
    String,
) {
    c.unit("ash-ward", true);
    let editor = c.device("Priya Shah", &[("ash-ward", Role::Editor, None)]);
    let sam = editor
        .store
        .create_person(
            "ash-ward",
            NewPerson {
                display_name: "Samuel Okafor (synthetic)".into(),
                preferred_name: Some("Sam".into()),
                ..NewPerson::default()
            },
        )
        .expect("person");
    editor.sync().expect("sync");
    let worker = c.device("Alex Morgan", &[("ash-ward", Role::Reader, None)]);
    let bank = c.device("Jo Bank", &[("ash-ward", Role::Reader, None)]);
    worker.sync().expect("sync");
    let incident = worker
        .store
        .capture_incident(QuickCapture {
            unit_id: "ash-ward".into(),
            person_id: Some(sam.clone()),
            note: "Shouting at the fire alarm test".into(),
            ..QuickCapture::default()
        })
        .expect("capture");
    worker.store.submit_incident(&incident).expect("submit");
    (worker, editor, bank, sam, incident)
}

fn a_debrief_proposes_a_warning_sign_an_editor_accepts_it_and_another_phone_shows_it_linked<
    S: Backend,
>(
    c: Cluster<S>,
) {
    let (worker, editor, bank, sam, incident) = the_ward(&c);
    // The next day's debrief: the worker, not an editor of the sheet, proposes a sign.
    let entry = worker
        .store
        .propose_plan_change(
            &incident,
            PlanProposal {
                list: SheetList::WarningSigns,
                text: "Covers his ears before the alarm test".into(),
            },
        )
        .expect("propose");
    // A reader cannot change the sheet itself.
    let source = ItemSource {
        incident_id: incident.clone(),
        entry_id: entry.clone(),
    };
    assert!(matches!(
        worker.store.accept_proposal(&source),
        Err(Error::NotAllowed(_))
    ));
    worker.sync().expect("sync");

    editor.sync().expect("sync");
    let queue = editor.store.plan_proposals("ash-ward").expect("queue");
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].source, source);
    assert_eq!(queue[0].proposed_by, "Alex Morgan");
    assert_eq!(queue[0].person_id, sam);
    let item = editor.store.accept_proposal(&source).expect("accept");
    assert!(
        editor
            .store
            .plan_proposals("ash-ward")
            .expect("queue")
            .is_empty()
    );
    assert!(
        editor.store.accept_proposal(&source).is_err(),
        "accepted once, never twice"
    );
    editor.sync().expect("sync");

    bank.sync().expect("sync");
    let card = bank.store.amber_card(&sam).expect("card");
    let sign = card
        .warning_signs
        .iter()
        .find(|s| s.id == item)
        .expect("the accepted sign on the third phone");
    assert_eq!(sign.text, "Covers his ears before the alarm test");
    assert_eq!(
        sign.source.as_ref(),
        Some(&source),
        "linked to its incident"
    );
    assert!(
        bank.store
            .plan_proposals("ash-ward")
            .expect("queue")
            .is_empty()
    );
}

fn a_declined_proposal_keeps_its_reason_and_leaves_the_plan_as_it_was<S: Backend>(c: Cluster<S>) {
    let (worker, editor, _bank, sam, incident) = the_ward(&c);
    let entry = worker
        .store
        .propose_plan_change(
            &incident,
            PlanProposal {
                list: SheetList::WhatHelps,
                text: "Turn the alarm off for him".into(),
            },
        )
        .expect("propose");
    // Contraindications are the editors' own: never proposed.
    let refused = worker.store.propose_plan_change(
        &incident,
        PlanProposal {
            list: SheetList::Contraindications,
            text: "No holds".into(),
        },
    );
    assert!(matches!(refused, Err(Error::Validation { field, .. }) if field == "proposal.list"));
    worker.sync().expect("sync");
    editor.sync().expect("sync");
    let before = editor.store.support_sheet(&sam).expect("sheet");
    let source = ItemSource {
        incident_id: incident.clone(),
        entry_id: entry,
    };
    editor
        .store
        .decline_proposal(
            &source,
            "The fire alarm test is a legal duty; plan a warning instead",
        )
        .expect("decline");
    assert!(
        editor
            .store
            .plan_proposals("ash-ward")
            .expect("queue")
            .is_empty()
    );
    assert_eq!(editor.store.support_sheet(&sam).expect("sheet"), before);
    let declined = editor.store.declined_proposals(&sam).expect("declined");
    assert_eq!(declined.len(), 1);
    assert_eq!(declined[0].author, "Priya Shah");
    editor.sync().expect("sync");
    worker.sync().expect("sync");
    assert!(
        worker
            .store
            .plan_proposals("ash-ward")
            .expect("queue")
            .is_empty()
    );
}

fn the_sheet_shows_how_often_each_strategy_was_tried_and_helped<S: Backend>(c: Cluster<S>) {
    use steady_core::incident::{Deescalation, IncidentDetails};
    let (worker, editor, bank, sam, _) = the_ward(&c);
    let walk = editor
        .store
        .add_sheet_item(
            &sam,
            SheetList::WhatHelps,
            "Offer a walk in the garden",
            None,
        )
        .expect("item");
    editor
        .store
        .add_sheet_item(&sam, SheetList::WhatHelps, "Music in his room", None)
        .expect("item");
    editor.sync().expect("sync");
    worker.sync().expect("sync");
    for helped in [true, false, true] {
        let incident = worker
            .store
            .capture_incident(QuickCapture {
                unit_id: "ash-ward".into(),
                person_id: Some(sam.clone()),
                note: "Pacing the corridor".into(),
                ..QuickCapture::default()
            })
            .expect("capture");
        let tried = vec!["Offer a walk in the garden".to_string()];
        worker
            .store
            .update_incident(
                &incident,
                IncidentDetails {
                    deescalation: Some(Deescalation {
                        helped: if helped { tried.clone() } else { vec![] },
                        own_strategies: tried,
                        ..Deescalation::default()
                    }),
                    ..IncidentDetails::default()
                },
            )
            .expect("details");
    }
    // What was not tried cannot have helped.
    let stray = worker.store.capture_incident(QuickCapture {
        unit_id: "ash-ward".into(),
        person_id: Some(sam.clone()),
        note: "Shouting".into(),
        ..QuickCapture::default()
    });
    let refused = worker.store.update_incident(
        &stray.expect("capture"),
        IncidentDetails {
            deescalation: Some(Deescalation {
                helped: vec!["Music in his room".into()],
                ..Deescalation::default()
            }),
            ..IncidentDetails::default()
        },
    );
    assert!(
        matches!(refused, Err(Error::Validation { field, .. }) if field == "deescalation.helped")
    );
    worker.sync().expect("sync");
    bank.sync().expect("sync");
    let outcomes = bank.store.strategy_outcomes(&sam).expect("outcomes");
    let walked = outcomes.iter().find(|o| o.item_id == walk).expect("walk");
    assert_eq!((walked.tried, walked.helped), (3, 2));
    let music = outcomes
        .iter()
        .find(|o| o.text == "Music in his room")
        .expect("music");
    assert_eq!((music.tried, music.helped), (0, 0));
}

/// The late shift's support worker leaves a note about Sam and one for the unit; the bank
/// nurse's phone, at the start of the night shift, shows both in the huddle, newest first,
/// signed by the worker; only the worker can correct one.
fn a_handover_note_written_on_one_phone_is_in_the_next_shifts_huddle_on_another<S: Backend>(
    c: Cluster<S>,
) {
    let (worker, _editor, bank, sam, _incident) = the_ward(&c);
    let about_sam = worker
        .store
        .add_handover_note(
            "ash-ward",
            Some(sam.clone()),
            "Sam was upset by the alarm test; he settled with music",
        )
        .expect("note");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let unit = worker
        .store
        .add_handover_note("ash-ward", None, "The garden gate latch is broken")
        .expect("note");
    worker.sync().expect("sync");
    bank.sync().expect("sync");
    let notes = bank
        .store
        .shift_huddle("ash-ward", 24)
        .expect("huddle")
        .notes;
    assert_eq!(
        notes.iter().map(|n| n.note_id.as_str()).collect::<Vec<_>>(),
        [unit.note_id.as_str(), about_sam.note_id.as_str()],
        "newest first"
    );
    assert_eq!(notes[1].author, "Alex Morgan");
    assert_eq!(notes[1].job_title, "Support worker");
    assert_eq!(notes[1].person_id.as_deref(), Some(sam.as_str()));
    assert_eq!(notes[1].person_name, "Sam");
    assert_eq!(notes[1].text, about_sam.text);
    // The bank nurse cannot correct the worker's note; the worker can.
    assert!(matches!(
        bank.store
            .edit_handover_note(&about_sam.note_id, "Sam was fine"),
        Err(Error::NotAllowed(_))
    ));
    worker
        .store
        .edit_handover_note(
            &unit.note_id,
            "The garden gate latch is broken: keep it locked",
        )
        .expect("correct");
    worker.sync().expect("sync");
    bank.sync().expect("sync");
    let notes = bank
        .store
        .shift_huddle("ash-ward", 24)
        .expect("huddle")
        .notes;
    assert_eq!(
        notes[0].text,
        "The garden gate latch is broken: keep it locked"
    );
    assert_eq!(notes[1].text, about_sam.text);
}
