//! Change notifications and the view audit, as the apps use them: a screen hears exactly what
//! a save changed, a failed save announces nothing, and reloading after a change does not
//! flood the audit trail with views. All data is invented.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use steady_core::Error;
use steady_core::Refusal;
use steady_core::changes::{ChangeListener, StoreChange};
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::protocol::EntityKind;

#[derive(Default)]
struct Heard(Mutex<Vec<StoreChange>>);

impl ChangeListener for Heard {
    fn on_change(&self, change: &StoreChange) {
        self.0.lock().unwrap().push(change.clone());
    }
}

impl Heard {
    fn take(&self) -> Vec<StoreChange> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

#[test]
fn a_save_is_announced_once_with_what_it_changed_and_a_refused_one_not_at_all() {
    let f = fixture();
    let heard = Arc::new(Heard::default());
    f.store.subscribe(heard.clone());
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let granted = heard.take();
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].units_with_new_access, vec!["ward-a"]);

    let sam = sam(&f.store, "ward-a");
    let changes = heard.take();
    assert!(changes.iter().all(|c| c.units_with_new_access.is_empty()));
    assert!(changes.iter().any(|c| c.touches(EntityKind::Person, &sam)));
    assert!(changes.iter().any(|c| c.touches(EntityKind::Sheet, &sam)));

    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "Pacing by the door".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    let changes = heard.take();
    assert_eq!(changes.len(), 1, "one capture, one commit, one call");
    assert_eq!(changes[0].records.len(), 1);
    assert!(changes[0].touches(EntityKind::Incident, &incident));

    // A refused save changes nothing and says nothing.
    assert!(
        f.store
            .update_person(&sam, Some("  ".into()), None, None)
            .is_err()
    );
    assert!(heard.take().is_empty());

    // Reading the amber card again and again (a screen reloading) announces nothing.
    for _ in 0..3 {
        f.store.amber_card(&sam).unwrap();
    }
    assert!(heard.take().is_empty());

    // The same grants again are no change; an earlier end is.
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    assert!(heard.take().is_empty());
    let end = steady_core::clock::Timestamp(SHIFT_START.0 + 3_600_000);
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, Some(end))])
        .unwrap();
    assert_eq!(heard.take()[0].units_with_new_access, vec!["ward-a"]);
}

#[test]
fn a_listener_that_panics_does_not_stop_the_save_or_the_others() {
    struct Panics;
    impl ChangeListener for Panics {
        fn on_change(&self, _: &StoreChange) {
            panic!("a broken screen");
        }
    }
    let f = fixture();
    let heard = Arc::new(Heard::default());
    f.store.subscribe(Arc::new(Panics));
    f.store.subscribe(heard.clone());
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let id = sam(&f.store, "ward-a");
    assert!(!heard.take().is_empty());
    assert_eq!(f.store.person(&id).unwrap().display_name, "Samuel Okafor");
}

/// Reopening a card within ten minutes is one viewing; after a break, a new one; another
/// staff member's look is always their own event.
#[test]
fn views_of_the_same_card_within_ten_minutes_are_audited_once() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let views = |f: &Fixture| {
        f.store
            .audit_trail_for(&sam)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "view")
            .count()
    };
    f.store.amber_card(&sam).unwrap();
    f.store.amber_card(&sam).unwrap();
    f.clock.advance_minutes(9);
    f.store.amber_card(&sam).unwrap();
    assert_eq!(views(&f), 1);
    f.store.support_sheet(&sam).unwrap();
    assert_eq!(views(&f), 2, "the whole sheet is a different view");
    f.clock.advance_minutes(11);
    f.store.amber_card(&sam).unwrap();
    assert_eq!(views(&f), 3, "a look after a break is a new viewing");
    f.store
        .set_staff_member(steady_core::StaffMember {
            name: "Priya Das".into(),
            job_title: "Nurse".into(),
        })
        .unwrap();
    f.store.amber_card(&sam).unwrap();
    assert_eq!(views(&f), 4, "another person's look is theirs");
}

/// The refusals say which rule, so the app can say "your placement ended" rather than
/// "not allowed".
#[test]
fn refusals_name_the_rule_that_refused() {
    let f = fixture();
    let end = steady_core::clock::Timestamp(SHIFT_START.0 + 3_600_000);
    f.store
        .apply_grants(&[
            grant("ward-a", Role::Reader, false, Some(end)),
            grant("ward-b", Role::Reader, false, None),
        ])
        .unwrap();
    match f.store.create_person(
        "ward-b",
        steady_core::people::NewPerson {
            display_name: "Jo Park".into(),
            ..Default::default()
        },
    ) {
        Err(Error::NotAllowed(Refusal::RoleTooLow { role, needs, .. })) => {
            assert_eq!((role, needs), (Role::Reader, Role::Editor));
        }
        other => panic!("{other:?}"),
    }
    match f.store.people("ward-c") {
        Err(Error::NotAllowed(Refusal::NoAccess { unit_id })) => assert_eq!(unit_id, "ward-c"),
        other => panic!("{other:?}"),
    }
    f.clock.advance_minutes(61);
    match f.store.people("ward-a") {
        Err(Error::NotAllowed(Refusal::PlacementEnded {
            unit_id, ended_at, ..
        })) => {
            assert_eq!((unit_id.as_str(), ended_at), ("ward-a", end));
        }
        other => panic!("{other:?}"),
    }
}
