//! Unit tests of the CSV exports: the MHSDS v5 layouts, injury as entered, UK times, the older
//! file, the summary's separate series, and the formula guard.

use super::super::testdata::{NOW, at, date, force, incident, review};
use super::*;
use steady_core::codes::{IncidentTag, RestrictiveInterventionReason, RestrictiveInterventionType};
use steady_core::incident::{Debrief, Subject};

/// Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF) into rows, for checking.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR only before LF");
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && row.is_empty(), "the file ends with CRLF");
    rows
}

fn column(header: &[&str], name: &str) -> usize {
    header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// A submitted summer incident: a prone hold then seclusion, reasons 11 then 10, the person
/// frozen with an NHS number, injury answered for the person and staff, a review not held.
fn summer_incident() -> Incident {
    let mut i = incident("i-s", "2026-07-10T08:55:00Z");
    i.status = IncidentStatus::Submitted;
    i.subject = Some(Subject {
        name: "Sam Example".into(),
        nhs_number: Some(steady_core::nhs_number::synthetic(1)),
        local_identifier: Some("WW410001".into()),
    });
    let mut seclusion = force(
        "f-2",
        RestrictiveInterventionType::Seclusion,
        Some("2026-07-10T09:20:00Z"),
        Some("2026-07-10T11:00:00Z"),
    );
    seclusion.reason = Some(RestrictiveInterventionReason::PreventViolenceToOthers);
    let mut prone = force(
        "f-1",
        RestrictiveInterventionType::PhysicalProne,
        Some("2026-07-10T09:00:00Z"),
        Some("2026-07-10T09:12:00Z"),
    );
    prone.reason = Some(RestrictiveInterventionReason::PreventSeriousIntentionalSelfHarm);
    i.use_of_force = vec![seclusion, prone];
    i.injured_person = Some(InjuryIndicator::NotKnown);
    i.injured_staff = Some(InjuryIndicator::Yes);
    i.injuries_person = Some("not checked, refused".into());
    i.debrief_staff = Some(Debrief {
        held: true,
        note: "team huddle".into(),
    });
    i.addenda.push(review(
        ReviewWith::Person,
        false,
        "2026-07-11T10:00:00Z",
        Some("declined, too distressed"),
    ));
    i
}

#[test]
fn mhs505_has_one_row_per_incident_in_uk_time_with_the_incident_reason() {
    let mut other_unit = summer_incident();
    other_unit.unit_id = "u-2".into();
    other_unit.id = "i-other".into();
    let no_force = incident("i-n", "2026-07-10T08:00:00Z");
    let rows = parse_csv(&mhs505_csv(
        "u-1",
        &[summer_incident(), other_unit, no_force],
        date("2026-07-01"),
        date("2026-07-31"),
    ));
    assert_eq!(rows[0], MHS505_HEADER);
    assert_eq!(rows.len(), 2, "own unit, restrictive incidents only");
    assert_eq!(
        rows[1],
        [
            "i-s",
            steady_core::nhs_number::synthetic(1).as_str(),
            "WW410001",
            "2026-07-10",
            "10:00:00",
            "2026-07-10",
            "12:00:00",
            "11",
            "N",
            "",
            "Y",
            "u-1",
            "submitted",
            "",
            "11 10",
            "declined, too distressed",
        ]
    );
}

#[test]
fn mhs515_has_one_row_per_type_with_its_own_times_and_injury_as_entered() {
    let rows = parse_csv(&mhs515_csv(
        "u-1",
        &[summer_incident()],
        date("2026-07-10"),
        date("2026-07-10"),
    ));
    assert_eq!(rows[0], MHS515_HEADER);
    assert_eq!(
        rows[1],
        [
            "f-1",
            "i-s",
            "01",
            "2026-07-10",
            "10:00:00",
            "2026-07-10",
            "10:12:00",
            "U",
            "Y",
            "",
            "u-1",
            "submitted",
            "11",
        ]
    );
    assert_eq!(rows[2][column(&MHS515_HEADER, "RestrictiveIntType")], "05");
    assert_eq!(
        rows[2][column(&MHS515_HEADER, "StartTimeRestrictiveIntType")],
        "10:20:00"
    );
    assert_eq!(rows.len(), 3);
}

#[test]
fn injury_is_never_inferred_from_text() {
    let mut i = incident("i-t", "2026-11-10T08:00:00Z");
    i.use_of_force = vec![force(
        "f-1",
        RestrictiveInterventionType::PhysicalStanding,
        Some("2026-11-10T08:00:00Z"),
        Some("2026-11-10T08:03:00Z"),
    )];
    i.injuries_person = Some("none observed".into());
    i.injuries_staff = Some("not checked".into());
    i.injuries_others = Some("graze to elbow".into());
    let (from, to) = (date("2026-11-01"), date("2026-11-30"));
    let rows = parse_csv(&mhs515_csv("u-1", std::slice::from_ref(&i), from, to));
    for name in [
        "RestraintInjuryPatient",
        "RestraintInjuryCarePers",
        "RestraintInjuryOtherPers",
    ] {
        assert_eq!(rows[1][column(&MHS515_HEADER, name)], "", "{name}");
    }
    let old = parse_csv(&restrictive_interventions_csv(
        "u-1",
        "W",
        &[i.clone()],
        from,
        to,
    ));
    for name in [
        "injuries_to_person",
        "injuries_to_staff",
        "injuries_to_others",
    ] {
        assert_eq!(old[1][column(&CSV_HEADER, name)], "", "{name}");
    }
    i.injured_person = Some(InjuryIndicator::No);
    i.injured_others = Some(InjuryIndicator::NotKnown);
    let rows = parse_csv(&mhs515_csv("u-1", std::slice::from_ref(&i), from, to));
    assert_eq!(
        rows[1][column(&MHS515_HEADER, "RestraintInjuryPatient")],
        "N"
    );
    assert_eq!(
        rows[1][column(&MHS515_HEADER, "RestraintInjuryOtherPers")],
        "U"
    );
}

#[test]
fn an_incident_still_running_has_no_end_and_a_draft_no_frozen_identity() {
    let mut i = incident("i-r", "2026-11-10T08:00:00Z");
    i.nhs_number_not_known = Some(true);
    i.use_of_force = vec![
        force(
            "f-1",
            RestrictiveInterventionType::PhysicalStanding,
            Some("2026-11-10T08:00:00Z"),
            Some("2026-11-10T08:03:00Z"),
        ),
        force(
            "f-2",
            RestrictiveInterventionType::Seclusion,
            Some("2026-11-10T08:05:00Z"),
            None,
        ),
        force("f-3", RestrictiveInterventionType::ChemicalOral, None, None),
    ];
    i.use_of_force[0].reason = None;
    let rows = parse_csv(&mhs505_csv(
        "u-1",
        &[i],
        date("2026-11-10"),
        date("2026-11-10"),
    ));
    let row = &rows[1];
    let cell = |name: &str| row[column(&MHS505_HEADER, name)].as_str();
    assert_eq!(cell("NHSNumber"), "", "nothing frozen on a draft");
    assert_eq!(cell("SteadyRecordStatus"), "draft");
    assert_eq!(cell("SteadyNHSNumberNotKnown"), "Y");
    assert_eq!(
        cell("StartTimeRestrictiveIntInc"),
        "08:00:00",
        "GMT in November"
    );
    assert_eq!(cell("EndDateRestrictiveIntInc"), "");
    assert_eq!(
        cell("RestrictiveIntReason"),
        "10",
        "the first intervention with a reason"
    );
    assert_eq!(cell("RestrictiveIntPIReviewHeldPat"), "", "not recorded");
}

#[test]
fn the_older_csv_has_uk_times_and_one_row_per_use_of_force_in_range() {
    let mut a = summer_incident();
    a.id = "i-a".into();
    a.debrief_person = None;
    a.addenda = vec![review(
        ReviewWith::Person,
        true,
        "2026-07-11T10:00:00Z",
        None,
    )];
    let mut b = incident("i-b", "2026-07-31T23:30:00Z");
    b.use_of_force = vec![force(
        "f-9",
        RestrictiveInterventionType::Mechanical,
        None,
        None,
    )];
    let rows = parse_csv(&restrictive_interventions_csv(
        "u-1",
        "Willow Ward",
        &[b, a],
        date("2026-07-01"),
        date("2026-07-31"),
    ));
    assert_eq!(rows[0], CSV_HEADER);
    assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
    let ids: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(ids, ["i-a", "i-a"], "00:30 BST on 1 August is out of July");
    assert_eq!(
        rows[1],
        [
            "u-1",
            "Willow Ward",
            "i-a",
            "submitted",
            "2026-07-10T09:55:00+01:00",
            "p-1",
            "01",
            "Physical restraint: prone (face down)",
            "11",
            RestrictiveInterventionReason::PreventSeriousIntentionalSelfHarm.label(),
            "2026-07-10T10:00:00+01:00",
            "2026-07-10T10:12:00+01:00",
            "12",
            "Y",
            "Y",
            "2",
            "U",
            "Y",
            "Y",
            "",
        ]
    );
    assert_eq!(rows[2][column(&CSV_HEADER, "duration_minutes")], "100");
    assert_eq!(rows[2][column(&CSV_HEADER, "prone_over_10_minutes")], "N");
    let csv = restrictive_interventions_csv(
        "u-1",
        "W",
        &[summer_incident()],
        date("2026-07-10"),
        date("2026-07-10"),
    );
    assert!(!csv.contains("Sam Example"), "names of people never appear");
}

#[test]
fn an_empty_or_reversed_range_gives_only_the_header() {
    let all = [summer_incident()];
    let (late, early) = (date("2026-07-31"), date("2026-07-01"));
    assert_eq!(
        restrictive_interventions_csv("u-1", "W", &all, late, early),
        format!("{}\r\n", CSV_HEADER.join(","))
    );
    assert_eq!(
        mhs505_csv("u-1", &all, late, early),
        format!("{}\r\n", MHS505_HEADER.join(","))
    );
    assert_eq!(
        mhs515_csv("u-1", &all, late, early),
        format!("{}\r\n", MHS515_HEADER.join(","))
    );
    assert_eq!(
        summary_csv(&all, late, early, at(NOW)),
        format!("{}\r\n", SUMMARY_HEADER.join(","))
    );
}

#[test]
fn the_summary_keeps_deescalations_and_near_misses_out_of_incidents() {
    let mut calm = incident("i-c", "2026-07-02T10:00:00Z");
    calm.tags = vec![IncidentTag::DeescalatedSuccessfully];
    let mut near = incident("i-n", "2026-07-03T10:00:00Z");
    near.tags = vec![IncidentTag::NearMiss];
    let rows = parse_csv(&summary_csv(
        &[summer_incident(), calm, near],
        date("2026-06-15"),
        date("2026-08-01"),
        at(NOW),
    ));
    assert_eq!(rows[0], SUMMARY_HEADER);
    let months: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(months, ["2026-06", "2026-07", "2026-08"]);
    assert_eq!(rows[2], ["2026-07", "1", "1", "1", "2", "1", "100", "1"]);
}

#[test]
fn csv_cells_are_quoted_and_guarded_against_formulas() {
    assert_eq!(csv_cell("plain"), "plain");
    assert_eq!(csv_cell("a,b"), "\"a,b\"");
    assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    assert_eq!(csv_cell("+1"), "'+1");
    assert_eq!(csv_cell("-1"), "'-1");
    assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(csv_cell("\tx"), "'\tx");
    assert_eq!(csv_cell(""), "");
    let mut a = summer_incident();
    a.unit_id = "=cmd".into();
    a.person_id = Some("@p".into());
    a.subject.as_mut().unwrap().local_identifier = Some("-1+1".into());
    a.addenda = vec![review(
        ReviewWith::Person,
        false,
        "2026-07-11T10:00:00Z",
        Some("=1+1"),
    )];
    let (from, to) = (date("2026-07-01"), date("2026-07-31"));
    let rows = parse_csv(&restrictive_interventions_csv(
        "=cmd",
        "Ward, \"North\"",
        &[a.clone()],
        from,
        to,
    ));
    assert_eq!(rows[1][0], "'=cmd");
    assert_eq!(rows[1][1], "Ward, \"North\"");
    assert_eq!(rows[1][5], "'@p");
    let rows = parse_csv(&mhs505_csv("=cmd", &[a], from, to));
    assert_eq!(rows[1][column(&MHS505_HEADER, "LocalPatientId")], "'-1+1");
    assert_eq!(
        rows[1][column(&MHS505_HEADER, "SteadyPIReviewNotHeldReasonPatText")],
        "'=1+1"
    );
    assert_eq!(rows[1][column(&MHS505_HEADER, "SteadyUnitID")], "'=cmd");
}
