//! `environment.binder` (external domains, SwapExtIps) and `environment.file`'s mount
//! points (GetMountPoints, AddMountPointByGroup, RemoveMountPointByGroup).

use kunci_core::Error;
use kunci_core::domain::model::{self, MountPoint, MountSource};
use serde_json::{Value, json};

use super::env_wire::mount_wire;
use super::{Call, Fields};

// --- external domains ---------------------------------------------------------------------

pub async fn bind_ext_domain(call: &Call<'_>) -> Result<Fields, Error> {
    let envs = &call.kunci.envs;
    let domain = model::ext_domain(call.params.required("extdomain")?, envs.platform_domain())?;
    if call.params.text("certId").is_some() {
        return Err(Error::invalid(
            "certId",
            "Kunci stores no certificates: bind the domain without one",
        ));
    }
    let owner = call.owner()?;
    let name = call.env_name()?;
    let d = domain.clone();
    envs.change(owner, name, move |m| m.bind_domain(&d)).await?;
    let env = envs.info(owner, name).await?;
    let bound = env
        .domains
        .iter()
        .find(|x| x.domain == domain)
        .ok_or_else(|| kunci_core::error::internal("a bound domain was not read back"))?;
    let mut f = Fields::new();
    f.insert(
        "extDomain".into(),
        json!({"id": bound.id, "domain": bound.domain, "sslEnabled": false}),
    );
    Ok(f)
}

/// RemoveExtDomains (comma-separated) and its singular path RemoveExtDomain.
pub async fn remove_ext_domains(call: &Call<'_>) -> Result<Fields, Error> {
    let envs = &call.kunci.envs;
    let domains: Vec<String> = call
        .params
        .required("extdomain")?
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|d| model::ext_domain(d, envs.platform_domain()))
        .collect::<Result<_, _>>()?;
    envs.change(call.owner()?, call.env_name()?, |m| {
        m.remove_domains(&domains)
    })
    .await?;
    Ok(Fields::new())
}

/// Kunci allocates no public addresses, so no node has any to swap.
pub async fn swap_ext_ips(call: &Call<'_>) -> Result<Fields, Error> {
    let owner = call.owner()?;
    let source = call
        .params
        .int("sourceNodeId")?
        .ok_or_else(|| Error::invalid("sourceNodeId", "required"))?;
    let target = call
        .params
        .int("targetNodeId")?
        .ok_or_else(|| Error::invalid("targetNodeId", "required"))?;
    let env = call.kunci.envs.info(owner, call.env_name()?).await?;
    env.node(source)
        .map_err(|_| Error::invalid("sourceNodeId", "no node of this environment has this id"))?;
    call.kunci
        .envs
        .own_node(owner, target)
        .await
        .map_err(|_| Error::invalid("targetNodeId", "no node of your environments has this id"))?;
    for ip in ["sourceIp", "targetIp"] {
        if let Some(v) = call.params.text(ip) {
            let param = ip;
            return Err(Error::invalid(
                param,
                format!("{v} is not an external address of that node"),
            ));
        }
    }
    Err(Error::invalid(
        "sourceNodeId",
        "neither node has an external IP address (Kunci allocates none)",
    ))
}

// --- mount points -------------------------------------------------------------------------

pub async fn get_mount_points(call: &Call<'_>) -> Result<Fields, Error> {
    let env = call
        .kunci
        .envs
        .info(call.owner()?, call.env_name()?)
        .await?;
    let choice = model::NodeChoice {
        node_id: call.params.int("nodeId")?,
        node_group: call.params.text("nodeGroup").map(str::to_string),
    };
    let mut list = Vec::new();
    for i in env.chosen(&choice)? {
        let node = &env.nodes[i];
        for m in env
            .mounts
            .iter()
            .filter(|m| m.node_group == node.node_group)
        {
            list.push(mount_wire(m, node.id));
        }
    }
    let mut f = Fields::new();
    f.insert("array".into(), Value::Array(list));
    Ok(f)
}

/// An outside NFS server: an IP address or a domain name, as given.
fn source_host(raw: &str) -> Result<(String, &'static str), Error> {
    let h = raw.trim();
    if h.parse::<std::net::IpAddr>().is_ok() {
        return Ok((h.to_string(), "IP"));
    }
    let ok = h.len() <= 253
        && h.contains('.')
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok((h.to_ascii_lowercase(), "DOMAIN"))
    } else {
        Err(Error::invalid(
            "sourceHost",
            "an IP address or a domain name of an NFS server",
        ))
    }
}

pub async fn add_mount_point_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    let group = p.required("nodeGroup")?.to_string();
    let path = model::container_path(p.required("path")?, "path")?;
    let source_path = model::container_path(p.required("sourcePath")?, "sourcePath")?;
    let (source, default_type) = match (p.int("sourceNodeId")?, p.text("sourceHost")) {
        (Some(id), _) => (MountSource::Node(id), "NODE_GROUP"),
        (None, Some(host)) => {
            let (h, kind) = source_host(host)?;
            (MountSource::Host(h), kind)
        }
        (None, None) => {
            return Err(Error::invalid(
                "sourceNodeId",
                "give sourceNodeId (a node of your environments) or sourceHost",
            ));
        }
    };
    let protocol = p.text("protocol").unwrap_or("NFS").to_ascii_uppercase();
    if protocol != "NFS" {
        return Err(Error::invalid(
            "protocol",
            "NFS is the protocol Kunci records",
        ));
    }
    let address_type = match p.text("sourceAddressType") {
        None => default_type.to_string(),
        Some(t) => {
            let t = t.to_ascii_uppercase();
            if !["IP", "DOMAIN", "NODE_GROUP"].contains(&t.as_str()) {
                return Err(Error::invalid(
                    "sourceAddressType",
                    "IP, DOMAIN or NODE_GROUP",
                ));
            }
            t
        }
    };
    let name = match p.text("name") {
        Some(n) => model::label(n, "name", "a mount point name", 100)?,
        None => path.rsplit('/').next().unwrap_or("mount").to_string(),
    };
    let read_only = p.bool("readOnly")?.unwrap_or(false);
    let caller = call.caller()?;
    if let MountSource::Node(id) = source
        && caller.is_env_scoped()
    {
        // The source node's environment must be in the token's scope too.
        let (_, source_env) = call.kunci.envs.own_node(caller.user_id, id).await?;
        caller.check_env(&source_env, "mount from")?;
    }
    let mount = MountPoint {
        node_group: group,
        path,
        name,
        source,
        source_path,
        source_address_type: address_type,
        protocol,
        read_only,
    };
    call.kunci
        .envs
        .add_mount(call.owner()?, call.env_name()?, mount)
        .await?;
    Ok(Fields::new())
}

pub async fn remove_mount_point_by_group(call: &Call<'_>) -> Result<Fields, Error> {
    let group = call.params.required("nodeGroup")?.to_string();
    let path = model::container_path(call.params.required("path")?, "path")?;
    call.kunci
        .envs
        .change(call.owner()?, call.env_name()?, |m| {
            m.remove_mount(&group, &path)
        })
        .await?;
    Ok(Fields::new())
}
