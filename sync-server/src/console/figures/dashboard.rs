//! The dashboard's direction: eight monthly series, as rates per 1,000 occupied bed days when the
//! lead has entered bed days (counts otherwise, and labelled so), each with its median and the
//! run-chart rules ([`crate::console::run_chart`]), the month against the month before and the
//! window against the window before; and the same over several units (an organisation's
//! roll-up).
//!
//! # Series and their counting rules
//! Months are UK calendar months of each record's `occurred_at`; drafts count (as in
//! [`super::counting`]).
//! - **Incidents with restrictive intervention**: records with at least one use of force.
//! - **People restrained**: the different people with a use of force in the month (by person
//!   id; a record about someone not identified counts as one person of its own, since it cannot
//!   be matched to anyone). Not a sum over months: a person restrained in March and April is one
//!   in each.
//! - **Physical restraint** (MHSDS 01, 07 to 13), **prone restraint** (01), **chemical
//!   restraint** (14 to 17) and **seclusion** (05): use-of-force entries of the type, each an
//!   episode. Prone is also in physical restraint: it is shown apart because it is the most
//!   dangerous.
//! - **Successful de-escalations** and **near misses**: the record series of
//!   [`super::record_kind`], never part of the incidents.
//!
//! # Rates
//! A month's rate is `count × 1,000 ÷ occupied bed days`. A series is drawn as rates only when
//! every month of the window has bed days entered (above zero); otherwise as counts, with the
//! months lacking bed days named, so a chart never mixes the two. Over several units a month's
//! bed days are the sum of the units' and count as entered only if every unit entered them.

use std::collections::{BTreeMap, BTreeSet};

use steady_core::codes::RestrictiveInterventionType as T;
use steady_core::incident::Incident;

use super::{FiguresError, Month, RecordKind, record_kind, shown};
use crate::console::run_chart::{self, Signal};

/// One series the dashboard charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Records with at least one use of force.
    RestrictiveIncidents,
    /// Different people with a use of force.
    PeopleRestrained,
    /// Physical restraint entries (MHSDS 01, 07 to 13).
    PhysicalRestraint,
    /// Prone restraint entries (01).
    Prone,
    /// Chemical restraint entries (14 to 17).
    ChemicalRestraint,
    /// Seclusion entries (05).
    Seclusion,
    /// Distress de-escalated without force.
    SuccessfulDeescalations,
    /// Near misses without force.
    NearMisses,
}

impl Series {
    /// Every series, in the order the dashboard shows them.
    pub const ALL: [Series; 8] = [
        Series::RestrictiveIncidents,
        Series::PeopleRestrained,
        Series::PhysicalRestraint,
        Series::Prone,
        Series::ChemicalRestraint,
        Series::Seclusion,
        Series::SuccessfulDeescalations,
        Series::NearMisses,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Series::RestrictiveIncidents => "Incidents with restrictive intervention",
            Series::PeopleRestrained => "People restrained",
            Series::PhysicalRestraint => "Physical restraint",
            Series::Prone => "Prone restraint",
            Series::ChemicalRestraint => "Chemical restraint",
            Series::Seclusion => "Seclusion",
            Series::SuccessfulDeescalations => "Successful de-escalations",
            Series::NearMisses => "Near misses",
        }
    }

    /// A short id for test ids and anchors.
    pub fn key(self) -> &'static str {
        match self {
            Series::RestrictiveIncidents => "restrictive-incidents",
            Series::PeopleRestrained => "people-restrained",
            Series::PhysicalRestraint => "physical-restraint",
            Series::Prone => "prone",
            Series::ChemicalRestraint => "chemical-restraint",
            Series::Seclusion => "seclusion",
            Series::SuccessfulDeescalations => "successful-deescalations",
            Series::NearMisses => "near-misses",
        }
    }

    /// Whether a fall is what a unit wants (restraint) or a rise (de-escalations). Near misses
    /// are neither: more may mean better reporting.
    pub fn lower_is_better(self) -> Option<bool> {
        match self {
            Series::SuccessfulDeescalations => Some(false),
            Series::NearMisses => None,
            _ => Some(true),
        }
    }
}

fn is_chemical(t: T) -> bool {
    matches!(
        t,
        T::ChemicalInjectionRapidTranquillisation
            | T::ChemicalInjectionNonRapidTranquillisation
            | T::ChemicalOral
            | T::ChemicalOther
    )
}

/// The count of `series` among the records that happened in `month`.
fn count_in(series: Series, incidents: &[&Incident]) -> u32 {
    let entries = |f: fn(T) -> bool| {
        incidents
            .iter()
            .flat_map(|i| i.use_of_force.iter())
            .filter(|e| f(e.intervention))
            .count()
    };
    let n = match series {
        Series::RestrictiveIncidents => incidents
            .iter()
            .filter(|i| !i.use_of_force.is_empty())
            .count(),
        Series::PeopleRestrained => incidents
            .iter()
            .filter(|i| !i.use_of_force.is_empty())
            .map(|i| match &i.person_id {
                Some(p) => format!("p:{p}"),
                None => format!("i:{}", i.id),
            })
            .collect::<BTreeSet<_>>()
            .len(),
        Series::PhysicalRestraint => entries(|t| t.is_physical()),
        Series::Prone => entries(|t| t.is_prone()),
        Series::ChemicalRestraint => entries(is_chemical),
        Series::Seclusion => entries(|t| t == T::Seclusion),
        Series::SuccessfulDeescalations => incidents
            .iter()
            .filter(|i| record_kind(i) == RecordKind::SuccessfulDeescalation)
            .count(),
        Series::NearMisses => incidents
            .iter()
            .filter(|i| record_kind(i) == RecordKind::NearMiss)
            .count(),
    };
    super::count(n)
}

/// What a series' values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Per 1,000 occupied bed days.
    PerThousandBedDays,
    /// Plain counts (bed days not entered for every month).
    Count,
}

/// One series over the window, with its median, signals and comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRun {
    /// Which series.
    pub series: Series,
    /// Counts, one per month of the window.
    pub counts: Vec<u32>,
    /// What is charted: rates or counts (see [`Dashboard::basis`]).
    pub values: Vec<f64>,
    /// The median of `values`.
    pub median: f64,
    /// Shifts and trends against the median.
    pub signals: Vec<Signal>,
    /// The month before the window's last, same basis as the window (`None` when rated and
    /// that month has no bed days).
    pub previous_month: Option<f64>,
    /// The window's total count.
    pub period_count: u32,
    /// The window's rate over its bed days (when rated).
    pub period_rate: Option<f64>,
    /// The previous window's total count.
    pub previous_period_count: u32,
    /// The previous window's rate (when both windows are rated).
    pub previous_period_rate: Option<f64>,
}

/// The dashboard's direction for one unit or several.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// The window's months, oldest first (`YYYY-MM`).
    pub months: Vec<String>,
    /// Occupied bed days per month of the window (`None`: not entered).
    pub bed_days: Vec<Option<u32>>,
    /// Rates when every month has bed days, else counts.
    pub basis: Basis,
    /// Every series, in [`Series::ALL`] order.
    pub series: Vec<SeriesRun>,
}

impl Dashboard {
    /// The window's months that lack bed days.
    pub fn months_without_bed_days(&self) -> Vec<&str> {
        self.months
            .iter()
            .zip(&self.bed_days)
            .filter(|(_, b)| b.is_none())
            .map(|(m, _)| m.as_str())
            .collect()
    }
}

fn rate(count: u32, bed_days: u32) -> f64 {
    f64::from(count) * 1000.0 / f64::from(bed_days)
}

/// Occupied bed days per month over several units: the sum, for months every unit entered.
pub fn combined_bed_days(
    units: &[String],
    entered: &[(String, String, u32)],
) -> BTreeMap<String, u32> {
    let mut by_month: BTreeMap<String, (usize, u32)> = BTreeMap::new();
    let wanted: BTreeSet<&str> = units.iter().map(String::as_str).collect();
    for (unit, month, n) in entered {
        if wanted.contains(unit.as_str()) {
            let e = by_month.entry(month.clone()).or_default();
            e.0 += 1;
            e.1 = e.1.saturating_add(*n);
        }
    }
    by_month
        .into_iter()
        .filter(|(_, (units_entered, _))| *units_entered == wanted.len())
        .map(|(m, (_, n))| (m, n))
        .collect()
}

/// The dashboard for `months` months ending with `last_month` (`YYYY-MM`) from the records of
/// one unit or several and their bed days by month (`YYYY-MM` → bed days; zero counts as not
/// entered). Rules in the module docs.
pub fn dashboard<'a>(
    incidents: impl IntoIterator<Item = &'a Incident>,
    bed_days: &BTreeMap<String, u32>,
    last_month: &str,
    months: u32,
) -> Result<Dashboard, FiguresError> {
    let last = Month::parse(last_month)?;
    if months == 0 || months > super::MAX_TREND_MONTHS {
        return Err(FiguresError::TrendLength { months });
    }
    let n = i64::from(months);
    // The window and the one before it (for the comparison).
    let first_previous = last.0 - 2 * n + 1;
    if Month(first_previous).year() < 1970 {
        return Err(FiguresError::Month {
            input: shown(last_month),
        });
    }
    let all: Vec<Month> = (first_previous..=last.0).map(Month).collect();
    let mut by_month: BTreeMap<i64, Vec<&Incident>> = BTreeMap::new();
    let (from, to) = (all[0].start(), last.end());
    for i in incidents {
        if from <= i.occurred_at && i.occurred_at < to {
            let m = Month::of_date(super::uk_date(i.occurred_at));
            by_month.entry(m.0).or_default().push(i);
        }
    }
    let beds: Vec<Option<u32>> = all
        .iter()
        .map(|m| bed_days.get(&m.key()).copied().filter(|b| *b > 0))
        .collect();
    let split = all.len() - months as usize;
    let (prev_beds, window_beds) = beds.split_at(split);
    let rated = window_beds.iter().all(Option::is_some);
    let prev_rated = rated && prev_beds.iter().all(Option::is_some);
    let empty = Vec::new();
    let series = Series::ALL
        .iter()
        .map(|&s| {
            let counts_all: Vec<u32> = all
                .iter()
                .map(|m| count_in(s, by_month.get(&m.0).unwrap_or(&empty)))
                .collect();
            let (prev_counts, counts) = counts_all.split_at(split);
            let value = |c: u32, b: Option<u32>| match (rated, b) {
                (true, Some(b)) => Some(rate(c, b)),
                (true, None) => None,
                (false, _) => Some(f64::from(c)),
            };
            let values: Vec<f64> = counts
                .iter()
                .zip(window_beds)
                .map(|(c, b)| value(*c, *b).unwrap_or(0.0))
                .collect();
            let median = run_chart::median(&values).unwrap_or(0.0);
            let signals = run_chart::signals(&values, median);
            let before = all.len() - 2;
            let previous_month = value(counts_all[before], beds[before]);
            let sum = |c: &[u32]| c.iter().map(|&x| u64::from(x)).sum::<u64>();
            let beds_sum =
                |b: &[Option<u32>]| b.iter().flatten().map(|&x| u64::from(x)).sum::<u64>();
            let period_rate =
                rated.then(|| sum(counts) as f64 * 1000.0 / beds_sum(window_beds) as f64);
            let previous_period_rate =
                prev_rated.then(|| sum(prev_counts) as f64 * 1000.0 / beds_sum(prev_beds) as f64);
            SeriesRun {
                series: s,
                counts: counts.to_vec(),
                values,
                median,
                signals,
                previous_month,
                period_count: u32::try_from(sum(counts)).unwrap_or(u32::MAX),
                period_rate,
                previous_period_count: u32::try_from(sum(prev_counts)).unwrap_or(u32::MAX),
                previous_period_rate,
            }
        })
        .collect();
    Ok(Dashboard {
        months: all[split..].iter().map(|m| m.key()).collect(),
        bed_days: window_beds.to_vec(),
        basis: if rated {
            Basis::PerThousandBedDays
        } else {
            Basis::Count
        },
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{force, incident};
    use super::*;
    use steady_core::codes::IncidentTag;

    fn run(d: &Dashboard, s: Series) -> &SeriesRun {
        d.series.iter().find(|r| r.series == s).expect("series")
    }

    /// An incident on the 10th of `month` with uses of force of `kinds`, about `person`.
    fn restraint(id: &str, month: &str, person: Option<&str>, kinds: &[T]) -> Incident {
        let mut i = incident(id, &format!("{month}-10T10:00:00Z"));
        i.person_id = person.map(str::to_string);
        i.use_of_force = kinds
            .iter()
            .enumerate()
            .map(|(n, k)| force(&format!("{id}-f{n}"), *k, None, None))
            .collect();
        i
    }

    #[test]
    fn each_series_counts_by_its_own_rule() {
        let mut calm = incident("c", "2026-11-03T10:00:00Z");
        calm.tags = vec![IncidentTag::DeescalatedSuccessfully];
        let mut near = incident("n", "2026-11-04T10:00:00Z");
        near.tags = vec![IncidentTag::NearMiss];
        let all = vec![
            restraint(
                "a",
                "2026-11",
                Some("p-1"),
                &[T::PhysicalProne, T::Seclusion],
            ),
            restraint(
                "b",
                "2026-11",
                Some("p-1"),
                &[T::PhysicalStanding, T::ChemicalOral],
            ),
            restraint(
                "c2",
                "2026-11",
                None,
                &[T::ChemicalInjectionRapidTranquillisation],
            ),
            restraint("d", "2026-11", None, &[T::Mechanical]),
            calm,
            near,
        ];
        let d = dashboard(&all, &BTreeMap::new(), "2026-11", 12).expect("dashboard");
        assert_eq!(d.basis, Basis::Count);
        assert_eq!(d.months.len(), 12);
        assert_eq!(d.months[11], "2026-11");
        let last = |s| *run(&d, s).counts.last().unwrap();
        assert_eq!(last(Series::RestrictiveIncidents), 4);
        assert_eq!(
            last(Series::PeopleRestrained),
            3,
            "p-1 once, two unidentified"
        );
        assert_eq!(last(Series::PhysicalRestraint), 2, "prone and standing");
        assert_eq!(last(Series::Prone), 1);
        assert_eq!(last(Series::ChemicalRestraint), 2);
        assert_eq!(last(Series::Seclusion), 1);
        assert_eq!(last(Series::SuccessfulDeescalations), 1);
        assert_eq!(last(Series::NearMisses), 1);
    }

    #[test]
    fn months_are_uk_months() {
        // 00:30 BST on 1 July is July's, though 30 June in UTC.
        let mut i = incident("a", "2026-06-30T23:30:00Z");
        i.use_of_force = vec![force("f", T::PhysicalProne, None, None)];
        let d = dashboard(&[i], &BTreeMap::new(), "2026-07", 2).expect("dashboard");
        assert_eq!(run(&d, Series::Prone).counts, vec![0, 1]);
    }

    #[test]
    fn rates_are_per_thousand_bed_days_only_when_every_month_has_them() {
        let all = vec![
            restraint("a", "2026-10", Some("p-1"), &[T::PhysicalProne]),
            restraint("b", "2026-11", Some("p-1"), &[T::PhysicalProne]),
            restraint("c", "2026-11", Some("p-2"), &[T::PhysicalProne]),
        ];
        let mut beds = BTreeMap::from([("2026-10".to_string(), 500), ("2026-11".to_string(), 400)]);
        let d = dashboard(&all, &beds, "2026-11", 2).expect("dashboard");
        assert_eq!(d.basis, Basis::PerThousandBedDays);
        let prone = run(&d, Series::Prone);
        assert_eq!(prone.values, vec![2.0, 5.0], "1 in 500, 2 in 400");
        assert_eq!(prone.median, 3.5);
        assert_eq!(prone.period_count, 3);
        assert_eq!(prone.period_rate, Some(3.0 / 900.0 * 1000.0));
        assert_eq!(prone.previous_month, Some(2.0), "October");
        assert_eq!(prone.previous_period_rate, None);
        // One month without bed days (or with zero): the whole window is counts.
        beds.insert("2026-10".into(), 0);
        let d = dashboard(&all, &beds, "2026-11", 2).expect("dashboard");
        assert_eq!(d.basis, Basis::Count);
        assert_eq!(run(&d, Series::Prone).values, vec![1.0, 2.0]);
        assert_eq!(d.months_without_bed_days(), vec!["2026-10"]);
    }

    #[test]
    fn the_previous_period_is_the_window_before() {
        let all = vec![
            restraint("a", "2026-08", Some("p-1"), &[T::Seclusion]),
            restraint("b", "2026-09", Some("p-1"), &[T::Seclusion]),
            restraint("c", "2026-11", Some("p-1"), &[T::Seclusion]),
        ];
        let beds: BTreeMap<String, u32> = ["2026-08", "2026-09", "2026-10", "2026-11"]
            .iter()
            .map(|m| (m.to_string(), 1000))
            .collect();
        let d = dashboard(&all, &beds, "2026-11", 2).expect("dashboard");
        let s = run(&d, Series::Seclusion);
        assert_eq!(s.counts, vec![0, 1]);
        assert_eq!(s.previous_month, Some(0.0), "October, per 1,000");
        assert_eq!((s.period_count, s.previous_period_count), (1, 2));
        assert_eq!(s.period_rate, Some(0.5));
        assert_eq!(s.previous_period_rate, Some(1.0));
    }

    #[test]
    fn a_fall_of_six_months_below_the_median_is_marked_a_shift() {
        // Two restraints a month for six months, none for the next six.
        let mut all = vec![];
        for m in 1..=6 {
            for n in 0..2 {
                all.push(restraint(
                    &format!("{m}-{n}"),
                    &format!("2026-{m:02}"),
                    Some("p-1"),
                    &[T::PhysicalStanding],
                ));
            }
        }
        let d = dashboard(&all, &BTreeMap::new(), "2026-12", 12).expect("dashboard");
        let s = run(&d, Series::PhysicalRestraint);
        assert_eq!(s.median, 1.0);
        assert_eq!(
            s.signals,
            vec![
                Signal::ShiftUp { from: 0, to: 5 },
                Signal::ShiftDown { from: 6, to: 11 }
            ]
        );
    }

    #[test]
    fn a_roll_up_counts_bed_days_only_for_months_every_unit_entered() {
        let units = vec!["u-1".to_string(), "u-2".to_string()];
        let entered = vec![
            ("u-1".to_string(), "2026-10".to_string(), 300),
            ("u-2".to_string(), "2026-10".to_string(), 200),
            ("u-1".to_string(), "2026-11".to_string(), 300),
            ("u-3".to_string(), "2026-11".to_string(), 999),
        ];
        let combined = combined_bed_days(&units, &entered);
        assert_eq!(combined, BTreeMap::from([("2026-10".to_string(), 500)]));
    }

    #[test]
    fn bad_months_and_lengths_are_refused() {
        assert!(dashboard(&[], &BTreeMap::new(), "2026-13", 12).is_err());
        assert!(dashboard(&[], &BTreeMap::new(), "2026-11", 0).is_err());
        assert!(dashboard(&[], &BTreeMap::new(), "1970-06", 12).is_err());
    }
}
