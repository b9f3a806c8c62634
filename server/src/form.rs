//! `application/x-www-form-urlencoded` names and values, as the REST API's parameter
//! parser (`rest::params`) and the request log's redaction (`telemetry`) both read them.

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
pub fn decode(raw: &str) -> Option<String> {
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
    decode(raw).map(|name| normalize_name(&name))
}

/// A decoded name (a JSON body's, or one a handler asks for) in canonical form.
pub fn normalize_name(decoded: &str) -> String {
    decoded.trim().to_lowercase()
}
