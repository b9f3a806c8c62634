//! SSH public keys of accounts.

use super::{Store, StoreError, classify, lock_account, with_pool, write_pool, write_tx};
use crate::clock::Timestamp;
use crate::domain::ssh::SshKey;

const SSH_KEY_COLUMNS: &str = "id, title, public_key, fingerprint, created_at";

/// A key as it will be stored.
pub struct NewSshKey<'a> {
    pub user_id: i64,
    pub title: &'a str,
    pub public_key: &'a str,
    pub fingerprint: &'a str,
    pub now: Timestamp,
}

#[derive(Debug)]
pub enum InsertSshKeyError {
    /// The account holds a key with this fingerprint already.
    Duplicate,
    /// The account holds `max_per_user` keys already.
    LimitReached,
    Store(StoreError),
}

impl From<sqlx::Error> for InsertSshKeyError {
    fn from(e: sqlx::Error) -> Self {
        match classify(e) {
            e if e.is_conflict_on("fingerprint") => InsertSshKeyError::Duplicate,
            e => InsertSshKeyError::Store(e),
        }
    }
}

impl Store {
    /// Inserts a key unless the account holds the same key or `max_per_user` keys. The
    /// account's row lock orders parallel adds; the UNIQUE constraint still refuses a
    /// second copy of a key if anything got past the check.
    pub async fn insert_ssh_key(
        &self,
        key: &NewSshKey<'_>,
        max_per_user: i64,
    ) -> Result<SshKey, InsertSshKeyError> {
        let sql = format!(
            "INSERT INTO ssh_keys (user_id, title, public_key, fingerprint, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {SSH_KEY_COLUMNS}"
        );
        let row = write_tx!(self, |tx| {
            lock_account!(tx, key.user_id);
            let (held, same): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COUNT(CASE WHEN fingerprint = $2 THEN 1 END) \
                 FROM ssh_keys WHERE user_id = $1",
            )
            .bind(key.user_id)
            .bind(key.fingerprint)
            .fetch_one(&mut *tx)
            .await?;
            if same > 0 {
                return Err(InsertSshKeyError::Duplicate);
            }
            if held >= max_per_user {
                return Err(InsertSshKeyError::LimitReached);
            }
            sqlx::query_as::<_, SshKey>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(key.user_id)
                .bind(key.title)
                .bind(key.public_key)
                .bind(key.fingerprint)
                .bind(key.now)
                .fetch_one(&mut *tx)
                .await?
        });
        Ok(row)
    }

    /// The account's keys, in id order.
    pub async fn ssh_keys_of(&self, user_id: i64) -> Result<Vec<SshKey>, StoreError> {
        let sql = format!("SELECT {SSH_KEY_COLUMNS} FROM ssh_keys WHERE user_id = $1 ORDER BY id");
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, SshKey>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Deletes key `id` of the account; `None` when it has none by that id.
    pub async fn delete_ssh_key(
        &self,
        user_id: i64,
        id: i64,
    ) -> Result<Option<SshKey>, StoreError> {
        let sql = format!(
            "DELETE FROM ssh_keys WHERE id = $1 AND user_id = $2 RETURNING {SSH_KEY_COLUMNS}"
        );
        Ok(write_pool!(self, |pool| sqlx::query_as::<_, SshKey>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
    }
}
