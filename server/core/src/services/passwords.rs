//! Password hashing: argon2id at OWASP's parameters, on a few threads of its own (half
//! the cores by default), so sign-ins never take every core from the API. Dedicated
//! threads also bound memory: each keeps at most one 19 MiB argon2 block in its
//! allocator arena, where the runtime's growing blocking pool would keep one per thread.
//!
//! The queue in front of the threads is bounded: [`QUEUED_PER_THREAD`] jobs per thread,
//! running or waiting. A request that gets no place within [`SLOT_WAIT`] (both
//! configurable) is answered
//! "busy" (706) and nothing is hashed; a queued job whose request has gone (the client
//! hung up, the request timed out) is dropped unrun, and its password with it (a
//! `SecretString` is zeroed when dropped).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crate::Error;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::internal;

/// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

type Job = Box<dyn FnOnce() + Send>;

pub use crate::config::{QUEUED_PER_THREAD, SLOT_WAIT};

/// The hashing threads; they end when the last `Hasher` is dropped.
struct Workers {
    queue: std::sync::mpsc::Sender<Job>,
}

impl Workers {
    fn start(threads: usize) -> Workers {
        let (queue, jobs) = std::sync::mpsc::channel::<Job>();
        let jobs = Arc::new(std::sync::Mutex::new(jobs));
        for i in 0..threads {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("kunci-hash-{i}"))
                .spawn(move || {
                    loop {
                        let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match next {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("start a password-hashing thread");
        }
        Workers { queue }
    }
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Clone)]
pub struct Hasher {
    workers: Arc<Workers>,
    /// Places in the queue (running or waiting jobs).
    places: Arc<Semaphore>,
    slot_wait: Duration,
    /// A hash of a random password, verified against when a login is unknown so that an
    /// unknown login costs the same time as a wrong password.
    dummy: Arc<OnceCell<String>>,
    verifications: Arc<AtomicU64>,
    /// Places in the queue, and the jobs a thread is running now.
    capacity: usize,
    running: Arc<AtomicUsize>,
}

/// What the hashing queue holds at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLoad {
    /// Jobs waiting for a thread.
    pub queued: usize,
    /// Jobs a thread is running.
    pub running: usize,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Hasher {
        Hasher::with_queue(concurrency, QUEUED_PER_THREAD, SLOT_WAIT)
    }

    /// `concurrency` threads, `per_thread` places per thread in the queue, and how long
    /// a request waits for a place.
    pub fn with_queue(concurrency: usize, per_thread: usize, slot_wait: Duration) -> Hasher {
        let threads = concurrency.max(1);
        let capacity = threads * per_thread.max(1);
        Hasher {
            workers: Arc::new(Workers::start(threads)),
            places: Arc::new(Semaphore::new(capacity)),
            slot_wait,
            dummy: Arc::new(OnceCell::new()),
            verifications: Arc::new(AtomicU64::new(0)),
            capacity,
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `password`.
    pub async fn hash(&self, password: SecretString) -> Result<String, Error> {
        self.blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| internal(format!("argon2 hash: {e}")))
        })
        .await?
    }

    /// Whether `password` matches `stored`. With `None` (unknown account) it verifies
    /// against a dummy hash, spending the same time, and answers `false`.
    pub async fn verify(
        &self,
        stored: Option<&str>,
        password: SecretString,
    ) -> Result<bool, Error> {
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash().await?, false),
        };
        let verifications = self.verifications.clone();
        let matches = self
            .blocking(move || {
                verifications.fetch_add(1, Ordering::Relaxed);
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        argon2()
                            .verify_password(password.expose_secret().as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(matches && real)
    }

    /// How many argon2 verifications ran (known and unknown accounts alike): the
    /// guesses actually checked.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// The jobs waiting and running now (for the operator's metrics).
    pub fn load(&self) -> HashLoad {
        let taken = self.capacity - self.places.available_permits();
        let running = self.running.load(Ordering::Relaxed).min(taken);
        HashLoad {
            queued: taken - running,
            running,
        }
    }

    /// Computes the dummy hash now, so the first unknown login costs no more than later ones.
    pub async fn warm_up(&self) -> Result<(), Error> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<String, Error> {
        self.dummy
            .get_or_try_init(|| self.hash(SecretString::from(crate::secrets::random_base62(24))))
            .await
            .cloned()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let place = tokio::time::timeout(self.slot_wait, self.places.clone().acquire_owned())
            .await
            .map_err(|_| Error::Busy(self.slot_wait.as_secs().max(1)))?
            .map_err(internal)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let running = self.running.clone();
        let job: Job = Box::new(move || {
            // The request is gone: drop the work (and the password it holds) unrun.
            if tx.is_closed() {
                return;
            }
            running.fetch_add(1, Ordering::Relaxed);
            let answer = f();
            running.fetch_sub(1, Ordering::Relaxed);
            drop(place);
            let _ = tx.send(answer);
        });
        self.workers.queue.send(job).map_err(internal)?;
        rx.await.map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls the hasher's load until it is `want` (or a few seconds have passed).
    async fn load_becomes(hasher: &Hasher, want: HashLoad) -> HashLoad {
        let mut seen = hasher.load();
        for _ in 0..5000 {
            seen = hasher.load();
            if seen == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        seen
    }

    #[tokio::test]
    async fn the_load_counts_the_running_hash_and_the_waiting_one() {
        let idle = HashLoad {
            queued: 0,
            running: 0,
        };
        let hasher = Hasher::with_queue(1, 2, Duration::from_secs(10));
        assert_eq!(hasher.load(), idle);
        let hash = |p: &str| {
            let hasher = hasher.clone();
            let password = SecretString::from(p.to_string());
            tokio::spawn(async move { hasher.hash(password).await })
        };
        let (a, b) = (hash("first"), hash("second"));
        let both = HashLoad {
            queued: 1,
            running: 1,
        };
        assert_eq!(load_becomes(&hasher, both).await, both);
        assert!(a.await.unwrap().is_ok() && b.await.unwrap().is_ok());
        assert_eq!(load_becomes(&hasher, idle).await, idle);
    }

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let h = Hasher::new(1);
        let hash = h
            .hash(SecretString::from("correct horse battery".to_string()))
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(!hash.contains("correct horse"));
        assert!(
            h.verify(
                Some(&hash),
                SecretString::from("correct horse battery".to_string())
            )
            .await
            .unwrap()
        );
        assert!(
            !h.verify(
                Some(&hash),
                SecretString::from("wrong horse battery".to_string())
            )
            .await
            .unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_busy_and_abandoned_jobs_are_dropped() {
        let h = Hasher::new(1);
        let hash = h
            .hash(SecretString::from("correct horse battery".to_string()))
            .await
            .unwrap();
        let before = h.verifications();
        // The one thread is held by a job until released...
        let (release, held) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let h = h.clone();
            tokio::spawn(async move { h.blocking(move || held.recv()).await })
        };
        // ...and every other place is taken by a verification waiting its turn.
        let waiting: Vec<_> = (1..QUEUED_PER_THREAD)
            .map(|_| {
                let (h, hash) = (h.clone(), hash.clone());
                tokio::spawn(async move {
                    h.verify(Some(&hash), SecretString::from("wrong".to_string()))
                        .await
                })
            })
            .collect();
        while h.places.available_permits() > 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let busy = h
            .verify(Some(&hash), SecretString::from("one more".to_string()))
            .await;
        assert_eq!(busy, Err(Error::Busy(2)));
        // Their requests go away; then the thread is free: the abandoned jobs are
        // dropped unrun, and every place comes back.
        for task in &waiting {
            task.abort();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap().unwrap();
        tokio::time::timeout(Duration::from_secs(5), async {
            while h.places.available_permits() < QUEUED_PER_THREAD {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .await
        .expect("places are given back");
        assert_eq!(h.verifications(), before, "abandoned jobs were run");
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let h = Hasher::new(1);
        assert!(
            !h.verify(None, SecretString::from("anything at all".to_string()))
                .await
                .unwrap()
        );
    }
}
