//! Tamper evidence on the device: a submitted incident, its addenda and the audit trail are
//! sealed and hash-chained, so a byte changed behind Steady's back (raw SQL with the records
//! triggers dropped) is found by `Store::verify_records`, which says where.
//!
//! The sweep flips every byte (and bumps every number) of every row that holds a submitted
//! incident, an addendum, a seal or an audit event, one at a time, checks that the change is
//! found and named, and puts it back.

mod common;

use std::collections::BTreeMap;

use common::*;
use rusqlite::types::Value as SqlValue;
use serde_json::json;
use steady_core::clock::Hlc;
use steady_core::codes::Role;
use steady_core::incident::QuickCapture;
use steady_core::protocol::{Change, EntityKind, PulledChange};
use steady_core::{Error, StaffMember};

fn raw(f: &Fixture) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(f.path()).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", "5a".repeat(32)))
        .unwrap();
    // Each flip is committed and put back: no need to wait for the disk.
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    conn.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    conn
}

/// A lead's device with one submitted incident carrying one addendum, and a draft.
fn sealed(f: &Fixture) -> (String, String) {
    f.store
        .apply_grants(&[grant("ward-a", Role::Lead, false, None)])
        .unwrap();
    let id = f
        .store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "Synthetic: threw a cup, de-escalated".into(),
            unidentified_person: Some("visitor, ~50".into()),
            ..QuickCapture::default()
        })
        .unwrap();
    f.store.submit_incident(&id).unwrap();
    let addendum = f
        .store
        .add_addendum(&id, "Time corrected", "It was 14:10, not 14:00")
        .unwrap();
    f.store
        .capture_incident(QuickCapture {
            unit_id: "ward-a".into(),
            note: "Synthetic draft".into(),
            ..QuickCapture::default()
        })
        .unwrap();
    (id, addendum)
}

fn expect_found(f: &Fixture, what: &str) -> String {
    match f.store.verify_records() {
        Err(Error::Corrupt(message)) => message,
        other => panic!("{what}: not detected: {other:?}"),
    }
}

#[test]
fn an_untouched_store_verifies_and_counts_what_it_checked() {
    let f = fixture();
    let (_, _) = sealed(&f);
    let check = f.store.verify_records().unwrap();
    assert_eq!(check.sealed_incidents, 1);
    assert_eq!(check.sealed_addenda, 1);
    assert_eq!(check.seals, 2);
    assert!(check.audit_events >= 4, "{check:?}");
    // Reopening changes nothing.
    let f = f.reopen();
    assert_eq!(f.store.verify_records().unwrap(), check);
}

#[test]
fn a_flipped_byte_in_a_submitted_note_is_found_and_named() {
    let f = fixture();
    let (id, _) = sealed(&f);
    let conn = raw(&f);
    conn.execute_batch("DROP TRIGGER locked_fields_no_update;")
        .unwrap();
    conn.execute(
        "UPDATE fields SET value = replace(value, 'cup', 'cuq') WHERE entity_id = ?1 AND field = 'note'",
        [&id],
    )
    .unwrap();
    let message = expect_found(&f, "note");
    assert!(message.contains(&id), "{message}");
    assert!(
        message.contains("differs from what was sealed"),
        "{message}"
    );
}

#[test]
fn a_flipped_byte_in_an_addendum_is_found_and_named() {
    let f = fixture();
    let (id, addendum) = sealed(&f);
    let conn = raw(&f);
    conn.execute_batch("DROP TRIGGER locked_fields_no_update;")
        .unwrap();
    conn.execute(
        "UPDATE fields SET value = replace(value, '14:10', '14:11') WHERE item_id = ?1",
        [&addendum],
    )
    .unwrap();
    let message = expect_found(&f, "addendum");
    assert!(
        message.contains(&addendum) && message.contains(&id),
        "{message}"
    );
}

#[test]
fn removed_and_added_fields_unlocking_and_unsealed_records_are_found() {
    // A field deleted from a submitted incident.
    let f = fixture();
    let (id, _) = sealed(&f);
    let conn = raw(&f);
    conn.execute_batch(
        "DROP TRIGGER locked_fields_no_delete; DROP TRIGGER locked_fields_no_insert; \
         DROP TRIGGER locked_entity_stays_locked; DROP TRIGGER seals_no_delete;",
    )
    .unwrap();
    conn.execute(
        "DELETE FROM fields WHERE entity_id = ?1 AND field = 'unidentified_person'",
        [&id],
    )
    .unwrap();
    let message = expect_found(&f, "deleted field");
    assert!(
        message.contains("fields removed [unidentified_person]"),
        "{message}"
    );
    // A field added.
    let f = fixture();
    let (id, _) = sealed(&f);
    let conn = raw(&f);
    conn.execute_batch("DROP TRIGGER locked_fields_no_insert;")
        .unwrap();
    conn.execute(
        "INSERT INTO fields (entity, entity_id, field, item_id, value, hlc_wall, hlc_counter, hlc_device) \
         VALUES ('incident', ?1, 'outcome', '', '\"calm\"', 1, 0, 'x')",
        [&id],
    )
    .unwrap();
    let message = expect_found(&f, "added field");
    assert!(message.contains("fields added [outcome]"), "{message}");

    // Unlocked.
    let f = fixture();
    let (id, _) = sealed(&f);
    let conn = raw(&f);
    conn.execute_batch("DROP TRIGGER locked_entity_stays_locked;")
        .unwrap();
    conn.execute("UPDATE entities SET locked = 0 WHERE entity_id = ?1", [&id])
        .unwrap();
    let message = expect_found(&f, "unlocked");
    assert!(message.contains("no longer locked"), "{message}");

    // An addendum slipped in without a seal.
    let f = fixture();
    let (id, _) = sealed(&f);
    let conn = raw(&f);
    conn.execute(
        "INSERT INTO fields (entity, entity_id, field, item_id, value, hlc_wall, hlc_counter, hlc_device) \
         VALUES ('incident', ?1, 'addenda', 'forged', '{\"text\":\"x\"}', 1, 0, 'x')",
        [&id],
    )
    .unwrap();
    let message = expect_found(&f, "forged addendum");
    assert!(message.contains("addendum forged"), "{message}");

    // A draft locked by hand (a forged "submitted" record).
    let f = fixture();
    let _ = sealed(&f);
    let conn = raw(&f);
    let draft: String = conn
        .query_row(
            "SELECT entity_id FROM entities WHERE locked = 0 AND entity = 'incident'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE entities SET locked = 1 WHERE entity_id = ?1",
        [&draft],
    )
    .unwrap();
    let message = expect_found(&f, "forged lock");
    assert!(
        message.contains(&draft) && message.contains("never sealed"),
        "{message}"
    );

    // The last seal removed.
    let f = fixture();
    let (_, addendum) = sealed(&f);
    let conn = raw(&f);
    conn.execute_batch("DROP TRIGGER seals_no_delete; DELETE FROM seals WHERE seq = 2;")
        .unwrap();
    let message = expect_found(&f, "removed seal");
    assert!(
        message.contains(&addendum) && message.contains("never sealed"),
        "{message}"
    );
}

/// Every column of every protected row, as (table, rowid, column).
fn protected_cells(conn: &rusqlite::Connection, id: &str) -> Vec<(String, i64, String)> {
    let mut cells = Vec::new();
    let tables: [(&str, &str, &[&str]); 4] = [
        (
            "fields",
            "entity = 'incident' AND entity_id = ?1",
            &[
                "entity",
                "entity_id",
                "field",
                "item_id",
                "value",
                "hlc_wall",
                "hlc_counter",
                "hlc_device",
            ],
        ),
        (
            "entities",
            "entity = 'incident' AND entity_id = ?1",
            &["entity", "entity_id", "unit_id", "locked", "created_at"],
        ),
        (
            "seals",
            "?1 = ?1",
            &[
                "seq",
                "kind",
                "entity_id",
                "item_id",
                "unit_id",
                "cells",
                "digest",
                "prev_hash",
                "hash",
            ],
        ),
        (
            "audit",
            "?1 = ?1",
            &[
                "seq",
                "at",
                "actor",
                "action",
                "entity",
                "entity_id",
                "unit_id",
                "detail",
                "prev_hash",
                "hash",
            ],
        ),
    ];
    for (table, filter, columns) in tables {
        // WITHOUT ROWID tables are addressed by their primary key through a temporary rowid map.
        let keys: Vec<i64> = if matches!(table, "fields" | "entities") {
            Vec::new()
        } else {
            conn.prepare(&format!("SELECT rowid FROM {table} WHERE {filter}"))
                .unwrap()
                .query_map([id], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        if keys.is_empty() {
            let n: i64 = conn
                .query_row(
                    &format!("SELECT count(*) FROM {table} WHERE {filter}"),
                    [id],
                    |r| r.get(0),
                )
                .unwrap();
            for i in 0..n {
                for c in columns {
                    cells.push((table.to_string(), -(i + 1), c.to_string()));
                }
            }
        } else {
            for k in keys {
                for c in columns {
                    cells.push((table.to_string(), k, c.to_string()));
                }
            }
        }
    }
    cells
}

/// `WHERE` clause addressing one row: rowid, or the n-th row (by primary key) of a WITHOUT
/// ROWID table's rows about the incident.
fn row_filter(conn: &rusqlite::Connection, table: &str, key: i64, id: &str) -> String {
    if key > 0 {
        return format!("rowid = {key}");
    }
    let (pk, filter) = match table {
        "fields" => (
            "entity, entity_id, field, item_id",
            "entity = 'incident' AND entity_id = ?1",
        ),
        _ => (
            "entity, entity_id",
            "entity = 'incident' AND entity_id = ?1",
        ),
    };
    let n = -key - 1;
    let parts: Vec<SqlValue> = conn
        .query_row(
            &format!("SELECT {pk} FROM {table} WHERE {filter} ORDER BY {pk} LIMIT 1 OFFSET {n}"),
            [id],
            |r| {
                (0..pk.split(',').count())
                    .map(|i| r.get::<_, SqlValue>(i))
                    .collect()
            },
        )
        .unwrap();
    pk.split(", ")
        .zip(parts)
        .map(|(col, v)| match v {
            SqlValue::Text(t) => format!("{col} = '{}'", t.replace('\'', "''")),
            SqlValue::Integer(i) => format!("{col} = {i}"),
            other => panic!("unexpected key {other:?}"),
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn variants(value: &SqlValue) -> Vec<SqlValue> {
    match value {
        SqlValue::Integer(i) => vec![SqlValue::Integer(i ^ 1), SqlValue::Integer(i + 1000)],
        SqlValue::Text(t) => (0..t.len())
            .filter(|&i| t.as_bytes()[i].is_ascii())
            .map(|i| {
                let mut bytes = t.clone().into_bytes();
                bytes[i] ^= 0x01;
                SqlValue::Text(String::from_utf8(bytes).expect("ascii stays utf-8"))
            })
            .collect(),
        SqlValue::Blob(b) => (0..b.len())
            .map(|i| {
                let mut bytes = b.clone();
                bytes[i] ^= 0x80;
                SqlValue::Blob(bytes)
            })
            .collect(),
        SqlValue::Null | SqlValue::Real(_) => Vec::new(),
    }
}

#[test]
fn every_flipped_byte_of_a_sealed_record_seal_or_audit_event_is_found() {
    let f = fixture();
    f.store
        .set_staff_member(StaffMember {
            name: "Jo Lead".into(),
            job_title: "Ward manager".into(),
        })
        .unwrap();
    let (id, _) = sealed(&f);
    let conn = raw(&f);
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
    }
    f.store.verify_records().unwrap();
    let mut flips = 0;
    for (table, key, column) in protected_cells(&conn, &id) {
        let filter = row_filter(&conn, &table, key, &id);
        let original: SqlValue = conn
            .query_row(
                &format!("SELECT {column} FROM {table} WHERE {filter}"),
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("{table}.{column} {filter}: {e}"));
        let changed_values = match (&original, column.as_str()) {
            // A sequence number moved out of the way (its neighbours hold the next ones).
            (SqlValue::Integer(i), "seq") => vec![SqlValue::Integer(i + 1000)],
            _ => variants(&original),
        };
        for changed in changed_values {
            let set = |v: &SqlValue| {
                conn.execute(
                    &format!("UPDATE {table} SET {column} = ?1 WHERE {filter}"),
                    [v],
                )
                .unwrap_or_else(|e| panic!("{table}.{column}: {e}"))
            };
            // The row is addressed by its key as it was; a changed key column is put back
            // through the changed key.
            set(&changed);
            let message = expect_found(&f, &format!("{table}.{column} {filter}"));
            assert!(
                message.contains("incident")
                    || message.contains("seal")
                    || message.contains("audit trail broken at event"),
                "{table}.{column}: no place named: {message}"
            );
            let back_filter = if matches!(table.as_str(), "fields" | "entities")
                && ["entity", "entity_id", "field", "item_id"].contains(&column.as_str())
            {
                let text = match &changed {
                    SqlValue::Text(t) => t.replace('\'', "''"),
                    _ => unreachable!(),
                };
                filter
                    .split(" AND ")
                    .map(|part| {
                        if part.starts_with(&format!("{column} = ")) {
                            format!("{column} = '{text}'")
                        } else {
                            part.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ")
            } else if column == "seq" {
                match &changed {
                    SqlValue::Integer(i) => format!("rowid = {i}"),
                    _ => unreachable!(),
                }
            } else {
                filter.clone()
            };
            conn.execute(
                &format!("UPDATE {table} SET {column} = ?1 WHERE {back_filter}"),
                [&original],
            )
            .unwrap();
            flips += 1;
        }
        f.store
            .verify_records()
            .unwrap_or_else(|e| panic!("{table}.{column} put back but still failing: {e}"));
    }
    println!("{flips} single-byte and number changes, every one found and named");
    assert!(flips > 1000, "{flips}");
}

#[test]
fn a_purged_unit_keeps_the_records_check_green() {
    let f = fixture();
    let (_, _) = sealed(&f);
    // The placement ends: once nothing is pending, the unit leaves the device.
    let conn = raw(&f);
    conn.execute("DELETE FROM outbox", []).unwrap();
    f.store
        .apply_grants(&[grant(
            "ward-a",
            Role::Lead,
            false,
            Some(f.store.now().plus_days(-1)),
        )])
        .unwrap();
    assert_eq!(f.store.purge_ended_units().unwrap(), vec!["ward-a"]);
    let check = f.store.verify_records().unwrap();
    assert_eq!((check.sealed_incidents, check.sealed_addenda), (0, 0));
    assert_eq!(check.seals, 3, "two seals and the purge");
}

#[test]
fn an_incident_pulled_already_submitted_is_sealed_with_its_addenda() {
    let f = fixture();
    f.store
        .apply_grants(&[grant("ward-a", Role::Reader, false, None)])
        .unwrap();
    let stamp = |wall: i64| Hlc {
        wall_ms: SHIFT_START.0 - wall,
        counter: 0,
        device: "other-phone".into(),
    };
    let fields = |pairs: &[(&str, serde_json::Value)]| {
        Change::Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    let change = |change: Change, wall: i64| PulledChange {
        entity: EntityKind::Incident,
        entity_id: "pulled-1".into(),
        unit_id: "ward-a".into(),
        change,
        stamp: stamp(wall),
    };
    let addendum = Change::Item {
        list: "addenda".into(),
        item_id: "add-1".into(),
        value: json!({"pos": 1.0, "author": "Jo", "job_title": "Nurse", "at": 1, "reason": "r", "text": "t"}),
    };
    let pulled = [
        change(
            fields(&[
                ("note", json!("Synthetic, elsewhere")),
                ("status", json!("draft")),
            ]),
            300,
        ),
        change(fields(&[("status", json!("submitted"))]), 200),
        change(addendum.clone(), 100),
    ];
    f.store.merge_pulled_changes(&pulled).unwrap();
    // The same page again (a retried pull) seals nothing twice.
    f.store.merge_pulled_changes(&pulled).unwrap();
    let check = f.store.verify_records().unwrap();
    assert_eq!(
        (check.sealed_incidents, check.sealed_addenda),
        (1, 1),
        "{check:?}"
    );
    assert_eq!(check.seals, 2);
}
