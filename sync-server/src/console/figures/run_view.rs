//! The dashboard's run charts, drawn on the server as SVG with maud (which escapes every value):
//! each series under its own heading (the title above its chart), its months as points joined
//! by a line, the median as a dashed line, and the points of a shift or trend drawn as squares
//! rather than circles (shape, not colour alone, tells them apart). Beside each chart the same
//! in words, for screen readers and for anyone: the median, every shift and trend with its
//! months and direction, or that there is none, and the month against the one before. Above the
//! charts, a table compares each series with the previous month and the previous period.

use maud::{Markup, html};

use super::Month;
use super::dashboard::{Basis, Dashboard, SeriesRun};
use crate::console::run_chart::{SHIFT_POINTS, Signal, TREND_POINTS};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 230.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 96.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

fn long(key: &str) -> String {
    Month::parse(key).map_or_else(|_| key.to_string(), Month::long_name)
}

fn short(key: &str) -> String {
    Month::parse(key).map_or_else(|_| key.to_string(), Month::short_name)
}

/// A value as shown: rates with one decimal, counts whole.
fn shown_value(v: f64, basis: Basis) -> String {
    match basis {
        Basis::PerThousandBedDays => format!("{v:.1}"),
        Basis::Count => format!("{v:.0}"),
    }
}

/// The median as shown: a count's median may be a half.
fn shown_median(v: f64, basis: Basis) -> String {
    match basis {
        Basis::PerThousandBedDays => format!("{v:.1}"),
        Basis::Count if v.fract() == 0.0 => format!("{v:.0}"),
        Basis::Count => format!("{v:.1}"),
    }
}

/// An axis label: whole numbers as such, others with one decimal.
fn tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn unit_words(basis: Basis) -> &'static str {
    match basis {
        Basis::PerThousandBedDays => " per 1,000 occupied bed days",
        Basis::Count => "",
    }
}

/// "up 2.0", "down 1", "no change".
fn change(now: f64, before: f64, basis: Basis) -> String {
    let d = now - before;
    if shown_value(d.abs(), basis) == shown_value(0.0, basis) {
        "no change".into()
    } else if d > 0.0 {
        format!("up {}", shown_value(d, basis))
    } else {
        format!("down {}", shown_value(-d, basis))
    }
}

fn signal_span(s: &Signal) -> (usize, usize) {
    match *s {
        Signal::ShiftUp { from, to }
        | Signal::ShiftDown { from, to }
        | Signal::TrendUp { from, to }
        | Signal::TrendDown { from, to } => (from, to),
    }
}

/// A signal in words, with whether it is the direction the unit wants.
fn signal_words(s: &Signal, run: &SeriesRun, months: &[String]) -> String {
    let (from, to) = signal_span(s);
    let (what, up) = match s {
        Signal::ShiftUp { .. } => ("Shift: months in a row above the median", true),
        Signal::ShiftDown { .. } => ("Shift: months in a row below the median", false),
        Signal::TrendUp { .. } => ("Trend: months in a row each higher than the last", true),
        Signal::TrendDown { .. } => ("Trend: months in a row each lower than the last", false),
    };
    let verdict = match (run.series.lower_is_better(), up) {
        (Some(true), false) | (Some(false), true) => "a real change, in the direction wanted",
        (Some(_), _) => "a real change, in the wrong direction",
        (None, _) => "a real change",
    };
    format!(
        "{what}, {} to {}: {verdict}.",
        long(&months[from]),
        long(&months[to])
    )
}

fn point_y(v: f64, max: f64) -> f64 {
    TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v / max)
}

/// One series as an SVG run chart.
fn chart(run: &SeriesRun, d: &Dashboard, described_by: &str) -> Markup {
    let n = run.values.len().max(1);
    let top = run
        .values
        .iter()
        .copied()
        .fold(run.median, f64::max)
        .max(1.0)
        * 1.15;
    // Counts get a whole-number top, so the axis reads 0, 1, 2 rather than 1.15.
    let max = match d.basis {
        Basis::Count => top.ceil().max(2.0),
        Basis::PerThousandBedDays => top,
    };
    let plot_w = WIDTH - LEFT - RIGHT;
    let step = if n > 1 { plot_w / (n - 1) as f64 } else { 0.0 };
    let x = |i: usize| LEFT + step * i as f64;
    let marked: Vec<bool> = (0..run.values.len())
        .map(|i| {
            run.signals.iter().any(|s| {
                let (a, b) = signal_span(s);
                (a..=b).contains(&i)
            })
        })
        .collect();
    let line: String = run
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), point_y(*v, max)))
        .collect::<Vec<_>>()
        .join(" ");
    let median_y = point_y(run.median, max);
    let base = HEIGHT - BOTTOM;
    let summary: Vec<String> = d
        .months
        .iter()
        .zip(&run.values)
        .map(|(m, v)| format!("{} {}", short(m), shown_value(*v, d.basis)))
        .collect();
    let title = format!(
        "{}{} by month: {}",
        run.series.title(),
        unit_words(d.basis),
        summary.join("; ")
    );
    let ticks = [0.0, max / 2.0, max];
    html! {
        svg class="run-chart" role="img" aria-label=(title) aria-describedby=(described_by)
            viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } font-family="sans-serif" font-size="12"
            data-testid={ "run-chart-" (run.series.key()) } {
            title { (title) }
            // The y axis, with three labelled ticks.
            line x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(base) stroke="#444444" stroke-width="1" {}
            line x1=(LEFT) y1=(base) x2=(WIDTH - RIGHT) y2=(base) stroke="#444444" stroke-width="1" {}
            @for t in ticks {
                line x1=(LEFT - 4.0) y1=(format!("{:.1}", point_y(t, max))) x2=(LEFT) y2=(format!("{:.1}", point_y(t, max))) stroke="#444444" {}
                text x=(LEFT - 6.0) y=(format!("{:.1}", point_y(t, max) + 4.0)) text-anchor="end" fill="#111111" {
                    (tick(t))
                }
            }
            // The median.
            line x1=(LEFT) y1=(format!("{median_y:.1}")) x2=(WIDTH - RIGHT) y2=(format!("{median_y:.1}"))
                stroke="#505a5f" stroke-width="2" stroke-dasharray="6 4" {}
            text x=(WIDTH - RIGHT + 6.0) y=(format!("{:.1}", median_y + 4.0)) fill="#111111" {
                "median " (shown_median(run.median, d.basis))
            }
            polyline points=(line) fill="none" stroke="#1d4f91" stroke-width="2" {}
            @for (i, v) in run.values.iter().enumerate() {
                @let (cx, cy) = (x(i), point_y(*v, max));
                @if marked[i] {
                    rect x=(format!("{:.1}", cx - 6.0)) y=(format!("{:.1}", cy - 6.0)) width="12" height="12"
                        fill="#b45f06" stroke="#0b0c0c" stroke-width="1" {}
                } @else {
                    circle cx=(format!("{cx:.1}")) cy=(format!("{cy:.1}")) r="4" fill="#1d4f91" {}
                }
                @if i % 2 == (n - 1) % 2 {
                    text x=(format!("{cx:.1}")) y=(base + 16.0) text-anchor="middle" fill="#111111" {
                        (short(&d.months[i]))
                    }
                }
            }
        }
    }
}

/// The charts, the comparison table and the words, for one unit or a roll-up (`scope` names it
/// in the headings). The caller adds the bed days form.
pub fn render_run_charts(d: &Dashboard, scope: &str) -> Markup {
    let months = d.months.len();
    let (first, last) = (
        d.months.first().map(|m| long(m)).unwrap_or_default(),
        d.months.last().map(|m| long(m)).unwrap_or_default(),
    );
    let missing = d.months_without_bed_days();
    html! {
        section class="direction" aria-labelledby="direction" data-testid="direction" {
            h2 id="direction" { "Direction, " (scope) ": " (first) " to " (last) }
            @match d.basis {
                Basis::PerThousandBedDays => {
                    p data-testid="basis" { "Rates per 1,000 occupied bed days (bed days entered for every month)." }
                }
                Basis::Count => {
                    p class="notice" data-testid="basis" {
                        "Counts, not rates: occupied bed days are not entered for "
                        (missing.iter().map(|m| long(m)).collect::<Vec<_>>().join(", "))
                        ". Enter them to see rates per 1,000 occupied bed days."
                    }
                }
            }
            p {
                "Each chart shows the months against their median. A "
                strong { "shift" } " (" (SHIFT_POINTS) " or more months in a row on one side of the median) or a "
                strong { "trend" } " (" (TREND_POINTS) " or more months in a row going one way) marks real change; "
                "its months are drawn as squares. Any other rise or fall is ordinary variation."
            }
            table data-testid="comparison" {
                caption { "Each series against the previous month and the previous " (months) " months" (unit_words(d.basis)) }
                thead { tr {
                    th scope="col" { "Series" }
                    th scope="col" { (last) }
                    th scope="col" { "Month before" }
                    th scope="col" { "Change" }
                    th scope="col" { "Last " (months) " months" }
                    th scope="col" { "Previous " (months) " months" }
                    th scope="col" { "Change" }
                } }
                tbody {
                    @for run in &d.series {
                        @let now = run.values.last().copied().unwrap_or(0.0);
                        @let (period, previous) = match (run.period_rate, run.previous_period_rate) {
                            (Some(a), Some(b)) => (a, Some(b)),
                            (Some(a), None) => (a, None),
                            _ => (f64::from(run.period_count), (d.basis == Basis::Count).then(|| f64::from(run.previous_period_count))),
                        };
                        tr data-series=(run.series.key()) {
                            th scope="row" { (run.series.title()) }
                            td { (shown_value(now, d.basis)) }
                            td { @if let Some(p) = run.previous_month { (shown_value(p, d.basis)) } @else { "No bed days" } }
                            td { @if let Some(p) = run.previous_month { (change(now, p, d.basis)) } @else { "Not compared" } }
                            td { (shown_value(period, d.basis)) }
                            td { @if let Some(p) = previous { (shown_value(p, d.basis)) } @else { "No bed days" } }
                            td { @if let Some(p) = previous { (change(period, p, d.basis)) } @else { "Not compared" } }
                        }
                    }
                }
            }
            @for run in &d.series {
                @let key = run.series.key();
                @let heading = format!("run-{key}");
                @let words = format!("run-{key}-words");
                section class="run" aria-labelledby=(heading) data-testid={ "run-" (key) } {
                    h3 id=(heading) { (run.series.title()) (unit_words(d.basis)) }
                    div class="run-body" {
                        (chart(run, d, &words))
                        div class="run-words" id=(words) data-testid="run-words" {
                            p { "Median: " (shown_median(run.median, d.basis)) (unit_words(d.basis)) "." }
                            @if run.signals.is_empty() {
                                p { "No shift or trend: the months vary as this series usually does." }
                            } @else {
                                ul { @for s in &run.signals { li { (signal_words(s, run, &d.months)) } } }
                            }
                            p {
                                (last) ": " (shown_value(run.values.last().copied().unwrap_or(0.0), d.basis))
                                @if let Some(p) = run.previous_month { "; the month before: " (shown_value(p, d.basis)) }
                                "."
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::dashboard::{Series, dashboard};
    use super::super::testdata::{force, incident};
    use super::*;
    use steady_core::codes::RestrictiveInterventionType as T;

    fn sample(beds: bool) -> Dashboard {
        let mut all = vec![];
        for m in 1..=6 {
            for n in 0..2 {
                let mut i = incident(&format!("{m}-{n}"), &format!("2026-{m:02}-10T10:00:00Z"));
                i.use_of_force = vec![force("f", T::PhysicalProne, None, None)];
                all.push(i);
            }
        }
        let bed_days: BTreeMap<String, u32> = if beds {
            (1..=24)
                .map(|k| {
                    let y = if k <= 12 { 2025 } else { 2026 };
                    (format!("{y}-{:02}", (k - 1) % 12 + 1), 500)
                })
                .collect()
        } else {
            BTreeMap::new()
        };
        dashboard(&all, &bed_days, "2026-12", 12).expect("dashboard")
    }

    #[test]
    fn each_chart_has_its_title_above_and_its_signals_in_words() {
        let html = render_run_charts(&sample(true), "Oak House").into_string();
        assert_eq!(html.matches("<svg").count(), Series::ALL.len());
        let h3 = html.find("<h3 id=\"run-prone\">").expect("title");
        let svg = html.find("data-testid=\"run-chart-prone\"").expect("chart");
        assert!(h3 < svg, "the title comes before its chart");
        assert!(html.contains("Rates per 1,000 occupied bed days"));
        assert!(html.contains(
            "Shift: months in a row below the median, July 2026 to December 2026: a real change, in the direction wanted."
        ));
        assert!(html.contains(
            "Shift: months in a row above the median, January 2026 to June 2026: a real change, in the wrong direction."
        ));
        assert!(html.contains("Median: 2.0 per 1,000 occupied bed days."));
        // Squares for the signal's points: twelve months, all in a shift.
        let prone = &html[svg..html[svg..].find("</svg>").unwrap() + svg];
        assert_eq!(prone.matches("<rect").count(), 12);
        assert!(html.contains("aria-describedby=\"run-prone-words\""));
        assert!(!html.to_lowercase().contains("style="));
    }

    #[test]
    fn without_bed_days_the_charts_are_counts_and_say_so() {
        let html = render_run_charts(&sample(false), "Oak House").into_string();
        assert!(
            html.contains("Counts, not rates: occupied bed days are not entered for January 2026")
        );
        assert!(html.contains("Median: 1."), "a count median of 1");
        assert!(!html.contains("Median: 1.0 per 1,000"));
        assert!(
            html.contains("No shift or trend"),
            "de-escalations are all zero"
        );
    }

    #[test]
    fn changes_are_said_in_words() {
        assert_eq!(change(3.0, 1.0, Basis::Count), "up 2");
        assert_eq!(change(1.0, 3.5, Basis::PerThousandBedDays), "down 2.5");
        assert_eq!(change(1.0, 1.04, Basis::PerThousandBedDays), "no change");
    }
}
