//! The exports and the counting, end to end: a phone records through the core's own engine over
//! HTTP and a lead downloads through the console. The MHSDS v5 CSVs are compared with the
//! committed fixtures in `tests/fixtures/mhsds/` (header rows exactly, and the known incident's
//! rows with its ids filled in); injury is exported as entered; a de-escalation and a near miss
//! are their own series; the subject-access export holds the checklist runs, redacts other staff
//! and other people, and still answers once the person has been removed.

use super::*;
use steady_core::codes::DeescalationStep;
use steady_core::codes::InjuryIndicator;
use steady_core::incident::{
    Debrief, Deescalation, IncidentDetails, PostIncidentReview, ReviewWith,
};

const MHS505_FIXTURE: &str = include_str!("../fixtures/mhsds/mhs505.csv");
const MHS515_FIXTURE: &str = include_str!("../fixtures/mhsds/mhs515.csv");

fn at(text: &str) -> Timestamp {
    Timestamp(
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("time")
            .timestamp_millis(),
    )
}

fn hold(
    kind: RestrictiveInterventionType,
    reason: RestrictiveInterventionReason,
    from: &str,
    to: &str,
) -> UseOfForce {
    UseOfForce {
        id: String::new(),
        intervention: kind,
        reason: Some(reason),
        started_at: Some(at(from)),
        ended_at: Some(at(to)),
        in_care_plan: Some(true),
        how_force_was_used: "Two staff; Jo Bloggs led".into(),
        staff: vec![
            StaffMember {
                name: "Alex Morgan".into(),
                job_title: "Support worker".into(),
            },
            StaffMember {
                name: "Jo Bloggs".into(),
                job_title: "Nurse".into(),
            },
        ],
        contraindication_override: None,
    }
}

/// What the phone recorded: the known incident's id and its two interventions' ids, and the
/// incident whose injury was described in text only.
struct Recorded {
    incident: String,
    prone: String,
    seclusion: String,
    text_only: String,
}

/// The phone's records (call off the async runtime).
fn record_on_phone(store: &Store, transport: &HttpTransport, person: &str) -> Recorded {
    store.sync(transport).expect("sync");
    let capture = |note: &str, when: &str, tags: Vec<IncidentTag>| {
        store
            .capture_incident(QuickCapture {
                unit_id: WARD.into(),
                note: note.into(),
                person_id: Some(person.into()),
                tags,
                occurred_at: Some(at(when)),
                ..QuickCapture::default()
            })
            .expect("capture")
    };
    // The known incident, in summer time: a prone hold, then seclusion.
    let incident = capture(
        "Hit out in the corridor. Jo Bloggs and Alex Morgan held; Robin Other was nearby.",
        "2026-07-10T08:55:00Z",
        vec![IncidentTag::PhysicalAggressionToOthers],
    );
    let prone = store
        .add_use_of_force(
            &incident,
            hold(
                RestrictiveInterventionType::PhysicalProne,
                RestrictiveInterventionReason::PreventSeriousIntentionalSelfHarm,
                "2026-07-10T09:00:00Z",
                "2026-07-10T09:12:00Z",
            ),
        )
        .expect("prone");
    let seclusion = store
        .add_use_of_force(
            &incident,
            hold(
                RestrictiveInterventionType::Seclusion,
                RestrictiveInterventionReason::PreventViolenceToOthers,
                "2026-07-10T09:20:00Z",
                "2026-07-10T11:00:00Z",
            ),
        )
        .expect("seclusion");
    store
        .update_incident(
            &incident,
            complete(IncidentDetails {
                injured_person: Some(InjuryIndicator::NotKnown),
                injured_staff: Some(InjuryIndicator::Yes),
                injured_others: Some(InjuryIndicator::No),
                injuries_person: Some("not checked, refused".into()),
                debrief_staff: Some(Debrief {
                    held: true,
                    note: "Team huddle".into(),
                }),
                ..IncidentDetails::default()
            }),
        )
        .expect("details");
    store.submit_incident(&incident).expect("submit");
    store
        .add_post_incident_review(
            &incident,
            PostIncidentReview {
                with: ReviewWith::Person,
                held: false,
                held_at: None,
                who: String::new(),
                why_not: Some("declined, too distressed".into()),
                wellbeing_offered: None,
                note: String::new(),
            },
        )
        .expect("review");
    // Injury described only in words: never read as an answer.
    let text_only = capture("Held briefly", "2026-07-12T10:00:00Z", vec![]);
    store
        .add_use_of_force(
            &text_only,
            hold(
                RestrictiveInterventionType::PhysicalStanding,
                RestrictiveInterventionReason::PreventViolenceToOthers,
                "2026-07-12T10:00:00Z",
                "2026-07-12T10:03:00Z",
            ),
        )
        .expect("standing");
    store
        .update_incident(
            &text_only,
            complete(IncidentDetails {
                injuries_person: Some("none observed".into()),
                ..IncidentDetails::default()
            }),
        )
        .expect("details");
    store.submit_incident(&text_only).expect("submit");
    // A de-escalation that worked and a near miss: their own series.
    let calm = capture(
        "Upset, settled with music",
        "2026-07-13T10:00:00Z",
        vec![IncidentTag::DeescalatedSuccessfully],
    );
    store.submit_incident(&calm).expect("submit");
    capture(
        "Nearly fell on the stairs",
        "2026-07-14T10:00:00Z",
        vec![IncidentTag::NearMiss],
    );
    store
        .run_checklist(
            WARD,
            &steady_core::checklist::stamp().id,
            Some(person.into()),
            vec![],
        )
        .expect("checklist");
    store.sync(transport).expect("sync");
    let full = store.incident(&incident).expect("incident");
    assert_eq!(full.use_of_force.len(), 2);
    Recorded {
        incident,
        prone,
        seclusion,
        text_only,
    }
}

/// Every s.6(5) item a submission on a mental health unit needs, with `rest` on top.
fn complete(rest: IncidentDetails) -> IncidentDetails {
    IncidentDetails {
        place: Some("Corridor".into()),
        non_staff_involved: Some(false),
        mental_disorder: Some("Not known".into()),
        relevant_characteristics: Some("Not known".into()),
        learning_disability_or_autism: Some(false),
        outcome: Some("Settled".into()),
        death_or_serious_injury: Some(false),
        notification_sent: Some(true),
        deescalation: Some(Deescalation {
            general_steps: vec![DeescalationStep::GiveSpace],
            ..Deescalation::default()
        }),
        ..rest
    }
}

fn filled(fixture: &str, pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .fold(fixture.to_string(), |text, (k, v)| text.replace(k, v))
}

pub async fn exports_follow_mhsds_and_subject_access_redacts<S: Storage + ConsoleStorage>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("ward@example.org", PASSWORD)
        .await
        .expect("signed in");
    let nhs = steady_core::nhs_number::synthetic(3);
    let csrf = lead.csrf().await;
    let (status, to) = lead
        .post(
            &format!("/console/units/{WARD}/people"),
            &[
                ("csrf", &csrf),
                ("display_name", "Sam Brightwell"),
                ("local_identifier", "WW410003"),
                ("nhs_number", &nhs),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let person = to.trim_start_matches("/console/people/").to_string();
    person_named(&lead, WARD, "Robin Other").await;
    let code = lead.enrolment_code(WARD, "editor").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let pid = person.clone();
    let (recorded, phone) = tokio::task::spawn_blocking(move || {
        let phone = enrolled_phone(dir.path(), &url, &code);
        let recorded = record_on_phone(&phone.0, &phone.1, &pid);
        (recorded, (phone.0, phone.1, dir))
    })
    .await
    .expect("phone");

    let range = "from=2026-07-01&to=2026-07-31";
    let csv = |name: &str| format!("/console/units/{WARD}/exports/{name}.csv?{range}");
    let (status, mhs505) = lead
        .get(&csv("mhs505-restrictive-intervention-incident"))
        .await;
    assert_eq!(status, StatusCode::OK, "{mhs505}");
    let expected = filled(
        MHS505_FIXTURE,
        &[("{incident}", &recorded.incident), ("{nhs_number}", &nhs)],
    );
    let expected: Vec<&str> = expected.split("\r\n").collect();
    let lines: Vec<&str> = mhs505.split("\r\n").collect();
    assert_eq!(lines[0], expected[0], "the MHS505 header, exactly");
    let known: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with(&recorded.incident))
        .collect();
    assert_eq!(known, [&expected[1]], "the known incident's MHS505 row");
    assert_eq!(
        lines.len(),
        4,
        "two incidents with force, and the end: {mhs505}"
    );

    let (status, mhs515) = lead.get(&csv("mhs515-restrictive-intervention-type")).await;
    assert_eq!(status, StatusCode::OK);
    let expected = filled(
        MHS515_FIXTURE,
        &[
            ("{incident}", &recorded.incident),
            ("{prone}", &recorded.prone),
            ("{seclusion}", &recorded.seclusion),
        ],
    );
    let expected: Vec<&str> = expected.split("\r\n").collect();
    let lines: Vec<&str> = mhs515.split("\r\n").collect();
    assert_eq!(lines[0], expected[0], "the MHS515 header, exactly");
    assert_eq!(
        &lines[1..3],
        &expected[1..3],
        "the known incident's MHS515 rows"
    );
    // "none observed" in the text and no answer: blank, not Y.
    let text_only: Vec<&str> = lines
        .iter()
        .find(|l| l.contains(&format!(",{},", recorded.text_only)))
        .expect("the text-only incident")
        .split(',')
        .collect();
    assert_eq!(&text_only[7..10], ["", "", ""], "{mhs515}");
    let (status, old) = lead.get(&csv("restrictive-interventions")).await;
    assert_eq!(status, StatusCode::OK);
    let header: Vec<&str> = old.lines().next().expect("header").split(',').collect();
    let injury = header
        .iter()
        .position(|h| *h == "injuries_to_person")
        .expect("column");
    for line in old.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let expect = if line.contains(&recorded.text_only) {
            ""
        } else {
            "U"
        };
        assert_eq!(cells[injury], expect, "{line}");
    }
    assert!(!old.contains("Sam Brightwell") && !mhs505.contains("Sam Brightwell"));

    // The three series, on the dashboard and in the summary.
    let (status, html) = lead
        .get(&format!("/console/units/{WARD}/dashboard?month=2026-07"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for (name, value) in [
        ("Incidents", 2),
        ("Successful de-escalations", 1),
        ("Near misses", 1),
        ("Uses of force", 3),
        ("Debriefs held", 1),
    ] {
        let row = format!("<th scope=\"row\">{name}</th><td>{value}</td>");
        assert!(html.contains(&row), "{row} in {html}");
    }
    let (status, summary) = lead.get(&csv("restrictive-practice-summary")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        summary.starts_with("month,incidents,successful_deescalations,near_misses,"),
        "{summary}"
    );
    assert!(
        summary.contains("\r\n2026-07,2,1,1,3,1,100,1\r\n"),
        "{summary}"
    );

    // Subject access: the checklist run, the person's own data, other staff as their role.
    let export = |doc: &str| -> serde_json::Value { serde_json::from_str(doc).expect("json") };
    let (status, json) = lead
        .get(&format!("/console/people/{person}/subject-access"))
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let doc = export(&json);
    assert_eq!(doc["person"]["display_name"], "Sam Brightwell");
    assert_eq!(doc["person"]["removed"], false);
    assert_eq!(doc["incidents"].as_array().map(Vec::len), Some(4));
    let runs = doc["checklist_runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "{json}");
    assert_eq!(runs[0]["by"], "Support worker", "who ran it, as their role");
    for name in ["Jo Bloggs", "Alex Morgan", "Robin Other", "Wyn Ward"] {
        assert!(!json.contains(name), "{name} is redacted: {json}");
    }
    let staff = &doc["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == recorded.incident.as_str())
        .expect("the known incident")["use_of_force"][0]["staff"];
    assert_eq!(staff[1]["name"], "Nurse");
    assert!(json.contains("[Nurse] and [Support worker] held; [another person] was nearby"));

    // Removed from the unit's list: the export still answers, from what the server holds.
    let (store, transport, _dir) = phone;
    let pid = person.clone();
    tokio::task::spawn_blocking(move || {
        store.remove_person(&pid).expect("remove");
        store.sync(&transport).expect("sync");
    })
    .await
    .expect("phone");
    let (status, _) = lead.get(&format!("/console/people/{person}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer on the list");
    let (status, json) = lead
        .get(&format!("/console/people/{person}/subject-access"))
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let doc = export(&json);
    assert_eq!(doc["person"]["removed"], true);
    assert_eq!(doc["person"]["display_name"], "Sam Brightwell");
    assert_eq!(doc["person"]["nhs_number"], nhs.as_str());
    assert_eq!(doc["incidents"].as_array().map(Vec::len), Some(4));
    assert_eq!(doc["checklist_runs"].as_array().map(Vec::len), Some(1));
    assert!(!json.contains("Jo Bloggs"));
    // Another lead's unit still does not answer for them.
    let home = f.sign_in("home@example.org", PASSWORD).await.expect("home");
    let (status, _) = home
        .get(&format!("/console/people/{person}/subject-access"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
