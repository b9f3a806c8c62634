//! Personal access tokens over HTTP, on SQLite and PostgreSQL: issuance, storage,
//! permissions, lifecycle, the security log, and the dashboard's server functions.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{Backend, ServerProcess, TestDb, TestServer, seen_on_another_instance, web};
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

/// CreateToken with the account password and `params`.
async fn create(api: &Api, session: &str, params: &[(&str, &str)]) -> Reply {
    let mut all = vec![("session", session), ("password", PW)];
    all.extend_from_slice(params);
    api.post(&format!("{AUTH}/createtoken"), &all).await
}

/// A token allowed `methods` (comma-separated); returns (id, value).
async fn token_for(api: &Api, session: &str, description: &str, methods: &str) -> (i64, String) {
    let r = create(
        api,
        session,
        &[("description", description), ("apiList", methods)],
    )
    .await;
    let t = &r.ok()["token"];
    (
        t["id"].as_i64().unwrap(),
        t["key"].as_str().unwrap().to_string(),
    )
}

async fn tokens_of(api: &Api, session: &str) -> Vec<Value> {
    api.get(&format!("{AUTH}/gettokens"), &[("session", session)])
        .await
        .ok()["apiTokens"]
        .as_array()
        .unwrap()
        .clone()
}

/// Calls GetEnvInfo / StopEnv ... with `credential` as the `session` parameter.
async fn env_call(api: &Api, method: &str, credential: &str, env: &str) -> Reply {
    api.get(
        &format!("{ENV}/{method}"),
        &[("envName", env), ("session", credential)],
    )
    .await
}

both_databases!(
    seed_flow_stopenv_token_stops_my_project,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "seed@example.com", PW).await;
        api.create_env(&session, "my-project").await.ok();
        let (_, token) = token_for(&api, &session, "stop my project", "env.control.StopEnv").await;
        // Exactly the seed document's request and answer.
        let res = api
            .client()
            .get(api.url(&format!(
                "/1.0/environment/control/rest/stopenv?envName=my-project&session={token}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap(), r#"{"result":0}"#);
        assert_eq!(api.status(&session, "my-project").await, 2);
    }
);

both_databases!(
    create_token_answers_the_token_object_with_its_key_once,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "obj@example.com", PW).await;
        let r = create(
            &api,
            &session,
            &[
                ("description", "gitlab deploy"),
                ("apiList", "env.control.StopEnv,env.control.GetEnvInfo"),
                ("expiresAt", "2030-01-31 00:00:00"),
            ],
        )
        .await;
        let t = r.ok()["token"].clone();
        let key = t["key"].as_str().unwrap();
        assert!(key.starts_with("kunci_") && key.len() == 44, "{key}");
        assert_eq!(t["description"], "gitlab deploy");
        assert_eq!(t["expiresAt"], "2030-01-31 00:00:00");
        assert_eq!(t["createdOn"].as_str().unwrap().len(), 19);
        assert!(
            t.get("lastUsed").is_none() && t.get("tokenTemplate").is_none(),
            "null fields are left out: {t}"
        );
        let items = t["apiListItems"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["method"], "env.control.GetEnvInfo");
        assert_eq!(items[0]["isSafe"], true);
        assert_eq!(items[1]["method"], "env.control.StopEnv");
        assert!(items[1]["id"].as_i64().unwrap() > 0);

        let maven = create(
            &api,
            &session,
            &[("description", "ci"), ("tokenTemplate", "Maven Plugin")],
        )
        .await;
        let m = &maven.ok()["token"];
        assert_eq!(m["tokenTemplate"]["name"], "Maven Plugin");
        assert_eq!(m["tokenTemplate"]["id"], 4);
        assert!(
            !m["tokenTemplate"]["apiListItems"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(m["apiListItems"], m["tokenTemplate"]["apiListItems"]);

        let listed = tokens_of(&api, &session).await;
        assert_eq!(listed.len(), 2);
        assert!(
            listed.iter().all(|t| t.get("key").is_none()),
            "a value is shown only once"
        );
        assert!(
            !api.get(&format!("{AUTH}/gettokens"), &[("session", &session)])
                .await
                .body
                .to_string()
                .contains(key)
        );
    }
);

both_databases!(
    create_token_wrong_password_changes_nothing,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "pw@example.com", PW).await;
        let path = format!("{AUTH}/createtoken");
        let base = [
            ("session", session.as_str()),
            ("description", "x"),
            ("apiList", "env.control.StopEnv"),
        ];
        let mut wrong = base.to_vec();
        wrong.push(("password", "not the password"));
        api.post(&path, &wrong).await.fails(801);
        api.post(&path, &base).await.fails(3);
        let mut spaced = base.to_vec();
        let padded = format!(" {PW}");
        spaced.push(("password", &padded));
        api.post(&path, &spaced).await.fails(801);
        assert!(
            tokens_of(&api, &session).await.is_empty(),
            "no token was created"
        );
        let user = s
            .kunci
            .store
            .user_by_login("pw@example.com")
            .await
            .unwrap()
            .unwrap();
        let events = s.kunci.security_log.list(user.id, 50).await.unwrap();
        assert_eq!(
            events
                .iter()
                .filter(|e| e.kind == "password.confirmation_failed")
                .count(),
            2
        );
    }
);

both_databases!(
    create_token_rejects_bad_input_naming_the_parameter,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "bad@example.com", PW).await;
        let long = "x".repeat(256);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("apiList", "env.control.StopEnv")], "[description]"),
            (
                vec![("description", "   "), ("apiList", "env.control.StopEnv")],
                "[description]",
            ),
            (
                vec![("description", &long), ("apiList", "env.control.StopEnv")],
                "[description]",
            ),
            (vec![("description", "d")], "[apiList]"),
            (
                vec![
                    ("description", "d"),
                    ("apiList", "env.control.NoSuchMethod"),
                ],
                "[env.control.NoSuchMethod]",
            ),
            (
                vec![
                    ("description", "d"),
                    ("apiList", "users.authentication.GetTokens"),
                ],
                "[apiList]",
            ),
            (
                vec![("description", "d"), ("tokenTemplate", "Root Access")],
                "[tokenTemplate]",
            ),
            (
                vec![
                    ("description", "d"),
                    ("apiList", "env.control.StopEnv"),
                    ("expiresAt", "2020-01-01 00:00:00"),
                ],
                "[expiresAt]",
            ),
            (
                vec![
                    ("description", "d"),
                    ("apiList", "env.control.StopEnv"),
                    ("expiresAt", "2027-02-31 00:00:00"),
                ],
                "[expiresAt]",
            ),
            (
                vec![
                    ("description", "d"),
                    ("apiList", "env.control.StopEnv"),
                    ("expiresAt", "9999-12-31 00:00:00"),
                ],
                "[expiresAt]",
            ),
        ];
        for (params, needle) in cases {
            let r = create(&api, &session, &params).await;
            r.fails(3);
            assert!(r.error().contains(needle), "{params:?}: {}", r.error());
        }
        assert!(tokens_of(&api, &session).await.is_empty());
    }
);

both_databases!(
    regenerate_kills_old_value_keeps_settings,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "regen@example.com", PW).await;
        api.create_env(&session, "regen-env").await.ok();
        let r = create(
            &api,
            &session,
            &[
                ("description", "deploy bot"),
                ("apiList", "env.control.GetEnvInfo"),
                ("expiresAt", "2031-05-01 10:00:00"),
            ],
        )
        .await;
        let before = r.ok()["token"].clone();
        let old = before["key"].as_str().unwrap().to_string();
        let id = before["id"].as_i64().unwrap().to_string();
        env_call(&api, "getenvinfo", &old, "regen-env").await.ok();

        let again = api
            .post(
                &format!("{AUTH}/regeneratetoken"),
                &[("session", &session), ("password", PW), ("id", &id)],
            )
            .await;
        let after = again.ok()["token"].clone();
        let new = after["key"].as_str().unwrap().to_string();
        assert_ne!(new, old);
        env_call(&api, "getenvinfo", &old, "regen-env")
            .await
            .fails(702);
        env_call(&api, "getenvinfo", &new, "regen-env").await.ok();
        for field in [
            "id",
            "description",
            "expiresAt",
            "createdOn",
            "apiListItems",
        ] {
            assert_eq!(before[field], after[field], "{field} is kept");
        }
        // `ids` naming one token works; more than one is refused.
        let third = api
            .post(
                &format!("{AUTH}/regeneratetoken"),
                &[("session", &session), ("password", PW), ("ids", &id)],
            )
            .await;
        let newest = third.ok()["token"]["key"].as_str().unwrap().to_string();
        env_call(&api, "getenvinfo", &new, "regen-env")
            .await
            .fails(702);
        env_call(&api, "getenvinfo", &newest, "regen-env")
            .await
            .ok();
        api.post(
            &format!("{AUTH}/regeneratetoken"),
            &[("session", &session), ("password", PW), ("ids", "1;2")],
        )
        .await
        .fails(3);
        api.post(
            &format!("{AUTH}/regeneratetoken"),
            &[("session", &session), ("password", "wrong!"), ("id", &id)],
        )
        .await
        .fails(801);
        env_call(&api, "getenvinfo", &newest, "regen-env")
            .await
            .ok();
    }
);

both_databases!(
    expired_token_gets_702_but_stays_listed,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "exp@example.com", PW).await;
        api.create_env(&session, "exp-env").await.ok();
        let soon = kunci_server::clock::format_wire(kunci_server::clock::now() + 2);
        let r = create(
            &api,
            &session,
            &[
                ("description", "short-lived"),
                ("apiList", "env.control.GetEnvInfo"),
                ("expiresAt", &soon),
            ],
        )
        .await;
        let t = r.ok()["token"].clone();
        let value = t["key"].as_str().unwrap().to_string();
        let id = t["id"].as_i64().unwrap().to_string();
        env_call(&api, "getenvinfo", &value, "exp-env").await.ok();
        tokio::time::sleep(Duration::from_millis(3100)).await;
        let refused = env_call(&api, "getenvinfo", &value, "exp-env").await;
        refused.fails(702);
        let unknown = env_call(
            &api,
            "getenvinfo",
            &format!("kunci_{}", "x".repeat(38)),
            "exp-env",
        )
        .await;
        assert_eq!(
            refused.body, unknown.body,
            "the same answer as an unknown token"
        );
        let listed = tokens_of(&api, &session).await;
        assert_eq!(listed.len(), 1, "still listed");
        assert_eq!(listed[0]["expiresAt"], soon);
        // It can be given a new expiry and works again.
        api.post(
            &format!("{AUTH}/edittoken"),
            &[
                ("session", &session),
                ("password", PW),
                ("id", &id),
                ("expiresAt", "2031-01-01 00:00:00"),
            ],
        )
        .await
        .ok();
        env_call(&api, "getenvinfo", &value, "exp-env").await.ok();
    }
);

both_databases!(token_outside_its_list_gets_8202, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "scope@example.com", PW).await;
    api.create_env(&session, "scoped-env").await.ok();
    let (_, stop_only) = token_for(&api, &session, "stop only", "env.control.StopEnv").await;
    for method in ["getenvinfo", "startenv", "sleepenv"] {
        let r = env_call(&api, method, &stop_only, "scoped-env").await;
        r.fails(8202);
        assert!(r.error().contains("not allowed"), "{}", r.error());
    }
    api.get(&format!("{ENV}/getenvs"), &[("session", &stop_only)])
        .await
        .fails(8202);
    assert_eq!(api.status(&session, "scoped-env").await, 1, "nothing ran");
    env_call(&api, "stopenv", &stop_only, "scoped-env")
        .await
        .ok();
    // A token with DeleteEnv deletes without a password.
    let (_, deleter) = token_for(&api, &session, "deleter", "env.control.DeleteEnv").await;
    env_call(&api, "deleteenv", &deleter, "scoped-env")
        .await
        .ok();
    env_call(&api, "getenvinfo", &session, "scoped-env")
        .await
        .fails(11);
});

both_databases!(token_cannot_manage_tokens, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "meta@example.com", PW).await;
    let r = create(
        &api,
        &session,
        &[
            ("description", "everything"),
            ("tokenTemplate", "Extended Access"),
        ],
    )
    .await;
    let value = r.ok()["token"]["key"].as_str().unwrap().to_string();
    for method in [
        "createtoken",
        "gettokens",
        "edittoken",
        "deletetokens",
        "regeneratetoken",
        "signout",
        "getsessions",
    ] {
        let r = api
            .post(
                &format!("{AUTH}/{method}"),
                &[
                    ("session", &value),
                    ("password", PW),
                    ("description", "x"),
                    ("apiList", "env.control.StopEnv"),
                    ("ids", "*"),
                    ("id", "1"),
                ],
            )
            .await;
        r.fails(8202);
    }
    api.bearer(&format!("{AUTH}/gettokens"), &value, &[])
        .await
        .fails(8202);
    // CheckSign is the one it may call: about itself (token_reuse.rs tests the answer).
    let r = api
        .get(&format!("{AUTH}/checksign"), &[("session", &value)])
        .await;
    assert_eq!(r.ok()["token"]["description"], "everything");
    assert_eq!(
        tokens_of(&api, &session).await.len(),
        1,
        "nothing was created or deleted"
    );
    api.get(&format!("{ENV}/getenvs"), &[("session", &value)])
        .await
        .ok();
});

/// Two server processes on one PostgreSQL database: a token deleted or regenerated
/// through one is refused by that one at the very next request, and by the other as
/// soon as the change's notification reaches it (`ANOTHER_INSTANCE_LEARNS_WITHIN`), for
/// good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_token_dies_on_every_instance() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = ServerProcess::start(&db.url, &[]).await;
    let b = ServerProcess::start(&db.url, &[]).await;
    let (api_a, api_b) = (Api::new(&a.url("")), Api::new(&b.url("")));
    web::signed_up(&a.url(""), "multi@example.com", PW).await;
    let session = api_a.signin("multi@example.com", PW).await;
    api_a.create_env(&session, "multi-env").await.ok();
    let (id, value) = token_for(&api_a, &session, "shared", "env.control.GetEnvInfo").await;
    env_call(&api_b, "getenvinfo", &value, "multi-env")
        .await
        .ok();
    env_call(&api_a, "getenvinfo", &value, "multi-env")
        .await
        .ok();

    let r = api_b
        .post(
            &format!("{AUTH}/regeneratetoken"),
            &[
                ("session", &session),
                ("password", PW),
                ("id", &id.to_string()),
            ],
        )
        .await;
    let fresh = r.ok()["token"]["key"].as_str().unwrap().to_string();
    env_call(&api_b, "getenvinfo", &value, "multi-env")
        .await
        .fails(702);
    // A had the old value cached.
    seen_on_another_instance(
        "the old value of a token regenerated on B, on A",
        || env_call(&api_a, "getenvinfo", &value, "multi-env"),
        |r| r.result() != 0,
    )
    .await
    .fails(702);
    env_call(&api_a, "getenvinfo", &fresh, "multi-env")
        .await
        .ok();

    api_b
        .post(
            &format!("{AUTH}/deletetokens"),
            &[
                ("session", &session),
                ("password", PW),
                ("ids", &id.to_string()),
            ],
        )
        .await
        .ok();
    env_call(&api_b, "getenvinfo", &fresh, "multi-env")
        .await
        .fails(702);
    seen_on_another_instance(
        "a token deleted on B, on A",
        || env_call(&api_a, "getenvinfo", &fresh, "multi-env"),
        |r| r.result() != 0,
    )
    .await
    .fails(702);
    a.terminate().await;
    b.terminate().await;
}

both_databases!(database_holds_no_plain_token, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "store@example.com", PW).await;
    let (id, first) = token_for(&api, &session, "one", "env.control.GetEnvInfo").await;
    let (_, second) = token_for(&api, &session, "two", "env.control.StopEnv").await;
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
    let third = r.ok()["token"]["key"].as_str().unwrap().to_string();
    let values = [first, second, third];
    let hashes: Vec<String> = values
        .iter()
        .map(|v| kunci_server::secrets::sha256_hex(v))
        .collect();

    // Everything the database holds, as text.
    let dump = match db.backend() {
        Backend::Sqlite => {
            s.stop().await;
            let path = db.sqlite_path().unwrap();
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).to_string()
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            let mut text = String::new();
            for table in [
                "users",
                "sessions",
                "tokens",
                "retired_token_hashes",
                "security_events",
                "auth_throttle",
            ] {
                let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM {table} t"
                )))
                .fetch_all(&mut conn)
                .await
                .unwrap();
                text.push_str(&rows.join("\n"));
            }
            text
        }
    };
    for (value, hash) in values.iter().zip(&hashes) {
        assert!(
            !dump.contains(value.as_str()),
            "a plain token value is in the database"
        );
        assert!(
            !dump.contains(&value[6..38]),
            "part of a token value is in the database"
        );
        assert!(
            dump.contains(hash.as_str()),
            "its SHA-256 is (so we looked in the right place)"
        );
    }
    assert!(!dump.contains(PW), "nor the password");
});

both_databases!(
    bad_checksum_rejected_without_query,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "crc@example.com", PW).await;
        api.create_env(&session, "crc-env").await.ok();
        let (_, value) = token_for(&api, &session, "crc", "env.control.GetEnvInfo").await;
        let lookups = || s.kunci.store.metrics.token_lookups.load(Ordering::Relaxed);

        let mut typo = value.clone().into_bytes();
        typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        let made_up = format!("kunci_{}000000", "Q".repeat(32));
        let before = lookups();
        for bad in [typo.as_str(), made_up.as_str(), "kunci_short", &value[..43]] {
            env_call(&api, "getenvinfo", bad, "crc-env")
                .await
                .fails(702);
        }
        assert_eq!(
            lookups(),
            before,
            "no database lookup for a malformed value"
        );
        // A well-formed but unknown value does cost one lookup.
        let unknown = {
            let mut v = kunci_server::domain::token::PlainToken::generate()
                .expose()
                .to_string();
            v.push(' ');
            v.trim().to_string()
        };
        env_call(&api, "getenvinfo", &unknown, "crc-env")
            .await
            .fails(702);
        assert_eq!(lookups(), before + 1);
        env_call(&api, "getenvinfo", &value, "crc-env").await.ok();
    }
);

both_databases!(
    api_list_accepts_json_csv_repeated_and_python_list,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "forms@example.com", PW).await;
        let want = json!(["env.control.StartEnv", "env.control.StopEnv"]);
        let path = format!("{AUTH}/createtoken");
        let common_params = [
            ("session", session.as_str()),
            ("password", PW),
            ("description", "forms"),
        ];
        let forms: Vec<Vec<(&str, &str)>> = vec![
            vec![(
                "apiList",
                r#"["env.control.StopEnv","env.control.StartEnv"]"#,
            )],
            vec![("apiList", "env.control.StopEnv,env.control.StartEnv")],
            vec![("apiList", "env.control.StopEnv;env.control.StartEnv")],
            vec![
                ("apiList", "env.control.StopEnv"),
                ("apiList", "env.control.StartEnv"),
            ],
            vec![("APILIST", "['env.control.StopEnv', 'env.control.StartEnv']")],
            vec![(
                "apiList",
                "environment.control.stopenv, ENV.CONTROL.STARTENV",
            )],
        ];
        for form in forms {
            let mut params = common_params.to_vec();
            params.extend(form.iter().copied());
            let r = api.post(&path, &params).await;
            let names: Vec<Value> = r.ok()["token"]["apiListItems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["method"].clone())
                .collect();
            assert_eq!(Value::Array(names), want, "{form:?}");
        }
        // Repeated keys in the query string of a POST, too.
        let q = format!(
            "{}{path}?session={session}&password={}&description=q&apiList=env.control.StopEnv&apiList=env.control.StartEnv",
            api.base,
            PW.replace(' ', "+")
        );
        let r = api.raw(api.client().post(q)).await;
        assert_eq!(r.ok()["token"]["apiListItems"].as_array().unwrap().len(), 2);
    }
);

both_databases!(hundred_and_first_token_is_2338, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "many@example.com", PW).await;
    for i in 0..100 {
        create(
            &api,
            &session,
            &[
                ("description", &format!("t{i}")),
                ("apiList", "env.control.GetEnvInfo"),
            ],
        )
        .await
        .ok();
    }
    let r = create(
        &api,
        &session,
        &[
            ("description", "one too many"),
            ("apiList", "env.control.GetEnvInfo"),
        ],
    )
    .await;
    r.fails(2338);
    assert!(r.error().contains("100"));
    assert_eq!(tokens_of(&api, &session).await.len(), 100);
    // Another account is not limited by this one's tokens.
    let other = user_with_session(&s, "few@example.com", PW).await;
    create(
        &api,
        &other,
        &[
            ("description", "mine"),
            ("apiList", "env.control.GetEnvInfo"),
        ],
    )
    .await
    .ok();
});

both_databases!(
    other_users_token_ids_are_invisible,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let alice = user_with_session(&s, "alice@example.com", PW).await;
        let mallory = user_with_session(&s, "mallory@example.com", PW).await;
        api.create_env(&alice, "alice-env").await.ok();
        let (id, value) = token_for(&api, &alice, "alice's", "env.control.GetEnvInfo").await;
        let id = id.to_string();
        let r = api
            .get(
                &format!("{AUTH}/gettokens"),
                &[("session", &mallory), ("ids", &id)],
            )
            .await;
        assert!(r.ok()["apiTokens"].as_array().unwrap().is_empty());
        assert!(tokens_of(&api, &mallory).await.is_empty());
        let own = |params: &[(&'static str, &str)]| {
            let mut v = vec![("session", mallory.clone()), ("password", PW.to_string())];
            v.extend(params.iter().map(|(k, v)| (*k, v.to_string())));
            v
        };
        for (method, params) in [
            ("edittoken", own(&[("id", &id), ("description", "stolen")])),
            ("regeneratetoken", own(&[("id", &id)])),
            ("deletetokens", own(&[("ids", &id)])),
        ] {
            let refs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = api.post(&format!("{AUTH}/{method}"), &refs).await;
            r.fails(3);
            assert!(
                r.error().contains(&format!("no token with id {id}")),
                "{}",
                r.error()
            );
        }
        // Mallory deleting "all" deletes only her own (none).
        api.post(
            &format!("{AUTH}/deletetokens"),
            &[("session", &mallory), ("password", PW), ("ids", "*")],
        )
        .await
        .ok();
        let listed = tokens_of(&api, &alice).await;
        assert_eq!(listed[0]["description"], "alice's");
        env_call(&api, "getenvinfo", &value, "alice-env").await.ok();
        // Mallory's own credentials cannot reach Alice's environment either.
        let (_, mal_token) = token_for(&api, &mallory, "mal", "env.control.GetEnvInfo").await;
        env_call(&api, "getenvinfo", &mal_token, "alice-env")
            .await
            .fails(11);
    }
);

both_databases!(
    bearer_works_like_session_and_last_used_is_kept_to_the_minute,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "bearer@example.com", PW).await;
        api.create_env(&session, "bearer-env").await.ok();
        let (_, value) = token_for(
            &api,
            &session,
            "bearer",
            "env.control.GetEnvInfo,env.control.StopEnv",
        )
        .await;
        assert!(tokens_of(&api, &session).await[0].get("lastUsed").is_none());
        api.bearer(
            &format!("{ENV}/getenvinfo"),
            &value,
            &[("envName", "bearer-env")],
        )
        .await
        .ok();
        let first = tokens_of(&api, &session).await[0]["lastUsed"].clone();
        assert!(first.is_string(), "lastUsed is set by a use");
        api.bearer(
            &format!("{ENV}/stopenv"),
            &value,
            &[("envName", "bearer-env")],
        )
        .await
        .ok();
        assert_eq!(
            tokens_of(&api, &session).await[0]["lastUsed"],
            first,
            "not rewritten within the minute"
        );
        assert_eq!(api.status(&session, "bearer-env").await, 2);
    }
);

both_databases!(
    disabled_accounts_tokens_stop_at_once,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "off@example.com", PW).await;
        api.create_env(&session, "off-env").await.ok();
        let (_, value) = token_for(&api, &session, "off", "env.control.GetEnvInfo").await;
        env_call(&api, "getenvinfo", &value, "off-env").await.ok();
        s.kunci
            .store
            .set_user_enabled("off@example.com", false, kunci_server::clock::now())
            .await
            .unwrap();
        let r = env_call(&api, "getenvinfo", &value, "off-env").await;
        r.fails(704);
        assert!(r.error().contains("disabled"));
        env_call(&api, "getenvinfo", &session, "off-env")
            .await
            .fails(702);
        s.kunci
            .store
            .set_user_enabled("off@example.com", true, kunci_server::clock::now())
            .await
            .unwrap();
        env_call(&api, "getenvinfo", &value, "off-env").await.ok();
    }
);

both_databases!(
    edit_token_patches_only_the_fields_given,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "edit@example.com", PW).await;
        let r = create(
            &api,
            &session,
            &[
                ("description", "before"),
                ("tokenTemplate", "IDE Plugins"),
                ("expiresAt", "2030-06-01 00:00:00"),
            ],
        )
        .await;
        let t = r.ok()["token"].clone();
        let id = t["id"].as_i64().unwrap().to_string();
        let edit = |params: Vec<(&'static str, &'static str)>| {
            let (api, session, id) = (&api, session.clone(), id.clone());
            async move {
                let mut all = vec![
                    ("session", session.as_str()),
                    ("password", PW),
                    ("id", id.as_str()),
                ];
                all.extend(params);
                api.post(&format!("{AUTH}/edittoken"), &all).await
            }
        };
        let r = edit(vec![("description", "after")]).await;
        let e = r.ok()["token"].clone();
        assert_eq!(e["description"], "after");
        assert_eq!(e["tokenTemplate"]["name"], "IDE Plugins");
        assert_eq!(e["expiresAt"], "2030-06-01 00:00:00");
        assert!(e.get("key").is_none(), "editing never shows the value");
        let e = edit(vec![("apiList", "env.control.StopEnv")]).await.ok()["token"].clone();
        assert!(e.get("tokenTemplate").is_none(), "a list makes it Custom");
        assert_eq!(e["apiListItems"].as_array().unwrap().len(), 1);
        assert_eq!(e["description"], "after");
        let e = edit(vec![("tokenTemplate", "2")]).await.ok()["token"].clone();
        assert_eq!(e["tokenTemplate"]["name"], "IDE Plugins");
        let e = edit(vec![("expiresAt", "")]).await.ok()["token"].clone();
        assert!(
            e.get("expiresAt").is_none(),
            "an empty expiresAt removes the expiry"
        );
        edit(vec![]).await.fails(3);
        edit(vec![("description", "")]).await.fails(3);
        let wrong = {
            let id = id.clone();
            api.post(
                &format!("{AUTH}/edittoken"),
                &[
                    ("session", &session),
                    ("password", "nope nope"),
                    ("id", &id),
                    ("description", "hacked"),
                ],
            )
            .await
        };
        wrong.fails(801);
        assert_eq!(tokens_of(&api, &session).await[0]["description"], "after");
    }
);

both_databases!(
    delete_tokens_takes_every_id_form_all_or_nothing,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "del@example.com", PW).await;
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(
                token_for(&api, &session, &format!("t{i}"), "env.control.GetEnvInfo")
                    .await
                    .0,
            );
        }
        let path = format!("{AUTH}/deletetokens");
        let del = |spec: String| {
            let (api, path, session) = (&api, path.clone(), session.clone());
            async move {
                api.post(
                    &path,
                    &[
                        ("session", session.as_str()),
                        ("password", PW),
                        ("ids", spec.as_str()),
                    ],
                )
                .await
            }
        };
        del(format!("{};{};999999", ids[0], ids[1])).await.fails(3);
        assert_eq!(
            tokens_of(&api, &session).await.len(),
            6,
            "nothing deleted when one id is wrong"
        );
        del(format!("{};{}", ids[0], ids[1])).await.ok();
        del(format!("{},{}", ids[2], ids[3])).await.ok();
        assert_eq!(tokens_of(&api, &session).await.len(), 2);
        del("*".into()).await.ok();
        assert!(tokens_of(&api, &session).await.is_empty());
        del("x;y".into()).await.fails(3);
    }
);

both_databases!(
    concurrent_regenerations_leave_exactly_one_live_value,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = std::sync::Arc::new(Api::new(&s.url("")));
        let session = user_with_session(&s, "conc@example.com", PW).await;
        api.create_env(&session, "conc-env").await.ok();
        let (id, first) = token_for(&api, &session, "race", "env.control.GetEnvInfo").await;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (api, session, id) = (api.clone(), session.clone(), id.to_string());
                tokio::spawn(async move {
                    api.post(
                        &format!("{AUTH}/regeneratetoken"),
                        &[
                            ("session", session.as_str()),
                            ("password", PW),
                            ("id", id.as_str()),
                        ],
                    )
                    .await
                })
            })
            .collect();
        let mut values = vec![first];
        for t in tasks {
            let r = t.await.unwrap();
            values.push(r.ok()["token"]["key"].as_str().unwrap().to_string());
        }
        let mut live = 0;
        for v in &values {
            if env_call(&api, "getenvinfo", v, "conc-env").await.result() == 0 {
                live += 1;
            }
        }
        assert_eq!(live, 1, "exactly one value works");
    }
);

both_databases!(token_list_api_and_templates, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "lists@example.com", PW).await;
    let r = api
        .get(&format!("{AUTH}/gettokenapilist"), &[("session", &session)])
        .await;
    let all = r.ok()["tokenPermissions"].as_array().unwrap().clone();
    assert_eq!(r.body["behavior"], "ALLOW");
    // All but the private methods: 28 of users.authentication, 13 that manage the
    // account in users.account, 6 of users.sso.
    assert_eq!(
        all.len(),
        860 - 28 - 13 - 6,
        "every method a token may hold"
    );
    assert!(all.iter().all(|p| {
        let m = p["method"].as_str().unwrap();
        !m.starts_with("users.authentication.") && m != "users.account.ChangePassword"
    }));
    for f in ["id", "method", "isSafe", "isCollaborationAccessible"] {
        assert!(all[0].get(f).is_some(), "{f}");
    }
    let private = api
        .get(
            &format!("{AUTH}/gettokenapilist"),
            &[("session", &session), ("showPrivate", "true")],
        )
        .await;
    assert_eq!(
        private.ok()["tokenPermissions"].as_array().unwrap().len(),
        861,
        "the platform's 860 and Kunci's GetTokenActivity"
    );
    let found = api
        .get(
            &format!("{AUTH}/gettokenapilist"),
            &[("session", &session), ("search", "STOPENV")],
        )
        .await;
    let names: Vec<&str> = found.ok()["tokenPermissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["method"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["env.control.StopEnv"]);
    let long_form = api
        .get(
            &format!("{AUTH}/gettokenapilist"),
            &[
                ("session", &session),
                ("search", "environment.control.stop"),
            ],
        )
        .await;
    assert_eq!(
        long_form.ok()["tokenPermissions"].as_array().unwrap().len(),
        1
    );

    let t = api
        .get(
            &format!("{AUTH}/gettokentemplates"),
            &[("session", &session)],
        )
        .await;
    let templates = t.ok()["templates"].as_array().unwrap().clone();
    let names: Vec<&str> = templates
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Extended Access",
            "IDE Plugins",
            "Marketplace",
            "Maven Plugin"
        ]
    );
    assert!(
        templates
            .iter()
            .all(|t| !t["apiListItems"].as_array().unwrap().is_empty())
    );
});

both_databases!(
    repeated_wrong_confirmations_are_throttled,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| {
            c.security.lockout_threshold = 3;
            c.security.lockout_duration = Duration::from_secs(2);
        })
        .await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "thr@example.com", PW).await;
        let path = format!("{AUTH}/createtoken");
        for _ in 0..3 {
            api.post(
                &path,
                &[
                    ("session", &session),
                    ("password", "wrong wrong"),
                    ("description", "x"),
                    ("apiList", "env.control.StopEnv"),
                ],
            )
            .await
            .fails(801);
        }
        let locked = create(
            &api,
            &session,
            &[("description", "x"), ("apiList", "env.control.StopEnv")],
        )
        .await;
        locked.fails(705);
        assert!(tokens_of(&api, &session).await.is_empty());
        tokio::time::sleep(Duration::from_millis(2100)).await;
        create(
            &api,
            &session,
            &[("description", "x"), ("apiList", "env.control.StopEnv")],
        )
        .await
        .ok();
    }
);

both_databases!(
    security_log_records_changes_and_dead_token_use_without_secrets,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "log@example.com", PW).await;
        api.create_env(&session, "log-env").await.ok();
        let (id, old) = token_for(&api, &session, "<b>audited</b>", "env.control.GetEnvInfo").await;
        let id_s = id.to_string();
        api.post(
            &format!("{AUTH}/edittoken"),
            &[
                ("session", &session),
                ("password", PW),
                ("id", &id_s),
                ("description", "audited 2"),
            ],
        )
        .await
        .ok();
        let r = api
            .post(
                &format!("{AUTH}/regeneratetoken"),
                &[("session", &session), ("password", PW), ("id", &id_s)],
            )
            .await;
        let new = r.ok()["token"]["key"].as_str().unwrap().to_string();
        env_call(&api, "getenvinfo", &old, "log-env")
            .await
            .fails(702);
        api.post(
            &format!("{AUTH}/deletetokens"),
            &[
                ("session", &session),
                ("password", "wrong pass"),
                ("ids", &id_s),
            ],
        )
        .await
        .fails(801);
        api.post(
            &format!("{AUTH}/deletetokens"),
            &[("session", &session), ("password", PW), ("ids", &id_s)],
        )
        .await
        .ok();
        env_call(&api, "getenvinfo", &new, "log-env")
            .await
            .fails(702);

        let user = s
            .kunci
            .store
            .user_by_login("log@example.com")
            .await
            .unwrap()
            .unwrap();
        let events = s.kunci.security_log.list(user.id, 100).await.unwrap();
        let kinds: Vec<&str> = events.iter().rev().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "token.created",
                "token.edited",
                "token.regenerated",
                "token.dead_value_used",
                "password.confirmation_failed",
                "token.deleted",
                "token.dead_value_used",
            ]
        );
        assert!(
            events
                .iter()
                .all(|e| e.ip == "127.0.0.1" && kunci_server::clock::format_wire(e.at).len() == 19)
        );
        let text = format!("{events:?}");
        for secret in [old.as_str(), new.as_str(), PW, session.as_str()] {
            assert!(!text.contains(secret), "a secret in the security log");
        }
        assert!(
            events
                .iter()
                .any(|e| e.params.to_json().contains("regenerated"))
        );
        assert!(
            events
                .iter()
                .any(|e| e.params.to_json().contains("<b>audited</b>")),
            "descriptions are stored as given, escaped when shown"
        );
    }
);

both_databases!(templates_follow_the_data_file, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "tpl@example.com", PW).await;
    api.create_env(&session, "tpl-env").await.ok();
    let r = create(
        &api,
        &session,
        &[("description", "maven"), ("tokenTemplate", "Maven Plugin")],
    )
    .await;
    let value = r.ok()["token"]["key"].as_str().unwrap().to_string();
    env_call(&api, "getenvinfo", &value, "tpl-env").await.ok();
    env_call(&api, "stopenv", &value, "tpl-env")
        .await
        .fails(8202);
    s.stop().await;

    // The operator edits the templates: Maven Plugin may now also stop environments.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("templates.toml");
    std::fs::write(
        &file,
        r#"[[template]]
id = 4
key = "maven-plugin"
name = "Maven Plugin"
summary = "edited"
include = ["env.control.GetEnvInfo", "env.control.StopEnv"]
"#,
    )
    .unwrap();
    let s = TestServer::start_with(&db, |c| c.token_templates = Some(file.clone())).await;
    let api = Api::new(&s.url(""));
    env_call(&api, "stopenv", &value, "tpl-env").await.ok();
    let t = api
        .get(
            &format!("{AUTH}/gettokentemplates"),
            &[("session", &session)],
        )
        .await;
    assert_eq!(t.ok()["templates"].as_array().unwrap().len(), 1);
});

both_databases!(
    dashboard_server_functions_use_the_same_rules,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let base = s.url("");
        let api = Api::new(&base);
        let cookie = web::signed_up(&base, "ui@example.com", PW).await;
        let session = api.signin("ui@example.com", PW).await;
        api.create_env(&session, "ui-env").await.ok();
        let call = |path: &'static str, body: Value| {
            let (base, cookie) = (base.clone(), cookie.clone());
            async move {
                let res = common::client()
                    .post(format!("{base}/api/{path}"))
                    .header("origin", &base)
                    .header("cookie", format!("kunci_session={cookie}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            }
        };
        let form = json!({"description": "from the dashboard", "expires": "31-12-2030", "template": null, "methods": ["env.control.StopEnv"]});
        let (status, body) = call(
            "tokens/create",
            json!({"form": form, "password": "wrong password"}),
        )
        .await;
        assert_eq!(
            (status, web::error(&body)),
            (403, app::AppError::InvalidPassword)
        );
        assert!(tokens_of(&api, &session).await.is_empty());
        let (status, body) = call("tokens/create", json!({"form": form, "password": PW})).await;
        assert_eq!(status, 200, "{body}");
        let value = body["value"].as_str().unwrap().to_string();
        let id = body["token"]["id"].as_i64().unwrap();
        assert_eq!(body["token"]["expires_at"], "2030-12-31 23:59:59");
        env_call(&api, "stopenv", &value, "ui-env").await.ok();

        let bad = json!({"description": "x", "expires": "31-02-2031", "template": null, "methods": ["env.control.StopEnv"]});
        let (status, body) = call("tokens/create", json!({"form": bad, "password": PW})).await;
        assert_eq!(
            (status, web::invalid_name(&body)),
            (400, "expires".to_string())
        );

        let copy_form = json!({"description": "a copy", "expires": "", "template": "Maven Plugin", "methods": []});
        let (status, body) = call(
            "tokens/copy",
            json!({"source_id": id, "form": copy_form, "password": PW}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token"]["template"], "Maven Plugin");
        assert_ne!(body["value"].as_str().unwrap(), value);

        let list = web::call(&base, "/api/tokens/list", Some(&cookie), &[]).await;
        let listed = list.body;
        assert_eq!(list.status, 200);
        assert_eq!(listed.as_array().unwrap().len(), 2);
        assert!(
            !listed.to_string().contains(&value),
            "the list never carries a value"
        );

        let (status, body) = call("tokens/regenerate", json!({"id": id, "password": PW})).await;
        assert_eq!(status, 200);
        env_call(&api, "getenvinfo", &value, "ui-env")
            .await
            .fails(702);
        assert_ne!(body["value"], json!(value));

        let ids: Vec<i64> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        let (status, _) = call("tokens/delete", json!({"ids": ids, "password": PW})).await;
        assert_eq!(status, 200);
        assert!(tokens_of(&api, &session).await.is_empty());

        let log = web::call(&base, "/api/account/security_log", Some(&cookie), &[]).await;
        let events = log.body;
        assert_eq!(log.status, 200);
        let kinds: Vec<&str> = events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for k in [
            "token.created",
            "token.copied",
            "token.regenerated",
            "token.deleted",
            "password.confirmation_failed",
        ] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
        // Events travel as data for the page to word, never as an English sentence.
        let of = |kind: &str| {
            events
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["kind"] == kind)
                .unwrap()
                .clone()
        };
        assert!(events.as_array().unwrap().iter().all(|e| e["detail"] == ""));
        let copied = of("token.copied");
        assert_eq!(copied["params"]["from"], id, "{copied}");
        assert_eq!(copied["params"]["token"][1], "a copy", "{copied}");
        assert_eq!(
            of("password.confirmation_failed")["params"]["purpose"],
            "create_token"
        );
        assert_eq!(of("token.regenerated")["params"]["token"][0], id);
        let found = web::call(
            &base,
            "/api/tokens/api_list",
            Some(&cookie),
            &[("search", "stopenv")],
        )
        .await;
        assert_eq!(
            (found.status, found.body.as_array().unwrap().len()),
            (200, 1)
        );
        let templates = web::call(&base, "/api/tokens/templates", Some(&cookie), &[]).await;
        assert_eq!(
            (templates.status, templates.body.as_array().unwrap().len()),
            (200, 4)
        );
    }
);
