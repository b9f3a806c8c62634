//! `users.account`: GetUserInfo and the account's SSH keys (AddSSHKey, GetSSHKeys,
//! DeleteSSHKey). A sign-in session may call them all; a token those its permissions
//! hold.

use kunci_core::Error;
use serde_json::{Value, json};

use super::auth::caller_fields;
use super::{Call, Fields};
use kunci_core::domain::ssh::{SshKey, SshKeyTitle, SshPublicKey};
use kunci_core::services::security_log::Purpose;

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

// ----- two-factor sign-in (sign-in sessions only: the methods are private) -----

fn actor<'a>(call: &'a Call<'_>) -> Result<kunci_core::services::tokens::Actor<'a>, Error> {
    call.caller()?.actor(&call.client.ip)
}

fn code<'a>(call: &'a Call<'_>) -> Result<&'a str, Error> {
    call.params.required("code")
}

fn recovery_codes(codes: &kunci_core::services::two_factor::RecoveryCodes) -> Fields {
    single("recoveryCodes", json!(codes.codes()))
}

/// Starts enrolment (`password`): a new pending secret, answered as `secret` (base32),
/// `otpauthUrl` and `qrSvg`; nothing is on until Enable2FA.
pub async fn get_2fa_config(call: &Call<'_>) -> Result<Fields, Error> {
    use secrecy::ExposeSecret;
    let p = call.caller()?;
    let enrolment = call
        .kunci
        .two_factor
        .begin(&actor(call)?, &p.login, super::tokens::password(call))
        .await?;
    let mut f = Fields::new();
    f.insert("secret".into(), json!(enrolment.secret.expose_secret()));
    f.insert(
        "otpauthUrl".into(),
        json!(enrolment.otpauth_url.expose_secret()),
    );
    f.insert("qrSvg".into(), json!(enrolment.qr_svg.expose_secret()));
    Ok(f)
}

/// Turns two-factor sign-in on (`code` of the pending secret, `password`); answers the
/// ten `recoveryCodes`, this once.
pub async fn enable_2fa(call: &Call<'_>) -> Result<Fields, Error> {
    let codes = call
        .kunci
        .two_factor
        .enable(&actor(call)?, super::tokens::password(call), code(call)?)
        .await?;
    Ok(recovery_codes(&codes))
}

/// Turns two-factor sign-in off (`password`, `code`: a current code or an unused
/// recovery code).
pub async fn disable_2fa(call: &Call<'_>) -> Result<Fields, Error> {
    call.kunci
        .two_factor
        .disable(&actor(call)?, super::tokens::password(call), code(call)?)
        .await?;
    Ok(Fields::new())
}

/// How many recovery codes are left (`password`): Kunci keeps only their MACs, so the
/// codes themselves cannot be shown again.
pub async fn get_2fa_backup_codes(call: &Call<'_>) -> Result<Fields, Error> {
    let actor = actor(call)?;
    call.kunci
        .accounts
        .confirm_password(
            actor.user_id,
            actor.session_id,
            super::tokens::password(call),
            actor.ip,
            Purpose::SeeRecoveryCodesLeft,
        )
        .await?;
    let status = call.kunci.two_factor.status(actor.user_id).await?;
    let mut f = Fields::new();
    f.insert("enabled".into(), json!(status.enabled));
    f.insert(
        "recoveryCodesLeft".into(),
        json!(status.recovery_codes_left),
    );
    Ok(f)
}

/// Ten new recovery codes (`password`, `code`: a current code of the app); the old
/// ones stop working.
pub async fn regenerate_2fa_backup_codes(call: &Call<'_>) -> Result<Fields, Error> {
    let codes = call
        .kunci
        .two_factor
        .regenerate(&actor(call)?, super::tokens::password(call), code(call)?)
        .await?;
    Ok(recovery_codes(&codes))
}
