//! Personal access tokens: every rule of issuing, changing, checking and retiring them.
//! The REST API (users.authentication.*Token*) and the dashboard's server functions
//! both call this service; neither adds a rule of its own.
//!
//! - Values: see `domain::token` (prefix, 190 random bits, CRC32 checksum). Only the
//!   SHA-256 is stored; the plain value leaves this service exactly once, in the answer
//!   to create, copy or regenerate.
//! - Every change is confirmed with the account password (801 when wrong, 705 after
//!   repeated failures) and recorded in the account's security log.
//! - At most 100 tokens per account (2338).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::Client;
use crate::Error;
use crate::refusal::{Limit, Refusal};
use secrecy::SecretString;

use crate::clock::{Timestamp, format_wire, now};
use crate::config::TokenExpiryPolicy;
use crate::domain::catalog::{ApiMethod, Catalog};
use crate::domain::restrict::{EnvScope, IpAllowlist};
use crate::domain::token::{PlainToken, TokenDescription};
use crate::services::accounts::Accounts;
use crate::services::flood::FloodGuard;
use crate::services::security_log::{
    DeadBecause, Event, Purpose, SecurityLog, TokenPart, TokenRef,
};
use crate::services::templates::Templates;
use crate::services::token_reuse::ReuseWatch;
use crate::storage::{DeleteOutcome, InsertTokenError, Store, TokenAuthRow, TokenFields, TokenRow};

/// Tokens one account may hold (the limit the dashboard states, from `kunci-rules`).
pub const MAX_TOKENS_PER_USER: i64 = kunci_rules::token::MAX_PER_ACCOUNT as i64;
/// `last_used_at` is written at most this often per token.
const LAST_USED_GRANULARITY_SECS: i64 = 60;
/// The dashboard's banner names tokens expiring within this long, or expired within
/// this long; the security log says "expiring soon" this long ahead.
pub const EXPIRY_NOTICE_SECS: i64 = 7 * 24 * 3600;
/// A use of a dead token is logged at most this often per value (per instance).
const DEAD_USE_LOG_EVERY_SECS: i64 = 600;

/// What a token may call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    /// A template, by key: the token follows the template file.
    Template(String),
    /// Its own list of catalog methods.
    Custom(Vec<&'static ApiMethod>),
}

/// Everything a new token needs (create, copy).
#[derive(Debug, Clone)]
pub struct TokenInput {
    pub description: TokenDescription,
    pub expires_at: Option<Timestamp>,
    pub permissions: Permissions,
    pub restrictions: Restrictions,
}

/// What narrows a token past its methods (`domain::restrict`); the default narrows
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    /// The client addresses it may be used from (empty: anywhere).
    pub ip_allowlist: IpAllowlist,
    /// The environments it may touch (empty: every one of the account's).
    pub env_scope: EnvScope,
}

/// The fields an edit changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenPatch {
    pub description: Option<TokenDescription>,
    /// `Some(None)` removes the expiry.
    pub expires_at: Option<Option<Timestamp>>,
    pub permissions: Option<Permissions>,
    /// An empty list removes the restriction.
    pub ip_allowlist: Option<IpAllowlist>,
    pub env_scope: Option<EnvScope>,
}

impl TokenPatch {
    pub fn is_empty(&self) -> bool {
        self.description.is_none()
            && self.expires_at.is_none()
            && self.permissions.is_none()
            && self.ip_allowlist.is_none()
            && self.env_scope.is_none()
    }
}

/// Who makes a change, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: i64,
    /// The session asking (password confirmations are budgeted per session).
    pub session_id: i64,
    pub ip: &'a str,
}

/// A stored token, inside this service only.
#[derive(Debug, Clone)]
struct Token {
    row: TokenRow,
}

impl Token {
    fn id(&self) -> i64 {
        self.row.id
    }
}

/// A token as its owner sees it (never its value), with what it may call resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub description: String,
    pub api: TokenApi,
    /// The methods it may call, in catalog order.
    pub methods: Vec<&'static ApiMethod>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Its creation or last regeneration, from which `--token-max-lifetime` counts.
    pub issued_at: Timestamp,
    pub restrictions: Restrictions,
}

impl TokenInfo {
    pub fn expired_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }

    /// Whether the dashboard's banner names this token as of `now`: it expires within
    /// [`EXPIRY_NOTICE_SECS`] or expired at most that long ago (both edges included).
    pub fn in_expiry_notice(&self, now: Timestamp) -> bool {
        self.expires_at
            .is_some_and(|e| (e - now).abs() <= EXPIRY_NOTICE_SECS)
    }
}

/// Where a token's permissions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenApi {
    /// A template: the token follows the template file.
    Template { id: i64, key: String, name: String },
    /// A template since removed from the file: the token may call nothing.
    RemovedTemplate { key: String },
    /// Its own list of methods.
    Custom,
}

/// An authenticated token: what the authorization point needs.
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub id: i64,
    pub user_id: i64,
    pub login: String,
    pub name: String,
    row: Arc<TokenAuthRow>,
}

impl TokenAuth {
    /// When the token expires (`None`: never).
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.row.expires_at
    }

    /// The environments it may touch (empty: all of the account's).
    pub fn env_scope(&self) -> &EnvScope {
        &self.row.env_names
    }
}

#[derive(Clone)]
pub struct Tokens {
    store: Store,
    accounts: Accounts,
    log: SecurityLog,
    templates: Arc<Templates>,
    logged_recently: Arc<Mutex<HashMap<String, Timestamp>>>,
    flood: FloodGuard,
    reuse: ReuseWatch,
    expiry: TokenExpiryPolicy,
}

impl Tokens {
    pub fn new(
        store: Store,
        accounts: Accounts,
        log: SecurityLog,
        templates: Arc<Templates>,
        flood: FloodGuard,
    ) -> Tokens {
        Tokens {
            reuse: ReuseWatch::new(
                store.clone(),
                log.clone(),
                flood.clone(),
                crate::config::TokenReuse::default(),
            ),
            store,
            accounts,
            log,
            templates,
            logged_recently: Default::default(),
            flood,
            expiry: TokenExpiryPolicy::default(),
        }
    }

    /// The operator's expiry policy (`--token-max-lifetime`, `--token-default-lifetime`).
    pub fn with_expiry_policy(mut self, policy: TokenExpiryPolicy) -> Tokens {
        self.expiry = policy;
        self
    }

    pub fn expiry_policy(&self) -> TokenExpiryPolicy {
        self.expiry
    }

    /// What a reuse of a retired value does besides the alert (`--token-reuse`).
    pub fn with_reuse_policy(mut self, policy: crate::config::TokenReuse) -> Tokens {
        self.reuse = ReuseWatch::new(
            self.store.clone(),
            self.log.clone(),
            self.flood.clone(),
            policy,
        );
        self
    }

    /// Reuse detection: the owners' alerts.
    pub fn reuse(&self) -> &ReuseWatch {
        &self.reuse
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Whether a credential claims to be a token (by its prefix).
    pub fn looks_like_token(value: &str) -> bool {
        PlainToken::looks_like(value)
    }

    // ----- reading -----

    /// How many tokens of every account have not expired.
    pub async fn live_count(&self) -> Result<i64, Error> {
        Ok(self.store.count_live_tokens(now()).await?)
    }

    /// The user's tokens, all or those with `ids` (ids of others are simply absent).
    pub async fn list(&self, user_id: i64, ids: Option<&[i64]>) -> Result<Vec<TokenInfo>, Error> {
        let stored = self.stored(user_id, ids).await?;
        Ok(stored.iter().map(|t| self.info(t)).collect())
    }

    async fn stored(&self, user_id: i64, ids: Option<&[i64]>) -> Result<Vec<Token>, Error> {
        let rows = self.store.tokens_of(user_id).await?;
        Ok(rows
            .into_iter()
            .filter(|r| ids.is_none_or(|ids| ids.contains(&r.id)))
            .map(|row| Token { row })
            .collect())
    }

    /// One of the user's tokens: result 3 naming `id` when it has none by that id.
    pub async fn get(&self, user_id: i64, id: i64) -> Result<TokenInfo, Error> {
        Ok(self.info(&self.stored_one(user_id, id).await?))
    }

    async fn stored_one(&self, user_id: i64, id: i64) -> Result<Token, Error> {
        self.store
            .token_of(user_id, id)
            .await?
            .map(|row| Token { row })
            .ok_or_else(|| no_such_token(id))
    }

    /// What the owner sees of a stored token.
    fn info(&self, token: &Token) -> TokenInfo {
        let r = &token.row;
        let api = match r.template.as_deref() {
            None => TokenApi::Custom,
            Some(key) => match self.templates.by_key(key) {
                Some(t) => TokenApi::Template {
                    id: t.id,
                    key: t.key.clone(),
                    name: t.name.clone(),
                },
                None => TokenApi::RemovedTemplate {
                    key: key.to_string(),
                },
            },
        };
        TokenInfo {
            id: r.id,
            description: r.description.clone(),
            api,
            methods: self.methods_of(token),
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            created_at: r.created_at,
            issued_at: r.issued_at,
            restrictions: Restrictions {
                ip_allowlist: r.ip_allowlist.clone(),
                env_scope: r.env_names.clone(),
            },
        }
    }

    /// The methods a token may call, in catalog order.
    fn methods_of(&self, token: &Token) -> Vec<&'static ApiMethod> {
        match &token.row.template {
            Some(key) => self
                .templates
                .by_key(key)
                .map(|t| t.methods().to_vec())
                .unwrap_or_default(),
            None => custom_methods(&token.row.api_list),
        }
    }

    /// The catalog a token's permissions are chosen from, filtered by every one of
    /// `filters` (each a case-insensitive substring of `service.class.Method`, either
    /// service form; blank ones are ignored). Private methods, which no token may hold,
    /// only with `show_private`.
    pub fn api_list(&self, filters: &[&str], show_private: bool) -> Vec<&'static ApiMethod> {
        let needles: Vec<String> = filters
            .iter()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        Catalog::get()
            .all()
            .iter()
            .filter(|m| show_private || !m.is_private())
            .filter(|m| {
                let long = format!("{}.{}.{}", m.service, m.class, m.method).to_lowercase();
                needles
                    .iter()
                    .all(|n| m.key.contains(n.as_str()) || long.contains(n.as_str()))
            })
            .collect()
    }

    /// Reads `tokenTemplate` / `apiList` as given: a template by name, key or id
    /// ("Custom" means none), else the list. `Ok(None)` when neither is given.
    pub fn permissions_from(
        &self,
        template: Option<&str>,
        api_list: Option<&str>,
    ) -> Result<Option<Permissions>, Error> {
        if let Some(chosen) = self.named_template(template)? {
            return Ok(Some(chosen));
        }
        match api_list.map(str::trim).filter(|l| !l.is_empty()) {
            Some(list) => Ok(Some(Permissions::Custom(
                crate::domain::token::parse_api_list(list, "apiList")?,
            ))),
            None => Ok(None),
        }
    }

    /// The dashboard's choice: a template by name (unless "Custom"), else the checked
    /// `methods` (at least one).
    pub fn chosen_permissions(
        &self,
        template: Option<&str>,
        methods: &[String],
    ) -> Result<Permissions, Error> {
        match self.named_template(template)? {
            Some(chosen) => Ok(chosen),
            None => Ok(Permissions::Custom(crate::domain::token::parse_api_list(
                &methods.join(","),
                "methods",
            )?)),
        }
    }

    /// The template `template` names by name, key or id; `None` when it is blank or
    /// "Custom"; result 3 when there is no such template.
    fn named_template(&self, template: Option<&str>) -> Result<Option<Permissions>, Error> {
        let Some(t) = template
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("custom"))
        else {
            return Ok(None);
        };
        let found = self.templates.find(t).ok_or_else(|| {
            let names: Vec<&str> = self
                .templates
                .all()
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            Error::refused(
                "tokenTemplate",
                Refusal::UnknownTemplate {
                    templates: names.join(", "),
                },
            )
        })?;
        Ok(Some(Permissions::Template(found.key.clone())))
    }

    // ----- changing (each confirmed with the password) -----

    /// Confirms `actor`'s change (`purpose`) with the account password.
    async fn confirm(
        &self,
        actor: &Actor<'_>,
        password: Option<SecretString>,
        purpose: Purpose,
    ) -> Result<(), Error> {
        self.accounts
            .confirm_password(actor.user_id, actor.session_id, password, actor.ip, purpose)
            .await
    }

    pub async fn create(
        &self,
        actor: Actor<'_>,
        password: Option<SecretString>,
        input: TokenInput,
    ) -> Result<(TokenInfo, PlainToken), Error> {
        self.check_policy(input.expires_at, now(), true)?;
        self.confirm(&actor, password, Purpose::CreateToken).await?;
        let (token, value) = self.issue(actor.user_id, &input).await?;
        self.log
            .record(
                actor.user_id,
                actor.ip,
                Event::TokenCreated(token_ref(&token)),
            )
            .await;
        Ok((self.info(&token), value))
    }

    /// A new token made from an existing one's settings (as edited in the dialog).
    pub async fn copy(
        &self,
        actor: Actor<'_>,
        password: Option<SecretString>,
        source_id: i64,
        input: TokenInput,
    ) -> Result<(TokenInfo, PlainToken), Error> {
        self.stored_one(actor.user_id, source_id).await?;
        self.check_policy(input.expires_at, now(), true)?;
        self.confirm(&actor, password, Purpose::CopyToken).await?;
        let (token, value) = self.issue(actor.user_id, &input).await?;
        let event = Event::TokenCopied {
            token: token_ref(&token),
            from: source_id,
        };
        self.log.record(actor.user_id, actor.ip, event).await;
        Ok((self.info(&token), value))
    }

    /// The expiry of a token created now through the API: the one given, else never,
    /// unless `--token-max-lifetime` is set (then the default lifetime, at most the
    /// maximum, else the maximum).
    pub fn new_token_expiry(&self, given: Option<Timestamp>) -> Option<Timestamp> {
        given.or_else(|| self.expiry.api_default(now()))
    }

    /// The dashboard's Expires At (`dd-mm-yyyy`) for a token issued at `issued_at`
    /// (`None`: now), under the operator's policy: the day the maximum lifetime ends
    /// means that moment ([`TokenExpiryPolicy::parse_dd_mm_yyyy`]).
    pub fn parse_ui_expiry(
        &self,
        raw: &str,
        issued_at: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, Error> {
        let now = now();
        self.expiry
            .parse_dd_mm_yyyy(raw, issued_at.unwrap_or(now), now)
            .map_err(|e| Error::refused("expires", Refusal::Expiry(e)))
    }

    /// `expires_at` for a token issued at `issued_at`, under the operator's policy:
    /// result 3 naming `expiresAt` and the limit.
    fn check_policy(
        &self,
        expires_at: Option<Timestamp>,
        issued_at: Timestamp,
        from_now: bool,
    ) -> Result<(), Error> {
        self.expiry
            .check(expires_at, issued_at, from_now)
            .map(|_| ())
            .map_err(|e| Error::refused("expiresAt", Refusal::Expiry(e)))
    }

    async fn issue(&self, user_id: i64, input: &TokenInput) -> Result<(Token, PlainToken), Error> {
        self.check_policy(input.expires_at, now(), true)?;
        let value = PlainToken::generate();
        let (template, api_list) = stored_permissions(&input.permissions);
        let ip_allowlist = input.restrictions.ip_allowlist.stored();
        let env_names = input.restrictions.env_scope.stored();
        let fields = TokenFields {
            description: input.description.as_str(),
            template,
            api_list: &api_list,
            expires_at: input.expires_at,
            ip_allowlist: &ip_allowlist,
            env_names: &env_names,
        };
        match self
            .store
            .insert_token(
                user_id,
                value.hash().as_str(),
                &fields,
                now(),
                MAX_TOKENS_PER_USER,
            )
            .await
        {
            Ok(row) => {
                self.flood.valid(value.hash().as_str());
                Ok((Token { row }, value))
            }
            Err(InsertTokenError::LimitReached) => Err(Error::LimitReached(Limit::Tokens {
                max: MAX_TOKENS_PER_USER,
            })),
            Err(InsertTokenError::Store(e)) => Err(e.into()),
        }
    }

    /// Changes only the fields given; the value stays the same.
    pub async fn edit(
        &self,
        actor: Actor<'_>,
        password: Option<SecretString>,
        id: i64,
        patch: TokenPatch,
    ) -> Result<TokenInfo, Error> {
        let current = self.stored_one(actor.user_id, id).await?;
        if let Some(expires_at) = patch.expires_at {
            self.check_policy(expires_at, current.row.issued_at, false)?;
        }
        self.confirm(&actor, password, Purpose::EditToken).await?;
        let description = patch
            .description
            .as_ref()
            .map(|d| d.as_str())
            .unwrap_or(&current.row.description);
        let expires_at = patch.expires_at.unwrap_or(current.row.expires_at);
        let (template, api_list) = match &patch.permissions {
            Some(p) => {
                let (t, l) = stored_permissions(p);
                (t.map(str::to_string), l)
            }
            None => (current.row.template.clone(), current.row.api_list.clone()),
        };
        let ip_allowlist = patch
            .ip_allowlist
            .as_ref()
            .unwrap_or(&current.row.ip_allowlist)
            .stored();
        let env_names = patch
            .env_scope
            .as_ref()
            .unwrap_or(&current.row.env_names)
            .stored();
        let fields = TokenFields {
            description,
            template: template.as_deref(),
            api_list: &api_list,
            expires_at,
            ip_allowlist: &ip_allowlist,
            env_names: &env_names,
        };
        let row = self
            .store
            .update_token(actor.user_id, id, &fields, now())
            .await?
            .ok_or_else(|| no_such_token(id))?;
        // What really changed (the dashboard sends every field).
        let changed: Vec<TokenPart> = [
            (
                row.description != current.row.description,
                TokenPart::Description,
            ),
            (row.expires_at != current.row.expires_at, TokenPart::Expiry),
            (
                row.template != current.row.template || row.api_list != current.row.api_list,
                TokenPart::Permissions,
            ),
            (
                row.ip_allowlist != current.row.ip_allowlist,
                TokenPart::AllowedAddresses,
            ),
            (
                row.env_names != current.row.env_names,
                TokenPart::Environments,
            ),
        ]
        .into_iter()
        .filter_map(|(differs, name)| differs.then_some(name))
        .collect();
        let token = Token { row };
        let event = Event::TokenEdited {
            token: token_ref(&token),
            changed,
        };
        self.log.record(actor.user_id, actor.ip, event).await;
        Ok(self.info(&token))
    }

    /// A new value for the token; the old one is dead at once; everything else is kept,
    /// but the expiry when `expires_at` gives a new one (`Some(None)`: never). An
    /// expired token needs one, or its new value would be dead on arrival; and the
    /// expiry it ends with must fit `--token-max-lifetime` from now.
    pub async fn regenerate(
        &self,
        actor: Actor<'_>,
        password: Option<SecretString>,
        id: i64,
        expires_at: Option<Option<Timestamp>>,
    ) -> Result<(TokenInfo, PlainToken), Error> {
        let current = self.stored_one(actor.user_id, id).await?;
        let now = now();
        if let (None, Some(at)) = (expires_at, current.row.expires_at.filter(|at| *at <= now)) {
            return Err(Error::refused(
                "expiresAt",
                Refusal::ExpiredNeedsExpiry {
                    expired_on: format_wire(at),
                },
            ));
        }
        self.check_policy(expires_at.unwrap_or(current.row.expires_at), now, true)?;
        self.confirm(&actor, password, Purpose::RegenerateToken)
            .await?;
        let retired = self.hashes_of(actor.user_id, &[id]).await?;
        let value = PlainToken::generate();
        let row = self
            .store
            .swap_token_secret(actor.user_id, id, value.hash().as_str(), now, expires_at)
            .await?
            .ok_or_else(|| no_such_token(id))?;
        self.flood.valid(value.hash().as_str());
        retired.iter().for_each(|h| self.flood.dead(h));
        let token = Token { row };
        self.log
            .record(
                actor.user_id,
                actor.ip,
                Event::TokenRegenerated(token_ref(&token)),
            )
            .await;
        Ok((self.info(&token), value))
    }

    /// Deletes the tokens `ids` (at least one), or all of the user's with `None`. All or
    /// nothing.
    pub async fn delete(
        &self,
        actor: Actor<'_>,
        password: Option<SecretString>,
        ids: Option<Vec<i64>>,
    ) -> Result<Vec<i64>, Error> {
        if ids.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::refused("ids", Refusal::NoTokenSelected));
        }
        let before = self.stored(actor.user_id, ids.as_deref()).await?;
        if let Some(ids) = &ids {
            let missing: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !before.iter().any(|t| t.id() == *id))
                .collect();
            if !missing.is_empty() {
                return Err(no_such_tokens(&missing));
            }
        }
        self.confirm(&actor, password, Purpose::DeleteTokens)
            .await?;
        let chosen: Vec<i64> = before.iter().map(Token::id).collect();
        let retired = self.hashes_of(actor.user_id, &chosen).await?;
        match self
            .store
            .delete_tokens(actor.user_id, ids.as_deref(), now())
            .await?
        {
            DeleteOutcome::Deleted(deleted) => {
                retired.iter().for_each(|h| self.flood.dead(h));
                for token in before.iter().filter(|t| deleted.contains(&t.id())) {
                    self.log
                        .record(
                            actor.user_id,
                            actor.ip,
                            Event::TokenDeleted(token_ref(token)),
                        )
                        .await;
                }
                Ok(deleted)
            }
            DeleteOutcome::Missing(missing) => Err(no_such_tokens(&missing)),
        }
    }

    /// The value hashes of the user's tokens `ids`, for the flood guard to forget once
    /// they are retired (a token created meanwhile is simply not among them).
    async fn hashes_of(&self, user_id: i64, ids: &[i64]) -> Result<Vec<String>, Error> {
        Ok(self
            .store
            .token_hashes_of(user_id)
            .await?
            .into_iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, hash)| hash)
            .collect())
    }

    // ----- expiry seen coming -----

    /// The user's tokens the dashboard's banner names as of `now` (see
    /// [`TokenInfo::in_expiry_notice`]), soonest expiry first.
    pub async fn expiry_notices(
        &self,
        user_id: i64,
        now: Timestamp,
    ) -> Result<Vec<TokenInfo>, Error> {
        let mut list: Vec<TokenInfo> = self
            .list(user_id, None)
            .await?
            .into_iter()
            .filter(|t| t.in_expiry_notice(now))
            .collect();
        list.sort_by_key(|t| (t.expires_at, t.id));
        Ok(list)
    }

    /// Records "expiring soon" in the owner's security log for every token (of every
    /// account) that expires after `now` and within [`EXPIRY_NOTICE_SECS`], once per
    /// token and expiry (once more only after the expiry changes; concurrent instances
    /// record it once). Answers how many were recorded. Run by the housekeeping pass.
    pub async fn warn_expiring(&self, now: Timestamp) -> Result<usize, Error> {
        let due = self
            .store
            .tokens_to_warn(now, now + EXPIRY_NOTICE_SECS)
            .await?;
        let mut recorded = 0;
        for (user_id, id, description, expires_at) in due {
            if self.store.mark_expiry_warned(id, expires_at).await? {
                let event = Event::TokenExpiringSoon {
                    token: TokenRef::new(id, &description),
                    expires_at,
                };
                self.log.record(user_id, "server", event).await;
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    // ----- using -----

    /// Authenticates a token value. A malformed value or a wrong checksum is refused
    /// before any database access. Unknown, expired, deleted and regenerated-away
    /// values all answer 702; a disabled account's tokens 704. Values that are not live
    /// count against the client address's flood limit (`services::flood`). A retired
    /// value's reuse (to call `method`) is recorded (`services::token_reuse`).
    pub async fn authenticate(
        &self,
        value: &str,
        client: &Client,
        method: &str,
    ) -> Result<TokenAuth, Error> {
        let token = PlainToken::parse(value);
        let hash = token.as_ref().map(PlainToken::hash);
        self.flood
            .admit(&client.ip, hash.as_ref().map(|h| h.as_str()))
            .await?;
        let Some(hash) = hash else {
            self.flood.missed(&client.ip);
            return Err(Error::NotAuthenticated);
        };
        let Some(row) = self.store.token_by_hash(hash.as_str()).await? else {
            self.flood.missed(&client.ip);
            self.flood.dead(hash.as_str());
            // The caller's answer is 702 whatever the recording does.
            if let Err(e) = self.reuse.check(hash.as_str(), client, method).await {
                tracing::error!(error = %e, "could not record a token value's reuse");
            }
            return Err(Error::NotAuthenticated);
        };
        let now = now();
        if row.expires_at.is_some_and(|e| e <= now) {
            let event = Event::DeadTokenUsed {
                token: TokenRef::new(row.id, ""),
                because: DeadBecause::Expired,
                method: Some(method.to_string()),
                revoked: false,
            };
            self.dead_use(hash.as_str(), row.user_id, client, event)
                .await;
            return Err(Error::NotAuthenticated);
        }
        row.status.admit()?;
        self.flood.valid(hash.as_str());
        Ok(TokenAuth {
            id: row.id,
            user_id: row.user_id,
            login: row.login.clone(),
            name: row.name.clone(),
            row,
        })
    }

    /// 8202 when the token's allowlist does not name the client's address (as the
    /// `--trust-proxy` rules decided it), naming that address; the refusal is written to
    /// the owner's security log, at most once per token and address every ten minutes.
    pub async fn check_address(&self, token: &TokenAuth, client: &Client) -> Result<(), Error> {
        if token.row.ip_allowlist.allows(&client.ip) {
            return Ok(());
        }
        let shown: String = client
            .ip
            .chars()
            .take(64)
            .flat_map(char::escape_default)
            .collect();
        let key = format!("address {} {}", token.id, client.ip);
        if self.first_in_a_while(&key) {
            self.log
                .record(
                    token.user_id,
                    &client.ip,
                    Event::TokenAddressRefused {
                        token: TokenRef::new(token.id, ""),
                        address: shown.clone(),
                        allowed: token.row.ip_allowlist.entries(),
                    },
                )
                .await;
        }
        Err(Error::PermissionDenied(format!(
            "this token may not be used from the address {shown}: its allowlist does not include it"
        )))
    }

    /// Whether the token's permissions include `method`.
    pub fn allows(&self, token: &TokenAuth, method: &ApiMethod) -> bool {
        permits(
            &self.templates,
            token.row.template.as_deref(),
            &token.row.api_list,
            method,
        )
    }

    /// Keeps `lastUsed` current to the minute, without a write on every request.
    pub async fn note_use(&self, token: &TokenAuth) {
        let now = now();
        if token
            .row
            .last_used_at
            .is_some_and(|t| now - t < LAST_USED_GRANULARITY_SECS)
        {
            return;
        }
        if let Err(e) = self.store.touch_token(token.id, now).await {
            tracing::warn!(error = %e, "could not record a token's last use");
        }
    }

    /// Whether `key` was not logged in the last ten minutes (on this instance); marks it
    /// logged now.
    fn first_in_a_while(&self, key: &str) -> bool {
        let now = now();
        let mut seen = self
            .logged_recently
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if seen
            .get(key)
            .is_some_and(|t| now - t < DEAD_USE_LOG_EVERY_SECS)
        {
            return false;
        }
        if seen.len() > 10_000 {
            seen.retain(|_, t| now - *t < DEAD_USE_LOG_EVERY_SECS);
        }
        seen.insert(key.to_string(), now);
        true
    }

    /// Logs a use of a dead value, at most once per value every ten minutes.
    async fn dead_use(&self, hash: &str, user_id: i64, client: &Client, event: Event) {
        if !self.first_in_a_while(hash) {
            return;
        }
        self.log.record(user_id, &client.ip, event).await;
    }
}

/// The permission rule: a template token may call what its template grants (nothing,
/// if the template was removed); a Custom token what its list names.
pub fn permits(
    templates: &Templates,
    template: Option<&str>,
    api_list: &str,
    method: &ApiMethod,
) -> bool {
    match template {
        Some(key) => templates.by_key(key).is_some_and(|t| t.allows(method)),
        None => api_list.lines().any(|l| l == method.name),
    }
}

fn no_such_token(id: i64) -> Error {
    Error::refused("id", Refusal::NoSuchToken { id })
}

fn no_such_tokens(ids: &[i64]) -> Error {
    let shown: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
    Error::refused(
        "ids",
        Refusal::NoSuchTokens {
            ids: shown.join(", "),
        },
    )
}

/// `(template key, api_list text)` as stored.
fn stored_permissions(p: &Permissions) -> (Option<&str>, String) {
    match p {
        Permissions::Template(key) => (Some(key.as_str()), String::new()),
        Permissions::Custom(methods) => (
            None,
            methods
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    }
}

fn custom_methods(api_list: &str) -> Vec<&'static ApiMethod> {
    api_list
        .lines()
        .filter_map(|name| Catalog::get().find(name))
        .collect()
}

/// "token #12 “gitlab deploy”" for the security log (no secret).
fn token_ref(token: &Token) -> TokenRef {
    TokenRef::new(token.row.id, &token.row.description)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Permission matching as a truth table: (token permissions, method, allowed).
    #[test]
    fn permission_matching_truth_table() {
        let templates = Templates::built_in();
        let c = Catalog::get();
        let stop = "env.control.StopEnv\nenv.control.GetEnvInfo";
        let cases: &[(Option<&str>, &str, &str, bool)] = &[
            (None, stop, "env.control.StopEnv", true),
            (None, stop, "env.control.GetEnvInfo", true),
            (None, stop, "env.control.StartEnv", false),
            (None, stop, "env.control.DeleteEnv", false),
            (None, "", "env.control.StopEnv", false),
            (Some("maven-plugin"), "", "env.control.GetEnvInfo", true),
            (
                Some("maven-plugin"),
                "",
                "env.deployment.DeployArchive",
                true,
            ),
            (Some("maven-plugin"), "", "env.control.StopEnv", false),
            (Some("ide-plugins"), "", "env.control.StopEnv", true),
            (Some("ide-plugins"), "", "env.control.DeleteEnv", false),
            (Some("marketplace"), "", "marketplace.jps.Install", true),
            (Some("marketplace"), "", "env.control.StartEnv", false),
            (Some("extended-access"), "", "env.control.DeleteEnv", true),
            (
                Some("extended-access"),
                "",
                "users.account.ChangePassword",
                false,
            ),
            (
                Some("extended-access"),
                "",
                "users.authentication.GetTokens",
                false,
            ),
            // A template removed from the file grants nothing.
            (Some("no-longer-there"), "", "env.control.GetEnvInfo", false),
            // A template token ignores any list text.
            (
                Some("maven-plugin"),
                "env.control.StopEnv",
                "env.control.StopEnv",
                false,
            ),
        ];
        for (template, list, method, want) in cases {
            let got = permits(&templates, *template, list, c.find(method).unwrap());
            assert_eq!(got, *want, "{template:?} {list:?} → {method}");
        }
    }
}
