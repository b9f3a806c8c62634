//! Personal access tokens at the edge: the value format, descriptions, expiry dates and
//! API lists, each validated once.
//!
//! A token value is `kunci_` + 32 base62 characters from the OS CSPRNG (190 bits) +
//! 6 base62 characters of CRC32 over the first 38. The checksum lets a secret scanner or
//! a client reject a mistyped or made-up value offline, and the server rejects it
//! before touching the database.
//!
//! The rules the dashboard applies too (the value's shape, descriptions, the dashboard's
//! expiry dates and the maximum expiry) are `kunci_rules`'; this module maps their
//! errors to the core's [`Error`].

use crate::Error;
use crate::refusal::Refusal;
use secrecy::{ExposeSecret, SecretString};

use kunci_rules::description::DescriptionError;
use kunci_rules::{description, expiry, token};

use crate::clock::{Timestamp, parse_wire};
use crate::domain::catalog::{ApiMethod, Catalog};
use crate::secrets::{SecretHash, random_base62};

pub use kunci_rules::token::{
    CHECKSUM_CHARS as TOKEN_CHECKSUM_CHARS, LEN as TOKEN_LEN, PREFIX as TOKEN_PREFIX,
    RANDOM_CHARS as TOKEN_RANDOM_CHARS,
};

/// A token value in plain text. It exists only between its creation and the one
/// answer that shows it; `Debug` prints nothing of it.
pub struct PlainToken(SecretString);

impl PlainToken {
    pub fn generate() -> PlainToken {
        let head = format!("{TOKEN_PREFIX}{}", random_base62(TOKEN_RANDOM_CHARS));
        let sum = token::checksum_of(&head);
        PlainToken(SecretString::from(format!("{head}{sum}")))
    }

    /// Checks the format and checksum ([`token::is_well_formed`]), without any database
    /// access.
    pub fn parse(value: &str) -> Option<PlainToken> {
        token::is_well_formed(value).then(|| PlainToken(SecretString::from(value.to_string())))
    }

    /// Whether `value` claims to be a token (has the prefix); sessions never do.
    pub fn looks_like(value: &str) -> bool {
        token::looks_like(value)
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainToken(***)")
    }
}

/// A token's description: 1 to 255 characters after trimming; any Unicode except
/// control characters ([`description::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDescription(String);

impl TokenDescription {
    pub const MAX_CHARS: usize = description::MAX_CHARS;

    pub fn parse(raw: &str) -> Result<TokenDescription, Error> {
        description::check(raw)
            .map(|s| TokenDescription(s.to_string()))
            .map_err(|e: DescriptionError| Error::refused("description", Refusal::Description(e)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How far ahead an expiry may be: years in the messages, seconds in the rule.
pub use kunci_rules::expiry::{
    MAX_AHEAD_SECONDS as MAX_EXPIRY_SECONDS, MAX_YEARS as MAX_EXPIRY_YEARS,
};

/// A token's expiry: `None` never expires; a time must be in the future and at most
/// 10 × 366 days ahead ([`expiry::check`]).
pub fn check_expiry(ts: Timestamp, now: Timestamp, param: &str) -> Result<Timestamp, Error> {
    expiry::check(ts, now).map_err(|e| Error::refused(param, Refusal::Expiry(e)))
}

/// The REST API's `expiresAt`: `yyyy-MM-dd HH:mm:ss` UTC (or `yyyy-MM-dd`, or ISO 8601).
/// Empty means "never".
pub fn parse_wire_expiry(raw: &str, now: Timestamp) -> Result<Option<Timestamp>, Error> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let ts = parse_wire(raw).ok_or_else(|| {
        Error::invalid(
            "expiresAt",
            "a date as yyyy-MM-dd HH:mm:ss (UTC) that exists",
        )
    })?;
    check_expiry(ts, now, "expiresAt").map(Some)
}

/// The dashboard's Expires At: `dd-mm-yyyy`, valid through the end of that day (UTC).
/// Empty means "never". The browser checks it with the same function before sending it.
pub fn parse_ui_expiry(raw: &str, now: Timestamp) -> Result<Option<Timestamp>, Error> {
    expiry::parse_dd_mm_yyyy(raw, now).map_err(|e| Error::refused("expires", Refusal::Expiry(e)))
}

/// Splits an API list in any form the platform's clients send: a JSON array, a
/// Python-style list (`['a', 'b']`), or text separated by `,` `;` or new lines
/// (repeated parameters arrive already joined with `,`).
pub fn split_api_list(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    if raw.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(raw)
    {
        return items
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    let inner = raw
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(raw);
    inner
        .split([',', ';', '\n'])
        .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// At most this many names in one API list (the catalog has 860).
pub const MAX_API_LIST: usize = 2000;

/// Resolves an API list to catalog methods: unknown names are result 3 naming them,
/// private methods (authentication, the account's own management) cannot be granted,
/// duplicates collapse, order follows the catalog.
pub fn parse_api_list(raw: &str, param: &str) -> Result<Vec<&'static ApiMethod>, Error> {
    let names = split_api_list(raw);
    if names.len() > MAX_API_LIST {
        return Err(Error::refused(
            param,
            Refusal::TooManyMethods { max: MAX_API_LIST },
        ));
    }
    let catalog = Catalog::get();
    let mut methods = Vec::with_capacity(names.len());
    let mut unknown = Vec::new();
    for name in &names {
        match catalog.find(name) {
            Some(m) if m.is_private() => {
                return Err(Error::refused(
                    param,
                    Refusal::PrivateMethod {
                        method: m.name.to_string(),
                    },
                ));
            }
            Some(m) => methods.push(m),
            None => unknown.push(name.chars().take(100).collect::<String>()),
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown.iter().take(5).map(|u| format!("[{u}]")).collect();
        return Err(Error::refused(
            param,
            Refusal::UnknownMethods {
                names: shown.join(", "),
            },
        ));
    }
    if methods.is_empty() {
        return Err(Error::refused(param, Refusal::NoMethod));
    }
    methods.sort_by_key(|m| m.id);
    methods.dedup_by_key(|m| m.id);
    Ok(methods)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_format_round_trips_and_carries_a_checksum() {
        let t = PlainToken::generate();
        let v = t.expose().to_string();
        assert_eq!(v.len(), TOKEN_LEN);
        assert_eq!(TOKEN_LEN, 44);
        assert!(v.starts_with("kunci_"));
        assert!(
            v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "URL-safe: {v}"
        );
        assert!(PlainToken::parse(&v).is_some());
        assert_eq!(PlainToken::parse(&v).unwrap().hash(), t.hash());
        assert_ne!(PlainToken::generate().expose(), v);
        assert_eq!(format!("{t:?}"), "PlainToken(***)");
    }

    #[test]
    fn a_mistyped_or_made_up_value_fails_the_checksum() {
        let v = PlainToken::generate().expose().to_string();
        // Change one character of the random part, one of the checksum, swap two.
        let mut bytes = v.clone().into_bytes();
        bytes[10] = if bytes[10] == b'a' { b'b' } else { b'a' };
        assert!(PlainToken::parse(std::str::from_utf8(&bytes).unwrap()).is_none());
        let mut bytes = v.clone().into_bytes();
        bytes[TOKEN_LEN - 1] = if bytes[TOKEN_LEN - 1] == b'0' {
            b'1'
        } else {
            b'0'
        };
        assert!(PlainToken::parse(std::str::from_utf8(&bytes).unwrap()).is_none());
        let made_up = format!("kunci_{}{}", "A".repeat(32), "000000");
        assert!(PlainToken::parse(&made_up).is_none());
        for bad in [
            "",
            "kunci_",
            &v[..TOKEN_LEN - 1],
            &format!("{v}x"),
            &v.replace("kunci_", "kunca_"),
            &format!("{}-{}", &v[..10], &v[11..]),
        ] {
            assert!(PlainToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_multibyte_character_across_the_checksum_cut_is_refused_not_a_panic() {
        // 6 + 31 ASCII bytes, then `é` over bytes 37 and 38, then 5: 44 bytes in all.
        let straddling = format!("kunci_{}é{}", "a".repeat(31), "b".repeat(5));
        assert_eq!(straddling.len(), TOKEN_LEN);
        assert!(PlainToken::parse(&straddling).is_none());
        let in_prefix = format!("kunci\u{e9}{}", "a".repeat(37));
        assert_eq!(in_prefix.len(), TOKEN_LEN);
        assert!(PlainToken::parse(&in_prefix).is_none());
        assert!(PlainToken::parse(&format!("kunci_{}\u{20ac}{}", "a".repeat(34), "b")).is_none());
    }

    #[test]
    fn checksum_is_the_standard_crc32() {
        // kunci-rules carries its own CRC32 (no dependencies); crc32fast is the referee.
        let t = PlainToken::generate();
        let (head, sum) = t.expose().split_at(TOKEN_PREFIX.len() + TOKEN_RANDOM_CHARS);
        assert_eq!(sum, token::checksum_chars(crc32fast::hash(head.as_bytes())));
        for bytes in [&b""[..], b"kunci_", &[0xff; 300], "é🚀".as_bytes()] {
            assert_eq!(token::crc32(bytes), crc32fast::hash(bytes));
        }
    }

    #[test]
    fn descriptions_are_trimmed_bounded_and_unicode() {
        assert_eq!(
            TokenDescription::parse("  gitlab deploy ")
                .unwrap()
                .as_str(),
            "gitlab deploy"
        );
        assert!(TokenDescription::parse(&"é".repeat(255)).is_ok());
        assert!(TokenDescription::parse(&"é".repeat(256)).is_err());
        assert!(TokenDescription::parse("   ").is_err());
        assert!(TokenDescription::parse("a\u{0}b").is_err());
        assert!(TokenDescription::parse("<img src=x onerror=alert(1)> 🚀").is_ok());
    }

    #[test]
    fn expiry_dates_must_exist_and_lie_ahead() {
        let now = parse_wire("2026-11-28 12:00:00").unwrap();
        assert_eq!(parse_wire_expiry("", now).unwrap(), None);
        assert_eq!(
            parse_wire_expiry("2027-01-31 00:00:00", now).unwrap(),
            parse_wire("2027-01-31 00:00:00")
        );
        for bad in [
            "2026-11-28 11:59:59",
            "2027-02-31 00:00:00",
            "31-01-2027",
            "9999-12-31 00:00:00",
            "soon",
        ] {
            assert_eq!(
                parse_wire_expiry(bad, now).unwrap_err().parameter(),
                Some("expiresAt"),
                "{bad}"
            );
        }
        assert_eq!(
            parse_ui_expiry("31-01-2027", now).unwrap(),
            parse_wire("2027-01-31 23:59:59")
        );
        assert_eq!(
            parse_ui_expiry("28-11-2026", now).unwrap(),
            parse_wire("2026-11-28 23:59:59"),
            "today still counts"
        );
        for bad in ["31-02-2027", "27-11-2026", "2027-01-31", "01-01-2099"] {
            assert_eq!(
                parse_ui_expiry(bad, now).unwrap_err().parameter(),
                Some("expires"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_server_and_the_browser_answer_expiry_alike() {
        // The dashboard's form calls kunci_rules::expiry::parse_dd_mm_yyyy; the server
        // must give the same answer and the same message for every input.
        let now = parse_wire("2026-11-28 12:00:00").unwrap();
        for raw in [
            "",
            "28-11-2026",
            "27-11-2026",
            "29-02-2028",
            "31-02-2027",
            "04-12-2036",
            "05-12-2036",
            "31-12-2036",
            "2027-01-31",
        ] {
            let server = parse_ui_expiry(raw, now);
            let browser = expiry::parse_dd_mm_yyyy(raw, now);
            assert_eq!(server.clone().ok(), browser.ok(), "{raw}");
            assert_eq!(
                server.err().map(|e| e.to_string()),
                browser
                    .err()
                    .map(|e| format!("invalid parameter [expires]: {e}")),
                "{raw}"
            );
        }
        assert!(parse_ui_expiry("04-12-2036", now).is_ok(), "10 × 366 days");
        assert!(parse_ui_expiry("05-12-2036", now).is_err());
    }

    #[test]
    fn api_lists_come_in_every_client_form() {
        let want = vec![
            "env.control.StopEnv".to_string(),
            "env.control.StartEnv".to_string(),
        ];
        for raw in [
            r#"["env.control.StopEnv","env.control.StartEnv"]"#,
            "['env.control.StopEnv', 'env.control.StartEnv']",
            "env.control.StopEnv,env.control.StartEnv",
            "env.control.StopEnv; env.control.StartEnv",
            "env.control.StopEnv\nenv.control.StartEnv",
        ] {
            assert_eq!(split_api_list(raw), want, "{raw}");
        }
        let methods = parse_api_list(
            "environment.control.stopenv,env.control.StopEnv,env.control.GetEnvInfo",
            "apiList",
        )
        .unwrap();
        let names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["env.control.GetEnvInfo", "env.control.StopEnv"],
            "canonical, deduplicated, catalog order"
        );
        let unknown =
            parse_api_list("env.control.StopEnv,env.control.Nope", "apiList").unwrap_err();
        assert!(
            unknown.to_string().contains("[env.control.Nope]"),
            "{unknown}"
        );
        assert!(parse_api_list("users.authentication.GetTokens", "apiList").is_err());
        assert!(parse_api_list("[]", "apiList").is_err());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Token-shaped values with a multi-byte character anywhere (across the cut
        /// between the random part and the checksum too) are refused, never a panic.
        #[test]
        fn token_shaped_values_with_multibyte_characters_are_refused(
            pos in 0usize..TOKEN_LEN,
            c in "[\u{80}-\u{10FFFF}]",
        ) {
            // The character replaces as many bytes as it takes: the value keeps 44 bytes
            // when it fits.
            let ascii = format!("{TOKEN_PREFIX}{}", "A".repeat(TOKEN_LEN - TOKEN_PREFIX.len()));
            let s = format!("{}{c}{}", &ascii[..pos], &ascii[(pos + c.len()).min(TOKEN_LEN)..]);
            prop_assert!(PlainToken::parse(&s).is_none(), "{s} accepted");
        }

        /// The token parser takes any text without panicking, and accepts only values of
        /// the exact format with a matching checksum.
        #[test]
        fn token_parser_accepts_only_well_formed_values(s in "\\PC{0,60}") {
            if let Some(t) = PlainToken::parse(&s) {
                prop_assert_eq!(t.expose(), s.as_str());
                prop_assert_eq!(s.len(), TOKEN_LEN);
                prop_assert!(s.starts_with(TOKEN_PREFIX));
            }
        }

        /// A generated value always parses; any one-character change never does.
        #[test]
        fn any_single_character_change_is_caught(pos in 0usize..TOKEN_LEN, c in "[0-9A-Za-z_]") {
            let t = PlainToken::generate();
            let v = t.expose().to_string();
            prop_assert!(PlainToken::parse(&v).is_some());
            let mut changed = v.clone().into_bytes();
            changed[pos] = c.as_bytes()[0];
            let changed = String::from_utf8(changed).unwrap();
            if changed != v {
                prop_assert!(PlainToken::parse(&changed).is_none(), "{changed} accepted");
            }
        }

        /// The apiList parser never panics, and what it accepts are catalog methods a token
        /// may hold, without duplicates, in catalog order.
        #[test]
        fn api_list_parser_yields_only_grantable_catalog_methods(raw in "[\\[\\]'\", ;a-zA-Z.\\n]{0,200}") {
            if let Ok(methods) = parse_api_list(&raw, "apiList") {
                prop_assert!(!methods.is_empty());
                prop_assert!(methods.windows(2).all(|w| w[0].id < w[1].id));
                prop_assert!(methods.iter().all(|m| !m.is_private()));
            }
        }

        /// Real catalog names in any mix of the accepted forms parse to themselves.
        #[test]
        fn api_lists_of_real_names_round_trip(picks in proptest::collection::vec(0usize..800, 1..12), form in 0usize..4) {
            let catalog = Catalog::get();
            let names: Vec<String> = picks
                .iter()
                .map(|i| catalog.all()[*i].name.clone())
                .filter(|n| !catalog.find(n).unwrap().is_private())
                .collect();
            prop_assume!(!names.is_empty());
            let raw = match form {
                0 => serde_json::to_string(&names).unwrap(),
                1 => names.join(","),
                2 => names.join(";"),
                _ => format!("[{}]", names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")),
            };
            let parsed: Vec<String> = parse_api_list(&raw, "apiList").unwrap().iter().map(|m| m.name.clone()).collect();
            let mut want = names.clone();
            want.sort_by_key(|n| catalog.find(n).unwrap().id);
            want.dedup();
            prop_assert_eq!(parsed, want);
        }

        /// The dashboard's own check (kunci_rules, in the WASM) and the server's accept the
        /// same dates, as the same times.
        #[test]
        fn browser_and_server_agree_on_any_dashboard_date(
            d in 0u32..33, m in 0u32..14, y in 1960u32..2100, now in 0i64..4_000_000_000,
        ) {
            let raw = format!("{d:02}-{m:02}-{y:04}");
            prop_assert_eq!(parse_ui_expiry(&raw, now).ok(), expiry::parse_dd_mm_yyyy(&raw, now).ok());
        }

        /// Expiry parsing never panics; an accepted date lies ahead, within ten years.
        #[test]
        fn expiry_parsers_accept_only_future_dates(raw in "[0-9: T\\-Z/]{0,25}", now in 0i64..4_000_000_000) {
            for parsed in [parse_wire_expiry(&raw, now), parse_ui_expiry(&raw, now)] {
                match parsed {
                    Ok(Some(ts)) => prop_assert!(ts > now && ts <= now + MAX_EXPIRY_SECONDS),
                    Ok(None) => prop_assert!(raw.trim().is_empty()),
                    Err(e) => prop_assert_eq!(e.code(), 3),
                }
            }
        }
    }
}
