//! The server's log, captured from a real process, never holds a secret.

mod common;

use common::api::{AUTH, Api, ENV};
use common::{Backend, ServerProcess, TestDb, web};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_log_never_contains_secrets() {
    let db = TestDb::new(Backend::Sqlite).await;
    // Open: each of the two processes signs its own account up.
    let human = ServerProcess::start(&db.url, &["--signup", "open"]).await;
    let json = ServerProcess::start(&db.url, &["--log-format", "json", "--signup", "open"]).await;
    let password = "Pa55word-in-a-body-77";
    let query_secret = "QuerySecretValue12345";
    let header_secret = "HeaderSecretValue67890";
    for p in [&human, &json] {
        let base = p.url("");
        let login = format!("log{}@example.com", p.addr.port());
        let cookie = web::signed_up(&base, &login, password).await;
        web::sign_in(&base, &login, "Wrong-password-999").await;
        let c = common::client();
        for path in [
            "/",
            "/healthz",
            "/missing",
            "/1.0/environment/control/rest/getenvs",
        ] {
            let _ = c
                .get(format!(
                    "{base}{path}?session={query_secret}&password={query_secret}&token={query_secret}&SESSION={query_secret}&envName=visible-name"
                ))
                .header("authorization", format!("Bearer {header_secret}"))
                .header("cookie", format!("kunci_session={cookie}; other={header_secret}"))
                .send()
                .await
                .unwrap();
        }
        // The REST API: a session, a token made, used in the query and as Bearer, regenerated.
        let api = Api::new(&base);
        let session = api.signin(&login, password).await;
        let env_name = format!("log-env-{}", p.addr.port());
        api.create_env(&session, &env_name).await.ok();
        let created = api
            .post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", &session),
                    ("password", password),
                    ("description", "logged?"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await;
        let token = created.ok()["token"]["key"].as_str().unwrap().to_string();
        let id = created.body["token"]["id"].as_i64().unwrap().to_string();
        api.get(
            &format!("{ENV}/getenvinfo"),
            &[("session", &token), ("envName", &env_name)],
        )
        .await
        .ok();
        api.bearer(
            &format!("{ENV}/getenvinfo"),
            &token,
            &[("envName", &env_name)],
        )
        .await
        .ok();
        let regenerated = api
            .post(
                &format!("{AUTH}/regeneratetoken"),
                &[("session", &session), ("password", password), ("id", &id)],
            )
            .await;
        let token2 = regenerated.ok()["token"]["key"]
            .as_str()
            .unwrap()
            .to_string();
        api.get(
            &format!("{ENV}/getenvinfo"),
            &[("session", &token), ("envName", &env_name)],
        )
        .await
        .fails(702);
        api.get(
            &format!("{ENV}/getenvinfo?session={token2}&envName={env_name}"),
            &[],
        )
        .await
        .ok();
        web::sign_out(&base, &cookie).await;
        // Wait until the last request's line is written.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let log = p.log_text();
        assert!(
            log.contains("visible-name"),
            "the log does show ordinary parameters:\n{log}"
        );
        assert!(
            log.contains("session=***"),
            "and marks redacted ones:\n{log}"
        );
        for secret in [
            password,
            query_secret,
            header_secret,
            cookie.as_str(),
            session.as_str(),
            token.as_str(),
            token2.as_str(),
        ] {
            assert!(
                !log.contains(secret),
                "secret {secret:?} leaked into the log:\n{log}"
            );
        }
    }
    let log = json.log_text();
    let first_request = log
        .lines()
        .find(|l| l.contains("\"request\""))
        .expect("a JSON request line");
    let parsed: serde_json::Value =
        serde_json::from_str(first_request).expect("log lines are JSON");
    assert!(
        parsed.get("request_id").is_some() && parsed.get("status").is_some(),
        "{parsed}"
    );
}
