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

use steady_core::Refusal;
use steady_core::codes::RestrictiveInterventionType;
use steady_core::incident::UseOfForce;
use steady_core::restraint::CautionList;

use crate::KeyError;
use crate::error::{Field, SteadyError};
use crate::store::{KeyProvider, SteadyStore};
use crate::sync::{SyncObserver, SyncProgress, SyncStatus};
use crate::testing::testing_panic;

const HOME: &str = "oak-house";
const WARD: &str = "willow-ward";

struct Key(Vec<u8>);

impl KeyProvider for Key {
    fn database_key(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.0.clone())
    }
}

struct LockedKeystore;

/// A keystore whose wrapped key file was damaged.
struct DamagedKeystore;

impl KeyProvider for DamagedKeystore {
    fn database_key(&self) -> Result<Vec<u8>, KeyError> {
        Err(KeyError::Unreadable {
            detail: "the wrapped key fails its tag".into(),
        })
    }
}

/// Interrupts the sync it observes at its first report, as WorkManager's `onStopped` would.
struct StopAtFirstReport(Arc<SteadyStore>);

impl SyncObserver for StopAtFirstReport {
    fn on_progress(&self, _: SyncProgress) {
        self.0.interrupt_sync().expect("interrupt");
    }

    fn on_finished(&self, _: SyncStatus) {}
}

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
            storage
                .create_unit(&Unit {
                    unit_id: WARD.into(),
                    name: "Willow Ward".into(),
                    organisation: "Test Trust".into(),
                    mental_health_unit: true,
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
        self.code_for(&[HOME], role)
    }

    fn code_for(&self, units: &[&str], role: Role) -> String {
        self.runtime.block_on(async {
            steady_server::admin::issue_code(
                self.storage.as_ref(),
                units
                    .iter()
                    .map(|unit| GrantSpec {
                        unit_id: unit.to_string(),
                        role,
                        ends_at: None,
                    })
                    .collect(),
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
        SteadyError::UseOfForceIncomplete { .. } => "UseOfForceIncomplete",
        SteadyError::Contraindicated { .. } => "Contraindicated",
        SteadyError::Locked { .. } => "Locked",
        SteadyError::NotFound { .. } => "NotFound",
        SteadyError::NotAllowed { .. } => "NotAllowed",
        SteadyError::NotEnrolled { .. } => "NotEnrolled",
        SteadyError::Revoked => "Revoked",
        SteadyError::Network { .. } => "Network",
        SteadyError::Interrupted => "Interrupted",
        SteadyError::WrongKey => "WrongKey",
        SteadyError::KeyUnavailable { .. } => "KeyUnavailable",
        SteadyError::KeyUnreadable { .. } => "KeyUnreadable",
        SteadyError::NeedsAppUpdate { .. } => "NeedsAppUpdate",
        SteadyError::Damaged { .. } => "Damaged",
        SteadyError::Storage { .. } => "Storage",
        SteadyError::Internal { .. } => "Internal",
    }
}

const ALL_VARIANTS: [&str; 17] = [
    "Validation",
    "UseOfForceIncomplete",
    "Contraindicated",
    "Locked",
    "NotFound",
    "NotAllowed",
    "NotEnrolled",
    "Revoked",
    "Network",
    "Interrupted",
    "WrongKey",
    "KeyUnavailable",
    "KeyUnreadable",
    "NeedsAppUpdate",
    "Damaged",
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
    let e = seen(SteadyStore::open(path.clone(), Arc::new(DamagedKeystore)).unwrap_err());
    assert!(matches!(e, SteadyError::KeyUnreadable { .. }), "{e:?}");
    // A store a newer Steady wrote (the app was rolled back): intact, and never "reset".
    let newer = dir.path().join("newer.db");
    drop(open(&dir, "newer.db"));
    {
        let conn = rusqlite::Connection::open(&newer).expect("raw");
        conn.pragma_update(None, "key", format!("x'{}'", "07".repeat(32)))
            .expect("key");
        conn.pragma_update(None, "user_version", steady_core::schema::VERSION + 1)
            .expect("version");
    }
    let e = seen(SteadyStore::open(newer.to_string_lossy().into_owned(), key(7)).unwrap_err());
    assert_eq!(
        e,
        SteadyError::NeedsAppUpdate {
            found: steady_core::schema::VERSION + 1,
            supported: steady_core::schema::VERSION
        }
    );
    // A damaged file: told apart from a wrong key and from a passing fault.
    let damaged = dir.path().join("damaged.db");
    drop(open(&dir, "damaged.db"));
    let mut bytes = std::fs::read(&damaged).expect("read");
    bytes[100] ^= 0x01;
    std::fs::write(&damaged, &bytes).expect("write");
    let e = seen(SteadyStore::open(damaged.to_string_lossy().into_owned(), key(7)).unwrap_err());
    assert!(matches!(e, SteadyError::Damaged { .. }), "{e:?}");

    // Before enrolment: no grants, no token, no server.
    let e = seen(store.people(HOME.into()).unwrap_err());
    assert!(
        matches!(&e, SteadyError::NotAllowed { refusal: Refusal::NoAccess { unit_id }, reason }
            if unit_id == HOME && reason.contains(HOME)),
        "{e:?}"
    );
    let e = seen(store.sync(None).unwrap_err());
    assert!(matches!(&e, SteadyError::NotEnrolled { .. }), "{e:?}");
    let e = seen(
        store
            .enroll("http://127.0.0.1:9".into(), "abc-def".into())
            .unwrap_err(),
    );
    assert!(matches!(&e, SteadyError::Network { .. }), "{e:?}");
    let e = seen(store.enroll(server.url(), "not-a-code".into()).unwrap_err());
    assert!(
        matches!(
            &e,
            SteadyError::Validation {
                field: Field::EnrolmentCode,
                ..
            }
        ),
        "{e:?}"
    );
    let e = seen(
        store
            .enroll("http://sync.example.org".into(), "x".into())
            .unwrap_err(),
    );
    assert!(
        matches!(&e, SteadyError::Validation { field: Field::ServerUrl, path, .. } if path == "server_url"),
        "{e:?}"
    );

    // Enrolled as an editor: input rules, missing records, a locked incident.
    let grants = store
        .enroll(server.url(), server.code_for(&[HOME, WARD], Role::Editor))
        .expect("enrol");
    assert_eq!(grants.len(), 2);
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
            field: Field::DisplayName,
            path: "display_name".into(),
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
        matches!(
            &e,
            SteadyError::Validation {
                field: Field::Checklist,
                ..
            }
        ),
        "{e:?}"
    );
    // In a mental health unit, a use of force without its s.6(5) record cannot be submitted:
    // the missing items come as a list, not as text.
    let restraint = store
        .capture_incident(QuickCapture {
            unit_id: WARD.into(),
            note: "Held to stop a head strike".into(),
            ..QuickCapture::default()
        })
        .expect("capture");
    store
        .add_use_of_force(
            restraint.clone(),
            UseOfForce {
                id: String::new(),
                intervention: RestrictiveInterventionType::PhysicalStanding,
                reason: None,
                started_at: None,
                ended_at: None,
                in_care_plan: None,
                how_force_was_used: String::new(),
                staff: vec![],
                contraindication_override: None,
            },
        )
        .expect("force");
    let e = seen(store.submit_incident(restraint.clone()).unwrap_err());
    let missing = store
        .missing_use_of_force_items(restraint)
        .expect("missing");
    assert!(missing.contains(&S65Item::Reason), "{missing:?}");
    assert_eq!(e, SteadyError::UseOfForceIncomplete { missing });
    // A prone hold on someone whose own alert rules it out: refused until confirmed with a
    // reason, which the record keeps.
    let sam = store
        .create_person(
            WARD.into(),
            NewPerson {
                display_name: "Samuel Okafor".into(),
                ..NewPerson::default()
            },
        )
        .expect("person");
    let alert = store
        .add_safety_alert(sam.clone(), "No prone holds: asthma".into(), None)
        .expect("alert");
    store
        .set_caution_avoids(
            sam.clone(),
            CautionList::SafetyAlert,
            alert.clone(),
            vec![RestrictiveInterventionType::PhysicalProne],
        )
        .expect("avoid");
    let on_sam = store
        .capture_incident(QuickCapture {
            unit_id: WARD.into(),
            person_id: Some(sam.clone()),
            note: "Fell to the floor in the struggle".into(),
            ..QuickCapture::default()
        })
        .expect("capture");
    let prone = UseOfForce {
        id: String::new(),
        intervention: RestrictiveInterventionType::PhysicalProne,
        reason: None,
        started_at: None,
        ended_at: None,
        in_care_plan: None,
        how_force_was_used: String::new(),
        staff: vec![],
        contraindication_override: None,
    };
    let e = seen(
        store
            .add_use_of_force(on_sam.clone(), prone.clone())
            .unwrap_err(),
    );
    assert_eq!(
        e,
        SteadyError::Contraindicated {
            intervention: RestrictiveInterventionType::PhysicalProne,
            caution_ids: vec![alert.clone()],
        }
    );
    let profile = store.restraint_profile(sam).expect("profile");
    assert_eq!(profile.cautions[0].id, alert);
    store
        .add_use_of_force(
            on_sam,
            UseOfForce {
                contraindication_override: Some(
                    "Fell prone in the struggle; turned to the side within a minute".into(),
                ),
                ..prone
            },
        )
        .expect("recorded with the reason");

    // A bug: a panic inside the core.
    store.testing_panic_inside_core();
    let e = seen(store.units().unwrap_err());
    assert!(
        matches!(&e, SteadyError::Internal { detail } if detail.contains("panicked inside the core")),
        "{e:?}"
    );

    // Revoked by a lead: the next sync wipes the device's data.
    store.sync(None).expect("sync");
    server.revoke(&store.device_id().expect("id"));
    let e = seen(store.sync(None).unwrap_err());
    assert_eq!(e, SteadyError::Revoked);
    assert!(store.units().expect("units").is_empty(), "data wiped");
    store.wipe().expect("wipe");
    assert!(!std::path::Path::new(&path).exists(), "store file deleted");
    let e = seen(store.units().unwrap_err());
    assert!(
        matches!(&e, SteadyError::Storage { detail } if detail.contains("wiped")),
        "{e:?}"
    );

    // The OS stops background work while a sync waits to retry an unreachable server.
    let gone = Server::start();
    let phone = open(&dir, "phone.db");
    phone
        .enroll(gone.url(), gone.code(Role::Reader))
        .expect("enrol");
    drop(gone);
    let e = seen(
        phone
            .sync(Some(Arc::new(StopAtFirstReport(phone.clone()))))
            .unwrap_err(),
    );
    assert_eq!(e, SteadyError::Interrupted);
    let status = phone.sync_status().expect("status");
    assert_eq!(
        status.last_problem, None,
        "an interrupted sync is not a failure"
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
                field: Field::Note,
                path: "note".into(),
                rule: "must not be empty".into(),
            },
        ),
        (
            Core::IncompleteUseOfForce {
                missing: vec![S65Item::Reason, S65Item::Outcome],
            },
            SteadyError::UseOfForceIncomplete {
                missing: vec![S65Item::Reason, S65Item::Outcome],
            },
        ),
        (
            Core::EnrolmentRefused("the code has expired".into()),
            SteadyError::Validation {
                field: Field::EnrolmentCode,
                path: "code".into(),
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
            Core::NotAllowed(Refusal::RoleTooLow {
                role: Role::Reader,
                needs: Role::Editor,
                action: "edit support sheets".into(),
            }),
            SteadyError::NotAllowed {
                refusal: Refusal::RoleTooLow {
                    role: Role::Reader,
                    needs: Role::Editor,
                    action: "edit support sheets".into(),
                },
                reason: "a reader cannot edit support sheets; it needs editor".into(),
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
        (Core::Interrupted, SteadyError::Interrupted),
        (
            Core::Contraindicated {
                intervention: RestrictiveInterventionType::PhysicalSupine,
                caution_ids: vec!["c-1".into()],
            },
            SteadyError::Contraindicated {
                intervention: RestrictiveInterventionType::PhysicalSupine,
                caution_ids: vec!["c-1".into()],
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
            SteadyError::Damaged {
                detail: "page 3 fails its check".into(),
            },
        ),
        (
            Core::NewerSchema {
                found: 9,
                supported: 2,
            },
            SteadyError::NeedsAppUpdate {
                found: 9,
                supported: 2,
            },
        ),
    ];
    // One case per core variant (the match in `From` is exhaustive; this keeps the table honest).
    assert_eq!(cases.len(), 19);
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
    assert_eq!(
        SteadyError::from(KeyError::Unreadable {
            detail: "bad tag".into()
        }),
        SteadyError::KeyUnreadable {
            detail: "bad tag".into()
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
    let report = store.sync(Some(recorder.clone())).expect("sync");
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
        .sync(Some(Arc::new(Broken)))
        .expect("a failing observer does not fail the sync");
}

#[test]
fn a_second_placement_is_added_without_signing_out() {
    let server = Server::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, "bank-worker.db");
    // Not enrolled yet: nothing to add to.
    assert!(matches!(
        store.add_placement(server.code_for(&[WARD], Role::Editor)),
        Err(SteadyError::NotEnrolled { .. })
    ));
    store
        .enroll(server.url(), server.code(Role::Editor))
        .expect("enrol");
    store
        .create_person(
            HOME.into(),
            NewPerson {
                display_name: "Sam Okafor".into(),
                ..NewPerson::default()
            },
        )
        .expect("person");
    store.sync(None).expect("sync");

    let grants = store
        .add_placement(server.code_for(&[WARD], Role::Reader))
        .expect("the ward's code is added");
    let mut units: Vec<(String, Role)> =
        grants.iter().map(|g| (g.unit_id.clone(), g.role)).collect();
    units.sort();
    assert_eq!(
        units,
        [
            (HOME.to_string(), Role::Editor),
            (WARD.to_string(), Role::Reader)
        ],
        "all the device's grants"
    );
    assert_eq!(store.units().expect("units").len(), 2);
    assert!(store.sync_status().expect("status").enrolled);
    // The same token still syncs, and the first unit's people are still here.
    store.sync(None).expect("sync with the same token");
    assert_eq!(store.people(HOME.into()).expect("people").len(), 1);

    let refused = store.add_placement("not-a-code".into()).unwrap_err();
    assert!(
        matches!(
            refused,
            SteadyError::Validation {
                field: Field::EnrolmentCode,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(
        store.units().expect("units").len(),
        2,
        "a refusal changes nothing"
    );
}
