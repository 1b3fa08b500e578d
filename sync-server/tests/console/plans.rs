//! Proposals for plans and the shift huddle, end to end through real HTTP: a phone proposes an
//! early warning sign and a "what helps" from an incident through the core's own engine; the
//! lead accepts the one and declines the other (a reason required) on the console's forms; the
//! person's sheet then has the sign with its incident, on the console and on the phone, and the
//! reason is kept. The huddle lists the people with red and amber events and moderate checklists
//! over 24 and 72 hours, the open drafts and that no sheet is overdue.

use super::*;
use steady_core::incident::{Deescalation, IncidentDetails};
use steady_core::proposals::{ItemSource, PlanProposal};
use steady_core::sheet::SheetList;

pub(super) async fn a_phones_proposal_is_accepted_or_declined_in_the_console<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Ren Example").await;
    let csrf = lead.csrf().await;
    let (status, _) = lead
        .post(
            &format!("/console/people/{person}/items"),
            &[
                ("csrf", &csrf),
                ("list", SheetList::WhatHelps.key()),
                ("text", "Music in headphones"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let code = lead.enrolment_code(HOME, "reader").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let pid = person.clone();
    let (incident, phone) = tokio::task::spawn_blocking(move || {
        let (store, transport, _) = enrolled_phone(dir.path(), &url, &code);
        store.sync(&transport).expect("sync");
        let id = store
            .capture_incident(QuickCapture {
                unit_id: HOME.into(),
                note: "Synthetic: shouting in the lounge".into(),
                person_id: Some(pid.clone()),
                tags: vec![IncidentTag::DeescalatedSuccessfully],
                ..QuickCapture::default()
            })
            .expect("capture");
        store
            .update_incident(
                &id,
                IncidentDetails {
                    deescalation: Some(Deescalation {
                        own_strategies: vec!["Music in headphones".into()],
                        helped: vec!["Music in headphones".into()],
                        ..Deescalation::default()
                    }),
                    ..IncidentDetails::default()
                },
            )
            .expect("de-escalation");
        store
            .propose_plan_change(
                &id,
                PlanProposal {
                    list: SheetList::WarningSigns,
                    text: "Pulls his hood up and goes quiet".into(),
                },
            )
            .expect("propose a sign");
        store
            .propose_plan_change(
                &id,
                PlanProposal {
                    list: SheetList::WhatHelps,
                    text: "A walk round the garden".into(),
                },
            )
            .expect("propose a strategy");
        store.sync(&transport).expect("sync");
        (id, (store, transport, dir))
    })
    .await
    .expect("phone");

    // The queue: both, with who proposed them and a link to the incident.
    let page = format!("/console/units/{HOME}/proposals");
    let (status, html) = lead.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        html.matches("data-testid=\"proposal\"").count(),
        2,
        "{html}"
    );
    assert!(html.contains("Pulls his hood up and goes quiet"));
    assert!(html.contains(SheetList::WarningSigns.heading()));
    assert!(html.contains("Proposed by Alex Morgan, Support worker"));
    assert!(html.contains(&format!("href=\"/console/incidents/{incident}\"")));
    let entry = |words: &str| -> String {
        let at = html.find(words).expect("proposal");
        let rest = &html[at..];
        let k = rest.find("name=\"entry_id\" value=\"").expect("entry") + 23;
        rest[k..].split('"').next().expect("id").to_string()
    };
    let (sign, walk) = (
        entry("Pulls his hood up and goes quiet"),
        entry("A walk round the garden"),
    );
    let csrf = csrf_in(&html).expect("csrf");
    let accept = format!("/console/units/{HOME}/proposals/accept");
    let decline = format!("/console/units/{HOME}/proposals/decline");

    // A form without the session's token, a lead of another unit, and a decline without a
    // reason are refused and change nothing.
    let (status, _) = lead
        .post(&accept, &[("incident_id", &incident), ("entry_id", &sign)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = f
        .sign_in("ward@example.org", PASSWORD)
        .await
        .expect("ward lead");
    let their = stranger.csrf().await;
    let (status, _) = stranger
        .post(
            &accept,
            &[
                ("csrf", &their),
                ("incident_id", &incident),
                ("entry_id", &sign),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .post(
            &format!("/console/units/{WARD}/proposals/accept"),
            &[
                ("csrf", &their),
                ("incident_id", &incident),
                ("entry_id", &sign),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "not in that unit's queue: nothing to accept"
    );
    let (status, html) = lead
        .post(
            &decline,
            &[
                ("csrf", &csrf),
                ("incident_id", &incident),
                ("entry_id", &walk),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("Give a reason for declining"));
    let (_, html) = lead.get(&page).await;
    assert_eq!(html.matches("data-testid=\"proposal\"").count(), 2);

    // Accept the sign; decline the walk with a reason.
    let (status, to) = lead
        .post(
            &accept,
            &[
                ("csrf", &csrf),
                ("incident_id", &incident),
                ("entry_id", &sign),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert_eq!(to, format!("{page}?done=accepted"));
    let reason = "Not safe at night: the garden is unlit";
    let (status, to) = lead
        .post(
            &decline,
            &[
                ("csrf", &csrf),
                ("incident_id", &incident),
                ("entry_id", &walk),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, html) = lead.get(&page).await;
    assert!(html.contains("No proposals are waiting."), "{html}");
    let (status, _) = lead
        .post(
            &accept,
            &[
                ("csrf", &csrf),
                ("incident_id", &incident),
                ("entry_id", &walk),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "settled already");

    // The person's page: the sign from its incident, tried and helped beside what helps, the
    // declined proposal with its reason.
    let (status, html) = lead.get(&format!("/console/people/{person}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let beside = format!(
        "value=\"Pulls his hood up and goes quiet\"> <a href=\"/console/incidents/{incident}\" \
         class=\"source\">From the incident of "
    );
    assert!(
        html.contains(&beside),
        "the source is beside the item: {html}"
    );
    assert!(
        html.contains(
            "value=\"Music in headphones\"> <span class=\"outcome\">tried 1 · helped 1</span>"
        ),
        "tried and helped beside what helps"
    );
    assert!(html.contains("Proposals declined"));
    assert!(html.contains(reason));
    assert!(html.contains("A walk round the garden"));
    assert!(html.contains("Declined by Hana Home, Lead (web console)"));

    // The phone has the sign with its source, and the reason.
    let pid = person.clone();
    let inc = incident.clone();
    tokio::task::spawn_blocking(move || {
        let (store, transport, _dir) = phone;
        store.sync(&transport).expect("sync");
        let sheet = store.support_sheet(&pid).expect("sheet");
        let item = sheet
            .warning_signs
            .iter()
            .find(|i| i.text == "Pulls his hood up and goes quiet")
            .expect("accepted sign on the phone");
        assert_eq!(
            item.source,
            Some(ItemSource {
                incident_id: inc.clone(),
                entry_id: sign,
            })
        );
        assert!(!sheet.what_helps.iter().any(|i| i.text.contains("garden")));
        let declined = store.declined_proposals(&pid).expect("declined");
        assert_eq!(declined.len(), 1);
        assert_eq!(declined[0].reason, reason);
        assert_eq!(declined[0].source.entry_id, walk);
        assert!(store.plan_proposals(HOME).expect("queue").is_empty());
    })
    .await
    .expect("phone");

    // Both decisions are in the console audit log, by the lead, about the person.
    let audit = f
        .storage
        .console_audit_about(std::slice::from_ref(&person))
        .await
        .expect("audit");
    for what in ["accepted", "declined"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == "change" && e.detail.starts_with(&format!("proposal {what}"))),
            "{what}: {audit:?}"
        );
    }
}

pub(super) async fn the_huddle_lists_the_people_with_events_drafts_and_overdue_sheets<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let red = person_named(&lead, HOME, "Ash Red").await;
    let amber = person_named(&lead, HOME, "Bea Amber").await;
    let checked = person_named(&lead, HOME, "Cy Checked").await;
    let calm = person_named(&lead, HOME, "Dee Calm").await;
    let earlier = person_named(&lead, HOME, "Eli Earlier").await;
    let code = lead.enrolment_code(HOME, "editor").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let ids = [
        red.clone(),
        amber.clone(),
        checked.clone(),
        calm.clone(),
        earlier.clone(),
    ];
    let draft = tokio::task::spawn_blocking(move || {
        let [red, amber, checked, calm, earlier] = ids;
        let (store, transport, _) = enrolled_phone(dir.path(), &url, &code);
        store.sync(&transport).expect("sync");
        let capture = |who: &str, tags, hours_ago: i64| {
            store
                .capture_incident(QuickCapture {
                    unit_id: HOME.into(),
                    note: "Synthetic record for the huddle".into(),
                    person_id: Some(who.to_string()),
                    tags,
                    occurred_at: Some(Timestamp(Timestamp::now().0 - hours_ago * 3_600_000)),
                    ..QuickCapture::default()
                })
                .expect("capture")
        };
        let draft = capture(&red, vec![IncidentTag::PhysicalAggressionToStaff], 2);
        capture(&amber, vec![IncidentTag::VerbalAggression], 5);
        capture(&earlier, vec![IncidentTag::VerbalAggression], 50);
        store
            .run_checklist(HOME, "stamp", Some(checked.clone()), vec!["pacing".into()])
            .expect("moderate");
        store
            .run_checklist(
                HOME,
                "stamp",
                Some(checked),
                vec!["pacing".into(), "tone".into(), "staring".into()],
            )
            .expect("high");
        store
            .run_checklist(HOME, "stamp", Some(calm), vec![])
            .expect("low");
        store.sync(&transport).expect("sync");
        draft
    })
    .await
    .expect("phone");
    let rows = |html: &str| -> Vec<String> {
        html.split("<tr data-person=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap_or("").to_string())
            .collect()
    };
    let (status, html) = lead.get(&format!("/console/units/{HOME}/huddle")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(
        rows(&html),
        [red.clone(), checked.clone(), amber.clone()],
        "the most red first, then the checklist band"
    );
    assert!(html.contains("1 red") && html.contains("1 amber"));
    assert!(html.contains("<td>high</td>"), "the band in words");
    assert_eq!(html.matches("data-testid=\"checklist-run\"").count(), 1);
    assert!(html.contains("Latest: score 3 (high)"), "{html}");
    assert!(html.contains("up from the run before (1, moderate)"));
    assert!(
        html.contains(&format!("href=\"/console/incidents/{draft}\"")),
        "open draft linked"
    );
    let overdue = &html[html
        .find("data-testid=\"huddle-overdue\"")
        .expect("overdue")..];
    // A review date cannot be set in the past, so no sheet here is overdue yet.
    assert!(overdue.contains("None overdue."));

    let (status, html) = lead
        .get(&format!("/console/units/{HOME}/huddle?hours=72"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rows(&html),
        [red, checked, amber, earlier],
        "72 hours take in Eli"
    );
    assert!(html.contains("aria-current=\"page\""));
    assert!(
        !rows(&html).contains(&calm),
        "a low checklist is not a concern"
    );

    let (status, _) = lead
        .get(&format!("/console/units/{HOME}/huddle?hours=9000"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = lead.get(&format!("/console/units/{WARD}/huddle")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
