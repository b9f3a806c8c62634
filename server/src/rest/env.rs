//! `environment.control`: GetEnvs, GetEnvInfo, CreateEnvironment, StartEnv, StopEnv,
//! SleepEnv, RestartNodes, CloneEnv, DeleteEnv.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use kunci_core::Error;
use serde_json::Value;

use super::env_wire::{EnvInfoWire, info_wire};
use super::{Call, Fields, Reply, envelope};
use kunci_core::domain::env::{EnvAction, EnvSpec};
use kunci_core::services::envs::{EnvInfo, NodeFilter};
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
    let body = call
        .kunci
        .env_answers
        .answer(envs.platform_domain(), &info, lazy)?;
    Ok(Reply::Written(body))
}

/// GetEnvInfo's answers, each kept beside the model it was written from. An answer is a
/// function of the model alone (and of the platform's domain, fixed for the process), and
/// the store's cache hands out the same model (one `Arc`) until the environment changes
/// or its entry is read again, when it hands out a new one. So an answer is reused only
/// while the store still gives the very model it was written from (`Arc::ptr_eq`; the
/// model is held here, so its address cannot be reused meanwhile): a change is never
/// answered stale, on any instance. Without caches every read is a new model, and the
/// answer is written every time, as before.
#[derive(Default)]
pub struct EnvAnswers {
    kept: Mutex<HashMap<(i64, bool), Kept>>,
}

struct Kept {
    model: EnvInfo,
    body: Bytes,
}

/// The most answers kept; past it they are all dropped and kept again as asked.
const KEPT_AT_MOST: usize = 1024;

impl EnvAnswers {
    /// The success envelope of GetEnvInfo on `model` (`lazy`: without the nodes).
    pub fn answer(&self, domain: &str, model: &EnvInfo, lazy: bool) -> Result<Bytes, Error> {
        let key = (model.env.id, lazy);
        if let Some(kept) = self.lock().get(&key)
            && Arc::ptr_eq(&kept.model, model)
        {
            return Ok(kept.body.clone());
        }
        let object = serde_json::to_string(&info_wire(domain, model, lazy))
            .map_err(kunci_core::error::internal)?;
        let body = Bytes::from(envelope::success_body(&object));
        let mut kept = self.lock();
        if kept.len() >= KEPT_AT_MOST && !kept.contains_key(&key) {
            kept.clear();
        }
        let model = model.clone();
        kept.insert(
            key,
            Kept {
                model,
                body: body.clone(),
            },
        );
        Ok(body)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(i64, bool), Kept>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
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
