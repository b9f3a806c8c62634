//! The dashboard's error, made from the core's: the one place a core error becomes an
//! `app::AppError`. An internal failure is logged here with the request id, and the
//! browser gets that id only.

use app::AppError;
use app::error::{Limit as UiLimit, Refusal as UiRefusal};
use kunci_core::Error;
use kunci_core::refusal::{Limit, Refusal};

pub fn ui_error(error: Error) -> AppError {
    crate::metrics::answered_error(&error);
    match error {
        Error::InvalidParameter {
            name,
            reason,
            refusal,
        } => AppError::InvalidParameter {
            name,
            reason,
            refusal: refusal.map(ui_refusal),
        },
        Error::EnvNotFound(name) => AppError::EnvNotFound(name),
        Error::AuthenticationFailed => AppError::AuthenticationFailed,
        Error::NotAuthenticated => AppError::NotAuthenticated,
        Error::TooManyUnknownCredentials(secs) => AppError::TooManyUnknownCredentials(secs),
        Error::UserBlocked(why) => AppError::UserBlocked(why),
        Error::NotActivated(why) => AppError::NotActivated(why),
        Error::ConfirmationLocked(secs) => AppError::ConfirmationLocked(secs),
        Error::Busy(secs) => AppError::Busy(secs),
        Error::LoginTaken(login) => AppError::LoginTaken(login),
        Error::InvalidPassword => AppError::InvalidPassword,
        Error::InvalidCode => AppError::InvalidCode,
        // The dashboard treats a session waiting for its second step as signed out
        // (the code page reaches it through `dashboard_user_pending_ok`).
        Error::SecondFactorRequired => AppError::NotAuthenticated,
        Error::WrongEnvStatus { current, required } => {
            AppError::WrongEnvStatus { current, required }
        }
        Error::EnvNameTaken(name) => AppError::EnvNameTaken(name),
        Error::LimitReached(limit) => AppError::LimitReached(ui_limit(limit)),
        Error::SshKeyExists(fingerprint) => AppError::SshKeyExists(fingerprint),
        Error::PermissionDenied(what) => AppError::PermissionDenied(what),
        Error::Internal(cause) => {
            let request_id = crate::telemetry::current_request_id();
            tracing::error!(request_id = %request_id, error = %cause, "internal error");
            AppError::Internal(request_id)
        }
    }
}

/// A core refusal as the dashboard's contract carries it (the same data, worded by
/// the page).
fn ui_refusal(refusal: Refusal) -> UiRefusal {
    use UiRefusal as Ui;
    match refusal {
        Refusal::LoginRequired => Ui::LoginRequired,
        Refusal::EmailRequired => Ui::EmailRequired,
        Refusal::LoginTooLong { max } => Ui::LoginTooLong { max },
        Refusal::LoginHasSpaces => Ui::LoginHasSpaces,
        Refusal::LoginNotAnEmail => Ui::LoginNotAnEmail,
        Refusal::NameRequired => Ui::NameRequired,
        Refusal::NameTooLong { max } => Ui::NameTooLong { max },
        Refusal::NameHasControl => Ui::NameHasControl,
        Refusal::PasswordTooShort { min } => Ui::PasswordTooShort { min },
        Refusal::PasswordTooLong { max_bytes } => Ui::PasswordTooLong { max_bytes },
        Refusal::PasswordOnlySpaces => Ui::PasswordOnlySpaces,
        Refusal::PasswordRequired => Ui::PasswordRequired,
        Refusal::UnknownLanguage => Ui::UnknownLanguage,
        Refusal::Description(e) => Ui::Description(e),
        Refusal::Expiry(e) => Ui::Expiry(e),
        Refusal::Restrict(e) => Ui::Restrict(e),
        Refusal::TooManyMethods { max } => Ui::TooManyMethods { max },
        Refusal::PrivateMethod { method } => Ui::PrivateMethod { method },
        Refusal::UnknownMethods { names } => Ui::UnknownMethods { names },
        Refusal::NoMethod => Ui::NoMethod,
        Refusal::UnknownTemplate { templates } => Ui::UnknownTemplate { templates },
        Refusal::NoSuchToken { id } => Ui::NoSuchToken { id },
        Refusal::NoSuchTokens { ids } => Ui::NoSuchTokens { ids },
        Refusal::ExpiredNeedsExpiry { expired_on } => Ui::ExpiredNeedsExpiry { expired_on },
        Refusal::NoTokenSelected => Ui::NoTokenSelected,
        Refusal::CodeRequired => Ui::CodeRequired,
        Refusal::CodeMalformed => Ui::CodeMalformed,
        Refusal::TwoFactorNotOn => Ui::TwoFactorNotOn,
        Refusal::TwoFactorAlreadyOnSetUp => Ui::TwoFactorAlreadyOnSetUp,
        Refusal::TwoFactorAlreadyOn => Ui::TwoFactorAlreadyOn,
        Refusal::NothingBeingSetUp => Ui::NothingBeingSetUp,
        Refusal::SetupChanged => Ui::SetupChanged,
        Refusal::RecoveryCodeCannotRegenerate => Ui::RecoveryCodeCannotRegenerate,
        Refusal::SessionNeedsNoCode => Ui::SessionNeedsNoCode,
        Refusal::EnvName => Ui::EnvName,
        Refusal::Label { what, max } => Ui::Label { what, max },
        Refusal::NoNodes => Ui::NoNodes,
        Refusal::TooManyNodes { max } => Ui::TooManyNodes { max },
        Refusal::OutOfRange { field, min, max } => Ui::OutOfRange { field, min, max },
        Refusal::VarName(e) => Ui::VarName(e),
        Refusal::VarValueHasNul { name } => Ui::VarValueHasNul { name },
        Refusal::VarsTooBig { kib } => Ui::VarsTooBig { kib },
        Refusal::NoSuchNodeGroup => Ui::NoSuchNodeGroup,
        Refusal::NodeGroupEmpty => Ui::NodeGroupEmpty,
        Refusal::NoTokenNumbered { id } => Ui::NoTokenNumbered { id },
        Refusal::TokensRevokedMeanwhile { ids } => Ui::TokensRevokedMeanwhile { ids },
        Refusal::NoAccount { login } => Ui::NoAccount { login },
        Refusal::NotPending { login } => Ui::NotPending { login },
        Refusal::NotPendingId { id } => Ui::NotPendingId { id },
        Refusal::LastAdmin { login } => Ui::LastAdmin { login },
        Refusal::NoSuchAlert { id } => Ui::NoSuchAlert { id },
    }
}

fn ui_limit(limit: Limit) -> UiLimit {
    match limit {
        Limit::Tokens { max } => UiLimit::Tokens { max },
        Limit::Environments { max } => UiLimit::Environments { max },
        Limit::EnvGroups { max } => UiLimit::EnvGroups { max },
        Limit::SshKeys { max } => UiLimit::SshKeys { max },
    }
}

/// `.ui()?` on a core result inside the dashboard's backend.
pub trait ToUi<T> {
    fn ui(self) -> Result<T, AppError>;
}

impl<T> ToUi<T> for Result<T, Error> {
    fn ui(self) -> Result<T, AppError> {
        self.map_err(ui_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reaches_the_dashboard_as_data_with_its_english_reason() {
        let core = Error::refused("id", Refusal::NoSuchToken { id: 7 });
        let reason = "no token with id 7".to_string();
        assert_eq!(
            ui_error(core),
            AppError::InvalidParameter {
                name: "id".into(),
                reason,
                refusal: Some(UiRefusal::NoSuchToken { id: 7 }),
            }
        );
        // A reason only the REST API meets crosses without data: the page names the
        // parameter alone.
        assert_eq!(ui_error(Error::invalid("apiList", "x")).refusal(), None);
    }

    #[test]
    fn every_core_error_keeps_its_result_code_in_the_dashboard() {
        let cases = [
            Error::invalid("envName", "x"),
            Error::EnvNotFound("a".into()),
            Error::AuthenticationFailed,
            Error::NotAuthenticated,
            Error::TooManyUnknownCredentials(5),
            Error::UserBlocked("x".into()),
            Error::NotActivated("x".into()),
            Error::ConfirmationLocked(3),
            Error::Busy(2),
            Error::LoginTaken("a".into()),
            Error::InvalidPassword,
            Error::InvalidCode,
            Error::WrongEnvStatus {
                current: "a".into(),
                required: "b".into(),
            },
            Error::EnvNameTaken("a".into()),
            Error::LimitReached(Limit::Tokens { max: 50 }),
            Error::SshKeyExists("SHA256:x".into()),
            Error::PermissionDenied("a".into()),
            Error::Internal("cause".into()),
        ];
        for e in cases {
            let code = e.code();
            let shown = e.to_string();
            let ui = ui_error(e);
            assert_eq!(ui.code(), code, "{ui:?}");
            if code == 2338 {
                assert!(matches!(
                    ui,
                    AppError::LimitReached(UiLimit::Tokens { max: 50 })
                ));
            } else if code != 99 {
                assert_eq!(ui.to_string(), shown);
            } else {
                assert!(!ui.to_string().contains("cause"));
            }
        }
    }
}
