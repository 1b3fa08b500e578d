//! The endpoints: health, enrolment, an enrolled device's next placement, sync (push, then
//! pull, in one round trip), and the device's audit trail.
//!
//! Each request is logged once (by the trace layer) with what is safe to log: the device id,
//! how many operations were pushed and how they fared, how many changes were pulled, and the
//! status. Bodies, codes, tokens, field values and labels are never logged.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header;
use steady_core::clock::Timestamp;
use steady_core::protocol::{
    AuditPushRequest, AuditPushResponse, EnrollRequest, EnrollResponse, GrantsRequest,
    GrantsResponse, HealthResponse, MAX_ID_BYTES, OpOutcome, PROTOCOL_VERSION, SyncRequest,
    SyncResponse,
};
use steady_core::record_schema;

use super::body::read_json;
use super::error::ApiError;
use super::limits::{Limiters, Limits};
use crate::audit_log::AuditAppend;
use crate::storage::{Cursor, NewDevice, Redeemed, Refusal, Storage, hash_secret};
use crate::{admin, exchange};

/// What every handler shares.
pub struct App<S> {
    /// The store.
    pub storage: Arc<S>,
    /// The configured limits.
    pub limits: Arc<Limits>,
    /// The live rate limiters.
    pub limiters: Arc<Limiters>,
}

impl<S> Clone for App<S> {
    fn clone(&self) -> Self {
        App {
            storage: self.storage.clone(),
            limits: self.limits.clone(),
            limiters: self.limiters.clone(),
        }
    }
}

/// The longest device label accepted, in characters.
const MAX_LABEL_CHARS: usize = 200;

fn record(field: &'static str, value: impl tracing::Value) {
    tracing::Span::current().record(field, value);
}

/// `GET /v1/health`: answers when the server and its store do.
pub async fn health<S: Storage>(
    State(app): State<App<S>>,
) -> Result<Json<HealthResponse>, ApiError> {
    app.storage.health().await.map_err(ApiError::internal)?;
    Ok(Json(HealthResponse {
        status: "ok".into(),
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

fn check_protocol(protocol: u32) -> Result<(), ApiError> {
    if protocol == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "protocol: this server speaks version {PROTOCOL_VERSION}"
        )))
    }
}

/// `POST /v1/enroll`: redeems an enrolment code for a device token.
pub async fn enroll<S: Storage>(
    State(app): State<App<S>>,
    request: Request,
) -> Result<Json<EnrollResponse>, ApiError> {
    let req: EnrollRequest = read_json(request, app.limits.body_bytes).await?;
    check_protocol(req.protocol)?;
    // Taken exactly as sent: it must match the id the device stamps its changes with.
    let device_id = req.device_id.as_str();
    if device_id.is_empty()
        || device_id.len() > MAX_ID_BYTES
        || device_id.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(format!(
            "device_id: must be 1 to {MAX_ID_BYTES} bytes with no control characters"
        )));
    }
    let label = req.device_label.trim();
    if label.is_empty()
        || label.chars().count() > MAX_LABEL_CHARS
        || label.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(format!(
            "device_label: must be 1 to {MAX_LABEL_CHARS} characters with no control characters"
        )));
    }
    // Whom the device is enrolled for: the authors its records may name (the record schema
    // binds them; a body cannot choose them later).
    for (field, value) in [
        ("staff_name", &req.staff_name),
        ("staff_job_title", &req.staff_job_title),
    ] {
        if value.as_deref().is_some_and(|v| {
            v.chars().count() > record_schema::NAME_CHARS
                || v.chars().any(char::is_control)
                || v.trim() != v
        }) {
            return Err(ApiError::bad_request(format!(
                "{field}: at most {} characters, no control characters or surrounding space",
                record_schema::NAME_CHARS
            )));
        }
    }
    let staff = req.staff_name.clone().map(|name| {
        let job = req.staff_job_title.clone().unwrap_or_default();
        (name, job)
    });
    record("device_id", device_id);
    let Some((code_id, secret)) = admin::parse_code(&req.code) else {
        tracing::warn!(reason = "malformed", "enrolment refused");
        return Err(ApiError::enrolment_refused());
    };
    let token = admin::new_device_token().map_err(ApiError::internal)?;
    let device = NewDevice {
        device_id: device_id.to_string(),
        token_hash: hash_secret(&token),
        label: label.to_string(),
        staff,
    };
    let now = Timestamp::now();
    match app
        .storage
        .redeem_code(&code_id, &hash_secret(&secret), &device, now)
        .await
        .map_err(ApiError::internal)?
    {
        Redeemed::Enrolled(grants) => {
            tracing::info!(units = grants.len(), "device enrolled");
            Ok(Json(EnrollResponse {
                protocol: PROTOCOL_VERSION,
                device_token: token,
                grants,
                server_time: now,
            }))
        }
        Redeemed::Refused(reason) => {
            tracing::warn!(reason = ?reason, "enrolment refused");
            Err(ApiError::enrolment_refused())
        }
    }
}

/// `POST /v1/grants`: an enrolled device redeems another enrolment code — its next placement,
/// or a second one at once — and hears all its grants; its token stays the same.
///
/// A separate endpoint rather than `/v1/enroll` with a token: this one is authenticated like a
/// sync (nothing is read for a stranger or a revoked device), its answer has no token, and an
/// enrolment stays one thing. The device is checked again inside the redemption, before the
/// code is touched, so a device revoked meanwhile burns nothing. Redemptions share enrolment's
/// per-address limit.
pub async fn grants<S: Storage>(
    State(app): State<App<S>>,
    request: Request,
) -> Result<Json<GrantsResponse>, ApiError> {
    let token = bearer(&request).ok_or_else(ApiError::unauthorized)?;
    let device = app
        .storage
        .authenticate(&hash_secret(&token))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::unauthorized)?;
    record("device_id", device.device_id.as_str());
    if device.revoked {
        tracing::warn!("revoked device refused");
        return Err(ApiError::device_revoked());
    }
    let req: GrantsRequest = read_json(request, app.limits.body_bytes).await?;
    check_protocol(req.protocol)?;
    if req.device_id != device.device_id {
        // A token used for another device's id: the store that sent it is not the device the
        // token was given to. Refused like a wrong token, before the code is looked at.
        tracing::warn!("placement refused: the token belongs to another device");
        return Err(ApiError::unauthorized());
    }
    let Some((code_id, secret)) = admin::parse_code(&req.code) else {
        tracing::warn!(reason = "malformed", "placement refused");
        return Err(ApiError::enrolment_refused());
    };
    let now = Timestamp::now();
    match app
        .storage
        .redeem_code_for_device(&code_id, &hash_secret(&secret), &device.device_id, now)
        .await
        .map_err(ApiError::internal)?
    {
        Redeemed::Enrolled(added) => {
            let (grants, ended_units) =
                exchange::grants_in_force(&*app.storage, &device.device_id, now)
                    .await
                    .map_err(ApiError::internal)?;
            tracing::info!(units = added.len(), "placement added");
            Ok(Json(GrantsResponse {
                protocol: PROTOCOL_VERSION,
                grants,
                ended_units,
                server_time: now,
            }))
        }
        Redeemed::Refused(Refusal::DeviceRevoked) => {
            tracing::warn!("revoked device refused");
            Err(ApiError::device_revoked())
        }
        Redeemed::Refused(Refusal::DeviceUnknown) => Err(ApiError::unauthorized()),
        Redeemed::Refused(reason) => {
            tracing::warn!(reason = ?reason, "placement refused");
            Err(ApiError::enrolment_refused())
        }
    }
}

fn bearer(request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 512)
        .then(|| token.to_string())
}

/// `POST /v1/sync`: authenticates the device, applies its operations, then answers with what
/// changed in its granted units since its cursor, its grants now, and the units it lost.
pub async fn sync<S: Storage>(
    State(app): State<App<S>>,
    request: Request,
) -> Result<Json<SyncResponse>, ApiError> {
    // Who is asking comes first: nothing is parsed for a stranger or a revoked device.
    let token = bearer(&request).ok_or_else(ApiError::unauthorized)?;
    let device = app
        .storage
        .authenticate(&hash_secret(&token))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::unauthorized)?;
    record("device_id", device.device_id.as_str());
    if device.revoked {
        tracing::warn!("revoked device refused");
        return Err(ApiError::device_revoked());
    }
    app.limiters.check_sync(&device.device_id)?;

    let req: SyncRequest = read_json(request, app.limits.body_bytes).await?;
    // The request as a whole; each operation is checked on its own by the merge rules, so one
    // bad operation is answered `rejected` and the rest of the batch goes on.
    req.validate_envelope().map_err(|e| {
        tracing::info!(field = %e.field, "sync request refused");
        ApiError::bad_request(e.to_string())
    })?;
    let cursor = match &req.cursor {
        None => Cursor::default(),
        Some(text) => Cursor::decode(text).ok_or_else(|| {
            ApiError::bad_request("cursor: not a cursor this server gave out; sync without one")
        })?,
    };

    let response = exchange::answer(
        &*app.storage,
        &device.device_id,
        &req,
        &cursor,
        Timestamp::now(),
    )
    .await
    .map_err(ApiError::internal)?;
    let (mut applied, mut superseded, mut rejected) = (0u64, 0u64, 0u64);
    for r in &response.results {
        match r.outcome {
            OpOutcome::Applied { .. } => applied += 1,
            OpOutcome::Superseded { .. } => superseded += 1,
            OpOutcome::Rejected { .. } => rejected += 1,
        }
    }
    record("pushed", req.push.len() as u64);
    record("applied", applied);
    record("superseded", superseded);
    record("rejected", rejected);
    record("pulled", response.changes.len() as u64);
    record("more", response.more);
    if response.full_resync {
        tracing::info!("cursor older than tombstone retention: full resync");
    }
    Ok(Json(response))
}

/// `POST /v1/audit`: a device's audit events the server has not acknowledged, checked against
/// the chain held for the device and stored whole or refused whole (`src/audit_log.rs`). The
/// events are filed under the device the token belongs to; a body naming another device is
/// refused before anything is looked at. Shares the sync's per-device limit.
pub async fn audit<S: Storage>(
    State(app): State<App<S>>,
    request: Request,
) -> Result<Json<AuditPushResponse>, ApiError> {
    let token = bearer(&request).ok_or_else(ApiError::unauthorized)?;
    let device = app
        .storage
        .authenticate(&hash_secret(&token))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::unauthorized)?;
    record("device_id", device.device_id.as_str());
    if device.revoked {
        tracing::warn!("revoked device refused");
        return Err(ApiError::device_revoked());
    }
    app.limiters.check_sync(&device.device_id)?;
    let req: AuditPushRequest = read_json(request, app.limits.body_bytes).await?;
    req.validate().map_err(|e| {
        tracing::info!(field = %e.field, "audit batch refused");
        ApiError::bad_request(e.to_string())
    })?;
    if req.device_id != device.device_id {
        tracing::warn!("audit batch refused: the token belongs to another device");
        return Err(ApiError::bad_request(
            "device_id: the token belongs to another device; a device sends its own trail",
        ));
    }
    record("pushed", req.events.len() as u64);
    match app
        .storage
        .append_device_audit(&device.device_id, &req.events, Timestamp::now())
        .await
        .map_err(ApiError::internal)?
    {
        AuditAppend::Stored {
            acknowledged,
            stored,
        } => {
            record("applied", u64::from(stored));
            Ok(Json(AuditPushResponse {
                protocol: PROTOCOL_VERSION,
                acknowledged,
                stored,
            }))
        }
        AuditAppend::Refused(why) => {
            tracing::warn!(reason = %why, "audit batch refused");
            Err(ApiError::audit_refused(why))
        }
    }
}

/// Any other path: 404 with an error body.
pub async fn not_found() -> ApiError {
    ApiError::for_status(axum::http::StatusCode::NOT_FOUND)
}
