//! Debriefs that happen after the event (issue 15, item 5): a post-incident review held the
//! next day — the usual case — is its own append-only entry on the submitted record, counted
//! as a debrief held; one not held says why; staff reviews say whether support was offered.
//! All data is invented.

mod common;

use common::*;
use steady_core::Error;
use steady_core::codes::Role;
use steady_core::incident::{PostIncidentReview, QuickCapture, ReviewWith};

fn submitted(f: &Fixture) -> String {
    f.store
        .apply_grants(&[grant("home", Role::Reader, false, None)])
        .unwrap();
    let id = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "home".into(),
            note: "Shouting in the lounge; calmed with space".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    f.store.submit_incident(&id).unwrap();
    id
}

fn review(with: ReviewWith, held: bool) -> PostIncidentReview {
    PostIncidentReview {
        with,
        held,
        held_at: None,
        who: String::new(),
        why_not: None,
        wellbeing_offered: None,
        note: String::new(),
    }
}

#[test]
fn a_review_held_the_next_day_is_its_own_entry_and_counts_as_a_debrief() {
    let f = fixture();
    let id = submitted(&f);
    let before = f.store.incident(&id).unwrap();
    assert!(!before.debrief_held(ReviewWith::Person));

    f.clock.advance_days(1);
    let held_at = f.store.now();
    let entry = f
        .store
        .add_post_incident_review(
            &id,
            PostIncidentReview {
                held_at: Some(held_at),
                who: "keyworker and advocate".into(),
                note: "Agreed to ask for the quiet room earlier".into(),
                ..review(ReviewWith::Person, true)
            },
        )
        .unwrap();
    let staff = f
        .store
        .add_post_incident_review(
            &id,
            PostIncidentReview {
                why_not: Some("the two staff were on leave until Friday".into()),
                wellbeing_offered: Some(true),
                ..review(ReviewWith::Staff, false)
            },
        )
        .unwrap();
    let after = f.store.incident(&id).unwrap();
    assert!(after.debrief_held(ReviewWith::Person), "counted as held");
    assert!(
        !after.debrief_held(ReviewWith::Staff),
        "declined is not held"
    );
    let entries: Vec<_> = after.addenda.iter().map(|a| a.id.clone()).collect();
    assert_eq!(entries, vec![entry.clone(), staff.clone()]);
    let first = &after.addenda[0];
    assert_eq!(first.reason, "Post-incident review with the person");
    assert!(
        first.text.contains("keyworker and advocate"),
        "{}",
        first.text
    );
    assert_eq!(first.review.as_ref().unwrap().held_at, Some(held_at));
    let second = after.addenda[1].review.as_ref().unwrap();
    assert_eq!(second.wellbeing_offered, Some(true));
    assert!(after.addenda[1].text.contains("wellbeing offered"));
    // Sealed like any addendum.
    f.store.verify_records().unwrap();
}

#[test]
fn a_review_says_when_it_was_held_or_why_not_and_waits_for_the_submission() {
    let f = fixture();
    let id = submitted(&f);
    for (bad, field) in [
        (review(ReviewWith::Person, true), "review.held_at"),
        (review(ReviewWith::Staff, false), "review.why_not"),
        (
            PostIncidentReview {
                held_at: Some(f.store.now().plus_days(1)),
                ..review(ReviewWith::Person, true)
            },
            "review.held_at",
        ),
    ] {
        match f.store.add_post_incident_review(&id, bad) {
            Err(Error::Validation { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(
        f.store.incident(&id).unwrap().addenda.is_empty(),
        "nothing added"
    );

    let draft = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "home".into(),
            note: "Pacing".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    assert!(matches!(
        f.store.add_post_incident_review(
            &draft,
            PostIncidentReview {
                held_at: Some(f.store.now()),
                ..review(ReviewWith::Person, true)
            }
        ),
        Err(Error::Validation { .. })
    ));
}
