//! Accounts and browser sessions, over HTTP, on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use common::{Backend, ServerProcess, TestDb, TestServer, web};

const PW: &str = "correct horse battery staple";

both_databases!(
    sign_up_validation_errors_create_nothing,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let base = s.url("");
        let cases: &[(&str, &str, &str, &str, &str)] = &[
            ("not-an-email", "Ann", PW, PW, "login"),
            ("", "Ann", PW, PW, "login"),
            ("ann@example.com", "Ann", "short", "short", "password"),
            (
                "ann@example.com",
                "Ann",
                PW,
                "something else entirely",
                "password_again",
            ),
            ("ann@example.com", &"x".repeat(101), PW, PW, "name"),
        ];
        for (login, name, pw, pw2, field) in cases {
            let a = web::call(
                &base,
                "/api/auth/sign_up",
                None,
                &[
                    ("login", login),
                    ("name", name),
                    ("password", pw),
                    ("password_again", pw2),
                ],
            )
            .await;
            assert_eq!(a.status, 400, "{login}/{field}: {}", a.body);
            assert_eq!(web::invalid_name(&a.body), *field, "{}", a.body);
            assert!(a.cookie.is_none());
        }
        assert!(
            s.kunci
                .store
                .user_by_login("ann@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_databases!(
    sign_up_rejects_duplicate_login_case_insensitively,
    |db: TestDb| async move {
        // Open: under the default (closed) the second sign-up is refused before the
        // login is even looked at; this test is about the login.
        let s = TestServer::start_with(&db, |c| c.signup = kunci_core::config::Signup::Open).await;
        let base = s.url("");
        web::signed_up(&base, "dup@example.com", PW).await;
        let again = web::sign_up(&base, "  DUP@Example.com ", "Other", PW).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(
            matches!(web::error(&again.body), app::AppError::LoginTaken(_)),
            "{}",
            again.body
        );
        assert!(again.cookie.is_none());
        let user = s
            .kunci
            .store
            .user_by_login("dup@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.name, "Test User", "the first account is untouched");
    }
);

both_databases!(
    sign_in_wrong_password_and_unknown_login_answer_the_same,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let base = s.url("");
        web::signed_up(&base, "ann@example.com", PW).await;
        let before = s.kunci.hasher.verifications();
        let wrong = web::sign_in(&base, "ann@example.com", "not the password at all").await;
        let unknown = web::sign_in(&base, "nobody@example.com", "not the password at all").await;
        assert_eq!(wrong.status, 401);
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(unknown.status, 401);
        assert_eq!(web::error(&wrong.body), app::AppError::AuthenticationFailed);
        assert!(wrong.cookie.is_none() && unknown.cookie.is_none());
        // Both paid for exactly one argon2 verification: timing does not reveal accounts.
        assert_eq!(s.kunci.hasher.verifications() - before, 2);
        let ok = web::sign_in(&base, "ANN@example.com", PW).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(
            web::me(&base, &ok.cookie.unwrap()).await.as_deref(),
            Some("ann@example.com")
        );
    }
);

both_databases!(
    lockout_after_repeated_failures_then_recovery,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| {
            c.security.lockout_threshold = 3;
            c.security.lockout_window = Duration::from_secs(60);
            c.security.lockout_duration = Duration::from_secs(2);
            // Open: it signs up more than the first account.
            c.signup = kunci_core::config::Signup::Open;
        })
        .await;
        let base = s.url("");
        web::signed_up(&base, "lock@example.com", PW).await;
        for _ in 0..3 {
            assert_eq!(
                web::sign_in(&base, "lock@example.com", "wrong password!!")
                    .await
                    .status,
                401
            );
        }
        let locked = web::sign_in(&base, "lock@example.com", PW).await;
        assert_eq!(locked.status, 403, "{}", locked.body);
        let app::AppError::UserBlocked(message) = web::error(&locked.body) else {
            panic!("not blocked: {}", locked.body)
        };
        assert!(
            message.contains("locked") && message.contains("try again"),
            "{message}"
        );
        assert!(locked.cookie.is_none());
        // Another account is not affected.
        web::signed_up(&base, "other@example.com", PW).await;
        assert_eq!(
            web::sign_in(&base, "other@example.com", PW).await.status,
            200
        );
        tokio::time::sleep(Duration::from_millis(3100)).await;
        let after = web::sign_in(&base, "lock@example.com", PW).await;
        assert_eq!(
            after.status, 200,
            "the lock ends after its duration: {}",
            after.body
        );
    }
);

both_databases!(
    session_expires_when_idle_and_at_its_lifetime,
    |db: TestDb| async move {
        let idle =
            TestServer::start_with(&db, |c| c.security.session_idle = Duration::from_secs(2)).await;
        let cookie = web::signed_up(&idle.url(""), "idle@example.com", PW).await;
        assert!(web::me(&idle.url(""), &cookie).await.is_some());
        tokio::time::sleep(Duration::from_millis(3100)).await;
        assert_eq!(
            web::me(&idle.url(""), &cookie).await,
            None,
            "idle session expired"
        );
        idle.stop().await;

        let life = TestServer::start_with(&db, |c| {
            c.security.session_idle = Duration::from_secs(60);
            c.security.session_lifetime = Duration::from_secs(3);
        })
        .await;
        let cookie = web::sign_in(&life.url(""), "idle@example.com", PW)
            .await
            .cookie
            .unwrap();
        for _ in 0..2 {
            assert!(
                web::me(&life.url(""), &cookie).await.is_some(),
                "in use and young: alive"
            );
            tokio::time::sleep(Duration::from_millis(1000)).await;
        }
        tokio::time::sleep(Duration::from_millis(1600)).await;
        assert_eq!(
            web::me(&life.url(""), &cookie).await,
            None,
            "past its lifetime even though used"
        );
    }
);

both_databases!(
    sign_out_kills_the_session_and_clears_the_cookie,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let base = s.url("");
        let cookie = web::signed_up(&base, "out@example.com", PW).await;
        let other = web::sign_in(&base, "out@example.com", PW)
            .await
            .cookie
            .unwrap();
        assert_ne!(cookie, other, "a new session id at each sign-in");
        let out = web::sign_out(&base, &cookie).await;
        assert_eq!(out.status, 200);
        assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
        assert_eq!(web::me(&base, &cookie).await, None);
        assert!(
            web::me(&base, &other).await.is_some(),
            "only that session ended"
        );
    }
);

both_databases!(
    session_cookie_is_httponly_lax_and_secure_behind_https,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| c.http.trust_proxy = true).await;
        let a = web::sign_up(&s.url(""), "cookie@example.com", "Ann", PW).await;
        let plain = a.set_cookie.unwrap();
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && !plain.contains("Secure"),
            "{plain}"
        );
        let res = common::client()
            .post(s.url("/api/auth/sign_in"))
            .header("origin", s.url(""))
            .header("x-forwarded-proto", "https")
            .form(&[("login", "cookie@example.com"), ("password", PW)])
            .send()
            .await
            .unwrap();
        let secure = res.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            secure.contains("; Secure") && secure.contains("HttpOnly"),
            "{secure}"
        );
    }
);

both_databases!(
    server_functions_refuse_other_origins,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let res = common::client()
            .post(s.url("/api/auth/sign_up"))
            .header("origin", "https://evil.example")
            .form(&[
                ("login", "csrf@example.com"),
                ("name", "x"),
                ("password", PW),
                ("password_again", PW),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403);
        assert!(
            s.kunci
                .store
                .user_by_login("csrf@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_databases!(health_and_readiness, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let c = common::client();
    assert_eq!(c.get(s.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(c.get(s.url("/readyz")).send().await.unwrap().status(), 200);
    s.kunci.store.close().await;
    assert_eq!(c.get(s.url("/readyz")).send().await.unwrap().status(), 503);
});

both_databases!(
    pages_render_and_protect_the_dashboard,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let c = common::client();
        let signup = c.get(s.url("/signup")).send().await.unwrap();
        assert_eq!(signup.status(), 200);
        assert!(signup.text().await.unwrap().contains("Create your account"));
        let anonymous = c
            .get(s.url("/"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(
            anonymous.status().as_u16(),
            302,
            "the dashboard sends strangers to sign in"
        );
        assert_eq!(anonymous.headers()["location"], "/signin");
        let cookie = web::signed_up(&s.url(""), "page@example.com", PW).await;
        let page = c
            .get(s.url("/"))
            .header("cookie", format!("kunci_session={cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("Test User") && html.contains("Settings"),
            "{html}"
        );
        let missing = c.get(s.url("/no/such/page")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
    }
);

/// A session made by one server process works on another process sharing the
/// PostgreSQL database, and a sign-out on the second ends it there at once and for the
/// first as soon as the change reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_from_one_process_is_accepted_by_another_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = ServerProcess::start(&db.url, &[]).await;
    let b = ServerProcess::start(&db.url, &[]).await;
    let cookie = web::signed_up(&a.url(""), "two@example.com", PW).await;
    assert_eq!(
        web::me(&b.url(""), &cookie).await.as_deref(),
        Some("two@example.com")
    );
    assert_eq!(web::sign_out(&b.url(""), &cookie).await.status, 200);
    assert_eq!(web::me(&b.url(""), &cookie).await, None);
    let base_a = a.url("");
    common::seen_on_another_instance(
        "a session signed out on B, on A",
        || web::me(&base_a, &cookie),
        Option::is_none,
    )
    .await;
    assert!(a.terminate().await.success());
    assert!(b.terminate().await.success());
}
