//! Restrictive-practice figures for the console's dashboard and the MHSDS-coded export,
//! computed from a unit's incidents.
//!
//! Leaders are asked to "use data dashboards to monitor reduction in seclusion or physical
//! restraint" and to track successful de-escalations and near misses. This module turns the
//! incidents the server holds into those numbers, into the accessible HTML tables and charts the
//! dashboard shows, and into the restrictive-interventions CSV. Everything here is a pure function
//! of its arguments (the caller passes `now`), so the rules below are pinned by unit tests.
//!
//! # Counting rules
//! - **Which month an incident is in**: the calendar month (UTC) of its `occurred_at`. A month is
//!   `YYYY-MM` and runs from 00:00 UTC on its first day to 00:00 UTC on the next month's first day.
//! - **Drafts count.** An incident that happened is counted whether or not its paperwork has been
//!   submitted: restrictive practice must not vanish from the figures because a form is
//!   unfinished. The CSV shows each row's incident status (`submitted` or `draft`) so a return can
//!   filter.
//! - The functions count every incident they are given; the caller passes one unit's incidents.
//! - **Successful de-escalations**: incidents in the month tagged "De-escalated successfully" that
//!   record no use of force (an incident that ended in restraint is not a successful
//!   de-escalation, whatever its tags).
//! - **Near misses**: incidents in the month tagged "Near miss".
//! - **Uses of force**: use-of-force entries (one per restrictive intervention) of the incidents in
//!   the month; an incident with a hold then seclusion counts two.
//! - **Prone holds over 10 minutes**: those entries for which core's
//!   [`UseOfForce::prone_over_ten_minutes`] holds at `now` (a prone hold still running counts once
//!   it has lasted over 10 minutes).
//! - **Seclusion minutes**: the time inside the month covered by seclusion entries (MHSDS 05; not
//!   segregation, 06) of *any* incident, each clipped to the month, so a seclusion that runs over a
//!   month end is split between the months; one still running counts up to `now` (a forgotten
//!   timer shows up rather than hiding). Entries with no start time add nothing. Summed in
//!   milliseconds, then rounded down to whole minutes.
//! - **Debriefs held**: incidents in the month with a debrief held with the person *or* with staff,
//!   at the submission or in a post-incident review recorded after it (the usual case: the next
//!   day), each incident counted once (an incident with both counts one).
//!
//! # CSV rules
//! One row per use-of-force entry whose start (or, without a start, its incident's `occurred_at`)
//! falls on a UTC date in `[from, to]` inclusive, ordered by that time; RFC 4180 quoting with CRLF
//! line ends; any cell beginning `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` so a
//! spreadsheet does not run it as a formula. Names of people never appear: the person column holds
//! the person's id.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate};
use steady_core::clock::Timestamp;
use steady_core::codes::{IncidentTag, RestrictiveInterventionType};
use steady_core::incident::{Incident, IncidentStatus, ReviewWith, UseOfForce};

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

/// One month's restrictive-practice figures for a unit (rules in the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    /// The month, `YYYY-MM` (UTC).
    pub month: String,
    /// Incidents whose `occurred_at` is in the month, drafts included.
    pub incidents: u32,
    /// Of those, tagged "De-escalated successfully" and with no use of force recorded.
    pub successful_deescalations: u32,
    /// Of those, tagged "Near miss".
    pub near_misses: u32,
    /// Use-of-force entries of the month's incidents.
    pub uses_of_force: u32,
    /// The same entries by MHSDS type: every type in MHSDS display order
    /// ([`RestrictiveInterventionType::ALL`]), as (code, label, count), zeros included so months
    /// compare row by row.
    pub uses_by_type: Vec<(String, String, u32)>,
    /// Entries of the month's incidents that are prone holds over 10 minutes (at `now` if running).
    pub prone_holds_over_10_min: u32,
    /// Minutes of seclusion (any incident's seclusion entries, clipped to the month; running ones
    /// to `now`), rounded down.
    pub seclusion_minutes: u64,
    /// The month's incidents with a debrief held with the person or with staff (each once).
    pub debriefs_held: u32,
}

/// A calendar month (UTC), as a count of months since year 0.
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

    fn start(self) -> Timestamp {
        let date = NaiveDate::from_ymd_opt(self.year() as i32, self.number(), 1)
            .expect("a parsed month is a real date");
        Timestamp(
            date.and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc()
                .timestamp_millis(),
        )
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

/// Milliseconds of `entry` (a timed intervention) inside `[from, to)`, running ones up to `now`.
fn overlap_ms(entry: &UseOfForce, from: Timestamp, to: Timestamp, now: Timestamp) -> i64 {
    let Some(start) = entry.started_at else {
        return 0;
    };
    let end = entry.ended_at.unwrap_or(now);
    (end.0.min(to.0) - start.0.max(from.0)).max(0)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The figures for one month (`YYYY-MM`, UTC) from a unit's incidents; `now` times interventions
/// still running. Rules in the module docs.
pub fn month_figures(
    incidents: &[Incident],
    month: &str,
    now: Timestamp,
) -> Result<MonthFigures, FiguresError> {
    Ok(figures_for(incidents, Month::parse(month)?, now))
}

fn figures_for(incidents: &[Incident], month: Month, now: Timestamp) -> MonthFigures {
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
    MonthFigures {
        month: month.key(),
        incidents: count(in_month.len()),
        successful_deescalations: count(
            in_month
                .iter()
                .filter(|i| {
                    i.tags.contains(&IncidentTag::DeescalatedSuccessfully)
                        && i.use_of_force.is_empty()
                })
                .count(),
        ),
        near_misses: count(
            in_month
                .iter()
                .filter(|i| i.tags.contains(&IncidentTag::NearMiss))
                .count(),
        ),
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
/// first. `months` is 1 to [`MAX_TREND_MONTHS`].
pub fn monthly_trend(
    incidents: &[Incident],
    last_month: &str,
    months: u32,
    now: Timestamp,
) -> Result<Vec<MonthFigures>, FiguresError> {
    let last = Month::parse(last_month)?;
    if months == 0 || months > MAX_TREND_MONTHS {
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

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Minutes as hours with one decimal, rounded half up (`90` → `"1.5"`).
fn hours(minutes: u64) -> String {
    let tenths = (u128::from(minutes) * 10 + 30) / 60;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The month a figure row belongs to, for captions; the key itself if it is not a valid month.
fn month_name(key: &str) -> String {
    Month::parse(key).map_or_else(|_| key.to_string(), Month::long_name)
}

fn month_short(key: &str) -> String {
    Month::parse(key).map_or_else(|_| key.to_string(), Month::short_name)
}

/// One figure of a month, as the dashboard names it and shows it.
struct Figure {
    name: &'static str,
    value: fn(&MonthFigures) -> String,
    /// For charts: the bar's height.
    amount: fn(&MonthFigures) -> f64,
}

const FIGURES: [Figure; 7] = [
    Figure {
        name: "Incidents",
        value: |f| f.incidents.to_string(),
        amount: |f| f64::from(f.incidents),
    },
    Figure {
        name: "Successful de-escalations",
        value: |f| f.successful_deescalations.to_string(),
        amount: |f| f64::from(f.successful_deescalations),
    },
    Figure {
        name: "Near misses",
        value: |f| f.near_misses.to_string(),
        amount: |f| f64::from(f.near_misses),
    },
    Figure {
        name: "Uses of force",
        value: |f| f.uses_of_force.to_string(),
        amount: |f| f64::from(f.uses_of_force),
    },
    Figure {
        name: "Prone holds over 10 minutes",
        value: |f| f.prone_holds_over_10_min.to_string(),
        amount: |f| f64::from(f.prone_holds_over_10_min),
    },
    Figure {
        name: "Seclusion hours",
        value: |f| hours(f.seclusion_minutes),
        amount: |f| f.seclusion_minutes as f64 / 60.0,
    },
    Figure {
        name: "Debriefs held",
        value: |f| f.debriefs_held.to_string(),
        amount: |f| f64::from(f.debriefs_held),
    },
];

/// The dashboard's figures as an accessible HTML fragment: the month's figures table
/// (`data-testid="month-figures"`, one row per figure, name then value), the month's uses of
/// force by MHSDS type (`data-testid="uses-by-type"`), and one inline SVG bar chart per figure
/// over `trend` (`role="img"` with an `aria-label` giving every value, a `<title>`, and each
/// bar's value written as text so nothing relies on colour). No scripts and no `style`
/// attributes (the console's CSP forbids inline styles); all text is escaped.
pub fn render_dashboard_tables_and_charts(
    current: &MonthFigures,
    trend: &[MonthFigures],
) -> String {
    let mut html = String::new();
    let month = escape(&month_name(&current.month));
    let _ = write!(
        html,
        "<table data-testid=\"month-figures\">\n<caption>Restrictive practice figures, {month} (incidents by their time in UTC)</caption>\n\
         <thead><tr><th scope=\"col\">Figure</th><th scope=\"col\">{month}</th></tr></thead>\n<tbody>\n"
    );
    for figure in &FIGURES {
        let _ = writeln!(
            html,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            figure.name,
            escape(&(figure.value)(current))
        );
    }
    html.push_str("</tbody>\n</table>\n");

    let _ = write!(
        html,
        "<table data-testid=\"uses-by-type\">\n<caption>Uses of force by MHSDS restrictive \
         intervention type, {month}</caption>\n<thead><tr><th scope=\"col\">MHSDS code</th>\
         <th scope=\"col\">Type</th><th scope=\"col\">Uses</th></tr></thead>\n<tbody>\n"
    );
    for (code, label, n) in &current.uses_by_type {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><th scope=\"row\">{}</th><td>{n}</td></tr>",
            escape(code),
            escape(label)
        );
    }
    let _ = writeln!(
        html,
        "</tbody>\n<tfoot><tr><td></td><th scope=\"row\">All types</th><td>{}</td></tr></tfoot>\n</table>",
        current.uses_of_force
    );

    if trend.is_empty() {
        return html;
    }
    let span = format!(
        "{} to {}",
        month_name(&trend[0].month),
        month_name(&trend[trend.len() - 1].month)
    );
    let _ = writeln!(
        html,
        "<section aria-label=\"Trends, {}\" data-testid=\"trend-charts\">",
        escape(&span)
    );
    for figure in &FIGURES {
        html.push_str(&bar_chart(figure, trend, &span));
    }
    html.push_str("</section>\n");
    html
}

/// One figure over the trend's months as an SVG bar chart.
fn bar_chart(figure: &Figure, trend: &[MonthFigures], span: &str) -> String {
    const BAR: f64 = 44.0;
    const GAP: f64 = 16.0;
    const TOP: f64 = 24.0;
    const PLOT: f64 = 120.0;
    const LEFT: f64 = 8.0;
    let width = LEFT * 2.0 + trend.len() as f64 * (BAR + GAP);
    let height = TOP + PLOT + 40.0;
    let max = trend
        .iter()
        .map(|f| (figure.amount)(f))
        .fold(0.0_f64, f64::max);
    let values: Vec<String> = trend
        .iter()
        .map(|f| format!("{} {}", month_name(&f.month), (figure.value)(f)))
        .collect();
    let label = escape(&format!(
        "{} by month, {}: {}",
        figure.name,
        span,
        values.join("; ")
    ));
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<figure>\n<svg role=\"img\" aria-label=\"{label}\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>{label}</title>\n\
         <line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#444444\" stroke-width=\"1\"/>\n",
        base = TOP + PLOT,
        right = width - LEFT,
    );
    for (i, f) in trend.iter().enumerate() {
        let amount = (figure.amount)(f);
        let bar_height = if max > 0.0 { amount / max * PLOT } else { 0.0 };
        let x = LEFT + GAP / 2.0 + i as f64 * (BAR + GAP);
        let y = TOP + PLOT - bar_height;
        let centre = x + BAR / 2.0;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y:.1}\" width=\"{BAR}\" height=\"{bar_height:.1}\" fill=\"#1d4f91\"/>\n\
             <text x=\"{centre}\" y=\"{value_y:.1}\" text-anchor=\"middle\" fill=\"#111111\">{value}</text>\n\
             <text x=\"{centre}\" y=\"{month_y}\" text-anchor=\"middle\" fill=\"#111111\">{month}</text>\n",
            value_y = y - 6.0,
            value = escape(&(figure.value)(f)),
            month_y = TOP + PLOT + 18.0,
            month = escape(&month_short(&f.month)),
        );
    }
    let _ = writeln!(
        svg,
        "</svg>\n<figcaption>{}, {}</figcaption>\n</figure>",
        figure.name,
        escape(span)
    );
    svg
}

/// The CSV's header row, in column order.
pub const CSV_HEADER: [&str; 18] = [
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
];

/// One CSV cell: formula-guarded, then quoted per RFC 4180 when it needs to be.
fn csv_cell(text: &str) -> String {
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

/// An instant as ISO 8601 UTC to the second, e.g. `2026-11-23T14:05:00Z`.
fn iso(t: Timestamp) -> String {
    DateTime::from_timestamp_millis(t.0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Y",
        Some(false) => "N",
        None => "",
    }
}

/// Whether the free-text injuries field records an injury: blank when not recorded; `N` when it
/// says there was none ("none", "no", "nil", "n/a", "none known", "no injuries", "no injury");
/// otherwise `Y`.
fn injuries(text: &Option<String>) -> &'static str {
    const NONE: [&str; 7] = [
        "none",
        "no",
        "nil",
        "n/a",
        "none known",
        "no injuries",
        "no injury",
    ];
    match text.as_deref().map(str::trim) {
        None | Some("") => "",
        Some(t) => {
            let t = t.trim_end_matches('.').to_lowercase();
            if NONE.contains(&t.as_str()) { "N" } else { "Y" }
        }
    }
}

/// The restrictive interventions of a unit's incidents as an MHSDS-coded CSV: header row
/// ([`CSV_HEADER`]) first, then one row per use-of-force entry whose start (or its incident's
/// time, if it has no start) falls on a UTC date from `from` to `to` inclusive, in time order.
/// `duration_minutes` is whole minutes from start to end, blank while running or without a start;
/// `prone_over_10_minutes` is `Y`/`N` for an ended timed hold and blank while running or
/// untimed; `in_care_plan`, `injuries_to_person` and `debrief_with_person_held` are blank when
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
        .filter(|(at, _, _)| {
            DateTime::from_timestamp_millis(at.0)
                .map(|d| d.date_naive())
                .is_some_and(|d| from <= d && d <= to)
        })
        .collect();
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.id.cmp(&b.1.id))
            .then_with(|| a.2.id.cmp(&b.2.id))
    });
    let mut csv = CSV_HEADER.join(",");
    csv.push_str("\r\n");
    for (_, incident, entry) in rows {
        let duration = match (entry.started_at, entry.ended_at) {
            (Some(s), Some(e)) => ((e.0 - s.0).max(0) / MINUTE_MS).to_string(),
            _ => String::new(),
        };
        let prone = match (entry.started_at, entry.ended_at) {
            (Some(_), Some(end)) => yes_no(Some(entry.prone_over_ten_minutes(end))),
            _ => "",
        };
        let cells: [String; 18] = [
            unit_id.to_string(),
            unit_name.to_string(),
            incident.id.clone(),
            match incident.status {
                IncidentStatus::Submitted => "submitted",
                IncidentStatus::Draft => "draft",
            }
            .to_string(),
            iso(incident.occurred_at),
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
            entry.started_at.map(iso).unwrap_or_default(),
            entry.ended_at.map(iso).unwrap_or_default(),
            duration,
            prone.to_string(),
            yes_no(entry.in_care_plan).to_string(),
            entry.staff.len().to_string(),
            injuries(&incident.injuries_person).to_string(),
            // Held at the submission or in a post-incident review recorded after it.
            yes_no(if incident.debrief_held(ReviewWith::Person) {
                Some(true)
            } else {
                incident.debrief_person.as_ref().map(|d| d.held)
            })
            .to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::StaffMember;
    use steady_core::codes::RestrictiveInterventionReason;
    use steady_core::incident::{Debrief, Deescalation};

    /// An instant from an RFC 3339 string.
    fn at(text: &str) -> Timestamp {
        Timestamp(
            DateTime::parse_from_rfc3339(text)
                .expect("test time")
                .timestamp_millis(),
        )
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    /// A synthetic incident in unit `u-1`, draft, no tags, no force.
    fn incident(id: &str, occurred_at: &str) -> Incident {
        Incident {
            id: id.into(),
            unit_id: "u-1".into(),
            status: IncidentStatus::Draft,
            occurred_at: at(occurred_at),
            recorded_by: "Synthetic Worker".into(),
            person_id: Some("p-1".into()),
            person_name: Some("Sam Example".into()),
            unidentified_person: None,
            note: "synthetic note".into(),
            tags: vec![],
            place: None,
            deescalation: Deescalation::default(),
            use_of_force: vec![],
            non_staff_involved: None,
            non_staff_reason: None,
            mental_disorder: None,
            relevant_characteristics: None,
            learning_disability_or_autism: None,
            injuries_person: None,
            injuries_staff: None,
            injuries_others: None,
            outcome: None,
            death_or_serious_injury: None,
            debrief_person: None,
            debrief_staff: None,
            notification_sent: None,
            submitted_at: None,
            addenda: vec![],
            unreadable: vec![],
            subject: None,
            nhs_number_not_known: None,
            characteristics: None,
            injured_person: None,
            injured_staff: None,
            injured_others: None,
        }
    }

    fn force(
        id: &str,
        kind: RestrictiveInterventionType,
        start: Option<&str>,
        end: Option<&str>,
    ) -> UseOfForce {
        UseOfForce {
            id: id.into(),
            intervention: kind,
            reason: Some(RestrictiveInterventionReason::PreventViolenceToOthers),
            started_at: start.map(at),
            ended_at: end.map(at),
            in_care_plan: Some(true),
            how_force_was_used: "synthetic".into(),
            staff: vec![
                StaffMember {
                    name: "A Worker".into(),
                    job_title: "Nurse".into(),
                },
                StaffMember {
                    name: "B Worker".into(),
                    job_title: "HCA".into(),
                },
            ],
            contraindication_override: None,
        }
    }

    fn by_type(f: &MonthFigures, code: &str) -> u32 {
        f.uses_by_type
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, _, n)| *n)
            .expect("every type is listed")
    }

    const NOW: &str = "2026-12-15T12:00:00Z";

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
    fn incidents_count_in_their_utc_month_drafts_included() {
        let mut submitted = incident("i-2", "2026-11-30T23:59:59Z");
        submitted.status = IncidentStatus::Submitted;
        let all = [
            incident("i-0", "2026-10-31T23:59:59Z"),
            incident("i-1", "2026-11-01T00:00:00Z"),
            submitted,
            incident("i-3", "2026-12-01T00:00:00Z"),
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
    }

    #[test]
    fn a_deescalation_that_ended_in_force_is_not_successful() {
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
        near_with_force.tags = vec![IncidentTag::NearMiss, IncidentTag::DeescalatedSuccessfully];
        near_with_force.use_of_force = restrained.use_of_force.clone();
        let f = month_figures(
            &[calm, restrained, near, near_with_force],
            "2026-11",
            at(NOW),
        )
        .expect("figures");
        assert_eq!(f.successful_deescalations, 1);
        assert_eq!(
            f.near_misses, 2,
            "a near miss counts whatever else happened"
        );
        assert_eq!(f.uses_of_force, 2);
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
        i.use_of_force = vec![
            // Exactly 10 minutes: not over.
            force(
                "f-1",
                RestrictiveInterventionType::PhysicalProne,
                Some("2026-11-10T08:00:00Z"),
                Some("2026-11-10T08:10:00Z"),
            ),
            // 10 minutes and a second: over.
            force(
                "f-2",
                RestrictiveInterventionType::PhysicalProne,
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
            force(
                "f-4",
                RestrictiveInterventionType::PhysicalProne,
                Some("2026-11-10T11:40:00Z"),
                None,
            ),
            // Prone with no start time: cannot be known to be over.
            force(
                "f-5",
                RestrictiveInterventionType::PhysicalProne,
                None,
                None,
            ),
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
        // 23:00 on 31 October to 01:30 on 1 November: 60 minutes in October, 90 in November.
        let mut across = incident("i-1", "2026-10-31T22:50:00Z");
        across.use_of_force = vec![force(
            "f-1",
            RestrictiveInterventionType::Seclusion,
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
        running.use_of_force = vec![force(
            "f-3",
            RestrictiveInterventionType::Seclusion,
            Some("2026-11-30T22:00:00Z"),
            None,
        )];
        // No start: nothing to add.
        let mut untimed = incident("i-4", "2026-11-15T10:00:00Z");
        untimed.use_of_force = vec![force(
            "f-4",
            RestrictiveInterventionType::Seclusion,
            None,
            None,
        )];
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
    fn debriefs_held_count_each_incident_once() {
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
        next_day.addenda.push(steady_core::incident::Addendum {
            id: "a-1".into(),
            author: "Priya Shah".into(),
            job_title: "Ward manager".into(),
            at: at("2026-11-06T10:00:00Z"),
            reason: "Post-incident review with the person".into(),
            text: "Held with their keyworker.".into(),
            review: Some(steady_core::incident::PostIncidentReview {
                with: ReviewWith::Person,
                held: true,
                held_at: Some(at("2026-11-06T09:30:00Z")),
                who: "keyworker".into(),
                why_not: None,
                wellbeing_offered: None,
                note: String::new(),
            }),
            observation: None,
        });
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

    fn sample_month() -> (MonthFigures, Vec<MonthFigures>) {
        let mut i = incident("i-1", "2026-11-10T08:00:00Z");
        i.use_of_force = vec![
            force(
                "f-1",
                RestrictiveInterventionType::PhysicalProne,
                Some("2026-11-10T08:00:00Z"),
                Some("2026-11-10T08:12:00Z"),
            ),
            force(
                "f-2",
                RestrictiveInterventionType::Seclusion,
                Some("2026-11-10T09:00:00Z"),
                Some("2026-11-10T10:30:00Z"),
            ),
        ];
        i.tags = vec![IncidentTag::NearMiss];
        let all = [i];
        let current = month_figures(&all, "2026-11", at(NOW)).unwrap();
        let trend = monthly_trend(&all, "2026-11", 3, at(NOW)).unwrap();
        (current, trend)
    }

    /// The value cell of the figures-table row named `name`.
    fn row_value(html: &str, name: &str) -> String {
        let marker = format!("<th scope=\"row\">{name}</th><td>");
        let start = html
            .find(&marker)
            .unwrap_or_else(|| panic!("no row {name}"))
            + marker.len();
        let end = start + html[start..].find("</td>").expect("cell end");
        html[start..end].to_string()
    }

    #[test]
    fn the_figures_table_has_every_named_row() {
        let (current, trend) = sample_month();
        let html = render_dashboard_tables_and_charts(&current, &trend);
        let table_start = html
            .find("<table data-testid=\"month-figures\">")
            .expect("table");
        let table = &html[table_start..table_start + html[table_start..].find("</table>").unwrap()];
        assert!(table.contains(
            "<caption>Restrictive practice figures, November 2026 (incidents by their time in UTC)</caption>"
        ));
        for (name, value) in [
            ("Incidents", "1"),
            ("Successful de-escalations", "0"),
            ("Near misses", "1"),
            ("Uses of force", "2"),
            ("Prone holds over 10 minutes", "1"),
            ("Seclusion hours", "1.5"),
            ("Debriefs held", "0"),
        ] {
            assert_eq!(row_value(table, name), value, "{name}");
        }
        assert_eq!(
            table.matches("<tr>").count(),
            8,
            "a header row and seven figures"
        );
        assert!(html.contains("data-testid=\"uses-by-type\""));
        assert!(html.contains("<tr><td>01</td><th scope=\"row\">Physical restraint: prone (face down)</th><td>1</td></tr>"));
        assert!(html.contains("<tr><td>05</td><th scope=\"row\">Seclusion</th><td>1</td></tr>"));
    }

    #[test]
    fn seclusion_hours_have_one_decimal_rounded_half_up() {
        assert_eq!(hours(0), "0.0");
        assert_eq!(hours(2), "0.0");
        assert_eq!(hours(3), "0.1");
        assert_eq!(hours(90), "1.5");
        assert_eq!(hours(119), "2.0");
        assert_eq!(hours(600), "10.0");
        assert_eq!(hours(u64::MAX), "307445734561825860.3", "no overflow");
    }

    #[test]
    fn charts_are_accessible_and_free_of_scripts_and_inline_styles() {
        let (current, trend) = sample_month();
        let html = render_dashboard_tables_and_charts(&current, &trend);
        assert_eq!(html.matches("<svg ").count(), FIGURES.len());
        assert_eq!(html.matches("role=\"img\"").count(), FIGURES.len());
        assert_eq!(html.matches("<title>").count(), FIGURES.len());
        assert!(html.contains(
            "aria-label=\"Prone holds over 10 minutes by month, September 2026 to November 2026: \
             September 2026 0; October 2026 0; November 2026 1\""
        ));
        assert!(html.contains("aria-label=\"Seclusion hours by month"));
        assert!(html.contains("November 2026 1.5"));
        // Values and months are written as text on the chart, not shown by colour alone.
        assert!(html.contains(">Nov 2026</text>"));
        assert!(html.contains(">1.5</text>"));
        let lower = html.to_lowercase();
        for forbidden in ["<script", "style=", "onload", "onclick", "javascript:"] {
            assert!(!lower.contains(forbidden), "{forbidden}");
        }
        // Every aria-label and title is the same text.
        for chunk in html.split("aria-label=\"").skip(1) {
            let label = &chunk[..chunk.find('"').unwrap()];
            assert!(!label.is_empty());
        }
    }

    #[test]
    fn an_empty_trend_renders_only_the_tables() {
        let (current, _) = sample_month();
        let html = render_dashboard_tables_and_charts(&current, &[]);
        assert!(html.contains("data-testid=\"month-figures\""));
        assert!(!html.contains("<svg"));
    }

    #[test]
    fn all_rendered_text_is_escaped() {
        let (mut current, trend) = sample_month();
        current.month = "<script>alert(1)</script>".into();
        current.uses_by_type[0].1 = "\"><img src=x onerror=alert(1)>".into();
        let mut trend = trend;
        trend[0].month = "<b>&'".into();
        let html = render_dashboard_tables_and_charts(&current, &trend);
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;b&gt;&amp;&#39;"));
    }

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

    #[test]
    fn the_csv_has_a_header_and_one_row_per_use_of_force_in_range() {
        let mut a = incident("i-a", "2026-11-10T08:00:00Z");
        a.status = IncidentStatus::Submitted;
        a.injuries_person = Some("None.".into());
        a.debrief_person = Some(Debrief {
            held: true,
            note: "ok".into(),
        });
        a.use_of_force = vec![
            force(
                "f-2",
                RestrictiveInterventionType::Seclusion,
                Some("2026-11-10T09:00:00Z"),
                Some("2026-11-10T10:30:00Z"),
            ),
            force(
                "f-1",
                RestrictiveInterventionType::PhysicalProne,
                Some("2026-11-10T08:00:00Z"),
                Some("2026-11-10T08:12:00Z"),
            ),
        ];
        let mut b = incident("i-b", "2026-11-30T23:30:00Z");
        b.injuries_person = Some("graze to left elbow".into());
        let mut untimed = force("f-3", RestrictiveInterventionType::ChemicalOral, None, None);
        untimed.reason = None;
        untimed.in_care_plan = None;
        untimed.staff = vec![];
        b.use_of_force = vec![
            untimed,
            // Still running: no end, no duration, prone flag unknown.
            force(
                "f-4",
                RestrictiveInterventionType::PhysicalProne,
                Some("2026-11-30T23:35:00Z"),
                None,
            ),
        ];
        let mut before = incident("i-c", "2026-10-31T23:00:00Z");
        before.use_of_force = vec![force(
            "f-5",
            RestrictiveInterventionType::Mechanical,
            Some("2026-10-31T23:59:00Z"),
            None,
        )];
        let mut after = incident("i-d", "2026-12-01T00:00:00Z");
        after.use_of_force = vec![force(
            "f-6",
            RestrictiveInterventionType::Mechanical,
            None,
            None,
        )];
        let mut other_unit = incident("i-e", "2026-11-10T08:00:00Z");
        other_unit.unit_id = "u-2".into();
        other_unit.use_of_force = vec![force(
            "f-7",
            RestrictiveInterventionType::Mechanical,
            None,
            None,
        )];
        let no_force = incident("i-f", "2026-11-11T08:00:00Z");

        let csv = restrictive_interventions_csv(
            "u-1",
            "Willow Ward",
            &[b, after, a, before, other_unit, no_force],
            date("2026-11-01"),
            date("2026-11-30"),
        );
        let rows = parse_csv(&csv);
        assert_eq!(rows[0], CSV_HEADER);
        let column = |name: &str| CSV_HEADER.iter().position(|h| *h == name).unwrap();
        let ids: Vec<&str> = rows[1..]
            .iter()
            .map(|r| r[column("incident_id")].as_str())
            .collect();
        assert_eq!(
            ids,
            ["i-a", "i-a", "i-b", "i-b"],
            "in range, own unit, time order"
        );
        assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
        assert_eq!(
            rows[1],
            [
                "u-1",
                "Willow Ward",
                "i-a",
                "submitted",
                "2026-11-10T08:00:00Z",
                "p-1",
                "01",
                "Physical restraint: prone (face down)",
                "10",
                "Prevent violence to others",
                "2026-11-10T08:00:00Z",
                "2026-11-10T08:12:00Z",
                "12",
                "Y",
                "Y",
                "2",
                "N",
                "Y",
            ]
        );
        assert_eq!(rows[2][column("restrictive_intervention_type_code")], "05");
        assert_eq!(rows[2][column("duration_minutes")], "90");
        assert_eq!(rows[2][column("prone_over_10_minutes")], "N");
        let untimed = &rows[3];
        assert_eq!(untimed[column("incident_status")], "draft");
        assert_eq!(untimed[column("restrictive_intervention_type_code")], "16");
        assert_eq!(untimed[column("restrictive_intervention_reason_code")], "");
        assert_eq!(untimed[column("started_at")], "");
        assert_eq!(untimed[column("duration_minutes")], "");
        assert_eq!(untimed[column("in_care_plan")], "");
        assert_eq!(untimed[column("staff_count")], "0");
        assert_eq!(untimed[column("injuries_to_person")], "Y");
        assert_eq!(untimed[column("debrief_with_person_held")], "");
        let running = &rows[4];
        assert_eq!(running[column("ended_at")], "");
        assert_eq!(running[column("duration_minutes")], "");
        assert_eq!(running[column("prone_over_10_minutes")], "");
        assert!(!csv.contains("Sam Example"), "names of people never appear");
        assert!(csv.ends_with("\r\n"));
    }

    #[test]
    fn an_empty_or_reversed_range_gives_only_the_header() {
        let mut a = incident("i-a", "2026-11-10T08:00:00Z");
        a.use_of_force = vec![force(
            "f-1",
            RestrictiveInterventionType::Mechanical,
            None,
            None,
        )];
        let csv = restrictive_interventions_csv(
            "u-1",
            "Ward",
            &[a],
            date("2026-11-30"),
            date("2026-11-01"),
        );
        assert_eq!(csv, format!("{}\r\n", CSV_HEADER.join(",")));
        let csv = restrictive_interventions_csv(
            "u-1",
            "Ward",
            &[],
            date("2026-11-01"),
            date("2026-11-30"),
        );
        assert_eq!(parse_csv(&csv).len(), 1);
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
        let csv = restrictive_interventions_csv(
            "=cmd|' /C calc'!A0",
            "Ward, \"North\"",
            &[],
            date("2026-11-01"),
            date("2026-11-30"),
        );
        assert_eq!(parse_csv(&csv).len(), 1, "the unit appears only on rows");
        let mut a = incident("i-a", "2026-11-10T08:00:00Z");
        a.unit_id = "=cmd".into();
        a.person_id = Some("@p".into());
        a.use_of_force = vec![force(
            "f-1",
            RestrictiveInterventionType::Mechanical,
            None,
            None,
        )];
        let rows = parse_csv(&restrictive_interventions_csv(
            "=cmd",
            "Ward, \"North\"",
            &[a],
            date("2026-11-01"),
            date("2026-11-30"),
        ));
        assert_eq!(rows[1][0], "'=cmd");
        assert_eq!(rows[1][1], "Ward, \"North\"");
        assert_eq!(rows[1][5], "'@p");
    }

    #[test]
    fn injuries_text_reads_as_yes_no_or_not_recorded() {
        assert_eq!(injuries(&None), "");
        assert_eq!(injuries(&Some("  ".into())), "");
        for none in [
            "none",
            "None.",
            "NO",
            "nil",
            "N/A",
            "none known",
            "No injuries",
        ] {
            assert_eq!(injuries(&Some(none.into())), "N", "{none}");
        }
        assert_eq!(injuries(&Some("bruise to wrist".into())), "Y");
        assert_eq!(
            injuries(&Some("no visible injury but complained of pain".into())),
            "Y"
        );
    }
}
