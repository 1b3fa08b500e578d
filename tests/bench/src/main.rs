//! `steady-bench`: measures Steady against the budgets of DESIGN.md §7 and writes the figures
//! up as markdown, so that performance claims in the docs come from a command anyone can rerun.
//!
//! Each section of §7 is a subcommand with its own module that returns a [`report::Report`]:
//! `device` (the store on the phone), `sync` (against PouchDB), `link` (sync over constrained
//! links, against PouchDB), `scale` (idle sync and 1,000 devices), `capacity` (10,000 devices,
//! load stepped to the knee), `console` (the lead's web console over a trust's 100,000
//! incidents), and `all` (the six, as one report). This file only parses the
//! command line, dispatches, prints the report and writes it
//! to `--out`. Figures are not assertions: the exit code is 0 whatever the figures, and non-zero
//! only on an error.
//!
//! ```text
//! cargo run --release -p steady-bench -- all [--quick] [--out docs/benchmarks.md]
//! ```

mod capacity;
mod console;
mod device;
mod env;
mod floor;
mod link;
mod peer;
mod pg;
mod report;
mod scale;
mod sync;
mod wire;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: steady-bench <section> [options]

sections:
  device         quick capture vs a plain SQLite insert, open, amber card and search
                 over N people with full support sheets
  sync           N records of 1 KB and of 200 B pushed and pulled through steady-server
                 (SQLite and PostgreSQL) vs PouchDB -> express-pouchdb and back: rates,
                 requests per 1,000 records, bytes on the wire (needs node and npm)
  link           sync over constrained links (Toxiproxy, installed with go on first use):
                 200 quick captures pushed and a 500-person unit pulled on \"3G\" and on
                 \"edge of signal\" (cut every few hundred KB), Steady vs PouchDB
  scale          idle sync at 10,000 vs 1,000,000 stored ops; 1,000 simulated devices
                 against one steady-server process on each back end
  capacity       10,000 devices, offered load stepped up until p99 passes 250 ms, on
                 SQLite, PostgreSQL and two server processes sharing PostgreSQL
                 (writes benchmarks-capacity.svg beside --out)
  console        the lead's web console at trust scale: 50 units, 5,000 people, 100,000
                 incidents over three years (timed at 10,000 first); the dashboard, incident
                 list, an incident and each export, p99 against 100 ms, with the server's
                 peak RSS and the store's size (quick: 2 units, 200 people, 2,000 incidents)
  all            the six, as one report

PostgreSQL: STEADY_TEST_DATABASE_URL if set, else a throwaway cluster started (and stopped)
with tests/postgres.sh; if neither works, PostgreSQL is skipped and the report says why.

options:
  --quick        small N so CI runs it in a minute or two; figures are marked as not claims
  --out <path>   also write the markdown report to <path> (it is always printed)
  --people <N>   device: people in the store (default 10000; quick: 500)
  --captures <N> device: quick captures and floor inserts, each (default 2000; quick: 100)
  --records <N>  sync: records of each size (default 10000; quick: 300)
  --devices <N>  scale: simulated devices (default 1000; quick: 50)
  --seconds <N>  scale: how long they run (default 60; quick: 5)
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
    records: Option<usize>,
    devices: Option<usize>,
    seconds: Option<usize>,
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
            "--records" => parsed.records = Some(count("--records", value("--records")?)?),
            "--devices" => parsed.devices = Some(count("--devices", value("--devices")?)?),
            "--seconds" => parsed.seconds = Some(count("--seconds", value("--seconds")?)?),
            "-h" | "--help" => parsed.help = true,
            f if f.starts_with('-') => return Err(format!("unknown option {f}")),
            _ if parsed.section.is_none() => parsed.section = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(parsed)
}

fn device_options(args: &Args) -> device::Options {
    device::Options {
        quick: args.quick,
        people: args.people.unwrap_or(if args.quick { 500 } else { 10_000 }),
        captures: args
            .captures
            .unwrap_or(if args.quick { 100 } else { 2_000 }),
    }
}

fn sync_options(args: &Args) -> sync::Options {
    sync::Options {
        quick: args.quick,
        records: args
            .records
            .unwrap_or(if args.quick { 300 } else { 10_000 }),
    }
}

fn scale_options(args: &Args) -> scale::Options {
    let mut opts = scale::Options::new(args.quick);
    if let Some(devices) = args.devices {
        opts.devices = devices;
    }
    if let Some(seconds) = args.seconds {
        opts.duration = std::time::Duration::from_secs(seconds as u64);
    }
    opts
}

/// The markdown of a run, and the files it refers to.
type Written = (String, Vec<(String, String)>);

fn alone(report: report::Report) -> Written {
    (report.markdown(), report.files)
}

fn capacity_options(args: &Args) -> capacity::Options {
    let mut opts = capacity::Options::new(args.quick);
    if let Some(devices) = args.devices {
        opts.devices = devices.max(opts.units);
    }
    opts
}

/// Runs the section named; `None` if there is no such section.
fn run(args: &Args) -> Result<Option<Written>, Box<dyn std::error::Error>> {
    let written = match args.section.as_deref() {
        Some("device") => alone(device::run(&device_options(args))?),
        Some("sync") => {
            let mut env = env::Env::new()?;
            alone(sync::run(&mut env, &sync_options(args))?)
        }
        Some("link") => {
            let mut env = env::Env::new()?;
            alone(link::run(&mut env, &link::Options::new(args.quick))?)
        }
        Some("scale") => {
            let mut env = env::Env::new()?;
            alone(scale::run(&mut env, &scale_options(args))?)
        }
        Some("capacity") => {
            let mut env = env::Env::new()?;
            alone(capacity::run(&mut env, &capacity_options(args))?)
        }
        Some("console") => {
            let mut env = env::Env::new()?;
            alone(console::run(&mut env, &console::Options::new(args.quick))?)
        }
        Some("all") => {
            let started = std::time::Instant::now();
            let device = device::run(&device_options(args))?;
            let mut env = env::Env::new()?;
            let sync = sync::run(&mut env, &sync_options(args))?;
            let link = link::run(&mut env, &link::Options::new(args.quick))?;
            let scale = scale::run(&mut env, &scale_options(args))?;
            let capacity = capacity::run(&mut env, &capacity_options(args))?;
            let console = console::run(&mut env, &console::Options::new(args.quick))?;
            drop(env);
            let sections = [device, sync, link, scale, capacity, console];
            let files = sections.iter().flat_map(|s| s.files.clone()).collect();
            let mut markdown = report::combined("Steady benchmarks", &sections);
            markdown.push_str(&format!(
                "\n---\n\nThe whole run took {:.0} s: `cargo run --release -p steady-bench -- \
                 all{}`.\n",
                started.elapsed().as_secs_f64(),
                if args.quick { " --quick" } else { "" }
            ));
            (markdown, files)
        }
        _ => return Ok(None),
    };
    Ok(Some(written))
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
    let (markdown, files) = match run(&args) {
        Ok(Some(written)) => written,
        Ok(None) => {
            eprintln!(
                "error: {}\n\n{USAGE}",
                match &args.section {
                    Some(other) => format!("unknown section {other:?}"),
                    None => "name a section".to_string(),
                }
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{markdown}");
    if let Some(out) = &args.out {
        let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
        let written = dir
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(out, &markdown))
            .and_then(|()| {
                files.iter().try_for_each(|(name, content)| {
                    std::fs::write(dir.map_or_else(|| name.into(), |d| d.join(name)), content)
                })
            });
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
        let b = parse(args("all --records 7 --devices=3 --seconds 2")).unwrap();
        assert_eq!(
            (b.records, b.devices, b.seconds),
            (Some(7), Some(3), Some(2))
        );
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
