//! `environment.control`: GetEnvs, GetEnvInfo, CreateEnvironment, StartEnv, StopEnv,
//! SleepEnv, RestartNodes, CloneEnv, DeleteEnv.

use bytes::Bytes;
use kunci_core::Error;
use serde_json::Value;

use super::env_wire::{EnvInfoWire, info_wire};
use super::{Call, Fields, Reply, envelope};
use kunci_core::domain::env::{EnvAction, EnvSpec};
use kunci_core::services::envs::NodeFilter;
use kunci_core::services::security_log::Purpose;

pub async fn get_envs(call: &Call<'_>) -> Result<Reply, Error> {
    let lazy = call.params.bool("lazy")?.unwrap_or(false);
    let envs = &call.kunci.envs;
    let caller = call.caller()?;
    // A token limited to some environments sees only those.
    let mut list = envs.list(caller.user_id).await?;
    list.retain(|i| caller.sees_env(&i.env.name));
    #[derive(serde::Serialize)]
    struct Infos<'a> {
        infos: Vec<EnvInfoWire<'a>>,
    }
    Reply::object(&Infos {
        infos: list
            .iter()
            .map(|i| info_wire(envs.platform_domain(), i, lazy))
            .collect(),
    })
}

pub async fn get_env_info(call: &Call<'_>) -> Result<Reply, Error> {
    let lazy = call.params.bool("lazy")?.unwrap_or(false);
    let envs = &call.kunci.envs;
    let info = envs.info(call.owner()?, call.env_name()?).await?;
    // Written once per cached model and shared (`answers::KeptAnswers`).
    let body = call
        .kunci
        .env_answers
        .get_or_write((info.env.id, lazy), &info, || {
            let object = serde_json::to_string(&info_wire(envs.platform_domain(), &info, lazy))
                .map_err(kunci_core::error::internal)?;
            Ok::<_, Error>(Bytes::from(envelope::success_body(&object)))
        })?;
    Ok(Reply::Written(body))
}

pub async fn create_environment(call: &Call<'_>) -> Result<Reply, Error> {
    let env = call
        .params
        .json("env")?
        .ok_or_else(|| Error::invalid("env", "required"))?;
    let nodes = call
        .params
        .json("nodes")?
        .ok_or_else(|| Error::invalid("nodes", "required"))?;
    // A JSON array, or plain comma-separated names.
    let groups = call
        .params
        .text("envGroups")
        .map(|text| serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())));
    let spec = EnvSpec::from_json(&env, &nodes, groups.as_ref())?;
    // A token limited to some environments creates only names its scope covers.
    call.caller()?.check_env(spec.name.as_str(), "create")?;
    let envs = &call.kunci.envs;
    let info = envs.create(call.caller()?.user_id, spec).await?;
    #[derive(serde::Serialize)]
    struct WithResult<'a> {
        result: i32,
        #[serde(flatten)]
        info: EnvInfoWire<'a>,
    }
    #[derive(serde::Serialize)]
    struct Created<'a> {
        response: WithResult<'a>,
    }
    Reply::object(&Created {
        response: WithResult {
            result: 0,
            info: info_wire(envs.platform_domain(), &info, false),
        },
    })
}

async fn change(call: &Call<'_>, action: EnvAction) -> Result<Fields, Error> {
    let name = call.env_name()?;
    call.kunci
        .envs
        .change_status(call.caller()?.user_id, name, action)
        .await?;
    Ok(Fields::new())
}

pub async fn start_env(call: &Call<'_>) -> Result<Fields, Error> {
    change(call, EnvAction::Start).await
}

pub async fn stop_env(call: &Call<'_>) -> Result<Fields, Error> {
    change(call, EnvAction::Stop).await
}

pub async fn sleep_env(call: &Call<'_>) -> Result<Fields, Error> {
    change(call, EnvAction::Sleep).await
}

/// The longest restart delay accepted: one hour, in milliseconds.
const MAX_DELAY_MS: i64 = 3_600_000;

pub async fn restart_nodes(call: &Call<'_>) -> Result<Fields, Error> {
    let name = call.env_name()?;
    let filter = NodeFilter {
        node_group: call.params.text("nodeGroup").map(str::to_string),
        node_id: call.params.int("nodeId")?,
    };
    if let Some(delay) = call.params.int("delay")?
        && !(0..=MAX_DELAY_MS).contains(&delay)
    {
        return Err(Error::invalid(
            "delay",
            format!("milliseconds between 0 and {MAX_DELAY_MS}"),
        ));
    }
    call.params.bool("isSequential")?;
    call.params.bool("manageDNSState")?;
    call.kunci
        .envs
        .restart_nodes(call.caller()?.user_id, name, &filter)
        .await?;
    Ok(Fields::new())
}

pub async fn clone_env(call: &Call<'_>) -> Result<Reply, Error> {
    let src = call.params.required("srcEnvName")?;
    let dst = call
        .params
        .text("dstEnvName")
        .or_else(|| call.params.text("ditEnvName"))
        .ok_or_else(|| Error::invalid("dstEnvName", "required"))?;
    let envs = &call.kunci.envs;
    let info = envs.clone_env(call.caller()?.user_id, src, dst).await?;
    Reply::object(&info_wire(envs.platform_domain(), &info, false))
}

/// With a sign-in session the account password confirms the deletion (801 when wrong);
/// a token that holds this permission needs none.
pub async fn delete_env(call: &Call<'_>) -> Result<Fields, Error> {
    let caller = call.caller()?;
    let name = call.env_name()?;
    let envs = &call.kunci.envs;
    envs.info(caller.user_id, name).await?;
    caller
        .confirm_change(
            &call.kunci.accounts,
            super::tokens::password(call),
            &call.client.ip,
            Purpose::DeleteEnvironment,
        )
        .await?;
    envs.delete(caller.user_id, name).await?;
    Ok(Fields::new())
}
