//! Why the server refused a parameter, or which account limit was reached, as data
//! that crosses to the browser: the dashboard words it in the page's language
//! (`language::refusal_text`, `language::limit_text`). The server's core has the same
//! refusals (`kunci_core::refusal`); the server's `web::errors` maps one onto the other.
//! Only the refusals a dashboard page can meet are here. They cross inside `AppError`,
//! in the flat shape of `error::wire`, whose tables name every variant below.

use kunci_rules::description::DescriptionError;
use kunci_rules::env::VarNameError;
use kunci_rules::expiry::ExpiryError;
use kunci_rules::restrict::RestrictError;

/// Why a parameter was refused (result 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    LoginRequired,
    EmailRequired,
    LoginTooLong {
        max: usize,
    },
    LoginHasSpaces,
    LoginNotAnEmail,
    NameRequired,
    NameTooLong {
        max: usize,
    },
    NameHasControl,
    PasswordTooShort {
        min: usize,
    },
    PasswordTooLong {
        max_bytes: usize,
    },
    PasswordOnlySpaces,
    PasswordRequired,
    UnknownLanguage,

    Description(DescriptionError),
    Expiry(ExpiryError),
    Restrict(RestrictError),
    TooManyMethods {
        max: usize,
    },
    PrivateMethod {
        method: String,
    },
    UnknownMethods {
        names: String,
    },
    NoMethod,
    /// `templates`: the names to choose from, as the platform writes them.
    UnknownTemplate {
        templates: String,
    },
    NoSuchToken {
        id: i64,
    },
    NoSuchTokens {
        ids: String,
    },
    ExpiredNeedsExpiry {
        expired_on: String,
    },
    NoTokenSelected,

    CodeRequired,
    CodeMalformed,
    TwoFactorNotOn,
    TwoFactorAlreadyOnSetUp,
    TwoFactorAlreadyOn,
    NothingBeingSetUp,
    SetupChanged,
    RecoveryCodeCannotRegenerate,
    SessionNeedsNoCode,

    EnvName,
    /// A short label of at most `max` characters (`what`: the platform's name for it).
    Label {
        what: String,
        max: usize,
    },
    NoNodes,
    TooManyNodes {
        max: u32,
    },
    OutOfRange {
        field: String,
        min: i64,
        max: i64,
    },
    VarName(VarNameError),
    VarValueHasNul {
        name: String,
    },
    VarsTooBig {
        kib: usize,
    },
    NoSuchNodeGroup,
    NodeGroupEmpty,

    NoTokenNumbered {
        id: i64,
    },
    TokensRevokedMeanwhile {
        ids: String,
    },
    NoAccount {
        login: String,
    },
    NotPending {
        login: String,
    },
    NotPendingId {
        id: i64,
    },
    LastAdmin {
        login: String,
    },
    NoSuchAlert {
        id: i64,
    },
}

/// Which account limit was reached (result 2338), and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Tokens { max: i64 },
    Environments { max: i64 },
    EnvGroups { max: i64 },
    SshKeys { max: i64 },
}

/// One of each refusal, and of each shared rule's error inside one, with parameters that
/// show (text with non-ASCII and control characters, numbers at their ends): the tests
/// of their wording (`language`) and of their wire shape (`error::wire`) share it.
#[cfg(test)]
pub(crate) fn every_refusal() -> Vec<Refusal> {
    let odd = "Grüße \u{0}\t\"quoted\" \u{202e}ناس 🗝".to_string();
    vec![
        Refusal::LoginRequired,
        Refusal::EmailRequired,
        Refusal::LoginTooLong { max: 254 },
        Refusal::LoginHasSpaces,
        Refusal::LoginNotAnEmail,
        Refusal::NameRequired,
        Refusal::NameTooLong { max: 100 },
        Refusal::NameHasControl,
        Refusal::PasswordTooShort { min: 12 },
        Refusal::PasswordTooLong { max_bytes: 1024 },
        Refusal::PasswordOnlySpaces,
        Refusal::PasswordRequired,
        Refusal::UnknownLanguage,
        Refusal::Description(DescriptionError::Empty),
        Refusal::Description(DescriptionError::TooLong),
        Refusal::Description(DescriptionError::ControlCharacter),
        Refusal::Expiry(ExpiryError::NotADate),
        Refusal::Expiry(ExpiryError::NotAhead),
        Refusal::Expiry(ExpiryError::TooFarAhead),
        Refusal::Expiry(ExpiryError::NeverRefused { max_days: u32::MAX }),
        Refusal::Expiry(ExpiryError::BeyondMaxLifetime {
            max_days: 90,
            latest: 1_800_000_000,
            from_now: true,
        }),
        Refusal::Expiry(ExpiryError::BeyondMaxLifetime {
            max_days: 1,
            latest: -1,
            from_now: false,
        }),
        Refusal::Restrict(RestrictError::NotAnAddress(odd.clone())),
        Refusal::Restrict(RestrictError::BadPrefix("10.0.0.0/33".into())),
        Refusal::Restrict(RestrictError::HostBits {
            entry: "10.0.0.1/8".into(),
            suggestion: "10.0.0.0/8".into(),
        }),
        Refusal::Restrict(RestrictError::NotAnEnvName("a b".into())),
        Refusal::Restrict(RestrictError::TooMany),
        Refusal::TooManyMethods { max: 2000 },
        Refusal::PrivateMethod {
            method: "users.Account.SignIn".into(),
        },
        Refusal::UnknownMethods {
            names: "[env.Nope]".into(),
        },
        Refusal::NoMethod,
        Refusal::UnknownTemplate {
            templates: "Read only, Deploy".into(),
        },
        Refusal::NoSuchToken { id: i64::MIN },
        Refusal::NoSuchTokens {
            ids: "42, 43".into(),
        },
        Refusal::ExpiredNeedsExpiry {
            expired_on: "2026-01-31 23:59:59".into(),
        },
        Refusal::NoTokenSelected,
        Refusal::CodeRequired,
        Refusal::CodeMalformed,
        Refusal::TwoFactorNotOn,
        Refusal::TwoFactorAlreadyOnSetUp,
        Refusal::TwoFactorAlreadyOn,
        Refusal::NothingBeingSetUp,
        Refusal::SetupChanged,
        Refusal::RecoveryCodeCannotRegenerate,
        Refusal::SessionNeedsNoCode,
        Refusal::EnvName,
        Refusal::Label {
            what: "the display name".into(),
            max: 100,
        },
        Refusal::NoNodes,
        Refusal::TooManyNodes { max: 64 },
        Refusal::OutOfRange {
            field: "count".into(),
            min: -5,
            max: 16,
        },
        Refusal::VarName(VarNameError::Empty),
        Refusal::VarName(VarNameError::TooLong),
        Refusal::VarName(VarNameError::NotAName),
        Refusal::VarValueHasNul { name: odd.clone() },
        Refusal::VarsTooBig { kib: 64 },
        Refusal::NoSuchNodeGroup,
        Refusal::NodeGroupEmpty,
        Refusal::NoTokenNumbered { id: 42 },
        Refusal::TokensRevokedMeanwhile {
            ids: "#42, #43".into(),
        },
        Refusal::NoAccount { login: odd },
        Refusal::NotPending {
            login: "ana@example.com".into(),
        },
        Refusal::NotPendingId { id: 42 },
        Refusal::LastAdmin {
            login: "ana@example.com".into(),
        },
        Refusal::NoSuchAlert { id: 42 },
    ]
}
