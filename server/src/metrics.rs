//! What operators watch: Prometheus metrics, served at `/metrics` on a listener of their
//! own (`--metrics-listen`, off by default; the public listener never answers it).
//!
//! Everything is counted here, in the adapters: the REST handler and the dashboard's
//! backend say who authenticated how, the two places a core error becomes an answer
//! (`rest::envelope::failure`, `web::errors::ui_error`) count the refusals, and one
//! middleware times every request. The core only offers what a scrape reads (the
//! hashing queue's load, the live token and session counts); it knows nothing of this.
//!
//! No label holds what a client chose: the REST method is a catalog name or `unknown`,
//! the result a platform code, a page or server function its route's template, the
//! other labels fixed words. So nothing secret, no login, no address, and a bounded
//! number of series.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use kunci_core::Error;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use kunci_core::domain::catalog::ApiMethod;

/// The label of a REST call whose path names no catalog method.
pub const UNKNOWN_METHOD: &str = "unknown";

/// Latency buckets, in seconds: from a cached token lookup to a slow password hash.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// A login and password (Signin, the dashboard's sign-in form).
    Password,
    /// A session id (the `session` parameter, Bearer, or the dashboard's cookie).
    Session,
    /// A personal access token (as a credential, or given to SigninByToken).
    Token,
    /// The second step of a two-factor sign-in (an app code or a recovery code).
    TwoFactorCode,
}

impl AuthKind {
    fn label(self) -> &'static str {
        match self {
            AuthKind::Password => "password",
            AuthKind::Session => "session",
            AuthKind::Token => "token",
            AuthKind::TwoFactorCode => "two_factor_code",
        }
    }
}

/// The outcome label of an authentication.
fn outcome(result: Result<(), &Error>) -> &'static str {
    match result {
        Ok(()) => "success",
        Err(
            Error::AuthenticationFailed
            | Error::NotAuthenticated
            | Error::InvalidCode
            | Error::InvalidPassword,
        ) => "rejected",
        Err(Error::TooManyUnknownCredentials(_)) => "flood_guard",
        Err(Error::UserBlocked(_)) => "locked",
        Err(Error::Busy(_)) => "busy",
        Err(Error::SecondFactorRequired) => "second_factor_pending",
        Err(Error::NotActivated(_)) => "not_activated",
        Err(Error::PermissionDenied(_)) => "denied",
        Err(Error::InvalidParameter { .. }) => "invalid",
        Err(_) => "error",
    }
}

/// The refusal label of an error that is a lock or flood-guard refusal.
fn refusal(error: &Error) -> Option<&'static str> {
    match error {
        Error::UserBlocked(_) => Some("locked"),
        Error::ConfirmationLocked(_) => Some("confirmation_locked"),
        Error::Busy(_) => Some("hashing_busy"),
        Error::TooManyUnknownCredentials(_) => Some("flood_guard"),
        _ => None,
    }
}

/// Which catalog method a REST path names (`rest::method_of_path`, handed in by the
/// server, so that this module needs nothing of the REST adapter).
pub type MethodOfPath = fn(&str) -> Option<&'static ApiMethod>;

/// The `result` an answer carries (set by the REST envelope), for [`track`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultCode(pub i32);

/// What a scrape reads besides the counters: the hashing queue's load and the live
/// token and session counts (`None` when they could not be counted).
pub struct Live {
    pub hash_queued: usize,
    pub hash_running: usize,
    pub tokens: Option<i64>,
    pub sessions: Option<i64>,
    /// Whether the instance caches are in use (off on PostgreSQL while the change
    /// notifications are down, and without caches).
    pub caches_on: bool,
    /// Each cache's lookups so far: (cache, [hits, misses, bypassed]).
    pub cache_lookups: Vec<(&'static str, [u64; 3])>,
}

/// The `outcome` labels of `kunci_cache_lookups_total`, in `Live::cache_lookups` order.
const CACHE_OUTCOMES: [&str; 3] = ["hit", "miss", "bypass"];

/// The metric label of a REST path: the catalog name of the method it names (in the
/// catalog's spelling, whatever the path's case), else [`UNKNOWN_METHOD`].
pub fn api_method_label(method_of_path: MethodOfPath, path: &str) -> &'static str {
    method_of_path(path).map_or(UNKNOWN_METHOD, |m| m.name.as_str())
}

/// The route label of a request that is not a REST call: the template of the route it
/// matched (`/ui/envs/{name}`, a page, a server function's path), `/pkg/*` for the
/// site's files, `other` for the rest (the dashboard's "not found").
fn route_label(matched: Option<&MatchedPath>, path: &str) -> String {
    match matched {
        Some(m) => m.as_str().to_string(),
        None if path.starts_with("/pkg/") => "/pkg/*".into(),
        None => "other".into(),
    }
}

/// One server's metrics.
pub struct Metrics {
    registry: Registry,
    api_requests: IntCounterVec,
    api_seconds: HistogramVec,
    web_requests: IntCounterVec,
    web_seconds: HistogramVec,
    authentications: IntCounterVec,
    refusals: IntCounterVec,
    hash_queued: IntGauge,
    hash_running: IntGauge,
    live_tokens: IntGauge,
    live_sessions: IntGauge,
    caches_on: IntGauge,
    cache_lookups: IntCounterVec,
    /// What `cache_lookups` was last brought up to, by (cache, outcome).
    cache_seen: std::sync::Mutex<std::collections::HashMap<(&'static str, usize), u64>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("unique name");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let opts = HistogramOpts::new(name, help).buckets(BUCKETS.to_vec());
            let h = HistogramVec::new(opts, labels).expect("valid metric");
            registry.register(Box::new(h.clone())).expect("unique name");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry.register(Box::new(g.clone())).expect("unique name");
            g
        };
        Metrics {
            api_requests: counter(
                "kunci_api_requests_total",
                "REST API calls, by catalog method and platform result code.",
                &["method", "result"],
            ),
            api_seconds: histogram(
                "kunci_api_request_duration_seconds",
                "Time to answer a REST API call, by catalog method and platform result code.",
                &["method", "result"],
            ),
            web_requests: counter(
                "kunci_http_requests_total",
                "Requests other than the REST API (pages, server functions, files, health), by route and HTTP status.",
                &["route", "status"],
            ),
            web_seconds: histogram(
                "kunci_http_request_duration_seconds",
                "Time to answer a request other than the REST API, by route and HTTP status.",
                &["route", "status"],
            ),
            authentications: counter(
                "kunci_authentications_total",
                "Authentications, by kind (password, session, token, two_factor_code) and outcome.",
                &["kind", "outcome"],
            ),
            refusals: counter(
                "kunci_refusals_total",
                "Lock and flood-guard refusals: locked (704), confirmation_locked (705), hashing_busy (706), flood_guard.",
                &["reason"],
            ),
            hash_queued: gauge(
                "kunci_password_hash_queue_depth",
                "Password hashes waiting for a hashing thread.",
            ),
            hash_running: gauge(
                "kunci_password_hash_in_flight",
                "Password hashes a hashing thread is computing.",
            ),
            live_tokens: gauge(
                "kunci_live_tokens",
                "Tokens that have not expired, of every account.",
            ),
            live_sessions: gauge(
                "kunci_live_sessions",
                "Sessions that have not expired, of every account.",
            ),
            caches_on: gauge(
                "kunci_caches_on",
                "1 while the instance caches of token, session and environment lookups are used; 0 while they are off (PostgreSQL with its change notifications down: every lookup reads the database).",
            ),
            cache_lookups: counter(
                "kunci_cache_lookups_total",
                "Cached lookups, by cache (token, session, env) and outcome (hit, miss, bypass: read from the database because the caches were off).",
                &["cache", "outcome"],
            ),
            cache_seen: Default::default(),
            registry,
        }
    }

    /// Counts an authentication of `kind` that ended with `result`.
    pub fn authenticated(&self, kind: AuthKind, result: Result<(), &Error>) {
        self.authentications
            .with_label_values(&[kind.label(), outcome(result)])
            .inc();
    }

    /// Counts `error` when it is a lock or flood-guard refusal.
    pub fn answered_error(&self, error: &Error) {
        if let Some(reason) = refusal(error) {
            self.refusals.with_label_values(&[reason]).inc();
        }
    }

    fn api_call(&self, method: &str, result: &str, seconds: f64) {
        let labels = [method, result];
        self.api_requests.with_label_values(&labels).inc();
        self.api_seconds.with_label_values(&labels).observe(seconds);
    }

    fn web_request(&self, route: &str, status: StatusCode, seconds: f64) {
        let labels = [route, status.as_str()];
        self.web_requests.with_label_values(&labels).inc();
        self.web_seconds.with_label_values(&labels).observe(seconds);
    }

    /// The text exposition of every metric, the gauges read now.
    /// The text exposition, with `live` read just before (a gauge that could not be
    /// read keeps its last value).
    pub fn scrape(&self, live: Live) -> Result<(String, Vec<u8>), prometheus::Error> {
        self.hash_queued.set(live.hash_queued as i64);
        self.hash_running.set(live.hash_running as i64);
        if let Some(n) = live.tokens {
            self.live_tokens.set(n);
        }
        if let Some(n) = live.sessions {
            self.live_sessions.set(n);
        }
        self.caches_on.set(i64::from(live.caches_on));
        let mut seen = self.cache_seen.lock().unwrap_or_else(|e| e.into_inner());
        for (cache, counts) in &live.cache_lookups {
            for (i, now) in counts.iter().enumerate() {
                let last = seen.entry((cache, i)).or_insert(0);
                self.cache_lookups
                    .with_label_values(&[cache, CACHE_OUTCOMES[i]])
                    .inc_by(now.saturating_sub(*last));
                *last = (*last).max(*now);
            }
        }
        drop(seen);
        let encoder = TextEncoder::new();
        let mut text = Vec::new();
        encoder.encode(&self.registry.gather(), &mut text)?;
        Ok((encoder.format_type().to_string(), text))
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Counts an authentication when metrics are on.
pub fn authenticated(metrics: Option<&Metrics>, kind: AuthKind, result: Result<(), &Error>) {
    if let Some(m) = metrics {
        m.authenticated(kind, result);
    }
}

tokio::task_local! {
    /// The metrics of the server whose request this task serves (set by [`track`]).
    static CURRENT: Arc<Metrics>;
}

/// Counts `error`, about to be answered, when it is a refusal (and metrics are on).
pub fn answered_error(error: &Error) {
    let _ = CURRENT.try_with(|m| m.answered_error(error));
}

/// The answer to a REST call: which catalog method it was for (`None`: the path named
/// none), for [`track`]. Set by `rest::handle`.
#[derive(Debug, Clone, Copy)]
pub struct Answered(pub Option<&'static kunci_core::domain::catalog::ApiMethod>);

/// Times and counts every request of the public listener (installed only when metrics
/// are on).
pub async fn track(
    State((metrics, method_of_path)): State<(Arc<Metrics>, MethodOfPath)>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let uri = req.uri().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let response = CURRENT.scope(metrics.clone(), next.run(req)).await;
    let seconds = started.elapsed().as_secs_f64();
    let answered = response.extensions().get::<Answered>().copied();
    if answered.is_some() || uri.path().starts_with("/1.0/") {
        let method = match answered {
            Some(Answered(api)) => api.map_or(UNKNOWN_METHOD, |m| m.name.as_str()),
            // A timeout or a panic: the handler said nothing.
            None => api_method_label(method_of_path, uri.path()),
        };
        let result = response.extensions().get::<ResultCode>().map(|c| c.0);
        let result = result.map_or_else(|| "none".to_string(), |c| c.to_string());
        metrics.api_call(method, &result, seconds);
    } else {
        let route = route_label(matched.as_ref(), uri.path());
        metrics.web_request(&route, response.status(), seconds);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_locks_and_the_flood_guard_are_refusals() {
        assert_eq!(
            refusal(&Error::UserBlocked("locked".into())),
            Some("locked")
        );
        assert_eq!(
            refusal(&Error::ConfirmationLocked(3)),
            Some("confirmation_locked")
        );
        assert_eq!(refusal(&Error::Busy(2)), Some("hashing_busy"));
        assert_eq!(
            refusal(&Error::TooManyUnknownCredentials(9)),
            Some("flood_guard")
        );
        assert_eq!(refusal(&Error::NotAuthenticated), None);
        assert_eq!(refusal(&Error::AuthenticationFailed), None);
    }

    #[test]
    fn the_exposition_has_every_metric_and_no_more_series_than_used() {
        let m = Metrics::new();
        m.authenticated(AuthKind::Password, Err(&Error::AuthenticationFailed));
        m.api_call(UNKNOWN_METHOD, "1702", 0.001);
        let text = String::from_utf8({
            let mut out = Vec::new();
            TextEncoder::new()
                .encode(&m.registry.gather(), &mut out)
                .unwrap();
            out
        })
        .unwrap();
        assert!(
            text.contains(r#"kunci_authentications_total{kind="password",outcome="rejected"} 1"#)
        );
        assert!(text.contains(r#"kunci_api_requests_total{method="unknown",result="1702"} 1"#));
        assert!(text.contains("kunci_password_hash_queue_depth 0"));
        assert!(text.contains("kunci_live_sessions 0"));
    }
}
