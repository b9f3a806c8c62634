//! Environments: the environment row and everything that hangs on it (nodes, node
//! groups, group membership, external domains, mount points), read and written whole as
//! an [`EnvModel`].
//!
//! A change loads the model inside a write transaction that holds the environment's row
//! lock, lets the rules change it, and writes it back: two concurrent changes of one
//! environment are applied one after the other, and a refused change writes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::AssertSqlSafe;

use super::{Store, StoreError, classify, lock_account, with_pool, write_pool, write_tx};
use crate::Error;
use crate::clock::Timestamp;
use crate::domain::env::EnvRecord;
use crate::domain::model::{
    EnvModel, ExtDomain, Link, MountPoint, MountSource, Node, NodeGroup, Vars, with_ancestors,
};
use crate::refusal::Limit;

/// Most environment groups per account.
pub const MAX_ENV_GROUPS: i64 = 100;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnvSummaryRow {
    pub name: String,
    pub display_name: String,
    pub status: i64,
    pub created_at: i64,
    pub node_count: i64,
}

/// An account's environment group.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EnvGroupRow {
    pub id: i64,
    pub name: String,
    pub color: Option<String>,
    pub is_isolated: i64,
    pub visibility: i64,
}

/// Why an environment could not be inserted.
#[derive(Debug)]
pub enum InsertEnvError {
    NameTaken,
    LimitReached,
    /// A rule refused it (e.g. too many groups).
    Rule(Error),
    Store(StoreError),
}

impl From<sqlx::Error> for InsertEnvError {
    fn from(e: sqlx::Error) -> Self {
        match classify(e) {
            StoreError::Conflict(c) if c.contains("name") && !c.contains("owner") => {
                InsertEnvError::NameTaken
            }
            other => InsertEnvError::Store(other),
        }
    }
}

const ENV_COLUMNS: &str =
    "id, owner_id, name, display_name, appid, status, region, ssl, ha, created_at";

#[derive(sqlx::FromRow)]
struct NodeRow {
    id: i64,
    env_id: i64,
    node_group: String,
    node_type: String,
    display_name: String,
    docker_name: String,
    docker_tag: String,
    fixed_cloudlets: i64,
    flexible_cloudlets: i64,
    disk_limit: i64,
    is_master: i64,
    env_vars: String,
    volumes: String,
    known_tags: String,
}

#[derive(sqlx::FromRow)]
struct NodeGroupRow {
    env_id: i64,
    name: String,
    display_name: Option<String>,
    scaling_mode: String,
    slb_access: i64,
    data: String,
    links: String,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    env_id: i64,
    name: String,
}

#[derive(sqlx::FromRow)]
struct DomainRow {
    id: i64,
    env_id: i64,
    domain: String,
}

#[derive(sqlx::FromRow)]
struct MountRow {
    env_id: i64,
    node_group: String,
    path: String,
    name: String,
    source_node_id: Option<i64>,
    source_host: Option<String>,
    source_path: String,
    source_address_type: String,
    protocol: String,
    read_only: i64,
}

/// The rows of some environments' parts, as read.
#[derive(Default)]
struct Parts {
    nodes: Vec<NodeRow>,
    groups: Vec<NodeGroupRow>,
    members: Vec<MemberRow>,
    domains: Vec<DomainRow>,
    mounts: Vec<MountRow>,
}

/// Reads the parts of the environments `$scope` selects (`{t}` is the table alias's
/// env_id column; `$1` is bound to `$key`) through `$conn` (a pool or a transaction).
macro_rules! read_parts {
    ($conn:expr, $scope:expr, $key:expr) => {{
        let scope: &str = $scope;
        let q = |sql: &str| sql.replace("{scope}", scope);
        let nodes = sqlx::query_as::<_, NodeRow>(AssertSqlSafe(q(
            "SELECT n.id, n.env_id, n.node_group, n.node_type, n.display_name, n.docker_name, \
             n.docker_tag, n.fixed_cloudlets, n.flexible_cloudlets, n.disk_limit, n.is_master, \
             n.env_vars, n.volumes, n.known_tags FROM nodes n WHERE n.env_id {scope} ORDER BY n.id",
        )))
        .bind($key)
        .fetch_all(&mut *$conn)
        .await?;
        let groups = sqlx::query_as::<_, NodeGroupRow>(AssertSqlSafe(q(
            "SELECT g.env_id, g.name, g.display_name, g.scaling_mode, g.slb_access, g.data, g.links \
             FROM node_groups g WHERE g.env_id {scope} ORDER BY g.env_id, g.position, g.name",
        )))
        .bind($key)
        .fetch_all(&mut *$conn)
        .await?;
        let members = sqlx::query_as::<_, MemberRow>(AssertSqlSafe(q(
            "SELECT m.env_id, eg.name FROM env_group_members m \
             JOIN env_groups eg ON eg.id = m.group_id WHERE m.env_id {scope} ORDER BY eg.name",
        )))
        .bind($key)
        .fetch_all(&mut *$conn)
        .await?;
        let domains = sqlx::query_as::<_, DomainRow>(AssertSqlSafe(q(
            "SELECT d.id, d.env_id, d.domain FROM ext_domains d WHERE d.env_id {scope} ORDER BY d.id",
        )))
        .bind($key)
        .fetch_all(&mut *$conn)
        .await?;
        let mounts = sqlx::query_as::<_, MountRow>(AssertSqlSafe(q(
            "SELECT mp.env_id, mp.node_group, mp.path, mp.name, mp.source_node_id, mp.source_host, \
             mp.source_path, mp.source_address_type, mp.protocol, mp.read_only \
             FROM mount_points mp WHERE mp.env_id {scope} ORDER BY mp.id",
        )))
        .bind($key)
        .fetch_all(&mut *$conn)
        .await?;
        Parts {
            nodes,
            groups,
            members,
            domains,
            mounts,
        }
    }};
}

/// Scope of one environment by id.
const ONE_ENV: &str = "= $1";
/// Scope of every environment of an owner.
const OWNERS_ENVS: &str = "IN (SELECT id FROM environments WHERE owner_id = $1)";

fn json_or<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

/// Builds the models of `envs` from their parts.
fn assemble(envs: Vec<EnvRecord>, parts: Parts) -> Vec<EnvModel> {
    let mut models: Vec<EnvModel> = envs
        .into_iter()
        .map(|env| EnvModel {
            env,
            groups: Vec::new(),
            domains: Vec::new(),
            node_groups: Vec::new(),
            nodes: Vec::new(),
            mounts: Vec::new(),
        })
        .collect();
    let index: HashMap<i64, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.env.id, i))
        .collect();
    let at = |env_id: i64| index.get(&env_id).copied();
    for n in parts.nodes {
        if let Some(i) = at(n.env_id) {
            models[i].nodes.push(Node {
                id: n.id,
                node_group: n.node_group,
                node_type: n.node_type,
                display_name: n.display_name,
                docker_name: n.docker_name,
                docker_tag: n.docker_tag,
                fixed_cloudlets: n.fixed_cloudlets,
                flexible_cloudlets: n.flexible_cloudlets,
                disk_limit: n.disk_limit,
                is_master: n.is_master != 0,
                vars: json_or::<Vars>(&n.env_vars),
                volumes: json_or(&n.volumes),
                known_tags: json_or(&n.known_tags),
            });
        }
    }
    for g in parts.groups {
        if let Some(i) = at(g.env_id) {
            models[i].node_groups.push(NodeGroup {
                name: g.name,
                display_name: g.display_name,
                scaling_mode: g.scaling_mode,
                slb_access: g.slb_access != 0,
                data: json_or(&g.data),
                links: json_or::<Vec<Link>>(&g.links),
            });
        }
    }
    for m in parts.members {
        if let Some(i) = at(m.env_id) {
            models[i].groups.push(m.name);
        }
    }
    for d in parts.domains {
        if let Some(i) = at(d.env_id) {
            models[i].domains.push(ExtDomain {
                id: d.id,
                domain: d.domain,
            });
        }
    }
    for m in parts.mounts {
        if let Some(i) = at(m.env_id) {
            let source = match (m.source_node_id, m.source_host) {
                (Some(id), _) => MountSource::Node(id),
                (None, host) => MountSource::Host(host.unwrap_or_default()),
            };
            models[i].mounts.push(MountPoint {
                node_group: m.node_group,
                path: m.path,
                name: m.name,
                source,
                source_path: m.source_path,
                source_address_type: m.source_address_type,
                protocol: m.protocol,
                read_only: m.read_only != 0,
            });
        }
    }
    // A group every node names exists even if its row was never written (older data).
    for model in &mut models {
        let missing: Vec<String> = model
            .nodes
            .iter()
            .map(|n| n.node_group.clone())
            .filter(|g| !model.node_groups.iter().any(|x| &x.name == g))
            .collect();
        for g in missing {
            if !model.node_groups.iter().any(|x| x.name == g) {
                model.node_groups.push(NodeGroup::new(&g));
            }
        }
    }
    models
}

/// Writes `after` over the stored parts of its environment (`before`: what was loaded,
/// `None` for a new environment). New nodes (negative ids) are inserted and every
/// reference to them rewritten. Refusals come back as `Ok(Err(rule))`; the caller then
/// drops the transaction, which rolls everything back.
macro_rules! write_parts {
    ($tx:ident, $before:expr, $after:expr, $now:expr) => {{
        let before: Option<&EnvModel> = $before;
        let after: &EnvModel = $after;
        let env_id = after.env.id;
        let owner_id = after.env.owner_id;
        let mut outcome: Result<(), Error> = Ok(());
        sqlx::query(
            "UPDATE environments SET display_name = $1, ssl = $2, ha = $3, status = $4, updated_at = $5 \
             WHERE id = $6",
        )
        .bind(&after.env.display_name)
        .bind(after.env.ssl)
        .bind(after.env.ha)
        .bind(after.env.status)
        .bind($now)
        .bind(env_id)
        .execute(&mut *$tx)
        .await?;
        // Nodes: gone, changed, new.
        if let Some(before) = before {
            for old in &before.nodes {
                if old.id > 0 && !after.nodes.iter().any(|n| n.id == old.id) {
                    sqlx::query("DELETE FROM nodes WHERE id = $1 AND env_id = $2")
                        .bind(old.id)
                        .bind(env_id)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
        let mut new_ids: HashMap<i64, i64> = HashMap::new();
        for n in &after.nodes {
            let unchanged = before
                .and_then(|b| b.nodes.iter().find(|o| o.id == n.id))
                .is_some_and(|o| o == n);
            if unchanged {
                continue;
            }
            let vars = serde_json::to_string(&n.vars).unwrap_or_else(|_| "{}".into());
            let volumes = serde_json::to_string(&n.volumes).unwrap_or_else(|_| "[]".into());
            let tags = serde_json::to_string(&n.known_tags).unwrap_or_else(|_| "[]".into());
            if n.id > 0 {
                sqlx::query(
                    "UPDATE nodes SET node_group = $1, node_type = $2, display_name = $3, docker_name = $4, \
                     docker_tag = $5, fixed_cloudlets = $6, flexible_cloudlets = $7, disk_limit = $8, \
                     is_master = $9, env_vars = $10, volumes = $11, known_tags = $12 \
                     WHERE id = $13 AND env_id = $14",
                )
                .bind(&n.node_group)
                .bind(&n.node_type)
                .bind(&n.display_name)
                .bind(&n.docker_name)
                .bind(&n.docker_tag)
                .bind(n.fixed_cloudlets)
                .bind(n.flexible_cloudlets)
                .bind(n.disk_limit)
                .bind(i64::from(n.is_master))
                .bind(&vars)
                .bind(&volumes)
                .bind(&tags)
                .bind(n.id)
                .bind(env_id)
                .execute(&mut *$tx)
                .await?;
            } else {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO nodes (env_id, node_group, node_type, display_name, docker_name, docker_tag, \
                     fixed_cloudlets, flexible_cloudlets, disk_limit, is_master, env_vars, volumes, known_tags) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(env_id)
                .bind(&n.node_group)
                .bind(&n.node_type)
                .bind(&n.display_name)
                .bind(&n.docker_name)
                .bind(&n.docker_tag)
                .bind(n.fixed_cloudlets)
                .bind(n.flexible_cloudlets)
                .bind(n.disk_limit)
                .bind(i64::from(n.is_master))
                .bind(&vars)
                .bind(&volumes)
                .bind(&tags)
                .fetch_one(&mut *$tx)
                .await?;
                new_ids.insert(n.id, id);
            }
        }
        // Node groups.
        if before.is_none_or(|b| b.node_groups != after.node_groups) {
            sqlx::query("DELETE FROM node_groups WHERE env_id = $1")
                .bind(env_id)
                .execute(&mut *$tx)
                .await?;
            for (position, g) in after.node_groups.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO node_groups (env_id, name, position, display_name, scaling_mode, slb_access, data, links) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(env_id)
                .bind(&g.name)
                .bind(position as i64)
                .bind(&g.display_name)
                .bind(&g.scaling_mode)
                .bind(i64::from(g.slb_access))
                .bind(serde_json::to_string(&g.data).unwrap_or_else(|_| "{}".into()))
                .bind(serde_json::to_string(&g.links).unwrap_or_else(|_| "[]".into()))
                .execute(&mut *$tx)
                .await?;
            }
        }
        // Mount points.
        if before.is_none_or(|b| b.mounts != after.mounts) || !new_ids.is_empty() {
            sqlx::query("DELETE FROM mount_points WHERE env_id = $1")
                .bind(env_id)
                .execute(&mut *$tx)
                .await?;
            for m in &after.mounts {
                let (node, host) = match &m.source {
                    MountSource::Node(id) => (Some(*new_ids.get(id).unwrap_or(id)), None),
                    MountSource::Host(h) => (None, Some(h.as_str())),
                };
                sqlx::query(
                    "INSERT INTO mount_points (env_id, node_group, path, name, source_node_id, source_host, \
                     source_path, source_address_type, protocol, read_only) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(env_id)
                .bind(&m.node_group)
                .bind(&m.path)
                .bind(&m.name)
                .bind(node)
                .bind(host)
                .bind(&m.source_path)
                .bind(&m.source_address_type)
                .bind(&m.protocol)
                .bind(i64::from(m.read_only))
                .execute(&mut *$tx)
                .await?;
            }
        }
        // Group membership; groups named for the first time (and their parents) are
        // created, within the account's limit.
        if before.is_none_or(|b| b.groups != after.groups) {
            sqlx::query("DELETE FROM env_group_members WHERE env_id = $1")
                .bind(env_id)
                .execute(&mut *$tx)
                .await?;
            for name in &after.groups {
                for g in with_ancestors(name) {
                    sqlx::query(
                        "INSERT INTO env_groups (owner_id, name, created_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (owner_id, name) DO NOTHING",
                    )
                    .bind(owner_id)
                    .bind(&g)
                    .bind($now)
                    .execute(&mut *$tx)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO env_group_members (env_id, group_id) \
                     SELECT $1, id FROM env_groups WHERE owner_id = $2 AND name = $3",
                )
                .bind(env_id)
                .bind(owner_id)
                .bind(name)
                .execute(&mut *$tx)
                .await?;
            }
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM env_groups WHERE owner_id = $1")
                .bind(owner_id)
                .fetch_one(&mut *$tx)
                .await?;
            if count > MAX_ENV_GROUPS {
                outcome = Err(Error::LimitReached(Limit::EnvGroups {
                    max: MAX_ENV_GROUPS,
                }));
            }
        }
        // External domains: unique on the whole server.
        if outcome.is_ok() {
            if let Some(before) = before {
                for d in &before.domains {
                    if !after.domains.iter().any(|x| x.id == d.id) {
                        sqlx::query("DELETE FROM ext_domains WHERE id = $1 AND env_id = $2")
                            .bind(d.id)
                            .bind(env_id)
                            .execute(&mut *$tx)
                            .await?;
                    }
                }
            }
            for d in after.domains.iter().filter(|d| d.id == 0) {
                let inserted = sqlx::query(
                    "INSERT INTO ext_domains (env_id, domain, created_at) VALUES ($1, $2, $3)",
                )
                .bind(env_id)
                .bind(&d.domain)
                .bind($now)
                .execute(&mut *$tx)
                .await;
                match inserted.map_err(classify) {
                    Ok(_) => {}
                    Err(StoreError::Conflict(_)) => {
                        outcome = Err(Error::invalid(
                            "extdomain",
                            format!("{} is bound to another environment", d.domain),
                        ));
                        break;
                    }
                    Err(StoreError::Database(e)) => return Err(e.into()),
                }
            }
        }
        outcome
    }};
}

/// A change's outcome inside storage: the rule's answer, or a storage failure.
#[derive(Debug)]
pub enum ChangeError {
    Rule(Error),
    Store(StoreError),
}

impl From<sqlx::Error> for ChangeError {
    fn from(e: sqlx::Error) -> Self {
        ChangeError::Store(classify(e))
    }
}

impl From<ChangeError> for Error {
    fn from(e: ChangeError) -> Error {
        match e {
            ChangeError::Rule(e) => e,
            ChangeError::Store(e) => e.into(),
        }
    }
}

impl Store {
    /// Inserts a new environment from `model` (its `env.id` is ignored; nodes have
    /// negative ids), refusing it when the owner already has `max_per_owner`
    /// environments. Returns the new id.
    pub async fn insert_env(
        &self,
        model: &EnvModel,
        now: Timestamp,
        max_per_owner: i64,
    ) -> Result<i64, InsertEnvError> {
        let owner = model.env.owner_id;
        let id = write_tx!(self, |tx| {
            lock_account!(tx, owner);
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM environments WHERE owner_id = $1")
                    .bind(owner)
                    .fetch_one(&mut *tx)
                    .await?;
            if count >= max_per_owner {
                return Err(InsertEnvError::LimitReached);
            }
            let e = &model.env;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO environments \
                 (owner_id, name, display_name, appid, status, region, ssl, ha, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(owner)
            .bind(&e.name)
            .bind(&e.display_name)
            .bind(&e.appid)
            .bind(e.status)
            .bind(&e.region)
            .bind(e.ssl)
            .bind(e.ha)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let mut stored = model.clone();
            stored.env.id = id;
            let outcome: Result<(), Error> = write_parts!(tx, None, &stored, now);
            if let Err(rule) = outcome {
                return Err(InsertEnvError::Rule(rule));
            }
            id
        });
        Ok(id)
    }

    /// The environment `name` of `owner_id`, whole (cached, see `cache`).
    pub async fn env_model(
        &self,
        owner_id: i64,
        name: &str,
    ) -> Result<Option<Arc<EnvModel>>, StoreError> {
        self.read_through(
            |c| &c.envs,
            &(owner_id, name.to_string()),
            || async {
                let sql = format!(
                    "SELECT {ENV_COLUMNS} FROM environments WHERE name = $1 AND owner_id = $2"
                );
                Ok(with_pool!(self, |pool| {
                    let mut conn = pool.acquire().await?;
                    let env = sqlx::query_as::<_, EnvRecord>(AssertSqlSafe(sql.as_str()))
                        .bind(name)
                        .bind(owner_id)
                        .fetch_optional(&mut *conn)
                        .await?;
                    match env {
                        None => Ok::<_, sqlx::Error>(None),
                        Some(env) => {
                            let parts = read_parts!(conn, ONE_ENV, env.id);
                            Ok(assemble(vec![env], parts).pop())
                        }
                    }
                })?
                .map(Arc::new))
            },
        )
        .await
    }

    /// Every environment of `owner_id`, whole, oldest first.
    pub async fn env_models_of(&self, owner_id: i64) -> Result<Vec<EnvModel>, StoreError> {
        let sql = format!(
            "SELECT {ENV_COLUMNS} FROM environments WHERE owner_id = $1 ORDER BY created_at, id"
        );
        Ok(with_pool!(self, |pool| {
            let mut conn = pool.acquire().await?;
            let envs = sqlx::query_as::<_, EnvRecord>(AssertSqlSafe(sql.as_str()))
                .bind(owner_id)
                .fetch_all(&mut *conn)
                .await?;
            let parts = if envs.is_empty() {
                Parts::default()
            } else {
                read_parts!(conn, OWNERS_ENVS, owner_id)
            };
            Ok::<_, sqlx::Error>(assemble(envs, parts))
        })?)
    }

    /// Changes environment `env_id` of `owner_id`: loads it under its row lock, runs
    /// `change`, writes the result. A rule's refusal (from `change` or from storage: a
    /// domain bound elsewhere, too many groups) writes nothing.
    pub async fn change_env<T>(
        &self,
        owner_id: i64,
        env_id: i64,
        change: impl FnOnce(&mut EnvModel) -> Result<T, Error>,
        now: Timestamp,
    ) -> Result<T, ChangeError> {
        let sql = format!("SELECT {ENV_COLUMNS} FROM environments WHERE id = $1 AND owner_id = $2");
        let out = write_tx!(self, |tx| {
            // The row lock: concurrent changes of one environment queue here.
            sqlx::query("UPDATE environments SET updated_at = updated_at WHERE id = $1")
                .bind(env_id)
                .execute(&mut *tx)
                .await?;
            let env = sqlx::query_as::<_, EnvRecord>(AssertSqlSafe(sql.as_str()))
                .bind(env_id)
                .bind(owner_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(env) = env else {
                return Err(ChangeError::Rule(Error::EnvNotFound(String::new())));
            };
            let name = env.name.clone();
            let parts = read_parts!(tx, ONE_ENV, env_id);
            let before = assemble(vec![env], parts).pop().expect("one environment");
            let mut after = before.clone();
            let value = match change(&mut after) {
                Ok(v) => v,
                Err(rule) => {
                    let rule = match rule {
                        Error::EnvNotFound(_) => Error::EnvNotFound(name),
                        other => other,
                    };
                    return Err(ChangeError::Rule(rule));
                }
            };
            if after != before {
                let outcome: Result<(), Error> = write_parts!(tx, Some(&before), &after, now);
                if let Err(rule) = outcome {
                    return Err(ChangeError::Rule(rule));
                }
            }
            value
        });
        Ok(out)
    }

    /// (environment name, group name) of every membership of `owner_id`'s environments.
    pub async fn env_memberships(
        &self,
        owner_id: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(with_pool!(self, |pool| sqlx::query_as::<
            _,
            (String, String),
        >(
            "SELECT e.name, g.name FROM env_group_members m \
             JOIN environments e ON e.id = m.env_id JOIN env_groups g ON g.id = m.group_id \
             WHERE e.owner_id = $1 ORDER BY e.name, g.name"
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

    /// The environment (id, owner) a node belongs to.
    pub async fn node_home(&self, node_id: i64) -> Result<Option<(i64, i64, String)>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, (i64, i64, String)>(
            "SELECT e.id, e.owner_id, e.name FROM nodes n JOIN environments e ON e.id = n.env_id WHERE n.id = $1"
        )
        .bind(node_id)
        .fetch_optional(pool)
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

    /// Deletes an environment of `owner_id` with everything that hangs on it (and the
    /// mount points elsewhere sourced from its nodes); returns whether it existed.
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

/// Environment groups of an account.
impl Store {
    pub async fn env_groups_of(&self, owner_id: i64) -> Result<Vec<EnvGroupRow>, StoreError> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, EnvGroupRow>(
            "SELECT id, name, color, is_isolated, visibility FROM env_groups WHERE owner_id = $1 ORDER BY name"
        )
        .bind(owner_id)
        .fetch_all(pool)
        .await
        })?)
    }

    /// Creates groups (and their missing parents) with the given settings. Refuses
    /// (nothing written) a name that is already a group, or past the account's limit.
    pub async fn create_env_groups(
        &self,
        owner_id: i64,
        names: &[String],
        settings: &GroupSettings,
        now: Timestamp,
    ) -> Result<Vec<EnvGroupRow>, ChangeError> {
        let out = write_tx!(self, |tx| {
            lock_account!(tx, owner_id);
            let mut created = Vec::new();
            for name in names {
                let taken: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM env_groups WHERE owner_id = $1 AND name = $2",
                )
                .bind(owner_id)
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_some() {
                    return Err(ChangeError::Rule(Error::invalid(
                        "envGroup",
                        format!("{name} is already a group"),
                    )));
                }
                for parent in with_ancestors(name) {
                    let is_it = &parent == name;
                    sqlx::query(
                        "INSERT INTO env_groups (owner_id, name, color, is_isolated, visibility, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner_id, name) DO NOTHING",
                    )
                    .bind(owner_id)
                    .bind(&parent)
                    .bind(if is_it { settings.color.clone().flatten() } else { None })
                    .bind(i64::from(is_it && settings.is_isolated.unwrap_or(false)))
                    .bind(if is_it { settings.visibility.unwrap_or(0) } else { 0 })
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let row = sqlx::query_as::<_, EnvGroupRow>(
                    "SELECT id, name, color, is_isolated, visibility FROM env_groups WHERE owner_id = $1 AND name = $2",
                )
                .bind(owner_id)
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
                created.push(row);
            }
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM env_groups WHERE owner_id = $1")
                    .bind(owner_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if count > MAX_ENV_GROUPS {
                return Err(ChangeError::Rule(Error::LimitReached(Limit::EnvGroups {
                    max: MAX_ENV_GROUPS,
                })));
            }
            created
        });
        Ok(out)
    }

    /// EditGroup: settings given change; `rename` renames the group and its subgroups
    /// (memberships follow, being by id). Answers the edited group.
    pub async fn edit_env_group(
        &self,
        owner_id: i64,
        name: &str,
        rename: Option<&str>,
        settings: &GroupSettings,
    ) -> Result<EnvGroupRow, ChangeError> {
        let out = write_tx!(self, |tx| {
            lock_account!(tx, owner_id);
            let row = sqlx::query_as::<_, EnvGroupRow>(
                "SELECT id, name, color, is_isolated, visibility FROM env_groups WHERE owner_id = $1 AND name = $2",
            )
            .bind(owner_id)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Err(ChangeError::Rule(Error::invalid(
                    "srcGroupName",
                    format!("{name} is not a group of this account"),
                )));
            };
            if let Some(to) = rename.filter(|to| *to != row.name) {
                if to.starts_with(&format!("{}/", row.name)) {
                    return Err(ChangeError::Rule(Error::invalid(
                        "dstGroupName",
                        "a group cannot move under itself",
                    )));
                }
                let taken: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM env_groups WHERE owner_id = $1 AND name = $2",
                )
                .bind(owner_id)
                .bind(to)
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_some() {
                    return Err(ChangeError::Rule(Error::invalid(
                        "dstGroupName",
                        format!("{to} is already a group"),
                    )));
                }
                let family = sqlx::query_as::<_, (i64, String)>(
                    "SELECT id, name FROM env_groups WHERE owner_id = $1",
                )
                .bind(owner_id)
                .fetch_all(&mut *tx)
                .await?;
                let prefix = format!("{}/", row.name);
                for (id, n) in family {
                    let renamed = if n == row.name {
                        to.to_string()
                    } else if let Some(rest) = n.strip_prefix(&prefix) {
                        format!("{to}/{rest}")
                    } else {
                        continue;
                    };
                    if renamed.split('/').count() > 5 {
                        return Err(ChangeError::Rule(Error::invalid(
                            "dstGroupName",
                            "groups nest at most 5 levels",
                        )));
                    }
                    sqlx::query("UPDATE env_groups SET name = $1 WHERE id = $2")
                        .bind(&renamed)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                // The new name's parents exist too.
                for parent in with_ancestors(to).into_iter().rev().skip(1) {
                    sqlx::query(
                        "INSERT INTO env_groups (owner_id, name, created_at) VALUES ($1, $2, 0) \
                         ON CONFLICT (owner_id, name) DO NOTHING",
                    )
                    .bind(owner_id)
                    .bind(&parent)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            if let Some(color) = &settings.color {
                sqlx::query("UPDATE env_groups SET color = $1 WHERE id = $2")
                    .bind(color)
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(isolated) = settings.is_isolated {
                sqlx::query("UPDATE env_groups SET is_isolated = $1 WHERE id = $2")
                    .bind(i64::from(isolated))
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(v) = settings.visibility {
                sqlx::query("UPDATE env_groups SET visibility = $1 WHERE id = $2")
                    .bind(v)
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query_as::<_, EnvGroupRow>(
                "SELECT id, name, color, is_isolated, visibility FROM env_groups WHERE id = $1",
            )
            .bind(row.id)
            .fetch_one(&mut *tx)
            .await?
        });
        Ok(out)
    }

    /// RemoveGroup: the groups and their subgroups go; environments lose the membership.
    /// All or nothing: an unknown name refuses the whole call.
    pub async fn remove_env_groups(
        &self,
        owner_id: i64,
        names: &[String],
    ) -> Result<(), ChangeError> {
        write_tx!(self, |tx| {
            lock_account!(tx, owner_id);
            let all = sqlx::query_as::<_, (i64, String)>(
                "SELECT id, name FROM env_groups WHERE owner_id = $1",
            )
            .bind(owner_id)
            .fetch_all(&mut *tx)
            .await?;
            for name in names {
                let prefix = format!("{name}/");
                let doomed: Vec<i64> = all
                    .iter()
                    .filter(|(_, n)| n == name || n.starts_with(&prefix))
                    .map(|(id, _)| *id)
                    .collect();
                if doomed.is_empty() {
                    return Err(ChangeError::Rule(Error::invalid(
                        "envGroup",
                        format!("{name} is not a group of this account"),
                    )));
                }
                for id in doomed {
                    sqlx::query("DELETE FROM env_groups WHERE id = $1 AND owner_id = $2")
                        .bind(id)
                        .bind(owner_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        });
        Ok(())
    }
}

/// Settings of a group (`data` of CreateGroup/EditGroup): only those given change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupSettings {
    /// `Some(None)` clears the colour.
    pub color: Option<Option<String>>,
    pub is_isolated: Option<bool>,
    pub visibility: Option<i64>,
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
                     (owner_id, name, display_name, appid, status, region, created_at, updated_at) \
                     VALUES ($1, $2, $2, $3, 1, 'default', $4, $4) RETURNING id",
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
                sqlx::query(
                    "INSERT INTO node_groups (env_id, name, position, scaling_mode) VALUES ($1, 'cp', 0, 'STATELESS')",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }
}
