//! Tokens that can do less (issue 15): an address allowlist (IPv4/IPv6 addresses and
//! CIDR ranges, decided on the client address the `--trust-proxy` rules give) and an
//! environment scope (names and `prefix-*`), on SQLite and PostgreSQL, through the real
//! server over HTTP.

mod common;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{TestDb, TestServer};
use kunci_core::domain::catalog::Catalog;
use serde_json::Value;

const PW: &str = "correct horse battery staple";

async fn start(db: &TestDb, trust_proxy: bool) -> TestServer {
    TestServer::start_with(db, |c| c.http.trust_proxy = trust_proxy).await
}

/// A token allowed `api_list`, with `limits` (`ipAllowlist`, `envNames`): (id, value).
async fn token(api: &Api, session: &str, api_list: &str, limits: &[(&str, &str)]) -> (i64, String) {
    let mut params = vec![
        ("session", session),
        ("password", PW),
        ("description", "limited"),
        ("apiList", api_list),
    ];
    params.extend_from_slice(limits);
    let r = api.post(&format!("{AUTH}/createtoken"), &params).await;
    let t = &r.ok()["token"];
    (
        t["id"].as_i64().unwrap(),
        t["key"].as_str().unwrap().to_string(),
    )
}

async fn edit(api: &Api, session: &str, id: i64, params: &[(&str, &str)]) -> Reply {
    let id = id.to_string();
    let mut all = vec![("session", session), ("password", PW), ("id", id.as_str())];
    all.extend_from_slice(params);
    api.post(&format!("{AUTH}/edittoken"), &all).await
}

async fn env_info_from(api: &Api, ip: &str, token: &str, env: &str) -> Reply {
    api.get_from(
        ip,
        &format!("{ENV}/getenvinfo"),
        &[("session", token), ("envName", env)],
    )
    .await
}

async fn refusals(s: &TestServer, user: i64) -> Vec<String> {
    s.kunci
        .security_log
        .list(user, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "token.address_refused")
        .map(|e| format!("{} {}", e.ip, e.params.to_json()))
        .collect()
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

// The allowlist's edges, behind a trusted proxy: ranges, exact addresses (/32, /128),
// /0 of each family, IPv4-mapped IPv6 clients, and a refusal that names the address and
// is logged once per address however many calls it refuses.
both_databases!(
    allowlist_edges_behind_a_trusted_proxy,
    |db: TestDb| async move {
        let s = start(&db, true).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "ips@example.com", PW).await;
        api.create_env(&sess, "shop").await.ok();
        let (id, t) = token(
            &api,
            &sess,
            "env.control.GetEnvInfo",
            &[(
                "ipAllowlist",
                "203.0.113.0/24; 2001:db8::/32\n192.0.2.7/32, 2001:db8:1::1/128",
            )],
        )
        .await;
        let cases = [
            ("203.0.113.9", true),
            ("203.0.113.255", true),
            ("203.0.114.1", false),
            ("192.0.2.7", true),
            ("192.0.2.8", false),
            ("2001:db8::1", true),
            ("2001:db8:ffff::1", true),
            ("2001:db9::1", false),
            ("::ffff:203.0.113.9", true),
            ("::ffff:198.51.100.1", false),
            ("[2001:db8::5]:443", true),
            ("203.0.113.9:5555", true),
        ];
        for (ip, allowed) in cases {
            let r = env_info_from(&api, ip, &t, "shop").await;
            if allowed {
                r.ok();
            } else {
                r.fails(8202);
                let shown = ip.trim_start_matches("::ffff:");
                assert!(
                    r.error().contains("may not be used from the address")
                        && r.error().contains(shown),
                    "{ip}: {}",
                    r.error()
                );
            }
        }
        // SigninByToken (public: it checks the token itself) holds the allowlist too.
        let signin = |ip: &'static str| {
            let api = api.clone();
            let t = t.clone();
            async move {
                api.post_from(
                    ip,
                    &format!("{AUTH}/signinbytoken"),
                    &[("token", t.as_str())],
                )
                .await
            }
        };
        signin("203.0.113.9").await.ok();
        signin("198.51.100.1").await.fails(8202);
        // An entry the proxy wrote that is not an address: the peer (127.0.0.1) decides.
        env_info_from(&api, "not-an-address, é", &t, "shop")
            .await
            .fails(8202);

        // /0 of one family lets that family in, not the other.
        edit(&api, &sess, id, &[("ipAllowlist", "0.0.0.0/0")])
            .await
            .ok();
        env_info_from(&api, "198.51.100.77", &t, "shop").await.ok();
        env_info_from(&api, "2001:db8::1", &t, "shop")
            .await
            .fails(8202);
        edit(&api, &sess, id, &[("ipAllowlist", "::/0")]).await.ok();
        env_info_from(&api, "2001:db8::1", &t, "shop").await.ok();
        env_info_from(&api, "198.51.100.77", &t, "shop")
            .await
            .fails(8202);

        // A parallel burst from a refused address: every call 8202, one log entry.
        edit(&api, &sess, id, &[("ipAllowlist", "203.0.113.0/24")])
            .await
            .ok();
        let user = user_id(&s, "ips@example.com").await;
        let before = refusals(&s, user).await.len();
        let burst: Vec<_> = (0..120)
            .map(|_| {
                let api = api.clone();
                let t = t.clone();
                tokio::spawn(async move {
                    env_info_from(&api, "198.51.100.9", &t, "shop")
                        .await
                        .result()
                })
            })
            .collect();
        for h in burst {
            assert_eq!(h.await.unwrap(), 8202);
        }
        let logged = refusals(&s, user).await;
        let of_burst: Vec<&String> = logged[..logged.len() - before]
            .iter()
            .filter(|e| e.starts_with("198.51.100.9 "))
            .collect();
        assert_eq!(of_burst.len(), 1, "{logged:?}");
        assert!(
            of_burst[0].contains(&format!("\"id\":{id},")),
            "{of_burst:?}"
        );
        assert!(of_burst[0].contains("203.0.113.0/24"), "{of_burst:?}");
        assert!(!of_burst[0].contains(&t), "never the value");
        // The same burst from an allowed address all passes.
        let burst: Vec<_> = (0..120)
            .map(|_| {
                let api = api.clone();
                let t = t.clone();
                tokio::spawn(async move {
                    env_info_from(&api, "203.0.113.50", &t, "shop")
                        .await
                        .result()
                })
            })
            .collect();
        for h in burst {
            assert_eq!(h.await.unwrap(), 0);
        }
        s.stop().await;
    }
);

// Without --trust-proxy, X-Forwarded-For is the client's own claim and decides nothing:
// the connection's address does.
both_databases!(
    without_trust_proxy_the_connection_decides,
    |db: TestDb| async move {
        let s = start(&db, false).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "direct@example.com", PW).await;
        api.create_env(&sess, "shop").await.ok();
        let (id, t) = token(
            &api,
            &sess,
            "env.control.GetEnvInfo",
            &[("ipAllowlist", "203.0.113.9")],
        )
        .await;
        let r = env_info_from(&api, "203.0.113.9", &t, "shop").await;
        r.fails(8202);
        assert!(r.error().contains("127.0.0.1"), "{}", r.error());
        // Loopback allowed: a forged header naming another address changes nothing.
        edit(&api, &sess, id, &[("ipAllowlist", "127.0.0.0/8, ::1")])
            .await
            .ok();
        env_info_from(&api, "198.51.100.1", &t, "shop").await.ok();
        // Bearer too.
        api.bearer(&format!("{ENV}/getenvinfo"), &t, &[("envName", "shop")])
            .await
            .ok();
        s.stop().await;
    }
);

// Bad lists get result 3 naming the parameter and the entry, and lose nothing: no token
// is created, an edited token keeps its lists. Restrictions come back in GetTokens and
// an empty list lifts them.
both_databases!(
    bad_lists_are_refused_and_lose_nothing,
    |db: TestDb| async move {
        let s = start(&db, true).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "lists@example.com", PW).await;
        let many: Vec<String> = (0..101).map(|i| format!("10.0.{i}.1")).collect();
        let many = many.join(",");
        let bad_ips = [
            "10.0.0.0/33",
            "2001:db8::/129",
            "nope",
            "10.1.2.3/8",
            "1.2.3.4\u{0}",
            "\u{202e}1.2.3.4",
            "١٠.٠.٠.١",
            many.as_str(),
        ];
        let count = |r: &Reply| r.ok()["apiTokens"].as_array().unwrap().len();
        for bad in bad_ips {
            let r = api
                .post(
                    &format!("{AUTH}/createtoken"),
                    &[
                        ("session", sess.as_str()),
                        ("password", PW),
                        ("description", "bad"),
                        ("apiList", "env.control.GetEnvInfo"),
                        ("ipAllowlist", bad),
                    ],
                )
                .await;
            r.fails(3);
            assert!(r.error().contains("ipAllowlist"), "{bad:?}: {}", r.error());
            assert!(!r.error().contains('\u{0}'), "{}", r.error());
        }
        for bad in ["ab", "1shop", "shop_1", "*", "shöp", "a\u{7}bc"] {
            let r = api
                .post(
                    &format!("{AUTH}/createtoken"),
                    &[
                        ("session", sess.as_str()),
                        ("password", PW),
                        ("description", "bad"),
                        ("apiList", "env.control.GetEnvInfo"),
                        ("envNames", bad),
                    ],
                )
                .await;
            r.fails(3);
            assert!(r.error().contains("envNames"), "{bad:?}: {}", r.error());
        }
        let list = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &sess)])
            .await;
        assert_eq!(count(&list), 0, "nothing was created");

        let (id, value) = token(
            &api,
            &sess,
            "env.control.GetEnvInfo",
            &[
                ("ipAllowlist", "10.0.0.0/8, 10.0.0.0/8"),
                ("envNames", "Shop, pr-*"),
            ],
        )
        .await;
        // The token sees its own restrictions (CheckSign), from an allowed address.
        let r = api
            .get_from(
                "10.9.8.7",
                &format!("{AUTH}/checksign"),
                &[("session", value.as_str())],
            )
            .await;
        assert_eq!(
            r.ok()["token"]["ipAllowlist"],
            serde_json::json!(["10.0.0.0/8"])
        );
        assert_eq!(
            r.ok()["token"]["envNames"],
            serde_json::json!(["shop", "pr-*"])
        );
        edit(&api, &sess, id, &[("ipAllowlist", "nope")])
            .await
            .fails(3);
        edit(&api, &sess, id, &[("envNames", "x")]).await.fails(3);
        let list = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &sess)])
            .await;
        let t = &list.ok()["apiTokens"][0];
        assert_eq!(t["ipAllowlist"], serde_json::json!(["10.0.0.0/8"]));
        assert_eq!(t["envNames"], serde_json::json!(["shop", "pr-*"]));
        // An empty value lifts a restriction; the other stays.
        edit(&api, &sess, id, &[("ipAllowlist", "")]).await.ok();
        let list = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &sess)])
            .await;
        let t = &list.ok()["apiTokens"][0];
        assert_eq!(t["ipAllowlist"], serde_json::json!([]));
        assert_eq!(t["envNames"], serde_json::json!(["shop", "pr-*"]));
        s.stop().await;
    }
);

/// Node ids of `group` in an EnvInfo answer, master first.
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

async fn create(api: &Api, credential: &str, name: &str, nodes: &str) -> Reply {
    let env = format!(r#"{{"shortdomain":"{name}"}}"#);
    api.post(
        &format!("{ENV}/createenvironment"),
        &[("session", credential), ("env", &env), ("nodes", nodes)],
    )
    .await
}

const SHOP_NODES: &str = r#"[{"nodeType":"nginx"},{"nodeType":"tomcat","count":2,"env":{"MODE":"prod"}},{"nodeType":"mysql"}]"#;

/// The requests each environment method is tried with: the API reference's example
/// (`server/data/api-examples.toml`), or one written here for the methods it has none of.
fn requests() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = kunci_server::rest::examples::all()
        .iter()
        .filter(|e| e.method.starts_with("env."))
        .map(|e| (e.method.clone(), e.request.clone()))
        .collect();
    for (method, request) in [
        ("env.control.GetEnvInfo", "envName=shop"),
        ("env.control.StopEnv", "envName=shop"),
        ("env.control.StartEnv", "envName=shop"),
        ("env.control.SleepEnv", "envName=shop"),
        ("env.control.StartEnv", "envName=shop"),
        ("env.control.RestartNodes", "envName=shop&nodeGroup=cp"),
        (
            "env.control.CloneEnv",
            "srcEnvName=shop&dstEnvName=shop-copy",
        ),
        ("env.control.DeleteEnv", "envName=shop-copy"),
    ] {
        all.push((method.into(), request.into()));
    }
    all
}

/// Everything that could change about `env`, to prove refused calls changed nothing.
async fn snapshot(api: &Api, session: &str, env: &str) -> Value {
    let info = api
        .get(
            &format!("{ENV}/getenvinfo"),
            &[("session", session), ("envName", env)],
        )
        .await;
    let mut body = info.body.clone();
    let mounts = api
        .get(
            "/1.0/environment/file/rest/getmountpoints",
            &[("session", session), ("envName", env)],
        )
        .await;
    body["mounts"] = mounts.body["array"].clone();
    body
}

// Every environment method, with a token limited to `shop` and `store` that holds every
// method: on `other` (outside the scope) each answers 8202 and changes nothing; on the
// environments in scope each answers what the API reference documents, but the two group
// changes that reach every environment of the account (EditGroup, RemoveGroup).
both_databases!(
    env_scope_holds_for_every_environment_method,
    |db: TestDb| async move {
        let s = start(&db, false).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "scope@example.com", PW).await;
        let shop = create(&api, &sess, "shop", SHOP_NODES).await.ok()["response"].clone();
        let store = create(&api, &sess, "store", r#"[{"nodeType":"tomcat"}]"#)
            .await
            .ok()["response"]
            .clone();
        let other = create(&api, &sess, "other", SHOP_NODES).await.ok()["response"].clone();
        let all_env_methods: Vec<String> = kunci_server::rest::IMPLEMENTED
            .iter()
            .map(|k| Catalog::get().find(k).unwrap())
            .filter(|m| m.service == "environment" || m.key.starts_with("env."))
            .map(|m| m.name.clone())
            .collect();
        assert!(all_env_methods.len() >= 40, "{all_env_methods:?}");
        let (_, t) = token(
            &api,
            &sess,
            &all_env_methods.join(","),
            &[("envNames", "shop, store, shop-copy")],
        )
        .await;
        let ids_in = |info: &Value| {
            [
                ("{cp}", ids(info, "cp")[0].to_string()),
                ("{cp2}", ids(info, "cp")[1].to_string()),
                ("{sqldb}", ids(info, "sqldb")[0].to_string()),
            ]
        };
        let send = |method: String, request: String, credential: String| {
            let api = api.clone();
            async move {
                let m = Catalog::get().find(&method).unwrap();
                let mut params = vec![("session".to_string(), credential)];
                for kv in request.split('&').filter(|kv| !kv.is_empty()) {
                    let (k, v) = kv.split_once('=').unwrap();
                    params.push((k.into(), v.into()));
                }
                let borrowed: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                api.post(&m.path(), &borrowed).await
            }
        };

        // Outside the scope: every method naming an environment is refused, changing nothing.
        let before = snapshot(&api, &sess, "other").await;
        let mut refused = std::collections::BTreeSet::new();
        for (method, request) in requests() {
            let names_env = ["envName=", "srcEnvName=", "dstEnvName="]
                .iter()
                .any(|p| request.contains(p));
            if !names_env {
                continue;
            }
            let request = ids_in(&other)
                .iter()
                .fold(request, |r, (k, v)| r.replace(k, v))
                .replace("{store}", &ids(&other, "cp")[0].to_string())
                .replace("envName=shop", "envName=other")
                .replace("srcEnvName=shop", "srcEnvName=other")
                .replace("envName=store", "envName=other");
            let r = send(method.clone(), request.clone(), t.clone()).await;
            assert_eq!(r.result(), 8202, "{method} {request}: {}", r.body);
            assert!(
                r.error()
                    .contains("limited to the environments shop, store, shop-copy"),
                "{}",
                r.error()
            );
            refused.insert(method);
        }
        assert_eq!(
            snapshot(&api, &sess, "other").await,
            before,
            "a refused call changed nothing"
        );
        // Every implemented method that names an environment was tried.
        let not_naming = [
            "env.control.GetEnvs",
            "env.control.CreateEnvironment",
            "env.tracking.GetCurrentActions",
            "env.group.CreateGroup",
            "env.group.EditGroup",
            "env.group.GetGroups",
            "env.group.RemoveGroup",
        ];
        for m in &all_env_methods {
            assert!(
                refused.contains(m) || not_naming.contains(&m.as_str()),
                "{m} was not tried outside the scope"
            );
        }
        // A name outside the scope is refused whether or not it exists.
        send(
            "env.control.GetEnvInfo".into(),
            "envName=nosuch".into(),
            t.clone(),
        )
        .await
        .fails(8202);
        send(
            "env.control.GetEnvInfo".into(),
            "envName=shop-copy".into(),
            t.clone(),
        )
        .await
        .fails(11);

        // Inside the scope: the documented answers.
        for (method, request) in requests() {
            let request = ids_in(&shop)
                .iter()
                .fold(request, |r, (k, v)| r.replace(k, v))
                .replace("{store}", &ids(&store, "cp")[0].to_string());
            let r = send(method.clone(), request.clone(), t.clone()).await;
            let documented = kunci_server::rest::examples::all()
                .iter()
                .find(|e| e.method == method)
                .map(|e| {
                    serde_json::from_str::<Value>(&e.answer).unwrap()["result"]
                        .as_i64()
                        .unwrap()
                })
                .unwrap_or(0);
            let want =
                if ["env.group.EditGroup", "env.group.RemoveGroup"].contains(&method.as_str()) {
                    8202
                } else {
                    documented
                };
            assert_eq!(r.result(), want, "{method} {request}: {}", r.body);
        }
        s.stop().await;
    }
);

// What a scope means for the methods that name no environment, or two: GetEnvs lists
// only the environments in scope; CreateEnvironment and CloneEnv create only names the
// scope covers; a mount's source must be in scope; a parallel burst changes nothing.
both_databases!(
    scoped_tokens_list_create_clone_and_mount_within_scope,
    |db: TestDb| async move {
        let s = start(&db, false).await;
        let api = Api::new(&s.url(""));
        let sess = user_with_session(&s, "pr@example.com", PW).await;
        for name in ["shop", "store", "other"] {
            create(&api, &sess, name, r#"[{"nodeType":"tomcat"}]"#)
                .await
                .ok();
        }
        let methods = "env.control.GetEnvs,env.control.GetEnvInfo,env.control.CreateEnvironment,env.control.CloneEnv,env.control.DeleteEnv,env.file.AddMountPointByGroup,env.control.StopEnv";
        let (id, t) = token(&api, &sess, methods, &[("envNames", "shop, pr-*")]).await;
        let names = |r: &Reply| -> Vec<String> {
            let mut v: Vec<String> = r.ok()["infos"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["env"]["shortdomain"].as_str().unwrap().to_string())
                .collect();
            v.sort();
            v
        };
        let get_envs = || {
            let api = api.clone();
            let t = t.clone();
            async move {
                api.get(&format!("{ENV}/getenvs"), &[("session", t.as_str())])
                    .await
            }
        };
        assert_eq!(names(&get_envs().await), ["shop"]);
        create(&api, &t, "pr-1", r#"[{"nodeType":"tomcat"}]"#)
            .await
            .ok();
        let r = create(&api, &t, "elsewhere", r#"[{"nodeType":"tomcat"}]"#).await;
        r.fails(8202);
        assert!(
            r.error().contains("cannot create [elsewhere]"),
            "{}",
            r.error()
        );
        assert_eq!(names(&get_envs().await), ["pr-1", "shop"]);
        let clone = |src: &'static str, dst: &'static str| {
            let api = api.clone();
            let t = t.clone();
            async move {
                api.post(
                    &format!("{ENV}/cloneenv"),
                    &[
                        ("session", t.as_str()),
                        ("srcEnvName", src),
                        ("dstEnvName", dst),
                    ],
                )
                .await
            }
        };
        clone("shop", "pr-2").await.ok();
        clone("shop", "evil").await.fails(8202);
        clone("other", "pr-3").await.fails(8202);
        // The account still has every environment; the session sees them all.
        let all = api
            .get(&format!("{ENV}/getenvs"), &[("session", sess.as_str())])
            .await;
        assert_eq!(names(&all), ["other", "pr-1", "pr-2", "shop", "store"]);

        // A mount from a node of an environment outside the scope.
        let store = api
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", sess.as_str()), ("envName", "store")],
            )
            .await;
        let store_node = ids(store.ok(), "cp")[0].to_string();
        let mount = |source: String| {
            let api = api.clone();
            let t = t.clone();
            async move {
                api.post(
                    "/1.0/environment/file/rest/addmountpointbygroup",
                    &[
                        ("session", t.as_str()),
                        ("envName", "shop"),
                        ("nodeGroup", "cp"),
                        ("path", "/data"),
                        ("sourcePath", "/srv"),
                        ("sourceNodeId", source.as_str()),
                    ],
                )
                .await
            }
        };
        let r = mount(store_node).await;
        r.fails(8202);
        assert!(
            r.error().contains("cannot mount from [store]"),
            "{}",
            r.error()
        );
        let pr1 = api
            .get(
                &format!("{ENV}/getenvinfo"),
                &[("session", sess.as_str()), ("envName", "pr-1")],
            )
            .await;
        mount(ids(pr1.ok(), "cp")[0].to_string()).await.ok();

        // A parallel burst on an environment outside the scope: all refused, none stopped.
        let burst: Vec<_> = (0..100)
            .map(|i| {
                let api = api.clone();
                let t = t.clone();
                let env = if i % 2 == 0 { "other" } else { "store" };
                tokio::spawn(async move {
                    api.post(
                        &format!("{ENV}/stopenv"),
                        &[("session", t.as_str()), ("envName", env)],
                    )
                    .await
                    .result()
                })
            })
            .collect();
        for h in burst {
            assert_eq!(h.await.unwrap(), 8202);
        }
        assert_eq!(api.status(&sess, "other").await, 1);
        assert_eq!(api.status(&sess, "store").await, 1);

        // Lifting the scope (an empty envNames) opens every environment again.
        edit(&api, &sess, id, &[("envNames", "")]).await.ok();
        assert_eq!(names(&get_envs().await).len(), 5);
        s.stop().await;
    }
);

// Two instances on one database: a restriction set through one holds on the other at
// its next request (PostgreSQL reads the token each time; SQLite's cache notices the
// write), and lifting it does too.
both_databases!(
    a_restriction_set_on_one_instance_holds_on_another,
    |db: TestDb| async move {
        let a = start(&db, true).await;
        let b = start(&db, true).await;
        let api_a = Api::new(&a.url(""));
        let api_b = Api::new(&b.url(""));
        let sess = user_with_session(&a, "two@example.com", PW).await;
        api_a.create_env(&sess, "shop").await.ok();
        api_a.create_env(&sess, "other").await.ok();
        let (id, t) = token(&api_a, &sess, "env.control.GetEnvInfo", &[]).await;
        env_info_from(&api_b, "198.51.100.1", &t, "other")
            .await
            .ok();
        edit(
            &api_a,
            &sess,
            id,
            &[("ipAllowlist", "203.0.113.0/24"), ("envNames", "shop")],
        )
        .await
        .ok();
        env_info_from(&api_b, "198.51.100.1", &t, "shop")
            .await
            .fails(8202);
        env_info_from(&api_b, "203.0.113.1", &t, "other")
            .await
            .fails(8202);
        env_info_from(&api_b, "203.0.113.1", &t, "shop").await.ok();
        edit(&api_a, &sess, id, &[("ipAllowlist", ""), ("envNames", "")])
            .await
            .ok();
        env_info_from(&api_b, "198.51.100.1", &t, "other")
            .await
            .ok();
        a.stop().await;
        b.stop().await;
    }
);
