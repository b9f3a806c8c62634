//! Values validated once at the edge. Past `parse`, an invalid login, name or password
//! cannot exist.

pub mod catalog;
pub mod env;
pub mod model;
pub mod restrict;
pub mod ssh;
pub mod token;
pub mod values;

use crate::Error;
use crate::refusal::Refusal;
use kunci_rules::account::{DISPLAY_NAME_MAX_CHARS, LOGIN_MAX_CHARS};
use secrecy::{ExposeSecret, SecretString};

/// An account's login: a normalised (trimmed, lower-case) email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Login, Error> {
        let s = raw.trim().to_lowercase();
        let err = |refusal: Refusal| Error::refused("login", refusal);
        if s.is_empty() {
            return Err(err(Refusal::EmailRequired));
        }
        if s.chars().count() > LOGIN_MAX_CHARS {
            return Err(err(Refusal::LoginTooLong {
                max: LOGIN_MAX_CHARS,
            }));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(Refusal::LoginHasSpaces));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(err(Refusal::LoginNotAnEmail));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.contains('@') || !domain_ok {
            return Err(err(Refusal::LoginNotAnEmail));
        }
        Ok(Login(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, used as a display name when none is given.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }
}

/// An account as the rules hand it out: never its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub status: AccountStatus,
    pub created_at: i64,
    /// May see every account's tokens and revoke them, create and approve accounts.
    pub is_admin: bool,
    /// Signed up under `--signup approval` and not yet approved: cannot sign in.
    pub pending: bool,
}

/// Whether an account may sign in and use its sessions and tokens: the `users.status`
/// column, and the `status` the platform's account fields show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Enabled,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Enabled => "ENABLED",
            AccountStatus::Disabled => "DISABLED",
        }
    }

    /// The stored text; any other text is a damaged row (an internal error).
    pub fn parse(raw: &str) -> Result<AccountStatus, Error> {
        match raw {
            "ENABLED" => Ok(AccountStatus::Enabled),
            "DISABLED" => Ok(AccountStatus::Disabled),
            other => Err(crate::error::internal(format!(
                "unknown account status {other:?}"
            ))),
        }
    }

    /// Lets an enabled account through; a disabled one is refused (result 704), however
    /// it authenticated.
    pub fn admit(self) -> Result<(), Error> {
        match self {
            AccountStatus::Enabled => Ok(()),
            AccountStatus::Disabled => Err(Error::UserBlocked("this account is disabled".into())),
        }
    }
}

/// How storage decodes the TEXT column (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for AccountStatus {
    type Error = Error;

    fn try_from(raw: String) -> Result<AccountStatus, Error> {
        AccountStatus::parse(&raw)
    }
}

/// A person's display name: 1 to [`DISPLAY_NAME_MAX_CHARS`] (100) characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, Error> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Error::refused("name", Refusal::NameRequired));
        }
        if s.chars().count() > DISPLAY_NAME_MAX_CHARS {
            return Err(Error::refused(
                "name",
                Refusal::NameTooLong {
                    max: DISPLAY_NAME_MAX_CHARS,
                },
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(Error::refused("name", Refusal::NameHasControl));
        }
        Ok(DisplayName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password an account may have (characters), and the longest (bytes):
/// the sign-up form states them too.
pub use kunci_rules::account::{
    PASSWORD_MAX_BYTES as MAX_PASSWORD_BYTES, PASSWORD_MIN_CHARS as MIN_PASSWORD_CHARS,
};

/// A password as typed to sign in or to confirm a change: any text of at most
/// [`MAX_PASSWORD_BYTES`] (longer cannot be an account's password, and is never hashed).
pub fn check_password_length(raw: &SecretString) -> Result<(), Error> {
    if raw.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(Error::refused(
            "password",
            Refusal::PasswordTooLong {
                max_bytes: MAX_PASSWORD_BYTES,
            },
        ));
    }
    Ok(())
}

/// A login as typed to sign in, normalised like [`Login::parse`] (trimmed, lower-case)
/// and bounded like it; any other text is left for the sign-in to refuse as wrong.
pub fn sign_in_login(raw: &str) -> Result<String, Error> {
    let s = raw.trim().to_lowercase();
    if s.is_empty() {
        return Err(Error::refused("login", Refusal::LoginRequired));
    }
    if s.chars().count() > LOGIN_MAX_CHARS {
        return Err(Error::refused(
            "login",
            Refusal::LoginTooLong {
                max: LOGIN_MAX_CHARS,
            },
        ));
    }
    Ok(s)
}

/// A password good enough to set on an account.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(raw: SecretString) -> Result<NewPassword, Error> {
        let s = raw.expose_secret();
        if s.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::refused(
                "password",
                Refusal::PasswordTooShort {
                    min: MIN_PASSWORD_CHARS,
                },
            ));
        }
        if s.len() > MAX_PASSWORD_BYTES {
            return Err(Error::refused(
                "password",
                Refusal::PasswordTooLong {
                    max_bytes: MAX_PASSWORD_BYTES,
                },
            ));
        }
        if s.trim().is_empty() {
            return Err(Error::refused("password", Refusal::PasswordOnlySpaces));
        }
        Ok(NewPassword(raw))
    }

    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised_and_validated() {
        assert_eq!(
            Login::parse("  Alice@Example.COM ").unwrap().as_str(),
            "alice@example.com"
        );
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a b@example.com",
            "a@example",
            "a@.com",
            "a@b..com",
            "a@b@c.com",
        ] {
            assert!(Login::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn account_statuses_round_trip_and_only_enabled_is_admitted() {
        for status in [AccountStatus::Enabled, AccountStatus::Disabled] {
            assert_eq!(AccountStatus::parse(status.as_str()), Ok(status));
        }
        assert!(AccountStatus::parse("enabled").is_err());
        assert!(AccountStatus::parse("").is_err());
        assert_eq!(AccountStatus::Enabled.admit(), Ok(()));
        assert_eq!(
            AccountStatus::Disabled.admit().map_err(|e| e.code()),
            Err(704)
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ann ").unwrap().as_str(), "Ann");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(100)).is_ok());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert!(DisplayName::parse("Zoë 🚀").is_ok());
    }

    #[test]
    fn weak_passwords_are_refused() {
        let p = |s: &str| NewPassword::parse(SecretString::from(s.to_string()));
        assert!(p("short").is_err());
        assert!(p("elevenchars").is_err());
        assert!(p("twelve chars").is_ok());
        assert!(p(&" ".repeat(20)).is_err());
        assert!(p(&"x".repeat(2000)).is_err());
        // characters, not bytes: 12 multi-byte characters are enough
        assert!(p("ñññññññññññ1").is_ok());
    }
}
