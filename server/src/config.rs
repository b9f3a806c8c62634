//! Run-time configuration, from flags and environment variables (see `cli`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use kunci_core::config::{SecurityPolicy, default_hash_concurrency};

/// How the edge treats HTTP: cookies and proxies.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// Whether the session cookie is marked `Secure`.
    pub cookie_secure: CookieSecure,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    pub trust_proxy: bool,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            cookie_secure: CookieSecure::Auto,
            trust_proxy: false,
        }
    }
}

impl HttpPolicy {
    /// Whether cookies set on a request that arrived over https (or not) are `Secure`.
    pub fn secure_cookies(&self, https: bool) -> bool {
        match self.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => https,
        }
    }
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
    /// Where Prometheus scrapes `/metrics` (`--metrics-listen`); `None`: no metrics.
    pub metrics_listen: Option<SocketAddr>,
    pub database_url: String,
    /// A compiled site (`pkg/` with the WASM, JS and CSS) to serve instead of the one
    /// built into the binary (development).
    pub site_root: Option<PathBuf>,
    /// Domain under which environments get their names (`my-project.<domain>`).
    pub platform_domain: String,
    pub max_environments: u32,
    /// `--token-max-lifetime`, `--token-default-lifetime`.
    pub token_expiry: kunci_core::config::TokenExpiryPolicy,
    /// A token-templates file replacing the built-in one.
    pub token_templates: Option<PathBuf>,
    /// Days a token's activity log is kept (`--token-activity-retention`).
    pub token_activity_retention_days: u32,
    /// Who may sign up (`--signup`; closed by default: the first account only).
    pub signup: kunci_core::config::Signup,
    /// The public keys leak reports are signed with (`--leak-report-keys`); without
    /// them `POST /leak-reports` answers 404.
    pub leak_report_keys: Option<PathBuf>,
    /// The server's secret key file (`--secret-key-file`): encrypts two-factor secrets
    /// and MACs recovery codes. `None`: [`Config::secret_key_path`]'s default.
    pub secret_key_file: Option<PathBuf>,
    pub security: SecurityPolicy,
    pub http: HttpPolicy,
    pub limits: Limits,
}

impl Config {
    /// A configuration for tests and tools: SQLite at `database_url`, port 0.
    pub fn for_database(database_url: &str) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            metrics_listen: None,
            database_url: database_url.to_string(),
            site_root: None,
            platform_domain: "kunci.local".into(),
            max_environments: 50,
            token_expiry: Default::default(),
            token_templates: None,
            token_activity_retention_days: 30,
            signup: kunci_core::config::Signup::default(),
            leak_report_keys: None,
            secret_key_file: None,
            security: SecurityPolicy::default(),
            http: HttpPolicy::default(),
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// Where the server's secret key lives: `--secret-key-file`, else next to the SQLite
    /// file, else (PostgreSQL) in the data directory `./data`. Instances sharing one
    /// PostgreSQL database must share this file too (they refuse to start otherwise).
    pub fn secret_key_path(&self) -> PathBuf {
        if let Some(path) = &self.secret_key_file {
            return path.clone();
        }
        let name = kunci_core::server_key::DEFAULT_FILE_NAME;
        let sqlite_file = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .filter(|f| !f.is_empty() && !f.contains(":memory:"));
        match sqlite_file.map(std::path::Path::new) {
            Some(file) => file
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(|d| d.join(name))
                .unwrap_or_else(|| PathBuf::from(name)),
            None => PathBuf::from("data").join(name),
        }
    }
}

/// The default database: a SQLite file under `./data`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/kunci.db";
