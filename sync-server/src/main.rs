//! `steady-server`: the sync server and its admin commands, over the embedded SQLite store in a
//! data directory (the default) or a shared PostgreSQL (`--database-url`).
//!
//! The argument parsing is hand-rolled: the command set is small and fixed, and a parser crate
//! would be the largest dependency of the binary for no gain.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use steady_core::clock::Timestamp;
use steady_server::admin::{self, DEFAULT_ATTEMPTS, DEFAULT_VALID_HOURS};
use steady_server::console::store::ConsoleStorage;
use steady_server::console::{Console, ConsoleConfig, accounts};
use steady_server::demo;
use steady_server::http::{self, Limits, RateLimit, ServeConfig, TlsFiles};
use steady_server::storage::postgres::PgStorage;
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{Storage, Unit};

const USAGE: &str = "\
steady-server: Steady's sync server

USAGE
  steady-server [--data-dir DIR | --database-url postgres://...] <command> [options]

  --data-dir DIR          the embedded SQLite store (default ./steady-data)
  --database-url URL      a shared PostgreSQL instead

COMMANDS
  serve [--listen ADDR] [--tls-cert PEM --tls-key PEM] [--allow-plain-http]
        [--enroll-limit R] [--sync-limit R] [--ip-limit R] [--request-timeout SECS]
        [--header-timeout SECS] [--idle-timeout SECS] [--max-connections N]
        [--trusted-proxy ADDR[,ADDR...]]
      Serve the sync API (default 127.0.0.1:8440). Plain HTTP only on loopback unless
      --allow-plain-http. R is PER_MINUTE[:BURST] or off (defaults: enrol 10:5 per address,
      sync 1200:40 per device, all 6000:200 per address). A connection has 10 s to send each
      request head (--header-timeout; an idle kept-alive connection closes then too), is
      closed after 60 s with no byte moving (--idle-timeout), and at most 1024 are open at
      once (--max-connections; more wait). --trusted-proxy (repeatable): only from these peer
      addresses is X-Forwarded-For believed, for the per-address limits (default: none).
  unit create --id ID --name NAME --organisation ORG [--mental-health-unit]
  unit list
  code issue --grant UNIT:ROLE[:ENDS] [--grant ...] [--valid-hours 24] [--attempts 5]
             [--server-url URL]
      ROLE is reader, editor or lead; ENDS a UK date (2026-12-05: to the end of that
      day in Europe/London), a UK time (2026-12-05T20:00) or an instant (…T20:00:00Z).
  grant end --device ID --unit UNIT
  device revoke --device ID
  device list
  tombstones purge [--older-than-days 90]
      Delete old deletion markers; devices whose cursor is older resync in full.
  lead add --email EMAIL --name NAME --unit UNIT [--unit ...] --password-stdin
      Create a web console lead who may see those units; the password (at least 12
      characters) is read as one line from standard input.
  lead list
  lead disable --email EMAIL
  verify
      Walk the record log (submitted incidents and addenda, hash-chained) and check every
      submitted incident against it; walk every device's audit trail and the console's
      audit log (each hash-chained); exit 1 naming the first break.
  demo [serve options] [--server-url URL]
      Seed an invented organisation (a care home and a mental health ward), issue an
      enrolment code (editor in the care home, reader on the ward), print it with its QR
      payload (for URL, default the listening address), and serve until Ctrl-C.
      Also creates the console lead lead@northvale.example with a fresh password, printed.

  serve and demo also serve the web console at /console. Its own replica lives in
  --console-dir DIR (default DATA-DIR/console). With --database-url the console is on only
  when --console-dir is given: give each server process a directory of its own.

Logs are JSON lines on stderr (RUST_LOG sets the level; default info).
";

/// A usage mistake (exit 2) or a failure (exit 1).
enum Failure {
    Usage(String),
    Failed(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Failed(e.to_string())
    }
}

/// The command line: words (the command) and `--options`, in any order.
struct Args {
    words: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

/// Options that take no value.
const SWITCHES: &[&str] = &[
    "allow-plain-http",
    "mental-health-unit",
    "help",
    "password-stdin",
];

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> Result<Args, Failure> {
        let mut args = Args {
            words: Vec::new(),
            options: Vec::new(),
        };
        let mut raw = raw.peekable();
        while let Some(arg) = raw.next() {
            if arg == "-h" {
                args.options.push(("help".into(), None));
            } else if let Some(name) = arg.strip_prefix("--") {
                if let Some((name, value)) = name.split_once('=') {
                    args.options.push((name.into(), Some(value.into())));
                } else if SWITCHES.contains(&name) {
                    args.options.push((name.into(), None));
                } else {
                    let value = raw
                        .next()
                        .ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                    args.options.push((name.into(), Some(value)));
                }
            } else {
                args.words.push(arg);
            }
        }
        Ok(args)
    }

    /// Refuses options the command does not know.
    fn only(&self, allowed: &[&str]) -> Result<(), Failure> {
        const GLOBAL: &[&str] = &["data-dir", "database-url", "help"];
        match self
            .options
            .iter()
            .find(|(name, _)| !allowed.contains(&name.as_str()) && !GLOBAL.contains(&name.as_str()))
        {
            Some((name, _)) => Err(Failure::Usage(format!(
                "--{name} is not an option of `{}`",
                self.words.join(" ")
            ))),
            None => Ok(()),
        }
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.options
            .iter()
            .filter(|(n, _)| n == name)
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.all(name).last().copied()
    }

    fn required(&self, name: &str) -> Result<&str, Failure> {
        self.get(name)
            .ok_or_else(|| Failure::Usage(format!("--{name} is required")))
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, Failure> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| Failure::Usage(format!("--{name}: {v} is not a valid number"))),
        }
    }

    fn listen(&self, default: &str) -> Result<SocketAddr, Failure> {
        let text = self.get("listen").unwrap_or(default);
        text.parse().map_err(|_| {
            Failure::Usage(format!(
                "--listen: {text} is not an address such as 127.0.0.1:8440 or [::1]:8440"
            ))
        })
    }

    /// A whole number of seconds, at least 1 (a zero timeout would close every connection).
    fn seconds(&self, name: &str, default: Duration) -> Result<Duration, Failure> {
        match self.number(name, default.as_secs())? {
            0 => Err(Failure::Usage(format!(
                "--{name}: must be at least 1 second"
            ))),
            secs => Ok(Duration::from_secs(secs)),
        }
    }

    /// Every `--trusted-proxy`, each an address or a comma-separated list of them.
    fn trusted_proxies(&self) -> Result<Vec<std::net::IpAddr>, Failure> {
        self.all("trusted-proxy")
            .iter()
            .flat_map(|v| v.split(','))
            .map(|text| {
                text.trim().parse().map_err(|_| {
                    Failure::Usage(format!(
                        "--trusted-proxy: {text} is not an IP address such as 10.0.0.5 or ::1"
                    ))
                })
            })
            .collect()
    }

    fn rate(&self, name: &str, default: Option<RateLimit>) -> Result<Option<RateLimit>, Failure> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => RateLimit::parse(v).map_err(|e| Failure::Usage(format!("--{name}: {e}"))),
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(failure) => return report(failure),
    };
    if args.flag("help") || args.words.is_empty() {
        print!("{USAGE}");
        return if args.flag("help") {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(Failure::Failed(format!("cannot start the runtime: {e}"))),
    };
    match runtime.block_on(open_and_run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(message) => {
            eprintln!("steady-server: {message}\n(steady-server --help for usage)");
            ExitCode::from(2)
        }
        Failure::Failed(message) => {
            eprintln!("steady-server: {message}");
            ExitCode::from(1)
        }
    }
}

async fn open_and_run(args: Args) -> Result<(), Failure> {
    match (args.get("database-url"), args.get("data-dir")) {
        (Some(_), Some(_)) => Err(Failure::Usage(
            "give --data-dir or --database-url, not both".into(),
        )),
        (Some(url), None) => {
            let storage = PgStorage::connect(url).await?;
            run(Arc::new(storage), &args).await
        }
        (None, dir) => {
            let dir = PathBuf::from(dir.unwrap_or("./steady-data"));
            let storage = SqliteStorage::open(&dir)?;
            run(Arc::new(storage), &args).await
        }
    }
}

async fn run<S: Storage + ConsoleStorage>(storage: Arc<S>, args: &Args) -> Result<(), Failure> {
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["serve"] => serve(storage, args).await,
        ["demo"] => run_demo(storage, args).await,
        ["unit", "create"] => {
            args.only(&["id", "name", "organisation", "mental-health-unit"])?;
            let unit = Unit {
                unit_id: args.required("id")?.to_string(),
                name: args.required("name")?.to_string(),
                organisation: args.required("organisation")?.to_string(),
                mental_health_unit: args.flag("mental-health-unit"),
            };
            storage.create_unit(&unit).await?;
            println!("unit {} created", unit.unit_id);
            Ok(())
        }
        ["unit", "list"] => {
            args.only(&[])?;
            for unit in storage.units().await? {
                println!(
                    "{}\t{}\t{}{}",
                    unit.unit_id,
                    unit.name,
                    unit.organisation,
                    if unit.mental_health_unit {
                        "\tmental health unit"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        ["code", "issue"] => {
            args.only(&["grant", "valid-hours", "attempts", "server-url"])?;
            let grants = args
                .all("grant")
                .into_iter()
                .map(admin::parse_grant)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Failure::Usage(e.to_string()))?;
            if grants.is_empty() {
                return Err(Failure::Usage(
                    "--grant UNIT:ROLE[:ENDS] is required".into(),
                ));
            }
            let hours: u32 = args.number("valid-hours", DEFAULT_VALID_HOURS)?;
            let attempts: u32 = args.number("attempts", DEFAULT_ATTEMPTS)?;
            let issued = admin::issue_code(
                storage.as_ref(),
                grants,
                Duration::from_secs(u64::from(hours) * 3600),
                attempts,
                Timestamp::now(),
            )
            .await?;
            println!("enrolment code: {}", issued.code);
            println!("expires:        {}", issued.expires_at);
            if let Some(url) = args.get("server-url") {
                println!(
                    "QR payload:     {}",
                    admin::enrolment_link(url, &issued.code)
                );
            }
            Ok(())
        }
        ["grant", "end"] => {
            args.only(&["device", "unit"])?;
            let (device, unit) = (args.required("device")?, args.required("unit")?);
            if storage.end_grant(device, unit, Timestamp::now()).await? {
                println!("grant of {device} in {unit} ended");
                Ok(())
            } else {
                Err(Failure::Failed(format!("{device} has no grant in {unit}")))
            }
        }
        ["device", "revoke"] => {
            args.only(&["device"])?;
            let device = args.required("device")?;
            if storage.revoke_device(device, Timestamp::now()).await? {
                println!("device {device} revoked: it wipes its data at its next contact");
                Ok(())
            } else {
                Err(Failure::Failed(format!("no device {device}")))
            }
        }
        ["device", "list"] => {
            args.only(&[])?;
            for d in storage.devices().await? {
                let state = match d.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".into(),
                };
                println!(
                    "{}\t{}\tenrolled {}\t{state}",
                    d.device_id, d.label, d.enrolled_at
                );
            }
            Ok(())
        }
        ["tombstones", "purge"] => {
            args.only(&["older-than-days"])?;
            let days: u32 = args.number("older-than-days", 90)?;
            let before = Timestamp::now().plus_days(-i64::from(days));
            let purged = storage.purge_tombstones(before).await?;
            println!(
                "{purged} tombstones older than {days} days purged; devices that last synced \
                 before them will resync in full"
            );
            Ok(())
        }
        ["lead", "add"] => lead_add(storage.as_ref(), args).await,
        ["lead", "list"] => {
            args.only(&[])?;
            for lead in storage.leads().await? {
                let state = if lead.disabled {
                    "disabled"
                } else if lead.locked_until.is_some_and(|t| t > Timestamp::now()) {
                    "locked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{state}",
                    lead.email,
                    lead.name,
                    lead.units.join(",")
                );
            }
            Ok(())
        }
        ["lead", "disable"] => {
            args.only(&["email"])?;
            let email = accounts::normalise_email(args.required("email")?);
            if storage.lead_disable(&email, Timestamp::now()).await? {
                println!("lead {email} disabled; their sessions have ended");
                Ok(())
            } else {
                Err(Failure::Failed(format!("no lead {email}")))
            }
        }
        ["verify"] => {
            args.only(&[])?;
            let report = storage.verify_records().await?;
            println!(
                "record log: {} entries, head {}",
                report.entries,
                if report.head.is_empty() {
                    "(empty)"
                } else {
                    &report.head
                }
            );
            println!(
                "submitted incidents: {} checked ({} cells)",
                report.incidents, report.cells
            );
            let audit = storage.verify_audit().await?;
            println!(
                "device audit trails: {} devices, {} events checked",
                audit.devices, audit.device_events
            );
            println!(
                "console audit log: {} entries, head {}",
                audit.console_entries,
                if audit.console_head.is_empty() {
                    "(empty)"
                } else {
                    &audit.console_head
                }
            );
            let problems = report.problems + audit.problems;
            match report.first_break.or(audit.first_break) {
                None => {
                    println!(
                        "ok: the record log is intact and every submitted incident matches it; \
                         every audit chain is intact"
                    );
                    Ok(())
                }
                Some(first) => Err(Failure::Failed(format!(
                    "BROKEN: {first} ({problems} problem{} in all)",
                    if problems == 1 { "" } else { "s" }
                ))),
            }
        }
        _ => Err(Failure::Usage(format!(
            "unknown command `{}`",
            args.words.join(" ")
        ))),
    }
}

/// `lead add`: a web console account, password from standard input.
async fn lead_add<S: ConsoleStorage>(storage: &S, args: &Args) -> Result<(), Failure> {
    args.only(&["email", "name", "unit", "password-stdin"])?;
    let email = args.required("email")?;
    let name = args.required("name")?;
    let units: Vec<String> = args.all("unit").into_iter().map(str::to_string).collect();
    if units.is_empty() {
        return Err(Failure::Usage("--unit UNIT is required".into()));
    }
    if !args.flag("password-stdin") {
        return Err(Failure::Usage(
            "--password-stdin is required (the password is never taken on the command line)".into(),
        ));
    }
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|e| Failure::Failed(format!("cannot read the password: {e}")))?;
    let password = password.trim_end_matches(['\r', '\n']);
    match accounts::add_lead(storage, email, name, password, &units, Timestamp::now()).await {
        Ok(()) => {
            println!(
                "lead {} added with access to {}",
                accounts::normalise_email(email),
                units.join(", ")
            );
            Ok(())
        }
        Err(accounts::AccountError::Invalid(m)) => Err(Failure::Usage(m)),
        Err(e) => Err(Failure::Failed(e.to_string())),
    }
}

/// Where the console keeps its replica: `--console-dir`, else `DATA-DIR/console` on the
/// embedded store. With `--database-url` there is no default (each server process needs a
/// directory of its own, so it is given on purpose) and without one the console is off.
fn console_dir(args: &Args) -> Option<PathBuf> {
    match (args.get("console-dir"), args.get("database-url")) {
        (Some(dir), _) => Some(PathBuf::from(dir)),
        (None, Some(_)) => None,
        (None, None) => {
            Some(PathBuf::from(args.get("data-dir").unwrap_or("./steady-data")).join("console"))
        }
    }
}

/// Prints a status line of a running server. A server whose standard output has been closed
/// (a supervisor that read the first line and went away) must keep serving, so a failed write
/// is ignored rather than panicking as `println!` does.
macro_rules! announce {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*);
        let _ = out.flush();
    }};
}

/// Said when the console is off.
const CONSOLE_OFF: &str =
    "console: off (with --database-url, give each server process its own --console-dir DIR)";

/// The options `serve` and `demo` share.
const SERVE_OPTIONS: &[&str] = &[
    "console-dir",
    "listen",
    "tls-cert",
    "tls-key",
    "allow-plain-http",
    "enroll-limit",
    "sync-limit",
    "ip-limit",
    "request-timeout",
    "header-timeout",
    "idle-timeout",
    "max-connections",
    "trusted-proxy",
];

fn serve_config(args: &Args) -> Result<ServeConfig, Failure> {
    let defaults = Limits::default();
    let limits = Limits {
        enroll_per_ip: args.rate("enroll-limit", defaults.enroll_per_ip)?,
        sync_per_device: args.rate("sync-limit", defaults.sync_per_device)?,
        all_per_ip: args.rate("ip-limit", defaults.all_per_ip)?,
        request_timeout: Duration::from_secs(
            args.number("request-timeout", defaults.request_timeout.as_secs())?,
        ),
        header_read_timeout: args.seconds("header-timeout", defaults.header_read_timeout)?,
        idle_timeout: args.seconds("idle-timeout", defaults.idle_timeout)?,
        max_connections: match args.number("max-connections", defaults.max_connections)? {
            0 => {
                return Err(Failure::Usage(
                    "--max-connections: must be at least 1".into(),
                ));
            }
            n => n,
        },
        trusted_proxies: args.trusted_proxies()?,
        ..defaults
    };
    let tls = match (args.get("tls-cert"), args.get("tls-key")) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }),
        (None, None) => None,
        _ => {
            return Err(Failure::Usage(
                "--tls-cert and --tls-key go together".into(),
            ));
        }
    };
    Ok(ServeConfig {
        listen: args.listen("127.0.0.1:8440")?,
        tls,
        allow_plain_http: args.flag("allow-plain-http"),
        limits,
    })
}

async fn open_console<S: Storage + ConsoleStorage>(
    storage: &Arc<S>,
    args: &Args,
    bound: &http::BoundServer,
    server_url: &str,
) -> Result<Option<Arc<Console<S>>>, Failure> {
    let Some(dir) = console_dir(args) else {
        return Ok(None);
    };
    let config = ConsoleConfig::new(
        dir,
        !bound.local_addr().ip().is_loopback(),
        server_url.to_string(),
    );
    Ok(Some(Console::open(storage.clone(), config).await?))
}

async fn serve<S: Storage + ConsoleStorage>(storage: Arc<S>, args: &Args) -> Result<(), Failure> {
    args.only(SERVE_OPTIONS)?;
    let bound = http::bind(serve_config(args)?).await?;
    let url = bound.url();
    let console = open_console(&storage, args, &bound, &url).await?;
    announce!("steady-server listening on {url}");
    match console {
        Some(console) => {
            announce!("console: {url}/console");
            bound
                .run_with_console(storage, console, http::shutdown_signal())
                .await?;
        }
        None => {
            announce!("{CONSOLE_OFF}");
            bound.run(storage, http::shutdown_signal()).await?;
        }
    }
    Ok(())
}

async fn run_demo<S: Storage + ConsoleStorage>(
    storage: Arc<S>,
    args: &Args,
) -> Result<(), Failure> {
    args.only(&[SERVE_OPTIONS, &["server-url"]].concat())?;
    let config = serve_config(args)?;
    let now = Timestamp::now();
    let seeded = demo::seed(storage.as_ref(), now).await?;
    // Loopback by default: the demo is for trying the app on this machine (an Android
    // emulator reaches it as 10.0.2.2). Serving a phone on the network takes TLS, as always.
    let bound = http::bind(config).await?;
    let issued = admin::issue_code(
        storage.as_ref(),
        demo::grants(),
        Duration::from_secs(u64::from(DEFAULT_VALID_HOURS) * 3600),
        DEFAULT_ATTEMPTS,
        now,
    )
    .await?;
    let url = bound.url();
    let console_url = args.get("server-url").unwrap_or(&url).to_string();
    let console = open_console(&storage, args, &bound, &console_url).await?;
    let lead = match console {
        Some(_) => Some(accounts::demo_lead(storage.as_ref(), now).await?),
        None => None,
    };
    announce!(
        "Steady demo: {} (invented people and places)",
        demo::ORGANISATION
    );
    announce!(
        "  units:          Oakfield House (care home, editor), Willow Ward (mental health ward, reader)"
    );
    announce!(
        "  data:           {} people, {} guidance cards ({} operations, {} cells written now)",
        seeded.people,
        seeded.guidance_cards,
        seeded.operations,
        seeded.cells_written
    );
    announce!("  listening on {url}");
    announce!("  enrolment code: {}", issued.code);
    announce!(
        "  QR payload:     {}",
        admin::enrolment_link(&url, &issued.code)
    );
    announce!(
        "  (valid until {}; Ctrl-C stops the server)",
        issued.expires_at
    );
    match (console, lead) {
        (Some(console), Some((email, password))) => {
            announce!("console: {url}/console  {email} / {password}");
            bound
                .run_with_console(storage, console, http::shutdown_signal())
                .await?;
        }
        _ => {
            announce!("{CONSOLE_OFF}");
            bound.run(storage, http::shutdown_signal()).await?;
        }
    }
    Ok(())
}
