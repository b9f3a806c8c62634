//! What the two-factor dialogs type, and the fields that show it: the password and a
//! code, each with its error after the input (outside the label, so a shown error does
//! not change the field's name) and tied to it by `aria-describedby`.

use leptos::prelude::*;

use crate::i18n::*;

use super::flow::{Field, Problem, Says};
use crate::error::{AppError, Refusal};
use crate::language::{error_text, I18n};

/// What a refusal says, in the page's language: a wrong password plainly, a malformed
/// code like a wrong one, anything else as the error reads.
fn says_text(i18n: I18n, says: &Says) -> String {
    match says {
        Says::CodeOrRecoveryCode => t_string!(i18n, tf.enter_code_or_recovery).to_string(),
        Says::SixDigitCode => t_string!(i18n, tf.enter_six_digits).to_string(),
        Says::Refused(AppError::InvalidPassword) => t_string!(i18n, password.wrong).to_string(),
        // A malformed code reads like a wrong one; the flow's other refusals (nothing
        // being set up, changed meanwhile...) as they are.
        Says::Refused(e @ AppError::InvalidParameter { name, .. })
            if name == "code"
                && matches!(
                    e.refusal(),
                    None | Some(Refusal::CodeMalformed | Refusal::CodeRequired)
                ) =>
        {
            t_string!(i18n, errors.invalid_code).to_string()
        }
        Says::Refused(other) => error_text(i18n, other),
    }
}

/// The typed password and code, kept by the tab so a refused dialog keeps them, the
/// refusal, and whether a call is under way.
#[derive(Clone, Copy)]
pub struct Entry {
    pub password: RwSignal<String>,
    pub code: RwSignal<String>,
    pub problem: RwSignal<Option<Problem>>,
    pub busy: RwSignal<bool>,
    i18n: I18n,
}

impl Entry {
    pub fn new() -> Entry {
        Entry {
            password: RwSignal::new(String::new()),
            code: RwSignal::new(String::new()),
            problem: RwSignal::new(None),
            busy: RwSignal::new(false),
            i18n: use_i18n(),
        }
    }

    /// Empties the fields (`keep_password`: the set-up's second step still needs it).
    pub fn clear(self, keep_password: bool) {
        if !keep_password {
            self.password.set(String::new());
        }
        self.code.set(String::new());
        self.problem.set(None);
    }

    /// The message shown next to `field`.
    fn error_for(self, field: Field) -> Signal<Option<String>> {
        Signal::derive(move || {
            self.problem.with(|p| {
                p.as_ref()
                    .filter(|p| p.field == Some(field))
                    .map(|p| says_text(self.i18n, &p.says))
            })
        })
    }
}

/// The account password.
#[component]
pub fn PasswordField(entry: Entry) -> impl IntoView {
    let i18n = use_i18n();
    let error = entry.error_for(Field::Password);
    view! {
        <div class="stacked-field">
            <label for="tf-password">{t_string!(i18n, password.label)}</label>
            <input
                id="tf-password"
                type="password"
                name="password"
                autocomplete="current-password"
                required
                autofocus
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="tf-password-error"
                prop:value=move || entry.password.get()
                on:input=move |ev| entry.password.set(event_target_value(&ev))
            />
            <span id="tf-password-error" class="field-error" role="alert" class:hidden=move || error.with(Option::is_none)>
                {error}
            </span>
        </div>
    }
}

/// A code from the authenticator app (or, where `hint` says so, a recovery code).
#[component]
pub fn CodeField(entry: Entry, hint: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let error = entry.error_for(Field::Code);
    view! {
        <div class="stacked-field">
            <label for="tf-code">{t_string!(i18n, tf.code_label)}</label>
            <input
                id="tf-code"
                type="text"
                name="code"
                autocomplete="one-time-code"
                spellcheck="false"
                autocapitalize="off"
                maxlength="40"
                required
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="tf-code-hint tf-code-error"
                prop:value=move || entry.code.get()
                on:input=move |ev| entry.code.set(event_target_value(&ev))
            />
            <small id="tf-code-hint" class="muted">{hint}</small>
            <span id="tf-code-error" class="field-error" role="alert" class:hidden=move || error.with(Option::is_none)>
                {error}
            </span>
        </div>
    }
}

/// A refusal that belongs to no field of the dialog, under the form.
#[component]
pub fn FormError(entry: Entry) -> impl IntoView {
    let message = move || {
        entry.problem.with(|p| {
            p.as_ref()
                .filter(|p| p.field.is_none())
                .map(|p| says_text(entry.i18n, &p.says))
        })
    };
    move || message().map(|m| view! { <p class="error" role="alert">{m}</p> })
}

/// The dialog's submit button: `label`, or `busy_label` while the call runs.
#[component]
pub fn SubmitButton(
    entry: Entry,
    label: &'static str,
    busy_label: &'static str,
    #[prop(optional)] danger: bool,
) -> impl IntoView {
    view! {
        <button type="submit" class:primary=!danger class:danger=danger disabled=move || entry.busy.get()>
            {move || if entry.busy.get() { busy_label } else { label }}
        </button>
    }
}
