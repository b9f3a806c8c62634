//! The live credentials, as the flood guard knows them: the `secret_hash` of every token
//! and session row, how to tell that another process wrote the SQLite files, and on
//! PostgreSQL the feed of changes the triggers of migration `..._live_credentials`
//! send on [`CREDENTIALS_CHANNEL`] (`+HASH` for a new value, `-HASH` for a dead one).

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use super::{Db, Store, StoreError, cache, with_pool};

/// The `LISTEN` channel the triggers notify on.
pub const CREDENTIALS_CHANNEL: &str = "kunci_credentials";
/// Wait before opening a new listening connection after an error.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl Store {
    /// The `secret_hash` of every token and session, live or expired (a superset of the
    /// live values: an expired row is still refused when looked up).
    pub async fn credential_hashes(&self) -> Result<Vec<String>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar::<_, String>(
            "SELECT secret_hash FROM tokens UNION ALL SELECT secret_hash FROM sessions"
        )
        .fetch_all(pool)
        .await)?)
    }

    /// How many tokens have not expired at `now` (for the operator's metrics).
    pub async fn count_live_tokens(&self, now: i64) -> Result<i64, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM tokens WHERE expires_at IS NULL OR expires_at > $1"
        )
        .bind(now)
        .fetch_one(pool)
        .await)?)
    }

    /// How many sessions were seen after `seen_after` and created after `created_after`
    /// (a pending one after `pending_created_after`): the live ones.
    pub async fn count_live_sessions(
        &self,
        seen_after: i64,
        created_after: i64,
        pending_created_after: i64,
    ) -> Result<i64, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM sessions WHERE last_seen_at > $1 AND created_at > $2 \
             AND (pending = 0 OR created_at > $3)"
        )
        .bind(seen_after)
        .bind(created_after)
        .bind(pending_created_after)
        .fetch_one(pool)
        .await)?)
    }

    /// The `(id, secret_hash)` of the user's tokens, to forget the values it retires.
    pub async fn token_hashes_of(&self, user_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT id, secret_hash FROM tokens WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// On a SQLite file: the version of the database files (moves on with every write,
    /// this process's or another's). `None` on PostgreSQL and in-memory SQLite.
    pub fn files_version(&self) -> Option<cache::Version> {
        self.caches.as_ref().and_then(|c| c.files_version())
    }

    /// On PostgreSQL: starts listening for credential changes (call before reading
    /// [`Store::credential_hashes`], so no change falls between the two). `None` on SQLite.
    pub async fn credential_feed(&self) -> Result<Option<CredentialFeed>, StoreError> {
        match &self.db {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(pool) => Ok(Some(CredentialFeed {
                listener: listen(pool).await?,
                pool: pool.clone(),
            })),
        }
    }
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CREDENTIALS_CHANNEL).await?;
    Ok(listener)
}

/// A change to the live credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialChange {
    /// A value was issued (SHA-256 hex).
    Added(String),
    /// A value died.
    Removed(String),
    /// The listening connection was lost and is back: changes may have been missed,
    /// read the whole set again.
    Lost,
}

/// Credential changes on PostgreSQL, from every instance and process on the database.
pub struct CredentialFeed {
    listener: PgListener,
    pool: PgPool,
}

impl CredentialFeed {
    /// The next change; `None` once the pool is closed (the server is stopping).
    pub async fn next(&mut self) -> Option<CredentialChange> {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(n)) => {
                    if let Some(change) = parse(n.payload()) {
                        return Some(change);
                    }
                    tracing::warn!(payload = n.payload(), "unexpected credential notification");
                }
                // The listener has reconnected (and listens again) before saying so.
                Ok(None) => return Some(CredentialChange::Lost),
                Err(sqlx::Error::PoolClosed) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "credential notifications interrupted");
                    return self.reconnect().await.then_some(CredentialChange::Lost);
                }
            }
        }
    }

    /// Replaces the listener with a new one (never the broken one, which could
    /// reconnect by itself without saying so); `false` once the pool is closed.
    async fn reconnect(&mut self) -> bool {
        loop {
            tokio::time::sleep(RETRY_AFTER).await;
            if self.pool.is_closed() {
                return false;
            }
            match listen(&self.pool).await {
                Ok(listener) => {
                    self.listener = listener;
                    return true;
                }
                Err(e) => tracing::warn!(error = %e, "cannot listen for credential changes"),
            }
        }
    }
}

fn parse(payload: &str) -> Option<CredentialChange> {
    let well_formed = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
    match payload.split_at_checked(1)? {
        ("+", h) if well_formed(h) => Some(CredentialChange::Added(h.to_string())),
        ("-", h) if well_formed(h) => Some(CredentialChange::Removed(h.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_notification_reads_only_signed_hashes() {
        let h = "ab".repeat(32);
        assert_eq!(
            parse(&format!("+{h}")),
            Some(CredentialChange::Added(h.clone()))
        );
        assert_eq!(
            parse(&format!("-{h}")),
            Some(CredentialChange::Removed(h.clone()))
        );
        assert_eq!(parse(&h), None);
        assert_eq!(parse("+abc"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse(&format!("+{}", "zz".repeat(32))), None);
    }
}
