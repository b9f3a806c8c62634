//! Read-through caches for the hot reads of the REST API (token, session and
//! environment lookups), on SQLite files and on PostgreSQL.
//!
//! Every cached value is used only under the *generation* it was read in: a write moves
//! the generation on *after* it commits, so a read that raced a write is never kept and
//! the change is seen by the very next request. What moves the generation on depends on
//! who else can write:
//!
//! - **A SQLite file** is served by one Kunci process, so nearly every change passes
//!   through this process's `Store`. Writes from another process (`server user disable`
//!   on a live database) are caught by the size and modification time of the database
//!   and WAL files.
//! - **PostgreSQL** is shared by several instances. Triggers (migration
//!   `..._change_feed`) notify [`CHANGES_CHANNEL`] on every statement that writes a table
//!   these caches read, whoever wrote it, and [`Store::follow_changes`] moves the
//!   generation on for each notification. While the listening connection is down the
//!   caches are not used at all (every lookup reads the database: fail closed); once it
//!   is back, the generation moves on before they are used again, so nothing read
//!   before or during the gap is served.
//!
//! As a last bound, no entry lives longer than one second. A key in steady use is read
//! again by one of its callers once its entry is three quarters that old, while the
//! others go on using the entry, so it does not expire under them all at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use sqlx::postgres::{PgListener, PgPoolOptions};

use super::{Db, SessionAuthRow, Store, StoreError, TokenAuthRow};
use crate::domain::model::EnvModel;

/// The `LISTEN` channel the change triggers notify on (payload: the table's name).
pub const CHANGES_CHANNEL: &str = "kunci_changes";
/// Longest life of a cached value.
const MAX_AGE: Duration = Duration::from_secs(1);
/// An entry this old is read again by the next caller alone (see [`ReadCache::get`]).
const REFRESH_AFTER: Duration = Duration::from_millis(750);
/// The database files are looked at (two `stat` calls) at most this often.
const FILE_CHECK_EVERY: Duration = Duration::from_millis(2);
/// Entries per cache before it is emptied (bounds memory under a flood of unknown keys).
const MAX_ENTRIES: usize = 50_000;
/// Wait between two failed attempts to listen again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The content version of the database files: (size, modified) of the file and its WAL.
type FileStamp = [(u64, Option<SystemTime>); 2];

/// When a cached value is valid: the store's write generation and, on SQLite, how many
/// times the files were seen to change other than by this process's cache-keeping
/// writes (see [`OwnWrite::adopt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    generation: u64,
    files: u64,
}

/// A SQLite database's files, as this process last saw them.
struct DbFiles {
    paths: [PathBuf; 2],
    last: Mutex<FileWatch>,
    /// Moves on with every change of the files' stamp not adopted; written only under
    /// `last`'s lock, read without it.
    epoch: AtomicU64,
    /// When (nanoseconds after `origin`) the next look at the files is due: a request
    /// before then takes `epoch` as it is, without the lock every thread would take.
    next_look: AtomicU64,
    origin: Instant,
}

/// What this process last saw of the database files.
struct FileWatch {
    stamp: FileStamp,
    /// Cache-keeping writes of this process under way ([`OwnWrite`]): while one is, the
    /// files are not looked at, since the change they would show is that write's, not
    /// yet adopted.
    own_writes: u32,
}

/// A cache-keeping write of this process under way on a SQLite file, from the moment it
/// holds the write lock until it is adopted ([`OwnWrite::adopt`]) or given up.
pub struct OwnWrite<'a> {
    files: &'a DbFiles,
    /// The files' stamp when the write took the lock.
    before: FileStamp,
}

impl OwnWrite<'_> {
    /// After a write that changed nothing a cached lookup decides on (the token
    /// activity) has committed: its own change of the files does not empty the caches.
    /// The write's stamp was taken while it held the lock, when no other connection or
    /// process could commit; a change seen between the last look and that stamp was
    /// someone else's and empties them as usual (such a change made in the few
    /// milliseconds before the write took the lock is seen once the write is over,
    /// since the files are not looked at during it). A commit by another process in the
    /// microseconds between this commit and the stamp taken after it would be taken for
    /// this one's: its effect then waits for the entries' one-second life, or this
    /// process's next write.
    pub fn adopt(self) {
        let after = stamp_of(&self.files.paths);
        let mut last = self.files.lock();
        if last.stamp != self.before {
            self.files.epoch.fetch_add(1, Ordering::AcqRel);
        }
        last.stamp = after;
        self.files.looked();
    }
}

impl Drop for OwnWrite<'_> {
    fn drop(&mut self) {
        let mut last = self.files.lock();
        last.own_writes = last.own_writes.saturating_sub(1);
    }
}

impl DbFiles {
    fn new(paths: [PathBuf; 2]) -> DbFiles {
        DbFiles {
            paths,
            last: Mutex::new(FileWatch {
                stamp: [(0, None); 2],
                own_writes: 0,
            }),
            epoch: AtomicU64::new(0),
            // Due at once: the first request looks.
            next_look: AtomicU64::new(0),
            origin: Instant::now(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FileWatch> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Now, in nanoseconds after `origin`.
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// A look at the files was made now (under the lock): the next is due in
    /// `FILE_CHECK_EVERY`. Stored after `epoch` moved on, so a reader that sees the new
    /// deadline sees the epoch of that look.
    fn looked(&self) {
        let next = self
            .now()
            .saturating_add(FILE_CHECK_EVERY.as_nanos() as u64);
        self.next_look.store(next, Ordering::Release);
    }

    /// The files' epoch, looked at again when a look is due (every `FILE_CHECK_EVERY`):
    /// a changed stamp moves it on. Between two looks it is read without the lock.
    fn epoch(&self) -> u64 {
        if self.now() < self.next_look.load(Ordering::Acquire) {
            return self.epoch.load(Ordering::Acquire);
        }
        let mut last = self.lock();
        // Another thread may have looked while this one waited for the lock.
        if last.own_writes == 0 && self.now() >= self.next_look.load(Ordering::Acquire) {
            let now = stamp_of(&self.paths);
            if now != last.stamp {
                last.stamp = now;
                self.epoch.fetch_add(1, Ordering::AcqRel);
            }
            self.looked();
        }
        self.epoch.load(Ordering::Acquire)
    }
}

struct Shelf<K, V> {
    version: Option<Version>,
    map: HashMap<K, Entry<V>>,
}

struct Entry<V> {
    value: V,
    /// When it was read from the database.
    read_at: Instant,
    /// A caller was sent to read it again (it is older than [`REFRESH_AFTER`]).
    refreshing: bool,
}

/// How often a cache answered, for the operator's metrics.
#[derive(Debug, Default)]
pub struct CacheCounts {
    /// Answered from memory.
    pub hits: AtomicU64,
    /// Read from the database and kept.
    pub misses: AtomicU64,
    /// Read from the database because the caches were off (PostgreSQL, notifications down).
    pub bypassed: AtomicU64,
}

/// A read under way, and the version it was started under.
type Reading<V> = (Version, Arc<tokio::sync::OnceCell<V>>);

/// One cache: values read under one version, all dropped when the version moves on.
pub struct ReadCache<K, V> {
    shelf: Mutex<Shelf<K, V>>,
    /// Reads under way, by key: callers that miss the same key under the same version
    /// wait for one read instead of each sending its own (after a write empties the
    /// cache, every request in flight would otherwise read the database at once).
    reading: Mutex<HashMap<K, Reading<V>>>,
    pub counts: CacheCounts,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    fn new() -> Self {
        ReadCache {
            shelf: Mutex::new(Shelf {
                version: None,
                map: HashMap::new(),
            }),
            reading: Mutex::new(HashMap::new()),
            counts: CacheCounts::default(),
        }
    }

    pub fn get<Q>(&self, version: Version, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut shelf = self.shelf.lock().unwrap_or_else(|e| e.into_inner());
        if shelf.version != Some(version) {
            shelf.map.clear();
            shelf.version = Some(version);
            return None;
        }
        // Entries expire one by one, so the whole cache never empties at once; and a
        // key in use is read again by one caller before its entry expires, while the
        // others keep the entry (were it to expire, every caller in flight would wait
        // for the read).
        let entry = shelf.map.get_mut(key)?;
        let age = entry.read_at.elapsed();
        if age > MAX_AGE {
            return None;
        }
        if age > REFRESH_AFTER && !entry.refreshing {
            entry.refreshing = true;
            return None;
        }
        Some(entry.value.clone())
    }

    /// The read of `key` under `version` to join, or a new one (which replaces a read
    /// started under an older version).
    fn reading<Q>(&self, version: Version, key: &Q) -> Arc<tokio::sync::OnceCell<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
    {
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        match reading.get(key) {
            Some((v, cell)) if *v == version => cell.clone(),
            _ => {
                // A read whose caller was dropped half-way (a client that hung up) is
                // never forgotten by `done_reading`: bounded like the values.
                if reading.len() >= MAX_ENTRIES {
                    reading.clear();
                }
                let cell = Arc::new(tokio::sync::OnceCell::new());
                reading.insert(key.to_owned(), (version, cell.clone()));
                cell
            }
        }
    }

    /// Forgets the read `cell` of `key` once it is over (unless a newer one replaced it).
    fn done_reading<Q>(&self, key: &Q, cell: &Arc<tokio::sync::OnceCell<V>>)
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        if reading.get(key).is_some_and(|(_, c)| Arc::ptr_eq(c, cell)) {
            reading.remove(key);
        }
    }

    /// Keeps `value`, read from the database under `version`, unless a write happened since.
    pub fn put(&self, version: Version, key: K, value: V) {
        let mut shelf = self.shelf.lock().unwrap_or_else(|e| e.into_inner());
        if shelf.version != Some(version) {
            return;
        }
        if shelf.map.len() >= MAX_ENTRIES {
            shelf.map.clear();
        }
        shelf.map.insert(
            key,
            Entry {
                value,
                read_at: Instant::now(),
                refreshing: false,
            },
        );
    }
}

/// What tells this process that another one wrote.
enum Source {
    /// A SQLite file: its size and modification time, and its WAL's.
    Files(DbFiles),
    /// PostgreSQL: the change notifications ([`Store::follow_changes`]).
    Notifications {
        /// The listening connection is up and nothing was missed since the caches were
        /// last emptied. Until then, the caches are off.
        following: AtomicBool,
        /// When the caches went off, and why (`None` while following).
        off: Mutex<Option<(SystemTime, String)>>,
    },
}

/// Whether the caches are in use, for `/readyz` and the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheState {
    /// No caches (an in-memory SQLite database).
    None,
    /// A SQLite file's caches, kept by the files' stamp.
    Files,
    /// PostgreSQL: following the change notifications, caches on.
    Following,
    /// PostgreSQL: the notifications are down since `since`, caches off (every lookup
    /// reads the database).
    Off { since: SystemTime, why: String },
}

/// The caches of one store.
pub struct Caches {
    generation: AtomicU64,
    source: Source,
    pub tokens: ReadCache<String, Option<Arc<TokenAuthRow>>>,
    pub sessions: ReadCache<String, Option<Arc<SessionAuthRow>>>,
    /// Environments with everything that hangs on them, by (owner, name).
    pub envs: ReadCache<(i64, String), Option<Arc<EnvModel>>>,
}

impl Caches {
    fn with_source(source: Source) -> Caches {
        Caches {
            generation: AtomicU64::new(0),
            source,
            tokens: ReadCache::new(),
            sessions: ReadCache::new(),
            envs: ReadCache::new(),
        }
    }

    /// The caches of the SQLite file `database_file`.
    pub fn for_file(database_file: PathBuf) -> Caches {
        let mut wal = database_file.clone().into_os_string();
        wal.push("-wal");
        Caches::with_source(Source::Files(DbFiles::new([
            database_file,
            PathBuf::from(wal),
        ])))
    }

    /// The caches of a PostgreSQL store: off until [`Store::follow_changes`] listens.
    pub fn notified() -> Caches {
        Caches::with_source(Source::Notifications {
            following: AtomicBool::new(false),
            off: Mutex::new(Some((
                SystemTime::now(),
                "not yet listening for changes".to_string(),
            ))),
        })
    }

    /// The version to read under, taken *before* the read; `None` while the caches are
    /// off.
    pub fn version(&self) -> Option<Version> {
        match &self.source {
            Source::Files(files) => Some(Version {
                generation: self.generation.load(Ordering::Acquire),
                files: files.epoch(),
            }),
            Source::Notifications { following, .. } => {
                if !following.load(Ordering::Acquire) {
                    return None;
                }
                Some(Version {
                    generation: self.generation.load(Ordering::Acquire),
                    files: 0,
                })
            }
        }
    }

    /// On a SQLite file: the version of the files and of this process's writes.
    pub fn files_version(&self) -> Option<Version> {
        match &self.source {
            Source::Files(_) => self.version(),
            Source::Notifications { .. } => None,
        }
    }

    /// On a SQLite file, a cache-keeping write begins: called once it holds the write
    /// lock (`BEGIN IMMEDIATE`); the files' stamp is taken, for [`OwnWrite::adopt`].
    /// Until the write is adopted or dropped, requests do not look at the files (what
    /// changes there meanwhile is this write, which holds the lock).
    pub fn begin_own_write(&self) -> Option<OwnWrite<'_>> {
        match &self.source {
            Source::Files(files) => {
                files.lock().own_writes += 1;
                Some(OwnWrite {
                    files,
                    before: stamp_of(&files.paths),
                })
            }
            Source::Notifications { .. } => None,
        }
    }

    /// Called after every write has committed, and for every change notification.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The notifications are flowing (again): empties the caches, then uses them.
    fn resume(&self) {
        if let Source::Notifications { following, off } = &self.source {
            self.changed();
            *off.lock().unwrap_or_else(|e| e.into_inner()) = None;
            following.store(true, Ordering::Release);
        }
    }

    /// The notifications stopped: the caches are off until [`Caches::resume`].
    fn lose(&self, why: String) {
        if let Source::Notifications { following, off } = &self.source {
            following.store(false, Ordering::Release);
            self.changed();
            let mut off = off.lock().unwrap_or_else(|e| e.into_inner());
            if off.is_none() {
                *off = Some((SystemTime::now(), why));
            }
        }
    }

    pub fn state(&self) -> CacheState {
        match &self.source {
            Source::Files(_) => CacheState::Files,
            Source::Notifications { off, .. } => {
                match off.lock().unwrap_or_else(|e| e.into_inner()).clone() {
                    None => CacheState::Following,
                    Some((since, why)) => CacheState::Off { since, why },
                }
            }
        }
    }
}

/// (size, modified) of the database file and of its WAL.
fn stamp_of(paths: &[PathBuf; 2]) -> FileStamp {
    let stamp = |p: &PathBuf| {
        std::fs::metadata(p)
            .map(|m| (m.len(), m.modified().ok()))
            .unwrap_or((0, None))
    };
    [stamp(&paths[0]), stamp(&paths[1])]
}

impl Store {
    /// Reads `key` through the cache `pick` chooses: from memory when a value read
    /// under the current version is there, else with `fetch` (kept for the next call).
    pub(crate) async fn read_through<K, Q, V, Fut>(
        &self,
        pick: fn(&Caches) -> &ReadCache<K, V>,
        key: &Q,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<V, StoreError>
    where
        K: std::borrow::Borrow<Q> + Eq + Hash,
        Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
        V: Clone,
        Fut: Future<Output = Result<V, StoreError>>,
    {
        let Some(caches) = &self.caches else {
            return fetch().await;
        };
        let cache = pick(caches);
        let Some(version) = caches.version() else {
            cache.counts.bypassed.fetch_add(1, Ordering::Relaxed);
            return fetch().await;
        };
        if let Some(hit) = cache.get(version, key) {
            cache.counts.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        cache.counts.misses.fetch_add(1, Ordering::Relaxed);
        // One read per key at a time; if it fails, the next caller waiting reads itself.
        let cell = cache.reading(version, key);
        let value = cell.get_or_try_init(fetch).await.cloned();
        cache.done_reading(key, &cell);
        let value = value?;
        cache.put(version, key.to_owned(), value.clone());
        Ok(value)
    }

    /// Whether the caches are in use (see [`CacheState`]).
    pub fn cache_state(&self) -> CacheState {
        self.caches.as_ref().map_or(CacheState::None, |c| c.state())
    }

    /// The caches' counts, by cache: `token`, `session`, `env`.
    pub fn cache_counts(&self) -> Vec<(&'static str, &CacheCounts)> {
        self.caches.as_ref().map_or_else(Vec::new, |c| {
            vec![
                ("token", &c.tokens.counts),
                ("session", &c.sessions.counts),
                ("env", &c.envs.counts),
            ]
        })
    }

    /// On PostgreSQL: keeps this instance's caches current until the store closes, by
    /// listening on [`CHANGES_CHANNEL`]; the caches are on only while it listens. Returns
    /// at once on SQLite.
    pub async fn follow_changes(&self) {
        let (Db::Postgres(pool), Some(caches)) = (&self.db, &self.caches) else {
            return;
        };
        // A connection of its own, outside the store's pool: a new one after each loss.
        let own = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(pool.connect_options().as_ref().clone());
        let mut failed_before = false;
        loop {
            if pool.is_closed() {
                own.close().await;
                return;
            }
            let listener = async {
                let mut l = PgListener::connect_with(&own).await?;
                l.listen(CHANGES_CHANNEL).await?;
                Ok::<_, sqlx::Error>(l)
            };
            let mut listener = match listener.await {
                Ok(l) => l,
                Err(e) => {
                    caches.lose(format!("cannot listen for changes: {e}"));
                    if !failed_before {
                        tracing::warn!(error = %e, "cannot listen for changes on the database: instance caches stay off, every lookup reads the database");
                    }
                    failed_before = true;
                    tokio::time::sleep(RETRY_AFTER).await;
                    continue;
                }
            };
            failed_before = false;
            caches.resume();
            tracing::info!("following changes on the database: instance caches on");
            let why = loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => caches.changed(),
                    // The listener would reconnect by itself without saying what it
                    // missed: it is dropped and a new one made.
                    Ok(None) => break "the listening connection was lost".to_string(),
                    Err(sqlx::Error::PoolClosed) => {
                        caches.lose("the server is stopping".to_string());
                        own.close().await;
                        return;
                    }
                    Err(e) => break format!("the listening connection failed: {e}"),
                }
            };
            caches.lose(why.clone());
            tracing::warn!(reason = %why, "change notifications lost: instance caches off until they are back, every lookup reads the database");
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn v(generation: u64) -> Version {
        Version {
            generation,
            files: 0,
        }
    }

    #[test]
    fn a_value_read_before_a_write_is_never_served_after_it() {
        let c: ReadCache<&str, i32> = ReadCache::new();
        assert_eq!(c.get(v(1), &"k"), None);
        c.put(v(1), "k", 7);
        assert_eq!(c.get(v(1), &"k"), Some(7));
        // A write moved the generation on: the old value is gone.
        assert_eq!(c.get(v(2), &"k"), None);
        // A read that started under generation 2 but finished after a write is not kept.
        c.put(v(1), "k", 8);
        assert_eq!(c.get(v(2), &"k"), None);
        c.put(v(2), "k", 9);
        assert_eq!(c.get(v(2), &"k"), Some(9));
    }

    #[test]
    fn an_old_entry_is_read_again_by_one_caller_while_the_others_use_it() {
        let c: ReadCache<&str, i32> = ReadCache::new();
        let age = |c: &ReadCache<&str, i32>, by: Duration| {
            let mut shelf = c.shelf.lock().unwrap();
            let entry = shelf.map.get_mut("k").unwrap();
            entry.read_at = entry.read_at.checked_sub(by).unwrap();
        };
        c.get(v(1), &"k");
        c.put(v(1), "k", 7);
        age(&c, REFRESH_AFTER + Duration::from_millis(1));
        assert_eq!(c.get(v(1), &"k"), None, "the first caller reads it again");
        assert_eq!(c.get(v(1), &"k"), Some(7), "the others keep using it");
        assert_eq!(c.get(v(1), &"k"), Some(7));
        c.put(v(1), "k", 8);
        assert_eq!(c.get(v(1), &"k"), Some(8), "the read again replaced it");
        // A refresh that never came back: past its life, no caller gets it.
        age(&c, REFRESH_AFTER + Duration::from_millis(1));
        assert_eq!(c.get(v(1), &"k"), None);
        age(&c, MAX_AGE);
        assert_eq!(c.get(v(1), &"k"), None);
        assert_eq!(c.get(v(1), &"k"), None);
    }

    #[test]
    fn another_process_writing_the_files_invalidates() {
        let a = Version {
            generation: 1,
            files: 1,
        };
        let b = Version {
            generation: 1,
            files: 2,
        };
        let c: ReadCache<u8, u8> = ReadCache::new();
        c.get(a, &0);
        c.put(a, 0, 1);
        assert_eq!(c.get(b, &0), None);
    }

    /// A directory of this test's own holding a stand-in database file (`v1`).
    fn database_file(test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("kunci-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("k.db");
        std::fs::write(&db, b"v1").unwrap();
        (dir, db)
    }

    #[test]
    fn every_thread_sees_another_process_write_within_the_check_period() {
        // Between two looks at the files, readers take the epoch without the lock: a
        // change must still reach every one of them once a look is due.
        let (dir, db) = database_file("threads");
        let c = Caches::for_file(db.clone());
        let before = c.version().unwrap();
        let (read, written) = (std::sync::Barrier::new(9), std::sync::Barrier::new(9));
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        // Reading hard, before and after the write.
                        for _ in 0..10_000 {
                            assert_eq!(c.version().unwrap(), before);
                        }
                        read.wait();
                        written.wait();
                        let seen_by = Instant::now() + FILE_CHECK_EVERY * 2;
                        while Instant::now() < seen_by {
                            c.version().unwrap();
                        }
                        c.version().unwrap()
                    })
                })
                .collect();
            read.wait();
            std::fs::write(&db, b"v2 by another process").unwrap();
            written.wait();
            for r in readers {
                assert_ne!(r.join().unwrap(), before);
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn own_cache_keeping_writes_are_adopted_and_others_are_not() {
        let (dir, db) = database_file("adopt");
        let c = Caches::for_file(db.clone());
        let wait = || std::thread::sleep(FILE_CHECK_EVERY * 2);
        let first = c.version().unwrap();
        // Another process writes: the version moves on.
        std::fs::write(&db, b"v2 by another process").unwrap();
        wait();
        let second = c.version().unwrap();
        assert_ne!(first, second);
        // This process's activity write, adopted: the version stays.
        let ours = c.begin_own_write().unwrap();
        std::fs::write(&db, b"v3 by our activity write").unwrap();
        ours.adopt();
        wait();
        assert_eq!(c.version().unwrap(), second);
        // Another process wrote before our write took the lock (and before this
        // process looked again): adopting ours does not hide theirs.
        std::fs::write(&db, b"v4 by another process, unseen").unwrap();
        let ours = c.begin_own_write().unwrap();
        std::fs::write(&db, b"v5 by our activity write").unwrap();
        ours.adopt();
        let third = c.version().unwrap();
        assert_ne!(third, second);
        // While our write is under way, its change of the files is not taken for
        // another process's; a write given up (dropped) lets the next look see it.
        let write = c.begin_own_write().unwrap();
        std::fs::write(&db, b"v6 by our activity write, under way").unwrap();
        wait();
        assert_eq!(
            c.version().unwrap(),
            third,
            "not looked at while ours is under way"
        );
        drop(write);
        wait();
        let fourth = c.version().unwrap();
        assert_ne!(fourth, third, "a write given up is not adopted");
        let third = fourth;
        // The WAL counts as well.
        let mut wal = db.into_os_string();
        wal.push("-wal");
        std::fs::write(&wal, b"wal frames").unwrap();
        wait();
        assert_ne!(c.version().unwrap(), third);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn postgres_caches_are_off_until_following_and_empty_after_a_gap() {
        let c = Caches::notified();
        assert_eq!(c.version(), None, "off before listening");
        assert!(matches!(c.state(), CacheState::Off { .. }));
        c.resume();
        assert_eq!(c.state(), CacheState::Following);
        let before = c.version().expect("on while following");
        c.tokens.get(before, "h");
        c.tokens.put(before, "h".to_string(), None);
        assert!(matches!(c.tokens.get(before, "h"), Some(None)));
        c.lose("test".to_string());
        assert_eq!(c.version(), None, "off while the notifications are down");
        assert!(matches!(c.state(), CacheState::Off { why, .. } if why == "test"));
        c.resume();
        let after = c.version().expect("on again");
        assert_ne!(
            before, after,
            "what was read before the gap is never served after it"
        );
        assert!(c.tokens.get(after, "h").is_none());
        assert_eq!(c.files_version(), None);
    }

    #[tokio::test]
    async fn callers_missing_one_key_at_once_share_one_read() {
        let c: ReadCache<String, u32> = ReadCache::new();
        let v = Version {
            generation: 1,
            files: 0,
        };
        let reads = AtomicU64::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, StoreError>(7)
        };
        let one = || async {
            let cell = c.reading(v, "k");
            let got = *cell.get_or_try_init(read).await.unwrap();
            c.done_reading("k", &cell);
            got
        };
        let got = tokio::join!(one(), one(), one());
        assert_eq!(got, (7, 7, 7));
        assert_eq!(
            reads.load(Ordering::Relaxed),
            1,
            "one read for three callers"
        );
        // A newer version never joins a read started under an older one.
        let old = c.reading(v, "k");
        let newer = Version { generation: 2, ..v };
        assert!(!Arc::ptr_eq(&old, &c.reading(newer, "k")));
    }

    #[test]
    fn reads_never_finished_are_bounded() {
        let c: ReadCache<String, u32> = ReadCache::new();
        let v = Version {
            generation: 1,
            files: 0,
        };
        for i in 0..MAX_ENTRIES + 10 {
            c.reading(v, i.to_string().as_str());
        }
        let left = c.reading.lock().unwrap().len();
        assert!(left <= MAX_ENTRIES, "{left} reads kept");
    }
}
