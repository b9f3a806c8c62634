//! environment.control over the REST API, on SQLite and PostgreSQL.

mod common;

use std::collections::HashSet;

use common::api::{Api, ENV, user_with_session};
use common::{TestDb, TestServer};
use serde_json::Value;

const PW: &str = "correct horse battery staple";

fn assert_no_nulls(v: &Value) {
    match v {
        Value::Null => panic!("a null field in the answer"),
        Value::Object(m) => m.values().for_each(assert_no_nulls),
        Value::Array(a) => a.iter().for_each(assert_no_nulls),
        _ => {}
    }
}

both_databases!(
    create_environment_answers_envinfo_per_the_contract,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "env@example.com", PW).await;
        let r = api
        .post(
            &format!("{ENV}/createenvironment"),
            &[
                ("session", session.as_str()),
                ("env", r#"{"shortdomain":"my-project","displayName":"My project","region":"default"}"#),
                ("nodes", r#"[{"nodeType":"nginx","count":1},{"nodeType":"tomcat","count":2,"fixedCloudlets":2,"flexibleCloudlets":8},{"nodeType":"docker","nodeGroup":"worker","image":"busybox","tag":"1.36"}]"#),
                ("envGroups", r#"["team-a"]"#),
                ("appid", "ignored-extra"),
                ("hx_lang", "en"),
            ],
        )
        .await;
        let body = r.ok();
        assert_no_nulls(body);
        let resp = &body["response"];
        assert_eq!(resp["result"], 0);
        let env = &resp["env"];
        assert_eq!(env["envName"], "my-project");
        assert_eq!(env["shortdomain"], "my-project");
        assert_eq!(env["displayName"], "My project");
        assert_eq!(env["domain"], "my-project.kunci.local");
        let appid = env["appid"].as_str().unwrap();
        assert!(
            appid.len() == 32 && appid.chars().all(|c| c.is_ascii_hexdigit()),
            "{appid}"
        );
        assert_eq!(env["status"], 1);
        assert!(env["createdOn"].as_str().unwrap().len() == 19);
        assert_eq!(env["uid"], env["creatorUid"]);
        assert_eq!(env["hardwareNodeGroup"], "default");
        assert_eq!(env["sslstate"], false);
        assert_eq!(env["ishaenabled"], false);
        assert_eq!(env["extdomains"], serde_json::json!([]));
        assert_eq!(env["isTransferring"], false);
        assert_eq!(resp["envGroups"], serde_json::json!(["team-a"]));
        let nodes = resp["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 4);
        let groups: HashSet<&str> = resp["nodeGroups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        for n in nodes {
            assert!(
                groups.contains(n["nodeGroup"].as_str().unwrap()),
                "every node's group is listed"
            );
            for f in [
                "id",
                "nodeType",
                "name",
                "displayName",
                "intIP",
                "url",
                "status",
                "type",
                "nodemission",
                "ismaster",
                "fixedCloudlets",
                "flexibleCloudlets",
                "diskLimit",
            ] {
                assert!(n.get(f).is_some(), "node field {f}: {n}");
            }
            assert!(n["customitem"]["dockerName"].is_string());
        }
        assert_eq!(nodes[0]["nodeGroup"], "bl");
        assert_eq!(nodes[1]["nodeGroup"], "cp");
        assert_eq!(nodes[1]["ismaster"], true);
        assert_eq!(nodes[2]["ismaster"], false);
        assert_eq!(nodes[3]["nodeGroup"], "worker");
        assert_eq!(nodes[3]["customitem"]["dockerTag"], "1.36");

        // GetEnvInfo answers the same EnvInfo at the top level; lazy leaves nodes out.
        let info = api
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", &session), ("envName", "my-project")],
            )
            .await;
        assert_eq!(info.ok()["env"], *env);
        assert_eq!(info.body["nodes"].as_array().unwrap().len(), 4);
        let lazy = api
            .get(
                &format!("{ENV}/getenvinfo"),
                &[
                    ("session", &session),
                    ("envName", "my-project"),
                    ("lazy", "True"),
                ],
            )
            .await;
        assert!(lazy.ok().get("nodes").is_none());
        assert!(lazy.body.get("nodeGroups").is_some());
    }
);

both_databases!(
    create_environment_errors_name_the_parameter_and_create_nothing,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| c.max_environments = 2).await;
        let api = Api::new(&s.url(""));
        let a = user_with_session(&s, "a@example.com", PW).await;
        let b = user_with_session(&s, "b@example.com", PW).await;
        let create = |session: &str, env: &str, nodes: &str| {
            let (api, session, env, nodes) = (
                &api,
                session.to_string(),
                env.to_string(),
                nodes.to_string(),
            );
            async move {
                api.post(
                    &format!("{ENV}/createenvironment"),
                    &[
                        ("session", session.as_str()),
                        ("env", &env),
                        ("nodes", &nodes),
                    ],
                )
                .await
            }
        };
        let nodes = r#"[{"nodeType":"nginx"}]"#;
        for (env, nodes, param) in [
            ("", nodes, "[env]"),
            ("{not json", nodes, "[env]"),
            (r#"{"shortdomain":"Bad Name"}"#, nodes, "[env]"),
            (r#"{"shortdomain":"ok-name"}"#, "", "[nodes]"),
            (r#"{"shortdomain":"ok-name"}"#, "[]", "[nodes]"),
            (
                r#"{"shortdomain":"ok-name"}"#,
                r#"[{"count":1}]"#,
                "[nodes]",
            ),
        ] {
            let r = create(&a, env, nodes).await;
            r.fails(3);
            assert!(r.error().contains(param), "{env} {nodes}: {}", r.error());
        }
        api.get(&format!("{ENV}/getenvs"), &[("session", &a)])
            .await
            .ok()["infos"]
            .as_array()
            .map(|i| assert!(i.is_empty(), "nothing was created"))
            .unwrap();

        create(&a, r#"{"shortdomain":"taken-name"}"#, nodes)
            .await
            .ok();
        create(&a, r#"{"shortdomain":"taken-name"}"#, nodes)
            .await
            .fails(2301);
        create(&b, r#"{"shortdomain":"taken-name"}"#, nodes)
            .await
            .fails(2301);
        create(&a, r#"{"shortdomain":"second-one"}"#, nodes)
            .await
            .ok();
        let over = create(&a, r#"{"shortdomain":"third-one"}"#, nodes).await;
        over.fails(2338);
        assert_eq!(
            api.get(&format!("{ENV}/getenvs"), &[("session", &a)])
                .await
                .ok()["infos"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
);

both_databases!(
    environments_are_private_to_their_owner,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let owner = user_with_session(&s, "owner@example.com", PW).await;
        let other = user_with_session(&s, "other@example.com", PW).await;
        api.create_env(&owner, "private-env").await.ok();
        let missing = api
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", &other), ("envName", "no-such-env")],
            )
            .await;
        let foreign = api
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", &other), ("envName", "private-env")],
            )
            .await;
        missing.fails(11);
        foreign.fails(11);
        assert_eq!(foreign.error(), "environment [private-env] does not exist");
        for method in [
            "stopenv",
            "startenv",
            "sleepenv",
            "restartnodes",
            "deleteenv",
        ] {
            api.post(
                &format!("{ENV}/{method}"),
                &[
                    ("session", &other),
                    ("envName", "private-env"),
                    ("password", PW),
                ],
            )
            .await
            .fails(11);
        }
        api.post(
            &format!("{ENV}/cloneenv"),
            &[
                ("session", &other),
                ("srcEnvName", "private-env"),
                ("dstEnvName", "stolen"),
            ],
        )
        .await
        .fails(11);
        assert!(
            api.get(&format!("{ENV}/getenvs"), &[("session", &other)])
                .await
                .ok()["infos"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(api.status(&owner, "private-env").await, 1, "untouched");
        api.get(&format!("{ENV}/getenvinfo"), &[("session", &owner)])
            .await
            .fails(3);
    }
);

both_databases!(
    status_transitions_follow_the_platform_rules,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "st@example.com", PW).await;
        api.create_env(&session, "lifecycle").await.ok();
        let call = |method: &str, get: bool| {
            let (api, session, method) = (&api, session.clone(), method.to_string());
            async move {
                let path = format!("{ENV}/{method}");
                let params = [("session", session.as_str()), ("envName", "lifecycle")];
                if get {
                    api.get(&path, &params).await
                } else {
                    api.post(&path, &params).await
                }
            }
        };
        call("startenv", true).await.fails(2212);
        call("stopenv", true).await.ok();
        // The new status is in place before the answer.
        assert_eq!(api.status(&session, "lifecycle").await, 2);
        let again = call("StopEnv", false).await;
        again.fails(2212);
        assert_eq!(
            again.error(),
            "Not allowed to execute this service for current Environment status [ENV_STATUS_TYPE_DOWN]. Required statuses [ENV_STATUS_TYPE_RUNNING]"
        );
        call("sleepenv", false).await.fails(2212);
        call("startenv", false).await.ok();
        assert_eq!(api.status(&session, "lifecycle").await, 1);
        call("sleepenv", true).await.ok();
        assert_eq!(api.status(&session, "lifecycle").await, 4);
        call("stopenv", true).await.fails(2212);
        call("startenv", true).await.ok();
        assert_eq!(api.status(&session, "lifecycle").await, 1);
        api.post(&format!("{ENV}/stopenv"), &[("session", &session)])
            .await
            .fails(3);
        api.post(
            &format!("{ENV}/stopenv"),
            &[("session", &session), ("envName", "nope-env")],
        )
        .await
        .fails(11);
    }
);

both_databases!(
    concurrent_status_changes_never_lose_an_update,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = std::sync::Arc::new(Api::new(&s.url("")));
        let session = user_with_session(&s, "race@example.com", PW).await;
        api.create_env(&session, "racy-env").await.ok();
        async fn burst(api: &std::sync::Arc<Api>, session: &str, methods: &[&str]) -> Vec<i64> {
            let tasks: Vec<_> = methods
                .iter()
                .map(|m| {
                    let (api, session, path) =
                        (api.clone(), session.to_string(), format!("{ENV}/{m}"));
                    tokio::spawn(async move {
                        api.post(
                            &path,
                            &[("session", session.as_str()), ("envName", "racy-env")],
                        )
                        .await
                        .result()
                    })
                })
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            results
        }
        // 16 StopEnv at once on a running environment: exactly one wins.
        let r = burst(&api, &session, &["stopenv"; 16]).await;
        assert_eq!(r.iter().filter(|&&c| c == 0).count(), 1, "{r:?}");
        assert!(r.iter().all(|&c| c == 0 || c == 2212), "{r:?}");
        assert_eq!(api.status(&session, "racy-env").await, 2);
        // 16 StartEnv at once on a stopped one: exactly one wins.
        let r = burst(&api, &session, &["startenv"; 16]).await;
        assert_eq!(r.iter().filter(|&&c| c == 0).count(), 1, "{r:?}");
        assert_eq!(api.status(&session, "racy-env").await, 1);
        // StopEnv and SleepEnv racing from running: one of them, never both.
        let mixed: Vec<&str> = (0..16)
            .map(|i| if i % 2 == 0 { "stopenv" } else { "sleepenv" })
            .collect();
        let r = burst(&api, &session, &mixed).await;
        assert_eq!(r.iter().filter(|&&c| c == 0).count(), 1, "{r:?}");
        let winner = mixed[r.iter().position(|&c| c == 0).unwrap()];
        let expected = if winner == "stopenv" { 2 } else { 4 };
        assert_eq!(api.status(&session, "racy-env").await, expected);
    }
);

both_databases!(
    restart_nodes_checks_status_and_filters,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "rs@example.com", PW).await;
        let created = api.create_env(&session, "restart-me").await;
        let node_id = created.ok()["response"]["nodes"][1]["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let path = format!("{ENV}/restartnodes");
        let p = |extra: &[(&'static str, &str)]| {
            let mut v = vec![
                ("session", session.clone()),
                ("envName", "restart-me".to_string()),
            ];
            v.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            v
        };
        let send = |params: Vec<(&'static str, String)>| {
            let (api, path) = (&api, path.clone());
            async move {
                let refs: Vec<(&str, &str)> =
                    params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                api.post(&path, &refs).await
            }
        };
        send(p(&[])).await.ok();
        send(p(&[
            ("nodeGroup", "cp"),
            ("isSequential", "true"),
            ("delay", "500"),
        ]))
        .await
        .ok();
        send(p(&[("nodeId", &node_id)])).await.ok();
        send(p(&[("nodeId", "999999")])).await.fails(3);
        send(p(&[("nodeGroup", "nosuchgroup")])).await.fails(3);
        send(p(&[("nodeId", "abc")])).await.fails(3);
        send(p(&[("delay", "-1")])).await.fails(3);
        send(p(&[("isSequential", "maybe")])).await.fails(3);
        api.post(
            &format!("{ENV}/stopenv"),
            &[("session", &session), ("envName", "restart-me")],
        )
        .await
        .ok();
        send(p(&[])).await.fails(2212);
    }
);

both_databases!(
    clone_env_copies_nodes_under_a_new_name,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "cl@example.com", PW).await;
        let src = api.create_env(&session, "source-env").await;
        let src_env = src.ok()["response"]["env"].clone();
        let clone = api
            .post(
                &format!("{ENV}/cloneenv"),
                &[
                    ("session", &session),
                    ("srcEnvName", "source-env"),
                    ("dstEnvName", "clone-env"),
                ],
            )
            .await;
        let c = clone.ok();
        assert_eq!(c["env"]["envName"], "clone-env");
        assert_ne!(c["env"]["appid"], src_env["appid"]);
        assert_eq!(c["env"]["displayName"], src_env["displayName"]);
        assert_eq!(c["nodes"].as_array().unwrap().len(), 3);
        // The platform's own misspelling is accepted too.
        api.post(
            &format!("{ENV}/cloneenv"),
            &[
                ("session", &session),
                ("srcEnvName", "source-env"),
                ("ditEnvName", "clone-two"),
            ],
        )
        .await
        .ok();
        api.post(
            &format!("{ENV}/cloneenv"),
            &[
                ("session", &session),
                ("srcEnvName", "source-env"),
                ("dstEnvName", "clone-env"),
            ],
        )
        .await
        .fails(2301);
        api.post(
            &format!("{ENV}/cloneenv"),
            &[
                ("session", &session),
                ("srcEnvName", "nope-env"),
                ("dstEnvName", "x-clone"),
            ],
        )
        .await
        .fails(11);
        api.post(
            &format!("{ENV}/cloneenv"),
            &[("session", &session), ("srcEnvName", "source-env")],
        )
        .await
        .fails(3);
        api.post(
            &format!("{ENV}/sleepenv"),
            &[("session", &session), ("envName", "source-env")],
        )
        .await
        .ok();
        api.post(
            &format!("{ENV}/cloneenv"),
            &[
                ("session", &session),
                ("srcEnvName", "source-env"),
                ("dstEnvName", "sleepy-clone"),
            ],
        )
        .await
        .fails(2212);
        assert_eq!(
            api.get(&format!("{ENV}/getenvs"), &[("session", &session)])
                .await
                .ok()["infos"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
);

both_databases!(
    delete_env_with_a_session_needs_the_password,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "del@example.com", PW).await;
        api.create_env(&session, "doomed-env").await.ok();
        let path = format!("{ENV}/deleteenv");
        api.post(&path, &[("session", &session), ("envName", "doomed-env")])
            .await
            .fails(3);
        api.post(
            &path,
            &[
                ("session", &session),
                ("envName", "doomed-env"),
                ("password", "not my password"),
            ],
        )
        .await
        .fails(801);
        assert_eq!(
            api.status(&session, "doomed-env").await,
            1,
            "a wrong password changes nothing"
        );
        api.post(
            &path,
            &[
                ("session", &session),
                ("envName", "doomed-env"),
                ("password", PW),
            ],
        )
        .await
        .ok();
        api.get(
            &format!("{ENV}/getenvinfo"),
            &[("session", &session), ("envName", "doomed-env")],
        )
        .await
        .fails(11);
        api.post(
            &path,
            &[
                ("session", &session),
                ("envName", "doomed-env"),
                ("password", PW),
            ],
        )
        .await
        .fails(11);
    }
);

both_databases!(transport_rules_of_the_contract, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "tr@example.com", PW).await;
    api.create_env(&session, "wire-env").await.ok();
    // GET, POST form, POST with the query string, any case, Bearer.
    let variants = [
        api.get(
            "/1.0/environment/control/rest/getenvinfo",
            &[("session", &session), ("envName", "wire-env")],
        )
        .await,
        api.post(
            "/1.0/Environment/Control/REST/GetEnvInfo",
            &[("SESSION", &session), ("ENVNAME", "wire-env")],
        )
        .await,
        api.post_query(
            "/1.0/environment/control/rest/GETENVINFO",
            &[("session", &session), ("envname", "wire-env")],
        )
        .await,
        api.bearer(
            "/1.0/environment/control/rest/getenvinfo",
            &session,
            &[("envName", "wire-env")],
        )
        .await,
    ];
    for v in &variants {
        assert_eq!(v.ok()["env"]["envName"], "wire-env");
        assert_eq!(v.status, 200);
    }
    // Responses are UTF-8 JSON and never cached.
    let res = api
        .client()
        .get(api.url(&format!("{ENV}/getenvs?session={session}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");

    // Only a path naming no method is 404, with the envelope.
    let unknown = api
        .get(
            "/1.0/environment/control/rest/nosuchmethod",
            &[("session", &session)],
        )
        .await;
    assert_eq!((unknown.status, unknown.result()), (404, 1702));
    let not_implemented = api
        .get(
            "/1.0/environment/control/rest/addnode",
            &[("session", &session)],
        )
        .await;
    assert_eq!(
        (not_implemented.status, not_implemented.result()),
        (404, 1702)
    );
    assert!(not_implemented.error().contains("env.control.AddNode"));
    // An API error is HTTP 200.
    let err = api
        .get(
            &format!("{ENV}/getenvinfo"),
            &[("session", &session), ("envName", "nope-env")],
        )
        .await;
    assert_eq!((err.status, err.result()), (200, 11));

    // Request bodies are limited to 1 MiB.
    let big = "x".repeat((1 << 20) + 10);
    let too_big = api
        .raw(
            api.client()
                .post(api.url(&format!("{ENV}/getenvs")))
                .body(format!("session={session}&pad={big}")),
        )
        .await;
    assert_eq!((too_big.status, too_big.result()), (413, 3));
    // Wrong content types are refused with the envelope.
    let multipart = api
        .raw(
            api.client()
                .post(api.url(&format!("{ENV}/getenvs")))
                .header("content-type", "multipart/form-data; boundary=x")
                .body("--x--"),
        )
        .await;
    assert_eq!((multipart.status, multipart.result()), (415, 3));
    // A JSON object body works too (an extension).
    let json = api
        .raw(
            api.client()
                .post(api.url(&format!("{ENV}/getenvinfo")))
                .json(&serde_json::json!({"session": session, "envName": "wire-env"})),
        )
        .await;
    assert_eq!(json.ok()["env"]["envName"], "wire-env");
    // Methods other than GET and POST.
    let put = api
        .raw(api.client().put(api.url(&format!("{ENV}/getenvs"))))
        .await;
    assert_eq!((put.status, put.result()), (405, 3));
});

/// GetEnvInfo on `name`, with or without `lazy`: (environment status, node statuses;
/// `None` when the answer has no nodes).
async fn env_statuses(api: &Api, session: &str, name: &str, lazy: bool) -> (i64, Option<Vec<i64>>) {
    let lazy = if lazy { "true" } else { "false" };
    let r = api
        .get(
            &format!("{ENV}/getenvinfo"),
            &[("session", session), ("envName", name), ("lazy", lazy)],
        )
        .await;
    let body = r.ok();
    let nodes = body.get("nodes").map(|nodes| {
        nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["status"].as_i64().unwrap())
            .collect()
    });
    (body["env"]["status"].as_i64().unwrap(), nodes)
}

both_databases!(
    env_info_answers_each_change_at_once_under_a_burst,
    |db: TestDb| async move {
        // GetEnvInfo's answers are kept beside the cached model each was written from
        // (`answers::KeptAnswers`): a change must show in the very next answer, with and
        // without `lazy`, however many answers were kept before it.
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "kept@example.com", PW).await;
        api.create_env(&session, "kept-env").await.ok();
        let burst = |round: usize| {
            futures::future::join_all((0..120).map(|i| {
                let (api, session) = (api.clone(), session.clone());
                async move {
                    let lazy = (i + round).is_multiple_of(2);
                    (lazy, env_statuses(&api, &session, "kept-env", lazy).await)
                }
            }))
        };
        for round in 0..6_usize {
            let (status, node_status) = if round.is_multiple_of(2) {
                (1, 1)
            } else {
                (2, 2)
            };
            for (lazy, (env, nodes)) in burst(round).await {
                assert_eq!(env, status, "round {round}, lazy {lazy}");
                match nodes {
                    None => assert!(lazy, "round {round}: a full answer without nodes"),
                    Some(nodes) => {
                        assert!(!lazy, "round {round}: a lazy answer with nodes");
                        assert_eq!(nodes, vec![node_status; 3], "round {round}");
                    }
                }
            }
            let change = if round.is_multiple_of(2) {
                "stopenv"
            } else {
                "startenv"
            };
            // Readers keep asking while the change is made: each answer is the old
            // status or the new one, never anything else.
            let path = format!("{ENV}/{change}");
            let params = [("session", session.as_str()), ("envName", "kept-env")];
            let (during, changed) = tokio::join!(burst(round + 1), api.get(&path, &params));
            changed.ok();
            for (_, (env, _)) in during {
                assert!(env == 1 || env == 2, "round {round}: status {env}");
            }
            let next = if round.is_multiple_of(2) { 2 } else { 1 };
            for lazy in [false, true] {
                let (env, _) = env_statuses(&api, &session, "kept-env", lazy).await;
                assert_eq!(env, next, "round {round}: the answer right after {change}");
            }
        }
    }
);
