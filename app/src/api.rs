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

/// Creates an account, signs it in and goes to the dashboard; under `--signup
/// approval` answers what happens next instead (no session until it is approved).
#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    login: String,
    name: String,
    password: String,
    password_again: String,
) -> Result<Option<String>, AppError> {
    use ssr::*;
    if password != password_again {
        return Err(AppError::invalid(
            "password_again",
            "the two passwords differ",
        ));
    }
    let ctx = RequestCtx::current()?;
    let Some(opened) = backend()?
        .sign_up(&ctx, login, name, SecretString::from(password))
        .await?
    else {
        return Ok(Some(
            "Your account was created. An administrator must approve it before you can sign in."
                .into(),
        ));
    };
    set_cookie(opened.set_cookie.expose_secret())?;
    if let Some(device) = &opened.device_cookie {
        set_cookie(device.expose_secret())?;
    }
    leptos_axum::redirect("/");
    Ok(None)
}

/// Who may sign up here (`--signup`), for the sign-in and sign-up pages.
#[server(endpoint = "auth/signup_mode")]
pub async fn signup_mode() -> Result<SignupView, AppError> {
    use ssr::*;
    backend()?.signup_mode().await
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
    if let Some(device) = &opened.device_cookie {
        set_cookie(device.expose_secret())?;
    }
    leptos_axum::redirect(if opened.needs_code {
        "/signin/code"
    } else {
        "/"
    });
    Ok(())
}

/// The second step of a two-factor sign-in: a current authenticator code or an unused
/// recovery code makes the pending session a full one, then goes to the dashboard.
#[server(endpoint = "auth/verify_code")]
pub async fn verify_sign_in_code(code: String) -> Result<(), AppError> {
    use ssr::*;
    let device = backend()?
        .verify_sign_in_code(&RequestCtx::current()?, code)
        .await?;
    set_cookie(device.expose_secret())?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Shows the dashboard in `language` from now on: saved to the account when signed in
/// (it then follows the account to any browser), and in the `kunci_lang` cookie always
/// (so it also holds signed out). The browser reloads the page afterwards.
#[server(endpoint = "language")]
pub async fn set_language(language: String) -> Result<(), AppError> {
    use ssr::*;
    let language = kunci_rules::language::parse(&language)
        .ok_or_else(|| AppError::invalid("language", "not a language the dashboard speaks"))?;
    let ctx = RequestCtx::current()?;
    if ctx.session.is_some() {
        match backend()?.set_language(&ctx, language).await {
            Ok(()) | Err(AppError::NotAuthenticated) => {}
            Err(e) => return Err(e),
        }
    }
    set_cookie(&format!(
        "{}={language}; Path=/; SameSite=Lax; Max-Age=31536000",
        kunci_rules::language::LANGUAGE_COOKIE
    ))
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

/// One environment with its node groups, nodes, variables, mounts, domains and groups.
#[server(endpoint = "envs/detail")]
pub async fn fetch_env_detail(name: String) -> Result<EnvDetail, AppError> {
    use ssr::*;
    backend()?.env_detail(&RequestCtx::current()?, name).await
}

/// The account's environment groups (the list's filter).
#[server(endpoint = "envs/groups")]
pub async fn env_groups() -> Result<Vec<String>, AppError> {
    use ssr::*;
    backend()?.env_groups(&RequestCtx::current()?).await
}

/// Sets variable `var` to `value` on every node of `node_group`; `was` is the name it
/// had when it is renamed (that one is removed in the same change).
#[server(endpoint = "envs/save_var")]
pub async fn save_env_var(
    env: String,
    node_group: String,
    was: Option<String>,
    var: String,
    value: String,
) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .save_env_var(&RequestCtx::current()?, env, node_group, was, var, value)
        .await
}

/// Removes variable `var` from every node of `node_group`.
#[server(endpoint = "envs/remove_var")]
pub async fn remove_env_var(env: String, node_group: String, var: String) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .remove_env_var(&RequestCtx::current()?, env, node_group, var)
        .await
}

/// The platform's method catalog, for the API reference and the permission picker.
#[server(endpoint = "catalog")]
pub async fn api_catalog() -> Result<Vec<ApiMethodView>, AppError> {
    use ssr::*;
    backend()?.api_catalog().await
}

// ----- access tokens -----

/// The signed-in user's tokens (never their values).
#[server(endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    use ssr::*;
    backend()?.list_tokens(&RequestCtx::current()?).await
}

/// Generates a token; its value is in the answer, this once.
#[server(endpoint = "tokens/create", input = leptos::server_fn::codec::Json)]
pub async fn create_token(form: TokenForm, password: String) -> Result<IssuedToken, AppError> {
    use ssr::*;
    backend()?
        .create_token(&RequestCtx::current()?, form, SecretString::from(password))
        .await
}

#[server(endpoint = "tokens/edit", input = leptos::server_fn::codec::Json)]
pub async fn edit_token(id: i64, form: TokenForm, password: String) -> Result<TokenView, AppError> {
    use ssr::*;
    backend()?
        .edit_token(
            &RequestCtx::current()?,
            id,
            form,
            SecretString::from(password),
        )
        .await
}

#[server(endpoint = "tokens/copy", input = leptos::server_fn::codec::Json)]
pub async fn copy_token(
    source_id: i64,
    form: TokenForm,
    password: String,
) -> Result<IssuedToken, AppError> {
    use ssr::*;
    backend()?
        .copy_token(
            &RequestCtx::current()?,
            source_id,
            form,
            SecretString::from(password),
        )
        .await
}

#[server(endpoint = "tokens/regenerate", input = leptos::server_fn::codec::Json)]
pub async fn regenerate_token(
    id: i64,
    expires: Option<String>,
    password: String,
) -> Result<IssuedToken, AppError> {
    use ssr::*;
    backend()?
        .regenerate_token(
            &RequestCtx::current()?,
            id,
            expires,
            SecretString::from(password),
        )
        .await
}

/// The operator's token expiry policy, for the dialog.
#[server(endpoint = "tokens/policy")]
pub async fn token_policy() -> Result<TokenPolicyView, AppError> {
    use ssr::*;
    backend()?.token_policy().await
}

/// The tokens the expiry banner names.
#[server(endpoint = "tokens/expiring")]
pub async fn expiry_notices() -> Result<Vec<TokenView>, AppError> {
    use ssr::*;
    backend()?.expiry_notices(&RequestCtx::current()?).await
}

#[server(endpoint = "tokens/delete", input = leptos::server_fn::codec::Json)]
pub async fn delete_tokens(ids: Vec<i64>, password: String) -> Result<Vec<i64>, AppError> {
    use ssr::*;
    backend()?
        .delete_tokens(&RequestCtx::current()?, ids, SecretString::from(password))
        .await
}

#[server(endpoint = "tokens/api_list")]
pub async fn token_api_list(search: String) -> Result<Vec<ApiMethodView>, AppError> {
    use ssr::*;
    backend()?
        .token_api_list(&RequestCtx::current()?, search)
        .await
}

#[server(endpoint = "tokens/templates")]
pub async fn token_templates() -> Result<Vec<TemplateView>, AppError> {
    use ssr::*;
    backend()?.token_templates(&RequestCtx::current()?).await
}

// ----- security log and sessions -----

#[server(endpoint = "account/security_log")]
pub async fn security_log() -> Result<Vec<SecurityEventView>, AppError> {
    use ssr::*;
    backend()?.security_log(&RequestCtx::current()?).await
}

#[server(endpoint = "account/sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    use ssr::*;
    backend()?.list_sessions(&RequestCtx::current()?).await
}

// ----- token reuse alerts -----

#[server(endpoint = "account/reuse_alerts")]
pub async fn reuse_alerts() -> Result<Vec<ReuseAlertView>, AppError> {
    use ssr::*;
    backend()?.reuse_alerts(&RequestCtx::current()?).await
}

#[server(endpoint = "account/dismiss_reuse_alert")]
pub async fn dismiss_reuse_alert(id: i64) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .dismiss_reuse_alert(&RequestCtx::current()?, id)
        .await
}

// ----- leak alerts -----

#[server(endpoint = "account/leak_alerts")]
pub async fn leak_alerts() -> Result<Vec<LeakAlertView>, AppError> {
    use ssr::*;
    backend()?.leak_alerts(&RequestCtx::current()?).await
}

#[server(endpoint = "account/dismiss_leak_alert")]
pub async fn dismiss_leak_alert(id: i64) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .dismiss_leak_alert(&RequestCtx::current()?, id)
        .await
}

/// Signs out the given sessions, or all others when `ids` is `None`.
#[server(endpoint = "account/sign_out_sessions", input = leptos::server_fn::codec::Json)]
pub async fn sign_out_sessions(ids: Option<Vec<i64>>) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .sign_out_sessions(&RequestCtx::current()?, ids)
        .await
}

// ----- administration (8202 unless the signed-in user is an administrator) -----

/// Every account's tokens that pass the filters (never a value).
#[server(endpoint = "admin/tokens", input = leptos::server_fn::codec::Json)]
pub async fn admin_tokens(query: InventoryQuery) -> Result<Vec<InventoryRow>, AppError> {
    use ssr::*;
    backend()?
        .admin_tokens(&RequestCtx::current()?, query)
        .await
}

/// Revokes the selected tokens, confirmed with the administrator's password.
#[server(endpoint = "admin/revoke", input = leptos::server_fn::codec::Json)]
pub async fn admin_revoke(ids: Vec<i64>, password: String) -> Result<Vec<i64>, AppError> {
    use ssr::*;
    backend()?
        .admin_revoke(&RequestCtx::current()?, ids, SecretString::from(password))
        .await
}

/// Revokes every token of one account, confirmed with the administrator's password.
#[server(endpoint = "admin/revoke_all")]
pub async fn admin_revoke_all(login: String, password: String) -> Result<Vec<i64>, AppError> {
    use ssr::*;
    backend()?
        .admin_revoke_all(&RequestCtx::current()?, login, SecretString::from(password))
        .await
}

/// Accounts waiting for approval.
#[server(endpoint = "admin/pending")]
pub async fn admin_pending() -> Result<Vec<PendingAccountView>, AppError> {
    use ssr::*;
    backend()?.admin_pending(&RequestCtx::current()?).await
}

/// Approves a pending account, or rejects (deletes) it.
#[server(endpoint = "admin/decide")]
pub async fn admin_decide(id: i64, approve: bool) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .admin_decide(&RequestCtx::current()?, id, approve)
        .await
}

/// Creates an account with an initial password.
#[server(endpoint = "admin/create_account")]
pub async fn admin_create_account(
    login: String,
    name: String,
    password: String,
    admin: bool,
) -> Result<UserView, AppError> {
    use ssr::*;
    backend()?
        .admin_create_account(
            &RequestCtx::current()?,
            login,
            name,
            SecretString::from(password),
            admin,
        )
        .await
}

// ----- two-factor sign-in -----

/// Whether two-factor sign-in is on, and how many recovery codes are left.
#[server(endpoint = "settings/two_factor")]
pub async fn two_factor_status() -> Result<TwoFactorView, AppError> {
    use ssr::*;
    backend()?.two_factor_status(&RequestCtx::current()?).await
}

/// A new authenticator secret and its QR code, confirmed with the password; nothing
/// is on until `two_factor_enable`.
#[server(endpoint = "settings/two_factor_begin")]
pub async fn two_factor_begin(password: String) -> Result<TwoFactorSetup, AppError> {
    use ssr::*;
    backend()?
        .two_factor_begin(&RequestCtx::current()?, SecretString::from(password))
        .await
}

/// Turns two-factor sign-in on; answers the ten recovery codes, this once.
#[server(endpoint = "settings/two_factor_enable")]
pub async fn two_factor_enable(
    password: String,
    code: String,
) -> Result<RecoveryCodesView, AppError> {
    use ssr::*;
    backend()?
        .two_factor_enable(&RequestCtx::current()?, SecretString::from(password), code)
        .await
}

/// Ten new recovery codes; the old ones stop working.
#[server(endpoint = "settings/two_factor_regenerate")]
pub async fn two_factor_regenerate(
    password: String,
    code: String,
) -> Result<RecoveryCodesView, AppError> {
    use ssr::*;
    backend()?
        .two_factor_regenerate(&RequestCtx::current()?, SecretString::from(password), code)
        .await
}

/// Turns two-factor sign-in off (a current code or an unused recovery code).
#[server(endpoint = "settings/two_factor_disable")]
pub async fn two_factor_disable(password: String, code: String) -> Result<(), AppError> {
    use ssr::*;
    backend()?
        .two_factor_disable(&RequestCtx::current()?, SecretString::from(password), code)
        .await
}
