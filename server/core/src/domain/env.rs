//! Environments as the platform defines them: names, statuses, and the specification of
//! a new environment (validated once, from the REST API's JSON or the dashboard's form).

use super::values::{Link, Vars, label};
use crate::Error;
use crate::refusal::Refusal;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
/// The platform's record of an environment (Kunci runs no containers: this record is
/// what an environment is here).
pub struct EnvRecord {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub display_name: String,
    pub appid: String,
    pub status: i64,
    pub region: String,
    pub ssl: i64,
    pub ha: i64,
    pub created_at: i64,
}

/// An environment's name (its `shortdomain`): `^[a-z][a-z0-9-]{2,32}$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvName(String);

impl EnvName {
    /// Validates `raw` as the name of a new environment (`param` names it in errors).
    pub fn parse(raw: &str, param: &str) -> Result<EnvName, Error> {
        let s = raw.trim().to_lowercase();
        let valid = (3..=33).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(EnvName(s))
        } else {
            Err(Error::refused(param, Refusal::EnvName))
        }
    }

    /// Normalises a name used to look an environment up. A string that cannot be a
    /// name finds nothing, which the caller reports as result 11.
    pub fn lookup(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The platform's environment status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvStatus {
    Running = 1,
    Down = 2,
    Launching = 3,
    Sleeping = 4,
    Creating = 6,
    Cloning = 7,
    Broken = 11,
    Stopping = 13,
    GoingToSleep = 14,
}

impl EnvStatus {
    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn from_code(code: i64) -> Option<EnvStatus> {
        use EnvStatus::*;
        [
            Running,
            Down,
            Launching,
            Sleeping,
            Creating,
            Cloning,
            Broken,
            Stopping,
            GoingToSleep,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// The platform's name for the status, as 2212 messages show it.
    pub fn platform_name(self) -> &'static str {
        match self {
            EnvStatus::Running => "ENV_STATUS_TYPE_RUNNING",
            EnvStatus::Down => "ENV_STATUS_TYPE_DOWN",
            EnvStatus::Launching => "ENV_STATUS_TYPE_LAUNCHING",
            EnvStatus::Sleeping => "ENV_STATUS_TYPE_SLEEP",
            EnvStatus::Creating => "ENV_STATUS_TYPE_CREATING",
            EnvStatus::Cloning => "ENV_STATUS_TYPE_CLONING",
            EnvStatus::Broken => "ENV_STATUS_TYPE_BROKEN",
            EnvStatus::Stopping => "ENV_STATUS_TYPE_STOPPING",
            EnvStatus::GoingToSleep => "ENV_STATUS_TYPE_GOING_TO_SLEEP",
        }
    }
}

/// A status change an API method asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvAction {
    Start,
    Stop,
    Sleep,
}

impl EnvAction {
    /// The statuses the action may start from, and the one it leads to.
    pub fn transition(self) -> (&'static [EnvStatus], EnvStatus) {
        match self {
            EnvAction::Start => (&[EnvStatus::Down, EnvStatus::Sleeping], EnvStatus::Running),
            EnvAction::Stop => (&[EnvStatus::Running], EnvStatus::Down),
            EnvAction::Sleep => (&[EnvStatus::Running], EnvStatus::Sleeping),
        }
    }

    /// The 2212 answer for an environment in `current`.
    pub fn refused(self, current: i64) -> Error {
        let (from, _) = self.transition();
        Error::WrongEnvStatus {
            current: EnvStatus::from_code(current)
                .map(EnvStatus::platform_name)
                .unwrap_or("UNKNOWN")
                .to_string(),
            required: from
                .iter()
                .map(|s| s.platform_name())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Limits on what one environment may hold.
pub const MAX_NODES: u32 = 32;
pub const MAX_NODES_PER_ENTRY: u32 = 16;

/// One kind of node to create, `count` times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub node_type: String,
    pub count: u32,
    pub node_group: String,
    pub display_name: String,
    pub fixed_cloudlets: i64,
    pub flexible_cloudlets: i64,
    pub disk_limit: i64,
    pub docker_name: String,
    pub docker_tag: String,
    /// Container variables (`env`, `docker.env`).
    pub vars: Vars,
    /// Volume paths (`volumes`, `docker.volumes`).
    pub volumes: Vec<String>,
    /// Links to other groups (`links`, `docker.links`: `"sqldb:DB"`).
    pub links: Vec<Link>,
    /// `isSLBAccessEnabled`, when given.
    pub slb_access: Option<bool>,
}

/// A validated request for a new environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSpec {
    pub name: EnvName,
    pub display_name: String,
    pub region: String,
    pub ssl: bool,
    pub ha: bool,
    pub env_groups: Vec<String>,
    pub nodes: Vec<NodeSpec>,
}

/// The node group a node type belongs to when none is given.
pub fn default_node_group(node_type: &str) -> &'static str {
    match node_type.to_ascii_lowercase().as_str() {
        "nginx" | "nginx-balancer" | "haproxy" | "varnish" | "traefik" | "litespeedadc"
        | "balancer" => "bl",
        "mysql" | "mysql5" | "mysql8" | "mariadb" | "mariadb10" | "postgres" | "postgresql"
        | "postgres15" | "percona" | "sqldb" => "sqldb",
        "mongodb" | "mongo" | "couchbase" | "cassandra" | "nosqldb" => "nosqldb",
        "redis" | "memcached" | "valkey" | "cache" => "cache",
        "storage" | "nfs" | "sharedstorage" => "storage",
        _ => "cp",
    }
}

fn text_field<'a>(obj: &'a serde_json::Map<String, Value>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .and_then(|(_, v)| v.as_str())
    })
}

fn any_field<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// An integer field, given as a number or a numeric string, within `range`.
fn int_field(
    obj: &serde_json::Map<String, Value>,
    name: &str,
    param: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, Error> {
    let value = match any_field(obj, name) {
        None => default,
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| Error::invalid(param, format!("{name} must be a whole number")))?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| Error::invalid(param, format!("{name} must be a whole number")))?,
        Some(_) => {
            return Err(Error::invalid(
                param,
                format!("{name} must be a whole number"),
            ));
        }
    };
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Error::refused(
            param,
            Refusal::OutOfRange {
                field: name.to_string(),
                min: *range.start(),
                max: *range.end(),
            },
        ))
    }
}

fn bool_field(obj: &serde_json::Map<String, Value>, name: &str) -> bool {
    match any_field(obj, name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

impl NodeSpec {
    /// A node entry of CreateEnvironment's (or ChangeTopology's) `nodes` array. Fields
    /// may sit at the top level or in a nested `docker` object (`image`, `nodeGroup`,
    /// `env`, `links`, `volumes`); a node with an image and no `nodeType` is `docker`.
    pub fn from_json(value: &Value) -> Result<NodeSpec, Error> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::invalid("nodes", "each node is a JSON object"))?;
        let docker = any_field(obj, "docker").and_then(Value::as_object);
        let field =
            |name: &str| any_field(obj, name).or_else(|| docker.and_then(|d| any_field(d, name)));
        let text = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| field(n).and_then(Value::as_str))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let image = match text(&["image", "dockerName"]) {
            Some(i) => Some(label(i, "nodes", "image", 200)?),
            None => None,
        };
        let node_type = match (text(&["nodeType"]), &image) {
            (Some(t), _) => label(t, "nodes", "nodeType", 64)?,
            (None, Some(_)) => "docker".to_string(),
            (None, None) => {
                return Err(Error::invalid(
                    "nodes",
                    "each node needs a nodeType or an image",
                ));
            }
        };
        let count = int_field(obj, "count", "nodes", 1, 1..=i64::from(MAX_NODES_PER_ENTRY))? as u32;
        let fixed = int_field(obj, "fixedCloudlets", "nodes", 1, 1..=64)?;
        let flexible = int_field(obj, "flexibleCloudlets", "nodes", fixed.max(4), 1..=256)?;
        if flexible < fixed {
            return Err(Error::invalid(
                "nodes",
                "flexibleCloudlets must be at least fixedCloudlets",
            ));
        }
        let disk_limit = match any_field(obj, "diskLimit") {
            None => DEFAULT_DISK_MB,
            Some(v) => disk_limit_mb(v)?,
        };
        let node_group = match text(&["nodeGroup"]) {
            Some(g) => label(g, "nodes", "nodeGroup", 64)?,
            None => default_node_group(&node_type).to_string(),
        };
        let display_name = match text_field(obj, &["displayName"]) {
            Some(d) => label(d, "nodes", "displayName", 100)?,
            None => node_type.clone(),
        };
        // `image:tag` names its tag; a separate `tag` wins.
        let (docker_name, image_tag) = match &image {
            Some(i) => match i.rsplit_once(':').filter(|(_, t)| !t.contains('/')) {
                Some((name, tag)) => (name.to_string(), Some(tag.to_string())),
                None => (i.clone(), None),
            },
            None => (node_type.clone(), None),
        };
        let docker_tag = match text(&["tag", "dockerTag"])
            .map(str::to_string)
            .or(image_tag)
        {
            Some(t) => super::values::image_tag(&t, "nodes")?,
            None => "latest".to_string(),
        };
        let vars = match field("env") {
            None => Vars::new(),
            Some(v) => super::values::parse_vars(v, "nodes")?,
        };
        let volumes = match field("volumes") {
            None => Vec::new(),
            Some(Value::Array(a)) if a.is_empty() => Vec::new(),
            Some(v) => super::values::parse_paths(v, "nodes")?,
        };
        let links = match field("links") {
            None => Vec::new(),
            Some(v) => parse_links(v)?,
        };
        let slb_access =
            any_field(obj, "isSLBAccessEnabled").map(|_| bool_field(obj, "isSLBAccessEnabled"));
        Ok(NodeSpec {
            node_type,
            count,
            node_group,
            display_name,
            fixed_cloudlets: fixed,
            flexible_cloudlets: flexible,
            disk_limit,
            docker_name,
            docker_tag,
            vars,
            volumes,
            links,
            slb_access,
        })
    }

    /// A node of the dashboard's form: a type and a count.
    pub fn simple(node_type: &str, count: u32) -> Result<NodeSpec, Error> {
        let mut obj = serde_json::Map::new();
        obj.insert("nodeType".into(), Value::String(node_type.to_string()));
        obj.insert("count".into(), Value::from(count));
        NodeSpec::from_json(&Value::Object(obj))
    }
}

/// A node's disk when none is asked for: 10 GB, in MB.
pub const DEFAULT_DISK_MB: i64 = 10_240;

/// `diskLimit` in MB. A bare number is GB (what the one client that sends it writes);
/// a suffix says the unit: `512M`, `100G`, `1T`. From 1 GB... 1 TB; MB values below
/// 1 GB are refused too.
pub fn disk_limit_mb(v: &Value) -> Result<i64, Error> {
    let err = || {
        Error::invalid(
            "nodes",
            "diskLimit is a size in GB (a number), or with a unit: 512M, 100G, 1T; from 1G to 1T",
        )
    };
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_ascii_uppercase(),
        _ => return Err(err()),
    };
    let (digits, unit_mb) = match text.chars().last() {
        Some('M') => (&text[..text.len() - 1], 1),
        Some('G') => (&text[..text.len() - 1], 1024),
        Some('T') => (&text[..text.len() - 1], 1024 * 1024),
        _ => (text.as_str(), 1024),
    };
    let n: i64 = digits.trim().parse().map_err(|_| err())?;
    let mb = n.checked_mul(unit_mb).ok_or_else(err)?;
    if (1024..=1024 * 1024).contains(&mb) {
        Ok(mb)
    } else {
        Err(err())
    }
}

/// `links`: `["sqldb:DB"]` (group, then alias; the alias defaults to the group name),
/// or comma-separated text.
fn parse_links(v: &Value) -> Result<Vec<Link>, Error> {
    let items: Vec<String> = match v {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Error::invalid("nodes", "links is a list of \"group:ALIAS\""))
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(Error::invalid(
                "nodes",
                "links is a list of \"group:ALIAS\"",
            ));
        }
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (group, alias) = s.split_once(':').unwrap_or((s, s));
            Ok(Link {
                group: label(group, "nodes", "a linked node group", 64)?,
                alias: label(alias, "nodes", "a link alias", 64)?,
            })
        })
        .collect()
}

impl EnvSpec {
    /// CreateEnvironment's `env` object, `nodes` array and optional `envGroups`.
    pub fn from_json(
        env: &Value,
        nodes: &Value,
        env_groups: Option<&Value>,
    ) -> Result<EnvSpec, Error> {
        let obj = env
            .as_object()
            .ok_or_else(|| Error::invalid("env", "must be a JSON object"))?;
        let short = text_field(obj, &["shortdomain", "envName"])
            .ok_or_else(|| Error::invalid("env", "shortdomain is required"))?;
        let name = EnvName::parse(short, "env")?;
        let display_name = match text_field(obj, &["displayName"]) {
            Some(d) if !d.trim().is_empty() => label(d, "env", "displayName", 100)?,
            _ => name.as_str().to_string(),
        };
        let region = match text_field(obj, &["region", "hardwareNodeGroup"]) {
            Some(r) if !r.trim().is_empty() => label(r, "env", "region", 64)?,
            _ => "default".to_string(),
        };
        let nodes = nodes
            .as_array()
            .ok_or_else(|| Error::invalid("nodes", "must be a JSON array of nodes"))?;
        if nodes.is_empty() {
            return Err(Error::refused("nodes", Refusal::NoNodes));
        }
        let nodes = nodes
            .iter()
            .map(NodeSpec::from_json)
            .collect::<Result<Vec<_>, _>>()?;
        let env_groups = match env_groups {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => parse_groups(s.split(','))?,
            Some(Value::Array(a)) => {
                let names: Option<Vec<&str>> = a.iter().map(Value::as_str).collect();
                parse_groups(
                    names
                        .ok_or_else(|| Error::invalid("envGroups", "must be a list of names"))?
                        .into_iter(),
                )?
            }
            Some(_) => return Err(Error::invalid("envGroups", "must be a list of names")),
        };
        EnvSpec {
            name,
            display_name,
            region,
            ssl: bool_field(obj, "sslstate"),
            ha: bool_field(obj, "ishaenabled"),
            env_groups,
            nodes,
        }
        .checked()
    }

    /// The dashboard's form.
    pub fn from_form(
        name: &str,
        display_name: &str,
        nodes: &[(String, u32)],
    ) -> Result<EnvSpec, Error> {
        let name = EnvName::parse(name, "envName")?;
        let display_name = if display_name.trim().is_empty() {
            name.as_str().to_string()
        } else {
            label(display_name, "displayName", "the display name", 100)?
        };
        if nodes.is_empty() {
            return Err(Error::refused("nodes", Refusal::NoNodes));
        }
        let nodes = nodes
            .iter()
            .map(|(t, c)| NodeSpec::simple(t, *c))
            .collect::<Result<Vec<_>, _>>()?;
        EnvSpec {
            name,
            display_name,
            region: "default".into(),
            ssl: false,
            ha: false,
            env_groups: Vec::new(),
            nodes,
        }
        .checked()
    }

    fn checked(self) -> Result<EnvSpec, Error> {
        let total: u32 = self.nodes.iter().map(|n| n.count).sum();
        if total > MAX_NODES {
            return Err(Error::refused(
                "nodes",
                Refusal::TooManyNodes { max: MAX_NODES },
            ));
        }
        Ok(self)
    }
}

fn parse_groups<'a>(names: impl Iterator<Item = &'a str>) -> Result<Vec<String>, Error> {
    let groups: Vec<String> = names
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|g| super::values::group_name(g, "envGroups"))
        .collect::<Result<_, _>>()?;
    if groups.len() > 20 {
        return Err(Error::invalid("envGroups", "at most 20 groups"));
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_the_platform_rule() {
        assert_eq!(
            EnvName::parse("My-Project", "env").unwrap().as_str(),
            "my-project"
        );
        for bad in [
            "ab",
            "1abc",
            "-abc",
            "a_bc",
            "a bc",
            &"a".repeat(34),
            "",
            "ümlaut",
        ] {
            assert!(EnvName::parse(bad, "env").is_err(), "{bad:?}");
        }
        assert!(EnvName::parse(&"a".repeat(33), "env").is_ok());
    }

    #[test]
    fn transitions_are_the_platform_ones() {
        assert_eq!(
            EnvAction::Start.transition(),
            (
                &[EnvStatus::Down, EnvStatus::Sleeping][..],
                EnvStatus::Running
            )
        );
        assert_eq!(EnvAction::Stop.transition().1, EnvStatus::Down);
        let e = EnvAction::Stop.refused(2);
        assert_eq!(
            e.to_string(),
            "Not allowed to execute this service for current Environment status [ENV_STATUS_TYPE_DOWN]. Required statuses [ENV_STATUS_TYPE_RUNNING]"
        );
    }

    #[test]
    fn a_full_create_request_parses() {
        let spec = EnvSpec::from_json(
            &json!({"shortdomain": "my-project", "displayName": "My project", "sslstate": "true"}),
            &json!([{"nodeType": "nginx", "count": 1}, {"nodeType": "tomcat", "count": "2", "fixedCloudlets": 2}]),
            Some(&json!(["dev", "team"])),
        )
        .unwrap();
        assert_eq!(spec.name.as_str(), "my-project");
        assert!(spec.ssl);
        assert_eq!(spec.nodes[0].node_group, "bl");
        assert_eq!(spec.nodes[1].node_group, "cp");
        assert_eq!(spec.nodes[1].count, 2);
        assert_eq!(spec.nodes[1].flexible_cloudlets, 4);
        assert_eq!(spec.env_groups, vec!["dev", "team"]);
    }

    #[test]
    fn bad_create_requests_name_their_parameter() {
        let nodes = json!([{"nodeType": "nginx"}]);
        let cases = [
            (json!("x"), nodes.clone(), "env"),
            (json!({}), nodes.clone(), "env"),
            (json!({"shortdomain": "ok-name"}), json!([]), "nodes"),
            (
                json!({"shortdomain": "ok-name"}),
                json!({"nodeType": "x"}),
                "nodes",
            ),
            (
                json!({"shortdomain": "ok-name"}),
                json!([{"count": 1}]),
                "nodes",
            ),
            (
                json!({"shortdomain": "ok-name"}),
                json!([{"nodeType": "x", "count": 0}]),
                "nodes",
            ),
            (
                json!({"shortdomain": "ok-name"}),
                json!([{"nodeType": "x", "count": 17}]),
                "nodes",
            ),
            (
                json!({"shortdomain": "ok-name"}),
                json!([{"nodeType": "x", "count": 16}, {"nodeType": "y", "count": 16}, {"nodeType": "z"}]),
                "nodes",
            ),
            (
                json!({"shortdomain": "ok-name"}),
                json!([{"nodeType": "x", "fixedCloudlets": 8, "flexibleCloudlets": 2}]),
                "nodes",
            ),
        ];
        for (env, nodes, param) in cases {
            let err = EnvSpec::from_json(&env, &nodes, None).unwrap_err();
            assert_eq!(err.parameter(), Some(param), "{env} {nodes}: {err}");
        }
    }
}

#[cfg(test)]
mod node_spec_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_nested_docker_object_is_read_and_an_image_makes_a_docker_node() {
        let n = NodeSpec::from_json(
            &json!({"docker": {"image": "shop/app:1.4.2", "nodeGroup": "cp",
            "env": {"A": "1"}, "links": ["sqldb:DB"], "volumes": ["/data"]}}),
        )
        .unwrap();
        assert_eq!(n.node_type, "docker");
        assert_eq!(
            (n.docker_name.as_str(), n.docker_tag.as_str()),
            ("shop/app", "1.4.2")
        );
        assert_eq!(n.node_group, "cp");
        assert_eq!(n.vars["A"], "1");
        assert_eq!(
            n.links,
            vec![Link {
                group: "sqldb".into(),
                alias: "DB".into()
            }]
        );
        assert_eq!(n.volumes, vec!["/data"]);
        // A registry port is not a tag.
        let n = NodeSpec::from_json(&json!({"image": "registry.local:5000/app"})).unwrap();
        assert_eq!(
            (n.docker_name.as_str(), n.docker_tag.as_str()),
            ("registry.local:5000/app", "latest")
        );
    }

    #[test]
    fn disk_limits_are_gb_unless_a_unit_says_otherwise() {
        assert_eq!(disk_limit_mb(&json!(20)).unwrap(), 20 * 1024);
        assert_eq!(disk_limit_mb(&json!("100G")).unwrap(), 100 * 1024);
        assert_eq!(disk_limit_mb(&json!("2048m")).unwrap(), 2048);
        assert_eq!(disk_limit_mb(&json!("1T")).unwrap(), 1024 * 1024);
        for bad in [
            json!(0),
            json!("512M"),
            json!("2T"),
            json!("5Q"),
            json!(-1),
            json!(true),
            json!("1e3"),
        ] {
            assert!(disk_limit_mb(&bad).is_err(), "{bad}");
        }
    }
}
