//! Run-time configuration, from flags and environment variables (see `cli`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How long sessions live and when failed sign-ins lock a login.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// A session unused for this long is dead.
    pub session_idle: Duration,
    /// A session older than this is dead, used or not.
    pub session_lifetime: Duration,
    /// Failed sign-ins (or password confirmations) of one login within `lockout_window`
    /// that lock it.
    pub lockout_threshold: u32,
    /// Failed attempts from one client IP within `lockout_window` that lock that IP.
    pub lockout_ip_threshold: u32,
    pub lockout_window: Duration,
    /// How long a lock lasts.
    pub lockout_duration: Duration,
    /// Whether the session cookie is marked `Secure`.
    pub cookie_secure: CookieSecure,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    pub trust_proxy: bool,
    /// Password hashes computed at once (argon2 takes ~19 MiB and one core each).
    pub hash_concurrency: usize,
    /// Password checks running or waiting per hashing thread, at most.
    pub hash_queue_per_thread: usize,
    /// How long a sign-in or confirmation waits for a place in that queue before it is
    /// answered "busy" (706).
    pub hash_queue_wait: Duration,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            session_idle: Duration::from_secs(24 * 3600),
            session_lifetime: Duration::from_secs(14 * 24 * 3600),
            lockout_threshold: 5,
            lockout_ip_threshold: 50,
            lockout_window: Duration::from_secs(15 * 60),
            lockout_duration: Duration::from_secs(15 * 60),
            cookie_secure: CookieSecure::Auto,
            trust_proxy: false,
            hash_concurrency: default_hash_concurrency(),
            hash_queue_per_thread: crate::services::passwords::QUEUED_PER_THREAD,
            hash_queue_wait: crate::services::passwords::SLOT_WAIT,
        }
    }
}

impl SecurityPolicy {
    /// Whether cookies set on a request that arrived over https (or not) are `Secure`.
    pub fn secure_cookies(&self, https: bool) -> bool {
        match self.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => https,
        }
    }
}

/// One password hash at a time per two cores, so sign-ins never take every core.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CookieSecure {
    /// `Secure` when the request arrived over https (directly or, with
    /// `--trust-proxy`, as told by `X-Forwarded-Proto`).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// Bounds on what one client can hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A client must send its request headers within this time.
    pub header_timeout: Duration,
    /// A request (body included) must be answered within this time (408 otherwise).
    pub request_timeout: Duration,
    /// The request line and headers together.
    pub max_header_bytes: usize,
    /// How long in-flight requests may run after a shutdown signal.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Everything `server serve` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    /// Where cargo-leptos put the compiled site (`pkg/` with the WASM, JS and CSS).
    pub site_root: PathBuf,
    /// Domain under which environments get their names (`my-project.<domain>`).
    pub platform_domain: String,
    pub max_environments: u32,
    /// A token-templates file replacing the built-in one.
    pub token_templates: Option<PathBuf>,
    pub security: SecurityPolicy,
    pub limits: Limits,
}

impl Config {
    /// A configuration for tests and tools: SQLite at `database_url`, port 0.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            database_url: database_url.to_string(),
            site_root: PathBuf::from("target/site"),
            platform_domain: "kunci.local".into(),
            max_environments: 50,
            token_templates: None,
            security: SecurityPolicy::default(),
            limits: Limits::default(),
        }
    }
}

/// The default database: a SQLite file under `./data`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/kunci.db";
