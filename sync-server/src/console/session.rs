//! Console sessions: the cookie, its lifetime, and the CSRF token every form carries.
//!
//! The cookie `steady_console` holds 256 random bits (base64url); the server keeps only their
//! SHA-256, so a leaked database does not hand out sessions. It is `HttpOnly`,
//! `SameSite=Strict`, `Path=/console`, and `Secure` whenever the listener is not loopback. A
//! session ends 30 minutes after its last request or 12 hours after sign-in, whichever comes
//! first, and signing out deletes it on the server, so a copied cookie stops working.
//!
//! Every POST carries a hidden `csrf` field compared in constant time with the session's token
//! (the sign-in form, before any session, with a short-lived cookie of its own: double submit).

use steady_core::clock::Timestamp;

use super::store::LeadAccount;

/// The session cookie's name.
pub const COOKIE: &str = "steady_console";
/// The sign-in form's own cookie (double-submit CSRF token before a session exists).
pub const SIGN_IN_COOKIE: &str = "steady_console_sign_in";
/// A session ends this long after its last request.
pub const IDLE_MS: i64 = 30 * 60_000;
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60_000;
/// A request refreshes `last_seen` only when it is older than this (fewer writes).
pub const TOUCH_AFTER_MS: i64 = 60_000;

/// The signed-in lead, as handlers see it.
#[derive(Debug, Clone)]
pub struct Session {
    /// SHA-256 of the cookie's secret.
    pub hash: String,
    /// The lead.
    pub lead: LeadAccount,
    /// The token forms must carry.
    pub csrf: String,
}

impl Session {
    /// Whether the lead may see `unit_id`.
    pub fn may_see(&self, unit_id: &str) -> bool {
        self.lead.units.iter().any(|u| u == unit_id)
    }
}

pub use crate::secrets::{random_token, same_secret as same_token};

/// Whether a stored session is still alive at `now`.
pub fn alive(
    created_at: Timestamp,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
    now: Timestamp,
) -> bool {
    now < expires_at && now.0 < last_seen_at.0 + IDLE_MS && now.0 < created_at.0 + ABSOLUTE_MS
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value for the console (`max_age` None: a session cookie; Some(0): delete).
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/console");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_old() {
        let t = Timestamp(1_000_000_000_000);
        let end = Timestamp(t.0 + ABSOLUTE_MS);
        assert!(alive(t, t, end, Timestamp(t.0 + IDLE_MS - 1)));
        assert!(!alive(t, t, end, Timestamp(t.0 + IDLE_MS)));
        let busy = Timestamp(t.0 + ABSOLUTE_MS - 1000);
        assert!(alive(t, busy, end, Timestamp(t.0 + ABSOLUTE_MS - 1)));
        assert!(!alive(t, busy, end, end));
    }

    #[test]
    fn cookies_are_read_and_written_strictly() {
        assert_eq!(
            cookie_value("a=1; steady_console=xyz; b=2", COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("steady_console_sign_in=q", COOKIE), None);
        let c = set_cookie(COOKIE, "v", true, None);
        assert!(
            c.contains("HttpOnly")
                && c.contains("SameSite=Strict")
                && c.contains("Path=/console")
                && c.ends_with("Secure")
        );
        assert!(!set_cookie(COOKIE, "v", false, Some(0)).contains("Secure"));
    }
}
