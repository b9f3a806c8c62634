//! Instance caches on PostgreSQL (storage::cache): two instances on one database, each
//! caching token, session and environment lookups, kept correct by the change
//! notifications; and what happens while those notifications are down.

mod common;

use std::time::{Duration, Instant};

use common::api::{AUTH, Api, ENV, user_with_session};
use common::{
    ANOTHER_INSTANCE_LEARNS_WITHIN, Backend, ServerProcess, TestDb, TestServer,
    seen_on_another_instance,
};

const PW: &str = "correct horse battery staple";
const LOGIN: &str = "caches@example.com";
const ENV_NAME: &str = "cached-env";

async fn create_token(api: &Api, session: &str) -> (String, String) {
    let r = api
        .post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", session),
                ("password", PW),
                ("description", "cached"),
                ("apiList", "env.control.GetEnvInfo"),
            ],
        )
        .await;
    let t = &r.ok()["token"];
    (
        t["id"].as_i64().unwrap().to_string(),
        t["key"].as_str().unwrap().to_string(),
    )
}

/// GetEnvInfo with `token`: its result code.
async fn env_info(api: &Api, token: &str) -> i64 {
    api.get(
        &format!("{ENV}/getenvinfo"),
        &[("session", token), ("envName", ENV_NAME)],
    )
    .await
    .result()
}

async fn scrape(at: &str) -> String {
    common::client()
        .get(format!("http://{at}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the series `series` (name and labels as printed), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

const TOKEN_HITS: &str = r#"kunci_cache_lookups_total{cache="token",outcome="hit"}"#;
const TOKEN_BYPASSED: &str = r#"kunci_cache_lookups_total{cache="token",outcome="bypass"}"#;

async fn readyz(base: &str) -> String {
    let r = common::client()
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// Waits until the instance at `base` says its caches are on (it listens for changes).
async fn until_following(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = readyz(base).await;
        if body.contains("caches: on (following changes") {
            return;
        }
        assert!(Instant::now() < deadline, "caches never came on: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn admin() -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&common::pg_admin_url())
        .await
        .unwrap()
}

fn db_name(db: &TestDb) -> String {
    url::Url::parse(&db.url).unwrap().path()[1..].to_string()
}

/// Ends every connection listening for changes on the test database (both instances').
async fn terminate_listeners(db: &TestDb) -> usize {
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%kunci_changes%'",
    )
    .bind(db_name(db))
    .fetch_all(&mut admin().await)
    .await
    .unwrap();
    for pid in &pids {
        let _: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&mut admin().await)
            .await
            .unwrap();
    }
    // Gone for good before anything else is written.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ANY($1)")
                .bind(&pids)
                .fetch_one(&mut admin().await)
                .await
                .unwrap();
        if left == 0 {
            return pids.len();
        }
        assert!(Instant::now() < deadline, "listeners survived termination");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn allow_connections(db: &TestDb, allow: bool) {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {} ALLOW_CONNECTIONS {allow}",
        db_name(db)
    )))
    .execute(&mut admin().await)
    .await
    .unwrap();
}

/// A token deleted through instance A is refused by instance B, which had it cached,
/// within a bound far below the caches' one-second age limit: the notification did it,
/// not the expiry. Also a change made by neither instance (plain SQL, as another
/// process would) reaches B's cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_is_refused_at_once_on_another() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = TestServer::start(&db).await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let b = ServerProcess::start(&db.url, &["--metrics-listen", &metrics]).await;
    let (api_a, api_b) = (Api::new(&a.url("")), Api::new(&b.url("")));
    until_following(&a.url("")).await;
    until_following(&b.url("")).await;

    let session = user_with_session(&a, LOGIN, PW).await;
    api_a.create_env(&session, ENV_NAME).await.ok();
    let mut tokens = Vec::new();
    for _ in 0..30 {
        tokens.push(create_token(&api_a, &session).await);
    }
    let mut latencies = Vec::new();
    for (id, value) in &tokens {
        // B has the token in its cache: two answers, the second from memory.
        let hits = value_at(&metrics, TOKEN_HITS).await;
        assert_eq!(env_info(&api_b, value).await, 0);
        assert_eq!(env_info(&api_b, value).await, 0);
        assert!(
            value_at(&metrics, TOKEN_HITS).await > hits,
            "B answered from its cache"
        );
        api_a
            .post(
                &format!("{AUTH}/deletetokens"),
                &[("session", session.as_str()), ("password", PW), ("ids", id)],
            )
            .await
            .ok();
        let deleted = Instant::now();
        // When the first refused call was sent (its answer may be held by the flood
        // guard, once this address has sent enough unknown tokens).
        loop {
            let sent = deleted.elapsed();
            let code = env_info(&api_b, value).await;
            if code != 0 {
                assert_eq!(code, 702, "a deleted token is refused as unknown");
                latencies.push(sent);
                break;
            }
            assert!(
                sent < ANOTHER_INSTANCE_LEARNS_WITHIN,
                "B still accepted a token deleted on A {sent:?} before"
            );
        }
    }
    latencies.sort();
    eprintln!(
        "revocation seen by the other instance: median {:?}, max {:?} (of {})",
        latencies[latencies.len() / 2],
        latencies.last().unwrap(),
        latencies.len()
    );

    // A change by another process, in plain SQL: the triggers tell B too.
    let (_, value) = create_token(&api_a, &session).await;
    assert_eq!(env_info(&api_b, &value).await, 0);
    assert_eq!(env_info(&api_b, &value).await, 0);
    {
        use sqlx::Connection;
        let mut direct = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("UPDATE users SET status = 'DISABLED' WHERE login = $1")
            .bind(LOGIN)
            .execute(&mut direct)
            .await
            .unwrap();
    }
    seen_on_another_instance(
        "an account disabled by plain SQL, its token on B",
        || env_info(&api_b, &value),
        |code| *code != 0,
    )
    .await;
    drop(b);
    a.stop().await;
}

async fn value_at(metrics: &str, series: &str) -> f64 {
    value(&scrape(metrics).await, series)
}

/// While B cannot listen for changes, its caches are off: every lookup reads the
/// database, so a token deleted meanwhile (and its notification lost) is refused at
/// once; `/readyz`, the metrics and the log say so; once B listens again, it starts
/// from empty caches and uses them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_notifications_turns_the_caches_off_and_nothing_stale_is_served() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = TestServer::start(&db).await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let b = ServerProcess::start(&db.url, &["--metrics-listen", &metrics]).await;
    let api_b = Api::new(&b.url(""));
    until_following(&b.url("")).await;
    let session = user_with_session(&a, LOGIN, PW).await;
    let api_a = Api::new(&a.url(""));
    api_a.create_env(&session, ENV_NAME).await.ok();
    let (id, value) = create_token(&api_a, &session).await;
    let (_, other) = create_token(&api_a, &session).await;
    for t in [&value, &other] {
        assert_eq!(env_info(&api_b, t).await, 0);
        assert_eq!(env_info(&api_b, t).await, 0);
    }
    assert_eq!(value_at(&metrics, "kunci_caches_on").await, 1.0);

    // The listening connections end and cannot come back (the database takes no new
    // connection); the pools keep the connections they hold, and so does this one,
    // which writes as another process would.
    let mut direct = {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&db.url).await.unwrap()
    };
    allow_connections(&db, false).await;
    assert!(
        terminate_listeners(&db).await >= 2,
        "both instances listened"
    );
    // Deleted by plain SQL: its notification reaches nobody.
    sqlx::query("DELETE FROM tokens WHERE id = $1")
        .bind(id.parse::<i64>().unwrap())
        .execute(&mut direct)
        .await
        .unwrap();
    // Not one stale answer: refused at the first ask.
    let bypassed = value_at(&metrics, TOKEN_BYPASSED).await;
    assert_eq!(env_info(&api_b, &value).await, 702);
    assert_eq!(
        env_info(&api_b, &other).await,
        0,
        "a live token still works"
    );
    assert!(
        value_at(&metrics, TOKEN_BYPASSED).await >= bypassed + 2.0,
        "the lookups went to the database"
    );
    let ready = readyz(&b.url("")).await;
    assert!(ready.starts_with("ready\n"), "{ready}");
    assert!(
        ready.contains("caches: off") && ready.contains("every lookup reads the database"),
        "{ready}"
    );
    assert_eq!(value_at(&metrics, "kunci_caches_on").await, 0.0);
    assert!(
        b.log_text()
            .contains("change notifications lost: instance caches off"),
        "{}",
        b.log_text()
    );

    // Back: B listens again, starts from empty caches and uses them.
    allow_connections(&db, true).await;
    until_following(&b.url("")).await;
    assert_eq!(value_at(&metrics, "kunci_caches_on").await, 1.0);
    let hits = value_at(&metrics, TOKEN_HITS).await;
    assert_eq!(env_info(&api_b, &value).await, 702);
    assert_eq!(env_info(&api_b, &other).await, 0);
    assert_eq!(env_info(&api_b, &other).await, 0);
    assert!(value_at(&metrics, TOKEN_HITS).await > hits);
    assert!(
        b.log_text()
            .matches("following changes on the database: instance caches on")
            .count()
            >= 2,
        "{}",
        b.log_text()
    );
    drop(b);
    a.stop().await;
}
