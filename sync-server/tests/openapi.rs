//! `docs/openapi.yaml` is the sync protocol as a published contract: what a stranger's tools
//! (a client generator, a contract tester, Schemathesis in `tests/schemathesis.sh`) read instead
//! of our Rust. It is written by hand, so this test keeps it from drifting from the wire types it
//! describes (`steady_core::protocol` and the types it uses): real values of every type, with
//! every `Option` set and every enum variant, are serialised with serde and
//!
//! - validated against the document's schema for their type (with the `jsonschema` crate);
//! - compared key by key with that schema's `properties`, so a field added, renamed or removed
//!   on either side fails here;
//! - stripped of each key in turn and read back, so the schema's `required` lists exactly the
//!   keys the type cannot be read without;
//! - compared with the document's `enum` lists and constants, and its bounds with the constants
//!   of `protocol.rs` (MAX_PUSH_OPS, MAX_PULL_LIMIT, MAX_ID_BYTES, ...), checked both at and just
//!   past each bound against `SyncRequest::validate`.
//!
//! The helpers that list a type's variants do it in a `match` with no wildcard: a new variant
//! does not compile until it is listed here, and then the document must say it too. All data is
//! synthetic.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use steady_core::audit::AuditEvent;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{
    AuditPushRequest, AuditPushResponse, AuditRecord, Change, EnrollRequest, EnrollResponse,
    EntityKind, ErrorBody, ErrorCode, GrantsRequest, GrantsResponse, HealthResponse,
    MAX_AUDIT_EVENTS, MAX_AUDIT_TEXT_BYTES, MAX_FIELDS_PER_OP, MAX_HLC_COUNTER, MAX_ID_BYTES,
    MAX_PULL_LIMIT, MAX_PUSH_OPS, MAX_WIRE_NUMBER, MAX_WIRE_TIME_MS, OpOutcome, OpResult,
    Operation, PROTOCOL_VERSION, PulledChange, RejectReason, SyncRequest, SyncResponse, Winner,
};
use steady_core::units::UnitGrant;
use steady_server::http::ApiError;

// ---- the document ---------------------------------------------------------------------------

fn doc() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("docs/openapi.yaml is readable");
    serde_saphyr::from_str(&text).expect("docs/openapi.yaml is valid YAML")
}

fn component<'d>(doc: &'d Value, name: &str) -> &'d Value {
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "docs/openapi.yaml has no schema {name}");
    schema
}

/// A validator for the component `name`: a root schema that refers to it and carries the
/// document's components, so that every `#/components/schemas/...` inside resolves.
fn validator(doc: &Value, name: &str) -> jsonschema::Validator {
    component(doc, name);
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("the schema {name} does not compile: {e}"))
}

fn assert_valid(doc: &Value, name: &str, value: &Value) {
    let validator = validator(doc, name);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{value} does not match the schema {name}: {errors:#?}"
    );
}

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).expect("serialises")
}

fn reads_as<T: DeserializeOwned>(value: Value) -> bool {
    serde_json::from_value::<T>(value).is_ok()
}

// ---- every variant, listed by exhaustive matches ----------------------------------------------

/// Walks a fieldless enum from its first variant by `next`, a `match` with no wildcard that
/// names each variant's successor: a new variant does not compile until it is placed in the chain.
fn chain<T: Copy>(next: fn(Option<T>) -> Option<T>) -> Vec<T> {
    let mut all = Vec::new();
    let mut at = next(None);
    while let Some(v) = at {
        all.push(v);
        at = next(Some(v));
    }
    all
}

fn roles() -> Vec<Role> {
    chain(|r| match r {
        None => Some(Role::Reader),
        Some(Role::Reader) => Some(Role::Editor),
        Some(Role::Editor) => Some(Role::Lead),
        Some(Role::Lead) => None,
    })
}

fn entity_kinds() -> Vec<EntityKind> {
    chain(|k| match k {
        None => Some(EntityKind::Person),
        Some(EntityKind::Person) => Some(EntityKind::Sheet),
        Some(EntityKind::Sheet) => Some(EntityKind::Incident),
        Some(EntityKind::Incident) => Some(EntityKind::ChecklistRun),
        Some(EntityKind::ChecklistRun) => Some(EntityKind::Guidance),
        Some(EntityKind::Guidance) => Some(EntityKind::HandoverNote),
        Some(EntityKind::HandoverNote) => None,
    })
}

fn reject_reasons() -> Vec<RejectReason> {
    use RejectReason as R;
    chain(|r| match r {
        None => Some(R::NotGranted),
        Some(R::NotGranted) => Some(R::GrantEnded),
        Some(R::GrantEnded) => Some(R::Role),
        Some(R::Role) => Some(R::Locked),
        Some(R::Locked) => Some(R::UnitMismatch),
        Some(R::UnitMismatch) => Some(R::ReadOnly),
        Some(R::ReadOnly) => Some(R::ForgedStamp),
        Some(R::ForgedStamp) => Some(R::DuplicateOpId),
        Some(R::DuplicateOpId) => Some(R::Invalid),
        Some(R::Invalid) => None,
    })
}

fn error_codes() -> Vec<ErrorCode> {
    use ErrorCode as E;
    chain(|c| match c {
        None => Some(E::BadRequest),
        Some(E::BadRequest) => Some(E::Unauthorized),
        Some(E::Unauthorized) => Some(E::DeviceRevoked),
        Some(E::DeviceRevoked) => Some(E::EnrolmentRefused),
        Some(E::EnrolmentRefused) => Some(E::RateLimited),
        Some(E::RateLimited) => Some(E::PayloadTooLarge),
        Some(E::PayloadTooLarge) => Some(E::UnsupportedMediaType),
        Some(E::UnsupportedMediaType) => Some(E::Internal),
        Some(E::Internal) => Some(E::AuditRefused),
        Some(E::AuditRefused) => None,
    })
}

/// The schema of each `OpOutcome` variant.
fn outcome_schema(outcome: &OpOutcome) -> &'static str {
    match outcome {
        OpOutcome::Applied { .. } => "OpOutcomeApplied",
        OpOutcome::Superseded { .. } => "OpOutcomeSuperseded",
        OpOutcome::Rejected { .. } => "OpOutcomeRejected",
    }
}

/// The schema of each `Change` variant's content (the value under its one key).
fn change_schema(change: &Change) -> &'static str {
    match change {
        Change::Fields(_) => "Fields",
        Change::Item { .. } => "ChangeItem",
    }
}

/// The error answer the server gives with each code, and the document's response for it.
fn error_answer(code: ErrorCode) -> (&'static str, ApiError) {
    match code {
        ErrorCode::BadRequest => ("BadRequest", ApiError::bad_request("push: synthetic")),
        ErrorCode::Unauthorized => ("Unauthorized", ApiError::unauthorized()),
        ErrorCode::DeviceRevoked => ("DeviceRevoked", ApiError::device_revoked()),
        ErrorCode::EnrolmentRefused => ("EnrolmentRefused", ApiError::enrolment_refused()),
        ErrorCode::RateLimited => (
            "RateLimited",
            ApiError::rate_limited(std::time::Duration::from_millis(1500)),
        ),
        ErrorCode::PayloadTooLarge => ("PayloadTooLarge", ApiError::too_large(4 << 20)),
        ErrorCode::UnsupportedMediaType => {
            ("UnsupportedMediaType", ApiError::unsupported_media_type())
        }
        ErrorCode::Internal => ("Internal", ApiError::internal("synthetic failure")),
        ErrorCode::AuditRefused => (
            "AuditRefused",
            ApiError::audit_refused("event 3 does not follow the last event held"),
        ),
    }
}

// ---- synthetic values of every wire type --------------------------------------------------------

const DEVICE: &str = "0193a000-synthetic-device";
const NOW: i64 = 1_795_424_400_000;

fn stamp(counter: u32) -> Hlc {
    Hlc {
        wall_ms: NOW,
        counter,
        device: DEVICE.into(),
    }
}

fn fields_change() -> Change {
    Change::Fields(BTreeMap::from([
        ("note".to_string(), json!("Synthetic note")),
        ("status".to_string(), json!("draft")),
        ("occurred_at".to_string(), json!(NOW)),
        ("ended_at".to_string(), Value::Null),
        ("review.due".to_string(), json!(NOW)),
        ("score".to_string(), json!(-2.5)),
        ("tags".to_string(), json!(["synthetic", true, 3])),
    ]))
}

fn item_change() -> Change {
    Change::Item {
        list: "use_of_force".into(),
        item_id: "f1".into(),
        value: json!({"pos": 1.5, "started_at": NOW, "staff": [{"name": "Sam (synthetic)"}]}),
    }
}

fn tombstone() -> Change {
    Change::Item {
        list: "addenda".into(),
        item_id: "a1".into(),
        value: Value::Null,
    }
}

fn changes() -> Vec<Change> {
    vec![fields_change(), item_change(), tombstone()]
}

fn operations() -> Vec<Operation> {
    let kinds = entity_kinds();
    changes()
        .into_iter()
        .enumerate()
        .flat_map(|(i, change)| {
            kinds.iter().map(move |&entity| Operation {
                op_id: format!("0193a{i}-{}-op", entity.as_str()),
                entity,
                entity_id: format!("0193b{i}-synthetic"),
                unit_id: "ward-a".into(),
                change: change.clone(),
                stamp: stamp(i as u32),
            })
        })
        .collect()
}

fn grants() -> Vec<UnitGrant> {
    roles()
        .into_iter()
        .enumerate()
        .map(|(i, role)| UnitGrant {
            unit_id: format!("ward-{i}"),
            organisation: "Example Trust (synthetic)".into(),
            name: format!("Ward {i}"),
            mental_health_unit: i % 2 == 0,
            role,
            // Every grant but the first has an end: both shapes are on the wire.
            ends_at: (i > 0).then_some(Timestamp(NOW + 86_400_000)),
        })
        .collect()
}

fn winner(item_id: &str, value: Value) -> Winner {
    Winner {
        field: "note".into(),
        item_id: item_id.into(),
        value,
        stamp: stamp(9),
        withheld: false,
    }
}

fn withheld() -> Winner {
    let mut w = winner("", json!("A value the answer had no room for"));
    w.withhold();
    w
}

fn outcomes() -> Vec<OpOutcome> {
    let mut all = vec![
        OpOutcome::Applied { clamped: None },
        OpOutcome::Applied {
            clamped: Some(stamp(1)),
        },
        OpOutcome::Superseded {
            winners: vec![
                winner("", json!("A later note")),
                winner("a1", Value::Null),
                withheld(),
            ],
            clamped: Some(stamp(2)),
        },
        OpOutcome::Superseded {
            winners: vec![],
            clamped: None,
        },
    ];
    all.extend(
        reject_reasons()
            .into_iter()
            .map(|reason| OpOutcome::Rejected {
                reason,
                detail: "op.change.note: synthetic refusal".into(),
            }),
    );
    all
}

fn sync_request() -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: Some("v1:ward-a=1042".into()),
        push: operations(),
        pull_limit: 1000,
    }
}

fn sync_response() -> SyncResponse {
    SyncResponse {
        protocol: PROTOCOL_VERSION,
        results: outcomes()
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| OpResult {
                op_id: format!("0193a{i}-op"),
                outcome,
            })
            .collect(),
        changes: operations().iter().map(PulledChange::from).collect(),
        cursor: "v1:ward-a=1042,ward-b=7".into(),
        more: true,
        grants: grants(),
        ended_units: vec!["ward-old".into()],
        full_resync: true,
        server_time: Timestamp(NOW),
    }
}

fn enroll_request() -> EnrollRequest {
    EnrollRequest {
        protocol: PROTOCOL_VERSION,
        code: "K7Q2MX-synthetic-secret".into(),
        device_id: DEVICE.into(),
        device_label: "Alex Morgan (synthetic), Support worker".into(),
        staff_name: Some("Alex Morgan (synthetic)".into()),
        staff_job_title: Some("Support worker".into()),
    }
}

fn enroll_response() -> EnrollResponse {
    EnrollResponse {
        protocol: PROTOCOL_VERSION,
        device_token: "synthetic-token-0123456789abcdefghijklmnopqrstuv".into(),
        grants: grants(),
        server_time: Timestamp(NOW),
    }
}

fn grants_request() -> GrantsRequest {
    GrantsRequest {
        protocol: PROTOCOL_VERSION,
        code: "P4R8ZT-synthetic-secret".into(),
        device_id: DEVICE.into(),
    }
}

fn grants_response() -> GrantsResponse {
    GrantsResponse {
        protocol: PROTOCOL_VERSION,
        grants: grants(),
        ended_units: vec!["ward-old".into()],
        server_time: Timestamp(NOW),
    }
}

fn audit_request() -> AuditPushRequest {
    let event = AuditEvent {
        seq: 1,
        at: Timestamp(NOW),
        actor: "Alex Morgan".into(),
        action: "view".into(),
        entity: "person".into(),
        entity_id: "0193b000-synthetic-person".into(),
        unit_id: "ward-a".into(),
        detail: "card".into(),
    };
    let hash = hex::encode(steady_core::audit::chain_hash(
        &steady_core::audit::GENESIS,
        &event,
    ));
    AuditPushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: DEVICE.into(),
        events: vec![AuditRecord { event, hash }],
    }
}

fn audit_response() -> AuditPushResponse {
    AuditPushResponse {
        protocol: PROTOCOL_VERSION,
        acknowledged: 1,
        stored: 1,
    }
}

fn health() -> HealthResponse {
    HealthResponse {
        status: "ok".into(),
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
    }
}

/// Reads `value` as the Rust type behind the schema `name` (`None`: a schema with no type of
/// its own to read, such as a variant's content).
fn decoder(name: &str) -> fn(Value) -> bool {
    match name {
        "Hlc" => reads_as::<Hlc>,
        "UnitGrant" => reads_as::<UnitGrant>,
        "ChangeItem" => |v| reads_as::<Change>(json!({ "item": v })),
        "Operation" => reads_as::<Operation>,
        "PulledChange" => reads_as::<PulledChange>,
        "EnrollRequest" => reads_as::<EnrollRequest>,
        "EnrollResponse" => reads_as::<EnrollResponse>,
        "GrantsRequest" => reads_as::<GrantsRequest>,
        "GrantsResponse" => reads_as::<GrantsResponse>,
        "SyncRequest" => reads_as::<SyncRequest>,
        "SyncResponse" => reads_as::<SyncResponse>,
        "Winner" => reads_as::<Winner>,
        "OpOutcomeApplied" => |v| variant_reads(v, "applied"),
        "OpOutcomeSuperseded" => |v| variant_reads(v, "superseded"),
        "OpOutcomeRejected" => |v| variant_reads(v, "rejected"),
        "OpResult" => reads_as::<OpResult>,
        "HealthResponse" => reads_as::<HealthResponse>,
        "AuditRecord" => reads_as::<AuditRecord>,
        "AuditPushRequest" => reads_as::<AuditPushRequest>,
        "AuditPushResponse" => reads_as::<AuditPushResponse>,
        "ErrorBody" => reads_as::<ErrorBody>,
        other => panic!("no decoder for the schema {other}"),
    }
}

fn variant_reads(value: Value, status: &str) -> bool {
    serde_json::from_value::<OpOutcome>(value).is_ok_and(|o| to_json(&o)["status"] == status)
}

/// Every serialised value of every object schema, named by its schema: the wire types as a
/// peer sees them, nested values included.
fn samples() -> Vec<(&'static str, Value)> {
    let mut all: Vec<(&'static str, Value)> = Vec::new();
    for g in grants() {
        all.push(("UnitGrant", to_json(&g)));
    }
    for op in operations() {
        all.push(("Operation", to_json(&op)));
        all.push(("PulledChange", to_json(&PulledChange::from(&op))));
        all.push(("Hlc", to_json(&op.stamp)));
    }
    for change in changes() {
        let wire = to_json(&change);
        let (_, content) = wire.as_object().unwrap().iter().next().unwrap();
        all.push((change_schema(&change), content.clone()));
    }
    for outcome in outcomes() {
        all.push((outcome_schema(&outcome), to_json(&outcome)));
        if let OpOutcome::Superseded { winners, .. } = &outcome {
            for w in winners {
                all.push(("Winner", to_json(w)));
            }
        }
    }
    for result in sync_response().results {
        all.push(("OpResult", to_json(&result)));
    }
    all.push(("SyncRequest", to_json(&sync_request())));
    all.push(("SyncResponse", to_json(&sync_response())));
    all.push(("EnrollRequest", to_json(&enroll_request())));
    all.push(("EnrollResponse", to_json(&enroll_response())));
    all.push(("GrantsRequest", to_json(&grants_request())));
    all.push(("GrantsResponse", to_json(&grants_response())));
    all.push(("HealthResponse", to_json(&health())));
    for record in audit_request().events {
        all.push(("AuditRecord", to_json(&record)));
    }
    all.push(("AuditPushRequest", to_json(&audit_request())));
    all.push(("AuditPushResponse", to_json(&audit_response())));
    for code in error_codes() {
        all.push(("ErrorBody", to_json(&error_answer(code).1.body)));
    }
    all
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn string_set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is not a list"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

// ---- the tests ------------------------------------------------------------------------------------

#[test]
fn the_document_is_openapi_3_1_with_the_five_endpoints() {
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = keys(&doc["paths"]);
    assert_eq!(
        paths,
        BTreeSet::from([
            "/v1/health".into(),
            "/v1/enroll".into(),
            "/v1/grants".into(),
            "/v1/sync".into(),
            "/v1/audit".into()
        ])
    );
    assert!(doc["paths"]["/v1/health"]["get"].is_object());
    assert!(doc["paths"]["/v1/enroll"]["post"].is_object());
    assert!(doc["paths"]["/v1/enroll"]["post"]["security"].is_null());
    // Sync and an added placement take the device token; enrolment and health take none.
    for path in ["/v1/sync", "/v1/grants", "/v1/audit"] {
        assert_eq!(
            doc["paths"][path]["post"]["security"],
            json!([{"deviceToken": []}]),
            "{path}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["deviceToken"],
        json!({"type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["deviceToken"]["description"]})
    );
    assert!(doc["security"].is_null());
    // Every schema compiles.
    for name in keys(&doc["components"]["schemas"]) {
        validator(&doc, &name);
    }
}

#[test]
fn every_wire_value_matches_its_schema() {
    let doc = doc();
    for (name, value) in samples() {
        assert_valid(&doc, name, &value);
    }
    // The variants through their union types too.
    for outcome in outcomes() {
        assert_valid(&doc, "OpOutcome", &to_json(&outcome));
    }
    for change in changes() {
        assert_valid(&doc, "Change", &to_json(&change));
    }
    assert_valid(&doc, "Timestamp", &to_json(&Timestamp(NOW)));
    // The shapes an older or a terser peer sends: no cursor, no push, null options.
    assert_valid(
        &doc,
        "SyncRequest",
        &json!({"protocol": 1, "pull_limit": 1}),
    );
    assert_valid(
        &doc,
        "SyncRequest",
        &json!({"protocol": 1, "pull_limit": 1, "cursor": null, "push": []}),
    );
}

#[test]
fn every_schema_lists_exactly_the_keys_its_type_sends() {
    let doc = doc();
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, value) in samples() {
        seen.entry(name).or_default().extend(keys(&value));
    }
    for (name, sent) in &seen {
        if *name == "Fields" {
            // A map: its keys are the record's field names, not the schema's.
            continue;
        }
        let documented = keys(&component(&doc, name)["properties"]);
        assert_eq!(
            &documented, sent,
            "the properties of {name} in docs/openapi.yaml differ from what the wire type sends"
        );
    }
    // And no object schema of the document is left without a wire type behind it.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if schema.get("properties").is_some() && name != "Change" {
            assert!(
                seen.contains_key(name.as_str()),
                "docs/openapi.yaml describes {name}, which no wire value here has"
            );
        }
    }
    // Change's one key names its variant: each variant's key is a property.
    let variants: BTreeSet<String> = changes().iter().flat_map(|c| keys(&to_json(c))).collect();
    assert_eq!(keys(&component(&doc, "Change")["properties"]), variants);
    let branches: BTreeSet<String> = component(&doc, "Change")["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| string_set(&b["required"]))
        .collect();
    assert_eq!(branches, variants);
}

#[test]
fn required_lists_exactly_the_keys_a_reader_cannot_do_without() {
    let doc = doc();
    for (name, value) in samples().into_iter().filter(|(name, _)| *name != "Fields") {
        let required = string_set(&component(&doc, name)["required"]);
        let decode = decoder(name);
        assert!(decode(value.clone()), "{name}: {value} does not read back");
        for key in keys(&value) {
            let mut without = value.clone();
            without.as_object_mut().unwrap().remove(&key);
            assert_eq!(
                !decode(without),
                required.contains(&key),
                "{name}.{key}: docs/openapi.yaml says it is {}required, the wire type disagrees",
                if required.contains(&key) { "" } else { "not " }
            );
        }
    }
    // Change has exactly one key: without it, or with a second, it is not a change.
    for change in changes() {
        let wire = to_json(&change);
        assert!(!reads_as::<Change>(json!({})));
        let mut two = wire.as_object().unwrap().clone();
        two.insert("hint".into(), json!(1));
        assert!(!reads_as::<Change>(Value::Object(two.clone())));
        assert!(!validator(&doc, "Change").is_valid(&Value::Object(two)));
    }
}

#[test]
fn enums_and_constants_match_the_wire() {
    let doc = doc();
    let check = |name: &str, sent: Vec<Value>| {
        let sent: BTreeSet<String> = sent
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            string_set(&component(&doc, name)["enum"]),
            sent,
            "the values of {name} in docs/openapi.yaml differ from the wire type's"
        );
    };
    check("Role", roles().iter().map(to_json).collect());
    check("EntityKind", entity_kinds().iter().map(to_json).collect());
    check(
        "RejectReason",
        reject_reasons().iter().map(to_json).collect(),
    );
    check("ErrorCode", error_codes().iter().map(to_json).collect());

    // OpOutcome: one branch per variant, each with its status, and the discriminator agrees.
    let mut branches = BTreeMap::new();
    for outcome in outcomes() {
        let schema = outcome_schema(&outcome);
        branches.insert(
            to_json(&outcome)["status"].as_str().unwrap().to_string(),
            schema,
        );
        assert_eq!(
            component(&doc, schema)["properties"]["status"]["const"],
            to_json(&outcome)["status"]
        );
    }
    let union = component(&doc, "OpOutcome");
    let listed: BTreeSet<String> = union["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["$ref"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = branches
        .values()
        .map(|s| format!("#/components/schemas/{s}"))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(union["discriminator"]["propertyName"], "status");
    let mapping: BTreeMap<String, String> = branches
        .iter()
        .map(|(status, s)| (status.clone(), format!("#/components/schemas/{s}")))
        .collect();
    assert_eq!(union["discriminator"]["mapping"], to_json(&mapping));

    // The protocol version every message carries.
    for name in [
        "EnrollRequest",
        "EnrollResponse",
        "GrantsRequest",
        "GrantsResponse",
        "SyncRequest",
        "SyncResponse",
        "HealthResponse",
        "AuditPushRequest",
        "AuditPushResponse",
    ] {
        assert_eq!(
            component(&doc, name)["properties"]["protocol"]["const"],
            json!(PROTOCOL_VERSION),
            "{name}.protocol"
        );
    }
    assert_eq!(
        component(&doc, "HealthResponse")["properties"]["status"]["const"],
        json!(health().status)
    );
}

#[test]
fn every_error_answer_is_documented_with_its_status_and_code() {
    let doc = doc();
    let responses = &doc["components"]["responses"];
    for code in error_codes() {
        let (name, answer) = error_answer(code);
        let response = &responses[name];
        assert!(response.is_object(), "no response {name} for {code:?}");
        let schema = &response["content"]["application/json"]["schema"];
        assert_eq!(
            schema["allOf"][0]["$ref"], "#/components/schemas/ErrorBody",
            "{name}"
        );
        assert_eq!(
            schema["allOf"][1]["properties"]["error"]["const"],
            to_json(&code),
            "{name}"
        );
        assert_valid(&doc, "ErrorBody", &to_json(&answer.body));
        // Wherever an endpoint refers to it, it is under the status the server answers with.
        let reference = format!("#/components/responses/{name}");
        let mut used = 0;
        for (path, methods) in doc["paths"].as_object().unwrap() {
            for (method, operation) in methods.as_object().unwrap() {
                for (status, r) in operation["responses"].as_object().unwrap() {
                    if r["$ref"] == reference.as_str() {
                        used += 1;
                        assert_eq!(
                            status,
                            &answer.status.as_u16().to_string(),
                            "{method} {path}: {name}"
                        );
                    }
                }
            }
        }
        assert!(used > 0, "no endpoint answers {name}");
    }
    // The answer a timeout gets.
    let timeout = ApiError::for_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        responses["TimedOut"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["error"]
            ["const"],
        to_json(&timeout.body.error)
    );
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            assert_eq!(
                operation["responses"]["503"]["$ref"], "#/components/responses/TimedOut",
                "{method} {path}"
            );
            // Every error answer of every endpoint is an ErrorBody.
            for (status, r) in operation["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    let name = r["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/responses/"))
                        .unwrap_or_else(|| {
                            panic!("{method} {path} {status}: not a shared response")
                        });
                    assert!(responses[name].is_object(), "{name}");
                }
            }
        }
    }
    // Every shared error answer names a code the wire type has (one, or a few where one status
    // answers for more than one: `RevokedOrRefused`).
    let codes: Vec<Value> = error_codes().iter().map(to_json).collect();
    for (name, response) in responses.as_object().unwrap() {
        let error =
            &response["content"]["application/json"]["schema"]["allOf"][1]["properties"]["error"];
        let named: Vec<Value> = match error["enum"].as_array() {
            Some(list) => list.clone(),
            None => vec![error["const"].clone()],
        };
        assert!(!named.is_empty(), "{name} names no code");
        for code in &named {
            assert!(codes.contains(code), "{name}: {code} is not an ErrorCode");
        }
    }
    // The codes of such a shared answer share the status the server gives each of them.
    let either = &responses["RevokedOrRefused"]["content"]["application/json"]["schema"]["allOf"]
        [1]["properties"]["error"]["enum"];
    assert_eq!(
        either,
        &json!([
            to_json(&ErrorCode::DeviceRevoked),
            to_json(&ErrorCode::EnrolmentRefused)
        ])
    );
    assert_eq!(
        ApiError::device_revoked().status,
        ApiError::enrolment_refused().status
    );
    assert_eq!(
        doc["paths"]["/v1/grants"]["post"]["responses"][ApiError::device_revoked().status.as_str()]
            ["$ref"],
        "#/components/responses/RevokedOrRefused"
    );
    assert_eq!(
        responses["RateLimited"]["headers"]["Retry-After"]["schema"]["minimum"],
        json!(1)
    );
}

#[test]
fn the_bounds_are_the_protocol_constants() {
    let doc = doc();
    let at = |pointer: &str| {
        doc.pointer(&format!("/components/schemas/{pointer}"))
            .unwrap_or_else(|| panic!("docs/openapi.yaml has no {pointer}"))
            .clone()
    };
    let cases = [
        ("Hlc/properties/wall_ms/minimum", json!(0)),
        ("Hlc/properties/wall_ms/maximum", json!(MAX_WIRE_TIME_MS)),
        ("Hlc/properties/counter/minimum", json!(0)),
        ("Hlc/properties/counter/maximum", json!(MAX_HLC_COUNTER)),
        ("Instant/minimum", json!(0)),
        ("Instant/maximum", json!(MAX_WIRE_TIME_MS)),
        ("Id/minLength", json!(1)),
        ("Id/maxLength", json!(MAX_ID_BYTES)),
        ("Winner/properties/item_id/maxLength", json!(MAX_ID_BYTES)),
        ("WireValue/maximum", json!(MAX_WIRE_NUMBER as i64)),
        ("WireValue/minimum", json!(-(MAX_WIRE_NUMBER as i64))),
        ("Fields/minProperties", json!(1)),
        ("Fields/maxProperties", json!(MAX_FIELDS_PER_OP)),
        ("SyncRequest/properties/push/maxItems", json!(MAX_PUSH_OPS)),
        ("SyncRequest/properties/pull_limit/minimum", json!(1)),
        (
            "SyncRequest/properties/pull_limit/maximum",
            json!(MAX_PULL_LIMIT),
        ),
        (
            "SyncResponse/properties/results/maxItems",
            json!(MAX_PUSH_OPS),
        ),
        (
            "SyncResponse/properties/changes/maxItems",
            json!(MAX_PULL_LIMIT),
        ),
        (
            "AuditPushRequest/properties/events/maxItems",
            json!(MAX_AUDIT_EVENTS),
        ),
        ("AuditPushRequest/properties/events/minItems", json!(1)),
        (
            "AuditPushResponse/properties/stored/maximum",
            json!(MAX_AUDIT_EVENTS),
        ),
        (
            "AuditRecord/properties/detail/maxLength",
            json!(MAX_AUDIT_TEXT_BYTES),
        ),
        (
            "AuditRecord/properties/actor/maxLength",
            json!(MAX_AUDIT_TEXT_BYTES),
        ),
        ("AuditRecord/properties/at/maximum", json!(MAX_WIRE_TIME_MS)),
    ];
    for (pointer, constant) in cases {
        assert_eq!(at(pointer), constant, "{pointer}");
    }
    // The instant keys of a value are the keys `Operation::validate` treats as instants.
    let time_key = "(^|\\.)(at|due)$|_at$";
    assert!(at("Fields/patternProperties").get(time_key).is_some());
    assert!(at("WireValue/patternProperties").get(time_key).is_some());
}

/// A sync request with one operation whose parts are replaced as given.
fn request_with(edit: impl FnOnce(&mut Map<String, Value>, &mut Map<String, Value>)) -> Value {
    let mut request = to_json(&SyncRequest {
        push: vec![operations().remove(0)],
        ..sync_request()
    });
    let mut op = request["push"][0].as_object().unwrap().clone();
    let envelope = request.as_object_mut().unwrap();
    edit(envelope, &mut op);
    envelope.insert("push".into(), json!([op]));
    request
}

fn fields(n: usize) -> Value {
    let map: Map<String, Value> = (0..n).map(|i| (format!("f{i}"), json!(i))).collect();
    json!({ "fields": map })
}

#[test]
fn the_schema_and_the_protocol_agree_at_and_past_every_bound() {
    let doc = doc();
    let schema = validator(&doc, "SyncRequest");
    let long = |n: usize| Value::from("x".repeat(n));
    let ops = |n: usize| {
        let op = to_json(&operations()[0]);
        Value::Array(vec![op; n])
    };
    type Edit = Box<dyn FnOnce(&mut Map<String, Value>, &mut Map<String, Value>)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("as made", Box::new(|_, _| {})),
        (
            "an unknown key anywhere",
            Box::new(|r, o| {
                r.insert("hint".into(), json!("new in v1.1"));
                o.insert("hint".into(), json!({"x": 1}));
            }),
        ),
        (
            "protocol 2",
            Box::new(|r, _| {
                r.insert("protocol".into(), json!(2));
            }),
        ),
        (
            "pull_limit 0",
            Box::new(|r, _| {
                r.insert("pull_limit".into(), json!(0));
            }),
        ),
        (
            "pull_limit at the maximum",
            Box::new(|r, _| {
                r.insert("pull_limit".into(), json!(MAX_PULL_LIMIT));
            }),
        ),
        (
            "pull_limit past the maximum",
            Box::new(|r, _| {
                r.insert("pull_limit".into(), json!(MAX_PULL_LIMIT + 1));
            }),
        ),
        (
            "counter at the maximum",
            Box::new(|_, o| {
                o["stamp"]["counter"] = json!(MAX_HLC_COUNTER);
            }),
        ),
        (
            "counter past the maximum",
            Box::new(|_, o| {
                o["stamp"]["counter"] = json!(MAX_HLC_COUNTER + 1);
            }),
        ),
        (
            "wall_ms at the maximum",
            Box::new(|_, o| {
                o["stamp"]["wall_ms"] = json!(MAX_WIRE_TIME_MS);
            }),
        ),
        (
            "wall_ms past the maximum",
            Box::new(|_, o| {
                o["stamp"]["wall_ms"] = json!(MAX_WIRE_TIME_MS + 1);
            }),
        ),
        (
            "wall_ms before 1970",
            Box::new(|_, o| {
                o["stamp"]["wall_ms"] = json!(-1);
            }),
        ),
        (
            "an id at the longest",
            Box::new(move |_, o| {
                o.insert("entity_id".into(), long(MAX_ID_BYTES));
            }),
        ),
        (
            "an id too long",
            Box::new(move |_, o| {
                o.insert("unit_id".into(), long(MAX_ID_BYTES + 1));
            }),
        ),
        (
            "an empty id",
            Box::new(|_, o| {
                o["stamp"]["device"] = json!("");
            }),
        ),
        (
            "a control character in an id",
            Box::new(|_, o| {
                o.insert("op_id".into(), json!("op\u{7}1"));
            }),
        ),
        (
            "the most fields",
            Box::new(|_, o| {
                o.insert("change".into(), fields(MAX_FIELDS_PER_OP));
            }),
        ),
        (
            "too many fields",
            Box::new(|_, o| {
                o.insert("change".into(), fields(MAX_FIELDS_PER_OP + 1));
            }),
        ),
        (
            "no fields",
            Box::new(|_, o| {
                o.insert("change".into(), fields(0));
            }),
        ),
        (
            "an instant past 2100",
            Box::new(|_, o| {
                o["change"]["fields"]["occurred_at"] = json!(MAX_WIRE_TIME_MS + 1);
            }),
        ),
        (
            "an instant as text",
            Box::new(|_, o| {
                o["change"]["fields"]["review.due"] = json!("2026-12-03T10:00:00Z");
            }),
        ),
        (
            "a nested instant before 1970",
            Box::new(|_, o| {
                o.insert(
                    "change".into(),
                    json!({"item": {"list": "use_of_force", "item_id": "f1",
                                     "value": {"pos": 1, "started_at": -5}}}),
                );
            }),
        ),
        (
            "a number at 2^53",
            Box::new(|_, o| {
                o["change"]["fields"]["score"] = json!(MAX_WIRE_NUMBER);
            }),
        ),
        (
            "a number past 2^53, nested",
            Box::new(|_, o| {
                o["change"]["fields"]["tags"] = json!([[1e66]]);
            }),
        ),
        (
            "a change with two variants",
            Box::new(|_, o| {
                o.insert(
                    "change".into(),
                    json!({"fields": {"note": "x"}, "item": {"list": "l", "item_id": "i", "value": 1}}),
                );
            }),
        ),
        (
            "an unknown entity",
            Box::new(|_, o| {
                o.insert("entity".into(), json!("staff_rota"));
            }),
        ),
    ];
    let mut checked = 0;
    for (what, edit) in cases {
        let request = request_with(edit);
        let protocol_accepts = serde_json::from_value::<SyncRequest>(request.clone())
            .is_ok_and(|r| r.validate().is_ok());
        assert_eq!(
            schema.is_valid(&request),
            protocol_accepts,
            "{what}: docs/openapi.yaml {} it, the protocol {} it",
            if schema.is_valid(&request) {
                "accepts"
            } else {
                "refuses"
            },
            if protocol_accepts {
                "accepts"
            } else {
                "refuses"
            },
        );
        checked += 1;
    }
    // The batch size, on the envelope.
    for (n, fits) in [(MAX_PUSH_OPS, true), (MAX_PUSH_OPS + 1, false)] {
        let mut request = to_json(&sync_request());
        request["push"] = ops(n);
        let protocol_accepts = serde_json::from_value::<SyncRequest>(request.clone())
            .is_ok_and(|r| r.validate_envelope().is_ok());
        assert_eq!(protocol_accepts, fits);
        assert_eq!(schema.is_valid(&request), fits, "{n} operations");
        checked += 1;
    }
    assert!(checked > 20);
}
