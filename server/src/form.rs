//! `application/x-www-form-urlencoded` names and values, as the REST API's parameter
//! parser (`rest::params`) and the request log's redaction (`telemetry`) both read them.

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
pub fn decode(raw: &str) -> Option<String> {
    if is_plain(raw) {
        return Some(raw.to_string());
    }
    let spaced = raw.replace('+', " ");
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&spaced).collect();
    String::from_utf8(bytes).ok()
}

/// The parameter a raw name from a query string or form body (still percent-encoded)
/// stands for: decoded, trimmed and lower-cased. `None` when it does not decode to
/// UTF-8; empty when it is blank. The parser reads parameters by this name, and the
/// request log decides what to redact by it (`telemetry::redact_query`): the two cannot
/// disagree about which parameter a spelling is.
pub fn canonical_name(raw: &str) -> Option<String> {
    if is_plain(raw) {
        return Some(normalize_name(raw));
    }
    decode(raw).map(|name| normalize_name(&name))
}

/// Whether `raw` has nothing to decode (no `+`, no `%`): most components are already
/// what they say, and UTF-8.
fn is_plain(raw: &str) -> bool {
    !raw.bytes().any(|b| b == b'+' || b == b'%')
}

/// A decoded name (a JSON body's, or one a handler asks for) in canonical form.
pub fn normalize_name(decoded: &str) -> String {
    decoded.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What decoding means, without the shortcut for components with nothing to decode.
    fn reference(raw: &str) -> Option<String> {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(&raw.replace('+', " ")).collect();
        String::from_utf8(bytes).ok()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any text, and text dense in `%`, `+`, hex digits and non-ASCII: the names and
        /// values read are those of percent-decoding with `+` as a space.
        #[test]
        fn names_and_values_are_percent_decoded_with_plus_as_space(
            raw in prop_oneof![any::<String>(), "[a-fA-F0-9%+ \t\u{e9}\u{1f511}\u{0}_-]{0,16}"]
        ) {
            prop_assert_eq!(decode(&raw), reference(&raw));
            prop_assert_eq!(canonical_name(&raw), reference(&raw).map(|n| normalize_name(&n)));
        }
    }

    #[test]
    fn examples() {
        assert_eq!(decode("envName").as_deref(), Some("envName"));
        assert_eq!(decode("a+b%20c").as_deref(), Some("a b c"));
        assert_eq!(decode("%ff"), None);
        assert_eq!(canonical_name(" EnvName ").as_deref(), Some("envname"));
        assert_eq!(canonical_name("Env%4Eame").as_deref(), Some("envname"));
    }
}
