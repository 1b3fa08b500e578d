//! Handover notes (issue 16, item 2): written on shift, listed in the huddle newest first with
//! their author, job title and person; bounded; corrected only by their author and only for 12
//! hours; signed by the device's member of staff (a forged name or job title is refused by the
//! same record-schema check the server makes). A bad note pulled from the server never breaks the
//! huddle. All data is invented.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::json;
use steady_core::clock::Hlc;
use steady_core::codes::Role;
use steady_core::error::Error;
use steady_core::protocol::{Change, EntityKind, Operation, PulledChange};
use steady_core::record_schema::{self, Context, HANDOVER_NOTE_CHARS, Writer};
use steady_core::store::StaffMember;

fn ward(f: &Fixture, role: Role) {
    f.store
        .apply_grants(&[grant("ward", role, false, None)])
        .unwrap();
}

#[test]
fn notes_are_listed_in_the_huddle_newest_first_with_author_and_person() {
    let f = fixture();
    ward(&f, Role::Reader);
    f.store
        .apply_grants(&[
            grant("ward", Role::Editor, false, None),
            grant("other", Role::Editor, false, None),
        ])
        .unwrap();
    let sam = sam(&f.store, "ward");
    let elsewhere = sam_in(&f, "other");
    let first = f
        .store
        .add_handover_note("ward", None, "  Lift out of order: use the east stairs  ")
        .unwrap();
    assert_eq!(first.text, "Lift out of order: use the east stairs");
    f.clock.advance_minutes(30);
    let second = f
        .store
        .add_handover_note("ward", Some(sam.clone()), "Sam slept badly; go gently")
        .unwrap();
    let h = f.store.shift_huddle("ward", 24).unwrap();
    assert_eq!(
        h.notes
            .iter()
            .map(|n| n.note_id.as_str())
            .collect::<Vec<_>>(),
        vec![second.note_id.as_str(), first.note_id.as_str()]
    );
    let n = &h.notes[0];
    assert_eq!(n.author, "Alex Morgan");
    assert_eq!(n.job_title, "Support worker");
    assert_eq!(n.person_id.as_deref(), Some(sam.as_str()));
    assert_eq!(n.person_name, "Sam");
    assert_eq!(n.at, SHIFT_START.plus_minutes(30));
    assert!(!n.locked);
    assert_eq!(h.notes[1].person_id, None);

    // Out of the window after 25 hours; back in over 72.
    f.clock.advance_minutes(25 * 60);
    assert!(f.store.shift_huddle("ward", 24).unwrap().notes.is_empty());
    let h72 = f.store.shift_huddle("ward", 72).unwrap();
    assert_eq!(h72.notes.len(), 2);
    assert!(h72.notes.iter().all(|n| n.locked));

    // A person of another unit is refused, and writes nothing.
    let err = f
        .store
        .add_handover_note("ward", Some(elsewhere), "Wrong ward")
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { ref field, .. } if field == "person_id"),
        "{err}"
    );
    assert_eq!(f.store.shift_huddle("ward", 72).unwrap().notes.len(), 2);
}

fn sam_in(f: &Fixture, unit: &str) -> String {
    f.store
        .create_person(
            unit,
            steady_core::people::NewPerson {
                display_name: "Jo Park".into(),
                ..Default::default()
            },
        )
        .unwrap()
}

#[test]
fn a_note_is_bounded_and_needs_a_grant_and_a_named_writer() {
    let f = fixture();
    ward(&f, Role::Reader);
    let long = "x".repeat(HANDOVER_NOTE_CHARS + 1);
    for bad in ["", "   ", long.as_str()] {
        let err = f.store.add_handover_note("ward", None, bad).unwrap_err();
        assert!(
            matches!(err, Error::Validation { ref field, .. } if field == "text"),
            "{err}"
        );
    }
    assert!(
        f.store
            .add_handover_note("ward", None, &"x".repeat(HANDOVER_NOTE_CHARS))
            .is_ok()
    );
    let err = f
        .store
        .add_handover_note("no-such-ward", None, "Hello")
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed(_)), "{err}");
    assert_eq!(f.store.shift_huddle("ward", 24).unwrap().notes.len(), 1);

    // A device no member of staff has been named on yet writes no unsigned note.
    let dir = tempfile::tempdir().unwrap();
    let unnamed = steady_core::store::Store::open_with_clock(
        dir.path().join("steady.db"),
        &key(),
        TestClock::at(SHIFT_START),
    )
    .unwrap();
    unnamed
        .apply_grants(&[grant("ward", Role::Reader, false, None)])
        .unwrap();
    let err = unnamed
        .add_handover_note("ward", None, "Hello")
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { ref field, .. } if field == "author"),
        "{err}"
    );
    assert!(unnamed.shift_huddle("ward", 24).unwrap().notes.is_empty());
}

#[test]
fn only_the_author_corrects_a_note_and_only_for_twelve_hours() {
    let f = fixture();
    ward(&f, Role::Lead);
    let note = f
        .store
        .add_handover_note("ward", None, "Fire drill at 3")
        .unwrap();
    f.clock.advance_minutes(60);
    f.store
        .edit_handover_note(&note.note_id, "Fire drill at 3 pm")
        .unwrap();
    assert_eq!(
        f.store.shift_huddle("ward", 24).unwrap().notes[0].text,
        "Fire drill at 3 pm"
    );
    // Someone else on the device (a lead, even) cannot change it.
    f.store
        .set_staff_member(StaffMember {
            name: "Priya Shah".into(),
            job_title: "Ward manager".into(),
        })
        .unwrap();
    let err = f
        .store
        .edit_handover_note(&note.note_id, "Changed by another")
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed(_)), "{err}");
    // The author, after 12 hours: it stands as written.
    f.store
        .set_staff_member(StaffMember {
            name: "Alex Morgan".into(),
            job_title: "Support worker".into(),
        })
        .unwrap();
    f.clock.advance_minutes(11 * 60);
    let err = f
        .store
        .edit_handover_note(&note.note_id, "Too late")
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed(_)), "{err}");
    let h = f.store.shift_huddle("ward", 24).unwrap();
    assert_eq!(h.notes[0].text, "Fire drill at 3 pm");
    assert!(h.notes[0].locked);
}

fn note_op(fields: &[(&str, serde_json::Value)]) -> Operation {
    Operation {
        op_id: "op-note".into(),
        entity: EntityKind::HandoverNote,
        entity_id: "note-1".into(),
        unit_id: "ward".into(),
        change: Change::Fields(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        ),
        stamp: Hlc {
            wall_ms: SHIFT_START.0,
            counter: 0,
            device: "dev-a".into(),
        },
    }
}

#[test]
fn the_schema_binds_the_author_and_job_title_and_makes_a_note_whole() {
    let ctx = |creating| Context {
        writer: Writer::Staff {
            role: Role::Reader,
            name: "Alex Morgan",
            job_title: "Support worker",
        },
        now: SHIFT_START,
        creating,
        mental_health_unit: false,
    };
    let whole = |author: &str, job: &str| {
        note_op(&[
            ("text", json!("Quiet night")),
            ("author", json!(author)),
            ("job_title", json!(job)),
            ("at", json!(SHIFT_START.0)),
        ])
    };
    assert!(record_schema::check_op(&whole("Alex Morgan", "Support worker"), &ctx(true)).is_ok());
    let forged = record_schema::check_op(&whole("Priya Shah", "Support worker"), &ctx(true));
    assert_eq!(forged.unwrap_err().field, "author");
    let forged = record_schema::check_op(&whole("Alex Morgan", "Ward manager"), &ctx(true));
    assert_eq!(forged.unwrap_err().field, "job_title");
    // Made whole: a note with no author would be one nobody may correct.
    let partial = note_op(&[("text", json!("Quiet night"))]);
    assert_eq!(
        record_schema::check_op(&partial, &ctx(true))
            .unwrap_err()
            .field,
        "author"
    );
    // Once made, only the words change.
    assert!(record_schema::check_op(&partial, &ctx(false)).is_ok());
    let reauthor = note_op(&[("author", json!("Alex Morgan"))]);
    assert!(record_schema::check_op(&reauthor, &ctx(false)).is_err());
    let cleared = note_op(&[("text", serde_json::Value::Null)]);
    assert!(record_schema::check_op(&cleared, &ctx(false)).is_err());
    let oversize = note_op(&[("text", json!("x".repeat(HANDOVER_NOTE_CHARS + 1)))]);
    assert!(record_schema::check_op(&oversize, &ctx(false)).is_err());
    assert!(record_schema::names_the_writer(
        "Alex Morgan",
        &ctx(false).writer
    ));
    assert!(!record_schema::names_the_writer(
        "Priya Shah",
        &ctx(false).writer
    ));
}

#[test]
fn a_bad_note_pulled_from_the_server_never_breaks_the_huddle() {
    let f = fixture();
    ward(&f, Role::Reader);
    f.store
        .add_handover_note("ward", None, "A good note")
        .unwrap();
    let pulled = |id: &str, fields: &[(&str, serde_json::Value)]| PulledChange {
        entity_id: id.into(),
        ..PulledChange::from(&note_op(fields))
    };
    f.store
        .merge_pulled_changes(&[
            pulled(
                "bad-1",
                &[("text", json!(42)), ("at", json!(SHIFT_START.0))],
            ),
            pulled(
                "bad-2",
                &[("text", json!("no time")), ("at", json!("soon"))],
            ),
            pulled(
                "bad-3",
                &[
                    ("text", json!("about no one we know")),
                    ("at", json!(SHIFT_START.0)),
                    ("person_id", json!("ghost")),
                    ("author", json!({"nested": true})),
                ],
            ),
        ])
        .unwrap();
    let h = f.store.shift_huddle("ward", 24).unwrap();
    let texts: Vec<&str> = h.notes.iter().map(|n| n.text.as_str()).collect();
    assert!(texts.contains(&"A good note"), "{texts:?}");
    assert!(texts.contains(&"about no one we know"), "{texts:?}");
    assert_eq!(h.notes.len(), 2, "{texts:?}");
    let ghost = h.notes.iter().find(|n| n.note_id == "bad-3").unwrap();
    assert_eq!(
        (ghost.person_name.as_str(), ghost.author.as_str()),
        ("", "")
    );
}
