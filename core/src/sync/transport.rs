//! How the device reaches the sync server: one trait, and the HTTPS implementation the apps use.
//!
//! The engine speaks to a [`Transport`], never to HTTP directly, so its rules (batching, retries,
//! what a refusal means) are tested with a scripted fake, and the apps get one implementation,
//! [`HttpTransport`]: blocking reqwest over rustls with the ring provider (quick to build, and
//! cross-compiles for Android and iOS without cmake). Every failure is sorted into a
//! [`TransportError`] that says what to do next: retry later, wipe (revoked), enrol again, or
//! stop (refused). Plain HTTP is allowed only to this device itself (loopback), and that check
//! happens before any request, so a bearer token never crosses a network in clear text.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::Url;
use reqwest::blocking::Client;
use reqwest::header::RETRY_AFTER;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::protocol::{
    AuditPushRequest, AuditPushResponse, EnrollRequest, EnrollResponse, ErrorBody, ErrorCode,
    GrantsRequest, GrantsResponse, SyncRequest, SyncResponse,
};

/// How long to wait for a connection to the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole request may take (a push of 1,000 changes on a slow mobile link).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The calls the device makes to the sync server.
pub trait Transport: Send + Sync {
    /// `POST /v1/enroll`: redeems an enrolment code for a device token.
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError>;

    /// `POST /v1/sync`: pushes operations and pulls changes in one round trip.
    fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError>;

    /// `POST /v1/grants`: an enrolled device redeems another enrolment code (its next
    /// placement) with its token, and hears all its grants. Transports that cannot (a test
    /// fake that only syncs, the console's in-process replica) refuse it, by default.
    fn add_grants(
        &self,
        _token: &str,
        _req: &GrantsRequest,
    ) -> Result<GrantsResponse, TransportError> {
        Err(TransportError::Refused(ErrorBody {
            error: ErrorCode::BadRequest,
            message: "this connection cannot add a placement".into(),
        }))
    }

    /// `POST /v1/audit`: sends audit events the server has not acknowledged. Transports that
    /// cannot (the console's in-process replica, test fakes that only sync) refuse it, by
    /// default; the sync engine then keeps the events for a later sync.
    fn push_audit(
        &self,
        _token: &str,
        _req: &AuditPushRequest,
    ) -> Result<AuditPushResponse, TransportError> {
        Err(TransportError::Refused(ErrorBody {
            error: ErrorCode::BadRequest,
            message: "this connection cannot take the audit trail".into(),
        }))
    }

    /// The server's address, kept with the device token so the app can reconnect after a
    /// restart. `None` for transports that have none (test fakes).
    fn server_url(&self) -> Option<String> {
        None
    }
}

/// Why a call to the server failed, sorted by what the device should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The server could not be reached or the answer was lost or unreadable: retry.
    #[error("network: {0}")]
    Network(String),
    /// The server is failing or busy (5xx, 429): retry, not before `retry_after` if given.
    #[error("the server answered {status}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// What the server's `Retry-After` asked for.
        retry_after: Option<Duration>,
    },
    /// This device was revoked: wipe its store and key. Never retried.
    #[error("this device was revoked")]
    Revoked,
    /// The server does not accept this device's token: enrol again. Never retried.
    #[error("the device token was not accepted")]
    Unauthorized,
    /// The server refused the request (4xx) and says why. Never retried.
    #[error("refused: {}", .0.message)]
    Refused(ErrorBody),
}

impl TransportError {
    /// Whether trying again later may succeed (network faults, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            TransportError::Network(_) | TransportError::Server { .. }
        )
    }

    /// How long the server asked the device to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TransportError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The sync server over HTTPS (plain HTTP only to loopback), with gzip and timeouts.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: Client,
    base: Url,
}

impl HttpTransport {
    /// A transport to the server at `server_url` (e.g. `https://sync.example.org`), trusting the
    /// platform's certificate authorities. Refuses plain `http://` unless the host is loopback
    /// (127.0.0.0/8, ::1, localhost), before any request is made.
    pub fn new(server_url: &str) -> Result<Self> {
        Self::build(server_url, None)
    }

    /// Like [`HttpTransport::new`], also trusting the certificate authority in `root_pem` (PEM):
    /// for an organisation's private CA, and for tests. On Android the platform verifier cannot
    /// take extra roots, so there this CA is the only one trusted (which is what a private
    /// deployment wants anyway).
    pub fn with_root_certificate(server_url: &str, root_pem: &[u8]) -> Result<Self> {
        Self::build(server_url, Some(root_pem))
    }

    fn build(server_url: &str, root_pem: Option<&[u8]>) -> Result<Self> {
        let mut base = Url::parse(server_url.trim())
            .map_err(|_| Error::invalid("server_url", "is not a valid address"))?;
        if base.cannot_be_a_base() || base.host().is_none() {
            return Err(Error::invalid("server_url", "is not a valid address"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::invalid(
                "server_url",
                "must not contain a user name or password",
            ));
        }
        let loopback = is_loopback(&base);
        match base.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(Error::invalid(
                    "server_url",
                    "must use https (plain http only to this device itself)",
                ));
            }
            _ => return Err(Error::invalid("server_url", "must be an https address")),
        }
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }

        // Once per process; a second install (or the app's own) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .gzip(true)
            .https_only(!loopback)
            // A redirect could carry the bearer token somewhere unexpected; the API has none.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("steady-core/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = root_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| Error::invalid("root_certificate", "is not a PEM certificate"))?;
            #[cfg(target_os = "android")]
            {
                builder = builder.tls_certs_only(certs);
            }
            #[cfg(not(target_os = "android"))]
            {
                builder = builder.tls_certs_merge(certs);
            }
        }
        let client = builder
            .build()
            .map_err(|e| Error::Network(format!("could not set up the connection: {e}")))?;
        Ok(HttpTransport { client, base })
    }

    fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
    ) -> Result<R, TransportError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| TransportError::Network(e.to_string()))?;
        let json = serde_json::to_vec(body).map_err(|e| {
            TransportError::Network(format!("the request could not be written: {e}"))
        })?;
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        // A push of care records is mostly repeated field names and prose: gzip sends about a
        // fifth of the bytes, which matters on a ward's weak signal. Tiny bodies go as they are.
        request = if json.len() >= GZIP_FROM_BYTES {
            request
                .header(reqwest::header::CONTENT_ENCODING, "gzip")
                .body(gzip(&json))
        } else {
            request.body(json)
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().map_err(network_error)?;
        let status = response.status();
        if status.is_success() {
            return response.json::<R>().map_err(|e| {
                TransportError::Network(format!("the server's answer could not be read: {e}"))
            });
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = response
            .bytes()
            .ok()
            .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok());
        Err(classify(status, retry_after, body))
    }
}

impl Transport for HttpTransport {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, TransportError> {
        self.post("v1/enroll", None, req)
    }

    fn sync(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        self.post("v1/sync", Some(token), req)
    }

    fn add_grants(
        &self,
        token: &str,
        req: &GrantsRequest,
    ) -> Result<GrantsResponse, TransportError> {
        self.post("v1/grants", Some(token), req)
    }

    fn push_audit(
        &self,
        token: &str,
        req: &AuditPushRequest,
    ) -> Result<AuditPushResponse, TransportError> {
        self.post("v1/audit", Some(token), req)
    }

    fn server_url(&self) -> Option<String> {
        Some(self.base.as_str().trim_end_matches('/').to_string())
    }
}

/// Request bodies at least this large are sent gzip-compressed.
const GZIP_FROM_BYTES: usize = 1024;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Loopback only: 127.0.0.0/8, ::1 and the name `localhost`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost."),
    }
}

/// A reqwest failure in words, with its cause (the top level alone often says only "error
/// sending request").
fn network_error(e: reqwest::Error) -> TransportError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportError::Network(text)
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(wait.max(0) as u64))
}

/// Sorts a non-success answer by what the device should do.
fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Option<ErrorBody>,
) -> TransportError {
    let code = body.as_ref().map(|b| b.error);
    if code == Some(ErrorCode::DeviceRevoked) {
        return TransportError::Revoked;
    }
    if status == StatusCode::UNAUTHORIZED || code == Some(ErrorCode::Unauthorized) {
        return TransportError::Unauthorized;
    }
    if status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        return TransportError::Server {
            status: status.as_u16(),
            retry_after,
        };
    }
    if status.is_client_error() {
        return TransportError::Refused(body.unwrap_or_else(|| ErrorBody {
            error: match status {
                StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
                _ => ErrorCode::BadRequest,
            },
            message: format!("the server answered {}", status.as_u16()),
        }));
    }
    TransportError::Network(format!("unexpected answer {}", status.as_u16()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(error: ErrorCode) -> Option<ErrorBody> {
        Some(ErrorBody {
            error,
            message: "m".into(),
        })
    }

    #[test]
    fn statuses_are_sorted_by_what_to_do_next() {
        assert_eq!(
            classify(StatusCode::FORBIDDEN, None, body(ErrorCode::DeviceRevoked)),
            TransportError::Revoked
        );
        assert_eq!(
            classify(StatusCode::UNAUTHORIZED, None, None),
            TransportError::Unauthorized
        );
        let busy = classify(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3)),
            body(ErrorCode::RateLimited),
        );
        assert!(busy.is_transient());
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(3)));
        assert!(classify(StatusCode::BAD_GATEWAY, None, None).is_transient());
        let refused = classify(
            StatusCode::FORBIDDEN,
            None,
            body(ErrorCode::EnrolmentRefused),
        );
        assert!(
            matches!(refused, TransportError::Refused(ref b) if b.error == ErrorCode::EnrolmentRefused)
        );
        assert!(!refused.is_transient());
        assert!(matches!(
            classify(StatusCode::PAYLOAD_TOO_LARGE, None, None),
            TransportError::Refused(ErrorBody {
                error: ErrorCode::PayloadTooLarge,
                ..
            })
        ));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn only_loopback_may_use_plain_http() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:3000/steady",
            "http://[::1]:8443",
            "https://sync.example.org",
        ] {
            assert!(HttpTransport::new(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://sync.example.org",
            "http://10.0.0.1",
            "http://[::ffff:7f00:1]",
            "http://localhost.example.org",
            "ftp://sync.example.org",
            "https://user:secret@sync.example.org",
            "not a url",
        ] {
            assert!(
                matches!(HttpTransport::new(refused), Err(Error::Validation { ref field, .. }) if field == "server_url"),
                "{refused}"
            );
        }
        assert!(matches!(
            HttpTransport::with_root_certificate("https://sync.example.org", b"not a pem"),
            Err(Error::Validation { ref field, .. }) if field == "root_certificate"
        ));
        let t = HttpTransport::new("https://sync.example.org/base").unwrap();
        assert_eq!(
            t.server_url().as_deref(),
            Some("https://sync.example.org/base")
        );
        assert_eq!(
            t.base.join("v1/sync").unwrap().as_str(),
            "https://sync.example.org/base/v1/sync"
        );
    }
}
