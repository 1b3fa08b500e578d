//! Opening the encrypted device store, and the two connections every other module works through.
//!
//! The store is one SQLCipher file. The app supplies a raw 32-byte key (wrapped by the Android
//! Keystore or kept in the iOS Keychain), so no passphrase derivation runs at open. A small
//! key-check file beside the store (a one-way hash of the key) lets a wrong key be told apart
//! from a damaged file without writing to either. Every refusal — wrong key, newer schema,
//! damaged file — happens before anything is written, and checkpoint-on-close is off until the
//! store is accepted, so a refused file keeps its bytes.
//!
//! Shape taken from application-services: one writer connection and one reader connection,
//! each behind a mutex; [`Store::write`] runs a closure in one immediate transaction that commits
//! only when the closure returns `Ok`, so an entity's rows, its outbox operation and its audit
//! event land together or not at all. WAL with `synchronous=FULL` means a save the user was
//! told about survives a power cut.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::audit::AuditChain;
use crate::clock::{HybridClock, Timestamp};
use crate::error::{Error, Result};
use crate::replica::Writer;
use crate::schema;

/// The raw 32-byte key of a store. Zeroed when dropped.
pub struct StoreKey(Zeroizing<[u8; 32]>);

impl StoreKey {
    /// Wraps key bytes from the platform keystore; anything but 32 bytes is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::invalid("key", format!("must be 32 bytes, got {}", bytes.len())))?;
        Ok(StoreKey(Zeroizing::new(array)))
    }

    fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(*self.0)))
    }

    fn check_value(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(b"steady store key check v1\0");
        hash.update(*self.0);
        hash.finalize().into()
    }
}

/// Where "now" comes from. The app uses [`SystemClock`]; tests move time on by hand to see a
/// placement end or a review fall due.
pub trait WallClock: Send + Sync {
    /// The current wall-clock time.
    fn now(&self) -> Timestamp;
}

/// The machine's own clock.
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Who is using this device, stamped on what they record.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StaffMember {
    /// Name as colleagues know it.
    pub name: String,
    /// Job title (e.g. "Healthcare assistant").
    pub job_title: String,
}

pub(crate) struct WriteState {
    pub conn: Connection,
    pub clock: HybridClock,
    pub audit: AuditChain,
    pub staff: StaffMember,
    /// The last view audited of each (entity, id, what) by the current staff member.
    pub recent_views: HashMap<(String, String, String), Timestamp>,
}

/// A view of the same record by the same person within this long is one viewing, audited
/// once: a screen reopened or reloaded after a change does not flood the trail, and a look
/// after a break is a new event. (The trail says who looked at what and when, not how often
/// the screen redrew.)
pub const VIEW_AUDIT_WINDOW_MS: i64 = 10 * 60 * 1000;

/// The device's store: everything Steady keeps on the phone.
pub struct Store {
    path: PathBuf,
    device_id: String,
    wall: Arc<dyn WallClock>,
    writer: Mutex<WriteState>,
    reader: Mutex<Connection>,
    /// Held for a whole sync, so two (the app's and a background task's) never interleave.
    syncing: Mutex<()>,
    /// Raised to stop the sync in progress ([`Store::interrupt_sync`]).
    interrupt: crate::sync::SyncInterrupt,
    /// Who hears about changes ([`Store::subscribe`]).
    pub(crate) listeners: crate::changes::Listeners,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the store at `path` with `key`. Refuses a wrong key, a store from a
    /// newer Steady and a damaged file, each with its own error, leaving the file as it was.
    pub fn open(path: impl AsRef<Path>, key: &StoreKey) -> Result<Store> {
        Self::open_with_clock(path, key, Arc::new(SystemClock))
    }

    /// [`Store::open`] with a chosen source of wall-clock time.
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        key: &StoreKey,
        wall: Arc<dyn WallClock>,
    ) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let check_path = key_check_path(&path);
        let existing = fs::metadata(&path).map(|m| m.len() > 0).unwrap_or(false);
        let key_known = match fs::read(&check_path) {
            Ok(stored) if stored == key.check_value() => true,
            Ok(_) if existing => return Err(Error::WrongKey),
            _ => false,
        };

        let conn = open_connection(&path, key, existing, key_known)?;
        let found = schema::version(&conn).map_err(|e| classify_open_error(e, key_known))?;
        if found > schema::VERSION {
            return Err(Error::NewerSchema {
                found,
                supported: schema::VERSION,
            });
        }
        if !existing || !key_known {
            write_key_check(&check_path, key)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&conn, found, wall.now())?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;

        let (device_id, clock_wall, clock_counter, staff) = conn.query_row(
            "SELECT device_id, hlc_wall, hlc_counter, staff_name, staff_job FROM device",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, u32>(2)?,
                    StaffMember {
                        name: r.get(3)?,
                        job_title: r.get(4)?,
                    },
                ))
            },
        )?;
        let audit = AuditChain::resume(&conn)?;
        let reader = open_connection(&path, key, true, true)?;
        reader.pragma_update(None, "query_only", true)?;
        reader.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;

        let store = Store {
            path,
            device_id: device_id.clone(),
            wall,
            writer: Mutex::new(WriteState {
                conn,
                clock: HybridClock::resume(device_id, clock_wall, clock_counter),
                audit,
                staff,
                recent_views: HashMap::new(),
            }),
            reader: Mutex::new(reader),
            syncing: Mutex::new(()),
            interrupt: Default::default(),
            listeners: Default::default(),
        };
        Ok(store)
    }

    /// This device's id: part of every change it stamps.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current wall-clock time as the store sees it.
    pub fn now(&self) -> Timestamp {
        self.wall.now()
    }

    /// Sets who is using the device; their name and job title are stamped on what they record.
    pub fn set_staff_member(&self, staff: StaffMember) -> Result<()> {
        let name = staff.name.trim().to_string();
        let job_title = staff.job_title.trim().to_string();
        if name.is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if job_title.is_empty() {
            return Err(Error::invalid("job_title", "must not be empty"));
        }
        let mut state = self.lock_writer();
        state.conn.execute(
            "UPDATE device SET staff_name = ?1, staff_job = ?2",
            (&name, &job_title),
        )?;
        state.staff = StaffMember { name, job_title };
        state.recent_views.clear();
        Ok(())
    }

    /// Who is using the device.
    pub fn staff_member(&self) -> StaffMember {
        self.lock_writer().staff.clone()
    }

    /// Runs `f` in one immediate write transaction; commits only if it returns `Ok`. The clock
    /// state is saved in the same transaction and rolled back in memory on failure.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let now = self.wall.now();
        let mut state = self.lock_writer();
        let WriteState {
            conn,
            clock,
            audit,
            staff,
            ..
        } = &mut *state;
        let clock_before = clock.clone();
        let audit_before = audit.clone();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut writer = Writer::new(&tx, clock, audit, staff, now);
        let outcome = f(&mut writer).and_then(|value| {
            writer.finish()?;
            Ok(value)
        });
        let changes = writer.take_changes();
        match outcome {
            Ok(value) => match tx.commit() {
                Ok(()) => {
                    drop(state);
                    self.listeners.publish(changes);
                    Ok(value)
                }
                Err(e) => {
                    *clock = clock_before;
                    *audit = audit_before;
                    Err(e.into())
                }
            },
            Err(e) => {
                drop(tx);
                *clock = clock_before;
                *audit = audit_before;
                Err(e)
            }
        }
    }

    /// Runs `f` on the reader connection, in one read transaction (a consistent snapshot).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let value = f(&tx)?;
        tx.finish()?;
        Ok(value)
    }

    /// Records that a person's data was viewed. View events are committed without waiting for
    /// the disk (they become durable with the next save's sync), so opening a card stays fast.
    pub(crate) fn record_view(
        &self,
        entity: &str,
        entity_id: &str,
        unit_id: &str,
        detail: &str,
    ) -> Result<()> {
        let now = self.wall.now();
        let mut state = self.lock_writer();
        let WriteState {
            conn,
            audit,
            staff,
            recent_views,
            ..
        } = &mut *state;
        let key = (
            entity.to_string(),
            entity_id.to_string(),
            detail.to_string(),
        );
        if recent_views
            .get(&key)
            .is_some_and(|at| now.0 >= at.0 && now.0 - at.0 < VIEW_AUDIT_WINDOW_MS)
        {
            return Ok(());
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let before = audit.clone();
        let result = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            audit.append(
                &tx,
                now,
                &staff.name,
                "view",
                entity,
                entity_id,
                unit_id,
                detail,
            )?;
            tx.commit()?;
            Ok(())
        })();
        match result {
            Ok(()) => {
                recent_views.insert(key, now);
            }
            Err(_) => *audit = before,
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        result
    }

    /// Runs SQLite's full integrity check and SQLCipher's page check; `Ok` means no problem.
    pub fn check_integrity(&self) -> Result<()> {
        let state = self.lock_writer();
        let mut problems: Vec<String> = Vec::new();
        let mut stmt = state.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for row in rows {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = state.conn.prepare("PRAGMA cipher_integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for row in rows {
            problems.push(row?);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Corrupt(problems.join("; ")))
        }
    }

    /// Taken for the length of one sync (see the sync engine).
    pub(crate) fn sync_interrupt(&self) -> &crate::sync::SyncInterrupt {
        &self.interrupt
    }

    pub(crate) fn lock_sync(&self) -> MutexGuard<'_, ()> {
        self.syncing.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_writer(&self) -> MutexGuard<'_, WriteState> {
        // A panic while holding the lock leaves the transaction rolled back (the Transaction
        // was dropped), so the connection is still consistent; carry on with it.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes the store and deletes it and its key-check file: what a revoked device or a
    /// sign-out does. The app deletes the key from the keystore afterwards.
    pub fn wipe(self) -> Result<()> {
        let path = self.path.clone();
        drop(self);
        for p in [
            path.clone(),
            sidecar(&path, "-wal"),
            sidecar(&path, "-shm"),
            sidecar(&path, "-journal"),
            key_check_path(&path),
        ] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn key_check_path(path: &Path) -> PathBuf {
    sidecar(path, ".keycheck")
}

fn open_connection(
    path: &Path,
    key: &StoreKey,
    existing: bool,
    key_known: bool,
) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !existing {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    sqlcipher_ready()?;
    let conn = Connection::open_with_flags(path, flags)?;
    // Until the file is accepted, closing must not checkpoint a WAL into it.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.pragma_update(None, "key", &*key.sqlcipher_pragma())
        .map_err(|e| classify_open_error(e, key_known))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

unsafe extern "C" {
    /// SQLCipher's own set-up (providers, private heap), built into the bundled library. It
    /// takes SQLite's main mutex and returns at once when already done.
    fn sqlcipher_extra_init(arg: *const std::ffi::c_char) -> std::ffi::c_int;
}

/// Makes sure SQLCipher is set up before a connection is keyed. SQLite marks itself
/// initialised before it runs SQLCipher's set-up, so on a cold start a second thread opening a
/// store (the app's sync beside its UI, the server's storage beside its console) could key its
/// connection first and be refused with a misleading "PRAGMA key" error. Running the set-up
/// here, under SQLite's mutex, closes that window; once done it costs one mutex round trip.
fn sqlcipher_ready() -> Result<()> {
    // SAFETY: both functions take no pointers we own (a null argument is what SQLite itself
    // passes), are safe to call from any thread and are idempotent.
    let rc = unsafe {
        match rusqlite::ffi::sqlite3_initialize() {
            rusqlite::ffi::SQLITE_OK => sqlcipher_extra_init(std::ptr::null()),
            rc => rc,
        }
    };
    if rc == rusqlite::ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(Error::from(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rc),
            Some("SQLCipher could not be set up".into()),
        )))
    }
}

/// SQLCipher answers "not a database" both for a wrong key and for a damaged first page; the
/// key-check file tells which.
fn classify_open_error(e: rusqlite::Error, key_known: bool) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) if key_known => {
            Error::Corrupt("the first page fails its check".into())
        }
        Some(rusqlite::ErrorCode::NotADatabase) => Error::WrongKey,
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => Error::Corrupt(e.to_string()),
        _ => Error::from(e),
    }
}

fn write_key_check(path: &Path, key: &StoreKey) -> Result<()> {
    let tmp = sidecar(path, ".tmp");
    {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&key.check_value())?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
