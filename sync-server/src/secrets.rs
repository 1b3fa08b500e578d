//! Every secret the server makes or checks, made and checked one way: device tokens, session
//! and CSRF tokens, enrolment-code characters, salts and keys from the operating system's
//! random source; secrets and their stored hashes compared in constant time (`subtle`), so a
//! response's timing never says how much of a guess was right; and SHA-256 in hex, how tokens
//! and code secrets are kept (a stolen database holds no usable token).

use base64::Engine as _;
use subtle::ConstantTimeEq;

pub use getrandom::Error as NoRandomness;

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], NoRandomness> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// 256 random bits, base64url without padding (43 characters): a device token, a session, a
/// CSRF token.
pub fn random_token() -> Result<String, NoRandomness> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// `n` random characters of a 32-character `alphabet`, each equally likely (256 is a multiple
/// of 32, so masking a random byte keeps them even).
pub fn random_chars(alphabet: &[u8; 32], n: usize) -> Result<String, NoRandomness> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| alphabet[(b & 31) as usize] as char)
        .collect())
}

/// Whether two secrets (or two stored hashes) are the same, in time that does not depend on
/// where they differ. An empty secret matches nothing. Their lengths are not secret.
pub fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// SHA-256 in hex: how tokens and code secrets are stored.
pub fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_characters_and_never_repeat() {
        let a = random_token().expect("random");
        let b = random_token().expect("random");
        assert_eq!((a.len(), b.len()), (43, 43));
        assert_ne!(a, b);
    }

    #[test]
    fn secrets_match_only_themselves_and_never_when_empty() {
        let t = random_token().expect("random");
        assert!(same_secret(&t, &t.clone()));
        assert!(!same_secret(&t, &random_token().expect("random")));
        assert!(!same_secret(&t, &t[..42]));
        assert!(!same_secret("", ""));
        assert!(!same_secret("abc", "ab"));
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd"));
    }

    #[test]
    fn random_characters_come_from_the_alphabet() {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHJKMNPQRSTVWXYZ0123456789";
        let s = random_chars(ALPHABET, 200).expect("random");
        assert_eq!(s.len(), 200);
        assert!(s.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn a_secret_is_kept_as_its_sha256() {
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
