//! The first stores a process opens may be opened on several threads at once: an app's UI and
//! its background sync, or the server's storage and its console replica. SQLite marks itself
//! initialised before SQLCipher's own set-up has run, so a second thread could key its
//! connection before SQLCipher was ready and be refused with a misleading "PRAGMA key" error.
//! This test keeps starting SQLite from scratch and opening stores on many threads at once.

mod common;

use std::sync::{Arc, Barrier};

use common::{SHIFT_START, TestClock, key};
use steady_core::Store;

const THREADS: usize = 8;

/// Rounds of a cold start; `STEADY_FIRST_OPEN_ROUNDS` raises it for a longer hunt.
fn rounds() -> usize {
    std::env::var("STEADY_FIRST_OPEN_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(120)
}

#[test]
fn stores_opened_at_once_on_a_cold_start_are_all_keyed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..rounds() {
        let start = Arc::new(Barrier::new(THREADS));
        let opened: Vec<_> = (0..THREADS)
            .map(|t| {
                let path = dir.path().join(format!("r{round}-t{t}.db"));
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    Store::open_with_clock(path, &key(), TestClock::at(SHIFT_START))
                        .map(drop)
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        for handle in opened {
            if let Err(e) = handle.join().unwrap() {
                panic!("round {round}: a store opened on a cold start was refused: {e}");
            }
        }
        // Every connection is closed: return SQLite (and SQLCipher) to their cold state.
        // SAFETY: no connection is open and no other thread uses SQLite in this test binary.
        assert_eq!(unsafe { rusqlite::ffi::sqlite3_shutdown() }, 0);
    }
}
