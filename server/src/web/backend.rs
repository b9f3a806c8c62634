//! The server's side of `app::backend::Backend`: what the pages' server functions call.

use std::sync::Arc;

use app::AppError;
use app::backend::{Backend, OpenedSession, RequestCtx};
use app::model::{ApiMethodView, EnvSummary, NewNode, UserView};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::Kunci;
use crate::config::CookieSecure;
use crate::domain::env::{EnvAction, EnvName, EnvSpec};
use crate::services::catalog::Catalog;
use crate::services::sessions::{SessionKind, SessionUser};
use crate::storage::UserRow;

pub struct WebBackend {
    kunci: Arc<Kunci>,
}

impl WebBackend {
    pub fn new(kunci: Arc<Kunci>) -> Self {
        WebBackend { kunci }
    }

    fn secure(&self, ctx: &RequestCtx) -> bool {
        match self.kunci.config.security.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => ctx.client.https,
        }
    }

    async fn open(&self, ctx: &RequestCtx, user: UserRow) -> Result<OpenedSession, AppError> {
        let secret = self
            .kunci
            .sessions
            .open(user.id, SessionKind::Web, &ctx.client)
            .await?;
        let max_age = self.kunci.config.security.session_lifetime.as_secs();
        let cookie = session_cookie(secret.expose(), self.secure(ctx), max_age);
        Ok(OpenedSession {
            set_cookie: SecretString::from(cookie),
            user: UserView {
                id: user.id,
                login: user.login,
                name: user.name,
            },
        })
    }

    /// The signed-in user of this request: 702 without a valid web session.
    pub async fn require_user(&self, ctx: &RequestCtx) -> Result<SessionUser, AppError> {
        let secret = ctx.session.as_ref().ok_or(AppError::NotAuthenticated)?;
        match self.kunci.sessions.resolve(secret.expose_secret()).await {
            Err(AppError::UserBlocked(_)) => Err(AppError::NotAuthenticated),
            other => other,
        }
    }
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Lax, Secure over https.
pub fn session_cookie(secret: &str, secure: bool, max_age_secs: u64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}",
        app::backend::SESSION_COOKIE
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

#[async_trait]
impl Backend for WebBackend {
    async fn sign_up(
        &self,
        ctx: &RequestCtx,
        login: String,
        name: String,
        password: SecretString,
    ) -> Result<OpenedSession, AppError> {
        let user = self
            .kunci
            .accounts
            .register(&login, Some(&name), password)
            .await?;
        tracing::info!(user_id = user.id, "account created");
        self.open(ctx, user).await
    }

    async fn sign_in(
        &self,
        ctx: &RequestCtx,
        login: String,
        password: SecretString,
    ) -> Result<OpenedSession, AppError> {
        let user = self
            .kunci
            .accounts
            .authenticate(&login, password, &ctx.client.ip)
            .await?;
        self.open(ctx, user).await
    }

    async fn sign_out(&self, ctx: &RequestCtx) -> Result<String, AppError> {
        if let Some(secret) = &ctx.session {
            self.kunci.sessions.close(secret.expose_secret()).await?;
        }
        Ok(clear_session_cookie(self.secure(ctx)))
    }

    async fn current_user(&self, ctx: &RequestCtx) -> Result<Option<UserView>, AppError> {
        match self.require_user(ctx).await {
            Ok(u) => Ok(Some(UserView {
                id: u.user_id,
                login: u.login,
                name: u.name,
            })),
            Err(AppError::NotAuthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list_envs(&self, ctx: &RequestCtx) -> Result<Vec<EnvSummary>, AppError> {
        let user = self.require_user(ctx).await?;
        self.kunci.envs.summaries(user.user_id).await
    }

    async fn create_env(
        &self,
        ctx: &RequestCtx,
        name: String,
        display_name: String,
        nodes: Vec<NewNode>,
    ) -> Result<EnvSummary, AppError> {
        let user = self.require_user(ctx).await?;
        let nodes: Vec<(String, u32)> = nodes.into_iter().map(|n| (n.node_type, n.count)).collect();
        let spec = EnvSpec::from_form(&name, &display_name, &nodes)?;
        let created = self.kunci.envs.create(user.user_id, spec).await?;
        let name = created.env.name.clone();
        self.kunci
            .envs
            .summaries(user.user_id)
            .await?
            .into_iter()
            .find(|e| e.name == name)
            .ok_or(AppError::EnvNotFound(name))
    }

    async fn env_action(
        &self,
        ctx: &RequestCtx,
        name: String,
        action: String,
    ) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        let action = match action.as_str() {
            "start" => EnvAction::Start,
            "stop" => EnvAction::Stop,
            "sleep" => EnvAction::Sleep,
            _ => return Err(AppError::invalid("action", "start, stop or sleep")),
        };
        self.kunci
            .envs
            .change_status(user.user_id, &EnvName::lookup(&name), action)
            .await
    }

    async fn api_catalog(&self) -> Result<Vec<ApiMethodView>, AppError> {
        Ok(catalog_views().to_vec())
    }
}

/// The catalog as the pages show it, built once.
pub fn catalog_views() -> &'static [ApiMethodView] {
    static VIEWS: std::sync::OnceLock<Vec<ApiMethodView>> = std::sync::OnceLock::new();
    VIEWS.get_or_init(|| {
        Catalog::get()
            .all()
            .iter()
            .map(|m| ApiMethodView {
                id: m.id,
                method: m.name.clone(),
                path: m.path(),
                params: m.params.clone(),
                implemented: crate::rest::is_implemented(m),
                is_safe: m.is_safe(),
                description: crate::rest::describe(&m.key).map(str::to_string),
            })
            .collect()
    })
}
