//! Password hashing: argon2id at OWASP's parameters, on a few threads of its own (half
//! the cores by default), so sign-ins never take every core from the API. Dedicated
//! threads also bound memory: each keeps at most one 19 MiB argon2 block in its
//! allocator arena, where the runtime's growing blocking pool would keep one per thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use app::AppError;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

use crate::services::internal;

/// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

type Job = Box<dyn FnOnce() + Send>;

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
    /// A hash of a random password, verified against when a login is unknown so that an
    /// unknown login costs the same time as a wrong password.
    dummy: Arc<OnceCell<String>>,
    verifications: Arc<AtomicU64>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Hasher {
        Hasher {
            workers: Arc::new(Workers::start(concurrency.max(1))),
            dummy: Arc::new(OnceCell::new()),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `password`.
    pub async fn hash(&self, password: SecretString) -> Result<String, AppError> {
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
    ) -> Result<bool, AppError> {
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash().await?, false),
        };
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let matches = self
            .blocking(move || {
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

    /// How many argon2 verifications ran (known and unknown accounts alike).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Computes the dummy hash now, so the first unknown login costs no more than later ones.
    pub async fn warm_up(&self) -> Result<(), AppError> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<String, AppError> {
        self.dummy
            .get_or_try_init(|| self.hash(SecretString::from(crate::secrets::random_base62(24))))
            .await
            .cloned()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.workers.queue.send(job).map_err(internal)?;
        rx.await.map_err(internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
