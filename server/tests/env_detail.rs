//! The dashboard's environment detail: its live endpoint answers the whole model to the
//! owner only, and its variable editor applies the API's rules to every node of a group.

mod common;

use common::api::{Api, ENV};
use common::{TestDb, TestServer, web};
use serde_json::Value;

const PW: &str = "correct horse battery staple";

/// GET with the session cookie (or none): status and JSON body.
async fn get(s: &TestServer, path: &str, cookie: Option<&str>) -> (u16, Value) {
    let mut req = common::client().get(s.url(path));
    if let Some(c) = cookie {
        req = req.header("cookie", format!("kunci_session={c}"));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The variables GetContainerEnvVarsByGroup answers for `group`.
async fn group_vars(api: &Api, session: &str, env: &str, group: &str) -> Value {
    api.get(
        &format!("{ENV}/getcontainerenvvarsbygroup"),
        &[("session", session), ("envName", env), ("nodeGroup", group)],
    )
    .await
    .ok()["object"]
        .clone()
}

/// The variables of one node (GetContainerEnvVars).
async fn node_vars(api: &Api, session: &str, env: &str, node: i64) -> Value {
    api.get(
        &format!("{ENV}/getcontainerenvvars"),
        &[
            ("session", session),
            ("envName", env),
            ("nodeId", &node.to_string()),
        ],
    )
    .await
    .ok()["object"]
        .clone()
}

both_databases!(
    detail_endpoint_answers_the_model_to_its_owner_only,
    |db: TestDb| async move {
        // Open: a second account signs up to be refused the owner's model.
        let s = TestServer::start_with(&db, |c| c.signup = kunci_core::config::Signup::Open).await;
        let base = s.url("");
        let owner = web::signed_up(&base, "owner@example.com", PW).await;
        let api = Api::new(&base);
        let session = api.signin("owner@example.com", PW).await;
        api.create_env(&session, "detail-env").await.ok();
        api.post(
            &format!("{ENV}/addcontainerenvvars"),
            &[
                ("session", &session),
                ("envName", "detail-env"),
                ("nodeGroup", "cp"),
                ("vars", r#"{"FROM_API":"1"}"#),
            ],
        )
        .await
        .ok();
        api.get(
            &format!("{ENV}/setenvgroup"),
            &[
                ("session", &session),
                ("envName", "detail-env"),
                ("envGroup", "prod"),
            ],
        )
        .await
        .ok();

        let (status, env) = get(&s, "/ui/envs/detail-env", Some(&owner)).await;
        assert_eq!(status, 200, "{env}");
        assert_eq!(env["name"], "detail-env");
        assert_eq!(env["display_name"], "Env detail-env");
        assert_eq!(env["status"], 1);
        assert_eq!(env["groups"], serde_json::json!(["prod"]));
        let groups = env["node_groups"].as_array().unwrap();
        let cp = groups.iter().find(|g| g["name"] == "cp").expect("cp group");
        assert_eq!(cp["vars"]["FROM_API"], "1");
        let nodes = cp["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(
            nodes.iter().filter(|n| n["is_master"] == true).count(),
            1,
            "one master per group: {cp}"
        );
        assert!(nodes[0]["image"].as_str().unwrap().contains(':'));
        assert!(nodes[0]["disk_mb"].as_i64().unwrap() > 0);
        assert!(groups.iter().any(|g| g["name"] == "bl"));

        // The list carries the groups it is filtered by.
        let (_, list) = get(&s, "/ui/envs", Some(&owner)).await;
        assert_eq!(list[0]["groups"], serde_json::json!(["prod"]));

        // Nobody else sees it, and the answer is the one for a missing environment.
        let (status, _) = get(&s, "/ui/envs/detail-env", None).await;
        assert_eq!(status, 401);
        let stranger = web::signed_up(&base, "stranger@example.com", PW).await;
        let (status, refused) = get(&s, "/ui/envs/detail-env", Some(&stranger)).await;
        assert_eq!(status, 404, "{refused}");
        assert_eq!(
            web::error(&refused),
            app::AppError::EnvNotFound("detail-env".into())
        );
        let (status, missing) = get(&s, "/ui/envs/no-such-env", Some(&owner)).await;
        assert_eq!(
            (status, web::error(&missing)),
            (404, app::AppError::EnvNotFound("no-such-env".into()))
        );

        // The server-rendered page: the owner's, with its parts; a stranger's without them.
        let page = |cookie: Option<String>| {
            let mut req = common::client()
                .get(s.url("/envs/detail-env"))
                .header("accept", "text/html");
            if let Some(c) = cookie {
                req = req.header("cookie", format!("kunci_session={c}"));
            }
            async move { req.send().await.unwrap() }
        };
        let html = page(Some(owner.clone())).await.text().await.unwrap();
        for needle in [
            "Env detail-env",
            "FROM_API",
            "data-group=\"cp\"",
            "prod",
            "Mount points",
        ] {
            assert!(html.contains(needle), "{needle} missing from the page");
        }
        let html = page(Some(stranger)).await.text().await.unwrap();
        assert!(html.contains("does not exist") && !html.contains("FROM_API"));
        let anonymous = page(None).await;
        assert_eq!(anonymous.status(), 302);
        assert_eq!(anonymous.headers()["location"], "/signin");
    }
);

both_databases!(
    variable_changes_apply_the_api_rules_to_every_node_of_the_group,
    |db: TestDb| async move {
        // Open: more than the first account signs up.
        let s = TestServer::start_with(&db, |c| c.signup = kunci_core::config::Signup::Open).await;
        let base = s.url("");
        let owner = web::signed_up(&base, "vars@example.com", PW).await;
        let api = Api::new(&base);
        let session = api.signin("vars@example.com", PW).await;
        api.create_env(&session, "vars-env").await.ok();
        let save = |cookie: String, form: Vec<(&'static str, &'static str)>| {
            let base = base.clone();
            async move {
                let mut form = form;
                form.extend([("env", "vars-env"), ("node_group", "cp")]);
                web::call(&base, "/api/envs/save_var", Some(&cookie), &form).await
            }
        };

        let saved = save(owner.clone(), vec![("var", "GREETING"), ("value", "hello")]).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert_eq!(
            group_vars(&api, &session, "vars-env", "cp").await,
            serde_json::json!({"GREETING": "hello"})
        );
        let (_, env) = get(&s, "/ui/envs/vars-env", Some(&owner)).await;
        let cp = env["node_groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "cp")
            .unwrap()
            .clone();
        for node in cp["nodes"].as_array().unwrap() {
            let id = node["id"].as_i64().unwrap();
            assert_eq!(
                node_vars(&api, &session, "vars-env", id).await["GREETING"],
                "hello",
                "every node of the group"
            );
        }
        assert_eq!(
            group_vars(&api, &session, "vars-env", "bl").await,
            serde_json::json!({}),
            "no other group"
        );

        // The API's rules, each naming the field it is about; nothing changes.
        let bad = save(owner.clone(), vec![("var", "1BAD"), ("value", "x")]).await;
        assert_eq!(bad.status, 400);
        assert_eq!(web::invalid_name(&bad.body), "name", "{}", bad.body);
        let nul = save(owner.clone(), vec![("var", "OK"), ("value", "a\0b")]).await;
        assert_eq!(nul.status, 400);
        assert_eq!(web::invalid_name(&nul.body), "value", "{}", nul.body);
        let huge: &'static str = Box::leak("x".repeat(70 * 1024).into_boxed_str());
        let big = save(owner.clone(), vec![("var", "BIG"), ("value", huge)]).await;
        assert_eq!(big.status, 400, "{}", big.body);
        assert_eq!(
            group_vars(&api, &session, "vars-env", "cp").await,
            serde_json::json!({"GREETING": "hello"})
        );

        // A rename is one change: the old name goes, the new one comes.
        let renamed = save(
            owner.clone(),
            vec![("was", "GREETING"), ("var", "HELLO"), ("value", "world")],
        )
        .await;
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(
            group_vars(&api, &session, "vars-env", "cp").await,
            serde_json::json!({"HELLO": "world"})
        );

        // Another account can neither change nor remove it.
        let stranger = web::signed_up(&base, "other@example.com", PW).await;
        let refused = save(stranger.clone(), vec![("var", "EVIL"), ("value", "1")]).await;
        assert_eq!(refused.status, 404, "{}", refused.body);
        let remove = |cookie: String| {
            let base = base.clone();
            async move {
                web::call(
                    &base,
                    "/api/envs/remove_var",
                    Some(&cookie),
                    &[("env", "vars-env"), ("node_group", "cp"), ("var", "HELLO")],
                )
                .await
            }
        };
        assert_eq!(remove(stranger).await.status, 404);
        assert_eq!(
            group_vars(&api, &session, "vars-env", "cp").await,
            serde_json::json!({"HELLO": "world"})
        );

        let removed = remove(owner.clone()).await;
        assert_eq!(removed.status, 200, "{}", removed.body);
        assert_eq!(
            group_vars(&api, &session, "vars-env", "cp").await,
            serde_json::json!({})
        );
    }
);

both_databases!(
    the_server_rendered_page_is_whole_under_a_burst,
    |db: TestDb| async move {
        // Server rendering may finish a page on another thread than it began on; a value
        // the page kept in thread-local storage then panicked when dropped, and the
        // stream was cut short (1 page in 10 or so). A burst makes that near certain.
        let s = TestServer::start(&db).await;
        let owner = owner_of_env(&s, "burst-env").await;
        let bodies =
            futures::future::join_all((0..120).map(|_| page(&s, "burst-env", &owner))).await;
        let (whole, failed) = whole_pages(&bodies, "burst-env");
        assert_eq!(whole, 120, "pages cut short or wrong: {failed:?}");
    }
);

both_databases!(
    pages_stay_whole_while_other_servers_of_the_process_start,
    |db: TestDb| async move {
        // Starting a server generates the dashboard's route list, which Leptos does with
        // every resource held back by a flag of the whole process: a page another server
        // rendered in that moment waited for ever (the test suites start many servers in
        // one process). The list is now generated once per process.
        let s = TestServer::start(&db).await;
        let owner = owner_of_env(&s, "starts-env").await;
        let starting = std::sync::atomic::AtomicBool::new(true);
        let others = async {
            let mut started = Vec::new();
            for _ in 0..8 {
                let other = TestDb::new(common::Backend::Sqlite).await;
                started.push((TestServer::start(&other).await, other));
            }
            starting.store(false, std::sync::atomic::Ordering::Relaxed);
            started
        };
        // Waves of twelve pages, at least ten and until the last start, so that renders
        // begin all through the starts.
        let pages = async {
            let mut bodies = Vec::new();
            while bodies.len() < 120 || starting.load(std::sync::atomic::Ordering::Relaxed) {
                let wave = (0..12).map(|_| tokio::spawn(page(&s, "starts-env", &owner)));
                for b in futures::future::join_all(wave).await {
                    bodies.push(b.expect("page task"));
                }
            }
            bodies
        };
        let (started, bodies) = tokio::join!(others, pages);
        let (whole, failed) = whole_pages(&bodies, "starts-env");
        assert_eq!(whole, bodies.len(), "pages cut short or hung: {failed:?}");
        for (other, _db) in started {
            other.stop().await;
        }
        s.stop().await;
    }
);

/// Signs up an owner (returning the session cookie's value) and creates environment `env`.
async fn owner_of_env(s: &TestServer, env: &str) -> String {
    let base = s.url("");
    let login = format!("{env}@example.com");
    let owner = web::signed_up(&base, &login, PW).await;
    let api = Api::new(&base);
    let session = api.signin(&login, PW).await;
    api.create_env(&session, env).await.ok();
    owner
}

/// The page of environment `env` as `owner` sees it; a failure names its cause (timed
/// out, reset, body cut) and when it came.
fn page(
    s: &TestServer,
    env: &str,
    owner: &str,
) -> impl std::future::Future<Output = Result<String, String>> + Send + 'static {
    let req = common::client()
        .get(s.url(&format!("/envs/{env}")))
        .header("accept", "text/html")
        .header("cookie", format!("kunci_session={owner}"));
    async move {
        let began = std::time::Instant::now();
        let failed = |e: reqwest::Error| format!("{e:?} after {:?}", began.elapsed());
        req.send()
            .await
            .map_err(failed)?
            .text()
            .await
            .map_err(failed)
    }
}

/// How many of `bodies` are the whole page of `env`, and the first failures.
fn whole_pages<'a>(bodies: &'a [Result<String, String>], env: &str) -> (usize, Vec<&'a String>) {
    let title = format!("Env {env}");
    let whole = bodies
        .iter()
        .filter(|b| matches!(b, Ok(html) if html.contains(&title) && html.contains("</html>")))
        .count();
    let failed = bodies
        .iter()
        .filter_map(|b| b.as_ref().err())
        .take(3)
        .collect();
    (whole, failed)
}
