//! Per-instance protection against floods of made-up credentials: token values and
//! session ids sent in the `session` parameter, as a Bearer token or as the session
//! cookie. After [`UNKNOWN_CREDENTIALS_PER_MINUTE`] values from one client address in a
//! minute that were not live (unknown, or malformed), that address's values are looked
//! up only if they are in the instance's set of live credentials; the others get 702,
//! saying why, after a [`FLOOD_HOLD`]. The hold is a tarpit: each of the flood's
//! connections gets one answer per hold instead of taking the cores from live
//! credentials. The guard only spares the database and the CPU: a value that passes is
//! still looked up and checked in full, so a dead one is refused at once as always.
//!
//! The set holds every token and session row of the database, wherever it was issued,
//! so a live value always passes, at once. It is read at start and kept current: by this
//! instance's own issuing and retiring; on PostgreSQL by the notifications the triggers
//! send for every instance's writes (read again in full after the listening connection
//! was lost); on SQLite, where the CLI may write the file from another process, by
//! reading it again before a refusal when the files changed since (at most every
//! [`RELOAD_PACE`]), and every ten minutes, which also drops the values that died
//! without this instance seeing it. The set may hold a few dead values for a while: they
//! are looked up and refused as always.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Error;

use crate::storage::{CredentialChange, CredentialFeed, Store, StoreError, cache};

/// Values that were not live one client address may send per minute before its unknown
/// values are refused without a lookup.
pub const UNKNOWN_CREDENTIALS_PER_MINUTE: u32 = 100;
const WINDOW: Duration = Duration::from_secs(60);
/// How long a refusal for a flooding address is held before it is answered.
pub const FLOOD_HOLD: Duration = Duration::from_secs(1);
/// Refusals held at once, at most: past this many they wait for a free slot, so the
/// refusals answered per second stay at most `HELD_AT_ONCE / FLOOD_HOLD`.
const HELD_AT_ONCE: usize = 1024;
/// On SQLite, the set is read again before a refusal at most this often (when the
/// files changed); a refusal that would need a newer read waits for it.
pub const RELOAD_PACE: Duration = Duration::from_millis(250);
/// On SQLite, the set is read again this often in any case.
const RELOAD_ALL_EVERY: Duration = Duration::from_secs(600);
/// Bound on the map of misses per address (emptied when full).
const ENTRIES: usize = 100_000;

#[derive(Clone)]
pub struct FloodGuard {
    counts: Arc<Mutex<Counts>>,
    live: Arc<Live>,
    tarpit: Arc<Tarpit>,
}

impl FloodGuard {
    pub fn new(store: Store) -> FloodGuard {
        FloodGuard {
            counts: Default::default(),
            live: Arc::new(Live {
                store,
                set: Default::default(),
                last_load: Default::default(),
                feed: Default::default(),
            }),
            tarpit: Arc::new(Tarpit::new(HELD_AT_ONCE, FLOOD_HOLD)),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the live credentials (on PostgreSQL, after it starts listening for their
    /// changes, which [`FloodGuard::follow`] then applies). Called once, at start.
    pub async fn start(&self) -> Result<(), StoreError> {
        let feed = self.live.store.credential_feed().await?;
        *self.live.feed.lock().unwrap_or_else(|e| e.into_inner()) = feed;
        self.live.reload().await
    }

    /// Keeps the set current until the store closes: applies PostgreSQL's notifications,
    /// or on SQLite reads the set again every ten minutes.
    pub async fn follow(self) {
        let feed = self
            .live
            .feed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(mut feed) = feed else {
            let mut tick = tokio::time::interval(RELOAD_ALL_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = self.live.reload().await {
                    tracing::warn!(error = %e, "cannot read the live credentials");
                }
            }
        };
        self.apply(&mut feed).await;
    }

    async fn apply(&self, feed: &mut CredentialFeed) {
        while let Some(change) = feed.next().await {
            match change {
                CredentialChange::Added(hash) => self.valid(&hash),
                CredentialChange::Removed(hash) => self.dead(&hash),
                CredentialChange::Lost => {
                    while let Err(e) = self.live.reload().await {
                        tracing::warn!(error = %e, "cannot read the live credentials");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }

    /// Lets a value from `ip` be looked up, or refuses it (702, after the hold) when
    /// `ip` is over the limit and `hash` (the value's SHA-256; `None` when malformed)
    /// is not a live credential.
    pub async fn admit(&self, ip: &str, hash: Option<&str>) -> Result<(), Error> {
        // Its own statement, so the lock is released before the hold.
        let refused = self.counts().refuses(ip);
        let Some(wait) = refused else {
            return Ok(());
        };
        if let Some(hash) = hash
            && self.live.holds(hash).await
        {
            return Ok(());
        }
        self.tarpit.hold().await;
        Err(Error::TooManyUnknownCredentials(wait))
    }

    /// Counts a value from `ip` that was not live.
    pub fn missed(&self, ip: &str) {
        self.counts().missed(ip);
    }

    /// Notes a value (by its SHA-256) as live: issued, or seen valid.
    pub fn valid(&self, hash: &str) {
        self.live.set().add(hash);
    }

    /// Notes a value (by its SHA-256) as dead: deleted, regenerated away, signed out.
    pub fn dead(&self, hash: &str) {
        self.live.set().remove(hash);
    }
}

/// The live credentials of the database, and how to read them again.
struct Live {
    store: Store,
    set: Mutex<LiveSet>,
    /// Serialises the reads of the whole set; what the last one saw.
    last_load: tokio::sync::Mutex<LastLoad>,
    /// PostgreSQL's notifications, from `start` until `follow` takes them.
    feed: Mutex<Option<CredentialFeed>>,
}

#[derive(Default)]
struct LastLoad {
    started: Option<Instant>,
    files: Option<cache::Version>,
}

impl Live {
    fn set(&self) -> std::sync::MutexGuard<'_, LiveSet> {
        self.set.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `hash` is live. On SQLite, a value not in the set may have been issued by
    /// another process: when the files changed since the last read, the set is read
    /// again first (at most every `RELOAD_PACE`; one read serves every waiting caller).
    async fn holds(&self, hash: &str) -> bool {
        if self.set().contains(hash) {
            return true;
        }
        if self.store.files_version().is_none() {
            return false;
        }
        let asked = Instant::now();
        let mut last = self.last_load.lock().await;
        // A read that started after this value was sent saw it, if it was live.
        let fresh = last.started.is_some_and(|t| t >= asked);
        if !fresh && self.store.files_version() != last.files {
            if let Some(t) = last.started {
                tokio::time::sleep_until((t + RELOAD_PACE).into()).await;
            }
            if let Err(e) = self.load(&mut last).await {
                tracing::warn!(error = %e, "cannot read the live credentials");
            }
        }
        drop(last);
        self.set().contains(hash)
    }

    async fn reload(&self) -> Result<(), StoreError> {
        let mut last = self.last_load.lock().await;
        self.load(&mut last).await
    }

    async fn load(&self, last: &mut LastLoad) -> Result<(), StoreError> {
        // Taken before the read: a write after it makes the next refusal read again.
        let files = self.store.files_version();
        let started = Instant::now();
        self.set().begin_load();
        match self.store.credential_hashes().await {
            Ok(hashes) => {
                self.set().finish_load(hashes.iter().map(String::as_str));
                *last = LastLoad {
                    started: Some(started),
                    files,
                };
                Ok(())
            }
            Err(e) => {
                self.set().abort_load();
                Err(e)
            }
        }
    }
}

/// A set of credential hashes, by the first 64 bits of each (a chance match only costs
/// a lookup). A read of the whole set replaces it, keeping what was added meanwhile.
#[derive(Default)]
struct LiveSet {
    keys: HashSet<u64>,
    /// While a read of the whole set is under way: what was added since it started.
    added_while_loading: Option<HashSet<u64>>,
}

/// The first 64 bits of a SHA-256 in hex; `None` for anything else.
fn key(hash: &str) -> Option<u64> {
    hash.get(..16)
        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|h| u64::from_str_radix(h, 16).ok())
}

impl LiveSet {
    fn contains(&self, hash: &str) -> bool {
        key(hash).is_some_and(|k| self.keys.contains(&k))
    }

    fn add(&mut self, hash: &str) {
        let Some(k) = key(hash) else { return };
        self.keys.insert(k);
        if let Some(added) = &mut self.added_while_loading {
            added.insert(k);
        }
    }

    fn remove(&mut self, hash: &str) {
        let Some(k) = key(hash) else { return };
        self.keys.remove(&k);
        if let Some(added) = &mut self.added_while_loading {
            added.remove(&k);
        }
    }

    fn begin_load(&mut self) {
        self.added_while_loading = Some(HashSet::new());
    }

    /// Replaces the set with what was read, plus what was added during the read.
    fn finish_load<'a>(&mut self, read: impl Iterator<Item = &'a str>) {
        let added = self.added_while_loading.take().unwrap_or_default();
        self.keys = read.filter_map(key).chain(added).collect();
    }

    fn abort_load(&mut self) {
        self.added_while_loading = None;
    }
}

#[derive(Default)]
struct Counts {
    window_started: Option<Instant>,
    /// Values that were not live, per client address in the current window.
    misses: HashMap<String, u32>,
}

impl Counts {
    fn roll(&mut self) {
        if self.window_started.is_none_or(|t| t.elapsed() >= WINDOW) {
            self.window_started = Some(Instant::now());
            self.misses.clear();
        }
    }

    /// Seconds until `ip` may send unknown values again, when it is over the limit.
    fn refuses(&mut self, ip: &str) -> Option<u64> {
        self.roll();
        if self.misses.get(ip).copied().unwrap_or(0) < UNKNOWN_CREDENTIALS_PER_MINUTE {
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
    fn an_address_over_the_limit_is_refused_for_a_minute_and_others_are_not() {
        let mut counts = Counts::default();
        for _ in 0..UNKNOWN_CREDENTIALS_PER_MINUTE {
            assert_eq!(counts.refuses("a"), None);
            counts.missed("a");
        }
        assert!(counts.refuses("a").is_some_and(|s| (1..=60).contains(&s)));
        assert_eq!(counts.refuses("b"), None);
    }

    fn h(n: u8) -> String {
        crate::secrets::sha256_hex(&n.to_string())
    }

    #[test]
    fn live_set_holds_added_values_until_removed() {
        let mut set = LiveSet::default();
        assert!(!set.contains(&h(1)));
        set.add(&h(1));
        set.add(&h(1));
        assert!(set.contains(&h(1)));
        assert!(!set.contains(&h(2)));
        set.remove(&h(1));
        assert!(!set.contains(&h(1)));
        assert!(set.keys.is_empty(), "nothing left behind");
        // Not a hash: never held, never an error.
        set.add("not hex at all, not at all");
        set.add(&format!("+{}", &h(5)[1..]));
        assert!(!set.contains("not hex at all, not at all"));
        assert!(!set.contains(""));
        assert!(set.keys.is_empty());
    }

    #[test]
    fn live_set_reload_replaces_it_but_keeps_values_added_during_the_read() {
        let mut set = LiveSet::default();
        set.add(&h(1)); // died since, without this instance seeing it
        set.begin_load();
        // Issued while the read was under way, after its snapshot.
        set.add(&h(3));
        set.finish_load([h(2)].iter().map(String::as_str));
        assert!(
            !set.contains(&h(1)),
            "the read drops what the database lacks"
        );
        assert!(set.contains(&h(2)));
        assert!(set.contains(&h(3)), "an addition during the read is kept");
        assert_eq!(set.keys.len(), 2);
        // Later additions are not kept past the next read.
        set.add(&h(4));
        set.begin_load();
        set.finish_load([h(2)].iter().map(String::as_str));
        assert!(!set.contains(&h(4)) && !set.contains(&h(3)));
    }

    #[test]
    fn live_set_failed_reload_keeps_the_set_and_stops_tracking() {
        let mut set = LiveSet::default();
        set.add(&h(1));
        set.begin_load();
        set.add(&h(2));
        set.abort_load();
        assert!(set.contains(&h(1)) && set.contains(&h(2)));
        assert!(set.added_while_loading.is_none());
    }
}
