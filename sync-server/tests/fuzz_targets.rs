//! The fuzz targets on stable, on every CI run, deterministically.
//!
//! - Every committed input replays: each file of `fuzz/corpus/<target>/` (the seeds) and of
//!   `fuzz/regressions/<target>/` (every input that ever crashed a target, committed with its
//!   fix, kept for ever) goes through the same target body cargo-fuzz runs (`fuzz/src/lib.rs`).
//! - Then a fixed number of inputs made by mutating them (bit flips, cuts, splices, random
//!   bytes) from a fixed seed: the same inputs on every run, so CI passes or fails for a reason.
//!
//! Exploring is for the long modes: `STEADY_FUZZ_SEED=random STEADY_FUZZ_ITERATIONS=1000000`
//! here, or the real fuzzer on nightly (`bash fuzz/run.sh 600`). Either writes what crashes to
//! `fuzz/regressions/<target>/`, for a developer to commit with the fix.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn iterations() -> usize {
    std::env::var("STEADY_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = if seeds.is_empty() || rng.below(8) == 0 {
        (0..rng.below(200)).map(|_| rng.next() as u8).collect()
    } else {
        seeds[rng.below(seeds.len())].clone()
    };
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                let tokens = b"{}[]\",:0123456789-.enulltrue\\";
                data[i] = tokens[rng.below(tokens.len())];
            }
            2 => data.truncate(rng.below(data.len() + 1)),
            3 if !seeds.is_empty() => {
                let other = &seeds[rng.below(seeds.len())];
                let at = rng.below(data.len() + 1);
                let from = rng.below(other.len() + 1);
                data.splice(at..at, other[from..].iter().copied().take(rng.below(64)));
            }
            4 if !data.is_empty() => {
                let i = rng.below(data.len());
                let len = rng.below(data.len() - i + 1);
                data.drain(i..i + len);
            }
            _ => data.push(rng.next() as u8),
        }
    }
    data
}

/// The seed of the generated inputs: fixed unless `STEADY_FUZZ_SEED` names another (a number,
/// or `random` for a fresh one, printed so a find can be replayed).
fn seed() -> u64 {
    match std::env::var("STEADY_FUZZ_SEED").as_deref() {
        Ok("random") => {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("time")
                .as_nanos() as u64
                | 1
        }
        Ok(n) => {
            n.parse::<u64>()
                .expect("STEADY_FUZZ_SEED: a number or `random`")
                | 1
        }
        Err(_) => 0x5eed_57ead1,
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every committed input of `target`: its corpus, then its regressions.
fn committed(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        for file in files(&root().join(dir).join(target)) {
            let data = std::fs::read(&file).expect("read corpus file");
            out.push((file, data));
        }
    }
    out
}

/// Replays every committed input; a panic names the file.
fn replay(target: &str, f: fn(&[u8])) -> usize {
    let inputs = committed(target);
    assert!(!inputs.is_empty(), "no corpus for {target}");
    for (file, data) in &inputs {
        if std::panic::catch_unwind(|| f(data)).is_err() {
            panic!("{target} panicked on committed input {}", file.display());
        }
    }
    inputs.len()
}

fn explore(target: &str, f: fn(&[u8])) {
    let seeds: Vec<Vec<u8>> = committed(target).into_iter().map(|(_, d)| d).collect();
    let seed = seed();
    let mut rng = Rng(seed);
    let n = iterations();
    for i in 0..n {
        let data = mutate(&mut rng, &seeds);
        let outcome = std::panic::catch_unwind(|| f(&data));
        if outcome.is_err() {
            let dir = root().join("regressions").join(target);
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("crash-{seed:x}-{i}"));
            let _ = std::fs::write(&path, &data);
            panic!(
                "{target} panicked on generated input {i} ({} bytes, seed {seed}); kept as {}: \
                 commit it with the fix",
                data.len(),
                path.display()
            );
        }
    }
    println!(
        "{target}: {} committed inputs and {n} generated inputs (seed {seed})",
        seeds.len()
    );
}

#[test]
fn protocol_decode_replays_every_committed_input() {
    replay("protocol_decode", targets::protocol_decode);
}

#[test]
fn sync_plan_replays_every_committed_input() {
    replay("sync_plan", targets::sync_plan);
}

#[test]
fn checklist_import_replays_every_committed_input() {
    replay("checklist_import", targets::checklist_import);
}

#[test]
fn record_check_replays_every_committed_input() {
    replay("record_check", targets::record_check);
}

#[test]
fn the_regression_of_an_absurd_occurred_at_is_kept() {
    // The input a 15-second CI fuzz run found (issue 13): kept, and replayed above.
    let kept = root().join("regressions/protocol_decode/crash-occurred-at-float-1e66.json");
    let data = std::fs::read(&kept).expect("the regression input is committed");
    targets::protocol_decode(&data);
}

#[test]
fn protocol_decode() {
    explore("protocol_decode", targets::protocol_decode);
}

#[test]
fn sync_plan() {
    explore("sync_plan", targets::sync_plan);
}

#[test]
fn checklist_import() {
    explore("checklist_import", targets::checklist_import);
}

#[test]
fn record_check() {
    explore("record_check", targets::record_check);
}
