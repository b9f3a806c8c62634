//! The password step: the dialog that confirms a change, and the call that makes it.

use leptos::prelude::*;

use super::flow::{Outcome, Pending};
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
    let password = RwSignal::new(String::new());
    let what = pending.purpose();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            on_confirm.run((pending.clone(), password.get_untracked()));
        }
    };
    let message = move || {
        error.get().map(|e| match e {
            AppError::InvalidPassword => "Wrong password. Nothing was changed.".to_string(),
            other => other.to_string(),
        })
    };
    view! {
        <Dialog id="password-dialog" title="Confirm with your password" on_close>
            <form on:submit=submit>
                <p>{format!("Enter your account password to {what}.")}</p>
                <label>
                    "Password"
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
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Confirming…" } else { "Confirm" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
