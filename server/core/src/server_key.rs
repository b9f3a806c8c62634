//! The server's secret key: 32 random bytes in a file outside the database
//! (`--secret-key-file`), so a copy of the database alone reveals no two-factor secret
//! and no recovery code. From it two keys are derived (HMAC-SHA256 of a label): one
//! encrypts TOTP secrets (XChaCha20-Poly1305, a random 192-bit nonce per encryption,
//! the user id as associated data so a ciphertext moved to another account does not
//! decrypt), one MACs recovery codes. Every instance on one database must hold the same
//! file; the database keeps a check value (an HMAC of a fixed text, never the key) so an
//! instance with another key refuses to start.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

use crate::Error;
use crate::error::internal;

type HmacSha256 = Hmac<Sha256>;

/// The file name used when no `--secret-key-file` is given (next to the SQLite file, or
/// in the data directory).
pub const DEFAULT_FILE_NAME: &str = "kunci-secret.key";

/// The server key and the keys derived from it. `Debug` prints the type name only.
pub struct ServerKey {
    seal: [u8; 32],
    mac: [u8; 32],
    check: String,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey")
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().into()
}

impl ServerKey {
    pub fn from_bytes(raw: &[u8; 32]) -> ServerKey {
        ServerKey {
            seal: hmac(raw, b"kunci two-factor secret encryption v1"),
            mac: hmac(raw, b"kunci recovery code mac v1"),
            check: hex::encode(hmac(raw, b"kunci server key check v1")),
        }
    }

    /// A key from the OS random generator (tests and tools).
    pub fn random() -> ServerKey {
        Self::from_bytes(&random_bytes())
    }

    /// Reads the key file at `path` (64 hex characters), or creates it with a new key,
    /// readable by its owner only (mode 0600), when it does not exist. Errors are one
    /// line naming the file and the flag.
    pub fn load_or_create(path: &Path) -> Result<ServerKey, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(text.trim()).ok_or_else(|| {
                format!(
                    "the secret key file {} is not a Kunci key (64 hex characters); restore the right file or point --secret-key-file at it",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(path),
            Err(e) => Err(format!(
                "cannot read the secret key file {}: {e} (check --secret-key-file)",
                path.display()
            )),
        }
    }

    fn parse(text: &str) -> Option<ServerKey> {
        let raw: [u8; 32] = hex::decode(text).ok()?.try_into().ok()?;
        Some(Self::from_bytes(&raw))
    }

    fn create(path: &Path) -> Result<ServerKey, String> {
        let cannot = |e: std::io::Error| {
            format!(
                "cannot create the secret key file {}: {e} (choose a writable place with --secret-key-file)",
                path.display()
            )
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(cannot)?;
        }
        let raw = random_bytes();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(format!("{}\n", hex::encode(raw)).as_bytes())
                    .and_then(|_| file.sync_all())
                    .map_err(cannot)?;
                tracing::info!(file = %path.display(), "created the server's secret key file");
                Ok(Self::from_bytes(&raw))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => Err(cannot(e)),
        }
    }

    /// The value the database keeps to recognise this key (reveals nothing of it).
    pub fn check_value(&self) -> &str {
        &self.check
    }

    /// Encrypts `plain` for account `user_id`: hex of nonce || ciphertext.
    pub fn seal(&self, user_id: i64, plain: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.seal).into());
        let mut nonce = [0u8; 24];
        OsRng
            .try_fill_bytes(&mut nonce)
            .expect("the OS random generator works");
        let aad = user_id.to_be_bytes();
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message this size");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        hex::encode(out)
    }

    /// Decrypts what [`ServerKey::seal`] made for `user_id`. A ciphertext that does not
    /// open (another key, another account, altered) is an internal error.
    pub fn open(&self, user_id: i64, sealed: &str) -> Result<Vec<u8>, Error> {
        let bytes = hex::decode(sealed).map_err(|_| internal("a sealed secret is not hex"))?;
        if bytes.len() < 24 + 16 {
            return Err(internal("a sealed secret is too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.seal).into());
        let aad = user_id.to_be_bytes();
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| internal("a two-factor secret does not decrypt with this server key"))
    }

    /// HMAC-SHA256 of `data` under the MAC key, as hex.
    pub fn mac(&self, data: &[u8]) -> String {
        hex::encode(hmac(&self.mac, data))
    }
}

fn random_bytes() -> [u8; 32] {
    let mut raw = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut raw)
        .expect("the OS random generator works");
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_account_and_key() {
        let key = ServerKey::random();
        let sealed = key.seal(7, b"twenty bytes secret!");
        assert_eq!(key.open(7, &sealed).unwrap(), b"twenty bytes secret!");
        assert!(key.open(8, &sealed).is_err(), "another account's");
        assert!(ServerKey::random().open(7, &sealed).is_err(), "another key");
        assert_ne!(
            sealed,
            key.seal(7, b"twenty bytes secret!"),
            "a new nonce each time"
        );
        assert!(!sealed.contains(&hex::encode(b"twenty bytes secret!")));
    }

    #[test]
    fn the_key_file_is_created_once_with_mode_0600_and_read_back() {
        let dir = std::env::temp_dir().join(format!("kunci-key-{}", crate::secrets::random_hex(6)));
        let path = dir.join(DEFAULT_FILE_NAME);
        let a = ServerKey::load_or_create(&path).unwrap();
        let b = ServerKey::load_or_create(&path).unwrap();
        assert_eq!(a.check_value(), b.check_value());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").unwrap();
        let e = ServerKey::load_or_create(&path).unwrap_err();
        assert!(e.contains("--secret-key-file"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
