//! Token activity over REST: recording each call made with a token (time, method,
//! environment named, client address, result) and `users.authentication.GetTokenActivity`,
//! a Kunci method. Recording never waits for the database (`services::token_activity`).

use kunci_core::Error;
use kunci_core::clock::format_wire;
use kunci_core::services::authz::{TokenSeen, Via};
use kunci_core::services::token_activity::{
    ActivityQuery, DEFAULT_PAGE, MAX_PAGE, TokenUse, result_filter,
};
use serde_json::{Value, json};

use super::params::Params;
use super::{Call, Fields};
use crate::kunci::Kunci;
use app::backend::ClientMeta;
use kunci_core::domain::catalog::ApiMethod;

/// Records an authorized call made with a token, with its final result code.
pub fn record(call: &Call<'_>, result: i32) {
    let Some(p) = &call.principal else { return };
    let Via::Token { token_id, .. } = p.via else {
        return;
    };
    call.kunci.activity.record(TokenUse {
        token_id,
        user_id: p.user_id,
        method: call.api,
        env_name: call.params.text("envName"),
        ip: &call.client.ip,
        result,
    });
}

/// Records a call the authorization point refused with 8202 to the live token that made
/// it (the token it already found: no second lookup). Calls refused before a token is
/// known live (702) are not recorded: a made-up value must cost nothing more (see
/// `services::flood`); dead values are in the security log.
pub fn record_refused(
    kunci: &Kunci,
    token: &TokenSeen,
    api: &'static ApiMethod,
    params: &Params,
    client: &ClientMeta,
    error: &Error,
) {
    if !matches!(error, Error::PermissionDenied(_)) {
        return;
    }
    kunci.activity.record(TokenUse {
        token_id: token.id,
        user_id: token.user_id,
        method: api,
        env_name: params.text("envName"),
        ip: &client.ip,
        result: error.code(),
    });
}

/// `users.authentication.GetTokenActivity`: `id` (one of the caller's tokens, 3 naming
/// `id` otherwise), optional `from` (answer rows older than this activity id: the
/// `next` of the previous page), `count` (default 50, at most 500), `method` (part of
/// the method name, any case) and `result` (`success`, `failure` or a result code).
/// Answers `activity`, newest first, and `next` (`from` for the next page; absent on the
/// last page).
pub async fn get_token_activity(call: &Call<'_>) -> Result<Fields, Error> {
    let p = &call.params;
    let user = call.caller()?.user_id;
    let id = p
        .int("id")?
        .ok_or_else(|| Error::invalid("id", "required"))?;
    let count = p.int("count")?.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&count) {
        return Err(Error::invalid(
            "count",
            format!("from 1 to {MAX_PAGE} rows a page"),
        ));
    }
    let before = p.int("from")?;
    let query = ActivityQuery {
        before,
        method: p.text("method").map(str::to_string),
        result: result_filter(p.text("result"))?,
        count: count + 1,
    };
    let token = call.kunci.tokens.get(user, id).await?;
    let mut rows = call.kunci.activity.page(token.id, &query).await?;
    let more = rows.len() as i64 > count;
    rows.truncate(count as usize);
    let next = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let activity: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "time": format_wire(r.at),
                "method": r.method,
                "envName": r.env_name,
                "ip": r.ip,
                "resultCode": r.result,
                "calls": r.calls,
            })
        })
        .collect();
    let mut f = Fields::new();
    f.insert("activity".into(), Value::Array(activity));
    f.insert("next".into(), json!(next));
    Ok(f)
}

/// The `lastUsedIps` of a token: its last five addresses, newest first.
pub fn last_used_ips(ips: Option<&Vec<kunci_core::services::token_activity::UsedFrom>>) -> Value {
    Value::Array(
        ips.into_iter()
            .flatten()
            .map(|u| json!({"ip": u.ip, "lastUsed": format_wire(u.last_used)}))
            .collect(),
    )
}
