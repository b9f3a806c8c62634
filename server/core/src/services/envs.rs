//! Environments: create, look up, change status, restart, clone, delete. Every rule of
//! environment control lives here; the REST API and the dashboard call these.
//!
//! Status changes are a single conditional UPDATE (`WHERE status IN (allowed)`), so the
//! new status is in place before the answer and two concurrent calls can never both
//! pass their precondition or leave an impossible status.

use std::sync::Arc;

use crate::Error;

use crate::clock::{Timestamp, now};
use crate::domain::env::{EnvAction, EnvName, EnvSpec, EnvStatus};
use crate::domain::env::{EnvRecord, NodeRecord};
use crate::secrets::random_hex;
use crate::storage::{InsertEnvError, NewEnv, NewNode, Store};

#[derive(Clone)]
pub struct Environments {
    store: Store,
    domain: String,
    max_per_owner: u32,
}

/// An environment with its nodes: what GetEnvInfo shows.
pub struct EnvInfo {
    pub env: Arc<EnvRecord>,
    pub nodes: Arc<Vec<NodeRecord>>,
}

/// Which nodes RestartNodes restarts.
#[derive(Debug, Clone, Default)]
pub struct NodeFilter {
    pub node_group: Option<String>,
    pub node_id: Option<i64>,
}

impl Environments {
    /// The domain environments are named under (`name.<domain>`).
    pub fn platform_domain(&self) -> &str {
        &self.domain
    }

    pub fn new(store: Store, domain: String, max_per_owner: u32) -> Environments {
        Environments {
            store,
            domain,
            max_per_owner,
        }
    }

    #[tracing::instrument(skip_all, fields(owner))]
    pub async fn create(&self, owner: i64, spec: EnvSpec) -> Result<EnvInfo, Error> {
        let env_groups = serde_json::to_string(&spec.env_groups).map_err(crate::error::internal)?;
        let appid = random_hex(16);
        let mut seen_groups = std::collections::HashSet::new();
        let nodes: Vec<NewNode> = spec
            .nodes
            .iter()
            .flat_map(|n| std::iter::repeat_n(n, n.count as usize))
            .map(|n| NewNode {
                node_group: &n.node_group,
                node_type: &n.node_type,
                display_name: &n.display_name,
                docker_name: &n.docker_name,
                docker_tag: &n.docker_tag,
                fixed_cloudlets: n.fixed_cloudlets,
                flexible_cloudlets: n.flexible_cloudlets,
                disk_limit: n.disk_limit,
                // The first node of each group is its master.
                is_master: seen_groups.insert(n.node_group.clone()),
            })
            .collect();
        let row = NewEnv {
            owner_id: owner,
            name: spec.name.as_str(),
            display_name: &spec.display_name,
            appid: &appid,
            status: EnvStatus::Running.code(),
            region: &spec.region,
            ssl: spec.ssl,
            ha: spec.ha,
            env_groups: &env_groups,
            now: now(),
            max_per_owner: i64::from(self.max_per_owner),
        };
        match self.store.insert_env(row, &nodes).await {
            Ok(_) => self.info(owner, spec.name.as_str()).await,
            Err(InsertEnvError::NameTaken) => {
                Err(Error::EnvNameTaken(spec.name.as_str().to_string()))
            }
            Err(InsertEnvError::LimitReached) => Err(Error::LimitReached(format!(
                "an account has at most {} environments",
                self.max_per_owner
            ))),
            Err(InsertEnvError::Store(e)) => Err(e.into()),
        }
    }

    /// The environment `name` of `owner`: 11 when missing or someone else's.
    pub async fn row(&self, owner: i64, name: &str) -> Result<Arc<EnvRecord>, Error> {
        let name = EnvName::lookup(name);
        self.store
            .env_of(owner, &name)
            .await?
            .ok_or(Error::EnvNotFound(name))
    }

    pub async fn info(&self, owner: i64, name: &str) -> Result<EnvInfo, Error> {
        let env = self.row(owner, name).await?;
        let nodes = self.store.nodes_of_env(env.id).await?;
        Ok(EnvInfo { env, nodes })
    }

    pub async fn list(&self, owner: i64) -> Result<Vec<EnvInfo>, Error> {
        let envs = self.store.envs_of(owner).await?;
        let mut nodes = self.store.nodes_of_owner(owner).await?;
        Ok(envs
            .into_iter()
            .map(|env| {
                let (mine, rest): (Vec<NodeRecord>, Vec<NodeRecord>) =
                    nodes.drain(..).partition(|n| n.env_id == env.id);
                nodes = rest;
                EnvInfo {
                    env: Arc::new(env),
                    nodes: Arc::new(mine),
                }
            })
            .collect())
    }

    /// The owner's environments in brief, for lists.
    pub async fn summaries(&self, owner: i64) -> Result<Vec<EnvSummary>, Error> {
        Ok(self
            .store
            .env_summaries(owner)
            .await?
            .into_iter()
            .map(|r| EnvSummary {
                name: r.name,
                display_name: r.display_name,
                status: r.status as i32,
                node_count: r.node_count as u32,
                created_at: r.created_at,
            })
            .collect())
    }

    /// StartEnv / StopEnv / SleepEnv: 2212 unless the status allows the action.
    #[tracing::instrument(skip_all, fields(owner, ?action))]
    pub async fn change_status(
        &self,
        owner: i64,
        name: &str,
        action: EnvAction,
    ) -> Result<(), Error> {
        let env = self.row(owner, name).await?;
        let (from, to) = action.transition();
        let from: Vec<i64> = from.iter().map(|s| s.code()).collect();
        if self
            .store
            .transition_env(env.id, &from, to.code(), now())
            .await?
        {
            return Ok(());
        }
        // Refused: report the status it has now (another call may just have changed it).
        let current = self.row(owner, name).await?;
        Err(action.refused(current.status))
    }

    /// RestartNodes: the environment must be running; the filter must match nodes.
    pub async fn restart_nodes(
        &self,
        owner: i64,
        name: &str,
        filter: &NodeFilter,
    ) -> Result<usize, Error> {
        let info = self.info(owner, name).await?;
        if info.env.status != EnvStatus::Running.code() {
            return Err(Error::WrongEnvStatus {
                current: status_name(info.env.status),
                required: EnvStatus::Running.platform_name().into(),
            });
        }
        let chosen: Vec<i64> = info
            .nodes
            .iter()
            .filter(|n| filter.node_id.is_none_or(|id| id == n.id))
            .filter(|n| {
                filter
                    .node_group
                    .as_ref()
                    .is_none_or(|g| g.eq_ignore_ascii_case(&n.node_group))
            })
            .map(|n| n.id)
            .collect();
        if chosen.is_empty() {
            let param = if filter.node_id.is_some() {
                "nodeId"
            } else {
                "nodeGroup"
            };
            return Err(Error::invalid(param, "no node of this environment matches"));
        }
        self.store
            .mark_nodes_restarted(info.env.id, &chosen, now())
            .await?;
        Ok(chosen.len())
    }

    /// CloneEnv: a running or stopped environment is copied, nodes and all, under a new
    /// name; the clone starts in the source's status.
    pub async fn clone_env(&self, owner: i64, src: &str, dst: &str) -> Result<EnvInfo, Error> {
        let source = self.info(owner, src).await?;
        let status = source.env.status;
        if status != EnvStatus::Running.code() && status != EnvStatus::Down.code() {
            return Err(Error::WrongEnvStatus {
                current: status_name(status),
                required: format!(
                    "{}, {}",
                    EnvStatus::Running.platform_name(),
                    EnvStatus::Down.platform_name()
                ),
            });
        }
        let dst = EnvName::parse(dst, "dstEnvName")?;
        let appid = random_hex(16);
        let nodes: Vec<NewNode> = source
            .nodes
            .iter()
            .map(|n| NewNode {
                node_group: &n.node_group,
                node_type: &n.node_type,
                display_name: &n.display_name,
                docker_name: &n.docker_name,
                docker_tag: &n.docker_tag,
                fixed_cloudlets: n.fixed_cloudlets,
                flexible_cloudlets: n.flexible_cloudlets,
                disk_limit: n.disk_limit,
                is_master: n.is_master != 0,
            })
            .collect();
        let row = NewEnv {
            owner_id: owner,
            name: dst.as_str(),
            display_name: &source.env.display_name,
            appid: &appid,
            status,
            region: &source.env.region,
            ssl: source.env.ssl != 0,
            ha: source.env.ha != 0,
            env_groups: &source.env.env_groups,
            now: now(),
            max_per_owner: i64::from(self.max_per_owner),
        };
        match self.store.insert_env(row, &nodes).await {
            Ok(_) => self.info(owner, dst.as_str()).await,
            Err(InsertEnvError::NameTaken) => Err(Error::EnvNameTaken(dst.as_str().to_string())),
            Err(InsertEnvError::LimitReached) => Err(Error::LimitReached(format!(
                "an account has at most {} environments",
                self.max_per_owner
            ))),
            Err(InsertEnvError::Store(e)) => Err(e.into()),
        }
    }

    pub async fn delete(&self, owner: i64, name: &str) -> Result<(), Error> {
        let env = self.row(owner, name).await?;
        if self.store.delete_env(owner, env.id).await? {
            Ok(())
        } else {
            Err(Error::EnvNotFound(env.name.clone()))
        }
    }
}

fn status_name(code: i64) -> String {
    EnvStatus::from_code(code)
        .map(EnvStatus::platform_name)
        .unwrap_or("UNKNOWN")
        .to_string()
}

/// An environment in brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSummary {
    pub name: String,
    pub display_name: String,
    /// The platform's status code (1 running, 2 stopped, 4 sleeping ...).
    pub status: i32,
    pub node_count: u32,
    pub created_at: Timestamp,
}
