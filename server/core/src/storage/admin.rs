//! What administrators and the operator's console read and change across accounts:
//! who is an administrator, accounts waiting for approval, and which accounts hold
//! tokens (the inventory then reads each account's tokens as their owner would, never
//! a value or its hash).

use super::accounts::{lock_accounts, user_columns};
use super::{Store, StoreError, UserRow, with_pool, write_tx};
use crate::clock::Timestamp;

/// How a change to an account's administrator flag went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminChange {
    Done,
    NoSuchLogin,
    /// Refused: it would leave no administrator.
    LastAdmin,
}

/// An account that holds at least one token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwnerRow {
    pub id: i64,
    pub login: String,
}

impl Store {
    /// Makes `login` an administrator or not. Demoting holds the accounts lock while it
    /// counts the other administrators, so two demotions at once cannot leave none.
    pub async fn set_admin(
        &self,
        login: &str,
        admin: bool,
        now: Timestamp,
    ) -> Result<AdminChange, StoreError> {
        let change = write_tx!(self, |tx| {
            lock_accounts!(self, tx);
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
                .bind(login)
                .fetch_optional(&mut *tx)
                .await?;
            match id {
                None => AdminChange::NoSuchLogin,
                Some(id) => {
                    let others: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM users WHERE is_admin = 1 AND id <> $1",
                    )
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if !admin && others == 0 {
                        AdminChange::LastAdmin
                    } else {
                        sqlx::query(
                            "UPDATE users SET is_admin = $1, pending = 0, updated_at = $2 WHERE id = $3",
                        )
                        .bind(i64::from(admin))
                        .bind(now)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        AdminChange::Done
                    }
                }
            }
        });
        Ok(change)
    }

    /// Approves a pending account; false when `id` names no pending account.
    pub async fn approve_user(&self, id: i64, now: Timestamp) -> Result<bool, StoreError> {
        let done = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE users SET pending = 0, updated_at = $1 WHERE id = $2 AND pending = 1",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Deletes a pending account (a rejected sign-up); false when `id` names no
    /// pending account. It never signed in, so it holds nothing else.
    pub async fn reject_user(&self, id: i64) -> Result<bool, StoreError> {
        let done = write_tx!(self, |tx| {
            sqlx::query("DELETE FROM users WHERE id = $1 AND pending = 1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Accounts waiting for approval, oldest first.
    pub async fn pending_users(&self) -> Result<Vec<UserRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, UserRow>(
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE pending = 1 ORDER BY created_at, id"
            )
        )
        .fetch_all(pool)
        .await)?)
    }

    /// Accounts holding tokens (only `login`'s with `Some`), by login.
    pub async fn token_owners(
        &self,
        login: Option<&str>,
    ) -> Result<Vec<TokenOwnerRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, TokenOwnerRow>(
                "SELECT u.id, u.login FROM users u \
             WHERE ($1 IS NULL OR u.login = $1) \
             AND EXISTS (SELECT 1 FROM tokens t WHERE t.user_id = u.id) \
             ORDER BY u.login",
            )
            .bind(login)
            .fetch_all(pool)
            .await
        })?)
    }

    /// The owner of token `id`, if it exists.
    pub async fn token_owner(&self, id: i64) -> Result<Option<i64>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar(
            "SELECT user_id FROM tokens WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }
}
