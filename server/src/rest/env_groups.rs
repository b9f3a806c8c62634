//! `environment.group`: the account's environment groups (CreateGroup, EditGroup,
//! GetGroups, RemoveGroup). Names are hierarchical (`prod/eu`); an environment's
//! membership is set with `environment.control.SetEnvGroup`.

use kunci_core::Error;
use kunci_core::domain::model;
use kunci_core::storage::{EnvGroupRow, GroupSettings};
use serde_json::{Value, json};

use super::{Call, Fields};

/// The optional `envName` (must be one of the caller's: 11 otherwise) and `ownerUid`
/// (collaboration, which Kunci does not have: 3 unless it is the caller's own uid).
async fn check_context(call: &Call<'_>) -> Result<i64, Error> {
    let owner = call.caller()?.user_id;
    if let Some(uid) = call.params.int("ownerUid")?
        && uid != owner
    {
        return Err(Error::invalid(
            "ownerUid",
            "only your own groups can be managed (Kunci has no collaboration)",
        ));
    }
    if let Some(name) = call.params.text("envName") {
        call.kunci.envs.info(owner, name).await?;
    }
    Ok(owner)
}

fn group_json(g: &EnvGroupRow) -> Value {
    let mut v = json!({
        "id": g.id,
        "name": g.name,
        "isIsolated": g.is_isolated != 0,
        "visibility": g.visibility,
    });
    if let Some(c) = &g.color {
        v["color"] = json!(c);
    }
    v
}

fn array(groups: &[EnvGroupRow]) -> Fields {
    let mut f = Fields::new();
    f.insert(
        "array".into(),
        Value::Array(groups.iter().map(group_json).collect()),
    );
    f
}

/// The group names of `param` (alias `alias`; the catalog name wins).
fn names(call: &Call<'_>, param: &str, alias: &str) -> Result<Vec<String>, Error> {
    let raw = call
        .params
        .text(param)
        .or_else(|| call.params.text(alias))
        .ok_or_else(|| Error::invalid(param, "required"))?;
    let list = model::group_names(raw, param)?;
    if list.is_empty() {
        return Err(Error::invalid(param, "required"));
    }
    Ok(list)
}

/// `data`: `color` (`#rrggbb`), `isIsolated`, `visibility` (0 show, 1 hide, 2 show if
/// not empty); only the keys given change.
fn settings(call: &Call<'_>) -> Result<GroupSettings, Error> {
    let Some(data) = call.params.json("data")? else {
        return Ok(GroupSettings::default());
    };
    let obj = data
        .as_object()
        .ok_or_else(|| Error::invalid("data", "must be a JSON object"))?;
    let mut s = GroupSettings::default();
    for (key, value) in obj {
        match key.to_ascii_lowercase().as_str() {
            "color" => {
                s.color = Some(match value {
                    Value::Null => None,
                    Value::String(c) if c.trim().is_empty() => None,
                    Value::String(c) => {
                        let c = c.trim().to_ascii_lowercase();
                        let ok = c.len() == 7
                            && c.starts_with('#')
                            && c[1..].chars().all(|x| x.is_ascii_hexdigit());
                        if !ok {
                            return Err(Error::invalid("data", "color is #rrggbb"));
                        }
                        Some(c)
                    }
                    _ => return Err(Error::invalid("data", "color is #rrggbb")),
                });
            }
            "isisolated" => {
                s.is_isolated = Some(match value {
                    Value::Bool(b) => *b,
                    Value::String(t) => super::params::parse_bool(t)
                        .ok_or_else(|| Error::invalid("data", "isIsolated is true or false"))?,
                    _ => return Err(Error::invalid("data", "isIsolated is true or false")),
                });
            }
            "visibility" => {
                let v = match value {
                    Value::Number(n) => n.as_i64(),
                    Value::String(t) => match t.trim().to_ascii_uppercase().as_str() {
                        "SHOW" => Some(0),
                        "HIDE" => Some(1),
                        "SHOW_IF_NOT_EMPTY" => Some(2),
                        other => other.parse().ok(),
                    },
                    _ => None,
                }
                .filter(|v| (0..=2).contains(v))
                .ok_or_else(|| {
                    Error::invalid(
                        "data",
                        "visibility is 0 (show), 1 (hide) or 2 (show if not empty)",
                    )
                })?;
                s.visibility = Some(v);
            }
            _ => {
                return Err(Error::invalid(
                    "data",
                    format!("unknown key {key}: color, isIsolated and visibility can be set"),
                ));
            }
        }
    }
    Ok(s)
}

pub async fn create_group(call: &Call<'_>) -> Result<Fields, Error> {
    let owner = check_context(call).await?;
    let names = names(call, "envGroup", "groupName")?;
    let settings = settings(call)?;
    let created = call
        .kunci
        .envs
        .create_groups(owner, &names, &settings)
        .await?;
    Ok(array(&created))
}

pub async fn edit_group(call: &Call<'_>) -> Result<Fields, Error> {
    let owner = check_context(call).await?;
    let src = call
        .params
        .text("srcGroupName")
        .or_else(|| call.params.text("groupName"))
        .ok_or_else(|| Error::invalid("srcGroupName", "required"))?;
    let src = model::group_name(src, "srcGroupName")?;
    let dst = match call.params.text("dstGroupName") {
        Some(d) => Some(model::group_name(d, "dstGroupName")?),
        None => None,
    };
    let settings = settings(call)?;
    let edited = call
        .kunci
        .envs
        .edit_group(owner, &src, dst.as_deref(), &settings)
        .await?;
    Ok(array(&[edited]))
}

pub async fn get_groups(call: &Call<'_>) -> Result<Fields, Error> {
    let owner = check_context(call).await?;
    Ok(array(&call.kunci.envs.groups(owner).await?))
}

pub async fn remove_group(call: &Call<'_>) -> Result<Fields, Error> {
    let owner = check_context(call).await?;
    let names = names(call, "envGroup", "groupName")?;
    call.kunci.envs.remove_groups(owner, &names).await?;
    Ok(Fields::new())
}
