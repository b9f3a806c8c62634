//! Refusals as data (issue 16): a server function's refusal reaches the browser as a
//! structured error the page words in its own language, while the REST API keeps its
//! English `error` text. Through the real server over HTTP, on SQLite and PostgreSQL.

mod common;

use app::AppError;
use app::refusal::{Limit, Refusal};
use common::api::{AUTH, Api};
use common::{TestDb, TestServer, web};
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

/// A server function taking JSON (the token dialogs'), as the WASM calls it.
async fn call_json(s: &TestServer, path: &str, session: &str, body: Value) -> (u16, Value) {
    let r = common::client()
        .post(s.url(path))
        .header("origin", s.url(""))
        .header("accept", "application/json")
        .header("cookie", format!("kunci_session={session}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// An account that chose Indonesian, signed in to the dashboard.
async fn indonesian_user(s: &TestServer, login: &str) -> String {
    let session = web::signed_up(&s.url(""), login, PW).await;
    let saved = web::call(
        &s.url(""),
        "/api/language",
        Some(&session),
        &[("language", "id")],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    session
}

fn token_form(description: &str) -> Value {
    json!({
        "description": description,
        "expires": "",
        "template": null,
        "methods": ["env.control.GetEnvs"],
    })
}

both_databases!(
    deleting_a_token_gone_meanwhile_is_refused_as_data,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let session = indonesian_user(&s, "hapus@example.com").await;
        let (status, body) = call_json(
            &s,
            "/api/tokens/delete",
            &session,
            json!({ "ids": [987654], "password": PW }),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(web::invalid_name(&body), "ids", "{body}");
        assert_eq!(
            web::refusal(&body),
            Some(Refusal::NoSuchTokens {
                ids: "987654".into()
            }),
            "{body}"
        );

        // The REST API says the same refusal in its English, as before.
        let api = Api::new(&s.url(""));
        let rest_session = api.signin("hapus@example.com", PW).await;
        let r = api
            .post(
                &format!("{AUTH}/deletetokens"),
                &[
                    ("session", rest_session.as_str()),
                    ("password", PW),
                    ("ids", "987654"),
                ],
            )
            .await;
        assert_eq!(r.result(), 3, "{}", r.body);
        assert_eq!(
            r.error(),
            "invalid parameter [ids]: no token with id 987654; nothing was deleted"
        );
    }
);

both_databases!(
    dismissing_an_alert_gone_meanwhile_is_refused_as_data,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let session = indonesian_user(&s, "alert@example.com").await;
        for path in [
            "/api/account/dismiss_reuse_alert",
            "/api/account/dismiss_leak_alert",
        ] {
            let a = web::call(&s.url(""), path, Some(&session), &[("id", "4242")]).await;
            assert_eq!(a.status, 400, "{path}: {}", a.body);
            assert_eq!(
                web::refusal(&a.body),
                Some(Refusal::NoSuchAlert { id: 4242 }),
                "{path}: {}",
                a.body
            );
        }
    }
);

both_databases!(
    confirming_two_factor_with_nothing_set_up_is_refused_as_data,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let session = indonesian_user(&s, "dua@example.com").await;
        let a = web::call(
            &s.url(""),
            "/api/settings/two_factor_enable",
            Some(&session),
            &[("password", PW), ("code", "123456")],
        )
        .await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(web::invalid_name(&a.body), "code", "{}", a.body);
        assert_eq!(
            web::refusal(&a.body),
            Some(Refusal::NothingBeingSetUp),
            "{}",
            a.body
        );
        // Nothing was turned on.
        let status = web::call(&s.url(""), "/api/settings/two_factor", Some(&session), &[]).await;
        assert_eq!(status.status, 200, "{}", status.body);
        assert_eq!(status.body["enabled"], false, "{}", status.body);
    }
);

both_databases!(
    the_token_limit_reaches_the_dashboard_with_its_number,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let session = indonesian_user(&s, "batas@example.com").await;
        let max = kunci_rules::token::MAX_PER_ACCOUNT as i64;
        // All but one straight into the store (a hundred password confirmations would
        // only slow the test), the last one through the dashboard.
        let user = s
            .kunci
            .store
            .user_by_login("batas@example.com")
            .await
            .unwrap()
            .unwrap();
        for n in 0..max - 1 {
            let fields = kunci_core::storage::TokenFields {
                description: "filler",
                template: None,
                api_list: "env.control.GetEnvs",
                expires_at: None,
                ip_allowlist: "",
                env_names: "",
            };
            let hash = format!("{n:064x}");
            let stored = s
                .kunci
                .store
                .insert_token(user.id, &hash, &fields, kunci_core::clock::now(), max)
                .await;
            assert!(stored.is_ok(), "token {n}");
        }
        let (status, body) = call_json(
            &s,
            "/api/tokens/create",
            &session,
            json!({ "form": token_form("the last one"), "password": PW }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = call_json(
            &s,
            "/api/tokens/create",
            &session,
            json!({ "form": token_form("one too many"), "password": PW }),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(
            web::error(&body),
            AppError::LimitReached(Limit::Tokens { max }),
            "{body}"
        );
        // Nothing was issued past the limit.
        let list = web::call(&s.url(""), "/api/tokens/list", Some(&session), &[]).await;
        assert_eq!(
            list.body.as_array().map(Vec::len),
            Some(max as usize),
            "{}",
            list.body
        );
    }
);

both_databases!(
    a_malformed_sign_up_is_refused_as_data,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let a = web::sign_up(&s.url(""), "not an email", "Ana", PW).await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(
            web::refusal(&a.body),
            Some(Refusal::LoginHasSpaces),
            "{}",
            a.body
        );
        let short = web::sign_up(&s.url(""), "ana@example.com", "Ana", "short").await;
        assert_eq!(
            web::refusal(&short.body),
            Some(Refusal::PasswordTooShort {
                min: kunci_rules::account::PASSWORD_MIN_CHARS
            }),
            "{}",
            short.body
        );
        assert!(
            web::sign_in(&s.url(""), "ana@example.com", "short")
                .await
                .cookie
                .is_none()
        );
    }
);
