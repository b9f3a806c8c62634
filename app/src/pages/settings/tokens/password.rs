//! The password step: the dialog that confirms a change, and the call that makes it.

use leptos::prelude::*;

use crate::i18n::*;

use super::flow::{Outcome, Pending, Purpose};
use crate::api;
use crate::error::AppError;
use crate::pages::settings::dialog::Dialog;

/// Makes the confirmed change on the server.
pub async fn send(pending: Pending, password: String) -> Result<Outcome, AppError> {
    match pending {
        Pending::Create(f) => api::create_token(f, password)
            .await
            .map(|i| Outcome::Issued(Box::new(i))),
        Pending::Copy(t, f) => api::copy_token(t.id, f, password)
            .await
            .map(|i| Outcome::Issued(Box::new(i))),
        Pending::Regenerate(id, expires) => api::regenerate_token(id, expires, password)
            .await
            .map(|i| Outcome::Issued(Box::new(i))),
        Pending::Edit(t, f) => api::edit_token(t.id, f, password)
            .await
            .map(|t| Outcome::Saved(t.id)),
        Pending::Remove(ids) => api::delete_tokens(ids, password)
            .await
            .map(|_| Outcome::Removed),
    }
}

/// Asks for the account password before a change; a wrong one shows here and changes nothing.
#[component]
pub fn PasswordDialog(
    pending: Pending,
    error: RwSignal<Option<AppError>>,
    busy: RwSignal<bool>,
    on_confirm: Callback<(Pending, String)>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    let what = match pending.purpose() {
        Purpose::Create => t_string!(i18n, password.purpose_create),
        Purpose::Copy => t_string!(i18n, password.purpose_copy),
        Purpose::Edit => t_string!(i18n, password.purpose_edit),
        Purpose::Regenerate => t_string!(i18n, password.purpose_regenerate),
        Purpose::RemoveOne => t_string!(i18n, password.purpose_remove_one),
        Purpose::RemoveMany => t_string!(i18n, password.purpose_remove_many),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            on_confirm.run((pending.clone(), password.get_untracked()));
        }
    };
    let message = move || {
        error.get().map(|e| match e {
            AppError::InvalidPassword => t_string!(i18n, password.wrong).to_string(),
            other => crate::language::error_text(i18n, &other),
        })
    };
    view! {
        <Dialog id="password-dialog" title=t_string!(i18n, password.title) on_close>
            <form on:submit=submit>
                <p>{crate::tf!(i18n, password.prompt, what = what)}</p>
                <label>
                    {t_string!(i18n, password.label)}
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        autofocus
                        aria-invalid=move || error.with(|e| e.is_some()).to_string()
                        aria-describedby="password-error"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <p id="password-error" class="error" role="alert" class:hidden=move || message().is_none()>
                    {message}
                </p>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { t_string!(i18n, password.confirming) } else { t_string!(i18n, password.confirm) }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
