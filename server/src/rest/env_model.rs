//! The platform model over REST: container variables, cloudlets, volumes, topology,
//! display name, group membership, statistics, node groups, image tags
//! (`environment.control`, `environment.nodegroup`, `environment.tracking`).
//! Each handler reads its parameters, then hands one rule of `domain::model` to
//! `Environments::change`, which applies it under the environment's row lock.

use kunci_core::Error;
use kunci_core::domain::env::{EnvName, NodeSpec};
use kunci_core::domain::model::{
    self, Cloudlets, EntrySets, GroupEntry, NodeChoice, TopologyChange, Vars,
};
use serde_json::{Map, Value, json};

use super::env_wire::{NodeGroupWire, info_wire};
use super::{Call, Fields, Reply};

/// The longest delay accepted: one hour, in milliseconds.
const MAX_DELAY_MS: i64 = 3_600_000;

/// `nodeId` (wins) and `nodeGroup`, both optional.
fn choice(call: &Call<'_>) -> Result<NodeChoice, Error> {
    Ok(NodeChoice {
        node_id: call.params.int("nodeId")?,
        node_group: call.params.text("nodeGroup").map(str::to_string),
    })
}

fn required_json(call: &Call<'_>, name: &str) -> Result<Value, Error> {
    call.params
        .json(name)?
        .ok_or_else(|| Error::invalid(name, "required"))
}

fn required_int(call: &Call<'_>, name: &str) -> Result<i64, Error> {
    call.params
        .int(name)?
        .ok_or_else(|| Error::invalid(name, "required"))
}

fn one(key: &str, value: Value) -> Fields {
    let mut f = Fields::new();
    f.insert(key.into(), value);
    f
}

fn delay(call: &Call<'_>) -> Result<(), Error> {
    if let Some(d) = call.params.int("delay")?
        && !(0..=MAX_DELAY_MS).contains(&d)
    {
        return Err(Error::invalid(
            "delay",
            format!("milliseconds between 0 and {MAX_DELAY_MS}"),
        ));
    }
    Ok(())
}

/// One `{"nodeId": id, "result": 0}` per node changed (NodeSSHResponses).
fn responses(ids: &[i64], with_out: bool) -> Fields {
    let list = ids
        .iter()
        .map(|id| {
            if with_out {
                json!({"nodeId": id, "result": 0, "out": ""})
            } else {
                json!({"nodeId": id, "result": 0})
            }
        })
        .collect();
    one("responses", Value::Array(list))
}

// --- container variables ----------------------------------------------------------------

fn vars(call: &Call<'_>, name: &str) -> Result<Vars, Error> {
    model::parse_vars(&required_json(call, name)?, name)
}

pub async fn add_container_env_vars(call: &Call<'_>) -> Result<Fields, Error> {
    let vars = vars(call, "vars")?;
    let choice = choice(call)?;
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.add_vars(&choice, &vars)
        })
        .await?;
    Ok(Fields::new())
}

pub async fn get_container_env_vars(call: &Call<'_>) -> Result<Fields, Error> {
    let node = required_int(call, "nodeId")?;
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    Ok(one("object", json!(env.node(node)?.vars)))
}

pub async fn get_container_env_vars_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?;
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    Ok(one("object", json!(env.master_of(group)?.vars)))
}

pub async fn set_container_env_vars(call: &Call<'_>) -> Result<Fields, Error> {
    let node = required_int(call, "nodeId")?;
    let vars = vars(call, "vars")?;
    let choice = NodeChoice {
        node_id: Some(node),
        node_group: None,
    };
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.set_vars(&choice, &vars, "vars")
        })
        .await?;
    Ok(Fields::new())
}

pub async fn set_container_env_vars_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?.to_string();
    let vars = vars(call, "data")?;
    let choice = NodeChoice {
        node_id: None,
        node_group: Some(group),
    };
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.set_vars(&choice, &vars, "data")
        })
        .await?;
    Ok(Fields::new())
}

pub async fn remove_container_env_vars(call: &Call<'_>) -> Result<Fields, Error> {
    let names = model::parse_var_names(&required_json(call, "vars")?, "vars")?;
    let choice = choice(call)?;
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.remove_vars(&choice, &names)
        })
        .await?;
    Ok(Fields::new())
}

// --- cloudlets ----------------------------------------------------------------------------

fn cloudlets(call: &Call<'_>) -> Result<Cloudlets, Error> {
    // `count` is sent by some clients and means nothing here.
    call.params.int("count")?;
    Cloudlets::new(
        required_int(call, "fixedCloudlets")?,
        required_int(call, "flexibleCloudlets")?,
    )
}

pub async fn set_cloudlets_count_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?.to_string();
    let cloudlets = cloudlets(call)?;
    delay(call)?;
    let choice = NodeChoice {
        node_id: None,
        node_group: Some(group),
    };
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.set_cloudlets(&choice, cloudlets)
        })
        .await?;
    Ok(Fields::new())
}

pub async fn set_cloudlets_count_by_id(call: &Call<'_>) -> Result<Fields, Error> {
    let node = required_int(call, "nodeId")?;
    let cloudlets = cloudlets(call)?;
    let choice = NodeChoice {
        node_id: Some(node),
        node_group: None,
    };
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.set_cloudlets(&choice, cloudlets)
        })
        .await?;
    Ok(Fields::new())
}

// --- topology -----------------------------------------------------------------------------

/// ChangeTopology's `env` and `nodes`, read for environment `name` (region `region`).
fn topology(name: &str, region: &str, env: &Value, nodes: &Value) -> Result<TopologyChange, Error> {
    let obj = env
        .as_object()
        .ok_or_else(|| Error::invalid("env", "must be a JSON object"))?;
    let field = |key: &str| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    };
    let text = |key: &str| {
        field(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let Some(short) = text("shortdomain")
        && EnvName::lookup(short) != name
    {
        return Err(Error::invalid(
            "env",
            "shortdomain must be the environment's name",
        ));
    }
    if let Some(r) = text("region")
        && r != region
    {
        return Err(Error::invalid(
            "env",
            "a different region would be a migration, which ChangeTopology does not do",
        ));
    }
    let flag = |key: &str| -> Result<Option<bool>, Error> {
        match field(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => super::params::parse_bool(s)
                .map(Some)
                .ok_or_else(|| Error::invalid("env", format!("{key} must be true or false"))),
            Some(_) => Err(Error::invalid(
                "env",
                format!("{key} must be true or false"),
            )),
        }
    };
    let display_name = match text("displayName") {
        Some(d) => Some(model::label(d, "env", "displayName", 100)?),
        None => None,
    };
    let entries = nodes
        .as_array()
        .ok_or_else(|| Error::invalid("nodes", "must be a JSON array of node groups"))?;
    if entries.is_empty() {
        return Err(Error::invalid(
            "nodes",
            "must list at least one node group (an empty topology would remove every node)",
        ));
    }
    let mut groups: Vec<GroupEntry> = Vec::new();
    for entry in entries {
        let spec = NodeSpec::from_json(entry)?;
        if groups
            .iter()
            .any(|g| g.spec.node_group.eq_ignore_ascii_case(&spec.node_group))
        {
            return Err(Error::invalid(
                "nodes",
                format!("node group {} is listed twice", spec.node_group),
            ));
        }
        let o = entry.as_object().expect("NodeSpec checked it is an object");
        let has = |key: &str| {
            let docker = o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("docker"))
                .and_then(|(_, v)| v.as_object());
            let present = |m: &Map<String, Value>| {
                m.iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_null())
            };
            present(o) || docker.is_some_and(present)
        };
        let sets = EntrySets {
            disk_limit: has("diskLimit"),
            display_name: has("displayName"),
            image: has("image") || has("dockerName") || has("tag"),
            vars: has("env"),
            volumes: has("volumes"),
        };
        groups.push(GroupEntry {
            group_display_name: sets.display_name.then(|| spec.display_name.clone()),
            slb_access: spec.slb_access,
            links: has("links").then(|| spec.links.clone()),
            spec,
            sets,
        });
    }
    Ok(TopologyChange {
        display_name,
        ssl: flag("sslstate")?,
        ha: flag("ishaenabled")?,
        groups,
    })
}

pub async fn change_topology(call: &Call<'_>) -> Result<Reply, Error> {
    let name = call.env_name()?;
    let env = required_json(call, "env")?;
    let nodes = required_json(call, "nodes")?;
    let envs = &call.kunci.envs;
    let owner = call.owner()?;
    let current = envs.info(owner, name).await?;
    let change = topology(&current.env.name, &current.env.region, &env, &nodes)?;
    envs.change(owner, name, |m| m.change_topology(&change))
        .await?;
    let info = envs.info(owner, name).await?;
    #[derive(serde::Serialize)]
    struct WithResult<'a> {
        result: i32,
        #[serde(flatten)]
        info: super::env_wire::EnvInfoWire<'a>,
    }
    #[derive(serde::Serialize)]
    struct Changed<'a> {
        response: WithResult<'a>,
    }
    Reply::object(&Changed {
        response: WithResult {
            result: 0,
            info: info_wire(envs.platform_domain(), &info, false),
        },
    })
}

// --- volumes ------------------------------------------------------------------------------

pub async fn add_container_volumes(call: &Call<'_>) -> Result<Fields, Error> {
    let paths = model::parse_paths(&required_json(call, "volumes")?, "volumes")?;
    let choice = choice(call)?;
    let ids = call
        .kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.add_volumes(&choice, &paths)
        })
        .await?;
    Ok(responses(&ids, false))
}

pub async fn remove_container_volumes(call: &Call<'_>) -> Result<Fields, Error> {
    let paths = model::parse_paths(&required_json(call, "volumes")?, "volumes")?;
    let choice = choice(call)?;
    let ids = call
        .kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.remove_volumes(&choice, &paths)
        })
        .await?;
    Ok(responses(&ids, false))
}

pub async fn get_container_volumes_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?;
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    Ok(one("object", json!(env.group_volumes(group)?)))
}

// --- names and groups ---------------------------------------------------------------------

pub async fn set_env_display_name(call: &Call<'_>) -> Result<Fields, Error> {
    let display = call.params.get("displayName").map(str::to_string);
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.set_display_name(display.as_deref())
        })
        .await?;
    Ok(Fields::new())
}

pub async fn set_env_group(call: &Call<'_>) -> Result<Fields, Error> {
    let raw = call
        .params
        .get("envGroup")
        .filter(|v| !v.trim().is_empty())
        .or_else(|| call.params.get("envGroups"))
        .ok_or_else(|| Error::invalid("envGroup", "required"))?;
    let names = if raw.trim().eq_ignore_ascii_case("none") || raw.trim() == "null" {
        Vec::new()
    } else {
        let normalized = match call.params.json("envGroup").ok().flatten() {
            Some(v @ Value::Array(_)) => v.to_string(),
            _ => match super::params::python_literal(raw) {
                Some(v @ Value::Array(_)) => v.to_string(),
                _ => raw.to_string(),
            },
        };
        model::group_names(&normalized, "envGroup")?
    };
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| m.set_groups(names))
        .await?;
    Ok(Fields::new())
}

// --- statistics, tracking -----------------------------------------------------------------

/// The longest period GetSumStat covers: 31 days.
const MAX_STAT_SECONDS: i64 = 31 * 24 * 3600;

pub async fn get_sum_stat(call: &Call<'_>) -> Result<Fields, Error> {
    let duration = required_int(call, "duration")?;
    if !(1..=MAX_STAT_SECONDS).contains(&duration) {
        return Err(Error::invalid(
            "duration",
            format!("seconds between 1 and {MAX_STAT_SECONDS} (31 days)"),
        ));
    }
    if let Some(end) = call.params.text("endtime")
        && kunci_core::clock::parse_wire(end).is_none()
    {
        return Err(Error::invalid("endtime", "yyyy-MM-dd HH:mm:ss (UTC)"));
    }
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    let mut f = Fields::new();
    f.insert("appid".into(), env.env.appid.clone().into());
    f.insert("status".into(), env.env.status.into());
    f.insert("isTransferring".into(), false.into());
    // Kunci measures nothing: no statistics rather than invented ones.
    f.insert("stats".into(), Value::Array(Vec::new()));
    Ok(f)
}

pub async fn get_current_actions(call: &Call<'_>) -> Result<Fields, Error> {
    call.caller()?;
    // Every action finishes before its answer: nothing is ever still running.
    Ok(one("array", Value::Array(Vec::new())))
}

// --- node groups and image tags -----------------------------------------------------------

pub async fn get_node_groups(call: &Call<'_>) -> Result<Fields, Error> {
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    let list: Vec<Value> = env
        .node_groups
        .iter()
        .map(|g| {
            serde_json::to_value(NodeGroupWire {
                name: &g.name,
                display_name: g.display_name.as_deref(),
                scaling_mode: &g.scaling_mode,
                is_slb_access_enabled: g.slb_access,
                data: Some(&g.data),
            })
            .unwrap_or(Value::Null)
        })
        .collect();
    Ok(one("object", Value::Array(list)))
}

/// ApplyData, and the older `env.control.ApplyNodeGroupData` (group in `nodeGroupData`).
pub async fn apply_data(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call
        .params
        .text("nodeGroup")
        .or_else(|| call.params.text("nodeGroupData"))
        .ok_or_else(|| Error::invalid("nodeGroup", "required"))?
        .to_string();
    let data = required_json(call, "data")?;
    let data = data
        .as_object()
        .ok_or_else(|| Error::invalid("data", "must be a JSON object"))?
        .clone();
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.apply_group_data(&group, &data)
        })
        .await?;
    Ok(Fields::new())
}

pub async fn set_slb_access_enabled(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?.to_string();
    let enabled = call
        .params
        .bool("enabled")?
        .ok_or_else(|| Error::invalid("enabled", "required"))?;
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.set_slb_access(&group, enabled)
        })
        .await?;
    Ok(Fields::new())
}

pub async fn get_container_node_tags(call: &Call<'_>) -> Result<Fields, Error> {
    let node = required_int(call, "nodeId")?;
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    Ok(one("object", json!(env.node_tags(node)?)))
}

/// Without a container runtime: records the tag as the group's image version and marks
/// the nodes restarted. Registry credentials are checked for shape, never kept.
pub async fn redeploy_containers_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?.to_string();
    let tag = model::image_tag(call.params.required("tag")?, "tag")?;
    for flag in ["isSequential", "useExistingVolumes", "manageDNSState"] {
        call.params.bool(flag)?;
    }
    delay(call)?;
    for secret in ["login", "password"] {
        if call.params.get(secret).is_some_and(|v| v.len() > 1024) {
            return Err(Error::invalid(secret, "at most 1,024 bytes"));
        }
    }
    let envs = &call.kunci.envs;
    let owner = call.owner()?;
    let name = call.env_name()?;
    let ids = envs
        .change(owner, name, |m| m.redeploy_group(&group, &tag))
        .await?;
    envs.restart_nodes(
        owner,
        name,
        &kunci_core::services::envs::NodeFilter {
            node_group: Some(group),
            node_id: None,
        },
    )
    .await?;
    Ok(responses(&ids, true))
}
