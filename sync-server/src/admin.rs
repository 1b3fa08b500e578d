//! What a lead or operator does from the command line: issue enrolment codes, and the random
//! secrets behind codes and device tokens.
//!
//! A code is `{code_id}-{secret}`: six characters that find the code (and count wrong guesses
//! against it) and twenty that prove it, from an alphabet without look-alikes (no I, L, O, U),
//! because people read codes off a screen and type them on a phone. Twenty characters carry
//! 100 random bits; with five attempts per code, guessing is hopeless. Only a hash of the
//! secret is stored.

use std::time::Duration;

use steady_core::clock::Timestamp;
use steady_core::codes::Role;

use crate::secrets;
use crate::storage::{GrantSpec, NewEnrolmentCode, Storage, StorageError, hash_secret};

/// Crockford's base32 alphabet: digits and capitals without I, L, O and U.
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Length of the public part of a code.
pub const CODE_ID_LEN: usize = 6;
/// Length of the secret part of a code.
pub const SECRET_LEN: usize = 20;
/// How long a code works by default.
pub const DEFAULT_VALID_HOURS: u32 = 24;
/// Wrong secrets allowed per code by default.
pub const DEFAULT_ATTEMPTS: u32 = 5;

/// Why an admin action failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The store refused or failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// The input is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// `n` random characters of [`CODE_ALPHABET`].
pub fn random_code_chars(n: usize) -> Result<String, AdminError> {
    secrets::random_chars(CODE_ALPHABET, n).map_err(|e| AdminError::Random(e.to_string()))
}

/// A new device token: 32 random bytes, base64url without padding (43 characters).
pub fn new_device_token() -> Result<String, AdminError> {
    secrets::random_token().map_err(|e| AdminError::Random(e.to_string()))
}

/// Splits a code as typed or scanned into (code id, secret), forgiving what people do when
/// they copy a code: spaces, lower case, O for 0 and I or L for 1. `None` if it cannot be one.
pub fn parse_code(text: &str) -> Option<(String, String)> {
    let (id, secret) = text.trim().split_once('-')?;
    let clean = |part: &str, len: usize| -> Option<String> {
        let s: String = part
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        (s.len() == len && s.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(s)
    };
    Some((clean(id, CODE_ID_LEN)?, clean(secret, SECRET_LEN)?))
}

/// Reads a grant as given on the command line: `UNIT:ROLE[:ENDS]`, where ENDS is a UK date
/// (`ward-a:reader:2026-12-05`, to the end of that day), a UK local time
/// (`ward-a:reader:2026-12-05T20:00`) or an instant with its offset (`…T20:00:00Z`).
pub fn parse_grant(text: &str) -> Result<GrantSpec, AdminError> {
    let mut parts = text.splitn(3, ':');
    let unit_id = parts.next().unwrap_or_default().trim().to_string();
    let role_name = parts.next().unwrap_or_default();
    let role = Role::parse(role_name).ok_or_else(|| {
        AdminError::Invalid(format!(
            "{text}: expected UNIT:ROLE[:ENDS] with ROLE reader, editor or lead"
        ))
    })?;
    if unit_id.is_empty() {
        return Err(AdminError::Invalid(format!("{text}: the unit is missing")));
    }
    let ends_at = match parts.next() {
        None => None,
        Some(end) => Some(
            steady_core::uk_time::parse_end(end, "end")
                .map_err(|e| AdminError::Invalid(format!("{text}: {e}")))?,
        ),
    };
    Ok(GrantSpec {
        unit_id,
        role,
        ends_at,
    })
}

/// A code just issued: shown once, never stored in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    /// What the person types: `{code_id}-{secret}`.
    pub code: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Issues an enrolment code carrying `grants`, valid for `valid_for`, burned after
/// `max_attempts` wrong secrets.
pub async fn issue_code<S: Storage>(
    storage: &S,
    grants: Vec<GrantSpec>,
    valid_for: Duration,
    max_attempts: u32,
    now: Timestamp,
) -> Result<IssuedCode, AdminError> {
    if grants.is_empty() {
        return Err(AdminError::Invalid(
            "a code must carry at least one grant (--grant UNIT:ROLE)".into(),
        ));
    }
    if max_attempts == 0 {
        return Err(AdminError::Invalid("--attempts must be at least 1".into()));
    }
    let expires_at = Timestamp(now.0.saturating_add(valid_for.as_millis() as i64));
    // A code id can collide with an earlier one (30 bits); draw again.
    for _ in 0..8 {
        let code_id = random_code_chars(CODE_ID_LEN)?;
        let secret = random_code_chars(SECRET_LEN)?;
        let code = NewEnrolmentCode {
            code_id: code_id.clone(),
            secret_hash: hash_secret(&secret),
            grants: grants.clone(),
            expires_at,
            max_attempts,
        };
        match storage.issue_code(&code).await {
            Ok(()) => {
                return Ok(IssuedCode {
                    code: format!("{code_id}-{secret}"),
                    expires_at,
                });
            }
            Err(StorageError::Exists(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AdminError::Invalid(
        "could not find a free code id; try again".into(),
    ))
}

fn query_escape(text: &str) -> String {
    // Keep URL punctuation that is legal in a query (so the link stays readable); escape the
    // rest, and every character that would end or split the parameter.
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The QR payload a device scans to enrol: `steady://enrol?server=<url>&code=<code>`.
pub fn enrolment_link(server_url: &str, code: &str) -> String {
    format!(
        "steady://enrol?server={}&code={}",
        query_escape(server_url),
        query_escape(code)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_forgiving_to_type_and_strict_in_shape() {
        let code = format!(
            "{}-{}",
            random_code_chars(CODE_ID_LEN).expect("id"),
            random_code_chars(SECRET_LEN).expect("secret")
        );
        let (id, secret) = parse_code(&code).expect("parses");
        assert_eq!(format!("{id}-{secret}"), code);
        assert_eq!(
            parse_code(" k7q2mo - abcd efgh jkmn pqrs tvwx "),
            Some(("K7Q2M0".into(), "ABCDEFGHJKMNPQRSTVWX".into()))
        );
        for bad in [
            "",
            "K7Q2MX",
            "K7Q2MX-",
            "K7Q2M-ABCDEFGHJKMNPQRSTVWX",
            "K7Q2MX-ABCDEFGHJKMNPQRSTVW!",
        ] {
            assert_eq!(parse_code(bad), None, "{bad}");
        }
        assert_eq!(new_device_token().expect("token").len(), 43);
    }

    #[test]
    fn grants_parse_with_optional_end() {
        let g = parse_grant("ward-a:reader:2026-12-05T20:00:00Z").expect("grant");
        assert_eq!(g.unit_id, "ward-a");
        assert_eq!(g.role, Role::Reader);
        assert_eq!(g.ends_at, Some(Timestamp(1_796_500_800_000)));
        assert_eq!(parse_grant("home:Editor").expect("grant").ends_at, None);
        // A UK time and a UK date: a summer shift ending at 20:00 on the ward clock is 19:00
        // UTC, and a date alone runs to midnight in the UK (23:00 UTC in summer).
        let local = parse_grant("ward-a:reader:2026-07-05T20:00").expect("grant");
        assert_eq!(local.ends_at, Some(Timestamp(1_783_278_000_000)));
        let day = parse_grant("ward-a:reader:2026-07-05").expect("grant");
        assert_eq!(day.ends_at, Some(Timestamp(1_783_292_400_000)));
        for bad in ["ward-a", "ward-a:boss", ":reader", "ward-a:reader:tomorrow"] {
            assert!(parse_grant(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_escape_what_would_break_them() {
        assert_eq!(
            enrolment_link("https://sync.example.org:8443", "K7Q2MX-ABC"),
            "steady://enrol?server=https://sync.example.org:8443&code=K7Q2MX-ABC"
        );
        assert!(enrolment_link("http://h/?a=1&b=2", "X").contains("%3Fa%3D1%26b%3D2"));
    }
}
