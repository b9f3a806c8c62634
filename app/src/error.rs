//! The one error type that crosses Kunci's boundaries: the service layer returns it,
//! the REST API turns it into the platform envelope (`result` code + `error` text), and
//! the server functions carry it to the browser, where it is shown in place.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

pub use crate::refusal::{Limit, Refusal};

mod wire;

/// Crosses to the browser as `wire::Flat` (see there why not serde's derived shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "wire::Flat", try_from = "wire::Flat")]
pub enum AppError {
    /// Result 3. `name` is the parameter as documented (`envName`), `reason` says what is
    /// wrong in English (for logs, and the REST API's text); `refusal` says it as data, for
    /// the page to word in its language. Without a refusal (a malformed request, a reason
    /// only the REST API meets) a page names the parameter and shows no `reason`.
    #[error("invalid parameter [{name}]: {reason}")]
    InvalidParameter {
        name: String,
        reason: String,
        refusal: Option<Refusal>,
    },
    /// Result 11: unknown, or owned by someone else (the same answer, so nothing leaks).
    #[error("environment [{0}] does not exist")]
    EnvNotFound(String),
    /// Result 701: wrong login or wrong password, one answer for both.
    #[error("authentication failed: wrong login or password")]
    AuthenticationFailed,
    /// Result 702: no valid session or token (missing, unknown, expired, revoked...).
    #[error("user is not authenticated")]
    NotAuthenticated,
    /// Result 702 too: a token value or session id refused unlooked-up because its client
    /// address sent too many unknown ones this minute; retry after the given seconds.
    #[error(
        "user is not authenticated: too many unknown tokens or session ids from your address, try again in {0} s"
    )]
    TooManyUnknownCredentials(u64),
    /// Result 704: sign-in locked after repeated failures, or the account is disabled.
    #[error("{0}")]
    UserBlocked(String),
    /// Result 703: the account waits for an administrator's approval.
    #[error("{0}")]
    NotActivated(String),
    /// Result 705: too many wrong password confirmations; retry after the given seconds.
    #[error("too many wrong password confirmations: try again in {0} s")]
    ConfirmationLocked(u64),
    /// Result 706: every password-checking slot is taken (a burst of sign-ins or
    /// confirmations); nothing was checked or counted; retry after the given seconds.
    #[error("the server is busy checking passwords: try again in {0} s")]
    Busy(u64),
    /// Result 710: sign-up or `user create` with a login that is taken.
    #[error("login [{0}] is already registered")]
    LoginTaken(String),
    /// Result 801: the `password` confirmation of a protected call is wrong.
    #[error("invalid password")]
    InvalidPassword,
    /// Result 707: a two-factor code that is wrong, already used, or not a code at all.
    #[error(
        "The code is not valid. Enter the current 6-digit code from your app, or an unused recovery code."
    )]
    InvalidCode,
    /// Result 1702: a path that names no method this server implements.
    #[error("method [{0}] is not implemented")]
    NotImplemented(String),
    /// Result 2212.
    #[error(
        "Not allowed to execute this service for current Environment status [{current}]. Required statuses [{required}]"
    )]
    WrongEnvStatus { current: String, required: String },
    /// Result 2301: CreateEnvironment / CloneEnv with a name already in use on the platform.
    #[error("environment name [{0}] is already taken")]
    EnvNameTaken(String),
    /// Result 2338: which limit, and its number.
    #[error("account limit reached: {0:?}")]
    LimitReached(Limit),
    /// Result 6001: the SSH key (its fingerprint given) is already on the account.
    #[error("this SSH key is already on the account ({0})")]
    SshKeyExists(String),
    /// Result 8202.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// Result 99. Carries only the request id; the details are in the server log.
    #[error("internal error (request id {0})")]
    Internal(String),
    /// The browser could not reach the server function (network, decoding...).
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// Result 3 with an English reason only (a page shows the parameter's name alone).
    pub fn invalid(name: &str, reason: impl Into<String>) -> Self {
        AppError::InvalidParameter {
            name: name.to_string(),
            reason: reason.into(),
            refusal: None,
        }
    }

    /// The refusal of an invalid parameter, when the server said it as data.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            AppError::InvalidParameter { refusal, .. } => refusal.as_ref(),
            _ => None,
        }
    }

    /// The platform's `result` code for this error (see docs/api.md).
    pub fn code(&self) -> i32 {
        match self {
            AppError::InvalidParameter { .. } => 3,
            AppError::EnvNotFound(_) => 11,
            AppError::Internal(_) | AppError::Transport(_) => 99,
            AppError::AuthenticationFailed => 701,
            AppError::NotAuthenticated | AppError::TooManyUnknownCredentials(_) => 702,
            AppError::NotActivated(_) => 703,
            AppError::UserBlocked(_) => 704,
            AppError::ConfirmationLocked(_) => 705,
            AppError::Busy(_) => 706,
            AppError::InvalidCode => 707,
            AppError::LoginTaken(_) => 710,
            AppError::InvalidPassword => 801,
            AppError::NotImplemented(_) => 1702,
            AppError::WrongEnvStatus { .. } => 2212,
            AppError::EnvNameTaken(_) => 2301,
            AppError::LimitReached(_) => 2338,
            AppError::SshKeyExists(_) => 6001,
            AppError::PermissionDenied(_) => 8202,
        }
    }

    /// The HTTP status a server function answers with this error (the REST API answers
    /// 200 with the envelope instead, as the platform does).
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::InvalidParameter { .. } => 400,
            AppError::EnvNotFound(_) | AppError::NotImplemented(_) => 404,
            AppError::AuthenticationFailed | AppError::NotAuthenticated => 401,
            AppError::UserBlocked(_)
            | AppError::NotActivated(_)
            | AppError::InvalidPassword
            | AppError::InvalidCode
            | AppError::LimitReached(_)
            | AppError::PermissionDenied(_) => 403,
            AppError::ConfirmationLocked(_) | AppError::TooManyUnknownCredentials(_) => 429,
            AppError::LoginTaken(_)
            | AppError::EnvNameTaken(_)
            | AppError::SshKeyExists(_)
            | AppError::WrongEnvStatus { .. } => 409,
            AppError::Busy(_) => 503,
            AppError::Internal(_) | AppError::Transport(_) => 500,
        }
    }

    /// The parameter this error is about, when there is one (forms put the message there).
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::InvalidParameter { name, .. } => Some(name),
            AppError::InvalidPassword | AppError::ConfirmationLocked(_) => Some("password"),
            AppError::InvalidCode => Some("code"),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request itself is malformed: a client error, not a server one.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::invalid("request", m)
            }
            ServerFnErrorErr::Deserialization(m) => AppError::invalid("request", m),
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_documented_code() {
        let cases = [
            (AppError::invalid("envName", "x"), 3),
            (AppError::EnvNotFound("a".into()), 11),
            (AppError::Internal("id".into()), 99),
            (AppError::AuthenticationFailed, 701),
            (AppError::NotAuthenticated, 702),
            (AppError::TooManyUnknownCredentials(5), 702),
            (AppError::NotActivated("x".into()), 703),
            (AppError::UserBlocked("x".into()), 704),
            (AppError::ConfirmationLocked(3), 705),
            (AppError::Busy(2), 706),
            (AppError::InvalidCode, 707),
            (AppError::LoginTaken("a".into()), 710),
            (AppError::InvalidPassword, 801),
            (AppError::NotImplemented("m".into()), 1702),
            (
                AppError::WrongEnvStatus {
                    current: "a".into(),
                    required: "b".into(),
                },
                2212,
            ),
            (AppError::EnvNameTaken("a".into()), 2301),
            (AppError::LimitReached(Limit::Tokens { max: 50 }), 2338),
            (AppError::SshKeyExists("SHA256:x".into()), 6001),
            (AppError::PermissionDenied("a".into()), 8202),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code, "{err:?}");
        }
    }

    #[test]
    fn invalid_parameter_message_names_the_parameter() {
        assert_eq!(
            AppError::invalid("envName", "must not be empty").to_string(),
            "invalid parameter [envName]: must not be empty"
        );
    }
}
