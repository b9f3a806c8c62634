//! Read-through caches for the hot reads of the REST API (token, session and
//! environment lookups), used on SQLite only.
//!
//! A SQLite database is served by one Kunci process, so every change normally passes
//! through this process's `Store`. Every write bumps a generation counter *after* it
//! commits, and a cached value is used only under the generation it was read in: a read
//! that raced a write is never kept, and a change is seen by the very next request.
//! Writes from another process (`server user disable` on a live database) are caught
//! by the size and modification time of the database and WAL files, and, as a last
//! bound, no entry lives longer than one second.
//!
//! PostgreSQL deployments run several instances; they are not cached, so a change made
//! through any instance is seen by every other one at its next request.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::{SessionAuthRow, TokenAuthRow};
use crate::domain::model::EnvModel;

/// Longest life of a cached value.
const MAX_AGE: Duration = Duration::from_secs(1);
/// The database files are looked at (two `stat` calls) at most this often.
const FILE_CHECK_EVERY: Duration = Duration::from_millis(2);
/// Entries per cache before it is emptied (bounds memory under a flood of unknown keys).
const MAX_ENTRIES: usize = 50_000;

/// The content version of the database files: (size, modified) of the file and its WAL.
type FileStamp = [(u64, Option<SystemTime>); 2];

/// When a cached value is valid: this process's write generation and the files' stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    generation: u64,
    files: FileStamp,
}

struct Shelf<K, V> {
    version: Option<Version>,
    /// Each value with the time it was read.
    map: HashMap<K, (Instant, V)>,
}

/// One cache: values read under one version, all dropped when the version moves on.
pub struct ReadCache<K, V> {
    shelf: Mutex<Shelf<K, V>>,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    fn new() -> Self {
        ReadCache {
            shelf: Mutex::new(Shelf {
                version: None,
                map: HashMap::new(),
            }),
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
        // An old entry is refreshed alone, so the whole cache never empties at once.
        shelf
            .map
            .get(key)
            .filter(|(at, _)| at.elapsed() <= MAX_AGE)
            .map(|(_, v)| v.clone())
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
        shelf.map.insert(key, (Instant::now(), value));
    }
}

/// The caches of one SQLite store.
pub struct Caches {
    generation: AtomicU64,
    files: [PathBuf; 2],
    last_files: Mutex<(Instant, FileStamp)>,
    pub tokens: ReadCache<String, Option<Arc<TokenAuthRow>>>,
    pub sessions: ReadCache<String, Option<Arc<SessionAuthRow>>>,
    /// Environments with everything that hangs on them, by (owner, name).
    pub envs: ReadCache<(i64, String), Option<Arc<EnvModel>>>,
}

impl Caches {
    pub fn new(database_file: PathBuf) -> Caches {
        let mut wal = database_file.clone().into_os_string();
        wal.push("-wal");
        Caches {
            generation: AtomicU64::new(0),
            files: [database_file, PathBuf::from(wal)],
            last_files: Mutex::new((Instant::now() - FILE_CHECK_EVERY * 2, [(0, None); 2])),
            tokens: ReadCache::new(),
            sessions: ReadCache::new(),
            envs: ReadCache::new(),
        }
    }

    /// The version to read under, taken *before* the read.
    pub fn version(&self) -> Version {
        let generation = self.generation.load(Ordering::Acquire);
        let mut last = self.last_files.lock().unwrap_or_else(|e| e.into_inner());
        if last.0.elapsed() >= FILE_CHECK_EVERY {
            let stamp = |p: &PathBuf| {
                std::fs::metadata(p)
                    .map(|m| (m.len(), m.modified().ok()))
                    .unwrap_or((0, None))
            };
            *last = (
                Instant::now(),
                [stamp(&self.files[0]), stamp(&self.files[1])],
            );
        }
        Version {
            generation,
            files: last.1,
        }
    }

    /// Called after every write has committed.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(generation: u64) -> Version {
        Version {
            generation,
            files: [(0, None); 2],
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
    fn another_process_writing_the_files_invalidates() {
        let a = Version {
            generation: 1,
            files: [(4096, None), (100, None)],
        };
        let b = Version {
            generation: 1,
            files: [(4096, None), (200, None)],
        };
        let c: ReadCache<u8, u8> = ReadCache::new();
        c.get(a, &0);
        c.put(a, 0, 1);
        assert_eq!(c.get(b, &0), None);
    }
}
