//! Kunci's core: every rule about accounts, sessions, tokens and environments, and every
//! SQL statement. It knows nothing of the dashboard or of HTTP: the `server` crate's
//! adapters (the REST API, the dashboard's backend, the CLI) call it and shape its
//! answers.
//!
//! Layers, from the outside in: `services` (the rules) → `domain` (values validated
//! once) → `storage` (SQL on SQLite or PostgreSQL).

pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod refusal;
pub mod secrets;
pub mod server_key;
pub mod services;
pub mod storage;

pub use error::Error;

/// Who sent a request, as far as the rules care: its address (as the adapter's proxy
/// rules decide it) and its user agent.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}
