//! Access tokens, retired token hashes and the security log.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Store, StoreError, lock_account, with_pool, write_pool, write_tx};
use crate::clock::Timestamp;
use crate::domain::AccountStatus;
use crate::domain::restrict::{EnvScope, IpAllowlist};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub description: String,
    pub template: Option<String>,
    pub api_list: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// Its creation or last regeneration.
    pub issued_at: i64,
    /// Stored as canonical entries joined with `,` (empty: anywhere).
    #[sqlx(try_from = "String")]
    pub ip_allowlist: IpAllowlist,
    /// Stored as canonical entries joined with `,` (empty: all).
    #[sqlx(try_from = "String")]
    pub env_names: EnvScope,
}

/// A token joined with its owner: what authenticating a request needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenAuthRow {
    pub id: i64,
    pub user_id: i64,
    pub template: Option<String>,
    pub api_list: String,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub login: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    /// Parsed once per row read (and kept with the row in the SQLite cache).
    #[sqlx(try_from = "String")]
    pub ip_allowlist: IpAllowlist,
    #[sqlx(try_from = "String")]
    pub env_names: EnvScope,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RetiredRow {
    pub token_id: i64,
    pub user_id: i64,
    pub reason: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecurityEventRow {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub ip: String,
    pub detail: String,
    pub params: String,
}

/// The editable fields of a token, as they will be stored.
pub struct TokenFields<'a> {
    pub description: &'a str,
    pub template: Option<&'a str>,
    pub api_list: &'a str,
    pub expires_at: Option<Timestamp>,
    pub ip_allowlist: &'a str,
    pub env_names: &'a str,
}

#[derive(Debug)]
pub enum InsertTokenError {
    LimitReached,
    Store(StoreError),
}

impl From<sqlx::Error> for InsertTokenError {
    fn from(e: sqlx::Error) -> Self {
        InsertTokenError::Store(super::classify(e))
    }
}

/// What a deletion found.
#[derive(Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted(Vec<i64>),
    /// These ids are not tokens of the user; nothing was deleted.
    Missing(Vec<i64>),
}

const TOKEN_COLUMNS: &str = "id, user_id, description, template, api_list, created_at, expires_at, last_used_at, \
     COALESCE(issued_at, created_at) AS issued_at, ip_allowlist, env_names";

impl Store {
    /// Inserts a token unless the user already has `max_per_user`.
    pub async fn insert_token(
        &self,
        user_id: i64,
        secret_hash: &str,
        fields: &TokenFields<'_>,
        now: Timestamp,
        max_per_user: i64,
    ) -> Result<TokenRow, InsertTokenError> {
        let sql = format!(
            "INSERT INTO tokens (user_id, secret_hash, description, template, api_list, created_at, updated_at, expires_at, issued_at, ip_allowlist, env_names) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $6, $8, $9) RETURNING {TOKEN_COLUMNS}"
        );
        let row = write_tx!(self, |tx| {
            lock_account!(tx, user_id);
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if count >= max_per_user {
                return Err(InsertTokenError::LimitReached);
            }
            sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(user_id)
                .bind(secret_hash)
                .bind(fields.description)
                .bind(fields.template)
                .bind(fields.api_list)
                .bind(now)
                .bind(fields.expires_at)
                .bind(fields.ip_allowlist)
                .bind(fields.env_names)
                .fetch_one(&mut *tx)
                .await?
        });
        Ok(row)
    }

    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1 ORDER BY id");
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, TokenRow>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn token_of(&self, user_id: i64, id: i64) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1 AND user_id = $2");
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, TokenRow>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
    }

    /// The token whose value hashes to `secret_hash`, with its owner (cached, see `cache`).
    pub async fn token_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<Arc<TokenAuthRow>>, StoreError> {
        self.read_through(|c| &c.tokens, secret_hash, || async {
            self.metrics.token_lookups.fetch_add(1, Ordering::Relaxed);
            Ok(with_pool!(self, |pool| sqlx::query_as::<_, TokenAuthRow>(
                "SELECT t.id, t.user_id, t.template, t.api_list, t.expires_at, t.last_used_at, u.login, u.name, u.status, t.ip_allowlist, t.env_names \
                 FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1"
            )
            .bind(secret_hash)
            .fetch_optional(pool)
            .await)?
            .map(Arc::new))
        })
        .await
    }

    /// A value that was regenerated away or deleted.
    pub async fn retired_token(&self, secret_hash: &str) -> Result<Option<RetiredRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, RetiredRow>(
            "SELECT token_id, user_id, reason FROM retired_token_hashes WHERE secret_hash = $1"
        )
        .bind(secret_hash)
        .fetch_optional(pool)
        .await)?)
    }

    /// Replaces a token's editable fields; `None` when it is not the user's.
    pub async fn update_token(
        &self,
        user_id: i64,
        id: i64,
        fields: &TokenFields<'_>,
        now: Timestamp,
    ) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!(
            "UPDATE tokens SET description = $1, template = $2, api_list = $3, expires_at = $4, updated_at = $5, \
             ip_allowlist = $8, env_names = $9 WHERE id = $6 AND user_id = $7 RETURNING {TOKEN_COLUMNS}"
        );
        Ok(write_pool!(self, |pool| sqlx::query_as::<_, TokenRow>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(fields.description)
        .bind(fields.template)
        .bind(fields.api_list)
        .bind(fields.expires_at)
        .bind(now)
        .bind(id)
        .bind(user_id)
        .bind(fields.ip_allowlist)
        .bind(fields.env_names)
        .fetch_optional(pool)
        .await)?)
    }

    /// Gives a token a new value hash and retires the old one, in one transaction. The
    /// swap is conditional on the hash read, so of concurrent regenerations each one
    /// retires the value the previous one set, and exactly one value stays live. The
    /// value counts as issued `now`; `expires_at`, when given, is its new expiry.
    pub async fn swap_token_secret(
        &self,
        user_id: i64,
        id: i64,
        new_hash: &str,
        now: Timestamp,
        expires_at: Option<Option<Timestamp>>,
    ) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!(
            "UPDATE tokens SET secret_hash = $1, updated_at = $2, issued_at = $2, \
             expires_at = CASE WHEN $6 THEN $7 ELSE expires_at END \
             WHERE id = $3 AND user_id = $4 AND secret_hash = $5 RETURNING {TOKEN_COLUMNS}"
        );
        for _attempt in 0..8 {
            let done = write_tx!(self, |tx| {
                let old: Option<String> = sqlx::query_scalar(
                    "SELECT secret_hash FROM tokens WHERE id = $1 AND user_id = $2",
                )
                .bind(id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(old) = old else { return Ok(None) };
                let row = sqlx::query_as::<_, TokenRow>(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(new_hash)
                    .bind(now)
                    .bind(id)
                    .bind(user_id)
                    .bind(&old)
                    .bind(expires_at.is_some())
                    .bind(expires_at.flatten())
                    .fetch_optional(&mut *tx)
                    .await?;
                if row.is_some() {
                    sqlx::query(
                        "INSERT INTO retired_token_hashes (secret_hash, token_id, user_id, reason, retired_at) \
                         VALUES ($1, $2, $3, 'regenerated', $4) ON CONFLICT (secret_hash) DO NOTHING",
                    )
                    .bind(&old)
                    .bind(id)
                    .bind(user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                row
            });
            if done.is_some() {
                return Ok(done);
            }
        }
        Err(StoreError::Conflict(
            "tokens.secret_hash (concurrent regeneration)".into(),
        ))
    }

    /// Deletes the user's tokens `ids` (all of them with `None`), retiring their
    /// hashes. All or nothing: an id that is not the user's token deletes nothing.
    pub async fn delete_tokens(
        &self,
        user_id: i64,
        ids: Option<&[i64]>,
        now: Timestamp,
    ) -> Result<DeleteOutcome, StoreError> {
        let outcome = write_tx!(self, |tx| {
            let owned: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, secret_hash FROM tokens WHERE user_id = $1 ORDER BY id")
                    .bind(user_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let chosen: Vec<(i64, String)> = match ids {
                None => owned,
                Some(ids) => {
                    let missing: Vec<i64> = ids
                        .iter()
                        .copied()
                        .filter(|id| !owned.iter().any(|(o, _)| o == id))
                        .collect();
                    if !missing.is_empty() {
                        return Ok(DeleteOutcome::Missing(missing));
                    }
                    owned.into_iter().filter(|(o, _)| ids.contains(o)).collect()
                }
            };
            for (id, hash) in &chosen {
                sqlx::query(
                    "INSERT INTO retired_token_hashes (secret_hash, token_id, user_id, reason, retired_at) \
                     VALUES ($1, $2, $3, 'deleted', $4) ON CONFLICT (secret_hash) DO NOTHING",
                )
                .bind(hash)
                .bind(id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM tokens WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            DeleteOutcome::Deleted(chosen.into_iter().map(|(id, _)| id).collect())
        });
        Ok(outcome)
    }

    /// Tokens (of every account) expiring after `now` and at most at `until` whose
    /// expiry the security log has not yet announced: `(user, token id, description,
    /// expiry)`.
    pub async fn tokens_to_warn(
        &self,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<(i64, i64, String, i64)>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as(
            "SELECT user_id, id, description, expires_at FROM tokens \
             WHERE expires_at > $1 AND expires_at <= $2 \
             AND (expiry_warned_for IS NULL OR expiry_warned_for <> expires_at) ORDER BY id"
        )
        .bind(now)
        .bind(until)
        .fetch_all(pool)
        .await)?)
    }

    /// Marks token `id`'s expiry `expires_at` as announced; false when another instance
    /// did so first, or the expiry has changed meanwhile.
    pub async fn mark_expiry_warned(
        &self,
        id: i64,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let affected = write_pool!(self, |pool| sqlx::query(
            "UPDATE tokens SET expiry_warned_for = expires_at \
             WHERE id = $1 AND expires_at = $2 \
             AND (expiry_warned_for IS NULL OR expiry_warned_for <> expires_at)"
        )
        .bind(id)
        .bind(expires_at)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(affected == 1)
    }

    /// Sets `last_used_at` unless another request did within the last minute.
    pub async fn touch_token(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        write_pool!(self, |pool| {
            sqlx::query(
            "UPDATE tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)"
        )
        .bind(now)
        .bind(id)
        .bind(now - 60)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn insert_security_event(
        &self,
        user_id: i64,
        at: Timestamp,
        kind: &str,
        ip: &str,
        params: &str,
    ) -> Result<(), StoreError> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO security_events (user_id, at, kind, ip, detail, params) VALUES ($1, $2, $3, $4, '', $5)",
            )
            .bind(user_id)
            .bind(at)
            .bind(kind)
            .bind(ip)
            .bind(params)
            .execute(&mut *tx)
            .await?;
            // The account keeps its newest events only.
            sqlx::query(
                "DELETE FROM security_events WHERE user_id = $1 AND id <= \
                 (SELECT id FROM security_events WHERE user_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
            )
            .bind(user_id)
            .bind(SECURITY_EVENTS_KEPT)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The user's latest security events, newest first.
    pub async fn security_events(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<SecurityEventRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, SecurityEventRow>(
            "SELECT id, at, kind, ip, detail, params FROM security_events WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await
        })?)
    }
}

/// Security events an account keeps (the newest); older ones are deleted as new ones
/// arrive, so no client can grow the log without bound.
pub const SECURITY_EVENTS_KEPT: i64 = 1000;

/// A synthetic token row for load tests (`server seed`).
pub struct SeedToken {
    pub secret_hash: String,
    pub description: String,
    pub api_list: String,
}

impl Store {
    /// Inserts many tokens for one user at once (load-test data), in batches inside one
    /// transaction. No limit applies.
    pub async fn seed_tokens(
        &self,
        user_id: i64,
        tokens: &[SeedToken],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        const BATCH: usize = 500;
        write_tx!(self, |tx| {
            for chunk in tokens.chunks(BATCH) {
                let mut sql = String::from(
                    "INSERT INTO tokens (user_id, secret_hash, description, template, api_list, created_at, updated_at) VALUES ",
                );
                for i in 0..chunk.len() {
                    let b = i * 5;
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!(
                        "(${}, ${}, ${}, NULL, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 5
                    ));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for t in chunk {
                    q = q
                        .bind(user_id)
                        .bind(&t.secret_hash)
                        .bind(&t.description)
                        .bind(&t.api_list)
                        .bind(now);
                }
                q.execute(&mut *tx).await?;
            }
        });
        Ok(())
    }
}
