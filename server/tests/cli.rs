//! The `server` command line, run as a real process.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Backend, ServerProcess, TestDb, web};

fn server(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KUNCI_LISTEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run server");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A failure is one line on stderr, starting with "error:", and a non-zero exit.
fn assert_one_line_error(o: &Output, expect: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "should fail: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(expect), "{err:?} should mention {expect:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_create_reads_password_from_stdin_and_refuses_weak_and_duplicate() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let url = db.url.clone();
        let weak = server(
            &[
                "user",
                "create",
                "--login",
                "ops@example.com",
                "--database-url",
                &url,
            ],
            "short\n",
        );
        assert_one_line_error(&weak, "at least 12 characters");

        let ok = server(
            &[
                "user",
                "create",
                "--login",
                "Ops@Example.com",
                "--name",
                "Ops Team",
                "--database-url",
                &url,
            ],
            "a long enough password\n",
        );
        assert!(ok.status.success(), "{}", stderr(&ok));
        let out = String::from_utf8_lossy(&ok.stdout);
        assert!(
            out.contains("ops@example.com") && out.contains("Ops Team"),
            "{out}"
        );
        assert!(!out.contains("a long enough password"));

        let dup = server(
            &[
                "user",
                "create",
                "--login",
                "ops@example.com",
                "--database-url",
                &url,
            ],
            "another long password\n",
        );
        assert_one_line_error(&dup, "already registered");

        let empty = server(
            &[
                "user",
                "create",
                "--login",
                "x@example.com",
                "--database-url",
                &url,
            ],
            "",
        );
        assert_one_line_error(&empty, "stdin");

        // The account works for sign-in.
        let p = ServerProcess::start(&url, &[]).await;
        let a = web::sign_in(&p.url(""), "ops@example.com", "a long enough password").await;
        assert_eq!(a.status, 200, "{}", a.body);
        p.terminate().await;
    }
}

#[tokio::test]
async fn misconfiguration_is_one_line_and_non_zero() {
    let bad_url = server(&["migrate", "--database-url", "mysql://nope"], "");
    assert_one_line_error(&bad_url, "not a database URL");

    let unreachable = server(
        &[
            "migrate",
            "--database-url",
            "postgres://postgres:s3cret@127.0.0.1:1/kunci",
        ],
        "",
    );
    assert_one_line_error(&unreachable, "cannot connect to PostgreSQL");
    assert!(
        !stderr(&unreachable).contains("s3cret"),
        "the password is not echoed"
    );

    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let unwritable = format!("sqlite://{}/sub/kunci.db", blocker.display());
    let o = server(&["migrate", "--database-url", &unwritable], "");
    assert_one_line_error(&o, "data directory");

    let bad_listen = server(
        &[
            "serve",
            "--listen",
            "nowhere",
            "--database-url",
            "sqlite::memory:",
        ],
        "",
    );
    assert_one_line_error(&bad_listen, "--listen");

    let bad_metrics = server(
        &[
            "serve",
            "--metrics-listen",
            "nowhere",
            "--database-url",
            "sqlite::memory:",
        ],
        "",
    );
    assert_one_line_error(&bad_metrics, "--metrics-listen 'nowhere' is not HOST:PORT");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let db = format!("sqlite://{}/k.db", dir.path().display());
    let in_use = server(&["serve", "--listen", &port, "--database-url", &db], "");
    assert_one_line_error(&in_use, "cannot listen on");
}

#[tokio::test]
async fn migrate_then_serve_and_sigterm_shuts_down_cleanly() {
    let db = TestDb::new(Backend::Sqlite).await;
    let m = server(&["migrate", "--database-url", &db.url], "");
    assert!(m.status.success(), "{}", stderr(&m));
    let again = server(&["migrate", "--database-url", &db.url], "");
    assert!(again.status.success(), "migrations are idempotent");
    let p = ServerProcess::start(&db.url, &[]).await;
    let ready = common::client().get(p.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let log = p.log.clone();
    let status = p.terminate().await;
    assert!(status.success(), "exit status {status:?}");
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("shutting down"))
    );
}

/// `--metrics-listen` opens a listener of its own for `/metrics`, which it names in
/// the log; the public one does not answer it.
#[tokio::test]
async fn metrics_listen_serves_metrics_on_their_own_address() {
    let db = TestDb::new(Backend::Sqlite).await;
    let p = ServerProcess::start(&db.url, &["--metrics-listen", "127.0.0.1:0"]).await;
    let log = p.log_text();
    let at: String = log
        .split("metrics at http://")
        .nth(1)
        .unwrap_or_else(|| panic!("no metrics address in the log: {log}"))
        .chars()
        .take_while(|c| *c != '/')
        .collect();
    let client = common::client();
    let healthz = client.get(p.url("/healthz")).send().await.unwrap();
    assert_eq!(healthz.status(), 200);
    let scrape = client
        .get(format!("http://{at}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.unwrap();
    assert!(
        text.contains(r#"kunci_http_requests_total{route="/healthz",status="200"} 1"#),
        "{text}"
    );
    let public = client.get(p.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    assert!(p.terminate().await.success());
}

#[test]
fn default_database_is_created_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("migrate")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/kunci.db").exists());
}

/// `server seed` fills a database for load tests; its token works. And a change made by
/// another process (`server user disable` on the live SQLite file) is seen by the
/// running server at once, despite its read caches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_makes_a_working_token_and_live_cli_changes_are_seen_at_once() {
    let db = TestDb::new(Backend::Sqlite).await;
    let out = server(
        &[
            "seed",
            "--login",
            "load@example.com",
            "--tokens",
            "250",
            "--environments",
            "5",
            "--database-url",
            &db.url,
        ],
        "a long enough password\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let seeded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = seeded["token"].as_str().unwrap();
    let p = ServerProcess::start(&db.url, &[]).await;
    let api = common::api::Api::new(&p.url(""));
    let url = format!("{}/getenvinfo", common::api::ENV);
    for _ in 0..3 {
        api.get(&url, &[("session", token), ("envName", "bench-0")])
            .await
            .ok();
    }
    let session = api
        .signin("load@example.com", "a long enough password")
        .await;
    let listed = api
        .get(
            &format!("{}/gettokens", common::api::AUTH),
            &[("session", &session)],
        )
        .await;
    assert_eq!(listed.ok()["apiTokens"].as_array().unwrap().len(), 250);
    assert_eq!(
        api.get(
            &format!("{}/getenvs", common::api::ENV),
            &[("session", &session)]
        )
        .await
        .ok()["infos"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    let disable = server(
        &[
            "user",
            "disable",
            "--login",
            "load@example.com",
            "--database-url",
            &db.url,
        ],
        "",
    );
    assert!(disable.status.success(), "{}", stderr(&disable));
    api.get(&url, &[("session", token), ("envName", "bench-0")])
        .await
        .fails(704);
    let enable = server(
        &[
            "user",
            "enable",
            "--login",
            "load@example.com",
            "--database-url",
            &db.url,
        ],
        "",
    );
    assert!(enable.status.success());
    api.get(&url, &[("session", token), ("envName", "bench-0")])
        .await
        .ok();
    p.terminate().await;
}
