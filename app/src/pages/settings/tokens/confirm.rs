//! The warnings before a change that breaks scripts: Remove and Regenerate.

use leptos::prelude::*;

use crate::browser::now_utc;
use crate::model::{iso_to_ui_date, ui_to_iso_date, TokenPolicyView, TokenView};
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

/// Warns that the current value of `token` stops working when it is regenerated. An
/// expired token asks for its new expiry in the same step (its new value would be dead
/// on arrival otherwise), checked in the browser with the server's rule.
#[component]
pub fn RegenerateDialog(
    token: TokenView,
    policy: TokenPolicyView,
    on_confirm: Callback<Option<String>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let expired = token.expired;
    let rule = policy.rule();
    let expires = RwSignal::new(
        rule.preset_day(now_utc())
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let accept = move |_| {
        if !expired {
            on_confirm.run(None);
            return;
        }
        let now = now_utc();
        let typed = expires.get_untracked().trim().to_string();
        let checked = if typed.is_empty() && rule.max_days.is_none() {
            Err("an expired token needs a new expiry date".to_string())
        } else {
            rule.parse_dd_mm_yyyy(&typed, now, now)
                .map_err(|e| e.to_string())
        };
        match checked {
            Ok(_) => on_confirm.run(Some(typed)),
            Err(m) => error.set(Some(m)),
        }
    };
    let latest = rule.latest_day(now_utc(), now_utc()).to_iso();
    view! {
        <Dialog id="regenerate-dialog" title="Regenerate token" on_close>
            <p>
                "A new value will be made for “" {token.description.clone()} "”. "
                <strong>"The current value stops working at once"</strong>
                {if expired {
                    ": every script or CI job that uses it must be updated. Its description and permissions stay as they are."
                } else {
                    ": every script or CI job that uses it must be updated. Its description, expiry and permissions stay as they are."
                }}
            </p>
            {expired.then(|| view! {
                <p class="warning">"This token has expired: give it a new expiry date, or the new value will not work either."</p>
                <div class="expires-field">
                    <label for="regenerate-expires">"New expiry (dd-mm-yyyy)"</label>
                    <div class="date-row">
                        <input
                            id="regenerate-expires"
                            type="text"
                            name="expires"
                            inputmode="numeric"
                            placeholder="dd-mm-yyyy"
                            autocomplete="off"
                            aria-invalid=move || error.with(Option::is_some).to_string()
                            aria-describedby="regenerate-expires-error"
                            prop:value=move || expires.get()
                            on:input=move |ev| expires.set(event_target_value(&ev))
                        />
                        <input
                            type="date"
                            class="date-picker"
                            aria-label="Pick the new expiry date"
                            max=latest.clone()
                            prop:value=move || ui_to_iso_date(&expires.get()).unwrap_or_default()
                            on:change=move |ev| {
                                if let Some(d) = iso_to_ui_date(&event_target_value(&ev)) {
                                    expires.set(d);
                                }
                            }
                        />
                    </div>
                    <span id="regenerate-expires-error" class="field-error" role="alert" class:hidden=move || error.with(Option::is_none)>
                        {move || error.get()}
                    </span>
                </div>
            })}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger" autofocus on:click=accept>
                    "Regenerate"
                </button>
            </div>
        </Dialog>
    }
}
