//! What operators watch (issue 17): Prometheus metrics on a listener of their own
//! (`--metrics-listen`), counted exactly, with no secret, login or address in them, on
//! SQLite and PostgreSQL, through the real server over HTTP.

mod common;

use std::net::SocketAddr;

use common::api::{AUTH, Api, ENV};
use common::{TestDb, TestServer};
use kunci_server::Server;
use kunci_server::config::Config;

const PW: &str = "correct horse battery staple";
const OWNER: &str = "metrics-owner@example.com";
/// Logins only tried, never registered: non-ASCII, and with control characters.
const NON_ASCII_LOGIN: &str = "zoë-ünïcödé-登录@example.com";
const CONTROL_LOGIN: &str = "evil\u{1}\n\r\tname\u{7f}@example.com";

/// A server with `--metrics-listen 127.0.0.1:0`: its public and metrics addresses.
struct Running {
    public: SocketAddr,
    metrics: SocketAddr,
    kunci: std::sync::Arc<kunci_server::Kunci>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(db: &TestDb) -> Running {
    let mut config = Config::for_database(&db.url);
    config.secret_key_file = common::test_key_file(&db.url);
    config.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let server = Server::start(config).await.expect("server starts");
    let public = server.addr();
    let metrics = server.metrics_addr().expect("metrics are on");
    assert_ne!(public, metrics, "a listener of its own");
    let kunci = server.kunci();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        public,
        metrics,
        kunci,
        _stop: stop,
    }
}

async fn scrape(at: SocketAddr) -> String {
    let res = common::client()
        .get(format!("http://{at}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain"), "{kind}");
    res.text().await.unwrap()
}

/// The value of one series (`name{labels}` exactly as exposed; 0 when absent).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// The sum of every series of `name` whose labels include all of `labels`.
fn sum(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// How much each series grew between two scrapes.
struct Delta<'a> {
    before: &'a str,
    after: &'a str,
}

impl Delta<'_> {
    fn of(&self, series: &str) -> f64 {
        value(self.after, series) - value(self.before, series)
    }
}

fn api(method: &str, result: &str) -> String {
    format!(r#"kunci_api_requests_total{{method="{method}",result="{result}"}}"#)
}

fn api_histogram_count(method: &str, result: &str) -> String {
    format!(r#"kunci_api_request_duration_seconds_count{{method="{method}",result="{result}"}}"#)
}

fn auth(kind: &str, outcome: &str) -> String {
    format!(r#"kunci_authentications_total{{kind="{kind}",outcome="{outcome}"}}"#)
}

fn refusal(reason: &str) -> String {
    format!(r#"kunci_refusals_total{{reason="{reason}"}}"#)
}

both_databases!(metrics_count_exactly_what_was_asked, |db| async move {
    let s = start(&db).await;
    let base = format!("http://{}", s.public);
    let client = Api::new(&base);
    s.kunci
        .accounts
        .register(OWNER, None, secrecy::SecretString::from(PW.to_string()))
        .await
        .unwrap();
    let session = client.signin(OWNER, PW).await;
    let created = client
        .post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", session.as_str()),
                ("password", PW),
                ("description", "metrics"),
                ("apiList", "env.control.GetEnvs"),
            ],
        )
        .await;
    let token = created.ok()["token"]["key"].as_str().unwrap().to_string();

    let before = scrape(s.metrics).await;

    // A token call that succeeds, and one with a damaged copy of the token (702).
    client
        .get(&format!("{ENV}/getenvs"), &[("session", token.as_str())])
        .await
        .ok();
    let mut damaged = token.clone().into_bytes();
    let middle = damaged.len() / 2;
    damaged[middle] = if damaged[middle] == b'A' { b'B' } else { b'A' };
    let damaged = String::from_utf8(damaged).unwrap();
    client
        .get(&format!("{ENV}/getenvs"), &[("session", damaged.as_str())])
        .await
        .fails(702);
    // A path that names no catalog method.
    let unknown_method = client
        .get(
            "/1.0/environment/control/rest/nosuchmethod-zoë",
            &[("session", token.as_str())],
        )
        .await;
    assert_eq!(
        (unknown_method.status, unknown_method.result()),
        (404, 1702)
    );
    // Wrong passwords: a login with control characters once, a non-ASCII one until its
    // sign-in is locked (704), and one in the dashboard's form.
    client
        .post(
            &format!("{AUTH}/signin"),
            &[("login", CONTROL_LOGIN), ("password", "wrong password")],
        )
        .await
        .fails(701);
    let mut wrong = 1;
    let mut locked = false;
    for _ in 0..10 {
        let r = client
            .post(
                &format!("{AUTH}/signin"),
                &[("login", NON_ASCII_LOGIN), ("password", "wrong password")],
            )
            .await;
        match r.result() {
            701 => wrong += 1,
            704 => {
                locked = true;
                break;
            }
            other => panic!("sign-in answered {other}"),
        }
    }
    assert!(locked, "the sign-in locks");
    let form = common::web::sign_in(&base, OWNER, "wrong password").await;
    assert!(form.status >= 400, "{}", form.status);
    // A parallel burst of identical calls.
    const BURST: usize = 120;
    let burst = (0..BURST).map(|_| {
        let client = &client;
        let token = token.as_str();
        async move {
            client
                .get(&format!("{ENV}/getenvs"), &[("session", token)])
                .await
                .result()
        }
    });
    let results = futures::future::join_all(burst).await;
    assert!(results.iter().all(|&r| r == 0), "{results:?}");
    // Made-up session ids until the flood guard steps in.
    let mut unknown = 0;
    let mut flooded = false;
    for _ in 0..200 {
        let r = client
            .get(&format!("{ENV}/getenvs"), &[("session", "made-up-session")])
            .await;
        assert_eq!(r.result(), 702);
        if r.error().contains("too many unknown") {
            flooded = true;
            break;
        }
        unknown += 1;
    }
    assert!(flooded, "the flood guard refuses");

    let after = scrape(s.metrics).await;
    let d = Delta {
        before: &before,
        after: &after,
    };
    let get_envs = "env.control.GetEnvs";
    let calls = 1.0 + BURST as f64;
    assert_eq!(d.of(&api(get_envs, "0")), calls, "{after}");
    assert_eq!(d.of(&api_histogram_count(get_envs, "0")), calls);
    assert_eq!(d.of(&api(get_envs, "702")), 2.0 + unknown as f64);
    assert_eq!(
        d.of(&api_histogram_count(get_envs, "702")),
        2.0 + unknown as f64
    );
    assert_eq!(d.of(&api("unknown", "1702")), 1.0);
    assert_eq!(
        d.of(&api("users.authentication.Signin", "701")),
        wrong as f64
    );
    assert_eq!(d.of(&api("users.authentication.Signin", "704")), 1.0);
    // The first call and the burst (an unknown method is refused before any lookup).
    assert_eq!(d.of(&auth("token", "success")), calls);
    assert_eq!(d.of(&auth("token", "rejected")), 1.0);
    assert_eq!(d.of(&auth("session", "rejected")), unknown as f64);
    assert_eq!(d.of(&auth("session", "flood_guard")), 1.0);
    assert_eq!(d.of(&auth("password", "rejected")), wrong as f64 + 1.0);
    assert_eq!(d.of(&auth("password", "locked")), 1.0);
    assert_eq!(d.of(&refusal("flood_guard")), 1.0);
    assert_eq!(d.of(&refusal("locked")), 1.0);
    assert_eq!(d.of(&refusal("hashing_busy")), 0.0);
    // The dashboard's sign-in form is a server function, by its route.
    let form_before = sum(
        &before,
        "kunci_http_requests_total",
        &[r#"route="/api/auth/sign_in""#],
    );
    let form_after = sum(
        &after,
        "kunci_http_requests_total",
        &[r#"route="/api/auth/sign_in""#],
    );
    assert_eq!(form_after - form_before, 1.0, "{after}");
    // The gauges, read at the scrape: one token, the one API session; nothing hashing.
    assert_eq!(value(&after, "kunci_live_tokens"), 1.0);
    assert_eq!(value(&after, "kunci_live_sessions"), 1.0);
    assert_eq!(value(&after, "kunci_password_hash_queue_depth"), 0.0);
    assert_eq!(value(&after, "kunci_password_hash_in_flight"), 0.0);

    // No secret, login or address in any label.
    for secret in [
        token.as_str(),
        damaged.as_str(),
        session.as_str(),
        PW,
        "wrong password",
        "made-up-session",
        OWNER,
        "metrics-owner",
        NON_ASCII_LOGIN,
        "zoë",
        "登录",
        CONTROL_LOGIN,
        "evil",
        "nosuchmethod",
        "127.0.0.1",
        &s.public.to_string(),
    ] {
        assert!(!after.contains(secret), "{secret:?} in the metrics");
    }
    for line in after.lines() {
        assert!(line.is_ascii(), "{line}");
    }
});

both_databases!(metrics_are_never_on_the_public_listener, |db| async move {
    let s = start(&db).await;
    let res = common::client()
        .get(format!("http://{}/metrics", s.public))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let text = res.text().await.unwrap();
    assert!(!text.contains("kunci_api_requests_total"));
    // The metrics listener answers nothing but /metrics.
    let other = common::client()
        .get(format!("http://{}/healthz", s.metrics))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
});

both_databases!(metrics_are_off_by_default, |db| async move {
    let s = TestServer::start(&db).await;
    assert!(s.kunci.metrics.is_none(), "nothing is counted");
    let res = common::client()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    s.stop().await;
});
