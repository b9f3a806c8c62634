//! The operator's console (issue 15): `server user create --admin`, `promote`,
//! `demote` (never the last administrator), `approve`, and `server token list` /
//! `server token revoke` over every account's tokens, run as real processes on both
//! databases.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Backend, TestDb};
use kunci_server::storage::Store;
use serde_json::Value;

const PW: &str = "a long enough password";

fn server(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KUNCI_TOKEN_TEMPLATES")
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

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A failure is one line on stderr, starting with "error:", and a non-zero exit.
fn one_line_error(o: &Output, expect: &str) {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(!o.status.success(), "should fail: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(expect), "{err:?} should mention {expect:?}");
}

fn create(url: &str, login: &str, admin: bool) -> String {
    let mut args = vec!["user", "create", "--login", login, "--database-url", url];
    if admin {
        args.push("--admin");
    }
    ok(server(&args, &format!("{PW}\n")))
}

async fn is_admin(store: &Store, login: &str) -> bool {
    store.user_by_login(login).await.unwrap().unwrap().is_admin != 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_create_admin_promote_and_demote_never_the_last_administrator() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let url = db.url.as_str();
        let first = create(url, "first@example.com", false);
        assert!(
            first.contains("administrator"),
            "the first account is one: {first}"
        );
        let second = create(url, "second@example.com", false);
        assert!(!second.contains("administrator"), "{second}");
        let third = create(url, "third@example.com", true);
        assert!(third.contains("administrator"), "{third}");
        let store = Store::connect(url).await.unwrap();
        assert!(is_admin(&store, "first@example.com").await);
        assert!(!is_admin(&store, "second@example.com").await);
        assert!(is_admin(&store, "third@example.com").await);

        let demote = |login: &str| {
            server(
                &["user", "demote", "--login", login, "--database-url", url],
                "",
            )
        };
        ok(demote("third@example.com"));
        one_line_error(&demote("first@example.com"), "last administrator");
        assert!(is_admin(&store, "first@example.com").await);
        ok(server(
            &[
                "user",
                "promote",
                "--login",
                "Second@Example.com",
                "--database-url",
                url,
            ],
            "",
        ));
        ok(demote("first@example.com"));
        one_line_error(&demote("second@example.com"), "last administrator");
        assert!(is_admin(&store, "second@example.com").await);
        one_line_error(
            &server(
                &[
                    "user",
                    "promote",
                    "--login",
                    "nobody@example.com",
                    "--database-url",
                    url,
                ],
                "",
            ),
            "no account nobody@example.com",
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_approve_lets_a_pending_account_sign_in() {
    use kunci_core::config::{SecurityPolicy, Signup};
    use kunci_core::services::{accounts::Accounts, passwords::Hasher};
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let url = db.url.as_str();
        create(url, "boss@example.com", false);
        let store = Store::connect(url).await.unwrap();
        let accounts = Accounts::new(store.clone(), SecurityPolicy::default(), Hasher::new(1))
            .with_signup(Signup::Approval);
        let pending = accounts
            .sign_up(
                "wait@example.com",
                None,
                PW.to_string().into(),
                "203.0.113.9",
            )
            .await
            .unwrap();
        assert!(pending.pending);
        let refused = accounts
            .authenticate(
                "wait@example.com",
                PW.to_string().into(),
                "203.0.113.9",
                None,
            )
            .await
            .err()
            .unwrap();
        assert_eq!(refused.code(), 703);

        let out = ok(server(
            &[
                "user",
                "approve",
                "--login",
                "wait@example.com",
                "--database-url",
                url,
            ],
            "",
        ));
        assert!(out.contains("approved wait@example.com"), "{out}");
        accounts
            .authenticate(
                "wait@example.com",
                PW.to_string().into(),
                "203.0.113.9",
                None,
            )
            .await
            .expect("approved: signs in");
        one_line_error(
            &server(
                &[
                    "user",
                    "approve",
                    "--login",
                    "wait@example.com",
                    "--database-url",
                    url,
                ],
                "",
            ),
            "waits for approval",
        );
    }
}

/// `server seed` makes an account with `n` tokens; returns the usable one's id.
fn seed(url: &str, login: &str, n: &str) -> i64 {
    let out = ok(server(
        &[
            "seed",
            "--login",
            login,
            "--tokens",
            n,
            "--environments",
            "0",
            "--database-url",
            url,
        ],
        &format!("{PW}\n"),
    ));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    v["token_id"].as_i64().unwrap()
}

fn list(url: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["token", "list", "--json", "--database-url", url];
    args.extend_from_slice(extra);
    let out = ok(server(&args, ""));
    serde_json::from_str::<Value>(out.trim())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_list_and_revoke_from_the_console() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let url = db.url.as_str();
        let ann_token = seed(url, "ann@example.com", "3");
        let bob_token = seed(url, "bob@example.com", "2");

        let all = list(url, &[]);
        assert_eq!(all.len(), 5);
        let text = serde_json::to_string(&all).unwrap();
        assert!(!text.contains("kunci_"), "never a value: {text}");
        let usable = all.iter().find(|t| t["id"] == ann_token).unwrap();
        assert_eq!(usable["login"], "ann@example.com");
        assert_eq!(usable["methods"], 1);
        assert_eq!(list(url, &["--login", "bob@example.com"]).len(), 2);
        assert_eq!(list(url, &["--never-used"]).len(), 5);
        assert_eq!(list(url, &["--expired"]).len(), 0);
        assert_eq!(
            list(url, &["--unused-for", "30"]).len(),
            0,
            "created just now"
        );
        let table = ok(server(&["token", "list", "--database-url", url], ""));
        assert!(table.starts_with("ID\tACCOUNT"), "{table}");
        assert_eq!(table.lines().count(), 6);

        // One token by id: its owner's log says the operator revoked it.
        let out = ok(server(
            &[
                "token",
                "revoke",
                "--id",
                &ann_token.to_string(),
                "--database-url",
                url,
            ],
            "",
        ));
        assert!(out.contains(&format!("#{ann_token}")), "{out}");
        assert_eq!(list(url, &["--login", "ann@example.com"]).len(), 2);
        let store = Store::connect(url).await.unwrap();
        let ann = store
            .user_by_login("ann@example.com")
            .await
            .unwrap()
            .unwrap();
        let log = store.security_events(ann.id, 100).await.unwrap();
        let e = log
            .iter()
            .find(|e| e.kind == "token.revoked_by_admin")
            .expect("owner's log");
        let params = kunci_server::services::security_log::EventParams::from_json(&e.params);
        assert!(
            params.by_console && params.token.as_ref().map(|t| t.id) == Some(ann_token),
            "{}",
            e.params
        );
        // Its value is retired, as a deletion retires it (reuse alerts still work).
        assert!(store.token_owner(ann_token).await.unwrap().is_none());

        // Unknown id: one line, nothing revoked.
        one_line_error(
            &server(
                &["token", "revoke", "--id", "999999", "--database-url", url],
                "",
            ),
            "no token #999999",
        );
        assert_eq!(list(url, &[]).len(), 4);
        // --login needs --all.
        assert!(
            !server(
                &[
                    "token",
                    "revoke",
                    "--login",
                    "bob@example.com",
                    "--database-url",
                    url
                ],
                ""
            )
            .status
            .success()
        );
        assert_eq!(list(url, &[]).len(), 4);

        let out = ok(server(
            &[
                "token",
                "revoke",
                "--login",
                "bob@example.com",
                "--all",
                "--database-url",
                url,
            ],
            "",
        ));
        assert!(out.contains("revoked 2 token(s)"), "{out}");
        assert!(list(url, &["--login", "bob@example.com"]).is_empty());
        assert!(store.token_owner(bob_token).await.unwrap().is_none());
        assert_eq!(list(url, &[]).len(), 2);
    }
}
