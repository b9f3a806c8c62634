//! The service layer: every rule about accounts, sessions, tokens and environments,
//! in plain Rust. The REST API and the server functions are thin adapters over it.

pub mod accounts;
pub mod admin;
pub mod authz;
pub mod envs;
pub mod flood;
pub mod leaks;
pub mod passwords;
pub mod security_log;
pub mod sessions;
pub mod ssh_keys;
pub mod templates;
pub mod throttle;
pub mod token_activity;
pub mod token_reuse;
pub mod tokens;
pub mod two_factor;
