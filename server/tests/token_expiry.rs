//! Token expiry (issue 14), on SQLite and PostgreSQL: the operator's policy
//! (`--token-max-lifetime`, `--token-default-lifetime`), the `Kunci-Token-Expiration`
//! header, the dashboard banner's window, the once-only "expiring soon" log entry,
//! regenerating an expired token, and edits that keep the stored expiry.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{TestDb, TestServer};
use kunci_server::clock::{format_wire, now, parse_wire};
use kunci_server::config::Config;
use kunci_server::services::tokens::EXPIRY_NOTICE_SECS;
use serde_json::{Value, json};

const PW: &str = "correct horse battery staple";
const DAY: i64 = 24 * 3600;
const HEADER: &str = "kunci-token-expiration";

async fn create(api: &Api, session: &str, params: &[(&str, &str)]) -> Reply {
    let mut all = vec![
        ("session", session),
        ("password", PW),
        ("description", "expiry test"),
        ("apiList", "env.control.GetEnvInfo"),
    ];
    all.extend_from_slice(params);
    api.post(&format!("{AUTH}/createtoken"), &all).await
}

async fn edit(api: &Api, session: &str, id: i64, params: &[(&str, &str)]) -> Reply {
    let id = id.to_string();
    let mut all = vec![("session", session), ("password", PW), ("id", id.as_str())];
    all.extend_from_slice(params);
    api.post(&format!("{AUTH}/edittoken"), &all).await
}

async fn regenerate(api: &Api, session: &str, id: i64, params: &[(&str, &str)]) -> Reply {
    let id = id.to_string();
    let mut all = vec![("session", session), ("password", PW), ("id", id.as_str())];
    all.extend_from_slice(params);
    api.post(&format!("{AUTH}/regeneratetoken"), &all).await
}

async fn tokens_of(api: &Api, session: &str) -> Vec<Value> {
    api.get(&format!("{AUTH}/gettokens"), &[("session", session)])
        .await
        .ok()["apiTokens"]
        .as_array()
        .unwrap()
        .clone()
}

fn expiry_of(token: &Value) -> Option<i64> {
    token["expiresAt"].as_str().and_then(parse_wire)
}

/// Asserts a result 3 naming `expiresAt` whose message contains `needle`.
fn refused_naming_expires_at(r: &Reply, needle: &str) {
    r.fails(3);
    assert!(r.error().contains("[expiresAt]"), "{}", r.error());
    assert!(r.error().contains(needle), "{needle:?} in {}", r.error());
}

fn with_policy(max: Option<u32>, default: Option<u32>) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.token_expiry.max_days = max;
        c.token_expiry.default_days = default;
    }
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

/// The GET answer of `method` with `credential` as a bearer, and its expiry header.
async fn header_of(api: &Api, method: &str, credential: &str) -> (Value, Option<String>) {
    let res = api
        .client()
        .get(api.url(&format!("{ENV}/{method}?envName=exp-env")))
        .bearer_auth(credential)
        .send()
        .await
        .unwrap();
    let header = res
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().unwrap().to_string());
    (res.json().await.unwrap(), header)
}

both_databases!(
    max_lifetime_limits_create_edit_and_regenerate,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, with_policy(Some(90), None)).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "max@example.com", PW).await;

        // No expiresAt (or an empty one) with a maximum: the maximum, from now.
        let before = now();
        let t = create(&api, &session, &[]).await.ok()["token"].clone();
        let at = expiry_of(&t).expect("an expiry");
        assert!((before + 90 * DAY..=now() + 90 * DAY).contains(&at), "{t}");
        let empty = create(&api, &session, &[("expiresAt", "")]).await;
        assert!(
            expiry_of(&empty.ok()["token"]).is_some(),
            "empty is not never"
        );
        let id = t["id"].as_i64().unwrap();

        // Later than 90 days from today: refused, naming the limit; nothing is created.
        let late = format_wire(now() + 91 * DAY);
        let r = create(&api, &session, &[("expiresAt", &late)]).await;
        refused_naming_expires_at(&r, "at most 90 days from today");
        refused_naming_expires_at(&r, "--token-max-lifetime");
        assert_eq!(tokens_of(&api, &session).await.len(), 2, "nothing created");
        let ok = format_wire(now() + 89 * DAY);
        create(&api, &session, &[("expiresAt", &ok)]).await.ok();

        // Edit: never is refused; beyond 90 days from creation too; within is fine.
        refused_naming_expires_at(
            &edit(&api, &session, id, &[("expiresAt", "")]).await,
            "a token must expire",
        );
        let r = edit(&api, &session, id, &[("expiresAt", &late)]).await;
        refused_naming_expires_at(&r, "from the token's creation or last regeneration");
        assert_eq!(
            expiry_of(&tokens_of(&api, &session).await[0]),
            Some(at),
            "kept"
        );
        let month = format_wire(now() + 30 * DAY);
        let e = edit(&api, &session, id, &[("expiresAt", &month)]).await;
        assert_eq!(e.ok()["token"]["expiresAt"], month.as_str());
        // A description-only edit of a token is not checked against the policy.
        edit(&api, &session, id, &[("description", "renamed")])
            .await
            .ok();

        // Regenerate: never and beyond the limit are refused; a kept expiry within it is fine.
        refused_naming_expires_at(
            &regenerate(&api, &session, id, &[("expiresAt", "")]).await,
            "a token must expire",
        );
        refused_naming_expires_at(
            &regenerate(&api, &session, id, &[("expiresAt", &late)]).await,
            "at most 90 days from today",
        );
        let r = regenerate(&api, &session, id, &[]).await;
        assert_eq!(r.ok()["token"]["expiresAt"], month.as_str());
        let later = format_wire(now() + 80 * DAY);
        let r = regenerate(&api, &session, id, &[("expiresAt", &later)]).await;
        assert_eq!(r.ok()["token"]["expiresAt"], later.as_str());
    }
);

both_databases!(
    default_lifetime_is_the_api_default_under_a_maximum,
    |db: TestDb| async move {
        let s = TestServer::start_with(&db, with_policy(Some(90), Some(30))).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "default@example.com", PW).await;
        let before = now();
        let t = create(&api, &session, &[]).await.ok()["token"].clone();
        let at = expiry_of(&t).unwrap();
        assert!((before + 30 * DAY..=now() + 30 * DAY).contains(&at), "{t}");
        // The dashboard reads the policy (it presets and limits its date picker).
        let res = common::client()
            .post(s.url("/api/tokens/policy"))
            .header("origin", s.url(""))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"max_days": 90, "default_days": 30})
        );

        // The dashboard: an empty date is refused; the day the maximum ends means the
        // limit itself; a kept date is not checked again.
        let base = s.url("");
        let cookie = common::web::sign_in(&base, "default@example.com", PW)
            .await
            .cookie
            .unwrap();
        let ui = |path: &'static str, body: Value| {
            let (base, cookie) = (base.clone(), cookie.clone());
            async move {
                let res = common::client()
                    .post(format!("{base}/api/{path}"))
                    .header("origin", &base)
                    .header("cookie", format!("kunci_session={cookie}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            }
        };
        let form = |expires: &str, keep: bool| {
            json!({"description": "ui", "expires": expires, "keep_expiry": keep,
                   "template": null, "methods": ["env.control.GetEnvInfo"]})
        };
        let (status, body) = ui(
            "tokens/create",
            json!({"form": form("", false), "password": PW}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let app::AppError::InvalidParameter { name, reason, .. } = common::web::error(&body) else {
            panic!("not an invalid parameter: {body}")
        };
        assert_eq!(name, "expires");
        assert!(reason.contains("at most 90 days"), "{reason}");
        let before = now();
        let limit_day = format_wire(before + 90 * DAY);
        let limit_day = format!(
            "{}-{}-{}",
            &limit_day[8..10],
            &limit_day[5..7],
            &limit_day[..4]
        );
        let (status, body) = ui(
            "tokens/create",
            json!({"form": form(&limit_day, false), "password": PW}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let at = parse_wire(body["token"]["expires_at"].as_str().unwrap()).unwrap();
        assert!(
            (before + 90 * DAY..=now() + 90 * DAY).contains(&at),
            "{body}"
        );
        let id = body["token"]["id"].as_i64().unwrap();
        let (status, body) = ui(
            "tokens/edit",
            json!({"id": id, "form": form(&limit_day, true), "password": PW}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(parse_wire(body["expires_at"].as_str().unwrap()), Some(at));
    }
);

both_databases!(
    without_flags_never_and_ten_years_stay_allowed,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "free@example.com", PW).await;
        let t = create(&api, &session, &[]).await.ok()["token"].clone();
        assert!(t.get("expiresAt").is_none(), "never: {t}");
        let far = format_wire(now() + 3000 * DAY);
        create(&api, &session, &[("expiresAt", &far)]).await.ok();
        let id = t["id"].as_i64().unwrap();
        edit(&api, &session, id, &[("expiresAt", &far)]).await.ok();
        edit(&api, &session, id, &[("expiresAt", "")]).await.ok();
        let r = regenerate(&api, &session, id, &[]).await;
        assert!(r.ok()["token"].get("expiresAt").is_none());
    }
);

both_databases!(
    token_expiration_header_on_every_token_answer,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "header@example.com", PW).await;
        api.create_env(&session, "exp-env").await.ok();
        let t = create(&api, &session, &[("expiresAt", "2030-01-31 00:00:00")]).await;
        let value = t.ok()["token"]["key"].as_str().unwrap().to_string();
        let want = Some("2030-01-31 00:00:00 UTC".to_string());

        let (body, header) = header_of(&api, "getenvinfo", &value).await;
        assert_eq!(body["result"], 0);
        assert_eq!(header, want, "on success");
        let (body, header) = header_of(&api, "stopenv", &value).await;
        assert_eq!(body["result"], 8202);
        assert_eq!(header, want, "on a method the token may not call");
        let res = api
            .client()
            .get(api.url(&format!("{AUTH}/gettokens?session={value}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers().get(HEADER).map(|v| v.to_str().unwrap()),
            Some("2030-01-31 00:00:00 UTC"),
            "on a private method, credential as the session parameter"
        );

        // Absent: a session, a token that never expires, a value that is not live.
        let (body, header) = header_of(&api, "getenvinfo", &session).await;
        assert_eq!((body["result"].clone(), header), (json!(0), None));
        let never = create(&api, &session, &[]).await.ok()["token"]["key"]
            .as_str()
            .unwrap()
            .to_string();
        let (body, header) = header_of(&api, "getenvinfo", &never).await;
        assert_eq!((body["result"].clone(), header), (json!(0), None));
        let unknown = format!("kunci_{}", "x".repeat(38));
        let (body, header) = header_of(&api, "getenvinfo", &unknown).await;
        assert_eq!((body["result"].clone(), header), (json!(702), None));
    }
);

both_databases!(
    banner_names_tokens_seven_days_either_side_edges_included,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "banner@example.com", PW).await;
        let uid = user_id(&s, "banner@example.com").await;
        let e = now() + 20 * DAY;
        let t = create(&api, &session, &[("expiresAt", &format_wire(e))]).await;
        let id = t.ok()["token"]["id"].as_i64().unwrap();
        create(&api, &session, &[]).await.ok(); // never expires: never named
        let named = |at: i64| {
            let tokens = s.kunci.tokens.clone();
            async move {
                let list = tokens.expiry_notices(uid, at).await.unwrap();
                list.iter().map(|t| t.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(EXPIRY_NOTICE_SECS, 7 * DAY);
        assert_eq!(
            named(e - 7 * DAY - 1).await,
            Vec::<i64>::new(),
            "8 days ahead"
        );
        assert_eq!(named(e - 7 * DAY).await, vec![id], "exactly 7 days ahead");
        assert_eq!(named(e).await, vec![id], "expiring this second");
        assert_eq!(
            named(e + 7 * DAY).await,
            vec![id],
            "expired exactly 7 days ago"
        );
        assert_eq!(
            named(e + 7 * DAY + 1).await,
            Vec::<i64>::new(),
            "longer ago"
        );

        // The dashboard asks the same rule as of now.
        let cookie = common::web::sign_in(&s.url(""), "banner@example.com", PW)
            .await
            .cookie
            .unwrap();
        let ask = || async {
            common::client()
                .post(s.url("/api/tokens/expiring"))
                .header("origin", s.url(""))
                .header("cookie", format!("kunci_session={cookie}"))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        };
        assert_eq!(ask().await, json!([]));
        let soon = format_wire(now() + 3 * DAY);
        let r = create(
            &api,
            &session,
            &[("expiresAt", &soon), ("description", "soon")],
        )
        .await;
        let soon_id = r.ok()["token"]["id"].as_i64().unwrap();
        let listed = ask().await;
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["id"], soon_id);
        assert_eq!(listed[0]["expires_at"], soon.as_str());
    }
);

both_databases!(
    expiring_soon_is_logged_once_per_token_until_its_expiry_changes,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "warn@example.com", PW).await;
        let uid = user_id(&s, "warn@example.com").await;
        let soon = create(
            &api,
            &session,
            &[("expiresAt", &format_wire(now() + 3 * DAY))],
        )
        .await;
        let soon = soon.ok()["token"]["id"].as_i64().unwrap();
        let e = now() + 20 * DAY;
        let later = create(&api, &session, &[("expiresAt", &format_wire(e))]).await;
        let later = later.ok()["token"]["id"].as_i64().unwrap();
        create(&api, &session, &[]).await.ok();
        let warnings = || async {
            s.kunci
                .security_log
                .list(uid, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.kind == "token.expiring_soon")
                .map(|e| e.params.to_json())
                .collect::<Vec<_>>()
        };
        let tokens = &s.kunci.tokens;
        // (The housekeeping pass may have run first: what counts is the log.)
        tokens.warn_expiring(now()).await.unwrap();
        assert_eq!(tokens.warn_expiring(now()).await.unwrap(), 0, "once");
        let w = warnings().await;
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains(&format!("\"id\":{soon},")), "{w:?}");

        // The window's edge: 7 days ahead, to the second.
        assert_eq!(tokens.warn_expiring(e - 7 * DAY - 1).await.unwrap(), 0);
        assert_eq!(tokens.warn_expiring(e - 7 * DAY).await.unwrap(), 1);
        assert_eq!(tokens.warn_expiring(e - 7 * DAY).await.unwrap(), 0);
        assert!(warnings().await[0].contains(&format!("\"id\":{later},")));

        // A new expiry is announced again when it comes near.
        let moved = format_wire(now() + 5 * DAY);
        edit(&api, &session, soon, &[("expiresAt", &moved)])
            .await
            .ok();
        assert_eq!(tokens.warn_expiring(now()).await.unwrap(), 1);
        assert_eq!(tokens.warn_expiring(now()).await.unwrap(), 0);
        assert_eq!(warnings().await.len(), 3);
    }
);

both_databases!(
    regenerating_an_expired_token_needs_a_new_expiry_and_edits_keep_dates,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let base = s.url("");
        let api = Api::new(&base);
        let session = user_with_session(&s, "regen@example.com", PW).await;
        api.create_env(&session, "exp-env").await.ok();
        let short = format_wire(now() + 2);
        let t = create(&api, &session, &[("expiresAt", &short)]).await.ok()["token"].clone();
        let (id, old) = (
            t["id"].as_i64().unwrap(),
            t["key"].as_str().unwrap().to_string(),
        );
        let kept = create(&api, &session, &[("expiresAt", "2030-01-31 00:00:00")]).await;
        let kept = kept.ok()["token"]["id"].as_i64().unwrap();
        tokio::time::sleep(Duration::from_millis(3100)).await;

        // Without a new expiry, or with a past one: refused; nothing changes.
        refused_naming_expires_at(&regenerate(&api, &session, id, &[]).await, "expired on");
        let past = format_wire(now() - 60);
        regenerate(&api, &session, id, &[("expiresAt", &past)])
            .await
            .fails(3);
        let listed = tokens_of(&api, &session).await;
        assert_eq!(listed[0]["expiresAt"], short.as_str(), "kept");
        let uid = user_id(&s, "regen@example.com").await;
        let log = s.kunci.security_log.list(uid, 100).await.unwrap();
        assert!(!log.iter().any(|e| e.kind == "token.regenerated"));

        // With one: a new value that works at once, and says when it expires.
        let fresh = format_wire(now() + 10 * DAY);
        let r = regenerate(&api, &session, id, &[("expiresAt", &fresh)]).await;
        let t = r.ok()["token"].clone();
        assert_eq!(t["expiresAt"], fresh.as_str());
        let value = t["key"].as_str().unwrap().to_string();
        assert_ne!(value, old);
        let (body, header) = header_of(&api, "getenvinfo", &value).await;
        assert_eq!(body["result"], 0, "{body}");
        assert_eq!(header, Some(format!("{fresh} UTC")));

        // The dashboard's edit: a date left as it was keeps the stored expiry to the
        // second (an API-set 00:00:00 does not become 23:59:59).
        let cookie = common::web::sign_in(&base, "regen@example.com", PW)
            .await
            .cookie
            .unwrap();
        let ui_edit = |id: i64, form: Value| {
            let (base, cookie) = (base.clone(), cookie.clone());
            async move {
                let res = common::client()
                    .post(format!("{base}/api/tokens/edit"))
                    .header("origin", &base)
                    .header("cookie", format!("kunci_session={cookie}"))
                    .json(&json!({"id": id, "form": form, "password": PW}))
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap())
            }
        };
        let form = |description: &str, expires: &str, keep: bool| {
            json!({"description": description, "expires": expires, "keep_expiry": keep,
                   "template": null, "methods": ["env.control.GetEnvInfo"]})
        };
        let (status, body) = ui_edit(kept, form("renamed", "31-01-2030", true)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["description"], "renamed");
        assert_eq!(body["expires_at"], "2030-01-31 00:00:00");
        // A date changed by the user is read as before: through the end of that day.
        let (status, body) = ui_edit(kept, form("renamed", "01-02-2030", false)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["expires_at"], "2030-02-01 23:59:59");

        // An expired token can be edited without touching its date.
        let gone = format_wire(now() + 2);
        let t = create(&api, &session, &[("expiresAt", &gone)]).await;
        let gone_id = t.ok()["token"]["id"].as_i64().unwrap();
        tokio::time::sleep(Duration::from_millis(3100)).await;
        edit(&api, &session, gone_id, &[("description", "old job")])
            .await
            .ok();
        let ui_date = format!("{}-{}-{}", &gone[8..10], &gone[5..7], &gone[..4]);
        let (status, body) = ui_edit(gone_id, form("older job", &ui_date, true)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["expires_at"], gone.as_str());
        assert_eq!(body["expired"], true);
    }
);
