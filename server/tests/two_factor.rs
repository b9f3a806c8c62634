//! Two-factor sign-in (TOTP) over real HTTP, on SQLite and PostgreSQL: enrolment through
//! the REST API and the dashboard's server functions, the pending session of a password
//! sign-in, codes used once (also under parallel bursts), guessing locked like
//! passwords, disabling, tokens unaffected, and no secret in the database.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, Reply, user_with_session};
use common::{TestDb, TestServer, web};

const PW: &str = "correct horse battery staple";
const ACCOUNT: &str = "/1.0/users/account/rest";

/// RFC 4648 base32 without padding, as Get2FAConfig answers the secret.
fn base32_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The current TOTP step, after waiting out the last 4 seconds of a step, so a code for
/// the step before or after it is still in the server's window when it arrives.
async fn settled_step() -> u64 {
    let in_step = unix_now() % 30;
    if in_step >= 26 {
        tokio::time::sleep(Duration::from_secs(30 - in_step + 1)).await;
    }
    unix_now() / 30
}

/// The 6-digit code of TOTP step `step`.
fn code_at(secret: &[u8], step: u64) -> String {
    let n = kunci_server::services::two_factor::hotp(secret, step, 6);
    format!("{n:06}")
}

/// A user with a full API session and two-factor sign-in on (through the REST API),
/// enabled with the code of the step before the current one. Answers the session, the
/// raw secret, its base32 form and the recovery codes.
struct Enrolled {
    session: String,
    secret: Vec<u8>,
    secret_b32: String,
    codes: Vec<String>,
    user_id: i64,
}

async fn enroll(server: &TestServer, api: &Api, login: &str) -> Enrolled {
    let session = user_with_session(server, login, PW).await;
    let config = api
        .post(
            &format!("{ACCOUNT}/get2faconfig"),
            &[("session", &session), ("password", PW)],
        )
        .await;
    let secret_b32 = config.ok()["secret"].as_str().unwrap().to_string();
    let secret = base32_decode(&secret_b32);
    assert_eq!(secret.len(), 20);
    let url = config.ok()["otpauthUrl"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/Kunci:") && url.contains(&format!("secret={secret_b32}")),
        "{url}"
    );
    let svg = config.ok()["qrSvg"].as_str().unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let step = settled_step().await;
    let enabled = api
        .post(
            &format!("{ACCOUNT}/enable2fa"),
            &[
                ("session", &session),
                ("password", PW),
                ("code", &code_at(&secret, step - 1)),
            ],
        )
        .await;
    let codes: Vec<String> = enabled.ok()["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let user_id = server
        .kunci
        .store
        .user_by_login(login)
        .await
        .unwrap()
        .unwrap()
        .id;
    Enrolled {
        session,
        secret,
        secret_b32,
        codes,
        user_id,
    }
}

async fn signin(api: &Api, login: &str) -> Reply {
    api.post(
        &format!("{AUTH}/signin"),
        &[("login", login), ("password", PW)],
    )
    .await
}

/// A pending session (Signin answered twoFactorRequired).
async fn pending_session(api: &Api, login: &str) -> String {
    let r = signin(api, login).await;
    assert_eq!(r.ok()["twoFactorRequired"], true, "{:?}", r.body);
    r.ok()["session"].as_str().unwrap().to_string()
}

async fn verify(api: &Api, session: &str, code: &str) -> Reply {
    api.post(
        &format!("{AUTH}/verify2facode"),
        &[("session", session), ("code", code)],
    )
    .await
}

async fn get_envs(api: &Api, session: &str) -> Reply {
    api.get(
        "/1.0/environment/control/rest/getenvs",
        &[("session", session)],
    )
    .await
}

async fn codes_left(api: &Api, session: &str) -> (bool, i64) {
    let r = api
        .post(
            &format!("{ACCOUNT}/get2fabackupcodes"),
            &[("session", session), ("password", PW)],
        )
        .await;
    (
        r.ok()["enabled"].as_bool().unwrap(),
        r.ok()["recoveryCodesLeft"].as_i64().unwrap(),
    )
}

async fn log_kinds(server: &TestServer, user_id: i64) -> Vec<(String, String)> {
    server
        .kunci
        .security_log
        .list(user_id, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.params.to_json()))
        .collect()
}

both_databases!(
    rest_enable_then_sign_in_needs_a_code_and_the_pending_session_does_nothing_else,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "ann@example.com";
        let session = user_with_session(&server, login, PW).await;
        // Enable2FA before Get2FAConfig: nothing to confirm.
        api.post(
            &format!("{ACCOUNT}/enable2fa"),
            &[("session", &session), ("password", PW), ("code", "123456")],
        )
        .await
        .fails(3);
        let config = api
            .post(
                &format!("{ACCOUNT}/get2faconfig"),
                &[("session", &session), ("password", "wrong password!!")],
            )
            .await;
        config.fails(801);
        let config = api
            .post(
                &format!("{ACCOUNT}/get2faconfig"),
                &[("session", &session), ("password", PW)],
            )
            .await;
        let secret = base32_decode(config.ok()["secret"].as_str().unwrap());
        let step = settled_step().await;
        // A wrong code turns nothing on.
        let wrong = format!(
            "{:06}",
            (code_at(&secret, step).parse::<u32>().unwrap() + 1) % 1_000_000
        );
        let r = api
            .post(
                &format!("{ACCOUNT}/enable2fa"),
                &[("session", &session), ("password", PW), ("code", &wrong)],
            )
            .await;
        r.fails(707);
        assert!(r.error().contains("The code is not valid"), "{}", r.error());
        assert_eq!(codes_left(&api, &session).await, (false, 0));
        assert!(
            signin(&api, login)
                .await
                .ok()
                .get("twoFactorRequired")
                .is_none()
        );
        // The right code of the step before turns it on and answers ten codes, once.
        let enabled = api
            .post(
                &format!("{ACCOUNT}/enable2fa"),
                &[
                    ("session", &session),
                    ("password", PW),
                    ("code", &code_at(&secret, step - 1)),
                ],
            )
            .await;
        let codes = enabled.ok()["recoveryCodes"].as_array().unwrap().clone();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), 10);
        for c in &codes {
            let c = c.as_str().unwrap();
            assert_eq!(c.len(), 12, "{c}");
            assert_eq!(&c[4..5], "-");
        }
        assert_eq!(codes_left(&api, &session).await, (true, 10));
        // The session that enabled it keeps working.
        get_envs(&api, &session).await.ok();

        // A password sign-in now opens a pending session.
        let pending = pending_session(&api, login).await;
        for (path, params) in [
            ("/1.0/environment/control/rest/getenvs", vec![]),
            ("/1.0/users/account/rest/getuserinfo", vec![]),
            (&format!("{AUTH}/checksign") as &str, vec![]),
            (&format!("{AUTH}/gettokens"), vec![]),
            (
                &format!("{ACCOUNT}/disable2fa"),
                vec![("password", PW), ("code", "123456")],
            ),
        ] {
            let mut all = vec![("session", pending.as_str())];
            all.extend(params);
            let r = api.post(path, &all).await;
            r.fails(702);
            assert!(r.error().contains("Verify2FACode"), "{path}: {}", r.error());
        }
        // Bearer too.
        let r = api
            .bearer("/1.0/environment/control/rest/getenvs", &pending, &[])
            .await;
        r.fails(702);
        // The code of the step that enabled it was used: refused.
        verify(&api, &pending, &code_at(&secret, step - 1))
            .await
            .fails(707);
        let ok = verify(&api, &pending, &code_at(&secret, step)).await;
        assert_eq!(ok.ok()["email"], login);
        get_envs(&api, &pending).await.ok();
        // Verify on a full session is refused (no code needed), naming the session.
        verify(&api, &pending, &code_at(&secret, step + 1))
            .await
            .fails(3);
        // The same code again, on a new pending session: a replay, refused.
        let again = pending_session(&api, login).await;
        verify(&api, &again, &code_at(&secret, step))
            .await
            .fails(707);
        get_envs(&api, &again).await.fails(702);
        verify(&api, &again, &code_at(&secret, step + 1)).await.ok();
        get_envs(&api, &again).await.ok();

        let later = pending_session(&api, login).await;
        let user_id = server
            .kunci
            .store
            .user_by_login(login)
            .await
            .unwrap()
            .unwrap()
            .id;
        let kinds = log_kinds(&server, user_id).await;
        for kind in [
            "two_factor.enrolment_started",
            "two_factor.enabled",
            "two_factor.code_rejected",
        ] {
            assert!(kinds.iter().any(|(k, _)| k == kind), "{kind}: {kinds:?}");
        }
        // Sign out works with a pending session.
        api.post(&format!("{AUTH}/signout"), &[("session", &later)])
            .await
            .ok();
        verify(&api, &later, codes[0].as_str().unwrap())
            .await
            .fails(702);
    }
);

both_databases!(
    recovery_codes_work_once_and_regenerating_replaces_them,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "rec@example.com";
        let e = enroll(&server, &api, login).await;
        let pending = pending_session(&api, login).await;
        // Any case, with or without dashes.
        let typed = e.codes[0].to_uppercase().replace('-', "");
        verify(&api, &pending, &typed).await.ok();
        get_envs(&api, &pending).await.ok();
        assert_eq!(codes_left(&api, &e.session).await, (true, 9));
        let other = pending_session(&api, login).await;
        verify(&api, &other, &e.codes[0]).await.fails(707);
        let kinds = log_kinds(&server, e.user_id).await;
        assert!(
            kinds
                .iter()
                .any(|(k, d)| k == "two_factor.recovery_code_used" && d == r#"{"count":9}"#),
            "{kinds:?}"
        );
        // Regenerate: a recovery code is not enough, a current code is.
        let step = settled_step().await;
        api.post(
            &format!("{ACCOUNT}/regenerate2fabackupcodes"),
            &[
                ("session", &e.session),
                ("password", PW),
                ("code", &e.codes[1]),
            ],
        )
        .await
        .fails(3);
        let fresh = api
            .post(
                &format!("{ACCOUNT}/regenerate2fabackupcodes"),
                &[
                    ("session", &e.session),
                    ("password", PW),
                    ("code", &code_at(&e.secret, step)),
                ],
            )
            .await;
        let fresh: Vec<String> = fresh.ok()["recoveryCodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        assert_eq!(fresh.len(), 10);
        assert_eq!(codes_left(&api, &e.session).await, (true, 10));
        verify(&api, &other, &e.codes[1]).await.fails(707);
        verify(&api, &other, &fresh[0]).await.ok();
        assert!(
            log_kinds(&server, e.user_id)
                .await
                .iter()
                .any(|(k, _)| k == "two_factor.recovery_codes_regenerated")
        );
    }
);

/// A server whose budgets a burst does not exhaust, so the code decides alone.
async fn roomy_server(db: &TestDb) -> TestServer {
    TestServer::start_with(db, |c| {
        c.security.lockout_threshold = 1000;
        c.security.lockout_ip_threshold = 1000;
    })
    .await
}

/// `n` parallel Verify2FACode calls with `code`, each on its own pending session.
async fn burst(api: &Api, login: &str, code: &str, n: usize) -> (Vec<String>, Vec<Reply>) {
    let mut sessions = Vec::new();
    for _ in 0..n {
        sessions.push(pending_session(api, login).await);
    }
    let replies = futures_join(sessions.iter().map(|s| {
        let api = api.clone();
        let s = s.clone();
        let code = code.to_string();
        async move { verify(&api, &s, &code).await }
    }))
    .await;
    (sessions, replies)
}

async fn futures_join<F: std::future::Future<Output = Reply> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<Reply> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

both_databases!(
    a_burst_of_100_with_one_recovery_code_lets_exactly_one_through,
    |db: TestDb| async move {
        let server = roomy_server(&db).await;
        let api = Api::new(&server.url(""));
        let login = "burst@example.com";
        let e = enroll(&server, &api, login).await;
        let (sessions, replies) = burst(&api, login, &e.codes[3], 100).await;
        let ok = replies.iter().filter(|r| r.result() == 0).count();
        let refused = replies.iter().filter(|r| r.result() == 707).count();
        assert_eq!(
            (ok, refused),
            (1, 99),
            "{:?}",
            replies.iter().map(|r| r.result()).collect::<Vec<_>>()
        );
        let full = futures_join(sessions.iter().map(|s| {
            let api = api.clone();
            let s = s.clone();
            async move { get_envs(&api, &s).await }
        }))
        .await;
        assert_eq!(full.iter().filter(|r| r.result() == 0).count(), 1);
        assert_eq!(codes_left(&api, &e.session).await, (true, 9));
    }
);

both_databases!(
    a_totp_code_is_accepted_once_also_in_a_burst_of_100,
    |db: TestDb| async move {
        let server = roomy_server(&db).await;
        let api = Api::new(&server.url(""));
        let login = "replay@example.com";
        let e = enroll(&server, &api, login).await;
        // Sign in the 100 sessions first, then take the step (the burst is quick).
        let mut sessions = Vec::new();
        for _ in 0..100 {
            sessions.push(pending_session(&api, login).await);
        }
        let step = settled_step().await;
        let code = code_at(&e.secret, step);
        let replies = futures_join(sessions.iter().map(|s| {
            let api = api.clone();
            let s = s.clone();
            let code = code.clone();
            async move { verify(&api, &s, &code).await }
        }))
        .await;
        let ok = replies.iter().filter(|r| r.result() == 0).count();
        let refused = replies.iter().filter(|r| r.result() == 707).count();
        assert_eq!(
            (ok, refused),
            (1, 99),
            "{:?}",
            replies.iter().map(|r| r.result()).collect::<Vec<_>>()
        );
        // The step before is older than the one used: refused too; the next one works.
        let more = pending_session(&api, login).await;
        verify(&api, &more, &code_at(&e.secret, step - 1))
            .await
            .fails(707);
        verify(&api, &more, &code_at(&e.secret, step + 1))
            .await
            .ok();
    }
);

both_databases!(
    guessing_codes_locks_the_sign_in_like_guessing_passwords,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "guess@example.com";
        let e = enroll(&server, &api, login).await;
        // Two wrong passwords and three wrong codes spend the budget of five together.
        for _ in 0..2 {
            api.post(
                &format!("{AUTH}/signin"),
                &[("login", login), ("password", "wrong password!!")],
            )
            .await
            .fails(701);
        }
        let pending = pending_session(&api, login).await;
        let step = settled_step().await;
        let right = code_at(&e.secret, step);
        let wrong = format!(
            "{:06}",
            (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
        );
        for _ in 0..3 {
            verify(&api, &pending, &wrong).await.fails(707);
        }
        // Signing in again with the right password buys no more guesses.
        let r = signin(&api, login).await;
        r.fails(704);
        let r = verify(&api, &pending, &right).await;
        r.fails(704);
        assert!(r.error().contains("locked"), "{}", r.error());
        get_envs(&api, &pending).await.fails(702);
        // The lock is the account's, not only this session's: another address is locked
        // at sign-in too (the login's budget).
        api.post_from(
            "203.0.113.9",
            &format!("{AUTH}/signin"),
            &[("login", login), ("password", PW)],
        )
        .await
        .fails(704);
        // A full session and tokens are not affected.
        get_envs(&api, &e.session).await.ok();
    }
);

both_databases!(
    a_burst_of_wrong_codes_checks_at_most_the_budget,
    |db: TestDb| async move {
        // 40 parallel wrong codes on one pending session: at most 5 are checked (the
        // rest are locked or told to wait), and the right code is then locked out too.
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "par@example.com";
        let e = enroll(&server, &api, login).await;
        let pending = pending_session(&api, login).await;
        let step = settled_step().await;
        let right = code_at(&e.secret, step);
        let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
        let replies = futures_join((0..40).map(|_| {
            let api = api.clone();
            let s = pending.clone();
            let w = wrong.clone();
            async move { verify(&api, &s, &w).await }
        }))
        .await;
        let checked = replies.iter().filter(|r| r.result() == 707).count();
        assert!(checked <= 5, "{checked} guesses were checked");
        assert!(
            replies
                .iter()
                .all(|r| [707, 704, 706].contains(&r.result()))
        );
        verify(&api, &pending, &right).await.fails(704);
    }
);

both_databases!(
    disabling_needs_the_password_and_a_code_and_tokens_never_need_one,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "off@example.com";
        let e = enroll(&server, &api, login).await;
        // A token made before, and one made after: neither needs a code.
        let token = api
            .post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", &e.session),
                    ("password", PW),
                    ("description", "ci"),
                    ("apiList", "env.control.GetEnvs,users.account.GetUserInfo"),
                ],
            )
            .await;
        let token = token.ok()["token"]["key"].as_str().unwrap().to_string();
        get_envs(&api, &token).await.ok();
        api.bearer("/1.0/users/account/rest/getuserinfo", &token, &[])
            .await
            .ok();
        // Tokens cannot touch two-factor sign-in (users.* private methods stay 8202).
        for path in [
            format!("{ACCOUNT}/disable2fa"),
            format!("{ACCOUNT}/get2faconfig"),
            format!("{ACCOUNT}/get2fabackupcodes"),
            format!("{AUTH}/verify2facode"),
        ] {
            api.post(
                &path,
                &[("session", &token), ("password", PW), ("code", &e.codes[0])],
            )
            .await
            .fails(8202);
        }
        let r = api
            .post(&format!("{AUTH}/signinbytoken"), &[("token", &token)])
            .await;
        r.ok();
        assert!(r.body.get("twoFactorRequired").is_none());

        // Wrong code: 707; right code with a wrong password: 801; neither turns it off.
        api.post(
            &format!("{ACCOUNT}/disable2fa"),
            &[
                ("session", &e.session),
                ("password", PW),
                ("code", "abcd-efgh-jk"),
            ],
        )
        .await
        .fails(707);
        api.post(
            &format!("{ACCOUNT}/disable2fa"),
            &[("session", &e.session), ("password", PW)],
        )
        .await
        .fails(3);
        api.post(
            &format!("{ACCOUNT}/disable2fa"),
            &[
                ("session", &e.session),
                ("password", "wrong password!!"),
                ("code", &e.codes[2]),
            ],
        )
        .await
        .fails(801);
        assert_eq!(
            codes_left(&api, &e.session).await,
            (true, 10),
            "no code used"
        );
        // An unused recovery code and the password turn it off.
        api.post(
            &format!("{ACCOUNT}/disable2fa"),
            &[
                ("session", &e.session),
                ("password", PW),
                ("code", &e.codes[2]),
            ],
        )
        .await
        .ok();
        assert_eq!(codes_left(&api, &e.session).await, (false, 0));
        let r = signin(&api, login).await;
        assert!(r.ok().get("twoFactorRequired").is_none());
        get_envs(&api, r.ok()["session"].as_str().unwrap())
            .await
            .ok();
        get_envs(&api, &token).await.ok();
        let kinds = log_kinds(&server, e.user_id).await;
        let disabled: Vec<_> = kinds
            .iter()
            .filter(|(k, _)| k == "two_factor.disabled")
            .collect();
        assert_eq!(disabled.len(), 1, "{kinds:?}");
        assert_eq!(disabled[0].1, r#"{"turned_off_with":"recovery_code"}"#);
        // No log entry carries a secret or a code.
        for (_, detail) in &kinds {
            assert!(!detail.contains(&e.secret_b32));
            for c in &e.codes {
                assert!(!detail.contains(c.as_str()));
            }
        }
    }
);

both_databases!(
    the_operator_turns_two_factor_off_from_the_console,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "lost@example.com";
        let e = enroll(&server, &api, login).await;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args([
                "user",
                "disable-2fa",
                "--login",
                login,
                "--database-url",
                &db.url,
            ])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("is off for lost@example.com"), "{stdout}");
        let r = signin(&api, login).await;
        assert!(r.ok().get("twoFactorRequired").is_none(), "{:?}", r.body);
        assert!(
            log_kinds(&server, e.user_id)
                .await
                .iter()
                .any(|(k, d)| k == "two_factor.disabled" && d == r#"{"turned_off_with":"console"}"#)
        );
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args([
                "user",
                "disable-2fa",
                "--login",
                "nobody@example.com",
                "--database-url",
                &db.url,
            ])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(!out.status.success());
    }
);

both_databases!(
    malformed_codes_are_result_3_naming_code_and_cost_no_attempt,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "odd@example.com";
        let e = enroll(&server, &api, login).await;
        let pending = pending_session(&api, login).await;
        for bad in [
            "１２３４５６",
            "12345\u{0}6",
            "\u{1b}[2J123456",
            "123456\u{202e}",
            "12345",
            "abcd-efgh-i\u{301}",
            "ünïcode-xx",
            &"1".repeat(200),
        ] {
            let r = verify(&api, &pending, bad).await;
            r.fails(3);
            assert!(
                r.error().contains("invalid parameter [code]"),
                "{}",
                r.error()
            );
            assert!(
                !r.error().contains(bad),
                "the message never quotes the input"
            );
        }
        verify(&api, &pending, "").await.fails(3);
        // None of them counted: the right code still works.
        let step = settled_step().await;
        verify(&api, &pending, &code_at(&e.secret, step)).await.ok();
        // The dashboard says the same, naming the field.
        let cookie = web::sign_in(&server.url(""), login, PW)
            .await
            .cookie
            .unwrap();
        let a = web::call(
            &server.url(""),
            "/api/auth/verify_code",
            Some(&cookie),
            &[("code", "１２３４５６")],
        )
        .await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(web::invalid_name(&a.body), "code", "{}", a.body);
    }
);

both_databases!(
    the_dashboard_enrols_and_signs_in_through_the_code_page,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let base = server.url("");
        let login = "web@example.com";
        let cookie = web::signed_up(&base, login, PW).await;
        let status = web::call(&base, "/api/settings/two_factor", Some(&cookie), &[]).await;
        assert_eq!(status.body["enabled"], false, "{}", status.body);
        let wrong_pw = web::call(
            &base,
            "/api/settings/two_factor_begin",
            Some(&cookie),
            &[("password", "wrong password!!")],
        )
        .await;
        assert_eq!(web::error(&wrong_pw.body), app::AppError::InvalidPassword);
        let setup = web::call(
            &base,
            "/api/settings/two_factor_begin",
            Some(&cookie),
            &[("password", PW)],
        )
        .await;
        assert_eq!(setup.status, 200, "{}", setup.body);
        let secret = base32_decode(setup.body["secret"].as_str().unwrap());
        assert!(setup.body["qr_svg"].as_str().unwrap().starts_with("<svg"));
        assert!(
            setup.body["otpauth_url"]
                .as_str()
                .unwrap()
                .starts_with("otpauth://totp/")
        );
        let step = settled_step().await;
        let wrong = web::call(
            &base,
            "/api/settings/two_factor_enable",
            Some(&cookie),
            &[("password", PW), ("code", "000000")],
        )
        .await;
        if code_at(&secret, step) != "000000" && code_at(&secret, step - 1) != "000000" {
            assert_eq!(wrong.status, 403, "{}", wrong.body);
            assert_eq!(web::error(&wrong.body), app::AppError::InvalidCode);
        }
        let enabled = web::call(
            &base,
            "/api/settings/two_factor_enable",
            Some(&cookie),
            &[("password", PW), ("code", &code_at(&secret, step - 1))],
        )
        .await;
        assert_eq!(enabled.status, 200, "{}", enabled.body);
        let codes = enabled.body["codes"].as_array().unwrap().clone();
        assert_eq!(codes.len(), 10);
        let status = web::call(&base, "/api/settings/two_factor", Some(&cookie), &[]).await;
        assert_eq!(status.body["enabled"], true);
        assert_eq!(status.body["recovery_codes_left"], 10);

        // Sign in: a pending session, sent to /signin/code, signed out everywhere else.
        let res = common::client()
            .post(format!("{base}/api/auth/sign_in"))
            .header("origin", &base)
            .form(&[("login", login), ("password", PW)])
            .send()
            .await
            .unwrap();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(location.as_deref(), Some("/signin/code"));
        let set = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect::<Vec<_>>();
        assert!(
            !set.iter().any(|c| c.starts_with("kunci_device=")),
            "no device cookie before the second step: {set:?}"
        );
        let pending = set
            .iter()
            .find_map(|c| c.strip_prefix("kunci_session="))
            .map(|c| c.split(';').next().unwrap().to_string())
            .unwrap();
        assert_eq!(web::me(&base, &pending).await, None);
        let envs = web::call(&base, "/api/envs/list", Some(&pending), &[]).await;
        assert_eq!(envs.status, 401, "{}", envs.body);
        let tokens = web::call(&base, "/api/tokens/list", Some(&pending), &[]).await;
        assert_eq!(tokens.status, 401, "{}", tokens.body);
        // The page itself treats it as signed out: the same answer as without a cookie.
        let page = |cookie: Option<String>| {
            let mut req = common::client().get(format!("{base}/"));
            if let Some(c) = cookie {
                req = req.header("cookie", format!("kunci_session={c}"));
            }
            async move {
                let res = req.send().await.unwrap();
                (
                    res.status().as_u16(),
                    res.headers()
                        .get("location")
                        .map(|v| v.to_str().unwrap().to_string()),
                )
            }
        };
        assert_eq!(page(Some(pending.clone())).await, page(None).await);

        // A wrong code, then the right one.
        let used = web::call(
            &base,
            "/api/auth/verify_code",
            Some(&pending),
            &[("code", &code_at(&secret, step - 1))],
        )
        .await;
        assert_eq!(
            web::error(&used.body),
            app::AppError::InvalidCode,
            "a used step"
        );
        let ok = web::call(
            &base,
            "/api/auth/verify_code",
            Some(&pending),
            &[("code", &code_at(&secret, step))],
        )
        .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(web::me(&base, &pending).await.as_deref(), Some(login));
        // Without a pending session: not authenticated.
        let none = web::call(&base, "/api/auth/verify_code", None, &[("code", "123456")]).await;
        assert_eq!(none.status, 401);
        let full = web::call(
            &base,
            "/api/auth/verify_code",
            Some(&pending),
            &[("code", codes[0].as_str().unwrap())],
        )
        .await;
        assert_eq!(full.status, 401, "a full session needs no code");

        // Regenerate and disable from the dashboard.
        let step = settled_step().await;
        let regen = web::call(
            &base,
            "/api/settings/two_factor_regenerate",
            Some(&cookie),
            &[("password", PW), ("code", &code_at(&secret, step + 1))],
        )
        .await;
        assert_eq!(regen.status, 200, "{}", regen.body);
        let new_codes = regen.body["codes"].as_array().unwrap().clone();
        let off = web::call(
            &base,
            "/api/settings/two_factor_disable",
            Some(&cookie),
            &[("password", PW), ("code", codes[1].as_str().unwrap())],
        )
        .await;
        assert_eq!(
            web::error(&off.body),
            app::AppError::InvalidCode,
            "an old code"
        );
        let off = web::call(
            &base,
            "/api/settings/two_factor_disable",
            Some(&cookie),
            &[("password", PW), ("code", new_codes[1].as_str().unwrap())],
        )
        .await;
        assert_eq!(off.status, 200, "{}", off.body);
        let plain = web::sign_in(&base, login, PW).await;
        assert_eq!(
            web::me(&base, &plain.cookie.unwrap()).await.as_deref(),
            Some(login)
        );
    }
);

both_databases!(
    a_pending_session_expires_after_five_minutes,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "slow@example.com";
        let e = enroll(&server, &api, login).await;
        let pending = pending_session(&api, login).await;
        let hash = kunci_server::secrets::sha256_hex(&pending);
        age_session(&db, &hash, 301).await;
        let step = settled_step().await;
        verify(&api, &pending, &code_at(&e.secret, step))
            .await
            .fails(702);
    }
);

/// Moves a session's creation `secs` into the past, straight in the database.
async fn age_session(db: &TestDb, secret_hash: &str, secs: i64) {
    let sql = "UPDATE sessions SET created_at = created_at - $1 WHERE secret_hash = $2";
    match db.backend() {
        common::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::query(sql)
                .bind(secs)
                .bind(secret_hash)
                .execute(&pool)
                .await
                .unwrap();
        }
        common::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::query(sql)
                .bind(secs)
                .bind(secret_hash)
                .execute(&pool)
                .await
                .unwrap();
        }
    }
}

both_databases!(
    the_database_holds_no_secret_or_code_in_plain_form,
    |db: TestDb| async move {
        let server = TestServer::start(&db).await;
        let api = Api::new(&server.url(""));
        let login = "vault@example.com";
        let e = enroll(&server, &api, login).await;
        let mut needles: Vec<Vec<u8>> = vec![
            e.secret.clone(),
            e.secret_b32.as_bytes().to_vec(),
            e.secret_b32.to_lowercase().into_bytes(),
            hex(&e.secret).into_bytes(),
        ];
        for c in &e.codes {
            needles.push(c.as_bytes().to_vec());
            needles.push(c.replace('-', "").into_bytes());
        }
        let haystack: Vec<u8> = match db.backend() {
            common::Backend::Sqlite => {
                let path = db.sqlite_path().unwrap();
                let mut bytes = std::fs::read(&path).unwrap();
                let wal = path.with_extension("db-wal");
                if let Ok(w) = std::fs::read(&wal) {
                    bytes.extend(w);
                }
                // The key file is next to the database, readable by its owner only.
                let key = path.with_file_name("kunci-secret.key");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
                    assert_eq!(mode & 0o777, 0o600);
                }
                let key_text = std::fs::read_to_string(&key).unwrap();
                assert!(
                    !bytes.windows(64).any(|w| w == key_text.trim().as_bytes()),
                    "the server key is not in the database"
                );
                bytes
            }
            common::Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                let mut text = String::new();
                for table in [
                    "two_factor",
                    "recovery_codes",
                    "security_events",
                    "server_key_check",
                ] {
                    let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT row_to_json(t)::text FROM {table} t"
                    )))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                    assert!(!rows.is_empty() || table == "security_events", "{table}");
                    text.push_str(&rows.join("\n"));
                }
                text.into_bytes()
            }
        };
        assert!(!haystack.is_empty());
        for needle in &needles {
            assert!(
                !haystack
                    .windows(needle.len())
                    .any(|w| w == needle.as_slice()),
                "a secret or code is in the database"
            );
        }
        // What is there: a sealed secret and ten MACs.
        let row = server
            .kunci
            .store
            .two_factor(e.user_id)
            .await
            .unwrap()
            .unwrap();
        assert!(row.secret_enc.is_some());
        assert_eq!(
            server
                .kunci
                .store
                .recovery_codes_left(e.user_id)
                .await
                .unwrap(),
            10
        );
    }
);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

both_databases!(
    an_instance_with_another_secret_key_refuses_to_start,
    |db: TestDb| async move {
        // The first instance keeps running: a second one beside it, with another key,
        // must not start.
        let _first = TestServer::start(&db).await;
        let other = std::env::temp_dir().join(format!(
            "kunci-other-{}.key",
            kunci_server::secrets::random_hex(6)
        ));
        let mut config = kunci_server::config::Config::for_database(&db.url);
        config.secret_key_file = Some(other.clone());
        let e = kunci_server::Server::start(config)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(e.contains("--secret-key-file") && !e.contains('\n'), "{e}");
        let _ = std::fs::remove_file(other);
    }
);
