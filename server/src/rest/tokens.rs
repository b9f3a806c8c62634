//! `users.authentication` token methods: CreateToken, EditToken, RegenerateToken,
//! DeleteTokens, GetTokens, GetTokenApiList, GetTokenTemplates. Only a sign-in session
//! reaches these (the authorization point answers 8202 to tokens).

use kunci_core::Error;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::params::parse_ids;
use super::{Call, Fields};
use kunci_core::clock::{format_wire, now};
use kunci_core::domain::catalog::ApiMethod;
use kunci_core::domain::restrict::{EnvScope, IpAllowlist};
use kunci_core::domain::token::{PlainToken, TokenDescription, parse_wire_expiry};
use kunci_core::services::tokens::{
    Actor, Restrictions, TokenApi, TokenInfo, TokenInput, TokenPatch,
};

/// The `password` parameter, exactly as sent (passwords are never trimmed).
pub fn password(call: &Call<'_>) -> Option<SecretString> {
    call.params
        .get("password")
        .filter(|p| !p.is_empty())
        .map(|p| SecretString::from(p.to_string()))
}

fn actor<'a>(call: &'a Call<'_>) -> Result<Actor<'a>, Error> {
    call.caller()?.actor(&call.client.ip)
}

/// An `apiListItems` / `tokenPermissions` entry.
fn item(m: &ApiMethod) -> Value {
    json!({"id": m.id, "method": m.name, "isSafe": m.is_safe(), "isCollaborationAccessible": m.is_collaboration_accessible()})
}

/// The platform's token object; `key` only in the answers that issue a value. Of the
/// reference's other fields, `isSystem` is always false (Kunci makes no tokens for
/// itself); `extraData` is left out (Kunci keeps none).
pub fn token_json(token: &TokenInfo, key: Option<&PlainToken>) -> Value {
    let items = || token.methods.iter().map(|m| item(m)).collect::<Vec<_>>();
    let template = match &token.api {
        TokenApi::Template { id, name, .. } => {
            Some(json!({"id": id, "name": name, "apiListItems": items()}))
        }
        TokenApi::RemovedTemplate { .. } | TokenApi::Custom => None,
    };
    json!({
        "id": token.id,
        "description": token.description,
        "key": key.map(PlainToken::expose),
        "expiresAt": token.expires_at.map(format_wire),
        "lastUsed": token.last_used_at.map(format_wire),
        "createdOn": format_wire(token.created_at),
        "tokenTemplate": template,
        "apiListItems": items(),
        "isSystem": false,
        "ipAllowlist": token.restrictions.ip_allowlist.entries(),
        "envNames": token.restrictions.env_scope.entries(),
    })
}

/// `ipAllowlist` and `envNames` as given (`None` when absent; an empty text is an empty
/// list, which lifts the restriction).
fn restriction_params(call: &Call<'_>) -> Result<(Option<IpAllowlist>, Option<EnvScope>), Error> {
    let p = &call.params;
    let ips = p
        .get("ipAllowlist")
        .map(|raw| IpAllowlist::parse(raw, "ipAllowlist"))
        .transpose()?;
    let envs = p
        .get("envNames")
        .map(|raw| EnvScope::parse(raw, "envNames"))
        .transpose()?;
    Ok((ips, envs))
}

fn single(name: &str, value: Value) -> Fields {
    let mut f = Fields::new();
    f.insert(name.into(), value);
    f
}

pub async fn create_token(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    let tokens = &call.kunci.tokens;
    let description = TokenDescription::parse(p.get("description").unwrap_or(""))?;
    let expires_at =
        tokens.new_token_expiry(parse_wire_expiry(p.get("expiresAt").unwrap_or(""), now())?);
    let permissions = tokens
        .permissions_from(p.get("tokenTemplate"), p.get("apiList"))?
        .ok_or_else(|| {
            Error::invalid(
                "apiList",
                "choose a tokenTemplate, or list the methods the token may call in apiList",
            )
        })?;
    let (ip_allowlist, env_scope) = restriction_params(call)?;
    let input = TokenInput {
        description,
        expires_at,
        permissions,
        restrictions: Restrictions {
            ip_allowlist: ip_allowlist.unwrap_or_default(),
            env_scope: env_scope.unwrap_or_default(),
        },
    };
    let (token, value) = tokens.create(actor(call)?, password(call), input).await?;
    Ok(single("token", token_json(&token, Some(&value))))
}

/// Changes only the fields given. An empty `expiresAt` removes the expiry.
pub async fn edit_token(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    let tokens = &call.kunci.tokens;
    let id = p
        .int("id")?
        .ok_or_else(|| Error::invalid("id", "required"))?;
    let (ip_allowlist, env_scope) = restriction_params(call)?;
    let patch = TokenPatch {
        description: p
            .get("description")
            .map(TokenDescription::parse)
            .transpose()?,
        expires_at: p
            .get("expiresAt")
            .map(|e| parse_wire_expiry(e, now()))
            .transpose()?,
        permissions: tokens.permissions_from(p.get("tokenTemplate"), p.get("apiList"))?,
        ip_allowlist,
        env_scope,
    };
    if patch.is_empty() {
        return Err(Error::invalid(
            "description",
            "nothing to change: give description, expiresAt, tokenTemplate, apiList, ipAllowlist or envNames",
        ));
    }
    let token = tokens.edit(actor(call)?, password(call), id, patch).await?;
    Ok(single("token", token_json(&token, None)))
}

/// `id`, or `ids` naming exactly one token; `expiresAt` gives it a new expiry in the
/// same step (empty: never), which an expired token needs.
pub async fn regenerate_token(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    let id = match (p.int("id")?, p.text("ids")) {
        (Some(id), _) => id,
        (None, Some(ids)) => match parse_ids(ids, "ids")? {
            Some(ids) if ids.len() == 1 => ids[0],
            _ => return Err(Error::invalid("ids", "regenerate one token at a time")),
        },
        (None, None) => return Err(Error::invalid("id", "required")),
    };
    let tokens = &call.kunci.tokens;
    let expires_at = p
        .get("expiresAt")
        .map(|e| parse_wire_expiry(e, now()))
        .transpose()?;
    let (token, value) = tokens
        .regenerate(actor(call)?, password(call), id, expires_at)
        .await?;
    Ok(single("token", token_json(&token, Some(&value))))
}

/// `ids` as `1;4;6`, `1,4,6`, or `*` for all; all or nothing.
pub async fn delete_tokens(call: &Call<'_>) -> Result<Fields, Error> {
    let ids = parse_ids(call.params.required("ids")?, "ids")?;
    call.kunci
        .tokens
        .delete(actor(call)?, password(call), ids)
        .await?;
    Ok(Fields::new())
}

pub async fn get_tokens(call: &Call<'_>) -> Result<Fields, Error> {
    let ids = match call.params.text("ids") {
        None => None,
        Some(raw) => parse_ids(raw, "ids")?,
    };
    let tokens = &call.kunci.tokens;
    let user = call.caller()?.user_id;
    // First: it writes this instance's pending uses, `lastUsed` included.
    let ips = call.kunci.activity.last_ips(user).await?;
    let list = tokens.list(user, ids.as_deref()).await?;
    let json: Vec<Value> = list
        .iter()
        .map(|t| {
            let mut j = token_json(t, None);
            j["lastUsedIps"] = super::activity::last_used_ips(ips.get(&t.id));
            j
        })
        .collect();
    Ok(single("apiTokens", Value::Array(json)))
}

/// `search` (API reference 8.0.2) and `sortParam` (later versions, documented as a
/// filter by method name) both filter; a method must match each one given.
pub async fn get_token_api_list(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    let show_private = p.bool("showPrivate")?.unwrap_or(false);
    let filters: Vec<&str> = [p.text("search"), p.text("sortParam")]
        .into_iter()
        .flatten()
        .collect();
    let methods = call.kunci.tokens.api_list(&filters, show_private);
    let list: Vec<Value> = methods.iter().map(|m| item(m)).collect();
    let mut f = single("behavior", Value::from("ALLOW"));
    f.insert("tokenPermissions".into(), Value::Array(list));
    Ok(f)
}

pub async fn get_token_templates(call: &Call<'_>) -> Result<Fields, Error> {
    let templates: Vec<Value> = call
        .kunci
        .tokens
        .templates()
        .all()
        .iter()
        .map(|t| json!({"id": t.id, "name": t.name, "description": t.summary, "apiListItems": t.methods().iter().map(|m| item(m)).collect::<Vec<_>>()}))
        .collect();
    Ok(single("templates", Value::Array(templates)))
}
