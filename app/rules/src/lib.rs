//! The rules Kunci's browser code and its server both apply, each written once.
//!
//! The dashboard checks a form before sending it, and the server checks it again on
//! arrival; when each side had its own copy of a rule they drifted apart (the browser
//! allowed 10 calendar years of expiry, the server 10 × 366 days). Both now call the
//! functions here, so they cannot disagree.
//!
//! This crate depends on nothing but `std`: it is compiled into the WASM as well as into
//! `kunci-core`, and it knows neither of them. Errors are plain values with a message;
//! each caller maps them to its own error type.

pub mod account;
pub mod date;
pub mod description;
pub mod env;
pub mod expiry;
pub mod language;
pub mod restrict;
pub mod token;
