//! All of Kunci's SQL lives in this module and its children.
//!
//! One portable set of runtime queries (`$1` placeholders, `RETURNING`, `ON CONFLICT`)
//! runs on SQLite and PostgreSQL alike; [`with_pool!`] sends a query to whichever pool
//! the store holds. Times are `BIGINT` Unix seconds, so no date type differs between the
//! two. The integration suite runs against both databases.

mod accounts;
mod admin;
pub mod cache;
mod envs;
mod leaks;
mod live;
mod ssh_keys;
mod token_activity;
mod token_reuse;
mod tokens;
mod two_factor;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};

pub use accounts::*;
pub use admin::*;
pub use envs::*;
pub use leaks::*;
pub use live::*;
pub use ssh_keys::*;
pub use token_activity::*;
pub use token_reuse::*;
pub use tokens::*;
pub use two_factor::*;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, SQLite or PostgreSQL. Cheap to clone (it holds a pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    pub metrics: std::sync::Arc<StoreMetrics>,
    /// Read caches (see `cache`); `None` for an in-memory SQLite database.
    pub(crate) caches: Option<std::sync::Arc<cache::Caches>>,
}

/// Counters tests and benchmarks read.
#[derive(Debug, Default)]
pub struct StoreMetrics {
    /// Token lookups by hash (a malformed token value must cause none).
    pub token_lookups: std::sync::atomic::AtomicU64,
}

impl Store {
    fn new(db: Db, caches: Option<cache::Caches>) -> Store {
        Store {
            db,
            metrics: Default::default(),
            caches: caches.map(std::sync::Arc::new),
        }
    }

    /// Records that a write committed: cached reads from before it are dropped.
    pub(crate) fn changed(&self) {
        if let Some(c) = &self.caches {
            c.changed();
        }
    }
}

/// Runs `$body` with `$pool` bound to the store's pool, whichever database it is.
macro_rules! with_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::storage::Db::Sqlite($pool) => $body,
            $crate::storage::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Like `with_pool!`, for a single-statement write: afterwards, the store is marked
/// changed (see `cache`).
macro_rules! write_pool {
    ($store:expr, |$pool:ident| $body:expr) => {{
        let out = $crate::storage::with_pool!($store, |$pool| $body);
        $store.changed();
        out
    }};
}
pub(crate) use write_pool;

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite, so two writers queue on the
/// busy timeout instead of one failing when it upgrades a read lock. Afterwards, the
/// store is marked changed (see `cache`).
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let out = $crate::storage::write_tx_keeping_caches!($store, |$tx| $body);
        $store.changed();
        out
    }};
}
pub(crate) use write_tx;

/// Like `write_tx!`, for a write that changes nothing a cached lookup decides on (the
/// token activity, and `last_used_at`, which is only a hint): the caches are kept. On
/// SQLite the write's own change of the files is adopted (`OwnWrite::adopt`), so
/// it does not empty them either.
macro_rules! write_tx_keeping_caches {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.db {
            $crate::storage::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                // Holding the write lock: no one else can commit until ours.
                let write = $store.caches.as_ref().and_then(|c| c.begin_own_write());
                let out = $body;
                $tx.commit().await?;
                if let Some(write) = write {
                    write.adopt();
                }
                out
            }
            $crate::storage::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}
pub(crate) use write_tx_keeping_caches;

/// Takes the row lock of account `user_id` inside a write transaction, so a count and
/// the insert it allows are never interleaved with another transaction's for the same
/// account (PostgreSQL's READ COMMITTED would let both count the same rows). On SQLite
/// the write transaction already holds the database's write lock; the statement is a
/// harmless no-op there.
macro_rules! lock_account {
    ($tx:ident, $user_id:expr) => {
        sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
            .bind($user_id)
            .execute(&mut *$tx)
            .await?
    };
}
pub(crate) use lock_account;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; holds the constraint's name when known.
    #[error("conflict on {0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A storage failure is, to the rules, an internal error (its cause kept for the log).
impl From<StoreError> for crate::Error {
    fn from(e: StoreError) -> Self {
        crate::error::internal(e)
    }
}

impl StoreError {
    pub fn is_conflict_on(&self, constraint_part: &str) -> bool {
        matches!(self, StoreError::Conflict(c) if c.contains(constraint_part))
    }
}

/// Maps a unique violation to [`StoreError::Conflict`] naming the constraint (or, on
/// SQLite, which reports columns rather than names, the message).
pub(crate) fn classify(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error()
        && db.is_unique_violation()
    {
        let name = db
            .constraint()
            .map(str::to_string)
            .unwrap_or_else(|| db.message().to_string());
        return StoreError::Conflict(name);
    }
    StoreError::Database(e)
}

/// Why the database could not be opened, as one line for an operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

impl Store {
    /// Opens `url`: `sqlite://PATH` (file and directory created if missing) or
    /// `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store, ConnectError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await
        } else {
            Err(ConnectError(format!(
                "--database-url '{}' is not a database URL: use sqlite://PATH (e.g. sqlite://data/kunci.db) or postgres://USER@HOST:PORT/DB",
                redact_url(url)
            )))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Store, ConnectError> {
        let options = SqliteConnectOptions::from_str(url).map_err(|e| {
            ConnectError(format!(
                "--database-url '{url}' is not a valid SQLite URL: {e}"
            ))
        })?;
        let file = options.get_filename().to_path_buf();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            ensure_writable_dir(dir)?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .log_statements(tracing::log::LevelFilter::Off)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| {
                ConnectError(format!(
                    "cannot open the SQLite database {}: {e} (check that the file is writable, or choose another with --database-url)",
                    file.display()
                ))
            })?;
        let caches = (!file.as_os_str().is_empty() && file.to_str() != Some(":memory:"))
            .then(|| cache::Caches::for_file(file.clone()));
        Ok(Store::new(Db::Sqlite(pool), caches))
    }

    async fn connect_postgres(url: &str) -> Result<Store, ConnectError> {
        let shown = redact_url(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| {
                ConnectError(format!(
                    "--database-url '{shown}' is not a valid PostgreSQL URL: {e}"
                ))
            })?
            .log_statements(tracing::log::LevelFilter::Off)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| {
                ConnectError(format!(
                    "cannot connect to PostgreSQL at {shown}: {e} (is the server running and the database created? check --database-url)"
                ))
            })?;
        Ok(Store::new(
            Db::Postgres(pool),
            Some(cache::Caches::notified()),
        ))
    }

    /// Applies the migrations this build carries that the database lacks.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let result = match &self.db {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|e| ConnectError(format!("cannot migrate the database: {e}")))
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        with_pool!(self, |pool| sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(pool)
            .await
            .is_ok())
    }

    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }
}

fn ensure_writable_dir(dir: &Path) -> Result<(), ConnectError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        ConnectError(format!(
            "cannot create the data directory {}: {e} (choose a writable place with --database-url sqlite://PATH)",
            dir.display()
        ))
    })?;
    let probe = dir.join(format!(".kunci-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| {
            ConnectError(format!(
                "the data directory {} is not writable: {e} (choose a writable place with --database-url sqlite://PATH)",
                dir.display()
            ))
        })
}

/// `url` with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://bob:hunter2@db:5432/kunci"),
            "postgres://bob:***@db:5432/kunci"
        );
        assert_eq!(
            redact_url("postgres://bob@db/kunci"),
            "postgres://bob@db/kunci"
        );
    }
}
