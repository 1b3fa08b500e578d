//! Counting: one month's figures and a run of months, with rules that mean what they say.
//!
//! # Counting rules
//! - **Which month a record is in**: the UK calendar month of its `occurred_at` (Europe/London:
//!   a month runs from 00:00 on its first day on a UK clock to 00:00 on the next month's first).
//! - **Drafts count.** A record of something that happened is counted whether or not its
//!   paperwork has been submitted: restrictive practice must not vanish from the figures because
//!   a form is unfinished.
//! - The functions count every record they are given; the caller passes one unit's records.
//! - **Three separate series** ([`record_kind`]); each record is in exactly one, so the three add
//!   up to the records of the month:
//!   - **Incidents**: records with any use of force, whatever their tags, and records that are
//!     neither of the two below. A ward that starts logging its successes does not see its
//!     incident bar rise.
//!   - **Successful de-escalations**: tagged "De-escalated successfully" and no use of force.
//!   - **Near misses**: tagged "Near miss" (and not "De-escalated successfully") and no use of
//!     force. A near miss in which force was used is an incident.
//! - **Uses of force**: use-of-force entries (one per restrictive intervention) of the month's
//!   records (only incidents have any); an incident with a hold then seclusion counts two.
//! - **Prone holds over 10 minutes**: those entries for which core's
//!   [`UseOfForce::prone_over_ten_minutes`] holds at `now` (a prone hold still running counts once
//!   it has lasted over 10 minutes).
//! - **Seclusion minutes**: the time inside the month covered by seclusion entries (MHSDS 05; not
//!   segregation, 06) of *any* incident, each clipped to the month, so a seclusion that runs over a
//!   month end is split between the months; one still running counts up to `now` (a forgotten
//!   timer shows up rather than hiding). Entries with no start time add nothing. Summed in
//!   milliseconds, then rounded down to whole minutes.
//! - **Debriefs held**: the month's records with a debrief held with the person *or* with staff,
//!   at the submission or in a post-incident review recorded after it (the usual case: the next
//!   day), each record counted once.
//! - **Injury** is not counted here; where it is exported, only the indicator staff answered is
//!   used, never the free-text description.

use steady_core::clock::Timestamp;
use steady_core::codes::{IncidentTag, RestrictiveInterventionType};
use steady_core::incident::{Incident, ReviewWith, UseOfForce};

use super::{FiguresError, MINUTE_MS, Month, count, shown};

/// Which series a record is counted in (rules in the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A restrictive intervention was used, or the record is neither of the others.
    Incident,
    /// Distress de-escalated without any use of force.
    SuccessfulDeescalation,
    /// Something nearly happened and was avoided, without any use of force.
    NearMiss,
}

/// The series `incident` is counted in.
pub fn record_kind(incident: &Incident) -> RecordKind {
    if !incident.use_of_force.is_empty() {
        RecordKind::Incident
    } else if incident
        .tags
        .contains(&IncidentTag::DeescalatedSuccessfully)
    {
        RecordKind::SuccessfulDeescalation
    } else if incident.tags.contains(&IncidentTag::NearMiss) {
        RecordKind::NearMiss
    } else {
        RecordKind::Incident
    }
}

/// One month's restrictive-practice figures for a unit (rules in the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    /// The month, `YYYY-MM` (UK time).
    pub month: String,
    /// Incidents in the month, drafts included: records with a use of force, or that are
    /// neither a successful de-escalation nor a near miss.
    pub incidents: u32,
    /// Records tagged "De-escalated successfully" with no use of force (not in `incidents`).
    pub successful_deescalations: u32,
    /// Records tagged "Near miss" with no use of force and not a successful de-escalation (not in
    /// `incidents`).
    pub near_misses: u32,
    /// Use-of-force entries of the month's records.
    pub uses_of_force: u32,
    /// The same entries by MHSDS type: every type in MHSDS display order
    /// ([`RestrictiveInterventionType::ALL`]), as (code, label, count), zeros included so months
    /// compare row by row.
    pub uses_by_type: Vec<(String, String, u32)>,
    /// Entries of the month's records that are prone holds over 10 minutes (at `now` if running).
    pub prone_holds_over_10_min: u32,
    /// Minutes of seclusion (any incident's seclusion entries, clipped to the month; running ones
    /// to `now`), rounded down.
    pub seclusion_minutes: u64,
    /// The month's records with a debrief held with the person or with staff (each once).
    pub debriefs_held: u32,
}

/// Milliseconds of `entry` (a timed intervention) inside `[from, to)`, running ones up to `now`.
fn overlap_ms(entry: &UseOfForce, from: Timestamp, to: Timestamp, now: Timestamp) -> i64 {
    let Some(start) = entry.started_at else {
        return 0;
    };
    let end = entry.ended_at.unwrap_or(now);
    (end.0.min(to.0) - start.0.max(from.0)).max(0)
}

/// The figures for one month (`YYYY-MM`, UK time) from a unit's records; `now` times
/// interventions still running. Rules in the module docs.
pub fn month_figures(
    incidents: &[Incident],
    month: &str,
    now: Timestamp,
) -> Result<MonthFigures, FiguresError> {
    Ok(figures_for(incidents, Month::parse(month)?, now))
}

pub(super) fn figures_for(incidents: &[Incident], month: Month, now: Timestamp) -> MonthFigures {
    let in_month: Vec<&Incident> = incidents
        .iter()
        .filter(|i| month.contains(i.occurred_at))
        .collect();
    let entries = || in_month.iter().flat_map(|i| i.use_of_force.iter());
    let uses_by_type = RestrictiveInterventionType::ALL
        .iter()
        .map(|kind| {
            (
                kind.code().to_string(),
                kind.label().to_string(),
                count(entries().filter(|e| e.intervention == *kind).count()),
            )
        })
        .collect();
    let (from, to) = (month.start(), month.end());
    let seclusion_ms: i64 = incidents
        .iter()
        .flat_map(|i| i.use_of_force.iter())
        .filter(|e| e.intervention == RestrictiveInterventionType::Seclusion)
        .map(|e| overlap_ms(e, from, to, now))
        .sum();
    let of_kind =
        |kind: RecordKind| count(in_month.iter().filter(|i| record_kind(i) == kind).count());
    MonthFigures {
        month: month.key(),
        incidents: of_kind(RecordKind::Incident),
        successful_deescalations: of_kind(RecordKind::SuccessfulDeescalation),
        near_misses: of_kind(RecordKind::NearMiss),
        uses_of_force: count(entries().count()),
        uses_by_type,
        prone_holds_over_10_min: count(entries().filter(|e| e.prone_over_ten_minutes(now)).count()),
        seclusion_minutes: u64::try_from(seclusion_ms / MINUTE_MS).unwrap_or(0),
        debriefs_held: count(
            in_month
                .iter()
                .filter(|i| i.debrief_held(ReviewWith::Person) || i.debrief_held(ReviewWith::Staff))
                .count(),
        ),
    }
}

/// The figures for `months` consecutive months ending with `last_month` (`YYYY-MM`), oldest
/// first. `months` is 1 to [`super::MAX_TREND_MONTHS`].
pub fn monthly_trend(
    incidents: &[Incident],
    last_month: &str,
    months: u32,
    now: Timestamp,
) -> Result<Vec<MonthFigures>, FiguresError> {
    let last = Month::parse(last_month)?;
    if months == 0 || months > super::MAX_TREND_MONTHS {
        return Err(FiguresError::TrendLength { months });
    }
    let first = last.0 - i64::from(months) + 1;
    if Month(first).year() < 1970 {
        return Err(FiguresError::Month {
            input: shown(last_month),
        });
    }
    Ok((first..=last.0)
        .map(|m| figures_for(incidents, Month(m), now))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::MAX_TREND_MONTHS;
    use super::super::testdata::{NOW, at, force, incident, review};
    use super::*;
    use steady_core::incident::{Debrief, IncidentStatus};

    fn by_type(f: &MonthFigures, code: &str) -> u32 {
        f.uses_by_type
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, _, n)| *n)
            .expect("every type is listed")
    }

    #[test]
    fn an_empty_month_is_all_zeros_with_every_type_listed() {
        let f = month_figures(&[], "2026-11", at(NOW)).expect("figures");
        assert_eq!(f.month, "2026-11");
        assert_eq!(
            (
                f.incidents,
                f.successful_deescalations,
                f.near_misses,
                f.uses_of_force,
                f.prone_holds_over_10_min,
                f.seclusion_minutes,
                f.debriefs_held
            ),
            (0, 0, 0, 0, 0, 0, 0)
        );
        let codes: Vec<&str> = f.uses_by_type.iter().map(|(c, _, _)| c.as_str()).collect();
        let expected: Vec<&str> = RestrictiveInterventionType::ALL
            .iter()
            .map(|k| k.code())
            .collect();
        assert_eq!(codes, expected);
        assert_eq!(f.uses_by_type[0].1, "Physical restraint: prone (face down)");
    }

    #[test]
    fn incidents_count_in_their_uk_month_drafts_included() {
        let mut submitted = incident("i-2", "2026-11-30T23:59:59Z");
        submitted.status = IncidentStatus::Submitted;
        let all = [
            incident("i-0", "2026-10-31T23:59:59Z"),
            incident("i-1", "2026-11-01T00:00:00Z"),
            submitted,
            incident("i-3", "2026-12-01T00:00:00Z"),
            // 00:30 BST on 1 July is July on the ward's clock, though 30 June in UTC.
            incident("i-4", "2026-06-30T23:30:00Z"),
        ];
        let f = month_figures(&all, "2026-11", at(NOW)).expect("figures");
        assert_eq!(
            f.incidents, 2,
            "the first instant is in, the next month's is out"
        );
        assert_eq!(
            month_figures(&all, "2026-10", at(NOW)).unwrap().incidents,
            1
        );
        assert_eq!(
            month_figures(&all, "2026-12", at(NOW)).unwrap().incidents,
            1
        );
        assert_eq!(
            month_figures(&all, "2026-07", at(NOW)).unwrap().incidents,
            1
        );
        assert_eq!(
            month_figures(&all, "2026-06", at(NOW)).unwrap().incidents,
            0
        );
    }

    #[test]
    fn deescalations_and_near_misses_are_their_own_series_not_incidents() {
        let mut calm = incident("i-1", "2026-11-03T10:00:00Z");
        calm.tags = vec![
            IncidentTag::DeescalatedSuccessfully,
            IncidentTag::VerbalAggression,
        ];
        let mut restrained = incident("i-2", "2026-11-04T10:00:00Z");
        restrained.tags = vec![IncidentTag::DeescalatedSuccessfully];
        restrained.use_of_force = vec![force(
            "f-1",
            RestrictiveInterventionType::PhysicalStanding,
            Some("2026-11-04T10:00:00Z"),
            Some("2026-11-04T10:02:00Z"),
        )];
        let mut near = incident("i-3", "2026-11-05T10:00:00Z");
        near.tags = vec![IncidentTag::NearMiss];
        let mut near_with_force = incident("i-4", "2026-11-06T10:00:00Z");
        near_with_force.tags = vec![IncidentTag::NearMiss];
        near_with_force.use_of_force = restrained.use_of_force.clone();
        let mut both_tags = incident("i-5", "2026-11-07T10:00:00Z");
        both_tags.tags = vec![IncidentTag::NearMiss, IncidentTag::DeescalatedSuccessfully];
        let plain = incident("i-6", "2026-11-08T10:00:00Z");
        let all = [calm, restrained, near, near_with_force, both_tags, plain];
        let f = month_figures(&all, "2026-11", at(NOW)).expect("figures");
        assert_eq!(f.successful_deescalations, 2, "calm and both_tags");
        assert_eq!(
            f.near_misses, 1,
            "a near miss in which force was used is not"
        );
        assert_eq!(f.incidents, 3, "the two with force and the plain record");
        assert_eq!(
            f.incidents + f.successful_deescalations + f.near_misses,
            6,
            "each record in exactly one series"
        );
        assert_eq!(f.uses_of_force, 2);
        assert_eq!(record_kind(&all[0]), RecordKind::SuccessfulDeescalation);
        assert_eq!(record_kind(&all[3]), RecordKind::Incident);
    }

    #[test]
    fn uses_of_force_are_entries_counted_by_mhsds_type() {
        let mut a = incident("i-1", "2026-11-10T08:00:00Z");
        a.use_of_force = vec![
            force(
                "f-1",
                RestrictiveInterventionType::PhysicalProne,
                Some("2026-11-10T08:00:00Z"),
                Some("2026-11-10T08:05:00Z"),
            ),
            force("f-2", RestrictiveInterventionType::ChemicalOral, None, None),
        ];
        let mut b = incident("i-2", "2026-11-11T08:00:00Z");
        b.use_of_force = vec![force(
            "f-3",
            RestrictiveInterventionType::PhysicalProne,
            None,
            None,
        )];
        let mut outside = incident("i-3", "2026-12-01T08:00:00Z");
        outside.use_of_force = vec![force(
            "f-4",
            RestrictiveInterventionType::Mechanical,
            None,
            None,
        )];
        let f = month_figures(&[a, b, outside], "2026-11", at(NOW)).expect("figures");
        assert_eq!(f.uses_of_force, 3);
        assert_eq!(by_type(&f, "01"), 2);
        assert_eq!(by_type(&f, "16"), 1);
        assert_eq!(by_type(&f, "04"), 0);
        let total: u32 = f.uses_by_type.iter().map(|(_, _, n)| n).sum();
        assert_eq!(total, f.uses_of_force);
    }

    #[test]
    fn prone_holds_over_ten_minutes_follow_core_including_running_ones() {
        let mut i = incident("i-1", "2026-11-10T08:00:00Z");
        let prone = RestrictiveInterventionType::PhysicalProne;
        i.use_of_force = vec![
            // Exactly 10 minutes: not over.
            force(
                "f-1",
                prone,
                Some("2026-11-10T08:00:00Z"),
                Some("2026-11-10T08:10:00Z"),
            ),
            // 10 minutes and a second: over.
            force(
                "f-2",
                prone,
                Some("2026-11-10T08:20:00Z"),
                Some("2026-11-10T08:30:01Z"),
            ),
            // Long, but not prone.
            force(
                "f-3",
                RestrictiveInterventionType::PhysicalSupine,
                Some("2026-11-10T09:00:00Z"),
                Some("2026-11-10T10:00:00Z"),
            ),
            // Still running at `now`, started 20 minutes before.
            force("f-4", prone, Some("2026-11-10T11:40:00Z"), None),
            // Prone with no start time: cannot be known to be over.
            force("f-5", prone, None, None),
        ];
        let now = at("2026-11-10T12:00:00Z");
        let f = month_figures(std::slice::from_ref(&i), "2026-11", now).expect("figures");
        assert_eq!(f.prone_holds_over_10_min, 2);
        let earlier = at("2026-11-10T11:45:00Z");
        let f = month_figures(&[i], "2026-11", earlier).expect("figures");
        assert_eq!(
            f.prone_holds_over_10_min, 1,
            "the running hold is 5 minutes old then"
        );
    }

    #[test]
    fn seclusion_is_clipped_to_the_month_and_running_ones_count_to_now() {
        let seclusion = RestrictiveInterventionType::Seclusion;
        // 23:00 on 31 October to 01:30 on 1 November (GMT): 60 minutes in October, 90 in November.
        let mut across = incident("i-1", "2026-10-31T22:50:00Z");
        across.use_of_force = vec![force(
            "f-1",
            seclusion,
            Some("2026-10-31T23:00:00Z"),
            Some("2026-11-01T01:30:00Z"),
        )];
        // Segregation is not seclusion.
        let mut segregation = incident("i-2", "2026-11-02T10:00:00Z");
        segregation.use_of_force = vec![force(
            "f-2",
            RestrictiveInterventionType::Segregation,
            Some("2026-11-02T10:00:00Z"),
            Some("2026-11-02T20:00:00Z"),
        )];
        // Still running: counts up to now (30 November 23:00 → month end is out of reach).
        let mut running = incident("i-3", "2026-11-30T22:00:00Z");
        running.use_of_force = vec![force("f-3", seclusion, Some("2026-11-30T22:00:00Z"), None)];
        // No start: nothing to add.
        let mut untimed = incident("i-4", "2026-11-15T10:00:00Z");
        untimed.use_of_force = vec![force("f-4", seclusion, None, None)];
        let all = [across, segregation, running, untimed];
        let now = at("2026-11-30T23:00:30Z");
        let nov = month_figures(&all, "2026-11", now).expect("figures");
        assert_eq!(nov.seclusion_minutes, 90 + 60);
        let oct = month_figures(&all, "2026-10", now).expect("figures");
        assert_eq!(oct.seclusion_minutes, 60);
        assert_eq!(
            oct.uses_of_force, 1,
            "the entry counts as a use in its incident's month"
        );
        assert_eq!(nov.uses_of_force, 3);
        // Once now is past the month end, a running seclusion fills the month to its end.
        let later = month_figures(&all, "2026-11", at(NOW)).expect("figures");
        assert_eq!(later.seclusion_minutes, 90 + 120);
        let dec = month_figures(&all, "2026-12", at("2026-12-01T00:10:00Z")).expect("figures");
        assert_eq!(dec.seclusion_minutes, 10);
    }

    #[test]
    fn debriefs_held_count_each_record_once_reviews_after_submission_included() {
        let held = Some(Debrief {
            held: true,
            note: "talked it through".into(),
        });
        let not_held = Some(Debrief {
            held: false,
            note: "declined".into(),
        });
        let mut both = incident("i-1", "2026-11-01T10:00:00Z");
        both.debrief_person = held.clone();
        both.debrief_staff = held.clone();
        let mut staff_only = incident("i-2", "2026-11-02T10:00:00Z");
        staff_only.debrief_person = not_held.clone();
        staff_only.debrief_staff = held.clone();
        let mut declined = incident("i-3", "2026-11-03T10:00:00Z");
        declined.debrief_person = not_held;
        let none = incident("i-4", "2026-11-04T10:00:00Z");
        // The usual case: the review with the person held the next day, after the submission.
        let mut next_day = incident("i-5", "2026-11-05T10:00:00Z");
        next_day.addenda.push(review(
            ReviewWith::Person,
            true,
            "2026-11-06T10:00:00Z",
            None,
        ));
        let f = month_figures(
            &[both, staff_only, declined, none, next_day],
            "2026-11",
            at(NOW),
        )
        .unwrap();
        assert_eq!(f.debriefs_held, 3, "the review held the next day counts");
    }

    #[test]
    fn malformed_months_are_refused_naming_the_input() {
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "2026-11-01",
            "",
            "１２３４-11",
            "+026-11",
            "1969-12",
        ] {
            let err = month_figures(&[], bad, at(NOW)).expect_err(bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        let long = "9".repeat(300);
        let err = month_figures(&[], &long, at(NOW)).expect_err("long");
        assert!(err.to_string().len() < 120, "{err}");
    }

    #[test]
    fn a_trend_runs_oldest_first_across_a_year_end() {
        let all = [
            incident("i-1", "2025-12-05T10:00:00Z"),
            incident("i-2", "2026-01-05T10:00:00Z"),
            incident("i-3", "2026-01-06T10:00:00Z"),
            incident("i-4", "2026-02-05T10:00:00Z"),
        ];
        let trend = monthly_trend(&all, "2026-02", 4, at(NOW)).expect("trend");
        let months: Vec<&str> = trend.iter().map(|f| f.month.as_str()).collect();
        assert_eq!(months, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        let counts: Vec<u32> = trend.iter().map(|f| f.incidents).collect();
        assert_eq!(counts, [0, 1, 2, 1]);
        assert_eq!(
            monthly_trend(&all, "2026-02", 0, at(NOW)),
            Err(FiguresError::TrendLength { months: 0 })
        );
        assert!(monthly_trend(&all, "2026-02", MAX_TREND_MONTHS + 1, at(NOW)).is_err());
        assert!(monthly_trend(&all, "2026-02", MAX_TREND_MONTHS, at(NOW)).is_ok());
        assert!(monthly_trend(&all, "1970-02", 3, at(NOW)).is_err());
        assert!(monthly_trend(&all, "2026-2", 3, at(NOW)).is_err());
    }
}
