//! The HTTP surface: health checks, the Leptos pages and server functions, and the
//! middleware every request passes through (client metadata, request id and log,
//! security headers, cross-origin refusal for server functions).

pub mod backend;
pub mod errors;
mod leaks;
mod middleware;
mod security_log;
pub mod site;

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::SharedBackend;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};

use kunci_core::storage::cache::CacheState;

use crate::kunci::Kunci;

/// The router's state: the services, and Leptos' options for rendering.
#[derive(Clone)]
pub struct AppState {
    pub kunci: Arc<Kunci>,
    pub leptos: Arc<LeptosOptions>,
    pub site: Arc<site::Site>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        (*state.leptos).clone()
    }
}

/// The services alone, for handlers that render nothing (the REST API).
impl FromRef<AppState> for Arc<Kunci> {
    fn from_ref(state: &AppState) -> Self {
        state.kunci.clone()
    }
}

pub fn router(kunci: Arc<Kunci>, addr: SocketAddr, site: Arc<site::Site>) -> Router {
    // The pages link the build's versioned directory (`pkg/<hash>`); `site` serves every
    // file from memory, so Leptos' own file handler is given no directory.
    let leptos = LeptosOptions::builder()
        .output_name(site.output_name())
        .site_root("")
        .site_pkg_dir(site.pkg_dir())
        .site_addr(addr)
        .env(leptos::config::Env::PROD)
        .build();
    let split_manifest = site.split_manifest();
    let state = AppState {
        kunci: kunci.clone(),
        leptos: Arc::new(leptos.clone()),
        site,
    };
    let backend: SharedBackend = Arc::new(backend::WebBackend::new(kunci.clone()));
    // What every page's rendering is given: the backend, and the chunks' manifest.
    let page_context = move || {
        provide_context(backend.clone());
        if let Some(manifest) = split_manifest.clone() {
            provide_context(manifest);
        }
    };
    let routes = page_routes();
    // A path that is no page: a file of the site, else the dashboard's "not found" (404).
    let not_found =
        leptos_axum::render_app_to_stream_in_order_with_context(page_context.clone(), {
            let leptos = leptos.clone();
            move || app::shell(leptos.clone())
        });
    let fallback = move |State(state): State<AppState>, req: axum::extract::Request| {
        let not_found = not_found.clone();
        async move {
            let read = matches!(*req.method(), Method::GET | Method::HEAD);
            if let Some(file) = read
                .then(|| state.site.answer(req.uri().path(), req.headers()))
                .flatten()
            {
                return file;
            }
            let mut page = not_found(req).await;
            if page.status() == StatusCode::OK {
                *page.status_mut() = StatusCode::NOT_FOUND;
            }
            page
        }
    };

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/1.0/{*method}", any(crate::rest::handle))
        .route("/leak-reports", post(leaks::report))
        .route("/ui/envs", get(ui_envs))
        .route("/ui/envs/{name}", get(ui_env))
        .route("/ui/tokens/{id}", get(ui_token))
        .leptos_routes_with_context(&state, routes, page_context, move || {
            app::shell(leptos.clone())
        })
        .fallback(fallback)
        .layer(compress_pages())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            kunci.config.limits.request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            kunci.clone(),
            middleware::page_language,
        ))
        .layer(axum::middleware::from_fn(middleware::server_fn_guard))
        .layer(catch_panic())
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            kunci.clone(),
            middleware::request_context,
        ))
        .with_state(state)
}

/// The dashboard's routes, generated once per process. Generating them renders the app
/// with every resource held back by a flag Leptos keeps for the whole process
/// (`leptos_server`'s `SuppressResourceLoad`): a page rendered by another server of the
/// same process in that moment (the test suites start many) would wait for a resource
/// that never loads, and its request would hang.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// Pages (HTML) go brotli- or gzip-compressed when the client accepts it; the site's
/// files come precompressed (`site`), and the REST API's answers are left as they are
/// (small, and on the hot path).
fn compress_pages()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    let html = |_: StatusCode,
                _: axum::http::Version,
                headers: &axum::http::HeaderMap,
                _: &axum::http::Extensions| {
        headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    };
    tower_http::compression::CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(SizeAbove::new(256).and(html))
}

/// Answers a request whose handling panicked with result 99 and HTTP 500, naming the
/// request id, instead of dropping the connection. It sits inside `request_context`, so
/// the request id is set while it runs, the answer gets its `x-request-id` and the
/// request log its line; and inside `security_headers`, so the answer gets those too.
/// The panic itself is logged by the hook `telemetry::init` installs (location and
/// request id, never the message).
fn catch_panic() -> tower_http::catch_panic::CatchPanicLayer<
    fn(Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response,
> {
    tower_http::catch_panic::CatchPanicLayer::custom(answer_panic as fn(_) -> _)
}

fn answer_panic(_payload: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let request_id = crate::telemetry::current_request_id();
    crate::rest::envelope::failure_with(
        99,
        &format!("internal error (request id {request_id})"),
        StatusCode::INTERNAL_SERVER_ERROR,
    )
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers. The body says so, then how lookups are
/// served (on PostgreSQL: whether the instance caches are on, see `storage::cache`).
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let caches = caches_line(state.kunci.store.cache_state());
    if state.kunci.store.ping().await {
        (StatusCode::OK, format!("ready\n{caches}\n"))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unreachable\n{caches}\n"),
        )
    }
}

fn caches_line(state: CacheState) -> String {
    match state {
        CacheState::None => "caches: none (in-memory database)".to_string(),
        CacheState::Files => "caches: on (SQLite file)".to_string(),
        CacheState::Following => "caches: on (following changes on the database)".to_string(),
        CacheState::Off { since, why } => {
            let secs = since.elapsed().map_or(0, |d| d.as_secs());
            format!("caches: off for {secs} s ({why}): every lookup reads the database")
        }
    }
}

/// The dashboard's live environment list: polled by the browser (with gloo-net) every
/// 1.5 s, authenticated by the session cookie. Polling rather than server-sent events:
/// it needs no pub/sub between instances, so a change made through any instance of a
/// cluster shows up within one poll, and one indexed query per open dashboard every
/// 1.5 s costs little.
async fn ui_envs(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, _) = req.into_parts();
    let ctx = app::backend::RequestCtx::from_parts(&parts);
    let backend = backend::WebBackend::new(state.kunci.clone());
    json_answer(app::backend::Backend::list_envs(&backend, &ctx).await)
}

/// One environment's detail view, polled the same way by its open page; 11 (HTTP 404)
/// when it is not the signed-in user's.
async fn ui_env(
    State(state): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, _) = req.into_parts();
    let ctx = app::backend::RequestCtx::from_parts(&parts);
    let backend = backend::WebBackend::new(state.kunci.clone());
    json_answer(app::backend::Backend::env_detail(&backend, &ctx, name).await)
}

/// One token's detail view (facts, last addresses, activity filtered by the query's
/// `method` and `result`), polled every second by its open view; 3 (HTTP 400) when it is
/// not the signed-in user's token.
async fn ui_token(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    axum::extract::Query(filter): axum::extract::Query<app::model::ActivityFilter>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, _) = req.into_parts();
    let ctx = app::backend::RequestCtx::from_parts(&parts);
    let backend = backend::WebBackend::new(state.kunci.clone());
    json_answer(app::backend::Backend::token_detail(&backend, &ctx, id, filter).await)
}

fn json_answer<T: serde::Serialize>(answer: Result<T, app::AppError>) -> axum::response::Response {
    match answer {
        Ok(value) => axum::Json(value).into_response(),
        Err(e) => (
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(e),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handler that panics, behind the same catch layer and a request id set the way
    /// `request_context` sets it.
    fn panicking_router() -> Router {
        Router::new()
            .route(
                "/boom",
                get(|| async {
                    panic!("a message quoting kunci_client_secret");
                    #[allow(unreachable_code)]
                    ""
                }),
            )
            .route("/fine", get(|| async { "ok" }))
            .layer(catch_panic())
            .layer(axum::middleware::from_fn(
                |req: axum::extract::Request, next: axum::middleware::Next| {
                    crate::telemetry::with_request_id("req-42".into(), next.run(req))
                },
            ))
    }

    #[tokio::test]
    async fn a_panic_is_answered_with_result_99_and_the_request_id() {
        use tower::ServiceExt;
        let answer = panicking_router()
            .oneshot(
                axum::extract::Request::get("/boom")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            answer.headers()[axum::http::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"result": 99, "error": "internal error (request id req-42)", "source": "kunci"})
        );
        let fine = panicking_router()
            .oneshot(
                axum::extract::Request::get("/fine")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(fine.status(), StatusCode::OK);
    }
}
