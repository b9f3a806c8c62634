//! Reuse detection: the retired value a request carried, and the owner's alerts.

use super::{Store, StoreError, with_pool, write_tx};
use crate::clock::Timestamp;

/// A retired value, with what an alert needs to name its token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RetiredTokenRow {
    pub token_id: i64,
    pub user_id: i64,
    /// `regenerated` or `deleted`.
    pub reason: String,
    pub description: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReuseAlertRow {
    pub id: i64,
    pub token_id: i64,
    pub description: String,
    pub ip: String,
    pub method: String,
    pub reason: String,
    pub revoked: i64,
    pub uses: i64,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// One use of a retired value, as an alert records it.
pub struct ReuseSeen<'a> {
    pub retired: &'a RetiredTokenRow,
    pub ip: &'a str,
    pub method: &'a str,
    pub revoked: bool,
    pub at: Timestamp,
}

/// Open alerts an account keeps (the newest); older ones go as new ones arrive, so
/// reuses from many addresses cannot grow the table without bound.
pub const REUSE_ALERTS_KEPT: i64 = 100;

impl Store {
    /// The retired value that hashes to `secret_hash`, if any.
    pub async fn retired_token_detail(
        &self,
        secret_hash: &str,
    ) -> Result<Option<RetiredTokenRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, RetiredTokenRow>(
            "SELECT token_id, user_id, reason, description FROM retired_token_hashes WHERE secret_hash = $1"
        )
        .bind(secret_hash)
        .fetch_optional(pool)
        .await
        })?)
    }

    /// Records a reuse: a new alert, or, while one for this token and address is still
    /// open, one more use of it (so a burst makes one row, on any number of instances).
    /// Answers whether the alert is new.
    pub async fn record_reuse_alert(&self, seen: &ReuseSeen<'_>) -> Result<bool, StoreError> {
        let r = seen.retired;
        let uses: i64 = write_tx!(self, |tx| {
            let uses: i64 = sqlx::query_scalar(
                "INSERT INTO token_reuse_alerts \
                 (user_id, token_id, description, ip, method, reason, revoked, uses, first_seen_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) \
                 ON CONFLICT (token_id, ip, reason) DO UPDATE SET \
                 uses = token_reuse_alerts.uses + 1, last_seen_at = excluded.last_seen_at, \
                 revoked = CASE WHEN excluded.revoked = 1 THEN 1 ELSE token_reuse_alerts.revoked END \
                 RETURNING uses",
            )
            .bind(r.user_id)
            .bind(r.token_id)
            .bind(&r.description)
            .bind(seen.ip)
            .bind(seen.method)
            .bind(&r.reason)
            .bind(i64::from(seen.revoked))
            .bind(seen.at)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM token_reuse_alerts WHERE user_id = $1 AND id <= \
                 (SELECT id FROM token_reuse_alerts WHERE user_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
            )
            .bind(r.user_id)
            .bind(REUSE_ALERTS_KEPT)
            .execute(&mut *tx)
            .await?;
            uses
        });
        Ok(uses == 1)
    }

    /// The user's open alerts, newest first.
    pub async fn reuse_alerts(&self, user_id: i64) -> Result<Vec<ReuseAlertRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, ReuseAlertRow>(
            "SELECT id, token_id, description, ip, method, reason, revoked, uses, first_seen_at, last_seen_at \
             FROM token_reuse_alerts WHERE user_id = $1 ORDER BY id DESC"
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
        })?)
    }

    /// Dismisses (deletes) one of the user's alerts; `false` when it has none by that id.
    pub async fn dismiss_reuse_alert(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let done = write_tx!(self, |tx| {
            sqlx::query("DELETE FROM token_reuse_alerts WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}
