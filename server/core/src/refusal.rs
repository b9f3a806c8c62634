//! Refusals as data: why a rule said no, in the platform's terms, with what the wording
//! needs (a number, an id, the entry at fault). Each adapter words them: the REST API
//! and the CLI in English through `Display` (the `reason` of result 3, written here
//! once), the dashboard in the page's language from its own messages.
//!
//! A refusal is here when the dashboard can meet it; refusals only the REST API or the
//! CLI can meet keep an English reason alone (`Error::invalid`).

use std::fmt;

use kunci_rules::description::DescriptionError;
use kunci_rules::env::VarNameError;
use kunci_rules::expiry::ExpiryError;
use kunci_rules::restrict::RestrictError;

/// Why a parameter was refused (result 3). `Display` is the API's English `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    // Accounts: sign-up, sign-in, an administrator's new account, the language.
    /// Sign-in without a login.
    LoginRequired,
    /// Sign-up (or a new account) without an email address.
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
    /// A protected change sent without the account password.
    PasswordRequired,
    UnknownLanguage,

    // Tokens.
    Description(DescriptionError),
    Expiry(ExpiryError),
    Restrict(RestrictError),
    TooManyMethods {
        max: usize,
    },
    /// A method only a sign-in session may call (`method`, the catalog's name).
    PrivateMethod {
        method: String,
    },
    /// Unknown method names, each in brackets, at most five.
    UnknownMethods {
        names: String,
    },
    NoMethod,
    /// `templates`: the template names to choose from, comma-separated (the platform's).
    UnknownTemplate {
        templates: String,
    },
    NoSuchToken {
        id: i64,
    },
    /// Some of the tokens to delete are gone (`ids`, comma-separated): none was deleted.
    NoSuchTokens {
        ids: String,
    },
    /// Regenerating an expired token (it expired `expired_on`, UTC) needs a new expiry.
    ExpiredNeedsExpiry {
        expired_on: String,
    },
    NoTokenSelected,

    // Two-factor sign-in.
    CodeRequired,
    CodeMalformed,
    TwoFactorNotOn,
    /// Already on: set up again only after turning it off.
    TwoFactorAlreadyOnSetUp,
    /// Already on: nothing to confirm.
    TwoFactorAlreadyOn,
    NothingBeingSetUp,
    SetupChanged,
    RecoveryCodeCannotRegenerate,
    SessionNeedsNoCode,

    // Environments, as the dashboard creates and edits them.
    EnvName,
    /// A short label (a display name, a node type): 1 to `max` characters.
    Label {
        what: String,
        max: usize,
    },
    NoNodes,
    TooManyNodes {
        max: u32,
    },
    /// A node's whole number `field` out of `min..=max`.
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

    // Administration and alerts.
    /// `#id` of a token to revoke that does not exist.
    NoTokenNumbered {
        id: i64,
    },
    /// Tokens to revoke gone meanwhile (`ids` as `#1, #2`).
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

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Refusal::*;
        match self {
            LoginRequired => f.write_str("a login is required"),
            EmailRequired => f.write_str("an email address is required"),
            LoginTooLong { max } => write!(f, "an email address has at most {max} characters"),
            LoginHasSpaces => f.write_str("an email address has no spaces"),
            LoginNotAnEmail => f.write_str("an email address looks like name@example.com"),
            NameRequired => f.write_str("a name is required"),
            NameTooLong { max } => write!(f, "a name has at most {max} characters"),
            NameHasControl => f.write_str("a name has no control characters"),
            PasswordTooShort { min } => write!(f, "a password has at least {min} characters"),
            PasswordTooLong { max_bytes } => write!(f, "a password has at most {max_bytes} bytes"),
            PasswordOnlySpaces => f.write_str("a password is not only spaces"),
            PasswordRequired => f.write_str("the account password is required to confirm this change"),
            UnknownLanguage => f.write_str("not a language the dashboard speaks"),
            Description(e) => e.fmt(f),
            Expiry(e) => e.fmt(f),
            Restrict(e) => e.fmt(f),
            TooManyMethods { max } => write!(f, "at most {max} methods"),
            PrivateMethod { method } => write!(
                f,
                "{method} cannot be granted to a token: authentication, token management and the account's own settings need a sign-in session"
            ),
            UnknownMethods { names } => write!(f, "unknown method {names}"),
            NoMethod => f.write_str("choose at least one method"),
            UnknownTemplate { templates } => {
                write!(f, "unknown template: choose {templates} or Custom")
            }
            NoSuchToken { id } => write!(f, "no token with id {id}"),
            NoSuchTokens { ids } => write!(f, "no token with id {ids}; nothing was deleted"),
            ExpiredNeedsExpiry { expired_on } => write!(
                f,
                "this token expired on {expired_on} UTC: give it a new expiry in the same step, or the new value would not work either"
            ),
            NoTokenSelected => f.write_str("select at least one token"),
            CodeRequired => f.write_str("a code is required"),
            CodeMalformed => f.write_str(
                "a code is the 6 digits the authenticator app shows, or a recovery code like abcd-efgh-ij (letters, digits and dashes only)",
            ),
            TwoFactorNotOn => f.write_str("two-factor sign-in is not on for this account"),
            TwoFactorAlreadyOnSetUp => f.write_str(
                "two-factor sign-in is already on: turn it off first to move to another authenticator",
            ),
            TwoFactorAlreadyOn => f.write_str("two-factor sign-in is already on"),
            NothingBeingSetUp => f.write_str(
                "no authenticator is being set up: start with Get2FAConfig (the dashboard's Set up)",
            ),
            SetupChanged => {
                f.write_str("the authenticator being set up changed meanwhile: start again")
            }
            RecoveryCodeCannotRegenerate => f.write_str(
                "enter the current 6-digit code of the authenticator app (a recovery code cannot make new ones)",
            ),
            SessionNeedsNoCode => {
                f.write_str("this session is signed in fully already: it needs no code")
            }
            EnvName => f.write_str(
                "an environment name is 3 to 33 characters: a letter, then letters, digits or '-'",
            ),
            Label { what, max } => write!(
                f,
                "{what} is 1 to {max} characters, without control characters"
            ),
            NoNodes => f.write_str("an environment needs at least one node"),
            TooManyNodes { max } => write!(f, "an environment has at most {max} nodes"),
            OutOfRange { field, min, max } => {
                write!(f, "{field} must be between {min} and {max}")
            }
            VarName(e) => e.fmt(f),
            VarValueHasNul { name } => write!(f, "the value of {name} contains a NUL character"),
            VarsTooBig { kib } => write!(f, "a node holds at most {kib} KiB of variables"),
            NoSuchNodeGroup => f.write_str("no node group of this environment has this name"),
            NodeGroupEmpty => f.write_str("the node group has no node"),
            NoTokenNumbered { id } => write!(f, "no token #{id}"),
            TokensRevokedMeanwhile { ids } => write!(f, "no token {ids} (revoked meanwhile?)"),
            NoAccount { login } => write!(f, "no account {login}"),
            NotPending { login } => write!(f, "no account {login} waits for approval"),
            NotPendingId { id } => write!(f, "no account #{id} waits for approval"),
            LastAdmin { login } => write!(
                f,
                "{login} is the last administrator: promote another account first"
            ),
            NoSuchAlert { id } => write!(f, "no alert with id {id}"),
        }
    }
}

/// Which account limit was reached (result 2338), and its number. `Display` is the
/// API's English text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Tokens { max: i64 },
    Environments { max: i64 },
    EnvGroups { max: i64 },
    SshKeys { max: i64 },
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Tokens { max } => {
                write!(f, "an account has at most {max} tokens: remove one first")
            }
            Limit::Environments { max } => write!(f, "an account has at most {max} environments"),
            Limit::EnvGroups { max } => {
                write!(f, "an account has at most {max} environment groups")
            }
            Limit::SshKeys { max } => {
                write!(f, "an account has at most {max} SSH keys: remove one first")
            }
        }
    }
}
