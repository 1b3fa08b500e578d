//! The CSV exports: one file per MHSDS v5 table, the older one-row-per-use-of-force file, and a
//! monthly summary of the three separate series.
//!
//! # MHSDS v5 layout
//! MHSDS v5 split the old MHS505 Restrictive Intervention table in two: **MHS505 Restrictive
//! Intervention Incident** (one row per incident, with the incident-level reason and the
//! post-incident review) and **MHS515 Restrictive Intervention Type** (one row per type used in
//! the incident, with its own start and end, and the restraint injury indicators). Sources
//! checked (field names; full account in `docs/exports.md`):
//! - NHS Digital, "Announcement of methodological changes to the Restrictive Intervention
//!   Statistics" (<https://digital.nhs.uk/data-and-information/find-data-and-publications/statement-of-administrative-sources/methodological-changes/restrictive-intervention-statistics>):
//!   the two tables and `RestrictiveIntIncID` / `RestrictiveIntTypeID`.
//! - NHS Digital's own notebook, GitHub `NHSDigital/mental-health-monthly-statistics`,
//!   `Mental_Health_Monthly_Statistics/Restraints/Restraints_Prep.py` (commit 7b4d742): MHS505
//!   `StartDateRestrictiveIntInc`, `StartTimeRestrictiveIntInc`, `EndDateRestrictiveIntInc`,
//!   `EndTimeRestrictiveIntInc`, `RestrictiveIntReason` (codes 10-19, 98, 99); MHS515
//!   `RestrictiveIntType`, `StartDateRestrictiveIntType`, `StartTimeRestrictiveIntType`,
//!   `EndDateRestrictiveIntType`, `EndTimeRestrictiveIntType`, `RestraintInjuryPatient` (read as
//!   `Y` yes, `N` no, anything else unknown).
//! - A provider's dbt models of the MHSDS tables, GitHub `ncl-icb-analytics/dbt-ncl-analytics`,
//!   `models/raw/commissioning/raw_mhsds_mhs505restrictiveinterventinc.sql` and
//!   `raw_mhsds_mhs515restrictiveinterventtype.sql`: MHS505 `RestrictiveIntPIReviewHeldPat`,
//!   `RestrictiveIntPIReviewNotHeldReasPat`, `RestrictiveIntPIReviewHeldCarePers`; MHS515
//!   `RestraintInjuryCarePers`, `RestraintInjuryOtherPers`. (Not NHS Digital's own text.)
//! - `NHSNumber` and `LocalPatientId` are MHS001 Master Patient Index fields (same dbt source),
//!   carried on each MHS505 row because Steady has no MHS001 table to join to.
//!
//! **Not verified**: the code list of `RestrictiveIntPIReviewNotHeldReasPat` (Steady records why
//! a review was not held as text, so that column is left blank and the text goes in
//! `SteadyPIReviewNotHeldReasonPatText`), and the code MHSDS uses for a "not known" injury
//! indicator: Steady writes `U`, which NHS Digital's notebook reads as unknown (anything other
//! than `Y` or `N`). Columns named `Steady…` are Steady's own, not MHSDS items.
//!
//! # Rules common to every file
//! Dates are `YYYY-MM-DD` and times `HH:MM:SS` on a UK clock (Europe/London); a range `from`..`to`
//! is inclusive UK dates. RFC 4180 quoting with CRLF line ends; any cell beginning `=`, `+`, `-`,
//! `@`, tab or carriage return gets a leading `'` ([`csv_cell`]) so a spreadsheet does not run it
//! as a formula. Names of people never appear. Injury is exported only as staff answered it
//! (`Y`, `N`, `U` for not known, blank when never answered), never read from the free-text
//! descriptions.

use chrono::NaiveDate;
use steady_core::clock::Timestamp;
use steady_core::codes::InjuryIndicator;
use steady_core::incident::{Incident, IncidentStatus, ReviewWith, UseOfForce};
use steady_core::uk_time;

use super::counting::figures_for;
use super::{MAX_TREND_MONTHS, MINUTE_MS, Month, uk_date};

/// One CSV cell: formula-guarded, then quoted per RFC 4180 when it needs to be.
pub fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A whole CSV file: the header, then each row, every line ending CRLF.
fn csv_file<const N: usize>(header: &[&str; N], rows: impl Iterator<Item = [String; N]>) -> String {
    let mut csv = header.join(",");
    csv.push_str("\r\n");
    for row in rows {
        let line: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    csv
}

fn uk_day(t: Option<Timestamp>) -> String {
    t.map(|t| uk_time::format(t, "%Y-%m-%d", false))
        .unwrap_or_default()
}

fn uk_clock(t: Option<Timestamp>) -> String {
    t.map(|t| uk_time::format(t, "%H:%M:%S", false))
        .unwrap_or_default()
}

/// An instant as ISO 8601 on a UK clock with its offset, e.g. `2026-07-10T09:00:00+01:00`.
fn uk_iso(t: Timestamp) -> String {
    let offset = if uk_time::offset_ms(t) == 0 {
        "+00:00"
    } else {
        "+01:00"
    };
    format!("{}{offset}", uk_time::format(t, "%Y-%m-%dT%H:%M:%S", false))
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Y",
        Some(false) => "N",
        None => "",
    }
}

/// An injury indicator as entered: `Y`, `N`, `U` (not known), blank when never answered.
fn injury(value: Option<InjuryIndicator>) -> &'static str {
    match value {
        Some(InjuryIndicator::Yes) => "Y",
        Some(InjuryIndicator::No) => "N",
        Some(InjuryIndicator::NotKnown) => "U",
        None => "",
    }
}

fn status(incident: &Incident) -> &'static str {
    match incident.status {
        IncidentStatus::Submitted => "submitted",
        IncidentStatus::Draft => "draft",
    }
}

/// Whether a post-incident review with `with` was held: `Some(true)` if held at the submission or
/// in any review after; `Some(false)` if recorded as not held (and none held); with the reason
/// given for not holding it.
fn review_held(incident: &Incident, with: ReviewWith) -> (Option<bool>, String) {
    if incident.debrief_held(with) {
        return (Some(true), String::new());
    }
    let at_submission = match with {
        ReviewWith::Person => &incident.debrief_person,
        ReviewWith::Staff => &incident.debrief_staff,
    };
    let mut why: Vec<String> = at_submission
        .iter()
        .filter(|d| !d.held && !d.note.trim().is_empty())
        .map(|d| d.note.trim().to_string())
        .collect();
    let later: Vec<_> = incident
        .addenda
        .iter()
        .filter_map(|a| a.review.as_ref())
        .filter(|r| r.with == with && !r.held)
        .collect();
    why.extend(
        later
            .iter()
            .filter_map(|r| r.why_not.as_deref())
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_string),
    );
    if at_submission.is_some() || !later.is_empty() {
        (Some(false), why.join("; "))
    } else {
        (None, String::new())
    }
}

/// An incident's restrictive interventions, earliest start first (untimed ones last).
fn by_start(incident: &Incident) -> Vec<&UseOfForce> {
    let mut entries: Vec<&UseOfForce> = incident.use_of_force.iter().collect();
    entries.sort_by_key(|e| (e.started_at.is_none(), e.started_at, e.id.clone()));
    entries
}

/// The incident's start: the earliest start of its interventions.
fn incident_start(incident: &Incident) -> Option<Timestamp> {
    incident
        .use_of_force
        .iter()
        .filter_map(|e| e.started_at)
        .min()
}

/// The incident's end: the latest end of its timed interventions; none while one still runs.
fn incident_end(incident: &Incident) -> Option<Timestamp> {
    let timed: Vec<&UseOfForce> = incident
        .use_of_force
        .iter()
        .filter(|e| e.started_at.is_some())
        .collect();
    if timed.is_empty() || timed.iter().any(|e| e.ended_at.is_none()) {
        return None;
    }
    timed.iter().filter_map(|e| e.ended_at).max()
}

/// The incidents of `unit_id` with a restrictive intervention whose start (or, untimed, whose
/// `occurred_at`) is on a UK date in `[from, to]`, in that time order.
fn restrictive_incidents<'a>(
    unit_id: &str,
    incidents: &'a [Incident],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<&'a Incident> {
    let anchor = |i: &Incident| incident_start(i).unwrap_or(i.occurred_at);
    let mut chosen: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.unit_id == unit_id && !i.use_of_force.is_empty())
        .filter(|i| (from..=to).contains(&uk_date(anchor(i))))
        .collect();
    chosen.sort_by(|a, b| anchor(a).cmp(&anchor(b)).then_with(|| a.id.cmp(&b.id)));
    chosen
}

/// MHS505 Restrictive Intervention Incident: the header, MHSDS v5 items first, then Steady's.
pub const MHS505_HEADER: [&str; 16] = [
    "RestrictiveIntIncID",
    "NHSNumber",
    "LocalPatientId",
    "StartDateRestrictiveIntInc",
    "StartTimeRestrictiveIntInc",
    "EndDateRestrictiveIntInc",
    "EndTimeRestrictiveIntInc",
    "RestrictiveIntReason",
    "RestrictiveIntPIReviewHeldPat",
    "RestrictiveIntPIReviewNotHeldReasPat",
    "RestrictiveIntPIReviewHeldCarePers",
    "SteadyUnitID",
    "SteadyRecordStatus",
    "SteadyNHSNumberNotKnown",
    "SteadyReasonsRecorded",
    "SteadyPIReviewNotHeldReasonPatText",
];

/// One row per incident of `unit_id` with a restrictive intervention starting on a UK date in
/// `[from, to]` ([`MHS505_HEADER`]). The person's NHS number and local identifier are those
/// frozen at submission (blank on a draft: nothing is frozen yet). The incident starts at the
/// earliest start of its interventions and ends at the latest end (blank while one still runs).
/// Steady records a reason per intervention; the incident-level `RestrictiveIntReason` is the
/// reason of the earliest-starting intervention that has one, and `SteadyReasonsRecorded` lists
/// every distinct reason code in that order. The review columns are `Y`/`N` (held at the
/// submission or in a review recorded after it), blank when not recorded.
pub fn mhs505_csv(unit_id: &str, incidents: &[Incident], from: NaiveDate, to: NaiveDate) -> String {
    let rows = restrictive_incidents(unit_id, incidents, from, to)
        .into_iter()
        .map(|incident| {
            let mut reasons: Vec<&str> = Vec::new();
            for r in by_start(incident).iter().filter_map(|e| e.reason) {
                if !reasons.contains(&r.code()) {
                    reasons.push(r.code());
                }
            }
            let (start, end) = (incident_start(incident), incident_end(incident));
            let subject = incident.subject.as_ref();
            let (held_person, why_not_person) = review_held(incident, ReviewWith::Person);
            let (held_staff, _) = review_held(incident, ReviewWith::Staff);
            [
                incident.id.clone(),
                subject
                    .and_then(|s| s.nhs_number.as_deref())
                    .map(|n| n.replace(' ', ""))
                    .unwrap_or_default(),
                subject
                    .and_then(|s| s.local_identifier.clone())
                    .unwrap_or_default(),
                uk_day(start),
                uk_clock(start),
                uk_day(end),
                uk_clock(end),
                reasons.first().copied().unwrap_or_default().to_string(),
                yes_no(held_person).to_string(),
                // The MHSDS code list for why a review was not held is not verified: left blank.
                String::new(),
                yes_no(held_staff).to_string(),
                unit_id.to_string(),
                status(incident).to_string(),
                yes_no(incident.nhs_number_not_known).to_string(),
                reasons.join(" "),
                why_not_person,
            ]
        });
    csv_file(&MHS505_HEADER, rows)
}

/// MHS515 Restrictive Intervention Type: the header, MHSDS v5 items first, then Steady's.
pub const MHS515_HEADER: [&str; 13] = [
    "RestrictiveIntTypeID",
    "RestrictiveIntIncID",
    "RestrictiveIntType",
    "StartDateRestrictiveIntType",
    "StartTimeRestrictiveIntType",
    "EndDateRestrictiveIntType",
    "EndTimeRestrictiveIntType",
    "RestraintInjuryPatient",
    "RestraintInjuryCarePers",
    "RestraintInjuryOtherPers",
    "SteadyUnitID",
    "SteadyRecordStatus",
    "SteadyRestrictiveIntReason",
];

/// One row per restrictive intervention of the incidents [`mhs505_csv`] lists for the same
/// arguments (so the two files join on `RestrictiveIntIncID`), each incident's in start order
/// ([`MHS515_HEADER`]): its MHSDS type code and its own start and end. MHSDS keeps the injury
/// indicators on this table; Steady asks them once per incident, so each of an incident's rows
/// carries the incident's answers, as entered.
pub fn mhs515_csv(unit_id: &str, incidents: &[Incident], from: NaiveDate, to: NaiveDate) -> String {
    let rows = restrictive_incidents(unit_id, incidents, from, to)
        .into_iter()
        .flat_map(|incident| {
            by_start(incident).into_iter().map(move |entry| {
                [
                    entry.id.clone(),
                    incident.id.clone(),
                    entry.intervention.code().to_string(),
                    uk_day(entry.started_at),
                    uk_clock(entry.started_at),
                    uk_day(entry.ended_at),
                    uk_clock(entry.ended_at),
                    injury(incident.injured_person).to_string(),
                    injury(incident.injured_staff).to_string(),
                    injury(incident.injured_others).to_string(),
                    unit_id.to_string(),
                    status(incident).to_string(),
                    entry
                        .reason
                        .map(|r| r.code())
                        .unwrap_or_default()
                        .to_string(),
                ]
            })
        });
    csv_file(&MHS515_HEADER, rows)
}

/// The older restrictive-interventions CSV's header row, in column order.
pub const CSV_HEADER: [&str; 20] = [
    "unit_id",
    "unit_name",
    "incident_id",
    "incident_status",
    "occurred_at",
    "person_id",
    "restrictive_intervention_type_code",
    "restrictive_intervention_type",
    "restrictive_intervention_reason_code",
    "restrictive_intervention_reason",
    "started_at",
    "ended_at",
    "duration_minutes",
    "prone_over_10_minutes",
    "in_care_plan",
    "staff_count",
    "injuries_to_person",
    "debrief_with_person_held",
    "injuries_to_staff",
    "injuries_to_others",
];

/// The older restrictive-interventions CSV, kept for the returns already built on it: header row
/// ([`CSV_HEADER`]), then one row per use-of-force entry whose start (or its incident's time, if
/// it has no start) falls on a UK date from `from` to `to` inclusive, in time order. Instants are
/// ISO 8601 on a UK clock with their offset. `duration_minutes` is whole minutes from start to
/// end, blank while running or without a start; `prone_over_10_minutes` is `Y`/`N` for an ended
/// timed hold and blank while running or untimed; the injury columns are the indicators as
/// entered (`Y`, `N`, `U`, blank); `in_care_plan` and `debrief_with_person_held` are blank when
/// not recorded. Incidents of other units in `incidents` are left out.
pub fn restrictive_interventions_csv(
    unit_id: &str,
    unit_name: &str,
    incidents: &[Incident],
    from: NaiveDate,
    to: NaiveDate,
) -> String {
    let mut rows: Vec<(Timestamp, &Incident, &UseOfForce)> = incidents
        .iter()
        .filter(|i| i.unit_id == unit_id)
        .flat_map(|i| {
            i.use_of_force
                .iter()
                .map(move |e| (e.started_at.unwrap_or(i.occurred_at), i, e))
        })
        .filter(|(at, _, _)| (from..=to).contains(&uk_date(*at)))
        .collect();
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.id.cmp(&b.1.id))
            .then_with(|| a.2.id.cmp(&b.2.id))
    });
    let lines = rows.into_iter().map(|(_, incident, entry)| {
        let duration = match (entry.started_at, entry.ended_at) {
            (Some(s), Some(e)) => ((e.0 - s.0).max(0) / MINUTE_MS).to_string(),
            _ => String::new(),
        };
        let prone = match (entry.started_at, entry.ended_at) {
            (Some(_), Some(end)) => yes_no(Some(entry.prone_over_ten_minutes(end))),
            _ => "",
        };
        [
            unit_id.to_string(),
            unit_name.to_string(),
            incident.id.clone(),
            status(incident).to_string(),
            uk_iso(incident.occurred_at),
            incident.person_id.clone().unwrap_or_default(),
            entry.intervention.code().to_string(),
            entry.intervention.label().to_string(),
            entry
                .reason
                .map(|r| r.code())
                .unwrap_or_default()
                .to_string(),
            entry
                .reason
                .map(|r| r.label())
                .unwrap_or_default()
                .to_string(),
            entry.started_at.map(uk_iso).unwrap_or_default(),
            entry.ended_at.map(uk_iso).unwrap_or_default(),
            duration,
            prone.to_string(),
            yes_no(entry.in_care_plan).to_string(),
            entry.staff.len().to_string(),
            injury(incident.injured_person).to_string(),
            yes_no(review_held(incident, ReviewWith::Person).0).to_string(),
            injury(incident.injured_staff).to_string(),
            injury(incident.injured_others).to_string(),
        ]
    });
    csv_file(&CSV_HEADER, lines)
}

/// The monthly summary's header row.
pub const SUMMARY_HEADER: [&str; 8] = [
    "month",
    "incidents",
    "successful_deescalations",
    "near_misses",
    "uses_of_force",
    "prone_holds_over_10_minutes",
    "seclusion_minutes",
    "debriefs_held",
];

/// The three series and the restrictive-practice figures month by month (UK months), for every
/// month from the one `from` is in to the one `to` is in (at most [`MAX_TREND_MONTHS`], the
/// latest kept), counted by [`super::counting`]'s rules: a successful de-escalation or a near
/// miss is never an incident. Only the header when `to` is before `from`.
pub fn summary_csv(
    incidents: &[Incident],
    from: NaiveDate,
    to: NaiveDate,
    now: Timestamp,
) -> String {
    let (first, last) = (Month::of_date(from), Month::of_date(to));
    let first = first.0.max(last.0 - i64::from(MAX_TREND_MONTHS) + 1);
    let months = first..=if to < from { first - 1 } else { last.0 };
    let rows = months.map(|m| {
        let f = figures_for(incidents, Month(m), now);
        [
            f.month,
            f.incidents.to_string(),
            f.successful_deescalations.to_string(),
            f.near_misses.to_string(),
            f.uses_of_force.to_string(),
            f.prone_holds_over_10_min.to_string(),
            f.seclusion_minutes.to_string(),
            f.debriefs_held.to_string(),
        ]
    });
    csv_file(&SUMMARY_HEADER, rows)
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
