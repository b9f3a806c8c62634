//! The `server` command line: `serve` (the default), `user
//! create|disable|enable|promote|demote|approve`, `migrate`, `token list|revoke|revoke-value`.
//!
//! Every failure ends in one line on stderr saying what is wrong and how to fix it, and
//! a non-zero exit code.

use std::io::BufRead;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::config::{
    Config, CookieSecure, DEFAULT_DATABASE_URL, HttpPolicy, Limits, LogFormat, SecurityPolicy,
    default_hash_concurrency,
};
use kunci_core::domain::Login;
use kunci_core::storage::Store;

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Kunci: a self-hosted PaaS control panel with personal access tokens",
    long_about = "Kunci: a self-hosted PaaS control panel with personal access tokens.\n\n\
                  Without a subcommand, `server` runs `serve`.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (dashboard and REST API); the default.
    Serve(Box<ServeArgs>),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Fill a database with synthetic data for load tests: a new account (password on
    /// stdin) with one usable token (printed), filler tokens and environments.
    Seed(SeedArgs),
    /// Manage access tokens of any account (never showing a value). Other token
    /// subcommands join `TokenCommand` below.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Revoke a token whose value was found where it should not be: reads one value per
    /// line on stdin, deletes each live token among them at once (its owner gets a
    /// dashboard alert and a security-log entry, source "operator"), and prints for
    /// each line which token was revoked, or that the value was already retired, or is
    /// no Kunci token. Never prints a value. Exit code 0 when every value was revoked
    /// now or already retired; 1 when a value is unknown (the others are still
    /// revoked) or on an error.
    RevokeValue {
        #[command(flatten)]
        db: DbArgs,
    },
    /// List every account's tokens (never a value): owner, id, description, method
    /// count, created, expiry, last use. Filters combine.
    List {
        /// Only this account's tokens.
        #[arg(long)]
        login: Option<String>,
        /// Only tokens not used for this many days (never used ones count from their
        /// creation).
        #[arg(long, value_name = "DAYS")]
        unused_for: Option<u32>,
        /// Only expired tokens.
        #[arg(long)]
        expired: bool,
        /// Only tokens never used.
        #[arg(long)]
        never_used: bool,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// The server's token-templates file, if it has one: a template token's methods
        /// are counted from it.
        #[arg(long, env = "KUNCI_TOKEN_TEMPLATES")]
        token_templates: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke tokens of any account: `--id N` (repeatable) or `--login EMAIL --all`.
    /// Their owners' security logs say the operator did it; the values are retired as
    /// if deleted, so a later use still raises the owner's reuse alert.
    Revoke {
        #[arg(long, value_name = "N", conflicts_with_all = ["login", "all"], required_unless_present = "login")]
        id: Vec<i64>,
        #[arg(long, requires = "all")]
        login: Option<String>,
        /// Every token of `--login`.
        #[arg(long, requires = "login")]
        all: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Args)]
struct SeedArgs {
    /// The account to create.
    #[arg(long)]
    login: String,
    /// Tokens in all (one usable, allowed env.control.GetEnvInfo; the rest fillers).
    #[arg(long, default_value_t = 100)]
    tokens: u32,
    /// Environments, named PREFIX-0, PREFIX-1, ... with one node each.
    #[arg(long, default_value_t = 10)]
    environments: u32,
    #[arg(long, default_value = "bench")]
    prefix: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from stdin (one line).
    Create {
        /// The account's email address, used to sign in.
        #[arg(long)]
        login: String,
        /// Display name (defaults to the part of the login before '@').
        #[arg(long)]
        name: Option<String>,
        /// Make it an administrator (the first account always is one).
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Make an account an administrator.
    Promote {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Make an administrator an ordinary account again (never the last administrator).
    Demote {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Approve an account that signed up under `--signup approval`: it may sign in.
    Approve {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account: it can no longer sign in, and its sessions and tokens stop working.
    Disable {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Turn two-factor sign-in off for an account that lost its authenticator and its
    /// recovery codes (recorded in its security log); it signs in with the password
    /// alone until it turns two-factor sign-in on again.
    #[command(name = "disable-2fa")]
    Disable2fa {
        #[arg(long)]
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Args, Clone)]
struct DbArgs {
    /// sqlite://PATH (created on first run) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
}

#[derive(Debug, Args, Clone)]
struct ServeArgs {
    /// Address to listen on, HOST:PORT.
    #[arg(long, env = "KUNCI_LISTEN", default_value = "127.0.0.1:3000")]
    listen: String,
    #[command(flatten)]
    db: DbArgs,
    /// Serve the compiled site (pkg/ with WASM, JS and CSS) from this directory instead
    /// of the one built into the binary (development: `target/site`).
    #[arg(long, env = "KUNCI_SITE_ROOT")]
    site_root: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, env = "KUNCI_LOG_FORMAT", value_enum, default_value = "human")]
    log_format: LogFormat,
    /// A session unused for this long expires (e.g. 30m, 24h).
    #[arg(long, env = "KUNCI_SESSION_IDLE_TIMEOUT", default_value = "24h", value_parser = parse_duration)]
    session_idle_timeout: Duration,
    /// A session expires this long after sign-in, used or not.
    #[arg(long, env = "KUNCI_SESSION_LIFETIME", default_value = "14days", value_parser = parse_duration)]
    session_lifetime: Duration,
    /// Failed sign-ins or password confirmations of one account that lock it.
    #[arg(long, env = "KUNCI_LOCKOUT_THRESHOLD", default_value_t = 5)]
    lockout_threshold: u32,
    /// Failed sign-ins or password confirmations from one client IP that lock that IP.
    #[arg(long, env = "KUNCI_LOCKOUT_IP_THRESHOLD", default_value_t = 50)]
    lockout_ip_threshold: u32,
    /// The window in which failures are counted.
    #[arg(long, env = "KUNCI_LOCKOUT_WINDOW", default_value = "15m", value_parser = parse_duration)]
    lockout_window: Duration,
    /// How long a lock lasts.
    #[arg(long, env = "KUNCI_LOCKOUT_DURATION", default_value = "15m", value_parser = parse_duration)]
    lockout_duration: Duration,
    /// Mark the session cookie Secure: auto (when the request came over https), always, never.
    #[arg(long, env = "KUNCI_COOKIE_SECURE", value_enum, default_value = "auto")]
    cookie_secure: CookieSecure,
    /// Trust X-Forwarded-For and X-Forwarded-Proto (only behind your own reverse proxy).
    #[arg(long, env = "KUNCI_TRUST_PROXY")]
    trust_proxy: bool,
    /// Domain environments live under: NAME.<domain>.
    #[arg(long, env = "KUNCI_PLATFORM_DOMAIN", default_value = "kunci.local")]
    platform_domain: String,
    /// Environments one account may have.
    #[arg(long, env = "KUNCI_MAX_ENVIRONMENTS", default_value_t = 50)]
    max_environments: u32,
    /// The longest a token may live, in days (`90` or `90d`): it expires at most this long
    /// after its creation or last regeneration, and "never" is refused.
    #[arg(long, env = "KUNCI_TOKEN_MAX_LIFETIME", value_parser = parse_days)]
    token_max_lifetime: Option<u32>,
    /// The dashboard's preset expiry for a new token, in days (`30` or `30d`); also the
    /// API's default while --token-max-lifetime is set.
    #[arg(long, env = "KUNCI_TOKEN_DEFAULT_LIFETIME", value_parser = parse_days)]
    token_default_lifetime: Option<u32>,
    /// A token-templates file (TOML) replacing the built-in one (see docs/tokens.md).
    #[arg(long, env = "KUNCI_TOKEN_TEMPLATES")]
    token_templates: Option<PathBuf>,
    /// Days each token's activity log (every call made with it) is kept.
    #[arg(long, env = "KUNCI_TOKEN_ACTIVITY_RETENTION", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    token_activity_retention: u32,
    /// A client must send its request headers within this time, or is disconnected.
    #[arg(long, env = "KUNCI_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// A request must be answered within this time (HTTP 408 otherwise).
    #[arg(long, env = "KUNCI_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// After Ctrl-C or SIGTERM, how long in-flight requests may still run.
    #[arg(long, env = "KUNCI_SHUTDOWN_GRACE", default_value = "30s", value_parser = parse_duration)]
    shutdown_grace: Duration,
    /// Password hashes computed at once [default: half the cores, at least 1].
    #[arg(long, env = "KUNCI_HASH_CONCURRENCY")]
    hash_concurrency: Option<usize>,
    /// Password checks running or waiting per hashing thread, at most; past them a
    /// sign-in or confirmation waits, then is answered "busy" (result 706).
    #[arg(long, env = "KUNCI_HASH_QUEUE", default_value_t = kunci_core::services::passwords::QUEUED_PER_THREAD)]
    hash_queue: usize,
    /// How long a sign-in or confirmation waits for a place in the hashing queue.
    #[arg(long, env = "KUNCI_HASH_QUEUE_WAIT", default_value = "2s", value_parser = parse_duration)]
    hash_queue_wait: Duration,
    /// Who may create an account on the sign-up page: open (anyone), closed (only the
    /// very first account; administrators create the others) or approval (anyone, but
    /// an administrator must approve the account before it can sign in). The first
    /// account ever created is an administrator in every mode.
    #[arg(long, env = "KUNCI_SIGNUP", value_enum, default_value = "closed")]
    signup: SignupArg,
    /// A token value that was regenerated away or deleted, used again: alert (the owner
    /// gets a dashboard alert) or revoke (also revokes the token it was regenerated into).
    #[arg(long, env = "KUNCI_TOKEN_REUSE", value_enum, default_value = "alert")]
    token_reuse: TokenReuseArg,
    /// Public keys of secret-scanning services (GitHub's key document, or PEM): turns on
    /// POST /leak-reports, where signed reports of leaked token values revoke them.
    /// Without it that endpoint answers 404.
    #[arg(long, env = "KUNCI_LEAK_REPORT_KEYS")]
    leak_report_keys: Option<PathBuf>,
    /// The server's secret key file (32 random bytes as hex, created with mode 0600 on
    /// first start when missing): it encrypts two-factor secrets and MACs recovery codes,
    /// and is not in the database. Default: next to the SQLite file, or data/kunci-secret.key.
    /// Every instance on one PostgreSQL database needs the same file.
    #[arg(long, env = "KUNCI_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    /// Serve Prometheus metrics at /metrics on this HOST:PORT, a listener of their own
    /// (the public one never answers /metrics). Off when not given.
    #[arg(long, env = "KUNCI_METRICS_LISTEN")]
    metrics_listen: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SignupArg {
    Open,
    Closed,
    Approval,
}

impl From<SignupArg> for kunci_core::config::Signup {
    fn from(a: SignupArg) -> Self {
        match a {
            SignupArg::Open => kunci_core::config::Signup::Open,
            SignupArg::Closed => kunci_core::config::Signup::Closed,
            SignupArg::Approval => kunci_core::config::Signup::Approval,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TokenReuseArg {
    Alert,
    Revoke,
}

impl From<TokenReuseArg> for kunci_core::config::TokenReuse {
    fn from(a: TokenReuseArg) -> Self {
        match a {
            TokenReuseArg::Alert => kunci_core::config::TokenReuse::Alert,
            TokenReuseArg::Revoke => kunci_core::config::TokenReuse::Revoke,
        }
    }
}

/// A token lifetime: whole days, `90` or `90d`, 1 to 3,660 (the 10-year expiry limit).
fn parse_days(s: &str) -> Result<u32, String> {
    let digits = s.trim().strip_suffix('d').unwrap_or(s.trim());
    digits
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=3660).contains(d))
        .ok_or_else(|| format!("whole days from 1 to 3660, e.g. 90 or 90d (not {s:?})"))
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 90s, 15m, 24h, 14days)"))
}

/// A one-line, user-facing failure.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::fmt::Display> From<E> for CliError
where
    E: std::error::Error,
{
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Migrate(db)) => {
            let store = Store::connect(&db.database_url).await?;
            store.migrate().await?;
            println!("database is up to date");
            Ok(())
        }
        Some(Command::User { command }) => user(command).await,
        Some(Command::Seed(args)) => seed(args).await,
        Some(Command::Token { command }) => token(command).await,
    }
}

async fn token(command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::RevokeValue { db } => revoke_values(&db).await,
        TokenCommand::List {
            login,
            unused_for,
            expired,
            never_used,
            json,
            token_templates,
            db,
        } => {
            let filter = kunci_core::services::admin::InventoryFilter {
                login,
                expired,
                never_used,
                unused_for_days: unused_for,
            };
            list_tokens(&db, token_templates.as_deref(), &filter, json).await
        }
        TokenCommand::Revoke { id, login, db, .. } => {
            use kunci_core::services::admin::Revocation;
            let what = match login {
                Some(login) => Revocation::AllOf(login_arg(&login)?.as_str().to_string()),
                None => Revocation::Tokens(id),
            };
            revoke_tokens(&db, what).await
        }
    }
}

/// The operator's view of the core: the admin service on `db`, called from the console.
async fn console_admin(
    db: &DbArgs,
    templates: Option<&std::path::Path>,
) -> Result<kunci_core::services::admin::Admin, CliError> {
    use kunci_core::services::{accounts::Accounts, flood::FloodGuard, passwords::Hasher};
    use kunci_core::services::{security_log::SecurityLog, templates::Templates, tokens::Tokens};
    let store = Store::connect(&db.database_url).await?;
    store.migrate().await?;
    let accounts = Accounts::new(
        store.clone(),
        SecurityPolicy::default(),
        Hasher::new(default_hash_concurrency()),
    );
    let flood = FloodGuard::new(store.clone());
    let log = SecurityLog::new(store.clone());
    // Templates only name a template token's methods (its count here).
    let templates = match templates {
        Some(path) => Templates::load(path).map_err(CliError)?,
        None => Templates::built_in(),
    };
    let tokens = Tokens::new(
        store.clone(),
        accounts.clone(),
        log.clone(),
        std::sync::Arc::new(templates),
        flood.clone(),
    );
    Ok(kunci_core::services::admin::Admin::new(
        store, accounts, tokens, log, flood,
    ))
}

/// `server token list`: the inventory as a table or JSON.
async fn list_tokens(
    db: &DbArgs,
    templates: Option<&std::path::Path>,
    filter: &kunci_core::services::admin::InventoryFilter,
    json: bool,
) -> Result<(), CliError> {
    use kunci_core::clock::format_wire;
    use kunci_core::services::admin::Caller;
    let admin = console_admin(db, templates).await?;
    let list = admin
        .inventory(Caller::Console, filter)
        .await
        .map_err(|e| CliError(e.to_string()))?;
    if json {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|t| {
                serde_json::json!({
                    "id": t.token.id,
                    "login": t.owner_login,
                    "description": t.token.description,
                    "methods": t.method_count(),
                    "created": format_wire(t.token.created_at),
                    "expires": t.token.expires_at.map(format_wire),
                    "expired": t.token.expired_at(kunci_core::clock::now()),
                    "lastUsed": t.token.last_used_at.map(format_wire),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    println!("ID\tACCOUNT\tDESCRIPTION\tMETHODS\tCREATED\tEXPIRES\tLAST USED");
    for t in &list {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            t.token.id,
            t.owner_login,
            t.token.description,
            t.method_count(),
            format_wire(t.token.created_at),
            t.token
                .expires_at
                .map(format_wire)
                .unwrap_or_else(|| "never".into()),
            t.token
                .last_used_at
                .map(format_wire)
                .unwrap_or_else(|| "never".into()),
        );
    }
    Ok(())
}

/// `server token revoke`: revoked by the operator, no password asked.
async fn revoke_tokens(
    db: &DbArgs,
    what: kunci_core::services::admin::Revocation,
) -> Result<(), CliError> {
    use kunci_core::services::admin::Revoker;
    let admin = console_admin(db, None).await?;
    let revoked = admin
        .revoke(Revoker::Console, what)
        .await
        .map_err(|e| CliError(e.to_string()))?;
    let ids: Vec<String> = revoked.iter().map(|id| format!("#{id}")).collect();
    match ids.len() {
        0 => println!("no token to revoke"),
        n => println!("revoked {n} token(s): {}", ids.join(", ")),
    }
    Ok(())
}

/// `server token revoke-value`: the values on stdin, revoked as a leak report would.
async fn revoke_values(db: &DbArgs) -> Result<(), CliError> {
    use kunci_core::services::leaks::{Finding, Leaks, OPERATOR_SOURCE, Verdict};
    let mut lines = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| CliError(format!("cannot read the values from stdin: {e}")))?;
        let value = line.trim();
        if !value.is_empty() {
            lines.push(value.to_string());
        }
    }
    if lines.is_empty() {
        return Err(CliError(
            "no value on stdin: pipe it in, one per line, e.g. `printf '%s\\n' \"$VALUE\" | server token revoke-value`".into(),
        ));
    }
    let store = Store::connect(&db.database_url).await?;
    store.migrate().await?;
    let leaks = Leaks::new(
        store.clone(),
        kunci_core::services::flood::FloodGuard::new(store.clone()),
    );
    let findings: Vec<Finding> = lines
        .iter()
        .map(|v| Finding::new(v, "", "", OPERATOR_SOURCE))
        .collect();
    drop(lines);
    let outcomes = leaks
        .revoke(&findings, "cli")
        .await
        .map_err(|e| CliError(format!("cannot revoke: {e}")))?;
    let mut unknown = 0;
    for (i, o) in outcomes.iter().enumerate() {
        let what = match o.verdict {
            Verdict::Revoked { token_id, user_id } => {
                let owner = match store.user_by_id(user_id).await? {
                    Some(u) => u.login,
                    None => format!("account #{user_id}"),
                };
                format!("revoked token #{token_id} of {owner}; its owner was alerted")
            }
            Verdict::Retired { token_id } => {
                format!("already retired (token #{token_id}): nothing to revoke")
            }
            Verdict::Unknown => {
                unknown += 1;
                "unknown: no Kunci token has this value".to_string()
            }
        };
        println!("value {} (sha256 {}…): {what}", i + 1, &o.token_hash[..12]);
    }
    if unknown > 0 {
        return Err(CliError(format!(
            "{unknown} of {} values are no Kunci token (the others were handled)",
            outcomes.len()
        )));
    }
    Ok(())
}

async fn seed(args: SeedArgs) -> Result<(), CliError> {
    use kunci_core::domain::token::PlainToken;
    use kunci_core::storage::{SeedToken, TokenFields};
    let login = login_arg(&args.login)?;
    let password = read_password_line()?;
    let store = Store::connect(&args.db.database_url).await?;
    store.migrate().await?;
    let accounts = kunci_core::services::accounts::Accounts::new(
        store.clone(),
        SecurityPolicy::default(),
        kunci_core::services::passwords::Hasher::new(default_hash_concurrency()),
    );
    let user = accounts
        .register(login.as_str(), None, password)
        .await
        .map_err(|e| CliError(e.to_string()))?;
    let now = kunci_core::clock::now();
    let value = PlainToken::generate();
    let fields = TokenFields {
        description: "load test",
        template: None,
        api_list: "env.control.GetEnvInfo",
        expires_at: None,
        ip_allowlist: "",
        env_names: "",
    };
    let token = store
        .insert_token(user.id, value.hash().as_str(), &fields, now, i64::MAX)
        .await
        .map_err(|e| CliError(format!("{e:?}")))?;
    let fillers: Vec<SeedToken> = (1..args.tokens.max(1))
        .map(|i| SeedToken {
            secret_hash: kunci_core::secrets::sha256_hex(&kunci_core::secrets::random_base62(40)),
            description: format!("filler {i}"),
            api_list: "env.control.GetEnvInfo".into(),
        })
        .collect();
    store.seed_tokens(user.id, &fillers, now).await?;
    store
        .seed_envs(user.id, &args.prefix, args.environments, now)
        .await?;
    println!(
        "{}",
        serde_json::json!({
            "login": user.login,
            "token": value.expose(),
            "token_id": token.id,
            "env": format!("{}-0", args.prefix),
            "tokens": args.tokens.max(1),
            "environments": args.environments,
        })
    );
    Ok(())
}

/// The expiry policy from its two flags; a default longer than the maximum is refused.
fn token_expiry(
    max_days: Option<u32>,
    default_days: Option<u32>,
) -> Result<kunci_core::config::TokenExpiryPolicy, CliError> {
    if let (Some(max), Some(default)) = (max_days, default_days)
        && default > max
    {
        return Err(CliError(format!(
            "--token-default-lifetime ({default} days) is longer than --token-max-lifetime ({max} days)"
        )));
    }
    Ok(kunci_core::config::TokenExpiryPolicy {
        max_days,
        default_days,
    })
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    crate::telemetry::init(args.log_format);
    let config = Config {
        listen: resolve_listen(&args.listen)?,
        metrics_listen: match &args.metrics_listen {
            Some(addr) => Some(resolve_address("--metrics-listen", addr)?),
            None => None,
        },
        database_url: args.db.database_url,
        site_root: args.site_root,
        platform_domain: args.platform_domain,
        max_environments: args.max_environments,
        token_expiry: token_expiry(args.token_max_lifetime, args.token_default_lifetime)?,
        token_templates: args.token_templates,
        token_activity_retention_days: args.token_activity_retention,
        signup: args.signup.into(),
        leak_report_keys: args.leak_report_keys,
        secret_key_file: args.secret_key_file,
        security: SecurityPolicy {
            session_idle: args.session_idle_timeout,
            session_lifetime: args.session_lifetime,
            lockout_threshold: args.lockout_threshold.max(1),
            lockout_ip_threshold: args.lockout_ip_threshold.max(1),
            lockout_window: args.lockout_window,
            lockout_duration: args.lockout_duration,
            hash_concurrency: args
                .hash_concurrency
                .unwrap_or_else(default_hash_concurrency)
                .max(1),
            hash_queue_per_thread: args.hash_queue.max(1),
            hash_queue_wait: args.hash_queue_wait,
            token_reuse: args.token_reuse.into(),
        },
        http: HttpPolicy {
            cookie_secure: args.cookie_secure,
            trust_proxy: args.trust_proxy,
        },
        limits: Limits {
            header_timeout: args.header_timeout,
            request_timeout: args.request_timeout,
            max_header_bytes: 64 * 1024,
            shutdown_grace: args.shutdown_grace,
        },
    };
    let server = crate::Server::start(config).await?;
    if let Some(at) = server.metrics_addr() {
        tracing::info!("Prometheus metrics at http://{at}/metrics");
    }
    tracing::info!(url = %format!("http://{}", server.addr()), "Kunci is running: open http://{}", server.addr());
    server.run_until_signal().await;
    tracing::info!("stopped");
    Ok(())
}

fn resolve_listen(listen: &str) -> Result<SocketAddr, CliError> {
    resolve_address("--listen", listen)
}

/// `HOST:PORT` given to `flag`, resolved.
fn resolve_address(flag: &str, listen: &str) -> Result<SocketAddr, CliError> {
    let bad = || {
        CliError(format!(
            "{flag} '{listen}' is not HOST:PORT (for example 127.0.0.1:3000 or 0.0.0.0:8080)"
        ))
    };
    listen
        .to_socket_addrs()
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)
}

async fn user(command: UserCommand) -> Result<(), CliError> {
    match command {
        UserCommand::Create {
            login,
            name,
            admin,
            db,
        } => {
            use kunci_core::services::admin::Caller;
            let login = login_arg(&login)?;
            let password = read_password_line()?;
            let user = console_admin(&db, None)
                .await?
                .create_account(
                    Caller::Console,
                    login.as_str(),
                    name.as_deref(),
                    password,
                    admin,
                )
                .await
                .map_err(|e| CliError(e.to_string()))?;
            let role = if user.is_admin { ", administrator" } else { "" };
            println!(
                "created user {} <{}> (id {}{role})",
                user.name, user.login, user.id
            );
            Ok(())
        }
        UserCommand::Promote { login, db } => set_admin(&login, &db, true).await,
        UserCommand::Demote { login, db } => set_admin(&login, &db, false).await,
        UserCommand::Approve { login, db } => {
            use kunci_core::services::admin::Caller;
            let login = login_arg(&login)?;
            let user = console_admin(&db, None)
                .await?
                .approve_login(Caller::Console, login.as_str())
                .await
                .map_err(|e| CliError(e.to_string()))?;
            println!("approved {}: it may sign in now", user.login);
            Ok(())
        }
        UserCommand::Disable { login, db } => set_status(&login, &db, false).await,
        UserCommand::Enable { login, db } => set_status(&login, &db, true).await,
        UserCommand::Disable2fa { login, db } => disable_two_factor(&login, &db).await,
    }
}

/// `server user disable-2fa`: the operator's way out for an account locked out of its
/// second factor.
async fn disable_two_factor(login: &str, db: &DbArgs) -> Result<(), CliError> {
    use kunci_core::services::{security_log::SecurityLog, two_factor::TwoFactor};
    let login = login_arg(login)?;
    let store = Store::connect(&db.database_url).await?;
    store.migrate().await?;
    let Some(user) = store.user_by_login(login.as_str()).await? else {
        return Err(CliError(format!(
            "no account with login '{}'",
            login.as_str()
        )));
    };
    let log = SecurityLog::new(store.clone());
    let was_on = TwoFactor::turn_off_by_operator(&store, &log, user.id)
        .await
        .map_err(|e| CliError(e.to_string()))?;
    if was_on {
        println!(
            "two-factor sign-in is off for {}: it signs in with its password alone now",
            login.as_str()
        );
    } else {
        println!(
            "two-factor sign-in was not on for {}: nothing changed",
            login.as_str()
        );
    }
    Ok(())
}

async fn set_admin(login: &str, db: &DbArgs, admin: bool) -> Result<(), CliError> {
    use kunci_core::services::admin::Caller;
    let login = login_arg(login)?;
    console_admin(db, None)
        .await?
        .set_admin(Caller::Console, login.as_str(), admin)
        .await
        .map_err(|e| match e {
            kunci_core::Error::InvalidParameter { reason, .. } => CliError(reason),
            other => CliError(other.to_string()),
        })?;
    let done = if admin {
        "is an administrator now"
    } else {
        "is no longer an administrator"
    };
    println!("{} {done}", login.as_str());
    Ok(())
}

async fn set_status(login: &str, db: &DbArgs, enabled: bool) -> Result<(), CliError> {
    let login = login_arg(login)?;
    let store = Store::connect(&db.database_url).await?;
    store.migrate().await?;
    let changed = store
        .set_user_enabled(login.as_str(), enabled, kunci_core::clock::now())
        .await?;
    if !changed {
        return Err(CliError(format!(
            "no account with login '{}'",
            login.as_str()
        )));
    }
    let done = if enabled { "enabled" } else { "disabled" };
    println!("{done} {}", login.as_str());
    Ok(())
}

/// A `--login` as every login is checked (trimmed, lower-case, an email address),
/// refused in one line before the database is touched.
fn login_arg(raw: &str) -> Result<Login, CliError> {
    Login::parse(raw).map_err(|e| match e {
        crate::Error::InvalidParameter { reason, .. } => {
            CliError(format!("--login {raw:?} is not valid: {reason}"))
        }
        other => CliError(other.to_string()),
    })
}

/// Reads one line from stdin as the password, without its line ending.
fn read_password_line() -> Result<SecretString, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError(format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(CliError(
            "no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | server user create --login you@example.com`".into(),
        ));
    }
    Ok(SecretString::from(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_are_whole_days_and_the_default_within_the_maximum() {
        assert_eq!(parse_days("90"), Ok(90));
        assert_eq!(parse_days("90d"), Ok(90));
        assert_eq!(parse_days("3660"), Ok(3660));
        for bad in ["0", "3661", "90days", "1.5", "-1", "", "d"] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
        assert!(token_expiry(Some(90), Some(30)).is_ok());
        assert!(token_expiry(None, Some(30)).is_ok());
        let e = token_expiry(Some(30), Some(90)).unwrap_err().to_string();
        assert!(e.contains("--token-default-lifetime"), "{e}");
        assert_eq!(
            token_expiry(None, None).unwrap(),
            kunci_core::config::TokenExpiryPolicy::default()
        );
    }

    #[test]
    fn login_arg_normalises_like_sign_up_and_names_what_is_wrong() {
        assert_eq!(
            login_arg(" Ops@Example.COM ").unwrap().as_str(),
            "ops@example.com"
        );
        for bad in ["", "ops", "ops@example", "a b@example.com"] {
            let e = login_arg(bad).unwrap_err().to_string();
            assert!(e.starts_with("--login "), "{e}");
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
        assert!(
            login_arg("ops")
                .unwrap_err()
                .to_string()
                .contains("name@example.com")
        );
    }
}
