//! Users, sessions and sign-in throttling.

use std::sync::Arc;

use super::{Store, StoreError, classify, with_pool, write_pool, write_tx};
use crate::clock::Timestamp;
use crate::domain::AccountStatus;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    pub created_at: i64,
    /// 1 for an administrator.
    pub is_admin: i64,
    /// 1 while a sign-up waits for an administrator's approval.
    pub pending: i64,
}

/// The columns of a [`UserRow`], for every query that reads one.
macro_rules! user_columns {
    () => {
        "id, login, name, password_hash, status, created_at, is_admin, pending"
    };
}
pub(crate) use user_columns;

/// Inside a write transaction, serialises the changes that ask "which accounts exist, or
/// are administrators?" before they write: creating an account (is it the first?) and
/// demoting one (is it the last administrator?). On SQLite the write transaction already
/// holds the database's write lock; on PostgreSQL a transaction-scoped advisory lock.
macro_rules! lock_accounts {
    ($store:expr, $tx:ident) => {
        if matches!($store.db, $crate::storage::Db::Postgres(_)) {
            sqlx::query("SELECT pg_advisory_xact_lock(7283620151)")
                .execute(&mut *$tx)
                .await?;
        }
    };
}
pub(crate) use lock_accounts;

impl From<UserRow> for crate::domain::Account {
    fn from(row: UserRow) -> Self {
        crate::domain::Account {
            id: row.id,
            login: row.login,
            name: row.name,
            status: row.status,
            created_at: row.created_at,
            is_admin: row.is_admin != 0,
            pending: row.pending != 0,
        }
    }
}

/// A session joined with its user: what authenticating a request needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionAuthRow {
    pub session_id: i64,
    pub kind: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// 1 while the session waits for the second step of a two-factor sign-in.
    pub pending: i64,
    pub user_id: i64,
    pub login: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    /// The dashboard language the account chose (`users.language`), if any.
    pub language: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// An account to insert (see [`Store::insert_user`]).
pub struct NewUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub now: Timestamp,
    /// An administrator (the first account is one anyway).
    pub admin: bool,
    /// Waiting for approval (never the first account).
    pub pending: bool,
    /// Insert only if no account exists yet (a sign-up while sign-up is closed).
    pub only_first: bool,
}

pub struct NewSession<'a> {
    pub user_id: i64,
    pub secret_hash: &'a str,
    pub kind: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub now: Timestamp,
    /// Waiting for the second step of a two-factor sign-in.
    pub pending: bool,
}

impl Store {
    /// Inserts an account. One transaction holds the accounts lock (SQLite's write
    /// lock; a transaction-scoped advisory lock on PostgreSQL) while it asks whether any
    /// account exists, so of any number of concurrent first sign-ups exactly one is first:
    /// the first account is an administrator and never pending, whatever `new` says.
    /// With `new.only_first`, any later account is not inserted (`Ok(None)`).
    pub async fn insert_user(&self, new: NewUser<'_>) -> Result<Option<UserRow>, StoreError> {
        let row = write_tx!(self, |tx| {
            lock_accounts!(self, tx);
            let any: Option<i64> = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
            let first = any.is_none();
            if !first && new.only_first {
                None
            } else {
                let row = sqlx::query_as::<_, UserRow>(concat!(
                    "INSERT INTO users (login, name, password_hash, status, created_at, updated_at, \
                     is_admin, pending) VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING ",
                    user_columns!()
                ))
                    .bind(new.login)
                    .bind(new.name)
                    .bind(new.password_hash)
                    .bind(AccountStatus::Enabled.as_str())
                    .bind(new.now)
                    .bind(i64::from(first || new.admin))
                    .bind(i64::from(!first && new.pending))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(classify)?;
                Some(row)
            }
        });
        Ok(row)
    }

    /// Whether any account exists.
    pub async fn has_users(&self) -> Result<bool, StoreError> {
        let any: Option<i64> = with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT id FROM users LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?;
        Ok(any.is_some())
    }

    pub async fn user_by_login(&self, login: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, UserRow>(
            concat!("SELECT ", user_columns!(), " FROM users WHERE login = $1")
        )
        .bind(login)
        .fetch_optional(pool)
        .await)?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, UserRow>(
            concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1")
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }

    /// Stores the dashboard language an account chose (`None`: none, the browser decides).
    pub async fn set_user_language(
        &self,
        user_id: i64,
        language: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write_pool!(self, |pool| sqlx::query(
            "UPDATE users SET language = $1, updated_at = $2 WHERE id = $3"
        )
        .bind(language)
        .bind(now)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Enables or disables an account; a disabled account's sessions are deleted at once.
    /// Returns whether the login exists.
    pub async fn set_user_enabled(
        &self,
        login: &str,
        enabled: bool,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let status = if enabled {
            AccountStatus::Enabled
        } else {
            AccountStatus::Disabled
        };
        let changed = write_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE users SET status = $1, updated_at = $2 WHERE login = $3 RETURNING id",
            )
            .bind(status.as_str())
            .bind(now)
            .bind(login)
            .fetch_optional(&mut *tx)
            .await?;
            if let (Some(id), false) = (id, enabled) {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            id.is_some()
        });
        Ok(changed)
    }

    pub async fn insert_session(&self, s: NewSession<'_>) -> Result<i64, StoreError> {
        write_pool!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
            "INSERT INTO sessions (user_id, secret_hash, kind, ip, user_agent, created_at, last_seen_at, pending) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
        )
        .bind(s.user_id)
        .bind(s.secret_hash)
        .bind(s.kind)
        .bind(s.ip)
        .bind(s.user_agent)
        .bind(s.now)
        .bind(i64::from(s.pending))
            .fetch_one(pool).await.map_err(classify)
        })
    }

    /// The session whose id hashes to `secret_hash`, with its user (cached, see `cache`).
    pub async fn session_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<Arc<SessionAuthRow>>, StoreError> {
        self.read_through(
            |c| &c.sessions,
            secret_hash,
            || async {
                Ok(with_pool!(self, |pool| sqlx::query_as::<_, SessionAuthRow>(
                    "SELECT s.id AS session_id, s.kind, s.created_at, s.last_seen_at, s.pending, \
                        u.id AS user_id, u.login, u.name, u.status, u.language \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.secret_hash = $1"
                )
                .bind(secret_hash)
                .fetch_optional(pool)
                .await)?
                .map(Arc::new))
            },
        )
        .await
    }

    pub async fn touch_session(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        write_pool!(self, |pool| sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_session(&self, id: i64) -> Result<(), StoreError> {
        write_pool!(self, |pool| sqlx::query(
            "DELETE FROM sessions WHERE id = $1"
        )
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn sessions_of(&self, user_id: i64) -> Result<Vec<SessionRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, SessionRow>(
            "SELECT id, user_id, kind, ip, user_agent, created_at, last_seen_at \
             FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Deletes the given sessions of `user_id` (ids of other users are ignored).
    /// Returns how many were deleted.
    pub async fn delete_sessions_of(&self, user_id: i64, ids: &[i64]) -> Result<u64, StoreError> {
        let mut deleted = 0;
        write_tx!(self, |tx| {
            for id in ids {
                deleted += sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        });
        Ok(deleted)
    }

    /// Deletes sessions idle since before `idle_before` or created before `created_before`.
    pub async fn purge_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> Result<u64, StoreError> {
        Ok(write_pool!(self, |pool| sqlx::query(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2"
        )
        .bind(idle_before)
        .bind(created_before)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Takes one attempt from the budget `key`, in one statement, so parallel requests
    /// can never take more than the budget holds: at most `threshold` wrong guesses and
    /// undecided attempts together per `window_secs`, none while locked.
    pub async fn reserve_attempt(
        &self,
        key: &str,
        now: Timestamp,
        window_secs: i64,
        threshold: u32,
    ) -> Result<Admission, StoreError> {
        let (refused, window_start, locked_until): (i64, i64, i64) = write_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO auth_throttle (key, failures, pending, window_start, locked_until, refused) \
                 VALUES ($1, 0, 1, $2, 0, 0) \
                 ON CONFLICT (key) DO UPDATE SET \
                   refused = CASE WHEN auth_throttle.locked_until > $2 THEN 1 \
                                  WHEN auth_throttle.window_start <= $3 THEN 0 \
                                  WHEN auth_throttle.failures >= $4 THEN 1 \
                                  WHEN auth_throttle.failures + auth_throttle.pending >= $4 THEN 2 \
                                  ELSE 0 END, \
                   pending = CASE WHEN auth_throttle.locked_until > $2 THEN auth_throttle.pending \
                                  WHEN auth_throttle.window_start <= $3 THEN 1 \
                                  WHEN auth_throttle.failures + auth_throttle.pending >= $4 \
                                    THEN auth_throttle.pending \
                                  ELSE auth_throttle.pending + 1 END, \
                   failures = CASE WHEN auth_throttle.locked_until <= $2 \
                                    AND auth_throttle.window_start <= $3 THEN 0 \
                                   ELSE auth_throttle.failures END, \
                   window_start = CASE WHEN auth_throttle.locked_until <= $2 \
                                        AND auth_throttle.window_start <= $3 THEN $2 \
                                       ELSE auth_throttle.window_start END \
                 RETURNING refused, window_start, locked_until",
            )
            .bind(key)
            .bind(now)
            .bind(now - window_secs)
            .bind(i64::from(threshold))
            .fetch_one(pool)
            .await
        })?;
        Ok(match refused {
            0 => Admission::Granted,
            2 => Admission::Undecided,
            _ if locked_until > now => Admission::Refused {
                until: locked_until,
            },
            _ => Admission::Refused {
                until: window_start + window_secs,
            },
        })
    }

    /// Ends an attempt taken from `key` that was no wrong guess; with `forget`, the
    /// window's wrong guesses are forgotten too (unless `key` is locked).
    pub async fn return_attempt(
        &self,
        key: &str,
        now: Timestamp,
        forget: bool,
    ) -> Result<(), StoreError> {
        write_pool!(self, |pool| sqlx::query(
            "UPDATE auth_throttle SET \
               pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, \
               failures = CASE WHEN $2 = 1 AND locked_until <= $3 THEN 0 ELSE failures END \
             WHERE key = $1"
        )
        .bind(key)
        .bind(i64::from(forget))
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends an attempt taken from `key` as a wrong guess: once `threshold` of them
    /// fall in the window, locks `key` until `now + lock_secs`, with a fresh budget
    /// after. Returns whether this guess locked it.
    pub async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        threshold: u32,
        lock_secs: i64,
    ) -> Result<bool, StoreError> {
        let locked: Option<i64> = write_pool!(self, |pool| sqlx::query_scalar(
            "UPDATE auth_throttle SET \
               pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END, \
               failures = CASE WHEN failures + 1 >= $4 AND locked_until <= $2 THEN 0 \
                               ELSE failures + 1 END, \
               window_start = CASE WHEN failures + 1 >= $4 AND locked_until <= $2 THEN $2 \
                                   ELSE window_start END, \
               locked_until = CASE WHEN failures + 1 >= $4 AND locked_until <= $2 THEN $1 \
                                   ELSE locked_until END \
             WHERE key = $3 RETURNING locked_until"
        )
        .bind(now + lock_secs)
        .bind(now)
        .bind(key)
        .bind(i64::from(threshold))
        .fetch_optional(pool)
        .await)?;
        Ok(locked == Some(now + lock_secs))
    }

    /// Deletes budgets that neither lock nor count anything any more.
    pub async fn purge_attempts(
        &self,
        now: Timestamp,
        window_secs: i64,
    ) -> Result<u64, StoreError> {
        Ok(write_pool!(self, |pool| sqlx::query(
            "DELETE FROM auth_throttle WHERE locked_until <= $1 AND window_start <= $2"
        )
        .bind(now)
        .bind(now - window_secs)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
    }

    /// Budgets stored, for tests.
    pub async fn attempt_budgets(&self) -> Result<i64, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM auth_throttle"
        )
        .fetch_one(pool)
        .await)?)
    }

    /// The account a known device (by the SHA-256 of its cookie) signed in to.
    pub async fn device_owner(&self, secret_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT user_id FROM known_devices WHERE secret_hash = $1"
        )
        .bind(secret_hash)
        .fetch_optional(pool)
        .await)?)
    }

    /// Remembers (or refreshes) a device of `user_id`; the account keeps its `keep`
    /// most recently used devices.
    pub async fn remember_device(
        &self,
        secret_hash: &str,
        user_id: i64,
        now: Timestamp,
        keep: i64,
    ) -> Result<(), StoreError> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO known_devices (secret_hash, user_id, created_at, last_used_at) \
                 VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (secret_hash) DO UPDATE SET last_used_at = $3",
            )
            .bind(secret_hash)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM known_devices WHERE user_id = $1 AND secret_hash NOT IN \
                 (SELECT secret_hash FROM known_devices WHERE user_id = $1 \
                  ORDER BY last_used_at DESC, secret_hash LIMIT $2)",
            )
            .bind(user_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Forgets devices unused since before `before`.
    pub async fn purge_devices(&self, before: Timestamp) -> Result<u64, StoreError> {
        Ok(write_pool!(self, |pool| sqlx::query(
            "DELETE FROM known_devices WHERE last_used_at < $1"
        )
        .bind(before)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
    }
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Granted,
    /// The budget's places are held by attempts not yet decided: ask again soon.
    Undecided,
    /// The budget is spent or locked until `until`.
    Refused {
        until: Timestamp,
    },
}
