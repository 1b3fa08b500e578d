//! The web console against a real server on loopback (`spawn_with_console_for_tests`), on the
//! embedded SQLite store and, when `STEADY_TEST_DATABASE_URL` is set, on PostgreSQL (a fresh
//! database per test, dropped after; skipped without one unless `STEADY_REQUIRE_POSTGRES=1`).
//!
//! What a lead does and what an attacker tries: sign-in (good, bad, lockout), forged forms
//! without or with a wrong CSRF token (403, nothing changed), a copied cookie after sign-out
//! (sent to sign-in), other units' ids (404), and the console as a device: a sheet edit in the
//! console reaches a real device replica through the core's sync engine over HTTP, and a
//! device's incident reaches the console's incident page and dashboard.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header;
use steady_core::clock::Timestamp;
use steady_core::codes::{IncidentTag, Role};
use steady_core::codes::{RestrictiveInterventionReason, RestrictiveInterventionType};
use steady_core::incident::{QuickCapture, UseOfForce};
use steady_core::sheet::SheetText;
use steady_core::units::UnitGrant;
use steady_core::{HttpTransport, StaffMember, Store, StoreKey};
use steady_server::console::accounts;
use steady_server::console::store::ConsoleStorage;
use steady_server::http::{self, Limits, RateLimit, TestServer};
use steady_server::storage::postgres::{PgStorage, with_database};
use steady_server::storage::sqlite::SqliteStorage;
use steady_server::storage::{Storage, Unit};

const HOME: &str = "oak-house";
const WARD: &str = "willow-ward";
const PASSWORD: &str = "a long enough password";
/// Sign-in attempts an address may make at once in these tests.
const SIGN_IN_BURST: u32 = 12;

/// A server with the console, two units, a lead for HOME only and a lead for both.
struct Fixture<S: Storage + ConsoleStorage> {
    _dir: tempfile::TempDir,
    storage: Arc<S>,
    server: TestServer,
    http: reqwest::Client,
    _db: Option<DropDb>,
}

/// Drops a PostgreSQL test database when the test ends.
struct DropDb {
    admin_url: String,
    database: String,
}

impl Drop for DropDb {
    fn drop(&mut self) {
        let (admin_url, database) = (self.admin_url.clone(), self.database.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(&admin_url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// reqwest is built without its `form` feature here: the body by hand.
trait FormBody {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body(self, pairs: &[(&str, &str)]) -> Self {
        self.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(pairs).expect("form"))
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

async fn setup<S: Storage + ConsoleStorage>(
    storage: Arc<S>,
    dir: tempfile::TempDir,
    db: Option<DropDb>,
) -> Fixture<S> {
    for (id, name, mh) in [(HOME, "Oak House", false), (WARD, "Willow Ward", true)] {
        storage
            .create_unit(&Unit {
                unit_id: id.into(),
                organisation: "Test Trust".into(),
                name: name.into(),
                mental_health_unit: mh,
            })
            .await
            .expect("unit");
    }
    let now = Timestamp::now();
    accounts::add_lead(
        storage.as_ref(),
        "home@example.org",
        "Hana Home",
        PASSWORD,
        &[HOME.into()],
        now,
    )
    .await
    .expect("lead");
    accounts::add_lead(
        storage.as_ref(),
        "ward@example.org",
        "Wyn Ward",
        PASSWORD,
        &[WARD.into()],
        now,
    )
    .await
    .expect("lead");
    let (server, _console) = http::spawn_with_console_for_tests(
        storage.clone(),
        Limits::unlimited(),
        dir.path().join("console"),
        // One new sign-in a minute after the burst: no test runs long enough for one to come
        // back, so the burst test cannot pass or fail by how fast the machine hashes passwords.
        Some(RateLimit {
            per_minute: 1,
            burst: SIGN_IN_BURST,
        }),
    )
    .await
    .expect("server");
    Fixture {
        _dir: dir,
        storage,
        server,
        http: client(),
        _db: db,
    }
}

async fn sqlite() -> Fixture<SqliteStorage> {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("data")).expect("open"));
    setup(storage, dir, None).await
}

async fn postgres() -> Option<Fixture<PgStorage>> {
    let admin_url = match std::env::var("STEADY_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert_ne!(
                std::env::var("STEADY_REQUIRE_POSTGRES").as_deref(),
                Ok("1"),
                "STEADY_REQUIRE_POSTGRES=1 but STEADY_TEST_DATABASE_URL is not set"
            );
            eprintln!("skipped: no PostgreSQL (run bash tests/run)");
            return None;
        }
    };
    let database = format!("steady_console_{}", uuid::Uuid::new_v4().simple());
    let (c, conn) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    c.batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .expect("create database");
    let db = DropDb {
        admin_url: admin_url.clone(),
        database: database.clone(),
    };
    let storage = Arc::new(
        PgStorage::connect(&with_database(&admin_url, &database))
            .await
            .expect("connect store"),
    );
    Some(setup(storage, tempfile::tempdir().expect("tempdir"), Some(db)).await)
}

/// A browser's view of one lead: their cookie and the last CSRF token seen.
struct Browser<'a, S: Storage + ConsoleStorage> {
    f: &'a Fixture<S>,
    cookie: Option<String>,
}

fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_string())
}

fn session_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

impl<S: Storage + ConsoleStorage> Fixture<S> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// Signs in; `None` when refused (the page says so).
    async fn sign_in(&self, email: &str, password: &str) -> Option<Browser<'_, S>> {
        let form = self
            .http
            .get(self.url("/console/sign-in"))
            .send()
            .await
            .expect("form");
        assert_eq!(form.status(), StatusCode::OK);
        let pre = session_cookie(&form, "steady_console_sign_in").expect("sign-in cookie");
        let token = csrf_in(&form.text().await.expect("html")).expect("token");
        let response = self
            .http
            .post(self.url("/console/sign-in"))
            .header(header::COOKIE, format!("steady_console_sign_in={pre}"))
            .form_body(&[
                ("csrf", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("sign in");
        if response.status() == StatusCode::SEE_OTHER {
            let full = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.starts_with("steady_console="))
                .expect("session cookie")
                .to_string();
            assert!(
                full.contains("; HttpOnly")
                    && full.contains("; SameSite=Strict")
                    && full.contains("; Path=/console")
                    && !full.contains("Secure"),
                "{full}: not Secure on loopback only"
            );
            let cookie = session_cookie(&response, "steady_console").expect("session cookie");
            Some(Browser {
                f: self,
                cookie: Some(cookie),
            })
        } else {
            assert_eq!(response.status(), StatusCode::OK);
            let html = response.text().await.expect("html");
            assert!(html.contains("Email or password not recognised."), "{html}");
            None
        }
    }
}

impl<S: Storage + ConsoleStorage> Browser<'_, S> {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let mut r = self.f.http.get(self.f.url(path));
        if let Some(c) = &self.cookie {
            r = r.header(header::COOKIE, format!("steady_console={c}"));
        }
        let response = r.send().await.expect("get");
        let status = response.status();
        if status == StatusCode::SEE_OTHER {
            let to = response.headers()[header::LOCATION]
                .to_str()
                .unwrap_or("")
                .to_string();
            return (status, to);
        }
        (status, response.text().await.expect("body"))
    }

    async fn csrf(&self) -> String {
        let (status, html) = self.get("/console").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        csrf_in(&html).expect("csrf")
    }

    /// Issues an enrolment code for `role` in `unit` through the enrolment page, as a lead does.
    async fn enrolment_code(&self, unit: &str, role: &str) -> String {
        let csrf = self.csrf().await;
        let (status, html) = self
            .post(
                &format!("/console/units/{unit}/enrolment"),
                &[("csrf", &csrf), ("role", role)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("aria-label=\"QR code for the enrolment code\""));
        let at = html.find("data-testid=\"enrolment-code\">").expect("code") + 29;
        html[at..].split('<').next().expect("code").to_string()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let mut r = self.f.http.post(self.f.url(path)).form_body(form);
        if let Some(c) = &self.cookie {
            r = r.header(header::COOKIE, format!("steady_console={c}"));
        }
        let response = r.send().await.expect("post");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response.text().await.expect("body");
        (
            status,
            if status == StatusCode::SEE_OTHER {
                location
            } else {
                body
            },
        )
    }
}

macro_rules! both_back_ends {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(super::sqlite().await).await; })*
        }
        mod postgres_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                if let Some(f) = super::postgres().await { super::$name(f).await; }
            })*
        }
    };
}

both_back_ends!(
    a_lead_cannot_wipe_a_phone_that_also_works_in_another_unit,
    a_lead_signs_in_and_a_wrong_password_or_stranger_is_told_the_same,
    five_wrong_passwords_lock_the_account_for_fifteen_minutes,
    forged_forms_are_refused_and_change_nothing,
    a_copied_cookie_stops_working_after_sign_out,
    another_units_ids_are_not_found,
    a_console_edit_reaches_a_phone_and_a_phones_incident_reaches_the_console,
    a_long_incident_list_comes_in_pages_and_names_every_incomplete_use_of_force,
    sign_in_attempts_beyond_the_per_address_limit_get_429,
    exports_follow_mhsds_and_subject_access_redacts,
    the_dashboard_shows_rates_per_bed_days_run_charts_and_a_roll_up,
    a_phones_proposal_is_accepted_or_declined_in_the_console,
    the_huddle_lists_the_people_with_events_drafts_and_overdue_sheets,
    a_phones_handover_note_is_in_the_console_huddle_and_a_leads_reaches_the_phone,
    the_sheet_is_one_form_saved_once_and_a_newer_change_is_never_lost,
);

#[path = "console/exports.rs"]
mod exports;
use exports::exports_follow_mhsds_and_subject_access_redacts;

#[path = "console/dashboard.rs"]
mod dashboard;
use dashboard::the_dashboard_shows_rates_per_bed_days_run_charts_and_a_roll_up;

#[path = "console/sheet_form.rs"]
mod sheet_form;
use sheet_form::the_sheet_is_one_form_saved_once_and_a_newer_change_is_never_lost;

#[path = "console/handover.rs"]
mod handover;
use handover::a_phones_handover_note_is_in_the_console_huddle_and_a_leads_reaches_the_phone;

#[path = "console/plans.rs"]
mod plans;
use plans::{
    a_phones_proposal_is_accepted_or_declined_in_the_console,
    the_huddle_lists_the_people_with_events_drafts_and_overdue_sheets,
};

async fn a_lead_signs_in_and_a_wrong_password_or_stranger_is_told_the_same<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    assert!(
        f.sign_in("home@example.org", "not the password")
            .await
            .is_none()
    );
    assert!(f.sign_in("nobody@example.org", PASSWORD).await.is_none());
    let lead = f
        .sign_in("HOME@example.org ", PASSWORD)
        .await
        .expect("signed in");
    let page = f
        .http
        .get(f.url("/console"))
        .header(
            header::COOKIE,
            format!("steady_console={}", lead.cookie.as_deref().unwrap_or("")),
        )
        .send()
        .await
        .expect("page");
    let h = page.headers();
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().expect("csp");
    assert!(
        csp.starts_with("default-src 'self'") && csp.contains("script-src 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.expect("html");
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "no inline script or style"
    );
    let (status, html) = lead.get("/console").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Your units") && html.contains("Oak House"),
        "{html}"
    );
    assert!(!html.contains("Willow Ward"), "only the lead's units");
    // Signed out: every page but sign-in sends you to sign in.
    let stranger = Browser {
        f: &f,
        cookie: None,
    };
    for path in [
        "/console",
        &format!("/console/units/{HOME}/people"),
        "/console/people/x",
    ] {
        let (status, to) = stranger.get(path).await;
        assert_eq!(
            (status, to.as_str()),
            (StatusCode::SEE_OTHER, "/console/sign-in"),
            "{path}"
        );
    }
    // A disabled lead's session ends.
    f.storage
        .lead_disable("home@example.org", Timestamp::now())
        .await
        .expect("disable");
    assert_eq!(lead.get("/console").await.0, StatusCode::SEE_OTHER);
    assert!(f.sign_in("home@example.org", PASSWORD).await.is_none());
}

async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes<S: Storage + ConsoleStorage>(
    f: Fixture<S>,
) {
    for _ in 0..accounts::MAX_FAILED_SIGN_INS {
        assert!(
            f.sign_in("home@example.org", "wrong password!")
                .await
                .is_none()
        );
    }
    // Locked: even the right password is refused, with the same words.
    assert!(f.sign_in("home@example.org", PASSWORD).await.is_none());
    let lead = f
        .storage
        .lead_by_email("home@example.org")
        .await
        .expect("read")
        .expect("lead");
    let until = lead.locked_until.expect("locked");
    let left = until.0 - Timestamp::now().0;
    assert!(
        (accounts::LOCKOUT_MS - 60_000..=accounts::LOCKOUT_MS).contains(&left),
        "{left}"
    );
    // Another lead is not affected.
    assert!(f.sign_in("ward@example.org", PASSWORD).await.is_some());
}

async fn person_named<S: Storage + ConsoleStorage>(
    lead: &Browser<'_, S>,
    unit: &str,
    name: &str,
) -> String {
    let csrf = lead.csrf().await;
    let (status, to) = lead
        .post(
            &format!("/console/units/{unit}/people"),
            &[("csrf", &csrf), ("display_name", name)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    to.trim_start_matches("/console/people/").to_string()
}

/// A phone: the core's own engine over HTTP, enrolled with `code` (call off the async runtime).
fn enrolled_phone(
    dir: &std::path::Path,
    url: &str,
    code: &str,
) -> (Store, HttpTransport, Vec<UnitGrant>) {
    let store = Store::open(
        dir.join("phone.db"),
        &StoreKey::from_bytes(&[7; 32]).expect("key"),
    )
    .expect("phone store");
    store
        .set_staff_member(StaffMember {
            name: "Alex Morgan".into(),
            job_title: "Support worker".into(),
        })
        .expect("staff");
    let transport = HttpTransport::new(url).expect("transport");
    let grants = store.enroll(&transport, code).expect("enrolled");
    (store, transport, grants)
}

/// A three-minute standing hold from `start`, with every s.6(5) item but (h): no staff named.
fn standing_hold_with_no_staff_named(start: Timestamp) -> UseOfForce {
    UseOfForce {
        id: String::new(),
        intervention: RestrictiveInterventionType::PhysicalStanding,
        reason: Some(RestrictiveInterventionReason::PreventAccidentalSeriousSelfInjury),
        started_at: Some(start),
        ended_at: Some(start.plus_minutes(3)),
        in_care_plan: Some(true),
        how_force_was_used: "Two staff, standing hold".into(),
        staff: vec![],
        contraindication_override: None,
    }
}

async fn forged_forms_are_refused_and_change_nothing<S: Storage + ConsoleStorage>(f: Fixture<S>) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Sam Tester").await;
    let path = format!("/console/people/{person}/text");
    let field = SheetText::HowToSupportMe.key();
    for forged in [
        vec![("field", field), ("text", "FORGED")],
        vec![
            ("csrf", "not-the-token"),
            ("field", field),
            ("text", "FORGED"),
        ],
        vec![("csrf", ""), ("field", field), ("text", "FORGED")],
    ] {
        let (status, _) = lead.post(&path, &forged).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Another session's token is not this session's.
    let other = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("second session");
    let other_token = other.csrf().await;
    let (status, _) = lead
        .post(
            &path,
            &[("csrf", &other_token), ("field", field), ("text", "FORGED")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, html) = lead.get(&format!("/console/people/{person}")).await;
    assert!(!html.contains("FORGED"));
    // The real token works.
    let csrf = lead.csrf().await;
    let (status, to) = lead
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("field", field),
                ("text", "Give me time to answer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = lead.get(&to).await;
    assert!(
        html.contains("Saved.") && html.contains("Give me time to answer"),
        "{html}"
    );
    // A sign-in form without its own token is refused too.
    let response = f
        .http
        .post(f.url("/console/sign-in"))
        .form_body(&[("email", "home@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn a_copied_cookie_stops_working_after_sign_out<S: Storage + ConsoleStorage>(f: Fixture<S>) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let stolen = Browser {
        f: &f,
        cookie: lead.cookie.clone(),
    };
    assert_eq!(stolen.get("/console").await.0, StatusCode::OK);
    let csrf = lead.csrf().await;
    let (status, to) = lead.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/console/sign-in")
    );
    let (status, to) = stolen.get(&format!("/console/units/{HOME}/people")).await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/console/sign-in")
    );
    let (status, _) = stolen.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn another_units_ids_are_not_found<S: Storage + ConsoleStorage>(f: Fixture<S>) {
    let ward = f
        .sign_in("ward@example.org", PASSWORD)
        .await
        .expect("ward lead");
    let ward_person = person_named(&ward, WARD, "Priya Ward").await;
    let home = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("home lead");
    let home_person = person_named(&home, HOME, "Sam Home").await;
    for path in [
        format!("/console/units/{WARD}"),
        format!("/console/units/{WARD}/people"),
        format!("/console/units/{WARD}/incidents"),
        format!("/console/units/{WARD}/dashboard?month=2026-11"),
        format!("/console/units/{WARD}/enrolment"),
        format!("/console/units/{WARD}/exports"),
        format!(
            "/console/units/{WARD}/exports/restrictive-interventions.csv?from=2026-01-01&to=2026-12-31"
        ),
        format!("/console/people/{ward_person}"),
        format!("/console/people/{ward_person}/subject-access"),
        "/console/incidents/no-such-incident".to_string(),
        "/console/units/no-such-unit".to_string(),
    ] {
        let (status, _) = home.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let csrf = home.csrf().await;
    let (status, _) = home
        .post(
            &format!("/console/people/{ward_person}/text"),
            &[
                ("csrf", &csrf),
                ("field", SheetText::WhoToCall.key()),
                ("text", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = home
        .post(
            &format!("/console/units/{WARD}/enrolment"),
            &[("csrf", &csrf), ("role", "editor")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        home.get(&format!("/console/people/{home_person}")).await.0,
        StatusCode::OK
    );
}

/// A phone enrolled straight into `grants` (unit, role) by the storage; returns its token hash.
async fn phone_in<S: Storage + ConsoleStorage>(
    f: &Fixture<S>,
    device_id: &str,
    grants: &[(&str, Role)],
) -> String {
    let specs = grants
        .iter()
        .map(|(unit, role)| steady_server::storage::GrantSpec {
            unit_id: unit.to_string(),
            role: *role,
            ends_at: None,
        })
        .collect();
    let now = Timestamp::now();
    let issued = steady_server::admin::issue_code(
        f.storage.as_ref(),
        specs,
        Duration::from_secs(600),
        3,
        now,
    )
    .await
    .expect("code");
    let (code_id, secret) = steady_server::admin::parse_code(&issued.code).expect("code");
    let token_hash = steady_server::storage::hash_secret(&format!("token-{device_id}"));
    let device = steady_server::storage::NewDevice {
        device_id: device_id.into(),
        token_hash: token_hash.clone(),
        label: "Bank Worker (synthetic), Nurse".into(),
        staff: Some(("Bank Worker (synthetic)".into(), "Nurse".into())),
    };
    f.storage
        .redeem_code(
            &code_id,
            &steady_server::storage::hash_secret(&secret),
            &device,
            now,
        )
        .await
        .expect("redeem");
    token_hash
}

async fn a_lead_cannot_wipe_a_phone_that_also_works_in_another_unit<S: Storage + ConsoleStorage>(
    f: Fixture<S>,
) {
    // A bank nurse's phone works in Oak House and Willow Ward; Oak House's lead has only theirs.
    let bank = phone_in(
        &f,
        "bank-phone",
        &[(HOME, Role::Reader), (WARD, Role::Reader)],
    )
    .await;
    let own = phone_in(&f, "home-phone", &[(HOME, Role::Reader)]).await;
    let home = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("home lead");
    let revoked = |hash: String| {
        let storage = f.storage.clone();
        async move {
            storage
                .authenticate(&hash)
                .await
                .expect("auth")
                .expect("device")
                .revoked
        }
    };
    let csrf = home.csrf().await;
    let revoke = format!("/console/units/{HOME}/devices/revoke");
    let (status, body) = home
        .post(&revoke, &[("csrf", &csrf), ("device_id", "bank-phone")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("also works in a unit that is not yours"),
        "{body}"
    );
    assert!(
        !revoked(bank.clone()).await,
        "Willow Ward's records stay on the phone"
    );
    // Ending its grant here is theirs to do; and then there is nothing here left to revoke.
    let (status, _) = home
        .post(
            &format!("/console/units/{HOME}/devices/end-grant"),
            &[("csrf", &csrf), ("device_id", "bank-phone")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, body) = home
        .post(&revoke, &[("csrf", &csrf), ("device_id", "bank-phone")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(!revoked(bank).await);
    // A phone that works only in Oak House is theirs to revoke.
    let (status, _) = home
        .post(&revoke, &[("csrf", &csrf), ("device_id", "home-phone")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(revoked(own).await);
}

async fn a_console_edit_reaches_a_phone_and_a_phones_incident_reaches_the_console<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Sam Brightwell").await;
    let csrf = lead.csrf().await;
    let (status, _) = lead
        .post(
            &format!("/console/people/{person}/items"),
            &[
                ("csrf", &csrf),
                ("list", "amber.what_helps"),
                ("text", "A walk in the garden"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The enrolment page issues a code through the existing path.
    let code = lead.enrolment_code(HOME, "editor").await;

    // A phone: the core's own engine over HTTP.
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let person_id = person.clone();
    let (incident_id, phone_id) = tokio::task::spawn_blocking(move || {
        let (store, transport, grants) = enrolled_phone(dir.path(), &url, &code);
        assert_eq!(grants[0].role, Role::Editor);
        store.sync(&transport).expect("sync");
        let card = store.amber_card(&person_id).expect("card");
        assert!(
            card.what_helps
                .iter()
                .any(|i| i.text == "A walk in the garden"),
            "{card:?}"
        );
        let id = store
            .capture_incident(QuickCapture {
                unit_id: HOME.into(),
                note: "Shouting in the lounge, calmed with a walk".into(),
                person_id: Some(person_id.clone()),
                tags: vec![
                    IncidentTag::VerbalAggression,
                    IncidentTag::DeescalatedSuccessfully,
                ],
                ..QuickCapture::default()
            })
            .expect("capture");
        store.submit_incident(&id).expect("submit");
        // A second incident, a draft, with a standing hold.
        let held = store
            .capture_incident(QuickCapture {
                unit_id: HOME.into(),
                note: "Held briefly to stop a fall".into(),
                person_id: Some(person_id.clone()),
                ..QuickCapture::default()
            })
            .expect("capture");
        store
            .add_use_of_force(
                &held,
                standing_hold_with_no_staff_named(Timestamp::now().plus_minutes(-5)),
            )
            .expect("use of force");
        let report = store.sync(&transport).expect("sync");
        // The phone's own audit trail (the card viewed, the incidents written) reached the
        // server with the sync.
        assert_eq!(report.audit_problem, None);
        assert!(report.audit_sent > 0, "{report:?}");
        (id, store.device_id().to_string())
    })
    .await
    .expect("phone");

    let (status, html) = lead.get(&format!("/console/units/{HOME}/incidents")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/console/incidents/{incident_id}")) && html.contains("Submitted")
    );
    // The draft with a standing hold and no staff named shows, in the list, what s.6(5) still
    // lacks: (h), the staff who used force.
    let lacking = html
        .split("s.6(5) missing ")
        .nth(1)
        .and_then(|rest| rest.split("</strong>").next())
        .unwrap_or_else(|| panic!("no s.6(5) gap in the list: {html}"));
    assert!(lacking.contains("(h)"), "{lacking}");
    let (status, html) = lead.get(&format!("/console/incidents/{incident_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Shouting in the lounge") && html.contains("Add addendum"),
        "{html}"
    );
    let csrf = lead.csrf().await;
    let (status, _) = lead
        .post(
            &format!("/console/incidents/{incident_id}/addenda"),
            &[
                ("csrf", &csrf),
                ("reason", "Review"),
                ("text", "Reviewed with the team"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = lead.get(&format!("/console/incidents/{incident_id}")).await;
    assert!(
        html.contains("Reviewed with the team") && html.contains("Hana Home"),
        "{html}"
    );

    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let (status, html) = lead
        .get(&format!("/console/units/{HOME}/dashboard?month={month}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let table = &html[html.find("data-testid=\"month-figures\"").expect("figures")..];
    // The de-escalation that worked is its own series, not an incident: only the hold is.
    assert!(
        table.contains("<th scope=\"row\">Incidents</th><td>1</td>"),
        "{table}"
    );
    assert!(
        table.contains("<th scope=\"row\">Successful de-escalations</th><td>1</td>"),
        "{table}"
    );

    assert!(
        table.contains("<th scope=\"row\">Uses of force</th><td>1</td>"),
        "{table}"
    );
    let today = chrono::Utc::now().date_naive();
    let (status, csv) = lead
        .get(&format!(
            "/console/units/{HOME}/exports/restrictive-interventions.csv?from={}&to={}",
            today - chrono::Duration::days(1),
            today
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("unit_id,unit_name,incident_id"),
        "{csv}"
    );
    assert!(
        lines[1].contains(",07,") && lines[1].contains(",12,"),
        "{csv}"
    );
    assert!(
        !csv.contains("Sam Brightwell"),
        "names never appear in the CSV"
    );

    // The subject-access export holds the person, the incident and who looked.
    let (status, json) = lead
        .get(&format!("/console/people/{person}/subject-access"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(doc["person"]["display_name"], "Sam Brightwell");
    assert_eq!(doc["incidents"].as_array().map(Vec::len), Some(2));
    assert!(
        doc["console_audit"]
            .as_array()
            .is_some_and(|a| a.iter().any(|e| e["action"] == "addendum"))
    );
    let audit = doc["console_audit"].as_array().expect("console audit");
    for action in ["create", "change", "view", "addendum"] {
        assert!(
            audit
                .iter()
                .any(|e| e["action"] == action && e["entity_id"] == person.as_str())
                || action == "addendum",
            "{action}: {audit:?}"
        );
    }
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "view" && e["entity_id"] == incident_id.as_str())
    );
    // Nothing of the content is in the console audit log.
    assert!(!json.contains("\"detail\": \"Reviewed with the team\""));
    // The phone's own trail: who viewed the person's card on which phone, and the incidents
    // it wrote about them, each with the device that recorded it; staff named by role.
    let device_audit = doc["device_audit"]["events"]
        .as_array()
        .expect("device audit");
    assert!(
        device_audit
            .iter()
            .any(|e| e["device_id"] == phone_id.as_str()
                && e["action"] == "view"
                && e["entity"] == "sheet"
                && e["entity_id"] == person.as_str()),
        "{device_audit:?}"
    );
    assert!(
        device_audit
            .iter()
            .any(|e| e["entity_id"] == incident_id.as_str() && e["action"] == "submit"),
        "{device_audit:?}"
    );
    assert!(
        device_audit.iter().all(|e| e["actor"] != "Alex Morgan"),
        "{device_audit:?}"
    );
}

/// How many incidents the phone records for the paging test: two full pages and five more.
const MANY_INCIDENTS: usize = 205;

async fn a_long_incident_list_comes_in_pages_and_names_every_incomplete_use_of_force<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let code = lead.enrolment_code(HOME, "reader").await;

    // A year on a busy unit, shortened: a phone records MANY_INCIDENTS incidents a minute apart
    // (ids[0] the newest). One old one, on the second page, has a hold with no staff named.
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let (ids, incomplete) = tokio::task::spawn_blocking(move || {
        let (store, transport, _) = enrolled_phone(dir.path(), &url, &code);
        let newest = Timestamp::now().plus_minutes(-1);
        let mut ids = Vec::new();
        for i in 0..MANY_INCIDENTS {
            let id = store
                .capture_incident(QuickCapture {
                    unit_id: HOME.into(),
                    note: format!("Synthetic incident {i}"),
                    occurred_at: Some(newest.plus_minutes(-(i as i64))),
                    ..QuickCapture::default()
                })
                .expect("capture");
            ids.push(id);
        }
        let incomplete = ids[150].clone();
        store
            .add_use_of_force(
                &incomplete,
                standing_hold_with_no_staff_named(newest.plus_minutes(-150)),
            )
            .expect("use of force");
        store.sync(&transport).expect("sync");
        (ids, incomplete)
    })
    .await
    .expect("phone");
    let link = |id: &str| format!("href=\"/console/incidents/{id}\"");
    let base = format!("/console/units/{HOME}/incidents");

    // Page 1: the hundred newest, a way to older ones, and the incomplete hold named although
    // its row is on page 2.
    let (status, html) = lead.get(&base).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Showing 1–100 of 205"), "{html}");
    for (i, id) in ids.iter().enumerate() {
        if *id != incomplete {
            assert_eq!(html.contains(&link(id)), i < 100, "incident {i} on page 1");
        }
    }
    let alert = &html[html.find("data-testid=\"s65-incomplete\"").expect("alert")..];
    assert!(alert.starts_with("data-testid=\"s65-incomplete\"><p><strong>1 use of force"));
    assert!(alert.contains(&link(&incomplete)), "{alert}");
    assert!(html.contains(&format!("href=\"{base}?page=2\" rel=\"next\"")));
    assert!(!html.contains("rel=\"prev\""));

    // Page 2 shows the hold's own row with its gap.
    let (_, html) = lead.get(&format!("{base}?page=2")).await;
    assert!(html.contains("Showing 101–200 of 205"), "{html}");
    let row = &html[html.rfind(&link(&incomplete)).expect("row")..];
    assert!(row.contains("s.6(5) missing "), "{row}");

    // The last page, also where a page past the end lands.
    for asked in ["3", "99"] {
        let (status, html) = lead.get(&format!("{base}?page={asked}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Showing 201–205 of 205"), "{html}");
        for (i, id) in ids.iter().enumerate() {
            if *id != incomplete {
                assert_eq!(html.contains(&link(id)), i >= 200, "incident {i} on page 3");
            }
        }
        assert!(html.contains(&format!("href=\"{base}?page=2\" rel=\"prev\"")));
        assert!(!html.contains("rel=\"next\""));
    }
    for bad in ["0", "-1", "two"] {
        let (status, html) = lead.get(&format!("{base}?page={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={bad}");
        assert!(
            html.contains("page must be a whole number from 1"),
            "{html}"
        );
    }
}

async fn sign_in_attempts_beyond_the_per_address_limit_get_429<S: Storage + ConsoleStorage>(
    f: Fixture<S>,
) {
    let form = f
        .http
        .get(f.url("/console/sign-in"))
        .send()
        .await
        .expect("form");
    let pre = session_cookie(&form, "steady_console_sign_in").expect("cookie");
    let mut statuses = Vec::new();
    for _ in 0..=SIGN_IN_BURST {
        let response = f
            .http
            .post(f.url("/console/sign-in"))
            .header(header::COOKIE, format!("steady_console_sign_in={pre}"))
            .form_body(&[
                ("csrf", pre.as_str()),
                ("email", "stranger@example.org"),
                ("password", "guessing guessing"),
            ])
            .send()
            .await
            .expect("post");
        statuses.push(response.status());
    }
    assert!(
        statuses[..SIGN_IN_BURST as usize]
            .iter()
            .all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[SIGN_IN_BURST as usize],
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// `lead add` reads the password from standard input, refuses a short one, and the account it
/// makes signs in to a running server; `lead list` and `lead disable` see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lead_commands_make_list_and_disable_accounts() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let f = sqlite().await;
    let data = f._dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_steady-server");
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(bin)
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("output")
    };
    let add = [
        "lead",
        "add",
        "--email",
        "Dana@Example.org",
        "--name",
        "Dana Whitfield",
        "--unit",
        HOME,
        "--unit",
        WARD,
        "--password-stdin",
    ];
    let short = run(&add, "too short\n");
    assert_eq!(short.status.code(), Some(2), "{short:?}");
    let added = run(&add, "a password of some length\n");
    assert!(added.status.success(), "{added:?}");
    let again = run(&add, "a password of some length\n");
    assert_eq!(again.status.code(), Some(1), "the email is taken");
    let lead = f
        .sign_in("dana@example.org", "a password of some length")
        .await
        .expect("signs in");
    let (_, html) = lead.get("/console").await;
    assert!(
        html.contains("Oak House") && html.contains("Willow Ward"),
        "{html}"
    );
    let list = run(&["lead", "list"], "");
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("dana@example.org\tDana Whitfield\toak-house,willow-ward\tactive"),
        "{text}"
    );
    assert!(!text.contains("argon2"), "no hash is printed");
    // A unit whose first lead is added while the server runs reaches the console's replica.
    f.storage
        .create_unit(&Unit {
            unit_id: "new-unit".into(),
            organisation: "Test Trust".into(),
            name: "New Unit".into(),
            mental_health_unit: false,
        })
        .await
        .expect("unit");
    let first = run(
        &[
            "lead",
            "add",
            "--email",
            "new@example.org",
            "--name",
            "Nia New",
            "--unit",
            "new-unit",
            "--password-stdin",
        ],
        "another long password\n",
    );
    assert!(first.status.success(), "{first:?}");
    let nia = f
        .sign_in("new@example.org", "another long password")
        .await
        .expect("signs in");
    let person = person_named(&nia, "new-unit", "Robin New").await;
    assert_eq!(
        nia.get(&format!("/console/people/{person}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        nia.get("/console/units/new-unit/people").await.0,
        StatusCode::OK
    );
    assert!(
        run(&["lead", "disable", "--email", "dana@example.org"], "")
            .status
            .success()
    );
    assert_eq!(lead.get("/console").await.0, StatusCode::SEE_OTHER);
}

/// A console directory pointed at another server store starts afresh: the replica's cursor
/// and records belong to the store it was made for.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_console_replica_moved_to_another_store_starts_afresh() {
    let first = sqlite().await;
    let lead = first
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Only In The First Store").await;
    let shared = first._dir.path().join("console");
    let store_id = std::fs::read_to_string(shared.join("store-id")).expect("marker");
    first.server.stop().await.expect("stop");

    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("data")).expect("open"));
    for id in [HOME, WARD] {
        storage
            .create_unit(&Unit {
                unit_id: id.into(),
                organisation: "Test Trust".into(),
                name: format!("Unit {id}"),
                mental_health_unit: false,
            })
            .await
            .expect("unit");
    }
    accounts::add_lead(
        storage.as_ref(),
        "home@example.org",
        "Hana Home",
        PASSWORD,
        &[HOME.into()],
        Timestamp::now(),
    )
    .await
    .expect("lead");
    let (server, _) = http::spawn_with_console_for_tests(
        storage.clone(),
        Limits::unlimited(),
        shared.clone(),
        None,
    )
    .await
    .expect("server");
    assert_ne!(
        std::fs::read_to_string(shared.join("store-id")).expect("marker"),
        store_id
    );
    let second = Fixture {
        _dir: dir,
        storage,
        server,
        http: client(),
        _db: None,
    };
    let lead = second
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let (status, html) = lead.get(&format!("/console/units/{HOME}/people")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Only In The First Store"), "{html}");
    assert_eq!(
        lead.get(&format!("/console/people/{person}")).await.0,
        StatusCode::NOT_FOUND
    );
}
