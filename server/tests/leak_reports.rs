//! Leak reports (issue 15): `POST /leak-reports`, signed as GitHub's secret scanning
//! partner program signs (ECDSA P-256 / SHA-256 over the raw body), revokes each live
//! token among the reported values at once, alerts its owner (dashboard and security
//! log, naming the URL, never the value) and labels every value. Refused reports touch
//! no token; a replay is harmless. Also `server token revoke-value`.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::api::{AUTH, Api, ENV};
use common::{TestDb, TestServer, web};
use kunci_server::domain::token::PlainToken;
use kunci_server::secrets::sha256_hex;
use kunci_server::services::leaks::LeakAlert;
use kunci_server::storage::SeedToken;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";
const KEY_ID: &str = "kunci-test-key-1";
const URL: &str = "https://github.com/octocat/hello/blob/abc123/config.env";

/// A signing key as a secret-scanning service holds it, and the key file the operator
/// configures with its public half.
struct Scanner {
    key: SigningKey,
    _dir: tempfile::TempDir,
    file: std::path::PathBuf,
}

/// A fresh random P-256 key.
fn random_key() -> SigningKey {
    let seed = hex::decode(kunci_server::secrets::random_hex(32)).unwrap();
    SigningKey::from_slice(&seed).unwrap()
}

/// The PEM of `key`'s public half (SubjectPublicKeyInfo).
fn public_pem(key: &SigningKey) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    let mut der = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
    der.extend_from_slice(point.as_bytes());
    let b64 = BASE64.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

impl Scanner {
    fn new() -> Scanner {
        let key = random_key();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret_scanning_keys.json");
        let doc = json!({"public_keys": [
            {"key_identifier": "an-old-key", "key": public_pem(&random_key()), "is_current": false},
            {"key_identifier": KEY_ID, "key": public_pem(&key), "is_current": true},
        ]});
        std::fs::write(&file, doc.to_string()).unwrap();
        Scanner {
            key,
            _dir: dir,
            file,
        }
    }

    fn sign(&self, body: &[u8]) -> String {
        sign_with(&self.key, body)
    }
}

fn sign_with(key: &SigningKey, body: &[u8]) -> String {
    let sig: Signature = key.sign(body);
    BASE64.encode(sig.to_der().as_bytes())
}

async fn start(db: &TestDb, scanner: &Scanner) -> TestServer {
    let file = scanner.file.clone();
    TestServer::start_with(db, |c| {
        c.leak_report_keys = Some(file);
        c.http.trust_proxy = true;
    })
    .await
}

/// What `POST /leak-reports` answered: status, body text and its JSON.
struct Answer {
    status: u16,
    text: String,
    json: Value,
}

impl Answer {
    fn reason(&self) -> &str {
        self.json["reason"].as_str().unwrap_or("")
    }
}

/// Posts `body` with the given headers.
async fn post(s: &TestServer, body: Vec<u8>, headers: &[(&str, &str)]) -> Answer {
    let mut req = common::client()
        .post(s.url("/leak-reports"))
        .header("content-type", "application/json")
        .header("x-forwarded-for", "192.0.2.77")
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("an answer");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, text, json }
}

/// Posts `body` signed by the scanner, with GitHub's header names.
async fn report(s: &TestServer, scanner: &Scanner, body: &[u8]) -> Answer {
    let sig = scanner.sign(body);
    post(
        s,
        body.to_vec(),
        &[
            ("Github-Public-Key-Identifier", KEY_ID),
            ("Github-Public-Key-Signature", &sig),
        ],
    )
    .await
}

fn finding(value: &str, url: &str) -> Value {
    json!({"token": value, "type": "kunci_personal_access_token", "url": url, "source": "content"})
}

/// A user (created as the CLI creates one) signed in to the dashboard and the API, with
/// the environment `leak-env` when it is the test's first: (user id, cookie, session,
/// api).
async fn account(s: &TestServer, login: &str) -> (i64, String, String, Api) {
    let base = s.url("");
    let session = common::api::user_with_session(s, login, PW).await;
    let signed_in = web::sign_in(&base, login, PW).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let cookie = signed_in.cookie.expect("a session cookie");
    let api = Api::new(&base);
    // The test's first account owns it (names are platform-wide); the others' tokens
    // are only ever checked for 702.
    let r = api.create_env(&session, "leak-env").await;
    assert!(matches!(r.result(), 0 | 2301), "{}", r.body);
    let id = s
        .kunci
        .store
        .user_by_login(login)
        .await
        .unwrap()
        .unwrap()
        .id;
    (id, cookie, session, api)
}

/// A token that may read environments: (id, value).
async fn create_token(api: &Api, session: &str, description: &str) -> (i64, String) {
    let r = api
        .post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", session),
                ("password", PW),
                ("description", description),
                ("apiList", "env.control.GetEnvInfo"),
            ],
        )
        .await;
    let token = &r.ok()["token"];
    (
        token["id"].as_i64().unwrap(),
        token["key"].as_str().unwrap().to_string(),
    )
}

/// GetEnvInfo with `value`: its result code.
async fn use_token(api: &Api, value: &str) -> i64 {
    api.get(
        &format!("{ENV}/getenvinfo"),
        &[("envName", "leak-env"), ("session", value)],
    )
    .await
    .result()
}

async fn alerts(s: &TestServer, user: i64) -> Vec<LeakAlert> {
    s.kunci.leaks.alerts(user).await.unwrap()
}

async fn leak_events(
    s: &TestServer,
    user: i64,
) -> Vec<kunci_server::services::security_log::SecurityEvent> {
    s.kunci
        .security_log
        .list(user, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "token.leaked")
        .collect()
}

both_databases!(
    a_signed_report_revokes_the_live_token_alerts_its_owner_and_labels_every_value,
    |db: TestDb| async move {
        let scanner = Scanner::new();
        let s = start(&db, &scanner).await;
        let (user, cookie, session, api) = account(&s, "owner@example.com").await;
        let (leaked_id, leaked) = create_token(&api, &session, "deploy bot").await;
        let (_, kept) = create_token(&api, &session, "laptop").await;
        assert_eq!(use_token(&api, &leaked).await, 0);
        let never_issued = PlainToken::generate().expose().to_string();
        let body = serde_json::to_vec(&json!([
            finding(&leaked, URL),
            finding(&never_issued, "https://example.com/a"),
            {"token": "not-a-kunci-token", "type": "other", "url": "https://example.com/b"},
        ]))
        .unwrap();

        let a = report(&s, &scanner, &body).await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(
            a.json,
            json!([
                {"token_hash": sha256_hex(&leaked), "token_type": "kunci_personal_access_token", "label": "true_positive"},
                {"token_hash": sha256_hex(&never_issued), "token_type": "kunci_personal_access_token", "label": "false_positive"},
                {"token_hash": sha256_hex("not-a-kunci-token"), "token_type": "other", "label": "false_positive"},
            ])
        );
        for v in [&leaked, &never_issued, "not-a-kunci-token"] {
            assert!(!a.text.contains(v), "never echo a value");
        }

        // Revoked at once; the other token lives on.
        assert_eq!(use_token(&api, &leaked).await, 702);
        assert_eq!(use_token(&api, &kept).await, 0);
        let left: Vec<i64> = s
            .kunci
            .tokens
            .list(user, None)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        assert!(!left.contains(&leaked_id), "{left:?}");
        assert_eq!(left.len(), 1);

        // The owner's alert, on the dashboard too.
        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let alert = &got[0];
        assert_eq!(
            (
                alert.token_id,
                alert.description.as_str(),
                alert.url.as_str()
            ),
            (leaked_id, "deploy bot", URL)
        );
        assert_eq!(
            (alert.source.as_str(), alert.token_type.as_str()),
            ("content", "kunci_personal_access_token")
        );
        let base = s.url("");
        let listed = web::call(&base, "/api/account/leak_alerts", Some(&cookie), &[]).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        assert_eq!(listed.body[0]["token_id"], leaked_id);
        assert_eq!(listed.body[0]["url"], URL);

        // The security log names the URL, never the value.
        let events = leak_events(&s, user).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            events[0].params.to_json().contains(URL),
            "{}",
            events[0].params.to_json()
        );
        assert!(
            events[0]
                .params
                .to_json()
                .contains(&format!("\"id\":{leaked_id},"))
        );
        assert_eq!(events[0].ip, "192.0.2.77", "the reporter's address");
        let all = s.kunci.security_log.list(user, 1000).await.unwrap();
        assert!(
            !format!("{all:?}").contains(&leaked),
            "no secret in the log"
        );

        // A replay of the same report: same labels, nothing new.
        let again = report(&s, &scanner, &body).await;
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!(again.json, a.json);
        assert_eq!(alerts(&s, user).await.len(), 1);
        assert_eq!(leak_events(&s, user).await.len(), 1);
        assert_eq!(use_token(&api, &kept).await, 0);

        // Another account sees none and cannot dismiss it; the owner can.
        let (_, other, ..) = account(&s, "other@example.com").await;
        let theirs = web::call(&base, "/api/account/leak_alerts", Some(&other), &[]).await;
        assert_eq!(theirs.body, json!([]));
        let id = alert.id.to_string();
        let refused = web::call(
            &base,
            "/api/account/dismiss_leak_alert",
            Some(&other),
            &[("id", &id)],
        )
        .await;
        assert_ne!(refused.status, 200);
        assert_eq!(alerts(&s, user).await.len(), 1);
        let done = web::call(
            &base,
            "/api/account/dismiss_leak_alert",
            Some(&cookie),
            &[("id", &id)],
        )
        .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(alerts(&s, user).await.is_empty());
    }
);

both_databases!(
    a_value_retired_before_the_report_is_a_true_positive_without_an_alert,
    |db: TestDb| async move {
        let scanner = Scanner::new();
        let s = start(&db, &scanner).await;
        let (user, _, session, api) = account(&s, "retired@example.com").await;
        let (id, old) = create_token(&api, &session, "rotated").await;
        let r = api
            .post(
                &format!("{AUTH}/regeneratetoken"),
                &[
                    ("session", &session),
                    ("password", PW),
                    ("id", &id.to_string()),
                ],
            )
            .await;
        let new = r.ok()["token"]["key"].as_str().unwrap().to_string();
        let body = serde_json::to_vec(&json!([finding(&old, URL)])).unwrap();
        let a = report(&s, &scanner, &body).await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json[0]["label"], "true_positive");
        assert!(alerts(&s, user).await.is_empty());
        assert!(leak_events(&s, user).await.is_empty());
        assert_eq!(
            use_token(&api, &new).await,
            0,
            "the successor is not the leaked value"
        );
    }
);

/// A refused report: what it is, its body, its headers, the status and reason expected.
type Refusal<'a> = (&'a str, Vec<u8>, Vec<(&'a str, &'a str)>, u16, &'a str);

both_databases!(
    refused_reports_touch_no_token_and_say_why,
    |db: TestDb| async move {
        let scanner = Scanner::new();
        let s = start(&db, &scanner).await;
        let (user, _, session, api) = account(&s, "refused@example.com").await;
        let (_, value) = create_token(&api, &session, "precious").await;
        let body = serde_json::to_vec(&json!([finding(&value, URL)])).unwrap();
        let good = scanner.sign(&body);
        let stranger = sign_with(&random_key(), &body);
        let of_other_body = scanner.sign(b"[]");
        let cases: Vec<Refusal> = vec![
            ("unsigned", body.clone(), vec![], 401, "unsigned"),
            (
                "no signature",
                body.clone(),
                vec![("Github-Public-Key-Identifier", KEY_ID)],
                401,
                "unsigned",
            ),
            (
                "no key id",
                body.clone(),
                vec![("Github-Public-Key-Signature", &good)],
                401,
                "unsigned",
            ),
            (
                "unknown key",
                body.clone(),
                vec![
                    ("Github-Public-Key-Identifier", "somebody-else"),
                    ("Github-Public-Key-Signature", &good),
                ],
                401,
                "unknown_key",
            ),
            (
                "the other configured key",
                body.clone(),
                vec![
                    ("Github-Public-Key-Identifier", "an-old-key"),
                    ("Github-Public-Key-Signature", &good),
                ],
                401,
                "bad_signature",
            ),
            (
                "signed by a stranger",
                body.clone(),
                vec![
                    ("Github-Public-Key-Identifier", KEY_ID),
                    ("Github-Public-Key-Signature", &stranger),
                ],
                401,
                "bad_signature",
            ),
            (
                "signature of another body",
                body.clone(),
                vec![
                    ("Github-Public-Key-Identifier", KEY_ID),
                    ("Github-Public-Key-Signature", &of_other_body),
                ],
                401,
                "bad_signature",
            ),
            (
                "signature not base64",
                body.clone(),
                vec![
                    ("Github-Public-Key-Identifier", KEY_ID),
                    ("Github-Public-Key-Signature", "%%%"),
                ],
                401,
                "bad_signature",
            ),
        ];
        for (what, body, headers, status, reason) in cases {
            let a = post(&s, body, &headers).await;
            assert_eq!(
                (a.status, a.reason()),
                (status, reason),
                "{what}: {}",
                a.text
            );
            assert!(!a.json["error"].as_str().unwrap_or("").is_empty(), "{what}");
            assert!(!a.text.contains(&value), "{what}");
        }
        // Signed, but not a report.
        for (what, body, status, reason) in [
            (
                "malformed JSON",
                format!("[{{\"token\":\"{value}\""),
                400,
                "malformed",
            ),
            (
                "an object",
                format!("{{\"token\":\"{value}\"}}"),
                400,
                "wrong_shape",
            ),
            (
                "a list of strings",
                format!("[\"{value}\"]"),
                400,
                "wrong_shape",
            ),
            (
                "no token",
                "[{\"type\":\"x\",\"url\":\"u\"}]".to_string(),
                400,
                "wrong_shape",
            ),
            (
                "5,001 values",
                format!(
                    "[{}]",
                    vec![format!("{{\"token\":\"{value}\"}}"); 5_001].join(",")
                ),
                413,
                "too_many",
            ),
        ] {
            let a = report(&s, &scanner, body.as_bytes()).await;
            assert_eq!(
                (a.status, a.reason()),
                (status, reason),
                "{what}: {}",
                a.text
            );
            assert!(
                !a.text.contains(&value),
                "{what}: never echo a value: {}",
                a.text
            );
        }
        // Over 1 MiB: refused before the signature is even checked.
        let mut big = serde_json::to_vec(&json!([finding(&value, URL)])).unwrap();
        big.pop();
        big.extend_from_slice(
            format!(",{{\"token\":\"x\",\"url\":\"{}\"}}]", "a".repeat(1 << 20)).as_bytes(),
        );
        let a = report(&s, &scanner, &big).await;
        assert_eq!((a.status, a.reason()), (413, "too_large"), "{}", a.text);

        assert_eq!(use_token(&api, &value).await, 0, "the token still works");
        assert!(alerts(&s, user).await.is_empty());
        assert!(leak_events(&s, user).await.is_empty());
        // And the genuine report still works afterwards.
        let a = report(&s, &scanner, &body).await;
        assert_eq!(a.json[0]["label"], "true_positive", "{}", a.text);
        assert_eq!(use_token(&api, &value).await, 702);
    }
);

both_databases!(
    without_leak_report_keys_the_endpoint_is_off,
    |db: TestDb| async move {
        let scanner = Scanner::new();
        let s = TestServer::start(&db).await;
        let (_, _, session, api) = account(&s, "off@example.com").await;
        let (_, value) = create_token(&api, &session, "untouched").await;
        let a = report(
            &s,
            &scanner,
            &serde_json::to_vec(&json!([finding(&value, URL)])).unwrap(),
        )
        .await;
        assert_eq!((a.status, a.reason()), (404, "disabled"), "{}", a.text);
        assert!(
            a.json["error"]
                .as_str()
                .unwrap()
                .contains("--leak-report-keys")
        );
        assert_eq!(use_token(&api, &value).await, 0);
        let get = common::client()
            .get(s.url("/leak-reports"))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status().as_u16(), 405);
    }
);

both_databases!(
    a_thousand_values_in_one_report_are_handled_in_one_go,
    |db: TestDb| async move {
        let scanner = Scanner::new();
        let s = start(&db, &scanner).await;
        let (alice, _, session, api) = account(&s, "alice@example.com").await;
        let (bob, ..) = account(&s, "bob@example.com").await;
        // Created before the seeding, which takes Alice past the 100-token limit.
        let (_, spare) = create_token(&api, &session, "not reported").await;
        // 400 live tokens for Alice, 100 for Bob (seeded: past the 100-per-account limit).
        let mut live = Vec::new();
        for (owner, n) in [(alice, 400), (bob, 100)] {
            let values: Vec<PlainToken> = (0..n).map(|_| PlainToken::generate()).collect();
            let seeds: Vec<SeedToken> = values
                .iter()
                .enumerate()
                .map(|(i, v)| SeedToken {
                    secret_hash: v.hash().as_str().to_string(),
                    description: format!("bulk {i}"),
                    api_list: "env.control.GetEnvInfo".into(),
                })
                .collect();
            s.kunci
                .store
                .seed_tokens(owner, &seeds, kunci_server::clock::now())
                .await
                .unwrap();
            live.extend(values.into_iter().map(|v| v.expose().to_string()));
        }
        let unknown: Vec<String> = (0..500)
            .map(|_| PlainToken::generate().expose().to_string())
            .collect();
        // Interleaved: live, unknown, live, unknown, ...
        let values: Vec<&String> = live
            .iter()
            .zip(&unknown)
            .flat_map(|(l, u)| [l, u])
            .collect();
        let body = serde_json::to_vec(
            &values
                .iter()
                .enumerate()
                .map(|(i, v)| finding(v, &format!("https://example.com/f/{i}")))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let started = Instant::now();
        let a = report(&s, &scanner, &body).await;
        let took = started.elapsed();
        eprintln!(
            "leak report of 1,000 values (500 live) on {:?}: {took:?}",
            db.backend()
        );
        assert_eq!(a.status, 200, "{}", &a.text[..a.text.len().min(500)]);
        let labels = a.json.as_array().unwrap();
        assert_eq!(labels.len(), 1000);
        for (i, (label, value)) in labels.iter().zip(&values).enumerate() {
            let expect = if i % 2 == 0 {
                "true_positive"
            } else {
                "false_positive"
            };
            assert_eq!(label["label"], expect, "{i}");
            assert_eq!(label["token_hash"], sha256_hex(value), "{i}");
        }
        assert_eq!(alerts(&s, alice).await.len(), 400);
        assert_eq!(alerts(&s, bob).await.len(), 100);
        assert_eq!(leak_events(&s, alice).await.len(), 400);
        assert_eq!(s.kunci.tokens.list(bob, None).await.unwrap().len(), 0);
        let alice_left = s.kunci.tokens.list(alice, None).await.unwrap();
        assert_eq!(alice_left.len(), 1, "only the unreported token");
        assert_eq!(use_token(&api, &spare).await, 0);
        assert_eq!(use_token(&api, &live[0]).await, 702);
        assert_eq!(use_token(&api, &live[499]).await, 702);

        // Replayed: the same 1,000 labels, no new alert.
        let started = Instant::now();
        let again = report(&s, &scanner, &body).await;
        eprintln!(
            "the same report again on {:?}: {:?}",
            db.backend(),
            started.elapsed()
        );
        assert_eq!(again.json, a.json);
        assert_eq!(alerts(&s, alice).await.len(), 400);
        assert_eq!(leak_events(&s, bob).await.len(), 100);
    }
);

both_databases!(
    control_and_non_ascii_characters_in_a_report_are_stored_and_shown_escaped,
    |db: TestDb| async move {
        let scanner = Scanner::new();
        let s = start(&db, &scanner).await;
        let (user, cookie, session, api) = account(&s, "escape@example.com").await;
        let (_, value) = create_token(&api, &session, "Schlüssel").await;
        let url =
            "https://exämple.com/\u{1b}[31mred\u{0}/\u{202e}txt.exe\n<script>alert(1)</script>";
        let kind = "kunci\u{7}token";
        let body = serde_json::to_vec(&json!([
            {"token": value, "type": kind, "url": url, "source": "commit\u{8}"}
        ]))
        .unwrap();
        // The neutral header names work as GitHub's do.
        let sig = scanner.sign(&body);
        let a = post(
            &s,
            body,
            &[
                ("Kunci-Public-Key-Identifier", KEY_ID),
                ("Kunci-Public-Key-Signature", &sig),
            ],
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.json[0]["label"], "true_positive");
        assert_eq!(
            a.json[0]["token_type"], kind,
            "the type is echoed as given (JSON-escaped)"
        );

        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1);
        let shown = "https://exämple.com/\\u{1b}[31mred\\u{0}/\\u{202e}txt.exe\\u{a}<script>alert(1)</script>";
        assert_eq!(got[0].url, shown);
        assert_eq!(got[0].token_type, "kunci\\u{7}token");
        assert_eq!(got[0].source, "commit\\u{8}");
        assert_eq!(got[0].description, "Schlüssel");
        let events = leak_events(&s, user).await;
        assert_eq!(events[0].params.url.as_deref(), Some(shown));
        assert_eq!(events[0].params.source.as_deref(), Some("commit\\u{8}"));

        let listed = web::call(&s.url(""), "/api/account/leak_alerts", Some(&cookie), &[]).await;
        assert_eq!(listed.body[0]["url"], shown);
    }
);

// ----- server token revoke-value -----

fn server(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run server");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

both_databases!(
    revoke_value_on_stdin_revokes_alerts_and_says_what_each_value_was,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let (user, _, session, api) = account(&s, "cli@example.com").await;
        let (id, value) = create_token(&api, &session, "found in a paste").await;
        let (_, kept) = create_token(&api, &session, "kept").await;
        let url = db.url.clone();
        let args = ["token", "revoke-value", "--database-url", &url];

        let out = server(&args, &format!("  {value}  \nnot-a-token\n\n"));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "an unknown value: exit 1\n{stdout}\n{stderr}"
        );
        assert!(
            stdout.contains(&format!(
                "value 1 (sha256 {}…): revoked token #{id} of cli@example.com",
                &sha256_hex(&value)[..12]
            )),
            "{stdout}"
        );
        assert!(
            stdout.contains("value 2") && stdout.contains("unknown"),
            "{stdout}"
        );
        assert!(stderr.starts_with("error: 1 of 2 values"), "{stderr}");
        assert!(
            !stdout.contains(&value) && !stderr.contains(&value),
            "never print a value"
        );

        // The running server sees it at once.
        assert_eq!(use_token(&api, &value).await, 702);
        assert_eq!(use_token(&api, &kept).await, 0);
        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].token_id, got[0].source.as_str(), got[0].url.as_str()),
            (id, "operator", "")
        );
        let events = leak_events(&s, user).await;
        assert_eq!(events.len(), 1);
        assert!(
            events[0].params.by_console && events[0].params.source.is_none(),
            "{}",
            events[0].params.to_json()
        );
        assert_eq!(events[0].ip, "cli");

        // Again: already retired, exit 0, nothing new.
        let again = server(&args, &format!("{value}\n"));
        let stdout = String::from_utf8_lossy(&again.stdout).to_string();
        assert!(again.status.success(), "{stdout}");
        assert!(
            stdout.contains(&format!("already retired (token #{id})")),
            "{stdout}"
        );
        assert_eq!(alerts(&s, user).await.len(), 1);
        assert_eq!(leak_events(&s, user).await.len(), 1);

        // Nothing on stdin: one line saying how.
        let none = server(&args, "");
        let stderr = String::from_utf8_lossy(&none.stderr).to_string();
        assert_eq!(none.status.code(), Some(1));
        assert!(stderr.starts_with("error: no value on stdin"), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_file_that_cannot_be_used_stops_the_start_with_one_line() {
    let db = TestDb::new(common::Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    for (name, text, says) in [
        ("missing.json", None, "cannot read the leak report keys"),
        ("empty.json", Some("{\"public_keys\": []}"), "no public key"),
        (
            "not-p256.pem",
            Some("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            "not an ECDSA P-256 public key",
        ),
    ] {
        let path = dir.path().join(name);
        if let Some(text) = text {
            std::fs::write(&path, text).unwrap();
        }
        let mut config = kunci_server::config::Config::for_database(&db.url);
        config.leak_report_keys = Some(path);
        let e = kunci_server::Server::start(config)
            .await
            .err()
            .expect("the start is refused")
            .to_string();
        assert!(e.contains(says), "{e}");
        assert!(e.contains("--leak-report-keys"), "{e}");
        assert!(!e.contains('\n'), "one line: {e:?}");
    }
}
