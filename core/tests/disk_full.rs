//! A full disk: the capture that does not fit fails with a clear storage error ("disk full"),
//! every capture that returned `Ok` is there, the failing one is not there at all (no half-saved
//! record, no orphan outbox entry), and once space is freed the store passes its integrity and
//! records checks and takes captures again, also after a reopen.
//!
//! The store lives on a 1 MiB tmpfs mounted for the test (`mount -t tmpfs -o size=1m`), which
//! needs root (or CAP_SYS_ADMIN); where mounting is not permitted the test prints why and passes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::{Error, StaffMember, Store};

/// A mounted tmpfs, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("small");
        std::fs::create_dir(&path).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs -o size=1m failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk { path, _dir: dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn raw(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", "5a".repeat(32)))
        .unwrap();
    conn
}

/// Checks the store holds exactly the acknowledged captures, each once with its outbox entry.
fn exactly(store: &Store, path: &Path, acknowledged: &[(u64, String)], failed: u64) {
    let mut ids: Vec<String> = store
        .incidents("hems-base")
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    let mut want: Vec<String> = acknowledged.iter().map(|(_, id)| id.clone()).collect();
    want.sort();
    assert_eq!(ids, want, "every acknowledged capture, nothing else");
    let conn = raw(path);
    let (outbox, failed_rows): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM outbox), \
                    (SELECT count(*) FROM fields WHERE value = ?1)",
            [serde_json::json!(format!("Synthetic capture {failed}")).to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(outbox as usize, acknowledged.len(), "one outbox entry each");
    assert_eq!(failed_rows, 0, "nothing of the failed capture");
    store.check_integrity().unwrap();
    store.verify_records().unwrap();
}

#[test]
fn a_full_disk_fails_the_capture_cleanly_and_leaves_nothing_half_saved() {
    let disk = match SmallDisk::mount() {
        Ok(disk) => disk,
        Err(why) => {
            println!("skipped: {why} (needs root or CAP_SYS_ADMIN)");
            return;
        }
    };
    let path = disk.path.join("steady.db");
    {
        let store = Store::open(&path, &key()).unwrap();
        store
            .apply_grants(&[grant("hems-base", Role::Reader, false, None)])
            .unwrap();
        store
            .set_staff_member(StaffMember {
                name: "Crew member".into(),
                job_title: "Paramedic".into(),
            })
            .unwrap();
    }
    let mut acknowledged = Vec::new();
    let mut n = 0u64;
    // Rounds with less and less room held back, so the disk fills at different points of a
    // capture's transaction.
    // (Three rounds: after them the WAL holds nearly the whole disk, and a WAL that cannot be
    // checkpointed for want of room stays until room is made elsewhere.)
    for (round, filler_kib) in [200usize, 120, 60].into_iter().enumerate() {
        let filler = disk.path.join("filler");
        std::fs::write(&filler, vec![0u8; filler_kib * 1024]).unwrap();
        let store = Store::open(&path, &key()).unwrap();
        let before = acknowledged.len();
        let error = loop {
            match store.capture_incident(QuickCapture {
                unit_id: "hems-base".into(),
                note: format!("Synthetic capture {n}"),
                unidentified_person: Some("man ~40, roadside".into()),
                ..QuickCapture::default()
            }) {
                Ok(id) => acknowledged.push((n, id)),
                Err(e) => break e,
            }
            n += 1;
            assert!(n < 1_000_000, "the disk never filled");
        };
        let failed = n;
        n += 1;
        println!(
            "round {round}: disk full after {} more captures: {error}",
            acknowledged.len() - before
        );
        match &error {
            Error::Storage(e) => assert_eq!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DiskFull),
                "{error}"
            ),
            other => panic!("expected a storage (disk full) error, got {other:?}"),
        }
        assert!(error.to_string().contains("full"), "{error}");

        // Space freed: the store answers and checks out, and takes captures again.
        std::fs::remove_file(&filler).unwrap();
        exactly(&store, &path, &acknowledged, failed);
        let more = store
            .capture_incident(QuickCapture {
                unit_id: "hems-base".into(),
                note: format!("Synthetic capture {n}"),
                ..QuickCapture::default()
            })
            .unwrap();
        acknowledged.push((n, more));
        n += 1;
        drop(store);
        let store = Store::open(&path, &key()).unwrap();
        exactly(&store, &path, &acknowledged, failed);
    }
    assert!(acknowledged.len() > 20, "too little room to mean anything");
}
