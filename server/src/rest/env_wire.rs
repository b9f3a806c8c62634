//! EnvInfo on the wire: the platform's field names and shapes for an environment, its
//! node groups and nodes, made from the core's model.

use kunci_core::clock::format_wire;
use kunci_core::domain::env::{EnvRecord, EnvStatus};
use kunci_core::domain::model::{EnvModel, MountPoint, MountSource, Node};
use serde_json::{Map, Value};

/// A node's internal address (stable, derived from its id).
pub fn int_ip(id: i64) -> String {
    format!("10.{}.{}.{}", (id >> 16) & 255, (id >> 8) & 255, id & 255)
}

/// The platform's EnvInfo (`env`, `envGroups`, `nodeGroups`, `nodes`), ready to
/// serialize; `lazy` leaves the nodes out. `domain` is the platform's domain.
pub fn info_wire<'a>(domain: &str, m: &'a EnvModel, lazy: bool) -> EnvInfoWire<'a> {
    let node_groups = m
        .node_groups
        .iter()
        .map(|g| NodeGroupWire {
            name: &g.name,
            display_name: g.display_name.as_deref(),
            scaling_mode: &g.scaling_mode,
            is_slb_access_enabled: g.slb_access,
            data: None,
        })
        .collect();
    let nodes = (!lazy).then(|| m.nodes.iter().map(|n| node_wire(domain, m, n)).collect());
    EnvInfoWire {
        env: env_wire(
            domain,
            &m.env,
            m.domains.iter().map(|d| d.domain.as_str()).collect(),
        ),
        env_groups: m.groups.iter().map(String::as_str).collect(),
        node_groups,
        nodes,
    }
}

/// The `env` object of EnvInfo.
pub fn env_wire<'a>(domain: &str, e: &'a EnvRecord, extdomains: Vec<&'a str>) -> EnvWire<'a> {
    EnvWire {
        env_name: &e.name,
        shortdomain: &e.name,
        display_name: &e.display_name,
        domain: format!("{}.{}", e.name, domain),
        appid: &e.appid,
        status: e.status,
        created_on: format_wire(e.created_at),
        uid: e.owner_id,
        creator_uid: e.owner_id,
        hardware_node_group: &e.region,
        sslstate: e.ssl != 0,
        ishaenabled: e.ha != 0,
        extdomains,
        is_transferring: false,
    }
}

/// One node as EnvInfo shows it, with its links to other groups.
pub fn node_wire<'a>(domain: &str, m: &'a EnvModel, n: &'a Node) -> NodeWire<'a> {
    let status = if m.env.status == EnvStatus::Running.code() {
        1
    } else {
        2
    };
    let master = |group: &str| m.master_of(group).ok().map(|x| x.id);
    let mut links = Vec::new();
    if let Ok(g) = m.group(&n.node_group) {
        for l in &g.links {
            if let Some(source) = master(&l.group) {
                links.push(LinkWire {
                    source_node_id: source,
                    alias: l.alias.clone(),
                    kind: "IN",
                });
            }
        }
    }
    if n.is_master {
        for g in &m.node_groups {
            for l in g.links.iter().filter(|l| l.group == n.node_group) {
                if let Some(target) = master(&g.name) {
                    links.push(LinkWire {
                        source_node_id: target,
                        alias: l.alias.clone(),
                        kind: "OUT",
                    });
                }
            }
        }
    }
    let is_image = n.node_type == "docker";
    NodeWire {
        id: n.id,
        node_group: &n.node_group,
        node_type: &n.node_type,
        name: if is_image {
            &n.docker_name
        } else {
            &n.node_type
        },
        display_name: &n.display_name,
        int_ip: int_ip(n.id),
        address: int_ip(n.id),
        url: format!("http://node{}-{}.{}", n.id, m.env.name, domain),
        status,
        kind: "DOCKERIZED",
        nodemission: &n.node_group,
        ismaster: n.is_master,
        ext_ips: [],
        version: &n.docker_tag,
        os_type: "LINUX",
        features: [],
        endpoints: [],
        messages: [],
        fixed_cloudlets: n.fixed_cloudlets,
        flexible_cloudlets: n.flexible_cloudlets,
        disk_limit: n.disk_limit,
        customitem: CustomItemWire {
            docker_name: &n.docker_name,
            docker_tag: &n.docker_tag,
            docker_links: links,
        },
    }
}

/// A mount point of one node, as GetMountPoints lists it.
pub fn mount_wire(m: &MountPoint, node_id: i64) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), m.name.clone().into());
    o.insert("path".into(), m.path.clone().into());
    o.insert("sourcePath".into(), m.source_path.clone().into());
    match &m.source {
        MountSource::Node(id) => {
            o.insert("sourceNodeId".into(), (*id).into());
            o.insert("type".into(), "INTERNAL".into());
        }
        MountSource::Host(h) => {
            o.insert("sourceHost".into(), h.clone().into());
            o.insert("type".into(), "EXTERNAL".into());
        }
    }
    o.insert(
        "sourceAddressType".into(),
        m.source_address_type.clone().into(),
    );
    o.insert("protocol".into(), m.protocol.clone().into());
    o.insert("readOnly".into(), m.read_only.into());
    o.insert("nodeId".into(), node_id.into());
    Value::Object(o)
}

/// EnvInfo on the wire, with the platform's field names.
#[derive(Debug, serde::Serialize)]
pub struct EnvInfoWire<'a> {
    pub env: EnvWire<'a>,
    #[serde(rename = "envGroups")]
    pub env_groups: Vec<&'a str>,
    #[serde(rename = "nodeGroups")]
    pub node_groups: Vec<NodeGroupWire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<NodeWire<'a>>>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvWire<'a> {
    pub env_name: &'a str,
    #[serde(rename = "shortdomain")]
    pub shortdomain: &'a str,
    pub display_name: &'a str,
    pub domain: String,
    pub appid: &'a str,
    pub status: i64,
    pub created_on: String,
    pub uid: i64,
    pub creator_uid: i64,
    pub hardware_node_group: &'a str,
    #[serde(rename = "sslstate")]
    pub sslstate: bool,
    #[serde(rename = "ishaenabled")]
    pub ishaenabled: bool,
    #[serde(rename = "extdomains")]
    pub extdomains: Vec<&'a str>,
    pub is_transferring: bool,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeGroupWire<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
    pub scaling_mode: &'a str,
    #[serde(rename = "isSLBAccessEnabled")]
    pub is_slb_access_enabled: bool,
    /// GetNodeGroups adds the group's ApplyData keys.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a Map<String, Value>>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeWire<'a> {
    pub id: i64,
    pub node_group: &'a str,
    pub node_type: &'a str,
    pub name: &'a str,
    pub display_name: &'a str,
    #[serde(rename = "intIP")]
    pub int_ip: String,
    pub address: String,
    pub url: String,
    pub status: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "nodemission")]
    pub nodemission: &'a str,
    #[serde(rename = "ismaster")]
    pub ismaster: bool,
    #[serde(rename = "extIPs")]
    pub ext_ips: [&'a str; 0],
    pub version: &'a str,
    pub os_type: &'static str,
    pub features: [&'a str; 0],
    pub endpoints: [&'a str; 0],
    pub messages: [&'a str; 0],
    pub fixed_cloudlets: i64,
    pub flexible_cloudlets: i64,
    pub disk_limit: i64,
    #[serde(rename = "customitem")]
    pub customitem: CustomItemWire<'a>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomItemWire<'a> {
    pub docker_name: &'a str,
    pub docker_tag: &'a str,
    pub docker_links: Vec<LinkWire>,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkWire {
    pub source_node_id: i64,
    pub alias: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}
