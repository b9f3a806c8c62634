//! Attempt budgets for guessing passwords: sign-ins, sign-ups and password
//! confirmations. An attempt is *taken* from its budgets before any password is hashed,
//! in one database statement per budget, and counts until it is decided; only a wrong
//! guess stays counted. So however many requests arrive at once, on however many
//! instances, at most the budget's threshold of guesses is ever checked per window. A
//! spent budget locks for a while. While every place of a budget is held by attempts not
//! yet decided, the next one waits for them (briefly; then "busy") rather than being
//! refused, so a client's own parallel requests with the right password all go through.
//!
//! Which budgets an attempt draws on (OWASP's "device cookie" approach):
//! - a sign-in from a client that has signed in to this account before (it holds a
//!   known device cookie) uses that device's own budget only, so an attack on the
//!   account does not lock its owner out;
//! - any other sign-in uses the account's budget and the client address's budget;
//! - a sign-up uses the client address's budget (a taken login costs an attempt, so
//!   sign-up is no free oracle of which logins exist);
//! - a password confirmation uses the budget of the session that asks, so nobody else's
//!   confirmations, on the account or behind the same proxy, are locked by it.

use crate::Error;

use crate::clock::{Timestamp, now};
use crate::config::SecurityPolicy;
use crate::secrets::sha256_hex;
use crate::storage::{Admission, Store};

/// A budget of attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Bounded, whatever the client sent: logins are stored as their SHA-256.
    key: String,
    wide: bool,
}

impl Budget {
    /// Sign-ins to a login (known or not) from clients it does not know.
    pub fn login(normalized_login: &str) -> Budget {
        Budget {
            key: format!("login:{}", sha256_hex(normalized_login)),
            wide: false,
        }
    }

    /// Sign-ins and sign-ups from a client address (an `IpAddr` or `unknown`).
    pub fn address(ip: &str) -> Budget {
        let ip: String = ip.chars().take(64).collect();
        Budget {
            key: format!("ip:{ip}"),
            wide: true,
        }
    }

    /// Sign-ins from a known device (by the SHA-256 of its cookie).
    pub fn device(device_hash: &str) -> Budget {
        Budget {
            key: format!("device:{device_hash}"),
            wide: false,
        }
    }

    /// Password confirmations asked by one session.
    pub fn confirmations(user_id: i64, session_id: i64) -> Budget {
        Budget {
            key: format!("confirm:{user_id}:{session_id}"),
            wide: false,
        }
    }

    /// The kind only: logins and addresses stay out of log lines.
    fn kind(&self) -> &str {
        self.key.split(':').next().unwrap_or("")
    }
}

/// Attempts taken from some budgets; they end as a success, a failure, or given back.
/// One dropped undecided (its request went away) is given back.
#[must_use = "an attempt must end as a success, a failure or given back"]
pub struct Attempt {
    budgets: Vec<Budget>,
    throttle: Throttle,
}

impl Attempt {
    fn take_budgets(&mut self) -> Vec<Budget> {
        std::mem::take(&mut self.budgets)
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let budgets = self.take_budgets();
        if budgets.is_empty() {
            return;
        }
        let throttle = self.throttle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let now = now();
                for budget in &budgets {
                    let _ = throttle.store.return_attempt(&budget.key, now, false).await;
                }
            });
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

    fn threshold(&self, budget: &Budget) -> u32 {
        if budget.wide {
            self.policy.lockout_ip_threshold
        } else {
            self.policy.lockout_threshold
        }
    }

    /// Takes one attempt from each of `budgets`, or none: `Err(seconds to wait)` when any
    /// is spent or locked (the attempts already taken are given back). While a budget's
    /// places are all held by undecided attempts, waits for one to be decided, up to
    /// `wait`, then answers "busy" (706).
    pub async fn take(
        &self,
        budgets: Vec<Budget>,
        wait: std::time::Duration,
    ) -> Result<Result<Attempt, u64>, Error> {
        let deadline = tokio::time::Instant::now() + wait;
        let window = self.policy.lockout_window.as_secs() as i64;
        let mut attempt = Attempt {
            budgets: Vec::with_capacity(budgets.len()),
            throttle: self.clone(),
        };
        for budget in budgets {
            let mut pause = UNDECIDED_POLL;
            loop {
                let now = now();
                let admission = self
                    .store
                    .reserve_attempt(&budget.key, now, window, self.threshold(&budget))
                    .await?;
                match admission {
                    Admission::Granted => break,
                    Admission::Undecided if tokio::time::Instant::now() < deadline => {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(UNDECIDED_POLL_MAX);
                    }
                    Admission::Undecided => {
                        self.give_back(attempt).await?;
                        return Err(Error::Busy(wait.as_secs().max(1)));
                    }
                    Admission::Refused { until } => {
                        self.give_back(attempt).await?;
                        return Ok(Err(seconds_left(until, now)));
                    }
                }
            }
            attempt.budgets.push(budget);
        }
        Ok(Ok(attempt))
    }

    /// The attempt was not a guess (the server was busy, the request was malformed).
    pub async fn give_back(&self, mut attempt: Attempt) -> Result<(), Error> {
        let now = now();
        for budget in attempt.take_budgets() {
            self.store.return_attempt(&budget.key, now, false).await?;
        }
        Ok(())
    }

    /// The password was right: the client's own budgets forget their wrong guesses, the
    /// address's gets its attempt back.
    pub async fn succeed(&self, mut attempt: Attempt) -> Result<(), Error> {
        let now = now();
        for budget in attempt.take_budgets() {
            self.store
                .return_attempt(&budget.key, now, !budget.wide)
                .await?;
        }
        Ok(())
    }

    /// The guess was wrong: it stays counted, and a spent budget locks.
    pub async fn fail(&self, mut attempt: Attempt) -> Result<(), Error> {
        let now = now();
        let lock = self.policy.lockout_duration.as_secs() as i64;
        for budget in attempt.take_budgets() {
            let locked = self
                .store
                .record_failure(&budget.key, now, self.threshold(&budget), lock)
                .await?;
            if locked {
                tracing::warn!(subject = budget.kind(), "locked after repeated failures");
            }
        }
        Ok(())
    }

    /// Deletes budgets that no longer count or lock anything.
    pub async fn purge(&self) -> Result<u64, Error> {
        let window = self.policy.lockout_window.as_secs() as i64;
        Ok(self.store.purge_attempts(now(), window).await?)
    }
}

/// How soon an attempt waiting for undecided ones asks again: first after this, then
/// twice as long each time, up to [`UNDECIDED_POLL_MAX`] (a burst waiting on one budget
/// costs the database a few statements per request, not a steady stream).
const UNDECIDED_POLL: std::time::Duration = std::time::Duration::from_millis(10);
const UNDECIDED_POLL_MAX: std::time::Duration = std::time::Duration::from_millis(200);

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
pub fn sign_in_locked(secs: u64) -> Error {
    Error::UserBlocked(format!(
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

    #[test]
    fn budget_keys_are_bounded_whatever_the_login() {
        let long = "a".repeat(200 * 1024);
        assert_eq!(Budget::login(&long).key.len(), "login:".len() + 64);
        assert_eq!(Budget::address(&long).key.len(), "ip:".len() + 64);
        assert_ne!(Budget::login("a@x.io"), Budget::login("b@x.io"));
    }
}
