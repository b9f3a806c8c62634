//! Leak reports: revoking the live tokens among reported values, in batches, and the
//! owners' alerts.

use std::collections::{BTreeSet, HashMap};

use super::{SECURITY_EVENTS_KEPT, Store, StoreError, with_pool, write_tx};
use crate::clock::Timestamp;

/// One reported value that may be a token: its hash and what the report said of it
/// (already escaped and bounded by the service).
#[derive(Debug, Clone, Copy)]
pub struct LeakedValue<'a> {
    pub hash: &'a str,
    pub token_type: &'a str,
    pub url: &'a str,
    pub source: &'a str,
}

/// A token revoked because its value leaked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeakedToken {
    pub token_id: i64,
    pub user_id: i64,
    pub description: String,
    pub secret_hash: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeakAlertRow {
    pub id: i64,
    pub token_id: i64,
    pub description: String,
    pub token_type: String,
    pub url: String,
    pub source: String,
    pub reported_at: i64,
}

/// Open leak alerts an account keeps (the newest).
pub const LEAK_ALERTS_KEPT: i64 = 1000;
/// Values per statement.
const BATCH: usize = 500;

/// `$from, $from+1, ...` for `n` parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Which of `hashes` are live token values (one query per [`BATCH`]).
    async fn live_among(&self, hashes: &[&str]) -> Result<Vec<String>, StoreError> {
        let mut live = Vec::new();
        for chunk in hashes.chunks(BATCH) {
            let sql = format!(
                "SELECT secret_hash FROM tokens WHERE secret_hash IN ({})",
                placeholders(1, chunk.len())
            );
            let found: Vec<String> = with_pool!(self, |pool| {
                let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.as_str()));
                for h in chunk {
                    q = q.bind(*h);
                }
                q.fetch_all(pool).await
            })?;
            live.extend(found);
        }
        Ok(live)
    }

    /// Which of `hashes` are retired values, each with its token id.
    pub async fn retired_among(&self, hashes: &[&str]) -> Result<Vec<(String, i64)>, StoreError> {
        let mut retired = Vec::new();
        for chunk in hashes.chunks(BATCH) {
            let sql = format!(
                "SELECT secret_hash, token_id FROM retired_token_hashes WHERE secret_hash IN ({})",
                placeholders(1, chunk.len())
            );
            let found: Vec<(String, i64)> = with_pool!(self, |pool| {
                let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql.as_str()));
                for h in chunk {
                    q = q.bind(*h);
                }
                q.fetch_all(pool).await
            })?;
            retired.extend(found);
        }
        Ok(retired)
    }

    /// Deletes the live tokens among `values` as DeleteTokens does (each value hash
    /// retired, reason `deleted`) and, in the same transaction, gives each owner an
    /// alert and a security event of kind `event_kind` from `ip` whose parameters (JSON)
    /// `describe` writes. Answers the tokens this call deleted: a token another call deleted first
    /// is not among them, so a report handled twice at once alerts once.
    pub async fn revoke_leaked(
        &self,
        values: &[LeakedValue<'_>],
        event_kind: &str,
        ip: &str,
        at: Timestamp,
        describe: &(dyn Fn(i64, &str, &LeakedValue<'_>) -> String + Sync),
    ) -> Result<Vec<LeakedToken>, StoreError> {
        let hashes: Vec<&str> = values.iter().map(|v| v.hash).collect();
        // Most values of most reports are no live token: no write lock for them.
        let live = self.live_among(&hashes).await?;
        if live.is_empty() {
            return Ok(Vec::new());
        }
        let revoked = write_tx!(self, |tx| {
            let mut revoked: Vec<LeakedToken> = Vec::new();
            for chunk in live.chunks(BATCH) {
                let list = placeholders(2, chunk.len());
                // Retired before the delete, so the retired row keeps the description.
                let retire = format!(
                    "INSERT INTO retired_token_hashes (secret_hash, token_id, user_id, reason, retired_at) \
                     SELECT secret_hash, id, user_id, 'deleted', $1 FROM tokens WHERE secret_hash IN ({list}) \
                     ON CONFLICT (secret_hash) DO NOTHING"
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(retire.as_str())).bind(at);
                for h in chunk {
                    q = q.bind(h);
                }
                q.execute(&mut *tx).await?;
                let delete = format!(
                    "DELETE FROM tokens WHERE secret_hash IN ({}) \
                     RETURNING id AS token_id, user_id, description, secret_hash",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query_as::<_, LeakedToken>(sqlx::AssertSqlSafe(delete.as_str()));
                for h in chunk {
                    q = q.bind(h);
                }
                revoked.extend(q.fetch_all(&mut *tx).await?);
            }
            // Every revoked token's value is among `values` (the delete matched it).
            let by_hash: HashMap<&str, &LeakedValue<'_>> =
                values.iter().map(|v| (v.hash, v)).collect();
            for chunk in revoked.chunks(BATCH) {
                let chunk: Vec<(&LeakedToken, &LeakedValue<'_>)> = chunk
                    .iter()
                    .filter_map(|t| by_hash.get(t.secret_hash.as_str()).map(|v| (t, *v)))
                    .collect();
                if chunk.is_empty() {
                    continue;
                }
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| format!("({})", placeholders(i * 7 + 1, 7)))
                    .collect();
                let alerts = format!(
                    "INSERT INTO token_leak_alerts \
                     (user_id, token_id, description, token_type, url, source, reported_at) VALUES {}",
                    rows.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(alerts.as_str()));
                for (t, v) in &chunk {
                    q = q
                        .bind(t.user_id)
                        .bind(t.token_id)
                        .bind(&t.description)
                        .bind(v.token_type)
                        .bind(v.url)
                        .bind(v.source)
                        .bind(at);
                }
                q.execute(&mut *tx).await?;
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| format!("({}, '')", placeholders(i * 5 + 1, 5)))
                    .collect();
                let events = format!(
                    "INSERT INTO security_events (user_id, at, kind, ip, params, detail) VALUES {}",
                    rows.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(events.as_str()));
                for (t, v) in &chunk {
                    let params = describe(t.token_id, &t.description, v);
                    q = q
                        .bind(t.user_id)
                        .bind(at)
                        .bind(event_kind)
                        .bind(ip)
                        .bind(params);
                }
                q.execute(&mut *tx).await?;
            }
            // Each owner keeps their newest alerts and events only.
            let owners: BTreeSet<i64> = revoked.iter().map(|t| t.user_id).collect();
            for user_id in owners {
                sqlx::query(
                    "DELETE FROM token_leak_alerts WHERE user_id = $1 AND id <= \
                     (SELECT id FROM token_leak_alerts WHERE user_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
                )
                .bind(user_id)
                .bind(LEAK_ALERTS_KEPT)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM security_events WHERE user_id = $1 AND id <= \
                     (SELECT id FROM security_events WHERE user_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
                )
                .bind(user_id)
                .bind(SECURITY_EVENTS_KEPT)
                .execute(&mut *tx)
                .await?;
            }
            revoked
        });
        Ok(revoked)
    }

    /// The user's open leak alerts, newest first.
    pub async fn leak_alerts(&self, user_id: i64) -> Result<Vec<LeakAlertRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, LeakAlertRow>(
                "SELECT id, token_id, description, token_type, url, source, reported_at \
                 FROM token_leak_alerts WHERE user_id = $1 ORDER BY id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Dismisses (deletes) one of the user's leak alerts; `false` when it has none by
    /// that id.
    pub async fn dismiss_leak_alert(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let done = write_tx!(self, |tx| {
            sqlx::query("DELETE FROM token_leak_alerts WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_count_from_where_they_are_told() {
        assert_eq!(placeholders(1, 3), "$1, $2, $3");
        assert_eq!(placeholders(2, 1), "$2");
        assert_eq!(placeholders(9, 0), "");
    }
}
