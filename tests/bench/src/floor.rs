//! The protocol-free floor of sync (issue 18, part 4): the fastest this machine moves the same
//! records from a phone's durable outbox to a server's durable table and back to a fresh
//! phone, with nothing Steady adds — no field stamps, no validation, no grants, no audit, no
//! encryption, no compression.
//!
//! A minimal axum server over one rusqlite table (`synchronous=FULL`, one transaction per
//! batch) and a minimal device over another rusqlite file: push reads 1,000 records from the
//! outbox, posts them as a JSON array, and deletes what was acknowledged in one durable
//! transaction; pull asks for the next 1,000 after its cursor and stores the page in one
//! durable transaction. The same counting proxy stands between them as between Steady's device
//! and server, so requests and bytes are counted alike. Steady's rate ÷ this floor says how
//! near the physical limit of the job Steady's sync runs (budget: ≥ 0.5×).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::wire::{CountingProxy, WireCounts};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Records a push or pull request carries, as Steady's device sends about 1,000 captures.
const BATCH: usize = 1_000;

/// One direction's figures.
#[derive(Debug, Clone, Copy)]
pub struct FloorLeg {
    /// Wall-clock time of the leg.
    pub took: Duration,
    /// Records moved.
    pub records: u64,
    /// What crossed the proxy.
    pub wire: WireCounts,
}

#[derive(Serialize, Deserialize)]
struct Record {
    id: String,
    doc: String,
}

#[derive(Serialize, Deserialize)]
struct Acked {
    acked: usize,
}

#[derive(Deserialize)]
struct After {
    after: i64,
}

#[derive(Serialize, Deserialize)]
struct Page {
    rows: Vec<(i64, Record)>,
    more: bool,
}

fn durable(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
         CREATE TABLE IF NOT EXISTS docs (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, \
         doc TEXT NOT NULL);",
    )?;
    Ok(conn)
}

type Db = Arc<Mutex<Connection>>;

async fn push(State(db): State<Db>, Json(records): Json<Vec<Record>>) -> Json<Acked> {
    let acked = tokio::task::spawn_blocking(move || -> rusqlite::Result<usize> {
        let mut conn = db.lock().expect("the floor's lock");
        let tx = conn.transaction()?;
        {
            let mut insert =
                tx.prepare_cached("INSERT OR REPLACE INTO docs (id, doc) VALUES (?1, ?2)")?;
            for r in &records {
                insert.execute(params![r.id, r.doc])?;
            }
        }
        tx.commit()?;
        Ok(records.len())
    })
    .await
    .expect("the floor's writer")
    .expect("the floor's insert");
    Json(Acked { acked })
}

async fn pull(State(db): State<Db>, Query(after): Query<After>) -> Json<Page> {
    let page = tokio::task::spawn_blocking(move || -> rusqlite::Result<Page> {
        let conn = db.lock().expect("the floor's lock");
        let mut select = conn
            .prepare_cached("SELECT seq, id, doc FROM docs WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let rows: Vec<(i64, Record)> = select
            .query_map(params![after.after, BATCH as i64 + 1], |r| {
                Ok((
                    r.get(0)?,
                    Record {
                        id: r.get(1)?,
                        doc: r.get(2)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let more = rows.len() > BATCH;
        Ok(Page {
            rows: rows.into_iter().take(BATCH).collect(),
            more,
        })
    })
    .await
    .expect("the floor's reader")
    .expect("the floor's select");
    Json(page)
}

/// Pushes `docs` (one JSON document a line, ids in `_id`) from a durable outbox to the floor's
/// server and pulls them to a fresh device, through a counting proxy; the two legs.
pub fn run(
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    docs: &str,
) -> BoxResult<(FloorLeg, FloorLeg)> {
    std::fs::create_dir_all(dir)?;
    let server_db: Db = Arc::new(Mutex::new(durable(&dir.join("floor-server.db"))?));
    let app = axum::Router::new()
        .route("/push", post(push))
        .route("/pull", get(pull))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(server_db);
    let (addr, proxy, server) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let proxy = CountingProxy::start(addr).await?;
        BoxResult::Ok((addr, proxy, server))
    })?;
    let _ = addr;
    let base = proxy.url();
    // The same TLS stack as everywhere in the bench (plain HTTP here; reqwest needs a provider).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::builder().no_proxy().build()?;

    // The device's outbox, built untimed.
    let mut device = durable(&dir.join("floor-device.db"))?;
    device.execute_batch("CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT, doc TEXT)")?;
    {
        let tx = device.transaction()?;
        for line in docs.lines().filter(|l| !l.is_empty()) {
            let id = serde_json::from_str::<serde_json::Value>(line)?["_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            tx.execute(
                "INSERT INTO outbox (id, doc) VALUES (?1, ?2)",
                params![id, line],
            )?;
        }
        tx.commit()?;
    }
    let records =
        device.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64;

    // Push: read a batch, post it, delete what was acknowledged.
    let before = proxy.counts();
    let started = Instant::now();
    loop {
        let batch: Vec<(i64, Record)> = device
            .prepare_cached("SELECT seq, id, doc FROM outbox ORDER BY seq LIMIT ?1")?
            .query_map([BATCH as i64], |r| {
                Ok((
                    r.get(0)?,
                    Record {
                        id: r.get(1)?,
                        doc: r.get(2)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = batch.last().map(|(seq, _)| *seq) else {
            break;
        };
        let body: Vec<&Record> = batch.iter().map(|(_, r)| r).collect();
        let acked: Acked = http
            .post(format!("{base}/push"))
            .json(&body)
            .send()?
            .error_for_status()?
            .json()?;
        if acked.acked != batch.len() {
            return Err("the floor's server acknowledged part of a batch".into());
        }
        let tx = device.transaction()?;
        tx.execute("DELETE FROM outbox WHERE seq <= ?1", [last])?;
        tx.commit()?;
    }
    let push = FloorLeg {
        took: started.elapsed(),
        records,
        wire: proxy.counts().since(&before),
    };

    // Pull: a fresh device pages through everything.
    let mut fresh = durable(&dir.join("floor-fresh.db"))?;
    let before = proxy.counts();
    let started = Instant::now();
    let mut cursor = 0i64;
    loop {
        let page: Page = http
            .get(format!("{base}/pull?after={cursor}"))
            .send()?
            .error_for_status()?
            .json()?;
        let tx = fresh.transaction()?;
        {
            let mut insert =
                tx.prepare_cached("INSERT OR REPLACE INTO docs (id, doc) VALUES (?1, ?2)")?;
            for (seq, r) in &page.rows {
                insert.execute(params![r.id, r.doc])?;
                cursor = *seq;
            }
        }
        tx.commit()?;
        if !page.more {
            break;
        }
    }
    let pull = FloorLeg {
        took: started.elapsed(),
        records,
        wire: proxy.counts().since(&before),
    };
    let pulled = fresh.query_row("SELECT count(*) FROM docs", [], |r| r.get::<_, i64>(0))? as u64;
    if pulled != records {
        return Err(format!("the floor pulled {pulled} of {records} records").into());
    }
    server.abort();
    drop(proxy);
    Ok((push, pull))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_moves_every_record_there_and_back() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let docs: String = (0..2_345)
            .map(|i| format!("{{\"_id\":\"r-{i}\",\"note\":\"synthetic {i}\"}}\n"))
            .collect();
        let (push, pull) = run(&rt, dir.path(), &docs).unwrap();
        assert_eq!((push.records, pull.records), (2_345, 2_345));
        assert_eq!(push.wire.requests, 3, "batches of 1,000");
        assert_eq!(pull.wire.requests, 3);
    }
}
