//! Reuse detection (issue 14): a token value that was regenerated away or deleted, used
//! again, is answered 702 like any dead value, and recorded: a security log entry with
//! the address and the method, and one dashboard alert per (token, address) until the
//! owner dismisses it. With `--token-reuse revoke` the live successor is revoked too.
//! Also: a token asking about itself (CheckSign, GetDescriptionByToken, GetUidByToken).

mod common;

use std::sync::atomic::Ordering;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{Backend, ServerProcess, TestDb, TestServer, web};
use kunci_core::config::TokenReuse;
use kunci_server::domain::token::PlainToken;
use kunci_server::services::flood::UNKNOWN_CREDENTIALS_PER_MINUTE;
use kunci_server::services::token_reuse::ReuseAlert;

const PW: &str = "correct horse battery staple";
const THIEF: &str = "198.51.100.23";

async fn start(db: &TestDb, reuse: TokenReuse) -> TestServer {
    TestServer::start_with(db, |c| {
        c.http.trust_proxy = true;
        c.security.token_reuse = reuse;
        // Open: some tests sign a second account up through the dashboard.
        c.signup = kunci_core::config::Signup::Open;
    })
    .await
}

async fn user_id(s: &TestServer, login: &str) -> i64 {
    s.kunci
        .store
        .user_by_login(login)
        .await
        .unwrap()
        .unwrap()
        .id
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

async fn regenerate(api: &Api, session: &str, id: i64) -> String {
    let r = api
        .post(
            &format!("{AUTH}/regeneratetoken"),
            &[
                ("session", session),
                ("password", PW),
                ("id", &id.to_string()),
            ],
        )
        .await;
    r.ok()["token"]["key"].as_str().unwrap().to_string()
}

async fn delete(api: &Api, session: &str, id: i64) {
    api.post(
        &format!("{AUTH}/deletetokens"),
        &[
            ("session", session),
            ("password", PW),
            ("ids", &id.to_string()),
        ],
    )
    .await
    .ok();
}

/// GetEnvInfo from `ip` with `credential`.
async fn use_from(api: &Api, ip: &str, credential: &str) -> Reply {
    api.get_from(
        ip,
        &format!("{ENV}/getenvinfo"),
        &[("envName", "reuse-env"), ("session", credential)],
    )
    .await
}

async fn alerts(s: &TestServer, user: i64) -> Vec<ReuseAlert> {
    s.kunci.tokens.reuse().alerts(user).await.unwrap()
}

/// A user with an environment: (user id, session, api).
async fn setup(s: &TestServer, login: &str) -> (i64, String, Api) {
    let session = user_with_session(s, login, PW).await;
    let api = Api::new(&s.url(""));
    api.create_env(&session, "reuse-env").await.ok();
    (user_id(s, login).await, session, api)
}

both_databases!(
    reuse_after_regenerate_is_logged_and_alerted_once_and_alert_mode_keeps_the_successor,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Alert).await;
        let (user, session, api) = setup(&s, "regen@example.com").await;
        let (id, old) = create_token(&api, &session, "deploy bot").await;
        let new = regenerate(&api, &session, id).await;
        let r = use_from(&api, THIEF, &old).await;
        r.fails(702);
        assert_eq!(r.error(), "user is not authenticated", "nothing leaks");
        // Again from the same address: the same alert, no second one.
        use_from(&api, THIEF, &old).await.fails(702);
        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let a = &got[0];
        assert_eq!(
            (a.token_id, a.description.as_str(), a.ip.as_str()),
            (id, "deploy bot", THIEF)
        );
        assert_eq!(a.method, "env.control.GetEnvInfo");
        assert!(a.regenerated && !a.revoked);
        let events = s.kunci.security_log.list(user, 100).await.unwrap();
        let reused: Vec<_> = events
            .iter()
            .filter(|e| e.kind == "token.dead_value_used")
            .collect();
        assert_eq!(reused.len(), 1, "{events:?}");
        assert_eq!(reused[0].ip, THIEF);
        assert!(
            reused[0]
                .params
                .to_json()
                .contains("env.control.GetEnvInfo")
        );
        assert!(
            reused[0]
                .params
                .to_json()
                .contains(&format!("\"id\":{id},"))
        );
        assert!(
            !format!("{events:?}").contains(&old),
            "no secret in the log"
        );
        // Alert mode: the successor lives on.
        use_from(&api, THIEF, &new).await.ok();
        // From another address: a second alert.
        use_from(&api, "192.0.2.9", &old).await.fails(702);
        assert_eq!(alerts(&s, user).await.len(), 2);
    }
);

both_databases!(
    reuse_after_delete_via_signin_by_token_is_alerted,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Revoke).await;
        let (user, session, api) = setup(&s, "del@example.com").await;
        let (id, value) = create_token(&api, &session, "gone token").await;
        delete(&api, &session, id).await;
        api.post_from(
            THIEF,
            &format!("{AUTH}/signinbytoken"),
            &[("token", &value)],
        )
        .await
        .fails(702);
        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1);
        let a = &got[0];
        assert_eq!((a.token_id, a.description.as_str()), (id, "gone token"));
        assert_eq!(a.method, "users.authentication.SigninByToken");
        assert!(!a.regenerated && !a.revoked, "nothing to revoke");
    }
);

both_databases!(
    revoke_mode_revokes_the_successor_and_the_alert_says_so,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Revoke).await;
        let (user, session, api) = setup(&s, "revoke@example.com").await;
        let (id, old) = create_token(&api, &session, "family").await;
        let new = regenerate(&api, &session, id).await;
        use_from(&api, "127.0.0.1", &new).await.ok();
        use_from(&api, THIEF, &old).await.fails(702);
        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1);
        assert!(got[0].revoked, "{got:?}");
        // The successor is dead, everywhere, and the token is gone.
        use_from(&api, "127.0.0.1", &new).await.fails(702);
        let tokens = s.kunci.tokens.list(user, None).await.unwrap();
        assert!(tokens.is_empty(), "{tokens:?}");
        let events = s.kunci.security_log.list(user, 100).await.unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.kind == "token.deleted" && e.params.to_json().contains("revoked")),
            "{events:?}"
        );
    }
);

both_databases!(
    a_burst_of_parallel_reuses_makes_one_alert_and_one_log_entry,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Alert).await;
        let (user, session, api) = setup(&s, "burst@example.com").await;
        let (id, old) = create_token(&api, &session, "burst").await;
        regenerate(&api, &session, id).await;
        let before = s.kunci.security_log.list(user, 1000).await.unwrap().len();
        let burst = (0..120).map(|_| {
            let (api, old) = (api.clone(), old.clone());
            tokio::spawn(async move { use_from(&api, THIEF, &old).await.result() })
        });
        for r in futures::future::join_all(burst).await {
            assert_eq!(r.unwrap(), 702);
        }
        let got = alerts(&s, user).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let after = s.kunci.security_log.list(user, 1000).await.unwrap();
        assert_eq!(after.len(), before + 1, "one log entry for the burst");
    }
);

both_databases!(
    dismissing_an_alert_removes_only_it_and_another_account_never_sees_it,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Alert).await;
        let base = s.url("");
        let cookie = web::signed_up(&base, "owner@example.com", PW).await;
        let user = user_id(&s, "owner@example.com").await;
        let api = Api::new(&base);
        let session = api.signin("owner@example.com", PW).await;
        api.create_env(&session, "reuse-env").await.ok();
        let (id, old) = create_token(&api, &session, "first").await;
        regenerate(&api, &session, id).await;
        use_from(&api, THIEF, &old).await.fails(702);
        use_from(&api, "192.0.2.1", &old).await.fails(702);
        assert_eq!(alerts(&s, user).await.len(), 2);

        let listed = web::call(&base, "/api/account/reuse_alerts", Some(&cookie), &[]).await;
        assert_eq!(listed.status, 200, "{:?}", listed.body);
        let list = listed.body.as_array().unwrap().clone();
        assert_eq!(list.len(), 2);
        assert!(list.iter().all(|a| a["token_id"] == id));

        // Another account sees none, and cannot dismiss the owner's.
        let other = web::signed_up(&base, "other@example.com", PW).await;
        let theirs = web::call(&base, "/api/account/reuse_alerts", Some(&other), &[]).await;
        assert_eq!(theirs.body, serde_json::json!([]));
        let first = list[0]["id"].as_i64().unwrap().to_string();
        let refused = web::call(
            &base,
            "/api/account/dismiss_reuse_alert",
            Some(&other),
            &[("id", &first)],
        )
        .await;
        assert_ne!(refused.status, 200);
        assert_eq!(alerts(&s, user).await.len(), 2, "nothing dismissed");
        // Signed out: nothing.
        let stranger = web::call(&base, "/api/account/reuse_alerts", None, &[]).await;
        assert_ne!(stranger.status, 200);

        let done = web::call(
            &base,
            "/api/account/dismiss_reuse_alert",
            Some(&cookie),
            &[("id", &first)],
        )
        .await;
        assert_eq!(done.status, 200, "{:?}", done.body);
        let left = alerts(&s, user).await;
        assert_eq!(left.len(), 1);
        assert_ne!(left[0].id.to_string(), first);
    }
);

both_databases!(
    made_up_values_past_the_flood_budget_never_reach_the_database,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Alert).await;
        let (user, session, api) = setup(&s, "flood@example.com").await;
        let (id, old) = create_token(&api, &session, "flooded").await;
        regenerate(&api, &session, id).await;
        let flooder = "203.0.113.77";
        for _ in 0..UNKNOWN_CREDENTIALS_PER_MINUTE {
            use_from(&api, flooder, PlainToken::generate().expose())
                .await
                .fails(702);
        }
        let lookups = || s.kunci.store.metrics.token_lookups.load(Ordering::Relaxed);
        let before = lookups();
        for _ in 0..5 {
            use_from(&api, flooder, PlainToken::generate().expose())
                .await
                .fails(702);
        }
        // A retired value from the flooding address: refused before any lookup too.
        use_from(&api, flooder, &old).await.fails(702);
        assert_eq!(lookups(), before, "a flooded address reached the database");
        assert!(alerts(&s, user).await.is_empty());
        // From an address within its budget, the reuse is seen.
        use_from(&api, THIEF, &old).await.fails(702);
        assert_eq!(alerts(&s, user).await.len(), 1);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_instances_each_see_reuse_and_share_one_alert() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = ServerProcess::start(&db.url, &["--trust-proxy"]).await;
    let b = ServerProcess::start(&db.url, &["--trust-proxy", "--token-reuse", "revoke"]).await;
    let (api_a, api_b) = (Api::new(&a.url("")), Api::new(&b.url("")));
    let cookie = web::signed_up(&a.url(""), "two@example.com", PW).await;
    let session = api_a.signin("two@example.com", PW).await;
    api_a.create_env(&session, "reuse-env").await.ok();
    // Regenerated on A, reused on B (revoke mode there), from two addresses.
    let (id, old) = create_token(&api_a, &session, "twice").await;
    let new = regenerate(&api_a, &session, id).await;
    let burst = (0..60).map(|i| {
        let api = if i % 2 == 0 {
            api_a.clone()
        } else {
            api_b.clone()
        };
        let old = old.clone();
        tokio::spawn(async move { use_from(&api, THIEF, &old).await.result() })
    });
    for r in futures::future::join_all(burst).await {
        assert_eq!(r.unwrap(), 702);
    }
    let seen_on = |base: String, cookie: String| async move {
        web::call(&base, "/api/account/reuse_alerts", Some(&cookie), &[])
            .await
            .body
    };
    let on_a = seen_on(a.url(""), cookie.clone()).await;
    let on_b = seen_on(b.url(""), cookie.clone()).await;
    assert_eq!(on_a, on_b);
    let list = on_a.as_array().unwrap();
    assert_eq!(list.len(), 1, "one alert for the burst: {on_a}");
    assert_eq!(list[0]["token_id"], id);
    assert_eq!(list[0]["ip"], THIEF);
    // B revoked the successor (A saw the same reuse but does not revoke).
    assert_eq!(list[0]["revoked"], true, "{on_a}");
    use_from(&api_a, "127.0.0.1", &new).await.fails(702);
    // A reuse seen by A alone still alerts.
    let (id2, old2) = create_token(&api_a, &session, "only a").await;
    regenerate(&api_b, &session, id2).await;
    use_from(&api_a, "192.0.2.44", &old2).await.fails(702);
    let on_b = seen_on(b.url(""), cookie.clone()).await;
    assert!(
        on_b.as_array()
            .unwrap()
            .iter()
            .any(|x| x["token_id"] == id2 && x["ip"] == "192.0.2.44" && x["revoked"] == false),
        "{on_b}"
    );
    a.terminate().await;
    b.terminate().await;
}

// ----- a token asking about itself -----

both_databases!(
    a_token_checks_sign_on_itself_and_nothing_more,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Alert).await;
        let (user, session, api) = setup(&s, "self@example.com").await;
        let (id, value) = create_token(&api, &session, "introspect").await;
        let r = api
            .get(&format!("{AUTH}/checksign"), &[("session", &value)])
            .await;
        let body = r.ok();
        assert_eq!(body["uid"], user);
        assert_eq!(body["accessType"], "RESTRICTED");
        let token = &body["token"];
        assert_eq!(token["id"], id);
        assert_eq!(token["description"], "introspect");
        assert!(token.get("expiresAt").is_none(), "never expires: absent");
        assert_eq!(
            token["methods"],
            serde_json::json!(["env.control.GetEnvInfo"])
        );
        // By Bearer too.
        let r = api.bearer(&format!("{AUTH}/checksign"), &value, &[]).await;
        assert_eq!(r.ok()["token"]["id"], id);
        // With an expiry.
        let r = api
            .post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", session.as_str()),
                    ("password", PW),
                    ("description", "dated"),
                    ("apiList", "env.control.GetEnvInfo"),
                    ("expiresAt", "2030-01-31 12:00:00"),
                ],
            )
            .await;
        let dated = r.ok()["token"]["key"].as_str().unwrap().to_string();
        let r = api
            .get(&format!("{AUTH}/checksign"), &[("session", &dated)])
            .await;
        assert_eq!(r.ok()["token"]["expiresAt"], "2030-01-31 12:00:00");
        // A session's CheckSign is unchanged: no token object.
        let r = api
            .get(&format!("{AUTH}/checksign"), &[("session", &session)])
            .await;
        let body = r.ok();
        assert!(body.get("token").is_none(), "{body}");
        assert_eq!(body["accessType"], "FULL_ACCESS");
        // Every other users.authentication method stays 8202 for a token.
        for method in [
            "gettokens",
            "signout",
            "getsessions",
            "deletetokens",
            "createtoken",
        ] {
            api.get(&format!("{AUTH}/{method}"), &[("session", &value)])
                .await
                .fails(8202);
        }
        // Still no token (and no alert) for a dead value.
        delete(&api, &session, id).await;
        api.get(&format!("{AUTH}/checksign"), &[("session", &value)])
            .await
            .fails(702);
    }
);

both_databases!(
    a_token_gets_its_description_and_uid,
    |db: TestDb| async move {
        let s = start(&db, TokenReuse::Alert).await;
        let (user, session, api) = setup(&s, "uid@example.com").await;
        let (_, value) = create_token(&api, &session, "who am i").await;
        let r = api
            .get(
                &format!("{AUTH}/getdescriptionbytoken"),
                &[("session", &value), ("checksum", "ignored")],
            )
            .await;
        assert_eq!(r.ok()["description"], "who am i");
        let r = api
            .bearer(&format!("{AUTH}/getuidbytoken"), &value, &[])
            .await;
        assert_eq!(r.ok()["uid"], user);
        // A session has no token to ask about.
        for method in ["getdescriptionbytoken", "getuidbytoken"] {
            api.get(&format!("{AUTH}/{method}"), &[("session", &session)])
                .await
                .fails(3);
        }
        // Without a credential: 702.
        api.get(&format!("{AUTH}/getuidbytoken"), &[])
            .await
            .fails(702);
    }
);
