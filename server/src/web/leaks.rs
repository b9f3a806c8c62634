//! `POST /leak-reports`: where secret-scanning services report leaked token values, in
//! the shape of GitHub's secret scanning partner program. The rules (signature, shape,
//! revocation, alerts) are `kunci_core::services::leaks`'; this handler reads the
//! headers and the body, and shapes the answer:
//!
//! - 200 with `[{"token_hash", "token_type", "label"}]`, one per reported value in the
//!   report's order (`true_positive` for a Kunci token, live or already retired;
//!   `false_positive` otherwise; never the value);
//! - 404 while the operator has not configured `--leak-report-keys`;
//! - 401 unsigned, unknown key or wrong signature; 400 malformed JSON or wrong shape;
//!   413 a body over 1 MiB or more than 5,000 values: `{"error", "reason"}`, and no
//!   token touched.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::body::read_body;
use crate::kunci::Kunci;
use kunci_core::services::leaks::{LeakRefusal, ReportError, SignedReport};

/// The headers a report's key identifier and signature may come in, GitHub's first.
const KEY_ID_HEADERS: [&str; 2] = [
    "github-public-key-identifier",
    "kunci-public-key-identifier",
];
const SIGNATURE_HEADERS: [&str; 2] = ["github-public-key-signature", "kunci-public-key-signature"];

pub async fn report(State(kunci): State<Arc<Kunci>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if !kunci.leaks.enabled() {
        return refused(&LeakRefusal::Disabled);
    }
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => return refused(&LeakRefusal::TooLarge),
        Err(status) => {
            let e = json!({"error": "the request body could not be read", "reason": "unreadable"});
            return (status, axum::Json(e)).into_response();
        }
    };
    let ip = parts
        .extensions
        .get::<app::backend::ClientMeta>()
        .map(|c| c.ip.clone())
        .unwrap_or_else(|| "unknown".into());
    let report = SignedReport {
        key_id: first_header(&parts.headers, &KEY_ID_HEADERS),
        signature: first_header(&parts.headers, &SIGNATURE_HEADERS),
        body: &body,
    };
    match kunci.leaks.report(report, &ip).await {
        Ok(outcomes) => {
            let labels: Vec<serde_json::Value> = outcomes
                .into_iter()
                .map(|o| {
                    json!({
                        "token_hash": o.token_hash,
                        "token_type": o.token_type,
                        "label": if o.verdict.is_true_positive() { "true_positive" } else { "false_positive" },
                    })
                })
                .collect();
            axum::Json(labels).into_response()
        }
        Err(ReportError::Refused(r)) => {
            tracing::info!(reason = r.reason(), "leak report refused");
            refused(&r)
        }
        Err(ReportError::Failed(e)) => {
            let request_id = crate::telemetry::current_request_id();
            tracing::error!(error = ?e, "leak report failed");
            let e = json!({"error": format!("internal error (request id {request_id})"), "reason": "internal"});
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(e)).into_response()
        }
    }
}

/// The first of `names` the request carries (as text).
fn first_header<'a>(headers: &'a HeaderMap, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()))
}

fn refused(r: &LeakRefusal) -> Response {
    let status = match r {
        LeakRefusal::Disabled => StatusCode::NOT_FOUND,
        LeakRefusal::Unsigned | LeakRefusal::UnknownKey(_) | LeakRefusal::BadSignature(_) => {
            StatusCode::UNAUTHORIZED
        }
        LeakRefusal::TooLarge | LeakRefusal::TooMany(_) => StatusCode::PAYLOAD_TOO_LARGE,
        LeakRefusal::Malformed(_) | LeakRefusal::WrongShape(_) => StatusCode::BAD_REQUEST,
    };
    let body = json!({"error": r.to_string(), "reason": r.reason()});
    (status, axum::Json(body)).into_response()
}
