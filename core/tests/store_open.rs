//! Opening the store: each way it can be refused gives its own error and leaves the file's bytes
//! exactly as they were; a good store reopens with everything in it.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::{Error, Store, StoreKey};

/// A closed store with one person and one incident in it; returns its path.
fn closed_store(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("steady.db");
    let store = Store::open(&path, &key()).unwrap();
    store
        .apply_grants(&[grant("ward-a", Role::Editor, false, None)])
        .unwrap();
    sam(&store, "ward-a");
    store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "Synthetic note".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    drop(store);
    path
}

fn raw(path: &Path, key_byte: u8) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", hex(&[key_byte; 32])))
        .unwrap();
    conn
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_wrong_key_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_store(dir.path());
    let before = fs::read(&path).unwrap();
    let wrong = StoreKey::from_bytes(&[0x11; 32]).unwrap();
    assert!(matches!(Store::open(&path, &wrong), Err(Error::WrongKey)));
    assert_eq!(fs::read(&path).unwrap(), before);
    // Without the key-check file, SQLCipher itself refuses, still as a wrong key.
    fs::remove_file(dir.path().join("steady.db.keycheck")).unwrap();
    assert!(matches!(Store::open(&path, &wrong), Err(Error::WrongKey)));
    assert_eq!(fs::read(&path).unwrap(), before);
    // And the right key still opens it, with everything there.
    let store = Store::open(&path, &key()).unwrap();
    assert_eq!(store.people("ward-a").unwrap().len(), 1);
}

#[test]
fn a_key_of_the_wrong_length_is_a_validation_error() {
    match StoreKey::from_bytes(&[1; 16]) {
        Err(Error::Validation { field, rule }) => {
            assert_eq!(field, "key");
            assert!(rule.contains("32 bytes"), "{rule}");
        }
        other => panic!("expected a validation error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_store_from_a_newer_steady_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_store(dir.path());
    {
        let conn = raw(&path, 0x5a);
        conn.pragma_update(None, "user_version", steady_core::schema::VERSION + 1)
            .unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = fs::read(&path).unwrap();
    match Store::open(&path, &key()) {
        Err(Error::NewerSchema { found, supported }) => {
            assert_eq!(found, steady_core::schema::VERSION + 1);
            assert_eq!(supported, steady_core::schema::VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn a_truncated_store_is_reported_as_damaged_and_left_alone() {
    for keep in [100u64, 4096, 4096 * 3 + 17] {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_store(dir.path());
        let len = fs::metadata(&path).unwrap().len();
        assert!(len > keep, "store is {len} bytes");
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(keep)
            .unwrap();
        let before = fs::read(&path).unwrap();
        let outcome = Store::open(&path, &key()).and_then(|s| s.people("ward-a").map(|_| ()));
        assert!(
            matches!(outcome, Err(Error::Corrupt(_))),
            "truncated to {keep}: {outcome:?}"
        );
        assert_eq!(fs::read(&path).unwrap(), before, "truncated to {keep}");
    }
}

#[test]
fn a_damaged_first_page_is_not_mistaken_for_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_store(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    bytes[100] ^= 0x01;
    fs::write(&path, &bytes).unwrap();
    assert!(matches!(Store::open(&path, &key()), Err(Error::Corrupt(_))));
    assert_eq!(fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_flipped_byte_deep_in_the_file_is_found_by_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_store(dir.path());
    let mut bytes = fs::read(&path).unwrap();
    let last_page = bytes.len() - 4096;
    bytes[last_page + 2000] ^= 0x80;
    fs::write(&path, &bytes).unwrap();
    let outcome = Store::open(&path, &key()).and_then(|s| s.check_integrity());
    assert!(matches!(outcome, Err(Error::Corrupt(_))), "{outcome:?}");
}

#[test]
fn a_good_store_reopens_with_its_clock_ahead_of_every_stamp_it_issued() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_store(dir.path());
    let store = Store::open(&path, &key()).unwrap();
    store.check_integrity().unwrap();
    let last_before = store.pending_operations(1000).unwrap().pop().unwrap().stamp;
    // Even with the wall clock set back a day, the next stamp sorts after every earlier one.
    drop(store);
    let clock = TestClock::at(steady_core::clock::Timestamp::now().plus_days(-1));
    let store = Store::open_with_clock(&path, &key(), clock).unwrap();
    store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "After a restart".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    let last_after = store.pending_operations(1000).unwrap().pop().unwrap().stamp;
    assert!(last_after > last_before);
}
