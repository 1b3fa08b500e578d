//! Abuse of the real server process: forged, replayed and revoked tokens, replayed enrolment
//! codes, and a few thousand malformed requests — each answered with the right 4xx, never a 5xx,
//! and with the server's memory (resident set, read from /proc) bounded: it grows by no more
//! than a few megabytes however many bad requests arrive. The malformed-body battery itself is
//! `tests/http.rs`; this adds what needs a real process and a real token.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn admin(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_steady-server"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run steady-server");
    assert!(out.status.success(), "{args:?}");
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn code(dir: &Path) -> String {
    admin(dir, &["code", "issue", "--grant", "ward-a:editor"])
        .lines()
        .find_map(|l| l.strip_prefix("enrolment code: "))
        .expect("a code")
        .trim()
        .to_string()
}

#[allow(
    clippy::zombie_processes,
    reason = "the child is returned; the caller kills and reaps it"
)]
fn serve(dir: &Path, port: u16, client: &reqwest::blocking::Client) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady-server"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        // Rate limits off: this test is about what bad requests do, not how many may come.
        .args([
            "--sync-limit",
            "off",
            "--ip-limit",
            "off",
            "--enroll-limit",
            "off",
        ])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start steady-server");
    let started = Instant::now();
    while !client
        .get(format!("http://127.0.0.1:{port}/v1/health"))
        .send()
        .is_ok_and(|r| r.status().is_success())
    {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not come up");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

/// Path, token, body, gzipped, the status it must get.
type BadRequest<'a> = (&'a str, Option<&'a str>, Vec<u8>, bool, u16);

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

#[test]
fn forged_replayed_and_revoked_tokens_and_thousands_of_bad_requests_are_refused_in_bounded_memory()
{
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .no_gzip()
        // A fresh connection per request: a refused request may end its connection.
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let dir = tempfile::tempdir().expect("dir");
    admin(
        dir.path(),
        &[
            "unit",
            "create",
            "--id",
            "ward-a",
            "--name",
            "Ash ward",
            "--organisation",
            "Example Trust",
        ],
    );
    let codes: Vec<String> = (0..2).map(|_| code(dir.path())).collect();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(dir.path(), port, &client);
    let post = |path: &str, token: Option<&str>, body: Vec<u8>, gz: bool| -> (u16, Value) {
        let mut req = client
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if gz {
            req = req.header("content-encoding", "gzip");
        }
        let res = req.send().expect("answer");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    };
    let enroll = |code: &str, device: &str| {
        post(
            "/v1/enroll",
            None,
            json!({"protocol": 1, "code": code, "device_id": device, "device_label": "Abuse test"})
                .to_string()
                .into_bytes(),
            false,
        )
    };
    let pull = json!({"protocol": 1, "pull_limit": 10})
        .to_string()
        .into_bytes();

    // A device enrols; its code replayed by another device is refused, as is its own replay.
    let (status, body) = enroll(&codes[0], "abuse-a");
    assert_eq!(status, 200, "{body}");
    let token = body["device_token"].as_str().expect("token").to_string();
    assert_eq!(enroll(&codes[0], "abuse-b").0, 403, "a replayed code");
    assert_eq!(enroll(&codes[0], "abuse-a").0, 403, "a replayed enrolment");
    assert_eq!(post("/v1/sync", Some(&token), pull.clone(), false).0, 200);

    // Forged tokens: the right length and alphabet, one character off, empty, huge, other schemes.
    let mut off_by_one = token.clone().into_bytes();
    off_by_one[0] = if off_by_one[0] == b'A' { b'B' } else { b'A' };
    let off_by_one = String::from_utf8(off_by_one).expect("ascii");
    for forged in [off_by_one.as_str(), "A", &"A".repeat(43), &"x".repeat(600)] {
        let (status, body) = post("/v1/sync", Some(forged), pull.clone(), false);
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("unauthorized"))
        );
    }
    let res = client
        .post(format!("{base}/v1/sync"))
        .header("authorization", format!("Basic {token}"))
        .body(pull.clone())
        .send()
        .expect("answer");
    assert_eq!(res.status().as_u16(), 401, "only Bearer");

    // Revoked: the token replayed after revocation gets device_revoked, every time.
    let list = admin(dir.path(), &["device", "list"]);
    assert!(list.contains("abuse-a"), "{list}");
    admin(dir.path(), &["device", "revoke", "--device", "abuse-a"]);
    for _ in 0..3 {
        let (status, body) = post("/v1/sync", Some(&token), pull.clone(), false);
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("device_revoked"))
        );
    }
    // A second device enrols with a fresh code, for authenticated bad bodies.
    let (status, body) = enroll(&codes[1], "abuse-c");
    assert_eq!(status, 200, "{body}");
    let good = body["device_token"].as_str().expect("token").to_string();

    // Thousands of bad requests; memory must stay bounded.
    let bomb = gzip(&vec![b' '; 64 * 1024 * 1024]);
    let pid = server.id();
    let warm = |n: usize| {
        for i in 0..n {
            let _ = post(
                "/v1/sync",
                Some(good.as_str()),
                format!("{{\"protocol\":1,\"pull_limit\":{}}}", 1 + i % 5).into_bytes(),
                false,
            );
        }
    };
    warm(200);
    let before = rss_kib(pid);
    let mut answered = 0u32;
    let started = Instant::now();
    let rounds: u32 = std::env::var("STEADY_ABUSE_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(600);
    for round in 0..rounds {
        let cases: [BadRequest<'_>; 6] = [
            (
                "/v1/sync",
                Some(off_by_one.as_str()),
                pull.clone(),
                false,
                401,
            ),
            ("/v1/sync", Some(token.as_str()), pull.clone(), false, 403),
            (
                "/v1/sync",
                Some(good.as_str()),
                format!("{{\"protocol\":1,\"pull_limit\":{round}0000}}").into_bytes(),
                false,
                400,
            ),
            (
                "/v1/sync",
                Some(good.as_str()),
                b"{\"protocol\":1,".to_vec(),
                false,
                400,
            ),
            ("/v1/sync", Some(good.as_str()), bomb.clone(), true, 413),
            (
                "/v1/enroll",
                None,
                json!({"protocol": 1, "code": format!("ZZZZZZ-{round}"), "device_id": "x",
                       "device_label": "y"})
                .to_string()
                .into_bytes(),
                false,
                403,
            ),
        ];
        for (path, token, body, gz, want) in cases {
            let (status, _) = post(path, token, body, gz);
            assert!(
                status == want || (want == 400 && status == 413),
                "{path} round {round}: {status}, wanted {want}"
            );
            answered += 1;
        }
    }
    let after = rss_kib(pid);
    // The good device still syncs.
    assert_eq!(post("/v1/sync", Some(good.as_str()), pull, false).0, 200);
    server.kill().expect("stop");
    server.wait().expect("reaped");
    let grown = after.saturating_sub(before);
    println!(
        "{answered} bad requests in {:?}, all 4xx; server RSS {before} KiB -> {after} KiB (+{grown} KiB)",
        started.elapsed()
    );
    assert!(before > 0 && after > 0, "no /proc here");
    assert!(
        grown < 32 * 1024,
        "the server grew by {grown} KiB over {answered} bad requests"
    );
}
