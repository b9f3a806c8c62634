//! The core's one error: what went wrong, in the platform's terms. Each adapter turns it
//! into its own answer (the REST envelope, the dashboard's error); an internal failure
//! carries its cause for the adapter to log, and is never shown to a client.

pub use crate::refusal::{Limit, Refusal};

/// A failed rule or operation. `code()` is the platform's `result` code for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Result 3. `name` is the parameter as documented (`envName`), `reason` says what is
    /// wrong in English (the REST API's text). `refusal` is the same as data, for an
    /// adapter that words it in another language; `None` for the refusals only the REST
    /// API or the CLI can meet, whose English `reason` is all there is.
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
    /// Result 704: sign-in (or sign-up) locked after repeated failures, or the account
    /// is disabled.
    #[error("{0}")]
    UserBlocked(String),
    /// Result 703: the account exists but an administrator has not approved it yet
    /// (`--signup approval`); said only once its password is proven.
    #[error("{0}")]
    NotActivated(String),
    /// Result 705: too many wrong password confirmations; retry after the given seconds.
    #[error("too many wrong password confirmations: try again in {0} s")]
    ConfirmationLocked(u64),
    /// Result 706: every password-checking place is taken; nothing was checked or
    /// counted; retry after the given seconds.
    #[error("the server is busy checking passwords: try again in {0} s")]
    Busy(u64),
    /// Result 710: sign-up or `user create` with a login that is taken.
    #[error("login [{0}] is already registered")]
    LoginTaken(String),
    /// Result 801: the `password` confirmation of a protected call is wrong.
    #[error("invalid password")]
    InvalidPassword,
    /// Result 707: a two-factor code that is wrong or already used (a malformed one is
    /// result 3 naming `code`).
    #[error(
        "The code is not valid. Enter the current 6-digit code from your app, or an unused recovery code."
    )]
    InvalidCode,
    /// Result 702: a session still waiting for the second step of its sign-in.
    #[error(
        "user is not authenticated: this session waits for the second step of its sign-in; call users.authentication.Verify2FACode with a code from the authenticator app (or a recovery code) first"
    )]
    SecondFactorRequired,
    /// Result 2212.
    #[error(
        "Not allowed to execute this service for current Environment status [{current}]. Required statuses [{required}]"
    )]
    WrongEnvStatus { current: String, required: String },
    /// Result 2301: CreateEnvironment / CloneEnv with a name already in use on the platform.
    #[error("environment name [{0}] is already taken")]
    EnvNameTaken(String),
    /// Result 2338: which limit, and its number.
    #[error("account limit reached: {0}")]
    LimitReached(Limit),
    /// Result 6001: AddSSHKey with a key (the same key material, whatever its title or
    /// comment) that is already on the account; holds its fingerprint.
    #[error("this SSH key is already on the account ({0})")]
    SshKeyExists(String),
    /// Result 8202.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// Result 99: an unexpected failure. The text is the cause, for the log only.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    /// Result 3 with an English reason only: for refusals the dashboard cannot meet.
    pub fn invalid(name: &str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            reason: reason.into(),
            refusal: None,
        }
    }

    /// Result 3 for `refusal`, its English `reason` from the refusal's `Display`.
    pub fn refused(name: &str, refusal: Refusal) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            reason: refusal.to_string(),
            refusal: Some(refusal),
        }
    }

    /// The parameter an invalid-parameter error names.
    pub fn parameter(&self) -> Option<&str> {
        match self {
            Error::InvalidParameter { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The platform's `result` code for this error (see docs/api.md).
    pub fn code(&self) -> i32 {
        match self {
            Error::InvalidParameter { .. } => 3,
            Error::EnvNotFound(_) => 11,
            Error::Internal(_) => 99,
            Error::AuthenticationFailed => 701,
            Error::NotAuthenticated
            | Error::TooManyUnknownCredentials(_)
            | Error::SecondFactorRequired => 702,
            Error::NotActivated(_) => 703,
            Error::UserBlocked(_) => 704,
            Error::ConfirmationLocked(_) => 705,
            Error::Busy(_) => 706,
            Error::LoginTaken(_) => 710,
            Error::InvalidCode => 707,
            Error::InvalidPassword => 801,
            Error::WrongEnvStatus { .. } => 2212,
            Error::EnvNameTaken(_) => 2301,
            Error::LimitReached(_) => 2338,
            Error::SshKeyExists(_) => 6001,
            Error::PermissionDenied(_) => 8202,
        }
    }
}

/// An unexpected failure, with its cause kept for the adapter's log.
pub fn internal(cause: impl std::fmt::Display) -> Error {
    Error::Internal(cause.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_show_nothing_of_their_cause() {
        let e = internal("connection refused at 10.0.0.5");
        assert_eq!(e.to_string(), "internal error");
        assert_eq!(e.code(), 99);
    }

    #[test]
    fn refused_parameter_reads_as_its_refusal_in_english() {
        let e = Error::refused("ids", Refusal::NoSuchToken { id: 7 });
        assert_eq!(e.to_string(), "invalid parameter [ids]: no token with id 7");
        assert_eq!(e.code(), 3);
        let limit = Error::LimitReached(Limit::Tokens { max: 50 });
        assert_eq!(
            limit.to_string(),
            "account limit reached: an account has at most 50 tokens: remove one first"
        );
    }
}
