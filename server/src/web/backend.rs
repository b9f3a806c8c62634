//! The server's side of `app::backend::Backend`: what the pages' server functions call.

use std::sync::Arc;

use app::AppError;
use app::backend::{Backend, OpenedSession, RequestCtx};
use app::model::{
    ApiMethodView, EnvDetail, EnvSummary, IssuedToken, MountView, NewNode, NodeGroupView, NodeView,
    SecurityEventView, SessionView, TemplateView, TokenForm, TokenPolicyView, TokenView, UserView,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::client::core_client;
use crate::cookies::{clear_session_cookie, device_cookie, session_cookie};
use crate::kunci::Kunci;
use crate::metrics::AuthKind;
use crate::web::errors::ToUi;
use kunci_core::clock::{format_wire, now};
use kunci_core::domain::Account;
use kunci_core::domain::catalog::Catalog;
use kunci_core::domain::env::{EnvAction, EnvName, EnvSpec};
use kunci_core::domain::model::{self, EnvModel, MountSource, NodeChoice};
use kunci_core::domain::restrict::{EnvScope, IpAllowlist};
use kunci_core::domain::token::TokenDescription;
use kunci_core::services::accounts::DeviceCookie;
use kunci_core::services::authz::Principal;
use kunci_core::services::sessions::SessionKind;
use kunci_core::services::tokens::{Restrictions, TokenApi, TokenInfo, TokenInput, TokenPatch};

pub struct WebBackend {
    kunci: Arc<Kunci>,
}

impl WebBackend {
    pub fn new(kunci: Arc<Kunci>) -> Self {
        WebBackend { kunci }
    }

    fn secure(&self, ctx: &RequestCtx) -> bool {
        self.kunci.config.http.secure_cookies(ctx.client.https)
    }

    /// Opens a browser session; `needs_code`: a pending one, waiting for the second step
    /// of a two-factor sign-in.
    async fn open(
        &self,
        ctx: &RequestCtx,
        user: Account,
        device: Option<DeviceCookie>,
        needs_code: bool,
    ) -> Result<OpenedSession, AppError> {
        let sessions = &self.kunci.sessions;
        let client = core_client(&ctx.client);
        let secret = if needs_code {
            sessions
                .open_pending(user.id, SessionKind::Web, &client)
                .await
        } else {
            sessions.open(user.id, SessionKind::Web, &client).await
        }
        .ui()?;
        let max_age = self.kunci.config.security.session_lifetime.as_secs();
        let cookie = session_cookie(secret.expose(), self.secure(ctx), max_age);
        let device_cookie =
            device.map(|d| SecretString::from(device_cookie(d.expose(), self.secure(ctx))));
        Ok(OpenedSession {
            set_cookie: SecretString::from(cookie),
            device_cookie,
            user: UserView {
                id: user.id,
                login: user.login,
                name: user.name,
                is_admin: user.is_admin,
            },
            needs_code,
        })
    }

    /// The dialog's form as the token service's input, its date read for a token issued
    /// at `issued_at` (`None`: now); `Err(())` leaves the date unread (`None`).
    fn token_input(
        &self,
        form: &TokenForm,
        issued_at: Result<Option<i64>, ()>,
    ) -> Result<TokenInput, AppError> {
        let description = TokenDescription::parse(&form.description).ui()?;
        let expires_at = match issued_at {
            Ok(issued_at) => self
                .kunci
                .tokens
                .parse_ui_expiry(&form.expires, issued_at)
                .ui()?,
            Err(()) => None,
        };
        let permissions = self
            .kunci
            .tokens
            .chosen_permissions(form.template.as_deref(), &form.methods)
            .ui()?;
        let restrictions = Restrictions {
            ip_allowlist: IpAllowlist::parse(&form.ip_allowlist, "ipAllowlist").ui()?,
            env_scope: EnvScope::parse(&form.env_names, "envNames").ui()?,
        };
        Ok(TokenInput {
            description,
            expires_at,
            permissions,
            restrictions,
        })
    }

    fn token_view(token: &TokenInfo) -> TokenView {
        let (template, methods) = match &token.api {
            TokenApi::Template { name, .. } => (Some(name.clone()), Vec::new()),
            TokenApi::RemovedTemplate { key } => {
                (Some(format!("{key} (template removed)")), Vec::new())
            }
            TokenApi::Custom => (None, token.methods.iter().map(|m| m.name.clone()).collect()),
        };
        TokenView {
            id: token.id,
            description: token.description.clone(),
            template,
            methods,
            expires_at: token.expires_at.map(format_wire),
            expired: token.expired_at(now()),
            last_used: token.last_used_at.map(format_wire),
            created_on: format_wire(token.created_at),
            issued_at: token.issued_at,
            ip_allowlist: token.restrictions.ip_allowlist.entries(),
            env_names: token.restrictions.env_scope.entries(),
        }
    }

    /// The signed-in user of this request: 702 without a valid web session.
    pub async fn require_user(&self, ctx: &RequestCtx) -> Result<Principal, AppError> {
        let secret = ctx.session.as_ref().ok_or(AppError::NotAuthenticated)?;
        let user = self
            .kunci
            .authz
            .dashboard_user(secret.expose_secret(), &core_client(&ctx.client))
            .await;
        self.count(AuthKind::Session, &user);
        user.ui()
    }

    /// Counts an authentication for the metrics (when they are on).
    fn count<T>(&self, kind: AuthKind, result: &Result<T, kunci_core::Error>) {
        let result = result.as_ref().map(|_| ());
        crate::metrics::authenticated(self.kunci.metrics.as_deref(), kind, result);
    }
}

#[async_trait]
impl Backend for WebBackend {
    async fn verify_sign_in_code(
        &self,
        ctx: &RequestCtx,
        code: String,
    ) -> Result<SecretString, AppError> {
        use kunci_core::services::two_factor::SignInStep;
        let secret = ctx.session.as_ref().ok_or(AppError::NotAuthenticated)?;
        let user = self
            .kunci
            .authz
            .dashboard_user_pending_ok(secret.expose_secret(), &core_client(&ctx.client))
            .await;
        self.count(AuthKind::Session, &user);
        let user = user.ui()?;
        if !user.pending {
            return Err(AppError::NotAuthenticated);
        }
        let device = self
            .kunci
            .two_factor
            .verify_sign_in(
                &SignInStep {
                    session_id: session_of(&user)?,
                    user_id: user.user_id,
                    login: &user.login,
                    pending: user.pending,
                    ip: &ctx.client.ip,
                    device: ctx.device.as_deref(),
                },
                &code,
            )
            .await;
        self.count(AuthKind::TwoFactorCode, &device);
        let device = device.ui()?;
        Ok(SecretString::from(device_cookie(
            device.expose(),
            self.secure(ctx),
        )))
    }

    async fn two_factor_status(
        &self,
        ctx: &RequestCtx,
    ) -> Result<app::model::TwoFactorView, AppError> {
        let user = self.require_user(ctx).await?;
        let status = self.kunci.two_factor.status(user.user_id).await.ui()?;
        Ok(app::model::TwoFactorView {
            enabled: status.enabled,
            recovery_codes_left: status.recovery_codes_left,
        })
    }

    async fn two_factor_begin(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
    ) -> Result<app::model::TwoFactorSetup, AppError> {
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let setup = self
            .kunci
            .two_factor
            .begin(&actor, &user.login, Some(password))
            .await
            .ui()?;
        Ok(app::model::TwoFactorSetup {
            secret: setup.secret.expose_secret().to_string(),
            otpauth_url: setup.otpauth_url.expose_secret().to_string(),
            qr_svg: setup.qr_svg.expose_secret().to_string(),
        })
    }

    async fn two_factor_enable(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
        code: String,
    ) -> Result<app::model::RecoveryCodesView, AppError> {
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let codes = self
            .kunci
            .two_factor
            .enable(&actor, Some(password), &code)
            .await
            .ui()?;
        Ok(app::model::RecoveryCodesView {
            codes: codes.codes(),
        })
    }

    async fn two_factor_regenerate(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
        code: String,
    ) -> Result<app::model::RecoveryCodesView, AppError> {
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let codes = self
            .kunci
            .two_factor
            .regenerate(&actor, Some(password), &code)
            .await
            .ui()?;
        Ok(app::model::RecoveryCodesView {
            codes: codes.codes(),
        })
    }

    async fn two_factor_disable(
        &self,
        ctx: &RequestCtx,
        password: SecretString,
        code: String,
    ) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        self.kunci
            .two_factor
            .disable(&actor, Some(password), &code)
            .await
            .ui()
    }

    async fn token_detail(
        &self,
        ctx: &RequestCtx,
        id: i64,
        filter: app::model::ActivityFilter,
    ) -> Result<app::model::TokenDetail, AppError> {
        use kunci_core::services::token_activity::{ActivityQuery, result_filter};
        let user = self.require_user(ctx).await?;
        let token = self.kunci.tokens.get(user.user_id, id).await.ui()?;
        let query = ActivityQuery {
            before: None,
            method: Some(filter.method),
            result: result_filter(Some(&filter.result)).ui()?,
            count: app::model::TokenDetail::ROWS,
        };
        let activity = self.kunci.activity.page(id, &query).await.ui()?;
        let mut ips = self.kunci.activity.last_ips(user.user_id).await.ui()?;
        Ok(app::model::TokenDetail {
            token: Self::token_view(&token),
            last_ips: ips
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .map(|u| app::model::UsedFromView {
                    ip: u.ip,
                    last_used: format_wire(u.last_used),
                })
                .collect(),
            activity: activity
                .into_iter()
                .map(|a| app::model::ActivityView {
                    id: a.id,
                    time: format_wire(a.at),
                    method: a.method,
                    env_name: a.env_name,
                    ip: a.ip,
                    result: a.result,
                    calls: a.calls,
                })
                .collect(),
        })
    }

    async fn sign_up(
        &self,
        ctx: &RequestCtx,
        login: String,
        name: String,
        password: SecretString,
    ) -> Result<Option<OpenedSession>, AppError> {
        let user = self
            .kunci
            .accounts
            .sign_up(&login, Some(&name), password, &ctx.client.ip)
            .await
            .ui()?;
        tracing::info!(
            user_id = user.id,
            admin = user.is_admin,
            pending = user.pending,
            "account created"
        );
        if user.pending {
            return Ok(None);
        }
        self.open(ctx, user, None, false).await.map(Some)
    }

    async fn signup_mode(&self) -> Result<app::model::SignupView, AppError> {
        let accounts = &self.kunci.accounts;
        Ok(app::model::SignupView {
            mode: accounts.signup().as_str().to_string(),
            possible: accounts.sign_up_possible().await.ui()?,
        })
    }

    async fn sign_in(
        &self,
        ctx: &RequestCtx,
        login: String,
        password: SecretString,
    ) -> Result<OpenedSession, AppError> {
        let signed_in = self
            .kunci
            .accounts
            .authenticate(&login, password, &ctx.client.ip, ctx.device.as_deref())
            .await;
        self.count(AuthKind::Password, &signed_in);
        let signed_in = signed_in.ui()?;
        self.open(
            ctx,
            signed_in.user,
            signed_in.device,
            signed_in.second_factor,
        )
        .await
    }

    async fn sign_out(&self, ctx: &RequestCtx) -> Result<String, AppError> {
        if let Some(secret) = &ctx.session {
            self.kunci
                .sessions
                .close(secret.expose_secret())
                .await
                .ui()?;
        }
        Ok(clear_session_cookie(self.secure(ctx)))
    }

    async fn set_language(&self, ctx: &RequestCtx, language: &'static str) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        self.kunci
            .accounts
            .set_language(user.user_id, language)
            .await
            .ui()?;
        Ok(())
    }

    async fn current_user(&self, ctx: &RequestCtx) -> Result<Option<UserView>, AppError> {
        match self.require_user(ctx).await {
            Ok(u) => Ok(Some(UserView {
                id: u.user_id,
                is_admin: self.kunci.admin.is_admin(u.user_id).await.ui()?,
                login: u.login,
                name: u.name,
            })),
            Err(AppError::NotAuthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list_envs(&self, ctx: &RequestCtx) -> Result<Vec<EnvSummary>, AppError> {
        let user = self.require_user(ctx).await?;
        let list = self.kunci.envs.summaries(user.user_id).await.ui()?;
        Ok(list
            .into_iter()
            .map(|e| EnvSummary {
                name: e.name,
                display_name: e.display_name,
                status: e.status,
                node_count: e.node_count,
                created_on: format_wire(e.created_at),
                groups: e.groups,
            })
            .collect())
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
        let spec = EnvSpec::from_form(&name, &display_name, &nodes).ui()?;
        let created = self.kunci.envs.create(user.user_id, spec).await.ui()?;
        Ok(summary_view(&created))
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
            .ui()
    }

    async fn env_detail(&self, ctx: &RequestCtx, name: String) -> Result<EnvDetail, AppError> {
        let user = self.require_user(ctx).await?;
        let env = self.kunci.envs.info(user.user_id, &name).await.ui()?;
        Ok(detail_view(&env))
    }

    async fn env_groups(&self, ctx: &RequestCtx) -> Result<Vec<String>, AppError> {
        let user = self.require_user(ctx).await?;
        let groups = self.kunci.envs.groups(user.user_id).await.ui()?;
        Ok(groups.into_iter().map(|g| g.name).collect())
    }

    async fn save_env_var(
        &self,
        ctx: &RequestCtx,
        env: String,
        node_group: String,
        was: Option<String>,
        var: String,
        value: String,
    ) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        // The API's own checks: the name, then the value as a `vars` object would carry it.
        let var = model::var_name(&var, "name").ui()?;
        let vars = model::parse_vars(&serde_json::json!({ var.as_str(): value }), "value").ui()?;
        let was = was.filter(|w| *w != var);
        let choice = NodeChoice {
            node_id: None,
            node_group: Some(node_group),
        };
        self.kunci
            .envs
            .change(user.user_id, &env, |m| {
                if let Some(old) = &was {
                    m.remove_vars(&choice, std::slice::from_ref(old))?;
                }
                m.add_vars(&choice, &vars)
            })
            .await
            .ui()
    }

    async fn remove_env_var(
        &self,
        ctx: &RequestCtx,
        env: String,
        node_group: String,
        var: String,
    ) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        let choice = NodeChoice {
            node_id: None,
            node_group: Some(node_group),
        };
        self.kunci
            .envs
            .change(user.user_id, &env, |m| m.remove_vars(&choice, &[var]))
            .await
            .ui()
    }

    async fn api_catalog(&self) -> Result<Vec<ApiMethodView>, AppError> {
        Ok(catalog_views().to_vec())
    }

    async fn list_tokens(&self, ctx: &RequestCtx) -> Result<Vec<TokenView>, AppError> {
        let user = self.require_user(ctx).await?;
        // This instance's pending uses first, so `lastUsed` is current.
        self.kunci.activity.flush().await;
        let list = self.kunci.tokens.list(user.user_id, None).await.ui()?;
        Ok(list.iter().map(Self::token_view).collect())
    }

    async fn create_token(
        &self,
        ctx: &RequestCtx,
        form: TokenForm,
        password: SecretString,
    ) -> Result<IssuedToken, AppError> {
        let user = self.require_user(ctx).await?;
        let input = self.token_input(&form, Ok(None))?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let (token, value) = self
            .kunci
            .tokens
            .create(actor, Some(password), input)
            .await
            .ui()?;
        Ok(IssuedToken {
            token: Self::token_view(&token),
            value: value.expose().to_string(),
        })
    }

    async fn edit_token(
        &self,
        ctx: &RequestCtx,
        id: i64,
        form: TokenForm,
        password: SecretString,
    ) -> Result<TokenView, AppError> {
        let user = self.require_user(ctx).await?;
        // A date left as it was is not read at all: the stored expiry stays to the
        // second, and an expired one need not move.
        let keep_expiry = form.keep_expiry;
        let issued_at = match keep_expiry {
            true => Err(()),
            false => Ok(Some(
                self.kunci
                    .tokens
                    .get(user.user_id, id)
                    .await
                    .ui()?
                    .issued_at,
            )),
        };
        let input = self.token_input(&form, issued_at)?;
        let patch = TokenPatch {
            description: Some(input.description),
            expires_at: (!keep_expiry).then_some(input.expires_at),
            permissions: Some(input.permissions),
            ip_allowlist: Some(input.restrictions.ip_allowlist),
            env_scope: Some(input.restrictions.env_scope),
        };
        let actor = user.actor(&ctx.client.ip).ui()?;
        let token = self
            .kunci
            .tokens
            .edit(actor, Some(password), id, patch)
            .await
            .ui()?;
        Ok(Self::token_view(&token))
    }

    async fn copy_token(
        &self,
        ctx: &RequestCtx,
        source_id: i64,
        form: TokenForm,
        password: SecretString,
    ) -> Result<IssuedToken, AppError> {
        let user = self.require_user(ctx).await?;
        let input = self.token_input(&form, Ok(None))?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let (token, value) = self
            .kunci
            .tokens
            .copy(actor, Some(password), source_id, input)
            .await
            .ui()?;
        Ok(IssuedToken {
            token: Self::token_view(&token),
            value: value.expose().to_string(),
        })
    }

    async fn regenerate_token(
        &self,
        ctx: &RequestCtx,
        id: i64,
        expires: Option<String>,
        password: SecretString,
    ) -> Result<IssuedToken, AppError> {
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let expires_at = expires
            .map(|e| self.kunci.tokens.parse_ui_expiry(&e, None))
            .transpose()
            .ui()?;
        let (token, value) = self
            .kunci
            .tokens
            .regenerate(actor, Some(password), id, expires_at)
            .await
            .ui()?;
        Ok(IssuedToken {
            token: Self::token_view(&token),
            value: value.expose().to_string(),
        })
    }

    async fn token_policy(&self) -> Result<TokenPolicyView, AppError> {
        let p = self.kunci.tokens.expiry_policy();
        Ok(TokenPolicyView {
            max_days: p.max_days,
            default_days: p.default_days,
        })
    }

    async fn expiry_notices(&self, ctx: &RequestCtx) -> Result<Vec<TokenView>, AppError> {
        let user = self.require_user(ctx).await?;
        let list = self
            .kunci
            .tokens
            .expiry_notices(user.user_id, now())
            .await
            .ui()?;
        Ok(list.iter().map(Self::token_view).collect())
    }

    async fn delete_tokens(
        &self,
        ctx: &RequestCtx,
        ids: Vec<i64>,
        password: SecretString,
    ) -> Result<Vec<i64>, AppError> {
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        self.kunci
            .tokens
            .delete(actor, Some(password), Some(ids))
            .await
            .ui()
    }

    async fn token_api_list(
        &self,
        ctx: &RequestCtx,
        search: String,
    ) -> Result<Vec<ApiMethodView>, AppError> {
        self.require_user(ctx).await?;
        let views = catalog_views();
        Ok(self
            .kunci
            .tokens
            .api_list(&[search.as_str()], false)
            .iter()
            .filter_map(|m| views.get(m.id as usize - 1).cloned())
            .collect())
    }

    async fn token_templates(&self, ctx: &RequestCtx) -> Result<Vec<TemplateView>, AppError> {
        self.require_user(ctx).await?;
        Ok(self
            .kunci
            .tokens
            .templates()
            .all()
            .iter()
            .map(|t| TemplateView {
                id: t.id,
                name: t.name.clone(),
                summary: t.summary.clone(),
                methods: t.methods().iter().map(|m| m.name.clone()).collect(),
            })
            .collect())
    }

    async fn security_log(&self, ctx: &RequestCtx) -> Result<Vec<SecurityEventView>, AppError> {
        let user = self.require_user(ctx).await?;
        let events = self.kunci.security_log.list(user.user_id, 200).await.ui()?;
        Ok(events
            .into_iter()
            .map(super::security_log::event_view)
            .collect())
    }

    async fn list_sessions(&self, ctx: &RequestCtx) -> Result<Vec<SessionView>, AppError> {
        let user = self.require_user(ctx).await?;
        let sessions = self
            .kunci
            .sessions
            .list(user.user_id, session_of(&user)?)
            .await
            .ui()?;
        Ok(sessions
            .into_iter()
            .map(|s| SessionView {
                id: s.id,
                host: s.ip,
                user_agent: s.user_agent,
                kind: s.kind,
                created_on: format_wire(s.created_at),
                last_access: format_wire(s.last_seen_at),
                current: s.current,
            })
            .collect())
    }

    async fn sign_out_sessions(
        &self,
        ctx: &RequestCtx,
        ids: Option<Vec<i64>>,
    ) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        let sessions = &self.kunci.sessions;
        match ids {
            Some(ids) => sessions.close_many(user.user_id, &ids).await.ui()?,
            None => sessions
                .close_others(user.user_id, session_of(&user)?)
                .await
                .ui()?,
        };
        Ok(())
    }

    async fn reuse_alerts(
        &self,
        ctx: &RequestCtx,
    ) -> Result<Vec<app::model::ReuseAlertView>, AppError> {
        let user = self.require_user(ctx).await?;
        let alerts = self.kunci.tokens.reuse().alerts(user.user_id).await.ui()?;
        Ok(alerts
            .into_iter()
            .map(|a| app::model::ReuseAlertView {
                id: a.id,
                token_id: a.token_id,
                description: a.description,
                ip: a.ip,
                method: a.method,
                regenerated: a.regenerated,
                revoked: a.revoked,
                uses: a.uses,
                first_seen: format_wire(a.first_seen_at),
                last_seen: format_wire(a.last_seen_at),
            })
            .collect())
    }

    async fn dismiss_reuse_alert(&self, ctx: &RequestCtx, id: i64) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        self.kunci
            .tokens
            .reuse()
            .dismiss(user.user_id, id)
            .await
            .ui()
    }

    async fn leak_alerts(
        &self,
        ctx: &RequestCtx,
    ) -> Result<Vec<app::model::LeakAlertView>, AppError> {
        let user = self.require_user(ctx).await?;
        let alerts = self.kunci.leaks.alerts(user.user_id).await.ui()?;
        Ok(alerts
            .into_iter()
            .map(|a| app::model::LeakAlertView {
                id: a.id,
                token_id: a.token_id,
                description: a.description,
                token_type: a.token_type,
                url: a.url,
                source: a.source,
                reported: format_wire(a.reported_at),
            })
            .collect())
    }

    async fn dismiss_leak_alert(&self, ctx: &RequestCtx, id: i64) -> Result<(), AppError> {
        let user = self.require_user(ctx).await?;
        self.kunci.leaks.dismiss(user.user_id, id).await.ui()
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
                example: crate::rest::examples::for_method(&m.key),
            })
            .collect()
    })
}

fn summary_view(m: &EnvModel) -> EnvSummary {
    EnvSummary {
        name: m.env.name.clone(),
        display_name: m.env.display_name.clone(),
        status: m.env.status as i32,
        node_count: m.nodes.len() as u32,
        created_on: format_wire(m.env.created_at),
        groups: m.groups.clone(),
    }
}

/// The detail view: each node group with its nodes and its master's variables.
fn detail_view(m: &EnvModel) -> EnvDetail {
    let node_groups = m
        .node_groups
        .iter()
        .map(|g| NodeGroupView {
            name: g.name.clone(),
            display_name: g.display_name.clone(),
            scaling_mode: g.scaling_mode.clone(),
            slb_access: g.slb_access,
            links: g
                .links
                .iter()
                .map(|l| (l.group.clone(), l.alias.clone()))
                .collect(),
            nodes: m
                .nodes
                .iter()
                .filter(|n| n.node_group == g.name)
                .map(|n| NodeView {
                    id: n.id,
                    node_type: n.node_type.clone(),
                    image: format!("{}:{}", n.docker_name, n.docker_tag),
                    is_master: n.is_master,
                    fixed_cloudlets: n.fixed_cloudlets,
                    flexible_cloudlets: n.flexible_cloudlets,
                    disk_mb: n.disk_limit,
                    volumes: n.volumes.clone(),
                })
                .collect(),
            vars: m
                .master_of(&g.name)
                .map(|n| n.vars.clone())
                .unwrap_or_default(),
        })
        .collect();
    EnvDetail {
        name: m.env.name.clone(),
        display_name: m.env.display_name.clone(),
        status: m.env.status as i32,
        region: m.env.region.clone(),
        created_on: format_wire(m.env.created_at),
        groups: m.groups.clone(),
        domains: m.domains.iter().map(|d| d.domain.clone()).collect(),
        node_groups,
        mounts: m
            .mounts
            .iter()
            .map(|p| MountView {
                node_group: p.node_group.clone(),
                path: p.path.clone(),
                source: match &p.source {
                    MountSource::Node(id) => format!("node {id}"),
                    MountSource::Host(host) => host.clone(),
                },
                source_path: p.source_path.clone(),
                read_only: p.read_only,
            })
            .collect(),
    }
}

/// The session of a dashboard user (every dashboard user has one).
fn session_of(user: &Principal) -> Result<i64, AppError> {
    user.session_id().ok_or(AppError::NotAuthenticated)
}

#[async_trait]
impl app::backend::AdminBackend for WebBackend {
    async fn admin_tokens(
        &self,
        ctx: &RequestCtx,
        query: app::model::InventoryQuery,
    ) -> Result<Vec<app::model::InventoryRow>, AppError> {
        use kunci_core::services::admin::{Caller, InventoryFilter};
        let user = self.require_user(ctx).await?;
        let filter = InventoryFilter {
            login: Some(query.login).filter(|l| !l.trim().is_empty()),
            expired: query.expired,
            never_used: query.never_used,
            unused_for_days: query.unused_for_days,
        };
        let list = self
            .kunci
            .admin
            .inventory(Caller::Account(user.user_id), &filter)
            .await
            .ui()?;
        let now = now();
        Ok(list
            .into_iter()
            .map(|t| app::model::InventoryRow {
                id: t.token.id,
                methods: t.method_count(),
                login: t.owner_login,
                description: t.token.description.clone(),
                created_on: format_wire(t.token.created_at),
                expires_at: t.token.expires_at.map(format_wire),
                expired: t.token.expired_at(now),
                last_used: t.token.last_used_at.map(format_wire),
            })
            .collect())
    }

    async fn admin_revoke(
        &self,
        ctx: &RequestCtx,
        ids: Vec<i64>,
        password: SecretString,
    ) -> Result<Vec<i64>, AppError> {
        use kunci_core::services::admin::{Revocation, Revoker};
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let revoker = Revoker::Account {
            actor,
            password: Some(password),
        };
        self.kunci
            .admin
            .revoke(revoker, Revocation::Tokens(ids))
            .await
            .ui()
    }

    async fn admin_revoke_all(
        &self,
        ctx: &RequestCtx,
        login: String,
        password: SecretString,
    ) -> Result<Vec<i64>, AppError> {
        use kunci_core::services::admin::{Revocation, Revoker};
        let user = self.require_user(ctx).await?;
        let actor = user.actor(&ctx.client.ip).ui()?;
        let revoker = Revoker::Account {
            actor,
            password: Some(password),
        };
        self.kunci
            .admin
            .revoke(revoker, Revocation::AllOf(login))
            .await
            .ui()
    }

    async fn admin_pending(
        &self,
        ctx: &RequestCtx,
    ) -> Result<Vec<app::model::PendingAccountView>, AppError> {
        use kunci_core::services::admin::Caller;
        let user = self.require_user(ctx).await?;
        let list = self
            .kunci
            .admin
            .pending(Caller::Account(user.user_id))
            .await
            .ui()?;
        Ok(list
            .into_iter()
            .map(|a| app::model::PendingAccountView {
                id: a.id,
                login: a.login,
                name: a.name,
                created_on: format_wire(a.created_at),
            })
            .collect())
    }

    async fn admin_decide(&self, ctx: &RequestCtx, id: i64, approve: bool) -> Result<(), AppError> {
        use kunci_core::services::admin::Caller;
        let user = self.require_user(ctx).await?;
        let caller = Caller::Account(user.user_id);
        if approve {
            self.kunci.admin.approve(caller, id).await.ui()
        } else {
            self.kunci.admin.reject(caller, id).await.ui()
        }
    }

    async fn admin_create_account(
        &self,
        ctx: &RequestCtx,
        login: String,
        name: String,
        password: SecretString,
        admin: bool,
    ) -> Result<UserView, AppError> {
        use kunci_core::services::admin::Caller;
        let user = self.require_user(ctx).await?;
        let created = self
            .kunci
            .admin
            .create_account(
                Caller::Account(user.user_id),
                &login,
                Some(&name),
                password,
                admin,
            )
            .await
            .ui()?;
        tracing::info!(
            user_id = created.id,
            by = user.user_id,
            "account created by an administrator"
        );
        Ok(UserView {
            id: created.id,
            login: created.login,
            name: created.name,
            is_admin: created.is_admin,
        })
    }
}
