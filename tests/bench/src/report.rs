//! The shared shape of every benchmark section's output: latency statistics, the machine and
//! versions the figures were taken on, and a markdown report with one row per measurement,
//! its budget (DESIGN.md §7) and whether the figure met it.
//!
//! Budgets here are figures to watch, not assertions: a MISS is reported, never turned into a
//! failing exit code, because timings depend on the machine and its load. Every section
//! (device today; sync and server load later) builds a [`Report`] and lets `main` print it.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

/// Latency statistics over a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// How many samples.
    pub n: usize,
    /// Median (nearest rank).
    pub p50: Duration,
    /// 99th percentile (nearest rank): with fewer than 100 samples, this is the maximum.
    pub p99: Duration,
    /// Arithmetic mean.
    pub mean: Duration,
}

impl Stats {
    /// Statistics of `samples` (which must not be empty).
    pub fn of(samples: &[Duration]) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let total: Duration = sorted.iter().sum();
        Stats {
            n: sorted.len(),
            p50: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
            mean: total / sorted.len() as u32,
        }
    }

    /// "p50 … · p99 … · mean … (n = …)".
    pub fn summary(&self) -> String {
        format!(
            "p50 {} · p99 {} · mean {} (n = {})",
            ms(self.p50),
            ms(self.p99),
            ms(self.mean),
            self.n
        )
    }
}

/// The `p`th percentile of `sorted` by nearest rank: the smallest sample with at least `p`% of
/// the samples at or below it.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    assert!(!sorted.is_empty(), "no samples");
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration in milliseconds, with enough digits for sub-millisecond figures.
pub fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.3} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.1} s", v / 1000.0)
    }
}

/// Whether a figure met its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within budget.
    Pass,
    /// Over budget.
    Miss,
    /// No budget: context for the other rows.
    Info,
}

impl Verdict {
    /// Pass when `ok`, otherwise Miss.
    pub fn within(ok: bool) -> Verdict {
        if ok { Verdict::Pass } else { Verdict::Miss }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Miss => "MISS",
            Verdict::Info => "—",
        }
    }
}

/// One measurement of a report.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured.
    pub what: String,
    /// The figure.
    pub figure: String,
    /// The budget, or "" for context rows.
    pub budget: String,
    /// Whether the figure met the budget.
    pub verdict: Verdict,
}

impl Row {
    /// A measurement with a budget.
    pub fn budgeted(what: &str, figure: String, budget: &str, ok: bool) -> Row {
        Row {
            what: what.to_string(),
            figure,
            budget: budget.to_string(),
            verdict: Verdict::within(ok),
        }
    }

    /// A measurement given for context, without a budget.
    pub fn info(what: &str, figure: String) -> Row {
        Row {
            what: what.to_string(),
            figure,
            budget: String::new(),
            verdict: Verdict::Info,
        }
    }
}

/// A section's report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Heading.
    pub title: String,
    /// Small-N run for CI: figures are not claims.
    pub quick: bool,
    /// Machine, versions and parameters, in order.
    pub facts: Vec<(String, String)>,
    /// The measurements.
    pub rows: Vec<Row>,
    /// Further markdown (detail tables) after the main table.
    pub extra: Vec<String>,
    /// Paragraphs after the table (method, caveats).
    pub notes: Vec<String>,
    /// Files the markdown refers to (a plot), as (name, content): written beside the report.
    pub files: Vec<(String, String)>,
}

impl Report {
    /// Adds a fact line.
    pub fn fact(&mut self, key: &str, value: impl Into<String>) {
        self.facts.push((key.to_string(), value.into()));
    }

    /// The report as markdown, on its own.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", self.title);
        preamble(&mut out, self.quick);
        self.body(&mut out, &[]);
        out
    }

    /// Facts, the table, the extra tables and the notes; facts whose key and value are in
    /// `skip` (already given above) are left out.
    fn body(&self, out: &mut String, skip: &[(String, String)]) {
        for (key, value) in &self.facts {
            if !skip.contains(&(key.clone(), value.clone())) {
                let _ = writeln!(out, "- **{key}**: {}", cell(value));
            }
        }
        let _ = writeln!(out);
        table(out, self.quick, self.rows.iter());
        for extra in &self.extra {
            let _ = writeln!(out, "\n{}", extra.trim_end());
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n{note}");
        }
    }
}

fn preamble(out: &mut String, quick: bool) {
    if quick {
        let _ = writeln!(
            out,
            "> **Quick run** (small N, for CI): these figures only show that the harness \
             works. They are not claims about Steady's performance.\n"
        );
    }
    let _ = writeln!(
        out,
        "These are measured figures, not assertions: a MISS is reported here and the command \
         still exits 0. Budgets are from DESIGN.md §7.\n"
    );
}

fn table<'a>(out: &mut String, quick: bool, rows: impl Iterator<Item = &'a Row>) {
    let _ = writeln!(out, "| measurement | figure | budget | result |");
    let _ = writeln!(out, "|---|---|---|---|");
    for row in rows {
        let verdict = if quick && row.verdict != Verdict::Info {
            format!("{} (quick, not a claim)", row.verdict.label())
        } else {
            row.verdict.label().to_string()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&row.what),
            cell(&row.figure),
            if row.budget.is_empty() {
                "—".to_string()
            } else {
                cell(&row.budget)
            },
            verdict
        );
    }
}

/// Several sections as one document: a title, the facts they share, every budgeted row at a
/// glance, then each section in full under its own heading.
pub fn combined(title: &str, sections: &[Report]) -> String {
    let mut out = String::new();
    let quick = sections.iter().any(|s| s.quick);
    let _ = writeln!(out, "# {title}\n");
    preamble(&mut out, quick);
    // Facts every section states alike go once, at the top.
    let shared: Vec<(String, String)> = sections
        .first()
        .map(|first| {
            first
                .facts
                .iter()
                .filter(|f| sections.iter().all(|s| s.facts.contains(f)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for (key, value) in &shared {
        let _ = writeln!(out, "- **{key}**: {}", cell(value));
    }
    let _ = writeln!(out, "\n## Budgets at a glance\n");
    table(
        &mut out,
        quick,
        sections
            .iter()
            .flat_map(|s| s.rows.iter())
            .filter(|r| r.verdict != Verdict::Info),
    );
    for section in sections {
        let heading = section
            .title
            .split_once(" — ")
            .map(|(_, t)| t)
            .unwrap_or(&section.title);
        let _ = writeln!(out, "\n## {heading}\n");
        section.body(&mut out, &shared);
    }
    out
}

/// The facts every section starts with: when, from which commit, on what machine, and the
/// versions of what is measured.
pub fn common_facts(report: &mut Report) {
    static STARTED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(|| chrono::Utc::now().format("%Y-%m-%d %H:%M").to_string());
    let machine = machine();
    report.fact(
        "run",
        format!(
            "started {started} UTC, {} build{}",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            git_commit()
                .map(|c| format!(", commit {c}"))
                .unwrap_or_default()
        ),
    );
    report.fact(
        "machine",
        format!(
            "{}, {} cores available; {}",
            machine.cpu, machine.cores, machine.os
        ),
    );
    let (sqlite, cipher) =
        sqlite_versions().unwrap_or_else(|_| ("unknown".into(), "unknown".into()));
    report.fact(
        "versions",
        format!(
            "steady-core and steady-server {} (workspace version), SQLite {sqlite}, SQLCipher \
             {cipher}, {}",
            env!("CARGO_PKG_VERSION"),
            machine.rustc
        ),
    );
}

/// Text safe inside a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The machine a run was taken on.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPU model name, from /proc/cpuinfo.
    pub cpu: String,
    /// Cores available to this process.
    pub cores: usize,
    /// Operating system and kernel.
    pub os: String,
    /// `rustc -V`, if rustc is on the path.
    pub rustc: String,
}

/// Describes this machine, as far as it can be found out.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!(", kernel {}", k.trim()))
        .unwrap_or_default();
    Machine {
        cpu,
        cores,
        os: format!("{pretty}{kernel} ({})", std::env::consts::ARCH),
        rustc: command_line("rustc", &["-V"]).unwrap_or_else(|| "unknown".to_string()),
    }
}

/// The 1-, 5- and 15-minute load averages, from /proc/loadavg: other work on the machine
/// shows in tail latencies, so the report records how busy the machine was.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The commit the harness was run from, if git can say (with "+ local changes" when dirty).
pub fn git_commit() -> Option<String> {
    let commit = command_line("git", &["rev-parse", "--short", "HEAD"])?;
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    Some(if dirty {
        format!("{commit} + local changes")
    } else {
        commit
    })
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// The SQLite and SQLCipher versions linked into this binary (the same library as the core's).
pub fn sqlite_versions() -> rusqlite::Result<(String, String)> {
    let conn = rusqlite::Connection::open_in_memory()?;
    let sqlite: String = conn.query_row("SELECT sqlite_version()", [], |r| r.get(0))?;
    let cipher: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap_or_else(|_| "none".to_string());
    Ok((sqlite, cipher))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(d).collect();
        assert_eq!(percentile(&samples, 50.0), d(50));
        assert_eq!(percentile(&samples, 99.0), d(99));
        assert_eq!(percentile(&samples, 100.0), d(100));
        assert_eq!(percentile(&[d(7)], 99.0), d(7));
        let few: Vec<Duration> = (1..=20).map(d).collect();
        assert_eq!(
            percentile(&few, 99.0),
            d(20),
            "p99 of 20 samples is the max"
        );
    }

    #[test]
    fn stats_of_unsorted_samples() {
        let s = Stats::of(&[d(3), d(1), d(2), d(10)]);
        assert_eq!((s.n, s.p50, s.p99, s.mean), (4, d(2), d(10), d(4)));
    }

    #[test]
    fn quick_reports_say_not_claims() {
        let mut r = Report {
            title: "t".into(),
            quick: true,
            ..Report::default()
        };
        r.rows.push(Row::budgeted("x | y", "1".into(), "≤ 2", true));
        let md = r.markdown();
        assert!(md.contains("not claims"));
        assert!(md.contains("| x \\| y | 1 | ≤ 2 | PASS (quick, not a claim) |"));
    }
}
