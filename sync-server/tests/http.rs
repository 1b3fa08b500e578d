//! The HTTP API against a real server on 127.0.0.1 (a free port) over the SQLite store in a
//! temporary directory, spoken to with reqwest as a device would: enrolment and its refusals,
//! authentication and revocation, grants enforced on push and pull, a battery of malformed
//! requests that must never get a 5xx, rate limits, and the `demo` command as a real process.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderValue};
use serde_json::{Value, json};
use steady_core::clock::Timestamp;
use steady_core::codes::Role;
use steady_core::protocol::{
    EnrollResponse, EntityKind, ErrorBody, ErrorCode, MAX_PUSH_OPS, MAX_VALUE_BYTES, OpOutcome,
    RejectReason, SyncResponse,
};
use steady_core::sheet::SheetText;
use steady_server::http::{self, Limits, RateLimit, ServeConfig, ServeError, TestServer};
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{GrantSpec, NewEnrolmentCode, Storage, Unit, hash_secret};
use steady_server::{admin, demo};

const HOME: &str = "oak-house";
const WARD: &str = "willow-ward";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStorage>,
    server: TestServer,
    client: reqwest::Client,
}

fn client() -> reqwest::Client {
    // reqwest is built without a default crypto provider; the workspace uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

fn grant(unit: &str, role: Role) -> GrantSpec {
    GrantSpec {
        unit_id: unit.into(),
        role,
        ends_at: None,
    }
}

impl Fixture {
    async fn new(limits: Limits) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStorage::open(dir.path()).expect("open"));
        for (id, name, mh) in [(HOME, "Oak House", false), (WARD, "Willow Ward", true)] {
            store
                .create_unit(&Unit {
                    unit_id: id.into(),
                    organisation: "Test Trust".into(),
                    name: name.into(),
                    mental_health_unit: mh,
                })
                .await
                .expect("unit");
        }
        let server = http::spawn_for_tests(store.clone(), limits)
            .await
            .expect("server");
        Fixture {
            _dir: dir,
            store,
            server,
            client: client(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    async fn code(&self, grants: Vec<GrantSpec>, attempts: u32) -> String {
        admin::issue_code(
            self.store.as_ref(),
            grants,
            Duration::from_secs(3600),
            attempts,
            Timestamp::now(),
        )
        .await
        .expect("code")
        .code
    }

    async fn enroll(&self, code: &str, device_id: &str) -> reqwest::Response {
        self.client
            .post(self.url("/v1/enroll"))
            .json(&json!({
                "protocol": 1,
                "code": code,
                "device_id": device_id,
                "device_label": "Test phone, Support worker",
            }))
            .send()
            .await
            .expect("enroll")
    }

    async fn device(&self, device_id: &str, grants: Vec<GrantSpec>) -> String {
        let code = self.code(grants, 5).await;
        let response = self.enroll(&code, device_id).await;
        assert_eq!(response.status(), StatusCode::OK);
        let enrolled: EnrollResponse = response.json().await.expect("enrolled");
        enrolled.device_token
    }

    async fn sync(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url("/v1/sync"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("sync");
        let status = response.status();
        (status, response.json().await.expect("json answer"))
    }

    async fn synced(&self, token: &str, body: Value) -> SyncResponse {
        let (status, body) = self.sync(token, body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("sync response")
    }
}

fn now_ms() -> i64 {
    Timestamp::now().0
}

fn op(id: &str, entity: &str, entity_id: &str, unit: &str, device: &str, fields: Value) -> Value {
    json!({
        "op_id": id,
        "entity": entity,
        "entity_id": entity_id,
        "unit_id": unit,
        "change": {"fields": fields},
        "stamp": {"wall_ms": now_ms(), "counter": 0, "device": device},
    })
}

fn pull(cursor: Option<&str>, push: Vec<Value>) -> Value {
    json!({"protocol": 1, "cursor": cursor, "pull_limit": 1000, "push": push})
}

async fn error_of(response: reqwest::Response) -> (StatusCode, ErrorBody) {
    let status = response.status();
    let body: ErrorBody = response.json().await.expect("an ErrorBody");
    (status, body)
}

#[tokio::test]
async fn health_answers() {
    let f = Fixture::new(Limits::unlimited()).await;
    let response = f.client.get(f.url("/v1/health")).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let health: Value = response.json().await.expect("json");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["protocol"], 1);
    f.server.stop().await.expect("stops");
}

#[tokio::test]
async fn a_code_enrols_one_device_once() {
    let f = Fixture::new(Limits::unlimited()).await;
    let code = f
        .code(
            vec![grant(HOME, Role::Editor), grant(WARD, Role::Reader)],
            5,
        )
        .await;
    let response = f.enroll(&code, "phone-1").await;
    assert_eq!(response.status(), StatusCode::OK);
    let enrolled: EnrollResponse = response.json().await.expect("enrolled");
    assert_eq!(enrolled.device_token.len(), 43);
    assert_eq!(enrolled.grants.len(), 2);
    let ward = enrolled
        .grants
        .iter()
        .find(|g| g.unit_id == WARD)
        .expect("ward");
    assert!(ward.mental_health_unit && ward.role == Role::Reader && ward.name == "Willow Ward");

    // Typed as people type it.
    let sloppy = format!(" {} ", code.to_lowercase());
    let (status, again) = error_of(f.enroll(&sloppy, "phone-2").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(again.error, ErrorCode::EnrolmentRefused);
    assert_eq!(again.message, "the enrolment code is not valid");
    // The token works; a garbled code gets the very same answer as a used one.
    let (_, garbled) = error_of(f.enroll("nonsense", "phone-3").await).await;
    assert_eq!(garbled, again);
    let synced = f.synced(&enrolled.device_token, pull(None, vec![])).await;
    assert_eq!(synced.grants.len(), 2);
}

#[tokio::test]
async fn wrong_secrets_burn_a_code_and_expired_codes_fail() {
    let f = Fixture::new(Limits::unlimited()).await;
    let code = f.code(vec![grant(HOME, Role::Reader)], 3).await;
    let (id, secret) = code.split_once('-').expect("shape");
    let wrong = format!("{id}-{}", "2".repeat(secret.len()));
    for _ in 0..3 {
        let (status, body) = error_of(f.enroll(&wrong, "phone-1").await).await;
        assert_eq!(
            (status, body.error),
            (StatusCode::FORBIDDEN, ErrorCode::EnrolmentRefused)
        );
    }
    let (status, _) = error_of(f.enroll(&code, "phone-1").await).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "burned: even the right secret fails"
    );

    f.store
        .issue_code(&NewEnrolmentCode {
            code_id: "EXP2RE".into(),
            secret_hash: hash_secret("ABCDEFGHJKMNPQRSTVWX"),
            grants: vec![grant(HOME, Role::Reader)],
            expires_at: Timestamp(now_ms() - 1000),
            max_attempts: 5,
        })
        .await
        .expect("expired code");
    let (status, body) = error_of(f.enroll("EXP2RE-ABCDEFGHJKMNPQRSTVWX", "phone-1").await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::FORBIDDEN, ErrorCode::EnrolmentRefused)
    );
    assert!(f.store.devices().await.expect("devices").is_empty());
}

#[tokio::test]
async fn sync_needs_a_valid_token_and_a_revoked_device_gets_nothing() {
    let f = Fixture::new(Limits::unlimited()).await;
    let no_token = f
        .client
        .post(f.url("/v1/sync"))
        .json(&pull(None, vec![]))
        .send()
        .await
        .expect("send");
    let (status, body) = error_of(no_token).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );
    for auth in ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer", ""] {
        let response = f
            .client
            .post(f.url("/v1/sync"))
            .header(header::AUTHORIZATION, auth)
            .json(&pull(None, vec![]))
            .send()
            .await
            .expect("send");
        let (status, body) = error_of(response).await;
        assert_eq!(
            (status, body.error),
            (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            "{auth}"
        );
    }

    let writer = f.device("writer", vec![grant(HOME, Role::Editor)]).await;
    f.synced(
        &writer,
        pull(
            None,
            vec![op(
                "w1",
                "person",
                "p1",
                HOME,
                "writer",
                json!({"display_name": "Sam"}),
            )],
        ),
    )
    .await;
    let lost = f
        .device("lost-phone", vec![grant(HOME, Role::Editor)])
        .await;
    assert!(
        f.store
            .revoke_device("lost-phone", Timestamp::now())
            .await
            .expect("revoke")
    );
    let cells = f.store.cell_count().await.expect("count");
    let (status, body) = f
        .sync(
            &lost,
            pull(
                None,
                vec![op(
                    "l1",
                    "person",
                    "p1",
                    HOME,
                    "lost-phone",
                    json!({"display_name": "X"}),
                )],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "device_revoked");
    assert!(body.get("changes").is_none(), "nothing read");
    assert_eq!(
        f.store.cell_count().await.expect("count"),
        cells,
        "nothing written"
    );
}

#[tokio::test]
async fn devices_reach_only_their_own_units() {
    let f = Fixture::new(Limits::unlimited()).await;
    let home = f
        .device("home-phone", vec![grant(HOME, Role::Editor)])
        .await;
    let ward = f
        .device("ward-phone", vec![grant(WARD, Role::Editor)])
        .await;
    let first = f
        .synced(
            &ward,
            pull(
                None,
                vec![
                    op(
                        "b1",
                        "person",
                        "jay",
                        WARD,
                        "ward-phone",
                        json!({"display_name": "Jordan"}),
                    ),
                    op(
                        "b2",
                        "incident",
                        "inc-1",
                        WARD,
                        "ward-phone",
                        json!({"note": "shouting"}),
                    ),
                ],
            ),
        )
        .await;
    assert!(
        first
            .results
            .iter()
            .all(|r| matches!(r.outcome, OpOutcome::Applied { .. }))
    );
    assert!(
        first.changes.is_empty(),
        "the answer does not echo the cells the request itself wrote: {:?}",
        first.changes
    );
    let again = f.synced(&ward, pull(None, vec![])).await;
    assert_eq!(
        again.changes.len(),
        2,
        "a device starting again from empty sees its own changes"
    );

    let pushed = f
        .synced(
            &home,
            pull(
                None,
                vec![
                    op(
                        "a1",
                        "person",
                        "jay",
                        WARD,
                        "home-phone",
                        json!({"display_name": "X"}),
                    ),
                    op(
                        "a2",
                        "person",
                        "jay",
                        HOME,
                        "home-phone",
                        json!({"display_name": "X"}),
                    ),
                    op(
                        "a3",
                        "incident",
                        "inc-1",
                        HOME,
                        "home-phone",
                        json!({"note": "X"}),
                    ),
                    op(
                        "a4",
                        "guidance",
                        "g-1",
                        HOME,
                        "home-phone",
                        json!({"title": "X"}),
                    ),
                    op(
                        "a5",
                        "person",
                        "sam",
                        HOME,
                        "ward-phone",
                        json!({"display_name": "X"}),
                    ),
                ],
            ),
        )
        .await;
    let reasons: Vec<RejectReason> = pushed
        .results
        .iter()
        .map(|r| match &r.outcome {
            OpOutcome::Rejected { reason, .. } => *reason,
            other => panic!("{} was not rejected: {other:?}", r.op_id),
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            RejectReason::NotGranted,
            RejectReason::UnitMismatch,
            RejectReason::UnitMismatch,
            RejectReason::ReadOnly,
            RejectReason::ForgedStamp,
        ]
    );
    assert!(
        pushed.changes.is_empty(),
        "nothing of the ward reaches the home's phone"
    );
    let again = f.synced(&ward, pull(Some(&first.cursor), vec![])).await;
    assert!(
        again.changes.is_empty(),
        "the rejected ops wrote nothing: {:?}",
        again.changes
    );
}

#[tokio::test]
async fn an_ended_grant_lists_the_unit_and_stops_its_data() {
    let f = Fixture::new(Limits::unlimited()).await;
    let bank = f
        .device(
            "bank-phone",
            vec![grant(HOME, Role::Reader), grant(WARD, Role::Reader)],
        )
        .await;
    let staff = f
        .device("staff-phone", vec![grant(WARD, Role::Editor)])
        .await;
    f.synced(
        &staff,
        pull(
            None,
            vec![op(
                "s1",
                "person",
                "kez",
                WARD,
                "staff-phone",
                json!({"display_name": "Kezia"}),
            )],
        ),
    )
    .await;
    let before = f.synced(&bank, pull(None, vec![])).await;
    assert_eq!(before.changes.len(), 1);
    assert!(before.ended_units.is_empty());

    assert!(
        f.store
            .end_grant("bank-phone", WARD, Timestamp(now_ms() - 5 * 60_000))
            .await
            .expect("end")
    );
    f.synced(
        &staff,
        pull(
            None,
            vec![op(
                "s2",
                "person",
                "kez",
                WARD,
                "staff-phone",
                json!({"preferred_name": "Kez"}),
            )],
        ),
    )
    .await;
    let after = f.synced(&bank, pull(Some(&before.cursor), vec![])).await;
    assert_eq!(after.ended_units, vec![WARD.to_string()]);
    assert_eq!(
        after
            .grants
            .iter()
            .map(|g| g.unit_id.as_str())
            .collect::<Vec<_>>(),
        vec![HOME]
    );
    assert!(after.changes.is_empty(), "the ward's data stops coming");
    // An incident recorded after the end is refused.
    let late = f
        .synced(
            &bank,
            pull(
                None,
                vec![op(
                    "l1",
                    "incident",
                    "late",
                    WARD,
                    "bank-phone",
                    json!({"note": "n"}),
                )],
            ),
        )
        .await;
    assert!(matches!(
        late.results[0].outcome,
        OpOutcome::Rejected {
            reason: RejectReason::GrantEnded,
            ..
        }
    ));
}

#[tokio::test]
async fn changes_flow_between_devices_in_pages_and_idle_syncs_are_empty() {
    let f = Fixture::new(Limits::unlimited()).await;
    let a = f.device("phone-a", vec![grant(HOME, Role::Editor)]).await;
    let b = f.device("phone-b", vec![grant(HOME, Role::Reader)]).await;
    let ops: Vec<Value> = (0..250)
        .map(|i| {
            op(
                &format!("op-{i}"),
                // People, so that nothing else need exist first (a sheet needs its person).
                "person",
                &format!("person-{i}"),
                HOME,
                "phone-a",
                json!({"preferred_name": format!("calm {i}"), "local_identifier": "tea"}),
            )
        })
        .collect();
    let pushed = f.synced(&a, pull(None, ops)).await;
    assert_eq!(pushed.results.len(), 250);
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    let mut round_trips = 0;
    loop {
        let body = json!({"protocol": 1, "cursor": cursor, "pull_limit": 101});
        let page = f.synced(&b, body).await;
        round_trips += 1;
        for change in &page.changes {
            assert_eq!(change.entity, EntityKind::Person);
            for (field, _, _) in change.change.cells() {
                let cell = (change.entity_id.clone(), field.to_string());
                assert!(seen.insert(cell), "no cell twice");
            }
        }
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    // 500 cells in pages of at most 101.
    assert_eq!(seen.len(), 500);
    assert_eq!(round_trips, 5);
    let idle = f
        .synced(
            &b,
            json!({"protocol": 1, "cursor": cursor, "pull_limit": 1000}),
        )
        .await;
    assert!(idle.changes.is_empty() && !idle.more);
}

#[tokio::test]
async fn gzip_is_spoken_both_ways() {
    let f = Fixture::new(Limits::unlimited()).await;
    let token = f.device("phone", vec![grant(HOME, Role::Editor)]).await;
    let body = serde_json::to_vec(&pull(
        None,
        vec![op(
            "g1",
            "person",
            "p",
            HOME,
            "phone",
            json!({"display_name": "Alex"}),
        )],
    ))
    .expect("json");
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let response = raw
        .post(f.url("/v1/sync"))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(gzip(&body))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_ENCODING),
        Some(&HeaderValue::from_static("gzip"))
    );
    let bytes = response.bytes().await.expect("body");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain)
        .expect("gunzip");
    let synced: SyncResponse = serde_json::from_slice(&plain).expect("response");
    assert!(matches!(
        synced.results[0].outcome,
        OpOutcome::Applied { .. }
    ));
}

/// POSTs `chunks` chunks of `size` spaces with chunked transfer encoding (no length given) over
/// a raw socket; answers the status and the body.
async fn chunked_post(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    chunks: usize,
    size: usize,
) -> (u16, String) {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let chunk = [
            format!("{size:x}\r\n").into_bytes(),
            vec![b' '; size],
            b"\r\n".to_vec(),
        ]
        .concat();
        // The server may answer and close before everything is sent: write errors are expected.
        let _ = stream.write_all(head.as_bytes());
        for _ in 0..chunks {
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut answer = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
        let text = String::from_utf8_lossy(&answer).to_string();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    })
    .await
    .expect("raw request")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// One request of the malformed battery.
struct Case {
    name: String,
    path: &'static str,
    content_type: Option<&'static str>,
    content_encoding: Option<&'static str>,
    body: Vec<u8>,
    /// The status it must get, if a specific one; otherwise any 2xx or 4xx.
    expect: Option<StatusCode>,
    /// A readable request whose one op breaks a rule: 200, that op `rejected` as `invalid`.
    rejected_op: bool,
}

fn case(
    name: impl Into<String>,
    path: &'static str,
    body: Vec<u8>,
    expect: Option<StatusCode>,
) -> Case {
    Case {
        name: name.into(),
        path,
        content_type: Some("application/json"),
        content_encoding: None,
        body,
        expect,
        rejected_op: false,
    }
}

fn set_path(doc: &mut Value, path: &[Value], new: Option<Value>) {
    let (last, parents) = path.split_last().expect("path");
    let mut at = doc;
    for step in parents {
        at = match step {
            Value::String(k) => &mut at[k.as_str()],
            Value::Number(n) => &mut at[n.as_u64().expect("index") as usize],
            _ => unreachable!(),
        };
    }
    match (last, new) {
        (Value::String(k), Some(v)) => at[k.as_str()] = v,
        (Value::String(k), None) => {
            at.as_object_mut().expect("object").remove(k);
        }
        (Value::Number(n), Some(v)) => at[n.as_u64().expect("index") as usize] = v,
        (Value::Number(n), None) => {
            at.as_array_mut()
                .expect("array")
                .remove(n.as_u64().expect("index") as usize);
        }
        _ => unreachable!(),
    }
}

fn battery() -> Vec<Case> {
    let mut cases = Vec::new();
    let sync_doc = pull(
        None,
        vec![op(
            "m1",
            "incident",
            "inc-m",
            HOME,
            "battery",
            json!({"note": "n"}),
        )],
    );
    let enroll_doc = json!({
        "protocol": 1, "code": "AAAAAA-BBBBBBBBBBBBBBBBBBBB",
        "device_id": "battery-2", "device_label": "Battery",
    });
    let weird = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(""),
        json!("x"),
        json!("\u{1F600}\u{0000}"),
        json!([]),
        json!({}),
        json!([1, [2, [3]]]),
        json!({"a": {"b": 1}}),
        json!("a".repeat(100)),
    ];
    let sync_paths: Vec<Vec<Value>> = [
        vec![json!("protocol")],
        vec![json!("cursor")],
        vec![json!("pull_limit")],
        vec![json!("push")],
        vec![json!("push"), json!(0)],
        vec![json!("push"), json!(0), json!("op_id")],
        vec![json!("push"), json!(0), json!("entity")],
        vec![json!("push"), json!(0), json!("entity_id")],
        vec![json!("push"), json!(0), json!("unit_id")],
        vec![json!("push"), json!(0), json!("change")],
        vec![json!("push"), json!(0), json!("change"), json!("fields")],
        vec![
            json!("push"),
            json!(0),
            json!("change"),
            json!("fields"),
            json!("note"),
        ],
        vec![json!("push"), json!(0), json!("stamp")],
        vec![json!("push"), json!(0), json!("stamp"), json!("wall_ms")],
        vec![json!("push"), json!(0), json!("stamp"), json!("counter")],
        vec![json!("push"), json!(0), json!("stamp"), json!("device")],
    ]
    .into_iter()
    .collect();
    for (doc, path_name, paths) in [
        (&sync_doc, "/v1/sync", sync_paths),
        (
            &enroll_doc,
            "/v1/enroll",
            ["protocol", "code", "device_id", "device_label"]
                .iter()
                .map(|k| vec![json!(k)])
                .collect(),
        ),
    ] {
        let endpoint: &'static str = if path_name == "/v1/sync" {
            "/v1/sync"
        } else {
            "/v1/enroll"
        };
        for path in &paths {
            for (i, value) in weird.iter().enumerate() {
                let mut d = doc.clone();
                set_path(&mut d, path, Some(value.clone()));
                cases.push(case(
                    format!("{endpoint} {path:?} = weird[{i}]"),
                    endpoint,
                    serde_json::to_vec(&d).expect("json"),
                    None,
                ));
            }
            let mut d = doc.clone();
            set_path(&mut d, path, None);
            cases.push(case(
                format!("{endpoint} {path:?} missing"),
                endpoint,
                serde_json::to_vec(&d).expect("json"),
                None,
            ));
        }
        // Every truncation of a valid body is invalid JSON.
        let full = serde_json::to_vec(doc).expect("json");
        for len in (0..full.len()).step_by(3) {
            cases.push(case(
                format!("{endpoint} truncated at {len}"),
                endpoint,
                full[..len].to_vec(),
                Some(StatusCode::BAD_REQUEST),
            ));
        }
        cases.push(case(
            format!("{endpoint} deeply nested"),
            endpoint,
            vec![b'['; 100_000],
            Some(StatusCode::BAD_REQUEST),
        ));
        let mut bad_utf8 = full.clone();
        let at = bad_utf8.len() - 5;
        bad_utf8.splice(at..at, [0xff, 0xfe, 0xc0]);
        cases.push(case(
            format!("{endpoint} bad UTF-8"),
            endpoint,
            bad_utf8,
            Some(StatusCode::BAD_REQUEST),
        ));
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonx"),
            Some("json"),
            Some("application/xml"),
        ] {
            let mut c = case(
                format!("{endpoint} content type {ct:?}"),
                endpoint,
                full.clone(),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            );
            c.content_type = ct;
            cases.push(c);
        }
        for encoding in ["br", "deflate", "compress", "zstd", "gzip, gzip"] {
            let mut c = case(
                format!("{endpoint} content encoding {encoding}"),
                endpoint,
                full.clone(),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            );
            c.content_encoding = Some(encoding);
            cases.push(c);
        }
        let mut not_gzip = case(
            format!("{endpoint} says gzip, is not"),
            endpoint,
            full.clone(),
            Some(StatusCode::BAD_REQUEST),
        );
        not_gzip.content_encoding = Some("gzip");
        cases.push(not_gzip);
        let mut truncated_gzip = case(
            format!("{endpoint} truncated gzip"),
            endpoint,
            gzip(&full)[..20].to_vec(),
            Some(StatusCode::BAD_REQUEST),
        );
        truncated_gzip.content_encoding = Some("gzip");
        cases.push(truncated_gzip);
        // A gzip bomb: 64 MiB of zeros in about 64 KiB; only 4 MiB may ever be inflated.
        let mut bomb = case(
            format!("{endpoint} gzip bomb"),
            endpoint,
            gzip(&vec![b' '; 64 * 1024 * 1024]),
            Some(StatusCode::PAYLOAD_TOO_LARGE),
        );
        bomb.content_encoding = Some("gzip");
        cases.push(bomb);
        cases.push(case(
            format!("{endpoint} 5 MiB body"),
            endpoint,
            vec![b' '; 5 * 1024 * 1024],
            Some(StatusCode::PAYLOAD_TOO_LARGE),
        ));
        cases.push(case(
            format!("{endpoint} JSON then garbage"),
            endpoint,
            [full.clone(), b"}{".to_vec()].concat(),
            Some(StatusCode::BAD_REQUEST),
        ));
        let mut wrong_version = doc.clone();
        wrong_version["protocol"] = json!(2);
        cases.push(case(
            format!("{endpoint} protocol 2"),
            endpoint,
            serde_json::to_vec(&wrong_version).expect("json"),
            Some(StatusCode::BAD_REQUEST),
        ));
    }
    // Sync rules that need a well-formed body.
    let mut huge_value = sync_doc.clone();
    huge_value["push"][0]["change"]["fields"]["note"] = json!("x".repeat(MAX_VALUE_BYTES + 1));
    let many_ops: Vec<Value> = (0..=MAX_PUSH_OPS)
        .map(|i| {
            op(
                &format!("many-{i}"),
                "incident",
                "i",
                HOME,
                "battery",
                json!({"n": 1}),
            )
        })
        .collect();
    let mut deep_value = sync_doc.clone();
    deep_value["push"][0]["change"]["fields"]["note"] = json!("placeholder");
    let deep_text = serde_json::to_string(&deep_value).expect("json").replace(
        "\"placeholder\"",
        &format!("{}1{}", "[".repeat(200), "]".repeat(200)),
    );
    // One op that breaks a rule, in a readable request: answered on its own, never a 400 for
    // the batch (the rest of a phone's queue goes on). Each with an op id of its own (a repeated
    // one would get its first answer again).
    let mut no_fields = sync_doc.clone();
    no_fields["push"][0]["change"]["fields"] = json!({});
    let mut negative_wall = sync_doc.clone();
    negative_wall["push"][0]["stamp"]["wall_ms"] = json!(-5);
    let mut absurd_time = sync_doc.clone();
    absurd_time["push"][0]["change"]["fields"]["occurred_at"] = json!(1.7e66);
    let mut pinned_counter = sync_doc.clone();
    pinned_counter["push"][0]["stamp"]["counter"] = json!(u32::MAX);
    for (name, mut doc) in [
        ("oversized value", huge_value),
        ("no fields", no_fields),
        ("negative wall", negative_wall),
        ("absurd occurred_at", absurd_time),
        ("counter past its bound", pinned_counter),
    ] {
        doc["push"][0]["op_id"] = json!(format!("rule-{}", name.replace(' ', "-")));
        let mut c = case(
            format!("/v1/sync {name}"),
            "/v1/sync",
            serde_json::to_vec(&doc).expect("json"),
            Some(StatusCode::OK),
        );
        c.rejected_op = true;
        cases.push(c);
    }
    for (name, body) in [
        (
            "too many ops",
            serde_json::to_vec(&pull(None, many_ops)).expect("json"),
        ),
        (
            "pull_limit 0",
            serde_json::to_vec(&json!({"protocol": 1, "pull_limit": 0})).expect("json"),
        ),
        (
            "pull_limit 5001",
            serde_json::to_vec(&json!({"protocol": 1, "pull_limit": 5001})).expect("json"),
        ),
        (
            "cursor garbage",
            serde_json::to_vec(&json!({"protocol": 1, "pull_limit": 1, "cursor": "v2:x"}))
                .expect("json"),
        ),
        (
            "cursor bad number",
            serde_json::to_vec(&json!({"protocol": 1, "pull_limit": 1, "cursor": "v1:a=b"}))
                .expect("json"),
        ),
        ("value nested 200 deep", deep_text.into_bytes()),
        (
            "empty op id",
            serde_json::to_vec(&pull(
                None,
                vec![op("", "incident", "i", HOME, "battery", json!({"n": 1}))],
            ))
            .expect("json"),
        ),
        ("unknown entity", {
            let mut d = sync_doc.clone();
            d["push"][0]["entity"] = json!("patient");
            serde_json::to_vec(&d).expect("json")
        }),
    ] {
        cases.push(case(
            format!("/v1/sync {name}"),
            "/v1/sync",
            body,
            Some(StatusCode::BAD_REQUEST),
        ));
    }
    cases
}

#[tokio::test]
async fn malformed_requests_get_4xx_error_bodies_never_5xx() {
    let f = Fixture::new(Limits::unlimited()).await;
    let token = f.device("battery", vec![grant(HOME, Role::Editor)]).await;
    // No automatic gzip: the battery sets its own encodings.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let cases = battery();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let mut refused = 0;
    for c in &cases {
        let mut request = raw
            .post(f.url(c.path))
            .bearer_auth(&token)
            .body(c.body.clone());
        if let Some(ct) = c.content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        if let Some(ce) = c.content_encoding {
            request = request.header(header::CONTENT_ENCODING, ce);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        assert!(
            !status.is_server_error(),
            "{}: {status} {:?}",
            c.name,
            String::from_utf8_lossy(&bytes)
        );
        if let Some(expected) = c.expect {
            assert_eq!(
                status,
                expected,
                "{}: {:?}",
                c.name,
                String::from_utf8_lossy(&bytes)
            );
        }
        if c.rejected_op {
            let answer: Value = serde_json::from_slice(&bytes).expect("a sync answer");
            let outcome = &answer["results"][0]["outcome"];
            assert_eq!(
                (&outcome["status"], &outcome["reason"]),
                (&json!("rejected"), &json!("invalid")),
                "{}: {answer}",
                c.name
            );
        }
        if !status.is_success() {
            assert!(status.is_client_error(), "{}: {status}", c.name);
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{}: not an ErrorBody ({e}): {:?}",
                    c.name,
                    String::from_utf8_lossy(&bytes)
                )
            });
            assert!(!body.message.is_empty());
            refused += 1;
        }
    }
    assert!(refused >= 250, "{refused} of {} refused", cases.len());

    // Methods and paths that do not exist answer with error bodies too.
    for (method, path, expected) in [
        (
            reqwest::Method::GET,
            "/v1/sync",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            reqwest::Method::POST,
            "/v1/health",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (reqwest::Method::GET, "/v2/sync", StatusCode::NOT_FOUND),
        (reqwest::Method::GET, "/", StatusCode::NOT_FOUND),
    ] {
        let response = raw.request(method, f.url(path)).send().await.expect("send");
        let (status, body) = error_of(response).await;
        assert_eq!(status, expected, "{path}");
        assert_eq!(body.error, ErrorCode::BadRequest);
    }
    // A body streamed without a length (chunked) is cut off at the limit too.
    let (status, body) = chunked_post(f.server.addr(), "/v1/sync", &token, 80, 64 * 1024).await;
    assert_eq!(status, 413, "{body}");
    let body: ErrorBody = serde_json::from_str(&body).expect("an ErrorBody");
    assert_eq!(body.error, ErrorCode::PayloadTooLarge);

    let health = raw.get(f.url("/v1/health")).send().await.expect("health");
    assert_eq!(health.status(), StatusCode::OK, "still answering");
}

#[tokio::test]
async fn enrolment_attempts_beyond_the_limit_get_429() {
    let f = Fixture::new(Limits {
        enroll_per_ip: Some(RateLimit {
            per_minute: 1,
            burst: 3,
        }),
        ..Limits::unlimited()
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let response = f
            .enroll("AAAAAA-BBBBBBBBBBBBBBBBBBBB", &format!("guesser-{i}"))
            .await;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .expect("Retry-After in seconds");
            assert!((1..=60).contains(&wait), "{wait}");
            let (_, body) = error_of(response).await;
            assert_eq!(body.error, ErrorCode::RateLimited);
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        vec![
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
        ]
    );
    // Other endpoints are not held back by the enrolment limit.
    let health = f
        .client
        .get(f.url("/v1/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_device_syncing_too_often_and_a_noisy_address_get_429() {
    let f = Fixture::new(Limits {
        sync_per_device: Some(RateLimit {
            per_minute: 1,
            burst: 2,
        }),
        ..Limits::unlimited()
    })
    .await;
    let token = f
        .device("busy-phone", vec![grant(HOME, Role::Reader)])
        .await;
    let other = f
        .device("calm-phone", vec![grant(HOME, Role::Reader)])
        .await;
    for _ in 0..2 {
        f.synced(&token, pull(None, vec![])).await;
    }
    let (status, body) = f.sync(&token, pull(None, vec![])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "rate_limited");
    f.synced(&other, pull(None, vec![])).await;

    let g = Fixture::new(Limits {
        all_per_ip: Some(RateLimit {
            per_minute: 1,
            burst: 3,
        }),
        ..Limits::unlimited()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = g.client.get(g.url("/v1/health")).send().await.expect("get");
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key(header::RETRY_AFTER));
        }
    }
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback() {
    let refused = http::bind(ServeConfig::loopback("0.0.0.0:0".parse().expect("addr"))).await;
    assert!(matches!(refused, Err(ServeError::PlainHttpRefused(_))));
    let allowed = http::bind(ServeConfig {
        allow_plain_http: true,
        ..ServeConfig::loopback("0.0.0.0:0".parse().expect("addr"))
    })
    .await
    .expect("allowed when asked");
    assert!(allowed.url().starts_with("http://0.0.0.0:"));
    let v6 = http::bind(ServeConfig::loopback("[::1]:0".parse().expect("addr"))).await;
    // Some containers have no IPv6 loopback; when it exists it is allowed.
    assert!(!matches!(v6, Err(ServeError::PlainHttpRefused(_))));
}

#[tokio::test]
async fn the_demo_command_serves_its_data_and_stops_gracefully() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut url, mut code, mut link) = (None, None, None);
    while code.is_none() || url.is_none() || link.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("the demo prints its code");
        if let Some(u) = line.trim().strip_prefix("listening on ") {
            url = Some(u.to_string());
        } else if let Some(c) = line.trim().strip_prefix("enrolment code: ") {
            code = Some(c.trim().to_string());
        } else if let Some(l) = line.trim().strip_prefix("QR payload:") {
            link = Some(l.trim().to_string());
        }
    }
    let (url, code, link) = (url.expect("url"), code.expect("code"), link.expect("link"));
    assert_eq!(link, format!("steady://enrol?server={url}&code={code}"));

    let client = client();
    let health = client
        .get(format!("{url}/v1/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
    let enrolled: EnrollResponse = client
        .post(format!("{url}/v1/enroll"))
        .json(&json!({"protocol": 1, "code": code, "device_id": "demo-phone", "device_label": "Demo phone"}))
        .send()
        .await
        .expect("enroll")
        .json()
        .await
        .expect("enrolled");
    assert_eq!(enrolled.grants.len(), 2);
    let mut cursor: Option<String> = None;
    let mut kinds = HashSet::new();
    let mut people = HashSet::new();
    loop {
        let page: SyncResponse = client
            .post(format!("{url}/v1/sync"))
            .bearer_auth(&enrolled.device_token)
            .json(&json!({"protocol": 1, "cursor": cursor, "pull_limit": 1000}))
            .send()
            .await
            .expect("sync")
            .json()
            .await
            .expect("synced");
        for change in &page.changes {
            kinds.insert(change.entity);
            if change.entity == EntityKind::Person {
                people.insert(change.entity_id.clone());
            }
        }
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    assert!(kinds.contains(&EntityKind::Person) && kinds.contains(&EntityKind::Sheet));
    assert!(kinds.contains(&EntityKind::Guidance));
    assert_eq!(people.len(), 24);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the demo did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn https_is_served_with_the_given_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: no openssl to make a test certificate");
        return;
    }
    let store = Arc::new(SqliteStorage::open(&dir.path().join("data")).expect("open"));
    let bound = http::bind(ServeConfig {
        tls: Some(http::TlsFiles {
            cert: cert.clone(),
            key,
        }),
        ..ServeConfig::loopback("127.0.0.1:0".parse().expect("addr"))
    })
    .await
    .expect("bind");
    let url = bound.url();
    assert!(url.starts_with("https://127.0.0.1:"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(bound.run(store, async move {
        let _ = stopped.await;
    }));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(&cert).expect("cert");
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("pem")])
        .build()
        .expect("client");
    let health = client
        .get(format!("{url}/v1/health"))
        .send()
        .await
        .expect("https");
    assert_eq!(health.status(), StatusCode::OK);
    let _ = stop.send(());
    running.await.expect("join").expect("clean stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_data_reads_on_a_device_as_the_app_shows_it() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStorage::open(&dir.path().join("server")).expect("open"));
    let seeded = demo::seed(store.as_ref(), Timestamp::now())
        .await
        .expect("seed");
    let again = demo::seed(store.as_ref(), Timestamp::now())
        .await
        .expect("seed again");
    assert_eq!(again.cells_written, 0, "seeding twice writes nothing");
    assert_eq!(again.operations, seeded.operations);
    assert!(seeded.cells_written >= seeded.operations as u64);
    let code = admin::issue_code(
        store.as_ref(),
        demo::grants(),
        Duration::from_secs(600),
        5,
        Timestamp::now(),
    )
    .await
    .expect("code")
    .code;
    let server = http::spawn_for_tests(store.clone(), Limits::unlimited())
        .await
        .expect("server");
    let url = server.url();
    let device_db = dir.path().join("phone.db");
    // The device core is synchronous (blocking HTTP): it runs off the runtime's threads.
    tokio::task::spawn_blocking(move || {
        let key = steady_core::StoreKey::from_bytes(&[7; 32]).expect("key");
        let phone = steady_core::Store::open(&device_db, &key).expect("device store");
        phone
            .set_staff_member(steady_core::StaffMember {
                name: "Ada Quinn".into(),
                job_title: "Support worker".into(),
            })
            .expect("staff");
        let transport = steady_core::sync::HttpTransport::new(&url).expect("transport");
        phone.enroll(&transport, &code).expect("enrol");
        phone.sync(&transport).expect("sync");
        for (unit, cards) in [(demo::CARE_HOME, 5), (demo::WARD, 6)] {
            let people = phone.people(unit).expect("people");
            assert_eq!(people.len(), 12, "{unit}");
            assert!(
                people.iter().any(|p| p.review_overdue),
                "some reviews overdue"
            );
            assert!(people.iter().all(|p| !p.safety_alerts.is_empty()));
            let mut authorised = 0;
            for person in &people {
                let sheet = phone.support_sheet(&person.id).expect("sheet");
                assert_eq!(sheet.texts.len(), SheetText::ALL.len(), "every text field");
                for list in [
                    &sheet.triggers,
                    &sheet.warning_signs,
                    &sheet.what_helps,
                    &sheet.what_to_avoid,
                    &sheet.contraindications,
                ] {
                    assert!((3..=5).contains(&list.len()));
                }
                // A plan authorises only what the person's own cautions allow, so some have none.
                authorised += sheet.authorised_interventions.len();
                assert!(sheet.review.due.is_some() && sheet.review.last_reviewed_by.is_some());
                let card = phone.amber_card(&person.id).expect("amber card");
                assert!(!card.warning_signs.is_empty() && !card.what_helps.is_empty());
            }
            assert!(authorised > 0, "nothing authorised in {unit}");
            assert_eq!(phone.guidance_cards(unit).expect("guidance").len(), cards);
        }
    })
    .await
    .expect("device");
    server.stop().await.expect("stop");
}

/// A supervisor may read the server's first line and close the pipe, or never read it: the
/// server must go on serving. (The benchmark harness closed it after one line, and the
/// `println!` of the next status line killed the server.) Here the pipe is closed before the
/// server writes anything, so every status line meets a closed pipe.
#[tokio::test]
async fn a_server_whose_stdout_was_closed_keeps_serving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match client().get(format!("{url}/v1/health")).send().await {
            Ok(response) => break response.status(),
            Err(_) if Instant::now() < deadline => {
                assert!(
                    child.try_wait().expect("status").is_none(),
                    "the server died when its stdout was closed"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the server never answered: {e}"),
        }
    };
    assert_eq!(status, StatusCode::OK);
    assert!(child.try_wait().expect("status").is_none(), "still running");
    child.kill().expect("kill");
    let _ = child.wait();
}
