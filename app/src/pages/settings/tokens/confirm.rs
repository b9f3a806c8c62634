//! The warnings before a change that breaks scripts: Remove and Regenerate.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::expiry_problem;

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
    let i18n = use_i18n();
    let n = tokens.len();
    let title = if n == 1 {
        t_string!(i18n, confirm.remove_one).to_string()
    } else {
        crate::tf!(i18n, confirm.remove_many, n = n)
    };
    view! {
        <Dialog id="remove-dialog" title=title on_close>
            <p>{t_string!(i18n, confirm.remove_text)}</p>
            <ul class="remove-list">
                {tokens.into_iter().map(|t| view! { <li>{t.description}</li> }).collect_view()}
            </ul>
            <div class="dialog-actions">
                <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                <button type="button" class="danger" autofocus on:click=move |_| on_confirm.run(())>
                    {t_string!(i18n, tokens.remove)}
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
    let i18n = use_i18n();
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
            Err(t_string!(i18n, rules.expired_needs_date).to_string())
        } else {
            rule.parse_dd_mm_yyyy(&typed, now, now)
                .map_err(|e| expiry_problem(i18n, e))
        };
        match checked {
            Ok(_) => on_confirm.run(Some(typed)),
            Err(m) => error.set(Some(m)),
        }
    };
    let latest = rule.latest_day(now_utc(), now_utc()).to_iso();
    view! {
        <Dialog id="regenerate-dialog" title=t_string!(i18n, confirm.regenerate_title) on_close>
            <p>
                {crate::tf!(i18n, confirm.regenerate_intro, description = token.description)} " "
                <strong>{t_string!(i18n, confirm.regenerate_stops)}</strong>
                {if expired {
                    t_string!(i18n, confirm.regenerate_keeps_expired)
                } else {
                    t_string!(i18n, confirm.regenerate_keeps)
                }}
            </p>
            {expired.then(|| view! {
                <p class="warning">{t_string!(i18n, confirm.expired_warning)}</p>
                <div class="expires-field">
                    <label for="regenerate-expires">{t_string!(i18n, confirm.new_expiry)}</label>
                    <div class="date-row">
                        <input
                            id="regenerate-expires"
                            type="text"
                            name="expires"
                            inputmode="numeric"
                            placeholder=t_string!(i18n, form.date_placeholder)
                            autocomplete="off"
                            aria-invalid=move || error.with(Option::is_some).to_string()
                            aria-describedby="regenerate-expires-error"
                            prop:value=move || expires.get()
                            on:input=move |ev| expires.set(event_target_value(&ev))
                        />
                        <input
                            type="date"
                            class="date-picker"
                            aria-label=t_string!(i18n, confirm.pick_new_expiry)
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
                <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                <button type="button" class="danger" autofocus on:click=accept>
                    {t_string!(i18n, confirm.regenerate)}
                </button>
            </div>
        </Dialog>
    }
}
