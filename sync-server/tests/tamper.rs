//! Tamper evidence on the server, end to end through the admin command: a submitted incident
//! and its addendum are written to the SQLite store; then single bytes of the database *file*
//! are flipped (as a disk fault or an operator with a hex editor would), and
//! `steady-server --data-dir DIR verify` must exit 1 naming the incident, for every byte of the
//! submitted note and of the addendum, wherever the file holds them (the record itself and its
//! entry in the record log). An untouched copy verifies with exit 0.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::protocol::{ADDENDA_LIST, Change, EntityKind, OpOutcome, Operation};
use steady_server::storage::sqlite::{DB_FILE, SqliteStorage};
use steady_server::storage::{Storage, Unit};

const NOTE: &str = "Synthetic NOTE-MARKER: tore a poster";
const ADDENDUM: &str = "Synthetic ADD-MARKER: poster was his own";

fn op(op_id: &str, change: Change, wall: i64) -> Operation {
    Operation {
        op_id: op_id.into(),
        entity: EntityKind::Incident,
        entity_id: "inc-tamper".into(),
        unit_id: "ward-a".into(),
        change,
        stamp: Hlc {
            wall_ms: wall,
            counter: 0,
            device: "server".into(),
        },
    }
}

/// A data directory holding one submitted incident with one addendum (and a draft).
fn seeded(dir: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = SqliteStorage::open(dir).unwrap();
        store
            .create_unit(&Unit {
                unit_id: "ward-a".into(),
                organisation: "Example Trust".into(),
                name: "Ash ward".into(),
                mental_health_unit: false,
            })
            .await
            .unwrap();
        let now = Timestamp::now();
        let ops = vec![
            op(
                "t-1",
                Change::Fields(
                    [
                        ("note".to_string(), json!(NOTE)),
                        ("status".to_string(), json!("submitted")),
                    ]
                    .into(),
                ),
                now.0 - 10_000,
            ),
            op(
                "t-2",
                Change::Item {
                    list: ADDENDA_LIST.into(),
                    item_id: "add-1".into(),
                    value: json!({"pos": 1.0, "author": "Synthetic Nurse", "job_title": "Nurse",
                                  "at": now.0 - 5_000, "reason": "Learned later",
                                  "text": ADDENDUM}),
                },
                now.0 - 5_000,
            ),
        ];
        for op in ops {
            let r = store.push(None, &[op], now).await.unwrap();
            assert!(matches!(r[0].outcome, OpOutcome::Applied { .. }), "{r:?}");
        }
    });
    // Everything into the main file, so the file is the whole store.
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

fn verify(dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steady-server"))
        .arg("--data-dir")
        .arg(dir)
        .arg("verify")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn positions(haystack: &[u8], needle: &str) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_bytes())
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn every_flipped_byte_of_a_submitted_note_or_addendum_in_the_file_is_reported() {
    let pristine = tempfile::tempdir().unwrap();
    seeded(pristine.path());
    let (ok, text) = verify(pristine.path());
    assert!(ok, "{text}");
    assert!(text.contains("ok: the record log is intact"), "{text}");
    assert!(text.contains("submitted incidents: 1 checked"), "{text}");
    let bytes = std::fs::read(pristine.path().join(DB_FILE)).unwrap();

    let mut flips = 0;
    for marker in [NOTE, ADDENDUM] {
        let found = positions(&bytes, marker);
        assert_eq!(
            found.len(),
            2,
            "the record and its log entry each hold the text once"
        );
        for start in found {
            for offset in 0..marker.len() {
                let dir = tempfile::tempdir().unwrap();
                let mut copy = bytes.clone();
                copy[start + offset] ^= 0x01;
                std::fs::write(dir.path().join(DB_FILE), &copy).unwrap();
                let (ok, text) = verify(dir.path());
                assert!(!ok, "byte {} of {marker:?} flipped, not reported", offset);
                assert!(
                    text.contains("BROKEN") && text.contains("inc-tamper"),
                    "no place named: {text}"
                );
                flips += 1;
            }
        }
    }
    println!("{flips} flipped bytes in the database file, every one reported by `verify`");
}
