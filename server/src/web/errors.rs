//! The dashboard's error, made from the core's: the one place a core error becomes an
//! `app::AppError`. An internal failure is logged here with the request id, and the
//! browser gets that id only.

use app::AppError;
use kunci_core::Error;

pub fn ui_error(error: Error) -> AppError {
    match error {
        Error::InvalidParameter { name, reason } => AppError::InvalidParameter { name, reason },
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
        Error::LimitReached(what) => AppError::LimitReached(what),
        Error::SshKeyExists(fingerprint) => AppError::SshKeyExists(fingerprint),
        Error::PermissionDenied(what) => AppError::PermissionDenied(what),
        Error::Internal(cause) => {
            let request_id = crate::telemetry::current_request_id();
            tracing::error!(request_id = %request_id, error = %cause, "internal error");
            AppError::Internal(request_id)
        }
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
            Error::LimitReached("a".into()),
            Error::SshKeyExists("SHA256:x".into()),
            Error::PermissionDenied("a".into()),
            Error::Internal("cause".into()),
        ];
        for e in cases {
            let code = e.code();
            let shown = e.to_string();
            let ui = ui_error(e);
            assert_eq!(ui.code(), code, "{ui:?}");
            if code != 99 {
                assert_eq!(ui.to_string(), shown);
            } else {
                assert!(!ui.to_string().contains("cause"));
            }
        }
    }
}
