//! Operators (issue 15): who may sign up (`--signup open|closed|approval`, the first
//! account an administrator in every mode, also under a burst of first sign-ups), and
//! the administrators' inventory of every account's tokens — filters, revoking
//! selected tokens or all of an account's with the administrator's password, both
//! security logs, the retired values still raising the owner's reuse alert — and a
//! non-administrator refused (8202) by every inventory call. Both databases.

mod common;

use common::api::{AUTH, Api, ENV};
use common::{TestDb, TestServer, web};
use kunci_core::config::Signup;
use serde_json::Value;

const PW: &str = "correct horse battery staple";

async fn start(db: &TestDb, signup: Signup) -> TestServer {
    TestServer::start_with(db, |c| c.signup = signup).await
}

async fn is_admin(s: &TestServer, login: &str) -> bool {
    let row = s.kunci.store.user_by_login(login).await.unwrap().unwrap();
    row.is_admin != 0
}

/// An account created by the operator (no sign-up), signed in over the API: (session,
/// user id).
async fn account(s: &TestServer, login: &str) -> (String, i64) {
    let user = s
        .kunci
        .accounts
        .register(login, None, secrecy::SecretString::from(PW.to_string()))
        .await
        .expect("register");
    let session = Api::new(&s.url("")).signin(login, PW).await;
    (session, user.id)
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
                ("apiList", "env.control.GetEnvInfo,env.control.GetEnvs"),
            ],
        )
        .await;
    let token = &r.ok()["token"];
    (
        token["id"].as_i64().unwrap(),
        token["key"].as_str().unwrap().to_string(),
    )
}

/// The inventory as the Administration page asks for it.
async fn inventory(base: &str, cookie: &str, query: Value) -> web::Answer {
    json_call(
        base,
        "/api/admin/tokens",
        cookie,
        serde_json::json!({ "query": query }),
    )
    .await
}

async fn json_call(base: &str, path: &str, cookie: &str, body: Value) -> web::Answer {
    let res = common::client()
        .post(format!("{base}{path}"))
        .header("origin", base)
        .header("accept", "application/json")
        .header("cookie", format!("kunci_session={cookie}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    web::Answer {
        status,
        cookie: None,
        set_cookie: None,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

fn ids(rows: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {rows}"))
        .iter()
        .map(|r| r.as_i64().unwrap_or_else(|| r["id"].as_i64().unwrap()))
        .collect();
    ids.sort();
    ids
}

async fn env_call(api: &Api, token: &str) -> i64 {
    api.get(&format!("{ENV}/getenvs"), &[("session", token)])
        .await
        .result()
}

both_databases!(
    first_account_is_an_administrator_and_closed_mode_refuses_the_second,
    |db| async move {
        let s = start(&db, Signup::Closed).await;
        let base = s.url("");
        let mode = web::call(&base, "/api/auth/signup_mode", None, &[]).await;
        assert_eq!(mode.body["mode"], "closed");
        assert_eq!(
            mode.body["possible"], true,
            "no account yet: the first may sign up"
        );
        let cookie = web::signed_up(&base, "first@example.com", PW).await;
        assert!(is_admin(&s, "first@example.com").await);
        let me = web::call(&base, "/api/auth/me", Some(&cookie), &[]).await;
        assert_eq!(me.body["is_admin"], true);
        let mode = web::call(&base, "/api/auth/signup_mode", None, &[]).await;
        assert_eq!(mode.body["possible"], false);

        let second = web::sign_up(&base, "second@example.com", "Second", PW).await;
        assert_eq!(second.status, 403, "{}", second.body);
        assert!(
            second.body.to_string().contains("ask an administrator"),
            "{}",
            second.body
        );
        assert!(second.cookie.is_none());
        assert!(
            s.kunci
                .store
                .user_by_login("second@example.com")
                .await
                .unwrap()
                .is_none()
        );

        // An administrator creates the account instead; it is no administrator.
        let made = web::call(
            &base,
            "/api/admin/create_account",
            Some(&cookie),
            &[
                ("login", "second@example.com"),
                ("name", "Second"),
                ("password", PW),
                ("admin", "false"),
            ],
        )
        .await;
        assert_eq!(made.status, 200, "{}", made.body);
        assert_eq!(made.body["is_admin"], false);
        let signed_in = web::sign_in(&base, "second@example.com", PW).await;
        assert_eq!(signed_in.status, 200, "{}", signed_in.body);
        assert!(!is_admin(&s, "second@example.com").await);
        // ...and the non-administrator may not create accounts.
        let other = signed_in.cookie.unwrap();
        let refused = web::call(
            &base,
            "/api/admin/create_account",
            Some(&other),
            &[
                ("login", "third@example.com"),
                ("name", "Third"),
                ("password", PW),
                ("admin", "true"),
            ],
        )
        .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            s.kunci
                .store
                .user_by_login("third@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_databases!(
    a_burst_of_first_sign_ups_makes_exactly_one_administrator,
    |db| async move {
        // Closed: exactly one of 20 concurrent first sign-ups is created (the administrator),
        // the others refused; none fails otherwise.
        let s = start(&db, Signup::Closed).await;
        let base = s.url("");
        let answers =
            futures::future::join_all(
                (0..20).map(|i| {
                    let base = base.clone();
                    async move {
                        web::sign_up(&base, &format!("burst{i}@example.com"), "Burst", PW).await
                    }
                }),
            )
            .await;
        let created = answers.iter().filter(|a| a.status == 200).count();
        let refused = answers.iter().filter(|a| a.status == 403).count();
        assert_eq!(
            (created, refused),
            (1, 19),
            "{:?}",
            answers
                .iter()
                .map(|a| (a.status, a.body.to_string()))
                .collect::<Vec<_>>()
        );
        let admins = count_admins(&s, 20, "burst").await;
        assert_eq!(admins, (1, 1));
    }
);

/// (accounts, administrators) among `prefix{0..n}@example.com`.
async fn count_admins(s: &TestServer, n: usize, prefix: &str) -> (usize, usize) {
    let mut accounts = 0;
    let mut admins = 0;
    for i in 0..n {
        if let Some(u) = s
            .kunci
            .store
            .user_by_login(&format!("{prefix}{i}@example.com"))
            .await
            .unwrap()
        {
            accounts += 1;
            admins += usize::from(u.is_admin != 0);
        }
    }
    (accounts, admins)
}

both_databases!(
    a_burst_of_open_sign_ups_makes_one_administrator_and_refuses_none,
    |db| async move {
        // Open (why open: every one of them must be created): exactly one administrator.
        let s = start(&db, Signup::Open).await;
        let base = s.url("");
        let answers = futures::future::join_all((0..20).map(|i| {
            let base = base.clone();
            async move { web::sign_up(&base, &format!("open{i}@example.com"), "Open", PW).await }
        }))
        .await;
        assert!(
            answers.iter().all(|a| a.status == 200),
            "{:?}",
            answers
                .iter()
                .map(|a| a.body.to_string())
                .collect::<Vec<_>>()
        );
        assert_eq!(count_admins(&s, 20, "open").await, (20, 1));
    }
);

both_databases!(
    approval_mode_creates_pending_accounts_that_sign_in_once_approved,
    |db| async move {
        let s = start(&db, Signup::Approval).await;
        let base = s.url("");
        let api = Api::new(&base);
        let admin = web::signed_up(&base, "boss@example.com", PW).await;
        let mode = web::call(&base, "/api/auth/signup_mode", None, &[]).await;
        assert_eq!(
            (mode.body["mode"].as_str(), mode.body["possible"].as_bool()),
            (Some("approval"), Some(true))
        );

        let asked = web::sign_up(&base, "wait@example.com", "Wait", PW).await;
        assert_eq!(asked.status, 200, "{}", asked.body);
        assert!(asked.cookie.is_none(), "a pending account gets no session");
        assert!(
            asked
                .body
                .as_str()
                .unwrap_or_default()
                .contains("administrator must approve"),
            "{}",
            asked.body
        );

        // Pending: the dashboard and the API both say so (703), once the password is right.
        let refused = web::sign_in(&base, "wait@example.com", PW).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            refused.body.to_string().contains("approval"),
            "{}",
            refused.body
        );
        let r = api
            .post(
                &format!("{AUTH}/signin"),
                &[("login", "wait@example.com"), ("password", PW)],
            )
            .await;
        r.fails(703);
        let wrong = api
            .post(
                &format!("{AUTH}/signin"),
                &[
                    ("login", "wait@example.com"),
                    ("password", "wrong password here"),
                ],
            )
            .await;
        wrong.fails(701);

        let pending = web::call(&base, "/api/admin/pending", Some(&admin), &[]).await;
        let list = pending.body.as_array().unwrap();
        assert_eq!(list.len(), 1, "{}", pending.body);
        assert_eq!(list[0]["login"], "wait@example.com");
        let id = list[0]["id"].as_i64().unwrap().to_string();

        // A non-administrator cannot approve.
        let (plain, _) = account(&s, "plain@example.com").await;
        let _ = plain;
        let plain_cookie = web::sign_in(&base, "plain@example.com", PW)
            .await
            .cookie
            .unwrap();
        let no = web::call(
            &base,
            "/api/admin/decide",
            Some(&plain_cookie),
            &[("id", &id), ("approve", "true")],
        )
        .await;
        assert_eq!(no.status, 403);
        assert!(
            api.post(
                &format!("{AUTH}/signin"),
                &[("login", "wait@example.com"), ("password", PW)]
            )
            .await
            .result()
                == 703
        );

        let ok = web::call(
            &base,
            "/api/admin/decide",
            Some(&admin),
            &[("id", &id), ("approve", "true")],
        )
        .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        api.signin("wait@example.com", PW).await;
        assert_eq!(
            web::sign_in(&base, "wait@example.com", PW).await.status,
            200
        );

        // Rejecting deletes the pending account.
        web::sign_up(&base, "nope@example.com", "Nope", PW).await;
        let pending = web::call(&base, "/api/admin/pending", Some(&admin), &[]).await;
        let id = pending.body[0]["id"].as_i64().unwrap().to_string();
        let gone = web::call(
            &base,
            "/api/admin/decide",
            Some(&admin),
            &[("id", &id), ("approve", "false")],
        )
        .await;
        assert_eq!(gone.status, 200, "{}", gone.body);
        assert!(
            s.kunci
                .store
                .user_by_login("nope@example.com")
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_databases!(open_mode_lets_anyone_sign_up_and_in, |db| async move {
    let s = start(&db, Signup::Open).await;
    let base = s.url("");
    web::signed_up(&base, "one@example.com", PW).await;
    let two = web::signed_up(&base, "two@example.com", PW).await;
    assert!(web::me(&base, &two).await.is_some());
    assert!(is_admin(&s, "one@example.com").await);
    assert!(!is_admin(&s, "two@example.com").await);
});

both_databases!(
    the_inventory_lists_filters_and_revokes_with_the_admin_password,
    |db| async move {
        let s = start(&db, Signup::Closed).await;
        let base = s.url("");
        let api = Api::new(&base);
        let (admin_session, admin_id) = account(&s, "admin@example.com").await;
        let (ann_session, ann_id) = account(&s, "ann@example.com").await;
        let (bob_session, bob_id) = account(&s, "bob@example.com").await;
        let admin_cookie = web::sign_in(&base, "admin@example.com", PW)
            .await
            .cookie
            .unwrap();
        let ann_cookie = web::sign_in(&base, "ann@example.com", PW)
            .await
            .cookie
            .unwrap();
        let _ = admin_session;

        let (a1, a1_value) = create_token(&api, &ann_session, "ann used").await;
        let (a2, a2_value) = create_token(&api, &ann_session, "ann idle").await;
        let (b1, b1_value) = create_token(&api, &bob_session, "bob old").await;
        let (b2, b2_value) = create_token(&api, &bob_session, "bob expired").await;
        assert_eq!(env_call(&api, &a1_value).await, 0);
        assert_eq!(env_call(&api, &b1_value).await, 0);
        // Let the activity writer fold the last uses in.
        s.kunci.activity.flush().await;
        let day = 24 * 3600;
        let now = kunci_core::clock::now();
        age(&s, b1, now - 40 * day, Some(now - 35 * day), None).await;
        age(&s, b2, now - 40 * day, None, Some(now - day)).await;

        // Every account's tokens, and never a value or a hash.
        let all = inventory(&base, &admin_cookie, serde_json::json!({"login": "", "expired": false, "never_used": false, "unused_for_days": null})).await;
        assert_eq!(all.status, 200, "{}", all.body);
        assert_eq!(ids(&all.body), vec![a1, a2, b1, b2]);
        let text = all.body.to_string();
        for value in [&a1_value, &a2_value, &b1_value, &b2_value] {
            assert!(!text.contains(value.as_str()));
            assert!(!text.contains(&kunci_core::secrets::sha256_hex(value)));
        }
        let row = all
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == a1)
            .unwrap();
        assert_eq!(row["login"], "ann@example.com");
        assert_eq!(row["methods"], 2);
        assert!(row["last_used"].is_string(), "{row}");

        let filtered = |q: Value| {
            let base = base.clone();
            let cookie = admin_cookie.clone();
            async move {
                let mut q2 = serde_json::json!({"login": "", "expired": false, "never_used": false, "unused_for_days": null});
                for (k, v) in q.as_object().unwrap() {
                    q2[k] = v.clone();
                }
                let a = inventory(&base, &cookie, q2).await;
                assert_eq!(a.status, 200, "{}", a.body);
                ids(&a.body)
            }
        };
        assert_eq!(
            filtered(serde_json::json!({"login": "Bob@Example.com"})).await,
            vec![b1, b2]
        );
        assert_eq!(
            filtered(serde_json::json!({"expired": true})).await,
            vec![b2]
        );
        assert_eq!(
            filtered(serde_json::json!({"never_used": true})).await,
            vec![a2, b2]
        );
        assert_eq!(
            filtered(serde_json::json!({"unused_for_days": 30})).await,
            vec![b1, b2]
        );
        assert_eq!(
            filtered(serde_json::json!({"never_used": true, "login": "ann@example.com"})).await,
            vec![a2]
        );

        // A wrong password (801) revokes nothing.
        let wrong = json_call(
            &base,
            "/api/admin/revoke",
            &admin_cookie,
            serde_json::json!({"ids": [a1, b1], "password": "not the password"}),
        )
        .await;
        assert_eq!(wrong.status, 403, "{}", wrong.body);
        assert_eq!(web::error(&wrong.body), app::AppError::InvalidPassword);
        assert_eq!(env_call(&api, &a1_value).await, 0);
        assert_eq!(env_call(&api, &b1_value).await, 0);
        // An unknown id revokes nothing either.
        let unknown = json_call(
            &base,
            "/api/admin/revoke",
            &admin_cookie,
            serde_json::json!({"ids": [a1, 999_999], "password": PW}),
        )
        .await;
        assert_eq!(unknown.status, 400, "{}", unknown.body);
        assert_eq!(env_call(&api, &a1_value).await, 0);

        // Revoke selected: one token of each account.
        let done = json_call(
            &base,
            "/api/admin/revoke",
            &admin_cookie,
            serde_json::json!({"ids": [a1, b1], "password": PW}),
        )
        .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(env_call(&api, &a1_value).await, 702);
        assert_eq!(env_call(&api, &b1_value).await, 702);
        assert_eq!(env_call(&api, &a2_value).await, 0);

        // Both logs say so.
        let ann_log = s.kunci.security_log.list(ann_id, 100).await.unwrap();
        let e = ann_log
            .iter()
            .find(|e| e.kind == "token.revoked_by_admin")
            .expect("owner's log");
        assert!(
            e.params.to_json().contains(&format!("\"id\":{a1},"))
                && e.params.to_json().contains("admin@example.com"),
            "{}",
            e.params.to_json()
        );
        let bob_log = s.kunci.security_log.list(bob_id, 100).await.unwrap();
        assert!(bob_log.iter().any(|e| e.kind == "token.revoked_by_admin"
            && e.params.to_json().contains(&format!("\"id\":{b1},"))));
        let admin_log = s.kunci.security_log.list(admin_id, 100).await.unwrap();
        let mine: Vec<_> = admin_log
            .iter()
            .filter(|e| e.kind == "admin.token_revoked")
            .collect();
        assert_eq!(mine.len(), 2, "{admin_log:?}");
        assert!(
            mine.iter()
                .any(|e| e.params.to_json().contains("ann@example.com"))
        );

        // The retired value still raises the owner's reuse alert.
        assert_eq!(env_call(&api, &a1_value).await, 702);
        let alerts = web::call(&base, "/api/account/reuse_alerts", Some(&ann_cookie), &[]).await;
        assert!(
            alerts.body.to_string().contains("ann used"),
            "{}",
            alerts.body
        );

        // Revoke all of bob's.
        let all_bob = web::call(
            &base,
            "/api/admin/revoke_all",
            Some(&admin_cookie),
            &[("login", "bob@example.com"), ("password", PW)],
        )
        .await;
        assert_eq!(all_bob.status, 200, "{}", all_bob.body);
        assert_eq!(ids(&all_bob.body), vec![b2]);
        assert_eq!(env_call(&api, &b2_value).await, 702);
        let bob_tokens = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &bob_session)])
            .await;
        assert_eq!(
            bob_tokens.ok()["apiTokens"],
            serde_json::json!([]),
            "{}",
            bob_tokens.body
        );
        let left = inventory(&base, &admin_cookie, serde_json::json!({"login": "", "expired": false, "never_used": false, "unused_for_days": null})).await;
        assert_eq!(ids(&left.body), vec![a2]);
    }
);

/// Sets a token's times, as if it had lived that long.
async fn age(s: &TestServer, id: i64, created: i64, last_used: Option<i64>, expires: Option<i64>) {
    let url = s.kunci.config.database_url.clone();
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("UPDATE tokens SET created_at = $1, issued_at = $1, last_used_at = $2, expires_at = $3 WHERE id = $4")
            .bind(created).bind(last_used).bind(expires).bind(id)
            .execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE tokens SET created_at = $1, issued_at = $1, last_used_at = $2, expires_at = $3 WHERE id = $4")
            .bind(created).bind(last_used).bind(expires).bind(id)
            .execute(&pool).await.unwrap();
        pool.close().await;
    }
}

both_databases!(
    a_non_administrator_gets_8202_from_every_inventory_call,
    |db| async move {
        let s = start(&db, Signup::Closed).await;
        let base = s.url("");
        let api = Api::new(&base);
        account(&s, "admin@example.com").await;
        let (ann_session, _) = account(&s, "ann@example.com").await;
        let (bob_session, _) = account(&s, "bob@example.com").await;
        let _ = bob_session;
        let (a1, a1_value) = create_token(&api, &ann_session, "ann's").await;
        let bob = web::sign_in(&base, "bob@example.com", PW)
            .await
            .cookie
            .unwrap();

        let q = serde_json::json!({"login": "", "expired": false, "never_used": false, "unused_for_days": null});
        let answers = [
            inventory(&base, &bob, q).await,
            json_call(
                &base,
                "/api/admin/revoke",
                &bob,
                serde_json::json!({"ids": [a1], "password": PW}),
            )
            .await,
            web::call(
                &base,
                "/api/admin/revoke_all",
                Some(&bob),
                &[("login", "ann@example.com"), ("password", PW)],
            )
            .await,
            web::call(&base, "/api/admin/pending", Some(&bob), &[]).await,
            web::call(
                &base,
                "/api/admin/decide",
                Some(&bob),
                &[("id", "1"), ("approve", "true")],
            )
            .await,
            web::call(
                &base,
                "/api/admin/create_account",
                Some(&bob),
                &[
                    ("login", "x@example.com"),
                    ("name", "X"),
                    ("password", PW),
                    ("admin", "false"),
                ],
            )
            .await,
        ];
        for a in &answers {
            assert!(
                a.status == 403
                    && matches!(web::error(&a.body), app::AppError::PermissionDenied(_)),
                "{} {}",
                a.status,
                a.body
            );
        }
        // Nothing happened.
        assert_eq!(env_call(&api, &a1_value).await, 0);
        assert!(
            s.kunci
                .store
                .user_by_login("x@example.com")
                .await
                .unwrap()
                .is_none()
        );
        // Without a session at all: 702.
        let stranger = web::call(&base, "/api/admin/pending", None, &[]).await;
        assert_eq!(stranger.status, 401);
    }
);

both_databases!(
    demoting_the_last_administrator_is_refused,
    |db| async move {
        use kunci_core::services::admin::Caller;
        let s = start(&db, Signup::Closed).await;
        account(&s, "first@example.com").await;
        account(&s, "second@example.com").await;
        let admin = &s.kunci.admin;
        let e = admin
            .set_admin(Caller::Console, "first@example.com", false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("last administrator"), "{e}");
        assert!(is_admin(&s, "first@example.com").await);
        admin
            .set_admin(Caller::Console, "second@example.com", true)
            .await
            .unwrap();
        admin
            .set_admin(Caller::Console, "first@example.com", false)
            .await
            .unwrap();
        assert!(!is_admin(&s, "first@example.com").await);
        let e = admin
            .set_admin(Caller::Console, "second@example.com", false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("last administrator"), "{e}");
        // A non-administrator account asking is refused (8202).
        let first = s
            .kunci
            .store
            .user_by_login("first@example.com")
            .await
            .unwrap()
            .unwrap();
        let e = admin
            .set_admin(Caller::Account(first.id), "first@example.com", true)
            .await
            .unwrap_err();
        assert_eq!(e.code(), 8202);
    }
);
