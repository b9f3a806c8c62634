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

/// The signed-in user's environments.
#[server(endpoint = "envs/list")]
pub async fn list_envs() -> Result<Vec<EnvSummary>, AppError> {
    use ssr::*;
    backend()?.list_envs(&RequestCtx::current()?).await
}

/// Creates an environment from the dashboard's form.
#[server(endpoint = "envs/create", input = leptos::server_fn::codec::Json)]
pub async fn create_env(
    name: String,
    display_name: String,
    nodes: Vec<NewNode>,
) -> Result<EnvSummary, AppError> {
    use ssr::*;
    backend()?
        .create_env(&RequestCtx::current()?, name, display_name, nodes)
        .await
}

/// Starts or stops an environment (`action` is `start` or `stop`).
#[server(endpoint = "envs/action")]
pub async fn env_action(name: String, action: String) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .env_action(&RequestCtx::current()?, name, action)
        .await
}

/// The platform's method catalog, for the API reference and the permission picker.
#[server(endpoint = "catalog")]
pub async fn api_catalog() -> Result<Vec<ApiMethodView>, AppError> {
    use ssr::*;
    backend()?.api_catalog().await
}
