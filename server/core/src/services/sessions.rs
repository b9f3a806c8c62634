//! Sessions: one table and one expiry rule for the browser and the REST API.
//! A session dies when unused for `session_idle` or older than `session_lifetime`.

use crate::Client;
use crate::Error;

use crate::clock::{Timestamp, now};
use crate::config::SecurityPolicy;
use crate::secrets::{SecretHash, SessionSecret, sha256_hex};
use crate::services::flood::FloodGuard;
use crate::storage::{NewSession, SessionAuthRow, Store};

/// `last_seen_at` is written at most once a minute per session (or twice per idle
/// timeout, when that is shorter), not on every request.
const TOUCH_EVERY_SECS: i64 = 60;

/// A session waiting for the second step of a two-factor sign-in lives this long at most.
pub const PENDING_LIFETIME_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// The user behind a valid session.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session_id: i64,
    pub user_id: i64,
    pub login: String,
    pub name: String,
    /// Waiting for the second step of a two-factor sign-in: good for nothing else.
    pub pending: bool,
}

#[derive(Clone)]
pub struct Sessions {
    store: Store,
    policy: SecurityPolicy,
    flood: FloodGuard,
}

impl Sessions {
    pub fn new(store: Store, policy: SecurityPolicy, flood: FloodGuard) -> Sessions {
        Sessions {
            store,
            policy,
            flood,
        }
    }

    pub fn policy(&self) -> &SecurityPolicy {
        &self.policy
    }

    /// Opens a new session (a new id at every sign-in).
    pub async fn open(
        &self,
        user_id: i64,
        kind: SessionKind,
        client: &Client,
    ) -> Result<SessionSecret, Error> {
        self.open_with(user_id, kind, client, false).await
    }

    /// Opens a session that waits for the second step of a two-factor sign-in
    /// (`services::two_factor`): it lives [`PENDING_LIFETIME_SECS`] at most and
    /// [`Sessions::resolve`] refuses it.
    pub async fn open_pending(
        &self,
        user_id: i64,
        kind: SessionKind,
        client: &Client,
    ) -> Result<SessionSecret, Error> {
        self.open_with(user_id, kind, client, true).await
    }

    async fn open_with(
        &self,
        user_id: i64,
        kind: SessionKind,
        client: &Client,
        pending: bool,
    ) -> Result<SessionSecret, Error> {
        let secret = SessionSecret::generate();
        let user_agent: String = client.user_agent.chars().take(512).collect();
        self.store
            .insert_session(NewSession {
                user_id,
                secret_hash: secret.hash().as_str(),
                kind: kind.as_str(),
                ip: &client.ip,
                user_agent: &user_agent,
                now: now(),
                pending,
            })
            .await?;
        self.flood.valid(secret.hash().as_str());
        Ok(secret)
    }

    /// The user of a full session id: 702 when unknown or expired, or when the session
    /// still waits for its second step ([`Error::SecondFactorRequired`]); 704 when the
    /// account is disabled. Made-up ids from `ip` count against its flood limit (see
    /// `flood`).
    pub async fn resolve(&self, secret: &str, ip: &str) -> Result<SessionUser, Error> {
        let user = self.resolve_any(secret, ip).await?;
        if user.pending {
            return Err(Error::SecondFactorRequired);
        }
        Ok(user)
    }

    /// [`Sessions::resolve`], pending sessions included (`pending` says which): for the
    /// second step of a sign-in and signing out only.
    pub async fn resolve_any(&self, secret: &str, ip: &str) -> Result<SessionUser, Error> {
        let well_formed =
            secret.len() == SessionSecret::LEN && secret.chars().all(|c| c.is_ascii_alphanumeric());
        let hash = well_formed.then(|| sha256_hex(secret));
        self.flood.admit(ip, hash.as_deref()).await?;
        let Some(hash) = hash else {
            self.flood.missed(ip);
            return Err(Error::NotAuthenticated);
        };
        let Some(row) = self.store.session_by_hash(&hash).await? else {
            self.flood.missed(ip);
            self.flood.dead(&hash);
            return Err(Error::NotAuthenticated);
        };
        let now = now();
        if self.expired(&row, now) {
            self.store.delete_session(row.session_id).await?;
            self.flood.dead(&hash);
            return Err(Error::NotAuthenticated);
        }
        row.status.admit()?;
        let touch_every = TOUCH_EVERY_SECS.min(self.policy.session_idle.as_secs() as i64 / 2);
        if now - row.last_seen_at >= touch_every {
            self.store.touch_session(row.session_id, now).await?;
        }
        self.flood.valid(&hash);
        Ok(SessionUser {
            session_id: row.session_id,
            user_id: row.user_id,
            login: row.login.clone(),
            name: row.name.clone(),
            pending: row.pending != 0,
        })
    }

    fn expired(&self, row: &SessionAuthRow, now: Timestamp) -> bool {
        (row.pending != 0 && now - row.created_at >= PENDING_LIFETIME_SECS)
            || now - row.last_seen_at >= self.policy.session_idle.as_secs() as i64
            || now - row.created_at >= self.policy.session_lifetime.as_secs() as i64
    }

    /// The dashboard language chosen by the account of a live session id, to render its
    /// pages in. Only a read: no flood count and no touch, since the page's own session
    /// check does both.
    pub async fn language(&self, secret: &str) -> Result<Option<String>, Error> {
        let well_formed =
            secret.len() == SessionSecret::LEN && secret.chars().all(|c| c.is_ascii_alphanumeric());
        if !well_formed {
            return Ok(None);
        }
        let Some(row) = self.store.session_by_hash(&sha256_hex(secret)).await? else {
            return Ok(None);
        };
        Ok((!self.expired(&row, now()))
            .then(|| row.language.clone())
            .flatten())
    }

    /// Ends the session with this id, if it exists.
    pub async fn close(&self, secret: &str) -> Result<(), Error> {
        let hash = SecretHash::of(&secret.to_string().into());
        if let Some(row) = self.store.session_by_hash(hash.as_str()).await? {
            self.store.delete_session(row.session_id).await?;
        }
        self.flood.dead(hash.as_str());
        Ok(())
    }

    /// Makes a pending session full, once its second step succeeded (`false`: it was
    /// not pending any more).
    pub async fn complete(&self, session_id: i64) -> Result<bool, Error> {
        Ok(self.store.complete_session(session_id).await?)
    }

    /// Ends the session with this row id. (Its value leaves the flood guard's set of live
    /// credentials lazily: see `flood`.)
    pub async fn end(&self, session_id: i64) -> Result<(), Error> {
        Ok(self.store.delete_session(session_id).await?)
    }

    /// The live sessions of a user, newest activity first.
    pub async fn list(&self, user_id: i64, current: i64) -> Result<Vec<SessionInfo>, Error> {
        let now = now();
        let idle = self.policy.session_idle.as_secs() as i64;
        let life = self.policy.session_lifetime.as_secs() as i64;
        Ok(self
            .store
            .sessions_of(user_id)
            .await?
            .into_iter()
            .filter(|s| now - s.last_seen_at < idle && now - s.created_at < life)
            .map(|s| SessionInfo {
                id: s.id,
                ip: s.ip,
                user_agent: s.user_agent,
                kind: s.kind,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                current: s.id == current,
            })
            .collect())
    }

    /// Ends every live session of `user_id` but `current` ("sign out all other
    /// sessions"); returns how many ended.
    pub async fn close_others(&self, user_id: i64, current: i64) -> Result<u64, Error> {
        let others: Vec<i64> = self
            .list(user_id, current)
            .await?
            .into_iter()
            .filter(|s| !s.current)
            .map(|s| s.id)
            .collect();
        self.close_many(user_id, &others).await
    }

    /// Ends the given sessions of `user_id`; ids of other users are ignored.
    pub async fn close_many(&self, user_id: i64, ids: &[i64]) -> Result<u64, Error> {
        Ok(self.store.delete_sessions_of(user_id, ids).await?)
    }

    /// How many sessions are live now (pending ones included while they may still
    /// complete).
    pub async fn live_count(&self) -> Result<i64, Error> {
        let now = now();
        Ok(self
            .store
            .count_live_sessions(
                now - self.policy.session_idle.as_secs() as i64,
                now - self.policy.session_lifetime.as_secs() as i64,
                now - PENDING_LIFETIME_SECS,
            )
            .await?)
    }

    /// Deletes every expired session (run periodically).
    pub async fn purge_expired(&self) -> Result<u64, Error> {
        let now = now();
        Ok(self
            .store
            .purge_sessions(
                now - self.policy.session_idle.as_secs() as i64,
                now - self.policy.session_lifetime.as_secs() as i64,
            )
            .await?)
    }
}

/// A live session of an account, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: i64,
    pub ip: String,
    pub user_agent: String,
    /// `web` or `api`.
    pub kind: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The session asking.
    pub current: bool,
}
