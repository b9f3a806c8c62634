//! Token activity: the per-call log and the last client addresses of each token,
//! written in batches by `services::token_activity`.

use super::{Store, StoreError, with_pool, write_tx_keeping_caches};
use crate::clock::Timestamp;

/// One call made with a token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityInsert {
    pub token_id: i64,
    pub user_id: i64,
    pub at: Timestamp,
    pub method: &'static str,
    pub env_name: Option<String>,
    pub ip: String,
    pub result: i32,
    /// Identical calls of the same second this row stands for.
    pub calls: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub at: i64,
    pub method: String,
    pub env_name: Option<String>,
    pub ip: String,
    pub result: i64,
    pub calls: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenIpRow {
    pub token_id: i64,
    pub ip: String,
    pub last_used: i64,
}

/// Which result codes an activity query keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFilter {
    Any,
    Success,
    Failure,
    Code(i64),
}

/// The latest use of one address by one token, within a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpUse {
    pub token_id: i64,
    pub user_id: i64,
    pub ip: String,
    pub at: Timestamp,
}

/// Addresses kept per token.
pub const LAST_IPS_KEPT: i64 = 5;
/// Rows per INSERT statement on SQLite (8 parameters a row, well under its limit).
const ROWS_PER_INSERT: usize = 500;

/// Inserts a batch of activity rows on the connection of either database.
trait InsertActivity {
    fn insert_activity(
        &mut self,
        rows: &[ActivityInsert],
    ) -> impl std::future::Future<Output = Result<(), sqlx::Error>> + Send;
}

impl InsertActivity for sqlx::SqliteConnection {
    /// Statements of [`ROWS_PER_INSERT`] anonymous `(?, ?, ...)` tuples: SQLite finds a
    /// numbered parameter's name by a linear scan, so binding a statement of thousands
    /// of `$N` takes time quadratic in their number (it was 8.5 % of the server's CPU
    /// under the token benchmark, in `sqlite3_bind_parameter_name`).
    async fn insert_activity(&mut self, rows: &[ActivityInsert]) -> Result<(), sqlx::Error> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO token_activity (token_id, user_id, at, method, env_name, ip, result, calls) VALUES {values}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(r.token_id)
                    .bind(r.user_id)
                    .bind(r.at)
                    .bind(r.method)
                    .bind(r.env_name.as_deref())
                    .bind(r.ip.as_str())
                    .bind(i64::from(r.result))
                    .bind(r.calls);
            }
            q.execute(&mut *self).await?;
        }
        Ok(())
    }
}

impl InsertActivity for sqlx::PgConnection {
    /// One statement of eight arrays, whatever the batch's size: one prepared plan,
    /// eight parameters to bind instead of eight a row (a flood's batch of 2,000 rows
    /// was four statements of 4,000 parameters each), rows in the batch's order.
    async fn insert_activity(&mut self, rows: &[ActivityInsert]) -> Result<(), sqlx::Error> {
        let column = |f: fn(&ActivityInsert) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
        sqlx::query(
            "INSERT INTO token_activity (token_id, user_id, at, method, env_name, ip, result, calls) \
             SELECT token_id, user_id, at, method, env_name, ip, result, calls FROM \
             UNNEST($1::int8[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[]) \
             WITH ORDINALITY AS batch(token_id, user_id, at, method, env_name, ip, result, calls, n) \
             ORDER BY n",
        )
        .bind(column(|r| r.token_id))
        .bind(column(|r| r.user_id))
        .bind(column(|r| r.at))
        .bind(rows.iter().map(|r| r.method).collect::<Vec<&str>>())
        .bind(rows.iter().map(|r| r.env_name.as_deref()).collect::<Vec<Option<&str>>>())
        .bind(rows.iter().map(|r| r.ip.as_str()).collect::<Vec<&str>>())
        .bind(column(|r| i64::from(r.result)))
        .bind(column(|r| r.calls))
        .execute(&mut *self)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Writes one batch in one transaction: the activity rows, each token's addresses
    /// (the five most recent kept) and `last_used_at`.
    pub async fn write_token_activity(
        &self,
        rows: &[ActivityInsert],
        ips: &[IpUse],
    ) -> Result<(), StoreError> {
        if rows.is_empty() && ips.is_empty() {
            return Ok(());
        }
        let mut last_used: std::collections::BTreeMap<i64, Timestamp> = Default::default();
        for u in ips {
            let t = last_used.entry(u.token_id).or_insert(u.at);
            *t = (*t).max(u.at);
        }
        write_tx_keeping_caches!(self, |tx| {
            if !rows.is_empty() {
                InsertActivity::insert_activity(&mut *tx, rows).await?;
            }
            for u in ips {
                sqlx::query(
                    "INSERT INTO token_ips (token_id, user_id, ip, last_used) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (token_id, ip) DO UPDATE SET last_used = \
                     CASE WHEN excluded.last_used > token_ips.last_used THEN excluded.last_used ELSE token_ips.last_used END",
                )
                .bind(u.token_id)
                .bind(u.user_id)
                .bind(u.ip.as_str())
                .bind(u.at)
                .execute(&mut *tx)
                .await?;
            }
            for (token_id, at) in &last_used {
                sqlx::query(
                    "DELETE FROM token_ips WHERE token_id = $1 AND ip NOT IN \
                     (SELECT ip FROM token_ips WHERE token_id = $1 ORDER BY last_used DESC, ip LIMIT $2)",
                )
                .bind(token_id)
                .bind(LAST_IPS_KEPT)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
                )
                .bind(at)
                .bind(token_id)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// The last addresses of every token of `user_id`, newest first.
    pub async fn token_ips_of(&self, user_id: i64) -> Result<Vec<TokenIpRow>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, TokenIpRow>(
            "SELECT token_id, ip, last_used FROM token_ips WHERE user_id = $1 \
             ORDER BY token_id, last_used DESC, ip"
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    /// A page of token `token_id`'s activity, newest first: rows with an id below
    /// `before` (all when `None`), whose method contains `method` (any case), keeping
    /// the results `result` asks for.
    pub async fn token_activity(
        &self,
        token_id: i64,
        before: Option<i64>,
        method: Option<&str>,
        result: ResultFilter,
        count: i64,
    ) -> Result<Vec<ActivityRow>, StoreError> {
        let pattern = method.map(|m| {
            let escaped = m
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        let (code_sql, code) = match result {
            ResultFilter::Any => ("", 0),
            ResultFilter::Success => (" AND result = 0", 0),
            ResultFilter::Failure => (" AND result <> 0", 0),
            ResultFilter::Code(c) => (" AND result = $5", c),
        };
        let sql = format!(
            "SELECT id, at, method, env_name, ip, result, calls FROM token_activity \
             WHERE token_id = $1 AND id < $2 AND ($3 IS NULL OR LOWER(method) LIKE $3 ESCAPE '\\'){code_sql} \
             ORDER BY id DESC LIMIT $4"
        );
        Ok(with_pool!(self, |pool| {
            let mut q = sqlx::query_as::<_, ActivityRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(token_id)
                .bind(before.unwrap_or(i64::MAX))
                .bind(pattern.as_deref())
                .bind(count);
            if matches!(result, ResultFilter::Code(_)) {
                q = q.bind(code);
            }
            q.fetch_all(pool).await
        })?)
    }

    /// Deletes activity older than `cutoff`, and the addresses of tokens that no longer
    /// exist. Answers the number of activity rows deleted.
    pub async fn prune_token_activity(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let deleted = with_pool!(self, |pool| sqlx::query(
            "DELETE FROM token_activity WHERE at < $1"
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        with_pool!(self, |pool| {
            sqlx::query(
            "DELETE FROM token_ips WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = token_ips.token_id)"
        )
        .execute(pool)
        .await
        .map(|_| ())
        })?;
        Ok(deleted)
    }
}
