//! The one authorization concept, for the REST API and the dashboard alike. Every call
//! passes here: the credential it carries (the `session` parameter, `Authorization:
//! Bearer`, or the dashboard's session cookie) is resolved to a [`Principal`], and the
//! principal and the method decide whether the call may run. No handler checks
//! permissions on its own; what a principal may change, and how it confirms it, is
//! asked of the principal ([`Principal::actor`], [`Principal::confirm_change`]).

use crate::Client;
use crate::Error;

use secrecy::SecretString;

use crate::clock::Timestamp;
use crate::domain::catalog::ApiMethod;
use crate::domain::restrict::EnvScope;
use crate::services::accounts::Accounts;
use crate::services::security_log::Purpose;
use crate::services::sessions::Sessions;
use crate::services::tokens::{Actor, TokenAuth, Tokens};

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A sign-in session: the user's full rights.
    Session { session_id: i64 },
    /// A personal access token: only the methods of its permission set, on the
    /// environments of its scope. `expires_at` is its expiry (`None`: never), which
    /// every answer to it states.
    Token {
        token_id: i64,
        expires_at: Option<Timestamp>,
        env_scope: EnvScope,
    },
}

/// Who is calling, once authenticated and authorized.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub via: Via,
    /// A session still waiting for the second step of its two-factor sign-in: only
    /// [`allows_pending_session`] methods get such a principal.
    pub pending: bool,
}

impl Principal {
    pub fn session_id(&self) -> Option<i64> {
        match self.via {
            Via::Session { session_id } => Some(session_id),
            Via::Token { .. } => None,
        }
    }

    /// 8202 unless the caller may touch the environment `name` (`doing`: "use",
    /// "create", "clone into" ...): a sign-in session may touch all of its account's, a
    /// token those of its scope ([`EnvScope`]). Whether the environment exists is not
    /// asked, so a refusal tells a scoped token nothing about the names outside it.
    pub fn check_env(&self, name: &str, doing: &str) -> Result<(), Error> {
        match &self.via {
            Via::Token { env_scope, .. } => env_scope.check(name, doing),
            Via::Session { .. } => Ok(()),
        }
    }

    /// Whether the caller may see and touch the environment `name` (GetEnvs lists only
    /// those).
    pub fn sees_env(&self, name: &str) -> bool {
        self.check_env(name, "use").is_ok()
    }

    /// Whether the caller is limited to some environments (a scoped token): such a
    /// caller may not change what spans environments, such as the account's groups.
    pub fn is_env_scoped(&self) -> bool {
        matches!(&self.via, Via::Token { env_scope, .. } if !env_scope.is_empty())
    }

    /// The principal as the author of a token change, from `ip`: only a sign-in
    /// session may manage tokens (702 otherwise; the authorization point already
    /// refuses tokens on those methods).
    pub fn actor<'a>(&self, ip: &'a str) -> Result<Actor<'a>, Error> {
        Ok(Actor {
            user_id: self.user_id,
            session_id: self.session_id().ok_or(Error::NotAuthenticated)?,
            ip,
        })
    }

    /// Confirms a protected change (`purpose`, e.g. deleting an environment): a sign-in
    /// session gives the account password (801 when wrong, 705 once its budget is
    /// spent); a token that was allowed the method needs none (its holder has no
    /// password to give, and the token's permissions are the owner's consent).
    pub async fn confirm_change(
        &self,
        accounts: &Accounts,
        password: Option<SecretString>,
        ip: &str,
        purpose: Purpose,
    ) -> Result<(), Error> {
        match self.via {
            Via::Session { session_id } => {
                accounts
                    .confirm_password(self.user_id, session_id, password, ip, purpose)
                    .await
            }
            Via::Token { .. } => Ok(()),
        }
    }
}

/// Methods anyone may call, without a credential: Signin, and SigninByToken, which
/// checks the token it is given itself (and ignores `session`).
pub fn is_public(method: &ApiMethod) -> bool {
    matches!(
        method.key.as_str(),
        "users.authentication.signin" | "users.authentication.signinbytoken"
    )
}

/// The `users.authentication` methods a token may call, about itself only, whatever its
/// permissions: CheckSign (which then also answers the token's own settings), and
/// GetDescriptionByToken / GetUidByToken. Every other authentication method stays 8202.
pub fn is_self_introspection(method: &ApiMethod) -> bool {
    matches!(
        method.key.as_str(),
        "users.authentication.checksign"
            | "users.authentication.getdescriptionbytoken"
            | "users.authentication.getuidbytoken"
    )
}

/// The methods a session waiting for the second step of its sign-in may call: that
/// step, and signing out. Every other call with it is 702, naming Verify2FACode.
pub fn allows_pending_session(method: &ApiMethod) -> bool {
    matches!(
        method.key.as_str(),
        "users.authentication.verify2facode" | "users.authentication.signout"
    )
}

/// What the authorization point decided about a call.
#[derive(Debug)]
pub struct Decision {
    /// The caller (`None` for a public method), or why the call may not run.
    pub outcome: Result<Option<Principal>, Error>,
    /// The live token that authenticated the call, whether or not it was then allowed.
    pub token: Option<TokenSeen>,
}

/// A live token that authenticated a call.
#[derive(Debug, Clone, Copy)]
pub struct TokenSeen {
    pub id: i64,
    pub user_id: i64,
    /// When it expires (`None`: never).
    pub expires_at: Option<Timestamp>,
}

#[derive(Clone)]
pub struct Authorizer {
    sessions: Sessions,
    tokens: Tokens,
}

impl Authorizer {
    pub fn new(sessions: Sessions, tokens: Tokens) -> Authorizer {
        Authorizer { sessions, tokens }
    }

    /// Resolves `credential` and decides whether its holder may call `method`.
    /// `Ok(None)` for a public method; 702 without a valid credential; 8202 when a
    /// token's permissions lack the method, and for every private method (whatever a
    /// token stored before a method became private).
    pub async fn authorize(
        &self,
        credential: Option<&str>,
        method: &ApiMethod,
        client: &Client,
    ) -> Result<Option<Principal>, Error> {
        self.authorize_call(credential, method, client)
            .await
            .outcome
    }

    /// [`Authorizer::authorize`], and the token that authenticated (also when it was
    /// then refused), for the answer's `Kunci-Token-Expiration` and the token's activity.
    pub async fn authorize_call(
        &self,
        credential: Option<&str>,
        method: &ApiMethod,
        client: &Client,
    ) -> Decision {
        let decided = |outcome| Decision {
            outcome,
            token: None,
        };
        if is_public(method) {
            return decided(Ok(None));
        }
        let Some(credential) = credential.map(str::trim).filter(|c| !c.is_empty()) else {
            return decided(Err(Error::NotAuthenticated));
        };
        if !Tokens::looks_like_token(credential) {
            let pending_ok = allows_pending_session(method);
            return decided(self.session(credential, client, pending_ok).await.map(Some));
        }
        let token = match self
            .tokens
            .authenticate(credential, client, &method.name)
            .await
        {
            Ok(token) => token,
            Err(e) => return decided(Err(e)),
        };
        let seen = TokenSeen {
            id: token.id,
            user_id: token.user_id,
            expires_at: token.expires_at(),
        };
        let outcome = match self.tokens.check_address(&token, client).await {
            Ok(()) => self.token_principal(token, method).await,
            Err(e) => Err(e),
        };
        Decision {
            outcome,
            token: Some(seen),
        }
    }

    /// An authenticated token's principal, when its permissions allow `method`.
    async fn token_principal(
        &self,
        token: TokenAuth,
        method: &ApiMethod,
    ) -> Result<Option<Principal>, Error> {
        let introspection = is_self_introspection(method);
        if method.is_private() && !introspection {
            return Err(Error::PermissionDenied(format!(
                "access tokens cannot call {}: authentication, token management and the account's own settings need a sign-in session",
                method.name
            )));
        }
        if !introspection && !self.tokens.allows(&token, method) {
            return Err(Error::PermissionDenied(format!(
                "this token is not allowed to call {}",
                method.name
            )));
        }
        // `lastUsed` and the last addresses: written in batches with the token's activity
        // (`services::token_activity`), by the REST handler that records the call.
        let expires_at = token.expires_at();
        let env_scope = token.env_scope().clone();
        Ok(Some(Principal {
            user_id: token.user_id,
            login: token.login,
            name: token.name,
            via: Via::Token {
                token_id: token.id,
                expires_at,
                env_scope,
            },
            pending: false,
        }))
    }

    /// The dashboard's caller: the user of a browser session cookie. A disabled
    /// account's session, and one still waiting for the second step of its sign-in,
    /// count as signed out there (702), where the API says 704 and names Verify2FACode.
    pub async fn dashboard_user(&self, cookie: &str, client: &Client) -> Result<Principal, Error> {
        match self.session(cookie, client, false).await {
            Err(Error::UserBlocked(_) | Error::SecondFactorRequired) => {
                Err(Error::NotAuthenticated)
            }
            other => other,
        }
    }

    /// The dashboard's caller on the second step of a sign-in (the code page) and on
    /// signing out: the user of a browser session cookie, pending or not.
    pub async fn dashboard_user_pending_ok(
        &self,
        cookie: &str,
        client: &Client,
    ) -> Result<Principal, Error> {
        match self.session(cookie, client, true).await {
            Err(Error::UserBlocked(_)) => Err(Error::NotAuthenticated),
            other => other,
        }
    }

    /// The principal of a session id; a pending one only when `pending_ok`.
    async fn session(
        &self,
        credential: &str,
        client: &Client,
        pending_ok: bool,
    ) -> Result<Principal, Error> {
        let user = self.sessions.resolve_any(credential, &client.ip).await?;
        if user.pending && !pending_ok {
            return Err(Error::SecondFactorRequired);
        }
        Ok(Principal {
            pending: user.pending,
            user_id: user.user_id,
            login: user.login,
            name: user.name,
            via: Via::Session {
                session_id: user.session_id,
            },
        })
    }
}
