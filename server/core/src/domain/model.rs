//! The platform's model of one environment, as the client libraries read and write it:
//! node groups with their settings and data, nodes with cloudlets, container variables,
//! volumes and image tags, mount points, external domains and group membership.
//!
//! Every change is a pure function on [`EnvModel`]: storage loads the model inside a
//! transaction, the change runs, storage writes the result back. A change that fails
//! leaves nothing behind, and the rules can be tested without a database.

use serde_json::{Map, Value};

use super::env::{EnvRecord, EnvStatus, MAX_NODES, NodeSpec};
pub use super::values::*;
use crate::Error;
use crate::refusal::Refusal;

/// Most bytes of free data per node group (ApplyData).
pub const MAX_GROUP_DATA_BYTES: usize = 64 * 1024;
/// Most external domains per environment.
pub const MAX_DOMAINS: usize = 50;
/// Most groups an environment is a member of.
pub const MAX_MEMBERSHIPS: usize = 20;

/// One node group of an environment (the platform's "layer").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeGroup {
    pub name: String,
    pub display_name: Option<String>,
    pub scaling_mode: String,
    pub slb_access: bool,
    /// Free keys set with ApplyData, returned by GetNodeGroups.
    pub data: Map<String, Value>,
    /// Links to other groups: every node of this group reaches `group`'s master as `alias`.
    pub links: Vec<Link>,
}

impl NodeGroup {
    pub fn new(name: &str) -> NodeGroup {
        let stateful = matches!(name, "sqldb" | "nosqldb" | "storage");
        NodeGroup {
            name: name.to_string(),
            display_name: None,
            scaling_mode: if stateful { "STATEFUL" } else { "STATELESS" }.to_string(),
            slb_access: true,
            data: Map::new(),
            links: Vec::new(),
        }
    }
}

/// One node. A node not yet stored has a negative id, unique within the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: i64,
    pub node_group: String,
    pub node_type: String,
    pub display_name: String,
    pub docker_name: String,
    pub docker_tag: String,
    pub fixed_cloudlets: i64,
    pub flexible_cloudlets: i64,
    pub disk_limit: i64,
    pub is_master: bool,
    pub vars: Vars,
    pub volumes: Vec<String>,
    /// Image tags this node ran before its current one, newest first.
    pub known_tags: Vec<String>,
}

/// A mount point of every node of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPoint {
    pub node_group: String,
    pub path: String,
    pub name: String,
    pub source: MountSource,
    pub source_path: String,
    pub source_address_type: String,
    pub protocol: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    /// A node of one of the owner's environments.
    Node(i64),
    /// An outside NFS server, by address or domain, stored as given.
    Host(String),
}

/// An external domain bound to the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtDomain {
    pub id: i64,
    pub domain: String,
}

/// An environment and everything that hangs on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvModel {
    pub env: EnvRecord,
    /// Names of the account's groups this environment is a member of, sorted.
    pub groups: Vec<String>,
    pub domains: Vec<ExtDomain>,
    pub node_groups: Vec<NodeGroup>,
    pub nodes: Vec<Node>,
    pub mounts: Vec<MountPoint>,
}

/// Which nodes a method acts on (`nodeId` wins over `nodeGroup`; neither = all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeChoice {
    pub node_id: Option<i64>,
    pub node_group: Option<String>,
}

impl EnvModel {
    /// 2212 unless the stored model may change: running, stopped or sleeping.
    pub fn check_changeable(&self) -> Result<(), Error> {
        let allowed = [EnvStatus::Running, EnvStatus::Down, EnvStatus::Sleeping];
        if allowed.iter().any(|s| s.code() == self.env.status) {
            return Ok(());
        }
        Err(Error::WrongEnvStatus {
            current: status_name(self.env.status),
            required: allowed
                .iter()
                .map(|s| s.platform_name())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// 2212 unless running (methods that act on running containers on the platform).
    pub fn check_running(&self) -> Result<(), Error> {
        if self.env.status == EnvStatus::Running.code() {
            return Ok(());
        }
        Err(Error::WrongEnvStatus {
            current: status_name(self.env.status),
            required: EnvStatus::Running.platform_name().into(),
        })
    }

    pub fn node(&self, id: i64) -> Result<&Node, Error> {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .ok_or_else(|| Error::invalid("nodeId", "no node of this environment has this id"))
    }

    /// The group named `name` (any case), or 3 naming `nodeGroup`.
    pub fn group(&self, name: &str) -> Result<&NodeGroup, Error> {
        self.node_groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::refused("nodeGroup", Refusal::NoSuchNodeGroup))
    }

    fn group_index(&self, name: &str) -> Result<usize, Error> {
        let wanted = self.group(name)?.name.clone();
        Ok(self
            .node_groups
            .iter()
            .position(|g| g.name == wanted)
            .expect("found above"))
    }

    /// The master node of a group: the value a group read answers.
    pub fn master_of(&self, group: &str) -> Result<&Node, Error> {
        let name = &self.group(group)?.name;
        self.nodes
            .iter()
            .filter(|n| &n.node_group == name)
            .max_by_key(|n| (n.is_master, -n.id))
            .ok_or_else(|| Error::refused("nodeGroup", Refusal::NodeGroupEmpty))
    }

    /// Indexes of the nodes a choice names (§1.4 of the contract).
    pub fn chosen(&self, choice: &NodeChoice) -> Result<Vec<usize>, Error> {
        if let Some(id) = choice.node_id {
            self.node(id)?;
            return Ok(vec![
                self.nodes.iter().position(|n| n.id == id).expect("found"),
            ]);
        }
        if let Some(group) = &choice.node_group {
            let name = self.group(group)?.name.clone();
            let found: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| self.nodes[i].node_group == name)
                .collect();
            if found.is_empty() {
                return Err(Error::refused("nodeGroup", Refusal::NodeGroupEmpty));
            }
            return Ok(found);
        }
        Ok((0..self.nodes.len()).collect())
    }

    // --- container variables -------------------------------------------------------

    /// AddContainerEnvVars: merges `vars` into each chosen node's variables.
    pub fn add_vars(&mut self, choice: &NodeChoice, vars: &Vars) -> Result<(), Error> {
        self.check_changeable()?;
        for i in self.chosen(choice)? {
            let node = &mut self.nodes[i];
            node.vars
                .extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
            check_vars_size(&node.vars, "vars")?;
        }
        Ok(())
    }

    /// SetContainerEnvVars / SetContainerEnvVarsByGroup: replaces the variables.
    pub fn set_vars(&mut self, choice: &NodeChoice, vars: &Vars, param: &str) -> Result<(), Error> {
        self.check_changeable()?;
        check_vars_size(vars, param)?;
        for i in self.chosen(choice)? {
            self.nodes[i].vars = vars.clone();
        }
        Ok(())
    }

    /// RemoveContainerEnvVars: names a node lacks are skipped.
    pub fn remove_vars(&mut self, choice: &NodeChoice, names: &[String]) -> Result<(), Error> {
        self.check_changeable()?;
        for i in self.chosen(choice)? {
            for name in names {
                self.nodes[i].vars.remove(name);
            }
        }
        Ok(())
    }

    // --- cloudlets ------------------------------------------------------------------

    pub fn set_cloudlets(
        &mut self,
        choice: &NodeChoice,
        cloudlets: Cloudlets,
    ) -> Result<(), Error> {
        self.check_changeable()?;
        for i in self.chosen(choice)? {
            self.nodes[i].fixed_cloudlets = cloudlets.fixed;
            self.nodes[i].flexible_cloudlets = cloudlets.flexible;
        }
        Ok(())
    }

    // --- volumes --------------------------------------------------------------------

    /// AddContainerVolumes: adds the paths to each chosen node; answers the node ids.
    pub fn add_volumes(
        &mut self,
        choice: &NodeChoice,
        paths: &[String],
    ) -> Result<Vec<i64>, Error> {
        self.check_changeable()?;
        let chosen = self.chosen(choice)?;
        for &i in &chosen {
            let node = &mut self.nodes[i];
            for p in paths {
                if !node.volumes.contains(p) {
                    node.volumes.push(p.clone());
                }
            }
            if node.volumes.len() > MAX_VOLUMES {
                return Err(Error::invalid(
                    "volumes",
                    format!("a node has at most {MAX_VOLUMES} volumes"),
                ));
            }
        }
        Ok(chosen.iter().map(|&i| self.nodes[i].id).collect())
    }

    pub fn remove_volumes(
        &mut self,
        choice: &NodeChoice,
        paths: &[String],
    ) -> Result<Vec<i64>, Error> {
        self.check_changeable()?;
        let chosen = self.chosen(choice)?;
        for &i in &chosen {
            self.nodes[i].volumes.retain(|v| !paths.contains(v));
        }
        Ok(chosen.iter().map(|&i| self.nodes[i].id).collect())
    }

    /// GetContainerVolumesByGroup: the master's volumes and the group's mount paths.
    pub fn group_volumes(&self, group: &str) -> Result<Vec<String>, Error> {
        let master = self.master_of(group)?;
        let mut out = master.volumes.clone();
        for m in self
            .mounts
            .iter()
            .filter(|m| m.node_group == master.node_group)
        {
            if !out.contains(&m.path) {
                out.push(m.path.clone());
            }
        }
        Ok(out)
    }

    // --- names, groups, domains ------------------------------------------------------

    /// SetEnvDisplayName: blank resets to the environment's name.
    pub fn set_display_name(&mut self, raw: Option<&str>) -> Result<(), Error> {
        self.check_changeable()?;
        self.env.display_name = match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => self.env.name.clone(),
            Some(s) => label(s, "displayName", "a display name", 100)?,
        };
        Ok(())
    }

    /// SetEnvGroup: the membership becomes exactly `names` (already validated).
    pub fn set_groups(&mut self, names: Vec<String>) -> Result<(), Error> {
        self.check_changeable()?;
        let mut names = names;
        names.sort();
        names.dedup();
        if names.len() > MAX_MEMBERSHIPS {
            return Err(Error::invalid(
                "envGroup",
                format!("an environment is in at most {MAX_MEMBERSHIPS} groups"),
            ));
        }
        self.groups = names;
        Ok(())
    }

    /// BindExtDomain: a domain already bound here is kept unchanged. Uniqueness on the
    /// whole server is the database's to enforce.
    pub fn bind_domain(&mut self, domain: &str) -> Result<(), Error> {
        self.check_changeable()?;
        if self.domains.iter().any(|d| d.domain == domain) {
            return Ok(());
        }
        if self.domains.len() >= MAX_DOMAINS {
            return Err(Error::invalid(
                "extdomain",
                format!("an environment has at most {MAX_DOMAINS} external domains"),
            ));
        }
        self.domains.push(ExtDomain {
            id: 0,
            domain: domain.to_string(),
        });
        Ok(())
    }

    /// RemoveExtDomain(s): all or nothing.
    pub fn remove_domains(&mut self, domains: &[String]) -> Result<(), Error> {
        self.check_changeable()?;
        if let Some(missing) = domains
            .iter()
            .find(|d| !self.domains.iter().any(|x| &x.domain == *d))
        {
            return Err(Error::invalid(
                "extdomain",
                format!("{missing} is not bound to this environment"),
            ));
        }
        self.domains.retain(|d| !domains.contains(&d.domain));
        Ok(())
    }

    // --- node groups ----------------------------------------------------------------

    /// ApplyData: merges `data` into the group's data; `displayName` is the group's
    /// display name; a key set to null is removed.
    pub fn apply_group_data(
        &mut self,
        group: &str,
        data: &Map<String, Value>,
    ) -> Result<(), Error> {
        self.check_changeable()?;
        let i = self.group_index(group)?;
        let g = &mut self.node_groups[i];
        for (key, value) in data {
            if ["name", "scalingMode", "isSLBAccessEnabled"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key))
            {
                return Err(Error::invalid(
                    "data",
                    format!("{key} cannot be set with this method"),
                ));
            }
            if key.eq_ignore_ascii_case("displayName") {
                g.display_name = match value {
                    Value::Null => None,
                    Value::String(s) if s.trim().is_empty() => None,
                    Value::String(s) => Some(label(s, "data", "displayName", 100)?),
                    _ => return Err(Error::invalid("data", "displayName must be text")),
                };
                continue;
            }
            if key.is_empty() || key.chars().count() > 100 || key.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "data",
                    "a key is 1 to 100 characters, without control characters",
                ));
            }
            if value.is_null() {
                g.data.remove(key);
            } else {
                g.data.insert(key.clone(), value.clone());
            }
        }
        let size = serde_json::to_string(&g.data)
            .map(|s| s.len())
            .unwrap_or(usize::MAX);
        if size > MAX_GROUP_DATA_BYTES {
            return Err(Error::invalid(
                "data",
                format!(
                    "a node group holds at most {} KiB of data",
                    MAX_GROUP_DATA_BYTES / 1024
                ),
            ));
        }
        Ok(())
    }

    pub fn set_slb_access(&mut self, group: &str, enabled: bool) -> Result<(), Error> {
        self.check_changeable()?;
        let i = self.group_index(group)?;
        self.node_groups[i].slb_access = enabled;
        Ok(())
    }

    /// RedeployContainersByGroup without a runtime: records `tag` as the image version
    /// of every node of the group; answers the node ids.
    pub fn redeploy_group(&mut self, group: &str, tag: &str) -> Result<Vec<i64>, Error> {
        self.check_running()?;
        let chosen = self.chosen(&NodeChoice {
            node_id: None,
            node_group: Some(group.to_string()),
        })?;
        for &i in &chosen {
            let node = &mut self.nodes[i];
            if node.docker_tag != tag {
                let old = std::mem::replace(&mut node.docker_tag, tag.to_string());
                node.known_tags.retain(|t| t != &old && t != tag);
                node.known_tags.insert(0, old);
                node.known_tags.truncate(32);
            }
        }
        Ok(chosen.iter().map(|&i| self.nodes[i].id).collect())
    }

    /// GetContainerNodeTags: the tags Kunci knows for the node's image, current first.
    pub fn node_tags(&self, node_id: i64) -> Result<Vec<String>, Error> {
        let node = self.node(node_id)?;
        let mut tags = vec![node.docker_tag.clone()];
        let same_image = self
            .nodes
            .iter()
            .filter(|n| n.docker_name == node.docker_name);
        for n in same_image {
            for t in std::iter::once(&n.docker_tag).chain(&n.known_tags) {
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
        }
        Ok(tags)
    }

    // --- mount points ---------------------------------------------------------------

    /// AddMountPointByGroup. `source_group` is the group of the source node when it is a
    /// node of this environment; cross mounts and mounts from the group itself are refused.
    pub fn add_mount(&mut self, mount: MountPoint) -> Result<(), Error> {
        self.check_changeable()?;
        let group = self.group(&mount.node_group)?.name.clone();
        if self
            .mounts
            .iter()
            .any(|m| m.node_group == group && m.path == mount.path)
        {
            return Err(Error::invalid(
                "path",
                "already a mount point of this node group",
            ));
        }
        if let MountSource::Node(source) = mount.source
            && let Some(src) = self.nodes.iter().find(|n| n.id == source)
        {
            if src.node_group == group {
                return Err(Error::invalid(
                    "sourceNodeId",
                    "a node group cannot mount from itself",
                ));
            }
            let target_ids: Vec<i64> = self
                .nodes
                .iter()
                .filter(|n| n.node_group == group)
                .map(|n| n.id)
                .collect();
            let cross = self.mounts.iter().any(|m| {
                m.node_group == src.node_group
                    && matches!(m.source, MountSource::Node(id) if target_ids.contains(&id))
            });
            if cross {
                return Err(Error::invalid(
                    "sourceNodeId",
                    "a cross mount: the source already mounts from this node group",
                ));
            }
        }
        self.mounts.push(MountPoint {
            node_group: group,
            ..mount
        });
        Ok(())
    }

    pub fn remove_mount(&mut self, group: &str, path: &str) -> Result<(), Error> {
        self.check_changeable()?;
        let group = self.group(group)?.name.clone();
        let before = self.mounts.len();
        self.mounts
            .retain(|m| !(m.node_group == group && m.path == path));
        if self.mounts.len() == before {
            return Err(Error::invalid(
                "path",
                "not a mount point of this node group",
            ));
        }
        Ok(())
    }

    // --- topology -------------------------------------------------------------------

    /// A fresh id for a node not yet stored.
    fn next_new_id(&self) -> i64 {
        self.nodes
            .iter()
            .map(|n| n.id)
            .filter(|&id| id < 0)
            .min()
            .unwrap_or(0)
            - 1
    }

    /// ChangeTopology: the environment gets exactly the groups in `groups`, each sized
    /// and set as given; a group absent from the list is removed with its nodes.
    pub fn change_topology(&mut self, change: &TopologyChange) -> Result<(), Error> {
        self.check_changeable()?;
        if let Some(d) = &change.display_name {
            self.env.display_name = d.clone();
        }
        if let Some(ssl) = change.ssl {
            self.env.ssl = i64::from(ssl);
        }
        if let Some(ha) = change.ha {
            self.env.ha = i64::from(ha);
        }
        let wanted: Vec<&str> = change
            .groups
            .iter()
            .map(|g| g.spec.node_group.as_str())
            .collect();
        // Groups that go, and everything that hangs on their nodes.
        let gone: Vec<i64> = self
            .nodes
            .iter()
            .filter(|n| !wanted.iter().any(|w| w.eq_ignore_ascii_case(&n.node_group)))
            .map(|n| n.id)
            .collect();
        self.nodes.retain(|n| !gone.contains(&n.id));
        self.node_groups
            .retain(|g| wanted.iter().any(|w| w.eq_ignore_ascii_case(&g.name)));
        self.mounts.retain(|m| {
            self.node_groups.iter().any(|g| g.name == m.node_group)
                && !matches!(m.source, MountSource::Node(id) if gone.contains(&id))
        });
        for entry in &change.groups {
            self.apply_group_entry(entry)?;
        }
        // Links name groups that must exist.
        for g in &self.node_groups {
            for l in &g.links {
                if !self.node_groups.iter().any(|x| x.name == l.group) {
                    return Err(Error::invalid(
                        "nodes",
                        format!("links: no node group {} in the new topology", l.group),
                    ));
                }
            }
        }
        if self.nodes.len() > MAX_NODES as usize {
            return Err(Error::invalid(
                "nodes",
                format!("an environment has at most {MAX_NODES} nodes"),
            ));
        }
        Ok(())
    }

    fn apply_group_entry(&mut self, entry: &GroupEntry) -> Result<(), Error> {
        let spec = &entry.spec;
        let existing = self
            .node_groups
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(&spec.node_group));
        let gi = match existing {
            Some(i) => i,
            None => {
                self.node_groups.push(NodeGroup::new(&spec.node_group));
                self.node_groups.len() - 1
            }
        };
        let name = self.node_groups[gi].name.clone();
        {
            let g = &mut self.node_groups[gi];
            if let Some(d) = &entry.group_display_name {
                g.display_name = Some(d.clone());
            }
            if let Some(slb) = entry.slb_access {
                g.slb_access = slb;
            }
            if let Some(links) = &entry.links {
                g.links = links.clone();
            }
        }
        let mut members: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].node_group == name)
            .collect();
        // Shrink: the newest nodes go, never the master.
        while members.len() > spec.count as usize {
            let victim = members
                .iter()
                .copied()
                .filter(|&i| !self.nodes[i].is_master)
                .max_by_key(|&i| {
                    let id = self.nodes[i].id;
                    // Unstored nodes (negative ids) are the newest of all.
                    if id < 0 { i64::MAX } else { id }
                })
                .expect("a group larger than its count has a node besides the master");
            let id = self.nodes[victim].id;
            self.nodes.remove(victim);
            self.mounts
                .retain(|m| !matches!(m.source, MountSource::Node(s) if s == id));
            members = (0..self.nodes.len())
                .filter(|&i| self.nodes[i].node_group == name)
                .collect();
        }
        // Settings every node of the group takes.
        let template = members.first().map(|&i| self.nodes[i].clone());
        for &i in &members {
            let n = &mut self.nodes[i];
            apply_spec(n, spec, entry);
        }
        // Grow: new nodes copy the group's settings and variables.
        while members.len() < spec.count as usize {
            let id = self.next_new_id();
            let mut node = template.clone().unwrap_or_else(|| Node {
                id,
                node_group: name.clone(),
                node_type: spec.node_type.clone(),
                display_name: spec.display_name.clone(),
                docker_name: spec.docker_name.clone(),
                docker_tag: spec.docker_tag.clone(),
                fixed_cloudlets: spec.fixed_cloudlets,
                flexible_cloudlets: spec.flexible_cloudlets,
                disk_limit: spec.disk_limit,
                is_master: false,
                vars: spec.vars.clone(),
                volumes: spec.volumes.clone(),
                known_tags: Vec::new(),
            });
            node.id = id;
            node.is_master = members.is_empty();
            apply_spec(&mut node, spec, entry);
            self.nodes.push(node);
            members.push(self.nodes.len() - 1);
        }
        Ok(())
    }
}

/// Applies a topology entry's settings to a node of its group.
fn apply_spec(n: &mut Node, spec: &NodeSpec, entry: &GroupEntry) {
    n.fixed_cloudlets = spec.fixed_cloudlets;
    n.flexible_cloudlets = spec.flexible_cloudlets;
    if entry.sets.disk_limit {
        n.disk_limit = spec.disk_limit;
    }
    if entry.sets.display_name {
        n.display_name = spec.display_name.clone();
    }
    if entry.sets.image && (n.docker_name != spec.docker_name || n.docker_tag != spec.docker_tag) {
        if n.docker_name == spec.docker_name {
            let old = std::mem::replace(&mut n.docker_tag, spec.docker_tag.clone());
            n.known_tags.retain(|t| t != &old);
            n.known_tags.insert(0, old);
        } else {
            n.docker_name = spec.docker_name.clone();
            n.docker_tag = spec.docker_tag.clone();
            n.known_tags.clear();
        }
        n.node_type = spec.node_type.clone();
    }
    if entry.sets.vars {
        n.vars = spec.vars.clone();
    }
    if entry.sets.volumes {
        for v in &spec.volumes {
            if !n.volumes.contains(v) {
                n.volumes.push(v.clone());
            }
        }
    }
}

/// Fixed and flexible cloudlets, validated together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cloudlets {
    pub fixed: i64,
    pub flexible: i64,
}

impl Cloudlets {
    pub fn new(fixed: i64, flexible: i64) -> Result<Cloudlets, Error> {
        if !(1..=64).contains(&fixed) {
            return Err(Error::invalid("fixedCloudlets", "between 1 and 64"));
        }
        if !(fixed..=256).contains(&flexible) {
            return Err(Error::invalid(
                "flexibleCloudlets",
                "between fixedCloudlets and 256",
            ));
        }
        Ok(Cloudlets { fixed, flexible })
    }
}

/// The whole desired topology of ChangeTopology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyChange {
    pub display_name: Option<String>,
    pub ssl: Option<bool>,
    pub ha: Option<bool>,
    pub groups: Vec<GroupEntry>,
}

/// One entry of ChangeTopology's `nodes`: a node group as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub spec: NodeSpec,
    /// Which optional fields the entry gave (the others keep the nodes' values).
    pub sets: EntrySets,
    pub group_display_name: Option<String>,
    pub slb_access: Option<bool>,
    pub links: Option<Vec<Link>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntrySets {
    pub disk_limit: bool,
    pub display_name: bool,
    pub image: bool,
    pub vars: bool,
    pub volumes: bool,
}

fn status_name(code: i64) -> String {
    EnvStatus::from_code(code)
        .map(EnvStatus::platform_name)
        .unwrap_or("UNKNOWN")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::env::EnvStatus;
    use serde_json::json;

    fn model() -> EnvModel {
        let node = |id: i64, group: &str, master: bool| Node {
            id,
            node_group: group.into(),
            node_type: "tomcat".into(),
            display_name: "tomcat".into(),
            docker_name: "tomcat".into(),
            docker_tag: "latest".into(),
            fixed_cloudlets: 1,
            flexible_cloudlets: 4,
            disk_limit: 10_240,
            is_master: master,
            vars: Vars::from([("MODE".to_string(), "prod".to_string())]),
            volumes: Vec::new(),
            known_tags: Vec::new(),
        };
        EnvModel {
            env: EnvRecord {
                id: 1,
                owner_id: 1,
                name: "shop".into(),
                display_name: "shop".into(),
                appid: "a".into(),
                status: 1,
                region: "default".into(),
                ssl: 0,
                ha: 0,
                created_at: 0,
            },
            groups: Vec::new(),
            domains: Vec::new(),
            node_groups: vec![NodeGroup::new("cp"), NodeGroup::new("sqldb")],
            nodes: vec![
                node(10, "cp", true),
                node(11, "cp", false),
                node(12, "sqldb", true),
            ],
            mounts: Vec::new(),
        }
    }

    #[test]
    fn the_model_changes_only_in_running_stopped_or_sleeping_environments() {
        let vars = Vars::from([("A".to_string(), "1".to_string())]);
        for status in [1, 2, 4] {
            let mut m = model();
            m.env.status = status;
            assert!(
                m.add_vars(&NodeChoice::default(), &vars).is_ok(),
                "{status}"
            );
        }
        for status in [3, 6, 7, 11, 13, 14] {
            let mut m = model();
            m.env.status = status;
            let before = m.clone();
            let e = m.add_vars(&NodeChoice::default(), &vars).unwrap_err();
            assert_eq!(e.code(), 2212, "{status}");
            assert!(
                e.to_string().contains(
                    "ENV_STATUS_TYPE_RUNNING, ENV_STATUS_TYPE_DOWN, ENV_STATUS_TYPE_SLEEP"
                )
            );
            assert_eq!(m, before);
        }
        let mut m = model();
        m.env.status = EnvStatus::Down.code();
        assert_eq!(m.redeploy_group("cp", "2").unwrap_err().code(), 2212);
    }

    #[test]
    fn node_id_wins_over_node_group_and_unknown_ones_name_their_parameter() {
        let m = model();
        let c = |id: Option<i64>, g: Option<&str>| NodeChoice {
            node_id: id,
            node_group: g.map(str::to_string),
        };
        assert_eq!(m.chosen(&c(Some(12), Some("cp"))).unwrap(), vec![2]);
        assert_eq!(m.chosen(&c(None, Some("CP"))).unwrap(), vec![0, 1]);
        assert_eq!(m.chosen(&c(None, None)).unwrap(), vec![0, 1, 2]);
        assert_eq!(
            m.chosen(&c(Some(99), None)).unwrap_err().parameter(),
            Some("nodeId")
        );
        assert_eq!(
            m.chosen(&c(None, Some("bl"))).unwrap_err().parameter(),
            Some("nodeGroup")
        );
    }

    #[test]
    fn a_topology_shrinks_from_the_newest_keeps_the_master_and_copies_the_group() {
        let mut m = model();
        let entry = |group: &str, count: u32| {
            let mut spec = NodeSpec::from_json(
                &json!({"nodeType": "tomcat", "nodeGroup": group, "count": count}),
            )
            .unwrap();
            spec.count = count;
            GroupEntry {
                spec,
                sets: EntrySets::default(),
                group_display_name: None,
                slb_access: None,
                links: None,
            }
        };
        let change = TopologyChange {
            display_name: None,
            ssl: None,
            ha: None,
            groups: vec![entry("cp", 3)],
        };
        m.change_topology(&change).unwrap();
        let cp: Vec<&Node> = m.nodes.iter().filter(|n| n.node_group == "cp").collect();
        assert_eq!(cp.len(), 3);
        assert!(cp[2].id < 0 && !cp[2].is_master);
        assert_eq!(
            cp[2].vars["MODE"], "prod",
            "a new node copies the group's variables"
        );
        assert!(
            m.node_groups.iter().all(|g| g.name != "sqldb"),
            "a group left out is removed"
        );
        let shrink = TopologyChange {
            groups: vec![entry("cp", 1)],
            ..change
        };
        m.change_topology(&shrink).unwrap();
        assert_eq!(m.nodes.len(), 1);
        assert_eq!(m.nodes[0].id, 10, "the master stays");
    }

    #[test]
    fn mounts_refuse_the_same_path_their_own_group_and_cross_mounts() {
        let mut m = model();
        let mount = |group: &str, path: &str, source: i64| MountPoint {
            node_group: group.into(),
            path: path.into(),
            name: "x".into(),
            source: MountSource::Node(source),
            source_path: "/data".into(),
            source_address_type: "NODE_GROUP".into(),
            protocol: "NFS".into(),
            read_only: false,
        };
        m.add_mount(mount("cp", "/mnt/db", 12)).unwrap();
        assert_eq!(
            m.add_mount(mount("cp", "/mnt/db", 12))
                .unwrap_err()
                .parameter(),
            Some("path")
        );
        assert_eq!(
            m.add_mount(mount("cp", "/mnt/x", 11))
                .unwrap_err()
                .parameter(),
            Some("sourceNodeId")
        );
        assert_eq!(
            m.add_mount(mount("sqldb", "/mnt/back", 10))
                .unwrap_err()
                .parameter(),
            Some("sourceNodeId")
        );
        assert_eq!(m.group_volumes("cp").unwrap(), vec!["/mnt/db"]);
    }

    #[test]
    fn values_are_validated_once() {
        assert_eq!(
            container_path("/var//log/./app/", "v").unwrap(),
            "/var/log/app"
        );
        for bad in [
            "relative",
            "/",
            "/a/../b",
            "/a\u{1}b",
            &format!("/{}", "x".repeat(255)),
        ] {
            assert!(container_path(bad, "v").is_err(), "{bad:?}");
        }
        assert_eq!(
            ext_domain("WWW.Example.COM.", "kunci.local").unwrap(),
            "www.example.com"
        );
        for bad in [
            "localhost",
            "a..b",
            "-a.example",
            "a_b.example",
            "x.kunci.local",
            "kunci.local",
            "ä.example",
        ] {
            assert!(ext_domain(bad, "kunci.local").is_err(), "{bad:?}");
        }
        assert_eq!(
            group_names("['a', 'b/c']".replace('\'', "\"").as_str(), "g").unwrap(),
            vec!["a", "b/c"]
        );
        assert_eq!(group_names("a, b ,a", "g").unwrap(), vec!["a", "b"]);
        assert!(group_names("a/b/c/d/e/f", "g").is_err());
        assert!(group_names("a//b", "g").is_err());
        assert_eq!(with_ancestors("a/b/c"), vec!["a", "a/b", "a/b/c"]);
        assert!(var_name("_OK9", "v").is_ok());
        for bad in ["9A", "A-B", "", "Ä", "A B"] {
            assert!(var_name(bad, "v").is_err(), "{bad:?}");
        }
        let vars = parse_vars(&json!({"N": 5, "B": true, "S": "x"}), "vars").unwrap();
        assert_eq!(vars["N"], "5");
        assert_eq!(vars["B"], "true");
        assert!(parse_vars(&json!({"A": [1]}), "vars").is_err());
        assert!(parse_vars(&json!({"A": "x".repeat(MAX_VARS_BYTES)}), "vars").is_err());
        assert!(image_tag("1.4.2-alpine", "t").is_ok());
        assert!(image_tag("-x", "t").is_err());
        assert!(Cloudlets::new(4, 2).is_err());
        assert!(Cloudlets::new(0, 2).is_err());
        assert!(Cloudlets::new(64, 256).is_ok());
    }
}
