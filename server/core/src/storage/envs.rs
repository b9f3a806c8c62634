//! Environments and nodes.

use std::sync::Arc;

use sqlx::AssertSqlSafe;

use super::{Store, StoreError, classify, lock_account, with_pool, write_pool, write_tx};
use crate::clock::Timestamp;

/// The platform's records of environments and nodes live in the domain; storage reads
/// them straight from their rows.
pub use crate::domain::env::{EnvRecord as EnvRow, NodeRecord as NodeRow};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnvSummaryRow {
    pub name: String,
    pub display_name: String,
    pub status: i64,
    pub created_at: i64,
    pub node_count: i64,
}

/// An environment to insert: its row (id and owner aside) and its nodes.
pub struct NewEnv<'a> {
    pub owner_id: i64,
    pub name: &'a str,
    pub display_name: &'a str,
    pub appid: &'a str,
    pub status: i64,
    pub region: &'a str,
    pub ssl: bool,
    pub ha: bool,
    pub env_groups: &'a str,
    pub now: Timestamp,
    /// Refuse the insert when the owner already has this many environments.
    pub max_per_owner: i64,
}

pub struct NewNode<'a> {
    pub node_group: &'a str,
    pub node_type: &'a str,
    pub display_name: &'a str,
    pub docker_name: &'a str,
    pub docker_tag: &'a str,
    pub fixed_cloudlets: i64,
    pub flexible_cloudlets: i64,
    pub disk_limit: i64,
    pub is_master: bool,
}

/// Why an environment could not be inserted.
#[derive(Debug)]
pub enum InsertEnvError {
    NameTaken,
    LimitReached,
    Store(StoreError),
}

impl From<sqlx::Error> for InsertEnvError {
    fn from(e: sqlx::Error) -> Self {
        match classify(e) {
            StoreError::Conflict(c) if c.contains("name") => InsertEnvError::NameTaken,
            other => InsertEnvError::Store(other),
        }
    }
}

const ENV_COLUMNS: &str =
    "id, owner_id, name, display_name, appid, status, region, ssl, ha, env_groups, created_at";
const NODE_COLUMNS: &str = "n.id, n.env_id, n.node_group, n.node_type, n.display_name, n.docker_name, \
                            n.docker_tag, n.fixed_cloudlets, n.flexible_cloudlets, n.disk_limit, n.is_master";

impl Store {
    /// Inserts an environment and its nodes in one transaction; returns its id.
    pub async fn insert_env(
        &self,
        env: NewEnv<'_>,
        nodes: &[NewNode<'_>],
    ) -> Result<i64, InsertEnvError> {
        let id = write_tx!(self, |tx| {
            lock_account!(tx, env.owner_id);
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM environments WHERE owner_id = $1")
                    .bind(env.owner_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if count >= env.max_per_owner {
                return Err(InsertEnvError::LimitReached);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO environments \
                 (owner_id, name, display_name, appid, status, region, ssl, ha, env_groups, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(env.owner_id)
            .bind(env.name)
            .bind(env.display_name)
            .bind(env.appid)
            .bind(env.status)
            .bind(env.region)
            .bind(i64::from(env.ssl))
            .bind(i64::from(env.ha))
            .bind(env.env_groups)
            .bind(env.now)
            .fetch_one(&mut *tx)
            .await?;
            for n in nodes {
                sqlx::query(
                    "INSERT INTO nodes (env_id, node_group, node_type, display_name, docker_name, docker_tag, \
                     fixed_cloudlets, flexible_cloudlets, disk_limit, is_master) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(id)
                .bind(n.node_group)
                .bind(n.node_type)
                .bind(n.display_name)
                .bind(n.docker_name)
                .bind(n.docker_tag)
                .bind(n.fixed_cloudlets)
                .bind(n.flexible_cloudlets)
                .bind(n.disk_limit)
                .bind(i64::from(n.is_master))
                .execute(&mut *tx)
                .await?;
            }
            id
        });
        Ok(id)
    }

    /// The environment `name` if `owner_id` owns it (cached on SQLite).
    pub async fn env_of(
        &self,
        owner_id: i64,
        name: &str,
    ) -> Result<Option<Arc<EnvRow>>, StoreError> {
        let key = (owner_id, name.to_string());
        let version = self.caches.as_ref().map(|c| (c, c.version()));
        if let Some((c, v)) = version
            && let Some(hit) = c.envs.get(v, &key)
        {
            return Ok(hit);
        }
        let sql =
            format!("SELECT {ENV_COLUMNS} FROM environments WHERE name = $1 AND owner_id = $2");
        let row = with_pool!(self, |pool| sqlx::query_as::<_, EnvRow>(AssertSqlSafe(
            sql.as_str()
        ))
        .bind(name)
        .bind(owner_id)
        .fetch_optional(pool)
        .await)?
        .map(Arc::new);
        if let Some((c, v)) = version {
            c.envs.put(v, key, row.clone());
        }
        Ok(row)
    }

    pub async fn envs_of(&self, owner_id: i64) -> Result<Vec<EnvRow>, StoreError> {
        let sql = format!(
            "SELECT {ENV_COLUMNS} FROM environments WHERE owner_id = $1 ORDER BY created_at, id"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, EnvRow>(
            AssertSqlSafe(sql.as_str())
        )
        .bind(owner_id)
        .fetch_all(pool)
        .await)?)
    }

    /// The nodes of an environment (cached on SQLite).
    pub async fn nodes_of_env(&self, env_id: i64) -> Result<Arc<Vec<NodeRow>>, StoreError> {
        let version = self.caches.as_ref().map(|c| (c, c.version()));
        if let Some((c, v)) = version
            && let Some(hit) = c.nodes.get(v, &env_id)
        {
            return Ok(hit);
        }
        let sql = format!("SELECT {NODE_COLUMNS} FROM nodes n WHERE n.env_id = $1 ORDER BY n.id");
        let rows = Arc::new(with_pool!(self, |pool| sqlx::query_as::<_, NodeRow>(
            AssertSqlSafe(sql.as_str())
        )
        .bind(env_id)
        .fetch_all(pool)
        .await)?);
        if let Some((c, v)) = version {
            c.nodes.put(v, env_id, rows.clone());
        }
        Ok(rows)
    }

    /// Every node of every environment of `owner_id`.
    pub async fn nodes_of_owner(&self, owner_id: i64) -> Result<Vec<NodeRow>, StoreError> {
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM nodes n JOIN environments e ON e.id = n.env_id \
             WHERE e.owner_id = $1 ORDER BY n.id"
        );
        Ok(with_pool!(self, |pool| sqlx::query_as::<_, NodeRow>(
            AssertSqlSafe(sql.as_str())
        )
        .bind(owner_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn env_summaries(&self, owner_id: i64) -> Result<Vec<EnvSummaryRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, EnvSummaryRow>(
                "SELECT e.name, e.display_name, e.status, e.created_at, COUNT(n.id) AS node_count \
             FROM environments e LEFT JOIN nodes n ON n.env_id = e.id \
             WHERE e.owner_id = $1 \
             GROUP BY e.id, e.name, e.display_name, e.status, e.created_at \
             ORDER BY e.created_at, e.id",
            )
            .bind(owner_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Moves the environment to `to` if its status is one of `from`, in one atomic
    /// statement: of two concurrent calls, at most one sees its precondition hold.
    /// Returns whether it moved.
    pub async fn transition_env(
        &self,
        env_id: i64,
        from: &[i64],
        to: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "UPDATE environments SET status = $1, updated_at = $2 WHERE id = $3 AND status IN ({})",
            placeholders.join(", ")
        );
        let changed = write_pool!(self, |pool| {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(to)
                .bind(now)
                .bind(env_id);
            for f in from {
                q = q.bind(*f);
            }
            q.execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Records a restart of the given nodes of an environment.
    pub async fn mark_nodes_restarted(
        &self,
        env_id: i64,
        node_ids: &[i64],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write_tx!(self, |tx| {
            for id in node_ids {
                sqlx::query("UPDATE nodes SET restarted_at = $1 WHERE id = $2 AND env_id = $3")
                    .bind(now)
                    .bind(id)
                    .bind(env_id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Deletes an environment of `owner_id` (and its nodes); returns whether it existed.
    pub async fn delete_env(&self, owner_id: i64, env_id: i64) -> Result<bool, StoreError> {
        let n = write_pool!(self, |pool| sqlx::query(
            "DELETE FROM environments WHERE id = $1 AND owner_id = $2"
        )
        .bind(env_id)
        .bind(owner_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

impl Store {
    /// Inserts `count` environments named `{prefix}-{i}` with one node each, for load
    /// tests (`server seed`), in batches inside one transaction. No limit applies.
    pub async fn seed_envs(
        &self,
        owner_id: i64,
        prefix: &str,
        count: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write_tx!(self, |tx| {
            for i in 0..count {
                let name = format!("{prefix}-{i}");
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO environments \
                     (owner_id, name, display_name, appid, status, region, env_groups, created_at, updated_at) \
                     VALUES ($1, $2, $2, $3, 1, 'default', '[]', $4, $4) RETURNING id",
                )
                .bind(owner_id)
                .bind(&name)
                .bind(crate::secrets::random_hex(16))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO nodes (env_id, node_group, node_type, display_name, docker_name, docker_tag, \
                     fixed_cloudlets, flexible_cloudlets, disk_limit, is_master) \
                     VALUES ($1, 'cp', 'tomcat', 'tomcat', 'tomcat', 'latest', 1, 4, 10240, 1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }
}
