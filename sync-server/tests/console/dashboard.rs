//! The dashboard's direction, end to end through real HTTP: a phone records restraints in two
//! past months through the core's own engine, a lead enters occupied bed days on the console's
//! form, and the dashboard shows counts until every month of the window has bed days, then
//! rates per 1,000 occupied bed days, with the month compared with the month before; a lead of
//! two units sees the organisation's roll-up, and nobody enters bed days for a unit not theirs.

use super::*;
use chrono::{Datelike, Months, NaiveDate};
use steady_core::uk_time;

/// `YYYY-MM` of a date.
fn key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The value cells of the comparison row of `series`, tags stripped.
fn comparison_row(html: &str, series: &str) -> Vec<String> {
    let marker = format!("<tr data-series=\"{series}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {series}"))
        + marker.len();
    let row = &html[start..start + html[start..].find("</tr>").expect("row end")];
    row.split("<td>")
        .skip(1)
        .map(|cell| cell.split("</td>").next().unwrap_or("").to_string())
        .collect()
}

/// A hold of `kind` on the 10th of the month of `day`, at noon.
fn hold_in(day: NaiveDate, kind: RestrictiveInterventionType) -> UseOfForce {
    let start = uk_time::start_of_day(day.with_day(10).expect("10th")).plus_minutes(12 * 60);
    UseOfForce {
        intervention: kind,
        ..standing_hold_with_no_staff_named(start)
    }
}

pub(super) async fn the_dashboard_shows_rates_per_bed_days_run_charts_and_a_roll_up<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    accounts::add_lead(
        f.storage.as_ref(),
        "both@example.org",
        "Bo Both",
        PASSWORD,
        &[HOME.into(), WARD.into()],
        Timestamp::now(),
    )
    .await
    .expect("lead of both units");
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Ren Example").await;
    let code = lead.enrolment_code(HOME, "editor").await;
    // Two whole months in the past: A, then B (the month shown).
    let today = uk_time::local(Timestamp::now()).date();
    let b = today.with_day(1).expect("first") - Months::new(1);
    let a = b - Months::new(1);
    let month_b = key(b);

    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    tokio::task::spawn_blocking(move || {
        let (store, transport, _) = enrolled_phone(dir.path(), &url, &code);
        store.sync(&transport).expect("sync");
        let record = |day: NaiveDate, kinds: &[RestrictiveInterventionType], tags| {
            let id = store
                .capture_incident(QuickCapture {
                    unit_id: HOME.into(),
                    note: "Synthetic record for the dashboard".into(),
                    person_id: Some(person.clone()),
                    tags,
                    occurred_at: Some(
                        uk_time::start_of_day(day.with_day(10).expect("10th")).plus_minutes(600),
                    ),
                    ..QuickCapture::default()
                })
                .expect("capture");
            for kind in kinds {
                store
                    .add_use_of_force(&id, hold_in(day, *kind))
                    .expect("use of force");
            }
        };
        use RestrictiveInterventionType as T;
        record(a, &[T::PhysicalProne], vec![]);
        record(b, &[T::PhysicalProne, T::ChemicalOral], vec![]);
        record(b, &[T::PhysicalProne], vec![]);
        record(b, &[], vec![IncidentTag::DeescalatedSuccessfully]);
        store.sync(&transport).expect("sync");
    })
    .await
    .expect("phone");

    // No bed days yet: counts, and the page says so.
    let page = format!("/console/units/{HOME}/dashboard?month={month_b}");
    let (status, html) = lead.get(&page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Counts, not rates: occupied bed days are not entered for"));
    assert_eq!(
        comparison_row(&html, "prone")[..3],
        ["2", "1", "up 1"],
        "prone: B, A and the change"
    );
    assert_eq!(comparison_row(&html, "people-restrained")[0], "1");
    assert_eq!(comparison_row(&html, "chemical-restraint")[0], "1");
    assert_eq!(comparison_row(&html, "successful-deescalations")[0], "1");
    // Every chart's title comes before its chart, and the words are beside it.
    for series in ["prone", "seclusion", "near-misses", "people-restrained"] {
        let title = html
            .find(&format!("<h3 id=\"run-{series}\">"))
            .expect("title");
        let chart = html
            .find(&format!("data-testid=\"run-chart-{series}\""))
            .expect("chart");
        assert!(title < chart, "{series}");
        assert!(html.contains(&format!("aria-describedby=\"run-{series}-words\"")));
    }
    // The old month tables are still there.
    assert!(html.contains("data-testid=\"month-figures\""));

    // Bed days for the twelve months charted: B 400, the others 500.
    let csrf = lead.csrf().await;
    for back in 0..12 {
        let m = key(b - Months::new(back));
        let n = if back == 0 { "400" } else { "500" };
        let (status, to) = lead
            .post(
                &format!("/console/units/{HOME}/bed-days"),
                &[("csrf", &csrf), ("month", &m), ("bed_days", n)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
        assert_eq!(
            to,
            format!("/console/units/{HOME}/dashboard?month={m}&saved=1")
        );
    }
    for bad in ["-3", "many", "99999999"] {
        let (status, html) = lead
            .post(
                &format!("/console/units/{HOME}/bed-days"),
                &[("csrf", &csrf), ("month", &month_b), ("bed_days", bad)],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {html}");
    }
    let (status, _) = lead
        .post(
            &format!("/console/units/{HOME}/bed-days"),
            &[("csrf", &csrf), ("month", "2026-13"), ("bed_days", "5")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a month");
    // Not the lead's unit: 404, nothing stored.
    let (status, _) = lead
        .post(
            &format!("/console/units/{WARD}/bed-days"),
            &[("csrf", &csrf), ("month", &month_b), ("bed_days", "5")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        f.storage
            .bed_days(&[WARD.to_string()])
            .await
            .expect("bed days")
            .is_empty()
    );

    // Now rates: prone in B is 2 in 400 bed days, 5.0 per 1,000; A was 1 in 500, 2.0.
    let (status, html) = lead.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rates per 1,000 occupied bed days (bed days entered for every month)."));
    assert_eq!(
        comparison_row(&html, "prone")[..3],
        ["5.0", "2.0", "up 3.0"]
    );
    assert_eq!(comparison_row(&html, "physical-restraint")[0], "5.0");
    assert_eq!(comparison_row(&html, "chemical-restraint")[0], "2.5");
    assert!(html.contains("<td>400</td>"), "B's bed days in the table");
    assert!(html.contains("Median: 0.0 per 1,000 occupied bed days."));

    // A lead of both units: the organisation's roll-up over both, counts (Willow Ward has no
    // bed days), each unit's month in a row.
    let both = f
        .sign_in("both@example.org", PASSWORD)
        .await
        .expect("signed in");
    let (status, html) = both.get("/console").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("/console/roll-up?organisation=Test+Trust"),
        "{html}"
    );
    let (status, html) = both
        .get(&format!(
            "/console/roll-up?organisation=Test+Trust&month={month_b}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Test Trust (2 units)"));
    assert!(html.contains("Counts, not rates"));
    assert_eq!(comparison_row(&html, "prone")[..3], ["2", "1", "up 1"]);
    let units = &html[html
        .find("data-testid=\"roll-up-units\"")
        .expect("units table")..];
    assert!(units.contains(">Oak House</a>") && units.contains(">Willow Ward</a>"));
    // The home lead's roll-up is theirs only; an organisation not theirs is not found.
    let (status, html) = lead.get("/console/roll-up").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Test Trust (1 units)") && !html.contains("Willow Ward"));
    let (status, _) = lead.get("/console/roll-up?organisation=Elsewhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
