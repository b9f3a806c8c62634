//! Property: whatever parameter names, values and encodings a client sends to a
//! read-only method, the server answers with the JSON envelope — never a 5xx, never a
//! panic — and the database does not change.

mod common;

use std::sync::OnceLock;

use common::api::{Api, user_with_session};
use common::{Backend, TestDb, TestServer};
use proptest::prelude::*;
use sqlx::Connection;

struct World {
    rt: tokio::runtime::Runtime,
    base: String,
    session: String,
    db_url: String,
    _server: TestServer,
    _db: TestDb,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (db, server, session) = rt.block_on(async {
            let db = TestDb::new(Backend::Sqlite).await;
            let server = TestServer::start(&db).await;
            let session =
                user_with_session(&server, "prop@example.com", "correct horse battery").await;
            Api::new(&server.url(""))
                .create_env(&session, "prop-env")
                .await
                .ok();
            (db, server, session)
        });
        World {
            rt,
            base: server.url(""),
            session,
            db_url: db.url.clone(),
            _server: server,
            _db: db,
        }
    })
}

/// Everything a read-only call could change, as text. Sessions' `last_seen_at` is left
/// out: using a session is allowed to note that it was used.
async fn snapshot(url: &str) -> String {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut out = String::new();
    for sql in [
        "SELECT id || '|' || login || '|' || name || '|' || password_hash || '|' || status FROM users ORDER BY id",
        "SELECT id || '|' || user_id || '|' || secret_hash || '|' || kind || '|' || created_at FROM sessions ORDER BY id",
        "SELECT key || '|' || failures || '|' || locked_until FROM auth_throttle ORDER BY key",
        "SELECT id || '|' || name || '|' || status || '|' || display_name || '|' || updated_at FROM environments ORDER BY id",
        "SELECT id || '|' || env_id || '|' || node_type || '|' || coalesce(restarted_at, '') FROM nodes ORDER BY id",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap();
        out.push_str(&rows.join("\n"));
        out.push_str("\n--\n");
    }
    out
}

const READ_ONLY: &[&str] = &[
    "environment/control/rest/getenvinfo",
    "environment/control/rest/getenvs",
    "users/authentication/rest/checksign",
    "users/authentication/rest/getsessions",
];

/// A path with each letter in a random case.
fn cased(path: &str, mask: u64) -> String {
    path.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// Names and values: ordinary ones, known parameter names, and hostile text.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z]{1,12}",
        Just("envName".to_string()),
        Just("ENVNAME".to_string()),
        Just("session".to_string()),
        Just("lazy".to_string()),
        Just("prop-env".to_string()),
        "\\PC{0,40}",
        "[%+&=;\\[\\]{}\"'<>\\\\ a-f0-9]{0,30}",
        Just("%".to_string()),
        Just("%zz%f".to_string()),
        Just("%FF%FE".to_string()),
        Just("' OR 1=1 --".to_string()),
        Just("{\"deep\":[[[[[[[[[[]]]]]]]]]]}".to_string()),
        Just("[".repeat(300)),
    ]
}

#[derive(Debug, Clone)]
enum Encoding {
    Query,
    Form,
    Json,
    RawBody(Vec<u8>),
    OddContentType(String),
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Query),
        Just(Encoding::Form),
        Just(Encoding::Json),
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(Encoding::RawBody),
        "[a-z/+.;= -]{0,40}".prop_map(Encoding::OddContentType),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn read_only_methods_never_fail_badly_or_write(
        method in 0..READ_ONLY.len(),
        mask in any::<u64>(),
        pairs in proptest::collection::vec((text(), text()), 0..8),
        with_session in any::<bool>(),
        enc in encoding(),
    ) {
        let w = world();
        let (status, body, before, after) = w.rt.block_on(async {
            let before = snapshot(&w.db_url).await;
            let mut pairs = pairs.clone();
            if with_session {
                pairs.push(("session".into(), w.session.clone()));
            }
            let url = format!("{}/1.0/{}", w.base, cased(READ_ONLY[method], mask));
            let client = common::client();
            let req = match &enc {
                Encoding::Query => {
                    // Raw, unescaped: the server must cope with whatever arrives.
                    let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let full = format!("{url}?{}", q.join("&"));
                    match reqwest::Url::parse(&full) {
                        Ok(u) => client.get(u),
                        Err(_) => client.get(&url).query(&pairs),
                    }
                }
                Encoding::Form => client.post(&url).form(&pairs),
                Encoding::Json => {
                    let map: serde_json::Map<String, serde_json::Value> =
                        pairs.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
                    client.post(&url).json(&map)
                }
                Encoding::RawBody(bytes) => client.post(&url).query(&pairs).body(bytes.clone()),
                Encoding::OddContentType(ct) => client
                    .post(&url)
                    .header("content-type", ct.as_str())
                    .body(pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")),
            };
            let res = req.send().await.expect("the server answers");
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            let after = snapshot(&w.db_url).await;
            (status, body, before, after)
        });
        prop_assert!(status < 500, "HTTP {status}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {body}")))?;
        prop_assert!(json["result"].is_i64(), "no result code: {body}");
        prop_assert_eq!(before, after, "a read-only call changed the database");
    }
}
