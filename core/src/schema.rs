//! The device schema, defined once as numbered SQL migrations, and the code that applies them.
//!
//! `PRAGMA user_version` holds the schema version. Upgrades run in one immediate transaction, so
//! a store is either wholly at the old version or wholly at the new one; a store newer than this
//! build is refused by the opener before anything is written.

use rusqlite::{Connection, TransactionBehavior};

use crate::clock::Timestamp;
use crate::error::Result;

/// The migrations, in order; migration `i` (from 0) brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/device/001_initial.sql"),
    include_str!("../migrations/device/002_sync.sql"),
    include_str!("../migrations/device/003_seals.sql"),
    include_str!("../migrations/device/004_pins.sql"),
    include_str!("../migrations/device/005_audit_sent.sql"),
];

/// The version that introduced seals: upgrading to it seals what the store already holds.
const SEALS_VERSION: u32 = 3;

/// The version whose search rows hold one name per line (so a hit can say which name matched):
/// upgrading to it rebuilds every person's search row.
const SEARCH_LINES_VERSION: u32 = 4;

/// The schema version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

/// The schema version of the open database (0 for a new file).
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the schema from `from` to [`VERSION`] in one transaction; creates the device row of a
/// new store.
pub(crate) fn migrate(conn: &Connection, from: u32, now: Timestamp) -> Result<()> {
    migrate_to(conn, from, VERSION, now)
}

/// Brings the schema from `from` to `to` (tests use this to build an old store).
pub(crate) fn migrate_to(conn: &Connection, from: u32, to: u32, now: Timestamp) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(from as usize)
    {
        tx.execute_batch(sql)?;
        if i as u32 + 1 == SEALS_VERSION && from > 0 {
            crate::seal::backfill(&tx)?;
        }
        if i as u32 + 1 == SEARCH_LINES_VERSION && from > 0 {
            crate::search::reindex_everyone(&tx)?;
        }
    }
    if from == 0 {
        tx.execute(
            "INSERT INTO device (singleton, device_id, created_at) VALUES (1, ?1, ?2)",
            (uuid::Uuid::new_v4().to_string(), now.0),
        )?;
    }
    tx.pragma_update(None, "user_version", to)?;
    tx.commit()?;
    Ok(())
}

/// The schema as SQLite reports it: every table, index and trigger with its SQL, sorted.
/// Two stores with equal descriptions have the same schema.
pub fn describe(conn: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT type, name, COALESCE(sql, '') FROM sqlite_schema \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every older schema, upgraded by this build, ends up equal to a fresh store's schema.
    #[test]
    fn every_older_schema_upgrades_to_the_fresh_one() {
        let fresh = Connection::open_in_memory().unwrap();
        migrate(&fresh, 0, Timestamp(1)).unwrap();
        let expected = describe(&fresh).unwrap();
        assert!(expected.iter().any(|(_, name, _)| name == "fields"));
        for old in 1..=VERSION {
            let conn = Connection::open_in_memory().unwrap();
            migrate_to(&conn, 0, old, Timestamp(1)).unwrap();
            assert_eq!(version(&conn).unwrap(), old);
            migrate(&conn, old, Timestamp(2)).unwrap();
            assert_eq!(version(&conn).unwrap(), VERSION);
            assert_eq!(describe(&conn).unwrap(), expected, "upgrading from v{old}");
        }
    }

    /// A store from before names were indexed one per line has every search row rebuilt on
    /// upgrade, so a hit on a name says which name matched.
    #[test]
    fn upgrading_to_one_name_per_line_rebuilds_the_search_rows() {
        let conn = Connection::open_in_memory().unwrap();
        migrate_to(&conn, 0, SEARCH_LINES_VERSION - 1, Timestamp(1)).unwrap();
        conn.execute_batch(
            "INSERT INTO entities (entity, entity_id, unit_id, created_at) \
               VALUES ('person', 'p1', 'ward-a', 1);
             INSERT INTO fields VALUES ('person', 'p1', 'display_name', '', '\"Samuel Okafor\"', 1, 0, 'd');
             INSERT INTO fields VALUES ('person', 'p1', 'preferred_name', '', '\"Sam\"', 1, 0, 'd');
             INSERT INTO search_docs (docid, person_id) VALUES (1, 'p1');
             INSERT INTO people_search (rowid, person_id, unit_id, display, names, alerts, triggers, warning_signs) \
               VALUES (1, 'p1', 'ward-a', 'Sam', 'Samuel Okafor Sam', '', '', '');",
        )
        .unwrap();
        migrate(&conn, SEARCH_LINES_VERSION - 1, Timestamp(2)).unwrap();
        let names: String = conn
            .query_row(
                "SELECT names FROM people_search WHERE person_id = 'p1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(names.contains('\n'), "one name per line now: {names:?}");
    }

    /// A store from before the audit trail was sent keeps its trail on upgrade, and has sent
    /// none of it: the next sync sends it all, from the first event, chain intact.
    #[test]
    fn upgrading_to_audit_sending_keeps_the_trail_and_sends_it_from_the_start() {
        const AUDIT_SENT_VERSION: u32 = 5;
        let conn = Connection::open_in_memory().unwrap();
        migrate_to(&conn, 0, AUDIT_SENT_VERSION - 1, Timestamp(1)).unwrap();
        let mut chain = crate::audit::AuditChain::resume(&conn).unwrap();
        for id in ["p1", "p2"] {
            chain
                .append(
                    &conn,
                    Timestamp(5),
                    "Alex Morgan",
                    "view",
                    "person",
                    id,
                    "ward-a",
                    "card",
                )
                .unwrap();
        }
        migrate(&conn, AUDIT_SENT_VERSION - 1, Timestamp(2)).unwrap();
        let (acked, events): (i64, i64) = conn
            .query_row(
                "SELECT audit_acked, (SELECT count(*) FROM audit) FROM sync_state",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((acked, events), (0, 2));
        let mut walk = crate::audit::ChainWalk::contiguous();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {}, hash FROM audit ORDER BY seq",
                crate::audit::EVENT_COLUMNS
            ))
            .unwrap();
        let rows = stmt.query_map([], crate::audit::record_from_row).unwrap();
        for row in rows {
            let record = row.unwrap();
            walk.step(&record.event, &record.hash_bytes().unwrap())
                .unwrap();
        }
        assert_eq!(walk.checked(), 2);
    }

    #[test]
    fn a_failed_upgrade_leaves_the_old_version() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE device (x)").unwrap();
        assert!(migrate(&conn, 0, Timestamp(1)).is_err());
        assert_eq!(version(&conn).unwrap(), 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1, "nothing of the failed migration remains");
    }
}
