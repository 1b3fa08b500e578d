//! Request limits: rate limits per client address and per device, body size and time, and the
//! limits of the connection edge (header-read and idle timeouts, open connections).
//!
//! Enrolment codes are short and typed by people, so guessing is slowed per address (on top of
//! each code's own attempt limit); a device stuck in a sync loop is slowed per device; and
//! every address has a ceiling on all requests. Limits are configurable so tests can set them
//! low (to see a 429) or off (load tests with a thousand devices on one loopback address).
//!
//! "The client's address" is the TCP peer, unless the peer is one of the operator's trusted
//! proxies (`--trusted-proxy`): then it is the right-most address in `X-Forwarded-For` that is
//! not itself a trusted proxy ([`client_ip`]). Off by default, because anyone can send the
//! header: trusting it from an untrusted peer would let a guesser pick a fresh address for
//! every request and walk past every per-address limit.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::error::ApiError;

/// The default request body limit (after decompression): 4 MiB.
pub const DEFAULT_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The largest request head (request line and every header, counted as sent) the API reads;
/// a larger one is answered `431` with an error body. Well below hyper's own hard limit
/// ([`HYPER_MAX_BUF_BYTES`]), which answers 431 with no body at all.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The most header fields a request may carry; more is answered `431` with an error body.
/// Below hyper's own hard limit ([`HYPER_MAX_HEADERS`]).
pub const MAX_HEADERS: usize = 64;

/// hyper's hard limit on header fields, set explicitly so it stays above [`MAX_HEADERS`]. A
/// request with more is answered by hyper itself: `431`, no body, connection closed.
pub const HYPER_MAX_HEADERS: usize = 128;

/// hyper's read buffer, and so its hard limit on a request head (hyper's default, written
/// down). A head larger than this is answered by hyper itself: `431`, no body, connection
/// closed.
pub const HYPER_MAX_BUF_BYTES: usize = 8192 + 4096 * 100;

/// A rate: so many requests a minute, with bursts of up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once before the rate applies.
    pub burst: u32,
}

impl RateLimit {
    /// Reads `PER_MINUTE[:BURST]`, or `off` (no limit). Without a burst, the burst is a tenth
    /// of the rate (at least 1).
    pub fn parse(text: &str) -> Result<Option<RateLimit>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (rate, burst) = match text.split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (text, None),
        };
        let per_minute: u32 = rate
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{text}: expected PER_MINUTE[:BURST] or off"))?;
        let burst = match burst {
            Some(b) => b
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{text}: the burst must be a positive number"))?,
            None => (per_minute / 10).max(1),
        };
        Ok(Some(RateLimit { per_minute, burst }))
    }

    fn quota(self) -> Option<Quota> {
        let per_minute = NonZeroU32::new(self.per_minute)?;
        let burst = NonZeroU32::new(self.burst)?;
        Some(Quota::with_period(Duration::from_secs(60) / per_minute.get())?.allow_burst(burst))
    }
}

/// Every limit the HTTP API applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Code redemptions (`POST /v1/enroll` and `POST /v1/grants`, one budget) per client
    /// address (`None`: unlimited).
    pub enroll_per_ip: Option<RateLimit>,
    /// `POST /v1/sync` per device.
    pub sync_per_device: Option<RateLimit>,
    /// Every request per client address.
    pub all_per_ip: Option<RateLimit>,
    /// Largest request body, after decompression, in bytes.
    pub body_bytes: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Longest a connection may take to send a complete request head, counted from when the
    /// connection opens and again from the end of each answer on a kept-alive connection
    /// (hyper's `header_read_timeout`); then it is closed without an answer. This is what
    /// cuts off a slowloris client, and, in hyper 1.x, also what closes an idle kept-alive
    /// connection.
    pub header_read_timeout: Duration,
    /// Longest a connection may move no byte at all, either way, before it is closed: the
    /// backstop for a connection stalled where hyper has no timer (a client that stops reading
    /// the answer). Keep it above `request_timeout`, so a slow request is answered 503 first.
    pub idle_timeout: Duration,
    /// Most connections open at once. Beyond it the server accepts no more until one closes:
    /// new connections wait in the kernel's listen queue (and are refused by the kernel when
    /// that is full); the server itself never runs out of memory or file descriptors.
    pub max_connections: usize,
    /// Proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`); empty by default.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Limits {
    /// 10 enrolments a minute per address (burst 5); 20 syncs a second per device (burst 40);
    /// 100 requests a second per address (burst 200, so a care home's devices behind one NAT
    /// address are not throttled); 4 MiB bodies; 30 s a request; 10 s to send a request head;
    /// 60 s without a byte moving; 1,024 connections; no trusted proxy.
    fn default() -> Self {
        Limits {
            enroll_per_ip: Some(RateLimit {
                per_minute: 10,
                burst: 5,
            }),
            sync_per_device: Some(RateLimit {
                per_minute: 1200,
                burst: 40,
            }),
            all_per_ip: Some(RateLimit {
                per_minute: 6000,
                burst: 200,
            }),
            body_bytes: DEFAULT_BODY_BYTES,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Limits {
    /// No rate limits (body size and timeout as by default): for tests and load tests.
    pub fn unlimited() -> Self {
        Limits {
            enroll_per_ip: None,
            sync_per_device: None,
            all_per_ip: None,
            ..Limits::default()
        }
    }
}

fn keyed<K: std::hash::Hash + Eq + Clone>(
    rate: Option<RateLimit>,
) -> Option<DefaultKeyedRateLimiter<K>> {
    rate.and_then(RateLimit::quota)
        .map(governor::RateLimiter::keyed)
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &Option<DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), ApiError> {
    match limiter {
        Some(limiter) => limiter.check_key(key).map_err(|not_until| {
            ApiError::rate_limited(not_until.wait_time_from(DefaultClock::default().now()))
        }),
        None => Ok(()),
    }
}

/// The live rate limiters.
pub struct Limiters {
    enroll: Option<DefaultKeyedRateLimiter<IpAddr>>,
    sync: Option<DefaultKeyedRateLimiter<String>>,
    all: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Vec<IpAddr>,
}

impl Limiters {
    /// Limiters for `limits`.
    pub fn new(limits: &Limits) -> Self {
        Limiters {
            enroll: keyed(limits.enroll_per_ip),
            sync: keyed(limits.sync_per_device),
            all: keyed(limits.all_per_ip),
            trusted_proxies: limits
                .trusted_proxies
                .iter()
                .map(|ip| ip.to_canonical())
                .collect(),
        }
    }

    /// Counts a sync by `device_id`; 429 when over.
    pub fn check_sync(&self, device_id: &str) -> Result<(), ApiError> {
        check(&self.sync, &device_id.to_string())
    }

    /// Forgets keys that have been quiet long enough to be back at a full burst, so the maps
    /// do not grow with every address ever seen.
    pub fn forget_idle(&self) {
        if let Some(l) = &self.enroll {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.sync {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.all {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// The client's address as the per-address limits count it, set on every request by
/// [`per_address`] for whatever runs after it (the console's own per-address limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client's address: the TCP `peer`, or, when the peer is one of `trusted` proxies, the
/// right-most `X-Forwarded-For` address that is not itself a trusted proxy.
///
/// Right-most, because each proxy appends the address it received the request from: the
/// entries to the left were written by whoever sent the request, and a client may put any
/// address there. Walking from the right over trusted proxies stops at the first hop no
/// trusted proxy vouches for. A malformed entry stops the walk at the last good hop; no header
/// (or only trusted hops) leaves the last trusted address seen. IPv4-mapped IPv6 addresses
/// (`::ffff:10.0.0.1`, from a dual-stack listener) compare as IPv4.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    // Several X-Forwarded-For headers are one list, in order.
    let values: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    for entry in values.iter().rev().flat_map(|v| v.rsplit(',')) {
        let entry = entry.trim();
        let parsed = entry
            .parse::<IpAddr>()
            .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()));
        let Ok(hop) = parsed.map(|ip| ip.to_canonical()) else {
            break;
        };
        client = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    client
}

/// The TCP peer's address (unspecified when the server was not given connection info).
fn peer_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}

/// The size of a request head as it was sent: request line and every header line.
fn head_bytes(request: &Request) -> usize {
    let line = request.method().as_str().len() + request.uri().to_string().len() + 11;
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    line + headers
}

/// Middleware: a request head over [`MAX_HEADER_BYTES`] or with more than [`MAX_HEADERS`]
/// fields is answered `431` with an error body. (hyper reads heads up to its own, larger,
/// hard limits, so every head a device could plausibly send gets this answer, not hyper's
/// bodiless one.)
pub async fn header_limits(request: Request, next: Next) -> Response {
    if request.headers().len() > MAX_HEADERS || head_bytes(&request) > MAX_HEADER_BYTES {
        return ApiError::headers_too_large().into_response();
    }
    next.run(request).await
}

/// Middleware: the per-address limits (all requests, and code redemptions: enrolment and an
/// added placement share one budget, so a token does not buy more guesses at codes).
pub async fn per_address(
    State(limiters): State<std::sync::Arc<Limiters>>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(
        peer_ip(&request),
        request.headers(),
        &limiters.trusted_proxies,
    );
    request.extensions_mut().insert(ClientIp(ip));
    if let Err(e) = check(&limiters.all, &ip) {
        return e.into_response();
    }
    if matches!(request.uri().path(), "/v1/enroll" | "/v1/grants")
        && let Err(e) = check(&limiters.enroll, &ip)
    {
        tracing::warn!("enrolment attempts over the per-address limit");
        return e.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(RateLimit::parse("off"), Ok(None));
        assert_eq!(
            RateLimit::parse("10:5"),
            Ok(Some(RateLimit {
                per_minute: 10,
                burst: 5
            }))
        );
        assert_eq!(
            RateLimit::parse("1200"),
            Ok(Some(RateLimit {
                per_minute: 1200,
                burst: 120
            }))
        );
        for bad in ["", "0", "ten", "10:0", "10:x", "-1"] {
            assert!(RateLimit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let limiters = Limiters::new(&Limits {
            sync_per_device: Some(RateLimit {
                per_minute: 1,
                burst: 2,
            }),
            ..Limits::unlimited()
        });
        assert!(limiters.check_sync("dev-1").is_ok());
        assert!(limiters.check_sync("dev-1").is_ok());
        let refused = limiters.check_sync("dev-1").expect_err("over");
        assert!(refused.retry_after.is_some_and(|s| (1..=60).contains(&s)));
        assert!(limiters.check_sync("dev-2").is_ok(), "per device");
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().expect("header value"));
        }
        headers
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy_and_from_the_right() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let proxy = ip("10.0.0.1");
        let inner = ip("10.0.0.2");
        let trusted = [proxy, inner];
        // An untrusted peer's header is ignored.
        let from_stranger = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_ip(ip("198.51.100.1"), &from_stranger, &trusted),
            ip("198.51.100.1")
        );
        // From a trusted proxy: the right-most untrusted hop, whatever the client prepended.
        let h = forwarded(&["1.1.1.1, 203.0.113.7"]);
        assert_eq!(client_ip(proxy, &h, &trusted), ip("203.0.113.7"));
        // Chained trusted proxies are walked over, across repeated headers too.
        let h = forwarded(&["1.1.1.1, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(client_ip(proxy, &h, &trusted), ip("203.0.113.7"));
        // No header, or only trusted hops: the last trusted address.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_ip(proxy, &forwarded(&["10.0.0.2"]), &trusted), inner);
        // A malformed hop stops the walk at the last good one.
        let h = forwarded(&["203.0.113.7, not-an-address"]);
        assert_eq!(client_ip(proxy, &h, &trusted), proxy);
        // Ports and IPv6, and an IPv4-mapped peer from a dual-stack listener.
        let h = forwarded(&["[2001:db8::1]:4711"]);
        assert_eq!(client_ip(proxy, &h, &trusted), ip("2001:db8::1"));
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.1"), &h, &trusted),
            ip("203.0.113.9")
        );
        // Nothing trusted (the default): always the peer.
        assert_eq!(client_ip(proxy, &h, &[]), proxy);
    }
}
