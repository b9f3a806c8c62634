//! Accounts: registration, password sign-in with lockout, and password confirmation.

use app::AppError;
use secrecy::SecretString;

use crate::clock::now;
use crate::config::SecurityPolicy;
use crate::domain::{DisplayName, Login, NewPassword};
use crate::services::passwords::Hasher;
use crate::services::security_log::{EventKind, SecurityLog};
use crate::services::throttle::{Subject, Throttle, sign_in_locked};
use crate::storage::{Store, UserRow};

#[derive(Clone)]
pub struct Accounts {
    store: Store,
    hasher: Hasher,
    throttle: Throttle,
    log: SecurityLog,
}

impl Accounts {
    pub fn new(store: Store, policy: SecurityPolicy, hasher: Hasher) -> Accounts {
        let throttle = Throttle::new(store.clone(), policy);
        let log = SecurityLog::new(store.clone());
        Accounts {
            store,
            hasher,
            throttle,
            log,
        }
    }

    /// Creates an account. The name defaults to the login's part before `@`.
    #[tracing::instrument(skip_all)]
    pub async fn register(
        &self,
        login: &str,
        name: Option<&str>,
        password: SecretString,
    ) -> Result<UserRow, AppError> {
        let login = Login::parse(login)?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => DisplayName::parse(n)?,
            None => DisplayName::parse(login.local_part())?,
        };
        let password = NewPassword::parse(password)?;
        if self.store.user_by_login(login.as_str()).await?.is_some() {
            return Err(AppError::LoginTaken(login.as_str().to_string()));
        }
        let hash = self.hasher.hash(password.into_secret()).await?;
        self.store
            .insert_user(login.as_str(), name.as_str(), &hash, now())
            .await
            .map_err(|e| {
                if e.is_conflict_on("login") {
                    AppError::LoginTaken(login.as_str().to_string())
                } else {
                    e.into()
                }
            })
    }

    /// Checks login and password. Wrong login and wrong password answer the same (701)
    /// after the same argon2 work; repeated failures lock the login and the client IP
    /// (704); a disabled account is 704 once its password is proven.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(
        &self,
        login: &str,
        password: SecretString,
        ip: &str,
    ) -> Result<UserRow, AppError> {
        let normalized = login.trim().to_lowercase();
        if normalized.is_empty() {
            return Err(AppError::invalid("login", "a login is required"));
        }
        let subjects = [Subject::SignIn(&normalized), Subject::Ip(ip)];
        if let Some(secs) = self.throttle.locked(&subjects).await? {
            return Err(sign_in_locked(secs));
        }
        let user = self.store.user_by_login(&normalized).await?;
        let ok = self
            .hasher
            .verify(user.as_ref().map(|u| u.password_hash.as_str()), password)
            .await?;
        match user {
            Some(user) if ok => {
                self.throttle.succeed(Subject::SignIn(&normalized)).await?;
                if !user.enabled() {
                    return Err(AppError::UserBlocked("this account is disabled".into()));
                }
                Ok(user)
            }
            _ => {
                self.throttle.fail(&subjects).await?;
                Err(AppError::AuthenticationFailed)
            }
        }
    }

    /// Confirms a protected change (`purpose`, e.g. "delete tokens") with the account's
    /// password: 801 when wrong, 705 after repeated wrong confirmations (per account and
    /// per client IP). A wrong password is recorded in the account's security log.
    #[tracing::instrument(skip_all, fields(user_id))]
    pub async fn confirm_password(
        &self,
        user_id: i64,
        password: Option<SecretString>,
        ip: &str,
        purpose: &str,
    ) -> Result<(), AppError> {
        let subjects = [Subject::Confirm(user_id), Subject::Ip(ip)];
        if let Some(secs) = self.throttle.locked(&subjects).await? {
            return Err(AppError::ConfirmationLocked(secs));
        }
        let Some(password) = password else {
            return Err(AppError::invalid(
                "password",
                "the account password is required to confirm this change",
            ));
        };
        let user = self.store.user_by_id(user_id).await?;
        if self
            .hasher
            .verify(user.as_ref().map(|u| u.password_hash.as_str()), password)
            .await?
        {
            self.throttle.succeed(Subject::Confirm(user_id)).await?;
            Ok(())
        } else {
            self.throttle.fail(&subjects).await?;
            let detail = format!("wrong password to {purpose}");
            self.log
                .record(user_id, EventKind::PasswordConfirmationFailed, ip, &detail)
                .await;
            Err(AppError::InvalidPassword)
        }
    }
}
