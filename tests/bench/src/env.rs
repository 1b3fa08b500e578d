//! What the server-side sections share: a tokio runtime, the workspace root, the PostgreSQL to
//! measure on (found or started once per run), and the `steady-server` binary (built on
//! demand with the same profile as this harness).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::pg::Postgres;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Shared by the `sync` and `scale` sections of one run.
pub struct Env {
    /// Runs the in-process servers, proxies and load clients.
    pub rt: tokio::runtime::Runtime,
    /// The workspace root (where `tests/postgres.sh` and `target/` are).
    pub root: PathBuf,
    pg: Option<Result<Postgres, String>>,
    server_binary: Option<PathBuf>,
}

impl Env {
    /// A runtime with one worker per core (2 here: the server, the proxy and the clients share
    /// them, as they share the machine).
    pub fn new() -> BoxResult<Env> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        Ok(Env {
            rt,
            root: workspace_root(),
            pg: None,
            server_binary: None,
        })
    }

    /// The PostgreSQL to measure on, or why there is none (found or started on first call).
    pub fn postgres(&mut self) -> Result<&Postgres, String> {
        if self.pg.is_none() {
            let found = Postgres::get(&self.rt, &self.root);
            if let Err(why) = &found {
                eprintln!("postgres: skipped: {why}");
            }
            self.pg = Some(found);
        }
        self.pg()
    }

    /// The PostgreSQL found by an earlier [`Env::postgres`], or why there is none.
    pub fn pg(&self) -> Result<&Postgres, String> {
        match &self.pg {
            Some(Ok(pg)) => Ok(pg),
            Some(Err(why)) => Err(why.clone()),
            None => Err("not looked for".to_string()),
        }
    }

    /// The PostgreSQL description for the report, if one was used.
    pub fn postgres_description(&self) -> Option<String> {
        match &self.pg {
            Some(Ok(pg)) => Some(pg.description.clone()),
            Some(Err(why)) => Some(format!("not measured: {why}")),
            None => None,
        }
    }

    /// The `steady-server` binary, built first (`cargo build`, same profile as this harness) so
    /// it is never stale.
    pub fn server_binary(&mut self) -> BoxResult<PathBuf> {
        if let Some(path) = &self.server_binary {
            return Ok(path.clone());
        }
        let release = !cfg!(debug_assertions);
        let exe = std::env::current_exe()?;
        let dir = exe.parent().ok_or("the harness binary has no directory")?;
        // tests/run has built both with the workspace's features (STEADY_PREBUILT=1).
        let prebuilt = dir.join("steady-server");
        if std::env::var("STEADY_PREBUILT").as_deref() == Ok("1") && prebuilt.exists() {
            self.server_binary = Some(prebuilt.clone());
            return Ok(prebuilt);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        eprintln!(
            "building steady-server ({} profile)",
            if release { "release" } else { "dev" }
        );
        // steady-bench is selected too, so features resolve as for this harness's own build
        // and nothing is rebuilt for a different feature set.
        let mut build = Command::new(cargo);
        build
            .args(["build", "-p", "steady-bench", "-p", "steady-server"])
            .args(["--bin", "steady-server"])
            .current_dir(&self.root);
        if release {
            build.arg("--release");
        }
        let status = build.status()?;
        if !status.success() {
            return Err(format!("cargo build -p steady-server failed ({status})").into());
        }
        let path = dir.join("steady-server");
        if !path.exists() {
            return Err(format!("{} was not built", path.display()).into());
        }
        self.server_binary = Some(path.clone());
        Ok(path)
    }
}

/// The workspace root: two levels above this crate's manifest, where it was built.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The figure in a table cell: megabytes with one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

/// A whole number with thousands separators.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
