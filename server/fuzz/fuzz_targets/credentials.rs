//! Fuzzes what a client's credential and parameter names meet before anything else:
//! the token parser (any text gives a token or nothing, never a panic, and a token only
//! for ASCII of the exact format) and the request log's redaction (every pair the
//! parser would read under a secret name is shown as `name=***`, whatever the spelling).
//!
//! Run: `cd server/fuzz && cargo +nightly fuzz run credentials -- -max_total_time=300`
#![no_main]

use kunci_server::domain::token::{PlainToken, TOKEN_LEN, TOKEN_PREFIX};
use kunci_server::rest::params::canonical_name;
use kunci_server::telemetry::{escape_control, is_secret_param, redact_query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Some(token) = PlainToken::parse(&text) {
        assert_eq!(token.expose(), text);
        assert_eq!(text.len(), TOKEN_LEN);
        assert!(text.is_ascii() && text.starts_with(TOKEN_PREFIX));
    }

    // The input as a query string: redaction keeps the pairs apart and hides every
    // value read under a secret name (or under a name that does not decode).
    let logged = redact_query(&text);
    let pairs: Vec<&str> = text.split('&').collect();
    let shown: Vec<&str> = logged.split('&').collect();
    assert_eq!(pairs.len(), shown.len());
    for (pair, shown) in pairs.iter().zip(&shown) {
        let name = pair.split_once('=').map_or(*pair, |(n, _)| n);
        match canonical_name(name) {
            Some(n) if !is_secret_param(&n) => assert_eq!(shown, pair),
            _ => assert_eq!(*shown, format!("{name}=***")),
        }
    }
    // The log's escaping leaves no control character.
    assert!(!escape_control(&text).chars().any(char::is_control));
});
