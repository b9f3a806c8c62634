//! Two-factor sign-in: the encrypted TOTP secrets, the last accepted step, recovery-code
//! MACs, pending sessions, and the server key's check value. Every "use once" is one
//! conditional statement whose `rows_affected` decides, so parallel requests, on any
//! number of instances, cannot both use the same code.

use super::{Store, StoreError, with_pool, write_pool, write_tx};
use crate::clock::Timestamp;

/// An account's two-factor row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TwoFactorRow {
    /// The active secret, sealed (`None`: two-factor sign-in is off).
    pub secret_enc: Option<String>,
    /// A secret being enrolled, sealed.
    pub pending_enc: Option<String>,
    pub last_step: i64,
}

/// Deletes the account's recovery codes and inserts `$macs`, inside `$tx` (a macro: the
/// transaction is SQLite's or PostgreSQL's).
macro_rules! replace_codes {
    ($tx:ident, $user_id:expr, $macs:expr) => {{
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind($user_id)
            .execute(&mut *$tx)
            .await?;
        for mac in $macs {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_mac) VALUES ($1, $2)")
                .bind($user_id)
                .bind(mac.as_str())
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

impl Store {
    pub async fn two_factor(&self, user_id: i64) -> Result<Option<TwoFactorRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, TwoFactorRow>(
            "SELECT secret_enc, pending_enc, last_step FROM two_factor WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
    }

    /// Whether the account has two-factor sign-in on.
    pub async fn two_factor_enabled(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(self
            .two_factor(user_id)
            .await?
            .is_some_and(|r| r.secret_enc.is_some()))
    }

    /// Stores a secret being enrolled, unless two-factor sign-in is on (`false` then).
    pub async fn set_pending_two_factor(
        &self,
        user_id: i64,
        pending_enc: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(write_pool!(self, |pool| {
            sqlx::query(
            "INSERT INTO two_factor (user_id, pending_enc, last_step, updated_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (user_id) DO UPDATE SET pending_enc = excluded.pending_enc, \
             updated_at = excluded.updated_at WHERE two_factor.secret_enc IS NULL"
        )
        .bind(user_id)
        .bind(pending_enc)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1)
        })?)
    }

    /// Makes the pending secret `pending_enc` the active one, with `step` as its last
    /// accepted step, and stores the recovery codes' MACs, in one transaction. `false`
    /// (nothing changed) when that secret is no longer pending or two-factor is on.
    pub async fn enable_two_factor(
        &self,
        user_id: i64,
        pending_enc: &str,
        step: i64,
        code_macs: &[String],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE two_factor SET secret_enc = pending_enc, pending_enc = NULL, \
                 last_step = $3, updated_at = $4 \
                 WHERE user_id = $1 AND pending_enc = $2 AND secret_enc IS NULL",
            )
            .bind(user_id)
            .bind(pending_enc)
            .bind(step)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if done {
                replace_codes!(tx, user_id, code_macs);
            }
            done
        }))
    }

    /// Accepts TOTP step `step` of the active secret `secret_enc` once: only when no
    /// step at or after it was accepted before (`true`: this call took it).
    pub async fn use_totp_step(
        &self,
        user_id: i64,
        secret_enc: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        Ok(write_pool!(self, |pool| sqlx::query(
            "UPDATE two_factor SET last_step = $3 \
             WHERE user_id = $1 AND secret_enc = $2 AND last_step < $3"
        )
        .bind(user_id)
        .bind(secret_enc)
        .bind(step)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))?)
    }

    /// Uses a recovery code: deletes its row (`true`: this call did).
    pub async fn use_recovery_code(
        &self,
        user_id: i64,
        code_mac: &str,
    ) -> Result<bool, StoreError> {
        Ok(write_pool!(self, |pool| sqlx::query(
            "DELETE FROM recovery_codes WHERE user_id = $1 AND code_mac = $2"
        )
        .bind(user_id)
        .bind(code_mac)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))?)
    }

    /// Whether an unused recovery code has this MAC.
    pub async fn has_recovery_code(
        &self,
        user_id: i64,
        code_mac: &str,
    ) -> Result<bool, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT user_id FROM recovery_codes WHERE user_id = $1 AND code_mac = $2"
        )
        .bind(user_id)
        .bind(code_mac)
        .fetch_optional(pool)
        .await)?
        .is_some())
    }

    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1"
        )
        .bind(user_id)
        .fetch_one(pool)
        .await)?)
    }

    /// Replaces the account's recovery codes, if two-factor sign-in is on (`false`
    /// otherwise, nothing changed).
    pub async fn replace_recovery_codes(
        &self,
        user_id: i64,
        code_macs: &[String],
    ) -> Result<bool, StoreError> {
        Ok(write_tx!(self, |tx| {
            let on = sqlx::query_scalar::<_, i64>(
                "SELECT user_id FROM two_factor WHERE user_id = $1 AND secret_enc IS NOT NULL",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
            if on {
                replace_codes!(tx, user_id, code_macs);
            }
            on
        }))
    }

    /// Turns two-factor sign-in off: the secret, any pending one and every recovery
    /// code go. `true` when it was on.
    pub async fn disable_two_factor(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(write_tx!(self, |tx| {
            let was_on =
                sqlx::query("DELETE FROM two_factor WHERE user_id = $1 AND secret_enc IS NOT NULL")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            was_on
        }))
    }

    /// Makes a pending session a full one (`true`: this call did).
    pub async fn complete_session(&self, session_id: i64) -> Result<bool, StoreError> {
        Ok(write_pool!(self, |pool| sqlx::query(
            "UPDATE sessions SET pending = 0 WHERE id = $1 AND pending = 1"
        )
        .bind(session_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() == 1))?)
    }

    /// Records the server key's check value on first use; `true` when the database's
    /// value is `check` (the same key), `false` when it was set up with another key.
    pub async fn check_server_key(&self, check: &str) -> Result<bool, StoreError> {
        let stored = write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO server_key_check (id, check_value) VALUES (1, $1) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(check)
            .execute(&mut *tx)
            .await?;
            sqlx::query_scalar::<_, String>("SELECT check_value FROM server_key_check WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?
        });
        Ok(stored == check)
    }
}
