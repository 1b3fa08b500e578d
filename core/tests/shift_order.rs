//! The people list in the order a shift needs it, and search that says why a person matched
//! (issue 14: "the amber card in two taps for everyone"), against the public API.

mod common;

use common::*;
use steady_core::Error;
use steady_core::Store;
use steady_core::codes::{IncidentTag, RestrictiveInterventionType, Role};
use steady_core::incident::{QuickCapture, UseOfForce};
use steady_core::people::{NewPerson, PersonSummary, RECENT_EVENT_HOURS, RecentEventKind};
use steady_core::search::SearchField;
use steady_core::sheet::SheetList;

fn person(store: &Store, unit: &str, recorded: &str, preferred: Option<&str>) -> String {
    store
        .create_person(
            unit,
            NewPerson {
                display_name: recorded.into(),
                preferred_name: preferred.map(str::to_string),
                local_identifier: None,
                nhs_number: None,
            },
        )
        .unwrap()
}

fn names(people: &[PersonSummary]) -> Vec<&str> {
    people.iter().map(PersonSummary::name).collect()
}

fn incident_about(store: &Store, unit: &str, person_id: &str) -> String {
    store
        .capture_incident(QuickCapture {
            unit_id: unit.into(),
            note: "Shouted in the lounge, settled with a walk".into(),
            person_id: Some(person_id.into()),
            tags: vec![IncidentTag::VerbalAggression],
            ..QuickCapture::default()
        })
        .unwrap()
}

/// Ten people with nothing urgent, sorted by the name staff use (Peggy is not filed under her
/// recorded name, Margaret), case-insensitively.
#[test]
fn people_are_listed_by_the_name_a_worker_uses_ignoring_case() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    person(&f.store, "ward-a", "Margaret Jones", Some("Peggy"));
    person(&f.store, "ward-a", "idris Bello", None);
    person(&f.store, "ward-a", "Mo Farah", None);
    person(&f.store, "ward-a", "Zoe Adams", Some("  "));
    person(&f.store, "ward-a", "Anne Clark", Some("Annie"));
    let people = f.store.people("ward-a").unwrap();
    assert_eq!(
        names(&people),
        vec!["Annie", "idris Bello", "Mo Farah", "Peggy", "Zoe Adams"]
    );
    assert!(people.iter().all(|p| !p.pinned && p.recent_event.is_none()));
}

/// Pinned first, then a safety alert or a recent incident, then the rest; each group by name.
/// The summary says why (pinned, the alert, the recent event with the core's words).
#[test]
fn pinned_then_alerts_and_recent_events_then_the_rest() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Reader, false, None)])
        .unwrap();
    // The people and their sheets come from the unit's lead (written here as an editor).
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let alan = person(&f.store, "ward-a", "Alan Brown", None);
    let bea = person(&f.store, "ward-a", "Beatrice Cole", Some("Bea"));
    let cal = person(&f.store, "ward-a", "Callum Dunn", None);
    let dee = person(&f.store, "ward-a", "Deirdre Eve", Some("Dee"));
    let sam = sam(&f.store, "ward-a");
    f.store
        .add_safety_alert(&dee, "Diabetic: check sugar before meals", None)
        .unwrap();
    f.store
        .apply_grants(&[grant("ward-a", Role::Reader, false, None)])
        .unwrap();

    // Callum had an incident an hour ago; a reader may pin (it is this phone's own list).
    incident_about(&f.store, "ward-a", &cal);
    f.clock.advance_minutes(60);
    f.store.pin_person(&bea, true).unwrap();
    f.store.pin_person(&bea, true).unwrap(); // twice is once

    let people = f.store.people("ward-a").unwrap();
    assert_eq!(
        names(&people),
        vec!["Bea", "Callum Dunn", "Dee", "Sam", "Alan Brown"]
    );
    assert!(people[0].pinned);
    assert_eq!(
        people[1].recent_event.as_ref().map(|e| e.kind),
        Some(RecentEventKind::Incident)
    );
    assert_eq!(
        people[1].recent_event.as_ref().map(|e| e.label.as_str()),
        Some("Incident recorded")
    );
    assert_eq!(
        people[1].recent_event.as_ref().map(|e| e.at),
        Some(SHIFT_START)
    );
    assert_eq!(people[2].safety_alerts.len(), 1);
    assert!(people[4].recent_event.is_none() && people[4].safety_alerts.is_empty());

    // Unpinned, Bea goes back among the rest; Alan stays last but one.
    f.store.pin_person(&bea, false).unwrap();
    let people = f.store.people("ward-a").unwrap();
    assert_eq!(
        names(&people),
        vec!["Callum Dunn", "Dee", "Sam", "Alan Brown", "Bea"]
    );

    // At 72 hours the incident still counts; a minute later Callum joins the rest.
    f.clock.advance_minutes(RECENT_EVENT_HOURS * 60 - 60);
    assert_eq!(f.store.people("ward-a").unwrap()[0].name(), "Callum Dunn");
    f.clock.advance_minutes(1);
    let people = f.store.people("ward-a").unwrap();
    assert_eq!(
        names(&people),
        vec!["Dee", "Sam", "Alan Brown", "Bea", "Callum Dunn"]
    );
    let _ = (alan, sam);
}

/// A use of force outranks a plain incident as the reason shown; a moderate or high check
/// counts as an event, a low one does not.
#[test]
fn use_of_force_and_concerning_checks_bring_a_person_up() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, true, None)])
        .unwrap();
    let alan = person(&f.store, "ward-a", "Alan Brown", None);
    let bea = person(&f.store, "ward-a", "Bea Cole", None);
    let cal = person(&f.store, "ward-a", "Cal Dunn", None);
    let zed = person(&f.store, "ward-a", "Zed Young", None);

    incident_about(&f.store, "ward-a", &zed);
    let force = incident_about(&f.store, "ward-a", &zed);
    f.store
        .add_use_of_force(
            &force,
            UseOfForce {
                id: String::new(),
                intervention: RestrictiveInterventionType::PhysicalStanding,
                reason: None,
                started_at: Some(f.store.now()),
                ended_at: None,
                in_care_plan: None,
                how_force_was_used: String::new(),
                staff: Vec::new(),
                contraindication_override: None,
            },
        )
        .unwrap();
    incident_about(&f.store, "ward-a", &zed);

    // STAMP: nothing seen is low; two signs moderate; four high.
    f.store
        .run_checklist("ward-a", "stamp", Some(alan.clone()), vec![])
        .unwrap();
    f.store
        .run_checklist(
            "ward-a",
            "stamp",
            Some(bea.clone()),
            vec!["pacing".into(), "tone".into()],
        )
        .unwrap();
    f.store
        .run_checklist(
            "ward-a",
            "stamp",
            Some(cal.clone()),
            ["pacing", "tone", "staring", "anxiety"]
                .map(String::from)
                .to_vec(),
        )
        .unwrap();

    let people = f.store.people("ward-a").unwrap();
    assert_eq!(
        names(&people),
        vec!["Bea Cole", "Cal Dunn", "Zed Young", "Alan Brown"]
    );
    let kind = |name: &str| {
        people
            .iter()
            .find(|p| p.name() == name)
            .and_then(|p| p.recent_event.as_ref())
            .map(|e| (e.kind, e.label.as_str()))
    };
    assert_eq!(
        kind("Bea Cole"),
        Some((
            RecentEventKind::CheckModerate,
            "Warning signs check: moderate"
        ))
    );
    assert_eq!(
        kind("Cal Dunn"),
        Some((RecentEventKind::CheckHigh, "Warning signs check: high"))
    );
    assert_eq!(
        kind("Zed Young"),
        Some((RecentEventKind::UseOfForce, "Use of force recorded"))
    );
    assert_eq!(kind("Alan Brown"), None);
}

/// A pin is this phone's: it survives a restart, cannot be set once the placement has ended,
/// refuses an unknown person, and leaves the device with the unit's data.
#[test]
fn a_pin_stays_on_this_phone_and_leaves_with_the_unit() {
    let f = fixture();
    let end = SHIFT_START.plus_days(2);
    f.store
        .apply_grants(&[grant("home-b", Role::Editor, false, Some(end))])
        .unwrap();
    let zed = person(&f.store, "home-b", "Zed Young", None);
    person(&f.store, "home-b", "Amy Lee", None);
    f.store.pin_person(&zed, true).unwrap();
    assert!(matches!(
        f.store.pin_person("nobody", true),
        Err(Error::NotFound { .. })
    ));
    // Pins are never sent: pinning queued nothing for the server.
    let queued = f.store.pending_operations(100).unwrap().len();
    f.store.pin_person(&zed, false).unwrap();
    f.store.pin_person(&zed, true).unwrap();
    assert_eq!(f.store.pending_operations(100).unwrap().len(), queued);

    let f = f.reopen();
    let people = f.store.people("home-b").unwrap();
    assert_eq!(names(&people), vec!["Zed Young", "Amy Lee"]);
    assert!(people[0].pinned);

    f.clock.advance_days(2);
    assert!(matches!(
        f.store.pin_person(&zed, false),
        Err(Error::NotAllowed(_))
    ));
    f.store.acknowledge_operations(&op_ids(&f.store)).unwrap();
    assert_eq!(
        f.store.purge_ended_units().unwrap(),
        vec!["home-b".to_string()]
    );
    // Nothing of the pin is left in the store file.
    let conn = rusqlite::Connection::open(f.path()).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", "5a".repeat(32)))
        .unwrap();
    let pins: i64 = conn
        .query_row("SELECT count(*) FROM pinned_people", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pins, 0);
}

/// Search says why a person matched: the field and the whole line, in the core's words.
#[test]
fn search_hits_carry_the_line_that_matched() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    let sam = sam(&f.store, "ward-a");
    let sam_line = |typed: &str| {
        let hits = f.store.search_people(typed, 10).unwrap();
        let hit = hits
            .into_iter()
            .find(|h| h.person_id == sam)
            .unwrap_or_else(|| panic!("{typed} finds Sam"));
        let m = hit.matched.expect("a matched line");
        (m.field, m.text, m.line)
    };

    assert_eq!(
        sam_line("loud"),
        (
            SearchField::Trigger,
            "Loud alarms".into(),
            "Trigger: Loud alarms".into()
        )
    );
    assert_eq!(
        sam_line("pacing").2,
        "Warning sign: Pacing",
        "the review's own example"
    );
    // Several words: the line holding most of them, not the first that holds one.
    assert_eq!(
        sam_line("rubbing hands").2,
        "Warning sign: Rubbing his hands"
    );
    assert_eq!(sam_line("asthma").2, "Safety alert: No prone holds: asthma");
    assert_eq!(sam_line("okaf").0, SearchField::Name);
    assert_eq!(sam_line("okaf").2, "Name: Samuel Okafor");
    assert_eq!(sam_line("SYN-0001").2, "Identifier: SYN-0001");
    // "sam" is a prefix of both his names: the first name line says it.
    assert_eq!(sam_line("sam").2, "Name: Samuel Okafor");
    let peggy = person(&f.store, "ward-a", "Margaret Jones", Some("Peggy"));
    let hits = f.store.search_people("peg", 10).unwrap();
    assert_eq!(hits[0].person_id, peggy);
    assert_eq!(
        hits[0].matched.as_ref().map(|m| m.line.as_str()),
        Some("Likes to be called: Peggy")
    );

    // Edited, the line follows at once (the index is rebuilt in the same transaction).
    f.store
        .add_sheet_item(&sam, SheetList::Triggers, "Being rushed at mealtimes", None)
        .unwrap();
    assert_eq!(
        sam_line("mealtimes").2,
        "Trigger: Being rushed at mealtimes"
    );
}

fn op_ids(store: &Store) -> Vec<String> {
    store
        .pending_operations(10_000)
        .unwrap()
        .into_iter()
        .map(|op| op.op_id)
        .collect()
}
