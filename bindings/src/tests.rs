//! The façade's own proofs, in Rust: every public error variant is reached from real calls
//! (a real sync server on loopback included) and each core error maps as `SteadyError`'s table
//! says; a panic inside the core arrives as an error and the store keeps working; the sync
//! observer hears progress. The same ground, through the generated Kotlin, is `tests/kotlin`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use steady_core::StaffMember;
use steady_core::codes::{IncidentTag, Role};
use steady_core::incident::QuickCapture;
use steady_core::people::NewPerson;
use steady_core::s65::S65Item;
use steady_server::http::{self, Limits, TestServer};
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{GrantSpec, Storage, Unit};

use crate::KeyError;
use crate::error::SteadyError;
use crate::store::{KeyProvider, SteadyStore};
use crate::sync::{SyncObserver, SyncProgress, SyncStatus};
use crate::testing::testing_panic;

const HOME: &str = "oak-house";

struct Key(Vec<u8>);

impl KeyProvider for Key {
    fn database_key(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.0.clone())
    }
}

struct LockedKeystore;

impl KeyProvider for LockedKeystore {
    fn database_key(&self) -> Result<Vec<u8>, KeyError> {
        Err(KeyError::Unavailable {
            detail: "device locked since reboot".into(),
        })
    }
}

fn key(byte: u8) -> Arc<dyn KeyProvider> {
    Arc::new(Key(vec![byte; 32]))
}

fn open(dir: &tempfile::TempDir, name: &str) -> Arc<SteadyStore> {
    let path = dir.path().join(name).to_string_lossy().into_owned();
    let store = SteadyStore::open(path, key(7)).expect("open");
    store
        .set_staff_member(StaffMember {
            name: "Alex Morgan".into(),
            job_title: "Support worker".into(),
        })
        .expect("staff");
    store
}

/// A real sync server (SQLite back end, no rate limits) on a free loopback port.
struct Server {
    runtime: tokio::runtime::Runtime,
    storage: Arc<SqliteStorage>,
    server: Option<TestServer>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Arc::new(SqliteStorage::open(dir.path()).expect("server store"));
        let server = runtime.block_on(async {
            storage
                .create_unit(&Unit {
                    unit_id: HOME.into(),
                    name: "Oak House".into(),
                    organisation: "Test Trust".into(),
                    mental_health_unit: false,
                })
                .await
                .expect("unit");
            let limits = Limits {
                enroll_per_ip: None,
                sync_per_device: None,
                all_per_ip: None,
                ..Limits::default()
            };
            http::spawn_for_tests(storage.clone(), limits)
                .await
                .expect("server")
        });
        Server {
            runtime,
            storage,
            server: Some(server),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().expect("running").url()
    }

    fn code(&self, role: Role) -> String {
        self.runtime.block_on(async {
            steady_server::admin::issue_code(
                self.storage.as_ref(),
                vec![GrantSpec {
                    unit_id: HOME.into(),
                    role,
                    ends_at: None,
                }],
                std::time::Duration::from_secs(3600),
                5,
                steady_core::clock::Timestamp::now(),
            )
            .await
            .expect("code")
            .code
        })
    }

    fn revoke(&self, device_id: &str) {
        let revoked = self.runtime.block_on(
            self.storage
                .revoke_device(device_id, steady_core::clock::Timestamp::now()),
        );
        assert!(revoked.expect("revoke"), "device known to the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.stop());
        }
    }
}

/// The name of a variant; exhaustive, so a new variant must be added to the test below.
fn variant(e: &SteadyError) -> &'static str {
    match e {
        SteadyError::Validation { .. } => "Validation",
        SteadyError::Locked { .. } => "Locked",
        SteadyError::NotFound { .. } => "NotFound",
        SteadyError::NotAllowed { .. } => "NotAllowed",
        SteadyError::NotEnrolled { .. } => "NotEnrolled",
        SteadyError::Revoked => "Revoked",
        SteadyError::Network { .. } => "Network",
        SteadyError::WrongKey => "WrongKey",
        SteadyError::KeyUnavailable { .. } => "KeyUnavailable",
        SteadyError::Storage { .. } => "Storage",
        SteadyError::Internal { .. } => "Internal",
    }
}

const ALL_VARIANTS: [&str; 11] = [
    "Validation",
    "Locked",
    "NotFound",
    "NotAllowed",
    "NotEnrolled",
    "Revoked",
    "Network",
    "WrongKey",
    "KeyUnavailable",
    "Storage",
    "Internal",
];

#[test]
fn every_public_error_variant_is_reachable_from_real_calls() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut reached = BTreeSet::new();
    let mut seen = |e: SteadyError| {
        reached.insert(variant(&e));
        e
    };

    // Opening: a keystore that cannot answer, a wrong key, a path that cannot hold a store.
    let path = dir.path().join("device.db").to_string_lossy().into_owned();
    let e = seen(SteadyStore::open(path.clone(), Arc::new(LockedKeystore)).unwrap_err());
    assert_eq!(
        e,
        SteadyError::KeyUnavailable {
            detail: "device locked since reboot".into()
        }
    );
    let store = open(&dir, "device.db");
    let e = seen(SteadyStore::open(path.clone(), key(8)).unwrap_err());
    assert_eq!(e, SteadyError::WrongKey);
    let nowhere = dir.path().join("no-such-dir").join("x.db");
    let e = seen(SteadyStore::open(nowhere.to_string_lossy().into_owned(), key(7)).unwrap_err());
    assert!(matches!(e, SteadyError::Storage { .. }), "{e:?}");

    // Before enrolment: no grants, no token, no server.
    let e = seen(store.people(HOME.into()).unwrap_err());
    assert!(
        matches!(&e, SteadyError::NotAllowed { reason } if reason.contains(HOME)),
        "{e:?}"
    );
    let e = seen(store.sync(server.url(), None).unwrap_err());
    assert!(matches!(&e, SteadyError::NotEnrolled { .. }), "{e:?}");
    let e = seen(
        store
            .enroll("http://127.0.0.1:9".into(), "abc-def".into())
            .unwrap_err(),
    );
    assert!(matches!(&e, SteadyError::Network { .. }), "{e:?}");
    let e = seen(store.enroll(server.url(), "not-a-code".into()).unwrap_err());
    assert!(
        matches!(&e, SteadyError::Validation { field, .. } if field == "code"),
        "{e:?}"
    );
    let e = seen(
        store
            .enroll("http://sync.example.org".into(), "x".into())
            .unwrap_err(),
    );
    assert!(
        matches!(&e, SteadyError::Validation { field, .. } if field == "server_url"),
        "{e:?}"
    );

    // Enrolled as an editor: input rules, missing records, a locked incident.
    let grants = store
        .enroll(server.url(), server.code(Role::Editor))
        .expect("enrol");
    assert_eq!(grants.len(), 1);
    let e = seen(
        store
            .create_person(
                HOME.into(),
                NewPerson {
                    display_name: "  ".into(),
                    ..NewPerson::default()
                },
            )
            .unwrap_err(),
    );
    assert_eq!(
        e,
        SteadyError::Validation {
            field: "display_name".into(),
            rule: "must not be empty".into()
        }
    );
    let e = seen(store.amber_card("no-such-person".into()).unwrap_err());
    assert_eq!(
        e,
        SteadyError::NotFound {
            what: "person".into(),
            id: "no-such-person".into()
        }
    );
    let incident = store
        .capture_incident(QuickCapture {
            unit_id: HOME.into(),
            note: "Shouted at a visitor, calmed with space".into(),
            tags: vec![IncidentTag::DeescalatedSuccessfully],
            ..QuickCapture::default()
        })
        .expect("capture");
    store.submit_incident(incident.clone()).expect("submit");
    let e = seen(
        store
            .update_incident(incident.clone(), Default::default())
            .unwrap_err(),
    );
    assert_eq!(e, SteadyError::Locked { record: incident });
    let e = seen(
        store
            .import_checklist_template("{not json".into())
            .unwrap_err(),
    );
    assert!(
        matches!(&e, SteadyError::Validation { field, .. } if field == "template"),
        "{e:?}"
    );

    // A bug: a panic inside the core.
    store.testing_panic_inside_core();
    let e = seen(store.units().unwrap_err());
    assert!(
        matches!(&e, SteadyError::Internal { detail } if detail.contains("panicked inside the core")),
        "{e:?}"
    );

    // Revoked by a lead: the next sync wipes the device's data.
    store.sync(server.url(), None).expect("sync");
    server.revoke(&store.device_id().expect("id"));
    let e = seen(store.sync(server.url(), None).unwrap_err());
    assert_eq!(e, SteadyError::Revoked);
    assert!(store.units().expect("units").is_empty(), "data wiped");
    store.wipe().expect("wipe");
    assert!(!std::path::Path::new(&path).exists(), "store file deleted");
    let e = seen(store.units().unwrap_err());
    assert!(
        matches!(&e, SteadyError::Storage { detail } if detail.contains("wiped")),
        "{e:?}"
    );

    let all: BTreeSet<&str> = ALL_VARIANTS.into_iter().collect();
    assert_eq!(reached, all, "every public variant reached");
}

#[test]
fn core_errors_map_as_documented() {
    use steady_core::Error as Core;
    let sqlite = || {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        )
    };
    let json = || serde_json_error();
    let cases: Vec<(Core, SteadyError)> = vec![
        (
            Core::invalid("note", "must not be empty"),
            SteadyError::Validation {
                field: "note".into(),
                rule: "must not be empty".into(),
            },
        ),
        (
            Core::IncompleteUseOfForce {
                missing: vec![S65Item::Reason, S65Item::Outcome],
            },
            SteadyError::Validation {
                field: "use_of_force".into(),
                rule: "cannot submit: the use-of-force record lacks s.6(5) items (a), (m)".into(),
            },
        ),
        (
            Core::EnrolmentRefused("the code has expired".into()),
            SteadyError::Validation {
                field: "code".into(),
                rule: "the code has expired".into(),
            },
        ),
        (
            Core::Locked("inc-1".into()),
            SteadyError::Locked {
                record: "inc-1".into(),
            },
        ),
        (
            Core::not_found("incident", "inc-2"),
            SteadyError::NotFound {
                what: "incident".into(),
                id: "inc-2".into(),
            },
        ),
        (
            Core::NotAllowed("a reader cannot edit support sheets".into()),
            SteadyError::NotAllowed {
                reason: "a reader cannot edit support sheets".into(),
            },
        ),
        (
            Core::NotEnrolled,
            SteadyError::NotEnrolled {
                reason: Core::NotEnrolled.to_string(),
            },
        ),
        (
            Core::Unauthorized,
            SteadyError::NotEnrolled {
                reason: Core::Unauthorized.to_string(),
            },
        ),
        (Core::Revoked, SteadyError::Revoked),
        (
            Core::Network("connection refused".into()),
            SteadyError::Network {
                detail: "sync server unavailable: connection refused".into(),
            },
        ),
        (
            Core::SyncRefused("unsupported protocol".into()),
            SteadyError::Network {
                detail: "the sync server refused the request: unsupported protocol".into(),
            },
        ),
        (Core::WrongKey, SteadyError::WrongKey),
        (
            Core::Storage(sqlite()),
            SteadyError::Storage {
                detail: Core::Storage(sqlite()).to_string(),
            },
        ),
        (
            Core::Io(std::io::Error::other("disk gone")),
            SteadyError::Storage {
                detail: "file: disk gone".into(),
            },
        ),
        (
            Core::Json(json()),
            SteadyError::Storage {
                detail: Core::Json(json()).to_string(),
            },
        ),
        (
            Core::Corrupt("page 3 fails its check".into()),
            SteadyError::Storage {
                detail: "the store file is damaged: page 3 fails its check".into(),
            },
        ),
        (
            Core::NewerSchema {
                found: 9,
                supported: 2,
            },
            SteadyError::Storage {
                detail: "the store has schema version 9, newer than this build's 2; update the app"
                    .into(),
            },
        ),
    ];
    // One case per core variant (the match in `From` is exhaustive; this keeps the table honest).
    assert_eq!(cases.len(), 17);
    for (core, expected) in cases {
        let shown = format!("{core:?}");
        assert_eq!(SteadyError::from(core), expected, "{shown}");
    }
    assert_eq!(
        SteadyError::from(KeyError::Unavailable {
            detail: "locked".into()
        }),
        SteadyError::KeyUnavailable {
            detail: "locked".into()
        }
    );
}

fn serde_json_error() -> serde_json::Error {
    serde_json::from_str::<serde_json::Value>("{").unwrap_err()
}

#[test]
fn a_panic_inside_the_core_is_an_error_and_the_store_keeps_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, "panic.db");
    store.testing_panic_inside_core();
    // A write: the core panics once it has been asked to save, before anything is written.
    let e = store
        .capture_incident(QuickCapture {
            unit_id: HOME.into(),
            note: "Pacing in the corridor".into(),
            ..QuickCapture::default()
        })
        .unwrap_err();
    assert!(
        matches!(&e, SteadyError::Internal { detail } if detail.contains("panicked")),
        "{e:?}"
    );
    // The store is still usable, from this thread and others.
    assert_eq!(store.units().expect("units"), vec![]);
    let other = store.clone();
    std::thread::spawn(move || other.outbox_status().expect("status"))
        .join()
        .expect("thread");
    store.check_integrity().expect("integrity");

    let e = testing_panic("boom".into()).unwrap_err();
    assert_eq!(
        e,
        SteadyError::Internal {
            detail: "panic: boom".into()
        }
    );
}

#[derive(Default)]
struct Recorder {
    progress: Mutex<Vec<SyncProgress>>,
    finished: Mutex<Vec<SyncStatus>>,
}

impl SyncObserver for Recorder {
    fn on_progress(&self, progress: SyncProgress) {
        self.progress.lock().unwrap().push(progress);
    }
    fn on_finished(&self, status: SyncStatus) {
        self.finished.lock().unwrap().push(status);
    }
}

/// An observer that fails: the sync must not notice.
struct Broken;

impl SyncObserver for Broken {
    fn on_progress(&self, _: SyncProgress) {
        panic!("observer bug");
    }
    fn on_finished(&self, _: SyncStatus) {
        panic!("observer bug");
    }
}

#[test]
fn sync_observer_hears_progress_and_the_final_status() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, "observed.db");
    store
        .enroll(server.url(), server.code(Role::Editor))
        .expect("enrol");
    for i in 0..3 {
        store
            .create_person(
                HOME.into(),
                NewPerson {
                    display_name: format!("Person {i}"),
                    ..NewPerson::default()
                },
            )
            .expect("person");
    }
    let recorder = Arc::new(Recorder::default());
    let report = store
        .sync(server.url(), Some(recorder.clone()))
        .expect("sync");
    assert_eq!(report.pushed, 3);
    let progress = recorder.progress.lock().unwrap().clone();
    assert!(!progress.is_empty());
    let last = progress.last().unwrap();
    assert_eq!(last.sent, 3);
    assert_eq!(last.requests, report.requests);
    assert!(!last.more && !last.retrying);
    let finished = recorder.finished.lock().unwrap().clone();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].pending, 0);
    assert!(finished[0].last_success_at.is_some());

    store
        .sync(server.url(), Some(Arc::new(Broken)))
        .expect("a failing observer does not fail the sync");
}
