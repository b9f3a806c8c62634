//! The service layer: every rule about accounts, sessions, tokens and environments,
//! in plain Rust. The REST API and the server functions are thin adapters over it.

pub mod accounts;
pub mod authz;
pub mod catalog;
pub mod envs;
pub mod flood;
pub mod passwords;
pub mod security_log;
pub mod sessions;
pub mod templates;
pub mod throttle;
pub mod tokens;

use app::AppError;

use crate::storage::StoreError;

/// Logs `error` with the current request id and returns result 99 carrying only that id.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = crate::telemetry::current_request_id();
    tracing::error!(request_id = %request_id, error = %error, "internal error");
    AppError::Internal(request_id)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        internal(e)
    }
}
