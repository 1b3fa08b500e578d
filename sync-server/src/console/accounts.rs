//! Lead accounts: creating them (the admin CLI and the demo), and checking a sign-in.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, one
//! lane — OWASP's recommended minimum), each with its own random salt, stored as a PHC string.
//! A sign-in answers the same way for an unknown email, a wrong password, a disabled account and
//! a locked one, and an unknown email still costs one hash, so neither the answer nor its timing
//! tells whether an account exists. Five failures lock an account for 15 minutes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use steady_core::clock::Timestamp;

use super::store::{ConsoleStorage, LeadAccount, NewLead};
use crate::storage::StorageError;

/// Failed sign-ins before an account locks.
pub const MAX_FAILED_SIGN_INS: u32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT_MS: i64 = 15 * 60_000;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (Argon2 takes any length; this bounds the work per request).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why an account could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The input breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// The store failed or refused.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Hashing failed.
    #[error("password hashing: {0}")]
    Hash(String),
}

fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password with Argon2id and a fresh random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt =
        crate::secrets::random_bytes::<16>().map_err(|e| AccountError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (constant-time inside the crate).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone knows, verified against when the email is unknown, so an unknown
/// email costs the same time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password("steady decoy password that is never used")
            .unwrap_or_else(|_| String::from("$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
    })
}

/// Normalises an email for storage and lookup: trimmed, lower-case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks the shape of a new account's fields.
pub fn check_new_account(email: &str, name: &str, password: &str) -> Result<(), AccountError> {
    let email = email.trim();
    let at = email.find('@');
    if email.len() > 254
        || at.is_none_or(|i| i == 0 || i + 1 >= email.len())
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AccountError::Invalid(
            "--email must be an email address such as lead@example.org".into(),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "--name must be 1 to 100 characters".into(),
        ));
    }
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "the password must be at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// Creates a lead account with access to `units` (the `lead add` command and the demo).
pub async fn add_lead<S: ConsoleStorage>(
    storage: &S,
    email: &str,
    name: &str,
    password: &str,
    units: &[String],
    now: Timestamp,
) -> Result<(), AccountError> {
    check_new_account(email, name, password)?;
    if units.is_empty() {
        return Err(AccountError::Invalid("give at least one --unit".into()));
    }
    let password = password.to_string();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))??;
    let mut units = units.to_vec();
    units.sort();
    units.dedup();
    storage
        .lead_add(&NewLead {
            lead_id: uuid::Uuid::new_v4().to_string(),
            email: normalise_email(email),
            name: name.trim().to_string(),
            password_hash,
            units,
            created_at: now,
        })
        .await?;
    Ok(())
}

/// The demo's lead: created with access to both demo units if missing, and given a fresh
/// random password on every start (only its hash is kept, so it is printed once, then).
pub async fn demo_lead<S: ConsoleStorage>(
    storage: &S,
    now: Timestamp,
) -> Result<(String, String), AccountError> {
    let email = crate::demo::LEAD_EMAIL.to_string();
    let password =
        crate::admin::random_code_chars(16).map_err(|e| AccountError::Hash(e.to_string()))?;
    if storage.lead_by_email(&email).await?.is_some() {
        let p = password.clone();
        let hash = tokio::task::spawn_blocking(move || hash_password(&p))
            .await
            .map_err(|e| AccountError::Hash(e.to_string()))??;
        storage.lead_set_password(&email, &hash).await?;
    } else {
        let units: Vec<String> = crate::demo::units()
            .iter()
            .map(|u| u.unit_id.clone())
            .collect();
        add_lead(
            storage,
            &email,
            crate::demo::LEAD_NAME,
            &password,
            &units,
            now,
        )
        .await?;
    }
    Ok((email, password))
}

/// Checks a sign-in. `Ok(Some(lead))` only for an enabled, unlocked account whose password
/// matches; every other case is `Ok(None)`, after the same amount of hashing. Failures are
/// counted and lock the account at [`MAX_FAILED_SIGN_INS`].
pub async fn check_sign_in<S: ConsoleStorage>(
    storage: &S,
    email: &str,
    password: &str,
    now: Timestamp,
) -> Result<Option<LeadAccount>, AccountError> {
    let email = normalise_email(email);
    if email.is_empty() || password.is_empty() || password.chars().count() > MAX_PASSWORD_CHARS {
        return Ok(None);
    }
    let lead = storage.lead_by_email(&email).await?;
    let hash = lead
        .as_ref()
        .map(|l| l.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_string());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    let Some(lead) = lead else {
        return Ok(None);
    };
    let locked = lead.locked_until.is_some_and(|until| until > now);
    if lead.disabled || locked {
        return Ok(None);
    }
    if !matches {
        storage
            .lead_sign_in_failed(
                &lead.lead_id,
                MAX_FAILED_SIGN_INS,
                Timestamp(now.0 + LOCKOUT_MS),
            )
            .await?;
        return Ok(None);
    }
    storage.lead_signed_in(&lead.lead_id).await?;
    Ok(Some(lead))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_a_salt_each() {
        let a = hash_password("correct horse battery").expect("hash");
        let b = hash_password("correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn new_accounts_are_checked() {
        assert!(check_new_account("lead@example.org", "Dana", "twelve chars").is_ok());
        for (email, name, password) in [
            ("lead", "Dana", "twelve chars"),
            ("@example.org", "Dana", "twelve chars"),
            ("lead@example.org", "", "twelve chars"),
            ("lead@example.org", "Dana", "short"),
        ] {
            assert!(
                check_new_account(email, name, password).is_err(),
                "{email} {name}"
            );
        }
        assert_eq!(normalise_email("  Lead@Example.ORG "), "lead@example.org");
    }
}
