//! Each account's security log: token and SSH key changes, failed password
//! confirmations, uses of dead tokens, two-factor changes, with time and client IP.
//! Never a secret: descriptions and ids only. An event is recorded as data (its kind
//! and [`EventParams`]), never as a sentence: each adapter words it in its reader's
//! language (the dashboard in the page's).

use serde::{Deserialize, Serialize};

use crate::Error;

use crate::clock::{Timestamp, now};
use crate::storage::Store;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    TokenCreated,
    TokenEdited,
    TokenCopied,
    TokenRegenerated,
    TokenDeleted,
    PasswordConfirmationFailed,
    DeadTokenUsed,
    TokenExpiringSoon,
    SshKeyAdded,
    SshKeyDeleted,
    /// A token used from an address its allowlist does not name (refused, 8202).
    TokenAddressRefused,
    /// A token revoked because its value was reported leaked (`services::leaks`).
    TokenLeaked,
    /// In the owner's log: an administrator (or the operator at the console) revoked
    /// one of the account's tokens.
    TokenRevokedByAdmin,
    /// In the administrator's log: they revoked another account's token.
    AdminRevokedToken,
    /// A new authenticator secret was made (pending until confirmed with a code).
    TwoFactorEnrolmentStarted,
    TwoFactorEnabled,
    /// By the owner (with a code) or by the operator at the console.
    TwoFactorDisabled,
    RecoveryCodesRegenerated,
    /// A sign-in's second step used a recovery code.
    RecoveryCodeUsed,
    /// A wrong or used two-factor code (sign-in or a settings change).
    TwoFactorCodeRejected,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TokenCreated => "token.created",
            EventKind::TokenEdited => "token.edited",
            EventKind::TokenCopied => "token.copied",
            EventKind::TokenRegenerated => "token.regenerated",
            EventKind::TokenDeleted => "token.deleted",
            EventKind::PasswordConfirmationFailed => "password.confirmation_failed",
            EventKind::DeadTokenUsed => "token.dead_value_used",
            EventKind::TokenExpiringSoon => "token.expiring_soon",
            EventKind::SshKeyAdded => "ssh_key.added",
            EventKind::SshKeyDeleted => "ssh_key.deleted",
            EventKind::TokenAddressRefused => "token.address_refused",
            EventKind::TokenLeaked => "token.leaked",
            EventKind::TokenRevokedByAdmin => "token.revoked_by_admin",
            EventKind::AdminRevokedToken => "admin.token_revoked",
            EventKind::TwoFactorEnrolmentStarted => "two_factor.enrolment_started",
            EventKind::TwoFactorEnabled => "two_factor.enabled",
            EventKind::TwoFactorDisabled => "two_factor.disabled",
            EventKind::RecoveryCodesRegenerated => "two_factor.recovery_codes_regenerated",
            EventKind::RecoveryCodeUsed => "two_factor.recovery_code_used",
            EventKind::TwoFactorCodeRejected => "two_factor.code_rejected",
        }
    }
}

/// A token as the log names it: its id and its description at the time (empty where
/// the request path does not load it, as when a token is refused at the door).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRef {
    pub id: i64,
    pub description: String,
}

/// An SSH key as the log names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRef {
    pub id: i64,
    pub title: String,
    pub fingerprint: String,
}

/// What a password confirmation was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    CreateToken,
    CopyToken,
    EditToken,
    RegenerateToken,
    DeleteTokens,
    RevokeOthersTokens,
    SetUpTwoFactor,
    TurnOnTwoFactor,
    MakeRecoveryCodes,
    TurnOffTwoFactor,
    SeeRecoveryCodesLeft,
    DeleteEnvironment,
}

impl Purpose {
    pub const ALL: [Purpose; 12] = [
        Purpose::CreateToken,
        Purpose::CopyToken,
        Purpose::EditToken,
        Purpose::RegenerateToken,
        Purpose::DeleteTokens,
        Purpose::RevokeOthersTokens,
        Purpose::SetUpTwoFactor,
        Purpose::TurnOnTwoFactor,
        Purpose::MakeRecoveryCodes,
        Purpose::TurnOffTwoFactor,
        Purpose::SeeRecoveryCodesLeft,
        Purpose::DeleteEnvironment,
    ];
}

/// A part of a token an edit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPart {
    Description,
    Expiry,
    Permissions,
    AllowedAddresses,
    Environments,
}

/// Why a token value no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadBecause {
    Expired,
    Regenerated,
    Deleted,
}

/// How two-factor sign-in was turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnedOffWith {
    AppCode,
    RecoveryCode,
    /// By the operator at the server console (`server user disable-2fa`).
    Console,
}

/// Where a wrong or used two-factor code was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeStep {
    SignIn,
    Change,
}

/// One event to record, with what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    TokenCreated(TokenRef),
    TokenCopied {
        token: TokenRef,
        from: i64,
    },
    TokenEdited {
        token: TokenRef,
        changed: Vec<TokenPart>,
    },
    TokenRegenerated(TokenRef),
    TokenDeleted(TokenRef),
    /// Deleted because a value it was regenerated from was used again
    /// (`--token-reuse revoke`).
    TokenRevokedOnReuse(TokenRef),
    PasswordConfirmationFailed(Purpose),
    /// A value that no longer works was sent (and refused); `method` when known;
    /// `revoked` when the token was revoked because of it.
    DeadTokenUsed {
        token: TokenRef,
        because: DeadBecause,
        method: Option<String>,
        revoked: bool,
    },
    TokenExpiringSoon {
        token: TokenRef,
        expires_at: Timestamp,
    },
    SshKeyAdded(KeyRef),
    SshKeyDeleted(KeyRef),
    /// Refused: the token was used from `address`, which its allowlist does not name.
    TokenAddressRefused {
        token: TokenRef,
        address: String,
        allowed: Vec<String>,
    },
    /// Revoked because its value was reported leaked: by an operator, or by a
    /// reporting service (`source`), found at `url`.
    TokenLeaked {
        token: TokenRef,
        by_operator: bool,
        source: String,
        url: String,
    },
    /// In the owner's log; `by`: the administrator's login, `None` for the console.
    TokenRevokedByAdmin {
        token: TokenRef,
        by: Option<String>,
    },
    /// In the administrator's log: the token of `owner` they revoked.
    AdminRevokedToken {
        token: TokenRef,
        owner: String,
    },
    TwoFactorEnrolmentStarted,
    TwoFactorEnabled {
        recovery_codes: i64,
    },
    TwoFactorDisabled(TurnedOffWith),
    RecoveryCodesRegenerated {
        recovery_codes: i64,
    },
    RecoveryCodeUsed {
        left: i64,
    },
    TwoFactorCodeRejected(CodeStep),
}

/// What an event names, as stored (JSON in `security_events.params`) and as read back:
/// the fields its kind uses are set, the others left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenRef>,
    /// TokenCopied: the token copied from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<TokenPart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<DeadBecause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// DeadTokenUsed: the token was revoked because of it; TokenDeleted: it was
    /// revoked because a value it was regenerated from was used again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub revoked_on_reuse: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<KeyRef>,
    /// TokenRevokedByAdmin: the administrator; TokenLeaked: `operator` when an
    /// operator reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_console: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turned_off_with: Option<TurnedOffWith>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<CodeStep>,
    /// Recovery codes issued, or left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// Text a client chose (a description, a title, an address it sent), bounded.
fn bounded(s: &str) -> String {
    s.chars().take(200).collect()
}

impl TokenRef {
    pub fn new(id: i64, description: &str) -> TokenRef {
        TokenRef {
            id,
            description: bounded(description),
        }
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::TokenCreated(_) => EventKind::TokenCreated,
            Event::TokenCopied { .. } => EventKind::TokenCopied,
            Event::TokenEdited { .. } => EventKind::TokenEdited,
            Event::TokenRegenerated(_) => EventKind::TokenRegenerated,
            Event::TokenDeleted(_) | Event::TokenRevokedOnReuse(_) => EventKind::TokenDeleted,
            Event::PasswordConfirmationFailed(_) => EventKind::PasswordConfirmationFailed,
            Event::DeadTokenUsed { .. } => EventKind::DeadTokenUsed,
            Event::TokenExpiringSoon { .. } => EventKind::TokenExpiringSoon,
            Event::SshKeyAdded(_) => EventKind::SshKeyAdded,
            Event::SshKeyDeleted(_) => EventKind::SshKeyDeleted,
            Event::TokenAddressRefused { .. } => EventKind::TokenAddressRefused,
            Event::TokenLeaked { .. } => EventKind::TokenLeaked,
            Event::TokenRevokedByAdmin { .. } => EventKind::TokenRevokedByAdmin,
            Event::AdminRevokedToken { .. } => EventKind::AdminRevokedToken,
            Event::TwoFactorEnrolmentStarted => EventKind::TwoFactorEnrolmentStarted,
            Event::TwoFactorEnabled { .. } => EventKind::TwoFactorEnabled,
            Event::TwoFactorDisabled(_) => EventKind::TwoFactorDisabled,
            Event::RecoveryCodesRegenerated { .. } => EventKind::RecoveryCodesRegenerated,
            Event::RecoveryCodeUsed { .. } => EventKind::RecoveryCodeUsed,
            Event::TwoFactorCodeRejected(_) => EventKind::TwoFactorCodeRejected,
        }
    }

    pub fn params(self) -> EventParams {
        let mut p = EventParams::default();
        match self {
            Event::TokenCreated(token)
            | Event::TokenRegenerated(token)
            | Event::TokenDeleted(token) => p.token = Some(token),
            Event::TokenRevokedOnReuse(token) => {
                p.token = Some(token);
                p.revoked_on_reuse = true;
            }
            Event::TokenCopied { token, from } => {
                p.token = Some(token);
                p.from = Some(from);
            }
            Event::TokenEdited { token, changed } => {
                p.token = Some(token);
                p.changed = changed;
            }
            Event::PasswordConfirmationFailed(purpose) => p.purpose = Some(purpose),
            Event::DeadTokenUsed {
                token,
                because,
                method,
                revoked,
            } => {
                p.token = Some(token);
                p.because = Some(because);
                p.method = method.as_deref().map(bounded);
                p.revoked_on_reuse = revoked;
            }
            Event::TokenExpiringSoon { token, expires_at } => {
                p.token = Some(token);
                p.expires_at = Some(expires_at);
            }
            Event::SshKeyAdded(key) | Event::SshKeyDeleted(key) => {
                p.ssh_key = Some(KeyRef {
                    title: bounded(&key.title),
                    ..key
                })
            }
            Event::TokenAddressRefused {
                token,
                address,
                allowed,
            } => {
                p.token = Some(token);
                p.address = Some(bounded(&address));
                p.allowed = allowed;
            }
            Event::TokenLeaked {
                token,
                by_operator,
                source,
                url,
            } => {
                p.token = Some(token);
                p.by_console = by_operator;
                p.source = Some(bounded(&source)).filter(|s| !s.is_empty());
                p.url = Some(bounded(&url)).filter(|s| !s.is_empty());
            }
            Event::TokenRevokedByAdmin { token, by } => {
                p.token = Some(token);
                p.by_console = by.is_none();
                p.by = by;
            }
            Event::AdminRevokedToken { token, owner } => {
                p.token = Some(token);
                p.owner = Some(owner);
            }
            Event::TwoFactorEnrolmentStarted => {}
            Event::TwoFactorEnabled { recovery_codes }
            | Event::RecoveryCodesRegenerated { recovery_codes } => p.count = Some(recovery_codes),
            Event::TwoFactorDisabled(with) => p.turned_off_with = Some(with),
            Event::RecoveryCodeUsed { left } => p.count = Some(left),
            Event::TwoFactorCodeRejected(step) => p.step = Some(step),
        }
        p
    }
}

impl EventParams {
    /// The JSON stored in `security_events.params`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("event parameters serialize")
    }

    /// Reads [`EventParams::to_json`] back; empty for an event recorded before events
    /// were data (its `detail` sentence is all there is) or for text it cannot read.
    pub fn from_json(text: &str) -> EventParams {
        serde_json::from_str(text).unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct SecurityLog {
    store: Store,
}

impl SecurityLog {
    pub fn new(store: Store) -> SecurityLog {
        SecurityLog { store }
    }

    /// Records an event. A failure to record is logged, not returned: the action it
    /// describes has already happened.
    pub async fn record(&self, user_id: i64, ip: &str, event: Event) {
        let kind = event.kind();
        let params = event.params().to_json();
        if let Err(e) = self
            .store
            .insert_security_event(user_id, now(), kind.as_str(), ip, &params)
            .await
        {
            tracing::error!(error = %e, kind = kind.as_str(), "could not record a security event");
        }
    }

    /// The account's latest events, newest first.
    pub async fn list(&self, user_id: i64, limit: i64) -> Result<Vec<SecurityEvent>, Error> {
        Ok(self
            .store
            .security_events(user_id, limit.clamp(1, 1000))
            .await?
            .into_iter()
            .map(|e| SecurityEvent {
                id: e.id,
                at: e.at,
                kind: e.kind,
                ip: e.ip,
                params: EventParams::from_json(&e.params),
                detail: e.detail,
            })
            .collect())
    }
}

/// One entry of an account's security log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub id: i64,
    pub at: Timestamp,
    pub kind: String,
    pub ip: String,
    pub params: EventParams,
    /// The English sentence of an event recorded before events were data; empty since.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_survive_storage_and_leave_out_what_the_kind_does_not_use() {
        let event = Event::TokenEdited {
            token: TokenRef::new(7, "CI “deploy”\u{0}"),
            changed: vec![TokenPart::Expiry, TokenPart::AllowedAddresses],
        };
        assert_eq!(event.kind(), EventKind::TokenEdited);
        let json = event.clone().params().to_json();
        assert_eq!(
            json,
            r#"{"token":{"id":7,"description":"CI “deploy”\u0000"},"changed":["expiry","allowed_addresses"]}"#
        );
        assert_eq!(EventParams::from_json(&json), event.params());
    }

    #[test]
    fn a_row_from_before_events_were_data_reads_as_no_parameters() {
        assert_eq!(EventParams::from_json(""), EventParams::default());
        assert_eq!(EventParams::from_json("token #3"), EventParams::default());
    }

    #[test]
    fn text_a_client_chose_is_bounded() {
        let long = "é".repeat(5000);
        let p = Event::TokenAddressRefused {
            token: TokenRef::new(1, &long),
            address: long.clone(),
            allowed: vec![],
        }
        .params();
        assert_eq!(p.token.unwrap().description.chars().count(), 200);
        assert_eq!(p.address.unwrap().chars().count(), 200);
    }
}
