//! The fuzz targets on stable, on every CI run: each corpus file (`fuzz/corpus/<target>/`, the
//! committed seeds and any crashers kept in `fuzz/regressions/<target>/`) and a few thousand
//! inputs made by mutating them (bit flips, cuts, splices, random bytes) go through the same
//! target bodies cargo-fuzz runs (`fuzz/src/lib.rs`). `fuzz/run.sh` runs the real fuzzer on
//! nightly; `STEADY_FUZZ_ITERATIONS=1000000` makes this fallback longer.

#[path = "../../fuzz/src/lib.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn iterations() -> usize {
    std::env::var("STEADY_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000)
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

fn run(target: &str, f: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut seeds = Vec::new();
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        for file in files(&dir) {
            let data = std::fs::read(&file).expect("read corpus file");
            f(&data);
            seeds.push(data);
        }
    }
    assert!(!seeds.is_empty(), "no corpus for {target}");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let n = iterations();
    for _ in 0..n {
        let data = mutate(&mut rng, &seeds);
        let outcome = std::panic::catch_unwind(|| f(&data));
        if outcome.is_err() {
            let dir = root.join("regressions").join(target);
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("crash-{seed:x}"));
            let _ = std::fs::write(&path, &data);
            panic!(
                "{target} panicked on {} bytes (seed {seed}); kept as {}",
                data.len(),
                path.display()
            );
        }
    }
    println!(
        "{target}: {} corpus files and {n} generated inputs (seed {seed})",
        seeds.len()
    );
}

#[test]
fn protocol_decode() {
    run("protocol_decode", targets::protocol_decode);
}

#[test]
fn sync_plan() {
    run("sync_plan", targets::sync_plan);
}

#[test]
fn checklist_import() {
    run("checklist_import", targets::checklist_import);
}
