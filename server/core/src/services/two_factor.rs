//! Two-factor sign-in with an authenticator app (TOTP, RFC 6238: HMAC-SHA1, 30-second
//! steps, 6 digits) and ten single-use recovery codes.
//!
//! - The secret is stored encrypted under the server key (`server_key`), never in the
//!   clear; recovery codes only as HMACs under it.
//! - A code is accepted for the current step ±1, and once: the last accepted step is
//!   kept per account and moved by a conditional UPDATE, so a replay is refused even when
//!   it races the first use on another instance. A recovery code is used by deleting its
//!   row; the one request whose DELETE removed it wins.
//! - Wrong codes draw on the attempt budgets of passwords: at sign-in the same budgets
//!   as the password (704 once spent), on a settings change the session's confirmation
//!   budget (705). A right password on an account with two-factor sign-in does not reset
//!   them (`accounts`), so signing in again never buys more guesses.
//! - A password sign-in on such an account opens a *pending* session (`sessions`): it
//!   can only finish the second step here, or sign out, and lives 5 minutes at most.
//! - Every change is recorded in the security log, never with a secret or a code.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::Error;
use crate::clock::now;
use crate::refusal::Refusal;
use crate::server_key::ServerKey;
use crate::services::accounts::{Accounts, DeviceCookie};
use crate::services::security_log::{CodeStep, Event, Purpose, SecurityLog, TurnedOffWith};
use crate::services::sessions::Sessions;
use crate::services::throttle::sign_in_locked;
use crate::services::tokens::Actor;
use crate::storage::{Store, TwoFactorRow};

/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;
/// Digits of a TOTP code.
pub const DIGITS: u32 = 6;
/// Recovery codes issued at once.
pub const RECOVERY_CODES: usize = 10;
/// Bytes of a TOTP secret (160 bits, RFC 4226's recommendation).
const SECRET_BYTES: usize = 20;
/// The letters of a recovery code: no `l`, `o`, `0`, `1` (32, so a random byte maps
/// to one without bias).
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
const RECOVERY_LEN: usize = 10;
/// The issuer an authenticator app shows next to the account.
const ISSUER: &str = "Kunci";

/// HOTP (RFC 4226) with HMAC-SHA1: `digits` decimal digits of counter `counter`.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    value % 10u32.pow(digits)
}

/// TOTP (RFC 6238) with HMAC-SHA1 and 30-second steps at Unix time `unix`.
pub fn totp(secret: &[u8], unix: u64, digits: u32) -> u32 {
    hotp(secret, unix / STEP_SECS, digits)
}

/// A code as typed: a 6-digit TOTP code or a recovery code. Anything else is result 3
/// naming `code`, refused before it costs an attempt.
#[derive(Clone, PartialEq, Eq)]
pub enum OneTimeCode {
    Totp(u32),
    /// Normalized: lower case, no dashes or spaces.
    Recovery(String),
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OneTimeCode::Totp(_) => "OneTimeCode::Totp",
            OneTimeCode::Recovery(_) => "OneTimeCode::Recovery",
        })
    }
}

impl OneTimeCode {
    pub fn parse(raw: &str) -> Result<OneTimeCode, Error> {
        let malformed = || Error::refused("code", Refusal::CodeMalformed);
        let raw = raw.trim_matches(|c: char| c == ' ' || c == '\t');
        if raw.is_empty() {
            return Err(Error::refused("code", Refusal::CodeRequired));
        }
        if raw.len() > 32 || !raw.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(malformed());
        }
        let compact: String = raw
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if compact.len() == DIGITS as usize && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(OneTimeCode::Totp(compact.parse().map_err(|_| malformed())?));
        }
        if compact.len() == RECOVERY_LEN && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
        {
            return Ok(OneTimeCode::Recovery(compact));
        }
        Err(malformed())
    }
}

/// A new authenticator secret, shown once to be scanned or typed into an app.
pub struct Enrolment {
    /// Base32 without padding.
    pub secret: SecretString,
    /// `otpauth://totp/Kunci:LOGIN?secret=...&issuer=Kunci&...`.
    pub otpauth_url: SecretString,
    /// The QR code of `otpauth_url`, a complete `<svg>` element.
    pub qr_svg: SecretString,
}

/// Recovery codes, shown once (`abcd-efgh-ij`). `Debug` shows how many only.
pub struct RecoveryCodes(Vec<SecretString>);

impl RecoveryCodes {
    pub fn codes(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|c| c.expose_secret().to_string())
            .collect()
    }
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({})", self.0.len())
    }
}

/// Whether an account has two-factor sign-in, as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: u32,
}

/// The session on the second step of a sign-in.
#[derive(Debug, Clone)]
pub struct SignInStep<'a> {
    pub session_id: i64,
    pub user_id: i64,
    pub login: &'a str,
    /// Whether the session still waits for its second step.
    pub pending: bool,
    pub ip: &'a str,
    /// The client's device cookie, if it sent one.
    pub device: Option<&'a str>,
}

#[derive(Clone)]
pub struct TwoFactor {
    store: Store,
    key: Arc<ServerKey>,
    accounts: Accounts,
    sessions: Sessions,
    log: SecurityLog,
}

fn not_on() -> Error {
    Error::refused("code", Refusal::TwoFactorNotOn)
}

impl TwoFactor {
    pub fn new(
        store: Store,
        key: Arc<ServerKey>,
        accounts: Accounts,
        sessions: Sessions,
        log: SecurityLog,
    ) -> TwoFactor {
        TwoFactor {
            store,
            key,
            accounts,
            sessions,
            log,
        }
    }

    pub async fn status(&self, user_id: i64) -> Result<TwoFactorStatus, Error> {
        let enabled = self.store.two_factor_enabled(user_id).await?;
        let left = if enabled {
            self.store.recovery_codes_left(user_id).await?
        } else {
            0
        };
        Ok(TwoFactorStatus {
            enabled,
            recovery_codes_left: left.clamp(0, u32::MAX as i64) as u32,
        })
    }

    /// Starts enrolment (password confirmed): a new secret, pending until [`enable`]
    /// confirms it with a code; nothing is on yet. Refused while two-factor sign-in is
    /// on (turn it off first).
    ///
    /// [`enable`]: TwoFactor::enable
    pub async fn begin(
        &self,
        actor: &Actor<'_>,
        login: &str,
        password: Option<SecretString>,
    ) -> Result<Enrolment, Error> {
        self.accounts
            .confirm_password(
                actor.user_id,
                actor.session_id,
                password,
                actor.ip,
                Purpose::SetUpTwoFactor,
            )
            .await?;
        if self.store.two_factor_enabled(actor.user_id).await? {
            return Err(Error::refused("password", Refusal::TwoFactorAlreadyOnSetUp));
        }
        let mut raw = [0u8; SECRET_BYTES];
        rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut raw)
            .expect("the OS random generator works");
        let sealed = self.key.seal(actor.user_id, &raw);
        if !self
            .store
            .set_pending_two_factor(actor.user_id, &sealed, now())
            .await?
        {
            return Err(Error::refused("password", Refusal::TwoFactorAlreadyOnSetUp));
        }
        self.log
            .record(actor.user_id, actor.ip, Event::TwoFactorEnrolmentStarted)
            .await;
        let secret = data_encoding::BASE32_NOPAD.encode(&raw);
        // The label is `issuer:account`, each part percent-encoded (Google's Key URI
        // format); the colon stays literal.
        let account: String = url::form_urlencoded::byte_serialize(login.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        let url = format!(
            "otpauth://totp/{ISSUER}:{account}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
        );
        let qr_svg = qr_svg(&url)?;
        Ok(Enrolment {
            secret: SecretString::from(secret),
            otpauth_url: SecretString::from(url),
            qr_svg: SecretString::from(qr_svg),
        })
    }

    /// Turns two-factor sign-in on: the password and a current code of the pending
    /// secret; answers the ten recovery codes, this once.
    pub async fn enable(
        &self,
        actor: &Actor<'_>,
        password: Option<SecretString>,
        code: &str,
    ) -> Result<RecoveryCodes, Error> {
        let code = OneTimeCode::parse(code)?;
        let password = require_password(password)?;
        let row = self.store.two_factor(actor.user_id).await?;
        let Some(pending) = row.as_ref().and_then(|r| r.pending_enc.clone()) else {
            return Err(if row.is_some_and(|r| r.secret_enc.is_some()) {
                Error::refused("code", Refusal::TwoFactorAlreadyOn)
            } else {
                Error::refused("code", Refusal::NothingBeingSetUp)
            });
        };
        let secret = self.key.open(actor.user_id, &pending)?;
        let step = match &code {
            OneTimeCode::Totp(n) => matching_step(&secret, *n, now() as u64, 0),
            OneTimeCode::Recovery(_) => None,
        };
        let step = self.guessed(actor, step).await?;
        self.accounts
            .confirm_password(
                actor.user_id,
                actor.session_id,
                Some(password),
                actor.ip,
                Purpose::TurnOnTwoFactor,
            )
            .await?;
        let (codes, macs) = self.new_recovery_codes(actor.user_id);
        if !self
            .store
            .enable_two_factor(actor.user_id, &pending, step as i64, &macs, now())
            .await?
        {
            return Err(Error::refused("code", Refusal::SetupChanged));
        }
        self.log
            .record(
                actor.user_id,
                actor.ip,
                Event::TwoFactorEnabled {
                    recovery_codes: RECOVERY_CODES as i64,
                },
            )
            .await;
        Ok(codes)
    }

    /// Ten new recovery codes (the old ones stop working): the password and a current
    /// code of the authenticator app.
    pub async fn regenerate(
        &self,
        actor: &Actor<'_>,
        password: Option<SecretString>,
        code: &str,
    ) -> Result<RecoveryCodes, Error> {
        let code = OneTimeCode::parse(code)?;
        if matches!(code, OneTimeCode::Recovery(_)) {
            return Err(Error::refused(
                "code",
                Refusal::RecoveryCodeCannotRegenerate,
            ));
        }
        let password = require_password(password)?;
        self.confirm_with_code(actor, password, &code, Purpose::MakeRecoveryCodes)
            .await?;
        let (codes, macs) = self.new_recovery_codes(actor.user_id);
        if !self
            .store
            .replace_recovery_codes(actor.user_id, &macs)
            .await?
        {
            return Err(not_on());
        }
        self.log
            .record(
                actor.user_id,
                actor.ip,
                Event::RecoveryCodesRegenerated {
                    recovery_codes: RECOVERY_CODES as i64,
                },
            )
            .await;
        Ok(codes)
    }

    /// Turns two-factor sign-in off: the password and a current code or an unused
    /// recovery code.
    pub async fn disable(
        &self,
        actor: &Actor<'_>,
        password: Option<SecretString>,
        code: &str,
    ) -> Result<(), Error> {
        let code = OneTimeCode::parse(code)?;
        let password = require_password(password)?;
        self.confirm_with_code(actor, password, &code, Purpose::TurnOffTwoFactor)
            .await?;
        self.store.disable_two_factor(actor.user_id).await?;
        let with = match code {
            OneTimeCode::Totp(_) => TurnedOffWith::AppCode,
            OneTimeCode::Recovery(_) => TurnedOffWith::RecoveryCode,
        };
        self.log
            .record(actor.user_id, actor.ip, Event::TwoFactorDisabled(with))
            .await;
        Ok(())
    }

    /// The second step of a sign-in: a current code or an unused recovery code makes
    /// the pending session a full one. Draws on the same budgets as the password did
    /// (704 once spent). Answers the device cookie to give the client.
    pub async fn verify_sign_in(
        &self,
        step: &SignInStep<'_>,
        code: &str,
    ) -> Result<DeviceCookie, Error> {
        let code = OneTimeCode::parse(code)?;
        if !step.pending {
            return Err(Error::refused("session", Refusal::SessionNeedsNoCode));
        }
        let (budgets, known) = self
            .accounts
            .sign_in_budgets(step.user_id, step.login, step.ip, step.device)
            .await?;
        let throttle = self.accounts.throttle();
        let attempt = match throttle.take(budgets, self.accounts.attempt_wait()).await? {
            Ok(attempt) => attempt,
            Err(secs) => return Err(sign_in_locked(secs)),
        };
        let used = match self.store.two_factor(step.user_id).await {
            Ok(Some(row)) if row.secret_enc.is_some() => {
                self.use_code(step.user_id, &row, &code).await
            }
            Ok(_) => {
                // Turned off meanwhile (by the operator): the password was enough.
                Ok(true)
            }
            Err(e) => Err(e.into()),
        };
        let used = match used {
            Ok(used) => used,
            Err(e) => {
                throttle.give_back(attempt).await?;
                return Err(e);
            }
        };
        if !used {
            throttle.fail(attempt).await?;
            self.log
                .record(
                    step.user_id,
                    step.ip,
                    Event::TwoFactorCodeRejected(CodeStep::SignIn),
                )
                .await;
            return Err(Error::InvalidCode);
        }
        throttle.succeed(attempt).await?;
        self.sessions.complete(step.session_id).await?;
        if let OneTimeCode::Recovery(_) = code {
            let left = self.store.recovery_codes_left(step.user_id).await?;
            self.log
                .record(
                    step.user_id,
                    step.ip,
                    Event::RecoveryCodeUsed { left: left as i64 },
                )
                .await;
        }
        self.accounts.remember_device(step.user_id, known).await
    }

    /// The operator's way out for an account that lost its authenticator and its
    /// recovery codes (`server user disable-2fa`). `false` when it was not on.
    pub async fn operator_disable(&self, user_id: i64) -> Result<bool, Error> {
        Self::turn_off_by_operator(&self.store, &self.log, user_id).await
    }

    /// [`TwoFactor::operator_disable`] for the console, which holds no server key (none
    /// is needed to delete).
    pub async fn turn_off_by_operator(
        store: &Store,
        log: &SecurityLog,
        user_id: i64,
    ) -> Result<bool, Error> {
        let was_on = store.disable_two_factor(user_id).await?;
        if was_on {
            log.record(
                user_id,
                "console",
                Event::TwoFactorDisabled(TurnedOffWith::Console),
            )
            .await;
        }
        Ok(was_on)
    }

    /// A settings change's code check, then its password (801/705): a wrong code counts
    /// on the session's confirmation budget like a wrong password, and a right password
    /// alone never resets it. The code is used (once) only when both are right.
    async fn confirm_with_code(
        &self,
        actor: &Actor<'_>,
        password: SecretString,
        code: &OneTimeCode,
        purpose: Purpose,
    ) -> Result<(), Error> {
        let Some(row) = self
            .store
            .two_factor(actor.user_id)
            .await?
            .filter(|r| r.secret_enc.is_some())
        else {
            return Err(not_on());
        };
        let valid = self.code_is_valid(actor.user_id, &row, code).await?;
        self.guessed(actor, valid.then_some(())).await?;
        self.accounts
            .confirm_password(
                actor.user_id,
                actor.session_id,
                Some(password),
                actor.ip,
                purpose,
            )
            .await?;
        if !self.use_code(actor.user_id, &row, code).await? {
            // Another request used it between the check and now.
            return Err(Error::InvalidCode);
        }
        Ok(())
    }

    /// Counts a code check on the session's confirmation budget: `found` is what the
    /// check found (`None`: the code is wrong), answered when right; a wrong code stays
    /// counted (705 once the budget is spent) and is logged.
    async fn guessed<T>(&self, actor: &Actor<'_>, found: Option<T>) -> Result<T, Error> {
        let throttle = self.accounts.throttle();
        let budget =
            crate::services::throttle::Budget::confirmations(actor.user_id, actor.session_id);
        let attempt = match throttle
            .take(vec![budget], self.accounts.attempt_wait())
            .await?
        {
            Ok(attempt) => attempt,
            Err(secs) => return Err(Error::ConfirmationLocked(secs)),
        };
        match found {
            Some(found) => {
                // Not a success yet: the password is still to be checked.
                throttle.give_back(attempt).await?;
                Ok(found)
            }
            None => {
                throttle.fail(attempt).await?;
                self.log
                    .record(
                        actor.user_id,
                        actor.ip,
                        Event::TwoFactorCodeRejected(CodeStep::Change),
                    )
                    .await;
                Err(Error::InvalidCode)
            }
        }
    }

    /// Whether `code` would be accepted now, without using it.
    async fn code_is_valid(
        &self,
        user_id: i64,
        row: &TwoFactorRow,
        code: &OneTimeCode,
    ) -> Result<bool, Error> {
        let Some(sealed) = &row.secret_enc else {
            return Ok(false);
        };
        match code {
            OneTimeCode::Totp(n) => {
                let secret = self.key.open(user_id, sealed)?;
                Ok(matching_step(&secret, *n, now() as u64, row.last_step).is_some())
            }
            OneTimeCode::Recovery(c) => Ok(self
                .store
                .has_recovery_code(user_id, &self.recovery_mac(user_id, c))
                .await?),
        }
    }

    /// Uses `code` once: `true` when this call accepted it.
    async fn use_code(
        &self,
        user_id: i64,
        row: &TwoFactorRow,
        code: &OneTimeCode,
    ) -> Result<bool, Error> {
        let Some(sealed) = &row.secret_enc else {
            return Ok(false);
        };
        match code {
            OneTimeCode::Totp(n) => {
                let secret = self.key.open(user_id, sealed)?;
                match matching_step(&secret, *n, now() as u64, row.last_step) {
                    Some(step) => Ok(self
                        .store
                        .use_totp_step(user_id, sealed, step as i64)
                        .await?),
                    None => Ok(false),
                }
            }
            OneTimeCode::Recovery(c) => Ok(self
                .store
                .use_recovery_code(user_id, &self.recovery_mac(user_id, c))
                .await?),
        }
    }

    fn recovery_mac(&self, user_id: i64, normalized: &str) -> String {
        self.key
            .mac(format!("recovery:{user_id}:{normalized}").as_bytes())
    }

    fn new_recovery_codes(&self, user_id: i64) -> (RecoveryCodes, Vec<String>) {
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        let mut macs = Vec::with_capacity(RECOVERY_CODES);
        while codes.len() < RECOVERY_CODES {
            let mut raw = [0u8; RECOVERY_LEN];
            rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut raw)
                .expect("the OS random generator works");
            let plain: String = raw
                .iter()
                .map(|b| RECOVERY_ALPHABET[(*b % 32) as usize] as char)
                .collect();
            let mac = self.recovery_mac(user_id, &plain);
            if macs.contains(&mac) {
                continue;
            }
            macs.push(mac);
            codes.push(SecretString::from(format!(
                "{}-{}-{}",
                &plain[0..4],
                &plain[4..8],
                &plain[8..10]
            )));
        }
        (RecoveryCodes(codes), macs)
    }
}

fn require_password(password: Option<SecretString>) -> Result<SecretString, Error> {
    password.ok_or_else(|| Error::refused("password", Refusal::PasswordRequired))
}

/// The step within ±1 of `unix`'s whose code is `code` and that is later than
/// `after` (the last accepted one), the latest if several; compared in constant time.
fn matching_step(secret: &[u8], code: u32, unix: u64, after: i64) -> Option<u64> {
    let current = unix / STEP_SECS;
    let mut found = None;
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = hotp(secret, step, DIGITS);
        let same: bool = expected.to_be_bytes().ct_eq(&code.to_be_bytes()).into();
        if same && step as i64 > after {
            found = Some(step);
        }
    }
    found
}

/// The QR code of `text` as a complete `<svg>` element (no XML declaration).
fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(crate::error::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA1 rows (8 digits, the 20-byte ASCII secret).
    #[test]
    fn totp_matches_the_rfc_6238_sha1_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(totp(secret, time, 8), code, "T = {time}");
        }
    }

    /// RFC 4226, appendix D: HOTP values of counters 0..9 (6 digits).
    #[test]
    fn hotp_matches_the_rfc_4226_test_vectors() {
        let secret = b"12345678901234567890";
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(secret, counter as u64, 6), *code, "counter {counter}");
        }
    }

    #[test]
    fn a_code_matches_the_current_step_and_one_either_side_once() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111u64;
        let step = now / STEP_SECS;
        for s in [step - 1, step, step + 1] {
            let code = hotp(secret, s, DIGITS);
            assert_eq!(matching_step(secret, code, now, 0), Some(s));
            assert_eq!(matching_step(secret, code, now, s as i64), None, "used");
        }
        for s in [step - 2, step + 2] {
            let code = hotp(secret, s, DIGITS);
            assert_eq!(matching_step(secret, code, now, 0), None, "step {s}");
        }
    }

    #[test]
    fn codes_parse_strictly_and_name_the_parameter() {
        assert_eq!(
            OneTimeCode::parse(" 123456 ").unwrap(),
            OneTimeCode::Totp(123456)
        );
        assert_eq!(
            OneTimeCode::parse("123 456").unwrap(),
            OneTimeCode::Totp(123456)
        );
        assert_eq!(
            OneTimeCode::parse("012345").unwrap(),
            OneTimeCode::Totp(12345)
        );
        assert_eq!(
            OneTimeCode::parse("ABCD-EFGH-JK").unwrap(),
            OneTimeCode::Recovery("abcdefghjk".into())
        );
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            "123\u{0}456",
            "12345\n6",
            "\u{1b}[31m123456",
            "abcd-efgh-il",
            "ünïcode-co",
            "123456\u{202e}",
        ] {
            let e = OneTimeCode::parse(bad).unwrap_err();
            assert_eq!(e.parameter(), Some("code"), "{bad:?}");
            assert_eq!(e.code(), 3, "{bad:?}");
        }
    }

    #[test]
    fn the_qr_code_is_a_complete_svg_element() {
        let svg = qr_svg("otpauth://totp/Kunci:a%40b.io?secret=ABC&issuer=Kunci").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
