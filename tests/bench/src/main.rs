//! `steady-bench`: measures Steady against the budgets of DESIGN.md §7 and writes the figures
//! up as markdown, so that performance claims in the docs come from a command anyone can rerun.
//!
//! Each section of §7 is a subcommand (`device` today; sync against PouchDB and server load
//! later), with its own module that returns a [`report::Report`]. This file only parses the
//! command line, dispatches, prints the report and writes it to `--out`. Figures are not
//! assertions: the exit code is 0 whatever the figures, and non-zero only on an error.
//!
//! ```text
//! cargo run --release -p steady-bench -- device [--quick] [--out docs/benchmarks.md]
//! ```

mod device;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: steady-bench <section> [options]

sections:
  device         quick capture vs a plain SQLite insert, open, amber card and search
                 over N people with full support sheets (DESIGN.md §7)

options:
  --quick        small N so CI runs it in seconds; figures are marked as not claims
  --out <path>   also write the markdown report to <path> (it is always printed)
  --people <N>   people in the store (default 10000; quick: 500)
  --captures <N> quick captures and floor inserts, each (default 2000; quick: 100)
  -h, --help     this text
";

/// The parsed command line.
#[derive(Debug, Default)]
struct Args {
    section: Option<String>,
    quick: bool,
    out: Option<PathBuf>,
    people: Option<usize>,
    captures: Option<usize>,
    help: bool,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let count = |name: &str, v: String| -> Result<usize, String> {
            match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{name} takes a positive whole number, not {v:?}")),
            }
        };
        match flag.as_str() {
            "--quick" => parsed.quick = true,
            "--out" => parsed.out = Some(PathBuf::from(value("--out")?)),
            "--people" => parsed.people = Some(count("--people", value("--people")?)?),
            "--captures" => parsed.captures = Some(count("--captures", value("--captures")?)?),
            "-h" | "--help" => parsed.help = true,
            f if f.starts_with('-') => return Err(format!("unknown option {f}")),
            _ if parsed.section.is_none() => parsed.section = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let report = match args.section.as_deref() {
        Some("device") => device::run(&device::Options {
            quick: args.quick,
            people: args.people.unwrap_or(if args.quick { 500 } else { 10_000 }),
            captures: args
                .captures
                .unwrap_or(if args.quick { 100 } else { 2_000 }),
        }),
        Some(other) => {
            eprintln!("error: unknown section {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprintln!("error: name a section\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let markdown = report.markdown();
    print!("{markdown}");
    if let Some(out) = &args.out {
        let written = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(out, &markdown));
        if let Err(e) = written {
            eprintln!("error: writing {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
        eprintln!("report written to {}", out.display());
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_in_both_forms() {
        let a = parse(args("device --quick --out=x.md --people 30 --captures=5")).unwrap();
        assert_eq!(a.section.as_deref(), Some("device"));
        assert!(a.quick);
        assert_eq!(a.out.unwrap().to_str(), Some("x.md"));
        assert_eq!((a.people, a.captures), (Some(30), Some(5)));
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(parse(args("device --people 0")).is_err());
        assert!(parse(args("device --people")).is_err());
        assert!(parse(args("device --fast")).is_err());
        assert!(parse(args("device extra")).is_err());
    }
}
