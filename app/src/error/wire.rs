//! How an `AppError` crosses from a server function to the browser: one flat JSON object,
//! a `kind` and the few fields that kind carries, with the refusal or limit inside it as
//! another such object in `detail`:
//!
//! ```json
//! {"kind":"InvalidParameter","text":"ids","text2":"no token with id 7; nothing was deleted",
//!  "detail":{"kind":"NoSuchTokens","text":"7"}}
//! ```
//!
//! Why not serde's derived shape of the enums: every server function's client decodes
//! this error, so its decoder is in the first download, and the derived one is a
//! deserializer per variant with fields (some 70 of them across `AppError`, `Refusal`,
//! `Limit` and the shared rules' errors). This shape has one, and the conversions below.
//!
//! Each enum's table names, for each variant, which of `Flat`'s fields holds each of its
//! own. The conversion both ways is generated from that one table, and a match on the
//! enum in it keeps the table whole: a new variant does not compile until it has a row.

use kunci_rules::description::DescriptionError;
use kunci_rules::env::VarNameError;
use kunci_rules::expiry::ExpiryError;
use kunci_rules::restrict::RestrictError;
use serde::{Deserialize, Serialize};

use super::AppError;
use crate::refusal::{Limit, Refusal};

/// The wire shape of one error, refusal or limit.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Flat {
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number2: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flag: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<Box<Flat>>,
}

/// A `Flat` whose kind or fields name nothing this build knows.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("an error of unknown kind or shape [{0}]")]
pub struct UnknownError(String);

/// An enum that crosses as a `Flat`.
trait Flatten: Sized {
    /// Every kind the table names, for the tests to check they cover each.
    #[cfg(test)]
    const KINDS: &'static [&'static str];
    fn flatten(&self) -> Flat;
    fn unflatten(flat: Flat) -> Option<Self>;
}

/// A value that fits one of `Flat`'s fields (`Wire` is that field's type). `take` is
/// `None` when the field is missing or its value does not fit.
trait Slot: Sized {
    type Wire;
    fn put(&self) -> Option<Self::Wire>;
    fn take(wire: Option<Self::Wire>) -> Option<Self>;
}

impl Slot for String {
    type Wire = String;
    fn put(&self) -> Option<String> {
        Some(self.clone())
    }
    fn take(wire: Option<String>) -> Option<Self> {
        wire
    }
}

impl Slot for bool {
    type Wire = bool;
    fn put(&self) -> Option<bool> {
        Some(*self)
    }
    fn take(wire: Option<bool>) -> Option<Self> {
        wire
    }
}

macro_rules! integer_slot {
    ($($int:ty),*) => {$(
        impl Slot for $int {
            type Wire = i64;
            fn put(&self) -> Option<i64> {
                i64::try_from(*self).ok()
            }
            fn take(wire: Option<i64>) -> Option<Self> {
                wire.and_then(|n| n.try_into().ok())
            }
        }
    )*};
}
integer_slot!(i64, u64, u32, usize);

/// An optional refusal: a missing `detail` is `None`, a `detail` of unknown kind is
/// refused (not taken for `None`).
impl<T: Flatten> Slot for Option<T> {
    type Wire = Box<Flat>;
    fn put(&self) -> Option<Box<Flat>> {
        self.as_ref().map(|inner| Box::new(inner.flatten()))
    }
    fn take(wire: Option<Box<Flat>>) -> Option<Self> {
        match wire {
            None => Some(None),
            Some(flat) => T::unflatten(*flat).map(Some),
        }
    }
}

/// The table of one enum: each variant, with `field: slot` for each of its fields (a
/// tuple variant's fields are `0`, `1`...). Slots are `Flat`'s fields; the slot's name
/// also binds the value inside the generated code, so a variant uses each slot once.
macro_rules! flat_enum {
    ($enum:ident { $($variant:ident $({ $($field:tt : $slot:ident),+ })?),+ $(,)? }) => {
        impl Flatten for $enum {
            #[cfg(test)]
            const KINDS: &'static [&'static str] = &[$(stringify!($variant)),+];

            fn flatten(&self) -> Flat {
                match self {
                    $($enum::$variant $({ $($field: $slot),+ })? => Flat {
                        kind: stringify!($variant).to_string(),
                        $($($slot: Slot::put($slot),)+)?
                        ..Flat::default()
                    },)+
                }
            }

            fn unflatten(flat: Flat) -> Option<Self> {
                Some(match flat.kind.as_str() {
                    $(stringify!($variant) => $enum::$variant $({
                        $($field: Slot::take(flat.$slot)?),+
                    })?,)+
                    _ => return None,
                })
            }
        }

        impl Slot for $enum {
            type Wire = Box<Flat>;
            fn put(&self) -> Option<Box<Flat>> {
                Some(Box::new(self.flatten()))
            }
            fn take(wire: Option<Box<Flat>>) -> Option<Self> {
                Self::unflatten(*wire?)
            }
        }
    };
}

flat_enum!(AppError {
    InvalidParameter { name: text, reason: text2, refusal: detail },
    EnvNotFound { 0: text },
    AuthenticationFailed,
    NotAuthenticated,
    TooManyUnknownCredentials { 0: number },
    UserBlocked { 0: text },
    NotActivated { 0: text },
    ConfirmationLocked { 0: number },
    Busy { 0: number },
    LoginTaken { 0: text },
    InvalidPassword,
    InvalidCode,
    NotImplemented { 0: text },
    WrongEnvStatus { current: text, required: text2 },
    EnvNameTaken { 0: text },
    LimitReached { 0: detail },
    SshKeyExists { 0: text },
    PermissionDenied { 0: text },
    Internal { 0: text },
    Transport { 0: text },
});

flat_enum!(Refusal {
    LoginRequired,
    EmailRequired,
    LoginTooLong { max: number },
    LoginHasSpaces,
    LoginNotAnEmail,
    NameRequired,
    NameTooLong { max: number },
    NameHasControl,
    PasswordTooShort { min: number },
    PasswordTooLong { max_bytes: number },
    PasswordOnlySpaces,
    PasswordRequired,
    UnknownLanguage,
    Description { 0: detail },
    Expiry { 0: detail },
    Restrict { 0: detail },
    TooManyMethods { max: number },
    PrivateMethod { method: text },
    UnknownMethods { names: text },
    NoMethod,
    UnknownTemplate { templates: text },
    NoSuchToken { id: number },
    NoSuchTokens { ids: text },
    ExpiredNeedsExpiry { expired_on: text },
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
    Label { what: text, max: number },
    NoNodes,
    TooManyNodes { max: number },
    OutOfRange { field: text, min: number, max: number2 },
    VarName { 0: detail },
    VarValueHasNul { name: text },
    VarsTooBig { kib: number },
    NoSuchNodeGroup,
    NodeGroupEmpty,
    NoTokenNumbered { id: number },
    TokensRevokedMeanwhile { ids: text },
    NoAccount { login: text },
    NotPending { login: text },
    NotPendingId { id: number },
    LastAdmin { login: text },
    NoSuchAlert { id: number },
});

flat_enum!(Limit {
    Tokens { max: number },
    Environments { max: number },
    EnvGroups { max: number },
    SshKeys { max: number },
});

flat_enum!(DescriptionError {
    Empty,
    TooLong,
    ControlCharacter,
});

flat_enum!(ExpiryError {
    NotADate,
    NotAhead,
    TooFarAhead,
    NeverRefused { max_days: number },
    BeyondMaxLifetime { max_days: number, latest: number2, from_now: flag },
});

flat_enum!(RestrictError {
    NotAnAddress { 0: text },
    BadPrefix { 0: text },
    HostBits { entry: text, suggestion: text2 },
    NotAnEnvName { 0: text },
    TooMany,
});

flat_enum!(VarNameError {
    Empty,
    TooLong,
    NotAName,
});

impl From<AppError> for Flat {
    fn from(error: AppError) -> Flat {
        error.flatten()
    }
}

impl TryFrom<Flat> for AppError {
    type Error = UnknownError;
    fn try_from(flat: Flat) -> Result<AppError, UnknownError> {
        let kind = flat.kind.clone();
        AppError::unflatten(flat).ok_or(UnknownError(kind))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn invalid(refusal: Refusal) -> AppError {
        AppError::InvalidParameter {
            name: "p".into(),
            reason: "why".into(),
            refusal: Some(refusal),
        }
    }

    /// One of each kind of each table, every field set to a value that shows (text with
    /// non-ASCII and control characters, numbers at their ends).
    fn every_error() -> Vec<AppError> {
        let odd = "Grüße \u{0}\t\"quoted\" \u{202e}ناس 🗝".to_string();
        let mut errors = vec![
            AppError::invalid("envName", odd.clone()),
            AppError::EnvNotFound(odd.clone()),
            AppError::AuthenticationFailed,
            AppError::NotAuthenticated,
            AppError::TooManyUnknownCredentials(u64::try_from(i64::MAX).unwrap()),
            AppError::UserBlocked("locked".into()),
            AppError::NotActivated("waiting".into()),
            AppError::ConfirmationLocked(0),
            AppError::Busy(2),
            AppError::LoginTaken("ana@example.com".into()),
            AppError::InvalidPassword,
            AppError::InvalidCode,
            AppError::NotImplemented("env.Nope".into()),
            AppError::WrongEnvStatus {
                current: "1".into(),
                required: "[2, 4]".into(),
            },
            AppError::EnvNameTaken("shop".into()),
            AppError::SshKeyExists("SHA256:x".into()),
            AppError::PermissionDenied("admin only".into()),
            AppError::Internal("req-1".into()),
            AppError::Transport(String::new()),
        ];
        errors.extend(
            [
                Limit::Tokens { max: 100 },
                Limit::Environments { max: i64::MIN },
                Limit::EnvGroups { max: 0 },
                Limit::SshKeys { max: i64::MAX },
            ]
            .map(AppError::LimitReached),
        );
        errors.extend(crate::refusal::every_refusal().into_iter().map(invalid));
        errors
    }

    /// The kinds a flat error and the ones inside it name, outermost first.
    fn kinds(flat: &Flat) -> Vec<&str> {
        let mut found = vec![flat.kind.as_str()];
        if let Some(detail) = &flat.detail {
            found.extend(kinds(detail));
        }
        found
    }

    #[test]
    fn every_error_crosses_the_wire_whole() {
        for error in every_error() {
            let json = serde_json::to_string(&error).unwrap();
            let back: AppError = serde_json::from_str(&json).unwrap();
            assert_eq!(back, error, "{json}");
        }
    }

    #[test]
    fn the_round_trip_covers_every_kind_of_every_table() {
        let flats: Vec<Flat> = every_error().into_iter().map(Flat::from).collect();
        let mut seen: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); 3];
        for flat in &flats {
            for (depth, kind) in kinds(flat).into_iter().enumerate() {
                seen[depth].insert(kind);
            }
        }
        let all = |kinds: &[&[&'static str]]| -> BTreeSet<&'static str> {
            kinds.iter().flat_map(|k| k.iter().copied()).collect()
        };
        assert_eq!(seen[0], all(&[AppError::KINDS]));
        assert_eq!(seen[1], all(&[Refusal::KINDS, Limit::KINDS]));
        assert_eq!(
            seen[2],
            all(&[
                DescriptionError::KINDS,
                ExpiryError::KINDS,
                RestrictError::KINDS,
                VarNameError::KINDS,
            ])
        );
    }

    #[test]
    fn the_wire_is_one_flat_object_per_level() {
        let error = invalid(Refusal::NoSuchTokens { ids: "7".into() });
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({
                "kind": "InvalidParameter",
                "text": "p",
                "text2": "why",
                "detail": { "kind": "NoSuchTokens", "text": "7" },
            })
        );
        assert_eq!(
            serde_json::to_value(AppError::invalid("request", "bad")).unwrap(),
            serde_json::json!({ "kind": "InvalidParameter", "text": "request", "text2": "bad" })
        );
    }

    #[test]
    fn an_error_of_unknown_kind_or_shape_is_refused_by_name() {
        let refused = [
            (r#"{"kind":"Teapot"}"#, "Teapot"),
            // A field missing, or of a value its variant cannot hold.
            (r#"{"kind":"Busy"}"#, "Busy"),
            (r#"{"kind":"Busy","number":-1}"#, "Busy"),
            (r#"{"kind":"LimitReached"}"#, "LimitReached"),
            (
                r#"{"kind":"InvalidParameter","text":"p","text2":"r","detail":{"kind":"Teapot"}}"#,
                "InvalidParameter",
            ),
            (
                r#"{"kind":"InvalidParameter","text":"p","text2":"r","detail":{"kind":"TooManyNodes","number":4294967296}}"#,
                "InvalidParameter",
            ),
            (
                r#"{"kind":"InvalidParameter","text":"p"}"#,
                "InvalidParameter",
            ),
        ];
        for (json, kind) in refused {
            let error = serde_json::from_str::<AppError>(json).unwrap_err();
            assert!(
                error.to_string().contains(&format!("[{kind}]")),
                "{json}: {error}"
            );
        }
        // Not JSON of this shape at all: serde's own error, no panic.
        for json in ["", "null", "[]", r#"{"kind":7}"#, r#""Busy""#] {
            assert!(serde_json::from_str::<AppError>(json).is_err(), "{json}");
        }
    }
}
