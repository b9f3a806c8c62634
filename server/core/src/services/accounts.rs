//! Accounts: registration, password sign-in with attempt budgets, and password
//! confirmation (see `throttle` for which budget each attempt draws on).

use crate::Error;
use crate::refusal::Refusal;
use secrecy::{ExposeSecret, SecretString};

use crate::clock::now;
use crate::config::{SecurityPolicy, Signup};
use crate::domain::Account;
use crate::domain::{DisplayName, Login, NewPassword, check_password_length, sign_in_login};
use crate::secrets::{SessionSecret, sha256_hex};
use crate::services::passwords::Hasher;
use crate::services::security_log::{Event, Purpose, SecurityLog};
use crate::services::throttle::{Attempt, Budget, Throttle, human_wait, sign_in_locked};
use crate::storage::{NewUser, Store};

/// The answer to a sign-up while sign-up is closed.
fn sign_up_closed() -> Error {
    Error::PermissionDenied(
        "sign-up is closed on this server: ask an administrator to create your account".into(),
    )
}

/// Devices an account remembers (the most recently used).
pub const DEVICES_PER_ACCOUNT: i64 = 20;
/// A device unused for this long is forgotten (and its cookie expires).
pub const DEVICE_LIFETIME_SECS: i64 = 180 * 24 * 3600;

/// The value of a device cookie: proof that this client signed in to the account
/// before. It is no credential (it signs nobody in); it only gives the client an
/// attempt budget of its own. Stored as its SHA-256.
pub struct DeviceCookie(SecretString);

impl DeviceCookie {
    fn generate() -> DeviceCookie {
        DeviceCookie(SessionSecret::generate().into_secret())
    }

    /// A value of the right shape (40 base62 characters), or nothing.
    fn parse(raw: &str) -> Option<DeviceCookie> {
        (raw.len() == SessionSecret::LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| DeviceCookie(SecretString::from(raw.to_string())))
    }

    fn hash(&self) -> String {
        sha256_hex(self.0.expose_secret())
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// A successful password check at sign-in: the account, and the device cookie to give
/// the client (the one it sent, when known, or a new one). On an account with two-factor
/// sign-in (`second_factor`) the sign-in is only half done: no device cookie yet (it is
/// given with the second step), and the attempt budgets were not reset.
pub struct SignedIn {
    pub user: Account,
    pub device: Option<DeviceCookie>,
    pub second_factor: bool,
}

#[derive(Clone)]
pub struct Accounts {
    store: Store,
    hasher: Hasher,
    throttle: Throttle,
    log: SecurityLog,
    /// How long an attempt waits for undecided ones holding its budget.
    wait: std::time::Duration,
    /// Who may sign up (`--signup`).
    signup: Signup,
}

/// What kind of account [`Accounts::register_as`] creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewAccount {
    /// An administrator (the first account always is).
    pub admin: bool,
    /// Waiting for an administrator's approval (never the first account).
    pub pending: bool,
    /// Only if no account exists yet; later ones are refused (sign-up is closed).
    pub only_first: bool,
}

impl Accounts {
    pub fn new(store: Store, policy: SecurityPolicy, hasher: Hasher) -> Accounts {
        let wait = policy.hash_queue_wait;
        let throttle = Throttle::new(store.clone(), policy);
        let log = SecurityLog::new(store.clone());
        Accounts {
            store,
            hasher,
            throttle,
            log,
            wait,
            signup: Signup::default(),
        }
    }

    /// Who may sign up (`--signup`; closed by default).
    pub fn with_signup(mut self, signup: Signup) -> Accounts {
        self.signup = signup;
        self
    }

    pub fn signup(&self) -> Signup {
        self.signup
    }

    /// Whether a sign-up could create an account now: sign-up is not closed, or no
    /// account exists yet (the first becomes the administrator).
    pub async fn sign_up_possible(&self) -> Result<bool, Error> {
        Ok(self.signup != Signup::Closed || !self.store.has_users().await?)
    }

    /// Creates an account (an operator's `user create`, or a sign-up once throttled).
    /// The name defaults to the login's part before `@`. The first account ever created
    /// is an administrator.
    pub async fn register(
        &self,
        login: &str,
        name: Option<&str>,
        password: SecretString,
    ) -> Result<Account, Error> {
        self.register_as(login, name, password, NewAccount::default())
            .await
    }

    /// Creates an account of the kind `new` says (see [`NewAccount`]).
    #[tracing::instrument(skip_all)]
    pub async fn register_as(
        &self,
        login: &str,
        name: Option<&str>,
        password: SecretString,
        new: NewAccount,
    ) -> Result<Account, Error> {
        let login = Login::parse(login)?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => DisplayName::parse(n)?,
            None => DisplayName::parse(login.local_part())?,
        };
        let password = NewPassword::parse(password)?;
        if self.store.user_by_login(login.as_str()).await?.is_some() {
            return Err(Error::LoginTaken(login.as_str().to_string()));
        }
        let hash = self.hasher.hash(password.into_secret()).await?;
        let row = self
            .store
            .insert_user(NewUser {
                login: login.as_str(),
                name: name.as_str(),
                password_hash: &hash,
                now: now(),
                admin: new.admin,
                pending: new.pending,
                only_first: new.only_first,
            })
            .await
            .map_err(|e| {
                if e.is_conflict_on("login") {
                    Error::LoginTaken(login.as_str().to_string())
                } else {
                    e.into()
                }
            })?;
        row.map(Account::from).ok_or_else(sign_up_closed)
    }

    /// A sign-up from the client at `ip`, as `--signup` allows: refused (8202) while
    /// sign-up is closed, unless no account exists yet; created pending under approval
    /// (the account's `pending` says so). It draws on the address's sign-in budget, and
    /// a taken login costs an attempt, so probing which logins exist is as slow as
    /// guessing passwords (704 once the budget is spent).
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(
        &self,
        login: &str,
        name: Option<&str>,
        password: SecretString,
        ip: &str,
    ) -> Result<Account, Error> {
        // Malformed input is refused before it costs an attempt.
        Login::parse(login)?;
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            DisplayName::parse(n)?;
        }
        check_password_length(&password)?;
        // Refused before it costs an attempt or a hash; the insert decides again under
        // the accounts lock, so two first sign-ups cannot both pass.
        if !self.sign_up_possible().await? {
            return Err(sign_up_closed());
        }
        let new = NewAccount {
            admin: false,
            pending: self.signup == Signup::Approval,
            only_first: self.signup == Signup::Closed,
        };
        let attempt = match self
            .throttle
            .take(vec![Budget::address(ip)], self.wait)
            .await?
        {
            Ok(attempt) => attempt,
            Err(secs) => {
                return Err(Error::UserBlocked(format!(
                    "sign-up is locked for your address after repeated attempts: try again in {}",
                    human_wait(secs)
                )));
            }
        };
        match self.register_as(login, name, password, new).await {
            Ok(user) => {
                self.throttle.succeed(attempt).await?;
                Ok(user)
            }
            Err(e @ Error::LoginTaken(_)) => {
                self.throttle.fail(attempt).await?;
                Err(e)
            }
            Err(e) => {
                self.throttle.give_back(attempt).await?;
                Err(e)
            }
        }
    }

    /// Checks login and password. Wrong login and wrong password answer the same (701)
    /// after the same argon2 work. The attempt is taken from its budgets first: the
    /// device's own when `device` is a cookie this account gave out, else the login's
    /// and the address's; a spent budget answers 704 without hashing. A disabled
    /// account is 704 once its password is proven.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(
        &self,
        login: &str,
        password: SecretString,
        ip: &str,
        device: Option<&str>,
    ) -> Result<SignedIn, Error> {
        let login = sign_in_login(login)?;
        check_password_length(&password)?;
        let user = self.store.user_by_login(&login).await?;
        let known_device = match (device.and_then(DeviceCookie::parse), &user) {
            (Some(cookie), Some(user))
                if self.store.device_owner(&cookie.hash()).await? == Some(user.id) =>
            {
                Some(cookie)
            }
            _ => None,
        };
        let budgets = match &known_device {
            Some(cookie) => vec![Budget::device(&cookie.hash())],
            None => vec![Budget::login(&login), Budget::address(ip)],
        };
        let attempt = match self.throttle.take(budgets, self.wait).await? {
            Ok(attempt) => attempt,
            Err(secs) => return Err(sign_in_locked(secs)),
        };
        let ok = self
            .check(
                &attempt,
                user.as_ref().map(|u| u.password_hash.as_str()),
                password,
            )
            .await;
        let ok = match ok {
            Ok(ok) => ok,
            Err(e) => {
                self.throttle.give_back(attempt).await?;
                return Err(e);
            }
        };
        match user {
            Some(user) if ok => {
                let second_factor = match self.store.two_factor_enabled(user.id).await {
                    Ok(on) => on,
                    Err(e) => {
                        self.throttle.give_back(attempt).await?;
                        return Err(e.into());
                    }
                };
                if second_factor {
                    // Half a sign-in: the budgets keep their wrong guesses (passwords
                    // and codes alike) until the code is right too, so signing in again
                    // with the password never buys more code guesses.
                    self.throttle.give_back(attempt).await?;
                } else {
                    self.throttle.succeed(attempt).await?;
                }
                user.status.admit()?;
                if user.pending != 0 {
                    return Err(Error::NotActivated(
                        "your account waits for an administrator's approval: you can sign in once it is approved"
                            .into(),
                    ));
                }
                if second_factor {
                    return Ok(SignedIn {
                        user: user.into(),
                        device: None,
                        second_factor,
                    });
                }
                let device = self.remember_device(user.id, known_device).await?;
                Ok(SignedIn {
                    user: user.into(),
                    device: Some(device),
                    second_factor,
                })
            }
            _ => {
                self.throttle.fail(attempt).await?;
                Err(Error::AuthenticationFailed)
            }
        }
    }

    /// The budgets a sign-in of `login` (account `user_id`) from `ip` with the device
    /// cookie `device` draws on: the device's own when this account gave it out, else the
    /// login's and the address's. The second step of a two-factor sign-in draws on the
    /// same ones, so guessing codes locks exactly like guessing passwords.
    pub async fn sign_in_budgets(
        &self,
        user_id: i64,
        login: &str,
        ip: &str,
        device: Option<&str>,
    ) -> Result<(Vec<Budget>, Option<DeviceCookie>), Error> {
        let known = match device.and_then(DeviceCookie::parse) {
            Some(cookie) if self.store.device_owner(&cookie.hash()).await? == Some(user_id) => {
                Some(cookie)
            }
            _ => None,
        };
        let budgets = match &known {
            Some(cookie) => vec![Budget::device(&cookie.hash())],
            None => vec![Budget::login(login), Budget::address(ip)],
        };
        Ok((budgets, known))
    }

    /// Remembers the client of a completed sign-in: its known device cookie, or a new one.
    pub async fn remember_device(
        &self,
        user_id: i64,
        known: Option<DeviceCookie>,
    ) -> Result<DeviceCookie, Error> {
        let device = known.unwrap_or_else(DeviceCookie::generate);
        self.store
            .remember_device(&device.hash(), user_id, now(), DEVICES_PER_ACCOUNT)
            .await?;
        Ok(device)
    }

    /// The attempt budgets (shared with the second step of a sign-in).
    pub fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    /// How long an attempt waits for undecided ones holding its budget.
    pub fn attempt_wait(&self) -> std::time::Duration {
        self.wait
    }

    /// Confirms a protected change (`purpose`, e.g. deleting tokens) asked by session
    /// `session_id` with the account's password: 801 when wrong, 705 once that session
    /// has spent its budget (no other session, nor anyone behind the same address, is
    /// locked by it). A wrong password is recorded in the account's security log.
    #[tracing::instrument(skip_all, fields(user_id))]
    pub async fn confirm_password(
        &self,
        user_id: i64,
        session_id: i64,
        password: Option<SecretString>,
        ip: &str,
        purpose: Purpose,
    ) -> Result<(), Error> {
        let Some(password) = password else {
            return Err(Error::refused("password", Refusal::PasswordRequired));
        };
        check_password_length(&password)?;
        let budget = Budget::confirmations(user_id, session_id);
        let attempt = match self.throttle.take(vec![budget], self.wait).await? {
            Ok(attempt) => attempt,
            Err(secs) => return Err(Error::ConfirmationLocked(secs)),
        };
        let user = match self.store.user_by_id(user_id).await {
            Ok(user) => user,
            Err(e) => {
                self.throttle.give_back(attempt).await?;
                return Err(e.into());
            }
        };
        let ok = self
            .check(
                &attempt,
                user.as_ref().map(|u| u.password_hash.as_str()),
                password,
            )
            .await;
        match ok {
            Ok(true) => {
                self.throttle.succeed(attempt).await?;
                Ok(())
            }
            Ok(false) => {
                self.throttle.fail(attempt).await?;
                let event = Event::PasswordConfirmationFailed(purpose);
                self.log.record(user_id, ip, event).await;
                Err(Error::InvalidPassword)
            }
            Err(e) => {
                self.throttle.give_back(attempt).await?;
                Err(e)
            }
        }
    }

    /// Verifies `password` for an attempt already taken (the borrow says so).
    async fn check(
        &self,
        _attempt: &Attempt,
        stored: Option<&str>,
        password: SecretString,
    ) -> Result<bool, Error> {
        self.hasher.verify(stored, password).await
    }

    /// Deletes attempt budgets that no longer count, and devices unused for
    /// [`DEVICE_LIFETIME_SECS`].
    /// Saves the dashboard language the account chose (one of
    /// `kunci_rules::language::LANGUAGES`); it then beats the browser's `Accept-Language`.
    pub async fn set_language(&self, user_id: i64, language: &str) -> Result<&'static str, Error> {
        let language = kunci_rules::language::parse(language)
            .ok_or_else(|| Error::refused("language", Refusal::UnknownLanguage))?;
        self.store
            .set_user_language(user_id, Some(language), now())
            .await?;
        Ok(language)
    }

    pub async fn purge(&self) -> Result<(), Error> {
        self.throttle.purge().await?;
        self.store
            .purge_devices(now() - DEVICE_LIFETIME_SECS)
            .await?;
        Ok(())
    }
}
