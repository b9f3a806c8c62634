//! `users.authentication`: Signin, Signout, CheckSign, GetSessions, SignoutSessions.

use axum::http::Method;
use kunci_core::Error;
use serde_json::{Value, json};

use super::params::parse_ids;
use super::{Call, Fields};
use crate::client::core_client;
use crate::cookies::device_cookie;
use kunci_core::clock::format_wire;
use kunci_core::services::sessions::SessionKind;

fn account_fields(uid: i64, login: &str, name: &str) -> Fields {
    let Value::Object(map) = json!({
        "uid": uid,
        "email": login,
        "name": name,
        "status": kunci_core::domain::AccountStatus::Enabled.as_str(),
        "accessType": "FULL_ACCESS",
        "authType": "BASIC",
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

/// The current session of a session caller (tokens never get here: the authorization
/// point refuses them on authentication methods).
fn session_id(call: &Call<'_>) -> Result<i64, Error> {
    call.caller()?.session_id().ok_or(Error::NotAuthenticated)
}

pub async fn signin(call: &Call<'_>) -> Result<Fields, Error> {
    if call.http_method != Method::POST {
        return Err(Error::invalid(
            "request",
            "Signin accepts POST only: send login and password in the body, not the URL",
        ));
    }
    let login = call.params.required("login")?;
    let password =
        super::tokens::password(call).ok_or_else(|| Error::invalid("password", "required"))?;
    let k = call.kunci;
    let signed_in = k
        .accounts
        .authenticate(login, password, &call.client.ip, call.device.as_deref())
        .await?;
    let user = signed_in.user;
    let secure = k.config.http.secure_cookies(call.client.https);
    let _ = call
        .set_cookie
        .set(device_cookie(signed_in.device.expose(), secure));
    let secret = k
        .sessions
        .open(user.id, SessionKind::Api, &core_client(&call.client))
        .await?;
    let mut fields = Fields::new();
    fields.insert("session".into(), Value::String(secret.expose().to_string()));
    fields.extend(account_fields(user.id, &user.login, &user.name));
    Ok(fields)
}

pub async fn signout(call: &Call<'_>) -> Result<Fields, Error> {
    call.kunci.sessions.end(session_id(call)?).await?;
    Ok(Fields::new())
}

pub async fn check_sign(call: &Call<'_>) -> Result<Fields, Error> {
    let p = call.caller()?;
    Ok(account_fields(p.user_id, &p.login, &p.name))
}

pub async fn get_sessions(call: &Call<'_>) -> Result<Fields, Error> {
    let p = call.caller()?;
    let sessions = call
        .kunci
        .sessions
        .list(p.user_id, session_id(call)?)
        .await?;
    let list: Vec<Value> = sessions
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "uid": p.user_id,
                "host": s.ip,
                "userAgent": s.user_agent,
                "lastAccess": format_wire(s.last_seen_at),
                "createdOn": format_wire(s.created_at),
                "current": s.current,
                "type": s.kind.to_uppercase(),
            })
        })
        .collect();
    let mut fields = Fields::new();
    fields.insert("sessions".into(), Value::Array(list));
    Ok(fields)
}

/// Ends the sessions `ids` (`1;4;6`, `1,4,6`); `*` ends every session but this one.
pub async fn signout_sessions(call: &Call<'_>) -> Result<Fields, Error> {
    let p = call.caller()?;
    let current = session_id(call)?;
    let sessions = &call.kunci.sessions;
    match parse_ids(call.params.required("ids")?, "ids")? {
        Some(ids) => sessions.close_many(p.user_id, &ids).await?,
        None => sessions.close_others(p.user_id, current).await?,
    };
    Ok(Fields::new())
}
