//! The two-factor dialogs as one state machine, in plain Rust: set up (password → scan
//! and a first code → the recovery codes, shown once), regenerate the recovery codes
//! (password and a code → the new codes), disable (password and a code or recovery
//! code), and where a refusal shows.

use crate::error::AppError;
use crate::model::TwoFactorSetup;

/// A change to an account that has two-factor sign-in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Regenerate,
    Disable,
}

/// Where the tab's dialogs are.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Closed,
    /// Set up, first: the password, before a new secret is made.
    Begin,
    /// Set up, second: the secret to scan or type, and a first code from the app.
    Scan(TwoFactorSetup),
    /// Regenerate or Disable: the password and a code.
    Confirm(Change),
    /// New recovery codes, shown once; `replaced`: older ones stopped working.
    Codes {
        codes: Vec<String>,
        replaced: bool,
    },
}

/// What a step's call answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Started(TwoFactorSetup),
    Codes(Vec<String>),
    Disabled,
}

/// A field of the dialogs that can show an error of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Password,
    Code,
}

/// A refusal as shown: next to `field`, or under the whole form when `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<Field>,
    pub says: Says,
}

/// What a refusal says; the fields word it in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Says {
    /// Disable with an empty code: the app's code or a recovery code.
    CodeOrRecoveryCode,
    /// Not six digits where only the app's code is taken.
    SixDigitCode,
    /// The server refused.
    Refused(AppError),
}

impl Step {
    /// The fields this step's dialog asks for.
    pub fn fields(&self) -> &'static [Field] {
        match self {
            Step::Begin => &[Field::Password],
            Step::Scan(_) => &[Field::Code],
            Step::Confirm(_) => &[Field::Password, Field::Code],
            Step::Closed | Step::Codes { .. } => &[],
        }
    }

    /// The call succeeded: the next step.
    pub fn succeeded(self, outcome: Outcome) -> Step {
        match outcome {
            Outcome::Started(setup) => Step::Scan(setup),
            Outcome::Codes(codes) => Step::Codes {
                replaced: matches!(self, Step::Confirm(Change::Regenerate)),
                codes,
            },
            Outcome::Disabled => Step::Closed,
        }
    }

    /// The browser's check of the code this step sends: a 6-digit code from the app
    /// (spaces ignored), or for Disable a recovery code too. Answers the code to send.
    pub fn check_code(&self, typed: &str) -> Result<String, Problem> {
        let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        let problem = |says: Says| Problem {
            field: Some(Field::Code),
            says,
        };
        match self {
            Step::Confirm(Change::Disable) if code.is_empty() => {
                Err(problem(Says::CodeOrRecoveryCode))
            }
            Step::Confirm(Change::Disable) => Ok(code),
            _ if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) => Ok(code),
            _ => Err(problem(Says::SixDigitCode)),
        }
    }

    /// Where the server's refusal shows in this step's dialog, and how it reads.
    pub fn problem(&self, error: &AppError) -> Problem {
        let field = match error.field() {
            Some("password") => Some(Field::Password),
            Some("code") => Some(Field::Code),
            _ => None,
        }
        .filter(|f| self.fields().contains(f));
        Problem {
            field,
            says: Says::Refused(error.clone()),
        }
    }
}

/// The secret as people read it: groups of four.
pub fn grouped(secret: &str) -> String {
    secret
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> TwoFactorSetup {
        TwoFactorSetup {
            secret: "JBSWY3DPEHPK3PXP".into(),
            otpauth_url: "otpauth://totp/Kunci:a?secret=JBSWY3DPEHPK3PXP".into(),
            qr_svg: "<svg></svg>".into(),
        }
    }

    fn codes() -> Vec<String> {
        vec!["abcd-efgh-ij".into(); 10]
    }

    #[test]
    fn set_up_goes_password_scan_codes() {
        let step = Step::Begin.succeeded(Outcome::Started(setup()));
        assert_eq!(step, Step::Scan(setup()));
        let step = step.succeeded(Outcome::Codes(codes()));
        assert_eq!(
            step,
            Step::Codes {
                codes: codes(),
                replaced: false
            }
        );
    }

    #[test]
    fn regenerate_shows_new_codes_that_replace_the_old() {
        let step = Step::Confirm(Change::Regenerate).succeeded(Outcome::Codes(codes()));
        assert_eq!(
            step,
            Step::Codes {
                codes: codes(),
                replaced: true
            }
        );
    }

    #[test]
    fn disable_closes_the_dialogs() {
        let step = Step::Confirm(Change::Disable).succeeded(Outcome::Disabled);
        assert_eq!(step, Step::Closed);
    }

    #[test]
    fn check_code_wants_six_digits_except_to_disable() {
        let scan = Step::Scan(setup());
        assert_eq!(scan.check_code(" 123 456 "), Ok("123456".into()));
        for bad in ["", "12345", "1234567", "12345a", "abcd-efgh-ij"] {
            let problem = scan.check_code(bad).unwrap_err();
            assert_eq!(problem.field, Some(Field::Code), "{bad}");
        }
        let regenerate = Step::Confirm(Change::Regenerate);
        assert!(regenerate.check_code("abcd-efgh-ij").is_err());
        let disable = Step::Confirm(Change::Disable);
        assert_eq!(disable.check_code("123456"), Ok("123456".into()));
        assert_eq!(
            disable.check_code("abcd-efgh-ij"),
            Ok("abcd-efgh-ij".into())
        );
        assert!(disable.check_code("   ").is_err());
    }

    #[test]
    fn refusals_show_next_to_the_field_they_name_if_the_dialog_has_it() {
        let code = AppError::invalid("code", "The code is not valid.");
        let cases = [
            (
                Step::Begin,
                AppError::InvalidPassword,
                Some(Field::Password),
            ),
            (Step::Begin, code.clone(), None),
            (Step::Scan(setup()), code.clone(), Some(Field::Code)),
            (
                Step::Scan(setup()),
                AppError::InvalidCode,
                Some(Field::Code),
            ),
            (Step::Scan(setup()), AppError::InvalidPassword, None),
            (
                Step::Confirm(Change::Disable),
                AppError::ConfirmationLocked(30),
                Some(Field::Password),
            ),
            (
                Step::Confirm(Change::Regenerate),
                code.clone(),
                Some(Field::Code),
            ),
            (
                Step::Confirm(Change::Disable),
                AppError::Transport("offline".into()),
                None,
            ),
        ];
        for (step, error, field) in cases {
            assert_eq!(step.problem(&error).field, field, "{step:?} {error:?}");
        }
    }

    #[test]
    fn the_browser_checks_say_which_code_to_type() {
        let scan = Step::Scan(setup());
        assert_eq!(
            scan.check_code("12345").unwrap_err().says,
            Says::SixDigitCode
        );
        let disable = Step::Confirm(Change::Disable);
        assert_eq!(
            disable.check_code(" ").unwrap_err().says,
            Says::CodeOrRecoveryCode
        );
        let refused = disable.problem(&AppError::InvalidPassword);
        assert_eq!(refused.says, Says::Refused(AppError::InvalidPassword));
    }

    #[test]
    fn secret_reads_in_groups_of_four() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
        assert_eq!(grouped(""), "");
    }
}
