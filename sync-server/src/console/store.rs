//! The console's own tables — lead accounts and their units, sessions, the console audit log,
//! and which devices are console replicas — behind one trait with an implementation for each
//! storage back end (migrations `003_console.sql`; occupied bed days, `006_bed_days.sql`).
//!
//! Kept apart from [`Storage`](crate::storage::Storage) so the sync API's trait stays about
//! sync: the console needs `S: Storage + ConsoleStorage`, which both back ends are. Everything
//! here is small and rare (a sign-in, a page view), so the statements are plain and per call.
//!
//! Nothing here is personal data of the people supported: lead names and emails are staff
//! account data, and the audit log holds ids and field names, never content.

use std::future::Future;

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use steady_core::clock::Timestamp;
use steady_core::codes::Role;

use crate::storage::postgres::{PgStorage, pg};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{DeviceRecord, StorageError, StorageResult, check_unit_id};

/// A lead account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    /// A fresh id.
    pub lead_id: String,
    /// Lower-cased email (the sign-in name).
    pub email: String,
    /// The lead's name, stamped on what they change.
    pub name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The units they may see (each must exist).
    pub units: Vec<String>,
    /// When.
    pub created_at: Timestamp,
}

/// A lead account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadAccount {
    /// Its id.
    pub lead_id: String,
    /// Lower-cased email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Failed sign-ins since the last success or lockout.
    pub failed_attempts: u32,
    /// Locked until then, if locked.
    pub locked_until: Option<Timestamp>,
    /// Disabled by an operator: never signs in again.
    pub disabled: bool,
    /// The units they may see, sorted.
    pub units: Vec<String>,
}

/// A session to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 (hex) of the cookie's secret.
    pub session_hash: String,
    /// Whose.
    pub lead_id: String,
    /// The token every form must carry.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: Timestamp,
    /// Absolute end (sign-in + 12 h).
    pub expires_at: Timestamp,
}

/// A stored session with its lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The lead.
    pub lead: LeadAccount,
    /// The form token.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: Timestamp,
    /// Last request.
    pub last_seen_at: Timestamp,
    /// Absolute end.
    pub expires_at: Timestamp,
}

/// One console audit entry: who did what to which record, when. Never content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsoleAuditEntry {
    /// Position (set by the store).
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Which lead.
    pub lead_id: String,
    /// `view`, `change`, `create`, `addendum`, `export`, `issue_code`, `end_grant`, `revoke`,
    /// `sign_in`, `sign_out`, ...
    pub action: String,
    /// The unit ("" when none).
    pub unit_id: String,
    /// The kind of record (`person`, `sheet`, `incident`, `unit`, `device`, ...).
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// Which fields or what part (names only).
    pub detail: String,
}

/// A device with its grant in one unit, for the enrolment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDevice {
    /// The device.
    pub device: DeviceRecord,
    /// Its role in the unit.
    pub role: Role,
    /// When its grant ends or ended.
    pub ends_at: Option<Timestamp>,
}

/// The console's tables.
pub trait ConsoleStorage: Send + Sync + 'static {
    /// Creates a lead with their units (error `Exists` if the email is taken, `NotFound` for an
    /// unknown unit), and grants every console replica the lead role in those units.
    fn lead_add(&self, lead: &NewLead) -> impl Future<Output = StorageResult<()>> + Send;

    /// Every lead, by email.
    fn leads(&self) -> impl Future<Output = StorageResult<Vec<LeadAccount>>> + Send;

    /// Disables a lead and ends their sessions; false if no such email.
    fn lead_disable(
        &self,
        email: &str,
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<bool>> + Send;

    /// Replaces a lead's password hash and clears any lockout; false if no such email.
    fn lead_set_password(
        &self,
        email: &str,
        password_hash: &str,
    ) -> impl Future<Output = StorageResult<bool>> + Send;

    /// The lead with this (lower-cased) email.
    fn lead_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = StorageResult<Option<LeadAccount>>> + Send;

    /// Counts a failed sign-in; at `max_attempts` the account locks until `lock_until` and the
    /// count starts again.
    fn lead_sign_in_failed(
        &self,
        lead_id: &str,
        max_attempts: u32,
        lock_until: Timestamp,
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// A good sign-in: the failure count starts again.
    fn lead_signed_in(&self, lead_id: &str) -> impl Future<Output = StorageResult<()>> + Send;

    /// Stores a new session.
    fn session_create(
        &self,
        session: &NewSession,
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// The session with this hash and its lead (expiry is the caller's to check).
    fn session_find(
        &self,
        session_hash: &str,
    ) -> impl Future<Output = StorageResult<Option<SessionRecord>>> + Send;

    /// Records a request at `now`.
    fn session_touch(
        &self,
        session_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// Deletes a session (sign-out, expiry), and every session that ended before `now`.
    fn session_delete(
        &self,
        session_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// Appends entries to the console audit log.
    fn console_audit_append(
        &self,
        entries: &[ConsoleAuditEntry],
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// The console audit entries about any of `entity_ids`, oldest first.
    fn console_audit_about(
        &self,
        entity_ids: &[String],
    ) -> impl Future<Output = StorageResult<Vec<ConsoleAuditEntry>>> + Send;

    /// Makes `device_id` a console replica: creates the device (with a token hash nobody holds)
    /// if missing, and grants it the lead role, without end, in every unit a lead may see.
    fn console_device_ensure(
        &self,
        device_id: &str,
        token_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// This store's id: `candidate` if it has none yet (then kept for good), else the one it has.
    fn console_store_id(
        &self,
        candidate: &str,
    ) -> impl Future<Output = StorageResult<String>> + Send;

    /// The devices with a grant in `unit_id` (console replicas left out), newest first.
    fn unit_devices(
        &self,
        unit_id: &str,
    ) -> impl Future<Output = StorageResult<Vec<UnitDevice>>> + Send;

    /// Sets a unit's occupied bed days for a month (`YYYY-MM`, UK), replacing any figure
    /// entered before; `None` removes it (migration `006_bed_days.sql`).
    fn bed_days_set(
        &self,
        entry: &BedDays,
        bed_days: Option<u32>,
    ) -> impl Future<Output = StorageResult<()>> + Send;

    /// Every month's occupied bed days entered for any of `unit_ids`, by unit then month.
    fn bed_days(
        &self,
        unit_ids: &[String],
    ) -> impl Future<Output = StorageResult<Vec<BedDays>>> + Send;
}

/// A unit's occupied bed days for one month, as a lead entered them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedDays {
    /// The unit.
    pub unit_id: String,
    /// The UK calendar month, `YYYY-MM`.
    pub month: String,
    /// Occupied bed days in the month.
    pub bed_days: u32,
    /// The lead who entered it.
    pub entered_by: String,
    /// When.
    pub entered_at: Timestamp,
}

/// A month key as the table holds it: exactly `YYYY-MM` with a real month.
fn month_ok(month: &str) -> StorageResult<()> {
    let b = month.as_bytes();
    let ok = b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && (1..=12).contains(&month[5..].parse::<u32>().unwrap_or(0));
    if ok {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!(
            "month {month:?} is not YYYY-MM"
        )))
    }
}

fn role(name: &str) -> StorageResult<Role> {
    Role::parse(name).ok_or_else(|| StorageError::Invalid(format!("stored role {name} is unknown")))
}

fn units_ok(units: &[String]) -> StorageResult<()> {
    if units.is_empty() {
        return Err(StorageError::Invalid(
            "a lead needs at least one unit".into(),
        ));
    }
    units.iter().try_for_each(|u| check_unit_id(u))
}

// ---------------------------------------------------------------------------------------------
// SQLite

const SQLITE_LEAD: &str = "SELECT lead_id, email, name, password_hash, failed_attempts, \
     locked_until, disabled_at IS NOT NULL FROM console_leads";

fn sqlite_lead(r: &rusqlite::Row<'_>) -> rusqlite::Result<LeadAccount> {
    Ok(LeadAccount {
        lead_id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        password_hash: r.get(3)?,
        failed_attempts: r.get(4)?,
        locked_until: r.get::<_, Option<i64>>(5)?.map(Timestamp),
        disabled: r.get(6)?,
        units: Vec::new(),
    })
}

fn sqlite_units_of(conn: &rusqlite::Connection, lead: &mut LeadAccount) -> StorageResult<()> {
    lead.units = conn
        .prepare_cached(
            "SELECT unit_id FROM console_lead_units WHERE lead_id = ?1 ORDER BY unit_id",
        )?
        .query_map([&lead.lead_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}

impl ConsoleStorage for SqliteStorage {
    async fn lead_add(&self, lead: &NewLead) -> StorageResult<()> {
        units_ok(&lead.units)?;
        let lead = lead.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for unit in &lead.units {
                let known: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM units WHERE unit_id = ?1)",
                    [unit],
                    |r| r.get(0),
                )?;
                if !known {
                    return Err(StorageError::NotFound(format!("unit {unit}")));
                }
            }
            let inserted = tx.execute(
                "INSERT INTO console_leads (lead_id, email, name, password_hash, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (email) DO NOTHING",
                params![
                    lead.lead_id,
                    lead.email,
                    lead.name,
                    lead.password_hash,
                    lead.created_at.0
                ],
            )?;
            if inserted == 0 {
                return Err(StorageError::Exists(format!("lead {}", lead.email)));
            }
            for unit in &lead.units {
                tx.execute(
                    "INSERT INTO console_lead_units (lead_id, unit_id) VALUES (?1, ?2) \
                     ON CONFLICT DO NOTHING",
                    params![lead.lead_id, unit],
                )?;
                tx.execute(
                    "INSERT INTO grants (device_id, unit_id, role, ends_at) \
                     SELECT device_id, ?1, 'lead', NULL FROM console_devices WHERE true \
                     ON CONFLICT (device_id, unit_id) DO UPDATE SET role = 'lead', ends_at = NULL",
                    [unit],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn leads(&self) -> StorageResult<Vec<LeadAccount>> {
        self.read(|conn| {
            let mut leads: Vec<LeadAccount> = conn
                .prepare(&format!("{SQLITE_LEAD} ORDER BY email"))?
                .query_map([], sqlite_lead)?
                .collect::<rusqlite::Result<_>>()?;
            for lead in &mut leads {
                sqlite_units_of(conn, lead)?;
            }
            Ok(leads)
        })
        .await
    }

    async fn lead_disable(&self, email: &str, now: Timestamp) -> StorageResult<bool> {
        let email = email.to_string();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = tx.execute(
                "UPDATE console_leads SET disabled_at = COALESCE(disabled_at, ?2) WHERE email = ?1",
                params![email, now.0],
            )?;
            tx.execute(
                "DELETE FROM console_sessions WHERE lead_id IN \
                   (SELECT lead_id FROM console_leads WHERE email = ?1)",
                [&email],
            )?;
            tx.commit()?;
            Ok(changed > 0)
        })
        .await
    }

    async fn lead_set_password(&self, email: &str, password_hash: &str) -> StorageResult<bool> {
        let (email, hash) = (email.to_string(), password_hash.to_string());
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE console_leads SET password_hash = ?2, failed_attempts = 0, \
                   locked_until = NULL WHERE email = ?1",
                params![email, hash],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn lead_by_email(&self, email: &str) -> StorageResult<Option<LeadAccount>> {
        let email = email.to_string();
        self.read(move |conn| {
            let lead = conn
                .prepare_cached(&format!("{SQLITE_LEAD} WHERE email = ?1"))?
                .query_row([&email], sqlite_lead)
                .optional()?;
            match lead {
                Some(mut lead) => {
                    sqlite_units_of(conn, &mut lead)?;
                    Ok(Some(lead))
                }
                None => Ok(None),
            }
        })
        .await
    }

    async fn lead_sign_in_failed(
        &self,
        lead_id: &str,
        max_attempts: u32,
        lock_until: Timestamp,
    ) -> StorageResult<()> {
        let lead_id = lead_id.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE console_leads SET \
                   locked_until = CASE WHEN failed_attempts + 1 >= ?2 THEN ?3 ELSE locked_until END, \
                   failed_attempts = CASE WHEN failed_attempts + 1 >= ?2 THEN 0 \
                     ELSE failed_attempts + 1 END \
                 WHERE lead_id = ?1",
                params![lead_id, max_attempts, lock_until.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn lead_signed_in(&self, lead_id: &str) -> StorageResult<()> {
        let lead_id = lead_id.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE console_leads SET failed_attempts = 0 WHERE lead_id = ?1 \
                 AND failed_attempts <> 0",
                [lead_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_create(&self, session: &NewSession) -> StorageResult<()> {
        let s = session.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO console_sessions (session_hash, lead_id, csrf_token, created_at, \
                   last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                params![
                    s.session_hash,
                    s.lead_id,
                    s.csrf_token,
                    s.created_at.0,
                    s.expires_at.0
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_find(&self, session_hash: &str) -> StorageResult<Option<SessionRecord>> {
        let hash = session_hash.to_string();
        self.read(move |conn| {
            let found = conn
                .prepare_cached(
                    "SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, \
                       l.lead_id, l.email, l.name, l.password_hash, l.failed_attempts, \
                       l.locked_until, l.disabled_at IS NOT NULL \
                     FROM console_sessions s JOIN console_leads l ON l.lead_id = s.lead_id \
                     WHERE s.session_hash = ?1",
                )?
                .query_row([&hash], |r| {
                    Ok(SessionRecord {
                        csrf_token: r.get(0)?,
                        created_at: Timestamp(r.get(1)?),
                        last_seen_at: Timestamp(r.get(2)?),
                        expires_at: Timestamp(r.get(3)?),
                        lead: LeadAccount {
                            lead_id: r.get(4)?,
                            email: r.get(5)?,
                            name: r.get(6)?,
                            password_hash: r.get(7)?,
                            failed_attempts: r.get(8)?,
                            locked_until: r.get::<_, Option<i64>>(9)?.map(Timestamp),
                            disabled: r.get(10)?,
                            units: Vec::new(),
                        },
                    })
                })
                .optional()?;
            match found {
                Some(mut s) => {
                    sqlite_units_of(conn, &mut s.lead)?;
                    Ok(Some(s))
                }
                None => Ok(None),
            }
        })
        .await
    }

    async fn session_touch(&self, session_hash: &str, now: Timestamp) -> StorageResult<()> {
        let hash = session_hash.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE console_sessions SET last_seen_at = MAX(last_seen_at, ?2) \
                 WHERE session_hash = ?1",
                params![hash, now.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_delete(&self, session_hash: &str, now: Timestamp) -> StorageResult<()> {
        let hash = session_hash.to_string();
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM console_sessions WHERE session_hash = ?1 OR expires_at <= ?2 \
                 OR last_seen_at <= ?3",
                params![hash, now.0, now.0 - super::session::IDLE_MS],
            )?;
            Ok(())
        })
        .await
    }

    async fn console_audit_append(&self, entries: &[ConsoleAuditEntry]) -> StorageResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut entries = entries.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                // Chained after the last entry, under the single writer (src/audit_log.rs).
                let last: Option<(i64, Vec<u8>)> = tx
                    .query_row(
                        "SELECT seq, hash FROM console_audit ORDER BY seq DESC LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let hashes = crate::audit_log::chain_console(last, &mut entries);
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO console_audit (seq, at, lead_id, action, unit_id, entity, \
                       entity_id, detail, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for (e, hash) in entries.iter().zip(&hashes) {
                    stmt.execute(params![
                        e.seq,
                        e.at.0,
                        e.lead_id,
                        e.action,
                        e.unit_id,
                        e.entity,
                        e.entity_id,
                        e.detail,
                        &hash[..]
                    ])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn console_audit_about(
        &self,
        entity_ids: &[String],
    ) -> StorageResult<Vec<ConsoleAuditEntry>> {
        let ids = entity_ids.to_vec();
        self.read(move |conn| {
            let mut out = Vec::new();
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at, lead_id, action, unit_id, entity, entity_id, detail \
                 FROM console_audit WHERE entity_id = ?1 ORDER BY seq",
            )?;
            for id in &ids {
                let rows = stmt.query_map([id], |r| {
                    Ok(ConsoleAuditEntry {
                        seq: r.get(0)?,
                        at: Timestamp(r.get(1)?),
                        lead_id: r.get(2)?,
                        action: r.get(3)?,
                        unit_id: r.get(4)?,
                        entity: r.get(5)?,
                        entity_id: r.get(6)?,
                        detail: r.get(7)?,
                    })
                })?;
                for row in rows {
                    out.push(row?);
                }
            }
            out.sort_by_key(|e| e.seq);
            out.dedup_by_key(|e| e.seq);
            Ok(out)
        })
        .await
    }

    async fn console_device_ensure(
        &self,
        device_id: &str,
        token_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StorageResult<()> {
        let (device_id, token_hash, label) = (
            device_id.to_string(),
            token_hash.to_string(),
            label.to_string(),
        );
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO devices (device_id, token_hash, label, enrolled_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (device_id) DO NOTHING",
                params![device_id, token_hash, label, now.0],
            )?;
            tx.execute(
                "INSERT INTO console_devices (device_id, created_at) VALUES (?1, ?2) \
                 ON CONFLICT (device_id) DO NOTHING",
                params![device_id, now.0],
            )?;
            tx.execute(
                "INSERT INTO grants (device_id, unit_id, role, ends_at) \
                 SELECT DISTINCT ?1, lu.unit_id, 'lead', NULL FROM console_lead_units lu \
                 JOIN console_leads l ON l.lead_id = lu.lead_id WHERE l.disabled_at IS NULL \
                 ON CONFLICT (device_id, unit_id) DO UPDATE SET role = 'lead', ends_at = NULL",
                [&device_id],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn console_store_id(&self, candidate: &str) -> StorageResult<String> {
        let candidate = candidate.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO console_meta (key, value) VALUES ('store_id', ?1) \
                 ON CONFLICT (key) DO NOTHING",
                [&candidate],
            )?;
            Ok(conn.query_row(
                "SELECT value FROM console_meta WHERE key = 'store_id'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn unit_devices(&self, unit_id: &str) -> StorageResult<Vec<UnitDevice>> {
        let unit_id = unit_id.to_string();
        self.read(move |conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT d.device_id, d.label, d.enrolled_at, d.revoked_at, g.role, g.ends_at \
                     FROM grants g JOIN devices d ON d.device_id = g.device_id \
                     WHERE g.unit_id = ?1 AND NOT EXISTS \
                       (SELECT 1 FROM console_devices c WHERE c.device_id = d.device_id) \
                     ORDER BY d.enrolled_at DESC, d.device_id",
                )?
                .query_map([&unit_id], |r| {
                    Ok((
                        DeviceRecord {
                            device_id: r.get(0)?,
                            label: r.get(1)?,
                            enrolled_at: Timestamp(r.get(2)?),
                            revoked_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
                        },
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<i64>>(5)?.map(Timestamp),
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(device, r, ends_at)| {
                    Ok(UnitDevice {
                        device,
                        role: role(&r)?,
                        ends_at,
                    })
                })
                .collect()
        })
        .await
    }

    async fn bed_days_set(&self, entry: &BedDays, bed_days: Option<u32>) -> StorageResult<()> {
        check_unit_id(&entry.unit_id)?;
        month_ok(&entry.month)?;
        let e = entry.clone();
        self.write(move |conn| {
            match bed_days {
                Some(n) => conn.execute(
                    "INSERT INTO console_bed_days (unit_id, month, bed_days, entered_by, entered_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (unit_id, month) DO UPDATE SET \
                     bed_days = excluded.bed_days, entered_by = excluded.entered_by, \
                     entered_at = excluded.entered_at",
                    params![e.unit_id, e.month, n, e.entered_by, e.entered_at.0],
                )?,
                None => conn.execute(
                    "DELETE FROM console_bed_days WHERE unit_id = ?1 AND month = ?2",
                    params![e.unit_id, e.month],
                )?,
            };
            Ok(())
        })
        .await
    }

    async fn bed_days(&self, unit_ids: &[String]) -> StorageResult<Vec<BedDays>> {
        let units = unit_ids.to_vec();
        self.read(move |conn| {
            let mut out = Vec::new();
            let mut stmt = conn.prepare_cached(
                "SELECT unit_id, month, bed_days, entered_by, entered_at FROM console_bed_days \
                 WHERE unit_id = ?1 ORDER BY month",
            )?;
            for unit in &units {
                let rows = stmt
                    .query_map([unit], |r| {
                        Ok(BedDays {
                            unit_id: r.get(0)?,
                            month: r.get(1)?,
                            bed_days: r.get(2)?,
                            entered_by: r.get(3)?,
                            entered_at: Timestamp(r.get(4)?),
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                out.extend(rows);
            }
            Ok(out)
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const PG_LEAD: &str = "SELECT lead_id, email, name, password_hash, failed_attempts, \
     locked_until, disabled_at IS NOT NULL FROM console_leads";

fn pg_lead(r: &tokio_postgres::Row, at: usize) -> LeadAccount {
    LeadAccount {
        lead_id: r.get(at),
        email: r.get(at + 1),
        name: r.get(at + 2),
        password_hash: r.get(at + 3),
        failed_attempts: r.get::<_, i32>(at + 4).max(0) as u32,
        locked_until: r.get::<_, Option<i64>>(at + 5).map(Timestamp),
        disabled: r.get(at + 6),
        units: Vec::new(),
    }
}

async fn pg_units_of(
    client: &deadpool_postgres::Client,
    lead: &mut LeadAccount,
) -> StorageResult<()> {
    lead.units = client
        .query(
            "SELECT unit_id FROM console_lead_units WHERE lead_id = $1 ORDER BY unit_id",
            &[&lead.lead_id],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(())
}

fn pg_audit(r: &tokio_postgres::Row) -> ConsoleAuditEntry {
    ConsoleAuditEntry {
        seq: r.get(0),
        at: Timestamp(r.get(1)),
        lead_id: r.get(2),
        action: r.get(3),
        unit_id: r.get(4),
        entity: r.get(5),
        entity_id: r.get(6),
        detail: r.get(7),
    }
}

impl ConsoleStorage for PgStorage {
    async fn lead_add(&self, lead: &NewLead) -> StorageResult<()> {
        units_ok(&lead.units)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let found: Vec<String> = tx
            .query(
                "SELECT unit_id FROM units WHERE unit_id = ANY($1::text[])",
                &[&lead.units],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if let Some(missing) = lead.units.iter().find(|u| !found.contains(u)) {
            return Err(StorageError::NotFound(format!("unit {missing}")));
        }
        let inserted = tx
            .execute(
                "INSERT INTO console_leads (lead_id, email, name, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
                &[
                    &lead.lead_id,
                    &lead.email,
                    &lead.name,
                    &lead.password_hash,
                    &lead.created_at.0,
                ],
            )
            .await
            .map_err(pg)?;
        if inserted == 0 {
            return Err(StorageError::Exists(format!("lead {}", lead.email)));
        }
        tx.execute(
            "INSERT INTO console_lead_units (lead_id, unit_id) \
             SELECT $1, u FROM unnest($2::text[]) AS u ON CONFLICT DO NOTHING",
            &[&lead.lead_id, &lead.units],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "INSERT INTO grants (device_id, unit_id, role, ends_at) \
             SELECT c.device_id, u, 'lead', NULL FROM console_devices c, unnest($1::text[]) AS u \
             ON CONFLICT (device_id, unit_id) DO UPDATE SET role = 'lead', ends_at = NULL",
            &[&lead.units],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(())
    }

    async fn leads(&self) -> StorageResult<Vec<LeadAccount>> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("{PG_LEAD} ORDER BY email"), &[])
            .await
            .map_err(pg)?;
        let mut leads: Vec<LeadAccount> = rows.iter().map(|r| pg_lead(r, 0)).collect();
        for lead in &mut leads {
            pg_units_of(&client, lead).await?;
        }
        Ok(leads)
    }

    async fn lead_disable(&self, email: &str, now: Timestamp) -> StorageResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let changed = tx
            .execute(
                "UPDATE console_leads SET disabled_at = COALESCE(disabled_at, $2) WHERE email = $1",
                &[&email, &now.0],
            )
            .await
            .map_err(pg)?;
        tx.execute(
            "DELETE FROM console_sessions WHERE lead_id IN \
               (SELECT lead_id FROM console_leads WHERE email = $1)",
            &[&email],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(changed > 0)
    }

    async fn lead_set_password(&self, email: &str, password_hash: &str) -> StorageResult<bool> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE console_leads SET password_hash = $2, failed_attempts = 0, \
                   locked_until = NULL WHERE email = $1",
                &[&email, &password_hash],
            )
            .await
            .map_err(pg)?;
        Ok(changed > 0)
    }

    async fn lead_by_email(&self, email: &str) -> StorageResult<Option<LeadAccount>> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("{PG_LEAD} WHERE email = $1"), &[&email])
            .await
            .map_err(pg)?;
        match row {
            Some(r) => {
                let mut lead = pg_lead(&r, 0);
                pg_units_of(&client, &mut lead).await?;
                Ok(Some(lead))
            }
            None => Ok(None),
        }
    }

    async fn lead_sign_in_failed(
        &self,
        lead_id: &str,
        max_attempts: u32,
        lock_until: Timestamp,
    ) -> StorageResult<()> {
        let max = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        let client = self.client().await?;
        client
            .execute(
                "UPDATE console_leads SET \
                   locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END, \
                   failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 \
                     ELSE failed_attempts + 1 END \
                 WHERE lead_id = $1",
                &[&lead_id, &max, &lock_until.0],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn lead_signed_in(&self, lead_id: &str) -> StorageResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE console_leads SET failed_attempts = 0 WHERE lead_id = $1 \
                 AND failed_attempts <> 0",
                &[&lead_id],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn session_create(&self, s: &NewSession) -> StorageResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO console_sessions (session_hash, lead_id, csrf_token, created_at, \
                   last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
                &[
                    &s.session_hash,
                    &s.lead_id,
                    &s.csrf_token,
                    &s.created_at.0,
                    &s.expires_at.0,
                ],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn session_find(&self, session_hash: &str) -> StorageResult<Option<SessionRecord>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, \
                   l.lead_id, l.email, l.name, l.password_hash, l.failed_attempts, \
                   l.locked_until, l.disabled_at IS NOT NULL \
                 FROM console_sessions s JOIN console_leads l ON l.lead_id = s.lead_id \
                 WHERE s.session_hash = $1",
                &[&session_hash],
            )
            .await
            .map_err(pg)?;
        match row {
            Some(r) => {
                let mut s = SessionRecord {
                    csrf_token: r.get(0),
                    created_at: Timestamp(r.get(1)),
                    last_seen_at: Timestamp(r.get(2)),
                    expires_at: Timestamp(r.get(3)),
                    lead: pg_lead(&r, 4),
                };
                pg_units_of(&client, &mut s.lead).await?;
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }

    async fn session_touch(&self, session_hash: &str, now: Timestamp) -> StorageResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE console_sessions SET last_seen_at = GREATEST(last_seen_at, $2) \
                 WHERE session_hash = $1",
                &[&session_hash, &now.0],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn session_delete(&self, session_hash: &str, now: Timestamp) -> StorageResult<()> {
        let client = self.client().await?;
        let idle_before = now.0 - super::session::IDLE_MS;
        client
            .execute(
                "DELETE FROM console_sessions WHERE session_hash = $1 OR expires_at <= $2 \
                 OR last_seen_at <= $3",
                &[&session_hash, &now.0, &idle_before],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }

    async fn console_audit_append(&self, entries: &[ConsoleAuditEntry]) -> StorageResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        // Chained after the last entry, one appender at a time (src/audit_log.rs).
        tx.execute(
            "SELECT pg_advisory_xact_lock($1::int8)",
            &[&crate::storage::postgres::CONSOLE_AUDIT_LOCK],
        )
        .await
        .map_err(pg)?;
        let last: Option<(i64, Vec<u8>)> = tx
            .query_opt(
                "SELECT seq, hash FROM console_audit ORDER BY seq DESC LIMIT 1",
                &[],
            )
            .await
            .map_err(pg)?
            .map(|r| (r.get(0), r.get(1)));
        let mut entries = entries.to_vec();
        let hashes = crate::audit_log::chain_console(last, &mut entries);
        let seq: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        let at: Vec<i64> = entries.iter().map(|e| e.at.0).collect();
        let col =
            |f: fn(&ConsoleAuditEntry) -> &str| -> Vec<&str> { entries.iter().map(f).collect() };
        let (lead, action, unit, entity, id, detail) = (
            col(|e| &e.lead_id),
            col(|e| &e.action),
            col(|e| &e.unit_id),
            col(|e| &e.entity),
            col(|e| &e.entity_id),
            col(|e| &e.detail),
        );
        let hash: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        tx.execute(
            "INSERT INTO console_audit (seq, at, lead_id, action, unit_id, entity, entity_id, \
               detail, hash) \
             SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], \
               $6::text[], $7::text[], $8::text[], $9::bytea[])",
            &[
                &seq, &at, &lead, &action, &unit, &entity, &id, &detail, &hash,
            ],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(())
    }

    async fn console_audit_about(
        &self,
        entity_ids: &[String],
    ) -> StorageResult<Vec<ConsoleAuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT seq, at, lead_id, action, unit_id, entity, entity_id, detail \
                 FROM console_audit WHERE entity_id = ANY($1::text[]) ORDER BY seq",
                &[&entity_ids],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(pg_audit).collect())
    }

    async fn console_device_ensure(
        &self,
        device_id: &str,
        token_hash: &str,
        label: &str,
        now: Timestamp,
    ) -> StorageResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        tx.execute(
            "INSERT INTO devices (device_id, token_hash, label, enrolled_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (device_id) DO NOTHING",
            &[&device_id, &token_hash, &label, &now.0],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "INSERT INTO console_devices (device_id, created_at) VALUES ($1, $2) \
             ON CONFLICT (device_id) DO NOTHING",
            &[&device_id, &now.0],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "INSERT INTO grants (device_id, unit_id, role, ends_at) \
             SELECT DISTINCT $1::text, lu.unit_id, 'lead', NULL::bigint FROM console_lead_units lu \
             JOIN console_leads l ON l.lead_id = lu.lead_id WHERE l.disabled_at IS NULL \
             ON CONFLICT (device_id, unit_id) DO UPDATE SET role = 'lead', ends_at = NULL",
            &[&device_id],
        )
        .await
        .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(())
    }

    async fn console_store_id(&self, candidate: &str) -> StorageResult<String> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO console_meta (key, value) VALUES ('store_id', $1) \
                 ON CONFLICT (key) DO NOTHING",
                &[&candidate],
            )
            .await
            .map_err(pg)?;
        let row = client
            .query_one("SELECT value FROM console_meta WHERE key = 'store_id'", &[])
            .await
            .map_err(pg)?;
        Ok(row.get(0))
    }

    async fn unit_devices(&self, unit_id: &str) -> StorageResult<Vec<UnitDevice>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT d.device_id, d.label, d.enrolled_at, d.revoked_at, g.role, g.ends_at \
                 FROM grants g JOIN devices d ON d.device_id = g.device_id \
                 WHERE g.unit_id = $1 AND NOT EXISTS \
                   (SELECT 1 FROM console_devices c WHERE c.device_id = d.device_id) \
                 ORDER BY d.enrolled_at DESC, d.device_id",
                &[&unit_id],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(UnitDevice {
                    device: DeviceRecord {
                        device_id: r.get(0),
                        label: r.get(1),
                        enrolled_at: Timestamp(r.get(2)),
                        revoked_at: r.get::<_, Option<i64>>(3).map(Timestamp),
                    },
                    role: role(r.get(4))?,
                    ends_at: r.get::<_, Option<i64>>(5).map(Timestamp),
                })
            })
            .collect()
    }

    async fn bed_days_set(&self, entry: &BedDays, bed_days: Option<u32>) -> StorageResult<()> {
        check_unit_id(&entry.unit_id)?;
        month_ok(&entry.month)?;
        let client = self.client().await?;
        match bed_days {
            Some(n) => client
                .execute(
                    "INSERT INTO console_bed_days (unit_id, month, bed_days, entered_by, entered_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_id, month) DO UPDATE SET \
                     bed_days = excluded.bed_days, entered_by = excluded.entered_by, \
                     entered_at = excluded.entered_at",
                    &[
                        &entry.unit_id,
                        &entry.month,
                        &i32::try_from(n).unwrap_or(i32::MAX),
                        &entry.entered_by,
                        &entry.entered_at.0,
                    ],
                )
                .await
                .map_err(pg)?,
            None => client
                .execute(
                    "DELETE FROM console_bed_days WHERE unit_id = $1 AND month = $2",
                    &[&entry.unit_id, &entry.month],
                )
                .await
                .map_err(pg)?,
        };
        Ok(())
    }

    async fn bed_days(&self, unit_ids: &[String]) -> StorageResult<Vec<BedDays>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT unit_id, month, bed_days, entered_by, entered_at FROM console_bed_days \
                 WHERE unit_id = ANY($1) ORDER BY unit_id, month",
                &[&unit_ids],
            )
            .await
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| BedDays {
                unit_id: r.get(0),
                month: r.get(1),
                bed_days: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                entered_by: r.get(3),
                entered_at: Timestamp(r.get(4)),
            })
            .collect())
    }
}
