//! The shape of a personal access token's value, and the per-account limit.
//!
//! A value is [`PREFIX`], then [`RANDOM_CHARS`] base62 characters (from the server's
//! CSPRNG), then [`CHECKSUM_CHARS`] base62 characters of CRC32 over everything before
//! them. The checksum lets a secret scanner, a client or the server refuse a mistyped or
//! made-up value offline, before any database access.

/// The product prefix of every token value. It must never change: secret scanners
/// (GitHub's, GitLab's, gitleaks rules) recognise Kunci tokens by it.
pub const PREFIX: &str = "kunci_";
/// Random base62 characters after the prefix: 32 × log2(62) ≈ 190 bits.
pub const RANDOM_CHARS: usize = 32;
/// Base62 characters of the CRC32 checksum (62^6 > 2^32).
pub const CHECKSUM_CHARS: usize = 6;
/// The length of a whole value, in bytes (it is ASCII).
pub const LEN: usize = PREFIX.len() + RANDOM_CHARS + CHECKSUM_CHARS;

/// At most this many tokens per account (result 2338 past it).
pub const MAX_PER_ACCOUNT: usize = 100;

/// The digits of base62, in order.
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC-32 (IEEE 802.3, as zlib and PNG use it), one table lookup per byte.
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &b| {
        CRC32_TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8)
    })
}

const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            bit += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// `n` as exactly [`CHECKSUM_CHARS`] base62 digits, most significant first.
pub fn checksum_chars(n: u32) -> String {
    let mut n = u64::from(n);
    let mut out = [b'0'; CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// The checksum characters that follow `head` (the prefix and the random part).
pub fn checksum_of(head: &str) -> String {
    checksum_chars(crc32(head.as_bytes()))
}

/// Whether `value` has a value's shape: the prefix, then exactly
/// `RANDOM_CHARS + CHECKSUM_CHARS` ASCII letters and digits. A value of this shape is
/// all ASCII, so cutting it at any byte is safe.
pub fn has_shape(value: &str) -> bool {
    value.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == RANDOM_CHARS + CHECKSUM_CHARS
            && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Whether `value` is a well-formed token value: the right shape (checked first, so a
/// client's bytes never decide where a slice falls) and a matching checksum.
pub fn is_well_formed(value: &str) -> bool {
    has_shape(value) && {
        let (head, sum) = value.split_at(PREFIX.len() + RANDOM_CHARS);
        checksum_of(head) == sum
    }
}

/// Whether `value` claims to be a token (has the prefix); a session id never does.
pub fn looks_like(value: &str) -> bool {
    value.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_checksum(random: &str) -> String {
        let head = format!("{PREFIX}{random}");
        let sum = checksum_of(&head);
        format!("{head}{sum}")
    }

    #[test]
    fn crc32_matches_the_standard_check_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn checksum_is_crc32_in_six_base62_digits() {
        assert_eq!(LEN, 44);
        assert_eq!(checksum_chars(0), "000000");
        assert_eq!(checksum_chars(61), "00000z");
        assert_eq!(checksum_chars(62), "000010");
        assert_eq!(checksum_chars(u32::MAX), "4gfFC3");
    }

    #[test]
    fn well_formed_values_pass() {
        let v = with_checksum(&"aZ09".repeat(8));
        assert_eq!(v.len(), LEN);
        assert!(has_shape(&v) && is_well_formed(&v) && looks_like(&v));
    }

    #[test]
    fn a_changed_or_made_up_value_fails_the_checksum() {
        let v = with_checksum(&"aZ09".repeat(8));
        for pos in PREFIX.len()..LEN {
            let mut bytes = v.clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'x' { b'y' } else { b'x' };
            let changed = String::from_utf8(bytes).unwrap();
            assert!(has_shape(&changed));
            assert!(!is_well_formed(&changed), "{changed}");
        }
        assert!(!is_well_formed(&format!(
            "{PREFIX}{}000000",
            "A".repeat(RANDOM_CHARS)
        )));
    }

    #[test]
    fn values_of_another_shape_are_refused() {
        let v = with_checksum(&"a".repeat(RANDOM_CHARS));
        for bad in [
            String::new(),
            PREFIX.to_string(),
            v[..LEN - 1].to_string(),
            format!("{v}x"),
            v.replace(PREFIX, "kunca_"),
            v.replace(PREFIX, "KUNCI_"),
            format!("{}-{}", &v[..10], &v[11..]),
        ] {
            assert!(!has_shape(&bad) && !is_well_formed(&bad), "{bad}");
        }
    }

    #[test]
    fn multibyte_characters_are_refused_not_a_panic() {
        // 6 + 31 ASCII bytes, then `é` over bytes 37 and 38 (across the checksum cut),
        // then 5: 44 bytes in all.
        let straddling = format!("{PREFIX}{}é{}", "a".repeat(31), "b".repeat(5));
        assert_eq!(straddling.len(), LEN);
        assert!(!is_well_formed(&straddling));
        let in_prefix = format!("kunci\u{e9}{}", "a".repeat(37));
        assert_eq!(in_prefix.len(), LEN);
        assert!(!is_well_formed(&in_prefix) && !looks_like(&in_prefix));
        for pos in 0..=LEN - 2 {
            let ascii = with_checksum(&"a".repeat(RANDOM_CHARS));
            let s = format!("{}é{}", &ascii[..pos], &ascii[pos + 2..]);
            assert!(!is_well_formed(&s), "{s}");
        }
    }
}
