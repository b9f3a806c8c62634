//! The dialogs of a token change as one state machine, in plain Rust: form → password →
//! the value (shown once), the Regenerate and Remove confirmations, and where a server's
//! refusal goes (back to a form field, or stays in the password dialog).
//!
//! The components only render the current [`Step`] and call its transitions.

use crate::error::AppError;
use crate::model::{IssuedToken, TokenForm, TokenView};

/// Which form the token dialog shows.
#[derive(Debug, Clone, PartialEq)]
pub enum FormMode {
    Generate,
    Edit(TokenView),
    Copy(TokenView),
}

/// A change waiting for the password.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Create(TokenForm),
    Edit(TokenView, TokenForm),
    Copy(TokenView, TokenForm),
    /// The token, and its new expiry (`dd-mm-yyyy`, empty: never) when one was given.
    Regenerate(i64, Option<String>),
    Remove(Vec<i64>),
}

impl Pending {
    /// The change made from the form of `mode`.
    fn from_form(mode: FormMode, form: TokenForm) -> Pending {
        match mode {
            FormMode::Generate => Pending::Create(form),
            FormMode::Edit(t) => Pending::Edit(t, form),
            FormMode::Copy(t) => Pending::Copy(t, form),
        }
    }

    /// The form this change came from, if it came from one.
    fn form_mode(&self) -> Option<FormMode> {
        match self {
            Pending::Create(_) => Some(FormMode::Generate),
            Pending::Edit(t, _) => Some(FormMode::Edit(t.clone())),
            Pending::Copy(t, _) => Some(FormMode::Copy(t.clone())),
            Pending::Regenerate(..) | Pending::Remove(_) => None,
        }
    }

    /// What the password confirms, for "Enter your account password to …" (the
    /// dialog words it in the page's language).
    pub fn purpose(&self) -> Purpose {
        match self {
            Pending::Create(_) => Purpose::Create,
            Pending::Copy(..) => Purpose::Copy,
            Pending::Edit(..) => Purpose::Edit,
            Pending::Regenerate(..) => Purpose::Regenerate,
            Pending::Remove(ids) if ids.len() == 1 => Purpose::RemoveOne,
            Pending::Remove(_) => Purpose::RemoveMany,
        }
    }
}

/// What a password confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Copy,
    Edit,
    Regenerate,
    RemoveOne,
    RemoveMany,
}

/// What a confirmed change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A new value (Generate, Copy, Regenerate): shown once.
    Issued(Box<IssuedToken>),
    /// Edit saved this token.
    Saved(i64),
    /// Remove removed these tokens.
    Removed,
}

/// Where the tab's dialogs are.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Closed,
    Form(FormMode),
    ConfirmRemove(Vec<TokenView>),
    ConfirmRegenerate(TokenView),
    Password(Pending),
    Value(IssuedToken),
}

impl Step {
    /// Remove asks first; with nothing chosen there is nothing to ask.
    pub fn remove(chosen: Vec<TokenView>) -> Option<Step> {
        (!chosen.is_empty()).then_some(Step::ConfirmRemove(chosen))
    }

    /// The form was sent (it passed the browser's checks): ask for the password.
    pub fn submit(self, form: TokenForm) -> Step {
        match self {
            Step::Form(mode) => Step::Password(Pending::from_form(mode, form)),
            other => other,
        }
    }

    /// "Regenerate token" in the Edit form: warn first.
    pub fn regenerate(self) -> Step {
        match self {
            Step::Form(FormMode::Edit(t)) => Step::ConfirmRegenerate(t),
            other => other,
        }
    }

    /// The warning of Remove or Regenerate was accepted (Regenerate with the new expiry
    /// its dialog asked for, if it did): ask for the password.
    pub fn confirm(self, expires: Option<String>) -> Step {
        match self {
            Step::ConfirmRemove(list) => {
                Step::Password(Pending::Remove(list.iter().map(|t| t.id).collect()))
            }
            Step::ConfirmRegenerate(t) => Step::Password(Pending::Regenerate(t.id, expires)),
            other => other,
        }
    }

    /// The change was made. A new value is shown whatever the dialogs show now: it exists
    /// once, and only here.
    pub fn succeeded(self, outcome: &Outcome) -> Step {
        match outcome {
            Outcome::Issued(issued) => Step::Value((**issued).clone()),
            Outcome::Saved(_) | Outcome::Removed => Step::Closed,
        }
    }

    /// The change was refused: a refused form field sends the user back to that form
    /// (kept as typed); anything else, a wrong password first, stays in the password dialog.
    pub fn failed(self, error: &AppError) -> Step {
        match self {
            Step::Password(pending) if concerns_form(error) => match pending.form_mode() {
                Some(mode) => Step::Form(mode),
                None => Step::Password(pending),
            },
            other => other,
        }
    }
}

/// Whether a refusal is about what the form sent, rather than the password.
fn concerns_form(error: &AppError) -> bool {
    matches!(error, AppError::InvalidParameter { .. }) && error.field() != Some("password")
}

/// A field of the token form that can show an error of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Description,
    Expires,
    Methods,
    Addresses,
    Environments,
}

/// The form field that shows a server's refusal, by the parameter it names: the form's
/// own names and the REST API's. `None`: shown under the whole form.
pub fn field_of(error: &AppError) -> Option<Field> {
    match error {
        AppError::InvalidParameter { name, .. } => match name.as_str() {
            "description" => Some(Field::Description),
            "expires" | "expiresAt" => Some(Field::Expires),
            "methods" | "apiList" | "tokenTemplate" => Some(Field::Methods),
            "ip_allowlist" | "ipAllowlist" => Some(Field::Addresses),
            "env_names" | "envNames" => Some(Field::Environments),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: i64) -> TokenView {
        TokenView {
            id,
            description: format!("token {id}"),
            template: None,
            methods: vec!["env.control.StopEnv".into()],
            expires_at: None,
            expired: false,
            last_used: None,
            created_on: "2026-01-01 00:00:00".into(),
            issued_at: 0,
            ip_allowlist: Vec::new(),
            env_names: Vec::new(),
        }
    }

    fn form(description: &str) -> TokenForm {
        TokenForm {
            description: description.into(),
            ..TokenForm::default()
        }
    }

    fn issued(id: i64) -> IssuedToken {
        IssuedToken {
            token: token(id),
            value: "kunci_value".into(),
        }
    }

    #[test]
    fn generate_goes_form_password_value_closed() {
        let step = Step::Form(FormMode::Generate).submit(form("ci"));
        assert_eq!(step, Step::Password(Pending::Create(form("ci"))));
        let step = step.succeeded(&Outcome::Issued(Box::new(issued(1))));
        assert_eq!(step, Step::Value(issued(1)));
    }

    #[test]
    fn edit_and_copy_keep_their_token_until_the_password() {
        let edit = Step::Form(FormMode::Edit(token(3))).submit(form("x"));
        assert_eq!(edit, Step::Password(Pending::Edit(token(3), form("x"))));
        let copy = Step::Form(FormMode::Copy(token(4))).submit(form("y"));
        assert_eq!(copy, Step::Password(Pending::Copy(token(4), form("y"))));
    }

    #[test]
    fn saved_edit_and_removal_close_the_dialogs() {
        let edit = Step::Password(Pending::Edit(token(3), form("x")));
        assert_eq!(edit.succeeded(&Outcome::Saved(3)), Step::Closed);
        let remove = Step::Password(Pending::Remove(vec![1, 2]));
        assert_eq!(remove.succeeded(&Outcome::Removed), Step::Closed);
    }

    #[test]
    fn issued_value_shows_even_if_dialogs_were_closed_meanwhile() {
        let step = Step::Closed.succeeded(&Outcome::Issued(Box::new(issued(9))));
        assert_eq!(step, Step::Value(issued(9)));
    }

    #[test]
    fn wrong_password_stays_in_password_dialog() {
        let pending = Pending::Create(form("ci"));
        for error in [
            AppError::InvalidPassword,
            AppError::ConfirmationLocked(30),
            AppError::Busy(1),
            AppError::invalid("password", "required"),
            AppError::Transport("offline".into()),
        ] {
            let step = Step::Password(pending.clone()).failed(&error);
            assert_eq!(step, Step::Password(pending.clone()), "{error:?}");
        }
    }

    #[test]
    fn refused_field_returns_to_the_form_it_came_from() {
        let error = AppError::invalid("description", "too long");
        let cases = [
            (Pending::Create(form("a")), FormMode::Generate),
            (Pending::Edit(token(2), form("b")), FormMode::Edit(token(2))),
            (Pending::Copy(token(5), form("c")), FormMode::Copy(token(5))),
        ];
        for (pending, mode) in cases {
            assert_eq!(Step::Password(pending).failed(&error), Step::Form(mode));
        }
    }

    #[test]
    fn refused_request_without_a_form_stays_in_password_dialog() {
        let error = AppError::invalid("ids", "unknown token");
        let remove = Step::Password(Pending::Remove(vec![1]));
        assert_eq!(remove.clone().failed(&error), remove);
        let regenerate = Step::Password(Pending::Regenerate(1, None));
        assert_eq!(regenerate.clone().failed(&error), regenerate);
    }

    #[test]
    fn failure_after_the_dialogs_closed_opens_nothing() {
        let error = AppError::invalid("description", "too long");
        assert_eq!(Step::Closed.failed(&error), Step::Closed);
    }

    #[test]
    fn regenerate_goes_edit_warning_password_value() {
        let step = Step::Form(FormMode::Edit(token(7))).regenerate();
        assert_eq!(step, Step::ConfirmRegenerate(token(7)));
        let step = step.confirm(None);
        assert_eq!(step, Step::Password(Pending::Regenerate(7, None)));
        assert_eq!(
            step.succeeded(&Outcome::Issued(Box::new(issued(7)))),
            Step::Value(issued(7))
        );
    }

    #[test]
    fn regenerate_is_only_offered_by_edit() {
        let generate = Step::Form(FormMode::Generate);
        assert_eq!(generate.clone().regenerate(), generate);
        let copy = Step::Form(FormMode::Copy(token(1)));
        assert_eq!(copy.clone().regenerate(), copy);
    }

    #[test]
    fn remove_goes_warning_password_closed() {
        let step = Step::remove(vec![token(1), token(2)]).unwrap();
        assert_eq!(step, Step::ConfirmRemove(vec![token(1), token(2)]));
        let step = step.confirm(None);
        assert_eq!(step, Step::Password(Pending::Remove(vec![1, 2])));
        assert_eq!(step.succeeded(&Outcome::Removed), Step::Closed);
    }

    #[test]
    fn remove_with_nothing_chosen_asks_nothing() {
        assert_eq!(Step::remove(Vec::new()), None);
    }

    #[test]
    fn transitions_from_the_wrong_step_change_nothing() {
        let value = Step::Value(issued(1));
        assert_eq!(value.clone().submit(form("x")), value);
        assert_eq!(value.clone().confirm(None), value);
        assert_eq!(Step::Closed.submit(form("x")), Step::Closed);
        assert_eq!(Step::Closed.confirm(None), Step::Closed);
    }

    #[test]
    fn password_dialog_names_the_change() {
        assert_eq!(Pending::Create(form("")).purpose(), Purpose::Create);
        assert_eq!(Pending::Copy(token(1), form("")).purpose(), Purpose::Copy);
        assert_eq!(Pending::Edit(token(1), form("")).purpose(), Purpose::Edit);
        assert_eq!(Pending::Regenerate(1, None).purpose(), Purpose::Regenerate);
        assert_eq!(Pending::Remove(vec![1]).purpose(), Purpose::RemoveOne);
        assert_eq!(Pending::Remove(vec![1, 2]).purpose(), Purpose::RemoveMany);
    }

    #[test]
    fn field_of_maps_form_and_rest_names() {
        let cases = [
            ("description", Some(Field::Description)),
            ("expires", Some(Field::Expires)),
            ("expiresAt", Some(Field::Expires)),
            ("methods", Some(Field::Methods)),
            ("apiList", Some(Field::Methods)),
            ("tokenTemplate", Some(Field::Methods)),
            ("ipAllowlist", Some(Field::Addresses)),
            ("envNames", Some(Field::Environments)),
            ("request", None),
            ("password", None),
        ];
        for (name, field) in cases {
            assert_eq!(field_of(&AppError::invalid(name, "no")), field, "{name}");
        }
        assert_eq!(field_of(&AppError::InvalidPassword), None);
        assert_eq!(field_of(&AppError::NotAuthenticated), None);
    }
}
