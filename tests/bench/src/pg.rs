//! A PostgreSQL for the PostgreSQL back end's figures: the one named by
//! `STEADY_TEST_DATABASE_URL` (left as it is), or, when that is unset, a throwaway cluster
//! started with `tests/postgres.sh` and stopped (and deleted) when this value is dropped.
//!
//! `tests/postgres.sh` runs its cluster with `fsync=off` and `synchronous_commit=off` for the
//! tests, which would flatter the PostgreSQL back end against the SQLite one (which runs with
//! `synchronous=FULL`); this harness starts it with `STEADY_PG_DURABLE=1`, PostgreSQL's durable
//! defaults. A cluster given by URL is not touched. The report states the settings either way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use steady_server::storage::postgres::with_database;

use tokio_postgres::NoTls;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// A reachable PostgreSQL.
pub struct Postgres {
    /// A URL whose role may create databases.
    admin_url: String,
    /// Set when this harness started the cluster (and must stop it).
    started: Option<Started>,
    /// "PostgreSQL 15.x …, fsync on, synchronous_commit on" or similar.
    pub description: String,
}

struct Started {
    dir: String,
    bin: String,
    root: PathBuf,
}

/// Why there is no PostgreSQL, in words for the report.
pub type Unavailable = String;

impl Postgres {
    /// The PostgreSQL to measure on, or why there is none.
    pub fn get(rt: &tokio::runtime::Runtime, root: &Path) -> Result<Postgres, Unavailable> {
        if let Ok(url) = std::env::var("STEADY_TEST_DATABASE_URL") {
            let description = rt
                .block_on(describe(&url))
                .map_err(|e| format!("STEADY_TEST_DATABASE_URL is set but unusable: {e}"))?;
            return Ok(Postgres {
                admin_url: url,
                started: None,
                description: format!("{description} (from STEADY_TEST_DATABASE_URL)"),
            });
        }
        eprintln!("postgres: starting a throwaway cluster with tests/postgres.sh");
        let output = Command::new("bash")
            .arg("-c")
            .arg(
                "set -e; source tests/postgres.sh; steady_pg_start >&2; \
                 printf '%s\\n%s\\n%s\\n' \"$STEADY_TEST_DATABASE_URL\" \"$STEADY_PG_DIR\" \"$STEADY_PG_BIN\"",
            )
            .env("STEADY_PG_DURABLE", "1")
            .current_dir(root)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not run bash tests/postgres.sh: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() < 3 || lines[0].is_empty() {
            return Err(format!(
                "tests/postgres.sh could not start PostgreSQL ({})",
                output.status
            ));
        }
        let url = lines[0].to_string();
        // From here on, dropping `pg` stops the cluster.
        let mut pg = Postgres {
            admin_url: url.clone(),
            started: Some(Started {
                dir: lines[1].to_string(),
                bin: lines[2].to_string(),
                root: root.to_path_buf(),
            }),
            description: String::new(),
        };
        let description = rt
            .block_on(describe(&url))
            .map_err(|e| format!("the cluster tests/postgres.sh started is unusable: {e}"))?;
        pg.description = format!(
            "{description} (a throwaway cluster started by tests/postgres.sh with \
             PostgreSQL's durable defaults: STEADY_PG_DURABLE=1)"
        );
        Ok(pg)
    }

    /// A fresh, empty database; returns its URL.
    pub async fn fresh_database(&self, label: &str) -> BoxResult<String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "steady_bench_{label}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let client = connect(&self.admin_url).await?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok(with_database(&self.admin_url, &name))
    }

    /// Drops a database made by [`Postgres::fresh_database`] (best effort).
    pub async fn drop_database(&self, url: &str) {
        let Some(name) = url
            .rsplit('/')
            .next()
            .map(|n| n.split('?').next().unwrap_or(n))
        else {
            return;
        };
        if let Ok(client) = connect(&self.admin_url).await {
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(s) = &self.started {
            eprintln!("postgres: stopping the throwaway cluster");
            let _ = Command::new("bash")
                .arg("-c")
                .arg("source tests/postgres.sh; steady_pg_stop")
                .env("STEADY_PG_DIR", &s.dir)
                .env("STEADY_PG_BIN", &s.bin)
                .current_dir(&s.root)
                .stdin(Stdio::null())
                .status();
        }
    }
}

async fn connect(url: &str) -> BoxResult<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn describe(url: &str) -> BoxResult<String> {
    let client = connect(url).await?;
    let version: String = client.query_one("SHOW server_version", &[]).await?.get(0);
    let mut settings = Vec::new();
    for name in ["fsync", "synchronous_commit", "shared_buffers"] {
        let value: String = client.query_one(&format!("SHOW {name}"), &[]).await?.get(0);
        settings.push(format!("{name}={value}"));
    }
    Ok(format!("PostgreSQL {version}, {}", settings.join(", ")))
}
