//! Middleware every request passes through.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use app::backend::ClientMeta;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::body::{DRAIN_BODY_BYTES, MAX_BODY_BYTES, read_body};
use crate::kunci::Kunci;
use crate::telemetry::{escape_control, redact_query, with_request_id};

/// Works out who the client is (address, user agent, https), gives the request an id,
/// and logs one line when it is answered. The line holds the path and the query with
/// secret parameters redacted and control characters escaped, never a header.
pub async fn request_context(
    State(kunci): State<Arc<Kunci>>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let trust_proxy = kunci.config.http.trust_proxy;
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = client_meta(req.headers(), peer, trust_proxy);
    let request_id = crate::telemetry::next_request_id();
    // What the request line says, kept only when it will be logged.
    let logged = tracing::enabled!(tracing::Level::INFO).then(|| {
        let path = escape_control(req.uri().path()).into_owned();
        let query = req
            .uri()
            .query()
            .map(|q| escape_control(&redact_query(q)).into_owned());
        (req.method().clone(), path, query, client.ip.clone())
    });
    req.extensions_mut().insert(client);

    let mut response = with_request_id(request_id.clone(), next.run(req)).await;

    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let status = response.status().as_u16();
    if let Some((method, path, query, ip)) = logged
        && (!(path == "/healthz" || path == "/readyz") || status >= 400)
    {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            request_id = %request_id,
            method = %method,
            path = %path,
            query = query.as_deref().unwrap_or(""),
            status,
            ms = format!("{ms:.2}"),
            client_ip = %ip,
            "request"
        );
    }
    response
}

fn client_meta(headers: &HeaderMap, peer: Option<IpAddr>, trust_proxy: bool) -> ClientMeta {
    let ip = if trust_proxy {
        forwarded_for(headers).or(peer)
    } else {
        peer
    };
    let https = trust_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(512)
        .collect();
    ClientMeta {
        ip: ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "unknown".into()),
        user_agent,
        https,
    }
}

/// The client address the trusted proxy reports: the last entry of `X-Forwarded-For`
/// (all its headers joined), the one the proxy itself appended. Every entry before it
/// is whatever the client chose to send, so only the last one counts; when it is not an
/// address (`ip`, `ipv4:port`, `[ipv6]:port`, bare ipv6), the caller falls back to the
/// peer address rather than to an earlier entry.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last_header = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last_entry = last_header.to_str().ok()?.rsplit(',').next()?;
    parse_forwarded_entry(last_entry.trim_matches([' ', '\t']))
}

/// One `X-Forwarded-For` entry, strictly: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or
/// `[2001:db8::1]:5678`.
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    let port = |p: &str| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok()
    };
    if let Some(rest) = entry.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        let ip = v6.parse::<Ipv6Addr>().ok()?;
        return (after.is_empty() || after.strip_prefix(':').is_some_and(port))
            .then_some(IpAddr::V6(ip));
    }
    let (v4, p) = entry.split_once(':')?;
    let ip = v4.parse::<Ipv4Addr>().ok()?;
    port(p).then_some(IpAddr::V4(ip))
}

/// What a response that is not a page may do in a browser: nothing.
const CSP_NOT_A_PAGE: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Headers that make the browser safer for every page and answer. Pages carry their
/// own Content-Security-Policy (with the nonce of their inline scripts, set while
/// rendering); every other answer gets one that allows nothing.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let cacheable =
        req.uri().path().starts_with("/pkg/") || req.uri().path().starts_with("/favicon");
    let https = req
        .extensions()
        .get::<ClientMeta>()
        .is_some_and(|c| c.https);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_NOT_A_PAGE),
        );
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !cacheable {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Guards the server functions (`/api/...`):
/// - refuses state-changing calls from another origin (CSRF): a browser always sends
///   `Origin` on such a request, and it must name this host;
/// - gives a failed call the HTTP status its error deserves (400 for bad input, 401,
///   403, 409...), where the framework would answer 500 for every error.
pub async fn server_fn_guard(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(req.headers()) {
        return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        // Read it to its end first (bounded), so the client reads the 413.
        if declared.is_some_and(|n| n <= DRAIN_BODY_BYTES) {
            let _ = read_body(req.into_body()).await;
        }
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body larger than 1 MiB",
        )
            .into_response();
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        // No Origin: not a browser's cross-site request (browsers send it on POST).
        return headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v == "same-origin" || v == "none");
    };
    if origin.as_bytes() == b"null" {
        // A browser sends `Origin: null` on a plain form's POST under some referrer
        // policies and privacy settings; it then also says, in a header no page can
        // set, whether the post came from this site.
        return headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"same-origin");
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Decides the language a page is rendered in (`kunci_rules::language::choose`: the
/// account's choice, else the `kunci_lang` cookie, else `Accept-Language`) and hands it
/// to the renderer as `app::language::PageLanguage`. Only page loads need it: the REST
/// API stays English, and server functions answer data, not words.
pub async fn page_language(
    State(kunci): State<Arc<Kunci>>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let is_page = req.method() == Method::GET
        && !["/1.0/", "/api/", "/pkg/", "/ui/"]
            .iter()
            .any(|p| path.starts_with(p));
    if is_page {
        let headers = req.headers();
        let saved = match app::backend::cookie(headers, app::backend::SESSION_COOKIE) {
            Some(secret) => kunci.sessions.language(secret).await.ok().flatten(),
            None => None,
        };
        let cookie = app::backend::cookie(headers, kunci_rules::language::LANGUAGE_COOKIE);
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let chosen = kunci_rules::language::choose(saved.as_deref(), cookie, accept);
        req.extensions_mut()
            .insert(app::language::PageLanguage(chosen));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origin_must_match_host() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "null")
        ])));
        // `Origin: null` only with the browser's own word that the post is same-origin.
        for (site, allowed) in [
            ("same-origin", true),
            ("same-site", false),
            ("cross-site", false),
            ("none", false),
        ] {
            assert_eq!(
                same_origin(&headers(&[
                    ("host", "127.0.0.1:3000"),
                    ("origin", "null"),
                    ("sec-fetch-site", site)
                ])),
                allowed,
                "{site}"
            );
        }
        assert!(same_origin(&headers(&[("host", "a")])));
        assert!(!same_origin(&headers(&[
            ("host", "a"),
            ("sec-fetch-site", "cross-site")
        ])));
    }

    #[test]
    fn forwarded_address_is_used_only_behind_a_trusted_proxy() {
        let h = headers(&[
            ("x-forwarded-for", "9.9.9.9, 10.0.0.7"),
            ("x-forwarded-proto", "https"),
        ]);
        let peer = Some("127.0.0.1".parse().unwrap());
        let direct = client_meta(&h, peer, false);
        assert_eq!(direct.ip, "127.0.0.1");
        assert!(!direct.https);
        let proxied = client_meta(&h, peer, true);
        assert_eq!(proxied.ip, "10.0.0.7");
        assert!(proxied.https);
    }

    /// The address a trusted proxy reports for each `X-Forwarded-For` value.
    fn forwarded(values: &[&str]) -> String {
        let pairs: Vec<(&'static str, &str)> =
            values.iter().map(|v| ("x-forwarded-for", *v)).collect();
        client_meta(&headers(&pairs), Some("192.0.2.1".parse().unwrap()), true).ip
    }

    #[test]
    fn the_last_forwarded_entry_counts_in_every_address_form() {
        for (value, want) in [
            ("10.0.0.1", "10.0.0.1"),
            ("6.6.6.6, 10.0.0.1:4321", "10.0.0.1"),
            ("6.6.6.6,10.0.0.1", "10.0.0.1"),
            (" 10.0.0.1 ", "10.0.0.1"),
            ("2001:db8::7", "2001:db8::7"),
            ("6.6.6.6, [2001:db8::7]:443", "2001:db8::7"),
            ("[2001:db8::7]", "2001:db8::7"),
            ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ] {
            assert_eq!(forwarded(&[value]), want, "{value}");
        }
        // Several headers are one list: the last header's last entry.
        assert_eq!(forwarded(&["6.6.6.6", "7.7.7.7, 10.0.0.2:80"]), "10.0.0.2");
    }

    #[test]
    fn a_last_forwarded_entry_that_is_not_an_address_means_the_peer() {
        for value in [
            "1.2.3.4, garbage",
            "1.2.3.4, ",
            "1.2.3.4,",
            "1.2.3.4, unknown",
            "1.2.3.4, 10.0.0.1:",
            "1.2.3.4, 10.0.0.1:99999",
            "1.2.3.4, 10.0.0.1:80:80",
            "1.2.3.4, 10.0.0.1:+80",
            "1.2.3.4, 2001:db8::7:443x",
            "1.2.3.4, [2001:db8::7]:",
            "1.2.3.4, [2001:db8::7]x",
            "1.2.3.4, [10.0.0.1]:80",
            "1.2.3.4, 10.0.0.1 10.0.0.2",
            "1.2.3.4, _hidden",
            "",
        ] {
            assert_eq!(forwarded(&[value]), "192.0.2.1", "{value:?}");
        }
        assert_eq!(forwarded(&["10.0.0.1", "junk"]), "192.0.2.1");
        let mut h = headers(&[("x-forwarded-for", "10.0.0.1")]);
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff10.0.0.2").unwrap(),
        );
        assert_eq!(
            client_meta(&h, Some("192.0.2.1".parse().unwrap()), true).ip,
            "192.0.2.1",
            "not text"
        );
        assert_eq!(
            client_meta(&headers(&[]), Some("192.0.2.1".parse().unwrap()), true).ip,
            "192.0.2.1"
        );
    }
}
