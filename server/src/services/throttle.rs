//! Locks a login (or a client IP) after repeated failures: wrong sign-in passwords and
//! wrong password confirmations. The counters live in the database, so every instance
//! of a cluster sees the same lock.

use app::AppError;

use crate::clock::{Timestamp, now};
use crate::config::SecurityPolicy;
use crate::storage::Store;

/// What the failures are counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// Sign-in attempts for a login (known or not).
    SignIn(&'a str),
    /// Password confirmations of an account's token changes.
    Confirm(i64),
    /// Any failure from a client address.
    Ip(&'a str),
}

impl Subject<'_> {
    fn key(&self) -> String {
        match self {
            Subject::SignIn(login) => format!("login:{login}"),
            Subject::Confirm(uid) => format!("confirm:{uid}"),
            Subject::Ip(ip) => format!("ip:{ip}"),
        }
    }
}

#[derive(Clone)]
pub struct Throttle {
    store: Store,
    policy: SecurityPolicy,
}

impl Throttle {
    pub fn new(store: Store, policy: SecurityPolicy) -> Throttle {
        Throttle { store, policy }
    }

    /// `Some(seconds left)` when any of `subjects` is locked now.
    pub async fn locked(&self, subjects: &[Subject<'_>]) -> Result<Option<u64>, AppError> {
        let keys: Vec<String> = subjects.iter().map(Subject::key).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let now = now();
        let until = self.store.locked_until(&keys, now).await?;
        Ok(until.map(|t| seconds_left(t, now)))
    }

    /// Counts one failure against each subject.
    pub async fn fail(&self, subjects: &[Subject<'_>]) -> Result<(), AppError> {
        let now = now();
        for subject in subjects {
            let threshold = match subject {
                Subject::Ip(_) => self.policy.lockout_ip_threshold,
                _ => self.policy.lockout_threshold,
            };
            let locked = self
                .store
                .record_failure(
                    &subject.key(),
                    now,
                    self.policy.lockout_window.as_secs() as i64,
                    threshold,
                    self.policy.lockout_duration.as_secs() as i64,
                )
                .await?;
            if locked {
                tracing::warn!(subject = ?kind(subject), "locked after repeated failures");
            }
        }
        Ok(())
    }

    /// Forgets the failures of `subject` after a success.
    pub async fn succeed(&self, subject: Subject<'_>) -> Result<(), AppError> {
        Ok(self.store.clear_failures(&subject.key(), now()).await?)
    }
}

/// The subject's kind only: logins and addresses stay out of the log line's fields.
fn kind(subject: &Subject<'_>) -> &'static str {
    match subject {
        Subject::SignIn(_) => "login",
        Subject::Confirm(_) => "password-confirmation",
        Subject::Ip(_) => "client-ip",
    }
}

fn seconds_left(until: Timestamp, now: Timestamp) -> u64 {
    (until - now).max(1) as u64
}

/// "14 min 5 s" / "40 s".
pub fn human_wait(secs: u64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// The 704 answer for a locked sign-in.
pub fn sign_in_locked(secs: u64) -> AppError {
    AppError::UserBlocked(format!(
        "sign-in is locked after repeated failures: try again in {}",
        human_wait(secs)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(human_wait(40), "40 s");
        assert_eq!(human_wait(120), "2 min");
        assert_eq!(human_wait(845), "14 min 5 s");
    }
}
