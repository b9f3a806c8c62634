//! The rules' configuration: how long sessions live, when guessing locks, how much
//! password hashing may run at once. The server fills it from flags.

use std::time::Duration;

/// Password checks per hashing thread, running or waiting, at most (by default).
pub const QUEUED_PER_THREAD: usize = 16;
/// How long a sign-in or confirmation waits for a place in the hashing queue before it
/// is answered "busy" (by default).
pub const SLOT_WAIT: Duration = Duration::from_secs(2);

/// The operator's token expiry policy (`--token-max-lifetime`, `--token-default-lifetime`),
/// a rule the dashboard applies too.
pub use kunci_rules::expiry::Policy as TokenExpiryPolicy;

/// Who may create an account by signing up (`--signup`). Whatever the mode, the first
/// account ever created (by sign-up or `server user create`) is an administrator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Signup {
    /// Anyone who reaches the server.
    Open,
    /// Nobody but the very first account: administrators create accounts.
    #[default]
    Closed,
    /// Anyone, but the account waits for an administrator's approval before it can
    /// sign in.
    Approval,
}

impl Signup {
    pub fn as_str(self) -> &'static str {
        match self {
            Signup::Open => "open",
            Signup::Closed => "closed",
            Signup::Approval => "approval",
        }
    }
}

/// How long sessions live and when failed sign-ins lock a login.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// A session unused for this long is dead.
    pub session_idle: Duration,
    /// A session older than this is dead, used or not.
    pub session_lifetime: Duration,
    /// Failed sign-ins (or password confirmations) of one login within `lockout_window`
    /// that lock it.
    pub lockout_threshold: u32,
    /// Failed attempts from one client IP within `lockout_window` that lock that IP.
    pub lockout_ip_threshold: u32,
    pub lockout_window: Duration,
    /// How long a lock lasts.
    pub lockout_duration: Duration,
    /// Password hashes computed at once (argon2 takes ~19 MiB and one core each).
    pub hash_concurrency: usize,
    /// Password checks running or waiting per hashing thread, at most.
    pub hash_queue_per_thread: usize,
    /// How long a sign-in or confirmation waits for a place in that queue before it is
    /// answered "busy" (706).
    pub hash_queue_wait: Duration,
    /// What a reuse of a retired token value does besides the alert.
    pub token_reuse: TokenReuse,
}

/// What happens when a value that was regenerated away or deleted is used again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenReuse {
    /// The owner gets an alert (and the security log an entry).
    #[default]
    Alert,
    /// As `Alert`, and the live successor of a regenerated-away value (the same token,
    /// with its new value) is revoked at once, as GitLab revokes a token family.
    Revoke,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            session_idle: Duration::from_secs(24 * 3600),
            session_lifetime: Duration::from_secs(14 * 24 * 3600),
            lockout_threshold: 5,
            lockout_ip_threshold: 50,
            lockout_window: Duration::from_secs(15 * 60),
            lockout_duration: Duration::from_secs(15 * 60),
            hash_concurrency: default_hash_concurrency(),
            hash_queue_per_thread: QUEUED_PER_THREAD,
            hash_queue_wait: SLOT_WAIT,
            token_reuse: TokenReuse::Alert,
        }
    }
}

/// One password hash at a time per two cores, so sign-ins never take every core.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}
