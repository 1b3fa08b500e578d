//! The device sync engine against a scripted in-memory server: batching, lost answers,
//! refusals, conflicts, clamped clocks, ended placements, revocation, retries, a full resync and
//! the cursor. The fake server keeps the protocol's rules in their simplest form (idempotent on
//! op id, last writer wins per field or item, stamps clamped a minute ahead of its clock, a
//! changes log paged by position) and can be told to fail in chosen ways. All data is invented.

mod common;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use steady_core::audit::ChainWalk;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::people::NewPerson;
use steady_core::protocol::{
    AuditPushRequest, AuditPushResponse, AuditRecord, Change, EnrollRequest, EnrollResponse,
    EntityKind, ErrorBody, ErrorCode, GrantsRequest, GrantsResponse, MAX_PUSH_OPS, OpOutcome,
    OpResult, Operation, PulledChange, RejectReason, SyncRequest, SyncResponse, Winner,
};
use steady_core::sheet::SheetList;
use steady_core::sync::PULL_LIMIT;
use steady_core::sync::{Sleeper, SyncOptions};
use steady_core::units::UnitGrant;
use steady_core::{Error, HttpTransport, Store, Transport, TransportError};

const TOKEN: &str = "token-for-tests";
const CODE: &str = "ABCD-1234";
const OTHER: &str = "dev-other";

type CellKey = (EntityKind, String, String, String);

/// What the fake does with one sync call.
enum Fault {
    /// Fails before doing anything.
    Fail(TransportError),
    /// Does the work, then the answer is lost on the way back.
    LoseAnswer,
    /// Serves the pull but leaves the push unanswered (and unapplied).
    IgnorePush,
}

#[derive(Default)]
struct Server {
    now: i64,
    grants: Vec<UnitGrant>,
    ended_units: Vec<String>,
    revoked: bool,
    cells: HashMap<CellKey, (Hlc, Value)>,
    /// The changes log; a cursor is `epoch:position`.
    log: Vec<PulledChange>,
    /// Bumped when tombstones are forgotten: cursors of an earlier epoch must resync.
    epoch: u32,
    answered: HashMap<String, OpOutcome>,
    /// How many times each op id was actually applied (never more than once).
    applied: HashMap<String, u32>,
    reject: HashMap<String, RejectReason>,
    /// One entry per sync call, in order; `None`: behave.
    faults: VecDeque<Option<Fault>>,
    requests: Vec<SyncRequest>,
    enrolments: Vec<EnrollRequest>,
    /// Codes for a further placement, each with the grants it carries (single use).
    placement_codes: HashMap<String, Vec<UnitGrant>>,
    /// One entry per placement call, with the token it came with.
    placements: Vec<(String, GrantsRequest)>,
    /// Bodies with more operations than this are "413 Payload Too Large".
    max_push: Option<usize>,
    /// The audit trail as the fake holds it, checked with the core's chain walk.
    audit: Vec<AuditRecord>,
    /// Every audit request, in order.
    audit_requests: Vec<AuditPushRequest>,
    /// One entry per audit call; `None`: behave.
    audit_faults: VecDeque<Option<Fault>>,
}

impl Server {
    fn handle(&mut self, req: &SyncRequest, ignore_push: bool) -> SyncResponse {
        let mut results = Vec::new();
        if !ignore_push {
            for op in &req.push {
                let outcome = match self.answered.get(&op.op_id) {
                    Some(outcome) => outcome.clone(),
                    None => {
                        let outcome = self.decide(op);
                        *self.applied.entry(op.op_id.clone()).or_default() += 1;
                        self.answered.insert(op.op_id.clone(), outcome.clone());
                        outcome
                    }
                };
                results.push(OpResult {
                    op_id: op.op_id.clone(),
                    outcome,
                });
            }
        }
        let (epoch, position) = match &req.cursor {
            None => (self.epoch, 0),
            Some(c) => {
                let (e, p) = c.split_once(':').unwrap();
                (e.parse().unwrap(), p.parse().unwrap())
            }
        };
        let mut response = SyncResponse {
            protocol: 1,
            results,
            changes: Vec::new(),
            cursor: req.cursor.clone().unwrap_or_else(|| format!("{epoch}:0")),
            more: false,
            grants: self.grants.clone(),
            ended_units: self.ended_units.clone(),
            full_resync: false,
            server_time: Timestamp(self.now),
        };
        if epoch != self.epoch {
            response.full_resync = true;
            return response;
        }
        let end = (position + req.pull_limit as usize).min(self.log.len());
        response.changes = self.log[position..end].to_vec();
        response.cursor = format!("{}:{end}", self.epoch);
        response.more = end < self.log.len();
        response
    }

    fn decide(&mut self, op: &Operation) -> OpOutcome {
        if let Some(reason) = self.reject.get(&op.entity_id) {
            return OpOutcome::Rejected {
                reason: *reason,
                detail: "refused by the test server".into(),
            };
        }
        let mut stamp = op.stamp.clone();
        let mut clamped = None;
        if stamp.wall_ms > self.now + 60_000 {
            stamp.wall_ms = self.now + 60_000;
            clamped = Some(stamp.clone());
        }
        let mut winners = Vec::new();
        let mut written = Vec::new();
        for (field, item, value) in op.change.cells() {
            let key = (
                op.entity,
                op.entity_id.clone(),
                field.to_string(),
                item.to_string(),
            );
            match self.cells.get(&key) {
                Some((current, current_value)) if *current >= stamp => winners.push(Winner {
                    field: field.into(),
                    item_id: item.into(),
                    value: current_value.clone(),
                    stamp: current.clone(),
                    withheld: false,
                }),
                _ => written.push((field.to_string(), item.to_string(), value.clone())),
            }
        }
        self.record(op.entity, &op.entity_id, &op.unit_id, written, &stamp);
        if winners.is_empty() {
            OpOutcome::Applied { clamped }
        } else {
            OpOutcome::Superseded { winners, clamped }
        }
    }

    /// Stores cells that won and logs them as one change (fields) or one per item.
    fn record(
        &mut self,
        entity: EntityKind,
        entity_id: &str,
        unit_id: &str,
        written: Vec<(String, String, Value)>,
        stamp: &Hlc,
    ) {
        let mut fields = BTreeMap::new();
        for (field, item, value) in written {
            self.cells.insert(
                (entity, entity_id.into(), field.clone(), item.clone()),
                (stamp.clone(), value.clone()),
            );
            if item.is_empty() {
                fields.insert(field, value);
            } else {
                self.log.push(PulledChange {
                    entity,
                    entity_id: entity_id.into(),
                    unit_id: unit_id.into(),
                    change: Change::Item {
                        list: field,
                        item_id: item,
                        value,
                    },
                    stamp: stamp.clone(),
                });
            }
        }
        if !fields.is_empty() {
            self.log.push(PulledChange {
                entity,
                entity_id: entity_id.into(),
                unit_id: unit_id.into(),
                change: Change::Fields(fields),
                stamp: stamp.clone(),
            });
        }
    }

    /// A change made on another device (or the console), already on the server.
    fn seed(&mut self, entity: EntityKind, entity_id: &str, unit: &str, fields: Value, at: i64) {
        let stamp = Hlc {
            wall_ms: at,
            counter: 0,
            device: OTHER.into(),
        };
        let written = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), String::new(), v.clone()))
            .collect();
        self.record(entity, entity_id, unit, written, &stamp);
    }

    /// Tombstone retention ran out: a record's cells are gone from the server entirely and the
    /// log is compacted, so older cursors must start again from empty.
    fn forget_record(&mut self, entity_id: &str) {
        self.cells.retain(|(_, id, _, _), _| id != entity_id);
        let cells: Vec<_> = self
            .cells
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.log = cells
            .into_iter()
            .map(|((entity, id, field, item), (stamp, value))| PulledChange {
                entity,
                entity_id: id,
                unit_id: "ward-a".into(),
                change: if item.is_empty() {
                    Change::Fields([(field, value)].into())
                } else {
                    Change::Item {
                        list: field,
                        item_id: item,
                        value,
                    }
                },
                stamp,
            })
            .collect();
        self.epoch += 1;
    }

    fn value(&self, entity: EntityKind, id: &str, field: &str) -> Option<Value> {
        self.cells
            .get(&(entity, id.into(), field.into(), String::new()))
            .map(|(_, v)| v.clone())
    }

    fn items_of(&self, entity: EntityKind, id: &str, list: &str) -> Vec<Value> {
        self.cells
            .iter()
            .filter(|((e, i, f, item), _)| *e == entity && i == id && f == list && !item.is_empty())
            .map(|(_, (_, v))| v.clone())
            .collect()
    }
}

/// The fake server behind a [`Transport`].
struct FakeServer(Mutex<Server>);

impl FakeServer {
    fn new(grants: Vec<UnitGrant>) -> Self {
        FakeServer(Mutex::new(Server {
            now: SHIFT_START.0,
            grants,
            ..Server::default()
        }))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Server) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }

    fn requests(&self) -> Vec<SyncRequest> {
        self.with(|s| s.requests.clone())
    }
}

impl Transport for FakeServer {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        let mut s = self.0.lock().unwrap();
        s.enrolments.push(req.clone());
        if req.code != CODE {
            return Err(TransportError::Refused(ErrorBody {
                error: ErrorCode::EnrolmentRefused,
                message: "the code is unknown, used or expired".into(),
            }));
        }
        Ok(EnrollResponse {
            protocol: 1,
            device_token: TOKEN.into(),
            grants: s.grants.clone(),
            server_time: Timestamp(s.now),
        })
    }

    fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let mut s = self.0.lock().unwrap();
        s.requests.push(req.clone());
        req.validate().expect("the engine sends valid requests");
        assert!(req.push.len() <= steady_core::protocol::MAX_PUSH_OPS);
        if token != TOKEN {
            return Err(TransportError::Unauthorized);
        }
        if s.revoked {
            return Err(TransportError::Revoked);
        }
        if s.max_push.is_some_and(|max| req.push.len() > max) {
            return Err(TransportError::Refused(ErrorBody {
                error: ErrorCode::PayloadTooLarge,
                message: "the body is too large".into(),
            }));
        }
        match s.faults.pop_front().flatten() {
            Some(Fault::Fail(e)) => Err(e),
            Some(Fault::LoseAnswer) => {
                s.handle(req, false);
                Err(TransportError::Network("connection reset".into()))
            }
            Some(Fault::IgnorePush) => Ok(s.handle(req, true)),
            None => Ok(s.handle(req, false)),
        }
    }

    fn add_grants(
        &self,
        token: &str,
        req: &GrantsRequest,
    ) -> Result<GrantsResponse, TransportError> {
        add_grants(&mut self.0.lock().unwrap(), token, req)
    }

    fn push_audit(
        &self,
        token: &str,
        req: &AuditPushRequest,
    ) -> Result<AuditPushResponse, TransportError> {
        let mut s = self.0.lock().unwrap();
        s.audit_requests.push(req.clone());
        req.validate()
            .expect("the engine sends valid audit batches");
        assert!(req.events.len() <= steady_core::sync::AUDIT_BATCH);
        if token != TOKEN {
            return Err(TransportError::Unauthorized);
        }
        let fault = s.audit_faults.pop_front().flatten();
        if let Some(Fault::Fail(e)) = fault {
            return Err(e);
        }
        // As the real server does: held events must match, new ones must follow the chain.
        let mut walk = match s.audit.last() {
            Some(last) => ChainWalk::resume(last.event.seq, last.hash_bytes().unwrap(), true),
            None => ChainWalk::contiguous(),
        };
        let mut stored = 0;
        for record in &req.events {
            if let Some(held) = s.audit.get(record.event.seq as usize - 1) {
                assert_eq!(held, record, "a held event sent again unchanged");
                continue;
            }
            walk.step(&record.event, &record.hash_bytes().unwrap())
                .expect("the device's chain");
            s.audit.push(record.clone());
            stored += 1;
        }
        if let Some(Fault::LoseAnswer) = fault {
            return Err(TransportError::Network("connection reset".into()));
        }
        Ok(AuditPushResponse {
            protocol: 1,
            acknowledged: s.audit.len() as i64,
            stored,
        })
    }
}

impl FakeServer {
    /// Issues `code` for a further placement with `grants`.
    fn placement_code(&self, code: &str, grants: Vec<UnitGrant>) {
        self.with(|s| s.placement_codes.insert(code.into(), grants));
    }
}

/// The fake's `POST /v1/grants`, as the real server answers it: who asks is checked before the
/// code; the code's grants replace the device's in their units; the answer lists them all.
fn add_grants(
    s: &mut Server,
    token: &str,
    req: &GrantsRequest,
) -> Result<GrantsResponse, TransportError> {
    s.placements.push((token.to_string(), req.clone()));
    if token != TOKEN {
        return Err(TransportError::Unauthorized);
    }
    if s.revoked {
        return Err(TransportError::Revoked);
    }
    let Some(added) = s.placement_codes.remove(&req.code) else {
        return Err(TransportError::Refused(ErrorBody {
            error: ErrorCode::EnrolmentRefused,
            message: "the code is unknown, used or expired".into(),
        }));
    };
    for g in added {
        s.grants.retain(|held| held.unit_id != g.unit_id);
        s.ended_units.retain(|u| *u != g.unit_id);
        s.grants.push(g);
    }
    Ok(GrantsResponse {
        protocol: 1,
        grants: s.grants.clone(),
        ended_units: s.ended_units.clone(),
        server_time: Timestamp(s.now),
    })
}

/// Records the delays instead of sleeping.
#[derive(Default)]
struct RecordedSleeps(Mutex<Vec<Duration>>);

impl Sleeper for RecordedSleeps {
    fn sleep(&self, delay: Duration) {
        self.0.lock().unwrap().push(delay);
    }
}

fn options(max_attempts: u32) -> (SyncOptions, Arc<RecordedSleeps>) {
    let sleeps = Arc::new(RecordedSleeps::default());
    let options = SyncOptions {
        max_attempts,
        sleeper: sleeps.clone(),
        ..SyncOptions::default()
    };
    (options, sleeps)
}

fn ward_a_editor() -> Vec<UnitGrant> {
    vec![grant("ward-a", Role::Editor, false, None)]
}

/// A store enrolled with the fake server.
fn enrolled(server: &FakeServer) -> Fixture {
    let f = fixture();
    f.store.enroll(server, CODE).unwrap();
    f
}

fn pending(store: &Store) -> u32 {
    store.sync_status().unwrap().pending
}

fn person(store: &Store, unit: &str, name: &str) -> String {
    store
        .create_person(
            unit,
            NewPerson {
                display_name: name.into(),
                ..NewPerson::default()
            },
        )
        .unwrap()
}

#[test]
fn enrolment_stores_the_token_and_applies_the_grants() {
    let server = FakeServer::new(ward_a_editor());
    let f = fixture();
    assert!(matches!(f.store.sync(&server), Err(Error::NotEnrolled)));
    assert!(!f.store.sync_status().unwrap().enrolled);

    let refused = f.store.enroll(&server, "WRONG-CODE");
    assert!(matches!(refused, Err(Error::EnrolmentRefused(_))));
    assert!(
        f.store.units().unwrap().is_empty(),
        "nothing changes on a refusal"
    );

    let grants = f.store.enroll(&server, &format!("  {CODE} ")).unwrap();
    assert_eq!(grants, ward_a_editor());
    assert_eq!(f.store.units().unwrap()[0].grant.unit_id, "ward-a");
    assert!(f.store.sync_status().unwrap().enrolled);
    let sent = server.with(|s| s.enrolments.last().cloned().unwrap());
    assert_eq!(sent.device_id, f.store.device_id());
    assert_eq!(sent.device_label, "Alex Morgan, Support worker");

    // The token is used from now on.
    f.store.sync(&server).unwrap();
    let status = f.store.sync_status().unwrap();
    assert!(status.last_success_at.is_some() && status.last_error.is_none());
}

#[test]
fn a_large_outbox_goes_in_batches_and_leaves_only_as_results_arrive() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let id = person(&f.store, "ward-a", "Jordan Reyes");
    // Two and a half full batches.
    let batch = MAX_PUSH_OPS as u32;
    let n = 2 * batch + batch / 2;
    for i in 1..n {
        f.store
            .update_person(&id, None, Some(format!("J{i}")), None)
            .unwrap();
    }
    assert_eq!(pending(&f.store), n);

    /// Looks at the outbox each time a request leaves.
    struct Watching<'a> {
        server: &'a FakeServer,
        store: &'a Store,
        pending_at_send: Mutex<Vec<u32>>,
    }
    impl Transport for Watching<'_> {
        fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
            self.server.enroll(req)
        }
        fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
            self.pending_at_send
                .lock()
                .unwrap()
                .push(pending(self.store));
            self.server.sync(token, req)
        }
    }
    let watching = Watching {
        server: &server,
        store: &f.store,
        pending_at_send: Mutex::new(Vec::new()),
    };
    let report = f.store.sync(&watching).unwrap();

    let sizes: Vec<u32> = server
        .requests()
        .iter()
        .map(|r| r.push.len() as u32)
        .collect();
    assert_eq!(
        sizes,
        vec![batch, batch, batch / 2],
        "three requests for two and a half batches"
    );
    assert_eq!(
        *watching.pending_at_send.lock().unwrap(),
        vec![n, n - batch, batch / 2],
        "entries leave the outbox only when their results arrive"
    );
    let requests = server.requests();
    let pushed: Vec<&Operation> = requests.iter().flat_map(|r| &r.push).collect();
    assert!(
        pushed.windows(2).all(|w| w[0].stamp < w[1].stamp),
        "oldest first"
    );
    assert_eq!(report.requests, 3);
    assert_eq!((report.pushed, report.applied), (n, n));
    assert_eq!(
        report.pulled, n,
        "the device's own changes come back in the same trips"
    );
    assert_eq!(pending(&f.store), 0);
    assert_eq!(
        server.with(|s| s.value(EntityKind::Person, &id, "preferred_name")),
        Some(json!(format!("J{}", n - 1)))
    );
}

/// Edge of signal: the link drops any request carrying more than a quarter of a full batch (a
/// connection cut every few hundred kilobytes). The device halves its push at each cut rather
/// than sending the same batch again and again, every change reaches the server exactly once,
/// and the sync finishes.
#[test]
fn a_link_that_cuts_large_requests_gets_the_outbox_in_halves() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let id = person(&f.store, "ward-a", "Jordan Reyes");
    let n = MAX_PUSH_OPS as u32;
    for i in 1..n {
        f.store
            .update_person(&id, None, Some(format!("J{i}")), None)
            .unwrap();
    }
    let most = MAX_PUSH_OPS / 4;

    /// Drops every request pushing more than `most` operations, counting the drops.
    struct Cutting<'a> {
        server: &'a FakeServer,
        most: usize,
        cuts: Mutex<Vec<usize>>,
    }
    impl Transport for Cutting<'_> {
        fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
            self.server.enroll(req)
        }
        fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
            if req.push.len() > self.most {
                self.cuts.lock().unwrap().push(req.push.len());
                return Err(TransportError::Network("connection reset".into()));
            }
            self.server.sync(token, req)
        }
        fn push_audit(
            &self,
            token: &str,
            req: &AuditPushRequest,
        ) -> Result<AuditPushResponse, TransportError> {
            if req.events.len() > self.most {
                self.cuts.lock().unwrap().push(req.events.len());
                return Err(TransportError::Network("connection reset".into()));
            }
            self.server.push_audit(token, req)
        }
    }
    let cutting = Cutting {
        server: &server,
        most,
        cuts: Mutex::new(Vec::new()),
    };
    let options = SyncOptions {
        base_delay: Duration::ZERO,
        ..SyncOptions::default()
    };
    let options = SyncOptions {
        max_attempts: 10,
        ..options
    };
    let report = f.store.sync_with(&cutting, &options).unwrap();

    assert_eq!(
        cutting.cuts.lock().unwrap()[..2],
        [MAX_PUSH_OPS, MAX_PUSH_OPS / 2],
        "each cut halves the next try"
    );
    // The audit trail of those changes, cut the same way, is held once, whole.
    assert_eq!(report.audit_problem, None);
    let held = server.with(|s| s.audit.clone());
    assert_eq!(held.len() as u64, f.store.verify_audit_trail().unwrap());
    assert!(
        held.windows(2)
            .all(|w| w[0].event.seq + 1 == w[1].event.seq)
    );
    let sizes: Vec<usize> = server.requests().iter().map(|r| r.push.len()).collect();
    assert!(sizes.iter().all(|&s| s <= most), "{sizes:?}");
    assert_eq!(
        sizes.iter().sum::<usize>(),
        n as usize,
        "every change sent once"
    );
    assert_eq!((report.pushed, report.applied), (n, n));
    assert_eq!(pending(&f.store), 0);
    assert_eq!(
        server.with(|s| s.value(EntityKind::Person, &id, "preferred_name")),
        Some(json!(format!("J{}", n - 1)))
    );
}

#[test]
fn a_body_too_large_is_split_and_a_change_that_can_never_fit_is_quarantined() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let id = person(&f.store, "ward-a", "Jordan Reyes");
    for i in 1..5 {
        f.store
            .update_person(&id, None, Some(format!("J{i}")), None)
            .unwrap();
    }
    server.with(|s| s.max_push = Some(2));
    f.store.sync(&server).unwrap();
    let sizes: Vec<usize> = server.requests().iter().map(|r| r.push.len()).collect();
    assert_eq!(sizes, vec![5, 2, 2, 1]);
    assert_eq!(pending(&f.store), 0);

    f.store
        .update_person(&id, None, Some("Jordan".into()), None)
        .unwrap();
    server.with(|s| s.max_push = Some(0));
    f.store.sync(&server).unwrap();
    let held = f.store.quarantined_operations().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].reason, "too_large");
    assert_eq!(pending(&f.store), 0, "the rest of the queue is not blocked");
}

#[test]
fn a_lost_answer_means_the_same_changes_are_pushed_again_and_applied_once() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "ward-a");
    let queued = pending(&f.store);
    assert!(queued > 5);

    // The server applies the push, then the connection drops: nothing leaves the outbox.
    server.with(|s| s.faults.push_back(Some(Fault::LoseAnswer)));
    let (one_try, _) = options(1);
    assert!(matches!(
        f.store.sync_with(&server, &one_try),
        Err(Error::Network(_))
    ));
    assert_eq!(pending(&f.store), queued);
    assert!(f.store.sync_status().unwrap().last_error.is_some());

    // Next time the very same op ids go again; the server answers them from memory.
    f.store.sync(&server).unwrap();
    let requests = server.requests();
    let ids = |r: &SyncRequest| r.push.iter().map(|op| op.op_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&requests[0]), ids(&requests[1]));
    assert_eq!(pending(&f.store), 0);
    assert!(server.with(|s| s.applied.values().all(|n| *n == 1)));

    // Within one sync, a retry after a lost answer does the same.
    f.store
        .add_sheet_item(&sam_id, SheetList::WhatHelps, "A quiet room", None)
        .unwrap();
    server.with(|s| s.faults.push_back(Some(Fault::LoseAnswer)));
    let (retrying, sleeps) = options(3);
    let report = f.store.sync_with(&server, &retrying).unwrap();
    assert_eq!((report.requests, report.retries), (2, 1));
    assert_eq!(sleeps.0.lock().unwrap().len(), 1);
    assert_eq!(pending(&f.store), 0);
    assert!(server.with(|s| s.applied.values().all(|n| *n == 1)));
    assert_eq!(
        server.with(|s| s
            .items_of(EntityKind::Sheet, &sam_id, SheetList::WhatHelps.key())
            .len()),
        3
    );
}

#[test]
fn a_refused_change_is_quarantined_with_its_reason_and_the_rest_go_through() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let refused = person(&f.store, "ward-a", "Casey Quinn");
    let accepted = person(&f.store, "ward-a", "Robin Adeyemi");
    f.store
        .add_safety_alert(&refused, "Allergic to latex", None)
        .unwrap();
    server.with(|s| {
        s.reject.insert(refused.clone(), RejectReason::Role);
    });

    let report = f.store.sync(&server).unwrap();
    assert_eq!((report.applied, report.quarantined), (1, 2));
    let status = f.store.sync_status().unwrap();
    assert_eq!((status.pending, status.quarantined), (0, 2));
    let held = f.store.quarantined_operations().unwrap();
    assert_eq!(held.len(), 2);
    assert!(held.iter().all(|q| q.entity_id == refused
        && q.entity == EntityKind::Person
        && q.unit_id == "ward-a"
        && q.reason == "role"
        && q.detail == "refused by the test server"));
    assert!(server.with(|s| {
        s.value(EntityKind::Person, &accepted, "display_name")
            .is_some()
    }));
    // The local value stays, flagged, until the user decides.
    assert_eq!(
        f.store.person(&refused).unwrap().display_name,
        "Casey Quinn"
    );

    // Quarantined changes never block the queue and are not sent again.
    f.store
        .update_person(&accepted, None, Some("Robin".into()), None)
        .unwrap();
    f.store.sync(&server).unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.push.len(), 1);
    assert_eq!(last.push[0].entity_id, accepted);

    // Discarding gives the change up: the record only this device had goes, and the next sync
    // pulls from the start so every reverted field takes the server's value again.
    for q in held {
        f.store.discard_quarantined(&q.op_id).unwrap();
    }
    assert!(matches!(
        f.store.discard_quarantined("no-such-op"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        f.store.person(&refused),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(f.store.sync_status().unwrap().quarantined, 0);
    f.store.sync(&server).unwrap();
    assert_eq!(server.requests().pop().unwrap().cursor, None);
    assert_eq!(
        f.store.person(&accepted).unwrap().preferred_name.as_deref(),
        Some("Robin")
    );
}

#[test]
fn an_edit_that_lost_is_kept_as_a_conflict_and_the_winner_shows() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let id = person(&f.store, "ward-a", "Samuel Okafor");
    f.store.sync(&server).unwrap();

    // Offline, this device renames; meanwhile a colleague's later edit reached the server.
    f.clock.advance_minutes(1);
    f.store
        .update_person(&id, None, Some("Sam O".into()), None)
        .unwrap();
    server.with(|s| {
        s.now = SHIFT_START.plus_minutes(30).0;
        s.seed(
            EntityKind::Person,
            &id,
            "ward-a",
            json!({ "preferred_name": "Sammy" }),
            SHIFT_START.plus_minutes(10).0,
        )
    });

    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.superseded, 1);
    assert_eq!(pending(&f.store), 0, "answered, so it left the outbox");
    let conflicts = f.store.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(
        (c.entity, c.entity_id.as_str(), c.unit_id.as_str()),
        (EntityKind::Person, id.as_str(), "ward-a")
    );
    assert_eq!(
        (c.field.as_str(), c.item_id.as_str()),
        ("preferred_name", "")
    );
    assert_eq!(c.my_value, json!("Sam O"));
    assert_eq!(c.winning_value, json!("Sammy"));
    assert_eq!(c.winning_stamp.device, OTHER);
    assert_eq!(
        f.store.person(&id).unwrap().preferred_name.as_deref(),
        Some("Sammy")
    );
    assert_eq!(f.store.sync_status().unwrap().conflicts, 1);

    f.store.dismiss_conflict(c.id).unwrap();
    assert!(f.store.conflicts().unwrap().is_empty());
    assert!(matches!(
        f.store.dismiss_conflict(c.id),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn a_fast_clock_is_clamped_and_the_local_copy_follows() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    // This phone's clock runs a day fast.
    f.clock.advance_days(1);
    let id = person(&f.store, "ward-a", "Ali Hassan");
    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.applied, 1);
    let answered = server.with(|s| s.answered.values().next().cloned().unwrap());
    assert!(matches!(answered, OpOutcome::Applied { clamped: Some(_) }));

    // A colleague corrects the name five minutes later (real time). The server takes it; so
    // must this device, though its own stamp said "tomorrow".
    server.with(|s| {
        s.seed(
            EntityKind::Person,
            &id,
            "ward-a",
            json!({ "display_name": "Ali Hassan (Ward A)" }),
            SHIFT_START.plus_minutes(5).0,
        )
    });
    f.store.sync(&server).unwrap();
    assert_eq!(
        f.store.person(&id).unwrap().display_name,
        "Ali Hassan (Ward A)"
    );
}

#[test]
fn an_ended_placement_pushes_its_last_changes_then_leaves_the_device() {
    let server = FakeServer::new(vec![
        grant("ward-a", Role::Editor, false, None),
        grant("home-b", Role::Editor, false, None),
    ]);
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "home-b");
    f.store.sync(&server).unwrap();
    let incident = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "home-b".into(),
            note: "Sam shouted at a visitor, settled with a walk".into(),
            person_id: Some(sam_id.clone()),
            ..QuickCapture::default()
        })
        .unwrap();

    // The placement has ended on the server. Its clock and the phone's disagree, so the grant
    // it sends still looks open here; being listed as ended is what counts.
    server.with(|s| {
        s.grants[1].ends_at = Some(SHIFT_START.plus_minutes(60));
        s.ended_units = vec!["home-b".into()];
    });
    let report = f.store.sync(&server).unwrap();

    let first = &server.requests()[1];
    assert!(
        first.push.iter().any(|op| op.entity_id == incident),
        "pushed first"
    );
    assert!(server.with(|s| s.value(EntityKind::Incident, &incident, "note").is_some()));
    assert_eq!(report.purged_units, vec!["home-b".to_string()]);
    let units: Vec<String> = f
        .store
        .units()
        .unwrap()
        .into_iter()
        .map(|u| u.grant.unit_id)
        .collect();
    assert_eq!(units, vec!["ward-a".to_string()]);
    assert!(matches!(
        f.store.incident(&incident),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        f.store.amber_card(&sam_id),
        Err(Error::NotFound { .. })
    ));
    assert!(f.store.search_people("Sam", 10).unwrap().is_empty());
    assert_eq!(pending(&f.store), 0);
}

#[test]
fn a_revoked_device_wipes_its_contents() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "ward-a");
    f.store.sync(&server).unwrap();
    f.store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "Not yet sent".into(),
            ..QuickCapture::default()
        })
        .unwrap();

    server.with(|s| s.revoked = true);
    assert!(matches!(f.store.sync(&server), Err(Error::Revoked)));
    assert!(f.store.units().unwrap().is_empty());
    assert!(matches!(
        f.store.amber_card(&sam_id),
        Err(Error::NotFound { .. })
    ));
    assert!(f.store.search_people("Sam", 10).unwrap().is_empty());
    let status = f.store.sync_status().unwrap();
    assert!(!status.enrolled);
    assert_eq!(
        (status.pending, status.quarantined, status.conflicts),
        (0, 0, 0)
    );
    assert_eq!(f.store.staff_member().name, "");
    assert!(matches!(f.store.sync(&server), Err(Error::NotEnrolled)));

    // The app then deletes the file (and the key).
    let path = f.path();
    let Fixture { store, dir, .. } = f;
    store.wipe().unwrap();
    assert!(!path.exists());
    drop(dir);
}

#[test]
fn transient_failures_are_retried_with_jittered_backoff_within_max_attempts() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    person(&f.store, "ward-a", "Jamie Fox");

    // 503, a dropped connection, then 429 asking for two seconds: the fourth try goes through.
    server.with(|s| {
        s.faults.extend([
            Some(Fault::Fail(TransportError::Server {
                status: 503,
                retry_after: None,
            })),
            Some(Fault::Fail(TransportError::Network("reset".into()))),
            Some(Fault::Fail(TransportError::Server {
                status: 429,
                retry_after: Some(Duration::from_secs(2)),
            })),
        ])
    });
    let (five, sleeps) = options(5);
    let report = f.store.sync_with(&server, &five).unwrap();
    assert_eq!((report.requests, report.retries), (4, 3));
    let delays = sleeps.0.lock().unwrap().clone();
    assert_eq!(delays.len(), 3);
    assert!(delays[0] <= Duration::from_millis(250), "{delays:?}");
    assert!(delays[1] <= Duration::from_millis(500), "{delays:?}");
    assert!(delays[2] >= Duration::from_secs(2) && delays[2] <= Duration::from_secs(30));
    assert_eq!(pending(&f.store), 0);

    // Always failing: exactly max_attempts tries, then the error is returned and kept.
    person(&f.store, "ward-a", "Morgan Lee");
    let before = server.requests().len();
    server.with(|s| {
        s.faults
            .extend((0..10).map(|_| Some(Fault::Fail(TransportError::Network("no route".into())))))
    });
    let (three, sleeps) = options(3);
    assert!(matches!(
        f.store.sync_with(&server, &three),
        Err(Error::Network(_))
    ));
    assert_eq!(server.requests().len() - before, 3);
    assert_eq!(sleeps.0.lock().unwrap().len(), 2);
    let status = f.store.sync_status().unwrap();
    assert!(status.last_error.unwrap().contains("no route"));
    assert_eq!(status.pending, 1, "nothing lost");

    // A Retry-After beyond the cap ends this sync at once instead of sleeping for minutes.
    server.with(|s| {
        s.faults.clear();
        s.faults.push_back(Some(Fault::Fail(TransportError::Server {
            status: 429,
            retry_after: Some(Duration::from_secs(120)),
        })))
    });
    let before = server.requests().len();
    let (five, sleeps) = options(5);
    assert!(matches!(
        f.store.sync_with(&server, &five),
        Err(Error::Network(_))
    ));
    assert_eq!(server.requests().len() - before, 1);
    assert!(sleeps.0.lock().unwrap().is_empty());

    // A refusal is not retried.
    server.with(|s| {
        s.faults
            .push_back(Some(Fault::Fail(TransportError::Refused(ErrorBody {
                error: ErrorCode::BadRequest,
                message: "push[0].stamp: bad".into(),
            }))))
    });
    let before = server.requests().len();
    assert!(matches!(
        f.store.sync_with(&server, &five),
        Err(Error::SyncRefused(_))
    ));
    assert_eq!(server.requests().len() - before, 1);

    // Then all is well again.
    f.store.sync_with(&server, &five).unwrap();
    assert_eq!(pending(&f.store), 0);
    assert!(f.store.sync_status().unwrap().last_error.is_none());
}

#[test]
fn a_full_resync_drops_what_the_server_forgot_and_keeps_pending_edits() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "ward-a");
    server.with(|s| {
        s.seed(
            EntityKind::Person,
            "person-gone",
            "ward-a",
            json!({ "display_name": "Taylor Gone" }),
            SHIFT_START.0,
        )
    });
    f.store.sync(&server).unwrap();
    assert_eq!(
        f.store.person("person-gone").unwrap().display_name,
        "Taylor Gone"
    );

    // The person was removed on the server long ago and the tombstone has been forgotten; this
    // device missed it. Its cursor is now too old.
    server.with(|s| s.forget_record("person-gone"));
    f.store
        .add_sheet_item(&sam_id, SheetList::WarningSigns, "Covering his ears", None)
        .unwrap();

    // First try: the server asks for a resync without answering the edit (so the edit is among
    // the cells marked for the re-pull), and the re-pull is cut off.
    server.with(|s| {
        s.faults.extend([
            Some(Fault::IgnorePush),
            Some(Fault::Fail(TransportError::Network("lost signal".into()))),
        ])
    });
    let (one_try, _) = options(1);
    assert!(f.store.sync_with(&server, &one_try).is_err());
    let status = f.store.sync_status().unwrap();
    assert!(status.resyncing);
    assert_eq!(status.pending, 1);
    // Mid-resync, offline, everything is still readable (nothing was dropped up front).
    let card = f.store.amber_card(&sam_id).unwrap();
    assert!(texts(&card.warning_signs).contains(&"Covering his ears"));
    assert!(f.store.person("person-gone").is_ok());

    // A new edit while the resync is under way; again no answer comes back for either.
    f.store
        .add_sheet_item(
            &sam_id,
            SheetList::WhatHelps,
            "Noise-cancelling headphones",
            None,
        )
        .unwrap();
    server.with(|s| s.faults.push_back(Some(Fault::IgnorePush)));
    let before = server.requests().len();
    let report = f.store.sync(&server).unwrap();
    assert!(report.full_resync);
    assert_eq!(
        server.requests()[before].cursor,
        None,
        "the re-pull starts from empty"
    );
    // The forgotten person is gone; the unanswered edits, which the server has never seen, stay.
    assert!(matches!(
        f.store.person("person-gone"),
        Err(Error::NotFound { .. })
    ));
    assert!(f.store.search_people("Taylor", 10).unwrap().is_empty());
    let status = f.store.sync_status().unwrap();
    assert!(!status.resyncing);
    assert_eq!(status.pending, 2);
    let card = f.store.amber_card(&sam_id).unwrap();
    assert!(texts(&card.what_helps).contains(&"Noise-cancelling headphones"));
    assert!(texts(&card.warning_signs).contains(&"Covering his ears"));
    assert_eq!(card.safety_alerts.len(), 1);

    // And they still get pushed.
    f.store.sync(&server).unwrap();
    assert_eq!(pending(&f.store), 0);
    let helps = server.with(|s| s.items_of(EntityKind::Sheet, &sam_id, SheetList::WhatHelps.key()));
    assert!(
        helps
            .iter()
            .any(|v| v["text"] == "Noise-cancelling headphones")
    );
    let signs =
        server.with(|s| s.items_of(EntityKind::Sheet, &sam_id, SheetList::WarningSigns.key()));
    assert!(signs.iter().any(|v| v["text"] == "Covering his ears"));
}

#[test]
fn the_cursor_is_saved_with_each_page() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    server.with(|s| {
        for i in 0..PULL_LIMIT + 1500 {
            s.seed(
                EntityKind::Guidance,
                &format!("card-{i:04}"),
                "ward-a",
                json!({ "title": format!("Card {i}"), "body": "Synthetic guidance" }),
                SHIFT_START.0,
            );
        }
        s.faults.extend([
            None,
            Some(Fault::Fail(TransportError::Network("lost signal".into()))),
        ]);
    });
    let (one_try, _) = options(1);
    assert!(f.store.sync_with(&server, &one_try).is_err());
    assert_eq!(
        f.store.guidance_cards("ward-a").unwrap().len(),
        PULL_LIMIT as usize,
        "page 1 kept"
    );

    let report = f.store.sync(&server).unwrap();
    let requests = server.requests();
    assert_eq!(
        requests[2].cursor.as_deref(),
        Some(format!("0:{PULL_LIMIT}").as_str()),
        "resumes after page 1"
    );
    assert_eq!(report.pulled, 1500);
    assert_eq!(report.requests, 1, "the rest fits one page");
    assert_eq!(
        f.store.guidance_cards("ward-a").unwrap().len(),
        PULL_LIMIT as usize + 1500
    );
}

#[test]
fn plain_http_to_another_host_is_refused_before_any_request() {
    for url in ["http://sync.example.org", "http://192.168.1.10:8080"] {
        assert!(matches!(
            HttpTransport::new(url),
            Err(Error::Validation { ref field, .. }) if field == "server_url"
        ));
    }
    assert!(HttpTransport::new("http://127.0.0.1:8080").is_ok());
    assert!(HttpTransport::new("https://sync.example.org").is_ok());
}

/// Status, extra headers and body of one scripted HTTP answer.
type CannedAnswer = (u16, Vec<(&'static str, String)>, String);

/// A one-request-at-a-time HTTP server on loopback that answers from a script and records what
/// it was sent.
fn canned_server(answers: Vec<CannedAnswer>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, headers, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).unwrap();
            seen.push(head);
            let mut answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                answer.push_str(&format!("{name}: {value}\r\n"));
            }
            answer.push_str("\r\n");
            answer.push_str(&body);
            stream.write_all(answer.as_bytes()).unwrap();
        }
        seen
    });
    (url, handle)
}

#[test]
fn http_transport_sorts_the_servers_answers() {
    let ok = serde_json::to_string(&SyncResponse {
        protocol: 1,
        results: vec![],
        changes: vec![],
        cursor: "0:0".into(),
        more: false,
        grants: ward_a_editor(),
        ended_units: vec![],
        full_resync: false,
        server_time: SHIFT_START,
    })
    .unwrap();
    let error = |code: &str| format!(r#"{{"error":"{code}","message":"m"}}"#);
    let (url, server) = canned_server(vec![
        (200, vec![], ok),
        (403, vec![], error("device_revoked")),
        (401, vec![], error("unauthorized")),
        (
            429,
            vec![("retry-after", "3".into())],
            error("rate_limited"),
        ),
        (503, vec![], String::new()),
        (403, vec![], error("enrolment_refused")),
    ]);
    let transport = HttpTransport::new(&url).unwrap();
    let request = SyncRequest {
        protocol: 1,
        cursor: None,
        push: vec![],
        pull_limit: 1000,
    };
    let answer = transport.sync(TOKEN, &request).unwrap();
    assert_eq!(answer.grants, ward_a_editor());
    // A large body (here a long cursor) travels gzip-compressed; the small one above did not.
    let large = SyncRequest {
        cursor: Some("v1:".to_string() + &"ward-a=1,".repeat(500)),
        ..request.clone()
    };
    assert_eq!(transport.sync(TOKEN, &large), Err(TransportError::Revoked));
    assert_eq!(
        transport.sync(TOKEN, &request),
        Err(TransportError::Unauthorized)
    );
    assert_eq!(
        transport.sync(TOKEN, &request),
        Err(TransportError::Server {
            status: 429,
            retry_after: Some(Duration::from_secs(3))
        })
    );
    assert!(transport.sync(TOKEN, &request).unwrap_err().is_transient());
    let enrol = transport.enroll(&EnrollRequest {
        protocol: 1,
        code: "WRONG".into(),
        device_id: "dev".into(),
        device_label: "Unnamed device".into(),
        staff_name: None,
        staff_job_title: None,
    });
    assert!(matches!(
        enrol,
        Err(TransportError::Refused(ErrorBody {
            error: ErrorCode::EnrolmentRefused,
            ..
        }))
    ));

    let seen = server.join().unwrap();
    assert!(seen[0].starts_with("POST /v1/sync "));
    assert!(
        seen[0]
            .to_ascii_lowercase()
            .contains(&format!("authorization: bearer {TOKEN}"))
    );
    assert!(
        seen[0]
            .to_ascii_lowercase()
            .contains("accept-encoding: gzip")
    );
    assert!(
        !seen[0]
            .to_ascii_lowercase()
            .contains("content-encoding: gzip")
    );
    assert!(
        seen[1]
            .to_ascii_lowercase()
            .contains("content-encoding: gzip")
    );
    assert!(seen[5].starts_with("POST /v1/enroll "));
    assert!(!seen[5].to_ascii_lowercase().contains("authorization"));
}

#[test]
fn one_bad_stored_value_never_makes_a_units_incidents_unreadable() {
    // Written by an older server that did not check values (or by anything that got past it):
    // an addendum without its author, tags that are not tags, beside a good addendum.
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let good = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "Synthetic: shouting, settled with space".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    f.store.sync(&server).unwrap();
    let stamp = |counter: u32| Hlc {
        wall_ms: SHIFT_START.0,
        counter,
        device: OTHER.into(),
    };
    let pulled = |change: Change, counter: u32| PulledChange {
        entity: EntityKind::Incident,
        entity_id: "inc-old".into(),
        unit_id: "ward-a".into(),
        change,
        stamp: stamp(counter),
    };
    server.with(|s| {
        s.log.push(pulled(
            Change::Fields(BTreeMap::from([
                ("note".to_string(), json!("Synthetic: older record")),
                ("status".to_string(), json!("submitted")),
                ("tags".to_string(), json!(5)),
            ])),
            1,
        ));
        s.log.push(pulled(
            Change::Item {
                list: "addenda".into(),
                item_id: "bad".into(),
                value: json!({"pos": 1.0, "text": "no author, no time"}),
            },
            2,
        ));
        s.log.push(pulled(
            Change::Item {
                list: "addenda".into(),
                item_id: "good".into(),
                value: json!({"pos": 2.0, "author": "Synthetic Nurse", "job_title": "Nurse",
                              "at": SHIFT_START.0, "reason": "Time corrected", "text": "At 14:05"}),
            },
            3,
        ));
    });
    f.store.sync(&server).unwrap();

    let listed: Vec<String> = f
        .store
        .incidents("ward-a")
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.contains(&good) && listed.contains(&"inc-old".to_string()));
    let old = f.store.incident("inc-old").unwrap();
    assert_eq!(old.note, "Synthetic: older record");
    assert_eq!(old.addenda.len(), 1);
    assert_eq!(old.addenda[0].id, "good");
    assert!(old.tags.is_empty());
    assert_eq!(
        old.unreadable,
        vec!["addenda/bad".to_string(), "tags".to_string()]
    );
    assert!(f.store.incident(&good).unwrap().unreadable.is_empty());
}

/// The OS stops background work mid-sync (WorkManager's `onStopped`, a BGTask expiring): the
/// sync ends before its next request, what the server answered is kept, nothing is pushed
/// twice, and the next sync finishes the job. An interrupt never reaches a later sync.
#[test]
fn an_interrupted_sync_keeps_what_was_answered_and_the_next_one_finishes() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let id = person(&f.store, "ward-a", "Jordan Reyes");
    // A batch and a half.
    let n = MAX_PUSH_OPS as u32 * 3 / 2;
    for i in 1..n {
        f.store
            .update_person(&id, None, Some(format!("J{i}")), None)
            .unwrap();
    }
    assert_eq!(pending(&f.store), n);

    /// Raises the interrupt as the first request leaves, as the scheduler would mid-request.
    struct StopDuringFirst<'a> {
        server: &'a FakeServer,
        store: &'a Store,
    }
    impl Transport for StopDuringFirst<'_> {
        fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
            self.server.enroll(req)
        }
        fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
            self.store.interrupt_sync();
            self.server.sync(token, req)
        }
    }
    let before = server.requests().len();
    let outcome = f.store.sync(&StopDuringFirst {
        server: &server,
        store: &f.store,
    });
    assert!(matches!(outcome, Err(Error::Interrupted)), "{outcome:?}");
    assert_eq!(
        server.requests().len() - before,
        1,
        "no request after the interrupt"
    );
    let left = pending(&f.store);
    assert_eq!(
        left,
        n - MAX_PUSH_OPS as u32,
        "the answered batch left the outbox"
    );
    let status = f.store.sync_status().unwrap();
    assert_eq!(status.last_problem, None, "an interrupt is not a failure");

    // An interrupt raised with no sync running does not stop the next one.
    f.store.interrupt_sync();
    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.pushed, left);
    assert_eq!(pending(&f.store), 0);
    let pushed: usize = server.requests().iter().map(|r| r.push.len()).sum();
    assert_eq!(pushed, n as usize, "every change pushed exactly once");
}

/// An interrupt during a retry's wait ends the wait at once, not after it.
#[test]
fn an_interrupt_wakes_a_sync_waiting_to_retry() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    person(&f.store, "ward-a", "Jamie Fox");
    server.with(|s| {
        s.faults.extend((0..5).map(|_| {
            Some(Fault::Fail(TransportError::Server {
                status: 429,
                retry_after: Some(Duration::from_secs(20)),
            }))
        }))
    });
    let started = std::time::Instant::now();
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            f.store.interrupt_sync();
        });
        f.store.sync(&server)
    });
    assert!(matches!(outcome, Err(Error::Interrupted)), "{outcome:?}");
    // Far less than the 20 s the server asked for (a wide margin: this is not a timing test).
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(pending(&f.store), 1, "the change waits for the next sync");
}

/// What a sync brings is announced once per committed page, naming each record and any
/// unit whose access changed; the app reloads just those.
#[test]
fn a_sync_tells_the_listeners_what_it_changed() {
    use steady_core::changes::{ChangeListener, StoreChange};
    #[derive(Default)]
    struct Heard(Mutex<Vec<StoreChange>>);
    impl ChangeListener for Heard {
        fn on_change(&self, change: &StoreChange) {
            self.0.lock().unwrap().push(change.clone());
        }
    }

    let server = FakeServer::new(ward_a_editor());
    let f = fixture();
    let heard = Arc::new(Heard::default());
    let subscription = f.store.subscribe(heard.clone());
    f.store.enroll(&server, CODE).unwrap();
    let access: Vec<String> = heard
        .0
        .lock()
        .unwrap()
        .iter()
        .flat_map(|c| c.units_with_new_access.clone())
        .collect();
    assert_eq!(
        access,
        vec!["ward-a".to_string()],
        "enrolment grants ward-a"
    );

    // Another device's person arrives with the next sync.
    let other = enrolled(&server);
    let remote = person(&other.store, "ward-a", "Robin Shah");
    other.store.sync(&server).unwrap();
    heard.0.lock().unwrap().clear();
    f.store.sync(&server).unwrap();
    let changes = heard.0.lock().unwrap().clone();
    assert!(
        changes
            .iter()
            .any(|c| c.touches(EntityKind::Person, &remote)),
        "{changes:?}"
    );
    assert!(
        changes.iter().any(|c| c.sync_status),
        "the status line moves"
    );
    // A sync with nothing new names no record and no unit: only the status line moves.
    heard.0.lock().unwrap().clear();
    f.store.sync(&server).unwrap();
    let changes = heard.0.lock().unwrap().clone();
    assert!(
        changes
            .iter()
            .all(|c| c.records.is_empty() && c.units_with_new_access.is_empty() && c.sync_status),
        "{changes:?}"
    );

    assert!(f.store.unsubscribe(subscription));
    heard.0.lock().unwrap().clear();
    person(&f.store, "ward-a", "Jo Park");
    assert!(
        heard.0.lock().unwrap().is_empty(),
        "no calls after unsubscribing"
    );
}

// ---- a further placement on an enrolled device ----------------------------------------------

/// Collects what the change listeners hear.
#[derive(Default)]
struct HeardChanges(Mutex<Vec<steady_core::changes::StoreChange>>);

impl steady_core::changes::ChangeListener for HeardChanges {
    fn on_change(&self, change: &steady_core::changes::StoreChange) {
        self.0.lock().unwrap().push(change.clone());
    }
}

impl HeardChanges {
    fn units(&self) -> Vec<String> {
        let mut units: Vec<String> = self
            .0
            .lock()
            .unwrap()
            .drain(..)
            .flat_map(|c| c.units_with_new_access)
            .collect();
        units.sort();
        units.dedup();
        units
    }
}

fn unit_ids(store: &Store) -> Vec<String> {
    let mut units: Vec<String> = store
        .units()
        .unwrap()
        .into_iter()
        .map(|u| u.grant.unit_id)
        .collect();
    units.sort();
    units
}

#[test]
fn an_enrolled_device_adds_its_next_placement_without_signing_out() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "ward-a");
    f.store.sync(&server).unwrap();
    let heard = Arc::new(HeardChanges::default());
    f.store.subscribe(heard.clone());

    // A second unit at once, from a code a lead of that unit issued.
    let home_b = grant(
        "home-b",
        Role::Editor,
        false,
        Some(SHIFT_START.plus_days(14)),
    );
    server.placement_code("PLACE-B2", vec![home_b.clone()]);
    let grants = f.store.add_placement(&server, "  PLACE-B2 ").unwrap();
    assert_eq!(grants, vec![ward_a_editor()[0].clone(), home_b.clone()]);
    assert_eq!(unit_ids(&f.store), ["home-b", "ward-a"]);
    assert_eq!(
        heard.units(),
        ["home-b"],
        "only the new unit's access changed"
    );
    let (token, sent) = server.with(|s| s.placements.last().cloned().unwrap());
    assert_eq!(token, TOKEN, "redeemed with the device's own token");
    assert_eq!(sent.device_id, f.store.device_id());
    assert_eq!(sent.code, "PLACE-B2");

    // Still enrolled, with the same token: nothing was wiped, and both units sync.
    assert!(f.store.sync_status().unwrap().enrolled);
    assert!(f.store.amber_card(&sam_id).is_ok());
    let robin = person(&f.store, "home-b", "Robin Shah");
    f.store.sync(&server).unwrap();
    assert!(server.with(|s| {
        s.value(EntityKind::Person, &robin, "display_name")
            .is_some()
    }));
    assert_eq!(pending(&f.store), 0);

    // Single use: the same code again is refused, and changes nothing.
    assert!(matches!(
        f.store.add_placement(&server, "PLACE-B2"),
        Err(Error::EnrolmentRefused(_))
    ));
    assert_eq!(unit_ids(&f.store), ["home-b", "ward-a"]);

    // A code for a unit held already replaces that grant: a new role and an end.
    let ends = SHIFT_START.plus_days(3);
    server.placement_code(
        "PLACE-A2",
        vec![grant("ward-a", Role::Reader, false, Some(ends))],
    );
    f.store.add_placement(&server, "PLACE-A2").unwrap();
    let ward_a = f
        .store
        .units()
        .unwrap()
        .into_iter()
        .find(|u| u.grant.unit_id == "ward-a")
        .unwrap();
    assert_eq!(
        (ward_a.grant.role, ward_a.grant.ends_at),
        (Role::Reader, Some(ends))
    );
    assert_eq!(heard.units(), ["ward-a"]);
    assert!(matches!(
        f.store
            .update_person(&sam_id, None, Some("Sammy".into()), None),
        Err(Error::NotAllowed(
            steady_core::error::Refusal::RoleTooLow { .. }
        ))
    ));
}

#[test]
fn a_refused_placement_code_changes_nothing_and_a_revoked_device_is_wiped() {
    let server = FakeServer::new(ward_a_editor());
    // Not enrolled: nothing is sent.
    let fresh = fixture();
    assert!(matches!(
        fresh.store.add_placement(&server, "PLACE-B"),
        Err(Error::NotEnrolled)
    ));
    assert!(server.with(|s| s.placements.is_empty()));

    let f = enrolled(&server);
    assert!(matches!(
        f.store.add_placement(&server, "   "),
        Err(Error::Validation { ref field, .. }) if field == "code"
    ));
    let heard = Arc::new(HeardChanges::default());
    f.store.subscribe(heard.clone());
    assert!(matches!(
        f.store.add_placement(&server, "WRONG-CODE"),
        Err(Error::EnrolmentRefused(_))
    ));
    assert_eq!(unit_ids(&f.store), ["ward-a"]);
    assert!(heard.units().is_empty(), "a refusal tells nobody of access");
    assert!(f.store.sync_status().unwrap().enrolled);

    // A revoked device is wiped, as a sync would wipe it; the code stays unused.
    server.placement_code("PLACE-B", vec![grant("home-b", Role::Editor, false, None)]);
    server.with(|s| s.revoked = true);
    assert!(matches!(
        f.store.add_placement(&server, "PLACE-B"),
        Err(Error::Revoked)
    ));
    assert!(f.store.units().unwrap().is_empty());
    assert!(!f.store.sync_status().unwrap().enrolled);
    assert!(server.with(|s| s.placement_codes.contains_key("PLACE-B")));
}

#[test]
fn a_unit_held_before_and_purged_is_pulled_again_from_the_start() {
    let server = FakeServer::new(vec![
        grant("ward-a", Role::Editor, false, None),
        grant("home-b", Role::Editor, false, None),
    ]);
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "home-b");
    f.store.sync(&server).unwrap();
    // The first placement in home-b ends and leaves the phone.
    server.with(|s| {
        s.grants.retain(|g| g.unit_id != "home-b");
        s.ended_units = vec!["home-b".into()];
    });
    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.purged_units, ["home-b"]);
    assert!(f.store.amber_card(&sam_id).is_err());

    // Weeks later the worker is placed there again. Its cursor had moved past Sam's history,
    // so the next sync starts again from empty and Sam comes back.
    server.placement_code("PLACE-B", vec![grant("home-b", Role::Editor, false, None)]);
    f.store.add_placement(&server, "PLACE-B").unwrap();
    f.store.sync(&server).unwrap();
    let first = server
        .requests()
        .iter()
        .rev()
        .find(|r| r.push.is_empty() && r.cursor.is_none())
        .cloned();
    assert!(first.is_some(), "pulled again from an empty cursor");
    assert!(
        f.store.amber_card(&sam_id).is_ok(),
        "Sam is back on the phone"
    );

    // A unit never held before needs no re-pull: the cursor has never seen it.
    let before = server.requests().len();
    server.placement_code("PLACE-C", vec![grant("ward-c", Role::Reader, false, None)]);
    f.store.add_placement(&server, "PLACE-C").unwrap();
    f.store.sync(&server).unwrap();
    assert!(
        server.requests()[before..]
            .iter()
            .all(|r| r.cursor.is_some()),
        "pulled forward"
    );
}

/// What a worker viewed on the phone reaches the server after the sync's push and pull, in
/// bounded batches, exactly as stored; what the server holds is never sent again; a lost answer
/// means the same batch goes again and is stored once; a server that cannot take the trail
/// never fails the sync, and the events wait for the next one. The device keeps its trail.
#[test]
fn the_audit_trail_reaches_the_server_once_in_batches_and_stays_on_the_device() {
    let server = FakeServer::new(ward_a_editor());
    let f = enrolled(&server);
    let sam_id = sam(&f.store, "ward-a");
    f.store.person(&sam_id).unwrap();
    let report = f.store.sync(&server).unwrap();
    let held = server.with(|s| s.audit.clone());
    assert!(
        held.iter()
            .any(|r| r.event.action == "view" && r.event.entity_id == sam_id)
    );
    assert_eq!(report.audit_sent as usize, held.len());
    assert_eq!(report.audit_requests, 1);
    assert_eq!(report.audit_problem, None);
    assert_eq!(held[0].event.seq, 1);

    // Nothing new: nothing sent.
    let report = f.store.sync(&server).unwrap();
    assert_eq!((report.audit_requests, report.audit_sent), (0, 0));

    // Many events go in batches of at most AUDIT_BATCH; the answer to the second is lost, so
    // it goes again (within the same sync) and is stored once.
    let batch = steady_core::sync::AUDIT_BATCH;
    for i in 0..(batch + 50) {
        person(&f.store, "ward-a", &format!("Person {i}"));
    }
    let before = held.len();
    server.with(|s| {
        s.audit_faults.push_back(None);
        s.audit_faults.push_back(Some(Fault::LoseAnswer));
    });
    let (retrying, _) = options(3);
    let report = f.store.sync_with(&server, &retrying).unwrap();
    let requests = server.with(|s| s.audit_requests.clone());
    let sizes: Vec<usize> = requests[1..].iter().map(|r| r.events.len()).collect();
    assert_eq!(sizes[0], batch);
    assert_eq!(
        requests[3].events[..],
        requests[2].events[..requests[3].events.len()],
        "the batch whose answer was lost, again (halved: a lost answer and a cut upload look \
         the same to the device)"
    );
    assert_eq!(report.audit_problem, None);
    let held = server.with(|s| s.audit.clone());
    let on_device = f.store.verify_audit_trail().unwrap();
    assert_eq!(held.len() as u64, on_device, "every event once");
    assert_eq!(report.audit_sent as usize, held.len() - before);
    assert!(requests.iter().all(|r| r.device_id == f.store.device_id()));

    // A server that cannot take the trail now: the sync still succeeds, the events wait.
    f.store.person(&sam_id).unwrap();
    f.store
        .add_sheet_item(&sam_id, SheetList::WhatHelps, "One more", None)
        .unwrap();
    server.with(|s| {
        s.audit_faults
            .push_back(Some(Fault::Fail(TransportError::Refused(ErrorBody {
                error: ErrorCode::AuditRefused,
                message: "event 9: synthetic refusal".into(),
            }))))
    });
    let report = f.store.sync(&server).unwrap();
    assert_eq!(
        report.audit_problem.as_deref(),
        Some("event 9: synthetic refusal")
    );
    assert_eq!(report.audit_sent, 0);
    let report = f.store.sync(&server).unwrap();
    assert_eq!(report.audit_problem, None);
    assert!(report.audit_sent >= 1);
    assert_eq!(
        server.with(|s| s.audit.len()) as u64,
        f.store.verify_audit_trail().unwrap()
    );
    // Acknowledged events stay on the device: its own trail.
    assert!(!f.store.audit_trail_for(&sam_id).unwrap().is_empty());
}
