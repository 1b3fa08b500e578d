//! The record log: the server's tamper evidence for submitted incidents.
//!
//! Records protection stops a device from changing a submitted incident (the merge rules lock
//! it). The record log makes a change made *around* the server visible — an operator's SQL, a
//! restored backup with edits, a flipped byte on the disk. When a push locks an incident, every
//! cell the incident then holds (each field and list item, addenda included, with its value and
//! stamp) is appended to `record_log`; each addendum accepted afterwards is appended as it
//! arrives. Rows are append-only (a trigger refuses updates and deletes) and hash-chained: each
//! row's hash covers its content and the previous row's hash.
//!
//! `steady-server verify` walks the chain from the first row, then checks every locked
//! incident's cells against what the log says they were, and reports the first break: a row
//! whose hash does not follow, a cell that differs from its log entry, a cell added or removed
//! after submission, an incident unlocked, or a locked incident the log never saw.
//!
//! Cost: only submitted incidents and their addenda are logged — a handful of rows per
//! submission, written inside the push's transaction (under the single writer on SQLite and the
//! record-log lock on PostgreSQL, so the chain has one head). Ordinary edits, sheets
//! and captures add nothing. A tombstone purge may delete a logged cell whose value was `null`;
//! the check allows that (a tombstone carries no content).
//!
//! What this does not do: someone able to rewrite the whole table can recompute every hash.
//! Copying the latest hash somewhere the operator cannot write (printed by `verify`) anchors it.

use std::collections::{BTreeMap, BTreeSet};

use steady_core::chain::ChainHasher;
use steady_core::clock::Hlc;
use steady_core::protocol::{ADDENDA_LIST, EntityKind};

use crate::merge::Plan;

/// One row of the log (and the shape of a current cell compared against it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Position in the log, from 1 (0 for a current cell).
    pub seq: i64,
    /// The record's kind (`incident`).
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// Field or list name.
    pub field: String,
    /// List item, or "".
    pub item_id: String,
    /// The record's unit.
    pub unit_id: String,
    /// The value as stored (JSON text).
    pub value_json: String,
    /// The value's stamp.
    pub stamp: Hlc,
    /// When it was logged (server time, ms).
    pub logged_at: i64,
}

/// The digest of what a cell holds (unit, value, stamp).
fn cell_digest(e: &LogEntry) -> [u8; 32] {
    ChainHasher::new()
        .part(&e.unit_id)
        .part(&e.value_json)
        .fixed(e.stamp.wall_ms.to_be_bytes())
        .fixed(e.stamp.counter.to_be_bytes())
        .part(&e.stamp.device)
        .finish()
}

/// A row's chained hash: its content and the previous row's hash.
pub fn entry_hash(prev: &[u8], e: &LogEntry) -> [u8; 32] {
    ChainHasher::new()
        .part(b"steady record log v1")
        .part(prev)
        .fixed(e.seq.to_be_bytes())
        .part(&e.entity)
        .part(&e.entity_id)
        .part(&e.field)
        .part(&e.item_id)
        .fixed(cell_digest(e))
        .fixed(e.logged_at.to_be_bytes())
        .finish()
}

/// What a written plan adds to the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ToLog {
    /// Incidents this plan locked: every cell they hold is logged.
    pub sealed: Vec<String>,
    /// Addenda this plan wrote to incidents it did not lock (logged if the incident is locked).
    pub addenda: Vec<(String, String)>,
}

impl ToLog {
    /// Nothing to log (the usual case: one check per push).
    pub fn is_empty(&self) -> bool {
        self.sealed.is_empty() && self.addenda.is_empty()
    }
}

/// What to log for a plan that has been written.
pub fn to_log(plan: &Plan) -> ToLog {
    let sealed: BTreeSet<&str> = plan
        .locks
        .iter()
        .filter(|(kind, _)| *kind == EntityKind::Incident)
        .map(|(_, id)| id.as_str())
        .collect();
    let mut addenda = BTreeSet::new();
    for w in &plan.writes {
        if w.key.entity == EntityKind::Incident
            && w.key.field == ADDENDA_LIST
            && !sealed.contains(w.key.entity_id.as_str())
        {
            addenda.insert((w.key.entity_id.clone(), w.key.item_id.clone()));
        }
    }
    ToLog {
        sealed: sealed.into_iter().map(str::to_string).collect(),
        addenda: addenda.into_iter().collect(),
    }
}

/// Numbers the cells to log after the log's last row and chains them; returns each entry with
/// its previous hash and hash, ready to insert.
pub fn chain(
    last: Option<(i64, Vec<u8>)>,
    cells: Vec<LogEntry>,
    logged_at: i64,
) -> Vec<(LogEntry, Vec<u8>, [u8; 32])> {
    let (mut seq, mut prev) = last.unwrap_or((0, vec![0; 32]));
    cells
        .into_iter()
        .map(|mut e| {
            seq += 1;
            e.seq = seq;
            e.logged_at = logged_at;
            let hash = entry_hash(&prev, &e);
            let row = (e, prev.clone(), hash);
            prev = hash.to_vec();
            row
        })
        .collect()
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordsReport {
    /// Log rows whose chain was checked.
    pub entries: u64,
    /// The last row's hash (hex): copy it somewhere safe to anchor the log.
    pub head: String,
    /// Locked incidents checked against the log.
    pub incidents: u64,
    /// Their cells checked.
    pub cells: u64,
    /// The first problem, with where it is; `None`: everything matched.
    pub first_break: Option<String>,
    /// How many problems in all.
    pub problems: u64,
}

/// What the log says one cell holds.
struct Logged {
    seq: i64,
    digest: [u8; 32],
    /// A tombstone (a purge may remove it).
    null: bool,
    /// Found among the current cells.
    seen: bool,
}

/// Checks the log and the locked incidents against it, fed in order: every log row by `seq`
/// ([`Verifier::entry`]), then the locked incidents ([`Verifier::locked`]) and their cells
/// ([`Verifier::cell`]), then [`Verifier::finish`]. Keeps a 32-byte digest per logged cell.
#[derive(Default)]
pub struct Verifier {
    report: RecordsReport,
    prev: Vec<u8>,
    chain_broken: bool,
    /// (entity_id, field, item_id) → what the log says the cell holds.
    expected: BTreeMap<(String, String, String), Logged>,
    /// Incidents the log holds → unit.
    logged: BTreeMap<String, String>,
    locked: BTreeSet<String>,
}

impl Verifier {
    /// A verifier at the start of the log.
    pub fn new() -> Self {
        Verifier {
            prev: vec![0; 32],
            ..Verifier::default()
        }
    }

    fn problem(&mut self, what: String) {
        self.report.problems += 1;
        if self.report.first_break.is_none() {
            self.report.first_break = Some(what);
        }
    }

    /// The next log row, with its stored previous hash and hash.
    pub fn entry(&mut self, e: &LogEntry, stored_prev: &[u8], stored_hash: &[u8]) {
        if self.chain_broken {
            return;
        }
        let expected_seq = self.report.entries as i64 + 1;
        if e.seq != expected_seq {
            self.chain_broken = true;
            self.problem(format!(
                "record log entry {expected_seq} is missing (the next entry is {})",
                e.seq
            ));
            return;
        }
        let hash = entry_hash(&self.prev, e);
        if stored_prev != self.prev.as_slice() || stored_hash != hash.as_slice() {
            self.chain_broken = true;
            self.problem(format!(
                "the record log is broken at entry {} (incident {}, {})",
                e.seq,
                e.entity_id,
                cell_name(&e.field, &e.item_id)
            ));
            return;
        }
        self.prev = hash.to_vec();
        self.report.entries += 1;
        self.report.head = hex::encode(hash);
        self.logged
            .entry(e.entity_id.clone())
            .or_insert_with(|| e.unit_id.clone());
        self.expected.insert(
            (e.entity_id.clone(), e.field.clone(), e.item_id.clone()),
            Logged {
                seq: e.seq,
                digest: cell_digest(e),
                null: e.value_json == "null",
                seen: false,
            },
        );
    }

    /// A locked incident in the store.
    pub fn locked(&mut self, entity_id: &str) {
        self.locked.insert(entity_id.to_string());
        if !self.logged.contains_key(entity_id) && !self.chain_broken {
            self.problem(format!(
                "incident {entity_id} is locked (submitted) but the record log never saw it \
                 submitted"
            ));
        }
    }

    /// A current cell of a locked incident.
    pub fn cell(&mut self, c: &LogEntry) {
        self.report.cells += 1;
        let key = (c.entity_id.clone(), c.field.clone(), c.item_id.clone());
        let digest = cell_digest(c);
        let name = cell_name(&c.field, &c.item_id);
        match self.expected.get_mut(&key) {
            Some(logged) => {
                logged.seen = true;
                if logged.digest != digest {
                    let seq = logged.seq;
                    self.problem(format!(
                        "incident {}: {name} differs from record log entry {seq}",
                        c.entity_id
                    ));
                }
            }
            None if self.logged.contains_key(&c.entity_id) => self.problem(format!(
                "incident {}: {name} was added after submission (not in the record log)",
                c.entity_id
            )),
            // Reported once, by `locked`.
            None => {}
        }
    }

    /// The report.
    pub fn finish(mut self) -> RecordsReport {
        let mut missing = Vec::new();
        for ((entity_id, field, item_id), logged) in &self.expected {
            if !logged.seen && !logged.null && self.locked.contains(entity_id) {
                missing.push(format!(
                    "incident {entity_id}: {} is missing (record log entry {})",
                    cell_name(field, item_id),
                    logged.seq
                ));
            }
        }
        let unlocked: Vec<String> = self
            .logged
            .keys()
            .filter(|id| !self.locked.contains(*id))
            .map(|id| format!("incident {id} is in the record log but no longer locked (or gone)"))
            .collect();
        for p in missing.into_iter().chain(unlocked) {
            self.problem(p);
        }
        self.report.incidents = self.locked.len() as u64;
        self.report
    }
}

fn cell_name(field: &str, item_id: &str) -> String {
    if item_id.is_empty() {
        format!("field {field}")
    } else {
        format!("{field} item {item_id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record log's encoding, pinned: every log on every server depends on it.
    #[test]
    fn the_record_log_encoding_never_changes() {
        let e = LogEntry {
            seq: 9,
            entity: "incident".into(),
            entity_id: "inc-1".into(),
            field: "note".into(),
            item_id: "".into(),
            unit_id: "ward-a".into(),
            value_json: "\"pacing\"".into(),
            stamp: Hlc {
                wall_ms: 5,
                counter: 1,
                device: "dev-a".into(),
            },
            logged_at: 11,
        };
        assert_eq!(
            hex::encode(entry_hash(&[3u8; 32], &e)),
            "5be271c85fa37bf6d6a1efa93349b2355199c8942f7b23eb99f8b12980fa1e34"
        );
    }

    fn cell(id: &str, field: &str, value: &str) -> LogEntry {
        LogEntry {
            seq: 0,
            entity: "incident".into(),
            entity_id: id.into(),
            field: field.into(),
            item_id: String::new(),
            unit_id: "ward-a".into(),
            value_json: value.into(),
            stamp: Hlc {
                wall_ms: 1,
                counter: 0,
                device: "d".into(),
            },
            logged_at: 0,
        }
    }

    fn verify(
        log: &[(LogEntry, Vec<u8>, [u8; 32])],
        locked: &[&str],
        cells: &[LogEntry],
    ) -> RecordsReport {
        let mut v = Verifier::new();
        for (e, prev, hash) in log {
            v.entry(e, prev, hash);
        }
        for id in locked {
            v.locked(id);
        }
        for c in cells {
            v.cell(c);
        }
        v.finish()
    }

    #[test]
    fn the_log_and_the_cells_agree_until_a_byte_changes() {
        let cells = vec![cell("i1", "note", "\"n\""), cell("i1", "person_id", "null")];
        let log = chain(None, cells.clone(), 5);
        let ok = verify(&log, &["i1"], &cells);
        assert_eq!(ok.first_break, None, "{ok:?}");
        assert_eq!((ok.entries, ok.incidents, ok.cells), (2, 1, 2));
        // A purged tombstone is not a loss.
        assert_eq!(verify(&log, &["i1"], &cells[..1]).first_break, None);

        let mut changed = cells.clone();
        changed[0].value_json = "\"m\"".into();
        let report = verify(&log, &["i1"], &changed);
        assert!(
            report
                .first_break
                .unwrap()
                .contains("field note differs from record log entry 1")
        );

        let mut log2 = log.clone();
        log2[1].0.value_json = "\"x\"".into();
        let report = verify(&log2, &["i1"], &cells);
        assert!(report.first_break.unwrap().contains("broken at entry 2"));

        let report = verify(&log, &[], &[]);
        assert!(report.first_break.unwrap().contains("no longer locked"));
        let report = verify(&log, &["i1", "i2"], &cells);
        assert!(
            report
                .first_break
                .unwrap()
                .contains("incident i2 is locked")
        );
        let report = verify(
            &log,
            &["i1"],
            &[cells[0].clone(), cell("i1", "outcome", "1")],
        );
        assert!(report.first_break.unwrap().contains("outcome was added"));
        let report = verify(&log, &["i1"], &[cells[1].clone()]);
        assert!(
            report
                .first_break
                .unwrap()
                .contains("field note is missing")
        );
        let report = verify(&log[1..], &["i1"], &cells);
        assert!(report.first_break.unwrap().contains("entry 1 is missing"));
    }
}
