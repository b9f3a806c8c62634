//! The warnings before a change that breaks scripts: Remove and Regenerate.

use leptos::prelude::*;

use crate::model::TokenView;
use crate::pages::settings::dialog::Dialog;

/// Lists the tokens Remove is about to remove.
#[component]
pub fn RemoveDialog(
    tokens: Vec<TokenView>,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let n = tokens.len();
    let title = if n == 1 {
        "Remove access token".to_string()
    } else {
        format!("Remove {n} access tokens")
    };
    view! {
        <Dialog id="remove-dialog" title=title on_close>
            <p>"These tokens will stop working at once, for every script that uses them:"</p>
            <ul class="remove-list">
                {tokens.into_iter().map(|t| view! { <li>{t.description}</li> }).collect_view()}
            </ul>
            <div class="dialog-actions">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger" autofocus on:click=move |_| on_confirm.run(())>
                    "Remove"
                </button>
            </div>
        </Dialog>
    }
}

/// Warns that the current value of `token` stops working when it is regenerated.
#[component]
pub fn RegenerateDialog(
    token: TokenView,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Dialog id="regenerate-dialog" title="Regenerate token" on_close>
            <p>
                "A new value will be made for “" {token.description.clone()} "”. "
                <strong>"The current value stops working at once"</strong>
                ": every script or CI job that uses it must be updated. Its description, expiry and permissions stay as they are."
            </p>
            {token.expired.then(|| view! {
                <p class="warning">"This token has expired: give it a new expiry date with Edit, or the new value will not work either."</p>
            })}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger" autofocus on:click=move |_| on_confirm.run(())>
                    "Regenerate"
                </button>
            </div>
        </Dialog>
    }
}
