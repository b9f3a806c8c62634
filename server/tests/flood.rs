//! The credential flood guard never refuses a live value: a token or session id issued
//! on another instance (or by another process on the SQLite file), never seen by the
//! flooded instance, passes at once from a flooding address; made-up and dead values
//! are still refused.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{Backend, TestDb, TestServer};
use kunci_server::domain::token::PlainToken;
use kunci_server::services::flood::{FLOOD_HOLD, UNKNOWN_CREDENTIALS_PER_MINUTE};

const PW: &str = "correct horse battery staple";
const FLOODER: &str = "203.0.113.66";

async fn start(db: &TestDb) -> TestServer {
    TestServer::start_with(db, |c| c.http.trust_proxy = true).await
}

/// A user on `s` with the environment `env`, and a session signed in on `s`.
async fn user_with_env(s: &TestServer, login: &str, env: &str) -> String {
    let session = user_with_session(s, login, PW).await;
    Api::new(&s.url("")).create_env(&session, env).await.ok();
    session
}

/// A token made on `s` that may read environments.
async fn create_token(s: &TestServer, session: &str) -> (i64, String) {
    let r = Api::new(&s.url(""))
        .post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", session),
                ("password", PW),
                ("description", "ci job"),
                ("apiList", "env.control.GetEnvInfo"),
            ],
        )
        .await;
    let token = &r.ok()["token"];
    (
        token["id"].as_i64().unwrap(),
        token["key"].as_str().unwrap().to_string(),
    )
}

/// GetEnvInfo of `env` from `ip` with `credential`, and how long the answer took.
async fn info(s: &TestServer, ip: &str, env: &str, credential: &str) -> (Reply, Duration) {
    let asked = Instant::now();
    let r = Api::new(&s.url(""))
        .get_from(
            ip,
            &format!("{ENV}/getenvinfo"),
            &[("envName", env), ("session", credential)],
        )
        .await;
    (r, asked.elapsed())
}

/// Sends the limit's worth of made-up tokens from `ip`: each is looked up and refused.
async fn flood(s: &TestServer, ip: &str) {
    for _ in 0..UNKNOWN_CREDENTIALS_PER_MINUTE {
        let (r, _) = info(s, ip, "none", PlainToken::generate().expose()).await;
        r.fails(702);
        assert_eq!(r.error(), "user is not authenticated");
    }
}

/// Asserts that a made-up token from `ip` is refused as part of a flood, after the hold
/// and without a token lookup.
async fn assert_flood_refused(s: &TestServer, ip: &str) {
    let lookups = || s.kunci.store.metrics.token_lookups.load(Ordering::Relaxed);
    let before = lookups();
    let (r, took) = info(s, ip, "none", PlainToken::generate().expose()).await;
    r.fails(702);
    assert_eq!(
        lookups(),
        before,
        "a flooded address's unknown token was looked up"
    );
    assert!(
        r.error().contains("too many unknown tokens or session ids"),
        "{}",
        r.error()
    );
    assert!(took >= FLOOD_HOLD, "refused after {took:?}, not held");
}

both_databases!(
    a_flooded_address_passes_live_values_issued_elsewhere_at_once,
    |db: TestDb| async move {
        let a = start(&db).await;
        // Instance B on the same database (on SQLite: as another process would be).
        let b = start(&db).await;
        let session = user_with_env(&b, "ci@example.com", "ci-env").await;
        let (_, live) = create_token(&b, &session).await;
        let (gone_id, gone) = create_token(&b, &session).await;
        Api::new(&b.url(""))
            .post(
                &format!("{AUTH}/deletetokens"),
                &[
                    ("session", session.as_str()),
                    ("password", PW),
                    ("ids", &gone_id.to_string()),
                ],
            )
            .await
            .ok();
        flood(&a, FLOODER).await;
        assert_flood_refused(&a, FLOODER).await;
        // Never used on A, issued on B: passes from the flooding address, at once.
        let (r, took) = info(&a, FLOODER, "ci-env", &live).await;
        r.ok();
        assert!(took < FLOOD_HOLD, "a live token waited {took:?}");
        let (r, took) = info(&a, FLOODER, "ci-env", &session).await;
        r.ok();
        assert!(took < FLOOD_HOLD, "a live session waited {took:?}");
        // Dead and made-up values still get nothing, and the dead one stays dead.
        let (r, _) = info(&a, FLOODER, "ci-env", &gone).await;
        r.fails(702);
        assert_flood_refused(&a, FLOODER).await;
        let listed = Api::new(&b.url(""))
            .get(
                &format!("{AUTH}/gettokens"),
                &[("session", session.as_str())],
            )
            .await;
        let ids: Vec<i64> = listed.ok()["apiTokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        assert!(!ids.contains(&gone_id), "{ids:?}");
        assert_eq!(ids.len(), 1);
    }
);

both_databases!(
    a_session_signed_out_elsewhere_is_refused_on_a_flooded_address,
    |db: TestDb| async move {
        let a = start(&db).await;
        let b = start(&db).await;
        let session = user_with_env(&b, "gone@example.com", "gone-env").await;
        // Seen valid on A, then signed out on B.
        info(&a, "192.0.2.1", "gone-env", &session).await.0.ok();
        Api::new(&b.url(""))
            .post(&format!("{AUTH}/signout"), &[("session", session.as_str())])
            .await
            .ok();
        flood(&a, FLOODER).await;
        let (r, _) = info(&a, FLOODER, "gone-env", &session).await;
        r.fails(702);
        // Nor from a quiet address: it did not come back to life.
        info(&a, "192.0.2.1", "gone-env", &session)
            .await
            .0
            .fails(702);
    }
);

/// A token made on instance B while A is already flooded reaches A within moments
/// (PostgreSQL's notification), and passes there without the hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_issued_on_another_instance_passes_a_flooded_instance_at_once() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = start(&db).await;
    let b = start(&db).await;
    let session = user_with_env(&b, "late@example.com", "late-env").await;
    flood(&a, FLOODER).await;
    assert_flood_refused(&a, FLOODER).await;
    let (_, token) = create_token(&b, &session).await;
    assert_passes_within(&a, "late-env", &token, Duration::from_secs(2)).await;
}

/// After A's listening connection was cut, it reads the whole set again, so a token
/// issued on B meanwhile (its notification lost) still passes A's flooded address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_notification_connection_reads_the_live_set_again() {
    use sqlx::Connection;
    let db = TestDb::new(Backend::Postgres).await;
    let a = start(&db).await;
    let b = start(&db).await;
    let session = user_with_env(&b, "cut@example.com", "cut-env").await;
    flood(&a, FLOODER).await;
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN %kunci_credentials%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(cut, [true, true], "both instances listen");
    let (_, token) = create_token(&b, &session).await;
    assert_passes_within(&a, "cut-env", &token, Duration::from_secs(5)).await;
}

/// Sends `token` from the flooding address until it passes, for at most `wait`: each
/// try before the value reached the instance is refused after the hold; the one that
/// passes must pass at once.
async fn assert_passes_within(s: &TestServer, env: &str, token: &str, wait: Duration) {
    let until = Instant::now() + wait;
    loop {
        let (r, took) = info(s, FLOODER, env, token).await;
        if r.result() == 0 {
            assert!(took < FLOOD_HOLD, "a live token waited {took:?}");
            return;
        }
        r.fails(702);
        assert!(
            Instant::now() < until,
            "the token did not reach the flooded instance within {wait:?}: {}",
            r.body
        );
    }
}
