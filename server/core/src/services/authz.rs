//! The one authorization point of the REST API. Every call passes here: the credential
//! it carries (`session` parameter or `Authorization: Bearer`) is resolved to a caller,
//! and the caller and the method decide whether the call may run. No handler checks
//! permissions on its own.

use crate::Client;
use crate::Error;

use crate::services::catalog::ApiMethod;
use crate::services::sessions::Sessions;
use crate::services::tokens::Tokens;

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A sign-in session: the user's full rights.
    Session { session_id: i64 },
    /// A personal access token: only the methods of its permission set.
    Token { token_id: i64 },
}

/// Who is calling, once authenticated and authorized.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub via: Via,
}

impl Principal {
    pub fn session_id(&self) -> Option<i64> {
        match self.via {
            Via::Session { session_id } => Some(session_id),
            Via::Token { .. } => None,
        }
    }
}

/// Methods anyone may call, without a credential.
pub fn is_public(method: &ApiMethod) -> bool {
    method.key == "users.authentication.signin"
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
    /// token's permissions lack the method, and for every authentication method.
    pub async fn authorize(
        &self,
        credential: Option<&str>,
        method: &ApiMethod,
        client: &Client,
    ) -> Result<Option<Principal>, Error> {
        if is_public(method) {
            return Ok(None);
        }
        let credential = credential
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(Error::NotAuthenticated)?;
        if Tokens::looks_like_token(credential) {
            let token = self.tokens.authenticate(credential, client).await?;
            if method.is_authentication() {
                return Err(Error::PermissionDenied(format!(
                    "access tokens cannot call {}: authentication and token management need a sign-in session",
                    method.name
                )));
            }
            if !self.tokens.allows(&token, method) {
                return Err(Error::PermissionDenied(format!(
                    "this token is not allowed to call {}",
                    method.name
                )));
            }
            self.tokens.note_use(&token).await;
            return Ok(Some(Principal {
                user_id: token.user_id,
                login: token.login,
                name: token.name,
                via: Via::Token { token_id: token.id },
            }));
        }
        let user = self.sessions.resolve(credential, &client.ip).await?;
        Ok(Some(Principal {
            user_id: user.user_id,
            login: user.login,
            name: user.name,
            via: Via::Session {
                session_id: user.session_id,
            },
        }))
    }
}
