//! The platform's request parameters: the query string and the body, merged.
//!
//! - names are case-insensitive (`envName`, `envname`, `ENVNAME`) and trimmed: every
//!   spelling is read as its [`canonical_name`], which the request log's redaction uses
//!   too (JSON body names go through the same [`normalize_name`]);
//! - a name repeated (`apiList=a&apiList=b`) is joined with `,`;
//! - the body may be `application/x-www-form-urlencoded` (what clients send), or a JSON
//!   object (an extension: its values become parameters, objects and arrays as JSON text);
//! - values must be UTF-8 after percent-decoding; anything else is result 3.

use std::collections::HashMap;

use kunci_core::Error;
use serde_json::Value;

/// At most this many name=value pairs per request.
pub const MAX_PAIRS: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct Params {
    values: HashMap<String, String>,
}

/// How the body is encoded, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Form,
    Json,
    /// Anything else: accepted only when the body is empty.
    Other,
}

impl BodyKind {
    pub fn from_content_type(content_type: Option<&str>) -> BodyKind {
        let Some(ct) = content_type else {
            return BodyKind::Form;
        };
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "" | "application/x-www-form-urlencoded" | "text/plain" => BodyKind::Form,
            "application/json" => BodyKind::Json,
            _ => BodyKind::Other,
        }
    }
}

pub use crate::form::{canonical_name, decode, normalize_name};

impl Params {
    /// Merges the query string and the body.
    pub fn parse(query: Option<&str>, body: &[u8], kind: BodyKind) -> Result<Params, Error> {
        let mut params = Params::default();
        if let Some(q) = query {
            params.add_form(q)?;
        }
        if !body.is_empty() {
            match kind {
                BodyKind::Form => {
                    let text = std::str::from_utf8(body)
                        .map_err(|_| Error::invalid("request", "the body is not valid UTF-8"))?;
                    params.add_form(text)?;
                }
                BodyKind::Json => params.add_json(body)?,
                BodyKind::Other => {
                    return Err(Error::invalid(
                        "request",
                        "unsupported content type: send application/x-www-form-urlencoded (or a JSON object)",
                    ));
                }
            }
        }
        Ok(params)
    }

    /// Adds a value under a name already in canonical form.
    fn insert(&mut self, name: String, value: String) -> Result<(), Error> {
        if self.values.len() >= MAX_PAIRS && !self.values.contains_key(&name) {
            return Err(Error::invalid(
                "request",
                format!("more than {MAX_PAIRS} parameters"),
            ));
        }
        self.values
            .entry(name)
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
        Ok(())
    }

    fn add_form(&mut self, text: &str) -> Result<(), Error> {
        for (i, pair) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
            if i >= MAX_PAIRS {
                return Err(Error::invalid(
                    "request",
                    format!("more than {MAX_PAIRS} parameters"),
                ));
            }
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = canonical_name(raw_name)
                .ok_or_else(|| Error::invalid("request", "a parameter name is not valid UTF-8"))?;
            if name.is_empty() {
                continue;
            }
            let value =
                decode(raw_value).ok_or_else(|| Error::invalid(&name, "not valid UTF-8"))?;
            self.insert(name, value)?;
        }
        Ok(())
    }

    fn add_json(&mut self, body: &[u8]) -> Result<(), Error> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| Error::invalid("request", format!("the body is not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(Error::invalid(
                "request",
                "a JSON body must be an object of parameters",
            ));
        };
        for (name, v) in map {
            let name = normalize_name(&name);
            if name.is_empty() {
                continue;
            }
            let text = match v {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            };
            self.insert(name, text)?;
        }
        Ok(())
    }

    /// The raw value, if the parameter was sent (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        // The names handlers ask for are short ASCII words: lower-cased on the stack
        // (for ASCII, the same as `normalize_name`), without a copy on the heap.
        let mut buf = [0u8; 32];
        let ascii = match buf.get_mut(..name.len()) {
            Some(lower) if name.is_ascii() && name.trim() == name => {
                lower.copy_from_slice(name.as_bytes());
                lower.make_ascii_lowercase();
                std::str::from_utf8(lower).ok()
            }
            _ => None,
        };
        match ascii {
            Some(key) => self.values.get(key),
            None => self.values.get(&normalize_name(name)),
        }
        .map(String::as_str)
    }

    /// The value, trimmed, if sent and not blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The value, or result 3 naming the parameter.
    pub fn required(&self, name: &str) -> Result<&str, Error> {
        self.text(name)
            .ok_or_else(|| Error::invalid(name, "required"))
    }

    /// The value of a typed (boolean, number) parameter: absent, blank, `null` or
    /// Python's `None` (what one client sends for an unset argument) is `None`.
    fn typed(&self, name: &str) -> Option<&str> {
        self.text(name)
            .filter(|v| !v.eq_ignore_ascii_case("null") && *v != "None")
    }

    /// `true`/`false`, `True`/`False`, `1`/`0` (any case); absent, blank, `null` or
    /// `None` is `None`.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, Error> {
        match self.typed(name) {
            None => Ok(None),
            Some(v) => parse_bool(v)
                .map(Some)
                .ok_or_else(|| Error::invalid(name, "must be true or false")),
        }
    }

    /// A whole number; absent, blank, `null` or `None` is `None`.
    pub fn int(&self, name: &str) -> Result<Option<i64>, Error> {
        match self.typed(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| Error::invalid(name, "must be a whole number")),
        }
    }

    /// A JSON value sent as text; absent, blank, `null` or `None` is `None`. A value in
    /// Python's literal syntax (`['a', 'b']`, `True`/`False`/`None`), which one client
    /// sends for every list, is read as the JSON it means.
    pub fn json(&self, name: &str) -> Result<Option<Value>, Error> {
        let Some(v) = self.text(name) else {
            return Ok(None);
        };
        let parsed = match serde_json::from_str(v) {
            Ok(value) => value,
            Err(e) => python_literal(v)
                .ok_or_else(|| Error::invalid(name, format!("not valid JSON: {e}")))?,
        };
        Ok(Some(parsed).filter(|v: &Value| !v.is_null()))
    }

    /// Names of all parameters (lower-case), for tests and diagnostics.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Reads a Python literal (single- or double-quoted strings, `True`, `False`, `None`,
/// numbers, lists, dicts) as JSON; `None` when it is not one.
pub fn python_literal(text: &str) -> Option<Value> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let quote = c;
                let mut s = String::new();
                loop {
                    match chars.next()? {
                        '\\' => {
                            let escaped = chars.next()?;
                            s.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                        }
                        q if q == quote => break,
                        other => s.push(other),
                    }
                }
                out.push_str(&serde_json::to_string(&s).ok()?);
            }
            c if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&n) = chars
                    .peek()
                    .filter(|n| n.is_ascii_alphanumeric() || **n == '_')
                {
                    word.push(n);
                    chars.next();
                }
                out.push_str(match word.as_str() {
                    "True" | "true" => "true",
                    "False" | "false" => "false",
                    "None" | "null" => "null",
                    _ => return None,
                });
            }
            other => out.push(other),
        }
    }
    serde_json::from_str(&out).ok()
}

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// An id list as the platform sends it: `1;4;6`, `1,4,6`, a JSON array `[1,4,6]`, or
/// `*` for all (`None`).
pub fn parse_ids(raw: &str, param: &str) -> Result<Option<Vec<i64>>, Error> {
    let raw = raw.trim();
    if raw == "*" {
        return Ok(None);
    }
    let inner = raw
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(raw);
    let ids: Result<Vec<i64>, _> = inner
        .split([',', ';'])
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .map(str::parse::<i64>)
        .collect();
    match ids {
        Ok(ids) if !ids.is_empty() && ids.len() <= 1000 => Ok(Some(ids)),
        Ok(ids) if ids.is_empty() => Err(Error::invalid(param, "at least one id, or *")),
        Ok(_) => Err(Error::invalid(param, "at most 1000 ids")),
        Err(_) => Err(Error::invalid(
            param,
            "ids are whole numbers separated by ; or , (or *)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_parameters_read_python_literals_and_treat_null_as_absent() {
        let params = |v: &str| {
            Params::parse(
                None,
                format!("x={}", urlencoding_lite(v)).as_bytes(),
                BodyKind::Form,
            )
            .unwrap()
        };
        for (sent, expect) in [
            (r#"["a","b"]"#, Some(serde_json::json!(["a", "b"]))),
            ("['a', 'b']", Some(serde_json::json!(["a", "b"]))),
            (
                "[{'command': 'ls', 'params': ''}]",
                Some(serde_json::json!([{"command": "ls", "params": ""}])),
            ),
            (
                "{'A': True, 'B': None, 'C': 'it\\'s'}",
                Some(serde_json::json!({"A": true, "B": null, "C": "it's"})),
            ),
            ("null", None),
            ("None", None),
            ("", None),
        ] {
            assert_eq!(params(sent).json("x").unwrap(), expect, "{sent}");
        }
        for bad in ["[1,", "{'a': Nonsense}", "['unterminated]"] {
            assert_eq!(
                params(bad).json("x").unwrap_err().parameter(),
                Some("x"),
                "{bad}"
            );
        }
        // Unset typed arguments as a Python client sends them.
        for unset in ["None", "null", ""] {
            assert_eq!(params(unset).bool("x").unwrap(), None, "{unset}");
            assert_eq!(params(unset).int("x").unwrap(), None, "{unset}");
        }
        assert_eq!(
            params("Nonsense").bool("x").unwrap_err().parameter(),
            Some("x")
        );
    }

    fn urlencoding_lite(v: &str) -> String {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// The parameter-parsing table: (query, body, content type) → expected values.
    #[test]
    fn parameter_parsing_table() {
        struct Case {
            query: Option<&'static str>,
            body: &'static str,
            content_type: Option<&'static str>,
            expect: &'static [(&'static str, Option<&'static str>)],
        }
        let cases = [
            // GET query
            Case {
                query: Some("envName=my-project&lazy=true"),
                body: "",
                content_type: None,
                expect: &[("envName", Some("my-project")), ("lazy", Some("true"))],
            },
            // names are case-insensitive
            Case {
                query: Some("ENVNAME=a"),
                body: "",
                content_type: None,
                expect: &[("envName", Some("a")), ("envname", Some("a"))],
            },
            // POST form body
            Case {
                query: None,
                body: "envName=b&session=s",
                content_type: Some("application/x-www-form-urlencoded; charset=UTF-8"),
                expect: &[("envName", Some("b")), ("session", Some("s"))],
            },
            // POST with query string and empty body
            Case {
                query: Some("envName=c"),
                body: "",
                content_type: Some("application/x-www-form-urlencoded"),
                expect: &[("envName", Some("c"))],
            },
            // query and body merged
            Case {
                query: Some("session=q"),
                body: "envName=d",
                content_type: None,
                expect: &[("envName", Some("d")), ("session", Some("q"))],
            },
            // repeated keys joined with a comma, across query and body and case
            Case {
                query: Some("apiList=a&APILIST=b"),
                body: "apilist=c",
                content_type: None,
                expect: &[("apiList", Some("a,b,c"))],
            },
            // + is a space, percent-escapes decode, UTF-8 survives
            Case {
                query: Some("displayName=My+project%21&x=%E2%9C%93"),
                body: "",
                content_type: None,
                expect: &[("displayName", Some("My project!")), ("x", Some("✓"))],
            },
            // JSON inside a form field stays text
            Case {
                query: None,
                body: "env=%7B%22shortdomain%22%3A%22e%22%7D",
                content_type: None,
                expect: &[("env", Some("{\"shortdomain\":\"e\"}"))],
            },
            // a name without a value is present and empty; empty pairs are skipped
            Case {
                query: Some("&&flag&x=1&"),
                body: "",
                content_type: None,
                expect: &[("flag", Some("")), ("x", Some("1"))],
            },
            // unknown extras are kept but harmless
            Case {
                query: Some("appid=abc&ruk=1&charset=UTF-8&hx_lang=en&fid=9"),
                body: "",
                content_type: None,
                expect: &[("appid", Some("abc"))],
            },
            // a JSON object body
            Case {
                query: None,
                body: r#"{"envName":"j","lazy":true,"n":3,"env":{"a":1},"none":null}"#,
                content_type: Some("application/json"),
                expect: &[
                    ("envName", Some("j")),
                    ("lazy", Some("true")),
                    ("n", Some("3")),
                    ("env", Some("{\"a\":1}")),
                    ("none", None),
                ],
            },
            // a malformed escape is kept literally
            Case {
                query: Some("x=%zz"),
                body: "",
                content_type: None,
                expect: &[("x", Some("%zz"))],
            },
        ];
        for c in cases {
            let p = Params::parse(
                c.query,
                c.body.as_bytes(),
                BodyKind::from_content_type(c.content_type),
            )
            .unwrap();
            for (name, want) in c.expect {
                assert_eq!(p.get(name), *want, "{:?} {:?}: {name}", c.query, c.body);
            }
        }
    }

    #[test]
    fn every_spelling_of_a_name_reads_as_its_canonical_name() {
        for raw in [
            "session",
            "SESSION",
            "%73ession",
            "session+",
            "+session",
            "%20SESSION",
            "Session%09",
            "%0Asession%0D",
        ] {
            assert_eq!(canonical_name(raw).as_deref(), Some("session"), "{raw}");
            let p = Params::parse(Some(&format!("{raw}=v")), b"", BodyKind::Form).unwrap();
            assert_eq!(p.get("session"), Some("v"), "{raw}");
        }
        // The Kelvin sign lower-cases to a plain k.
        assert_eq!(canonical_name("%E2%84%AAey").as_deref(), Some("key"));
        assert_eq!(canonical_name("%FF"), None);
        assert_eq!(canonical_name("+%20").as_deref(), Some(""));
        let json = Params::parse(None, br#"{" SESSION ":"j","":"x"}"#, BodyKind::Json).unwrap();
        assert_eq!(json.get("session"), Some("j"));
        assert_eq!(json.names().collect::<Vec<_>>(), vec!["session"]);
    }

    #[test]
    fn bad_encodings_are_result_3() {
        let bad = [
            (Some("x=%FF%FE"), "", None),
            (Some("%FF=1"), "", None),
            (None, "x=\u{0}", Some("multipart/form-data; boundary=x")),
            (None, "{not json", Some("application/json")),
            (None, "[1,2]", Some("application/json")),
        ];
        for (q, body, ct) in bad {
            let e = Params::parse(q, body.as_bytes(), BodyKind::from_content_type(ct)).unwrap_err();
            assert_eq!(e.code(), 3, "{q:?} {body:?}");
        }
        let invalid_utf8 = [b'x', b'=', 0xff];
        assert_eq!(
            Params::parse(None, &invalid_utf8, BodyKind::Form)
                .unwrap_err()
                .code(),
            3
        );
        let many: String = (0..1001).map(|i| format!("p{i}=1&")).collect();
        assert_eq!(
            Params::parse(Some(&many), b"", BodyKind::Form)
                .unwrap_err()
                .code(),
            3
        );
    }

    #[test]
    fn booleans_are_lenient() {
        let p = Params::parse(
            Some("a=true&b=False&c=1&d=0&e=TRUE&f=yes"),
            b"",
            BodyKind::Form,
        )
        .unwrap();
        assert_eq!(p.bool("a").unwrap(), Some(true));
        assert_eq!(p.bool("b").unwrap(), Some(false));
        assert_eq!(p.bool("c").unwrap(), Some(true));
        assert_eq!(p.bool("d").unwrap(), Some(false));
        assert_eq!(p.bool("e").unwrap(), Some(true));
        assert_eq!(p.bool("missing").unwrap(), None);
        assert_eq!(p.bool("f").unwrap_err().parameter(), Some("f"));
    }

    #[test]
    fn typed_accessors_name_the_parameter() {
        let p = Params::parse(Some("n=x&j={&blank=%20"), b"", BodyKind::Form).unwrap();
        assert_eq!(p.int("n").unwrap_err().parameter(), Some("n"));
        assert_eq!(p.json("j").unwrap_err().parameter(), Some("j"));
        assert_eq!(
            p.required("blank").unwrap_err().to_string(),
            "invalid parameter [blank]: required"
        );
        assert_eq!(p.text("blank"), None);
    }

    #[test]
    fn id_lists_take_every_platform_form() {
        assert_eq!(parse_ids("1;4;6", "ids").unwrap(), Some(vec![1, 4, 6]));
        assert_eq!(parse_ids("1,4,6", "ids").unwrap(), Some(vec![1, 4, 6]));
        assert_eq!(parse_ids("[1, 4, 6]", "ids").unwrap(), Some(vec![1, 4, 6]));
        assert_eq!(parse_ids(" 7 ", "ids").unwrap(), Some(vec![7]));
        assert_eq!(parse_ids("*", "ids").unwrap(), None);
        assert!(parse_ids("", "ids").is_err());
        assert!(parse_ids("1;x", "ids").is_err());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any text in a JSON parameter (JSON, Python literals, anything else, any
        /// character) answers a value, absent, or result 3 naming it; never a panic. A
        /// JSON document always reads as itself.
        #[test]
        fn json_parameters_never_panic(text in "[\\[\\]{}:,'\" a-zA-Z0-9\\\\\u{0}-\u{1f}\u{80}-\u{10FFFF}]{0,60}") {
            let mut p = Params::default();
            p.values.insert("x".into(), text.clone());
            match p.json("x") {
                Ok(Some(v)) => {
                    if let Ok(direct) = serde_json::from_str::<Value>(text.trim()) {
                        prop_assert_eq!(v, direct);
                    }
                }
                Ok(None) => {}
                Err(e) => prop_assert_eq!(e.parameter(), Some("x")),
            }
        }

        /// A parameter is found under any spelling of its name a handler may ask with
        /// (any case, ASCII or not, short or long, padded or not), exactly as the
        /// canonical name's lookup finds it.
        #[test]
        fn get_finds_what_the_canonical_name_finds(
            sent in "[a-zA-Z\u{c0}-\u{17f}\u{212a}]{1,40}",
            asked in prop_oneof!["[a-zA-Z\u{c0}-\u{17f}\u{212a}]{1,40}", " ?[a-zA-Z]{1,36} ?"],
            same in any::<bool>(),
        ) {
            let mut p = Params::default();
            p.insert(normalize_name(&sent), "v".to_string()).unwrap();
            let asked = if same { sent.to_uppercase() } else { asked };
            prop_assert_eq!(
                p.get(&asked),
                p.values.get(&normalize_name(&asked)).map(String::as_str)
            );
            prop_assert_eq!(p.get(&sent), Some("v"));
        }

        /// Whatever bytes arrive, parsing answers a value or result 3, never a panic; and
        /// what it accepts has lower-case names and UTF-8 values.
        #[test]
        fn any_query_and_body_parse_or_fail_cleanly(
            query in proptest::option::of("[ -~%+&=\u{80}-\u{10FFFF}]{0,120}"),
            body in proptest::collection::vec(any::<u8>(), 0..200),
            kind in prop_oneof![Just(BodyKind::Form), Just(BodyKind::Json), Just(BodyKind::Other)],
        ) {
            match Params::parse(query.as_deref(), &body, kind) {
                Ok(p) => {
                    for name in p.names() {
                        prop_assert_eq!(name.to_lowercase(), name);
                        prop_assert!(p.get(name).is_some());
                    }
                }
                Err(e) => prop_assert_eq!(e.code(), 3),
            }
        }

        /// A pair that is percent-encoded round-trips through the parser.
        #[test]
        fn encoded_pairs_round_trip(name in "[A-Za-z][A-Za-z0-9_]{0,15}", value in "\\PC{0,40}") {
            let encoded: String = url::form_urlencoded::Serializer::new(String::new()).append_pair(&name, &value).finish();
            let p = Params::parse(Some(&encoded), b"", BodyKind::Form).unwrap();
            prop_assert_eq!(p.get(&name), Some(value.as_str()));
        }

        /// However a secret parameter's name is spelled, when the parser reads the value
        /// under that name the request log's redaction hides it.
        #[test]
        fn a_secret_the_parser_reads_is_always_redacted(
            secret in proptest::sample::select(crate::telemetry::SECRET_PARAMS),
            spelling in proptest::collection::vec((0u8..6, any::<bool>()), 1..20),
            before in "[ +\t\u{a0}\u{3000}]{0,3}",
            after in "[ +\t\u{a0}\u{2003}]{0,3}",
            value in "[A-Za-z0-9_]{8,40}",
        ) {
            let mut name = encode_spaces(&before);
            for (i, c) in secret.chars().enumerate() {
                let (how, upper) = spelling.get(i).copied().unwrap_or((0, false));
                let c = if upper { c.to_ascii_uppercase() } else { c };
                let c = match (how, c) {
                    // Unicode characters that lower-case to ASCII letters.
                    (5, 'K') | (5, 'k') => '\u{212A}',
                    _ => c,
                };
                match how {
                    1 => name.push_str(&format!("%{:02X}", c as u32)),
                    2 => name.push_str(&format!("%{:02x}", c as u32)),
                    3 | 5 => name.push_str(&percent_encoding::utf8_percent_encode(
                        &c.to_string(),
                        percent_encoding::NON_ALPHANUMERIC,
                    ).to_string()),
                    _ => name.push(c),
                }
            }
            name.push_str(&encode_spaces(&after));
            let value = format!("Zq9{value}");
            let query = format!("envName=e&{name}={value}&lazy=1");
            let p = Params::parse(Some(&query), b"", BodyKind::Form).unwrap();
            if p.get(secret) == Some(value.as_str()) {
                let logged = crate::telemetry::redact_query(&query);
                prop_assert!(!logged.contains(&value), "{query} logged as {logged}");
            }
        }

        /// Whatever the query, every pair the parser would read under a secret name
        /// (or cannot decode the name of) is redacted in the log, and nothing else.
        #[test]
        fn redaction_agrees_with_the_parser_on_any_query(query in "[ -~%+&=\t\u{80}-\u{10FFFF}]{0,120}") {
            let logged = crate::telemetry::redact_query(&query);
            let shown: Vec<&str> = logged.split('&').collect();
            let pairs: Vec<&str> = query.split('&').collect();
            prop_assert_eq!(pairs.len(), shown.len());
            for (pair, shown) in pairs.iter().zip(shown) {
                let name = pair.split_once('=').map_or(*pair, |(n, _)| n);
                if canonical_name(name).is_none_or(|n| crate::telemetry::is_secret_param(&n)) {
                    prop_assert_eq!(shown, format!("{name}=***"));
                } else {
                    prop_assert_eq!(shown, *pair);
                }
            }
        }

        #[test]
        fn id_lists_never_panic(raw in "\\PC{0,60}") {
            let _ = parse_ids(&raw, "ids");
        }
    }
}

/// Spaces of a name as a client may send them: `+`, `%20`, or as they are.
#[cfg(test)]
fn encode_spaces(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| match (c, i % 2) {
            (' ', 0) => "%20".to_string(),
            ('\t', _) => "%09".to_string(),
            (c, _) if !c.is_ascii() => percent_encoding::utf8_percent_encode(
                &c.to_string(),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string(),
            (c, _) => c.to_string(),
        })
        .collect()
}
