//! EnvInfo on the wire: the platform's field names and shapes for an environment and
//! its nodes, made from the core's `EnvInfo`.

use kunci_core::clock::format_wire;
use kunci_core::domain::env::EnvStatus;
use kunci_core::services::envs::EnvInfo;

/// The platform's EnvInfo (`env`, `envGroups`, `nodeGroups`, `nodes`), ready to
/// serialize; `lazy` leaves the nodes out. `domain` is the platform's domain.
pub fn info_wire<'a>(domain: &str, info: &'a EnvInfo, lazy: bool) -> EnvInfoWire<'a> {
    let e = &*info.env;
    let mut node_groups: Vec<NodeGroupWire<'a>> = Vec::new();
    for n in info.nodes.iter() {
        if !node_groups.iter().any(|g| g.name == n.node_group) {
            let stateful = matches!(n.node_group.as_str(), "sqldb" | "nosqldb" | "storage");
            node_groups.push(NodeGroupWire {
                name: &n.node_group,
                scaling_mode: if stateful { "STATEFUL" } else { "STATELESS" },
            });
        }
    }
    let node_status = if e.status == EnvStatus::Running.code() {
        1
    } else {
        2
    };
    let nodes = (!lazy).then(|| {
        info.nodes
            .iter()
            .map(|n| NodeWire {
                id: n.id,
                node_group: &n.node_group,
                node_type: &n.node_type,
                name: &n.node_type,
                display_name: &n.display_name,
                int_ip: format!(
                    "10.{}.{}.{}",
                    (n.id >> 16) & 255,
                    (n.id >> 8) & 255,
                    n.id & 255
                ),
                url: format!("http://node{}-{}.{}", n.id, e.name, domain),
                status: node_status,
                kind: "DOCKERIZED",
                nodemission: &n.node_group,
                ismaster: n.is_master != 0,
                fixed_cloudlets: n.fixed_cloudlets,
                flexible_cloudlets: n.flexible_cloudlets,
                disk_limit: n.disk_limit,
                customitem: CustomItemWire {
                    docker_name: &n.docker_name,
                    docker_tag: &n.docker_tag,
                },
            })
            .collect()
    });
    EnvInfoWire {
        env: EnvWire {
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
            extdomains: [],
            is_transferring: false,
        },
        env_groups: serde_json::from_str(&e.env_groups).unwrap_or_default(),
        node_groups,
        nodes,
    }
}

/// EnvInfo on the wire, with the platform's field names.
#[derive(Debug, serde::Serialize)]
pub struct EnvInfoWire<'a> {
    pub env: EnvWire<'a>,
    #[serde(rename = "envGroups")]
    pub env_groups: Vec<String>,
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
    pub extdomains: [&'a str; 0],
    pub is_transferring: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct NodeGroupWire<'a> {
    pub name: &'a str,
    #[serde(rename = "scalingMode")]
    pub scaling_mode: &'static str,
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
    pub url: String,
    pub status: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "nodemission")]
    pub nodemission: &'a str,
    #[serde(rename = "ismaster")]
    pub ismaster: bool,
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
}
