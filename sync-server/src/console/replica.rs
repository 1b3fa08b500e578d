//! The console is a device: its own steady-core replica, synced with the server's storage
//! in-process, so console edits are sync operations like any phone's and converge by the same
//! rules, and every page reads through the core's own domain API.
//!
//! The replica is an encrypted steady-core [`Store`] in the console directory (`console.db`),
//! its 32-byte key generated on first start into `console.key` beside it (mode 0600). The
//! device row it syncs as is created by the server itself ([`ConsoleStorage::console_device_ensure`])
//! with the lead role in every unit that has a lead; `lead add` extends those grants. With
//! PostgreSQL each server process keeps its own console directory and so is its own device.
//!
//! Sync goes through an in-process [`Transport`] that calls the storage directly with the
//! same merge and the same answer as `POST /v1/sync` ([`crate::exchange::answer`]), minus HTTP: the console
//! is trusted code in the server process, so there is no bearer token to check. The token the
//! replica holds is a placeholder that no device row matches.
//!
//! The core store is synchronous (rusqlite): it sits behind a mutex and every call runs on a
//! blocking thread. Before each page that reads, the replica pulls (cheap with a cursor); after
//! each edit it pushes. One mutex for reads and writes also means the staff member stamped on an
//! edit (the signed-in lead) cannot be swapped by another request half-way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use steady_core::clock::Timestamp;
use steady_core::protocol::{
    EnrollRequest, EnrollResponse, PROTOCOL_VERSION, SyncRequest, SyncResponse,
};
use steady_core::{StaffMember, Store, StoreKey, Transport, TransportError};

use super::counted::{Counted, UnitIncidents};
use super::store::ConsoleStorage;
use crate::admin;
use crate::storage::{Cursor, Storage, StorageError, hash_secret};

/// The replica's file in the console directory.
pub const STORE_FILE: &str = "console.db";
/// Its key, beside it.
pub const KEY_FILE: &str = "console.key";
/// The id of the server store the replica belongs to, beside it.
pub const STORE_ID_FILE: &str = "store-id";
/// How the console's device is labelled on the server.
pub const DEVICE_LABEL: &str = "Steady web console";
/// The job title stamped on console edits.
pub const JOB_TITLE: &str = "Lead (web console)";

/// Why the replica failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// The core refused or failed (validation, not found, not allowed, storage).
    #[error(transparent)]
    Core(#[from] steady_core::Error),
    /// The server's storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A file beside the store could not be made or read.
    #[error("console key: {0}")]
    Key(String),
    /// A blocking task failed.
    #[error("task: {0}")]
    Task(String),
}

/// The server's storage and the runtime it runs on, for the replica's transport.
struct InProcess<S> {
    storage: Arc<S>,
    handle: tokio::runtime::Handle,
}

fn internal(e: impl std::fmt::Display) -> TransportError {
    tracing::error!(error = %e, "console sync failed");
    TransportError::Server {
        status: 500,
        retry_after: None,
    }
}

/// The replica's transport: the server's storage, called in this process, as the replica's own
/// device. Used only from blocking threads (it waits on the runtime with `block_on`).
struct Bound<'a, S> {
    inner: &'a InProcess<S>,
    device_id: &'a str,
}

impl<S: Storage + ConsoleStorage> Transport for Bound<'_, S> {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.inner.handle.block_on(async {
            let now = Timestamp::now();
            // A token hash nobody holds: the console never syncs over HTTP.
            let secret = admin::new_device_token().map_err(internal)?;
            self.inner
                .storage
                .console_device_ensure(&req.device_id, &hash_secret(&secret), DEVICE_LABEL, now)
                .await
                .map_err(internal)?;
            let (grants, _ended) =
                crate::exchange::grants_in_force(self.inner.storage.as_ref(), &req.device_id, now)
                    .await
                    .map_err(internal)?;
            Ok(EnrollResponse {
                protocol: PROTOCOL_VERSION,
                device_token: "in-process".into(),
                grants,
                server_time: now,
            })
        })
    }

    fn sync(&self, _token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        self.inner.handle.block_on(async {
            // The replica only ever sends cursors this server made; one it cannot read starts
            // again from the beginning rather than failing every page.
            let cursor = req
                .cursor
                .as_deref()
                .and_then(Cursor::decode)
                .unwrap_or_default();
            crate::exchange::answer(
                self.inner.storage.as_ref(),
                self.device_id,
                req,
                &cursor,
                Timestamp::now(),
            )
            .await
            .map_err(internal)
        })
    }
}

/// The console's replica.
pub struct Replica<S> {
    store: Mutex<Store>,
    device_id: String,
    transport: InProcess<S>,
    dir: PathBuf,
    counted: Counted,
}

/// Reads the key file, or makes one (32 random bytes, mode 0600) if there is none.
fn load_or_make_key(path: &Path) -> Result<StoreKey, ReplicaError> {
    match std::fs::read(path) {
        Ok(bytes) => StoreKey::from_bytes(&bytes).map_err(|e| ReplicaError::Key(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = crate::secrets::random_bytes::<32>()
                .map_err(|e| ReplicaError::Key(e.to_string()))?;
            let tmp = path.with_extension("key.tmp");
            {
                use std::io::Write as _;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create(true).truncate(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt as _;
                    options.mode(0o600);
                }
                let mut file = options
                    .open(&tmp)
                    .map_err(|e| ReplicaError::Key(format!("{}: {e}", tmp.display())))?;
                file.write_all(&bytes)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| ReplicaError::Key(e.to_string()))?;
            }
            std::fs::rename(&tmp, path).map_err(|e| ReplicaError::Key(e.to_string()))?;
            StoreKey::from_bytes(&bytes).map_err(|e| ReplicaError::Key(e.to_string()))
        }
        Err(e) => Err(ReplicaError::Key(format!("{}: {e}", path.display()))),
    }
}

/// Removes a replica made for another server store (its cursor and device mean nothing
/// there), or for a store it cannot tell, then marks the directory as this store's.
fn forget_other_store(dir: &Path, store_id: &str) -> Result<(), ReplicaError> {
    let marker = dir.join(STORE_ID_FILE);
    let found = match std::fs::read_to_string(&marker) {
        Ok(text) => Some(text.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(ReplicaError::Key(format!("{}: {e}", marker.display()))),
    };
    if found.as_deref() == Some(store_id) {
        return Ok(());
    }
    if found.is_some() || dir.join(STORE_FILE).exists() {
        tracing::warn!("the console replica belonged to another store: starting afresh");
        for name in [
            STORE_FILE.to_string(),
            format!("{STORE_FILE}-wal"),
            format!("{STORE_FILE}-shm"),
            format!("{STORE_FILE}-journal"),
            format!("{STORE_FILE}.keycheck"),
            KEY_FILE.to_string(),
        ] {
            match std::fs::remove_file(dir.join(&name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ReplicaError::Key(format!("{name}: {e}"))),
            }
        }
    }
    std::fs::write(&marker, store_id).map_err(|e| ReplicaError::Key(e.to_string()))
}

impl<S: Storage + ConsoleStorage> Replica<S> {
    /// Opens (creating on first start) the replica in `dir`, registers its device with the
    /// server's storage and enrols it. A replica made for another server store is replaced.
    /// Must run inside a tokio runtime.
    pub async fn open(storage: Arc<S>, dir: &Path) -> Result<Arc<Self>, ReplicaError> {
        let dir = dir.to_path_buf();
        let handle = tokio::runtime::Handle::current();
        let store_id = storage
            .console_store_id(&uuid::Uuid::new_v4().to_string())
            .await?;
        let opened = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || -> Result<Store, ReplicaError> {
                std::fs::create_dir_all(&dir)
                    .map_err(|e| ReplicaError::Key(format!("{}: {e}", dir.display())))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
                }
                forget_other_store(&dir, &store_id)?;
                let key = load_or_make_key(&dir.join(KEY_FILE))?;
                Ok(Store::open(dir.join(STORE_FILE), &key)?)
            })
            .await
            .map_err(|e| ReplicaError::Task(e.to_string()))??
        };
        let device_id = opened.device_id().to_string();
        let counted = Counted::subscribe(&opened);
        let replica = Arc::new(Replica {
            store: Mutex::new(opened),
            device_id,
            transport: InProcess { storage, handle },
            dir,
            counted,
        });
        // The device row and its grants, whether or not it was enrolled before (leads may have
        // been added while the server was down).
        let secret = admin::new_device_token().map_err(|e| ReplicaError::Key(e.to_string()))?;
        replica
            .transport
            .storage
            .console_device_ensure(
                &replica.device_id,
                &hash_secret(&secret),
                DEVICE_LABEL,
                Timestamp::now(),
            )
            .await?;
        let this = replica.clone();
        tokio::task::spawn_blocking(move || -> Result<(), ReplicaError> {
            let store = this.lock();
            if !store.sync_status()?.enrolled {
                store.enroll(&this.bound(), "console")?;
            }
            Ok(())
        })
        .await
        .map_err(|e| ReplicaError::Task(e.to_string()))??;
        Ok(replica)
    }

    /// Starts pulling what the server stored since the replica last ran, on a blocking thread,
    /// and returns at once: a server restarted at night has caught up before a lead's first
    /// page, rather than making that page wait (22 s at 100,000 incidents on a first start).
    /// A page asked for meanwhile waits for the store and then finds little left to pull; a
    /// failure here is logged and the next page's pull tries again.
    pub fn catch_up_in_background(self: &Arc<Self>) {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = this.lock();
            match this.sync_locked(&store) {
                Ok(()) => tracing::info!("web console replica caught up"),
                Err(e) => tracing::warn!(error = %e, "web console replica could not catch up yet"),
            }
        });
    }

    /// The replica's device id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The directory it lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bound(&self) -> Bound<'_, S> {
        Bound {
            inner: &self.transport,
            device_id: &self.device_id,
        }
    }

    fn sync_locked(&self, store: &Store) -> Result<(), ReplicaError> {
        store.sync_with(
            &self.bound(),
            &steady_core::SyncOptions {
                max_attempts: 1,
                ..Default::default()
            },
        )?;
        Ok(())
    }

    /// Pulls what changed, then a unit's incidents as kept up to date ([`super::counted`]):
    /// what the dashboard, the incident list and the exports count over.
    pub async fn unit_incidents(
        self: &Arc<Self>,
        unit_id: &str,
    ) -> Result<Arc<UnitIncidents>, ReplicaError> {
        let this = self.clone();
        let unit = unit_id.to_string();
        tokio::task::spawn_blocking(move || {
            let store = this.lock();
            this.sync_locked(&store)?;
            Ok(this.counted.unit(&store, &unit)?)
        })
        .await
        .map_err(|e| ReplicaError::Task(e.to_string()))?
    }

    /// Pulls what changed once, then the incidents of each of `unit_ids`, in that order: the
    /// roll-up's many units for the cost of one pull, not one pull a unit.
    pub async fn units_incidents(
        self: &Arc<Self>,
        unit_ids: Vec<String>,
    ) -> Result<Vec<Arc<UnitIncidents>>, ReplicaError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = this.lock();
            this.sync_locked(&store)?;
            unit_ids
                .iter()
                .map(|unit| Ok(this.counted.unit(&store, unit)?))
                .collect()
        })
        .await
        .map_err(|e| ReplicaError::Task(e.to_string()))?
    }

    /// Pulls what changed, then runs `read` on the store.
    pub async fn read<T, F>(self: &Arc<Self>, read: F) -> Result<T, ReplicaError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, steady_core::Error> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = this.lock();
            this.sync_locked(&store)?;
            Ok(read(&store)?)
        })
        .await
        .map_err(|e| ReplicaError::Task(e.to_string()))?
    }

    /// Pulls, runs `edit` on the store as `lead_name`, then pushes the edit to the server.
    pub async fn write<T, F>(self: &Arc<Self>, lead_name: &str, edit: F) -> Result<T, ReplicaError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, steady_core::Error> + Send + 'static,
    {
        let this = self.clone();
        let staff = StaffMember {
            name: lead_name.to_string(),
            job_title: JOB_TITLE.to_string(),
        };
        tokio::task::spawn_blocking(move || {
            let store = this.lock();
            this.sync_locked(&store)?;
            store.set_staff_member(staff)?;
            let value = edit(&store)?;
            this.sync_locked(&store)?;
            Ok(value)
        })
        .await
        .map_err(|e| ReplicaError::Task(e.to_string()))?
    }
}
