//! The platform's answer envelope: `{"result": 0, ...fields}` on success and
//! `{"result": N, "error": "...", "source": "kunci"}` on failure, as UTF-8 JSON.
//! Null fields are left out.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kunci_core::Error;
use serde_json::{Map, Value};

use super::Fields;
use crate::metrics::ResultCode;

const JSON: &str = "application/json;charset=UTF-8";

/// Removes every `null` field, at any depth.
pub fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn respond(status: StatusCode, code: i32, mut body: Value) -> Response {
    strip_nulls(&mut body);
    json_response(status, code, body.to_string())
}

/// A serialized JSON body with the envelope's headers (JSON, never cached).
fn json_response(status: StatusCode, code: i32, body: impl IntoResponse) -> Response {
    let mut response = (status, body).into_response();
    response.extensions_mut().insert(ResultCode(code));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn success(fields: Fields) -> Response {
    let mut body = Map::with_capacity(fields.len() + 1);
    body.insert("result".into(), Value::from(0));
    body.extend(fields);
    respond(StatusCode::OK, 0, Value::Object(body))
}

/// `{"result":0, ...}` around an already serialized JSON object (no nulls in it).
pub fn success_object(object: &str) -> Response {
    json_response(StatusCode::OK, 0, success_body(object))
}

/// The success envelope's text around an already serialized JSON object.
pub fn success_body(object: &str) -> String {
    let inner = object
        .trim()
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
        .unwrap_or("")
        .trim();
    if inner.is_empty() {
        "{\"result\":0}".to_string()
    } else {
        format!("{{\"result\":0,{inner}}}")
    }
}

/// A success envelope written before (`success_body`), shared rather than copied.
pub fn success_written(body: bytes::Bytes) -> Response {
    json_response(StatusCode::OK, 0, body)
}

/// The envelope of a failure. An internal one is logged here with the request id,
/// and the client gets that id only.
pub fn failure(error: &Error, status: StatusCode) -> Response {
    crate::metrics::answered_error(error);
    let message = match error {
        Error::Internal(cause) => {
            let request_id = crate::telemetry::current_request_id();
            tracing::error!(request_id = %request_id, error = %cause, "internal error");
            format!("internal error (request id {request_id})")
        }
        other => other.to_string(),
    };
    failure_with(error.code(), &message, status)
}

pub fn failure_with(code: i32, message: &str, status: StatusCode) -> Response {
    respond(
        status,
        code,
        serde_json::json!({"result": code, "error": message, "source": "kunci"}),
    )
}
