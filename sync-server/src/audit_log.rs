//! The audit trails the server holds: each device's own trail, sent by the device
//! (`POST /v1/audit`), and the console's audit log, both chained with the core's one encoder
//! ([`steady_core::audit::chain_hash`]) and walked with its one check ([`ChainWalk`]).
//!
//! Why: a subject-access request is answered on the server, and it must say who viewed a
//! person's record on which phone, not only in the console. The device's trail is already
//! append-only and hash-chained on the phone; the server keeps a copy per device, chained the
//! same way, and checks the chain on the way in, so what it holds is exactly what the phone
//! recorded, in order, with nothing left out between the events it holds:
//!
//! - a batch must continue the device's chain: each new event's seq follows the last one held
//!   for that device and its hash is what the encoder gives over the last hash and the event;
//! - events the server holds already are acknowledged again if they are sent unchanged (a
//!   retried request whose answer was lost) and never stored twice; sent changed, they refuse the
//!   batch;
//! - a refused batch stores nothing, and says which event broke which rule;
//! - the events are filed under the device the token belongs to, never one a body names.
//!
//! The console's log (`console_audit`) gets a hash per entry on append, chained in seq order;
//! `steady-server verify` walks every device's chain and the console's and names the first
//! break. As with the record log, someone able to rewrite a whole table can recompute its
//! hashes; the heads printed by `verify` anchor them.
//!
//! Both back ends call [`check_batch`] inside the transaction that stores the batch, under a
//! per-device lock (SQLite's single writer; the device's row locked `FOR UPDATE` on
//! PostgreSQL), so a device's chain has one head.

use std::collections::BTreeMap;

use steady_core::audit::{AuditEvent, ChainBreak, ChainWalk, GENESIS, chain_hash};
use steady_core::clock::Timestamp;
use steady_core::protocol::AuditRecord;

use crate::console::store::ConsoleAuditEntry;

/// One event of a device's trail as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceAuditEntry {
    /// The device that recorded it (the one whose token sent it).
    pub device_id: String,
    /// The event, exactly as the device stored it.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// When the server received it.
    pub received_at: Timestamp,
}

/// What became of a batch of audit events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditAppend {
    /// Stored: the server now holds the device's trail up to `acknowledged`.
    Stored {
        /// The last seq held for the device.
        acknowledged: i64,
        /// Events of the batch stored now (the rest were held already).
        stored: u32,
    },
    /// Refused whole, nothing stored; in words (positions only, no content).
    Refused(String),
}

/// Checks a batch against the device's chain: `head` is the last (seq, hash) held for the
/// device, `held` the hashes held for the batch's seqs at or below it and the one before the
/// first of them. Returns the events to
/// store, each with its hash, or why the batch is refused.
pub fn check_batch(
    head: Option<(i64, Vec<u8>)>,
    held: &BTreeMap<i64, Vec<u8>>,
    events: &[AuditRecord],
) -> Result<Vec<(AuditEvent, [u8; 32])>, String> {
    let (head_seq, head_hash) = match head {
        Some((seq, hash)) => (
            seq,
            <[u8; 32]>::try_from(hash.as_slice())
                .map_err(|_| "the stored audit chain is damaged: run steady-server verify")?,
        ),
        None => (0, GENESIS),
    };
    let mut walk = ChainWalk::resume(head_seq, head_hash, true);
    let mut previous_in_batch = 0;
    let mut fresh = Vec::new();
    for record in events {
        let seq = record.event.seq;
        let Some(hash) = record.hash_bytes() else {
            return Err(format!("event {seq}: the hash is not 64 hex digits"));
        };
        if seq <= previous_in_batch {
            return Err(format!(
                "event {seq} comes after event {previous_in_batch}: send the events in order"
            ));
        }
        previous_in_batch = seq;
        if seq <= head_seq {
            // Held already: acknowledged again only if it is the very event held (its content
            // hashes, over the hash held before it, to the hash held for it).
            let prev = if seq == 1 {
                Some(GENESIS)
            } else {
                held.get(&(seq - 1))
                    .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
            };
            let same = prev.is_some_and(|prev| chain_hash(&prev, &record.event) == hash)
                && held.get(&seq).map(Vec::as_slice) == Some(&hash[..]);
            if !same {
                return Err(format!(
                    "event {seq} differs from the event {seq} the server holds for this device"
                ));
            }
            continue;
        }
        walk.step(&record.event, &hash).map_err(|e| match e {
            ChainBreak::Seq {
                expected, found, ..
            } => format!(
                "event {found} does not follow the last event the server holds for this device \
                 (the next is {expected})"
            ),
            ChainBreak::Hash { seq } => format!(
                "event {seq}: the hash does not match the event and the one before it \
                 (edited or forged)"
            ),
        })?;
        fresh.push((record.event.clone(), hash));
    }
    Ok(fresh)
}

/// The console's audit entry as the chain encoder sees it: the lead is the actor.
pub fn console_event(e: &ConsoleAuditEntry) -> AuditEvent {
    AuditEvent {
        seq: e.seq,
        at: e.at,
        actor: e.lead_id.clone(),
        action: e.action.clone(),
        entity: e.entity.clone(),
        entity_id: e.entity_id.clone(),
        unit_id: e.unit_id.clone(),
        detail: e.detail.clone(),
    }
}

/// Chains console entries after the log's last (seq, hash): numbers them from there and gives
/// each its hash. The entries' own `seq` is overwritten.
pub fn chain_console(
    last: Option<(i64, Vec<u8>)>,
    entries: &mut [ConsoleAuditEntry],
) -> Vec<[u8; 32]> {
    let (mut seq, mut prev) = match last {
        Some((seq, hash)) => (
            seq,
            <[u8; 32]>::try_from(hash.as_slice()).unwrap_or(GENESIS),
        ),
        None => (0, GENESIS),
    };
    entries
        .iter_mut()
        .map(|e| {
            seq += 1;
            e.seq = seq;
            prev = steady_core::audit::chain_hash(&prev, &console_event(e));
            prev
        })
        .collect()
}

/// What `verify` found in the audit trails.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    /// Devices whose trail was walked.
    pub devices: u64,
    /// Device events checked.
    pub device_events: u64,
    /// Console audit entries checked.
    pub console_entries: u64,
    /// The console log's last hash (hex), to anchor it; empty when the log is empty.
    pub console_head: String,
    /// The first problem, with where it is; `None`: every chain is intact.
    pub first_break: Option<String>,
    /// How many problems in all (at most one per chain: a chain is not walked past its break).
    pub problems: u64,
}

impl AuditReport {
    fn problem(&mut self, what: String) {
        self.problems += 1;
        if self.first_break.is_none() {
            self.first_break = Some(what);
        }
    }
}

/// Walks the stored chains, fed in order: every device event by (device, seq)
/// ([`AuditVerifier::device_event`]), then every console entry by seq
/// ([`AuditVerifier::console_entry`]), then [`AuditVerifier::finish`].
#[derive(Default)]
pub struct AuditVerifier {
    report: AuditReport,
    device: Option<(String, ChainWalk, bool)>,
    console: Option<(ChainWalk, bool)>,
}

impl AuditVerifier {
    /// A verifier that has seen nothing.
    pub fn new() -> Self {
        AuditVerifier::default()
    }

    /// The next stored device event and its hash.
    pub fn device_event(&mut self, device_id: &str, event: &AuditEvent, hash: &[u8]) {
        if self.device.as_ref().is_none_or(|(d, _, _)| d != device_id) {
            self.report.devices += 1;
            self.device = Some((device_id.to_string(), ChainWalk::contiguous(), false));
        }
        let Some((_, walk, broken)) = self.device.as_mut() else {
            return;
        };
        if *broken {
            return;
        }
        self.report.device_events += 1;
        if let Err(e) = walk.step(event, hash) {
            *broken = true;
            self.report
                .problem(format!("device {device_id}'s audit trail is broken: {e}"));
        }
    }

    /// The next stored console entry and its hash.
    pub fn console_entry(&mut self, entry: &ConsoleAuditEntry, hash: &[u8]) {
        let (walk, broken) = self
            .console
            .get_or_insert_with(|| (ChainWalk::increasing(), false));
        if *broken {
            return;
        }
        self.report.console_entries += 1;
        if let Err(e) = walk.step(&console_event(entry), hash) {
            *broken = true;
            self.report
                .problem(format!("the console audit log is broken: {e}"));
        } else {
            self.report.console_head = hex::encode(walk.head());
        }
    }

    /// The report.
    pub fn finish(self) -> AuditReport {
        self.report
    }
}

/// The subject-access export's `device_audit` section: the phones' own audit events about the
/// person's records (ids and field names, never content), each with the device that recorded
/// it; `actor` names the member of staff as the export names staff (`name_staff`).
pub fn export_section(
    events: &[DeviceAuditEntry],
    name_staff: impl Fn(&str) -> String,
) -> serde_json::Value {
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            serde_json::json!({
                "device_id": e.device_id,
                "seq": e.event.seq,
                "at": e.event.at,
                "actor": name_staff(&e.event.actor),
                "action": e.event.action,
                "entity": e.event.entity,
                "entity_id": e.event.entity_id,
                "unit_id": e.event.unit_id,
                "detail": e.event.detail,
                "received_at": e.received_at,
            })
        })
        .collect();
    serde_json::json!({
        "notes": "Each phone's own audit trail about these records, as the phone sent it to the \
                  server (hash-chained per device and checked on arrival): who viewed or changed \
                  which record on which device, and when. Events a phone has not yet sent are \
                  not here.",
        "events": events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let event = AuditEvent {
                    seq,
                    at: Timestamp(1_000 + seq),
                    actor: "Alex Morgan".into(),
                    action: "view".into(),
                    entity: "person".into(),
                    entity_id: format!("p{seq}"),
                    unit_id: "ward-a".into(),
                    detail: "person".into(),
                };
                prev = chain_hash(&prev, &event);
                AuditRecord {
                    event,
                    hash: hex::encode(prev),
                }
            })
            .collect()
    }

    fn head(records: &[AuditRecord]) -> Option<(i64, Vec<u8>)> {
        records
            .last()
            .map(|r| (r.event.seq, r.hash_bytes().unwrap().to_vec()))
    }

    fn held(records: &[AuditRecord]) -> BTreeMap<i64, Vec<u8>> {
        records
            .iter()
            .map(|r| (r.event.seq, r.hash_bytes().unwrap().to_vec()))
            .collect()
    }

    #[test]
    fn a_batch_continues_the_chain_and_a_retry_stores_nothing_twice() {
        let all = chain(5);
        assert_eq!(check_batch(None, &held(&[]), &all[..3]).unwrap().len(), 3);
        // The first three held; a retry of all five stores only the last two.
        let fresh = check_batch(head(&all[..3]), &held(&all[..3]), &all).unwrap();
        assert_eq!(fresh.iter().map(|(e, _)| e.seq).collect::<Vec<_>>(), [4, 5]);
        assert!(
            check_batch(head(&all), &held(&all), &all)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_gap_a_forged_hash_an_edit_or_disorder_refuses_the_batch() {
        let all = chain(5);
        let gap = check_batch(head(&all[..2]), &held(&all[..2]), &all[3..]).unwrap_err();
        assert!(gap.contains("event 4 does not follow"), "{gap}");
        let mut forged = all[2].clone();
        forged.hash = hex::encode([7u8; 32]);
        let e = check_batch(head(&all[..2]), &held(&all[..2]), &[forged]).unwrap_err();
        assert!(e.contains("event 3: the hash does not match"), "{e}");
        let mut edited = all[2].clone();
        edited.event.entity_id = "someone-else".into();
        let e = check_batch(head(&all[..2]), &held(&all[..2]), &[edited.clone()]).unwrap_err();
        assert!(e.contains("edited or forged"), "{e}");
        // A held event sent changed.
        let mut changed_held = all[0].clone();
        changed_held.hash = all[1].hash.clone();
        let e = check_batch(head(&all[..2]), &held(&all[..2]), &[changed_held]).unwrap_err();
        assert!(e.contains("differs from the event 1"), "{e}");
        let mut edited_held = all[1].clone();
        edited_held.event.detail = "sheet".into();
        let e = check_batch(head(&all[..2]), &held(&all[..2]), &[edited_held]).unwrap_err();
        assert!(e.contains("differs from the event 2"), "{e}");
        let e = check_batch(None, &held(&[]), &[all[1].clone(), all[0].clone()]).unwrap_err();
        assert!(
            e.contains("in order") || e.contains("does not follow"),
            "{e}"
        );
    }
}
