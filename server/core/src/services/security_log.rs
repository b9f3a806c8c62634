//! Each account's security log: token and SSH key changes, failed password
//! confirmations, and uses of dead tokens, with time and client IP. Never a secret:
//! descriptions and ids only.

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
    pub async fn record(&self, user_id: i64, kind: EventKind, ip: &str, detail: &str) {
        let detail: String = detail.chars().take(1000).collect();
        if let Err(e) = self
            .store
            .insert_security_event(user_id, now(), kind.as_str(), ip, &detail)
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
    pub detail: String,
}
