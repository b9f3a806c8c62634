//! Token activity on SQLite and PostgreSQL: the last five addresses a token was used
//! from (GetTokens `lastUsedIps`), the per-call activity log and
//! `users.authentication.GetTokenActivity`, retention, and batching off the request path.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{Backend, TestDb, TestServer};
use serde_json::Value;

const PW: &str = "correct horse battery staple";

/// A token allowed `methods`; returns (id, value).
async fn token_for(api: &Api, session: &str, methods: &str) -> (i64, String) {
    let r = api
        .post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", session),
                ("password", PW),
                ("description", "activity"),
                ("apiList", methods),
            ],
        )
        .await;
    let t = &r.ok()["token"];
    (
        t["id"].as_i64().unwrap(),
        t["key"].as_str().unwrap().to_string(),
    )
}

async fn activity(api: &Api, session: &str, id: i64, extra: &[(&str, &str)]) -> Reply {
    let id = id.to_string();
    let mut params = vec![("session", session), ("id", id.as_str())];
    params.extend_from_slice(extra);
    api.get(&format!("{AUTH}/gettokenactivity"), &params).await
}

fn rows(r: &Reply) -> Vec<Value> {
    r.ok()["activity"].as_array().unwrap().clone()
}

/// (method, envName, resultCode) of each row.
fn summary(rows: &[Value]) -> Vec<(String, Option<String>, i64)> {
    rows.iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["envName"].as_str().map(str::to_string),
                r["resultCode"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Every stored activity and address row, as text.
async fn stored_rows(db: &TestDb) -> String {
    use sqlx::Connection;
    let queries = [
        "SELECT token_id || '|' || user_id || '|' || at || '|' || method || '|' || COALESCE(env_name, '') || '|' || ip || '|' || result FROM token_activity",
        "SELECT token_id || '|' || user_id || '|' || ip || '|' || last_used FROM token_ips",
    ];
    let mut text = String::new();
    for q in queries {
        let rows: Vec<String> = match db.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query_scalar(q).fetch_all(&mut c).await.unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query_scalar(q).fetch_all(&mut c).await.unwrap()
            }
        };
        text.push_str(&rows.join("\n"));
        text.push('\n');
    }
    text
}

both_databases!(
    last_used_ips_are_distinct_newest_first_and_at_most_five,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| c.http.trust_proxy = true).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "ips@example.com", PW).await;
        api.create_env(&session, "shop").await.ok();
        let (id, token) = token_for(&api, &session, "env.control.GetEnvInfo").await;
        let info = format!("{ENV}/getenvinfo");
        let call = |ip: &'static str| {
            let (api, token, info) = (api.clone(), token.clone(), info.clone());
            async move {
                api.get_from(ip, &info, &[("session", &token), ("envName", "shop")])
                    .await
                    .ok();
            }
        };
        for ip in [
            "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6",
        ] {
            call(ip).await;
            call(ip).await;
            tokio::time::sleep(Duration::from_millis(1050)).await;
        }
        call("10.0.0.2").await;
        let tokens = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await;
        let t = tokens.ok()["apiTokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone();
        let ips: Vec<&str> = t["lastUsedIps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["ip"].as_str().unwrap())
            .collect();
        assert_eq!(
            ips,
            ["10.0.0.2", "10.0.0.6", "10.0.0.5", "10.0.0.4", "10.0.0.3"],
            "five distinct addresses, newest first; 10.0.0.1 is gone"
        );
        let last = t["lastUsedIps"][0]["lastUsed"].as_str().unwrap();
        assert_eq!(last.len(), 19, "yyyy-MM-dd HH:mm:ss: {last}");
        assert_eq!(
            t["lastUsed"].as_str(),
            Some(last),
            "lastUsed is the newest use"
        );
        // A token never used has an empty list.
        let (unused, _) = token_for(&api, &session, "env.control.GetEnvs").await;
        let tokens = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await;
        let u = tokens.ok()["apiTokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == unused)
            .unwrap()
            .clone();
        assert_eq!(u["lastUsedIps"], serde_json::json!([]));
        s.stop().await;
    }
);

both_databases!(
    activity_records_method_env_and_result_of_each_call,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "log@example.com", PW).await;
        api.create_env(&session, "shop").await.ok();
        let (id, token) = token_for(&api, &session, "env.control.GetEnvInfo").await;
        let info = format!("{ENV}/getenvinfo");
        api.get(&info, &[("session", &token), ("envName", "shop")])
            .await
            .ok();
        api.get(&info, &[("session", &token), ("envName", "nosuch")])
            .await
            .fails(11);
        api.get(&info, &[("session", &token)]).await.fails(3);
        api.get(
            &format!("{ENV}/stopenv"),
            &[("session", &token), ("envName", "shop")],
        )
        .await
        .fails(8202);
        api.get(&format!("{AUTH}/gettokens"), &[("session", &token)])
            .await
            .fails(8202);
        // An envName that is no valid name is not kept (it could hold anything).
        api.get(&info, &[("session", &token), ("envName", "Not_A Name!")])
            .await
            .fails(11);
        let r = activity(&api, &session, id, &[]).await;
        let all = rows(&r);
        assert_eq!(
            summary(&all),
            [
                ("env.control.GetEnvInfo".into(), None, 11),
                ("users.authentication.GetTokens".into(), None, 8202),
                ("env.control.StopEnv".into(), Some("shop".into()), 8202),
                ("env.control.GetEnvInfo".into(), None, 3),
                ("env.control.GetEnvInfo".into(), Some("nosuch".into()), 11),
                ("env.control.GetEnvInfo".into(), Some("shop".into()), 0),
            ],
            "newest first"
        );
        for row in &all {
            assert_eq!(row["ip"], "127.0.0.1");
            assert_eq!(row["time"].as_str().unwrap().len(), 19);
        }
        assert_eq!(r.body["next"], Value::Null);
        // Sign-in sessions' calls are not token activity.
        let again = activity(&api, &session, id, &[]).await;
        assert_eq!(rows(&again).len(), 6);
        s.stop().await;
    }
);

both_databases!(token_activity_filters_and_pages, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "pages@example.com", PW).await;
    api.create_env(&session, "shop").await.ok();
    let (id, token) = token_for(&api, &session, "env.control.GetEnvInfo").await;
    for _ in 0..5 {
        api.get(
            &format!("{ENV}/getenvinfo"),
            &[("session", &token), ("envName", "shop")],
        )
        .await
        .ok();
        api.get(
            &format!("{ENV}/stopenv"),
            &[("session", &token), ("envName", "shop")],
        )
        .await
        .fails(8202);
    }
    let count = |r: &Reply| rows(r).len();
    assert_eq!(count(&activity(&api, &session, id, &[]).await), 10);
    let ok = activity(&api, &session, id, &[("result", "success")]).await;
    assert_eq!(count(&ok), 5);
    assert!(rows(&ok).iter().all(|r| r["resultCode"] == 0));
    let failed = activity(&api, &session, id, &[("result", "failure")]).await;
    assert_eq!(count(&failed), 5);
    assert!(rows(&failed).iter().all(|r| r["resultCode"] == 8202));
    assert_eq!(
        count(&activity(&api, &session, id, &[("result", "8202")]).await),
        5
    );
    assert_eq!(
        count(&activity(&api, &session, id, &[("result", "11")]).await),
        0
    );
    let stops = activity(&api, &session, id, &[("method", "STOPENV")]).await;
    assert_eq!(count(&stops), 5);
    assert!(
        rows(&stops)
            .iter()
            .all(|r| r["method"] == "env.control.StopEnv")
    );
    assert_eq!(
        count(&activity(&api, &session, id, &[("method", "%")]).await),
        0
    );
    activity(&api, &session, id, &[("result", "maybe")])
        .await
        .fails(3);

    // Pages of 4: 4, 4, 2, each older than the last, none repeated.
    let mut seen: Vec<i64> = Vec::new();
    let mut from: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let mut extra = vec![("count", "4")];
        if let Some(f) = &from {
            extra.push(("from", f.as_str()));
        }
        let page = activity(&api, &session, id, &extra).await;
        let ids: Vec<i64> = rows(&page)
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        sizes.push(ids.len());
        seen.extend(&ids);
        match page.body["next"].as_i64() {
            Some(n) => {
                assert_eq!(Some(&n), ids.last());
                from = Some(n.to_string());
            }
            None => break,
        }
    }
    assert_eq!(sizes, [4, 4, 2]);
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, no row twice");
    activity(&api, &session, id, &[("count", "501")])
        .await
        .fails(3);
    activity(&api, &session, id, &[("count", "0")])
        .await
        .fails(3);
    assert_eq!(
        count(&activity(&api, &session, id, &[("count", "500")]).await),
        10
    );
    s.stop().await;
});

both_databases!(
    token_activity_is_for_the_owners_sessions_only,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let owner = user_with_session(&s, "owner@example.com", PW).await;
        let other = user_with_session(&s, "other@example.com", PW).await;
        let (id, token) = token_for(&api, &owner, "env.control.GetEnvs").await;
        api.get(&format!("{ENV}/getenvs"), &[("session", &token)])
            .await
            .ok();
        let r = activity(&api, &other, id, &[]).await;
        r.fails(3);
        assert!(r.error().contains("[id]"), "{}", r.error());
        activity(&api, &owner, 999_999, &[]).await.fails(3);
        api.get(&format!("{AUTH}/gettokenactivity"), &[("session", &owner)])
            .await
            .fails(3);
        // A token may not read activity, not even its own.
        let id_text = id.to_string();
        api.get(
            &format!("{AUTH}/gettokenactivity"),
            &[("session", &token), ("id", &id_text)],
        )
        .await
        .fails(8202);
        let mine = rows(&activity(&api, &owner, id, &[]).await);
        assert_eq!(
            summary(&mine),
            [
                ("users.authentication.GetTokenActivity".into(), None, 8202),
                ("env.control.GetEnvs".into(), None, 0),
            ]
        );
        s.stop().await;
    }
);

both_databases!(
    token_activity_is_pruned_after_its_retention,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| c.token_activity_retention_days = 7).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "prune@example.com", PW).await;
        let (id, token) = token_for(&api, &session, "env.control.GetEnvs").await;
        api.get(&format!("{ENV}/getenvs"), &[("session", &token)])
            .await
            .ok();
        assert_eq!(rows(&activity(&api, &session, id, &[]).await).len(), 1);
        let now = kunci_server::clock::now();
        let kept = s.kunci.activity.prune(now + 6 * 86_400).await.unwrap();
        assert_eq!(kept, 0, "six days later, still kept");
        assert_eq!(rows(&activity(&api, &session, id, &[]).await).len(), 1);
        let gone = s.kunci.activity.prune(now + 7 * 86_400 + 1).await.unwrap();
        assert_eq!(gone, 1, "past seven days, deleted");
        assert!(rows(&activity(&api, &session, id, &[]).await).is_empty());
        s.stop().await;
    }
);

both_databases!(nothing_logged_holds_a_secret, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "secret@example.com", PW).await;
    api.create_env(&session, "shop").await.ok();
    let (_, token) = token_for(
        &api,
        &session,
        "env.control.GetEnvInfo,env.control.AddContainerEnvVars",
    )
    .await;
    api.post(
        &format!("{ENV}/addcontainerenvvars"),
        &[
            ("session", &token),
            ("envName", "shop"),
            ("vars", r#"{"DB_PASSWORD":"hunter2-very-secret"}"#),
            ("password", PW),
        ],
    )
    .await
    .ok();
    api.bearer(&format!("{ENV}/getenvinfo"), &token, &[("envName", &token)])
        .await
        .fails(11);
    s.kunci.activity.flush().await;
    let dump = stored_rows(&db).await;
    assert!(dump.contains("env.control.AddContainerEnvVars"), "{dump}");
    for secret in [token.as_str(), &token[6..38], "hunter2", PW, &session] {
        assert!(!dump.contains(secret), "a secret is stored: {dump}");
    }
    s.stop().await;
});

both_databases!(
    a_burst_of_token_calls_is_all_recorded_in_a_few_batches,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "burst@example.com", PW).await;
        api.create_env(&session, "shop").await.ok();
        let (id, token) = token_for(&api, &session, "env.control.GetEnvInfo").await;
        let metrics = s.kunci.activity.metrics.clone();
        let batches_before = metrics.batches.load(Ordering::Relaxed);
        let calls: Vec<_> = (0..120)
            .map(|_| {
                let (api, token) = (api.clone(), token.clone());
                tokio::spawn(async move {
                    api.get(
                        &format!("{ENV}/getenvinfo"),
                        &[("session", token.as_str()), ("envName", "shop")],
                    )
                    .await
                    .ok();
                })
            })
            .collect();
        for c in calls {
            c.await.unwrap();
        }
        // Answered, and (most likely) not yet written: the writer runs every 500 ms.
        let r = activity(&api, &session, id, &[("count", "500")]).await;
        assert_eq!(rows(&r).len(), 120, "every call recorded");
        let first = activity(&api, &session, id, &[("count", "100")]).await;
        let next = first.body["next"]
            .as_i64()
            .expect("older rows remain")
            .to_string();
        let second = activity(&api, &session, id, &[("count", "500"), ("from", &next)]).await;
        assert_eq!(rows(&second).len(), 20);
        assert!(second.body.get("next").is_none());
        assert_eq!(metrics.dropped.load(Ordering::Relaxed), 0);
        assert_eq!(metrics.recorded.load(Ordering::Relaxed), 120);
        assert_eq!(metrics.written.load(Ordering::Relaxed), 120);
        let batches = metrics.batches.load(Ordering::Relaxed) - batches_before;
        assert!(
            batches <= 10,
            "120 calls cost {batches} write transactions, not one each"
        );
        s.stop().await;
    }
);
