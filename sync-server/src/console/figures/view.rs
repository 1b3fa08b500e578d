//! The dashboard's view of the figures: an accessible HTML fragment of tables and SVG bar charts.
//!
//! The three series (incidents, successful de-escalations, near misses) are separate rows and
//! separate charts, never summed into one "incidents" bar; the rules are in [`super::counting`].

use std::fmt::Write as _;

use super::{Month, MonthFigures};

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
        "<table data-testid=\"month-figures\">\n<caption>Restrictive practice figures, {month} (by UK time; incidents, successful de-escalations and near misses are separate series)</caption>\n\
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

#[cfg(test)]
mod tests {
    use super::super::testdata::{NOW, at, force, incident};
    use super::super::{month_figures, monthly_trend};
    use super::*;
    use steady_core::codes::{IncidentTag, RestrictiveInterventionType};

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
        let mut calm = incident("i-2", "2026-11-11T08:00:00Z");
        calm.tags = vec![IncidentTag::DeescalatedSuccessfully];
        let all = [i, calm];
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
            "<caption>Restrictive practice figures, November 2026 (by UK time; incidents, successful de-escalations and near misses are separate series)</caption>"
        ));
        for (name, value) in [
            // A near miss in which force was used is an incident.
            ("Incidents", "1"),
            ("Successful de-escalations", "1"),
            ("Near misses", "0"),
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
}
