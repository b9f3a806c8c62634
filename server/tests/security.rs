//! Browser security headers, limits on slow and oversized clients, brute-force locks,
//! and error messages that never echo a secret.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, ENV, user_with_session};
use common::{Backend, TestDb, TestServer, web};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PW: &str = "correct horse battery staple";

#[tokio::test]
async fn pages_carry_a_csp_with_the_nonce_of_their_scripts() {
    let db = TestDb::new(Backend::Sqlite).await;
    let s = TestServer::start_with(&db, |c| c.http.trust_proxy = true).await;
    let c = common::client();
    for path in ["/signin", "/signup", "/docs/api", "/no/such/page"] {
        let res = c
            .get(s.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let h = res.headers().clone();
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        let html = res.text().await.unwrap();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .expect("a nonce in the CSP");
        assert!(nonce.len() >= 16, "{nonce}");
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: the inline scripts carry the CSP's nonce"
        );
        assert!(!html.contains("nonce=\"\""));
        for needle in [
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "style-src 'self'",
        ] {
            assert!(csp.contains(needle), "{path}: {needle} in {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["cache-control"], "no-store");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain http"
        );
    }
    // Two renders, two nonces.
    let a =
        c.get(s.url("/signin")).send().await.unwrap().headers()["content-security-policy"].clone();
    let b =
        c.get(s.url("/signin")).send().await.unwrap().headers()["content-security-policy"].clone();
    assert_ne!(a, b);
    // Answers that are not pages may do nothing in a browser.
    let api = c
        .get(s.url(&format!("{ENV}/getenvs")))
        .send()
        .await
        .unwrap();
    let csp = api.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(api.headers()["cache-control"], "no-store");
    // Behind an https proxy, HSTS.
    let https = c
        .get(s.url("/signin"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        https.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}

#[tokio::test]
async fn slow_clients_are_disconnected_and_oversized_headers_refused() {
    let db = TestDb::new(Backend::Sqlite).await;
    let s = TestServer::start_with(&db, |c| c.limits.header_timeout = Duration::from_secs(1)).await;
    // Slowloris: a request line and one header, then silence. The server hangs up when
    // the header timeout passes, without an answer (hyper sends no 408 for it; SECURITY.md).
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the server must hang up on a client that stops sending"
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "closed by the header timeout (1 s): {waited:?}"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408 "),
        "a closed connection, at most with a 408: {text}"
    );

    // The server is still fine for others.
    assert_eq!(
        common::client()
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // 100 KiB of headers is more than the 64 KiB allowed: answered 431, then closed.
    let mut big = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let _ = big.write_all(header.as_bytes()).await;
    let mut buf = Vec::new();
    // The answer is kept in `buf` even when the close reaches the client as a reset
    // (the server does not read the rest of what was sent).
    let read = tokio::time::timeout(Duration::from_secs(5), big.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection is closed after the answer");
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.starts_with("HTTP/1.1 431 "),
        "refused with 431: {text:.80}"
    );
}

both_databases!(
    sign_in_brute_force_is_locked_per_account_and_per_ip,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| {
            c.http.trust_proxy = true;
            c.security.lockout_threshold = 3;
            c.security.lockout_ip_threshold = 5;
            c.security.lockout_window = Duration::from_secs(60);
            c.security.lockout_duration = Duration::from_secs(2);
        })
        .await;
        let api = Api::new(&s.url(""));
        for login in [
            "victim@example.com",
            "other@example.com",
            "attacker@example.com",
        ] {
            s.kunci
                .accounts
                .register(login, None, PW.to_string().into())
                .await
                .unwrap();
        }
        let signin = |login: &'static str, password: &'static str, ip: &'static str| {
            let api = &api;
            async move {
                api.post_from(
                    ip,
                    &format!("{AUTH}/signin"),
                    &[("login", login), ("password", password)],
                )
                .await
            }
        };
        // An attacker at 203.0.113.9 guesses the victim's password: the account locks.
        for _ in 0..3 {
            signin("victim@example.com", "guess guess guess", "203.0.113.9")
                .await
                .fails(701);
        }
        signin("victim@example.com", PW, "198.51.100.7")
            .await
            .fails(704);
        // Spreading guesses over accounts locks the attacker's address.
        signin("other@example.com", "guess guess guess", "203.0.113.9")
            .await
            .fails(701);
        signin("other@example.com", "guess guess guess", "203.0.113.9")
            .await
            .fails(701);
        let ip_locked = signin("attacker@example.com", PW, "203.0.113.9").await;
        ip_locked.fails(704);
        // Another address is not affected by that lock.
        signin("attacker@example.com", PW, "192.0.2.44").await.ok();
        // After the lock, the real user gets in.
        tokio::time::sleep(Duration::from_millis(2200)).await;
        signin("victim@example.com", PW, "198.51.100.7").await.ok();
        signin("attacker@example.com", PW, "203.0.113.9").await.ok();
    }
);

both_databases!(
    password_confirmation_brute_force_is_locked_per_session,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| {
            c.http.trust_proxy = true;
            c.security.lockout_threshold = 3;
            c.security.lockout_ip_threshold = 4;
            c.security.lockout_duration = Duration::from_secs(2);
        })
        .await;
        let api = Api::new(&s.url(""));
        let a = user_with_session(&s, "a@example.com", PW).await;
        let b = user_with_session(&s, "b@example.com", PW).await;
        let create = |session: &str, password: &'static str, ip: &'static str| {
            let (api, session) = (&api, session.to_string());
            async move {
                api.post_from(
                    ip,
                    &format!("{AUTH}/createtoken"),
                    &[
                        ("session", session.as_str()),
                        ("password", password),
                        ("description", "t"),
                        ("apiList", "env.control.GetEnvInfo"),
                    ],
                )
                .await
            }
        };
        for _ in 0..3 {
            create(&a, "wrong wrong", "203.0.113.9").await.fails(801);
        }
        // That session is locked, from any address, even with the password...
        create(&a, PW, "198.51.100.7").await.fails(705);
        // ...but nobody else is: not another account behind the same address (past the
        // address's sign-in threshold of 4), nor another session of the same account.
        create(&b, "wrong wrong", "203.0.113.9").await.fails(801);
        create(&b, PW, "203.0.113.9").await.ok();
        let a2 = api.signin("a@example.com", PW).await;
        create(&a2, PW, "203.0.113.9").await.ok();
        tokio::time::sleep(Duration::from_millis(2200)).await;
        create(&a, PW, "198.51.100.7").await.ok();
    }
);

both_databases!(
    error_messages_never_echo_a_secret,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "echo@example.com", PW).await;
        let secret_pw = "Sup3r-Secret-Passw0rd!";
        let fake_token = "kunci_ThisIsNotARealTokenValue0123456789abcd";
        let fake_session = "S3cretSessionIdThatShouldNeverBeEchoed01";
        let replies = vec![
            api.post(
                &format!("{AUTH}/signin"),
                &[("login", "echo@example.com"), ("password", secret_pw)],
            )
            .await,
            api.get(
                &format!("{AUTH}/signin"),
                &[("login", "echo@example.com"), ("password", secret_pw)],
            )
            .await,
            api.get(
                &format!("{ENV}/getenvinfo"),
                &[("session", fake_token), ("envName", "x-env")],
            )
            .await,
            api.get(
                &format!("{ENV}/getenvinfo"),
                &[("session", fake_session), ("envName", "x-env")],
            )
            .await,
            api.bearer(
                &format!("{ENV}/getenvinfo"),
                fake_token,
                &[("envName", "x-env")],
            )
            .await,
            api.post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", &session),
                    ("password", secret_pw),
                    ("description", "x"),
                    ("apiList", "env.control.StopEnv"),
                ],
            )
            .await,
            api.post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", &session),
                    ("password", secret_pw),
                    ("description", ""),
                    ("apiList", "nope"),
                ],
            )
            .await,
            api.post(
                &format!("{ENV}/deleteenv"),
                &[
                    ("session", &session),
                    ("password", secret_pw),
                    ("envName", "nope-env"),
                ],
            )
            .await,
            api.post(
                &format!("{AUTH}/signoutsessions"),
                &[("session", &session), ("ids", fake_session)],
            )
            .await,
        ];
        for r in &replies {
            let text = r.body.to_string();
            assert_ne!(r.result(), 0, "{text}");
            for secret in [secret_pw, fake_token, fake_session, session.as_str()] {
                assert!(!text.contains(secret), "{secret} echoed in {text}");
            }
        }
        let w = web::call(
            &s.url(""),
            "/api/auth/sign_in",
            None,
            &[("login", "echo@example.com"), ("password", secret_pw)],
        )
        .await;
        assert!(!w.body.to_string().contains(secret_pw));
    }
);

both_databases!(
    a_flood_of_unknown_credentials_is_cut_off_before_the_database,
    |db: TestDb| async move {
        use kunci_server::domain::token::PlainToken;
        use kunci_server::services::flood::{FLOOD_HOLD, UNKNOWN_CREDENTIALS_PER_MINUTE};
        let s = TestServer::start_with(&db, |c| c.http.trust_proxy = true).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "flooded@example.com", PW).await;
        api.create_env(&session, "flood-env").await.ok();
        let token = |list: &'static str| {
            let (api, session) = (&api, &session);
            async move {
                api.post(
                    &format!("{AUTH}/createtoken"),
                    &[
                        ("session", session.as_str()),
                        ("password", PW),
                        ("description", "flood test"),
                        ("apiList", list),
                    ],
                )
                .await
                .ok()["token"]["key"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        };
        let used = token("env.control.GetEnvInfo").await;
        let info = |value: String, ip: &'static str| {
            let api = &api;
            async move {
                api.get_from(
                    ip,
                    &format!("{ENV}/getenvinfo"),
                    &[("envName", "flood-env"), ("session", value.as_str())],
                )
                .await
            }
        };
        info(used.clone(), "198.51.100.1").await.ok();
        // An address sends the limit's worth of `value()`s: each is looked up (when
        // well-formed) and refused as unknown. The next is refused without a lookup,
        // saying why; `trip` answers how long that refusal took.
        let trip = |value: fn() -> String, ip: &'static str| {
            let info = &info;
            async move {
                for _ in 0..UNKNOWN_CREDENTIALS_PER_MINUTE {
                    let r = info(value(), ip).await;
                    r.fails(702);
                    assert_eq!(r.error(), "user is not authenticated");
                }
                let asked = std::time::Instant::now();
                let r = info(value(), ip).await;
                let took = asked.elapsed();
                r.fails(702);
                assert!(
                    r.error().contains("too many unknown tokens or session ids"),
                    "{}",
                    r.error()
                );
                took
            }
        };
        // Well-formed tokens no account holds; past the limit, the refusal comes only
        // after a hold (the tarpit that slows the flood's connections).
        let held = trip(
            || PlainToken::generate().expose().to_string(),
            "203.0.113.66",
        )
        .await;
        assert!(held >= FLOOD_HOLD, "refused after {held:?}, not held");
        // A token known valid still works from that address, at once; one issued
        // since, too.
        let asked = std::time::Instant::now();
        info(used.clone(), "203.0.113.66").await.ok();
        assert!(
            asked.elapsed() < FLOOD_HOLD,
            "a live token waited {:?} behind the hold",
            asked.elapsed()
        );
        let fresh = token("env.control.GetEnvInfo").await;
        info(fresh.clone(), "203.0.113.66").await.ok();
        // The guard never lets a dead value through: regenerated away, it is refused.
        let id = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await
            .ok()["apiTokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .max()
            .unwrap()
            .to_string();
        api.post(
            &format!("{AUTH}/regeneratetoken"),
            &[("session", &session), ("password", PW), ("id", &id)],
        )
        .await
        .ok();
        info(fresh, "203.0.113.66").await.fails(702);
        // Other addresses and sign-in sessions are not affected.
        info(PlainToken::generate().expose().to_string(), "192.0.2.5")
            .await
            .fails(702);
        assert_eq!(
            info(PlainToken::generate().expose().to_string(), "192.0.2.5")
                .await
                .error(),
            "user is not authenticated"
        );
        info(session.clone(), "203.0.113.66").await.ok();
        // Malformed values (the prefix, a wrong checksum) count against the limit too.
        trip(|| format!("kunci_{}", "x".repeat(38)), "192.0.2.77").await;
        info(used, "192.0.2.77").await.ok();
        // Made-up session ids too; a session signed in from that address since, and
        // sign-in itself, still work.
        trip(|| kunci_server::secrets::random_base62(40), "192.0.2.99").await;
        let signed_in = api
            .post_from(
                "192.0.2.99",
                &format!("{AUTH}/signin"),
                &[("login", "flooded@example.com"), ("password", PW)],
            )
            .await;
        let fresh_session = signed_in.ok()["session"].as_str().unwrap().to_string();
        info(fresh_session, "192.0.2.99").await.ok();
    }
);
