//! The access matrix: every endpoint × every role × every situation a caller can be in, with
//! the expected answer, from ONE table ([`TABLE`]), run against the real server (real HTTP on
//! loopback) on both storage back ends. Afterwards the server's store itself is read back: no
//! record of another unit was read or written, and exactly the writes the table allows are
//! there — status codes alone are not taken as proof.
//!
//! Endpoints: `POST /v1/enroll`, `POST /v1/sync` pushing one operation of each record kind, and
//! `POST /v1/sync` pulling. Situations ("scopes"), for a device granted `role` in ward-a:
//! - **own unit**: acting on ward-a;
//! - **other unit**: acting on ward-b (push: an op in ward-b; pull: a cursor naming ward-b;
//!   enrol: presenting a ward-b code another device already redeemed);
//! - **other unit's record**: an op claiming ward-a on a record id that belongs to ward-b;
//! - **ended grant**: its ward-a grant has ended (enrol: a code whose grant ended already);
//! - **revoked device**: the device was revoked (enrol: it tries again with a fresh code);
//! - **no token** / **bad token**: no `Authorization` header / a forged token (enrol: an
//!   empty code / a wrong secret).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{
    Change, EntityKind, OpOutcome, Operation, PROTOCOL_VERSION, RejectReason, SyncResponse,
};
use steady_e2e::{Backend, Cluster, on_both_back_ends};
use steady_server::storage::Cursor;

on_both_back_ends!(every_endpoint_role_and_scope_answers_as_the_table_says);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Enroll,
    Push(EntityKind),
    Pull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    OwnUnit,
    OtherUnit,
    OtherUnitsRecord,
    EndedGrant,
    RevokedDevice,
    NoToken,
    BadToken,
}

const SCOPES: [Scope; 7] = [
    Scope::OwnUnit,
    Scope::OtherUnit,
    Scope::OtherUnitsRecord,
    Scope::EndedGrant,
    Scope::RevokedDevice,
    Scope::NoToken,
    Scope::BadToken,
];

const ROLES: [Role; 3] = [Role::Reader, Role::Editor, Role::Lead];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 200, the device holds the code's grant in ward-a and nothing else.
    Enrolled,
    /// 200, but the grant has already ended: the first pull lists ward-a as ended, sends nothing.
    EnrolledEnded,
    /// The op was applied.
    Applied,
    /// The op was refused with this reason (and wrote nothing).
    Rejected(RejectReason),
    /// 200 with every ward-a change and nothing of ward-b.
    PulledOwnUnit,
    /// 200 with nothing, ward-a listed as ended.
    PulledNothing,
    /// The request was refused with this status and error code.
    Refused(u16, &'static str),
    /// The combination does not exist (an enrolment or a pull names no record).
    NotApplicable,
}

use Expect::*;

/// One endpoint's expectations. `own` and `other_record` depend on the role (reader, editor,
/// lead); the rest do not.
struct Row {
    endpoint: Endpoint,
    own: [Expect; 3],
    other_unit: Expect,
    other_record: [Expect; 3],
    ended: Expect,
    revoked: Expect,
    no_token: Expect,
    bad_token: Expect,
}

const UNAUTHORIZED: Expect = Refused(401, "unauthorized");
const REVOKED: Expect = Refused(403, "device_revoked");
const NO_ENROL: Expect = Refused(403, "enrolment_refused");

/// A sheet or person needs an editor; a reader is refused by role before anything else is
/// looked at, so a reader's op on another unit's record is `role`, an editor's `unit_mismatch`.
const fn editor_only(kind: EntityKind) -> Row {
    Row {
        endpoint: Endpoint::Push(kind),
        own: [Rejected(RejectReason::Role), Applied, Applied],
        other_unit: Rejected(RejectReason::NotGranted),
        other_record: [
            Rejected(RejectReason::Role),
            Rejected(RejectReason::UnitMismatch),
            Rejected(RejectReason::UnitMismatch),
        ],
        ended: Rejected(RejectReason::GrantEnded),
        revoked: REVOKED,
        no_token: UNAUTHORIZED,
        bad_token: UNAUTHORIZED,
    }
}

/// Incidents and checklist runs: every role records them.
const fn any_role(kind: EntityKind) -> Row {
    Row {
        endpoint: Endpoint::Push(kind),
        own: [Applied, Applied, Applied],
        other_unit: Rejected(RejectReason::NotGranted),
        other_record: [Rejected(RejectReason::UnitMismatch); 3],
        ended: Rejected(RejectReason::GrantEnded),
        revoked: REVOKED,
        no_token: UNAUTHORIZED,
        bad_token: UNAUTHORIZED,
    }
}

/// THE table.
const TABLE: [Row; 8] = [
    Row {
        endpoint: Endpoint::Enroll,
        own: [Enrolled; 3],
        other_unit: NO_ENROL,
        other_record: [NotApplicable; 3],
        ended: EnrolledEnded,
        revoked: NO_ENROL,
        no_token: NO_ENROL,
        bad_token: NO_ENROL,
    },
    editor_only(EntityKind::Person),
    editor_only(EntityKind::Sheet),
    any_role(EntityKind::Incident),
    any_role(EntityKind::ChecklistRun),
    any_role(EntityKind::HandoverNote),
    Row {
        endpoint: Endpoint::Push(EntityKind::Guidance),
        own: [Rejected(RejectReason::ReadOnly); 3],
        other_unit: Rejected(RejectReason::NotGranted),
        other_record: [Rejected(RejectReason::ReadOnly); 3],
        ended: Rejected(RejectReason::GrantEnded),
        revoked: REVOKED,
        no_token: UNAUTHORIZED,
        bad_token: UNAUTHORIZED,
    },
    Row {
        endpoint: Endpoint::Pull,
        own: [PulledOwnUnit; 3],
        other_unit: PulledOwnUnit,
        other_record: [NotApplicable; 3],
        ended: PulledNothing,
        revoked: REVOKED,
        no_token: UNAUTHORIZED,
        bad_token: UNAUTHORIZED,
    },
];

impl Row {
    fn expect(&self, role: Role, scope: Scope) -> Expect {
        let r = ROLES.iter().position(|x| *x == role).expect("a role");
        match scope {
            Scope::OwnUnit => self.own[r],
            Scope::OtherUnit => self.other_unit,
            Scope::OtherUnitsRecord => self.other_record[r],
            Scope::EndedGrant => self.ended,
            Scope::RevokedDevice => self.revoked,
            Scope::NoToken => self.no_token,
            Scope::BadToken => self.bad_token,
        }
    }
}

const KINDS: [EntityKind; EntityKind::ALL.len()] = EntityKind::ALL;

/// Plain HTTP to the server, as any client (or attacker) could speak it.
struct Http {
    client: reqwest::blocking::Client,
    base: String,
}

impl Http {
    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let res = req.send().expect("the server answers");
        let status = res.status().as_u16();
        let text = res.text().expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn enroll(&self, code: &str, device_id: &str) -> (u16, Value) {
        self.post(
            "/v1/enroll",
            None,
            &json!({"protocol": PROTOCOL_VERSION, "code": code, "device_id": device_id,
                    "device_label": "Matrix device (synthetic)"}),
        )
    }

    fn sync(&self, token: Option<&str>, cursor: Option<&str>, push: &[Operation]) -> (u16, Value) {
        self.post(
            "/v1/sync",
            token,
            &json!({"protocol": PROTOCOL_VERSION, "cursor": cursor, "push": push,
                    "pull_limit": 5000}),
        )
    }
}

/// An enrolled device: its id and token.
#[derive(Clone)]
struct Caller {
    device_id: String,
    token: String,
}

fn enrol<S: Backend>(c: &Cluster<S>, http: &Http, name: &str, role: Role) -> Caller {
    let device_id = format!("matrix-{name}");
    let (status, body) = http.enroll(&c.code(&[("ward-a", role, None)]), &device_id);
    assert_eq!(status, 200, "{body}");
    Caller {
        device_id,
        token: body["device_token"].as_str().expect("token").to_string(),
    }
}

fn op(device: &str, kind: EntityKind, entity_id: &str, unit: &str, probe: &str) -> Operation {
    Operation {
        op_id: format!("op-{probe}"),
        entity: kind,
        entity_id: entity_id.into(),
        unit_id: unit.into(),
        // A text field each kind has (the record schema refuses a field a kind does not have);
        // a handover note is made whole, signed by the device's staff (enrolled with no name,
        // it is its label).
        change: Change::Fields(match kind {
            EntityKind::HandoverNote => BTreeMap::from([
                ("text".to_string(), json!(probe)),
                ("author".to_string(), json!("Matrix device (synthetic)")),
                ("job_title".to_string(), json!("")),
                ("at".to_string(), json!(Timestamp::now().0)),
            ]),
            _ => BTreeMap::from([(
                match kind {
                    EntityKind::Person => "preferred_name",
                    EntityKind::Sheet => "green.settled",
                    EntityKind::Incident => "note",
                    EntityKind::ChecklistRun => "template_id",
                    EntityKind::Guidance => "title",
                    EntityKind::HandoverNote => "text",
                }
                .to_string(),
                json!(probe),
            )]),
        }),
        stamp: Hlc {
            wall_ms: Timestamp::now().0,
            counter: 0,
            device: device.into(),
        },
    }
}

/// Every cell the server holds: (unit, kind, entity id, field, item) → (value, stamp).
type Stored = BTreeMap<(String, String, String, String, String), (Value, Hlc)>;

fn stored<S: Backend>(c: &Cluster<S>) -> Stored {
    let mut cells = BTreeMap::new();
    let mut cursor = Cursor::default();
    loop {
        let page =
            c.rt.block_on(c.storage.pull(
                None,
                &["ward-a".to_string(), "ward-b".to_string()],
                &cursor,
                5000,
            ))
            .expect("pull from the store");
        for ch in page.changes {
            for (field, item, value) in ch.change.cells() {
                cells.insert(
                    (
                        ch.unit_id.clone(),
                        ch.entity.as_str().to_string(),
                        ch.entity_id.clone(),
                        field.to_string(),
                        item.to_string(),
                    ),
                    (value.clone(), ch.stamp.clone()),
                );
            }
        }
        cursor = page.cursor;
        if !page.more {
            return cells;
        }
    }
}

fn every_endpoint_role_and_scope_answers_as_the_table_says<S: Backend>(c: Cluster<S>) {
    c.unit("ward-a", false);
    c.unit("ward-b", false);
    let http = Http {
        client: reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        base: c.proxy.url(),
    };
    // A support sheet lives in its person's unit (its id is its person's id): the people whose
    // sheets the table writes come first — each unit's seeded sheet's, and the one each role's
    // own-unit probe writes.
    let sheet_people = ["ward-a", "ward-b"]
        .iter()
        .map(|unit| (format!("{unit}-sheet"), *unit))
        .chain(ROLES.map(|role| (format!("new-sheet-{}-OwnUnit", role.as_str()), "ward-a")))
        .map(|(id, unit)| {
            op(
                "server",
                EntityKind::Person,
                &id,
                unit,
                &format!("person-{id}"),
            )
        });
    // One record of each kind in each unit, written by the server itself.
    let seed: Vec<Operation> = sheet_people
        .chain(["ward-a", "ward-b"].iter().flat_map(|unit| {
            KINDS.map(|kind| {
                op(
                    "server",
                    kind,
                    &format!("{unit}-{}", kind.as_str()),
                    unit,
                    &format!("seed-{unit}-{}", kind.as_str()),
                )
            })
        }))
        .collect();
    let results =
        c.rt.block_on(c.storage.push(None, &seed, Timestamp::now()))
            .expect("seed");
    assert!(
        results
            .iter()
            .all(|r| matches!(r.outcome, OpOutcome::Applied { .. }))
    );
    let before = stored(&c);

    // The callers, per role.
    let mut own = BTreeMap::new();
    let mut ended = BTreeMap::new();
    let mut revoked = BTreeMap::new();
    for role in ROLES {
        let r = role.as_str();
        own.insert(r, enrol(&c, &http, &format!("own-{r}"), role));
        let e = enrol(&c, &http, &format!("ended-{r}"), role);
        assert!(
            c.rt.block_on(c.storage.end_grant(
                &e.device_id,
                "ward-a",
                Timestamp::now().plus_minutes(-10)
            ))
            .expect("end grant")
        );
        ended.insert(r, e);
        let v = enrol(&c, &http, &format!("revoked-{r}"), role);
        assert!(
            c.rt.block_on(c.storage.revoke_device(&v.device_id, Timestamp::now()))
                .expect("revoke")
        );
        revoked.insert(r, v);
    }
    // A ward-b code someone else has already redeemed.
    let used_b_code = {
        let code = c.code(&[("ward-b", Role::Lead, None)]);
        let (status, _) = http.enroll(&code, "matrix-ward-b-holder");
        assert_eq!(status, 200);
        code
    };
    let forged = "A".repeat(43);

    let mut ran = 0;
    let mut skipped = 0;
    let mut allowed_writes: BTreeSet<String> = BTreeSet::new();
    let mut pulled_entities: BTreeSet<(String, String)> = BTreeSet::new();
    for row in &TABLE {
        for role in ROLES {
            let r = role.as_str();
            for scope in SCOPES {
                let expect = row.expect(role, scope);
                if expect == NotApplicable {
                    skipped += 1;
                    continue;
                }
                ran += 1;
                let case = format!("{:?} as {r} in {scope:?}", row.endpoint);
                // Who calls, with which token.
                let caller = match scope {
                    Scope::EndedGrant => Some(ended[r].clone()),
                    Scope::RevokedDevice => Some(revoked[r].clone()),
                    Scope::NoToken => None,
                    Scope::BadToken => Some(Caller {
                        device_id: own[r].device_id.clone(),
                        token: forged.clone(),
                    }),
                    _ => Some(own[r].clone()),
                };
                let token = caller.as_ref().map(|c| c.token.as_str());
                let device = caller
                    .as_ref()
                    .map(|c| c.device_id.clone())
                    .unwrap_or_else(|| own[r].device_id.clone());
                let (status, body, pushed) = match row.endpoint {
                    Endpoint::Enroll => {
                        let (code, device_id) = match scope {
                            Scope::OwnUnit => {
                                (c.code(&[("ward-a", role, None)]), format!("new-{r}"))
                            }
                            Scope::OtherUnit => (used_b_code.clone(), format!("other-{r}")),
                            Scope::EndedGrant => (
                                c.code(&[(
                                    "ward-a",
                                    role,
                                    Some(Timestamp::now().plus_minutes(-5)),
                                )]),
                                format!("late-{r}"),
                            ),
                            Scope::RevokedDevice => (
                                c.code(&[("ward-a", role, None)]),
                                revoked[r].device_id.clone(),
                            ),
                            Scope::NoToken => (String::new(), format!("nocode-{r}")),
                            Scope::BadToken => {
                                let good = c.code(&[("ward-a", role, None)]);
                                let id = good.split('-').next().expect("code id").to_string();
                                (format!("{id}-WRONGSECRET"), format!("badcode-{r}"))
                            }
                            Scope::OtherUnitsRecord => unreachable!(),
                        };
                        let (status, body) = http.enroll(&code, &device_id);
                        (status, body, None)
                    }
                    Endpoint::Push(kind) => {
                        let probe = format!("{}-{r}-{scope:?}", kind.as_str());
                        let (entity_id, unit) = match scope {
                            Scope::OtherUnit => (format!("new-{probe}"), "ward-b".to_string()),
                            Scope::OtherUnitsRecord => {
                                (format!("ward-b-{}", kind.as_str()), "ward-a".to_string())
                            }
                            _ => (format!("new-{probe}"), "ward-a".to_string()),
                        };
                        let op = op(&device, kind, &entity_id, &unit, &probe);
                        let (status, body) = http.sync(token, None, std::slice::from_ref(&op));
                        (status, body, Some(op))
                    }
                    Endpoint::Pull => {
                        let cursor = (scope == Scope::OtherUnit).then_some("v1:ward-b=0");
                        let (status, body) = http.sync(token, cursor, &[]);
                        (status, body, None)
                    }
                };
                match expect {
                    Refused(want, code) => {
                        assert_eq!(
                            (status, body["error"].as_str()),
                            (want, Some(code)),
                            "{case}: {body}"
                        );
                    }
                    Enrolled | EnrolledEnded => {
                        assert_eq!(status, 200, "{case}: {body}");
                        let grants = body["grants"].as_array().expect("grants");
                        assert_eq!(grants.len(), 1, "{case}: {body}");
                        assert_eq!(grants[0]["unit_id"], "ward-a", "{case}");
                        assert_eq!(grants[0]["role"], r, "{case}");
                        // What the new device can then read.
                        let token = body["device_token"].as_str().expect("token");
                        let (status, pulled) = http.sync(Some(token), None, &[]);
                        assert_eq!(status, 200, "{case}: {pulled}");
                        let pulled: SyncResponse = serde_json::from_value(pulled).expect("answer");
                        if expect == Enrolled {
                            assert!(!pulled.changes.is_empty(), "{case}");
                            assert!(
                                pulled.changes.iter().all(|ch| ch.unit_id == "ward-a"),
                                "{case}"
                            );
                        } else {
                            assert!(pulled.changes.is_empty(), "{case}");
                            assert_eq!(pulled.ended_units, vec!["ward-a"], "{case}");
                        }
                        for ch in &pulled.changes {
                            pulled_entities.insert((ch.unit_id.clone(), ch.entity_id.clone()));
                        }
                    }
                    Applied | Rejected(_) => {
                        assert_eq!(status, 200, "{case}: {body}");
                        let answer: SyncResponse = serde_json::from_value(body).expect("answer");
                        let outcome = &answer.results[0].outcome;
                        match (expect, outcome) {
                            (Applied, OpOutcome::Applied { clamped: None }) => {
                                allowed_writes.insert(pushed.expect("pushed").entity_id);
                            }
                            (Rejected(want), OpOutcome::Rejected { reason, .. }) => {
                                assert_eq!(*reason, want, "{case}")
                            }
                            _ => panic!("{case}: expected {expect:?}, got {outcome:?}"),
                        }
                        for ch in &answer.changes {
                            pulled_entities.insert((ch.unit_id.clone(), ch.entity_id.clone()));
                        }
                    }
                    PulledOwnUnit | PulledNothing => {
                        assert_eq!(status, 200, "{case}: {body}");
                        let answer: SyncResponse = serde_json::from_value(body).expect("answer");
                        if expect == PulledOwnUnit {
                            assert!(
                                answer
                                    .changes
                                    .iter()
                                    .any(|ch| ch.entity_id == "ward-a-incident"),
                                "{case}: ward-a's records arrive"
                            );
                            assert_eq!(answer.grants.len(), 1, "{case}");
                        } else {
                            assert!(answer.changes.is_empty(), "{case}");
                            assert_eq!(answer.ended_units, vec!["ward-a"], "{case}");
                            assert!(answer.grants.is_empty(), "{case}");
                        }
                        for ch in &answer.changes {
                            pulled_entities.insert((ch.unit_id.clone(), ch.entity_id.clone()));
                        }
                    }
                    NotApplicable => unreachable!(),
                }
            }
        }
    }

    // No read crossed a unit: nothing of ward-b reached any caller (none holds a ward-b grant
    // but the code's first holder, which never pulled).
    let read_b: Vec<_> = pulled_entities
        .iter()
        .filter(|(unit, id)| unit != "ward-a" || id.starts_with("ward-b"))
        .collect();
    assert!(read_b.is_empty(), "cross-unit reads: {read_b:?}");

    // The store afterwards: ward-b exactly as seeded; ward-a holds the seed plus exactly the
    // writes the table allows; no record is in two units.
    let after = stored(&c);
    let in_b = |m: &Stored| -> Vec<_> {
        m.iter()
            .filter(|(k, _)| k.0 == "ward-b")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(in_b(&after), in_b(&before), "ward-b changed");
    let written: BTreeSet<String> = after
        .iter()
        .filter(|(_, (_, stamp))| stamp.device != "server")
        .map(|(k, _)| k.2.clone())
        .collect();
    assert_eq!(written, allowed_writes, "writes beyond the table");
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "seeded {k:?} changed");
    }
    let mut units_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for k in after.keys() {
        units_of.entry(&k.2).or_default().insert(&k.0);
    }
    assert!(
        units_of.values().all(|u| u.len() == 1),
        "a record in two units"
    );
    let expected_writes = TABLE
        .iter()
        .flat_map(|row| ROLES.map(|role| row.expect(role, Scope::OwnUnit)))
        .filter(|e| *e == Applied)
        .count();
    assert_eq!(allowed_writes.len(), expected_writes);
    println!(
        "access matrix: {ran} cases ({skipped} not applicable), {} writes allowed, 0 cross-unit \
         reads or writes",
        allowed_writes.len()
    );
}
