//! A hostile client against a real server: someone holding one real device token and raw HTTP,
//! trying to change what other people's phones show. Each test is named after what a user
//! would lose, runs on both back ends, and checks the store and what an honest device then
//! pulls, not only the answer the attacker got.
//!
//! The server is the authority on every record (issue 19): these are the rules it enforces on
//! every op whatever the client, and the ones the device checks first.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use steady_core::Error;
use steady_core::audit::AuditEvent;
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::people::NewPerson;
use steady_core::protocol::AuditRecord;
use steady_core::protocol::{Change, EntityKind, Operation, PROTOCOL_VERSION};
use steady_core::sheet::SheetText;
use steady_e2e::{Backend, Cluster, Device, on_both_back_ends};

on_both_back_ends!(
    a_bank_workers_phone_cannot_take_over_another_units_crisis_plan,
    an_incident_cannot_name_a_person_of_another_unit,
    a_submission_locks_whatever_a_hostile_phone_sends_first,
    one_malformed_op_never_blocks_the_rest_of_a_phones_queue,
    a_value_of_the_wrong_type_is_refused_naming_its_field,
    after_a_placement_ends_a_phone_neither_rewrites_a_plan_nor_reads_what_changed,
    a_malformed_addendum_never_makes_a_units_incidents_unreadable,
    nobody_signs_an_addendum_or_a_record_in_someone_elses_name,
    a_use_of_force_in_a_mental_health_unit_is_never_submitted_incomplete,
    an_incident_dated_next_month_or_a_field_no_reader_knows_is_refused,
    a_small_push_never_buys_a_large_answer_or_a_larger_store,
    the_name_a_phone_is_enrolled_for_is_the_only_one_it_writes,
    a_placement_code_is_refused_to_another_devices_token_and_a_revoked_device_and_still_works_for_its_owner,
    no_phone_records_a_hold_or_an_identity_the_rules_of_restraint_forbid,
    observations_are_anyones_to_add_but_bounded_and_never_a_back_door_for_words,
    no_plan_authorises_what_the_persons_own_cautions_rule_out,
    no_phone_forges_gaps_or_files_another_phones_audit_trail_and_a_retry_is_stored_once,
    a_timeline_or_a_later_identification_is_signed_checked_and_frozen_like_the_rest,
    the_s65_answers_proposals_and_declines_are_checked_like_every_other_value,
    nobody_rewrites_or_forges_a_handover_note_and_a_note_stands_after_twelve_hours,
);

/// Plain HTTP to the server, as any client (or attacker) can speak it.
struct Raw {
    client: reqwest::blocking::Client,
    base: String,
    token: String,
    device_id: String,
}

impl Raw {
    /// Enrols a device of its own with `grants`, by raw HTTP.
    fn enrol<S: Backend>(c: &Cluster<S>, name: &str, grants: &[(&str, Role)]) -> Raw {
        let grants: Vec<(&str, Role, Option<Timestamp>)> =
            grants.iter().map(|(u, r)| (*u, *r, None)).collect();
        let (status, raw) = Raw::enrol_with(c, name, &c.code(&grants), json!({}));
        assert_eq!(status, 200);
        raw.expect("enrolled")
    }

    /// Enrols with `code`, the body's fields `extra` added; the status, and the device if
    /// enrolled.
    fn enrol_with<S: Backend>(
        c: &Cluster<S>,
        name: &str,
        code: &str,
        extra: Value,
    ) -> (u16, Option<Raw>) {
        let client = reqwest::blocking::Client::new();
        let base = c.proxy.url();
        let device_id = format!("hostile-{name}");
        let mut body = json!({"protocol": PROTOCOL_VERSION, "code": code,
                              "device_id": device_id, "device_label": "Hostile (synthetic)"});
        for (k, v) in extra.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let res = client
            .post(format!("{base}/v1/enroll"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .expect("enrol");
        let status = res.status().as_u16();
        if status != 200 {
            return (status, None);
        }
        let body: Value = res.json().expect("json");
        let raw = Raw {
            client,
            base,
            token: body["device_token"].as_str().expect("token").to_string(),
            device_id,
        };
        (status, Some(raw))
    }

    /// Posts a raw sync body; the status and the body as JSON.
    fn sync_body(&self, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/v1/sync", self.base))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", self.token))
            .body(body.to_string())
            .send()
            .expect("the server answers");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    }

    /// Posts `POST /v1/grants` (an added placement) with `token`, if any; the status and body.
    fn add_grants(&self, token: Option<&str>, device_id: &str, code: &str) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/v1/grants", self.base))
            .header("content-type", "application/json")
            .body(
                json!({"protocol": PROTOCOL_VERSION, "code": code, "device_id": device_id})
                    .to_string(),
            );
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let res = request.send().expect("the server answers");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    }

    /// Posts `POST /v1/audit` with `body`; the status and the body as JSON.
    fn audit_body(&self, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/v1/audit", self.base))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", self.token))
            .body(body.to_string())
            .send()
            .expect("the server answers");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    }

    /// Pushes `push` (raw JSON operations); the per-op outcomes.
    fn push(&self, push: Vec<Value>) -> Vec<Value> {
        let (status, body) = self.sync_body(&json!({
            "protocol": PROTOCOL_VERSION, "push": push, "pull_limit": 10
        }));
        assert_eq!(status, 200, "{body}");
        body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["outcome"].clone())
            .collect()
    }

    /// An operation setting one item of `list` on an incident, stamped now by this device.
    fn item(&self, op_id: &str, incident: &str, list: &str, item_id: &str, value: Value) -> Value {
        let mut op = self.op(op_id, EntityKind::Incident, incident, "ash-ward", json!({}));
        op["change"] = json!({"item": {"list": list, "item_id": item_id, "value": value}});
        op
    }

    /// An operation setting `fields` on a record, stamped now by this device.
    fn op(&self, op_id: &str, kind: EntityKind, id: &str, unit: &str, fields: Value) -> Value {
        let fields: BTreeMap<String, Value> =
            serde_json::from_value(fields).expect("an object of fields");
        serde_json::to_value(Operation {
            op_id: op_id.into(),
            entity: kind,
            entity_id: id.into(),
            unit_id: unit.into(),
            change: Change::Fields(fields),
            stamp: Hlc {
                wall_ms: Timestamp::now().0,
                counter: 0,
                device: self.device_id.clone(),
            },
        })
        .expect("json")
    }
}

/// A mental health unit, "ash-ward", where a crew member's phone has captured, submitted and
/// synced an incident; its id.
fn a_crews_submitted_incident<S: Backend>(c: &Cluster<S>) -> String {
    c.unit("ash-ward", true);
    let crew = c.device("Crew member", &[("ash-ward", Role::Reader, None)]);
    let incident = crew
        .store
        .capture_incident(QuickCapture {
            unit_id: "ash-ward".into(),
            note: "Synthetic: verbal aggression".into(),
            ..QuickCapture::default()
        })
        .expect("capture");
    crew.store.submit_incident(&incident).expect("submit");
    crew.sync().expect("sync");
    incident
}

/// A synthetic person recorded in `unit` by `device` (an editor there).
fn someone(device: &Device, unit: &str, name: &str) -> String {
    device
        .store
        .create_person(
            unit,
            NewPerson {
                display_name: name.into(),
                preferred_name: None,
                local_identifier: None,
                nhs_number: None,
            },
        )
        .expect("person")
}

/// Each op's outcome is `expect`'s (status, and the reason when one is given).
fn expect_outcomes(outcomes: &[Value], expect: &[(&str, &str)]) {
    assert_eq!(outcomes.len(), expect.len(), "{outcomes:?}");
    for (i, want) in expect.iter().enumerate() {
        assert_eq!(status_of(&outcomes[i]).0, want.0, "op {i}: {outcomes:?}");
        if !want.1.is_empty() {
            assert_eq!(status_of(&outcomes[i]).1, want.1, "op {i}: {outcomes:?}");
        }
    }
}

fn status_of(outcome: &Value) -> (&str, &str) {
    (
        outcome["status"].as_str().unwrap_or(""),
        outcome["reason"].as_str().unwrap_or(""),
    )
}

fn a_bank_workers_phone_cannot_take_over_another_units_crisis_plan<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    c.unit("birch-house", false);
    // Birch house's own editor records a resident.
    let birch = c.device("Birch editor", &[("birch-house", Role::Editor, None)]);
    let person = someone(&birch, "birch-house", "Synthetic Resident");
    birch.sync().expect("sync");
    // An editor on Ash ward who also reads Birch house (a bank worker) pushes that person's
    // sheet into Ash ward before Birch house writes it.
    let hostile = Raw::enrol(
        &c,
        "bank",
        &[("ash-ward", Role::Editor), ("birch-house", Role::Reader)],
    );
    let outcomes = hostile.push(vec![hostile.op(
        "takeover",
        EntityKind::Sheet,
        &person,
        "ash-ward",
        json!({ SheetText::WhatStaffShouldDo.key(): "Hold him face down" }),
    )]);
    assert_eq!(status_of(&outcomes[0]), ("rejected", "unit_mismatch"));

    // Birch house writes its plan, and it is saved without a refusal.
    birch
        .store
        .set_sheet_text(
            &person,
            SheetText::WhatStaffShouldDo,
            "Give space; speak calmly",
        )
        .expect("edit");
    let report = birch.sync().expect("sync");
    assert_eq!(report.quarantined, 0, "{report:?}");
    // A phone holding both units shows Birch house's plan for Birch house's person.
    let both = c.device(
        "Bank worker",
        &[
            ("ash-ward", Role::Reader, None),
            ("birch-house", Role::Reader, None),
        ],
    );
    both.sync().expect("sync");
    let sheet = both.store.support_sheet(&person).expect("sheet");
    assert_eq!(
        sheet.text(SheetText::WhatStaffShouldDo),
        "Give space; speak calmly"
    );
    assert!(both.store.people("ash-ward").expect("people").is_empty());
}

fn an_incident_cannot_name_a_person_of_another_unit<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    c.unit("birch-house", false);
    let birch = c.device("Birch editor", &[("birch-house", Role::Editor, None)]);
    let person = someone(&birch, "birch-house", "Synthetic Resident");
    birch.sync().expect("sync");
    let hostile = Raw::enrol(
        &c,
        "reader",
        &[("ash-ward", Role::Reader), ("birch-house", Role::Reader)],
    );
    let outcomes = hostile.push(vec![
        hostile.op(
            "named-elsewhere",
            EntityKind::Incident,
            "inc-1",
            "ash-ward",
            json!({"note": "Synthetic", "status": "draft", "person_id": person}),
        ),
        hostile.op(
            "named-nobody",
            EntityKind::Incident,
            "inc-2",
            "ash-ward",
            json!({"note": "Synthetic", "status": "draft", "person_id": "nobody"}),
        ),
    ]);
    assert_eq!(status_of(&outcomes[0]), ("rejected", "unit_mismatch"));
    assert_eq!(status_of(&outcomes[1]), ("rejected", "unit_mismatch"));
    let ash = c.device("Ash nurse", &[("ash-ward", Role::Reader, None)]);
    ash.sync().expect("sync");
    assert!(
        ash.store
            .incidents("ash-ward")
            .expect("incidents")
            .is_empty()
    );
}

fn a_submission_locks_whatever_a_hostile_phone_sends_first<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let crew = c.device("Crew member", &[("ash-ward", Role::Reader, None)]);
    let incident = crew
        .store
        .capture_incident(QuickCapture {
            unit_id: "ash-ward".into(),
            note: "Synthetic: verbal aggression, de-escalated".into(),
            ..QuickCapture::default()
        })
        .expect("capture");
    crew.sync().expect("sync");
    // A hostile phone in the unit rewrites the draft's status with a stamp far in the future
    // (clamped to a minute ahead) before the crew's submission arrives.
    let hostile = Raw::enrol(&c, "clock", &[("ash-ward", Role::Reader)]);
    let mut ahead = hostile.op(
        "reopen",
        EntityKind::Incident,
        &incident,
        "ash-ward",
        json!({"status": "draft"}),
    );
    ahead["stamp"]["wall_ms"] = json!(Timestamp::now().0 + 86_400_000);
    ahead["stamp"]["counter"] = json!(1_000_000);
    let outcomes = hostile.push(vec![ahead]);
    assert_eq!(status_of(&outcomes[0]).0, "applied", "{outcomes:?}");
    // The crew submits; it must lock on the server all the same.
    crew.store.submit_incident(&incident).expect("submit");
    let report = crew.sync().expect("sync");
    assert_eq!(report.quarantined, 0, "{report:?}");
    let again = hostile.push(vec![hostile.op(
        "rewrite",
        EntityKind::Incident,
        &incident,
        "ash-ward",
        json!({"note": "Nothing happened"}),
    )]);
    assert_eq!(status_of(&again[0]), ("rejected", "locked"));
    // An honest phone of the unit sees it submitted, with the crew's note.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let seen = lead.store.incident(&incident).expect("incident");
    assert_eq!(
        serde_json::to_value(seen.status).unwrap(),
        json!("submitted")
    );
    assert_eq!(seen.note, "Synthetic: verbal aggression, de-escalated");
}

fn one_malformed_op_never_blocks_the_rest_of_a_phones_queue<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let hostile = Raw::enrol(&c, "malformed", &[("ash-ward", Role::Reader)]);
    let capture = |op_id: &str, id: &str, occurred_at: Value| {
        hostile.op(
            op_id,
            EntityKind::Incident,
            id,
            "ash-ward",
            json!({"note": "Synthetic", "status": "draft", "occurred_at": occurred_at}),
        )
    };
    let mut deep = json!("leaf");
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let mut pinned = capture("pinned", "inc-4", json!(Timestamp::now().0));
    pinned["stamp"]["counter"] = json!(u32::MAX);
    let outcomes = hostile.push(vec![
        capture("good-1", "inc-1", json!(Timestamp::now().0 - 60_000)),
        // The input the fuzzer found (issue 13).
        serde_json::from_str(&capture("absurd", "inc-2", json!(0)).to_string().replace(
            "\"occurred_at\":0",
            "\"occurred_at\":1666666666666666666666666666666666666666666666666666666795424400000",
        ))
        .expect("json"),
        hostile.op(
            "deep",
            EntityKind::Incident,
            "inc-3",
            "ash-ward",
            json!({ "note": deep }),
        ),
        pinned,
        capture("good-2", "inc-5", json!(Timestamp::now().0 - 30_000)),
    ]);
    let summary: Vec<(&str, &str)> = outcomes.iter().map(status_of).collect();
    assert_eq!(
        summary,
        vec![
            ("applied", ""),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("applied", ""),
        ]
    );
    for (outcome, field) in outcomes[1..4]
        .iter()
        .zip(["occurred_at", "note", "stamp.counter"])
    {
        let detail = outcome["detail"].as_str().unwrap_or("");
        assert!(detail.contains(field), "{detail:?} names {field}");
    }
    // An honest phone pulls the two good captures, and only them.
    let ash = c.device("Ash nurse", &[("ash-ward", Role::Reader, None)]);
    ash.sync().expect("sync");
    let mut ids: Vec<String> = ash
        .store
        .incidents("ash-ward")
        .expect("incidents")
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["inc-1", "inc-5"]);
}

fn a_value_of_the_wrong_type_is_refused_naming_its_field<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let hostile = Raw::enrol(&c, "types", &[("ash-ward", Role::Reader)]);
    let mut op = hostile.op(
        "typed",
        EntityKind::Incident,
        "inc-1",
        "ash-ward",
        json!({"note": "Synthetic"}),
    );
    op["stamp"]["counter"] = json!("seven");
    let (status, body) = hostile.sync_body(&json!({
        "protocol": PROTOCOL_VERSION, "push": [op], "pull_limit": 10
    }));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "bad_request");
    let message = body["message"].as_str().unwrap_or("");
    assert!(message.starts_with("push[0].stamp.counter"), "{message}");
    // Nothing was stored.
    let ash = c.device("Ash nurse", &[("ash-ward", Role::Reader, None)]);
    ash.sync().expect("sync");
    assert!(
        ash.store
            .incidents("ash-ward")
            .expect("incidents")
            .is_empty()
    );
}

fn after_a_placement_ends_a_phone_neither_rewrites_a_plan_nor_reads_what_changed<S: Backend>(
    c: Cluster<S>,
) {
    c.unit("ash-ward", true);
    let nurse = c.device("Ash nurse", &[("ash-ward", Role::Editor, None)]);
    let person = someone(&nurse, "ash-ward", "Synthetic Patient");
    nurse
        .store
        .set_sheet_text(
            &person,
            SheetText::WhatStaffShouldDo,
            "Offer the quiet room",
        )
        .expect("edit");
    let incident = nurse
        .store
        .capture_incident(QuickCapture {
            unit_id: "ash-ward".into(),
            note: "Synthetic: shouting in the corridor".into(),
            ..QuickCapture::default()
        })
        .expect("capture");
    nurse.sync().expect("sync");
    // An agency editor whose placement has ended, pushing with stamps from long ago.
    let hostile = Raw::enrol(&c, "agency", &[("ash-ward", Role::Editor)]);
    c.rt.block_on(
        c.storage
            .end_grant(&hostile.device_id, "ash-ward", Timestamp::now()),
    )
    .expect("end grant");
    let back_dated = |mut op: Value| {
        op["stamp"]["wall_ms"] = json!(1);
        op
    };
    let outcomes = hostile.push(vec![
        back_dated(hostile.op(
            "plan",
            EntityKind::Sheet,
            &person,
            "ash-ward",
            json!({ SheetText::WhatStaffShouldDo.key(): "Restrain at once" }),
        )),
        back_dated(hostile.op(
            "read",
            EntityKind::Incident,
            &incident,
            "ash-ward",
            json!({"note": "?"}),
        )),
    ]);
    assert_eq!(status_of(&outcomes[0]), ("rejected", "grant_ended"));
    // Another device's incident is not its to change after the end: refused, so no answer
    // carries a value of the unit (not even as the winner of a lost edit).
    assert_eq!(
        status_of(&outcomes[1]),
        ("rejected", "grant_ended"),
        "{outcomes:?}"
    );
    assert!(outcomes[1].get("winners").is_none());
    // The unit's own phones still see their plan.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let sheet = lead.store.support_sheet(&person).expect("sheet");
    assert_eq!(
        sheet.text(SheetText::WhatStaffShouldDo),
        "Offer the quiet room"
    );
}

fn a_malformed_addendum_never_makes_a_units_incidents_unreadable<S: Backend>(c: Cluster<S>) {
    let incident = a_crews_submitted_incident(&c);
    // Any reader of the unit may add an addendum: one without its author, time or reason, and
    // tags that are not tags.
    let hostile = Raw::enrol(&c, "addenda", &[("ash-ward", Role::Reader)]);
    let addendum = hostile.item(
        "add",
        &incident,
        "addenda",
        "a-bad",
        json!({"pos": 1.0, "text": "Rewritten"}),
    );
    let outcomes = hostile.push(vec![
        addendum,
        hostile.op(
            "tags",
            EntityKind::Incident,
            "inc-hostile",
            "ash-ward",
            json!({"note": "Synthetic", "status": "draft", "tags": 5}),
        ),
    ]);
    assert_eq!(
        status_of(&outcomes[0]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    assert!(
        outcomes[0]["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("addenda/a-bad: missing field `author`"),
        "{outcomes:?}"
    );
    assert_eq!(
        status_of(&outcomes[1]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    assert!(
        outcomes[1]["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("tags")
    );
    // The unit's incidents stay readable on an honest phone, with nothing of the attempt.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let listed = lead.store.incidents("ash-ward").expect("the list reads");
    assert_eq!(listed.len(), 1);
    let seen = lead.store.incident(&incident).expect("incident");
    assert!(
        seen.addenda.is_empty() && seen.unreadable.is_empty(),
        "{seen:?}"
    );
}

/// A use-of-force entry as raw JSON: a prone hold from `minutes` ago, still running.
fn prone_hold(minutes: i64) -> Value {
    json!({"pos": 1.0, "intervention": "01",
           "started_at": Timestamp::now().0 - minutes * 60_000,
           "how_force_was_used": "", "staff": []})
}

fn nobody_signs_an_addendum_or_a_record_in_someone_elses_name<S: Backend>(c: Cluster<S>) {
    let incident = a_crews_submitted_incident(&c);
    // Enrolled as "Hostile (synthetic)": every name it writes must be that one.
    let hostile = Raw::enrol(&c, "signer", &[("ash-ward", Role::Reader)]);
    let addendum = |op_id: &str, author: &str, job_title: &str| {
        let value = json!({"pos": 1.0, "author": author, "job_title": job_title,
            "at": Timestamp::now().0, "reason": "Clinical review",
            "text": "On review no force was used"});
        hostile.item(op_id, &incident, "addenda", op_id, value)
    };
    let outcomes = hostile.push(vec![
        addendum("forged", "Dr Lee (synthetic)", "Consultant psychiatrist"),
        // Its own name (its label names no job title), but not its incident and not a lead:
        // only the member of staff who recorded it, or a lead, adds an addendum.
        addendum("own-name", "Hostile (synthetic)", ""),
        hostile.op(
            "fake-capture",
            EntityKind::Incident,
            "inc-in-someone-elses-name",
            "ash-ward",
            json!({"status": "draft", "occurred_at": Timestamp::now().0, "note": "Synthetic",
                   "recorded_by": "Crew member"}),
        ),
    ]);
    assert_eq!(
        status_of(&outcomes[0]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    assert!(
        outcomes[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("the member of staff this device is enrolled for"),
        "{outcomes:?}"
    );
    assert_eq!(
        status_of(&outcomes[1]),
        ("rejected", "role"),
        "{outcomes:?}"
    );
    assert_eq!(
        status_of(&outcomes[2]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    // What the unit's own lead then pulls: the incident as the crew recorded it, no addendum,
    // and no incident in the crew member's name that they never recorded.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let stored = lead.store.incident(&incident).expect("incident");
    assert!(stored.addenda.is_empty(), "{:?}", stored.addenda);
    assert_eq!(stored.recorded_by, "Crew member");
    assert_eq!(
        lead.store.incidents("ash-ward").expect("incidents").len(),
        1
    );
}

fn a_use_of_force_in_a_mental_health_unit_is_never_submitted_incomplete<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let hostile = Raw::enrol(&c, "incomplete", &[("ash-ward", Role::Reader)]);
    let capture = hostile.op(
        "capture",
        EntityKind::Incident,
        "inc-prone",
        "ash-ward",
        json!({"status": "draft", "occurred_at": Timestamp::now().0 - 600_000,
               "note": "Synthetic: restrained on the floor",
               "recorded_by": "Hostile (synthetic)"}),
    );
    let hold = hostile.item("hold", "inc-prone", "use_of_force", "u-1", prone_hold(12));
    // Submitted with no reason, no end, no staff, none of s.6(5)'s other items: the device
    // would refuse; an old or hostile client sends it anyway.
    let submit = hostile.op(
        "submit",
        EntityKind::Incident,
        "inc-prone",
        "ash-ward",
        json!({"status": "submitted", "submitted_at": Timestamp::now().0,
               "submitted_by": "Hostile (synthetic)"}),
    );
    let outcomes = hostile.push(vec![capture, hold, submit]);
    assert_eq!(status_of(&outcomes[0]).0, "applied", "{outcomes:?}");
    assert_eq!(status_of(&outcomes[1]).0, "applied", "{outcomes:?}");
    assert_eq!(
        status_of(&outcomes[2]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    let detail = outcomes[2]["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("s.6(5)") && detail.contains("(a)"),
        "{detail}"
    );
    // The unit's lead sees a draft still to be completed, never a submitted, locked record.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let stored = lead.store.incident("inc-prone").expect("incident");
    assert_eq!(stored.status, steady_core::incident::IncidentStatus::Draft);
    assert_eq!(stored.use_of_force.len(), 1);
}

fn an_incident_dated_next_month_or_a_field_no_reader_knows_is_refused<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let hostile = Raw::enrol(&c, "dates", &[("ash-ward", Role::Reader)]);
    let next_month = Timestamp::now().0 + 31 * 86_400_000;
    let outcomes = hostile.push(vec![
        hostile.op(
            "future",
            EntityKind::Incident,
            "inc-future",
            "ash-ward",
            json!({"status": "draft", "occurred_at": next_month, "note": "Synthetic"}),
        ),
        hostile.op(
            "unknown",
            EntityKind::Incident,
            "inc-unknown",
            "ash-ward",
            json!({"status": "draft", "note": "Synthetic", "severity_override": "none"}),
        ),
    ]);
    for (outcome, field) in outcomes.iter().zip(["occurred_at", "severity_override"]) {
        assert_eq!(status_of(outcome), ("rejected", "invalid"), "{outcomes:?}");
        assert!(
            outcome["detail"].as_str().unwrap_or("").starts_with(field),
            "{outcome}"
        );
    }
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    assert!(
        lead.store
            .incidents("ash-ward")
            .expect("incidents")
            .is_empty()
    );
}

fn a_small_push_never_buys_a_large_answer_or_a_larger_store<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    // A ward's editor writes full support sheets: 10 people, every text field 4,000 characters.
    let editor = c.device("Ward editor", &[("ash-ward", Role::Editor, None)]);
    let long = "Synthetic guidance. ".repeat(200);
    let people: Vec<String> = (0..10)
        .map(|i| {
            let id = someone(&editor, "ash-ward", &format!("Synthetic Patient {i}"));
            for field in SheetText::ALL {
                editor
                    .store
                    .set_sheet_text(&id, *field, &long)
                    .expect("sheet text");
            }
            id
        })
        .collect();
    editor.sync().expect("sync");
    // An editor's token, back-dated one-letter edits of every one of those fields: each loses,
    // and each loss would once have been answered with the 4,000 characters that won.
    let hostile = Raw::enrol(&c, "amplifier", &[("ash-ward", Role::Editor)]);
    let mut push = Vec::new();
    for person in &people {
        for field in SheetText::ALL {
            let mut op = hostile.op(
                &format!("amp-{person}-{}", field.key()),
                EntityKind::Sheet,
                person,
                "ash-ward",
                json!({ field.key(): "x" }),
            );
            op["stamp"]["wall_ms"] = json!(Timestamp::now().0 - 86_400_000);
            push.push(op);
        }
    }
    let request = json!({"protocol": PROTOCOL_VERSION, "push": push, "pull_limit": 1});
    let sent = request.to_string().len();
    let before = c.rt.block_on(c.storage.cell_count()).expect("cells");
    let (status, body) = hostile.sync_body(&request);
    assert_eq!(status, 200, "{body}");
    let answered = body.to_string().len();
    let results = body["results"].as_array().expect("results");
    assert_eq!(results.len(), 130);
    assert!(
        results
            .iter()
            .all(|r| r["outcome"]["status"] == "superseded")
    );
    // 130 winners of 4,000 characters would be 520 KB; the answer holds at most 64 KiB of
    // winning values beyond 4x what was pushed, plus each op's outcome.
    assert!(
        answered < sent + 64 * 1024 + 4 * sent,
        "{sent} bytes pushed, {answered} answered"
    );
    let withheld = results
        .iter()
        .flat_map(|r| {
            r["outcome"]["winners"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|w| w["withheld"] == json!(true))
        .count();
    assert!(withheld > 100, "{withheld} withheld");
    // Nothing was stored for it (the answers kept for a retry hold no winning values).
    assert_eq!(
        c.rt.block_on(c.storage.cell_count()).expect("cells"),
        before
    );
    let (status, again) = hostile.sync_body(&request);
    assert_eq!(status, 200);
    assert!(again.to_string().len() < sent + 64 * 1024 + 4 * sent);
    // The ward's own phones still read what the editor wrote.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let sheet = lead.store.support_sheet(&people[0]).expect("sheet");
    assert_eq!(sheet.text(SheetText::WhatStaffShouldDo), long.trim());
}

fn the_name_a_phone_is_enrolled_for_is_the_only_one_it_writes<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let code = c.code(&[("ash-ward", Role::Reader, None)]);
    // A name with a control character (a forged log line, a spoofed display) is refused, and
    // the code is not spent by it.
    let (status, none) = Raw::enrol_with(
        &c,
        "named",
        &code,
        json!({"staff_name": "Sam Nurse\u{7}", "staff_job_title": "Nurse"}),
    );
    assert_eq!(status, 400);
    assert!(none.is_none());
    let (status, named) = Raw::enrol_with(
        &c,
        "named",
        &code,
        json!({"staff_name": "Sam Nurse (synthetic)", "staff_job_title": "Nurse"}),
    );
    assert_eq!(status, 200);
    let named = named.expect("enrolled");
    // Bound to the name it enrolled with: not its label, not anyone else's.
    let capture = |op_id: &str, id: &str, recorder: &str| {
        named.op(
            op_id,
            EntityKind::Incident,
            id,
            "ash-ward",
            json!({"status": "draft", "occurred_at": Timestamp::now().0,
                   "note": "Synthetic: raised voices", "recorded_by": recorder}),
        )
    };
    let outcomes = named.push(vec![
        capture("by-label", "inc-label", "Hostile (synthetic)"),
        capture("by-other", "inc-other", "Dr Lee (synthetic)"),
        capture("by-self", "inc-self", "Sam Nurse (synthetic)"),
    ]);
    assert_eq!(
        status_of(&outcomes[0]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    assert_eq!(
        status_of(&outcomes[1]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    assert_eq!(status_of(&outcomes[2]).0, "applied", "{outcomes:?}");
    // The unit's lead pulls the one incident, in the enrolled name.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let incidents = lead.store.incidents("ash-ward").expect("incidents");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(
        lead.store
            .incident("inc-self")
            .expect("incident")
            .recorded_by,
        "Sam Nurse (synthetic)"
    );
}

/// A bank worker's next placement code, seen by someone else, is no way into that unit: a
/// phone's token cannot redeem it for another device's id (however often it tries, nothing is
/// counted against the code), a revoked phone cannot redeem it (and is wiped for trying), and
/// the code then still adds the placement to the phone it was meant for.
fn a_placement_code_is_refused_to_another_devices_token_and_a_revoked_device_and_still_works_for_its_owner<
    S: Backend,
>(
    c: Cluster<S>,
) {
    c.unit("ash-ward", true);
    c.unit("birch-house", false);
    let hostile = Raw::enrol(&c, "placements", &[("ash-ward", Role::Reader)]);
    let alex = c.device("Alex Morgan", &[("ash-ward", Role::Editor, None)]);
    let lost = c.device("Jo Park", &[("ash-ward", Role::Editor, None)]);
    let code = c.code(&[("birch-house", Role::Lead, None)]);
    let alex_id = alex.store.device_id().to_string();

    // The hostile phone's own token, for Alex's device: refused before the code is read, more
    // times than the code allows wrong secrets, with right and wrong secrets alike.
    for attempt in 0..7 {
        let tried = if attempt % 2 == 0 {
            code.clone()
        } else {
            format!("{code}x")
        };
        let (status, body) = hostile.add_grants(Some(&hostile.token), &alex_id, &tried);
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("unauthorized")),
            "{body}"
        );
    }
    // No token, or a made-up one: refused the same way.
    let (status, _) = hostile.add_grants(None, &alex_id, &code);
    assert_eq!(status, 401);
    let (status, _) = hostile.add_grants(Some("not-a-real-token"), &alex_id, &code);
    assert_eq!(status, 401);

    // A revoked phone (lost, then found by someone) cannot redeem it, and is wiped for trying.
    c.revoke(&lost);
    let refused = lost.store.add_placement(&lost.transport, &code);
    assert!(matches!(refused, Err(Error::Revoked)), "{refused:?}");
    assert!(lost.store.units().expect("units").is_empty(), "wiped");
    // A revoked phone speaking raw HTTP with its own token and id: refused as revoked, however
    // often, and nothing counted.
    let stolen = Raw::enrol(&c, "revoked", &[("ash-ward", Role::Reader)]);
    assert!(
        c.rt.block_on(c.storage.revoke_device(&stolen.device_id, Timestamp::now()))
            .expect("revoke")
    );
    for attempt in 0..7 {
        let tried = if attempt % 2 == 0 {
            code.clone()
        } else {
            format!("{code}x")
        };
        let (status, body) = stolen.add_grants(Some(&stolen.token), &stolen.device_id, &tried);
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("device_revoked")),
            "{body}"
        );
    }

    // Nothing was granted to anyone, and the code is still whole: it adds the placement to the
    // phone it was meant for, which keeps its token and its first unit.
    let granted = |device: &str| -> Vec<String> {
        c.rt.block_on(c.storage.grants(device))
            .expect("grants")
            .into_iter()
            .map(|(g, _)| g.unit_id)
            .collect()
    };
    assert_eq!(granted(&hostile.device_id), ["ash-ward"]);
    assert_eq!(granted(&stolen.device_id), ["ash-ward"]);
    assert_eq!(granted(&alex_id), ["ash-ward"]);
    let grants = alex
        .store
        .add_placement(&alex.transport, &code)
        .expect("the code works for its owner");
    let mut units: Vec<(String, Role)> =
        grants.iter().map(|g| (g.unit_id.clone(), g.role)).collect();
    units.sort();
    assert_eq!(
        units,
        [
            ("ash-ward".to_string(), Role::Editor),
            ("birch-house".to_string(), Role::Lead)
        ]
    );
    alex.sync().expect("the same token syncs");
    assert_eq!(alex.grants().len(), 2);

    // Used now: the hostile phone cannot have it even for its own id.
    let (status, body) = hostile.add_grants(Some(&hostile.token), &hostile.device_id, &code);
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("enrolment_refused")),
        "{body}"
    );
    assert_eq!(granted(&hostile.device_id), ["ash-ward"]);
}

/// The restraint rules (issue 15) hold against raw HTTP: no seclusion outside a mental health
/// unit, no hold the person's own alert rules out without a reason, no NHS number that fails its
/// check digit, no false identity sealed at submission, no review that is neither held with a
/// time nor declined with a reason. What the unit's lead then pulls shows none of it.
fn no_phone_records_a_hold_or_an_identity_the_rules_of_restraint_forbid<S: Backend>(c: Cluster<S>) {
    // Ash ward (a mental health unit) with a crew's submitted incident; Birch house, a care home.
    let incident = a_crews_submitted_incident(&c);
    c.unit("birch-house", false);
    let editor = c.device(
        "Ward editor",
        &[
            ("ash-ward", Role::Editor, None),
            ("birch-house", Role::Editor, None),
        ],
    );
    let sam = editor
        .store
        .create_person(
            "ash-ward",
            NewPerson {
                display_name: "Samuel Okafor (synthetic)".into(),
                nhs_number: Some(steady_core::nhs_number::synthetic(7)),
                ..NewPerson::default()
            },
        )
        .expect("person");
    let alert = editor
        .store
        .add_safety_alert(&sam, "No prone holds: asthma", None)
        .expect("alert");
    editor
        .store
        .set_caution_avoids(
            &sam,
            steady_core::restraint::CautionList::SafetyAlert,
            &alert,
            vec![steady_core::codes::RestrictiveInterventionType::PhysicalProne],
        )
        .expect("avoid");
    let resident = someone(&editor, "birch-house", "Birch Resident (synthetic)");
    editor.sync().expect("sync");

    let hostile = Raw::enrol(
        &c,
        "restraint",
        // A lead on the ward, so its review is judged by the review's own rules.
        &[("ash-ward", Role::Lead), ("birch-house", Role::Editor)],
    );
    let in_unit = |mut op: Value, unit: &str, kind: &str| {
        op["unit_id"] = json!(unit);
        op["entity"] = json!(kind);
        op
    };
    let capture = |op_id: &str, id: &str, unit: &str, person: &str| {
        hostile.op(
            op_id,
            EntityKind::Incident,
            id,
            unit,
            json!({"status": "draft", "occurred_at": Timestamp::now().0 - 600_000,
                   "note": "Synthetic: held", "recorded_by": "Hostile (synthetic)",
                   "person_id": person}),
        )
    };
    let seclusion = json!({"pos": 1.0, "intervention": "05", "how_force_was_used": "",
                           "staff": []});
    let mut prone_with_reason = prone_hold(2);
    prone_with_reason["contraindication_override"] =
        json!("Fell forward in the struggle; turned to the side at once");
    let outcomes = hostile.push(vec![
        capture("home-capture", "inc-home", "birch-house", &resident),
        in_unit(
            hostile.item(
                "home-seclusion",
                "inc-home",
                "use_of_force",
                "u-1",
                seclusion,
            ),
            "birch-house",
            "incident",
        ),
        in_unit(
            hostile.item(
                "home-authorise",
                &resident,
                "red.authorised_interventions",
                "a-1",
                json!({"pos": 1.0, "type": "05", "note": ""}),
            ),
            "birch-house",
            "sheet",
        ),
        capture("ward-capture", "inc-sam", "ash-ward", &sam),
        hostile.item(
            "prone-bare",
            "inc-sam",
            "use_of_force",
            "u-1",
            prone_hold(2),
        ),
        hostile.item(
            "prone-reason",
            "inc-sam",
            "use_of_force",
            "u-2",
            prone_with_reason,
        ),
        hostile.op(
            "bad-nhs",
            EntityKind::Person,
            &sam,
            "ash-ward",
            json!({"nhs_number": "9990000001"}),
        ),
        hostile.op(
            "forged-subject",
            EntityKind::Incident,
            "inc-sam",
            "ash-ward",
            json!({"status": "submitted", "submitted_at": Timestamp::now().0,
                   "submitted_by": "Hostile (synthetic)",
                   "subject": {"name": "Someone Else", "nhs_number": null,
                               "local_identifier": null}}),
        ),
    ]);
    let expect = [
        ("applied", ""),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("applied", ""),
        ("rejected", "invalid"),
        ("applied", ""),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
    ];
    expect_outcomes(&outcomes, &expect);
    let detail = |i: usize| outcomes[i]["detail"].as_str().unwrap_or("").to_string();
    assert!(detail(1).contains("Mental Health Act"), "{}", detail(1));
    assert!(detail(4).contains(&alert), "{}", detail(4));
    assert!(detail(7).contains("subject"), "{}", detail(7));

    // A review neither held with a time nor declined with a reason, on a submitted incident.
    let crew_review = hostile.item(
        "review",
        &incident,
        "addenda",
        "r-1",
        json!({"pos": 1.0, "author": "Hostile (synthetic)", "job_title": "",
               "at": Timestamp::now().0, "reason": "Post-incident review with the person",
               "text": "Held.",
               "review": {"with": "person", "held": true, "held_at": null, "who": "",
                          "why_not": null, "wellbeing_offered": null, "note": ""}}),
    );
    let refused = hostile.push(vec![crew_review]);
    assert_eq!(
        status_of(&refused[0]),
        ("rejected", "invalid"),
        "{refused:?}"
    );
    assert!(
        refused[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("review"),
        "{refused:?}"
    );

    let lead = c.device(
        "Ward lead",
        &[
            ("ash-ward", Role::Lead, None),
            ("birch-house", Role::Lead, None),
        ],
    );
    lead.sync().expect("sync");
    assert!(
        lead.store
            .incident("inc-home")
            .expect("home")
            .use_of_force
            .is_empty()
    );
    let sheet = lead.store.support_sheet(&resident).expect("sheet");
    assert!(sheet.authorised_interventions.is_empty(), "{sheet:?}");
    let held = lead.store.incident("inc-sam").expect("sam");
    assert_eq!(held.status, steady_core::incident::IncidentStatus::Draft);
    assert_eq!(held.use_of_force.len(), 1, "only the hold with its reason");
    assert!(held.use_of_force[0].contraindication_override.is_some());
    assert_eq!(
        lead.store.person(&sam).expect("sam").nhs_number,
        Some(steady_core::nhs_number::synthetic(7))
    );
    assert!(
        lead.store
            .incident(&incident)
            .expect("crew")
            .addenda
            .is_empty()
    );
}

/// An observation addendum, as a phone would write it, by the hostile device.
fn observation(observation: Value) -> Value {
    json!({"pos": 1.0, "author": "Hostile (synthetic)", "job_title": "",
           "at": Timestamp::now().0, "reason": "Physical observation after restraint",
           "text": "Synthetic observation", "review": null, "observation": observation})
}

/// Anyone working in the unit may add physical observations to an incident, draft or submitted
/// (the member of staff monitoring is often not the one recording); but an observation is
/// bounded like any value, signed by its writer, and never lets words be added to someone
/// else's record, or to a draft, that the rules of addenda forbid.
fn observations_are_anyones_to_add_but_bounded_and_never_a_back_door_for_words<S: Backend>(
    c: Cluster<S>,
) {
    let incident = a_crews_submitted_incident(&c);
    let hostile = Raw::enrol(&c, "observer", &[("ash-ward", Role::Reader)]);
    let mut forged = observation(json!({"phase": "after_restraint", "pulse": 90}));
    forged["author"] = json!("Crew member");
    let outcomes = hostile.push(vec![
        hostile.item(
            "obs-after",
            &incident,
            "addenda",
            "o-1",
            observation(json!({"phase": "after_restraint", "pulse": 84,
                               "breathing": "normal"})),
        ),
        hostile.item(
            "obs-slip",
            &incident,
            "addenda",
            "o-2",
            observation(json!({"phase": "after_restraint", "oxygen_saturation": 970})),
        ),
        hostile.item(
            "words-on-anothers",
            &incident,
            "addenda",
            "w-1",
            json!({"pos": 2.0, "author": "Hostile (synthetic)", "job_title": "",
                   "at": Timestamp::now().0, "reason": "Correction", "text": "Synthetic",
                   "review": null, "observation": null}),
        ),
        hostile.op(
            "draft",
            EntityKind::Incident,
            "inc-draft",
            "ash-ward",
            json!({"status": "draft", "occurred_at": Timestamp::now().0 - 60_000,
                   "note": "Synthetic: held", "recorded_by": "Hostile (synthetic)"}),
        ),
        hostile.item(
            "words-on-draft",
            "inc-draft",
            "addenda",
            "w-2",
            json!({"pos": 1.0, "author": "Hostile (synthetic)", "job_title": "",
                   "at": Timestamp::now().0, "reason": "Correction", "text": "Synthetic"}),
        ),
        hostile.item(
            "obs-draft",
            "inc-draft",
            "addenda",
            "o-3",
            observation(json!({"phase": "during_restraint", "breathing": "laboured",
                               "colour": "pale"})),
        ),
        hostile.item("obs-forged", "inc-draft", "addenda", "o-4", forged),
        hostile.item(
            "obs-empty",
            "inc-draft",
            "addenda",
            "o-5",
            observation(json!({"phase": "during_restraint"})),
        ),
    ]);
    let expect = [
        ("applied", ""),
        ("rejected", "invalid"),
        ("rejected", "role"),
        ("applied", ""),
        ("rejected", "invalid"),
        ("applied", ""),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
    ];
    expect_outcomes(&outcomes, &expect);
    let detail = |i: usize| outcomes[i]["detail"].as_str().unwrap_or("").to_string();
    assert!(detail(1).contains("oxygen_saturation"), "{}", detail(1));
    assert!(detail(4).contains("draft"), "{}", detail(4));
    assert!(detail(6).contains("author"), "{}", detail(6));

    // What an honest lead's phone then holds: one observation on each, no words, all sealed.
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let crews = lead.store.incident(&incident).expect("crew");
    assert_eq!(crews.addenda.len(), 1, "{:?}", crews.addenda);
    assert_eq!(crews.observations().next().and_then(|o| o.pulse), Some(84));
    let draft = lead.store.incident("inc-draft").expect("draft");
    assert_eq!(draft.addenda.len(), 1, "{:?}", draft.addenda);
    assert_eq!(draft.observations().count(), 1);
    lead.store.verify_records().expect("sealed and verified");
}

/// A plan never authorises a hold the person's own alert or contraindication rules out: the
/// restraint flow would otherwise show it as "in the care plan" beside the alert against it.
fn no_plan_authorises_what_the_persons_own_cautions_rule_out<S: Backend>(c: Cluster<S>) {
    c.unit("ash-ward", true);
    let editor = c.device("Ward editor", &[("ash-ward", Role::Editor, None)]);
    let sam = someone(&editor, "ash-ward", "Samuel Okafor (synthetic)");
    let alert = editor
        .store
        .add_safety_alert(&sam, "No prone holds: asthma", None)
        .expect("alert");
    editor
        .store
        .set_caution_avoids(
            &sam,
            steady_core::restraint::CautionList::SafetyAlert,
            &alert,
            vec![steady_core::codes::RestrictiveInterventionType::PhysicalProne],
        )
        .expect("avoid");
    editor.sync().expect("sync");

    let hostile = Raw::enrol(&c, "planner", &[("ash-ward", Role::Editor)]);
    let authorise = |op_id: &str, item: &str, code: &str| {
        let mut op = hostile.item(
            op_id,
            &sam,
            "red.authorised_interventions",
            item,
            json!({"pos": 1.0, "type": code, "note": ""}),
        );
        op["entity"] = json!("sheet");
        op
    };
    let outcomes = hostile.push(vec![
        authorise("prone", "a-1", "01"),
        authorise("standing", "a-2", "07"),
    ]);
    assert_eq!(
        status_of(&outcomes[0]),
        ("rejected", "invalid"),
        "{outcomes:?}"
    );
    assert!(
        outcomes[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains(&alert),
        "{outcomes:?}"
    );
    assert_eq!(status_of(&outcomes[1]).0, "applied", "{outcomes:?}");

    editor.sync().expect("sync");
    let plan = editor.store.support_sheet(&sam).expect("sheet");
    assert_eq!(
        plan.authorised_interventions
            .iter()
            .map(|a| a.intervention)
            .collect::<Vec<_>>(),
        vec![steady_core::codes::RestrictiveInterventionType::PhysicalStanding]
    );
}

/// A trail of `n` audit events chained by the core's encoder, as an honest phone makes it.
fn audit_events(n: i64, entity_id: &str) -> Vec<AuditRecord> {
    let mut prev = steady_core::audit::GENESIS;
    (1..=n)
        .map(|seq| {
            let event = AuditEvent {
                seq,
                at: Timestamp::now(),
                actor: "Hostile (synthetic)".into(),
                action: "view".into(),
                entity: "person".into(),
                entity_id: entity_id.into(),
                unit_id: "ash-ward".into(),
                detail: "person".into(),
            };
            prev = steady_core::audit::chain_hash(&prev, &event);
            AuditRecord {
                event,
                hash: hex::encode(prev),
            }
        })
        .collect()
}

/// A subject-access request must be able to trust who viewed a person's record on which phone.
/// An honest phone's viewings reach the server with its sync, filed under it; a phone with a
/// real token cannot add events to another phone's trail (the body's device id is refused: the
/// token says whose), cannot forge a hash or leave a gap in its own, and a retried batch is
/// stored once. What is refused stores nothing, and every chain still verifies.
fn no_phone_forges_gaps_or_files_another_phones_audit_trail_and_a_retry_is_stored_once<
    S: Backend,
>(
    c: Cluster<S>,
) {
    c.unit("ash-ward", true);
    let honest = c.device("Alex Morgan", &[("ash-ward", Role::Editor, None)]);
    let person = someone(&honest, "ash-ward", "Synthetic Person");
    honest.store.person(&person).expect("viewed");
    let report = honest.sync().expect("sync");
    assert_eq!(report.audit_problem, None);
    let about = |id: &str| {
        c.rt.block_on(c.storage.device_audit_about(&[id.to_string()]))
            .expect("read")
    };
    let held = about(&person);
    assert!(
        held.iter().any(|e| e.device_id == honest.store.device_id()
            && e.event.action == "view"
            && e.event.entity == "person"),
        "{held:?}"
    );
    let honest_held = held.len();

    let hostile = Raw::enrol(&c, "audit", &[("ash-ward", Role::Editor)]);
    let trail = audit_events(4, &person);
    let body = |device_id: &str, events: &[AuditRecord]| json!({"protocol": PROTOCOL_VERSION, "device_id": device_id, "events": events});
    // Another phone's id in the body: refused, nothing filed under either.
    let (status, answer) = hostile.audit_body(&body(honest.store.device_id(), &trail[..2]));
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("device_id")
    );
    assert_eq!(about(&person).len(), honest_held);
    // A gap in its own trail: event 2 first.
    let (status, answer) = hostile.audit_body(&body(&hostile.device_id, &trail[1..3]));
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("audit_refused")),
        "{answer}"
    );
    // A forged hash.
    let mut forged = trail[..2].to_vec();
    forged[1].hash = hex::encode([5u8; 32]);
    let (status, answer) = hostile.audit_body(&body(&hostile.device_id, &forged));
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("audit_refused")),
        "{answer}"
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("event 2"),
        "{answer}"
    );
    assert_eq!(
        about(&person).len(),
        honest_held,
        "nothing of a refused batch"
    );
    // Its own honest trail is taken, and a retry of it stores nothing twice.
    for expect_stored in [3, 0] {
        let (status, answer) = hostile.audit_body(&body(&hostile.device_id, &trail[..3]));
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            (answer["acknowledged"].as_i64(), answer["stored"].as_i64()),
            (Some(3), Some(expect_stored))
        );
    }
    // A held event rewritten to name someone else is refused.
    let mut rewritten = trail[..3].to_vec();
    rewritten[2].event.entity_id = "someone-else".into();
    let (status, _) = hostile.audit_body(&body(&hostile.device_id, &rewritten));
    assert_eq!(status, 409);
    let held = about(&person);
    assert_eq!(held.len(), honest_held + 3);
    assert_eq!(
        held.iter()
            .filter(|e| e.device_id == hostile.device_id)
            .map(|e| e.event.seq)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let report = c.rt.block_on(c.storage.verify_audit()).expect("verify");
    assert_eq!(report.first_break, None, "{report:?}");
    assert_eq!(report.devices, 2);
}

/// The timeline's moments are signed by their writer, happened (not next week), and freeze
/// with the submission; a later identification carries a valid NHS number or none.
fn a_timeline_or_a_later_identification_is_signed_checked_and_frozen_like_the_rest<S: Backend>(
    c: Cluster<S>,
) {
    let incident = a_crews_submitted_incident(&c);
    let hostile = Raw::enrol(&c, "timeline", &[("ash-ward", Role::Lead)]);
    let event = |kind: &str, at: i64, author: &str| {
        json!({"pos": 1.0, "kind": kind, "at": at, "author": author, "job_title": "",
               "who": null, "note": null})
    };
    let now = Timestamp::now().0;
    let identified = |nhs: &str| {
        json!({"pos": 1.0, "author": "Hostile (synthetic)", "job_title": "", "at": now,
               "reason": "Patient identified", "text": "Synthetic",
               "identified": {"hospital": "Synthetic General", "hospital_identifier": null,
                              "nhs_number": nhs}})
    };
    let outcomes = hostile.push(vec![
        hostile.op(
            "draft",
            EntityKind::Incident,
            "inc-call",
            "ash-ward",
            json!({"status": "draft", "occurred_at": now - 60_000,
                   "note": "Synthetic: call", "recorded_by": "Hostile (synthetic)"}),
        ),
        hostile.item(
            "arrived",
            "inc-call",
            "timeline",
            "t-1",
            event("arrived", now - 30_000, "Hostile (synthetic)"),
        ),
        hostile.item(
            "forged",
            "inc-call",
            "timeline",
            "t-2",
            event("handover", now - 20_000, "Crew member"),
        ),
        hostile.item(
            "next-week",
            "inc-call",
            "timeline",
            "t-3",
            event("handover", now + 7 * 24 * 3_600_000, "Hostile (synthetic)"),
        ),
        hostile.item(
            "on-submitted",
            &incident,
            "timeline",
            "t-4",
            event("arrived", now - 10_000, "Hostile (synthetic)"),
        ),
        hostile.item(
            "bad-nhs",
            &incident,
            "addenda",
            "i-1",
            identified("9990000001"),
        ),
        hostile.item(
            "good-nhs",
            &incident,
            "addenda",
            "i-2",
            identified(&steady_core::nhs_number::synthetic(11)),
        ),
    ]);
    let expect = [
        ("applied", ""),
        ("applied", ""),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("rejected", "locked"),
        ("rejected", "invalid"),
        ("applied", ""),
    ];
    expect_outcomes(&outcomes, &expect);
    let lead = c.device("Ward lead", &[("ash-ward", Role::Lead, None)]);
    lead.sync().expect("sync");
    let call = lead.store.incident("inc-call").expect("call");
    assert_eq!(call.timeline.len(), 1, "{:?}", call.timeline);
    let crews = lead.store.incident(&incident).expect("crew");
    assert!(crews.timeline.is_empty());
    assert_eq!(crews.addenda.len(), 1);
    assert!(crews.addenda[0].identified.is_some());
}

/// (k), the injury answers, what helped, a proposal for the plan and a declined proposal are
/// held to the one record schema whatever the client sends.
fn the_s65_answers_proposals_and_declines_are_checked_like_every_other_value<S: Backend>(
    c: Cluster<S>,
) {
    let incident = a_crews_submitted_incident(&c);
    let editor = c.device("Ward editor", &[("ash-ward", Role::Editor, None)]);
    let sam = someone(&editor, "ash-ward", "Samuel Okafor (synthetic)");
    editor.sync().expect("sync");
    let hostile = Raw::enrol(&c, "answers", &[("ash-ward", Role::Editor)]);
    let now = Timestamp::now().0;
    let proposal = |list: &str| {
        json!({"pos": 1.0, "author": "Hostile (synthetic)", "job_title": "", "at": now,
               "reason": "Proposed for the plan", "text": "Synthetic",
               "proposal": {"list": list, "text": "Covers his ears (synthetic)"}})
    };
    let on_sheet = |mut op: Value| {
        op["entity"] = json!("sheet");
        op
    };
    let declined = |author: &str| {
        json!({"pos": 1.0, "source": {"incident_id": incident, "entry_id": "p-1"},
               "reason": "Synthetic reason", "author": author, "job_title": "", "at": now})
    };
    let outcomes = hostile.push(vec![
        hostile.op(
            "draft",
            EntityKind::Incident,
            "inc-answers",
            "ash-ward",
            json!({"status": "draft", "occurred_at": now - 60_000, "person_id": sam,
                   "note": "Synthetic", "recorded_by": "Hostile (synthetic)"}),
        ),
        hostile.op(
            "blank-k",
            EntityKind::Incident,
            "inc-answers",
            "ash-ward",
            json!({"characteristics": {"age": {"answer": "stated", "value": " "}}}),
        ),
        hostile.op(
            "good-k",
            EntityKind::Incident,
            "inc-answers",
            "ash-ward",
            json!({"characteristics": {"sex": {"answer": "prefers_not_to_say"}}}),
        ),
        hostile.op(
            "maybe-injured",
            EntityKind::Incident,
            "inc-answers",
            "ash-ward",
            json!({"injured_person": "maybe"}),
        ),
        hostile.op(
            "helped-untried",
            EntityKind::Incident,
            "inc-answers",
            "ash-ward",
            json!({"deescalation": {"own_strategies": [], "general_steps": [], "other": null,
                                    "helped": ["A walk"], "steps_helped": []}}),
        ),
        hostile.item(
            "propose-contra",
            &incident,
            "addenda",
            "p-0",
            proposal("contraindications"),
        ),
        hostile.item(
            "propose-sign",
            &incident,
            "addenda",
            "p-1",
            proposal("warning_signs"),
        ),
        on_sheet(hostile.item(
            "decline-forged",
            &sam,
            "proposals.declined",
            "d-1",
            declined("Ward editor"),
        )),
        on_sheet(hostile.item(
            "decline",
            &sam,
            "proposals.declined",
            "d-2",
            declined("Hostile (synthetic)"),
        )),
    ]);
    expect_outcomes(
        &outcomes,
        &[
            ("applied", ""),
            ("rejected", "invalid"),
            ("applied", ""),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("applied", ""),
            ("rejected", "invalid"),
            ("applied", ""),
        ],
    );
    let detail = |i: usize| outcomes[i]["detail"].as_str().unwrap_or("").to_string();
    assert!(detail(1).contains("age"), "{}", detail(1));
    assert!(detail(5).contains("proposal.list"), "{}", detail(5));

    // An honest phone holds only what was allowed, and the queue shows the proposal declined.
    editor.sync().expect("sync");
    let answers = editor.store.incident("inc-answers").expect("draft");
    assert_eq!(answers.injured_person, None);
    assert!(answers.deescalation.helped.is_empty());
    assert_eq!(
        answers.characteristics.and_then(|k| k.sex),
        Some(steady_core::characteristics::Answer::PrefersNotToSay)
    );
    let crews = editor.store.incident(&incident).expect("crew");
    assert_eq!(crews.addenda.len(), 1, "{:?}", crews.addenda);
    assert!(
        editor
            .store
            .plan_proposals("ash-ward")
            .expect("queue")
            .is_empty()
    );
    assert_eq!(
        editor
            .store
            .declined_proposals(&sam)
            .expect("declined")
            .len(),
        1
    );
}

/// A handover note is the next shift's word from the last: a phone holding a token cannot
/// rewrite a colleague's note, write one in a unit it has no grant in, sign one in another's
/// name or job title, send one past its bound, change who or when it names, or correct its own
/// once it has stood for 12 hours. An honest phone then pulls each note as its author wrote it.
fn nobody_rewrites_or_forges_a_handover_note_and_a_note_stands_after_twelve_hours<S: Backend>(
    c: Cluster<S>,
) {
    c.unit("ash-ward", true);
    c.unit("birch-house", false);
    let nurse = c.device("Nurse Ade (synthetic)", &[("ash-ward", Role::Lead, None)]);
    let sam = someone(&nurse, "ash-ward", "Sam Okafor (synthetic)");
    let theirs = nurse
        .store
        .add_handover_note("ash-ward", Some(sam.clone()), "Sam slept badly; go gently")
        .expect("note");
    nurse.sync().expect("sync");

    let (status, hostile) = Raw::enrol_with(
        &c,
        "notes",
        &c.code(&[("ash-ward", Role::Lead, None)]),
        json!({"staff_name": "Kit Rowe (synthetic)", "staff_job_title": "Nurse"}),
    );
    assert_eq!(status, 200);
    let hostile = hostile.expect("enrolled");
    let note = |op_id: &str, id: &str, unit: &str, fields: Value| {
        hostile.op(op_id, EntityKind::HandoverNote, id, unit, fields)
    };
    let whole = |text: Value, author: &str, job: &str, at: i64| json!({"text": text, "author": author, "job_title": job, "at": at});
    let now = Timestamp::now().0;
    let mut old = note(
        "old",
        "note-old",
        "ash-ward",
        whole(
            json!("Written long ago"),
            "Kit Rowe (synthetic)",
            "Nurse",
            now - 13 * 3_600_000,
        ),
    );
    // Its author cell was made 13 hours ago (a stamp the server keeps as it is sent: it is
    // not ahead of the server's clock).
    old["stamp"]["wall_ms"] = json!(now - 13 * 3_600_000);
    // The correction comes after the note it corrects (a second later).
    let mut correct = note(
        "correct",
        "note-own",
        "ash-ward",
        json!({"text": "Fire drill at 4 pm"}),
    );
    correct["stamp"]["wall_ms"] = json!(now + 1000);
    let outcomes = hostile.push(vec![
        // Someone else's note, rewritten.
        note(
            "rewrite",
            &theirs.note_id,
            "ash-ward",
            json!({"text": "Sam is fine"}),
        ),
        // A unit with no grant.
        note(
            "no-grant",
            "note-b",
            "birch-house",
            whole(json!("Hello"), "Kit Rowe (synthetic)", "Nurse", now),
        ),
        // Too long.
        note(
            "oversize",
            "note-long",
            "ash-ward",
            whole(
                json!("x".repeat(2001)),
                "Kit Rowe (synthetic)",
                "Nurse",
                now,
            ),
        ),
        // Signed as someone else, or with another job title.
        note(
            "forged",
            "note-forged",
            "ash-ward",
            whole(
                json!("From the ward manager"),
                "Nurse Ade (synthetic)",
                "Nurse",
                now,
            ),
        ),
        note(
            "forged-job",
            "note-job",
            "ash-ward",
            whole(
                json!("From a doctor"),
                "Kit Rowe (synthetic)",
                "Consultant",
                now,
            ),
        ),
        // A note with no author, which nobody could correct.
        note(
            "unsigned",
            "note-unsigned",
            "ash-ward",
            json!({"text": "Who wrote this?"}),
        ),
        // Its own note, made whole, then moved to another time or person.
        note(
            "own",
            "note-own",
            "ash-ward",
            whole(
                json!("Fire drill at 3 pm"),
                "Kit Rowe (synthetic)",
                "Nurse",
                now,
            ),
        ),
        note(
            "redate",
            "note-own",
            "ash-ward",
            json!({"at": now + 3_600_000}),
        ),
        note("repoint", "note-own", "ash-ward", json!({"person_id": sam})),
        correct,
        // Its own note, 13 hours old: made, then corrected too late.
        old,
        note(
            "too-late",
            "note-old",
            "ash-ward",
            json!({"text": "Rewritten"}),
        ),
    ]);
    expect_outcomes(
        &outcomes,
        &[
            ("rejected", "role"),
            ("rejected", "not_granted"),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("applied", ""),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
            ("applied", ""),
            ("applied", ""),
            ("rejected", "locked"),
        ],
    );

    // An honest phone of the unit pulls each note as its author wrote it, and nothing refused.
    let reader = c.device(
        "Night reader (synthetic)",
        &[("ash-ward", Role::Reader, None)],
    );
    reader.sync().expect("sync");
    let notes = reader
        .store
        .shift_huddle("ash-ward", 24)
        .expect("huddle")
        .notes;
    let by_id: BTreeMap<&str, &steady_core::handover::HandoverNote> =
        notes.iter().map(|n| (n.note_id.as_str(), n)).collect();
    assert_eq!(
        by_id.keys().copied().collect::<Vec<_>>(),
        {
            let mut ids = vec![theirs.note_id.as_str(), "note-own", "note-old"];
            ids.sort();
            ids
        },
        "{notes:?}"
    );
    let t = by_id[theirs.note_id.as_str()];
    assert_eq!(
        (t.text.as_str(), t.author.as_str(), t.person_id.as_deref()),
        (
            "Sam slept badly; go gently",
            "Nurse Ade (synthetic)",
            Some(sam.as_str())
        )
    );
    let own = by_id["note-own"];
    assert_eq!(
        (
            own.text.as_str(),
            own.author.as_str(),
            own.person_id.as_deref()
        ),
        ("Fire drill at 4 pm", "Kit Rowe (synthetic)", None)
    );
    assert_eq!(by_id["note-old"].text, "Written long ago");
    assert!(by_id["note-old"].locked);
    // The honest device refuses the same rewrite before it leaves the phone.
    let err = reader
        .store
        .edit_handover_note(&theirs.note_id, "Sam is fine")
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed(_)), "{err}");
}
