//! Nothing is dropped silently on a phone (issue 19, item 10): a change the server refused, or
//! an edit that lost to a later one, outlives the purge of its unit when the placement ends. It stays listed, counted in the sync
//! status and exportable with the words the user wrote, is never sent again, and leaves only
//! when the user discards it or the device is revoked. Against a small scripted server; all
//! data is invented.

mod common;

use std::collections::HashSet;
use std::sync::Mutex;

use common::*;
use serde_json::Value;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::incident::{IncidentDetails, QuickCapture};
use steady_core::protocol::{
    EnrollRequest, EnrollResponse, EntityKind, OpOutcome, OpResult, RejectReason, SyncRequest,
    SyncResponse, Winner,
};
use steady_core::units::UnitGrant;
use steady_core::{Error, Store, Transport, TransportError};

const TOKEN: &str = "token-for-tests";
const CODE: &str = "BANK-0001";
/// The care home the bank worker is placed in for one day.
const HOME: &str = "home-b";
const LOCKED_DETAIL: &str = "the incident was submitted on the console: add an addendum";

#[derive(Default)]
struct Script {
    now: i64,
    grants: Vec<UnitGrant>,
    ended_units: Vec<String>,
    /// Records whose changes are refused as locked (the lead submitted them on the console).
    locked: HashSet<String>,
    /// Records whose changes lose to a colleague's later edit of the same fields.
    overtaken: HashSet<String>,
    revoked: bool,
    /// The op ids of each push, in order.
    pushes: Vec<Vec<String>>,
}

/// A server that applies every change except those to locked records, and sends nothing back.
struct ScriptedServer(Mutex<Script>);

impl ScriptedServer {
    fn with<T>(&self, f: impl FnOnce(&mut Script) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }
}

impl Transport for ScriptedServer {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        let s = self.0.lock().unwrap();
        assert_eq!(req.code, CODE);
        Ok(EnrollResponse {
            protocol: 1,
            device_token: TOKEN.into(),
            grants: s.grants.clone(),
            server_time: Timestamp(s.now),
        })
    }

    fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let mut s = self.0.lock().unwrap();
        assert_eq!(token, TOKEN);
        req.validate().expect("the engine sends valid requests");
        if s.revoked {
            return Err(TransportError::Revoked);
        }
        s.pushes
            .push(req.push.iter().map(|op| op.op_id.clone()).collect());
        let results = req
            .push
            .iter()
            .map(|op| OpResult {
                op_id: op.op_id.clone(),
                outcome: if s.locked.contains(&op.entity_id) {
                    OpOutcome::Rejected {
                        reason: RejectReason::Locked,
                        detail: LOCKED_DETAIL.into(),
                    }
                } else if s.overtaken.contains(&op.entity_id) {
                    OpOutcome::Superseded {
                        winners: op
                            .change
                            .cells()
                            .into_iter()
                            .map(|(field, item, _)| Winner {
                                field: field.to_string(),
                                item_id: item.to_string(),
                                value: Value::String("A colleague's later wording".into()),
                                stamp: Hlc {
                                    wall_ms: op.stamp.wall_ms + 60_000,
                                    counter: 0,
                                    device: "colleague-phone".into(),
                                },
                                withheld: false,
                            })
                            .collect(),
                        clamped: None,
                    }
                } else {
                    OpOutcome::Applied { clamped: None }
                },
            })
            .collect();
        Ok(SyncResponse {
            protocol: 1,
            results,
            changes: Vec::new(),
            cursor: "c".into(),
            more: false,
            grants: s.grants.clone(),
            ended_units: s.ended_units.clone(),
            full_resync: false,
            server_time: Timestamp(s.now),
        })
    }
}

/// A bank worker's phone, enrolled for a placement in [`HOME`] that ends at 21:00, with an
/// incident captured on shift and its later change refused by the server: the lead had
/// already submitted the incident on the console. Returns the phone, the server and the
/// incident's id.
fn refused_change_on_shift() -> (Fixture, ScriptedServer, String) {
    let ends = SHIFT_START.plus_minutes(12 * 60);
    let server = ScriptedServer(Mutex::new(Script {
        now: SHIFT_START.0,
        grants: vec![grant(HOME, Role::Editor, false, Some(ends))],
        ..Script::default()
    }));
    let f = fixture();
    f.store.enroll(&server, CODE).unwrap();
    let sam_id = sam(&f.store, HOME);
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: HOME.into(),
            person_id: Some(sam_id),
            note: "Sam pushed past a visitor at the door, settled with a walk".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    f.store.sync(&server).unwrap();
    assert_eq!(f.store.sync_status().unwrap().pending, 0);

    // Later on the shift the worker adds the outcome; the lead has meanwhile submitted it.
    f.clock.advance_minutes(60);
    server.with(|s| s.locked.insert(incident.clone()));
    f.store
        .update_incident(
            &incident,
            IncidentDetails {
                outcome: Some("Calm by 14:30, had tea in the garden".into()),
                ..IncidentDetails::default()
            },
        )
        .unwrap();
    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.quarantined, 1);
    (f, server, incident)
}

/// The placement ends: the server lists the unit as ended and the phone syncs after 21:00.
fn placement_ends(f: &Fixture, server: &ScriptedServer) {
    f.clock.advance_minutes(12 * 60);
    server.with(|s| {
        s.now = SHIFT_START.plus_minutes(13 * 60).0;
        s.ended_units = vec![HOME.into()];
    });
    let report = f.store.sync(server).unwrap();
    assert_eq!(report.purged_units, vec![HOME.to_string()]);
}

fn export(store: &Store) -> Value {
    serde_json::from_str(&store.export_quarantined().unwrap()).unwrap()
}

#[test]
fn a_bank_workers_refused_incident_change_is_still_on_the_phone_after_the_placement_ends_counted_and_exportable()
 {
    let (f, server, incident) = refused_change_on_shift();
    placement_ends(&f, &server);

    // The unit's records have left the phone...
    assert!(f.store.units().unwrap().is_empty());
    assert!(matches!(
        f.store.incident(&incident),
        Err(Error::NotFound { .. })
    ));
    assert!(f.store.search_people("Sam", 10).unwrap().is_empty());

    // ...but the refused change has not: listed with why, and counted in the status line.
    let status = f.store.sync_status().unwrap();
    assert_eq!((status.pending, status.quarantined), (0, 1));
    assert_eq!(f.store.outbox_status().unwrap().quarantined, 1);
    let held = f.store.quarantined_operations().unwrap();
    assert_eq!(held.len(), 1);
    let q = &held[0];
    assert_eq!(
        (q.entity, q.entity_id.as_str(), q.unit_id.as_str()),
        (EntityKind::Incident, incident.as_str(), HOME)
    );
    assert_eq!(
        (q.reason.as_str(), q.detail.as_str()),
        ("locked", LOCKED_DETAIL)
    );

    // The export carries the words the worker wrote, so the lead can add them as an addendum.
    let doc = export(&f.store);
    assert_eq!(doc["device_id"], f.store.device_id());
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["op_id"], q.op_id.as_str());
    assert_eq!(changes[0]["entity_id"], incident.as_str());
    assert_eq!(changes[0]["reason"], "locked");
    assert_eq!(changes[0]["detail"], LOCKED_DETAIL);
    assert!(
        changes[0]["op"]
            .to_string()
            .contains("Calm by 14:30, had tea in the garden"),
        "the refused value itself is exported: {}",
        changes[0]["op"]
    );

    // The purge says in the audit trail that it kept something; the export is audited too.
    let trail = f.store.audit_trail_for(HOME).unwrap();
    let purge = trail.iter().find(|e| e.action == "purge").unwrap();
    assert!(
        purge.detail.contains("1 refused changes kept"),
        "{}",
        purge.detail
    );
    f.store.verify_audit_trail().unwrap();

    // It is never sent again: not by the next sync, nor after a restart.
    let f = f.reopen();
    assert_eq!(f.store.sync_status().unwrap().quarantined, 1);
    f.store.sync(&server).unwrap();
    let pushes = server.with(|s| s.pushes.clone());
    assert_eq!(
        pushes.iter().flatten().filter(|id| **id == q.op_id).count(),
        1,
        "sent once, refused, and never again: {pushes:?}"
    );

    // The user discards it once dealt with: only then is it gone.
    f.store.discard_quarantined(&q.op_id).unwrap();
    assert_eq!(f.store.sync_status().unwrap().quarantined, 0);
    assert!(f.store.quarantined_operations().unwrap().is_empty());
    assert!(export(&f.store)["changes"].as_array().unwrap().is_empty());
}

#[test]
fn a_revoked_phone_still_wipes_the_refused_changes_a_purge_kept() {
    let (f, server, _incident) = refused_change_on_shift();
    placement_ends(&f, &server);
    assert_eq!(f.store.sync_status().unwrap().quarantined, 1);

    // Revocation removes everything: a lost or stolen phone keeps nothing of anyone.
    server.with(|s| s.revoked = true);
    assert!(matches!(f.store.sync(&server), Err(Error::Revoked)));
    let status = f.store.sync_status().unwrap();
    assert_eq!((status.pending, status.quarantined), (0, 0));
    assert!(f.store.quarantined_operations().unwrap().is_empty());
}

#[test]
fn changes_still_pending_keep_the_unit_and_refused_ones_do_not() {
    let (f, server, incident) = refused_change_on_shift();
    // A last note written after the refusal, offline, before the placement ends.
    server.with(|s| s.locked.clear());
    f.store
        .capture_incident(QuickCapture {
            unit_id: HOME.into(),
            note: "Fire alarm test, everyone calm".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    f.clock.advance_minutes(12 * 60);
    // No signal: the purge waits for the pending note, the refused change does not hold it up.
    assert!(f.store.purge_ended_units().unwrap().is_empty());
    let units = f.store.units().unwrap();
    assert_eq!(units.len(), 1);
    assert!(!units[0].active);
    assert_eq!(units[0].pending_changes, 1);

    // Back in signal: the note goes, the unit leaves, the refused change stays.
    server.with(|s| {
        s.now = SHIFT_START.plus_minutes(13 * 60).0;
        s.ended_units = vec![HOME.into()];
    });
    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.purged_units, vec![HOME.to_string()]);
    let status = f.store.sync_status().unwrap();
    assert_eq!((status.pending, status.quarantined), (0, 1));
    assert_eq!(
        f.store.quarantined_operations().unwrap()[0].entity_id,
        incident
    );
}

/// An edit that lost to a colleague's later one exists only on this phone: when the placement
/// ends the worker's own words stay listed until dismissed, while the colleague's winning
/// value (the unit's data) leaves with the unit.
#[test]
fn an_edit_that_lost_keeps_the_workers_words_after_the_placement_ends() {
    let ends = SHIFT_START.plus_minutes(12 * 60);
    let server = ScriptedServer(Mutex::new(Script {
        now: SHIFT_START.0,
        grants: vec![grant(HOME, Role::Editor, false, Some(ends))],
        ..Script::default()
    }));
    let f = fixture();
    f.store.enroll(&server, CODE).unwrap();
    let sam_id = sam(&f.store, HOME);
    f.store.sync(&server).unwrap();
    server.with(|s| s.overtaken.insert(sam_id.clone()));
    f.store
        .update_person(&sam_id, None, Some("Sammy".into()), None)
        .unwrap();
    assert_eq!(f.store.sync(&server).unwrap().superseded, 1);
    let before = f.store.conflicts().unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(
        before[0].winning_value,
        Value::String("A colleague's later wording".into())
    );

    placement_ends(&f, &server);
    let after = f.store.conflicts().unwrap();
    assert_eq!(after.len(), 1, "the worker's edit is still listed");
    assert_eq!(after[0].my_value, Value::String("Sammy".into()));
    assert_eq!(
        after[0].winning_value,
        Value::Null,
        "the unit's value left with the unit"
    );
    assert_eq!(f.store.sync_status().unwrap().conflicts, 1);
    f.store.dismiss_conflict(after[0].id).unwrap();
    assert!(f.store.conflicts().unwrap().is_empty());
}
