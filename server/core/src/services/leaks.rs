//! Leak reports: a token value found where it should not be (a public repository, a
//! paste) is revoked at once, and its owner told.
//!
//! Two ways in, one rule:
//! - a secret-scanning service posts a **signed report** (the shape of GitHub's secret
//!   scanning partner program): a JSON list `[{"token", "type", "url", "source"}]`,
//!   signed with ECDSA P-256 / SHA-256 over the raw body by a key whose public half the
//!   operator configured (`--leak-report-keys`, [`LeakKeys`]). Each value gets a label:
//!   `true_positive` when it is a Kunci token, live (revoked now) or already retired,
//!   `false_positive` otherwise. A report refused (unsigned, unknown key, wrong
//!   signature, malformed, too large) touches no token;
//! - an operator who found a value by hand (`server token revoke-value`, source
//!   `operator`).
//!
//! A live token among the values is deleted as DeleteTokens deletes it (its value hash
//! retired, reason `deleted`), and in the same transaction its owner gets a dashboard
//! alert and a security-log entry naming where the value was found — never the value.
//! A report sent again finds the value retired: the same label, and no second alert or
//! entry. Values are looked up in batches (one query per 500 values), and only those
//! shaped like a Kunci token (prefix and checksum) reach the database at all.
//!
//! What a report says (type, URL, source) is stored and shown with control and
//! bidirectional-formatting characters escaped (`\u{1b}`), and cut to a bounded length.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;
use crate::clock::{Timestamp, now};
use crate::domain::token::PlainToken;
use crate::refusal::Refusal;
use crate::secrets::sha256_hex;
use crate::services::flood::FloodGuard;
use crate::services::security_log::{Event, EventKind, TokenRef};
use crate::storage::{LeakedValue, Store};

/// A report's body may be at most this large (the adapter answers 413 past it).
pub const MAX_REPORT_BYTES: usize = 1 << 20;
/// Values one report may list.
pub const MAX_FINDINGS: usize = 5_000;
/// Characters kept of what a report says about a value.
pub const MAX_URL_CHARS: usize = 2_000;
pub const MAX_TYPE_CHARS: usize = 100;
pub const MAX_SOURCE_CHARS: usize = 100;
/// The source an operator's revocation is recorded with.
pub const OPERATOR_SOURCE: &str = "operator";

// ----- keys and signatures -----

/// The public keys whose signatures a report may carry, each by its identifier.
#[derive(Clone)]
pub struct LeakKeys {
    keys: Vec<(String, VerifyingKey)>,
}

impl std::fmt::Debug for LeakKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

/// GitHub's public key document (`/meta/public_keys/secret_scanning`).
#[derive(serde::Deserialize)]
struct KeyDocument {
    public_keys: Vec<KeyEntry>,
}

#[derive(serde::Deserialize)]
struct KeyEntry {
    key_identifier: String,
    key: String,
    /// Whether the service signs with it now. Every listed key is accepted: a key stops
    /// being accepted when it leaves the file.
    #[serde(default)]
    #[allow(dead_code)]
    is_current: bool,
}

impl LeakKeys {
    /// Reads a key file (see [`LeakKeys::parse`]); the message names the file.
    pub fn load(path: &Path) -> Result<LeakKeys, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read the leak report keys {}: {e} (check --leak-report-keys)",
                path.display()
            )
        })?;
        Self::parse(&text).map_err(|e| {
            format!(
                "the leak report keys {} are not usable: {e} (check --leak-report-keys)",
                path.display()
            )
        })
    }

    /// Public keys from GitHub's key document, `{"public_keys": [{"key_identifier",
    /// "key" (PEM), "is_current"}]}`, or from PEM text with one or more `PUBLIC KEY`
    /// blocks, each identified as GitHub identifies its keys: the hex SHA-256 of the
    /// PEM text (64-character lines, a final new line). Only ECDSA P-256 keys.
    pub fn parse(text: &str) -> Result<LeakKeys, String> {
        let keys = if text.trim_start().starts_with('{') {
            let doc: KeyDocument = serde_json::from_str(text)
                .map_err(|e| format!("not a key document {{\"public_keys\": [...]}}: {e}"))?;
            doc.public_keys
                .iter()
                .map(|k| {
                    let id = k.key_identifier.trim();
                    if id.is_empty() || id.chars().any(|c| c.is_control()) {
                        return Err("a key has an empty or unprintable key_identifier".into());
                    }
                    let mut blocks = pem_blocks(&k.key)
                        .map_err(|e| format!("key {id}: {e}"))?
                        .into_iter();
                    match (blocks.next(), blocks.next()) {
                        (Some(der), None) => Ok((id.to_string(), der_key(&der, id)?)),
                        _ => Err(format!("key {id}: expected exactly one PUBLIC KEY block")),
                    }
                })
                .collect::<Result<Vec<_>, String>>()?
        } else {
            pem_blocks(text)?
                .into_iter()
                .map(|der| {
                    let id = pem_identifier(&der);
                    let key = der_key(&der, &id)?;
                    Ok((id, key))
                })
                .collect::<Result<Vec<_>, String>>()?
        };
        if keys.is_empty() {
            return Err("no public key in it".into());
        }
        let mut seen = HashSet::new();
        if let Some((dup, _)) = keys.iter().find(|(id, _)| !seen.insert(id.clone())) {
            return Err(format!("the key identifier {dup} appears twice"));
        }
        Ok(LeakKeys { keys })
    }

    /// The identifiers, in the file's order.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// Checks a report's signature: `key_id` must name a configured key, `signature` be
    /// the base64 of an ASN.1 DER ECDSA signature by it over `body`.
    pub fn verify(
        &self,
        key_id: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), LeakRefusal> {
        let (Some(key_id), Some(signature)) = (
            key_id.map(str::trim).filter(|s| !s.is_empty()),
            signature.map(str::trim).filter(|s| !s.is_empty()),
        ) else {
            return Err(LeakRefusal::Unsigned);
        };
        let Some((_, key)) = self.keys.iter().find(|(id, _)| id == key_id) else {
            return Err(LeakRefusal::UnknownKey(shown(key_id, 100)));
        };
        let bad = || LeakRefusal::BadSignature(key_id.to_string());
        let der = BASE64.decode(signature).map_err(|_| bad())?;
        let signature = Signature::from_der(&der).map_err(|_| bad())?;
        key.verify(body, &signature).map_err(|_| bad())
    }
}

/// The DER of each `PUBLIC KEY` block of PEM text.
fn pem_blocks(text: &str) -> Result<Vec<Vec<u8>>, String> {
    const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
    const END: &str = "-----END PUBLIC KEY-----";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let end = after
            .find(END)
            .ok_or("a BEGIN PUBLIC KEY line without its END line")?;
        let b64: String = after[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        blocks.push(
            BASE64
                .decode(b64)
                .map_err(|e| format!("a PUBLIC KEY block is not base64: {e}"))?,
        );
        rest = &after[end + END.len()..];
    }
    if blocks.is_empty() {
        return Err("no -----BEGIN PUBLIC KEY----- block".into());
    }
    Ok(blocks)
}

fn der_key(der: &[u8], id: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_der(der)
        .map_err(|_| format!("key {id} is not an ECDSA P-256 public key"))
}

/// GitHub's identifier of a key: the hex SHA-256 of its PEM text.
fn pem_identifier(der: &[u8]) -> String {
    let b64 = BASE64.encode(der);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    sha256_hex(&pem)
}

// ----- reports -----

/// Why a report was refused. Nothing was looked up or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeakRefusal {
    #[error("leak reports are not enabled on this server (the operator sets --leak-report-keys)")]
    Disabled,
    #[error(
        "the report is not signed: send Github-Public-Key-Identifier and Github-Public-Key-Signature (or Kunci-Public-Key-Identifier and Kunci-Public-Key-Signature)"
    )]
    Unsigned,
    #[error("no configured public key has the identifier {0}")]
    UnknownKey(String),
    #[error("the signature is not a valid ECDSA P-256 signature of this body by key {0}")]
    BadSignature(String),
    #[error("the report is larger than {MAX_REPORT_BYTES} bytes")]
    TooLarge,
    #[error("the report lists {0} values; at most {MAX_FINDINGS} are accepted in one report")]
    TooMany(usize),
    #[error("the report is not valid JSON: {0}")]
    Malformed(String),
    #[error("the report is not a list of findings: {0}")]
    WrongShape(String),
}

impl LeakRefusal {
    /// A short, stable name for the refusal.
    pub fn reason(&self) -> &'static str {
        match self {
            LeakRefusal::Disabled => "disabled",
            LeakRefusal::Unsigned => "unsigned",
            LeakRefusal::UnknownKey(_) => "unknown_key",
            LeakRefusal::BadSignature(_) => "bad_signature",
            LeakRefusal::TooLarge => "too_large",
            LeakRefusal::TooMany(_) => "too_many",
            LeakRefusal::Malformed(_) => "malformed",
            LeakRefusal::WrongShape(_) => "wrong_shape",
        }
    }
}

/// A report refused, or a failure while handling an accepted one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Refused(#[from] LeakRefusal),
    #[error(transparent)]
    Failed(#[from] Error),
}

/// A report as it arrived: its signature headers and its raw body.
pub struct SignedReport<'a> {
    pub key_id: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
}

/// One value found somewhere, with what the finder says about it.
pub struct Finding {
    value: SecretString,
    /// The secret type as the finder named it, as given (echoed in the label).
    kind_given: String,
    /// The same, escaped and cut for storing.
    kind: String,
    url: String,
    source: String,
}

impl Finding {
    pub fn new(value: &str, kind: &str, url: &str, source: &str) -> Finding {
        Finding {
            value: SecretString::from(value.to_string()),
            kind_given: kind.to_string(),
            kind: shown(kind, MAX_TYPE_CHARS),
            url: shown(url, MAX_URL_CHARS),
            source: shown(source, MAX_SOURCE_CHARS),
        }
    }

    fn hash(&self) -> String {
        sha256_hex(self.value.expose_secret())
    }
}

impl std::fmt::Debug for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finding")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// One entry of a report, as sent.
#[derive(serde::Deserialize)]
struct RawFinding {
    token: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

/// Reads a report's body: a JSON array of objects with a non-empty `token` string and
/// optional `type`, `url` and `source` strings (other fields are ignored).
pub fn parse_report(body: &[u8]) -> Result<Vec<Finding>, LeakRefusal> {
    if body.len() > MAX_REPORT_BYTES {
        return Err(LeakRefusal::TooLarge);
    }
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| LeakRefusal::Malformed(e.to_string()))?;
    let serde_json::Value::Array(items) = json else {
        return Err(LeakRefusal::WrongShape(
            "expected a JSON array [{\"token\": ..., \"type\": ..., \"url\": ..., \"source\": ...}]"
                .into(),
        ));
    };
    if items.len() > MAX_FINDINGS {
        return Err(LeakRefusal::TooMany(items.len()));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            // Said before serde would quote a misplaced string (a value, perhaps).
            if !item.is_object() {
                return Err(LeakRefusal::WrongShape(format!(
                    "entry {i} is not an object {{\"token\": ..., \"type\": ..., \"url\": ..., \"source\": ...}}"
                )));
            }
            let raw: RawFinding = serde_json::from_value(item).map_err(|e| {
                LeakRefusal::WrongShape(format!(
                    "entry {i}: {e} (each entry is an object with a \"token\" string and optional \"type\", \"url\" and \"source\" strings)"
                ))
            })?;
            if raw.token.is_empty() {
                return Err(LeakRefusal::WrongShape(format!("entry {i}: \"token\" is empty")));
            }
            Ok(Finding::new(
                &raw.token,
                raw.kind.as_deref().unwrap_or(""),
                raw.url.as_deref().unwrap_or(""),
                raw.source.as_deref().unwrap_or(""),
            ))
        })
        .collect()
}

/// What became of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A live token, revoked now.
    Revoked { token_id: i64, user_id: i64 },
    /// A value Kunci issued that was already retired (deleted, regenerated away, or
    /// revoked by an earlier report).
    Retired { token_id: i64 },
    /// No value Kunci issued.
    Unknown,
}

impl Verdict {
    /// Whether the program's label is `true_positive` (a Kunci token, live or not).
    pub fn is_true_positive(self) -> bool {
        !matches!(self, Verdict::Unknown)
    }
}

/// The answer about one value, in the report's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Hex SHA-256 of the value (never the value).
    pub token_hash: String,
    /// The type as the report gave it.
    pub token_type: String,
    pub verdict: Verdict,
}

/// An open alert: one of the owner's tokens was revoked because its value leaked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakAlert {
    pub id: i64,
    pub token_id: i64,
    pub description: String,
    /// As the report gave them, escaped (see the module's note).
    pub token_type: String,
    pub url: String,
    pub source: String,
    pub reported_at: Timestamp,
}

#[derive(Clone)]
pub struct Leaks {
    store: Store,
    flood: FloodGuard,
    keys: Arc<RwLock<Option<Arc<LeakKeys>>>>,
}

impl Leaks {
    /// Without keys, reports are refused ([`LeakRefusal::Disabled`]); an operator's
    /// revocation works either way.
    pub fn new(store: Store, flood: FloodGuard) -> Leaks {
        Leaks {
            store,
            flood,
            keys: Default::default(),
        }
    }

    /// The keys reports are checked against (`None`: reports are off).
    pub fn set_keys(&self, keys: Option<LeakKeys>) {
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys.map(Arc::new);
    }

    pub fn enabled(&self) -> bool {
        self.keys().is_some()
    }

    fn keys(&self) -> Option<Arc<LeakKeys>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Handles a secret-scanning service's report sent from `ip`: checks its signature,
    /// then its shape, then revokes the live tokens among its values.
    pub async fn report(
        &self,
        report: SignedReport<'_>,
        ip: &str,
    ) -> Result<Vec<Outcome>, ReportError> {
        let keys = self.keys().ok_or(LeakRefusal::Disabled)?;
        if report.body.len() > MAX_REPORT_BYTES {
            return Err(LeakRefusal::TooLarge.into());
        }
        keys.verify(report.key_id, report.signature, report.body)?;
        let findings = parse_report(report.body)?;
        Ok(self.revoke(&findings, ip).await?)
    }

    /// Revokes every live token among `findings`' values (found by the client at `ip`:
    /// a reporting service's address, or `cli`), and says what each value was.
    pub async fn revoke(&self, findings: &[Finding], ip: &str) -> Result<Vec<Outcome>, Error> {
        let hashes: Vec<String> = findings.iter().map(Finding::hash).collect();
        // Only a value of a token's shape can be one; the rest never reach the database.
        let mut candidates: Vec<LeakedValue<'_>> = Vec::new();
        let mut seen = HashSet::new();
        for (f, hash) in findings.iter().zip(&hashes) {
            if PlainToken::parse(f.value.expose_secret()).is_some() && seen.insert(hash.as_str()) {
                candidates.push(LeakedValue {
                    hash,
                    token_type: &f.kind,
                    url: &f.url,
                    source: &f.source,
                });
            }
        }
        let at = now();
        let revoked = self
            .store
            .revoke_leaked(
                &candidates,
                EventKind::TokenLeaked.as_str(),
                ip,
                at,
                &describe,
            )
            .await?;
        let mut verdicts: HashMap<String, Verdict> = HashMap::new();
        for r in &revoked {
            self.flood.dead(&r.secret_hash);
            verdicts.insert(
                r.secret_hash.clone(),
                Verdict::Revoked {
                    token_id: r.token_id,
                    user_id: r.user_id,
                },
            );
        }
        let rest: Vec<&str> = candidates
            .iter()
            .map(|c| c.hash)
            .filter(|h| !verdicts.contains_key(*h))
            .collect();
        let retired = self.store.retired_among(&rest).await?;
        let retired_count = retired.len();
        for (hash, token_id) in retired {
            verdicts.insert(hash, Verdict::Retired { token_id });
        }
        if !revoked.is_empty() {
            tracing::info!(
                values = findings.len(),
                revoked = revoked.len(),
                retired = retired_count,
                "leaked token values revoked"
            );
        }
        Ok(findings
            .iter()
            .zip(&hashes)
            .map(|(f, hash)| Outcome {
                token_hash: hash.clone(),
                token_type: f.kind_given.clone(),
                verdict: verdicts
                    .get(hash.as_str())
                    .copied()
                    .unwrap_or(Verdict::Unknown),
            })
            .collect())
    }

    /// The user's open leak alerts, newest first.
    pub async fn alerts(&self, user_id: i64) -> Result<Vec<LeakAlert>, Error> {
        Ok(self
            .store
            .leak_alerts(user_id)
            .await?
            .into_iter()
            .map(|a| LeakAlert {
                id: a.id,
                token_id: a.token_id,
                description: a.description,
                token_type: a.token_type,
                url: a.url,
                source: a.source,
                reported_at: a.reported_at,
            })
            .collect())
    }

    /// Dismisses one of the user's alerts (result 3 naming `id` when it has none).
    pub async fn dismiss(&self, user_id: i64, id: i64) -> Result<(), Error> {
        if self.store.dismiss_leak_alert(user_id, id).await? {
            Ok(())
        } else {
            Err(Error::refused("id", Refusal::NoSuchAlert { id }))
        }
    }
}

/// The security log's entry for a token revoked because its value leaked (JSON
/// parameters, as [`SecurityLog::record`](super::security_log::SecurityLog::record)
/// stores them).
fn describe(token_id: i64, description: &str, found: &LeakedValue<'_>) -> String {
    let by_operator = found.source == OPERATOR_SOURCE;
    Event::TokenLeaked {
        token: TokenRef::new(token_id, description),
        by_operator,
        source: if by_operator { "" } else { found.source }.to_string(),
        url: found.url.to_string(),
    }
    .params()
    .to_json()
}

/// `raw` safe to store and show: control and bidirectional-formatting characters
/// escaped (`\u{1b}`), at most `max` characters (cut with `…`).
pub fn shown(raw: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in raw.chars() {
        let piece: String = if c.is_control() || is_bidi_control(c) {
            c.escape_unicode().collect()
        } else {
            c.to_string()
        };
        let n = piece.chars().count();
        if count + n > max {
            out.push('…');
            break;
        }
        out.push_str(&piece);
        count += n;
    }
    out
}

/// Characters that reorder the text around them when shown (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;

    /// GitHub's documented example: key, identifier, payload and signature.
    const GITHUB_KEY_ID: &str = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";
    const GITHUB_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq\nkCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==\n-----END PUBLIC KEY-----\n";
    const GITHUB_PAYLOAD: &[u8] =
        br#"[{"token":"some_token","type":"some_type","url":"some_url"}]"#;
    const GITHUB_SIGNATURE: &str = "MEUCIQDKZokqnCjrRtw0tni+2Ltvl/uiMJ1EGumEsp1BsNr32AIgQY1YXD2nlj+XNfGK4rBfkMJ1JDOQcYXxa2sY8FNkrKc=";

    fn github_document() -> String {
        serde_json::json!({"public_keys": [{
            "key_identifier": GITHUB_KEY_ID,
            "key": GITHUB_PEM,
            "is_current": true,
        }]})
        .to_string()
    }

    /// A test key from a fixed seed, and its PEM.
    fn test_key(seed: u8) -> (SigningKey, String) {
        let key = SigningKey::from_slice(&[seed; 32]).unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        let mut der = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        der.extend_from_slice(point.as_bytes());
        let b64 = BASE64.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        );
        (key, pem)
    }

    fn sign(key: &SigningKey, body: &[u8]) -> String {
        let sig: Signature = key.sign(body);
        BASE64.encode(sig.to_der().as_bytes())
    }

    #[test]
    fn githubs_documented_example_verifies_and_a_changed_byte_does_not() {
        let keys = LeakKeys::parse(&github_document()).unwrap();
        assert_eq!(keys.ids(), [GITHUB_KEY_ID]);
        keys.verify(Some(GITHUB_KEY_ID), Some(GITHUB_SIGNATURE), GITHUB_PAYLOAD)
            .unwrap();
        let mut changed = GITHUB_PAYLOAD.to_vec();
        changed[10] ^= 1;
        assert_eq!(
            keys.verify(Some(GITHUB_KEY_ID), Some(GITHUB_SIGNATURE), &changed),
            Err(LeakRefusal::BadSignature(GITHUB_KEY_ID.into()))
        );
    }

    #[test]
    fn a_pem_file_names_its_key_as_github_does() {
        let keys = LeakKeys::parse(GITHUB_PEM).unwrap();
        assert_eq!(keys.ids(), [GITHUB_KEY_ID], "SHA-256 of the PEM text");
        keys.verify(Some(GITHUB_KEY_ID), Some(GITHUB_SIGNATURE), GITHUB_PAYLOAD)
            .unwrap();
        let (_, other) = test_key(7);
        let two = LeakKeys::parse(&format!("{GITHUB_PEM}\n{other}")).unwrap();
        assert_eq!(two.ids().len(), 2);
    }

    #[test]
    fn unsigned_unknown_key_and_garbage_signatures_are_refused() {
        let (key, pem) = test_key(1);
        let keys = LeakKeys::parse(&pem).unwrap();
        let id = keys.ids()[0].to_string();
        let body = b"[]";
        let good = sign(&key, body);
        keys.verify(Some(&id), Some(&good), body).unwrap();
        for (kid, sig) in [
            (None, Some(good.as_str())),
            (Some(id.as_str()), None),
            (Some(" "), Some(good.as_str())),
            (Some(id.as_str()), Some("")),
        ] {
            assert_eq!(keys.verify(kid, sig, body), Err(LeakRefusal::Unsigned));
        }
        assert!(matches!(
            keys.verify(Some("nope"), Some(&good), body),
            Err(LeakRefusal::UnknownKey(k)) if k == "nope"
        ));
        let (other, _) = test_key(2);
        for sig in [
            sign(&other, body),
            "!!!".into(),
            BASE64.encode(b"not der"),
            sign(&key, b"[ ]"),
        ] {
            assert_eq!(
                keys.verify(Some(&id), Some(&sig), body),
                Err(LeakRefusal::BadSignature(id.clone())),
                "{sig}"
            );
        }
    }

    #[test]
    fn key_files_that_cannot_work_are_refused_with_a_reason() {
        for (text, says) in [
            ("", "no -----BEGIN PUBLIC KEY-----"),
            ("{\"public_keys\": []}", "no public key"),
            ("{\"keys\": []}", "not a key document"),
            ("-----BEGIN PUBLIC KEY-----\nAAAA\n", "without its END"),
            (
                "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----",
                "not base64",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                "not an ECDSA P-256",
            ),
        ] {
            let e = LeakKeys::parse(text).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
        let doc = serde_json::json!({"public_keys": [
            {"key_identifier": "a", "key": GITHUB_PEM},
            {"key_identifier": "a", "key": GITHUB_PEM},
        ]})
        .to_string();
        assert!(LeakKeys::parse(&doc).unwrap_err().contains("twice"));
    }

    #[test]
    fn reports_must_be_a_bounded_list_of_token_objects() {
        let ok = parse_report(
            br#"[{"token":"a","type":"t","url":"u","source":"content","extra":1},{"token":"b"}]"#,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[0].kind_given.as_str(), ok[0].url.as_str()), ("t", "u"));
        assert_eq!(parse_report(b"[]").unwrap().len(), 0);
        for (body, reason) in [
            (&b"[{"[..], "malformed"),
            (b"not json", "malformed"),
            (b"{\"token\":\"a\"}", "wrong_shape"),
            (b"[{\"token\":1}]", "wrong_shape"),
            (b"[{\"type\":\"x\"}]", "wrong_shape"),
            (b"[{\"token\":\"\"}]", "wrong_shape"),
            (b"[{\"token\":\"a\",\"url\":5}]", "wrong_shape"),
            (b"[\"a\"]", "wrong_shape"),
        ] {
            assert_eq!(parse_report(body).unwrap_err().reason(), reason, "{body:?}");
        }
        let many = format!("[{}]", vec![r#"{"token":"x"}"#; MAX_FINDINGS + 1].join(","));
        assert_eq!(
            parse_report(many.as_bytes()).unwrap_err(),
            LeakRefusal::TooMany(MAX_FINDINGS + 1)
        );
        let max = format!("[{}]", vec![r#"{"token":"x"}"#; MAX_FINDINGS].join(","));
        assert_eq!(parse_report(max.as_bytes()).unwrap().len(), MAX_FINDINGS);
        let big = vec![b' '; MAX_REPORT_BYTES + 1];
        assert_eq!(parse_report(&big).unwrap_err(), LeakRefusal::TooLarge);
    }

    #[test]
    fn what_a_report_says_is_escaped_and_bounded_but_the_type_is_echoed_as_given() {
        let f = Finding::new("v", "t\u{1b}[31m", "https://x/\u{202e}gpj.exe\n", "ünï");
        assert_eq!(f.kind, "t\\u{1b}[31m");
        assert_eq!(f.url, "https://x/\\u{202e}gpj.exe\\u{a}");
        assert_eq!(f.source, "ünï");
        assert_eq!(f.kind_given, "t\u{1b}[31m");
        assert_eq!(shown(&"a".repeat(10), 5), "aaaaa…");
        assert_eq!(shown("ab\u{0}", 3), "ab…", "an escape is never cut in half");
        assert!(!format!("{f:?}").contains("\"v\""), "Debug shows no value");
    }
}
