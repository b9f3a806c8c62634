//! Server-rendered pages and the dashboard's live data endpoint, over HTTP.

mod common;

use common::api::{Api, ENV};
use common::{TestDb, TestServer, web};

const PW: &str = "correct horse battery staple";

async fn page(s: &TestServer, path: &str) -> (u16, String) {
    let r = common::client()
        .get(s.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

both_databases!(
    api_reference_lists_the_catalog_and_each_method,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let (status, html) = page(&s, "/docs/api").await;
        assert_eq!(status, 200);
        assert_eq!(
            html.matches("href=\"/docs/api/").count(),
            861,
            "one link per catalog method"
        );
        assert!(
            html.contains("env.control.StopEnv")
                && html.contains("users.authentication.CreateToken")
        );
        assert!(html.contains("Result codes") && html.contains("8202"));

        let (status, html) = page(&s, "/docs/api/env.control.StopEnv").await;
        assert_eq!(status, 200);
        for needle in [
            "/1.0/environment/control/rest/stopenv",
            "env.control.StopEnv",
            "implemented",
            "envName",
            "Stops a running environment",
        ] {
            assert!(
                html.contains(needle),
                "{needle} missing from the StopEnv page"
            );
        }
        let (status, html) = page(&s, "/docs/api/ENV.CONTROL.ADDNODE").await;
        assert_eq!(status, 200);
        assert!(html.contains("not implemented") && html.contains("1702"));
        let (status, _) = page(&s, "/docs/api/no.such.Method").await;
        assert_eq!(status, 404);
    }
);

both_databases!(
    dashboard_data_follows_api_changes,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let base = s.url("");
        let cookie = web::signed_up(&base, "dash@example.com", PW).await;
        let api = Api::new(&base);
        let session = api.signin("dash@example.com", PW).await;
        let c = common::client();

        let anonymous = c.get(s.url("/ui/envs")).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);

        api.create_env(&session, "my-project").await.ok();
        let list = |c: reqwest::Client, url: String, cookie: String| async move {
            let r = c
                .get(url)
                .header("cookie", format!("kunci_session={cookie}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        };
        let before = list(c.clone(), s.url("/ui/envs"), cookie.clone()).await;
        assert_eq!(before[0]["name"], "my-project");
        assert_eq!(before[0]["status"], 1);
        assert_eq!(before[0]["node_count"], 3);
        api.get(
            &format!("{ENV}/stopenv"),
            &[("session", &session), ("envName", "my-project")],
        )
        .await
        .ok();
        let after = list(c.clone(), s.url("/ui/envs"), cookie.clone()).await;
        assert_eq!(after[0]["status"], 2, "the next poll sees the API's change");

        // The server-rendered dashboard shows it too.
        let html = c
            .get(s.url("/"))
            .header("cookie", format!("kunci_session={cookie}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("data-env=\"my-project\"") && html.contains("Stopped"),
            "{html}"
        );

        // And the dashboard's own actions go through the same rules.
        let start = web::call(
            &base,
            "/api/envs/action",
            Some(&cookie),
            &[("name", "my-project"), ("action", "start")],
        )
        .await;
        assert_eq!(start.status, 200, "{}", start.body);
        assert_eq!(api.status(&session, "my-project").await, 1);
        let again = web::call(
            &base,
            "/api/envs/action",
            Some(&cookie),
            &[("name", "my-project"), ("action", "start")],
        )
        .await;
        assert_eq!(again.status, 409);
        assert!(
            matches!(
                web::error(&again.body),
                app::AppError::WrongEnvStatus { .. }
            ),
            "{}",
            again.body
        );
    }
);
