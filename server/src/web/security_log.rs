//! The security log as the dashboard's contract carries it: the core's event
//! parameters, their codes as strings, for the page to word in its language.

use app::model::{SecurityEventParams, SecurityEventView};
use kunci_core::clock::format_wire;
use kunci_core::services::security_log::{EventParams, SecurityEvent};
use serde::Serialize;

pub fn event_view(e: SecurityEvent) -> SecurityEventView {
    SecurityEventView {
        id: e.id,
        at: format_wire(e.at),
        kind: e.kind,
        ip: e.ip,
        params: params_view(e.params),
        detail: e.detail,
    }
}

fn params_view(p: EventParams) -> SecurityEventParams {
    SecurityEventParams {
        token: p.token.map(|t| (t.id, t.description)),
        from: p.from,
        changed: p.changed.iter().map(code).collect(),
        purpose: p.purpose.as_ref().map(code),
        because: p.because.as_ref().map(code),
        method: p.method,
        revoked_on_reuse: p.revoked_on_reuse,
        expires_at: p.expires_at.map(format_wire),
        address: p.address,
        allowed: p.allowed,
        ssh_key: p.ssh_key.map(|k| (k.id, k.title, k.fingerprint)),
        by: p.by,
        by_console: p.by_console,
        owner: p.owner,
        source: p.source,
        url: p.url,
        turned_off_with: p.turned_off_with.as_ref().map(code),
        step: p.step.as_ref().map(code),
        count: p.count,
    }
}

/// A code enum's name as stored (`create_token`).
fn code(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
