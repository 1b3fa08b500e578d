//! Restrictive-practice figures for the console's dashboard and the MHSDS-shaped exports,
//! computed from a unit's incidents.
//!
//! Leaders are asked to "use data dashboards to monitor reduction in seclusion or physical
//! restraint" and to track successful de-escalations and near misses. This module turns the
//! records the server holds into those numbers ([`counting`]), into the accessible HTML tables and
//! charts the dashboard shows ([`view`]), into the monthly series with rates per 1,000 occupied
//! bed days and run-chart signals ([`dashboard`]) drawn as SVG run charts (`run_view`), and into
//! CSV files ([`export`]): one per MHSDS v5
//! table (MHS505 Restrictive Intervention Incident, MHS515 Restrictive Intervention Type), the
//! older one-row-per-use-of-force file, and a monthly summary. Everything here is a pure function
//! of its arguments (the caller passes `now`), so the rules are pinned by unit tests.
//!
//! Months and days are UK civil time (Europe/London, [`steady_core::uk_time`]): the month a
//! ward reports is the month on its wall clock, so an incident at 00:30 BST on 1 July is July's.
//! Injury is never inferred from text anywhere: only the injury indicators staff answered
//! (yes / no / not known) are counted or exported. The column-by-column account of the exports,
//! with the MHSDS field each column maps to and the sources checked, is `docs/exports.md`.

mod counting;
pub mod dashboard;
mod export;
mod run_view;
mod view;

#[cfg(test)]
mod testdata;

pub use counting::{MonthFigures, RecordKind, month_figures, monthly_trend, record_kind};
pub use export::{
    CSV_HEADER, MHS505_HEADER, MHS515_HEADER, SUMMARY_HEADER, csv_cell, mhs505_csv, mhs515_csv,
    restrictive_interventions_csv, summary_csv,
};
pub use run_view::render_run_charts;
pub use view::render_dashboard_tables_and_charts;

use chrono::NaiveDate;
use steady_core::clock::Timestamp;
use steady_core::uk_time;

/// The most months a trend may cover (ten years).
pub const MAX_TREND_MONTHS: u32 = 120;

/// The most characters of a bad input quoted back in an error.
const SHOWN_INPUT_CHARS: usize = 20;

const MINUTE_MS: i64 = 60_000;

/// Why figures could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiguresError {
    /// The month is not a real `YYYY-MM` month.
    #[error("month {input} is not a month in the form YYYY-MM (e.g. 2026-11)")]
    Month {
        /// The input as given (quoted, at most a few characters).
        input: String,
    },
    /// A trend must cover between 1 and [`MAX_TREND_MONTHS`] months.
    #[error("a trend covers 1 to {MAX_TREND_MONTHS} months, not {months}")]
    TrendLength {
        /// The number asked for.
        months: u32,
    },
}

/// A calendar month (UK civil time), as a count of months since year 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Month(i64);

impl Month {
    fn parse(input: &str) -> Result<Month, FiguresError> {
        let bad = || FiguresError::Month {
            input: shown(input),
        };
        let bytes = input.as_bytes();
        if bytes.len() != 7
            || bytes[4] != b'-'
            || !bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit)
        {
            return Err(bad());
        }
        let year: i64 = input[..4].parse().map_err(|_| bad())?;
        let month: i64 = input[5..].parse().map_err(|_| bad())?;
        if !(1970..=9998).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month(year * 12 + month - 1))
    }

    /// The month a UK calendar date is in.
    fn of_date(date: NaiveDate) -> Month {
        use chrono::Datelike;
        Month(i64::from(date.year()) * 12 + i64::from(date.month()) - 1)
    }

    fn year(self) -> i64 {
        self.0.div_euclid(12)
    }

    /// 1 to 12.
    fn number(self) -> u32 {
        (self.0.rem_euclid(12) + 1) as u32
    }

    fn key(self) -> String {
        format!("{:04}-{:02}", self.year(), self.number())
    }

    fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year() as i32, self.number(), 1)
            .expect("a parsed month is a real date")
    }

    /// 00:00 on the month's first day on a UK clock.
    fn start(self) -> Timestamp {
        uk_time::start_of_day(self.first_day())
    }

    fn end(self) -> Timestamp {
        Month(self.0 + 1).start()
    }

    fn contains(self, t: Timestamp) -> bool {
        self.start() <= t && t < self.end()
    }

    fn long_name(self) -> String {
        format!(
            "{} {}",
            MONTH_NAMES[self.number() as usize - 1],
            self.year()
        )
    }

    fn short_name(self) -> String {
        format!(
            "{} {}",
            &MONTH_NAMES[self.number() as usize - 1][..3],
            self.year()
        )
    }
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A bad input as quoted in an error: at most a few characters, never a whole request.
fn shown(input: &str) -> String {
    let mut quoted: String = input.chars().take(SHOWN_INPUT_CHARS).collect();
    if input.chars().count() > SHOWN_INPUT_CHARS {
        quoted.push('…');
    }
    format!("{quoted:?}")
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The UK calendar date of an instant.
fn uk_date(t: Timestamp) -> NaiveDate {
    uk_time::local(t).date()
}
