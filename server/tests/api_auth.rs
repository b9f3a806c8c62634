//! users.authentication over the REST API, on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, user_with_session};
use common::{TestDb, TestServer, web};

const PW: &str = "correct horse battery staple";

both_databases!(
    signin_answers_the_platform_fields_and_the_session_works,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        s.kunci
            .accounts
            .register("ann@example.com", Some("Ann"), PW.to_string().into())
            .await
            .unwrap();
        let api = Api::new(&s.url(""));
        for signin in [
            api.post(
                &format!("{AUTH}/signin"),
                &[("login", "ann@example.com"), ("password", PW)],
            )
            .await,
            api.post_query(
                "/1.0/users/authentication/rest/SignIn",
                &[("LOGIN", "Ann@Example.com"), ("Password", PW)],
            )
            .await,
        ] {
            let b = signin.ok();
            assert_eq!(signin.status, 200);
            let session = b["session"].as_str().unwrap();
            assert_eq!(session.len(), 40);
            assert_eq!(b["email"], "ann@example.com");
            assert_eq!(b["name"], "Ann");
            assert_eq!(b["status"], "ENABLED");
            assert_eq!(b["accessType"], "FULL_ACCESS");
            assert_eq!(b["authType"], "BASIC");
            assert!(b["uid"].as_i64().unwrap() > 0);

            // The session works: GET and POST, any path case, `session` or Bearer.
            for check in [
                api.get(&format!("{AUTH}/checksign"), &[("session", session)])
                    .await,
                api.post(&format!("{AUTH}/CheckSign"), &[("SESSION", session)])
                    .await,
                api.bearer("/1.0/USERS/Authentication/rest/checksign", session, &[])
                    .await,
            ] {
                let c = check.ok();
                assert_eq!(c["email"], "ann@example.com");
                assert_eq!(c["accessType"], "FULL_ACCESS");
                assert!(
                    c.get("session").is_none(),
                    "CheckSign does not echo the session"
                );
            }
        }
    }
);

both_databases!(
    signin_by_get_is_refused_and_opens_nothing,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        s.kunci
            .accounts
            .register("get@example.com", None, PW.to_string().into())
            .await
            .unwrap();
        let api = Api::new(&s.url(""));
        let r = api
            .get(
                &format!("{AUTH}/signin"),
                &[("login", "get@example.com"), ("password", PW)],
            )
            .await;
        r.fails(3);
        assert!(r.error().contains("POST"), "{}", r.error());
        let user = s
            .kunci
            .store
            .user_by_login("get@example.com")
            .await
            .unwrap()
            .unwrap();
        assert!(s.kunci.store.sessions_of(user.id).await.unwrap().is_empty());
    }
);

both_databases!(
    signin_failures_use_the_documented_codes,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, |c| {
            c.security.lockout_threshold = 3;
            c.security.lockout_duration = Duration::from_secs(2);
        })
        .await;
        s.kunci
            .accounts
            .register("bob@example.com", None, PW.to_string().into())
            .await
            .unwrap();
        let api = Api::new(&s.url(""));
        let signin = |login: &'static str, pw: &'static str| {
            let api = &api;
            async move {
                api.post(
                    &format!("{AUTH}/signin"),
                    &[("login", login), ("password", pw)],
                )
                .await
            }
        };
        let missing = api
            .post(&format!("{AUTH}/signin"), &[("login", "bob@example.com")])
            .await;
        missing.fails(3);
        assert!(missing.error().contains("[password]"));
        let wrong = signin("bob@example.com", "wrong password!").await;
        let unknown = signin("nobody@example.com", "wrong password!").await;
        wrong.fails(701);
        unknown.fails(701);
        assert_eq!(wrong.body, unknown.body, "the same answer for both");
        signin("bob@example.com", "wrong password!")
            .await
            .fails(701);
        signin("bob@example.com", "wrong password!")
            .await
            .fails(701);
        let locked = signin("bob@example.com", PW).await;
        locked.fails(704);
        assert!(locked.error().contains("locked"));
        tokio::time::sleep(Duration::from_millis(2100)).await;
        signin("bob@example.com", PW).await.ok();

        s.kunci
            .store
            .set_user_enabled("bob@example.com", false, kunci_server::clock::now())
            .await
            .unwrap();
        let disabled = signin("bob@example.com", PW).await;
        disabled.fails(704);
        assert!(disabled.error().contains("disabled"));
    }
);

both_databases!(
    missing_unknown_and_dead_sessions_are_702,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "c@example.com", PW).await;
        let check = |sess: String| {
            let api = &api;
            async move {
                api.get(&format!("{AUTH}/checksign"), &[("session", &sess)])
                    .await
            }
        };
        api.get(&format!("{AUTH}/checksign"), &[]).await.fails(702);
        check(String::new()).await.fails(702);
        check("x".repeat(40)).await.fails(702);
        check("not even the right shape".into()).await.fails(702);
        api.bearer(&format!("{AUTH}/checksign"), "garbage", &[])
            .await
            .fails(702);
        check(session.clone()).await.ok();
        api.post(&format!("{AUTH}/signout"), &[("session", &session)])
            .await
            .ok();
        let dead = check(session.clone()).await;
        dead.fails(702);
        assert_eq!(dead.error(), "user is not authenticated");
    }
);

both_databases!(
    sessions_are_listed_and_signed_out_by_id,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let first = user_with_session(&s, "d@example.com", PW).await;
        let second = api.signin("d@example.com", PW).await;
        let third = api.signin("d@example.com", PW).await;
        // A browser session of the same account lives in the same table.
        let cookie = web::sign_in(&s.url(""), "d@example.com", PW)
            .await
            .cookie
            .unwrap();

        let list = api
            .get(&format!("{AUTH}/getsessions"), &[("session", &first)])
            .await;
        let sessions = list.ok()["sessions"].as_array().unwrap().clone();
        assert_eq!(sessions.len(), 4);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        assert_eq!(sessions.iter().filter(|s| s["type"] == "WEB").count(), 1);
        for field in ["id", "uid", "host", "userAgent", "lastAccess", "createdOn"] {
            assert!(
                sessions[0].get(field).is_some(),
                "{field} in {}",
                sessions[0]
            );
        }
        assert!(
            !list.body.to_string().contains(&first),
            "ids, never session values"
        );
        let current_id = sessions.iter().find(|s| s["current"] == true).unwrap()["id"]
            .as_i64()
            .unwrap();
        let second_id = sessions
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .find(|&id| id != current_id)
            .unwrap();

        api.post(
            &format!("{AUTH}/signoutsessions"),
            &[("session", &first), ("ids", &second_id.to_string())],
        )
        .await
        .ok();
        let left = api
            .get(&format!("{AUTH}/getsessions"), &[("session", &first)])
            .await;
        assert_eq!(left.ok()["sessions"].as_array().unwrap().len(), 3);

        api.post(
            &format!("{AUTH}/signoutsessions"),
            &[("session", &first), ("ids", "abc")],
        )
        .await
        .fails(3);
        api.post(
            &format!("{AUTH}/signoutsessions"),
            &[("session", &first), ("ids", "*")],
        )
        .await
        .ok();
        api.get(&format!("{AUTH}/checksign"), &[("session", &first)])
            .await
            .ok();
        for other in [&second, &third] {
            api.get(&format!("{AUTH}/checksign"), &[("session", other)])
                .await
                .fails(702);
        }
        assert_eq!(
            web::me(&s.url(""), &cookie).await,
            None,
            "the browser session was signed out too"
        );
    }
);

both_databases!(
    one_user_cannot_sign_out_another_users_sessions,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let alice = user_with_session(&s, "alice@example.com", PW).await;
        let mallory = user_with_session(&s, "mallory@example.com", PW).await;
        let alice_sessions = api
            .get(&format!("{AUTH}/getsessions"), &[("session", &alice)])
            .await;
        let alice_id = alice_sessions.ok()["sessions"][0]["id"].as_i64().unwrap();
        api.post(
            &format!("{AUTH}/signoutsessions"),
            &[("session", &mallory), ("ids", &alice_id.to_string())],
        )
        .await
        .ok();
        api.get(&format!("{AUTH}/checksign"), &[("session", &alice)])
            .await
            .ok();
    }
);
