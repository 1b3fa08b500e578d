//! The web console: where leads and PBS practitioners sign in at a desk to write support sheets,
//! manage enrolment, review incidents and see restrictive-practice figures.
//!
//! Served by `steady-server` under `/console` on the sync API's listener, as server-rendered
//! HTML that works without JavaScript (forms and links only) and loads nothing from elsewhere.
//! The console is a device: it reads and writes through its own steady-core replica
//! ([`replica`]), synced in-process by the same merge rules as every phone, so there is one
//! definition of the domain. Its own tables (leads, sessions, audit) are in [`store`].
//!
//! Security, in one place ([`guard`]): every page but sign-in needs a live session (else 303
//! to sign-in); every POST needs the session's CSRF token (else 403, nothing changed); every
//! answer carries a strict Content-Security-Policy (no script at all, styles only from
//! `/console/static/console.css`), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`
//! and `Cache-Control: no-store`. A lead sees only their units: any other unit's id, or any
//! record in one, is answered 404. Every view and change of personal data is written to the
//! console audit log (ids only). `docs/console.md` describes the whole.

pub mod accounts;
mod content;
pub mod counted;
pub mod figures;
mod handover;
mod images;
mod pages;
pub mod replica;
pub mod run_chart;
pub mod session;
mod sheet_form;
pub mod store;
pub mod subject_access;
mod views;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use governor::DefaultKeyedRateLimiter;
use steady_core::clock::Timestamp;

use self::replica::{Replica, ReplicaError};
use self::session::Session;
use self::store::{ConsoleAuditEntry, ConsoleStorage};
use crate::http::RateLimit;
use crate::storage::{Storage, StorageError};

/// The largest console form accepted (a sheet's text field is at most 4,000 characters).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// How the console runs.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Where its replica and key live (`<data dir>/console` by default).
    pub dir: PathBuf,
    /// Sign-in attempts per client address (`None`: unlimited, for tests).
    pub sign_in_per_ip: Option<RateLimit>,
    /// Mark the cookie `Secure` (the listener is not loopback).
    pub secure_cookie: bool,
    /// The URL devices use to reach this server (put in enrolment QR codes).
    pub server_url: String,
}

impl ConsoleConfig {
    /// The default limits: 10 sign-ins a minute per address, bursts of 5.
    pub fn new(dir: PathBuf, secure_cookie: bool, server_url: String) -> Self {
        ConsoleConfig {
            dir,
            sign_in_per_ip: Some(RateLimit {
                per_minute: 10,
                burst: 5,
            }),
            secure_cookie,
            server_url,
        }
    }
}

/// The running console.
pub struct Console<S> {
    storage: Arc<S>,
    replica: Arc<Replica<S>>,
    config: ConsoleConfig,
    sign_in_limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl<S: Storage + ConsoleStorage> Console<S> {
    /// Opens the console's replica (creating it on first start) and registers its device.
    pub async fn open(storage: Arc<S>, config: ConsoleConfig) -> Result<Arc<Self>, ReplicaError> {
        let replica = Replica::open(storage.clone(), &config.dir).await?;
        replica.catch_up_in_background();
        let sign_in_limiter = config.sign_in_per_ip.and_then(|r| {
            let per_minute = std::num::NonZeroU32::new(r.per_minute)?;
            let burst = std::num::NonZeroU32::new(r.burst)?;
            let quota = governor::Quota::with_period(
                std::time::Duration::from_secs(60) / per_minute.get(),
            )?
            .allow_burst(burst);
            Some(governor::RateLimiter::keyed(quota))
        });
        tracing::info!(device_id = replica.device_id(), "web console ready");
        Ok(Arc::new(Console {
            storage,
            replica,
            config,
            sign_in_limiter,
        }))
    }

    /// The replica (tests look at it).
    pub fn replica(&self) -> &Arc<Replica<S>> {
        &self.replica
    }

    /// Appends to the console audit log; a failure is logged and fails the request (a view
    /// that cannot be recorded is not shown).
    async fn audit(
        &self,
        session: &Session,
        action: &str,
        unit_id: &str,
        entity: &str,
        entity_ids: &[&str],
        detail: &str,
    ) -> Result<(), ConsoleError> {
        let at = Timestamp::now();
        let entries: Vec<ConsoleAuditEntry> = entity_ids
            .iter()
            .map(|id| ConsoleAuditEntry {
                seq: 0,
                at,
                lead_id: session.lead.lead_id.clone(),
                action: action.into(),
                unit_id: unit_id.into(),
                entity: entity.into(),
                entity_id: (*id).into(),
                detail: detail.into(),
            })
            .collect();
        self.storage.console_audit_append(&entries).await?;
        Ok(())
    }

    /// Appends one entry per unit of `unit_ids` (the unit itself viewed), in one write: a page
    /// over many units records each, without one round trip to the store a unit.
    async fn audit_units(
        &self,
        session: &Session,
        action: &str,
        unit_ids: &[String],
        detail: &str,
    ) -> Result<(), ConsoleError> {
        let at = Timestamp::now();
        let entries: Vec<ConsoleAuditEntry> = unit_ids
            .iter()
            .map(|id| ConsoleAuditEntry {
                seq: 0,
                at,
                lead_id: session.lead.lead_id.clone(),
                action: action.into(),
                unit_id: id.clone(),
                entity: "unit".into(),
                entity_id: id.clone(),
                detail: detail.into(),
            })
            .collect();
        self.storage.console_audit_append(&entries).await?;
        Ok(())
    }

    /// The console's routes (all under `/console`), with its guard and headers. The caller
    /// adds the server's own limits and logging.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/console", get(pages::units::<S>))
            .route("/console/", get(pages::units::<S>))
            .route(
                "/console/sign-in",
                get(pages::sign_in_form::<S>).post(pages::sign_in::<S>),
            )
            .route("/console/sign-out", post(pages::sign_out::<S>))
            .route("/console/static/console.css", get(pages::stylesheet))
            .route("/console/units/{unit}", get(pages::unit::<S>))
            .route(
                "/console/units/{unit}/people",
                get(pages::people::<S>).post(pages::add_person::<S>),
            )
            .route("/console/people/{person}", get(pages::person::<S>))
            .route("/console/people/{person}/text", post(pages::save_text::<S>))
            .route(
                "/console/people/{person}/sheet",
                post(sheet_form::save_sheet::<S>),
            )
            .route("/console/people/{person}/items", post(pages::add_item::<S>))
            .route(
                "/console/people/{person}/items/remove",
                post(pages::remove_item::<S>),
            )
            .route("/console/people/{person}/review", post(pages::review::<S>))
            .route(
                "/console/people/{person}/subject-access",
                get(pages::subject_access::<S>),
            )
            .route(
                "/console/units/{unit}/enrolment",
                get(pages::enrolment::<S>).post(pages::issue_code::<S>),
            )
            .route(
                "/console/units/{unit}/devices/end-grant",
                post(pages::end_grant::<S>),
            )
            .route(
                "/console/units/{unit}/devices/revoke",
                post(pages::revoke::<S>),
            )
            .route(
                "/console/units/{unit}/incidents",
                get(pages::incidents::<S>),
            )
            .route("/console/incidents/{incident}", get(pages::incident::<S>))
            .route(
                "/console/incidents/{incident}/addenda",
                post(pages::add_addendum::<S>),
            )
            .route(
                "/console/units/{unit}/dashboard",
                get(pages::dashboard::<S>),
            )
            .route(
                "/console/units/{unit}/bed-days",
                post(pages::set_bed_days::<S>),
            )
            .route(
                "/console/units/{unit}/proposals",
                get(pages::proposals::<S>),
            )
            .route(
                "/console/units/{unit}/proposals/accept",
                post(pages::accept_proposal::<S>),
            )
            .route(
                "/console/units/{unit}/proposals/decline",
                post(pages::decline_proposal::<S>),
            )
            .route("/console/units/{unit}/huddle", get(pages::huddle::<S>))
            .route(
                "/console/units/{unit}/huddle/notes",
                post(handover::add_note::<S>),
            )
            .route(
                "/console/units/{unit}/guidance",
                get(content::list::<S>).post(content::create::<S>),
            )
            .route(
                "/console/units/{unit}/guidance/{card}",
                get(content::edit_form::<S>).post(content::update::<S>),
            )
            .route(
                "/console/units/{unit}/guidance/{card}/retire",
                post(content::retire::<S>),
            )
            .route("/console/roll-up", get(pages::roll_up::<S>))
            .route("/console/units/{unit}/exports", get(pages::exports::<S>))
            .route(
                "/console/units/{unit}/exports/restrictive-interventions.csv",
                get(pages::interventions_csv::<S>),
            )
            .route(
                "/console/units/{unit}/exports/mhs505-restrictive-intervention-incident.csv",
                get(pages::mhs505_csv::<S>),
            )
            .route(
                "/console/units/{unit}/exports/mhs515-restrictive-intervention-type.csv",
                get(pages::mhs515_csv::<S>),
            )
            .route(
                "/console/units/{unit}/exports/restrictive-practice-summary.csv",
                get(pages::summary_csv::<S>),
            )
            .route(
                "/console/{*rest}",
                get(pages::not_found).post(pages::not_found),
            )
            .with_state(self.clone())
            .layer(from_fn_with_state(self.clone(), guard::<S>))
            .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
            .layer(from_fn(security_headers))
    }
}

/// What a console request can fail with, as the page it shows.
#[derive(Debug)]
pub enum ConsoleError {
    /// Not there, or not the lead's to see (the same answer).
    NotFound,
    /// A form without the right CSRF token.
    Forbidden,
    /// Input refused; the message says why (shown on the page).
    Invalid(String),
    /// The unit is the lead's to see, but the change needs a role the console does not hold
    /// there (the core refused it); the message says what.
    Refused(String),
    /// A submitted incident cannot change.
    Conflict(String),
    /// Sign in first.
    SignIn,
    /// Too many attempts.
    TooMany,
    /// Something failed inside (logged; the page says only that).
    Internal(String),
}

impl From<StorageError> for ConsoleError {
    fn from(e: StorageError) -> Self {
        ConsoleError::Internal(e.to_string())
    }
}

impl From<ReplicaError> for ConsoleError {
    fn from(e: ReplicaError) -> Self {
        match e {
            ReplicaError::Core(e) => ConsoleError::from(e),
            other => ConsoleError::Internal(other.to_string()),
        }
    }
}

impl From<steady_core::Error> for ConsoleError {
    fn from(e: steady_core::Error) -> Self {
        use steady_core::Error as E;
        match e {
            E::NotFound { .. } | E::NotAllowed(_) => ConsoleError::NotFound,
            E::Validation { .. } | E::IncompleteUseOfForce { .. } => {
                ConsoleError::Invalid(e.to_string())
            }
            E::Locked(_) => ConsoleError::Conflict(e.to_string()),
            other => ConsoleError::Internal(other.to_string()),
        }
    }
}

impl From<accounts::AccountError> for ConsoleError {
    fn from(e: accounts::AccountError) -> Self {
        ConsoleError::Internal(e.to_string())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            ConsoleError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or it is not in one of your units.".to_string(),
            ),
            ConsoleError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Refused",
                "This form was not sent from a page of your console session, so nothing was \
                 changed. Go back, reload the page and try again."
                    .to_string(),
            ),
            ConsoleError::Invalid(m) => (StatusCode::BAD_REQUEST, "Not saved", m),
            ConsoleError::Refused(m) => (StatusCode::FORBIDDEN, "Not allowed", m),
            ConsoleError::Conflict(m) => (StatusCode::CONFLICT, "Not saved", m),
            ConsoleError::TooMany => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many attempts from this address. Wait a minute and try again.".to_string(),
            ),
            ConsoleError::SignIn => {
                return (
                    StatusCode::SEE_OTHER,
                    [(header::LOCATION, "/console/sign-in")],
                )
                    .into_response();
            }
            ConsoleError::Internal(detail) => {
                tracing::error!(error = %detail, "console request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The console could not do that. Nothing was lost; try again in a moment."
                        .to_string(),
                )
            }
        };
        (
            status,
            axum::response::Html(views::message_page(title, &message).into_string()),
        )
            .into_response()
    }
}

/// Routes reached without a session.
fn public(path: &str) -> bool {
    path == "/console/sign-in" || path == "/console/static/console.css"
}

/// The client's address as the HTTP edge resolved it (`X-Forwarded-For` believed only from a
/// trusted proxy: `crate::http::limits::ClientIp`), else the TCP peer.
fn client_ip(request: &Request) -> IpAddr {
    if let Some(ip) = request.extensions().get::<crate::http::limits::ClientIp>() {
        return ip.0;
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}

fn cookie<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::cookie_value(h, name))
}

/// Reads a form body and returns its `csrf` field, rebuilding the request for the handler.
async fn csrf_of(request: Request) -> Result<(Option<String>, Request), ConsoleError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| ConsoleError::Invalid("the form is too large".into()))?;
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("multipart/form-data"))
        .map(str::to_string);
    let csrf = match multipart {
        // The guidance card forms carry a picture (content.rs).
        Some(content_type) => content::multipart_field(&content_type, bytes.clone(), "csrf").await,
        None => form_urlencoded_field(&bytes, "csrf"),
    };
    Ok((csrf, Request::from_parts(parts, Body::from(bytes))))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The console's gate: session (or 303), CSRF on every POST (or 403), sign-in rate limit.
async fn guard<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let is_post = request.method() == Method::POST;
    if public(&path) {
        if is_post && path == "/console/sign-in" {
            if let Some(limiter) = &console.sign_in_limiter
                && limiter.check_key(&client_ip(&request)).is_err()
            {
                tracing::warn!("console sign-ins over the per-address limit");
                return ConsoleError::TooMany.into_response();
            }
            let expected = cookie(&request, session::SIGN_IN_COOKIE).map(str::to_string);
            let (sent, rebuilt) = match csrf_of(request).await {
                Ok(x) => x,
                Err(e) => return e.into_response(),
            };
            let ok = matches!((&expected, &sent), (Some(e), Some(s)) if session::same_token(e, s));
            if !ok {
                return ConsoleError::Forbidden.into_response();
            }
            request = rebuilt;
        }
        return next.run(request).await;
    }
    let now = Timestamp::now();
    let Some(secret) = cookie(&request, session::COOKIE).map(str::to_string) else {
        return ConsoleError::SignIn.into_response();
    };
    let hash = crate::storage::hash_secret(&secret);
    let found = match console.storage.session_find(&hash).await {
        Ok(found) => found,
        Err(e) => return ConsoleError::from(e).into_response(),
    };
    let Some(stored) = found else {
        return ConsoleError::SignIn.into_response();
    };
    if stored.lead.disabled
        || !session::alive(
            stored.created_at,
            stored.last_seen_at,
            stored.expires_at,
            now,
        )
    {
        let _ = console.storage.session_delete(&hash, now).await;
        return ConsoleError::SignIn.into_response();
    }
    if is_post {
        let (sent, rebuilt) = match csrf_of(request).await {
            Ok(x) => x,
            Err(e) => return e.into_response(),
        };
        if !sent.is_some_and(|s| session::same_token(&s, &stored.csrf_token)) {
            tracing::warn!("console form without its session's token refused");
            return ConsoleError::Forbidden.into_response();
        }
        request = rebuilt;
    }
    if now.0 - stored.last_seen_at.0 >= session::TOUCH_AFTER_MS
        && let Err(e) = console.storage.session_touch(&hash, now).await
    {
        return ConsoleError::from(e).into_response();
    }
    request.extensions_mut().insert(Session {
        hash,
        lead: stored.lead,
        csrf: stored.csrf_token,
    });
    next.run(request).await
}

/// The headers every console answer carries.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
