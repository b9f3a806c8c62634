//! The cookies Kunci sets, for the dashboard and the REST API alike.

/// The session cookie: HttpOnly (no script reads it), SameSite=Lax, Secure over https.
pub fn session_cookie(secret: &str, secure: bool, max_age_secs: u64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}",
        app::backend::SESSION_COOKIE
    )
}

/// The device cookie (see `services::throttle`): HttpOnly, SameSite=Lax, for as long
/// as the server remembers devices.
pub fn device_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        app::backend::DEVICE_COOKIE,
        kunci_core::services::accounts::DEVICE_LIFETIME_SECS
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        app::backend::SESSION_COOKIE
    )
}
