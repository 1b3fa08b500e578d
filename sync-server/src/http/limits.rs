//! Request limits: rate limits per client address and per device, body size and time.
//!
//! Enrolment codes are short and typed by people, so guessing is slowed per address (on top of
//! each code's own attempt limit); a device stuck in a sync loop is slowed per device; and
//! every address has a ceiling on all requests. Limits are configurable so tests can set them
//! low (to see a 429) or off (load tests with a thousand devices on one loopback address).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::error::ApiError;

/// The default request body limit (after decompression): 4 MiB.
pub const DEFAULT_BODY_BYTES: usize = 4 * 1024 * 1024;

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
    /// `POST /v1/enroll` per client address (`None`: unlimited).
    pub enroll_per_ip: Option<RateLimit>,
    /// `POST /v1/sync` per device.
    pub sync_per_device: Option<RateLimit>,
    /// Every request per client address.
    pub all_per_ip: Option<RateLimit>,
    /// Largest request body, after decompression, in bytes.
    pub body_bytes: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
}

impl Default for Limits {
    /// 10 enrolments a minute per address (burst 5); 20 syncs a second per device (burst 40);
    /// 100 requests a second per address (burst 200, so a care home's devices behind one NAT
    /// address are not throttled); 4 MiB bodies; 30 s.
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
}

impl Limiters {
    /// Limiters for `limits`.
    pub fn new(limits: &Limits) -> Self {
        Limiters {
            enroll: keyed(limits.enroll_per_ip),
            sync: keyed(limits.sync_per_device),
            all: keyed(limits.all_per_ip),
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

/// The client's address (unspecified when the server was not given connection info).
fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED))
}

/// Middleware: the per-address limits (all requests, and enrolment).
pub async fn per_address(
    State(limiters): State<std::sync::Arc<Limiters>>,
    request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&request);
    if let Err(e) = check(&limiters.all, &ip) {
        return e.into_response();
    }
    if request.uri().path() == "/v1/enroll"
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
}
