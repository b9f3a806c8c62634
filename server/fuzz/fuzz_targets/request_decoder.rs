//! Fuzzes the REST request decoder: the method lookup from the path, and the merge of
//! query string and body into parameters, for every body encoding. Any input must give
//! an answer or result 3, never a panic.
//!
//! Run: `cd server/fuzz && cargo +nightly fuzz run request_decoder -- -max_total_time=300`
#![no_main]

use kunci_server::rest::method_of_path;
use kunci_server::rest::params::{BodyKind, Params, parse_ids};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The input is split at its first two 0xFF bytes into path, query and body; the
    // first byte picks the body's content type.
    let mut parts = data.splitn(3, |b| *b == 0xFF);
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let query = parts.next().map(|q| String::from_utf8_lossy(q).into_owned());
    let body = parts.next().unwrap_or_default();
    let kind = match data.first().copied().unwrap_or(0) % 3 {
        0 => BodyKind::Form,
        1 => BodyKind::Json,
        _ => BodyKind::Other,
    };
    let _ = method_of_path(&format!("/1.0/{path}"));
    match Params::parse(query.as_deref(), body, kind) {
        Ok(params) => {
            for name in params.names().map(str::to_string).collect::<Vec<_>>() {
                let _ = params.bool(&name);
                let _ = params.int(&name);
                let _ = params.json(&name);
                if let Some(v) = params.get(&name) {
                    let _ = parse_ids(v, &name);
                    let _ = kunci_server::domain::token::parse_api_list(v, &name);
                    let _ = kunci_server::domain::token::parse_wire_expiry(v, 1_800_000_000);
                }
            }
        }
        Err(e) => assert_eq!(e.code(), 3),
    }
});
