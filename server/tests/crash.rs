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
}

/// Makes changes as fast as it can until the server stops answering; returns what was
/// acknowledged.
async fn stream_of_changes(base: String, session: String) -> Acked {
    let api = Api::new(&base);
    let client = common::client();
    let mut acked = Acked::default();
    for i in 0.. {
        // An environment with two nodes.
        let name = format!("crash-{i}");
        let env = format!(r#"{{"shortdomain":"{name}"}}"#);
        let Ok(res) = client
            .post(api.url(&format!("{ENV}/createenvironment")))
            .form(&[
                ("session", session.as_str()),
                ("env", &env),
                ("nodes", r#"[{"nodeType":"nginx"},{"nodeType":"tomcat"}]"#),
            ])
            .send()
            .await
        else {
            break;
        };
        let Ok(body) = res.json::<Value>().await else {
            break;
        };
        assert_eq!(body["result"], 0, "{body}");
        acked.envs.insert(name.clone(), 1);
        // Stop the previous one.
        if i > 0 {
            let prev = format!("crash-{}", i - 1);
            let Ok(res) = client
                .get(api.url(&format!("{ENV}/stopenv")))
                .query(&[("session", session.as_str()), ("envName", &prev)])
                .send()
                .await
            else {
                break;
            };
            let Ok(body) = res.json::<Value>().await else {
                break;
            };
            assert_eq!(body["result"], 0, "{body}");
            acked.envs.insert(prev, 2);
        }
        // A token.
        let description = format!("crash token {i}");
        let Ok(res) = client
            .post(api.url(&format!("{AUTH}/createtoken")))
            .form(&[
                ("session", session.as_str()),
                ("password", PW),
                ("description", &description),
                ("apiList", "env.control.GetEnvInfo"),
            ])
            .send()
            .await
        else {
            break;
        };
        let Ok(body) = res.json::<Value>().await else {
            break;
        };
        assert_eq!(body["result"], 0, "{body}");
        let t = &body["token"];
        acked.tokens.insert(
            t["id"].as_i64().unwrap(),
            (description, t["key"].as_str().unwrap().to_string()),
        );
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
        acked.tokens.len() >= 3 && acked.envs.len() >= 3,
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
        let info = by_name
            .get(name)
            .unwrap_or_else(|| panic!("acknowledged environment {name} is gone"));
        assert_eq!(info["env"]["status"].as_i64().unwrap(), *status, "{name}");
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
        let t = listed
            .iter()
            .find(|t| t["id"].as_i64() == Some(*id))
            .unwrap_or_else(|| panic!("token {id} is gone"));
        assert_eq!(t["description"], description.as_str());
        api.get(
            &format!("{ENV}/getenvinfo"),
            &[("session", value), ("envName", "crash-0")],
        )
        .await
        .ok();
    }
    second.terminate().await;
}

both_databases!(
    sigkill_loses_no_acknowledged_change,
    |db: TestDb| async move {
        crash_and_recover(db).await;
    }
);
