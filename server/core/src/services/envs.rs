//! Environments: create, look up, change status, restart, clone, delete, and every
//! change of the platform model (variables, cloudlets, volumes, mount points, domains,
//! groups, node-group data, topology). The REST API and the dashboard call these.
//!
//! Status changes are a single conditional UPDATE (`WHERE status IN (allowed)`), so the
//! new status is in place before the answer and two concurrent calls can never both
//! pass their precondition. Model changes run as pure rules on the environment loaded
//! under its row lock (see `storage::envs`).

use std::sync::Arc;

use crate::Error;
use crate::refusal::Limit;

use crate::clock::{Timestamp, now};
use crate::domain::env::{EnvAction, EnvName, EnvRecord, EnvSpec, EnvStatus};
use crate::domain::model::{EnvModel, MountPoint, MountSource, Node, NodeGroup};
use crate::secrets::random_hex;
use crate::storage::{ChangeError, EnvGroupRow, GroupSettings, InsertEnvError, Store};

#[derive(Clone)]
pub struct Environments {
    store: Store,
    domain: String,
    max_per_owner: u32,
}

/// An environment with everything that hangs on it: what GetEnvInfo shows.
pub type EnvInfo = Arc<EnvModel>;

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

    /// The model of a new environment from its specification.
    fn model_of(owner: i64, spec: &EnvSpec) -> EnvModel {
        let mut model = EnvModel {
            env: EnvRecord {
                id: 0,
                owner_id: owner,
                name: spec.name.as_str().to_string(),
                display_name: spec.display_name.clone(),
                appid: random_hex(16),
                status: EnvStatus::Running.code(),
                region: spec.region.clone(),
                ssl: i64::from(spec.ssl),
                ha: i64::from(spec.ha),
                created_at: now(),
            },
            groups: spec.env_groups.clone(),
            domains: Vec::new(),
            node_groups: Vec::new(),
            nodes: Vec::new(),
            mounts: Vec::new(),
        };
        model.groups.sort();
        model.groups.dedup();
        for n in &spec.nodes {
            if !model.node_groups.iter().any(|g| g.name == n.node_group) {
                let mut group = NodeGroup::new(&n.node_group);
                group.links = n.links.clone();
                if let Some(slb) = n.slb_access {
                    group.slb_access = slb;
                }
                model.node_groups.push(group);
            }
            for _ in 0..n.count {
                let id = -(model.nodes.len() as i64) - 1;
                // The first node of each group is its master.
                let is_master = !model.nodes.iter().any(|x| x.node_group == n.node_group);
                model.nodes.push(Node {
                    id,
                    node_group: n.node_group.clone(),
                    node_type: n.node_type.clone(),
                    display_name: n.display_name.clone(),
                    docker_name: n.docker_name.clone(),
                    docker_tag: n.docker_tag.clone(),
                    fixed_cloudlets: n.fixed_cloudlets,
                    flexible_cloudlets: n.flexible_cloudlets,
                    disk_limit: n.disk_limit,
                    is_master,
                    vars: n.vars.clone(),
                    volumes: n.volumes.clone(),
                    known_tags: Vec::new(),
                });
            }
        }
        model
    }

    async fn insert(&self, model: &EnvModel) -> Result<EnvInfo, Error> {
        let owner = model.env.owner_id;
        match self
            .store
            .insert_env(model, now(), i64::from(self.max_per_owner))
            .await
        {
            Ok(_) => self.info(owner, &model.env.name).await,
            Err(InsertEnvError::NameTaken) => Err(Error::EnvNameTaken(model.env.name.clone())),
            Err(InsertEnvError::LimitReached) => Err(Error::LimitReached(Limit::Environments {
                max: i64::from(self.max_per_owner),
            })),
            Err(InsertEnvError::Rule(e)) => Err(e),
            Err(InsertEnvError::Store(e)) => Err(e.into()),
        }
    }

    #[tracing::instrument(skip_all, fields(owner))]
    pub async fn create(&self, owner: i64, spec: EnvSpec) -> Result<EnvInfo, Error> {
        for n in &spec.nodes {
            for l in &n.links {
                if !spec.nodes.iter().any(|x| x.node_group == l.group) {
                    return Err(Error::invalid(
                        "nodes",
                        format!("links: no node group {} in this environment", l.group),
                    ));
                }
            }
        }
        self.insert(&Self::model_of(owner, &spec)).await
    }

    /// The environment `name` of `owner`: 11 when missing or someone else's.
    pub async fn info(&self, owner: i64, name: &str) -> Result<EnvInfo, Error> {
        let name = EnvName::lookup(name);
        self.store
            .env_model(owner, &name)
            .await?
            .ok_or(Error::EnvNotFound(name))
    }

    pub async fn list(&self, owner: i64) -> Result<Vec<EnvModel>, Error> {
        Ok(self.store.env_models_of(owner).await?)
    }

    /// The owner's environments in brief, for lists (two light queries: no nodes,
    /// variables or mounts are read).
    pub async fn summaries(&self, owner: i64) -> Result<Vec<EnvSummary>, Error> {
        let mut memberships = self.store.env_memberships(owner).await?;
        Ok(self
            .store
            .env_summaries(owner)
            .await?
            .into_iter()
            .map(|r| {
                let (mine, rest): (Vec<_>, Vec<_>) =
                    memberships.drain(..).partition(|(env, _)| *env == r.name);
                memberships = rest;
                EnvSummary {
                    groups: mine.into_iter().map(|(_, g)| g).collect(),
                    name: r.name,
                    display_name: r.display_name,
                    status: r.status as i32,
                    node_count: r.node_count as u32,
                    created_at: r.created_at,
                }
            })
            .collect())
    }

    /// Applies a rule to the stored model of `name` (see `storage::Store::change_env`).
    pub async fn change<T>(
        &self,
        owner: i64,
        name: &str,
        rule: impl FnOnce(&mut EnvModel) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let env = self.info(owner, name).await?;
        self.store
            .change_env(owner, env.env.id, rule, now())
            .await
            .map_err(|e| match e {
                ChangeError::Rule(Error::EnvNotFound(_)) => {
                    Error::EnvNotFound(env.env.name.clone())
                }
                other => other.into(),
            })
    }

    /// A node of any of `owner`'s environments, as a mount source: 3 naming
    /// `sourceNodeId` when unknown or someone else's. Answers (env id, env name).
    pub async fn own_node(&self, owner: i64, node_id: i64) -> Result<(i64, String), Error> {
        match self.store.node_home(node_id).await? {
            Some((env_id, env_owner, name)) if env_owner == owner => Ok((env_id, name)),
            _ => Err(Error::invalid(
                "sourceNodeId",
                "no node of your environments has this id",
            )),
        }
    }

    /// AddMountPointByGroup: the source is a node of any of the owner's environments
    /// (not of the target group; no cross mount) or an outside host.
    pub async fn add_mount(&self, owner: i64, name: &str, mount: MountPoint) -> Result<(), Error> {
        let target = self.info(owner, name).await?;
        if let MountSource::Node(source) = mount.source {
            let (_, source_env) = self.own_node(owner, source).await?;
            if source_env != target.env.name {
                // A source elsewhere: refuse a cross mount (the source's group already
                // mounts from the target group).
                let other = self.info(owner, &source_env).await?;
                let src_group = other
                    .nodes
                    .iter()
                    .find(|n| n.id == source)
                    .map(|n| n.node_group.clone())
                    .unwrap_or_default();
                let target_ids: Vec<i64> = target
                    .nodes
                    .iter()
                    .filter(|n| n.node_group.eq_ignore_ascii_case(&mount.node_group))
                    .map(|n| n.id)
                    .collect();
                let cross = other.mounts.iter().any(|m| {
                    m.node_group == src_group
                        && matches!(m.source, MountSource::Node(id) if target_ids.contains(&id))
                });
                if cross {
                    return Err(Error::invalid(
                        "sourceNodeId",
                        "a cross mount: the source already mounts from this node group",
                    ));
                }
            }
        }
        self.change(owner, name, |m| m.add_mount(mount)).await
    }

    /// StartEnv / StopEnv / SleepEnv: 2212 unless the status allows the action.
    #[tracing::instrument(skip_all, fields(owner, ?action))]
    pub async fn change_status(
        &self,
        owner: i64,
        name: &str,
        action: EnvAction,
    ) -> Result<(), Error> {
        let env = self.info(owner, name).await?;
        let (from, to) = action.transition();
        let from: Vec<i64> = from.iter().map(|s| s.code()).collect();
        if self
            .store
            .transition_env(env.env.id, &from, to.code(), now())
            .await?
        {
            return Ok(());
        }
        // Refused: report the status it has now (another call may just have changed it).
        let current = self.info(owner, name).await?;
        Err(action.refused(current.env.status))
    }

    /// RestartNodes: the environment must be running; the filter must match nodes.
    pub async fn restart_nodes(
        &self,
        owner: i64,
        name: &str,
        filter: &NodeFilter,
    ) -> Result<usize, Error> {
        let info = self.info(owner, name).await?;
        info.check_running()?;
        let chosen: Vec<i64> = info
            .nodes
            .iter()
            .filter(|n| filter.node_id.is_none_or(|id| id == n.id))
            .filter(|n| {
                filter.node_id.is_some()
                    || filter
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

    /// CloneEnv: a running or stopped environment is copied, nodes, groups, variables,
    /// volumes, links and mount points within it, under a new name; the clone starts in
    /// the source's status. External domains stay with the source (they are unique).
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
        let mut model = (*source).clone();
        model.env.name = dst.as_str().to_string();
        model.env.appid = random_hex(16);
        model.env.created_at = now();
        model.domains.clear();
        // Nodes get new (negative) ids; mounts sourced inside follow them.
        let ids: Vec<(i64, i64)> = model
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id, -(i as i64) - 1))
            .collect();
        for (node, (_, new)) in model.nodes.iter_mut().zip(&ids) {
            node.id = *new;
        }
        for m in &mut model.mounts {
            if let MountSource::Node(id) = &mut m.source
                && let Some((_, new)) = ids.iter().find(|(old, _)| old == id)
            {
                *id = *new;
            }
        }
        self.insert(&model).await
    }

    pub async fn delete(&self, owner: i64, name: &str) -> Result<(), Error> {
        let env = self.info(owner, name).await?;
        if self.store.delete_env(owner, env.env.id).await? {
            Ok(())
        } else {
            Err(Error::EnvNotFound(env.env.name.clone()))
        }
    }

    // --- environment groups of the account --------------------------------------------

    pub async fn groups(&self, owner: i64) -> Result<Vec<EnvGroupRow>, Error> {
        Ok(self.store.env_groups_of(owner).await?)
    }

    pub async fn create_groups(
        &self,
        owner: i64,
        names: &[String],
        settings: &GroupSettings,
    ) -> Result<Vec<EnvGroupRow>, Error> {
        Ok(self
            .store
            .create_env_groups(owner, names, settings, now())
            .await?)
    }

    pub async fn edit_group(
        &self,
        owner: i64,
        name: &str,
        rename: Option<&str>,
        settings: &GroupSettings,
    ) -> Result<EnvGroupRow, Error> {
        Ok(self
            .store
            .edit_env_group(owner, name, rename, settings)
            .await?)
    }

    pub async fn remove_groups(&self, owner: i64, names: &[String]) -> Result<(), Error> {
        Ok(self.store.remove_env_groups(owner, names).await?)
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
    /// The account's groups this environment is a member of, sorted.
    pub groups: Vec<String>,
}
