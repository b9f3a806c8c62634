//! `users.authentication`: Signin, SigninByToken, Signout, CheckSign, GetSessions,
//! SignoutSessions.

use axum::http::Method;
use kunci_core::Error;
use serde_json::{Value, json};

use super::params::parse_ids;
use super::{Call, Fields};
use crate::client::core_client;
use crate::cookies::device_cookie;
use kunci_core::clock::format_wire;
use kunci_core::services::authz::{Principal, Via};
use kunci_core::services::sessions::SessionKind;

/// The platform's `accessType`: a sign-in session has the account's full rights, a
/// token only those of its permissions.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    Full,
    Restricted,
}

impl Access {
    pub fn of(via: &Via) -> Access {
        match via {
            Via::Session { .. } => Access::Full,
            Via::Token { .. } => Access::Restricted,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Access::Full => "FULL_ACCESS",
            Access::Restricted => "RESTRICTED",
        }
    }
}

/// The account fields of Signin, CheckSign and GetUserInfo.
pub fn account_fields(uid: i64, login: &str, name: &str, access: Access) -> Fields {
    let Value::Object(map) = json!({
        "uid": uid,
        "email": login,
        "name": name,
        "status": kunci_core::domain::AccountStatus::Enabled.as_str(),
        "accessType": access.as_str(),
        "authType": "BASIC",
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

/// The account fields of an authenticated caller.
pub fn caller_fields(p: &Principal) -> Fields {
    account_fields(p.user_id, &p.login, &p.name, Access::of(&p.via))
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
    if let Some(device) = &signed_in.device {
        let _ = call.set_cookie.set(device_cookie(device.expose(), secure));
    }
    let client = core_client(&call.client);
    let secret = if signed_in.second_factor {
        k.sessions
            .open_pending(user.id, SessionKind::Api, &client)
            .await?
    } else {
        k.sessions.open(user.id, SessionKind::Api, &client).await?
    };
    let mut fields = Fields::new();
    fields.insert("session".into(), Value::String(secret.expose().to_string()));
    fields.extend(account_fields(
        user.id,
        &user.login,
        &user.name,
        Access::Full,
    ));
    if signed_in.second_factor {
        // The session is good only for Verify2FACode (or Signout) until then.
        fields.insert(TWO_FACTOR_REQUIRED.into(), Value::Bool(true));
    }
    Ok(fields)
}

/// Signin's field saying the session waits for Verify2FACode (absent otherwise).
pub const TWO_FACTOR_REQUIRED: &str = "twoFactorRequired";

/// The second step of a sign-in on an account with two-factor sign-in: `code` (a
/// current 6-digit code of the authenticator app, or an unused recovery code) makes the
/// pending `session` a full one. Answers the account fields. A wrong or used code is
/// 707 and counts toward the sign-in lock like a wrong password (704 once spent); a
/// malformed one is 3 naming `code`.
pub async fn verify_2fa_code(call: &Call<'_>) -> Result<Fields, Error> {
    use kunci_core::services::two_factor::SignInStep;
    let p = call.caller()?;
    let session_id = p.session_id().ok_or(Error::NotAuthenticated)?;
    let code = call.params.required("code")?;
    let device = call
        .kunci
        .two_factor
        .verify_sign_in(
            &SignInStep {
                session_id,
                user_id: p.user_id,
                login: &p.login,
                pending: p.pending,
                ip: &call.client.ip,
                device: call.device.as_deref(),
            },
            code,
        )
        .await?;
    let secure = call.kunci.config.http.secure_cookies(call.client.https);
    let _ = call.set_cookie.set(device_cookie(device.expose(), secure));
    Ok(caller_fields(p))
}

/// Signs in with a personal access token alone (`session` is ignored; `userHeaders`,
/// which clients send as `None`, too). The answer's `session` is the token value
/// itself: it carries exactly the token's permissions and expiry and dies with the
/// token, and the authorization point already resolves it. Unknown, expired, deleted,
/// regenerated-away and malformed values are 702, a disabled account's 704, and values
/// that are not live count against the client address's flood limit, as anywhere else.
pub async fn signin_by_token(call: &Call<'_>) -> Result<Fields, Error> {
    let value = call.params.required("token")?;
    let tokens = &call.kunci.tokens;
    let client = core_client(&call.client);
    let token = tokens.authenticate(value, &client, &call.api.name).await?;
    // From outside its allowlist a token signs nothing in (8202, as any of its calls).
    tokens.check_address(&token, &client).await?;
    tokens.note_use(&token).await;
    let mut fields = Fields::new();
    fields.insert("session".into(), Value::String(value.to_string()));
    fields.extend(account_fields(
        token.user_id,
        &token.login,
        &token.name,
        Access::Restricted,
    ));
    Ok(fields)
}

pub async fn signout(call: &Call<'_>) -> Result<Fields, Error> {
    call.kunci.sessions.end(session_id(call)?).await?;
    Ok(Fields::new())
}

/// The caller's account fields; a token asking about itself also gets `token`: its id,
/// description, `expiresAt` (absent when it never expires) and `methods` (the API list
/// names it may call), `ipAllowlist` and `envNames` (its restrictions; empty arrays when
/// it has none), so a job can see what its token may do before it tries.
pub async fn check_sign(call: &Call<'_>) -> Result<Fields, Error> {
    let p = call.caller()?;
    let mut fields = caller_fields(p);
    if let Some(token) = own_token(call).await? {
        let mut about = serde_json::Map::new();
        about.insert("id".into(), json!(token.id));
        about.insert("description".into(), json!(token.description));
        if let Some(at) = token.expires_at {
            about.insert("expiresAt".into(), json!(format_wire(at)));
        }
        let methods: Vec<&str> = token.methods.iter().map(|m| m.name.as_str()).collect();
        about.insert("methods".into(), json!(methods));
        let r = &token.restrictions;
        about.insert("ipAllowlist".into(), json!(r.ip_allowlist.entries()));
        about.insert("envNames".into(), json!(r.env_scope.entries()));
        fields.insert("token".into(), Value::Object(about));
    }
    Ok(fields)
}

/// The token the call was made with (`None` for a sign-in session).
async fn own_token(
    call: &Call<'_>,
) -> Result<Option<kunci_core::services::tokens::TokenInfo>, Error> {
    let p = call.caller()?;
    match p.via {
        Via::Token { token_id, .. } => Ok(Some(call.kunci.tokens.get(p.user_id, token_id).await?)),
        Via::Session { .. } => Ok(None),
    }
}

/// The calling token's own: a session has no token to ask about.
async fn calling_token(call: &Call<'_>) -> Result<kunci_core::services::tokens::TokenInfo, Error> {
    own_token(call).await?.ok_or_else(|| {
        Error::invalid(
            "session",
            "send the access token itself as the credential (session or Authorization: Bearer)",
        )
    })
}

/// The calling token's description (`checksum`, which clients may send, is ignored:
/// the token is the credential).
pub async fn get_description_by_token(call: &Call<'_>) -> Result<Fields, Error> {
    let token = calling_token(call).await?;
    let mut fields = Fields::new();
    fields.insert("description".into(), json!(token.description));
    Ok(fields)
}

/// The uid of the calling token's owner (`checksum` is ignored, as above).
pub async fn get_uid_by_token(call: &Call<'_>) -> Result<Fields, Error> {
    let p = call.caller()?;
    calling_token(call).await?;
    let mut fields = Fields::new();
    fields.insert("uid".into(), json!(p.user_id));
    Ok(fields)
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
