//! The peer Steady's sync is compared with: PouchDB replicating to express-pouchdb, run by
//! `tests/bench/peer/peer.js` under node. Its npm packages are installed by this harness into
//! `<target dir>/bench-peer/` (never into the source tree) from the committed `package.json`
//! and `package-lock.json`, and reinstalled only when those change.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// One timed replication, as `peer.js` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct Replication {
    /// Wall-clock milliseconds of `PouchDB.replicate`.
    pub ms: f64,
    /// Documents written by the replication.
    pub docs_written: u64,
    /// HTTP requests the server received.
    pub requests: u64,
    /// Bytes the server's sockets read (client to server).
    pub bytes_up: u64,
    /// Bytes the server's sockets wrote (server to client).
    pub bytes_down: u64,
    /// TCP connections opened.
    pub connections: u64,
}

/// What `peer.js` prints.
#[derive(Debug, Clone, Deserialize)]
pub struct PeerRun {
    /// Documents given.
    pub docs: u64,
    /// Documents in the remote-to-local copy at the end.
    pub pulled: u64,
    /// The local PouchDB adapter ("leveldb").
    pub adapter: String,
    /// node and package versions.
    pub versions: std::collections::BTreeMap<String, String>,
    /// Local to remote.
    pub push: Replication,
    /// Remote to a fresh local database.
    pub pull: Replication,
}

/// The installed peer, ready to run.
pub struct Peer {
    dir: PathBuf,
}

impl Peer {
    /// Installs the peer's npm packages if needed (`npm ci`, or `npm install` while there is no
    /// lock file yet); fails with the reason if node or npm is missing or refuses.
    pub fn install(root: &Path) -> BoxResult<Peer> {
        let source = root.join("tests/bench/peer");
        let dir = target_dir(root).join("bench-peer");
        std::fs::create_dir_all(&dir)?;
        let manifest = std::fs::read(source.join("package.json"))?;
        let lock = std::fs::read(source.join("package-lock.json")).ok();
        let stamp = format!(
            "{}\n{}",
            String::from_utf8_lossy(&manifest),
            lock.as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default()
        );
        let stamp_file = dir.join(".installed-from");
        let installed = std::fs::read_to_string(&stamp_file).ok();
        std::fs::copy(source.join("peer.js"), dir.join("peer.js"))?;
        if installed.as_deref() == Some(stamp.as_str()) && dir.join("node_modules").is_dir() {
            return Ok(Peer { dir });
        }
        std::fs::write(dir.join("package.json"), &manifest)?;
        let verb = match &lock {
            Some(lock) => {
                std::fs::write(dir.join("package-lock.json"), lock)?;
                "ci"
            }
            None => "install",
        };
        eprintln!("peer: npm {verb} in {}", dir.display());
        let status = Command::new("npm")
            .args([verb, "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("npm could not be run ({e}): install node and npm"))?;
        if !status.success() {
            return Err(format!("npm {verb} failed ({status})").into());
        }
        if lock.is_none() {
            // First install: keep the lock file beside package.json so later runs are pinned.
            let _ = std::fs::copy(
                dir.join("package-lock.json"),
                source.join("package-lock.json"),
            );
        }
        std::fs::write(&stamp_file, stamp)?;
        Ok(Peer { dir })
    }

    /// Runs one measurement over the documents in `docs` (JSON lines).
    pub fn run(&self, docs: &Path) -> BoxResult<PeerRun> {
        let output = Command::new("node")
            .arg(self.dir.join("peer.js"))
            .arg("--docs")
            .arg(docs)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("node could not be run: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!("peer.js failed ({}): {stdout}", output.status).into());
        }
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .ok_or("peer.js printed no result")?;
        Ok(serde_json::from_str(line)?)
    }
}

/// What `peer.js --link` prints at the end of one workload through a link.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkedRun {
    /// Documents given.
    pub docs: u64,
    /// Whether every document got across before the deadline.
    pub done: bool,
    /// Wall-clock milliseconds from the first `PouchDB.replicate` to the end of the last.
    pub ms: f64,
    /// `PouchDB.replicate` calls (1 when nothing failed).
    pub attempts: u64,
    /// Milliseconds from the last request or answer to the cancelling of a stalled attempt,
    /// summed (see peer.js: after a cut mid-answer, node's fetch can wait forever).
    pub stalled_ms: f64,
    /// Documents written, summed over the attempts.
    pub docs_written: u64,
    /// Documents at the far side at the end, read there directly.
    pub at_far_side: u64,
    /// Distinct ids among them.
    pub distinct_at_far_side: u64,
    /// The first few errors the attempts ended with.
    pub errors: Vec<String>,
    /// node and package versions.
    pub versions: std::collections::BTreeMap<String, String>,
}

impl Peer {
    /// One workload (`push` or `pull`) of the documents in `docs` through a link: peer.js
    /// starts its server and loads the documents (untimed), then `connect` is given the
    /// server's port and returns the URL the device replicates with (through the link).
    pub fn run_linked(
        &self,
        docs: &Path,
        workload: &str,
        deadline: std::time::Duration,
        stall: std::time::Duration,
        connect: impl FnOnce(u16) -> BoxResult<String>,
    ) -> BoxResult<LinkedRun> {
        use std::io::{BufRead as _, BufReader, Write as _};
        let mut child = Command::new("node")
            .arg(self.dir.join("peer.js"))
            .args(["--link", "--workload", workload, "--docs"])
            .arg(docs)
            .arg("--deadline-ms")
            .arg(deadline.as_millis().to_string())
            .arg("--stall-ms")
            .arg(stall.as_millis().to_string())
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("node could not be run: {e}"))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        #[derive(Deserialize)]
        struct Listening {
            listening: u16,
        }
        let port = match serde_json::from_str::<Listening>(line.trim()) {
            Ok(l) => l.listening,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("peer.js did not start (said {line:?})").into());
            }
        };
        let url = match connect(port) {
            Ok(url) => url,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        writeln!(stdin, "{url}")?;
        drop(stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest)?;
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("peer.js --link failed ({status}): {rest}").into());
        }
        let last = rest
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .ok_or("peer.js --link printed no result")?;
        Ok(serde_json::from_str(last)?)
    }
}

/// The cargo target directory this harness was built into (its binary is in a profile
/// directory below it).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .filter(|t| t.join("CACHEDIR.TAG").exists())
        .unwrap_or_else(|| root.join("target"))
}
