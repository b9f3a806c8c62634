//! Server functions: the browser's calls into the server. Each one reads the request,
//! calls the [`Backend`](crate::backend::Backend) and shapes the answer; no rule lives here.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::backend::{backend, RequestCtx};
    pub use secrecy::{ExposeSecret, SecretString};

    use crate::error::AppError;

    /// Adds a `Set-Cookie` header to the server function's response.
    pub fn set_cookie(value: &str) -> Result<(), AppError> {
        let options = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
            .ok_or_else(|| AppError::Internal("no response context".into()))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| AppError::Internal("bad cookie".into()))?;
        options.append_header(http::header::SET_COOKIE, value);
        Ok(())
    }
}

/// Creates an account, signs it in and goes to the dashboard.
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    login: String,
    name: String,
    password: String,
    password_again: String,
) -> Result<(), AppError> {
    use ssr::*;
    if password != password_again {
        return Err(AppError::invalid(
            "password_again",
            "the two passwords differ",
        ));
    }
    let ctx = RequestCtx::current()?;
    let opened = backend()?
        .sign_up(&ctx, login, name, SecretString::from(password))
        .await?;
    set_cookie(opened.set_cookie.expose_secret())?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Signs in with login and password and goes to the dashboard.
#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(login: String, password: String) -> Result<(), AppError> {
    use ssr::*;
    let ctx = RequestCtx::current()?;
    let opened = backend()?
        .sign_in(&ctx, login, SecretString::from(password))
        .await?;
    set_cookie(opened.set_cookie.expose_secret())?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Ends the current session and goes to the sign-in page.
#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use ssr::*;
    let ctx = RequestCtx::current()?;
    let clear = backend()?.sign_out(&ctx).await?;
    set_cookie(&clear)?;
    leptos_axum::redirect("/signin");
    Ok(())
}

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    use ssr::*;
    let ctx = RequestCtx::current()?;
    backend()?.current_user(&ctx).await
}
