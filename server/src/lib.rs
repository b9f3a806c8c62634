//! Kunci's server: a self-hosted PaaS control panel with personal access tokens, serving
//! a Jelastic / Virtuozzo-compatible REST API and a Leptos dashboard.
//!
//! The adapters around `kunci_core` (every rule and all SQL): `cli`, `web` (HTTP, pages,
//! the dashboard's server functions, middleware) and `rest` (the platform's API).

pub mod answers;
pub mod body;
pub mod cli;
pub mod client;
pub mod config;
pub mod cookies;
pub mod form;
pub mod kunci;
pub mod metrics;
pub mod rest;
mod scrape;
pub mod telemetry;
pub mod web;

// The core's modules, under the names the adapters and the tests have always used.
pub use kunci::Kunci;
pub use kunci_core::{Client, Error, clock, domain, secrets, services, storage};

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::Config;
use kunci_core::services::templates::Templates;
use kunci_core::storage::{ConnectError, Store, StoreError};

/// Why the server could not start: one line saying what is wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The `--token-templates` file is unreadable or invalid.
    #[error("{0}")]
    Templates(String),
    /// The database cannot be opened or migrated.
    #[error(transparent)]
    Database(#[from] ConnectError),
    #[error("cannot listen on {addr}: {source} ({hint})")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
        hint: &'static str,
    },
    #[error("cannot read the live credentials: {0} (check --database-url)")]
    LiveCredentials(StoreError),
    #[error("cannot prepare password hashing: {0}")]
    Hashing(Error),
    /// The `--leak-report-keys` file is unreadable or invalid.
    #[error("{0}")]
    LeakKeys(String),
    /// The secret key file is unreadable, invalid, or not this database's key.
    #[error("{0}")]
    SecretKey(String),
    /// The `--site-root` directory is unreadable.
    #[error("{0} (check --site-root)")]
    Site(#[from] web::site::SiteError),
}

/// A bound, migrated server, ready to run.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    kunci: Arc<Kunci>,
    site: Arc<web::site::Site>,
    /// `--metrics-listen`'s socket and its bound address.
    metrics: Option<(TcpListener, SocketAddr)>,
}

impl Server {
    /// Opens the database, applies migrations and binds the listening socket. Every
    /// failure is one line saying what is wrong and how to fix it.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let templates = match &config.token_templates {
            Some(path) => Templates::load(path).map_err(StartError::Templates)?,
            None => Templates::built_in(),
        };
        let leak_keys = match &config.leak_report_keys {
            Some(path) => Some(
                kunci_core::services::leaks::LeakKeys::load(path).map_err(StartError::LeakKeys)?,
            ),
            None => None,
        };
        let site = web::site::Site::load(config.site_root.as_deref())?;
        // The port first: a server that cannot listen changes nothing on disk (no
        // migration, no new key file) and says so in one line.
        let cannot_listen = |source: std::io::Error| StartError::Listen {
            addr: config.listen,
            hint: listen_hint(source.kind()),
            source,
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(cannot_listen)?;
        let addr = listener.local_addr().map_err(cannot_listen)?;
        let metrics = match config.metrics_listen {
            Some(at) => {
                let cannot_listen = |source: std::io::Error| StartError::Listen {
                    addr: at,
                    hint: "check --metrics-listen",
                    source,
                };
                let listener = TcpListener::bind(at).await.map_err(cannot_listen)?;
                let bound = listener.local_addr().map_err(cannot_listen)?;
                Some((listener, bound))
            }
            None => None,
        };
        let store = Store::connect(&config.database_url).await?;
        store.migrate().await?;
        let key = load_server_key(&store, &config.secret_key_path()).await?;
        let kunci = Kunci::new(config, store, templates, key);
        if let Some(keys) = &leak_keys {
            tracing::info!(keys = ?keys.ids(), "leak reports accepted at POST /leak-reports");
        }
        kunci.leaks.set_keys(leak_keys);
        kunci
            .flood
            .start()
            .await
            .map_err(StartError::LiveCredentials)?;
        kunci.hasher.warm_up().await.map_err(StartError::Hashing)?;
        Ok(Server {
            listener,
            addr,
            kunci,
            site: Arc::new(site),
            metrics,
        })
    }

    /// Where `/metrics` is served (`None`: metrics are off).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr)| *addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn kunci(&self) -> Arc<Kunci> {
        self.kunci.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        // Said once the server is up, so a start-up failure stays one line.
        if !self.site.has_dashboard() {
            tracing::warn!(
                "this server holds no compiled dashboard: build it with `cargo leptos build --release --precompress`, or pass --site-root"
            );
        }
        let mut router = web::router(self.kunci.clone(), self.addr, self.site.clone());
        let mut metrics_server = None;
        if let (Some((listener, _)), Some(metrics)) = (self.metrics, &self.kunci.metrics) {
            let method_of_path: metrics::MethodOfPath = rest::method_of_path;
            router = router.layer(axum::middleware::from_fn_with_state(
                (metrics.clone(), method_of_path),
                metrics::track,
            ));
            let scrape = scrape::router(self.kunci.clone(), metrics.clone());
            let limits = self.kunci.config.limits.clone();
            metrics_server = Some(tokio::spawn(async move {
                serve(listener, scrape, &limits, std::future::pending()).await
            }));
        }
        let housekeeping = tokio::spawn(housekeeping(self.kunci.clone()));
        let live = tokio::spawn(self.kunci.flood.clone().follow());
        let store = self.kunci.store.clone();
        let changes = tokio::spawn(async move { store.follow_changes().await });
        let activity = tokio::spawn(self.kunci.activity.clone().run());
        serve(self.listener, router, &self.kunci.config.limits, shutdown).await;
        if let Some(task) = metrics_server {
            task.abort();
        }
        self.kunci.activity.flush().await;
        activity.abort();
        housekeeping.abort();
        live.abort();
        changes.abort();
        self.kunci.store.close().await;
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_signal(self) {
        self.run_until(shutdown_signal()).await
    }
}

/// The server's secret key from `path` (created when missing), checked against the one
/// the database was set up with.
pub async fn load_server_key(
    store: &Store,
    path: &std::path::Path,
) -> Result<Arc<kunci_core::server_key::ServerKey>, StartError> {
    let key =
        kunci_core::server_key::ServerKey::load_or_create(path).map_err(StartError::SecretKey)?;
    let same = store
        .check_server_key(key.check_value())
        .await
        .map_err(|e| StartError::SecretKey(format!("cannot check the secret key: {e}")))?;
    if !same {
        return Err(StartError::SecretKey(format!(
            "the secret key file {} is not the key this database was set up with (two-factor secrets would not decrypt): give every instance the same --secret-key-file",
            path.display()
        )));
    }
    Ok(Arc::new(key))
}

/// How to mend a failure to listen.
fn listen_hint(kind: std::io::ErrorKind) -> &'static str {
    match kind {
        std::io::ErrorKind::AddrInUse => {
            "another process uses this port: stop it or choose another port with --listen"
        }
        std::io::ErrorKind::PermissionDenied => {
            "ports below 1024 need privileges: choose another port with --listen"
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "this machine has no such address: use 127.0.0.1 or 0.0.0.0 in --listen"
        }
        _ => "check --listen",
    }
}

/// Accepts connections until `shutdown`, then lets in-flight requests finish (for at
/// most `limits.shutdown_grace`). Each connection gets the client's address, a deadline
/// for its request headers (slow clients are dropped) and a bound on their size.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: &config::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(limits.max_header_bytes as u32);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                router.clone().oneshot(req.map(axum::body::Body::new))
            });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over: closing the remaining connections");
    }
}

/// Deletes expired sessions, spent attempt budgets, forgotten devices and token activity
/// past its retention every ten minutes.
async fn housekeeping(kunci: Arc<Kunci>) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = kunci.sessions.purge_expired().await {
            tracing::warn!(error = %e, "session purge failed");
        }
        if let Err(e) = kunci.accounts.purge().await {
            tracing::warn!(error = %e, "attempt budget purge failed");
        }
        if let Err(e) = kunci.tokens.warn_expiring(kunci_core::clock::now()).await {
            tracing::warn!(error = %e, "token expiry warnings failed");
        }
        if let Err(e) = kunci.activity.prune(kunci_core::clock::now()).await {
            tracing::warn!(error = %e, "token activity purge failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
