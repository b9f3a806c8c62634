//! The Two-factor tab: whether sign-in asks for a code from an authenticator app, how
//! many recovery codes are left, and the dialogs that set it up, regenerate the
//! recovery codes and disable it.
//!
//! This module wires the parts: `flow` (plain Rust, tested without a browser) says
//! which dialog comes next and where a refusal shows; `fields` holds what is typed;
//! `dialogs` and `codes` render the steps.

mod codes;
mod dialogs;
mod fields;
mod flow;

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::browser::{focus_first, focus_origin, focused_element, restore_focus};
use crate::error::AppError;
use crate::model::TwoFactorView;
use codes::RecoveryCodesDialog;
use dialogs::{BeginDialog, ConfirmDialog, ScanDialog};
use fields::Entry;
use flow::{Change, Field, Outcome, Step};

/// Makes the call of `step` with what was typed.
async fn send(step: Step, password: String, code: String) -> Result<Outcome, AppError> {
    match step {
        Step::Begin => api::two_factor_begin(password).await.map(Outcome::Started),
        Step::Scan(_) => api::two_factor_enable(password, code)
            .await
            .map(|r| Outcome::Codes(r.codes)),
        Step::Confirm(Change::Regenerate) => api::two_factor_regenerate(password, code)
            .await
            .map(|r| Outcome::Codes(r.codes)),
        Step::Confirm(Change::Disable) => api::two_factor_disable(password, code)
            .await
            .map(|_| Outcome::Disabled),
        Step::Closed | Step::Codes { .. } => Err(AppError::invalid("request", "nothing to send")),
    }
}

#[component]
pub fn TwoFactorTab() -> impl IntoView {
    let i18n = use_i18n();
    let status: RwSignal<Option<Result<TwoFactorView, AppError>>> = RwSignal::new(None);
    let step = RwSignal::new(Step::Closed);
    let entry = Entry::new();
    // What had focus when the dialogs opened: it gets it back when they close.
    let origin = focus_origin();

    // After a change the button that opened the dialogs may be gone: focus the first action.
    let load = move |refocus: bool| {
        spawn_local(async move {
            status.set(Some(api::two_factor_status().await));
            if refocus {
                request_animation_frame(|| focus_first("two-factor-actions", "button"));
            }
        })
    };
    Effect::new(move |_| load(false));

    // Every change of step goes through here, so the fields and focus follow it.
    let go = move |next: Step| {
        let was_closed = step.with_untracked(|s| *s == Step::Closed);
        if was_closed && next != Step::Closed {
            origin.set_value(focused_element());
        }
        match &next {
            Step::Closed => {
                entry.clear(false);
                origin.with_value(restore_focus);
            }
            Step::Scan(_) => entry.clear(true),
            _ => entry.clear(false),
        }
        step.set(next);
    };

    let submit = Callback::new(move |_| {
        if entry.busy.get_untracked() {
            return;
        }
        let current = step.get_untracked();
        let code = if current.fields().contains(&Field::Code) {
            match current.check_code(&entry.code.get_untracked()) {
                Ok(code) => code,
                Err(problem) => {
                    entry.problem.set(Some(problem));
                    focus_first("settings-frame", "#tf-code");
                    return;
                }
            }
        } else {
            String::new()
        };
        entry.problem.set(None);
        entry.busy.set(true);
        spawn_local(async move {
            let result = send(current.clone(), entry.password.get_untracked(), code).await;
            entry.busy.set(false);
            // Closed meanwhile (Cancel, Escape): a set-up that began is simply not shown.
            if step.with_untracked(|s| *s != current) {
                return;
            }
            match result {
                Ok(outcome) => {
                    let changed = !matches!(outcome, Outcome::Started(_));
                    let next = current.succeeded(outcome);
                    let closes = next == Step::Closed;
                    go(next);
                    if changed {
                        load(closes);
                    }
                }
                Err(error) => {
                    let problem = current.problem(&error);
                    let field = problem.field;
                    entry.problem.set(Some(problem));
                    match field {
                        Some(Field::Password) => focus_first("settings-frame", "#tf-password"),
                        Some(Field::Code) => focus_first("settings-frame", "#tf-code"),
                        None => {}
                    }
                }
            }
        });
    });

    let close = Callback::new(move |_| go(Step::Closed));
    let codes_done = Callback::new(move |_| {
        go(Step::Closed);
        request_animation_frame(|| focus_first("two-factor-actions", "button"));
    });
    let dialogs = move || match step.get() {
        Step::Closed => ().into_any(),
        Step::Begin => view! { <BeginDialog entry on_submit=submit on_close=close/> }.into_any(),
        Step::Scan(setup) => {
            view! { <ScanDialog setup entry on_submit=submit on_close=close/> }.into_any()
        }
        Step::Confirm(change) => {
            view! { <ConfirmDialog change entry on_submit=submit on_close=close/> }.into_any()
        }
        Step::Codes { codes, replaced } => {
            view! { <RecoveryCodesDialog codes replaced on_close=codes_done/> }.into_any()
        }
    };

    view! {
        <div class="two-factor-tab">
            <p class="muted">
                {t_string!(i18n, tf.intro)}
            </p>
            {move || match status.get() {
                None => view! { <p class="loading">{t_string!(i18n, common.loading)}</p> }.into_any(),
                Some(Err(error)) => view! { <p class="error" role="alert">{crate::language::error_text(i18n, &error)}</p> }.into_any(),
                Some(Ok(state)) => view! { <Status state on_step=Callback::new(go)/> }.into_any(),
            }}
            {dialogs}
        </div>
    }
}

/// Whether two-factor sign-in is on, the recovery codes left, and what can be done.
#[component]
fn Status(state: TwoFactorView, on_step: Callback<Step>) -> impl IntoView {
    let i18n = use_i18n();
    let left = state.recovery_codes_left;
    let codes_note = match left {
        0 => t_string!(i18n, tf.no_codes_left).to_string(),
        1 => t_string!(i18n, tf.one_code_left).to_string(),
        n => crate::tf!(i18n, tf.codes_left, n = n),
    };
    if !state.enabled {
        return view! {
            <p data-testid="two-factor-status">
                <span class="badge muted-badge">{t_string!(i18n, tf.off)}</span>
                " " {t_string!(i18n, tf.is_off)}
            </p>
            <div class="toolbar" id="two-factor-actions">
                <button type="button" class="primary" on:click=move |_| on_step.run(Step::Begin)>
                    {t_string!(i18n, tf.set_up)}
                </button>
            </div>
        }
        .into_any();
    }
    view! {
        <p data-testid="two-factor-status">
            <span class="badge ok">{t_string!(i18n, tf.on)}</span>
            " " {t_string!(i18n, tf.is_on)}
        </p>
        <p data-testid="recovery-codes-left" class:warning=left <= 3>{codes_note}</p>
        <div class="toolbar" id="two-factor-actions">
            <button type="button" on:click=move |_| on_step.run(Step::Confirm(Change::Regenerate))>
                {t_string!(i18n, tf.regenerate_codes)}
            </button>
            <button type="button" class="danger" on:click=move |_| on_step.run(Step::Confirm(Change::Disable))>
                {t_string!(i18n, tf.disable_title)}
            </button>
        </div>
    }
    .into_any()
}
