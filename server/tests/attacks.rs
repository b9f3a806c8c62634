//! Attacks sent as an attacker sends them: bursts of parallel requests, on one instance
//! and across two on one PostgreSQL database. Each test names the attack of issue 11 it
//! answers; each failed on the code before the fix.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{Backend, TestDb, TestServer};
use futures::future::join_all;
use kunci_server::config::Config;

const PW: &str = "correct horse battery staple";
const WRONG: &str = "wrong horse battery staple";

/// A server behind a trusted proxy (so tests choose client addresses).
async fn proxied(db: &TestDb, tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start_with(db, |c| {
        c.http.trust_proxy = true;
        tweak(c);
    })
    .await
}

async fn register(s: &TestServer, login: &str) {
    s.kunci
        .accounts
        .register(login, None, PW.to_string().into())
        .await
        .expect("register");
}

async fn signin_from(api: &Api, ip: &str, login: &str, password: &str) -> Reply {
    api.post_from(
        ip,
        &format!("{AUTH}/signin"),
        &[("login", login), ("password", password)],
    )
    .await
}

fn count(replies: &[Reply], code: i64) -> usize {
    replies.iter().filter(|r| r.result() == code).count()
}

/// Argon2 verifications run by these servers: the guesses actually checked.
fn checked(servers: &[&TestServer]) -> u64 {
    servers.iter().map(|s| s.kunci.hasher.verifications()).sum()
}

/// Attack 1: a burst of wrong sign-ins for one account, then for many accounts from
/// one address, spread over `servers` (two instances on PostgreSQL).
async fn burst_of_sign_ins_checks_at_most_the_budget(servers: &[&TestServer]) {
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(&s.url(""))).collect();
    register(servers[0], "victim@example.com").await;
    let before = checked(servers);
    let replies = join_all((0..200).map(|i| {
        signin_from(
            &apis[i % apis.len()],
            "203.0.113.9",
            "victim@example.com",
            WRONG,
        )
    }))
    .await;
    let guesses = checked(servers) - before;
    eprintln!("figure: account burst of 200: {guesses} guesses checked");
    assert!(guesses <= 5, "{guesses} guesses checked for one account");
    assert_eq!(count(&replies, 701) as u64, guesses);
    assert_eq!(count(&replies, 701) + count(&replies, 704), 200);
    // The right password from an unknown client is locked out too (the account's
    // budget is spent); nothing more was checked.
    signin_from(&apis[0], "198.51.100.7", "victim@example.com", PW)
        .await
        .fails(704);
    assert_eq!(checked(servers) - before, guesses);

    // One address guessing across 200 logins: at most its budget of 50 are checked.
    let before = checked(servers);
    let replies = join_all((0..200).map(|i| {
        let login = format!("nobody{i}@example.com");
        let api = &apis[i % apis.len()];
        async move { signin_from(api, "192.0.2.200", &login, WRONG).await }
    }))
    .await;
    let guesses = checked(servers) - before;
    eprintln!("figure: address burst of 200 over 200 logins: {guesses} guesses checked");
    assert!(guesses <= 50, "{guesses} guesses checked for one address");
    assert_eq!(count(&replies, 701) as u64, guesses);
    // A guess that found the hashing queue full for too long was answered "busy" (706)
    // and not counted.
    assert_eq!(
        count(&replies, 701) + count(&replies, 704) + count(&replies, 706),
        200
    );
}

both_databases!(
    a_burst_of_wrong_sign_ins_checks_at_most_the_budget,
    |db: TestDb| async move {
        let s = proxied(&db, |_| {}).await;
        burst_of_sign_ins_checks_at_most_the_budget(&[&s]).await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_across_two_instances_checks_at_most_the_budget() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = proxied(&db, |_| {}).await;
    let b = proxied(&db, |_| {}).await;
    burst_of_sign_ins_checks_at_most_the_budget(&[&a, &b]).await;
}

/// Attack 1 for confirmations: 100 parallel wrong passwords from one session, spread
/// over `servers`.
async fn burst_of_confirmations_checks_at_most_the_budget(servers: &[&TestServer]) {
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(&s.url(""))).collect();
    let api = &apis[0];
    let session = user_with_session(servers[0], "confirm@example.com", PW).await;
    let create = |i: usize, password: &'static str| {
        let (api, session) = (&apis[i % apis.len()], session.clone());
        async move {
            api.post_from(
                "203.0.113.9",
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", session.as_str()),
                    ("password", password),
                    ("description", "burst"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await
        }
    };
    let before = checked(servers);
    let replies = join_all((0..100).map(|i| create(i, WRONG))).await;
    let guesses = checked(servers) - before;
    eprintln!("figure: confirmation burst of 100: {guesses} guesses checked");
    assert!(guesses <= 5, "{guesses} confirmations checked");
    assert_eq!(count(&replies, 801) as u64, guesses);
    assert_eq!(count(&replies, 801) + count(&replies, 705), 100);
    // Nothing was created, and that session stays locked even with the password.
    let tokens = api
        .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
        .await;
    assert_eq!(tokens.ok()["apiTokens"].as_array().unwrap().len(), 0);
    create(0, PW).await.fails(705);
    // Another session of the account, behind the same address, is not locked, and
    // its own parallel changes with the right password all go through: each waits
    // for the undecided ones holding its budget instead of being refused.
    let other = api.signin("confirm@example.com", PW).await;
    let mine = join_all((0..12).map(|i| {
        let (api, other) = (&apis[i % apis.len()], other.as_str());
        async move {
            api.post_from(
                "203.0.113.9",
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", other),
                    ("password", PW),
                    ("description", "mine"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await
        }
    }))
    .await;
    assert_eq!(
        count(&mine, 0),
        12,
        "{:?}",
        mine.iter().map(Reply::result).collect::<Vec<_>>()
    );
}

both_databases!(
    a_burst_of_wrong_confirmations_checks_at_most_the_budget,
    |db: TestDb| async move {
        let s = proxied(&db, |_| {}).await;
        burst_of_confirmations_checks_at_most_the_budget(&[&s]).await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_confirmations_across_two_instances_checks_at_most_the_budget() {
    let db = TestDb::new(Backend::Postgres).await;
    let a = proxied(&db, |_| {}).await;
    let b = proxied(&db, |_| {}).await;
    burst_of_confirmations_checks_at_most_the_budget(&[&a, &b]).await;
}

/// A browser sign-in that keeps its cookies: answers (status, cookies set).
async fn browser_sign_in(
    s: &TestServer,
    ip: &str,
    device: Option<&str>,
    login: &str,
    password: &str,
) -> (u16, Vec<String>) {
    let mut req = common::client()
        .post(s.url("/api/auth/sign_in"))
        .header("origin", s.url(""))
        .header("accept", "application/json")
        .header("x-forwarded-for", ip)
        .form(&[("login", login), ("password", password)]);
    if let Some(d) = device {
        req = req.header("cookie", format!("kunci_device={d}"));
    }
    let res = req.send().await.unwrap();
    let cookies = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    (res.status().as_u16(), cookies)
}

fn device_of(cookies: &[String]) -> String {
    cookies
        .iter()
        .find_map(|c| c.strip_prefix("kunci_device="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a device cookie is set")
}

both_databases!(
    the_owner_signs_in_during_an_attack_on_their_account,
    |db: TestDb| async move {
        let s = proxied(&db, |_| {}).await;
        let api = Api::new(&s.url(""));
        register(&s, "owner@example.com").await;
        // The owner has signed in from this browser before: it holds a device cookie.
        let (status, cookies) =
            browser_sign_in(&s, "198.51.100.7", None, "owner@example.com", PW).await;
        assert_eq!(status, 200);
        let device = device_of(&cookies);
        assert!(cookies.iter().any(|c| c.starts_with("kunci_device=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Lax")));
        // An attacker bursts wrong passwords at the account.
        let replies = join_all(
            (0..100).map(|_| signin_from(&api, "203.0.113.9", "owner@example.com", WRONG)),
        )
        .await;
        assert!(count(&replies, 704) >= 95);
        // An unknown client with the right password is locked out...
        let (status, _) = browser_sign_in(&s, "198.51.100.8", None, "owner@example.com", PW).await;
        assert_eq!(status, 403);
        // ...the owner's browser is not, from any address, and keeps its cookie.
        let (status, cookies) =
            browser_sign_in(&s, "198.51.100.9", Some(&device), "owner@example.com", PW).await;
        assert_eq!(status, 200, "the owner was locked out");
        assert_eq!(device_of(&cookies), device);
        // An API client that keeps cookies gets the same over REST.
        let rest = api
            .raw(
                api.client()
                    .post(api.url(&format!("{AUTH}/signin")))
                    .header("x-forwarded-for", "198.51.100.9")
                    .header("cookie", format!("kunci_device={device}"))
                    .form(&[("login", "owner@example.com"), ("password", PW)]),
            )
            .await;
        rest.ok();
        // A device cookie of another account, or a made-up one, is an unknown client.
        for fake in [
            "x".repeat(40),
            kunci_server::secrets::random_base62(40),
            "%00;a=b".into(),
        ] {
            let (status, _) =
                browser_sign_in(&s, "198.51.100.9", Some(&fake), "owner@example.com", PW).await;
            assert_eq!(status, 403, "{fake}");
        }
        // The device's own budget still locks a device that guesses.
        for _ in 0..5 {
            let (status, _) = browser_sign_in(
                &s,
                "198.51.100.9",
                Some(&device),
                "owner@example.com",
                WRONG,
            )
            .await;
            assert_eq!(status, 401);
        }
        let (status, _) =
            browser_sign_in(&s, "198.51.100.9", Some(&device), "owner@example.com", PW).await;
        assert_eq!(status, 403);
    }
);

both_databases!(
    a_shared_proxy_address_locks_neither_known_browsers_nor_token_changes,
    |db: TestDb| async move {
        // No --trust-proxy: every client shares the proxy's address.
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        register(&s, "alice@example.com").await;
        let (_, cookies) = browser_sign_in(&s, "ignored", None, "alice@example.com", PW).await;
        let device = device_of(&cookies);
        let session = api.signin("alice@example.com", PW).await;
        let mallory = user_with_session(&s, "mallory@example.com", PW).await;
        // Someone behind the proxy guesses across many logins: the address locks.
        let replies = join_all((0..60).map(|i| {
            let api = &api;
            async move {
                api.post(
                    &format!("{AUTH}/signin"),
                    &[("login", &format!("x{i}@example.com")), ("password", WRONG)],
                )
                .await
            }
        }))
        .await;
        // At most the address's 50 were checked; the rest were refused (704), or,
        // while the 50 were still being checked, answered "busy" (706).
        assert!(count(&replies, 701) <= 50);
        assert!(count(&replies, 704) + count(&replies, 706) >= 10);
        assert_eq!(
            count(&replies, 701) + count(&replies, 704) + count(&replies, 706),
            60
        );
        // Wrong confirmations from a session of another account, behind it too.
        for _ in 0..6 {
            api.post(
                &format!("{AUTH}/deletetokens"),
                &[("session", &mallory), ("password", WRONG), ("ids", "*")],
            )
            .await;
        }
        // Alice's browser still signs in, and her token changes still work.
        let (status, _) =
            browser_sign_in(&s, "ignored", Some(&device), "alice@example.com", PW).await;
        assert_eq!(status, 200);
        api.post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", session.as_str()),
                ("password", PW),
                ("description", "still works"),
                ("apiList", "env.control.GetEnvInfo"),
            ],
        )
        .await
        .ok();
    }
);

both_databases!(sign_up_is_throttled_like_sign_in, |db: TestDb| async move {
    let s = proxied(&db, |c| {
        c.security.lockout_ip_threshold = 4;
        // Open: the test signs up many accounts (the default lets only the first in).
        c.signup = kunci_core::config::Signup::Open;
    })
    .await;
    let sign_up = |login: String, ip: &'static str| {
        let base = s.url("");
        async move {
            common::client()
                .post(format!("{base}/api/auth/sign_up"))
                .header("origin", &base)
                .header("accept", "application/json")
                .header("x-forwarded-for", ip)
                .form(&[
                    ("login", login.as_str()),
                    ("name", "Test"),
                    ("password", PW),
                    ("password_again", PW),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Successful sign-ups give their attempt back.
    for i in 0..6 {
        assert_eq!(
            sign_up(format!("new{i}@example.com"), "192.0.2.1").await,
            200
        );
    }
    // Probing taken logins costs an attempt each: past the budget, the address is
    // locked, for new logins too.
    let probes = join_all((0..20).map(|_| sign_up("new0@example.com".into(), "192.0.2.1"))).await;
    assert_eq!(probes.iter().filter(|&&st| st == 409).count(), 4);
    assert_eq!(probes.iter().filter(|&&st| st == 403).count(), 16);
    assert_eq!(sign_up("fresh@example.com".into(), "192.0.2.1").await, 403);
    assert_eq!(sign_up("fresh@example.com".into(), "192.0.2.2").await, 200);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_logins_and_passwords_are_refused_before_storage() {
    let db = TestDb::new(Backend::Sqlite).await;
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    register(&s, "real@example.com").await;
    let path = db.sqlite_path().unwrap();
    let size = || {
        let wal = path.with_extension("db-wal");
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0)
    };
    let before = size();
    let checked_before = s.kunci.hasher.verifications();
    for i in 0..30 {
        let login = format!("{i}{}@example.com", "a".repeat(200 * 1024));
        let r = api
            .post(
                &format!("{AUTH}/signin"),
                &[("login", login.as_str()), ("password", WRONG)],
            )
            .await;
        r.fails(3);
        assert!(
            r.error().contains("at most 254 characters"),
            "{}",
            r.error()
        );
    }
    let long_password = "p".repeat(2000);
    let r = api
        .post(
            &format!("{AUTH}/signin"),
            &[
                ("login", "real@example.com"),
                ("password", long_password.as_str()),
            ],
        )
        .await;
    r.fails(3);
    assert!(r.error().contains("at most 1024 bytes"));
    let grown = size().saturating_sub(before);
    eprintln!("figure: SQLite growth after 30 sign-ins with 200 KiB logins: {grown} bytes");
    assert!(grown <= 64 * 1024, "the database grew by {grown} bytes");
    assert_eq!(s.kunci.store.attempt_budgets().await.unwrap(), 0);
    assert_eq!(s.kunci.hasher.verifications(), checked_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spent_attempt_budgets_expire_on_their_own() {
    let db = TestDb::new(Backend::Sqlite).await;
    let s = proxied(&db, |c| {
        c.security.lockout_window = Duration::from_secs(1);
        c.security.lockout_duration = Duration::from_secs(1);
    })
    .await;
    let api = Api::new(&s.url(""));
    for i in 0..20 {
        signin_from(&api, "192.0.2.9", &format!("gone{i}@example.com"), WRONG)
            .await
            .fails(701);
    }
    assert_eq!(s.kunci.store.attempt_budgets().await.unwrap(), 21);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    s.kunci.accounts.purge().await.unwrap();
    assert_eq!(s.kunci.store.attempt_budgets().await.unwrap(), 0);
}

/// Attack 5: 40 parallel creations past the token and environment limits, spread over
/// `servers`.
async fn limits_hold_under_parallel_creation(servers: &[&TestServer]) {
    use kunci_server::storage::SeedToken;
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(&s.url(""))).collect();
    let session = user_with_session(servers[0], "limits@example.com", PW).await;
    let store = &servers[0].kunci.store;
    let uid = store
        .user_by_login("limits@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let seeded: Vec<SeedToken> = (0..80)
        .map(|i| SeedToken {
            secret_hash: kunci_server::secrets::sha256_hex(&format!("seed {i}")),
            description: format!("seed {i}"),
            api_list: "env.control.GetEnvInfo".into(),
        })
        .collect();
    store
        .seed_tokens(uid, &seeded, kunci_server::clock::now())
        .await
        .unwrap();
    store
        .seed_envs(uid, "seeded", 30, kunci_server::clock::now())
        .await
        .unwrap();
    let tokens = join_all((0..40).map(|i| {
        let (api, session) = (&apis[i % apis.len()], session.as_str());
        async move {
            api.post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", session),
                    ("password", PW),
                    ("description", "parallel"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await
        }
    }))
    .await;
    let envs = join_all((0..40).map(|i| {
        let (api, session) = (&apis[i % apis.len()], session.as_str());
        async move { api.create_env(session, &format!("par-{i}")).await }
    }))
    .await;
    let token_count = apis[0]
        .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
        .await
        .ok()["apiTokens"]
        .as_array()
        .unwrap()
        .len();
    let env_count = apis[0]
        .get(
            &format!("{ENV}/getenvs"),
            &[("session", &session), ("lazy", "true")],
        )
        .await
        .ok()["infos"]
        .as_array()
        .unwrap()
        .len();
    eprintln!(
        "figure: after 40 parallel creates: {} tokens past the limit, {} environments past it",
        token_count.saturating_sub(100),
        env_count.saturating_sub(50)
    );
    assert_eq!((token_count, env_count), (100, 50));
    assert_eq!((count(&tokens, 0), count(&tokens, 2338)), (20, 20));
    assert_eq!((count(&envs, 0), count(&envs, 2338)), (20, 20));
}

both_databases!(
    limits_hold_under_parallel_creation_on_one_instance,
    |db: TestDb| async move {
        // Confirmations are budgeted per session: allow the burst's 40 at once.
        let s = proxied(&db, |c| {
            c.security.lockout_threshold = 100;
            c.security.hash_queue_wait = Duration::from_secs(30);
        })
        .await;
        limits_hold_under_parallel_creation(&[&s]).await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_under_parallel_creation_across_two_instances() {
    let db = TestDb::new(Backend::Postgres).await;
    let tweak = |c: &mut Config| {
        c.security.lockout_threshold = 100;
        c.security.hash_queue_wait = Duration::from_secs(30);
    };
    let a = proxied(&db, tweak).await;
    let b = proxied(&db, tweak).await;
    limits_hold_under_parallel_creation(&[&a, &b]).await;
}
