//! Crash safety: SIGKILL the server in the middle of a stream of token creations and
//! environment changes, restart it, and check that every change the client saw
//! acknowledged is there and works, and that nothing is half-applied.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::api::{AUTH, Api, ENV};
use common::{ServerProcess, TestDb, web};
use serde_json::Value;

const PW: &str = "correct horse battery staple";

#[derive(Default, Debug)]
struct Acked {
    /// token id → (description, value)
    tokens: HashMap<i64, (String, String)>,
    /// environment name → status
    envs: HashMap<String, i64>,
    /// Deleted and acknowledged: must stay gone.
    deleted_tokens: Vec<i64>,
    deleted_envs: Vec<String>,
    /// The change in flight when the server died: it may or may not have happened.
    uncertain_envs: Vec<String>,
    uncertain_tokens: Vec<i64>,
}

/// POSTs a form; `None` once the server no longer answers.
async fn post(client: &reqwest::Client, url: String, form: &[(&str, &str)]) -> Option<Value> {
    let res = client.post(url).form(form).send().await.ok()?;
    res.json::<Value>().await.ok()
}

/// Makes changes as fast as it can until the server stops answering; returns what was
/// acknowledged.
async fn stream_of_changes(base: String, session: String) -> Acked {
    let api = Api::new(&base);
    let client = common::client();
    let mut acked = Acked::default();
    // Older environments and tokens are deleted as it goes, so the stream stays under
    // the account limits (50 environments, 100 tokens) however fast the machine is.
    for i in 0_usize.. {
        // An environment with two nodes.
        let name = format!("crash-{i}");
        let env = format!(r#"{{"shortdomain":"{name}"}}"#);
        let Some(body) = post(
            &client,
            api.url(&format!("{ENV}/createenvironment")),
            &[
                ("session", session.as_str()),
                ("env", &env),
                ("nodes", r#"[{"nodeType":"nginx"},{"nodeType":"tomcat"}]"#),
            ],
        )
        .await
        else {
            break;
        };
        assert_eq!(body["result"], 0, "{body}");
        acked.envs.insert(name.clone(), 1);
        // Stop the previous one.
        if i > 0 {
            let prev = format!("crash-{}", i - 1);
            let Some(body) = post(
                &client,
                api.url(&format!("{ENV}/stopenv")),
                &[("session", session.as_str()), ("envName", &prev)],
            )
            .await
            else {
                acked.uncertain_envs.push(prev);
                break;
            };
            assert_eq!(body["result"], 0, "{body}");
            acked.envs.insert(prev, 2);
        }
        // Delete the one before that.
        if i > 1 {
            let old = format!("crash-{}", i - 2);
            let Some(body) = post(
                &client,
                api.url(&format!("{ENV}/deleteenv")),
                &[
                    ("session", session.as_str()),
                    ("envName", &old),
                    ("password", PW),
                ],
            )
            .await
            else {
                acked.uncertain_envs.push(old);
                break;
            };
            assert_eq!(body["result"], 0, "{body}");
            acked.envs.remove(&old);
            acked.deleted_envs.push(old);
        }
        // A token.
        let description = format!("crash token {i}");
        let Some(body) = post(
            &client,
            api.url(&format!("{AUTH}/createtoken")),
            &[
                ("session", session.as_str()),
                ("password", PW),
                ("description", &description),
                ("apiList", "env.control.GetEnvs"),
            ],
        )
        .await
        else {
            break;
        };
        assert_eq!(body["result"], 0, "{body}");
        let t = &body["token"];
        let id = t["id"].as_i64().unwrap();
        acked
            .tokens
            .insert(id, (description, t["key"].as_str().unwrap().to_string()));
        // Every fifth round, delete the oldest tokens but the last three.
        if acked.tokens.len() > 5 && i % 5 == 0 {
            let mut ids: Vec<i64> = acked.tokens.keys().copied().collect();
            ids.sort_unstable();
            let doomed = &ids[..ids.len() - 3];
            let list = doomed
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(";");
            let Some(body) = post(
                &client,
                api.url(&format!("{AUTH}/deletetokens")),
                &[
                    ("session", session.as_str()),
                    ("ids", &list),
                    ("password", PW),
                ],
            )
            .await
            else {
                acked.uncertain_tokens.extend_from_slice(doomed);
                break;
            };
            assert_eq!(body["result"], 0, "{body}");
            for id in doomed {
                acked.tokens.remove(id);
                acked.deleted_tokens.push(*id);
            }
        }
    }
    acked
}

async fn crash_and_recover(db: TestDb) {
    let first = ServerProcess::start(&db.url, &[]).await;
    web::signed_up(&first.url(""), "crash@example.com", PW).await;
    let session = Api::new(&first.url(""))
        .signin("crash@example.com", PW)
        .await;
    let stream = tokio::spawn(stream_of_changes(first.url(""), session.clone()));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let pid = first.child.id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let acked = stream.await.unwrap();
    assert!(
        acked.tokens.len() >= 3 && acked.envs.len() >= 2,
        "the stream made progress: {acked:?}"
    );
    drop(first);

    let second = ServerProcess::start(&db.url, &[]).await;
    let api = Api::new(&second.url(""));
    let session = api.signin("crash@example.com", PW).await;
    let envs = api
        .get(&format!("{ENV}/getenvs"), &[("session", &session)])
        .await;
    let infos = envs.ok()["infos"].as_array().unwrap().clone();
    let by_name: HashMap<String, &Value> = infos
        .iter()
        .map(|i| (i["env"]["envName"].as_str().unwrap().to_string(), i))
        .collect();
    for (name, status) in &acked.envs {
        if acked.uncertain_envs.contains(name) {
            continue;
        }
        let info = by_name
            .get(name)
            .unwrap_or_else(|| panic!("acknowledged environment {name} is gone"));
        assert_eq!(info["env"]["status"].as_i64().unwrap(), *status, "{name}");
    }
    for name in &acked.deleted_envs {
        assert!(
            !by_name.contains_key(name),
            "deleted environment {name} is back"
        );
    }
    for info in &infos {
        assert_eq!(
            info["nodes"].as_array().unwrap().len(),
            2,
            "no environment is half-created: {info}"
        );
        assert!([1, 2].contains(&info["env"]["status"].as_i64().unwrap()));
    }
    let tokens = api
        .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
        .await;
    let listed = tokens.ok()["apiTokens"].as_array().unwrap().clone();
    for t in &listed {
        assert_eq!(
            t["apiListItems"].as_array().unwrap().len(),
            1,
            "no token is half-created: {t}"
        );
    }
    for (id, (description, value)) in &acked.tokens {
        if acked.uncertain_tokens.contains(id) {
            continue;
        }
        let t = listed
            .iter()
            .find(|t| t["id"].as_i64() == Some(*id))
            .unwrap_or_else(|| panic!("token {id} is gone"));
        assert_eq!(t["description"], description.as_str());
        api.get(&format!("{ENV}/getenvs"), &[("session", value)])
            .await
            .ok();
    }
    for id in &acked.deleted_tokens {
        assert!(
            !listed.iter().any(|t| t["id"].as_i64() == Some(*id)),
            "deleted token {id} is back"
        );
    }
    second.terminate().await;
}

both_databases!(
    sigkill_loses_no_acknowledged_change,
    |db: TestDb| async move {
        crash_and_recover(db).await;
    }
);
