//! How the server functions reach the service layer (server side only).
//!
//! `app` declares what the pages need as the [`Backend`] trait; the `server` crate
//! implements it on top of its services and provides it through Leptos context. The
//! server functions are thin adapters: read the request, call the backend, shape the
//! answer. No rule about accounts, tokens or environments is written here.

use std::sync::Arc;

use secrecy::SecretString;

use crate::error::AppError;
use crate::model::*;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "kunci_session";
/// Name of the cookie that marks a client as one that signed in to an account before
/// (its own sign-in attempt budget; see the server's `services::throttle`).
pub const DEVICE_COOKIE: &str = "kunci_device";

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// What the server knows about the client of a request; the server inserts it into
/// the request's extensions before any handler runs.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub ip: String,
    pub user_agent: String,
    /// The request reached the server over https (directly or through a trusted proxy).
    pub https: bool,
}

/// The caller of a server function: its session cookie (if any) and where it came from.
pub struct RequestCtx {
    pub session: Option<SecretString>,
    /// The device cookie, if the client sent one.
    pub device: Option<String>,
    pub client: ClientMeta,
}

impl RequestCtx {
    /// Reads the session cookie and client metadata of the current request.
    pub fn from_parts(parts: &http::request::Parts) -> Self {
        let session =
            cookie(&parts.headers, SESSION_COOKIE).map(|v| SecretString::from(v.to_string()));
        let device = cookie(&parts.headers, DEVICE_COOKIE).map(str::to_string);
        let client = parts
            .extensions
            .get::<ClientMeta>()
            .cloned()
            .unwrap_or(ClientMeta {
                ip: "unknown".into(),
                user_agent: String::new(),
                https: false,
            });
        RequestCtx {
            session,
            device,
            client,
        }
    }

    /// The context of the request being served (a server function or an SSR render).
    pub fn current() -> Result<Self, AppError> {
        let parts = leptos::prelude::use_context::<http::request::Parts>()
            .ok_or_else(|| AppError::Internal("no request context".into()))?;
        Ok(Self::from_parts(&parts))
    }
}

/// A session just opened: the `Set-Cookie` values that carry it (and the device
/// cookie) to the browser.
pub struct OpenedSession {
    pub set_cookie: SecretString,
    pub device_cookie: Option<SecretString>,
    pub user: UserView,
    /// The account has two-factor sign-in: this is a *pending* session, good only for
    /// the second step (`verify_sign_in_code`) or signing out.
    pub needs_code: bool,
}

#[async_trait::async_trait]
pub trait Backend: AdminBackend + Send + Sync + 'static {
    /// Creates an account and signs it in (`None`: it waits for an administrator's
    /// approval, so no session is opened).
    async fn sign_up(
        &self,
        ctx: &RequestCtx,
        login: String,
        name: String,
        password: SecretString,
    ) -> Result<Option<OpenedSession>, AppError>;
    /// Who may sign up (public).
    async fn signup_mode(&self) -> Result<SignupView, AppError>;
    async fn sign_in(
        &self,
        ctx: &RequestCtx,
        login: String,
        password: SecretString,
    ) -> Result<OpenedSession, AppError>;
    /// The second step of a sign-in on an account with two-factor sign-in: a current
    /// authenticator code or an unused recovery code turns the pending session into a
    /// full one. Wrong codes draw on the sign-in attempt budgets (704 once spent).
    /// Answers the device cookie's `Set-Cookie` value (the client's own sign-in budget).
    async fn verify_sign_in_code(
        &self,
        ctx: &RequestCtx,
        code: String,
    ) -> Result<SecretString, AppError>;
    /// Ends the current session; returns the `Set-Cookie` value that clears the cookie.
    async fn sign_out(&self, ctx: &RequestCtx) -> Result<String, AppError>;

    /// Saves the dashboard language the signed-in account chose (one of
    /// `kunci_rules::language::LANGUAGES`).
    async fn set_language(&self, ctx: &RequestCtx, language: &'static str) -> Result<(), AppError>;
    /// The signed-in user, `None` without a valid session.
    async fn current_user(&self, ctx: &RequestCtx) -> Result<Option<UserView>, AppError>;

    /// The signed-in user's environments.
    async fn list_envs(&self, ctx: &RequestCtx) -> Result<Vec<EnvSummary>, AppError>;
    async fn create_env(
        &self,
        ctx: &RequestCtx,
        name: String,
        display_name: String,
        nodes: Vec<NewNode>,
    ) -> Result<EnvSummary, AppError>;
    /// `start` or `stop` an environment.
    async fn env_action(
        &self,
        ctx: &RequestCtx,
        name: String,
        action: String,
    ) -> Result<(), AppError>;

    /// One of the user's environments, whole (11 when it is not theirs).
    async fn env_detail(&self, ctx: &RequestCtx, name: String) -> Result<EnvDetail, AppError>;
    /// The names of the user's environment groups.
    async fn env_groups(&self, ctx: &RequestCtx) -> Result<Vec<String>, AppError>;
    /// Sets a variable of every node of a node group (renaming `was` when given).
    async fn save_env_var(
        &self,
        ctx: &RequestCtx,
        env: String,
        node_group: String,
        was: Option<String>,
        var: String,
        value: String,
    ) -> Result<(), AppError>;
    /// Removes a variable from every node of a node group.
    async fn remove_env_var(
        &self,
        ctx: &RequestCtx,
        env: String,
        node_group: String,
        var: String,
    ) -> Result<(), AppError>;

    /// The whole method catalog (public).
    async fn api_catalog(&self) -> Result<Vec<ApiMethodView>, AppError>;

    // Access tokens: every change is confirmed with the account password.
    async fn list_tokens(&self, ctx: &RequestCtx) -> Result<Vec<TokenView>, AppError>;
    async fn create_token(
        &self,
        ctx: &RequestCtx,
        form: TokenForm,
        password: SecretString,
    ) -> Result<IssuedToken, AppError>;
    /// Replaces the token's description, expiry and permissions with the form's.
    async fn edit_token(
        &self,
        ctx: &RequestCtx,
        id: i64,
        form: TokenForm,
        password: SecretString,
    ) -> Result<TokenView, AppError>;
    /// A new token from `source_id`'s settings as edited in the form.
    async fn copy_token(
        &self,
        ctx: &RequestCtx,
        source_id: i64,
        form: TokenForm,
        password: SecretString,
    ) -> Result<IssuedToken, AppError>;
    /// A new value; `expires` (`dd-mm-yyyy`, empty: never) gives it a new expiry in the
    /// same step, which an expired token needs.
    async fn regenerate_token(
        &self,
        ctx: &RequestCtx,
        id: i64,
        expires: Option<String>,
        password: SecretString,
    ) -> Result<IssuedToken, AppError>;
    /// The operator's expiry policy (public: it only shapes the dialog).
    async fn token_policy(&self) -> Result<TokenPolicyView, AppError>;
    /// The user's tokens expiring within 7 days or expired within the last 7 (the banner).
    async fn expiry_notices(&self, ctx: &RequestCtx) -> Result<Vec<TokenView>, AppError>;
    async fn delete_tokens(
        &self,
        ctx: &RequestCtx,
        ids: Vec<i64>,
        password: SecretString,
    ) -> Result<Vec<i64>, AppError>;
    /// Catalog methods a token may hold, filtered by `search`.
    async fn token_api_list(
        &self,
        ctx: &RequestCtx,
        search: String,
    ) -> Result<Vec<ApiMethodView>, AppError>;
    async fn token_templates(&self, ctx: &RequestCtx) -> Result<Vec<TemplateView>, AppError>;

    /// The account's security log, newest first.
    async fn security_log(&self, ctx: &RequestCtx) -> Result<Vec<SecurityEventView>, AppError>;
    /// The account's live sessions (browser and API).
    async fn list_sessions(&self, ctx: &RequestCtx) -> Result<Vec<SessionView>, AppError>;
    /// Ends the given sessions, or every other one with `None`.
    async fn sign_out_sessions(
        &self,
        ctx: &RequestCtx,
        ids: Option<Vec<i64>>,
    ) -> Result<(), AppError>;

    /// The account's open token reuse alerts, newest first.
    async fn reuse_alerts(&self, ctx: &RequestCtx) -> Result<Vec<ReuseAlertView>, AppError>;
    /// Dismisses one of them.
    async fn dismiss_reuse_alert(&self, ctx: &RequestCtx, id: i64) -> Result<(), AppError>;

    /// The account's open leak alerts (tokens revoked by a leak report), newest first.
    async fn leak_alerts(&self, ctx: &RequestCtx) -> Result<Vec<LeakAlertView>, AppError>;
    /// Dismisses one of them.
    async fn dismiss_leak_alert(&self, ctx: &RequestCtx, id: i64) -> Result<(), AppError>;

    // Two-factor sign-in (TOTP): every change is confirmed with the account password.
    async fn two_factor_status(&self, ctx: &RequestCtx) -> Result<TwoFactorView, AppError>;
    /// A new pending authenticator secret (nothing is on until it is confirmed).
    async fn two_factor_begin(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
    ) -> Result<TwoFactorSetup, AppError>;
    /// Turns two-factor sign-in on with a current code of the pending secret.
    async fn two_factor_enable(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
        code: String,
    ) -> Result<RecoveryCodesView, AppError>;
    /// Ten new recovery codes (the old ones stop working), with a current code.
    async fn two_factor_regenerate(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
        code: String,
    ) -> Result<RecoveryCodesView, AppError>;
    /// Turns two-factor sign-in off, with a current code or an unused recovery code.
    async fn two_factor_disable(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
        code: String,
    ) -> Result<(), AppError>;

    /// One of the user's tokens in detail, with its activity as `filter` asks.
    async fn token_detail(
        &self,
        ctx: &RequestCtx,
        id: i64,
        filter: ActivityFilter,
    ) -> Result<TokenDetail, AppError>;
}

/// The Administration page: every call answers 8202 unless the signed-in user is an
/// administrator. No call shows or issues a token value.
#[async_trait::async_trait]
pub trait AdminBackend: Send + Sync + 'static {
    /// Every account's tokens that pass the filters.
    async fn admin_tokens(
        &self,
        ctx: &RequestCtx,
        query: InventoryQuery,
    ) -> Result<Vec<InventoryRow>, AppError>;
    /// Revokes tokens `ids` of any account; returns the ids revoked.
    async fn admin_revoke(
        &self,
        ctx: &RequestCtx,
        ids: Vec<i64>,
        password: SecretString,
    ) -> Result<Vec<i64>, AppError>;
    /// Revokes every token of the account `login`; returns the ids revoked.
    async fn admin_revoke_all(
        &self,
        ctx: &RequestCtx,
        login: String,
        password: SecretString,
    ) -> Result<Vec<i64>, AppError>;
    /// Accounts waiting for approval.
    async fn admin_pending(&self, ctx: &RequestCtx) -> Result<Vec<PendingAccountView>, AppError>;
    /// Approves (`approve`) or rejects (deletes) a pending account.
    async fn admin_decide(&self, ctx: &RequestCtx, id: i64, approve: bool) -> Result<(), AppError>;
    /// Creates an account with an initial password.
    async fn admin_create_account(
        &self,
        ctx: &RequestCtx,
        login: String,
        name: String,
        password: SecretString,
        admin: bool,
    ) -> Result<UserView, AppError>;
}

pub type SharedBackend = Arc<dyn Backend>;

/// The backend provided by the server for this request.
pub fn backend() -> Result<SharedBackend, AppError> {
    leptos::prelude::use_context::<SharedBackend>()
        .ok_or_else(|| AppError::Internal("no backend in context".into()))
}
