//! The sync loop: push the outbox, pull what changed, apply each answer in short transactions.
//!
//! One `POST /v1/sync` carries up to [`MAX_PUSH_OPS`] pending operations (oldest first) and asks
//! for up to [`PULL_LIMIT`] fields and items (a quick capture is five), so 5,000 operations each
//! way cost about two round trips.
//! The loop goes on while there is more to push or the server says `more`. A push the link drops
//! is sent again at half its size (the rest follows in the same sync), so a batch too big for
//! an edge-of-signal connection still gets through.
//!
//! Each answer is applied in several short write transactions, never one long one: the store's
//! writer is taken per transaction, so a care worker's save waits at most for one of them. The
//! order is grants (so changes for a newly granted unit are kept), then the per-operation
//! results, then the pulled changes in chunks of [`MERGE_CHUNK`], the cursor saved with the last
//! chunk of its page. A kill between chunks means the page is pulled again next time; merging
//! is idempotent (later stamp wins), so that repeats no harm.
//!
//! An outbox entry leaves only when its result arrives. If the answer is lost in transit, the
//! same operations are pushed again (the server answers a known op id with its first answer), so
//! a flaky network can delay a change but never duplicate or lose it. Transient failures
//! (network, 5xx, 429) are retried with exponential backoff and full jitter, honouring
//! `Retry-After`; the rest stop the sync at once.
//!
//! After the push and pull, the audit trail's events the server has not acknowledged go to
//! `POST /v1/audit`, oldest first, [`AUDIT_BATCH`] at a time (halved if the server finds a batch
//! too large or the link drops it), and the device records how far the server holds them. The care records matter
//! more than their audit, so a failed or refused audit batch never fails the sync: it is
//! reported ([`SyncReport::audit_problem`]) and offered again at the next one. A retried batch
//! whose answer was lost is stored once: the server acknowledges events it already holds.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::Value;

use crate::clock::Hlc;
use crate::error::{Error, Result};
use crate::protocol::{
    AuditPushRequest, Change, ErrorCode, MAX_AUDIT_EVENTS, MAX_PUSH_OPS, OpOutcome, OpResult,
    Operation, PROTOCOL_VERSION, PulledChange, SyncRequest, SyncResponse, Winner,
};
use crate::replica::Writer;
use crate::store::Store;
use crate::sync::transport::{Transport, TransportError};
use crate::sync::{resync, state};
use crate::units::{active_grant, end_grant_now, write_grants};

/// How many fields and list items one sync asks the server for: the protocol's maximum, so a
/// page carries about 1,000 five-field captures (the server also ends a page at 4 MiB).
pub const PULL_LIMIT: u32 = crate::protocol::MAX_PULL_LIMIT;

/// Audit events sent per `POST /v1/audit`: the protocol's most, so the trail of a backlog goes
/// in as few round trips as the backlog itself; on a link that drops a large batch it is
/// halved until it gets through.
pub const AUDIT_BATCH: usize = MAX_AUDIT_EVENTS;
const _: () = assert!(AUDIT_BATCH <= MAX_AUDIT_EVENTS);

/// Pulled changes merged per write transaction: small enough that a save made meanwhile waits
/// only milliseconds.
const MERGE_CHUNK: usize = 200;

/// Waits between retries. The app uses [`ThreadSleeper`]; tests record the delays instead.
pub trait Sleeper: Send + Sync {
    /// Waits for `delay`.
    fn sleep(&self, delay: Duration);

    /// Waits for `delay` unless `interrupt` is raised first; true if it was. The default waits
    /// the whole delay and then looks; [`ThreadSleeper`] wakes at once.
    fn sleep_unless(&self, delay: Duration, interrupt: &SyncInterrupt) -> bool {
        self.sleep(delay);
        interrupt.is_raised()
    }
}

/// Sleeps the calling thread (sync runs on a background thread or task).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, delay: Duration) {
        std::thread::sleep(delay);
    }

    fn sleep_unless(&self, delay: Duration, interrupt: &SyncInterrupt) -> bool {
        interrupt.wait(delay)
    }
}

/// The flag [`Store::interrupt_sync`] raises: the sync in progress stops before its next request
/// or during a retry's wait, keeping what the server already answered. A sync lowers it when
/// it starts, so an interrupt never reaches a later sync.
#[derive(Debug, Default)]
pub struct SyncInterrupt {
    raised: Mutex<bool>,
    wake: Condvar,
}

impl SyncInterrupt {
    /// Raises the flag and wakes a sync waiting to retry.
    pub fn raise(&self) {
        *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Whether the flag is raised.
    pub fn is_raised(&self) -> bool {
        *self.raised.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lower(&self) {
        *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = false;
    }

    /// Waits up to `delay` for the flag; true if it was raised.
    fn wait(&self, delay: Duration) -> bool {
        let guard = self.raised.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = self
            .wake
            .wait_timeout_while(guard, delay, |raised| !*raised)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }
}

/// How hard one [`Store::sync_with`] call tries before giving up until the next one.
#[derive(Clone)]
pub struct SyncOptions {
    /// Transient failures are retried, but one sync call makes at most `max_attempts - 1`
    /// retries in all (so a request is tried at most `max_attempts` times), keeping a background
    /// task's time bounded; then the error is returned, and the next sync resumes from the saved
    /// cursor. At least 1.
    pub max_attempts: u32,
    /// The first retry waits up to this long; each further one up to twice as long.
    pub base_delay: Duration,
    /// No wait is longer than this; a `Retry-After` asking for more ends the sync instead (the
    /// app's scheduler tries again later, rather than a background task sleeping for minutes).
    pub max_delay: Duration,
    /// What waits.
    pub sleeper: Arc<dyn Sleeper>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            sleeper: Arc::new(ThreadSleeper),
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("max_attempts", &self.max_attempts)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .finish_non_exhaustive()
    }
}

/// What one sync did (counts only: it may be logged).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncReport {
    /// Sync requests (`POST /v1/sync`) made, retries included.
    pub requests: u32,
    /// Retries, of sync and audit requests alike (they share one budget).
    pub retries: u32,
    /// Operations pushed and answered.
    pub pushed: u32,
    /// Answered "applied".
    pub applied: u32,
    /// Answered "superseded": another change won at least one field (kept as conflicts).
    pub superseded: u32,
    /// Answered "rejected", or unsendable: quarantined.
    pub quarantined: u32,
    /// Changes pulled.
    pub pulled: u32,
    /// The server asked for a full re-pull, and it was done (or begun).
    pub full_resync: bool,
    /// Units whose grant ended and whose data left the device.
    pub purged_units: Vec<String>,
    /// Audit requests (`POST /v1/audit`) made, retries included.
    pub audit_requests: u32,
    /// Audit events the server acknowledged in this sync (held already or stored now).
    pub audit_sent: u32,
    /// Why audit events wait for a later sync (the server could not be reached, or refused the
    /// batch and said why: ids and positions only), if they do.
    pub audit_problem: Option<String>,
}

/// A batch of pending operations to push.
struct PushBatch {
    ops: Vec<Operation>,
    /// The outbox seq of each of `ops`, at the same index.
    seqs: Vec<i64>,
    /// Rows read from the outbox (some may have been quarantined as unsendable).
    fetched: usize,
    last_seq: Option<i64>,
}

impl Store {
    /// Stops the sync in progress, if any, before its next request (or at once, if it is
    /// waiting to retry): for the app's scheduler stopping background work. The request in
    /// flight, if one is, still completes and its answer is kept, so nothing is sent twice or
    /// lost; that sync then returns [`Error::Interrupted`]. Safe from any thread.
    pub fn interrupt_sync(&self) {
        self.sync_interrupt().raise();
    }

    /// Pushes what waits in the outbox and pulls what changed, retrying transient failures with
    /// the default [`SyncOptions`]. Returns what was done; on failure the error is also kept for
    /// [`Store::sync_status`]. [`Error::Revoked`]: the store's contents are already wiped; the
    /// app deletes the store ([`Store::wipe`]) and its key.
    pub fn sync(&self, transport: &dyn Transport) -> Result<SyncReport> {
        self.sync_with(transport, &SyncOptions::default())
    }

    /// [`Store::sync`] with chosen retry options.
    pub fn sync_with(
        &self,
        transport: &dyn Transport,
        options: &SyncOptions,
    ) -> Result<SyncReport> {
        // A second sync started meanwhile waits, then finds little left to do.
        let _one_at_a_time = self.lock_sync();
        self.sync_interrupt().lower();
        let token = self
            .read(|tx| state::load(tx))?
            .device_token
            .ok_or(Error::NotEnrolled)?;
        self.write(|w| {
            w.note_sync_status_changed();
            state::record_attempt(w.tx(), w.now())
        })?;
        let outcome = self.run_sync(transport, &token, options);
        match &outcome {
            Ok(_) => self.write(|w| {
                w.note_sync_status_changed();
                state::record_success(w.tx(), w.now())
            })?,
            // The wipe has recorded why; an interrupted sync did not fail.
            Err(Error::Revoked | Error::Interrupted) => {}
            Err(e) => {
                let text = super::SyncProblem::of(e).stored(&e.to_string());
                // Keeping the error is best effort: the sync's own error matters more.
                let _ = self.write(|w| {
                    w.note_sync_status_changed();
                    state::record_error(w.tx(), &text)
                });
            }
        }
        outcome
    }

    fn run_sync(
        &self,
        transport: &dyn Transport,
        token: &str,
        options: &SyncOptions,
    ) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // Operations whose result did not come back wait for the next sync rather than being
        // pushed again and again in this one.
        let mut after_seq = 0;
        let mut push_limit = MAX_PUSH_OPS;
        loop {
            if self.sync_interrupt().is_raised() {
                return Err(Error::Interrupted);
            }
            let batch = self.next_push_batch(after_seq, push_limit, &mut report)?;
            let cursor = self.read(|tx| state::load(tx))?.cursor;
            let mut request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                cursor,
                push: batch.ops,
                pull_limit: PULL_LIMIT,
            };
            let interrupt = self.sync_interrupt();
            let sent = send(
                transport,
                token,
                &mut request,
                options,
                interrupt,
                &mut report,
            );
            if request.push.len() < batch.seqs.len() {
                // The link cut the batch: the rest of this sync goes in the smaller size, and
                // what was left out is read again from the outbox, right after what was sent.
                push_limit = request.push.len().max(1);
                if sent.is_ok() && !request.push.is_empty() {
                    after_seq = batch.seqs[request.push.len() - 1];
                }
            }
            let response = match sent {
                Ok(response) => response,
                Err(SendFailure::Transport(TransportError::Refused(body)))
                    if body.error == ErrorCode::PayloadTooLarge && !request.push.is_empty() =>
                {
                    // Halve the batch until it fits; a single change too large for the server
                    // can never be sent, so it is quarantined rather than blocking the rest.
                    if request.push.len() > 1 {
                        push_limit = request.push.len() / 2;
                    } else {
                        let op_id = &request.push[0].op_id;
                        self.write(|w| {
                            quarantine(w.tx(), op_id, "too_large", "too large for the server")
                        })?;
                        report.quarantined += 1;
                    }
                    continue;
                }
                Err(SendFailure::Transport(e)) => return Err(self.transport_failure(e)),
                Err(SendFailure::Interrupted) => return Err(Error::Interrupted),
            };
            report.pushed += request.push.len() as u32;
            let pull_again = self.apply_response(&request, response, &mut report)?;
            let cut = request.push.len() < batch.seqs.len();
            if !cut && let Some(seq) = batch.last_seq {
                after_seq = seq;
            }
            if batch.fetched < push_limit && !pull_again && !cut {
                break;
            }
        }
        report.purged_units = self.purge_ended_units()?;
        self.send_audit_trail(transport, token, options, &mut report)?;
        Ok(report)
    }

    /// Sends the audit events the server has not acknowledged, oldest first, in batches; see
    /// the module doc. Fails only for what fails a sync anyway (revoked, interrupted, the store).
    fn send_audit_trail(
        &self,
        transport: &dyn Transport,
        token: &str,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<()> {
        let device_id = self.device_id().to_string();
        let mut limit = AUDIT_BATCH;
        loop {
            if self.sync_interrupt().is_raised() {
                return Err(Error::Interrupted);
            }
            let acked = self.read(|tx| state::audit_acked(tx))?;
            let events = self.audit_after(acked, limit)?;
            if events.is_empty() {
                return Ok(());
            }
            let fetched = events.len();
            let mut request = AuditPushRequest {
                protocol: PROTOCOL_VERSION,
                device_id: device_id.clone(),
                events,
            };
            let interrupt = self.sync_interrupt();
            let answer = retrying_halving(
                options,
                interrupt,
                report,
                |r| &mut r.audit_requests,
                &mut request,
                |request| transport.push_audit(token, request),
            );
            // What went last (a cut link halves the batch), and the rest of this sync in that size.
            let sent = request.events.len();
            let last = request.events.last().map_or(acked, |r| r.event.seq);
            if sent < fetched {
                limit = sent;
            }
            match answer {
                Ok(answer) => {
                    // The server cannot acknowledge what was never sent.
                    let now_acked = answer.acknowledged.min(last);
                    self.write(|w| state::save_audit_acked(w.tx(), now_acked))?;
                    report.audit_sent += (now_acked - acked).max(0) as u32;
                    if now_acked < last {
                        report.audit_problem = Some(format!(
                            "the server holds the audit trail to event {now_acked}"
                        ));
                        return Ok(());
                    }
                    if sent < limit {
                        return Ok(());
                    }
                }
                Err(SendFailure::Interrupted) => return Err(Error::Interrupted),
                Err(SendFailure::Transport(TransportError::Revoked)) => {
                    return Err(self.transport_failure(TransportError::Revoked));
                }
                Err(SendFailure::Transport(TransportError::Refused(body)))
                    if body.error == ErrorCode::PayloadTooLarge && limit > 1 =>
                {
                    limit /= 2;
                }
                Err(SendFailure::Transport(e)) => {
                    report.audit_problem = Some(match e {
                        TransportError::Refused(body) => body.message,
                        other => other.to_string(),
                    });
                    return Ok(());
                }
            }
        }
    }

    /// The oldest pending operations after `after_seq`; those that cannot be sent (a shape the
    /// server would refuse for the whole request) are quarantined so they never block the rest.
    fn next_push_batch(
        &self,
        after_seq: i64,
        limit: usize,
        report: &mut SyncReport,
    ) -> Result<PushBatch> {
        let rows: Vec<(i64, String, String)> = self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT seq, op_id, op FROM outbox WHERE state = 'pending' AND seq > ?1 \
                 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map((after_seq, limit as i64), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let fetched = rows.len();
        let last_seq = rows.last().map(|r| r.0);
        let mut ops = Vec::with_capacity(fetched);
        let mut seqs = Vec::with_capacity(fetched);
        let mut unsendable = Vec::new();
        for (seq, op_id, json) in rows {
            match serde_json::from_str::<Operation>(&json) {
                Ok(op) => match op.validate("op") {
                    Ok(()) => {
                        ops.push(op);
                        seqs.push(seq);
                    }
                    Err(e) => unsendable.push((op_id, e.to_string())),
                },
                Err(_) => unsendable.push((op_id, "the stored change could not be read".into())),
            }
        }
        if !unsendable.is_empty() {
            self.write(|w| {
                for (op_id, detail) in &unsendable {
                    quarantine(w.tx(), op_id, "invalid", detail)?;
                }
                Ok(())
            })?;
            report.quarantined += unsendable.len() as u32;
        }
        Ok(PushBatch {
            ops,
            seqs,
            fetched,
            last_seq,
        })
    }

    /// Applies one answer; returns whether to pull again straight away.
    fn apply_response(
        &self,
        request: &SyncRequest,
        response: SyncResponse,
        report: &mut SyncReport,
    ) -> Result<bool> {
        // Grants first, so the changes of a newly granted unit are kept. A unit the server
        // lists as ended ends now even if the device thought its grant open-ended.
        self.write(|w| {
            let now = w.now();
            for unit in write_grants(w.tx(), &response.grants, now)? {
                w.note_access_changed(&unit);
            }
            for unit in &response.ended_units {
                if end_grant_now(w.tx(), unit, now)? {
                    w.note_access_changed(unit);
                }
            }
            Ok(())
        })?;

        if !response.results.is_empty() {
            let counts = self.write(|w| apply_results(w, &request.push, &response.results))?;
            report.applied += counts.applied;
            report.superseded += counts.superseded;
            report.quarantined += counts.rejected;
        }

        // A page relative to a cursor that is too old means nothing; start again from empty.
        // (From an empty cursor the flag cannot apply, so it is not obeyed in a loop.)
        if response.full_resync && request.cursor.is_some() {
            self.write(resync::begin)?;
            report.full_resync = true;
            return Ok(true);
        }

        let resyncing = self.read(|tx| state::load(tx))?.resyncing;
        let chunks: Vec<&[PulledChange]> = if response.changes.is_empty() {
            vec![&[]]
        } else {
            response.changes.chunks(MERGE_CHUNK).collect()
        };
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.into_iter().enumerate() {
            self.write(|w| {
                merge_chunk(w, chunk, resyncing)?;
                if i == last {
                    state::save_cursor(w.tx(), Some(&response.cursor))?;
                }
                Ok(())
            })?;
        }
        report.pulled += response.changes.len() as u32;

        if resyncing && !response.more {
            self.write(resync::finish)?;
            report.full_resync = true;
        }
        // A server that says "more" without moving on would otherwise keep us here for ever.
        let moved = !response.changes.is_empty()
            || request.cursor.as_deref() != Some(response.cursor.as_str());
        Ok(response.more && moved)
    }

    /// Turns a failed request into the store's error; a revoked device is wiped first.
    fn transport_failure(&self, e: TransportError) -> Error {
        match e {
            TransportError::Revoked => match self.wipe_contents() {
                Ok(()) => Error::Revoked,
                Err(wipe_failed) => wipe_failed,
            },
            TransportError::Unauthorized => Error::Unauthorized,
            TransportError::Network(text) => Error::Network(text),
            TransportError::Server { status, .. } => {
                Error::Network(format!("the server answered {status}"))
            }
            TransportError::Refused(body) => Error::SyncRefused(body.message),
        }
    }
}

/// Sends one sync request (see [`retrying_halving`]); `request.push` is left as last sent.
fn send(
    transport: &dyn Transport,
    token: &str,
    request: &mut SyncRequest,
    options: &SyncOptions,
    interrupt: &SyncInterrupt,
    report: &mut SyncReport,
) -> Result<SyncResponse, SendFailure> {
    retrying_halving(
        options,
        interrupt,
        report,
        |r| &mut r.requests,
        request,
        |request| transport.sync(token, request),
    )
}

/// A request carrying a batch that may go in part, oldest first: what is left out stays on
/// the device for the next request (a push's operations, an audit batch's events).
trait Batched {
    fn batch_len(&self) -> usize;
    fn keep_first(&mut self, n: usize);
}

impl Batched for SyncRequest {
    fn batch_len(&self) -> usize {
        self.push.len()
    }
    fn keep_first(&mut self, n: usize) {
        self.push.truncate(n);
    }
}

impl Batched for AuditPushRequest {
    fn batch_len(&self) -> usize {
        self.events.len()
    }
    fn keep_first(&mut self, n: usize) {
        self.events.truncate(n);
    }
}

/// [`retrying`] for a request carrying a batch, which the network dropping it halves before
/// the retry: on a link that cuts every few hundred kilobytes a full batch might never get
/// through whole. (A lost answer looks the same to the device; the half then sent again is
/// answered from what the server already holds.) `request` is left as last sent.
fn retrying_halving<Q: Batched, R>(
    options: &SyncOptions,
    interrupt: &SyncInterrupt,
    report: &mut SyncReport,
    count: fn(&mut SyncReport) -> &mut u32,
    request: &mut Q,
    call: impl Fn(&Q) -> Result<R, TransportError>,
) -> Result<R, SendFailure> {
    let shrink = std::cell::Cell::new(false);
    let request = std::cell::RefCell::new(request);
    retrying(options, interrupt, report, count, || {
        let mut request = request.borrow_mut();
        if shrink.replace(false) {
            let half = request.batch_len().div_ceil(2);
            request.keep_first(half);
        }
        let answer = call(&request);
        if matches!(answer, Err(TransportError::Network(_))) && request.batch_len() > 1 {
            shrink.set(true);
        }
        answer
    })
}

/// Makes one request by `call`, retrying transient failures with backoff while the sync's retry
/// budget lasts (shared by every request of one sync); `count` says which of the report's
/// request counts it adds to.
fn retrying<R>(
    options: &SyncOptions,
    interrupt: &SyncInterrupt,
    report: &mut SyncReport,
    count: fn(&mut SyncReport) -> &mut u32,
    call: impl Fn() -> Result<R, TransportError>,
) -> Result<R, SendFailure> {
    let mut attempt = 1;
    loop {
        *count(report) += 1;
        let error = match call() {
            Ok(response) => return Ok(response),
            Err(e) => e,
        };
        if !error.is_transient() || report.retries + 1 >= options.max_attempts.max(1) {
            return Err(SendFailure::Transport(error));
        }
        let Some(delay) = retry_delay(options, attempt, error.retry_after()) else {
            return Err(SendFailure::Transport(error));
        };
        if options.sleeper.sleep_unless(delay, interrupt) {
            return Err(SendFailure::Interrupted);
        }
        report.retries += 1;
        attempt += 1;
    }
}

/// Why [`send`] gave up.
enum SendFailure {
    Transport(TransportError),
    Interrupted,
}

/// The wait before retry number `attempt` (from 1): "full jitter", a random time between zero
/// and `base · 2^(attempt-1)` capped at `max_delay`, so that devices that lost signal together
/// do not all come back at the same instant; never sooner than the server's `Retry-After`, and
/// `None` (give up for now) if that is longer than `max_delay`.
fn retry_delay(
    options: &SyncOptions,
    attempt: u32,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    if retry_after.is_some_and(|r| r > options.max_delay) {
        return None;
    }
    let ceiling = options
        .base_delay
        .saturating_mul(1u32 << (attempt - 1).min(20))
        .min(options.max_delay);
    let jitter = Duration::from_millis(random_up_to(ceiling.as_millis() as u64));
    Some(retry_after.map_or(jitter, |r| r.max(jitter)))
}

/// A random number in 0..=max, from the operating system's generator (through uuid's v4, which
/// the crate already uses, rather than another dependency).
fn random_up_to(max: u64) -> u64 {
    let random = uuid::Uuid::new_v4().as_u128() as u64 & ((1 << 62) - 1);
    random % (max + 1)
}

#[derive(Default)]
struct ResultCounts {
    applied: u32,
    superseded: u32,
    rejected: u32,
}

/// Applies the per-operation results of one push, in one transaction.
fn apply_results(
    w: &mut Writer<'_>,
    pushed: &[Operation],
    results: &[OpResult],
) -> Result<ResultCounts> {
    let by_id: HashMap<&str, &Operation> =
        pushed.iter().map(|op| (op.op_id.as_str(), op)).collect();
    let mut counts = ResultCounts::default();
    for result in results {
        // A result for an operation not in this push is not ours to act on.
        let Some(op) = by_id.get(result.op_id.as_str()) else {
            continue;
        };
        w.note_record_changed(op.entity, &op.entity_id, &op.unit_id);
        match &result.outcome {
            OpOutcome::Applied { clamped } => {
                acknowledge(w.tx(), &op.op_id)?;
                if let Some(clamped) = clamped {
                    restamp(w.tx(), op, clamped)?;
                }
                counts.applied += 1;
            }
            OpOutcome::Superseded { winners, clamped } => {
                acknowledge(w.tx(), &op.op_id)?;
                if let Some(clamped) = clamped {
                    restamp(w.tx(), op, clamped)?;
                }
                for winner in winners {
                    keep_conflict(w, op, winner)?;
                }
                counts.superseded += 1;
            }
            OpOutcome::Rejected { reason, detail } => {
                let code = serde_json::to_value(reason)?;
                quarantine(
                    w.tx(),
                    &op.op_id,
                    code.as_str().unwrap_or("rejected"),
                    detail,
                )?;
                counts.rejected += 1;
            }
        }
    }
    Ok(counts)
}

/// The server has answered for this operation: it leaves the outbox.
fn acknowledge(conn: &Connection, op_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM outbox WHERE op_id = ?1")?
        .execute([op_id])?;
    Ok(())
}

/// Marks an operation refused: it stays, with the reason, for the user to see; the local value
/// stays too, flagged by the quarantined entry, until the user discards it.
fn quarantine(conn: &Connection, op_id: &str, reason: &str, detail: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'quarantined', reason = ?2, detail = ?3 WHERE op_id = ?1",
    )?
    .execute((op_id, reason, detail))?;
    Ok(())
}

/// The server stored the operation with an earlier (clamped) stamp: the local cells still
/// carrying the original stamp take the clamped one, so a day-fast clock cannot make this edit
/// win locally for a day either. Submitted incidents and addenda never change again, so their
/// stamps no longer matter and records protection keeps them as they are.
fn restamp(conn: &Connection, op: &Operation, clamped: &Hlc) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE fields SET hlc_wall = ?5, hlc_counter = ?6, hlc_device = ?7 \
         WHERE entity = ?1 AND entity_id = ?2 AND field = ?3 AND item_id = ?4 \
           AND hlc_wall = ?8 AND hlc_counter = ?9 AND hlc_device = ?10 AND field <> 'addenda' \
           AND NOT EXISTS (SELECT 1 FROM entities e WHERE e.entity = fields.entity \
                             AND e.entity_id = fields.entity_id AND e.locked = 1)",
    )?;
    for (field, item, _) in op.change.cells() {
        stmt.execute(rusqlite::params![
            op.entity.as_str(),
            op.entity_id,
            field,
            item,
            clamped.wall_ms,
            clamped.counter,
            clamped.device,
            op.stamp.wall_ms,
            op.stamp.counter,
            op.stamp.device,
        ])?;
    }
    Ok(())
}

/// Keeps a losing edit visible next to what won, and takes the winner in (the pull brings it
/// too; merging twice is harmless). An edit that lost to the very same value lost nothing and is
/// not shown.
fn keep_conflict(w: &mut Writer<'_>, op: &Operation, winner: &Winner) -> Result<()> {
    let mine = op
        .change
        .cells()
        .into_iter()
        .find(|(field, item, _)| *field == winner.field && *item == winner.item_id)
        .map(|(_, _, value)| value.clone())
        .unwrap_or(Value::Null);
    if mine != winner.value {
        w.tx()
            .prepare_cached(
                "INSERT OR IGNORE INTO conflicts (entity, entity_id, unit_id, field, item_id, \
                   my_value, winning_value, winning_stamp, op_id, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(rusqlite::params![
                op.entity.as_str(),
                op.entity_id,
                op.unit_id,
                winner.field,
                winner.item_id,
                serde_json::to_string(&mine)?,
                serde_json::to_string(&winner.value)?,
                serde_json::to_string(&winner.stamp)?,
                op.op_id,
                w.now().0,
            ])?;
    }
    // A withheld value is not known here (the answer had no room for it, or the unit is no
    // longer this device's to read): the loss is kept above, and the pull brings what won.
    if !winner.withheld && active_grant(w.tx(), &op.unit_id, w.now()).is_ok() {
        let change = if winner.item_id.is_empty() {
            Change::Fields([(winner.field.clone(), winner.value.clone())].into())
        } else {
            Change::Item {
                list: winner.field.clone(),
                item_id: winner.item_id.clone(),
                value: winner.value.clone(),
            }
        };
        w.merge(&PulledChange {
            entity: op.entity,
            entity_id: op.entity_id.clone(),
            unit_id: op.unit_id.clone(),
            change,
            stamp: winner.stamp.clone(),
        })?;
    }
    Ok(())
}

/// Merges pulled changes; changes for units without an active grant are left out (the server
/// stops sending them once it knows).
fn merge_chunk(w: &mut Writer<'_>, changes: &[PulledChange], resyncing: bool) -> Result<()> {
    let now = w.now();
    let mut granted: HashMap<&str, bool> = HashMap::new();
    for change in changes {
        let unit = change.unit_id.as_str();
        let active = match granted.get(unit) {
            Some(active) => *active,
            None => {
                let active = active_grant(w.tx(), unit, now).is_ok();
                granted.insert(unit, active);
                active
            }
        };
        if !active {
            continue;
        }
        w.merge(change)?;
        if resyncing {
            resync::seen(w.tx(), change)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_its_cap_and_honours_retry_after() {
        let options = SyncOptions::default();
        for attempt in 1..=12 {
            let ceiling = (250u64 << (attempt - 1)).min(30_000);
            for _ in 0..50 {
                let d = retry_delay(&options, attempt, None).unwrap();
                assert!(
                    d <= Duration::from_millis(ceiling),
                    "attempt {attempt}: {d:?}"
                );
            }
        }
        let wait = Duration::from_secs(5);
        assert!(retry_delay(&options, 1, Some(wait)).unwrap() >= wait);
        assert_eq!(
            retry_delay(&options, 1, Some(Duration::from_secs(31))),
            None
        );
        let spread: std::collections::HashSet<_> = (0..50)
            .map(|_| retry_delay(&options, 5, None).unwrap())
            .collect();
        assert!(spread.len() > 10, "jittered, not fixed");
    }
}
