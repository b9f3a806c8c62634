//! Operators: administrators (an account flag) and the operator at the server's
//! console. An administrator sees every account's tokens — never a value or its hash —
//! and may revoke them (each revocation confirmed with the administrator's password and
//! written to both accounts' security logs), create accounts and approve sign-ups. No
//! method here issues a token: an administrator cannot create tokens for others.
//!
//! Every operation asks who calls: a non-administrator gets 8202 from all of them.

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::Error;
use crate::clock::{Timestamp, now};
use crate::domain::{Account, Login};
use crate::refusal::Refusal;
use crate::services::accounts::{Accounts, NewAccount};
use crate::services::flood::FloodGuard;
use crate::services::security_log::{Event, Purpose, SecurityLog, TokenRef};
use crate::services::tokens::{Actor, TokenInfo, Tokens};
use crate::storage::{AdminChange, DeleteOutcome, Store};

const DAY_SECS: i64 = 24 * 3600;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A signed-in account, which must be an administrator.
    Account(i64),
    /// The operator at the server's console (`server token …`, `server user …`).
    Console,
}

/// Who revokes, and how they confirm it.
pub enum Revoker<'a> {
    /// A signed-in account (which must be an administrator) confirming with its password.
    Account {
        actor: Actor<'a>,
        password: Option<SecretString>,
    },
    /// The operator at the console: no password; the owner's log says "the operator".
    Console,
}

/// What to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// These tokens, whoever owns them.
    Tokens(Vec<i64>),
    /// Every token of the account with this login.
    AllOf(String),
}

/// The inventory's filters; all that are set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryFilter {
    /// Only this account's tokens.
    pub login: Option<String>,
    /// Only expired tokens.
    pub expired: bool,
    /// Only tokens never used.
    pub never_used: bool,
    /// Only tokens not used for this many days: last used that long ago or more, or
    /// never used and created that long ago or more.
    pub unused_for_days: Option<u32>,
}

/// One token in the inventory: its facts, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryToken {
    pub owner_id: i64,
    pub owner_login: String,
    pub token: TokenInfo,
}

impl InventoryToken {
    pub fn method_count(&self) -> usize {
        self.token.methods.len()
    }
}

impl InventoryFilter {
    fn keeps(&self, t: &TokenInfo, now: Timestamp) -> bool {
        self.keeps_times(t.created_at, t.last_used_at, t.expires_at, now)
    }

    fn keeps_times(
        &self,
        created_at: Timestamp,
        last_used_at: Option<Timestamp>,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> bool {
        (!self.expired || expires_at.is_some_and(|e| e <= now))
            && (!self.never_used || last_used_at.is_none())
            && self.unused_for_days.is_none_or(|days| {
                last_used_at.unwrap_or(created_at) <= now - i64::from(days) * DAY_SECS
            })
    }
}

#[derive(Clone)]
pub struct Admin {
    store: Store,
    accounts: Accounts,
    tokens: Tokens,
    log: SecurityLog,
    flood: FloodGuard,
}

impl Admin {
    pub fn new(
        store: Store,
        accounts: Accounts,
        tokens: Tokens,
        log: SecurityLog,
        flood: FloodGuard,
    ) -> Admin {
        Admin {
            store,
            accounts,
            tokens,
            log,
            flood,
        }
    }

    /// The account `user_id` if it is an administrator; 8202 otherwise.
    pub async fn require(&self, user_id: i64) -> Result<Account, Error> {
        match self.store.user_by_id(user_id).await? {
            Some(row) if row.is_admin != 0 => Ok(row.into()),
            _ => Err(Error::PermissionDenied(
                "only an administrator may do this".into(),
            )),
        }
    }

    /// Whether `user_id` is an administrator (for the dashboard's navigation).
    pub async fn is_admin(&self, user_id: i64) -> Result<bool, Error> {
        Ok(self.require(user_id).await.is_ok())
    }

    async fn check(&self, caller: Caller) -> Result<(), Error> {
        match caller {
            Caller::Account(id) => self.require(id).await.map(|_| ()),
            Caller::Console => Ok(()),
        }
    }

    /// Every account's tokens that pass `filter`, by login then token id.
    pub async fn inventory(
        &self,
        caller: Caller,
        filter: &InventoryFilter,
    ) -> Result<Vec<InventoryToken>, Error> {
        self.check(caller).await?;
        let login = match filter.login.as_deref().map(str::trim) {
            Some(l) if !l.is_empty() => Some(Login::parse(l)?),
            _ => None,
        };
        let now = now();
        let mut out = Vec::new();
        for owner in self
            .store
            .token_owners(login.as_ref().map(Login::as_str))
            .await?
        {
            for token in self.tokens.list(owner.id, None).await? {
                if filter.keeps(&token, now) {
                    out.push(InventoryToken {
                        owner_id: owner.id,
                        owner_login: owner.login.clone(),
                        token,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Revokes tokens of any account: they stop working at once, their values are
    /// retired as if their owner had deleted them (a later use raises the owner's reuse
    /// alert), and both the owner's and the administrator's security logs say so.
    /// Returns the ids revoked. Nothing is revoked when an id names no token, the login
    /// no account, or the password is wrong (801).
    pub async fn revoke(&self, revoker: Revoker<'_>, what: Revocation) -> Result<Vec<i64>, Error> {
        let admin = match &revoker {
            Revoker::Account { actor, .. } => Some(self.require(actor.user_id).await?),
            Revoker::Console => None,
        };
        // Owner id and login → the ids to revoke (`None`: all of them).
        let mut chosen: BTreeMap<(i64, String), Option<Vec<i64>>> = BTreeMap::new();
        match &what {
            Revocation::Tokens(ids) => {
                if ids.is_empty() {
                    return Err(Error::refused("ids", Refusal::NoTokenSelected));
                }
                for &id in ids {
                    let owner = match self.store.token_owner(id).await? {
                        Some(owner) => owner,
                        None => {
                            return Err(Error::refused("ids", Refusal::NoTokenNumbered { id }));
                        }
                    };
                    let login = self
                        .store
                        .user_by_id(owner)
                        .await?
                        .map(|u| u.login)
                        .unwrap_or_default();
                    chosen
                        .entry((owner, login))
                        .or_insert_with(|| Some(Vec::new()))
                        .get_or_insert_with(Vec::new)
                        .push(id);
                }
            }
            Revocation::AllOf(login) => {
                let login = Login::parse(login)?;
                let owner = self
                    .store
                    .user_by_login(login.as_str())
                    .await?
                    .ok_or_else(|| {
                        Error::refused(
                            "login",
                            Refusal::NoAccount {
                                login: login.as_str().to_string(),
                            },
                        )
                    })?;
                chosen.insert((owner.id, owner.login), None);
            }
        }
        if let Revoker::Account { actor, password } = revoker {
            let purpose = Purpose::RevokeOthersTokens;
            self.accounts
                .confirm_password(actor.user_id, actor.session_id, password, actor.ip, purpose)
                .await?;
            self.revoke_chosen(chosen, admin.as_ref(), actor.ip).await
        } else {
            self.revoke_chosen(chosen, None, "console").await
        }
    }

    async fn revoke_chosen(
        &self,
        chosen: BTreeMap<(i64, String), Option<Vec<i64>>>,
        admin: Option<&Account>,
        ip: &str,
    ) -> Result<Vec<i64>, Error> {
        let mut revoked = Vec::new();
        for ((owner, owner_login), ids) in chosen {
            let before = self.tokens.list(owner, ids.as_deref()).await?;
            let hashes: Vec<String> = self
                .store
                .token_hashes_of(owner)
                .await?
                .into_iter()
                .filter(|(id, _)| before.iter().any(|t| t.id == *id))
                .map(|(_, hash)| hash)
                .collect();
            let deleted = match self
                .store
                .delete_tokens(owner, ids.as_deref(), now())
                .await?
            {
                DeleteOutcome::Deleted(deleted) => deleted,
                DeleteOutcome::Missing(missing) => {
                    let list: Vec<String> = missing.iter().map(|id| format!("#{id}")).collect();
                    return Err(Error::refused(
                        "ids",
                        Refusal::TokensRevokedMeanwhile {
                            ids: list.join(", "),
                        },
                    ));
                }
            };
            hashes.iter().for_each(|h| self.flood.dead(h));
            for token in before.iter().filter(|t| deleted.contains(&t.id)) {
                let token = TokenRef::new(token.id, &token.description);
                let by = admin.map(|a| a.login.to_string());
                let event = Event::TokenRevokedByAdmin {
                    token: token.clone(),
                    by,
                };
                self.log.record(owner, ip, event).await;
                if let Some(a) = admin {
                    let owner = owner_login.to_string();
                    let event = Event::AdminRevokedToken { token, owner };
                    self.log.record(a.id, ip, event).await;
                }
            }
            revoked.extend(deleted);
        }
        Ok(revoked)
    }

    /// Creates an account (never pending); `admin` makes it an administrator.
    pub async fn create_account(
        &self,
        caller: Caller,
        login: &str,
        name: Option<&str>,
        password: SecretString,
        admin: bool,
    ) -> Result<Account, Error> {
        self.check(caller).await?;
        let new = NewAccount {
            admin,
            ..NewAccount::default()
        };
        self.accounts.register_as(login, name, password, new).await
    }

    /// Accounts waiting for approval, oldest first.
    pub async fn pending(&self, caller: Caller) -> Result<Vec<Account>, Error> {
        self.check(caller).await?;
        Ok(self
            .store
            .pending_users()
            .await?
            .into_iter()
            .map(Account::from)
            .collect())
    }

    /// Approves a pending account: it may sign in from now on.
    pub async fn approve(&self, caller: Caller, user_id: i64) -> Result<(), Error> {
        self.check(caller).await?;
        if self.store.approve_user(user_id, now()).await? {
            Ok(())
        } else {
            Err(no_pending(user_id))
        }
    }

    /// Approves the pending account `login` (the console's `server user approve`).
    pub async fn approve_login(&self, caller: Caller, login: &str) -> Result<Account, Error> {
        let login = Login::parse(login)?;
        self.check(caller).await?;
        let user = self
            .store
            .user_by_login(login.as_str())
            .await?
            .filter(|u| u.pending != 0)
            .ok_or_else(|| {
                Error::refused(
                    "login",
                    Refusal::NotPending {
                        login: login.as_str().to_string(),
                    },
                )
            })?;
        self.approve(caller, user.id).await?;
        Ok(Account {
            pending: false,
            ..user.into()
        })
    }

    /// Rejects a pending account: it is deleted.
    pub async fn reject(&self, caller: Caller, user_id: i64) -> Result<(), Error> {
        self.check(caller).await?;
        if self.store.reject_user(user_id).await? {
            Ok(())
        } else {
            Err(no_pending(user_id))
        }
    }

    /// Makes `login` an administrator, or not; the last administrator cannot be demoted.
    pub async fn set_admin(&self, caller: Caller, login: &str, admin: bool) -> Result<(), Error> {
        let login = Login::parse(login)?;
        self.check(caller).await?;
        match self.store.set_admin(login.as_str(), admin, now()).await? {
            AdminChange::Done => Ok(()),
            AdminChange::NoSuchLogin => Err(Error::refused(
                "login",
                Refusal::NoAccount {
                    login: login.as_str().to_string(),
                },
            )),
            AdminChange::LastAdmin => Err(Error::refused(
                "login",
                Refusal::LastAdmin {
                    login: login.as_str().to_string(),
                },
            )),
        }
    }
}

fn no_pending(user_id: i64) -> Error {
    Error::refused("id", Refusal::NotPendingId { id: user_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (created, last used, expires): a token's times.
    type Times = (Timestamp, Option<Timestamp>, Option<Timestamp>);

    fn token(
        created_at: Timestamp,
        last_used_at: Option<Timestamp>,
        expires_at: Option<Timestamp>,
    ) -> Times {
        (created_at, last_used_at, expires_at)
    }

    #[test]
    fn inventory_filters_as_a_truth_table() {
        let now = 1_000 * DAY_SECS;
        let old_unused = token(now - 40 * DAY_SECS, None, None);
        let used_recently = token(now - 40 * DAY_SECS, Some(now - DAY_SECS), None);
        let used_long_ago = token(now - 40 * DAY_SECS, Some(now - 31 * DAY_SECS), None);
        let new_unused = token(now - DAY_SECS, None, None);
        let expired = token(now - 40 * DAY_SECS, Some(now - DAY_SECS), Some(now));
        let unused30 = InventoryFilter {
            unused_for_days: Some(30),
            ..Default::default()
        };
        let never = InventoryFilter {
            never_used: true,
            ..Default::default()
        };
        let exp = InventoryFilter {
            expired: true,
            ..Default::default()
        };
        let cases = [
            (&unused30, &old_unused, true),
            (&unused30, &used_recently, false),
            (&unused30, &used_long_ago, true),
            (&unused30, &new_unused, false),
            (&never, &old_unused, true),
            (&never, &new_unused, true),
            (&never, &used_recently, false),
            (&exp, &expired, true),
            (&exp, &used_recently, false),
            (&InventoryFilter::default(), &expired, true),
        ];
        for (i, (filter, t, kept)) in cases.into_iter().enumerate() {
            assert_eq!(filter.keeps_times(t.0, t.1, t.2, now), kept, "case {i}");
        }
    }
}
