//! Kunci's services, built once at start and shared by every request: the composition
//! of the core that the adapters (`rest`, `web`, `cli`) call.

use std::sync::Arc;

use crate::config::Config;
use kunci_core::services::accounts::Accounts;
use kunci_core::services::admin::Admin;
use kunci_core::services::authz::Authorizer;
use kunci_core::services::envs::Environments;
use kunci_core::services::flood::FloodGuard;
use kunci_core::services::leaks::Leaks;
use kunci_core::services::passwords::Hasher;
use kunci_core::services::security_log::SecurityLog;
use kunci_core::services::sessions::Sessions;
use kunci_core::services::ssh_keys::SshKeys;
use kunci_core::services::templates::Templates;
use kunci_core::services::token_activity::TokenActivity;
use kunci_core::services::tokens::Tokens;
use kunci_core::services::two_factor::TwoFactor;
use kunci_core::storage::Store;

/// Kunci's services, shared by every request.
pub struct Kunci {
    pub config: Config,
    pub store: Store,
    pub hasher: Hasher,
    pub accounts: Accounts,
    pub sessions: Sessions,
    pub envs: Environments,
    pub tokens: Tokens,
    pub ssh_keys: SshKeys,
    pub security_log: SecurityLog,
    pub authz: Authorizer,
    /// The credential flood guard shared by tokens and sessions.
    pub flood: FloodGuard,
    /// What each token did and where from, written in batches.
    pub activity: TokenActivity,
    /// Administrators: the inventory of every account's tokens, accounts and approvals.
    pub admin: Admin,
    /// Leak reports and the owners' leak alerts (keys set by `Server::start`).
    pub leaks: Leaks,
    /// Two-factor sign-in (TOTP and recovery codes).
    pub two_factor: TwoFactor,
    /// What operators watch; `None` without `--metrics-listen` (nothing is counted).
    pub metrics: Option<Arc<crate::metrics::Metrics>>,
    /// GetEnvInfo's answers, kept beside the cached models they were written from.
    pub env_answers: crate::answers::KeptAnswers<kunci_core::domain::model::EnvModel>,
}

impl Kunci {
    pub fn new(
        config: Config,
        store: Store,
        templates: Templates,
        key: Arc<kunci_core::server_key::ServerKey>,
    ) -> Arc<Kunci> {
        let policy = config.security.clone();
        let hasher = Hasher::with_queue(
            policy.hash_concurrency,
            policy.hash_queue_per_thread,
            policy.hash_queue_wait,
        );
        let flood = FloodGuard::new(store.clone());
        let sessions = Sessions::new(store.clone(), policy.clone(), flood.clone());
        let accounts =
            Accounts::new(store.clone(), policy, hasher.clone()).with_signup(config.signup);
        let security_log = SecurityLog::new(store.clone());
        let tokens = Tokens::new(
            store.clone(),
            accounts.clone(),
            security_log.clone(),
            Arc::new(templates),
            flood.clone(),
        )
        .with_reuse_policy(config.security.token_reuse)
        .with_expiry_policy(config.token_expiry);
        let admin = Admin::new(
            store.clone(),
            accounts.clone(),
            tokens.clone(),
            security_log.clone(),
            flood.clone(),
        );
        let two_factor = TwoFactor::new(
            store.clone(),
            key,
            accounts.clone(),
            sessions.clone(),
            security_log.clone(),
        );
        Arc::new(Kunci {
            metrics: config
                .metrics_listen
                .map(|_| Arc::new(crate::metrics::Metrics::new())),
            two_factor,
            env_answers: Default::default(),
            admin,
            leaks: Leaks::new(store.clone(), flood.clone()),
            activity: TokenActivity::new(store.clone(), config.token_activity_retention_days),
            flood,
            accounts,
            authz: Authorizer::new(sessions.clone(), tokens.clone()),
            tokens,
            ssh_keys: SshKeys::new(store.clone(), security_log.clone()),
            security_log,
            envs: Environments::new(
                store.clone(),
                config.platform_domain.clone(),
                config.max_environments,
            ),
            sessions,
            hasher,
            store,
            config,
        })
    }
}
