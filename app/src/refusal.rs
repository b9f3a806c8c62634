//! Why the server refused a parameter, or which account limit was reached, as data
//! that crosses to the browser: the dashboard words it in the page's language
//! (`language::refusal_text`, `language::limit_text`). The server's core has the same
//! refusals (`kunci_core::refusal`); the server's `web::errors` maps one onto the other.
//! Only the refusals a dashboard page can meet are here.

use kunci_rules::description::DescriptionError;
use kunci_rules::env::VarNameError;
use kunci_rules::expiry::ExpiryError;
use kunci_rules::restrict::RestrictError;
use serde::{Deserialize, Serialize};

/// Why a parameter was refused (result 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    Description(#[serde(with = "DescriptionErrorDef")] DescriptionError),
    Expiry(#[serde(with = "ExpiryErrorDef")] ExpiryError),
    Restrict(#[serde(with = "RestrictErrorDef")] RestrictError),
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
    VarName(#[serde(with = "VarNameErrorDef")] VarNameError),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    Tokens { max: i64 },
    Environments { max: i64 },
    EnvGroups { max: i64 },
    SshKeys { max: i64 },
}

// The shared rules' refusals, carried as they are (`kunci_rules` depends on nothing, so
// their serde shape is declared here).

#[derive(Serialize, Deserialize)]
#[serde(remote = "DescriptionError")]
enum DescriptionErrorDef {
    Empty,
    TooLong,
    ControlCharacter,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "ExpiryError")]
enum ExpiryErrorDef {
    NotADate,
    NotAhead,
    TooFarAhead,
    NeverRefused {
        max_days: u32,
    },
    BeyondMaxLifetime {
        max_days: u32,
        latest: i64,
        from_now: bool,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "RestrictError")]
enum RestrictErrorDef {
    NotAnAddress(String),
    BadPrefix(String),
    HostBits { entry: String, suggestion: String },
    NotAnEnvName(String),
    TooMany,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "VarNameError")]
enum VarNameErrorDef {
    Empty,
    TooLong,
    NotAName,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_refusal_crosses_the_wire_whole() {
        let sent = [
            Refusal::Expiry(ExpiryError::BeyondMaxLifetime {
                max_days: 90,
                latest: 1_800_000_000,
                from_now: true,
            }),
            Refusal::Restrict(RestrictError::HostBits {
                entry: "10.0.0.1/8".into(),
                suggestion: "10.0.0.0/8".into(),
            }),
            Refusal::Description(DescriptionError::TooLong),
            Refusal::VarName(VarNameError::NotAName),
            Refusal::NoSuchToken { id: 4 },
        ];
        for refusal in sent {
            let json = serde_json::to_string(&refusal).unwrap();
            let back: Refusal = serde_json::from_str(&json).unwrap();
            assert_eq!(back, refusal, "{json}");
        }
    }
}
