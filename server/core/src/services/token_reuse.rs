//! Reuse detection: a token value that was regenerated away or deleted, used again.
//!
//! Such a use is a sign the value leaked (the owner replaced it, someone still holds
//! it). The caller gets the same 702 as for any dead value; the owner gets a security
//! log entry (address and method) and a dashboard alert naming the token and the
//! address, kept until dismissed. With [`TokenReuse::Revoke`], the live successor of a
//! regenerated-away value is revoked too (deleted, its value retired), as GitLab revokes
//! a token family, and the alert says so.
//!
//! A burst is one alert: each instance handles a (value, address) pair at most once per
//! [`BURST_SECS`] (the rest of the burst only gets its 702), and the database keeps one
//! open alert per (token, address), which later uses only count (`uses`, `last_seen_at`);
//! so a burst spread over several instances still makes one alert, and the security log
//! gets an entry when an alert is opened (or a token revoked), not for every use. Once
//! the owner dismisses an alert, the next use from that address opens a new one.
//!
//! Only values the flood guard lets through are checked (`services::flood`): a made-up
//! value costs no more than before, and an address past its budget is not looked up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::Client;
use crate::Error;
use crate::clock::{Timestamp, now};
use crate::config::TokenReuse;
use crate::refusal::Refusal;
use crate::services::flood::FloodGuard;
use crate::services::security_log::{DeadBecause, Event, SecurityLog, TokenRef};
use crate::storage::{DeleteOutcome, RetiredTokenRow, ReuseSeen, Store};

/// A (value, address) pair is handled at most once per this many seconds per instance.
pub const BURST_SECS: i64 = 60;
/// Bound on the pairs remembered (older ones are forgotten first when full).
const PAIRS: usize = 10_000;

/// An open alert, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseAlert {
    pub id: i64,
    pub token_id: i64,
    pub description: String,
    pub ip: String,
    /// The method of the first use (`service.class.Method`).
    pub method: String,
    /// The value was regenerated away (`true`) or its token deleted.
    pub regenerated: bool,
    /// The token (its current value) was revoked because of this reuse.
    pub revoked: bool,
    pub uses: i64,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
}

#[derive(Clone)]
pub struct ReuseWatch {
    store: Store,
    log: SecurityLog,
    flood: FloodGuard,
    policy: TokenReuse,
    seen: Arc<Mutex<Bursts>>,
}

/// The (value, address) pairs handled lately, each with when.
#[derive(Default)]
struct Bursts {
    seen: HashMap<(String, String), Timestamp>,
}

impl Bursts {
    /// Whether a use of `hash` from `ip` at `now` starts a new burst (and notes it).
    fn first(&mut self, hash: &str, ip: &str, now: Timestamp) -> bool {
        let key = (hash.to_string(), ip.to_string());
        if self.seen.get(&key).is_some_and(|t| now - t < BURST_SECS) {
            return false;
        }
        if self.seen.len() >= PAIRS {
            self.seen.retain(|_, t| now - *t < BURST_SECS);
            if self.seen.len() >= PAIRS {
                self.seen.clear();
            }
        }
        self.seen.insert(key, now);
        true
    }
}

impl ReuseWatch {
    pub fn new(store: Store, log: SecurityLog, flood: FloodGuard, policy: TokenReuse) -> Self {
        ReuseWatch {
            store,
            log,
            flood,
            policy,
            seen: Default::default(),
        }
    }

    /// A value (by its SHA-256) that is no live token was sent by `client` to call
    /// `method`: when it is a retired value, its reuse is recorded. Answers whether it
    /// was one (the caller's answer is 702 either way).
    pub async fn check(&self, hash: &str, client: &Client, method: &str) -> Result<bool, Error> {
        let Some(retired) = self.store.retired_token_detail(hash).await? else {
            return Ok(false);
        };
        if !self.first_of_burst(hash, &client.ip) {
            return Ok(true);
        }
        let revoked = self.policy == TokenReuse::Revoke
            && retired.reason == "regenerated"
            && self.revoke(&retired, &client.ip).await?;
        let event = Event::DeadTokenUsed {
            token: TokenRef::new(retired.token_id, &retired.description),
            because: if retired.reason == "regenerated" {
                DeadBecause::Regenerated
            } else {
                DeadBecause::Deleted
            },
            method: Some(method.to_string()),
            revoked,
        };
        let opened = self
            .store
            .record_reuse_alert(&ReuseSeen {
                retired: &retired,
                ip: &client.ip,
                method,
                revoked,
                at: now(),
            })
            .await?;
        if opened || revoked {
            self.log.record(retired.user_id, &client.ip, event).await;
        }
        Ok(true)
    }

    /// Whether this is the first use of `hash` from `ip` in the current burst.
    fn first_of_burst(&self, hash: &str, ip: &str) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .first(hash, ip, now())
    }

    /// Revokes the live successor of a regenerated-away value; `false` when there is
    /// none any more (deleted meanwhile, or revoked by another use).
    async fn revoke(&self, retired: &RetiredTokenRow, ip: &str) -> Result<bool, Error> {
        let hashes: Vec<String> = self
            .store
            .token_hashes_of(retired.user_id)
            .await?
            .into_iter()
            .filter(|(id, _)| *id == retired.token_id)
            .map(|(_, h)| h)
            .collect();
        if hashes.is_empty() {
            return Ok(false);
        }
        let outcome = self
            .store
            .delete_tokens(retired.user_id, Some(&[retired.token_id]), now())
            .await?;
        let DeleteOutcome::Deleted(ids) = outcome else {
            return Ok(false);
        };
        if ids.is_empty() {
            return Ok(false);
        }
        hashes.iter().for_each(|h| self.flood.dead(h));
        self.log
            .record(
                retired.user_id,
                ip,
                Event::TokenRevokedOnReuse(TokenRef::new(retired.token_id, &retired.description)),
            )
            .await;
        Ok(true)
    }

    /// The user's open alerts, newest first.
    pub async fn alerts(&self, user_id: i64) -> Result<Vec<ReuseAlert>, Error> {
        Ok(self
            .store
            .reuse_alerts(user_id)
            .await?
            .into_iter()
            .map(|a| ReuseAlert {
                id: a.id,
                token_id: a.token_id,
                description: a.description,
                ip: a.ip,
                method: a.method,
                regenerated: a.reason == "regenerated",
                revoked: a.revoked != 0,
                uses: a.uses,
                first_seen_at: a.first_seen_at,
                last_seen_at: a.last_seen_at,
            })
            .collect())
    }

    /// Dismisses one of the user's alerts (result 3 naming `id` when it has none).
    pub async fn dismiss(&self, user_id: i64, id: i64) -> Result<(), Error> {
        if self.store.dismiss_reuse_alert(user_id, id).await? {
            Ok(())
        } else {
            Err(Error::refused("id", Refusal::NoSuchAlert { id }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_starts_a_burst_once_a_minute_and_other_pairs_are_apart() {
        let mut b = Bursts::default();
        assert!(b.first("h", "1.2.3.4", 1000));
        assert!(!b.first("h", "1.2.3.4", 1000));
        assert!(!b.first("h", "1.2.3.4", 1000 + BURST_SECS - 1));
        assert!(b.first("h", "5.6.7.8", 1001), "another address");
        assert!(b.first("g", "1.2.3.4", 1001), "another value");
        assert!(
            b.first("h", "1.2.3.4", 1000 + BURST_SECS),
            "the next minute"
        );
    }

    #[test]
    fn the_pair_memory_stays_bounded() {
        let mut b = Bursts::default();
        for i in 0..PAIRS + 10 {
            assert!(b.first(&i.to_string(), "ip", 5));
        }
        assert!(b.seen.len() <= PAIRS);
    }
}
