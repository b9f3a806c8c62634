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
