//! Per-instance protection against floods of made-up credentials: token values and
//! session ids sent in the `session` parameter, as a Bearer token or as the session
//! cookie. After [`UNKNOWN_CREDENTIALS_PER_MINUTE`] values from one client address in a
//! minute that were not live (unknown, or malformed), that address's values are looked
//! up only if this instance issued them or saw them valid in the last ten minutes; the
//! others get 702, saying why, after a [`FLOOD_HOLD`]. The hold is a tarpit: each of the
//! flood's connections gets one answer per hold instead of taking the cores from live
//! credentials. The guard only spares the database and the CPU: a value that passes is
//! still looked up and checked in full, so a dead one is refused at once as always.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::AppError;

/// Values that were not live one client address may send per minute before its unknown
/// values are refused without a lookup.
pub const UNKNOWN_CREDENTIALS_PER_MINUTE: u32 = 100;
const WINDOW: Duration = Duration::from_secs(60);
/// How long a refusal for a flooding address is held before it is answered.
pub const FLOOD_HOLD: Duration = Duration::from_secs(1);
/// Refusals held at once, at most: past this many they wait for a free slot, so the
/// refusals answered per second stay at most `HELD_AT_ONCE / FLOOD_HOLD`.
const HELD_AT_ONCE: usize = 1024;
/// How long a value this instance saw valid passes the guard of a flooding address.
const KNOWN_VALID_FOR: Duration = Duration::from_secs(600);
/// Bound on each of the guard's maps (emptied when full).
const ENTRIES: usize = 100_000;

#[derive(Clone)]
pub struct FloodGuard {
    counts: Arc<Mutex<Counts>>,
    tarpit: Arc<Tarpit>,
}

impl Default for FloodGuard {
    fn default() -> Self {
        FloodGuard {
            counts: Default::default(),
            tarpit: Arc::new(Tarpit::new(HELD_AT_ONCE, FLOOD_HOLD)),
        }
    }
}

impl FloodGuard {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets a value from `ip` be looked up, or refuses it (702, after the hold) when
    /// `ip` is over the limit and `hash` (the value's SHA-256; `None` when malformed)
    /// is not known valid.
    pub async fn admit(&self, ip: &str, hash: Option<&str>) -> Result<(), AppError> {
        // Its own statement, so the lock is released before the hold.
        let refused = self.counts().refuses(ip, hash);
        let Some(wait) = refused else {
            return Ok(());
        };
        self.tarpit.hold().await;
        Err(AppError::TooManyUnknownCredentials(wait))
    }

    /// Counts a value from `ip` that was not live.
    pub fn missed(&self, ip: &str) {
        self.counts().missed(ip);
    }

    /// Notes a value (by its SHA-256) as live: issued or seen valid by this instance.
    pub fn valid(&self, hash: &str) {
        self.counts().valid(hash);
    }
}

#[derive(Default)]
struct Counts {
    window_started: Option<Instant>,
    /// Values that were not live, per client address in the current window.
    misses: HashMap<String, u32>,
    /// SHA-256 of values known valid → when last seen valid.
    known: HashMap<String, Instant>,
}

impl Counts {
    fn roll(&mut self) {
        if self.window_started.is_none_or(|t| t.elapsed() >= WINDOW) {
            self.window_started = Some(Instant::now());
            self.misses.clear();
        }
    }

    /// Seconds until `ip` may send unknown values again, when it is over the limit and
    /// `hash` is not known valid.
    fn refuses(&mut self, ip: &str, hash: Option<&str>) -> Option<u64> {
        self.roll();
        if self.misses.get(ip).copied().unwrap_or(0) < UNKNOWN_CREDENTIALS_PER_MINUTE {
            return None;
        }
        if hash
            .and_then(|h| self.known.get(h))
            .is_some_and(|t| t.elapsed() < KNOWN_VALID_FOR)
        {
            return None;
        }
        let started = self.window_started.unwrap_or_else(Instant::now);
        Some(WINDOW.saturating_sub(started.elapsed()).as_secs().max(1))
    }

    fn missed(&mut self, ip: &str) {
        self.roll();
        if self.misses.len() >= ENTRIES {
            self.misses.clear();
        }
        *self.misses.entry(ip.to_string()).or_default() += 1;
    }

    fn valid(&mut self, hash: &str) {
        if let Some(t) = self.known.get_mut(hash) {
            *t = Instant::now();
            return;
        }
        if self.known.len() >= ENTRIES {
            self.known.clear();
        }
        self.known.insert(hash.to_string(), Instant::now());
    }
}

/// Holds answers for a while, a bounded number at once. The rest wait their turn (in
/// order, parked, costing no CPU), so however many connections a flood opens, it gets
/// at most `slots` answers per hold; the request timeout ends the longest waits.
struct Tarpit {
    slots: tokio::sync::Semaphore,
    hold: Duration,
}

impl Tarpit {
    fn new(slots: usize, hold: Duration) -> Tarpit {
        Tarpit {
            slots: tokio::sync::Semaphore::new(slots),
            hold,
        }
    }

    /// Waits for a free slot, then the hold.
    async fn hold(&self) {
        // The semaphore is never closed, so `acquire` cannot fail.
        let _slot = self.slots.acquire().await;
        tokio::time::sleep(self.hold).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_tarpit_holds_its_slots_at_once_and_the_rest_in_turn() {
        let hold = Duration::from_millis(50);
        let tarpit = Tarpit::new(2, hold);
        let started = tokio::time::Instant::now();
        let timed = || async {
            tarpit.hold().await;
            started.elapsed()
        };
        let ends = tokio::join!(timed(), timed(), timed());
        assert_eq!(ends, (hold, hold, 2 * hold));
    }

    #[test]
    fn an_address_over_the_limit_passes_only_known_values() {
        let mut counts = Counts::default();
        for _ in 0..UNKNOWN_CREDENTIALS_PER_MINUTE {
            assert_eq!(counts.refuses("a", Some("h1")), None);
            counts.missed("a");
        }
        counts.valid("live");
        assert!(counts.refuses("a", Some("h1")).is_some_and(|s| s <= 60));
        assert!(counts.refuses("a", None).is_some());
        assert_eq!(counts.refuses("a", Some("live")), None);
        assert_eq!(counts.refuses("b", Some("h1")), None);
    }
}
