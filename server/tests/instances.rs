//! Several instances: two server processes on one PostgreSQL database, behind nothing
//! but their own ports.

mod common;

use common::api::{AUTH, Api, ENV};
use common::{Backend, ServerProcess, TestDb, seen_on_another_instance, web};

const PW: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_tokens_and_environments() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = ServerProcess::start(&db.url, &[]).await;
    let b = ServerProcess::start(&db.url, &[]).await;
    let (api_a, api_b) = (Api::new(&a.url("")), Api::new(&b.url("")));

    // Sessions work on both: a browser session from A, an API session from B.
    let cookie = web::signed_up(&a.url(""), "multi@example.com", PW).await;
    assert_eq!(
        web::me(&b.url(""), &cookie).await.as_deref(),
        Some("multi@example.com")
    );
    let session = api_b.signin("multi@example.com", PW).await;
    api_a
        .get(&format!("{AUTH}/checksign"), &[("session", &session)])
        .await
        .ok();

    // A token created on A works on B.
    api_a.create_env(&session, "multi-env").await.ok();
    let created = api_a
        .post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", &session),
                ("password", PW),
                ("description", "shared"),
                ("apiList", "env.control.GetEnvInfo,env.control.StopEnv"),
            ],
        )
        .await;
    let id = created.ok()["token"]["id"].as_i64().unwrap().to_string();
    let value = created.body["token"]["key"].as_str().unwrap().to_string();
    api_b
        .get(
            &format!("{ENV}/getenvinfo"),
            &[("session", &value), ("envName", "multi-env")],
        )
        .await
        .ok();

    // Concurrent regenerations of one token from both leave exactly one live value.
    let regen = |api: &Api| {
        let (url, session, id) = (
            api.url(&format!("{AUTH}/regeneratetoken")),
            session.clone(),
            id.clone(),
        );
        let client = api.client().clone();
        async move {
            let r = client
                .post(url)
                .form(&[
                    ("session", session.as_str()),
                    ("password", PW),
                    ("id", id.as_str()),
                ])
                .send()
                .await
                .unwrap();
            r.json::<serde_json::Value>().await.unwrap()["token"]["key"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let (v1, v2, v3, v4) = tokio::join!(regen(&api_a), regen(&api_b), regen(&api_a), regen(&api_b));
    let mut live = Vec::new();
    for v in [&value, &v1, &v2, &v3, &v4] {
        let on_a = api_a
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", v), ("envName", "multi-env")],
            )
            .await
            .result();
        let on_b = api_b
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", v), ("envName", "multi-env")],
            )
            .await
            .result();
        assert_eq!(on_a, on_b, "both instances agree about every value");
        if on_a == 0 {
            live.push(v.clone());
        }
    }
    assert_eq!(live.len(), 1, "exactly one live value");
    let live = live.pop().unwrap();

    // An environment stopped through B is stopped in A's dashboard data at once.
    let before = common::client()
        .get(a.url("/ui/envs"))
        .header("cookie", format!("kunci_session={cookie}"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(before[0]["status"], 1);
    api_b
        .get(
            &format!("{ENV}/stopenv"),
            &[("session", &live), ("envName", "multi-env")],
        )
        .await
        .ok();
    let envs_on_a = || {
        let request = common::client()
            .get(a.url("/ui/envs"))
            .header("cookie", format!("kunci_session={cookie}"));
        async move {
            let answer = request.send().await.unwrap();
            answer.json::<serde_json::Value>().await.unwrap()
        }
    };
    seen_on_another_instance(
        "an environment stopped through B, in A's dashboard data",
        envs_on_a,
        |envs| envs[0]["status"] == 2,
    )
    .await;

    // Deleted on B: refused by B at its next request, by A once the change reaches it.
    api_b
        .post(
            &format!("{AUTH}/deletetokens"),
            &[("session", &session), ("password", PW), ("ids", &id)],
        )
        .await
        .ok();
    let env_info = |api: &Api| {
        let (api, live) = (api.clone(), live.clone());
        async move {
            api.get(
                &format!("{ENV}/getenvinfo"),
                &[("session", &live), ("envName", "multi-env")],
            )
            .await
        }
    };
    env_info(&api_b).await.fails(702);
    seen_on_another_instance(
        "a token deleted through B, on A",
        || env_info(&api_a),
        |r| r.result() != 0,
    )
    .await
    .fails(702);
    // Signed out on A: dead on A at once, and on B once the change reaches it.
    api_a
        .post(&format!("{AUTH}/signout"), &[("session", &session)])
        .await
        .ok();
    let check_sign = |api: &Api| {
        let (api, session) = (api.clone(), session.clone());
        async move {
            api.get(&format!("{AUTH}/checksign"), &[("session", &session)])
                .await
        }
    };
    check_sign(&api_a).await.fails(702);
    seen_on_another_instance(
        "a session signed out on A, on B",
        || check_sign(&api_b),
        |r| r.result() != 0,
    )
    .await
    .fails(702);
    a.terminate().await;
    b.terminate().await;
}

/// Changes to one environment's model from two instances at once (100 each) are applied
/// one after the other: none is lost; a domain raced by both instances is bound once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_change_one_environment_without_losing_a_change() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = ServerProcess::start(&db.url, &[]).await;
    let b = ServerProcess::start(&db.url, &[]).await;
    let (api_a, api_b) = (Api::new(&a.url("")), Api::new(&b.url("")));
    web::signed_up(&a.url(""), "model@example.com", PW).await;
    let session = api_a.signin("model@example.com", PW).await;
    api_a.create_env(&session, "shared-env").await.ok();
    api_a.create_env(&session, "other-env").await.ok();
    let add = |api: &Api, i: usize| {
        let (api, session) = (api.clone(), session.clone());
        async move {
            let vars = format!(r#"{{"V{i}":"{i}"}}"#);
            api.post(
                "/1.0/environment/control/rest/addcontainerenvvars",
                &[
                    ("session", &session),
                    ("envName", "shared-env"),
                    ("vars", &vars),
                ],
            )
            .await
        }
    };
    let calls = (0..200).map(|i| add(if i % 2 == 0 { &api_a } else { &api_b }, i));
    for r in futures::future::join_all(calls).await {
        r.ok();
    }
    let r = api_b
        .get(
            "/1.0/environment/control/rest/getcontainerenvvarsbygroup",
            &[
                ("session", &session),
                ("envName", "shared-env"),
                ("nodeGroup", "cp"),
            ],
        )
        .await;
    let vars = r.ok()["object"].as_object().unwrap().clone();
    assert_eq!(vars.len(), 200, "every change from both instances is there");

    // One domain, bound from both instances to two environments at once: exactly one wins.
    let bind = |api: &Api, env: &'static str| {
        let (api, session) = (api.clone(), session.clone());
        async move {
            api.post(
                "/1.0/environment/binder/rest/bindextdomain",
                &[
                    ("session", &session),
                    ("envName", env),
                    ("extdomain", "race.example.com"),
                ],
            )
            .await
            .result()
        }
    };
    let (x, y) = tokio::join!(bind(&api_a, "shared-env"), bind(&api_b, "other-env"));
    let mut results = [x, y];
    results.sort();
    assert_eq!(results, [0, 3]);
    a.terminate().await;
    b.terminate().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_instance_replaces_the_kept_env_info_answers_of_another() {
    // Instance B keeps its GetEnvInfo answers beside its cached models
    // (`answers::KeptAnswers`); a change made through A must reach B's answers as soon as
    // B's caches learn of it, and never turn back.
    let db = TestDb::new(Backend::Postgres).await;
    let a = ServerProcess::start(&db.url, &[]).await;
    let b = ServerProcess::start(&db.url, &[]).await;
    let (api_a, api_b) = (Api::new(&a.url("")), Api::new(&b.url("")));
    web::signed_up(&a.url(""), "kept-b@example.com", PW).await;
    let session = api_a.signin("kept-b@example.com", PW).await;
    api_a.create_env(&session, "kept-b").await.ok();
    let statuses_on_b = || {
        futures::future::join_all((0..100).map(|_| {
            let (api, session) = (api_b.clone(), session.clone());
            async move { api.status(&session, "kept-b").await }
        }))
    };
    for (change, before, after) in [("stopenv", 1, 2), ("startenv", 2, 1), ("stopenv", 1, 2)] {
        assert!(
            statuses_on_b().await.iter().all(|s| *s == before),
            "{change}"
        );
        api_a
            .get(
                &format!("{ENV}/{change}"),
                &[("session", session.as_str()), ("envName", "kept-b")],
            )
            .await
            .ok();
        let started = std::time::Instant::now();
        while api_b.status(&session, "kept-b").await != after {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(2),
                "B still answers the status before {change}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(
            statuses_on_b().await.iter().all(|s| *s == after),
            "B answered the status before {change} again"
        );
    }
    a.terminate().await;
    b.terminate().await;
}
