//! One schema, two callers: random operations, valid and invalid, get the same verdict from the
//! device's check (what `Writer::change` runs before a change enters the outbox) and from the
//! server's merge (what every pushed op meets), so a phone never queues what the server will
//! refuse, and the server never takes what a phone would not have written.
//!
//! The store the server judges against is set up so that only the record's own rules can
//! refuse: the record is in the device's unit, not locked, made by the device, its person is
//! there, and the incident was recorded by the device's member of staff.
//!
//! 512 operations by default (a second); `PROPTEST_CASES=100000` explores for longer, and
//! `PROPTEST_RNG_SEED` picks another seed (a number, or `random`).

use proptest::prelude::*;
use serde_json::{Value, json};
use steady_core::clock::{Hlc, Timestamp};
use steady_core::codes::Role;
use steady_core::protocol::{Change, EntityKind, OpOutcome, Operation};
use steady_core::record_schema::{self, Context, Writer};
use steady_server::merge::{self, Actor, CellKey, EntityState, GrantRecord, Known, Staff};

const NOW: Timestamp = Timestamp(1_800_000_000_000);
const DEVICE: &str = "dev-a";
const NAME: &str = "Alex Morgan";
const JOB: &str = "Support worker";

const KINDS: [EntityKind; EntityKind::ALL.len()] = EntityKind::ALL;

/// Real field names of every kind, and a few no kind has.
const FIELDS: &[&str] = &[
    "display_name",
    "preferred_name",
    "local_identifier",
    "deleted",
    "green.settled",
    "red.staff_should_do",
    "review.at",
    "review.by",
    "review.due",
    "status",
    "occurred_at",
    "recorded_by",
    "note",
    "tags",
    "person_id",
    "deescalation",
    "non_staff_involved",
    "debrief_staff",
    "submitted_at",
    "submitted_by",
    "template_id",
    "template_version",
    "present",
    "score",
    "band",
    "at",
    "by",
    "title",
    "body",
    "text",
    "author",
    "job_title",
    "severity",
    "x",
];

const LISTS: &[&str] = &[
    "safety_alerts",
    "triggers",
    "amber.what_helps",
    "red.authorised_interventions",
    "use_of_force",
    "addenda",
    "tags",
    "notes",
];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!("")),
        Just(json!(" padded ")),
        Just(json!("Offer the quiet room")),
        Just(json!(NAME)),
        Just(json!("Dr Lee")),
        Just(json!("x".repeat(101))),
        Just(json!("x".repeat(4001))),
        Just(json!("draft")),
        Just(json!("submitted")),
        Just(json!("sam")),
        Just(json!("low")),
        Just(json!(7)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(NOW.0 - 3_600_000)),
        Just(json!(NOW.0 + 31 * 86_400_000)),
        Just(json!(NOW.0 + 365 * 86_400_000)),
        Just(json!(5)),
        Just(json!(["near_miss"])),
        Just(json!(["made_up"])),
        Just(json!(["a", "b"])),
        Just(json!({"held": true, "note": "Talked it through"})),
        Just(json!({"held": "yes"})),
        Just(json!({"own_strategies": ["Music"], "general_steps": [], "other": null})),
        Just(json!({"nested": {"deeper": {"deepest": 1}}})),
    ]
}

fn item_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!({"pos": 1.0, "text": "Pacing"})),
        Just(json!({"pos": 1.0, "text": ""})),
        Just(json!({"text": "no position"})),
        Just(json!({"pos": 2.0, "text": "Pacing", "colour": "red"})),
        Just(json!({"pos": 1.0, "type": "01", "note": "Only if trained"})),
        Just(json!({"pos": 1.0, "type": "prone", "note": ""})),
        Just(
            json!({"pos": 1.0, "intervention": "01", "started_at": NOW.0 - 600_000,
                    "how_force_was_used": "", "staff": []})
        ),
        Just(
            json!({"pos": 1.0, "intervention": "01", "started_at": NOW.0 - 600_000,
                    "ended_at": NOW.0 - 900_000, "how_force_was_used": "", "staff": []})
        ),
        Just(
            json!({"pos": 1.0, "author": NAME, "job_title": JOB, "at": NOW.0 - 1000,
                    "reason": "Late detail", "text": "Seen by the GP"})
        ),
        Just(
            json!({"pos": 1.0, "author": "Dr Lee", "job_title": JOB, "at": NOW.0 - 1000,
                    "reason": "Late detail", "text": "Seen by the GP"})
        ),
        Just(
            json!({"pos": 1.0, "author": NAME, "job_title": JOB, "at": 1,
                    "reason": "Late detail", "text": "Seen by the GP"})
        ),
        Just(json!("text")),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        prop::collection::btree_map(prop::sample::select(FIELDS), value(), 1..4).prop_map(|f| {
            Change::Fields(f.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        }),
        (prop::sample::select(LISTS), item_value()).prop_map(|(list, value)| Change::Item {
            list: list.into(),
            item_id: "item-1".into(),
            value,
        }),
    ]
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![Role::Reader, Role::Editor, Role::Lead])
}

/// What the server holds: every record "sam" of every kind in ward-a (unless `creating`: then
/// not the operation's own), made by this device, with the incident recorded by its staff.
fn known(op: &Operation, creating: bool) -> Known {
    let mut known = Known::default();
    for kind in KINDS {
        if creating && kind == op.entity {
            continue;
        }
        known.entities.insert(
            (kind, "sam".into()),
            EntityState {
                unit_id: "ward-a".into(),
                locked: false,
                created_by: Some(DEVICE.into()),
                purged_before_ms: 0,
            },
        );
    }
    // A sheet is its person's: the person is always there.
    known.entities.insert(
        (EntityKind::Person, "sam".into()),
        EntityState {
            unit_id: "ward-a".into(),
            locked: false,
            created_by: Some(DEVICE.into()),
            purged_before_ms: 0,
        },
    );
    known.cells.insert(
        CellKey {
            entity: EntityKind::Incident,
            entity_id: "sam".into(),
            field: "recorded_by".into(),
            item_id: String::new(),
        },
        (
            Hlc {
                wall_ms: NOW.0 - 86_400_000,
                counter: 0,
                device: DEVICE.into(),
            },
            json!(NAME),
        ),
    );
    known
}

/// An op of this device on record "sam" of ward-a, stamped a second before now.
fn op_on_sam(kind: EntityKind, change: Change) -> Operation {
    Operation {
        op_id: "op-1".into(),
        entity: kind,
        entity_id: "sam".into(),
        unit_id: "ward-a".into(),
        change,
        stamp: Hlc {
            wall_ms: NOW.0 - 1_000,
            counter: 0,
            device: DEVICE.into(),
        },
    }
}

fn same_verdict(kind: EntityKind, change: Change, role: Role, creating: bool) {
    let op = op_on_sam(kind, change);
    let device = record_schema::check_op(
        &op,
        &Context {
            writer: Writer::Staff {
                role,
                name: NAME,
                job_title: JOB,
            },
            now: NOW,
            creating,
            mental_health_unit: false,
        },
    );
    let grants = [GrantRecord {
        unit_id: "ward-a".into(),
        role,
        ends_at: None,
    }];
    let actor = Actor::Device {
        device_id: DEVICE,
        grants: &grants,
        staff: Some(Staff {
            name: NAME,
            job_title: JOB,
        }),
    };
    let plan = merge::plan(actor, std::slice::from_ref(&op), known(&op, creating), NOW);
    let server = &plan.results[0].outcome;
    match (&device, server) {
        // A reference to a person who is not in the unit: the device refuses it in its own
        // store (it knows which people it holds, `check_person_in_unit`), the server in its
        // own; neither is the record's own rule. Only "sam" is a person here.
        (Ok(()), OpOutcome::Rejected { reason, detail })
            if *reason == steady_core::protocol::RejectReason::UnitMismatch
                && detail.starts_with("person_id") => {}
        (Ok(()), OpOutcome::Rejected { reason, detail }) => {
            panic!("the device queues what the server refuses ({reason:?}: {detail}): {op:?}")
        }
        (Err(broken), OpOutcome::Applied { .. } | OpOutcome::Superseded { .. }) => {
            panic!("the server takes what the device refuses ({broken}): {op:?}")
        }
        (Err(broken), OpOutcome::Rejected { reason, detail }) => {
            assert_eq!(broken.reason, *reason, "{broken} / {detail}: {op:?}");
            assert!(detail.starts_with(&broken.field), "{broken} / {detail}");
        }
        (Ok(()), _) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: steady_e2e::proptest_cases(512),
        rng_seed: steady_e2e::proptest_rng_seed(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_device_and_the_server_give_every_op_the_same_verdict(
        kind in prop::sample::select(KINDS.to_vec()),
        change in change(),
        role in role(),
        creating in any::<bool>(),
    ) {
        same_verdict(kind, change, role, creating);
    }
}

/// Both verdicts are exercised: some of these are refused, some taken, by both.
#[test]
fn the_cases_include_both_verdicts() {
    let taken = Change::Fields([("note".to_string(), json!("Shouting"))].into());
    let refused = Change::Fields([("note".to_string(), json!(""))].into());
    same_verdict(EntityKind::Incident, taken.clone(), Role::Reader, false);
    same_verdict(EntityKind::Incident, refused.clone(), Role::Reader, false);
    let ctx = Context {
        writer: Writer::Staff {
            role: Role::Reader,
            name: NAME,
            job_title: JOB,
        },
        now: NOW,
        creating: false,
        mental_health_unit: false,
    };
    let op = |change| op_on_sam(EntityKind::Incident, change);
    assert!(record_schema::check_op(&op(taken), &ctx).is_ok());
    assert!(record_schema::check_op(&op(refused), &ctx).is_err());
}
