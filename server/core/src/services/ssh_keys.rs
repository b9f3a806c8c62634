//! The SSH public keys of an account (users.account.AddSSHKey, GetSSHKeys,
//! DeleteSSHKey): per account, not per environment.
//!
//! - A key is on an account once, whatever its title or comment (its SHA-256
//!   fingerprint decides): a second add is result 6001, also when two arrive at once.
//! - At most [`MAX_SSH_KEYS_PER_ACCOUNT`] keys (2338).
//! - Kunci stores no private keys (`isPrivate`).
//! - Additions and removals go to the account's security log.

use crate::Error;
use crate::refusal::Limit;

use crate::clock::now;
use crate::domain::ssh::{SshKey, SshKeyTitle, SshPublicKey};
use crate::services::security_log::{Event, KeyRef, SecurityLog};
use crate::storage::{InsertSshKeyError, NewSshKey, Store};

/// SSH keys one account may hold.
pub const MAX_SSH_KEYS_PER_ACCOUNT: i64 = 50;

#[derive(Clone)]
pub struct SshKeys {
    store: Store,
    log: SecurityLog,
}

impl SshKeys {
    pub fn new(store: Store, log: SecurityLog) -> SshKeys {
        SshKeys { store, log }
    }

    /// Adds `key` to the account of `user_id`, asked from `ip`.
    pub async fn add(
        &self,
        user_id: i64,
        title: SshKeyTitle,
        key: SshPublicKey,
        ip: &str,
    ) -> Result<SshKey, Error> {
        let new = NewSshKey {
            user_id,
            title: title.as_str(),
            public_key: key.line(),
            fingerprint: key.fingerprint(),
            now: now(),
        };
        let added = match self
            .store
            .insert_ssh_key(&new, MAX_SSH_KEYS_PER_ACCOUNT)
            .await
        {
            Ok(added) => added,
            Err(InsertSshKeyError::Duplicate) => {
                return Err(Error::SshKeyExists(key.fingerprint().to_string()));
            }
            Err(InsertSshKeyError::LimitReached) => {
                return Err(Error::LimitReached(Limit::SshKeys {
                    max: MAX_SSH_KEYS_PER_ACCOUNT,
                }));
            }
            Err(InsertSshKeyError::Store(e)) => return Err(e.into()),
        };
        self.log
            .record(user_id, ip, Event::SshKeyAdded(key_ref(&added)))
            .await;
        Ok(added)
    }

    /// The account's keys, in id order.
    pub async fn list(&self, user_id: i64) -> Result<Vec<SshKey>, Error> {
        Ok(self.store.ssh_keys_of(user_id).await?)
    }

    /// Removes key `id`: result 3 naming `id` when the account has no key by that id
    /// (another account's key answers the same).
    pub async fn delete(&self, user_id: i64, id: i64, ip: &str) -> Result<(), Error> {
        let removed = self
            .store
            .delete_ssh_key(user_id, id)
            .await?
            .ok_or_else(|| Error::invalid("id", format!("no SSH key with id {id}")))?;
        self.log
            .record(user_id, ip, Event::SshKeyDeleted(key_ref(&removed)))
            .await;
        Ok(())
    }
}

/// "SSH key #3 “laptop” (SHA256:…)" for the security log.
fn key_ref(key: &SshKey) -> KeyRef {
    KeyRef {
        id: key.id,
        title: key.title.clone(),
        fingerprint: key.fingerprint.clone(),
    }
}
