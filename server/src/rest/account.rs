//! `users.account`: GetUserInfo and the account's SSH keys (AddSSHKey, GetSSHKeys,
//! DeleteSSHKey). A sign-in session may call them all; a token those its permissions
//! hold.

use kunci_core::Error;
use serde_json::{Value, json};

use super::auth::caller_fields;
use super::{Call, Fields};
use kunci_core::domain::ssh::{SshKey, SshKeyTitle, SshPublicKey};

/// The SSH key object: `isPrivate` is always false (Kunci stores no private keys).
fn key_json(key: &SshKey) -> Value {
    json!({
        "id": key.id,
        "title": key.title,
        "publicKey": key.public_key,
        "fingerprint": key.fingerprint,
        "isPrivate": false,
    })
}

fn single(name: &str, value: Value) -> Fields {
    let mut f = Fields::new();
    f.insert(name.into(), value);
    f
}

pub async fn get_user_info(call: &Call<'_>) -> Result<Fields, Error> {
    Ok(caller_fields(call.caller()?))
}

pub async fn add_ssh_key(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    if p.bool("isPrivate")? == Some(true) {
        return Err(Error::invalid(
            "isPrivate",
            "Kunci stores no private keys: add the public key, with isPrivate=false or without isPrivate",
        ));
    }
    let title = SshKeyTitle::parse(p.get("title").unwrap_or(""))?;
    let key = SshPublicKey::parse(p.get("sshKey").unwrap_or(""))?;
    let caller = call.caller()?;
    let added = call
        .kunci
        .ssh_keys
        .add(caller.user_id, title, key, &call.client.ip)
        .await?;
    Ok(single("key", key_json(&added)))
}

/// `isPrivate=true` lists the private keys, of which Kunci has none.
pub async fn get_ssh_keys(call: &Call<'_>) -> Result<Fields, Error> {
    if call.params.bool("isPrivate")? == Some(true) {
        return Ok(single("keys", Value::Array(Vec::new())));
    }
    let keys = call.kunci.ssh_keys.list(call.caller()?.user_id).await?;
    Ok(single(
        "keys",
        Value::Array(keys.iter().map(key_json).collect()),
    ))
}

pub async fn delete_ssh_key(call: &Call<'_>) -> Result<Fields, Error> {
    let id = call
        .params
        .int("id")?
        .ok_or_else(|| Error::invalid("id", "required"))?;
    let caller = call.caller()?;
    call.kunci
        .ssh_keys
        .delete(caller.user_id, id, &call.client.ip)
        .await?;
    Ok(Fields::new())
}
