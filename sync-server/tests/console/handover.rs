//! Handover notes on the console's shift huddle, end to end through real HTTP: a phone writes a
//! note about a person through the core's own engine; the console's huddle lists it with its
//! author, job title and person; the lead writes one on the huddle's form, signed with their
//! name, and the phone pulls it; an empty note, a person not of the unit and an oversize note
//! are refused and save nothing. All data is invented.

use super::*;

pub(super) async fn a_phones_handover_note_is_in_the_console_huddle_and_a_leads_reaches_the_phone<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Ren Example").await;
    let code = lead.enrolment_code(HOME, "reader").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let pid = person.clone();
    let (phone, phone_note) = tokio::task::spawn_blocking(move || {
        let (store, transport, _) = enrolled_phone(dir.path(), &url, &code);
        store.sync(&transport).expect("sync");
        let note = store
            .add_handover_note(HOME, Some(pid), "Ren slept badly: go gently this morning")
            .expect("note");
        store.sync(&transport).expect("sync");
        ((store, transport, dir), note)
    })
    .await
    .expect("phone");

    let notes_of = |html: &str| -> Vec<String> {
        html.split("<li data-note=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap_or("").to_string())
            .collect()
    };
    let (status, html) = lead.get(&format!("/console/units/{HOME}/huddle")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(notes_of(&html), std::slice::from_ref(&phone_note.note_id));
    let notes = &html[html.find("data-testid=\"huddle-notes\"").expect("notes")..];
    assert!(notes.contains("Ren slept badly: go gently this morning"));
    assert!(notes.contains("<strong>Alex Morgan</strong>, Support worker"));
    assert!(notes.contains(&format!(
        "href=\"/console/people/{person}\">Ren Example</a>"
    )));

    // The lead writes one, about the unit.
    let csrf = lead.csrf().await;
    let (status, to) = lead
        .post(
            &format!("/console/units/{HOME}/huddle/notes"),
            &[
                ("csrf", &csrf),
                ("text", "  Lift out of order: use the east stairs  "),
                ("person_id", ""),
                ("hours", "72"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.contains("hours=72"), "{to}");
    let (_, html) = lead.get(&format!("/console/units/{HOME}/huddle")).await;
    let ids = notes_of(&html);
    assert_eq!(ids.len(), 2, "{html}");
    assert_eq!(ids[1], phone_note.note_id, "newest first");
    let notes = &html[html.find("data-testid=\"huddle-notes\"").expect("notes")..];
    assert!(notes.contains("Lift out of order: use the east stairs</p>"));

    // Refused, and nothing saved: empty, a person of another unit, too long, no CSRF token.
    let long = "x".repeat(2001);
    for (text, who) in [
        ("   ", ""),
        ("About someone not on this unit", "no-such-person"),
        (long.as_str(), ""),
    ] {
        let (status, body) = lead
            .post(
                &format!("/console/units/{HOME}/huddle/notes"),
                &[("csrf", &csrf), ("text", text), ("person_id", who)],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body.contains("Nothing was saved") || body.contains("2000"),
            "{body}"
        );
    }
    let (status, _) = lead
        .post(
            &format!("/console/units/{HOME}/huddle/notes"),
            &[("text", "No token")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = lead
        .post(
            &format!("/console/units/{WARD}/huddle/notes"),
            &[("csrf", &csrf), ("text", "Not my unit")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = lead.get(&format!("/console/units/{HOME}/huddle")).await;
    assert_eq!(notes_of(&html).len(), 2);

    // The phone pulls the lead's note, signed with the lead's name.
    let notes = tokio::task::spawn_blocking(move || {
        let (store, transport, _dir) = phone;
        store.sync(&transport).expect("sync");
        store.shift_huddle(HOME, 24).expect("huddle").notes
    })
    .await
    .expect("phone");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].text, "Lift out of order: use the east stairs");
    assert_eq!(notes[0].job_title, "Lead (web console)");
    assert!(!notes[0].author.is_empty());
    assert_eq!(notes[0].person_id, None);
}
