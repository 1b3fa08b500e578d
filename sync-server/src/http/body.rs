//! Reading request bodies safely: JSON only, at most so many bytes on the wire and the same
//! after gzip decompression.
//!
//! Two limits, because gzip makes the wire size a poor guide: a 100 KB "zip bomb" inflates to
//! gigabytes, and a stream of empty gzip blocks sends megabytes that inflate to nothing.
//! [`wire_limit`] counts bytes as they arrive (before decompression); [`read_json`] counts them
//! as they are inflated and stops at the limit, so neither can make the server buffer more
//! than the limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Set when the raw body went over the wire limit (so a read error is reported as 413, not
/// as a broken body).
#[derive(Clone, Debug, Default)]
struct WireOverflow(Arc<AtomicBool>);

/// Middleware: refuses a declared `Content-Length` over `limit` at once, and cuts off a body
/// that turns out to be longer while it streams.
pub async fn wire_limit(State(limit): State<usize>, mut request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return ApiError::too_large(limit).into_response();
    }
    let overflow = WireOverflow::default();
    request.extensions_mut().insert(overflow.clone());
    let (parts, body) = request.into_parts();
    let mut seen = 0usize;
    let counted = body.into_data_stream().map(move |chunk| {
        let bytes = chunk.map_err(axum::BoxError::from)?;
        seen = seen.saturating_add(bytes.len());
        if seen > limit {
            overflow.0.store(true, Ordering::Relaxed);
            return Err(axum::BoxError::from("request body over the wire limit"));
        }
        Ok::<Bytes, axum::BoxError>(bytes)
    });
    next.run(Request::from_parts(parts, Body::from_stream(counted)))
        .await
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Reads a JSON body of at most `limit` bytes (decompressed) into `T`: 415 unless it is
/// `application/json`, 413 over the limit, 400 with serde's message when it does not parse.
pub async fn read_json<T: DeserializeOwned>(request: Request, limit: usize) -> Result<T, ApiError> {
    if !is_json(request.headers()) {
        return Err(ApiError::unsupported_media_type());
    }
    let overflow = request.extensions().get::<WireOverflow>().cloned();
    let mut stream = request.into_body().into_data_stream();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => {
                if buffer.len() + bytes.len() > limit {
                    return Err(ApiError::too_large(limit));
                }
                buffer.extend_from_slice(&bytes);
            }
            Err(_) if overflow.is_some_and(|o| o.0.load(Ordering::Relaxed)) => {
                return Err(ApiError::too_large(limit));
            }
            Err(_) => {
                return Err(ApiError::bad_request(
                    "the request body could not be read (is its gzip encoding valid?)",
                ));
            }
        }
    }
    // The error names where in the body it is (`push[3].stamp.counter: invalid type ...`).
    let mut reader = serde_json::Deserializer::from_slice(&buffer);
    let value = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let at = e.path().to_string();
        let what = e.into_inner();
        ApiError::bad_request(if at == "." {
            format!("invalid JSON: {what}")
        } else {
            format!("{at}: {what}")
        })
    })?;
    // Nothing but whitespace may follow the value.
    reader
        .end()
        .map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
    Ok(value)
}
