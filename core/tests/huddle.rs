//! The shift huddle (issue 16, item 2): after a few days of synthetic events on a ward, the
//! huddle at the start of a shift lists the right people, the open drafts and the overdue
//! sheets, and a person's checklist runs read as a series. All data is invented.

mod common;

use common::*;
use steady_core::checklist::BandLevel;
use steady_core::codes::{IncidentTag, RestrictiveInterventionType, Role};
use steady_core::incident::{QuickCapture, UseOfForce};
use steady_core::people::NewPerson;

fn someone(f: &Fixture, name: &str) -> String {
    f.store
        .create_person(
            "ward",
            NewPerson {
                display_name: name.into(),
                ..NewPerson::default()
            },
        )
        .unwrap()
}

fn incident(f: &Fixture, person: &str, hours_ago: i64, tags: Vec<IncidentTag>) -> String {
    f.store
        .capture_incident(QuickCapture {
            unit_id: "ward".into(),
            person_id: Some(person.into()),
            note: "Synthetic event".into(),
            tags,
            occurred_at: Some(huddle_time().plus_minutes(-60 * hours_ago)),
            ..QuickCapture::default()
        })
        .unwrap()
}

/// The start of the fifth day, when the huddle is held (the clock is moved there first).
fn huddle_time() -> steady_core::clock::Timestamp {
    SHIFT_START.plus_days(4)
}

#[test]
fn the_huddle_lists_who_had_a_red_or_amber_day_the_open_drafts_and_the_overdue_sheets() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward", Role::Editor, true, None)])
        .unwrap();
    let sam = someone(&f, "Samuel Okafor");
    let jo = someone(&f, "Jo Park");
    let ali = someone(&f, "Ali Khan");
    let kim = someone(&f, "Kim Lee");
    // Ali's sheet was due for review a day after the shift started.
    f.store
        .mark_sheet_reviewed(&ali, SHIFT_START.plus_days(1))
        .unwrap();
    // Four days of events, now at the start of the fifth.
    f.clock.advance_days(4);
    let held = incident(&f, &sam, 5, vec![IncidentTag::VerbalAggression]);
    f.store
        .add_use_of_force(
            &held,
            UseOfForce {
                id: String::new(),
                intervention: RestrictiveInterventionType::PhysicalStanding,
                reason: None,
                started_at: Some(huddle_time().plus_minutes(-300)),
                ended_at: Some(huddle_time().plus_minutes(-296)),
                in_care_plan: None,
                how_force_was_used: String::new(),
                staff: vec![],
                contraindication_override: None,
            },
        )
        .unwrap();
    let jo_shouted = incident(&f, &jo, 30, vec![IncidentTag::VerbalAggression]);
    f.store.submit_incident(&jo_shouted).unwrap();
    let kim_old = incident(&f, &kim, 90, vec![IncidentTag::PhysicalAggressionToStaff]);
    f.store.submit_incident(&kim_old).unwrap();
    let stamp = steady_core::checklist::stamp();
    let seen: Vec<String> = stamp.items.iter().take(4).map(|i| i.id.clone()).collect();
    f.store
        .run_checklist("ward", "stamp", Some(ali.clone()), seen)
        .unwrap();

    let day = f.store.shift_huddle("ward", 24).unwrap();
    let names: Vec<&str> = day.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Samuel Okafor", "Ali Khan"], "{day:?}");
    assert_eq!((day.people[0].red, day.people[0].amber), (1, 0));
    assert_eq!(day.people[1].checklist_band, Some(BandLevel::High));
    assert_eq!(day.open_drafts.len(), 1, "Sam's hold is still a draft");
    assert_eq!(day.open_drafts[0].incident_id, held);
    assert!(day.open_drafts[0].use_of_force);
    assert_eq!(day.sheets_overdue.len(), 1);
    assert_eq!(day.sheets_overdue[0].person_id, ali);

    let three_days = f.store.shift_huddle("ward", 72).unwrap();
    let names: Vec<&str> = three_days.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["Samuel Okafor", "Ali Khan", "Jo Park"]);
    assert_eq!(three_days.people[2].amber, 1);
    assert!(
        !names.contains(&"Kim Lee"),
        "an event four days ago is not this huddle's"
    );
    assert!(f.store.shift_huddle("ward", 0).is_err());
}

#[test]
fn a_persons_checklist_runs_read_as_a_series_oldest_first() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward", Role::Editor, true, None)])
        .unwrap();
    let sam = sam(&f.store, "ward");
    let stamp = steady_core::checklist::stamp();
    for (day, cues) in [(0, 4), (1, 2), (2, 0)] {
        f.clock.advance_days(i64::from(day > 0));
        let seen: Vec<String> = stamp
            .items
            .iter()
            .take(cues)
            .map(|i| i.id.clone())
            .collect();
        f.store
            .run_checklist("ward", "stamp", Some(sam.clone()), seen)
            .unwrap();
    }
    let series = f.store.checklist_history(&sam).unwrap();
    let scores: Vec<u32> = series.iter().map(|p| p.score).collect();
    assert_eq!(scores, vec![4, 2, 0], "falling day by day");
    assert!(series.windows(2).all(|w| w[0].at < w[1].at));
    assert_eq!(series[0].band, BandLevel::High);
}
