//! Secret values as types. A secret's `Debug` prints nothing of it, and what reaches the
//! database is only its SHA-256 (high-entropy random values need no slow hash).

use rand::TryRngCore;
use rand::distr::{Alphanumeric, SampleString};
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// `len` characters of base62 drawn from the operating system's CSPRNG.
pub fn random_base62(len: usize) -> String {
    Alphanumeric.sample_string(&mut OsRng.unwrap_err(), len)
}

/// `bytes` random bytes from the OS CSPRNG, as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng
        .try_fill_bytes(&mut buf)
        .expect("the OS random generator works");
    hex::encode(buf)
}

/// Lower-case hex SHA-256 of `value`: the only form in which secrets are stored.
pub fn sha256_hex(value: &str) -> String {
    // Into a buffer rather than `hex::encode`'s one-char-at-a-time collect: this runs on
    // every token and session lookup. 32 bytes fill the 64 digits exactly, and hex digits
    // are ASCII, so neither step can fail.
    let mut digits = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(value.as_bytes()), &mut digits)
        .expect("32 bytes are 64 hex digits");
    String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
}

/// The hash of a secret, as stored. `Debug` shows the type only.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(String);

impl SecretHash {
    pub fn of(secret: &SecretString) -> SecretHash {
        SecretHash(sha256_hex(secret.expose_secret()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash")
    }
}

/// A browser or API session id: 40 base62 characters (238 bits).
pub struct SessionSecret(SecretString);

impl SessionSecret {
    pub const LEN: usize = 40;

    pub fn generate() -> SessionSecret {
        SessionSecret(SecretString::from(random_base62(Self::LEN)))
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_secrets_are_long_random_and_hidden() {
        let a = SessionSecret::generate();
        let b = SessionSecret::generate();
        assert_eq!(a.expose().len(), SessionSecret::LEN);
        assert!(a.expose().chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "SessionSecret");
        assert_eq!(format!("{:?}", a.hash()), "SecretHash");
        assert_eq!(a.hash().as_str().len(), 64);
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
