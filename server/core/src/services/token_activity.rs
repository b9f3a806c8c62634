//! What each token did and where from: every call made with a token (time, method,
//! environment named, client address, result code) and the last five distinct addresses
//! it was used from, with `lastUsed`.
//!
//! No request writes to the database. A request hands its entry to [`TokenActivity::record`],
//! which only puts it on a bounded channel (never waits); one background task per
//! instance ([`TokenActivity::run`]) collects the entries and writes them in one
//! transaction, then pauses [`FLUSH_EVERY`] before the next; under a flood, identical
//! calls of one second are one row with their number (`calls`, see `Pending`); folding each token's
//! addresses (and `last_used_at`) into one upsert per address. The pause is what keeps
//! SQLite's one write lock free for everyone else under a flood of token calls (a writer
//! that wrote again as soon as it had a batch starved sign-ins and token changes past
//! their 10 s busy timeout in the benchmark). When the channel is full (the database is
//! slower than the calls for [`QUEUE`] entries) or the writer already holds
//! [`MAX_PENDING`], an entry is dropped and counted in [`ActivityMetrics::dropped`]: the
//! request is never held.
//!
//! Nothing stored is a secret: the method's catalog name, an `envName` only when it is a
//! valid environment name, the address and the result code; never a parameter value
//! otherwise, never the token.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::Error;
use crate::clock::{Timestamp, now};
use crate::domain::catalog::ApiMethod;
use crate::domain::env::EnvName;
use crate::storage::{ActivityInsert, ActivityRow, IpUse, ResultFilter, Store};

/// Entries waiting for the writer before new ones are dropped.
pub const QUEUE: usize = 16_384;
/// Entries the writer holds between two writes; past it, new ones are dropped (and
/// counted) rather than grow memory or the write.
pub const MAX_PENDING: usize = 50_000;
/// Rows in one writer cycle past which identical calls of a second are folded (see
/// `Pending`).
pub const FOLD_FROM: usize = 2_000;
/// The pause between the end of one write and the start of the next: the writer
/// holds SQLite's one write lock at most once per pause, so every other writer (sign-
/// ins, token changes) always gets its turn. A reader's flush (a detail view asking
/// for what is pending) writes at once.
pub const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// Rows one GetTokenActivity page holds by default, and at most.
pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 500;

/// Counters tests and benchmarks read.
#[derive(Debug, Default)]
pub struct ActivityMetrics {
    /// Entries handed to the writer.
    pub recorded: AtomicU64,
    /// Entries dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Transactions the writer committed (one per batch).
    pub batches: AtomicU64,
    /// Entries written.
    pub written: AtomicU64,
}

/// One call made with a token.
#[derive(Debug, Clone)]
pub struct TokenUse<'a> {
    pub token_id: i64,
    pub user_id: i64,
    pub method: &'static ApiMethod,
    /// The `envName` parameter as sent; kept only when it is a valid name.
    pub env_name: Option<&'a str>,
    pub ip: &'a str,
    pub result: i32,
}

/// One row of a token's activity, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub id: i64,
    pub at: Timestamp,
    pub method: String,
    pub env_name: Option<String>,
    pub ip: String,
    pub result: i32,
    /// Identical calls of that second the row stands for (1 for most).
    pub calls: i64,
}

/// An address a token was used from, and when last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedFrom {
    pub ip: String,
    pub last_used: Timestamp,
}

/// What to read of a token's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Rows older than this activity id (the last id of the previous page).
    pub before: Option<i64>,
    /// A case-insensitive part of the method's name.
    pub method: Option<String>,
    pub result: ResultFilter,
    pub count: i64,
}

enum Msg {
    Use(ActivityInsert),
    Flush(oneshot::Sender<()>),
}

/// What the writer holds between two writes, one row per call in the order they came.
/// Past [`FOLD_FROM`] rows in one cycle (a flood: over 4,000 token calls a second), a
/// call identical to an earlier one of the same second (token, method, environment,
/// address, result) adds to that row's number (`calls`) instead of a row: the log then
/// costs a row per second and kind of call, keeps up, and still counts every call.
#[derive(Default)]
struct Pending {
    rows: Vec<ActivityInsert>,
    index: HashMap<ActivityKey, usize>,
}

type ActivityKey = (i64, Timestamp, &'static str, Option<String>, String, i32);

impl Pending {
    /// Adds a call; false (dropped) when it is a new row past [`MAX_PENDING`].
    fn add(&mut self, e: ActivityInsert) -> bool {
        let key = (
            e.token_id,
            e.at,
            e.method,
            e.env_name.clone(),
            e.ip.clone(),
            e.result,
        );
        if self.rows.len() >= FOLD_FROM
            && let Some(&i) = self.index.get(&key)
        {
            self.rows[i].calls += e.calls;
            return true;
        }
        if self.rows.len() >= MAX_PENDING {
            return false;
        }
        self.index.insert(key, self.rows.len());
        self.rows.push(e);
        true
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.index.clear();
    }
}

#[derive(Clone)]
pub struct TokenActivity {
    store: Store,
    tx: mpsc::Sender<Msg>,
    rx: Arc<Mutex<Option<mpsc::Receiver<Msg>>>>,
    retention_days: u32,
    pub metrics: Arc<ActivityMetrics>,
}

impl TokenActivity {
    /// `retention_days`: how long rows are kept (see [`TokenActivity::prune`]).
    pub fn new(store: Store, retention_days: u32) -> TokenActivity {
        let (tx, rx) = mpsc::channel(QUEUE);
        TokenActivity {
            store,
            tx,
            rx: Arc::new(Mutex::new(Some(rx))),
            retention_days,
            metrics: Default::default(),
        }
    }

    /// Records a call made with a token, without waiting: the entry is queued for the
    /// writer, or dropped and counted when the queue is full.
    pub fn record(&self, call: TokenUse<'_>) {
        let env_name = call
            .env_name
            .and_then(|n| EnvName::parse(n, "envName").ok())
            .map(|n| n.as_str().to_string());
        let entry = ActivityInsert {
            token_id: call.token_id,
            user_id: call.user_id,
            at: now(),
            method: call.method.name.as_str(),
            env_name,
            ip: call.ip.chars().take(64).collect(),
            result: call.result,
            calls: 1,
        };
        match self.tx.try_send(Msg::Use(entry)) {
            Ok(()) => self.metrics.recorded.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.metrics.dropped.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Writes what this instance holds now, and waits for it (at most 5 s). Readers
    /// call it first, so an owner reading on this instance sees every call it answered.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        let sent = tokio::time::timeout(Duration::from_secs(5), async {
            self.tx.send(Msg::Flush(done)).await.ok()?;
            wait.await.ok()
        })
        .await;
        if !matches!(sent, Ok(Some(()))) {
            tracing::warn!("token activity flush did not complete");
        }
    }

    /// The writer: runs until the service is dropped. Only the first call runs; a
    /// second returns at once.
    pub async fn run(self) {
        let Some(mut rx) = self.rx.lock().await.take() else {
            return;
        };
        let mut pending = Pending::default();
        let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut msgs = Vec::with_capacity(256);
        let mut reported = 0;
        loop {
            let due = tokio::select! {
                n = rx.recv_many(&mut msgs, 256) => {
                    if n == 0 {
                        self.write(&mut pending).await;
                        return;
                    }
                    for m in msgs.drain(..) {
                        match m {
                            Msg::Use(e) => {
                                if !pending.add(e) {
                                    self.metrics.dropped.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            Msg::Flush(done) => waiting.push(done),
                        }
                    }
                    !waiting.is_empty()
                }
                _ = tick.tick() => true,
            };
            if due {
                self.write(&mut pending).await;
                // The next write waits a whole pause from now, however long this took.
                tick.reset();
                for done in waiting.drain(..) {
                    let _ = done.send(());
                }
                let dropped = self.metrics.dropped.load(Ordering::Relaxed);
                if dropped > reported {
                    tracing::warn!(
                        dropped = dropped - reported,
                        "token activity queue full: entries dropped (the database is slower than the calls)"
                    );
                    reported = dropped;
                }
            }
        }
    }

    async fn write(&self, pending: &mut Pending) {
        if pending.rows.is_empty() {
            return;
        }
        let rows = &pending.rows;
        let calls: i64 = rows.iter().map(|r| r.calls).sum();
        let ips = last_uses(rows);
        match self.store.write_token_activity(rows, &ips).await {
            Ok(()) => {
                self.metrics.batches.fetch_add(1, Ordering::Relaxed);
                self.metrics
                    .written
                    .fetch_add(calls as u64, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(error = %e, rows = rows.len(), "could not write token activity")
            }
        }
        pending.clear();
    }

    /// The last five addresses of each of the user's tokens, newest first.
    pub async fn last_ips(&self, user_id: i64) -> Result<HashMap<i64, Vec<UsedFrom>>, Error> {
        self.flush().await;
        let mut by_token: HashMap<i64, Vec<UsedFrom>> = HashMap::new();
        for r in self.store.token_ips_of(user_id).await? {
            by_token.entry(r.token_id).or_default().push(UsedFrom {
                ip: r.ip,
                last_used: r.last_used,
            });
        }
        Ok(by_token)
    }

    /// A page of one token's activity, newest first. The caller has checked that the
    /// token is the owner's (`Tokens::get`).
    pub async fn page(
        &self,
        token_id: i64,
        q: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, Error> {
        self.flush().await;
        let rows = self
            .store
            .token_activity(
                token_id,
                q.before,
                q.method.as_deref().map(str::trim).filter(|m| !m.is_empty()),
                q.result,
                // One more than a page: the caller's way to know older rows remain.
                q.count.clamp(1, MAX_PAGE + 1),
            )
            .await?;
        Ok(rows.into_iter().map(entry).collect())
    }

    /// Deletes activity older than the retention period before `at`.
    pub async fn prune(&self, at: Timestamp) -> Result<u64, Error> {
        let cutoff = at - i64::from(self.retention_days) * 86_400;
        Ok(self.store.prune_token_activity(cutoff).await?)
    }
}

fn entry(r: ActivityRow) -> ActivityEntry {
    ActivityEntry {
        id: r.id,
        at: r.at,
        method: r.method,
        env_name: r.env_name,
        ip: r.ip,
        result: r.result as i32,
        calls: r.calls,
    }
}

/// Each token's latest use of each address in a batch.
fn last_uses(batch: &[ActivityInsert]) -> Vec<IpUse> {
    let mut latest: HashMap<(i64, &str), IpUse> = HashMap::new();
    for e in batch {
        latest
            .entry((e.token_id, e.ip.as_str()))
            .and_modify(|u| u.at = u.at.max(e.at))
            .or_insert_with(|| IpUse {
                token_id: e.token_id,
                user_id: e.user_id,
                ip: e.ip.clone(),
                at: e.at,
            });
    }
    let mut uses: Vec<IpUse> = latest.into_values().collect();
    uses.sort_by(|a, b| (a.token_id, &a.ip).cmp(&(b.token_id, &b.ip)));
    uses
}

/// The result filter a caller asked for: `success`, `failure`, a result code, or
/// nothing (all).
pub fn result_filter(raw: Option<&str>) -> Result<ResultFilter, Error> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(ResultFilter::Any),
        Some(r) if r.eq_ignore_ascii_case("success") => Ok(ResultFilter::Success),
        Some(r) if r.eq_ignore_ascii_case("failure") => Ok(ResultFilter::Failure),
        Some(r) => r
            .parse()
            .map(ResultFilter::Code)
            .map_err(|_| Error::invalid("result", "use success, failure or a result code")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(token_id: i64, ip: &str, at: Timestamp) -> ActivityInsert {
        ActivityInsert {
            token_id,
            user_id: 1,
            at,
            method: "env.control.GetEnvInfo",
            env_name: None,
            ip: ip.into(),
            result: 0,
            calls: 1,
        }
    }

    #[test]
    fn identical_calls_of_a_second_are_one_row_with_their_number() {
        let mut p = Pending::default();
        // One row per call while the cycle is quiet...
        for _ in 0..FOLD_FROM {
            assert!(p.add(at(1, "a", 5)));
        }
        assert_eq!(p.rows.len(), FOLD_FROM);
        // ...then identical calls add to the last such row; others still get rows.
        for _ in 0..1000 {
            assert!(p.add(at(1, "a", 5)));
        }
        assert!(p.add(at(1, "a", 6)));
        assert!(p.add(at(1, "b", 6)));
        assert!(p.add(at(1, "b", 6)));
        assert_eq!(p.rows.len(), FOLD_FROM + 2);
        assert_eq!(p.rows[FOLD_FROM - 1].calls, 1001);
        assert_eq!(p.rows[FOLD_FROM + 1].calls, 2);
        let total: i64 = p.rows.iter().map(|r| r.calls).sum();
        assert_eq!(total, FOLD_FROM as i64 + 1003, "every call counted");
        p.clear();
        assert!(p.rows.is_empty() && p.index.is_empty());
    }

    #[test]
    fn last_uses_keeps_each_address_once_with_its_latest_time() {
        let uses = last_uses(&[at(1, "a", 5), at(1, "b", 6), at(1, "a", 9), at(2, "a", 3)]);
        let got: Vec<_> = uses
            .iter()
            .map(|u| (u.token_id, u.ip.as_str(), u.at))
            .collect();
        assert_eq!(got, [(1, "a", 9), (1, "b", 6), (2, "a", 3)]);
    }

    #[test]
    fn result_filter_reads_words_and_codes() {
        assert_eq!(result_filter(None).unwrap(), ResultFilter::Any);
        assert_eq!(result_filter(Some(" ")).unwrap(), ResultFilter::Any);
        assert_eq!(
            result_filter(Some("Success")).unwrap(),
            ResultFilter::Success
        );
        assert_eq!(
            result_filter(Some("failure")).unwrap(),
            ResultFilter::Failure
        );
        assert_eq!(
            result_filter(Some("8202")).unwrap(),
            ResultFilter::Code(8202)
        );
        assert!(result_filter(Some("bad")).is_err());
    }
}
