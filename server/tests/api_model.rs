//! The platform model over REST (the methods of platform-api-clients.md): variables,
//! cloudlets, topology, volumes, groups, mount points, domains, node groups, tags, on
//! SQLite and PostgreSQL, through the real server over HTTP.

mod common;

use common::api::{AUTH, Api, user_with_session};
use common::{TestDb, TestServer};
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";

fn path(service_class: &str, method: &str) -> String {
    format!("/1.0/environment/{service_class}/rest/{method}")
}

/// Calls `class/method` with `session` and `params`.
async fn call(
    api: &Api,
    class: &str,
    method: &str,
    session: &str,
    params: &[(&str, &str)],
) -> common::api::Reply {
    let mut all = vec![("session", session)];
    all.extend_from_slice(params);
    api.post(&path(class, method), &all).await
}

/// `shop`: bl (nginx), cp (two tomcat), sqldb (mysql).
async fn shop(api: &Api, session: &str) -> Value {
    let r = api
        .post(
            &path("control", "createenvironment"),
            &[
                ("session", session),
                ("env", r#"{"shortdomain":"shop","displayName":"Shop"}"#),
                (
                    "nodes",
                    r#"[{"nodeType":"nginx"},{"nodeType":"tomcat","count":2,"env":{"MODE":"prod"}},{"nodeType":"mysql"}]"#,
                ),
            ],
        )
        .await;
    r.ok()["response"].clone()
}

async fn info(api: &Api, session: &str, env: &str) -> Value {
    call(api, "control", "getenvinfo", session, &[("envName", env)])
        .await
        .ok()
        .clone()
}

/// Node ids of `group` in `info`, master first.
fn ids(info: &Value, group: &str) -> Vec<i64> {
    let mut nodes: Vec<&Value> = info["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["nodeGroup"] == group)
        .collect();
    nodes.sort_by_key(|n| (!n["ismaster"].as_bool().unwrap(), n["id"].as_i64().unwrap()));
    nodes.iter().map(|n| n["id"].as_i64().unwrap()).collect()
}

fn node(info: &Value, id: i64) -> &Value {
    info["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap()
}

/// Everything a change could touch, to prove a refused call changed nothing.
async fn snapshot(api: &Api, session: &str) -> Value {
    let mut all = Vec::new();
    for env in ["shop", "store"] {
        let i = call(api, "control", "getenvinfo", session, &[("envName", env)]).await;
        let mut body = i.body.clone();
        if let Some(nodes) = body["nodes"].as_array() {
            let mut vars = Vec::new();
            for n in nodes {
                let id = n["id"].to_string();
                let v = call(
                    api,
                    "control",
                    "getcontainerenvvars",
                    session,
                    &[("envName", env), ("nodeId", &id)],
                )
                .await;
                vars.push(v.body["object"].clone());
            }
            body["vars"] = Value::Array(vars);
        }
        let m = call(api, "file", "getmountpoints", session, &[("envName", env)]).await;
        body["mounts"] = m.body["array"].clone();
        let g = call(
            api,
            "control",
            "getnodegroups",
            session,
            &[("envName", env)],
        )
        .await;
        body["groupsData"] = g.body["object"].clone();
        all.push(body);
    }
    let g = call(api, "group", "getgroups", session, &[]).await;
    all.push(g.body["array"].clone());
    Value::Array(all)
}

both_databases!(
    variables_are_read_written_and_chosen_by_node_or_group,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "vars@example.com", PW).await;
        let created = shop(&api, &sess).await;
        let cp = ids(&created, "cp");
        let sql = ids(&created, "sqldb")[0];
        let e = ("envName", "shop");
        // CreateEnvironment's `env` variables are the group's.
        let r = call(
            &api,
            "control",
            "getcontainerenvvarsbygroup",
            &sess,
            &[e, ("nodeGroup", "cp")],
        )
        .await;
        assert_eq!(r.ok()["object"], json!({"MODE": "prod"}));
        // Added to every node when neither nodeId nor nodeGroup is given (empty values
        // are absent); numbers and booleans become text; non-ASCII is kept.
        call(
            &api,
            "control",
            "addcontainerenvvars",
            &sess,
            &[
                e,
                (
                    "vars",
                    r#"{"DB_HOST":"sqldb","PORT":5432,"DEBUG":false,"GREETING":"Halo dunia ✓"}"#,
                ),
                ("nodeGroup", ""),
                ("nodeId", ""),
            ],
        )
        .await
        .ok();
        for id in cp.iter().chain([&sql]) {
            let r = call(
                &api,
                "control",
                "getcontainerenvvars",
                &sess,
                &[e, ("nodeId", &id.to_string())],
            )
            .await;
            let vars = &r.ok()["object"];
            assert_eq!(vars["DB_HOST"], "sqldb");
            assert_eq!(vars["PORT"], "5432");
            assert_eq!(vars["DEBUG"], "false");
            assert_eq!(vars["GREETING"], "Halo dunia ✓");
        }
        // nodeId wins over nodeGroup; a Python-literal dict is read as JSON.
        let one = cp[1].to_string();
        call(
            &api,
            "control",
            "addcontainerenvvars",
            &sess,
            &[
                e,
                ("vars", "{'ONLY': 'second'}"),
                ("nodeId", &one),
                ("nodeGroup", "sqldb"),
            ],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "getcontainerenvvars",
            &sess,
            &[e, ("nodeid", &one)],
        )
        .await;
        assert_eq!(r.ok()["object"]["ONLY"], "second");
        let r = call(
            &api,
            "control",
            "getcontainerenvvars",
            &sess,
            &[e, ("nodeId", &sql.to_string())],
        )
        .await;
        assert!(r.ok()["object"].get("ONLY").is_none());
        // Set replaces one node's; SetByGroup (parameter `data`) replaces the group's.
        call(
            &api,
            "control",
            "setcontainerenvvars",
            &sess,
            &[e, ("nodeId", &one), ("vars", r#"{"A":"1"}"#)],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "getcontainerenvvars",
            &sess,
            &[e, ("nodeId", &one)],
        )
        .await;
        assert_eq!(r.ok()["object"], json!({"A": "1"}));
        call(
            &api,
            "control",
            "setcontainerenvvarsbygroup",
            &sess,
            &[e, ("nodeGroup", "cp"), ("data", r#"{"B":"2","C":"3"}"#)],
        )
        .await
        .ok();
        for id in &cp {
            let r = call(
                &api,
                "control",
                "getcontainerenvvars",
                &sess,
                &[e, ("nodeId", &id.to_string())],
            )
            .await;
            assert_eq!(r.ok()["object"], json!({"B": "2", "C": "3"}));
        }
        // Remove skips names a node lacks.
        call(
            &api,
            "control",
            "removecontainerenvvars",
            &sess,
            &[e, ("vars", r#"["B","NOPE"]"#), ("nodeGroup", "cp")],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "getcontainerenvvarsbygroup",
            &sess,
            &[e, ("nodeGroup", "cp")],
        )
        .await;
        assert_eq!(r.ok()["object"], json!({"C": "3"}));
        // `{}` clears.
        call(
            &api,
            "control",
            "setcontainerenvvars",
            &sess,
            &[e, ("nodeId", &one), ("vars", "{}")],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "getcontainerenvvars",
            &sess,
            &[e, ("nodeId", &one)],
        )
        .await;
        assert_eq!(r.ok()["object"], json!({}));
        s.stop().await;
    }
);

both_databases!(
    a_burst_of_parallel_changes_loses_none,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "burst@example.com", PW).await;
        let created = shop(&api, &sess).await;
        let master = ids(&created, "cp")[0].to_string();
        let calls = (0..120).map(|i| {
            let api = api.clone();
            let sess = sess.clone();
            async move {
                let vars = format!(r#"{{"V{i}":"{i}"}}"#);
                call(
                    &api,
                    "control",
                    "addcontainerenvvars",
                    &sess,
                    &[("envName", "shop"), ("vars", &vars), ("nodeGroup", "cp")],
                )
                .await
            }
        });
        for r in futures::future::join_all(calls).await {
            r.ok();
        }
        let r = call(
            &api,
            "control",
            "getcontainerenvvars",
            &sess,
            &[("envName", "shop"), ("nodeId", &master)],
        )
        .await;
        let vars = r.ok()["object"].as_object().unwrap().clone();
        for i in 0..120 {
            assert_eq!(vars[&format!("V{i}")], i.to_string(), "V{i} was lost");
        }
        s.stop().await;
    }
);

both_databases!(cloudlets_topology_and_links, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let sess = user_with_session(&s, "topo@example.com", PW).await;
    let created = shop(&api, &sess).await;
    let cp = ids(&created, "cp");
    let e = ("envName", "shop");
    call(
        &api,
        "control",
        "setcloudletscountbygroup",
        &sess,
        &[
            e,
            ("nodeGroup", "cp"),
            ("fixedCloudlets", "2"),
            ("flexibleCloudlets", "10"),
            ("delay", "0"),
        ],
    )
    .await
    .ok();
    call(
        &api,
        "control",
        "setcloudletscountbyid",
        &sess,
        &[
            e,
            ("nodeid", &cp[1].to_string()),
            ("fixedCloudlets", "3"),
            ("flexibleCloudlets", "12"),
            ("count", "1"),
        ],
    )
    .await
    .ok();
    let i = info(&api, &sess, "shop").await;
    assert_eq!(
        (
            node(&i, cp[0])["fixedCloudlets"].as_i64(),
            node(&i, cp[0])["flexibleCloudlets"].as_i64()
        ),
        (Some(2), Some(10))
    );
    assert_eq!(
        (
            node(&i, cp[1])["fixedCloudlets"].as_i64(),
            node(&i, cp[1])["flexibleCloudlets"].as_i64()
        ),
        (Some(3), Some(12))
    );

    // The whole topology: cp grows to 3 and links to sqldb as DB, a docker worker
    // group appears, bl is left out (removed).
    let nodes = json!([
        {"nodeGroup": "cp", "nodeType": "tomcat", "count": 3, "fixedCloudlets": 1, "flexibleCloudlets": 8,
         "displayName": "App servers", "links": ["sqldb:DB"], "diskLimit": "20G"},
        {"nodeGroup": "sqldb", "nodeType": "mysql", "count": 1, "fixedCloudlets": 2, "flexibleCloudlets": 16},
        {"docker": {"image": "shop/worker:1.4.2", "nodeGroup": "worker", "env": {"QUEUE": "jobs"}}, "count": 2,
         "isSLBAccessEnabled": false}
    ]);
    let r = call(
        &api,
        "control",
        "changetopology",
        &sess,
        &[
            e,
            (
                "env",
                r#"{"shortdomain":"shop","displayName":"Shop 2","sslstate":true}"#,
            ),
            ("nodes", &nodes.to_string()),
            ("actionkey", "x"),
        ],
    )
    .await;
    let resp = &r.ok()["response"];
    assert_eq!(resp["result"], 0);
    assert_eq!(resp["env"]["displayName"], "Shop 2");
    assert_eq!(resp["env"]["sslstate"], true);
    let after_cp = ids(resp, "cp");
    assert_eq!(after_cp.len(), 3);
    assert_eq!(after_cp[0], cp[0], "the master stays");
    assert!(ids(resp, "bl").is_empty(), "bl was left out and removed");
    let sql_master = ids(resp, "sqldb")[0];
    for id in &after_cp {
        let n = node(resp, *id);
        assert_eq!(n["diskLimit"], 20 * 1024);
        assert_eq!(n["displayName"], "App servers");
        assert!(
            n["customitem"]["dockerLinks"]
                .as_array()
                .unwrap()
                .contains(&json!({"sourceNodeId": sql_master, "alias": "DB", "type": "IN"})),
            "{n}"
        );
    }
    // The new cp node copied the group's variables.
    let newest = after_cp[2].to_string();
    let r = call(
        &api,
        "control",
        "getcontainerenvvars",
        &sess,
        &[e, ("nodeId", &newest)],
    )
    .await;
    assert_eq!(r.ok()["object"], json!({"MODE": "prod"}));
    let workers = ids(resp, "worker");
    assert_eq!(workers.len(), 2);
    let w = node(resp, workers[0]);
    assert_eq!(w["nodeType"], "docker");
    assert_eq!(w["name"], "shop/worker");
    assert_eq!(w["version"], "1.4.2");
    assert_eq!(w["customitem"]["dockerTag"], "1.4.2");
    let groups = resp["nodeGroups"].as_array().unwrap();
    let worker = groups.iter().find(|g| g["name"] == "worker").unwrap();
    assert_eq!(worker["isSLBAccessEnabled"], false);
    let cpg = groups.iter().find(|g| g["name"] == "cp").unwrap();
    assert_eq!(cpg["displayName"], "App servers");
    // Read back through GetEnvInfo too.
    assert_eq!(info(&api, &sess, "shop").await["nodes"], resp["nodes"]);

    // Refusals change nothing.
    let before = snapshot(&api, &sess).await;
    for (params, param) in [
        (vec![("env", "{}"), ("nodes", "[]")], "nodes"),
        (
            vec![
                ("env", r#"{"shortdomain":"other"}"#),
                ("nodes", r#"[{"nodeType":"tomcat"}]"#),
            ],
            "env",
        ),
        (
            vec![
                ("env", r#"{"region":"mars"}"#),
                ("nodes", r#"[{"nodeType":"tomcat"}]"#),
            ],
            "env",
        ),
        (
            vec![
                ("env", "{}"),
                ("nodes", r#"[{"nodeType":"tomcat","count":17}]"#),
            ],
            "nodes",
        ),
        (
            vec![
                ("env", "{}"),
                (
                    "nodes",
                    r#"[{"nodeType":"tomcat","nodeGroup":"cp"},{"nodeType":"tomcat","nodeGroup":"cp"}]"#,
                ),
            ],
            "nodes",
        ),
        (
            vec![
                ("env", "{}"),
                ("nodes", r#"[{"nodeType":"tomcat","links":["nosuch:X"]}]"#),
            ],
            "nodes",
        ),
        (
            vec![
                ("env", "{}"),
                ("nodes", r#"[{"nodeType":"tomcat","diskLimit":"5Q"}]"#),
            ],
            "nodes",
        ),
        (
            vec![("env", "[1]"), ("nodes", r#"[{"nodeType":"tomcat"}]"#)],
            "env",
        ),
    ] {
        let mut all = vec![e];
        all.extend(params);
        let r = call(&api, "control", "changetopology", &sess, &all).await;
        r.fails(3);
        assert!(r.error().contains(&format!("[{param}]")), "{}", r.body);
    }
    assert_eq!(snapshot(&api, &sess).await, before);
    s.stop().await;
});

both_databases!(
    volumes_mounts_domains_groups_and_node_groups,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "model@example.com", PW).await;
        let created = shop(&api, &sess).await;
        api.create_env(&sess, "store").await.ok();
        let store = info(&api, &sess, "store").await;
        let storage_node = ids(&store, "cp")[0];
        let cp = ids(&created, "cp");
        let e = ("envName", "shop");

        // Volumes: added to the group, read back through the master, removed.
        let r = call(
            &api,
            "control",
            "addcontainervolumes",
            &sess,
            &[
                e,
                ("volumes", r#"["/data","/var/log/app/","/data"]"#),
                ("nodeGroup", "cp"),
            ],
        )
        .await;
        let changed: Vec<i64> = r.ok()["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["nodeId"].as_i64().unwrap())
            .collect();
        assert_eq!(changed.len(), 2);
        assert!(cp.iter().all(|id| changed.contains(id)));
        let r = call(
            &api,
            "control",
            "getcontainervolumesbygroup",
            &sess,
            &[e, ("nodeGroup", "cp")],
        )
        .await;
        assert_eq!(r.ok()["object"], json!(["/data", "/var/log/app"]));

        // A mount from a node of another environment of the account.
        let src = storage_node.to_string();
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("path", "/mnt/shared"),
                ("sourcePath", "/data"),
                ("sourceNodeId", &src),
                ("readOnly", "true"),
            ],
        )
        .await
        .ok();
        let r = call(
            &api,
            "file",
            "getmountpoints",
            &sess,
            &[e, ("nodeGroup", "cp")],
        )
        .await;
        let mounts = r.ok()["array"].as_array().unwrap().clone();
        assert_eq!(mounts.len(), 2, "one per node of the group");
        assert_eq!(mounts[0]["path"], "/mnt/shared");
        assert_eq!(mounts[0]["sourceNodeId"], storage_node);
        assert_eq!(mounts[0]["sourcePath"], "/data");
        assert_eq!(mounts[0]["readOnly"], true);
        assert_eq!(mounts[0]["name"], "shared");
        assert_eq!(mounts[0]["protocol"], "NFS");
        let r = call(
            &api,
            "control",
            "getcontainervolumesbygroup",
            &sess,
            &[e, ("nodeGroup", "cp")],
        )
        .await;
        assert_eq!(
            r.ok()["object"],
            json!(["/data", "/var/log/app", "/mnt/shared"])
        );
        // The same path twice, a cross mount, a source of another account: refused.
        let before = snapshot(&api, &sess).await;
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("path", "/mnt/shared"),
                ("sourcePath", "/x"),
                ("sourceHost", "10.1.2.3"),
            ],
        )
        .await
        .fails(3);
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                ("envName", "store"),
                ("nodeGroup", "cp"),
                ("path", "/mnt/back"),
                ("sourcePath", "/x"),
                ("sourceNodeId", &cp[0].to_string()),
            ],
        )
        .await
        .fails(3);
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("path", "/mnt/self"),
                ("sourcePath", "/x"),
                ("sourceNodeId", &cp[1].to_string()),
            ],
        )
        .await
        .fails(3);
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("path", "/mnt/x"),
                ("sourcePath", "/x"),
                ("sourceHost", "10.1.2.3"),
                ("protocol", "SMB"),
            ],
        )
        .await
        .fails(3);
        assert_eq!(snapshot(&api, &sess).await, before);
        // Removing a volume keeps the mount; removing the mount takes it away.
        call(
            &api,
            "control",
            "removecontainervolumes",
            &sess,
            &[e, ("volumes", r#"["/data","/not-there"]"#)],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "getcontainervolumesbygroup",
            &sess,
            &[e, ("nodeGroup", "cp")],
        )
        .await;
        assert_eq!(r.ok()["object"], json!(["/var/log/app", "/mnt/shared"]));
        // Deleting the source's environment removes the mounts sourced from it.
        call(
            &api,
            "control",
            "deleteenv",
            &sess,
            &[("envName", "store"), ("password", PW)],
        )
        .await
        .ok();
        let r = call(&api, "file", "getmountpoints", &sess, &[e]).await;
        assert_eq!(r.ok()["array"], json!([]));
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("path", "/mnt/nfs"),
                ("sourcePath", "/exports/a"),
                ("sourceHost", "nfs.example.com"),
            ],
        )
        .await
        .ok();
        call(
            &api,
            "file",
            "removemountpointbygroup",
            &sess,
            &[e, ("nodeGroup", "cp"), ("path", "/mnt/nfs/")],
        )
        .await
        .ok();
        call(
            &api,
            "file",
            "removemountpointbygroup",
            &sess,
            &[e, ("nodeGroup", "cp"), ("path", "/mnt/nfs")],
        )
        .await
        .fails(3);

        // Domains: bound, listed in EnvInfo, unique on the server, removed by either path.
        let r = call(
            &api,
            "binder",
            "bindextdomain",
            &sess,
            &[e, ("extdomain", "WWW.Shop.Example")],
        )
        .await;
        assert_eq!(r.ok()["extDomain"]["domain"], "www.shop.example");
        assert_eq!(r.ok()["extDomain"]["sslEnabled"], false);
        call(
            &api,
            "binder",
            "bindextdomain",
            &sess,
            &[e, ("extdomain", "www.shop.example")],
        )
        .await
        .ok();
        call(
            &api,
            "binder",
            "bindextdomain",
            &sess,
            &[e, ("extdomain", "api.shop.example")],
        )
        .await
        .ok();
        assert_eq!(
            info(&api, &sess, "shop").await["env"]["extdomains"],
            json!(["www.shop.example", "api.shop.example"])
        );
        let other = user_with_session(&s, "other@example.com", PW).await;
        api.create_env(&other, "theirs").await.ok();
        call(
            &api,
            "binder",
            "bindextdomain",
            &other,
            &[("envName", "theirs"), ("extdomain", "www.shop.example")],
        )
        .await
        .fails(3);
        for bad in [
            "localhost",
            "a..b",
            "-x.example",
            "shop.kunci.local",
            "x.shop.kunci.local",
            "ex ample.com",
            "ümlaut.example",
            "a\u{0}.example",
        ] {
            call(
                &api,
                "binder",
                "bindextdomain",
                &sess,
                &[e, ("extdomain", bad)],
            )
            .await
            .fails(3);
        }
        call(
            &api,
            "binder",
            "bindextdomain",
            &sess,
            &[e, ("extdomain", "x.example"), ("certId", "4")],
        )
        .await
        .fails(3);
        call(
            &api,
            "binder",
            "removeextdomains",
            &sess,
            &[e, ("extdomain", "api.shop.example,nope.example")],
        )
        .await
        .fails(3);
        assert_eq!(
            info(&api, &sess, "shop").await["env"]["extdomains"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "all or nothing"
        );
        api.post(
            "/1.0/environment/binder/rest/removeextdomain",
            &[("session", &sess), e, ("extdomain", "api.shop.example")],
        )
        .await
        .ok();
        call(
            &api,
            "binder",
            "removeextdomains",
            &sess,
            &[e, ("extdomain", "www.shop.example")],
        )
        .await
        .ok();
        assert_eq!(
            info(&api, &sess, "shop").await["env"]["extdomains"],
            json!([])
        );
        // Now free for another account.
        call(
            &api,
            "binder",
            "bindextdomain",
            &other,
            &[("envName", "theirs"), ("extdomain", "www.shop.example")],
        )
        .await
        .ok();
        let r = call(
            &api,
            "binder",
            "swapextips",
            &sess,
            &[
                e,
                ("sourceNodeId", &cp[0].to_string()),
                ("targetNodeId", &cp[1].to_string()),
            ],
        )
        .await;
        r.fails(3);
        assert!(r.error().contains("external IP"), "{}", r.body);

        // Groups: membership, hierarchy, rename, removal.
        call(
            &api,
            "control",
            "setenvgroup",
            &sess,
            &[e, ("envGroups", "['prod/eu', 'team']")],
        )
        .await
        .ok();
        assert_eq!(
            info(&api, &sess, "shop").await["envGroups"],
            json!(["prod/eu", "team"])
        );
        let r = call(&api, "group", "getgroups", &sess, &[]).await;
        let names: Vec<&str> = r.ok()["array"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["prod", "prod/eu", "team"]);
        let r = call(
            &api,
            "group",
            "creategroup",
            &sess,
            &[
                ("groupName", "staging"),
                (
                    "data",
                    r##"{"color":"#12AB34","visibility":2,"isIsolated":true}"##,
                ),
            ],
        )
        .await;
        assert_eq!(
            r.ok()["array"][0],
            json!({"id": r.ok()["array"][0]["id"], "name": "staging", "color": "#12ab34", "isIsolated": true, "visibility": 2})
        );
        call(
            &api,
            "group",
            "creategroup",
            &sess,
            &[("envGroup", "staging")],
        )
        .await
        .fails(3);
        call(
            &api,
            "group",
            "creategroup",
            &sess,
            &[("envGroup", "a/b/c/d/e/f")],
        )
        .await
        .fails(3);
        call(
            &api,
            "group",
            "creategroup",
            &sess,
            &[("envGroup", "x"), ("ownerUid", "999999")],
        )
        .await
        .fails(3);
        call(
            &api,
            "group",
            "creategroup",
            &sess,
            &[("envGroup", "x"), ("envName", "theirs")],
        )
        .await
        .fails(11);
        let r = call(
            &api,
            "group",
            "editgroup",
            &sess,
            &[
                ("srcGroupName", "prod"),
                ("dstGroupName", "live"),
                ("data", r#"{"visibility":1}"#),
            ],
        )
        .await;
        assert_eq!(r.ok()["array"][0]["name"], "live");
        assert_eq!(
            info(&api, &sess, "shop").await["envGroups"],
            json!(["live/eu", "team"])
        );
        call(
            &api,
            "group",
            "editgroup",
            &sess,
            &[("srcGroupName", "nope"), ("dstGroupName", "x")],
        )
        .await
        .fails(3);
        call(&api, "group", "removegroup", &sess, &[("envGroup", "live")])
            .await
            .ok();
        assert_eq!(
            info(&api, &sess, "shop").await["envGroups"],
            json!(["team"])
        );
        call(&api, "group", "removegroup", &sess, &[("envGroup", "live")])
            .await
            .fails(3);
        call(
            &api,
            "control",
            "setenvgroup",
            &sess,
            &[e, ("envGroup", "[]")],
        )
        .await
        .ok();
        assert_eq!(info(&api, &sess, "shop").await["envGroups"], json!([]));

        // Display name.
        call(
            &api,
            "control",
            "setenvdisplayname",
            &sess,
            &[e, ("displayName", "Toko ✓")],
        )
        .await
        .ok();
        assert_eq!(
            info(&api, &sess, "shop").await["env"]["displayName"],
            "Toko ✓"
        );
        call(
            &api,
            "control",
            "setenvdisplayname",
            &sess,
            &[e, ("displayName", "bad\u{7}name")],
        )
        .await
        .fails(3);
        call(
            &api,
            "control",
            "setenvdisplayname",
            &sess,
            &[e, ("displayName", "")],
        )
        .await
        .ok();
        assert_eq!(
            info(&api, &sess, "shop").await["env"]["displayName"],
            "shop"
        );

        // Node groups: ApplyData keys come back, displayName names the group, null removes.
        call(
            &api,
            "nodegroup",
            "applydata",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                (
                    "data",
                    r#"{"displayName":"Apps","addon":"{\"v\":1}","x":1}"#,
                ),
            ],
        )
        .await
        .ok();
        call(
            &api,
            "control",
            "applynodegroupdata",
            &sess,
            &[e, ("nodeGroupData", "cp"), ("data", r#"{"x":null}"#)],
        )
        .await
        .ok();
        call(
            &api,
            "nodegroup",
            "setslbaccessenabled",
            &sess,
            &[e, ("nodeGroup", "cp"), ("enabled", "False")],
        )
        .await
        .ok();
        let r = call(&api, "control", "getnodegroups", &sess, &[e]).await;
        let g = r.ok()["object"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "cp")
            .unwrap()
            .clone();
        assert_eq!(g["displayName"], "Apps");
        assert_eq!(g["addon"], "{\"v\":1}");
        assert!(g.get("x").is_none());
        assert_eq!(g["isSLBAccessEnabled"], false);
        assert_eq!(g["scalingMode"], "STATELESS");
        call(
            &api,
            "nodegroup",
            "applydata",
            &sess,
            &[e, ("nodeGroup", "cp"), ("data", r#"{"name":"x"}"#)],
        )
        .await
        .fails(3);

        // Tags: redeploy records the tag; GetContainerNodeTags knows both.
        call(
            &api,
            "control",
            "redeploycontainersbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("tag", "9.0.1"),
                ("isSequential", "true"),
                ("login", "u"),
                ("password", "registry-secret"),
            ],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "getcontainernodetags",
            &sess,
            &[e, ("nodeId", &cp[0].to_string())],
        )
        .await;
        assert_eq!(r.ok()["object"], json!(["9.0.1", "latest"]));
        assert_eq!(
            node(&info(&api, &sess, "shop").await, cp[0])["version"],
            "9.0.1"
        );
        call(
            &api,
            "control",
            "redeploycontainersbygroup",
            &sess,
            &[e, ("nodeGroup", "cp"), ("tag", "bad tag")],
        )
        .await
        .fails(3);
        call(&api, "control", "stopenv", &sess, &[e]).await.ok();
        call(
            &api,
            "control",
            "redeploycontainersbygroup",
            &sess,
            &[e, ("nodeGroup", "cp"), ("tag", "9.0.2")],
        )
        .await
        .fails(2212);
        // A stopped environment's model still changes.
        call(
            &api,
            "control",
            "setenvdisplayname",
            &sess,
            &[e, ("displayName", "Stopped")],
        )
        .await
        .ok();

        // Statistics and actions: nothing invented.
        let r = call(
            &api,
            "control",
            "getsumstat",
            &sess,
            &[e, ("duration", "3600"), ("endtime", "2026-11-29 10:00:00")],
        )
        .await;
        assert_eq!(r.ok()["stats"], json!([]));
        assert_eq!(r.ok()["status"], 2);
        call(
            &api,
            "control",
            "getsumstat",
            &sess,
            &[e, ("duration", "0")],
        )
        .await
        .fails(3);
        call(
            &api,
            "control",
            "getsumstat",
            &sess,
            &[e, ("duration", "60"), ("endtime", "yesterday")],
        )
        .await
        .fails(3);
        let r = api
            .get(
                "/1.0/environment/tracking/rest/getcurrentactions",
                &[("session", &sess)],
            )
            .await;
        assert_eq!(r.ok()["array"], json!([]));
        s.stop().await;
    }
);

both_databases!(
    clone_copies_the_model_and_leaves_the_domains,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "clone@example.com", PW).await;
        let created = shop(&api, &sess).await;
        let e = ("envName", "shop");
        let sql = ids(&created, "sqldb")[0].to_string();
        call(
            &api,
            "file",
            "addmountpointbygroup",
            &sess,
            &[
                e,
                ("nodeGroup", "cp"),
                ("path", "/mnt/db"),
                ("sourcePath", "/backup"),
                ("sourceNodeId", &sql),
            ],
        )
        .await
        .ok();
        call(
            &api,
            "binder",
            "bindextdomain",
            &sess,
            &[e, ("extdomain", "shop.example.org")],
        )
        .await
        .ok();
        call(
            &api,
            "control",
            "setenvgroup",
            &sess,
            &[e, ("envGroup", "prod")],
        )
        .await
        .ok();
        call(
            &api,
            "nodegroup",
            "applydata",
            &sess,
            &[e, ("nodeGroup", "cp"), ("data", r#"{"k":"v"}"#)],
        )
        .await
        .ok();
        let r = call(
            &api,
            "control",
            "cloneenv",
            &sess,
            &[("srcEnvName", "shop"), ("dstEnvName", "shop-copy")],
        )
        .await;
        let clone = r.ok().clone();
        assert_eq!(clone["env"]["extdomains"], json!([]));
        assert_eq!(clone["envGroups"], json!(["prod"]));
        let clone_sql = ids(&clone, "sqldb")[0];
        let r = call(
            &api,
            "file",
            "getmountpoints",
            &sess,
            &[("envName", "shop-copy"), ("nodeGroup", "cp")],
        )
        .await;
        assert_eq!(
            r.ok()["array"][0]["sourceNodeId"],
            clone_sql,
            "the mount follows the clone's node"
        );
        let cp = ids(&clone, "cp")[0].to_string();
        let r = call(
            &api,
            "control",
            "getcontainerenvvars",
            &sess,
            &[("envName", "shop-copy"), ("nodeId", &cp)],
        )
        .await;
        assert_eq!(r.ok()["object"], json!({"MODE": "prod"}));
        let r = call(
            &api,
            "control",
            "getnodegroups",
            &sess,
            &[("envName", "shop-copy")],
        )
        .await;
        assert!(
            r.ok()["object"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["k"] == "v")
        );
        assert_eq!(
            info(&api, &sess, "shop").await["env"]["extdomains"],
            json!(["shop.example.org"])
        );
        s.stop().await;
    }
);

// Every new method: a token without it gets 8202, another account's environment 11,
// bad parameters 3 naming the parameter with nothing changed; then the good call works.
both_databases!(
    every_new_method_guards_tokens_owners_and_parameters,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "guard@example.com", PW).await;
        let created = shop(&api, &sess).await;
        api.create_env(&sess, "store").await.ok();
        let cp = ids(&created, "cp")[0].to_string();
        let sql = ids(&created, "sqldb")[0].to_string();
        let other = user_with_session(&s, "intruder@example.com", PW).await;
        let r = api
            .post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", &sess),
                    ("password", PW),
                    ("description", "reader"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await;
        let token = r.ok()["token"]["key"].as_str().unwrap().to_string();

        let long_name = "x".repeat(101);
        type Case<'a> = (
            &'a str,
            &'a str,
            Vec<(&'a str, &'a str)>,
            Vec<(Vec<(&'a str, &'a str)>, &'a str)>,
        );
        let cases: Vec<Case> = vec![
            (
                "control",
                "addcontainerenvvars",
                vec![("vars", r#"{"A":"1"}"#)],
                vec![
                    (vec![("vars", "[1]")], "vars"),
                    (vec![("vars", r#"{"1A":"x"}"#)], "vars"),
                    (vec![("vars", r#"{"A B":"x"}"#)], "vars"),
                    (vec![("vars", r#"{"A":{"x":1}}"#)], "vars"),
                    (vec![("vars", "not json")], "vars"),
                    (vec![], "vars"),
                    (
                        vec![("vars", r#"{"A":"1"}"#), ("nodeId", "999999")],
                        "nodeId",
                    ),
                    (
                        vec![("vars", r#"{"A":"1"}"#), ("nodeGroup", "nosuch")],
                        "nodeGroup",
                    ),
                    (vec![("vars", r#"{"ÄÖ":"1"}"#)], "vars"),
                ],
            ),
            (
                "control",
                "getcontainerenvvars",
                vec![("nodeId", &cp)],
                vec![
                    (vec![], "nodeId"),
                    (vec![("nodeId", "x")], "nodeId"),
                    (vec![("nodeId", "999999")], "nodeId"),
                ],
            ),
            (
                "control",
                "getcontainerenvvarsbygroup",
                vec![("nodeGroup", "cp")],
                vec![
                    (vec![], "nodeGroup"),
                    (vec![("nodeGroup", "nosuch")], "nodeGroup"),
                ],
            ),
            (
                "control",
                "setcontainerenvvars",
                vec![("nodeId", &cp), ("vars", r#"{"B":"2"}"#)],
                vec![
                    (vec![("vars", "{}")], "nodeId"),
                    (vec![("nodeId", &cp), ("vars", "\"x\"")], "vars"),
                ],
            ),
            (
                "control",
                "setcontainerenvvarsbygroup",
                vec![("nodeGroup", "cp"), ("data", r#"{"B":"2"}"#)],
                vec![
                    (vec![("nodeGroup", "cp"), ("vars", r#"{"B":"2"}"#)], "data"),
                    (vec![("data", "{}")], "nodeGroup"),
                ],
            ),
            (
                "control",
                "removecontainerenvvars",
                vec![("vars", r#"["B"]"#)],
                vec![
                    (vec![("vars", r#"{"B":1}"#)], "vars"),
                    (vec![("vars", r#"["B C"]"#)], "vars"),
                ],
            ),
            (
                "control",
                "setcloudletscountbygroup",
                vec![
                    ("nodeGroup", "cp"),
                    ("fixedCloudlets", "2"),
                    ("flexibleCloudlets", "8"),
                ],
                vec![
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("fixedCloudlets", "0"),
                            ("flexibleCloudlets", "8"),
                        ],
                        "fixedCloudlets",
                    ),
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("fixedCloudlets", "4"),
                            ("flexibleCloudlets", "2"),
                        ],
                        "flexibleCloudlets",
                    ),
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("fixedCloudlets", "1"),
                            ("flexibleCloudlets", "257"),
                        ],
                        "flexibleCloudlets",
                    ),
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("fixedCloudlets", "1"),
                            ("flexibleCloudlets", "8"),
                            ("delay", "-1"),
                        ],
                        "delay",
                    ),
                ],
            ),
            (
                "control",
                "setcloudletscountbyid",
                vec![
                    ("nodeId", &cp),
                    ("fixedCloudlets", "2"),
                    ("flexibleCloudlets", "8"),
                ],
                vec![(
                    vec![("fixedCloudlets", "2"), ("flexibleCloudlets", "8")],
                    "nodeId",
                )],
            ),
            (
                "control",
                "changetopology",
                vec![
                    ("env", "{}"),
                    (
                        "nodes",
                        r#"[{"nodeType":"nginx"},{"nodeType":"tomcat","count":2},{"nodeType":"mysql"}]"#,
                    ),
                ],
                vec![(vec![("env", "{}")], "nodes")],
            ),
            (
                "control",
                "addcontainervolumes",
                vec![("volumes", r#"["/srv"]"#)],
                vec![
                    (vec![("volumes", r#"["relative"]"#)], "volumes"),
                    (vec![("volumes", r#"["/a/../b"]"#)], "volumes"),
                    (vec![("volumes", r#"["/"]"#)], "volumes"),
                    (vec![("volumes", "[]")], "volumes"),
                    (vec![("volumes", "[\"/a\\u0001b\"]")], "volumes"),
                ],
            ),
            (
                "control",
                "removecontainervolumes",
                vec![("volumes", r#"["/srv"]"#)],
                vec![(vec![("volumes", "5")], "volumes")],
            ),
            (
                "control",
                "getcontainervolumesbygroup",
                vec![("nodeGroup", "cp")],
                vec![(vec![], "nodeGroup")],
            ),
            (
                "control",
                "setenvdisplayname",
                vec![("displayName", "Guarded")],
                vec![(vec![("displayName", &long_name)], "displayName")],
            ),
            (
                "control",
                "setenvgroup",
                vec![("envGroup", "g1")],
                vec![
                    (vec![("envGroup", "a//b")], "envGroup"),
                    (vec![], "envGroup"),
                ],
            ),
            (
                "control",
                "getsumstat",
                vec![("duration", "60")],
                vec![(vec![("duration", "2678401")], "duration")],
            ),
            ("control", "getnodegroups", vec![], vec![]),
            (
                "control",
                "getcontainernodetags",
                vec![("nodeId", &cp)],
                vec![(vec![], "nodeId")],
            ),
            (
                "control",
                "redeploycontainersbygroup",
                vec![("nodeGroup", "cp"), ("tag", "2.0")],
                vec![
                    (vec![("nodeGroup", "cp"), ("tag", "-bad")], "tag"),
                    (
                        vec![("nodeGroup", "cp"), ("tag", "1"), ("delay", "99999999")],
                        "delay",
                    ),
                ],
            ),
            (
                "nodegroup",
                "applydata",
                vec![("nodeGroup", "cp"), ("data", r#"{"k":"v"}"#)],
                vec![
                    (vec![("nodeGroup", "cp"), ("data", "[]")], "data"),
                    (vec![("nodeGroup", "cp")], "data"),
                ],
            ),
            (
                "nodegroup",
                "setslbaccessenabled",
                vec![("nodeGroup", "cp"), ("enabled", "true")],
                vec![(vec![("nodeGroup", "cp"), ("enabled", "maybe")], "enabled")],
            ),
            (
                "file",
                "getmountpoints",
                vec![],
                vec![(vec![("nodeId", "999999")], "nodeId")],
            ),
            (
                "file",
                "addmountpointbygroup",
                vec![
                    ("nodeGroup", "cp"),
                    ("path", "/mnt/g"),
                    ("sourcePath", "/d"),
                    ("sourceNodeId", &sql),
                ],
                vec![
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("path", "mnt"),
                            ("sourcePath", "/d"),
                            ("sourceNodeId", &sql),
                        ],
                        "path",
                    ),
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("path", "/mnt/g"),
                            ("sourcePath", "/d"),
                        ],
                        "sourceNodeId",
                    ),
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("path", "/mnt/g"),
                            ("sourcePath", "/d"),
                            ("sourceNodeId", "999999"),
                        ],
                        "sourceNodeId",
                    ),
                    (
                        vec![
                            ("nodeGroup", "cp"),
                            ("path", "/mnt/g"),
                            ("sourcePath", "/d"),
                            ("sourceHost", "bad host\n"),
                        ],
                        "sourceHost",
                    ),
                ],
            ),
            (
                "file",
                "removemountpointbygroup",
                vec![("nodeGroup", "cp"), ("path", "/mnt/g")],
                vec![(vec![("nodeGroup", "cp"), ("path", "/mnt/none")], "path")],
            ),
            (
                "binder",
                "bindextdomain",
                vec![("extdomain", "guard.example")],
                vec![(vec![("extdomain", "no_underscore.example")], "extdomain")],
            ),
            (
                "binder",
                "removeextdomains",
                vec![("extdomain", "guard.example")],
                vec![(vec![("extdomain", "other.example")], "extdomain")],
            ),
        ];
        for (class, method, good, bad) in &cases {
            // A token without the method.
            let mut params = vec![("envName", "shop")];
            params.extend(good.iter().cloned());
            call(&api, class, method, &token, &params).await.fails(8202);
            // Another account, this environment: 11, and nothing of it shown.
            let r = call(&api, class, method, &other, &params).await;
            r.fails(11);
            // Bad parameters: 3 naming the parameter; nothing changed.
            let before = snapshot(&api, &sess).await;
            for (bad_params, name) in bad {
                let mut all = vec![("envName", "shop")];
                all.extend(bad_params.iter().cloned());
                let r = call(&api, class, method, &sess, &all).await;
                r.fails(3);
                assert!(
                    r.error().contains(&format!("[{name}]")),
                    "{method} {bad_params:?}: {}",
                    r.body
                );
            }
            assert_eq!(
                snapshot(&api, &sess).await,
                before,
                "{method} changed something while refusing"
            );
            // The good call.
            call(&api, class, method, &sess, &params).await.ok();
            // A missing envName: 3.
            let r = call(&api, class, method, &sess, good).await;
            r.fails(3);
        }
        // Groups take no envName, and their own refusals.
        for (method, good) in [
            ("creategroup", vec![("envGroup", "ga")]),
            (
                "editgroup",
                vec![("srcGroupName", "ga"), ("data", r#"{"visibility":1}"#)],
            ),
            ("getgroups", vec![]),
            ("removegroup", vec![("envGroup", "ga")]),
        ] {
            call(&api, "group", method, &token, &good).await.fails(8202);
            call(&api, "group", method, &sess, &good).await.ok();
        }
        call(
            &api,
            "binder",
            "swapextips",
            &token,
            &[
                ("envName", "shop"),
                ("sourceNodeId", &cp),
                ("targetNodeId", &sql),
            ],
        )
        .await
        .fails(8202);
        call(
            &api,
            "binder",
            "swapextips",
            &other,
            &[
                ("envName", "shop"),
                ("sourceNodeId", &cp),
                ("targetNodeId", &sql),
            ],
        )
        .await
        .fails(11);
        api.get(
            "/1.0/environment/tracking/rest/getcurrentactions",
            &[("session", &token)],
        )
        .await
        .fails(8202);

        // Methods that need a container runtime say so, with 1702 and HTTP 404.
        for p in [
            "/1.0/environment/control/rest/execcmdbyid",
            "/1.0/environment/file/rest/read",
            "/1.0/marketplace/jps/rest/install",
            "/1.0/marketplace/jps/rest/getengineversion",
            "/1.0/development/scripting/rest/eval",
        ] {
            let r = api
                .post(
                    p,
                    &[
                        ("session", &sess),
                        ("envName", "shop"),
                        ("nodeId", &cp),
                        ("commandList", r#"[{"command":"ls"}]"#),
                    ],
                )
                .await;
            assert_eq!((r.status, r.result()), (404, 1702), "{p}");
            assert!(r.error().contains("container runtime"), "{p}: {}", r.body);
        }
        s.stop().await;
    }
);

// A token holding exactly the methods it is given reaches the model through them.
both_databases!(
    a_token_with_the_methods_reaches_the_model,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "tok@example.com", PW).await;
        let created = shop(&api, &sess).await;
        let cp = ids(&created, "cp")[0].to_string();
        let r = api
            .post(&format!("{AUTH}/createtoken"), &[("session", &sess), ("password", PW), ("description", "vars"), ("apiList", "env.control.AddContainerEnvVars,env.control.GetContainerEnvVars,env.binder.RemoveExtDomains,env.binder.BindExtDomain")])
            .await;
        let token = r.ok()["token"]["key"].as_str().unwrap().to_string();
        call(
            &api,
            "control",
            "addcontainerenvvars",
            &token,
            &[("envName", "shop"), ("vars", r#"{"CI":"1"}"#)],
        )
        .await
        .ok();
        let r = api
            .bearer(
                &path("control", "getcontainerenvvars"),
                &token,
                &[("envName", "shop"), ("nodeId", &cp)],
            )
            .await;
        assert_eq!(r.ok()["object"]["CI"], "1");
        call(
            &api,
            "control",
            "setcontainerenvvars",
            &token,
            &[("envName", "shop"), ("nodeId", &cp), ("vars", "{}")],
        )
        .await
        .fails(8202);
        call(
            &api,
            "binder",
            "bindextdomain",
            &token,
            &[("envName", "shop"), ("extdomain", "ci.example")],
        )
        .await
        .ok();
        // The singular path is the plural's permission.
        api.post(
            "/1.0/environment/binder/rest/removeextdomain",
            &[
                ("session", &token),
                ("envName", "shop"),
                ("extdomain", "ci.example"),
            ],
        )
        .await
        .ok();
        s.stop().await;
    }
);

/// Objects have exactly the documented keys; arrays' first elements match when both
/// have one; scalars match in kind (and `result` in value).
fn same_shape(documented: &Value, real: &Value, at: &str) {
    match (documented, real) {
        (Value::Object(d), Value::Object(r)) => {
            let dk: std::collections::BTreeSet<&String> = d.keys().collect();
            let rk: std::collections::BTreeSet<&String> = r.keys().collect();
            assert_eq!(
                dk, rk,
                "{at}: documented keys differ from the real answer's"
            );
            for (k, v) in d {
                same_shape(v, &r[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(d), Value::Array(r)) => {
            if let (Some(d0), Some(r0)) = (d.first(), r.first()) {
                same_shape(d0, r0, &format!("{at}[0]"));
            }
        }
        (d, r) => assert_eq!(
            std::mem::discriminant(d),
            std::mem::discriminant(r),
            "{at}: documented {d}, real {r}"
        ),
    }
}

// The API reference's examples, sent to a real server: each answer has the documented
// fields and result.
both_databases!(
    documented_examples_answer_as_documented,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "docs@example.com", PW).await;
        let created = shop(&api, &sess).await;
        api.create_env(&sess, "store").await.ok();
        let store = info(&api, &sess, "store").await;
        let cp = ids(&created, "cp");
        let ids_now = [
            ("{cp}", cp[0].to_string()),
            ("{cp2}", cp[1].to_string()),
            ("{sqldb}", ids(&created, "sqldb")[0].to_string()),
            ("{store}", ids(&store, "cp")[0].to_string()),
        ];
        let r = api
            .post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", &sess),
                    ("password", PW),
                    ("description", "docs"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await;
        let token = r.ok()["token"]["key"].as_str().unwrap().to_string();
        let token_id = r.ok()["token"]["id"].to_string();
        // The token's activity, which GetTokenActivity's example reads.
        api.get(
            "/1.0/environment/control/rest/getenvinfo",
            &[("session", &token), ("envName", "shop")],
        )
        .await
        .ok();
        let examples = kunci_server::rest::examples::all();
        assert!(examples.len() >= 38, "one example per new method");
        for e in examples {
            let mut request = ids_now
                .iter()
                .fold(e.request.clone(), |r, (k, v)| r.replace(k, v))
                .replace("{tokenid}", &token_id)
                .replace("{token}", &token);
            if request.contains("{sshkey}") {
                let keys = api
                    .get("/1.0/users/account/rest/getsshkeys", &[("session", &sess)])
                    .await;
                let id = keys.ok()["keys"][0]["id"].to_string();
                request = request.replace("{sshkey}", &id);
            }
            // An example that names its credential (a token asking about itself) sends
            // that one only.
            let mut params: Vec<(String, String)> = if request.starts_with("session=") {
                Vec::new()
            } else {
                vec![("session".into(), sess.clone())]
            };
            for kv in request.split('&').filter(|kv| !kv.is_empty()) {
                let (k, v) = kv.split_once('=').unwrap();
                params.push((k.into(), v.into()));
            }
            let m = kunci_core::domain::catalog::Catalog::get()
                .find(&e.method)
                .unwrap();
            let borrowed: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = api.get(&m.path(), &borrowed).await;
            let documented: Value = serde_json::from_str(&e.answer).unwrap();
            assert_eq!(
                r.body["result"], documented["result"],
                "{}: {}",
                e.method, r.body
            );
            same_shape(&documented, &r.body, &e.method);
        }
        s.stop().await;
    }
);

// A database from before the platform model keeps what it had: the groups environments
// named at creation become the account's groups and their memberships; node groups are
// made from the nodes.
both_databases!(
    an_upgraded_database_keeps_its_groups_and_node_groups,
    |db: TestDb| async move {
        use sqlx::Connection;
        let dir = match db.backend() {
            common::Backend::Sqlite => "core/migrations/sqlite",
            common::Backend::Postgres => "core/migrations/postgres",
        };
        let mut old = sqlx::migrate::Migrator::new(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
        )
        .await
        .unwrap();
        old.migrations = old
            .migrations
            .iter()
            .filter(|m| m.version < 20261129000003)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        let seed = [
            "INSERT INTO users (id, login, name, password_hash, status, created_at, updated_at) VALUES (1, 'old@example.com', 'Old', 'x', 'ENABLED', 1, 1)",
            "INSERT INTO environments (id, owner_id, name, display_name, appid, status, region, env_groups, created_at, updated_at) VALUES (1, 1, 'legacy', 'Legacy', 'a1', 1, 'default', '[\"team\",\"prod\"]', 1, 1)",
            "INSERT INTO nodes (env_id, node_group, node_type, display_name, docker_name, docker_tag, fixed_cloudlets, flexible_cloudlets, disk_limit, is_master) VALUES (1, 'cp', 'tomcat', 'tomcat', 'tomcat', 'latest', 1, 4, 10240, 1), (1, 'sqldb', 'mysql', 'mysql', 'mysql', 'latest', 1, 4, 10240, 1)",
        ];
        match db.backend() {
            common::Backend::Sqlite => {
                let opts: sqlx::sqlite::SqliteConnectOptions = db
                    .url
                    .parse::<sqlx::sqlite::SqliteConnectOptions>()
                    .unwrap()
                    .create_if_missing(true);
                let mut c = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
                old.run(&mut c).await.unwrap();
                for q in seed {
                    sqlx::query(q).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
            common::Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                old.run(&mut c).await.unwrap();
                for q in seed {
                    sqlx::query(q).execute(&mut c).await.unwrap();
                }
                c.close().await.unwrap();
            }
        }
        let s = TestServer::start(&db).await;
        let owner = s.kunci.envs.info(1, "legacy").await.unwrap();
        assert_eq!(owner.groups, vec!["prod", "team"]);
        let groups: Vec<String> = s
            .kunci
            .envs
            .groups(1)
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.name)
            .collect();
        assert_eq!(groups, vec!["prod", "team"]);
        let names: Vec<&str> = owner.node_groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, vec!["cp", "sqldb"]);
        assert_eq!(owner.node_groups[1].scaling_mode, "STATEFUL");
        s.stop().await;
    }
);
