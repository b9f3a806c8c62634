//! Hostile input against the real server: credential values that once panicked the
//! token parser, secret parameters spelled to slip past the log's redaction, control
//! characters meant to forge log lines, and forwarded addresses a client picks itself.
//!
//! A panic in request handling (answered with result 99 and the request id) has no
//! legitimate trigger; `web::tests` proves the catch layer on a router of its own.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, ENV};
use common::{Backend, ServerProcess, TestDb, TestServer, web};
use reqwest::header::HeaderValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PW: &str = "correct horse battery staple";

/// A token-shaped value (`kunci_` and 38 more bytes) whose `é` lies across byte 38,
/// where the random part ends and the checksum begins; `n` makes each one different.
fn straddling_token(n: usize) -> String {
    let value = format!("kunci_{n:0>31}é{}", "b".repeat(5));
    assert_eq!(value.len(), 44);
    assert!(!value.is_char_boundary(38));
    value
}

/// Waits until the server has written the log lines of the requests answered so far.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

both_databases!(
    multibyte_token_values_are_refused_with_702_counted_and_never_logged,
    |db: TestDb| async move {
        let p = ServerProcess::start(&db.url, &["--trust-proxy"]).await;
        let base = p.url("");
        let api = Api::new(&base);
        let value = straddling_token(0);
        let info = format!("{ENV}/getenvinfo");

        // The session parameter, in the query, a form body and a JSON body.
        api.get(&info, &[("session", &value), ("envName", "e")])
            .await
            .fails(702);
        api.post(&info, &[("session", &value), ("envName", "e")])
            .await
            .fails(702);
        let json = serde_json::json!({"session": value, "envName": "e"}).to_string();
        api.raw(
            api.client()
                .post(api.url(&info))
                .header("content-type", "application/json")
                .body(json),
        )
        .await
        .fails(702);
        // As a Bearer token and as the session cookie: header bytes that are not ASCII.
        let bearer = HeaderValue::from_bytes(format!("Bearer {value}").as_bytes()).unwrap();
        let cookie = HeaderValue::from_bytes(format!("kunci_session={value}").as_bytes()).unwrap();
        api.raw(
            api.client()
                .get(api.url(&info))
                .header("authorization", bearer)
                .query(&[("envName", "e")]),
        )
        .await
        .fails(702);
        api.raw(
            api.client()
                .get(api.url(&info))
                .header("cookie", cookie.clone())
                .query(&[("envName", "e")]),
        )
        .await
        .fails(702);
        let envs = api
            .client()
            .get(api.url("/ui/envs"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("the dashboard's list answers");
        assert_eq!(envs.status(), 401);
        let body = envs.text().await.unwrap();
        serde_json::from_str::<serde_json::Value>(&body)
            .unwrap_or_else(|_| panic!("not JSON: {body}"));

        // The server keeps serving.
        let health = api.client().get(api.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);

        // Each such value counts against its address's flood limit like any unknown one.
        let ip = "203.0.113.77";
        for n in 1..=100 {
            let r = api
                .get_from(
                    ip,
                    &info,
                    &[("session", &straddling_token(n)), ("envName", "e")],
                )
                .await;
            r.fails(702);
            assert!(
                !r.error().contains("too many unknown"),
                "refused early, at value {n}: {}",
                r.error()
            );
        }
        let r = api
            .get_from(
                ip,
                &info,
                &[("session", &straddling_token(101)), ("envName", "e")],
            )
            .await;
        r.fails(702);
        assert!(r.error().contains("too many unknown"), "{}", r.error());

        settle().await;
        let log = p.log_text();
        assert!(!log.contains("panicked"), "{log}");
        assert!(
            !log.contains(&"0".repeat(31)) && !log.contains("bbbbb"),
            "a credential value reached the log:\n{log}"
        );
    }
);

/// Every spelling below is read by the server as the `session` parameter.
const SESSION_SPELLINGS: &[&str] = &[
    "session",
    "session+",
    "+session",
    "%20SESSION",
    "Session%09",
    "%73ESSION",
    "++%0A%0DsEsSiOn%E2%80%83",
    "%E3%80%80session%C2%A0",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_parameters_are_redacted_however_they_are_spelled() {
    let db = TestDb::new(Backend::Sqlite).await;
    // Open: each of the two processes signs its own account up.
    let human = ServerProcess::start(&db.url, &["--signup", "open"]).await;
    let json = ServerProcess::start(&db.url, &["--log-format", "json", "--signup", "open"]).await;
    for p in [&human, &json] {
        let base = p.url("");
        let api = Api::new(&base);
        let login = format!("spell{}@example.com", p.addr.port());
        web::signed_up(&base, &login, PW).await;
        let session = api.signin(&login, PW).await;
        let env_name = format!("spell-{}", p.addr.port());
        api.create_env(&session, &env_name).await.ok();

        let mut secrets = Vec::new();
        for spelling in SESSION_SPELLINGS {
            let session = api.signin(&login, PW).await;
            let r = api
                .get(
                    &format!("{ENV}/getenvinfo?envName={env_name}&{spelling}={session}"),
                    &[],
                )
                .await;
            assert_eq!(
                r.ok()["env"]["shortdomain"],
                env_name.as_str(),
                "{spelling}"
            );
            secrets.push(session);
        }
        // Other secret names, read by methods that take them: the Kelvin sign K
        // lower-cases to k, so this is `key`; and a password with a tab after it.
        let kelvin = "KelvinKeyValue0123456789";
        let password = "PasswordValue9876543210";
        api.get(
            &format!(
                "{AUTH}/checksign?session={session}&%E2%84%AAey={kelvin}&password%09={password}"
            ),
            &[],
        )
        .await
        .ok();
        secrets.extend([session, kelvin.to_string(), password.to_string()]);

        settle().await;
        let log = p.log_text();
        assert!(
            log.contains(&env_name),
            "the log shows the request lines:\n{log}"
        );
        for secret in &secrets {
            assert!(
                !log.contains(secret.as_str()),
                "{secret} leaked into the log:\n{log}"
            );
        }
    }
    for line in json.log_text().lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("a JSON log line does not parse ({e}): {line}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_cannot_forge_log_lines() {
    let db = TestDb::new(Backend::Sqlite).await;
    // Open: each of the two processes signs its own account up.
    let human = ServerProcess::start(&db.url, &["--signup", "open"]).await;
    let json = ServerProcess::start(&db.url, &["--log-format", "json", "--signup", "open"]).await;
    let forged = "%0A%7B%22level%22%3A%22ERROR%22%7D%1B%5B2J%0D%00%C2%85";
    for p in [&human, &json] {
        let c = common::client();
        for path in [
            format!("/missing{forged}?x={forged}&{forged}=1"),
            format!("/1.0/environment/control/rest/getenvinfo?envName={forged}"),
            "/healthz?x=%0A&y=%1B".to_string(),
        ] {
            c.get(p.url(&path)).send().await.unwrap();
        }
        // Raw bytes in the request target: UTF-8 of a C1 control (NEL) and of DEL's
        // neighbours, sent as they are, not percent-encoded.
        let mut raw = tokio::net::TcpStream::connect(p.addr).await.unwrap();
        raw.write_all(
            b"GET /missing\xC2\x85forged\xC2\x9B31m?q=\xC2\x85x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut buf)).await;
        assert!(!buf.is_empty(), "the server answers a raw request");
        settle().await;
        let log = p.log_text();
        assert!(log.contains("/missing"), "{log}");
        for bad in ['\u{1b}', '\r', '\0', '\u{85}', '\u{9b}'] {
            assert!(
                !log.contains(bad),
                "{bad:?} reached the log as it is:\n{log}"
            );
        }
        assert!(
            !log.lines().any(|l| l.starts_with("{\"level\":\"ERROR\"}")),
            "a forged line:\n{log}"
        );
    }
    for line in json.log_text().lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("a JSON log line does not parse ({e}): {line}"));
    }
}

both_databases!(
    only_the_last_forwarded_entry_names_the_client,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| c.http.trust_proxy = true).await;
        let api = Api::new(&s.url(""));
        s.kunci
            .accounts
            .register("xff@example.com", None, PW.to_string().into())
            .await
            .unwrap();
        for (forwarded, client) in [
            ("6.6.6.6, 10.0.0.1:4321", "10.0.0.1"),
            ("6.6.6.6, [2001:db8::7]:443", "2001:db8::7"),
            ("1.2.3.4, garbage", "127.0.0.1"),
            ("1.2.3.4, 10.0.0.1:99999", "127.0.0.1"),
        ] {
            let session = api
                .post_from(
                    forwarded,
                    &format!("{AUTH}/signin"),
                    &[("login", "xff@example.com"), ("password", PW)],
                )
                .await
                .ok()["session"]
                .as_str()
                .unwrap()
                .to_string();
            let sessions = api
                .get(&format!("{AUTH}/getsessions"), &[("session", &session)])
                .await;
            let current = sessions.ok()["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["current"] == true)
                .cloned()
                .expect("the current session is listed");
            assert_eq!(current["host"], client, "X-Forwarded-For: {forwarded}");
        }
    }
);
