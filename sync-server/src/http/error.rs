//! Every refusal the API gives, as one type that always answers with an [`ErrorBody`].
//!
//! A device acts on the error code (re-enrol, wipe, back off, report a bug), so every answer
//! that is not a success carries one, including those made by middleware (timeouts, unknown
//! routes, unsupported encodings): [`error_bodies`] rewrites any bare error response.
//!
//! The only bodiless errors are those hyper sends itself, before a request reaches the API,
//! for a request it cannot read at all: `400` for a malformed request line or header, `414`
//! for a URI too long, `431` for a head past its hard limits (`limits::HYPER_MAX_HEADERS`,
//! `limits::HYPER_MAX_BUF_BYTES`), each followed by closing the connection. A slow or silent
//! client gets no answer at all: its connection is closed (`Limits::header_read_timeout`).

use std::time::Duration;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use steady_core::protocol::{ErrorBody, ErrorCode};

/// An error answer: status, body and, when rate-limited, how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What the device is told.
    pub body: ErrorBody,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error,
                message: message.into(),
            },
            retry_after: None,
        }
    }

    /// 400: the request is malformed; `message` names the field.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    /// 409: an audit batch does not continue the chain held for the device; nothing was stored.
    /// `message` names the event and the rule (positions only, never content).
    pub fn audit_refused(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::AuditRefused, message)
    }

    /// 401: no valid device token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid device token is required (Authorization: Bearer <token>)",
        )
    }

    /// 403: the device was revoked and must wipe its store.
    pub fn device_revoked() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::DeviceRevoked,
            "this device has been revoked",
        )
    }

    /// 403: the enrolment code was refused. One message for every reason, so the answer never
    /// tells a guesser which part was right.
    pub fn enrolment_refused() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::EnrolmentRefused,
            "the enrolment code is not valid",
        )
    }

    /// 413: the body is larger than `limit` bytes (after decompression).
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes; send smaller batches"),
        )
    }

    /// 415: not JSON, or an encoding other than gzip.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send Content-Type: application/json, optionally with Content-Encoding: gzip",
        )
    }

    /// 431: the request head is larger than the API reads (a bug in the client: nothing to
    /// retry, so `bad_request`).
    pub fn headers_too_large() -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::BadRequest,
            format!(
                "the request's headers are too large (at most {} fields and {} bytes)",
                super::limits::MAX_HEADERS,
                super::limits::MAX_HEADER_BYTES
            ),
        )
    }

    /// 429: too many requests; retry after `wait`.
    pub fn rate_limited(wait: Duration) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many requests; retry later",
        );
        e.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        e
    }

    /// 500: the server failed. The cause is logged here, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed in the store");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; retry later",
        )
    }

    /// The error answer for a status some middleware produced without a body.
    pub fn for_status(status: StatusCode) -> Self {
        let (error, message) = match status {
            StatusCode::NOT_FOUND => (ErrorCode::BadRequest, "no such endpoint"),
            StatusCode::METHOD_NOT_ALLOWED => (
                ErrorCode::BadRequest,
                "this endpoint does not take that method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                ErrorCode::PayloadTooLarge,
                "the request body is too large; send smaller batches",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                ErrorCode::UnsupportedMediaType,
                "send Content-Type: application/json, optionally with Content-Encoding: gzip",
            ),
            StatusCode::TOO_MANY_REQUESTS => {
                (ErrorCode::RateLimited, "too many requests; retry later")
            }
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                return Self::headers_too_large();
            }
            // The request timeout answers 503 (`TimeoutLayer`); the others are mapped the same
            // way in case a layer ever produces them. `internal`: the device retries later.
            StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::REQUEST_TIMEOUT
            | StatusCode::GATEWAY_TIMEOUT => (
                ErrorCode::Internal,
                "the request took too long; retry later",
            ),
            s if s.is_server_error() => (ErrorCode::Internal, "the server failed; retry later"),
            _ => (ErrorCode::BadRequest, "the request was refused"),
        };
        Self::new(status, error, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Middleware: gives every bare error response (from routing, timeouts, decompression) an
/// [`ErrorBody`], keeping its status and headers such as `Retry-After` and `Allow`.
pub async fn error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let replacement = ApiError::for_status(status).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    let (new_parts, body) = replacement.into_parts();
    for (name, value) in new_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}
