//! SSH public keys an account holds (users.account.AddSSHKey): a key validated once at
//! the edge, its title, and the stored record.
//!
//! A key is one OpenSSH public key line, `type base64 [comment]`, of the types OpenSSH
//! accepts today: `ssh-ed25519`, `ecdsa-sha2-nistp256/384/521`, and `ssh-rsa` of at
//! least 2048 bits. The line is decoded by the `ssh-key` crate (the type in the text must
//! match the one inside the data, nothing may follow the data) and stored re-encoded:
//! single spaces, canonical base64, the comment kept. Its identity is the SHA-256
//! fingerprint of the key material (`SHA256:…`, as `ssh-keygen -l` prints it), so the
//! same key under another comment or title is the same key.

use crate::Error;
use ssh_key::public::KeyData;
use ssh_key::{HashAlg, PublicKey};

/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 100;
/// The longest comment kept in a key line, in characters.
pub const COMMENT_MAX_CHARS: usize = 255;
/// The longest `sshKey` text read at all (a 16384-bit RSA key is under 3 KB).
pub const KEY_MAX_BYTES: usize = 8192;
/// RSA moduli accepted, in bits: OpenSSH's own minimum and maximum.
pub const RSA_MIN_BITS: usize = 2048;
pub const RSA_MAX_BITS: usize = 16384;

/// The key types accepted, as written in the line.
pub const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
];

/// A key's title: 1 to [`TITLE_MAX_CHARS`] characters after trimming, no control
/// characters (any other Unicode is fine: it is a label for people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKeyTitle(String);

impl SshKeyTitle {
    pub fn parse(raw: &str) -> Result<SshKeyTitle, Error> {
        let s = raw.trim();
        let err = |reason: String| Error::invalid("title", reason);
        if s.is_empty() {
            return Err(err("a title is required".into()));
        }
        if s.chars().count() > TITLE_MAX_CHARS {
            return Err(err(format!(
                "a title has at most {TITLE_MAX_CHARS} characters"
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(err("a title has no control characters".into()));
        }
        Ok(SshKeyTitle(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated OpenSSH public key: its normalized line and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshPublicKey {
    line: String,
    fingerprint: String,
}

impl SshPublicKey {
    /// Reads one OpenSSH public key line (blanks and tabs between the fields, surrounding
    /// whitespace and a final newline are fine). Anything else is result 3 naming
    /// `sshKey`, and the message never quotes the text sent (it may be a private key
    /// pasted by mistake).
    pub fn parse(raw: &str) -> Result<SshPublicKey, Error> {
        let err = |reason: &str| Error::invalid("sshKey", reason);
        let text = raw.trim();
        if text.is_empty() {
            return Err(err("a public key is required"));
        }
        if text.len() > KEY_MAX_BYTES {
            return Err(err(&format!(
                "a public key line has at most {KEY_MAX_BYTES} bytes"
            )));
        }
        if looks_private(text) {
            return Err(err(
                "this is a private key: never send it anywhere; paste the public key (the .pub file) instead",
            ));
        }
        if text.contains("BEGIN SSH2 PUBLIC KEY") {
            return Err(err(
                "this is an RFC 4716 key: convert it with ssh-keygen -i -f KEY.pub and paste the one-line OpenSSH form",
            ));
        }
        if text.contains(['\n', '\r']) {
            return Err(err("one key per call: a single line `type base64 comment`"));
        }
        if text.chars().any(|c| c.is_control() && c != '\t') {
            return Err(err("a public key line has no control characters"));
        }
        let mut fields = text.split_whitespace();
        let (Some(kind), Some(data)) = (fields.next(), fields.next()) else {
            return Err(err(
                "an OpenSSH public key line looks like `ssh-ed25519 AAAA… comment`",
            ));
        };
        if !KEY_TYPES.contains(&kind) {
            return Err(err(&format!(
                "unsupported key type: use {}",
                KEY_TYPES.join(", ")
            )));
        }
        if !data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            return Err(err("the key data is not base64"));
        }
        let comment = fields.collect::<Vec<_>>().join(" ");
        if comment.chars().count() > COMMENT_MAX_CHARS {
            return Err(err(&format!(
                "the key's comment has at most {COMMENT_MAX_CHARS} characters"
            )));
        }
        let line = if comment.is_empty() {
            format!("{kind} {data}")
        } else {
            format!("{kind} {data} {comment}")
        };
        let key = PublicKey::from_openssh(&line).map_err(|_| {
            err("not a valid OpenSSH public key: the data does not decode as its type")
        })?;
        if let KeyData::Rsa(rsa) = key.key_data() {
            let bits = rsa.n.as_positive_bytes().map(bit_length).unwrap_or(0);
            if bits < RSA_MIN_BITS {
                return Err(err(&format!(
                    "an RSA key has at least {RSA_MIN_BITS} bits (this one has {bits}): make a new one with ssh-keygen -t ed25519"
                )));
            }
            if bits > RSA_MAX_BITS {
                return Err(err(&format!("an RSA key has at most {RSA_MAX_BITS} bits")));
            }
        }
        let line = key
            .to_openssh()
            .map_err(|_| err("not a valid OpenSSH public key"))?;
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        Ok(SshPublicKey { line, fingerprint })
    }

    /// The normalized line: `type base64 comment` (no comment part when there is none).
    pub fn line(&self) -> &str {
        &self.line
    }

    /// `SHA256:` and the unpadded base64 of the key material's SHA-256.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// Whether the text is (the start of) a private key: PEM or OpenSSH armour, or PuTTY's
/// file format.
fn looks_private(text: &str) -> bool {
    (text.contains("-----BEGIN") && text.contains("PRIVATE KEY"))
        || text.starts_with("PuTTY-User-Key-File-")
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    (bytes.len() - 1) * 8 + (8 - bytes[0].leading_zeros() as usize)
}

/// An SSH key of an account, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SshKey {
    pub id: i64,
    pub title: String,
    /// The normalized line.
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILmFbJCFORgUXD6Gd3rokaY6edbzd1prtFEtvWged9PA ann@laptop";
    const P256: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMw2tsUMQvCK4brnHfX9UeBlKF7K8n1p6pWIT1ZgfVSaJrAFyHJEHnNvoN3kWR6NfiZwmEHgN8V8+BbFH9Zskh8= ann@laptop";
    const P384: &str = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBCFu2WgJS8xHE7ZTcMlvKvyr8MLbLwOaW+W6at+4ASH0Q5nMxtWXewaApMwF/NEn0pSO/Fo8JzXbBXgv3HJus7eNqEo7/4NlybgOeRgKfvrb08R/ADTK7xSmrMdlEl7VXw== ann@laptop";
    const P521: &str = "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADO6tMArmJQDlCLq5GYU//xCEuzWQ78yhLyMZs/uTjcTVeYx862ZI5QKvu9//53i9QUHfzyqsh/aF9jLXjxYS+yjgA/bgIdCr+FbOf+0mmjnKW16GNn8n11tHCPXq517VERoyQRO00V3v+j/lxxnNk4j6EBqsy4r6H5ghmqDm7hF0aRpQ== ann@laptop";
    const RSA_2048: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDFqDMorD+fF98OUnPYUOZxFTGYX/BnDSc4dgUh+Buf0usQKi3ENyUlVenret2xJ34VASg//AyVdIMt6tW4XjjBVbj87qXR/B3Vul3M0V1RKYfYd6/bc0OOsm4P+nj1+yf3FaUGyYupcIi3xqawoZF5kS0uKVlIpLNgyxyelsu2vTiukKXCI+Rj0KhnDmtGxUPtbdFfTKjR94UnA9jhb6iiik922RLjbLsGPFYjiOrXiJYY6VCD0IGMLPQJFlLjWhokmIgL/AZs7A33f9E0V8m7urEX884c9vnJpkv4bHEvkuvFIKBqdxRdl9jNmjIgg/Yb2i8y4sSjj2qyN6L//4/R ann@laptop";
    const RSA_1024: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC/qOsu2tKQL2ahmQ35G1wNmry5/5LURtau6bXB1ShEF4xPwC5v/LaN6Na+N9Bw6pxthaxo1BwbnsfU187ulCPXQ+pddlrSLBfiRzlsCAcBTBtopYJLifD6bHFt36Xd+9DlG7TgO6LOJcGGJhihRcqPfONTNbrmSFLJetCN22wtDQ== ann@laptop";
    const DSA_PREFIX: &str = "ssh-dss AAAAB3NzaC1kc3MAAACBAMio98KKaykB0/jX9J3q/dNMaCDcJpYh";

    fn reason(raw: &str) -> String {
        match SshPublicKey::parse(raw) {
            Err(Error::InvalidParameter { name, reason, .. }) => {
                assert_eq!(name, "sshKey", "{raw:?}");
                reason
            }
            other => panic!("{raw:?} gave {other:?}"),
        }
    }

    /// Every accepted type, with the fingerprint `ssh-keygen -lf` printed for it.
    #[test]
    fn openssh_keys_parse_with_ssh_keygens_fingerprints() {
        let cases = [
            (
                ED25519,
                "SHA256:rRRddeMARlLmDK0roLj39Oo78uDwglYELZd6HChLUbQ",
            ),
            (P256, "SHA256:ln1z4smzTY48iWghg3IjZu+6wzsAVUn9D+nxfQKhmEo"),
            (P384, "SHA256:XRXvay/ksgHqNQFvwYEgexneaZeQpIO+xTx5rztFNcQ"),
            (P521, "SHA256:EE4JKU2v2LE8cbES023qerk15W0RaPUMwc4w7o1ov1c"),
            (
                RSA_2048,
                "SHA256:9zYwSDhc3UWsPBpBA+WiMGr0MysQ8kMhSU4HSPgLAW8",
            ),
        ];
        for (line, fingerprint) in cases {
            let key = SshPublicKey::parse(line).unwrap();
            assert_eq!(key.line(), line);
            assert_eq!(key.fingerprint(), fingerprint);
        }
    }

    #[test]
    fn lines_are_normalized_and_the_comment_does_not_change_the_identity() {
        let key = SshPublicKey::parse(ED25519).unwrap();
        let messy = format!(
            "  {}\t\t{}   ann@laptop  \r\n",
            &ED25519[..11],
            &ED25519[12..80]
        );
        let same = SshPublicKey::parse(&messy).unwrap();
        assert_eq!(same, key);
        let bare = SshPublicKey::parse(&ED25519[..80]).unwrap();
        assert_eq!(bare.line(), &ED25519[..80], "no comment, no trailing space");
        assert_eq!(bare.fingerprint(), key.fingerprint());
        let spaced = SshPublicKey::parse(&format!("{} my  old   laptop", &ED25519[..80])).unwrap();
        assert!(
            spaced.line().ends_with(" my old laptop"),
            "{}",
            spaced.line()
        );
        let unicode = SshPublicKey::parse(&format!("{} Zoë’s 🚀", &ED25519[..80])).unwrap();
        assert!(unicode.line().ends_with(" Zoë’s 🚀"));
    }

    #[test]
    fn weak_unsupported_and_malformed_keys_are_refused() {
        assert!(reason(RSA_1024).contains("at least 2048 bits (this one has 1024)"));
        assert!(reason(&format!("{DSA_PREFIX} x")).contains("unsupported key type"));
        assert!(reason("").contains("required"));
        assert!(reason("   \n ").contains("required"));
        assert!(reason("ssh-ed25519").contains("looks like"));
        assert!(reason("AAAAC3NzaC1lZDI1NTE5AAAAILmFbJCF").contains("looks like"));
        assert!(reason("ssh-foo AAAA x").contains("unsupported key type"));
        // The type in the text must match the type inside the data.
        let renamed = ED25519.replacen("ssh-ed25519", "ecdsa-sha2-nistp256", 1);
        assert!(reason(&renamed).contains("does not decode"));
        // Cut short, or with bytes after the key.
        assert!(reason(&ED25519[..60]).contains("does not decode"));
        assert!(reason(&P256.replacen("kh8=", "kh8AAAA", 1)).contains("does not decode"));
        assert!(reason("ssh-ed25519 AAAA!!!! x").contains("not base64"));
        assert!(reason("ssh-ed25519 AAAAÄÖ x").contains("not base64"));
        assert!(reason(&format!("{ED25519}\n{P256}")).contains("one key per call"));
        assert!(reason(&format!("{} a\u{7}b", &ED25519[..80])).contains("control"));
        assert!(reason(&format!("{} a\u{0}b", &ED25519[..80])).contains("control"));
        assert!(reason(&format!("{} {}", &ED25519[..80], "c".repeat(256))).contains("comment"));
        assert!(reason(&"A".repeat(KEY_MAX_BYTES + 1)).contains("at most"));
    }

    #[test]
    fn a_private_key_is_refused_without_being_quoted() {
        let armour = concat!("-----BEGIN OPENSSH ", "PRIVATE KEY-----");
        let pasted = format!(
            "{armour}\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"
        );
        for text in [
            pasted.as_str(),
            armour,
            concat!("-----BEGIN RSA ", "PRIVATE KEY----- MIIEow"),
            "PuTTY-User-Key-File-3: ssh-ed25519",
        ] {
            let why = reason(text);
            assert!(why.contains("private key"), "{why}");
            assert!(!why.contains("b3BlbnNzaC1rZXk") && !why.contains("MIIEow"));
        }
        assert!(
            reason("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----")
                .contains("RFC 4716")
        );
    }

    #[test]
    fn titles_are_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(SshKeyTitle::parse("  laptop ").unwrap().as_str(), "laptop");
        assert_eq!(SshKeyTitle::parse("Zoë’s 🚀").unwrap().as_str(), "Zoë’s 🚀");
        assert!(SshKeyTitle::parse(&"é".repeat(100)).is_ok());
        for bad in ["", "   ", "a\u{0}b", "tab\there", "new\nline", "\u{1b}[31m"] {
            assert_eq!(
                SshKeyTitle::parse(bad).unwrap_err().parameter(),
                Some("title"),
                "{bad:?}"
            );
        }
        assert!(SshKeyTitle::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn bit_lengths_count_significant_bits() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0, 0x7f, 0xff]), 15);
    }
}
