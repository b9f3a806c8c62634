//! The expiry banner: while any of the account's tokens expires within 7 days or
//! expired within the last 7 (the window is the core's rule, asked of the server), it
//! names them, each with Edit and Regenerate. On the dashboard a button opens Settings
//! on the Access Tokens tab with that dialog open ([`TokenIntent`]); on the tab it opens
//! the dialog directly.

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::model::{wire_to_ui_datetime, TokenView};

/// What the banner asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryAction {
    Edit,
    Regenerate,
}

/// The dashboard's request to the Access Tokens tab: open this dialog for this token
/// once the list is loaded.
#[derive(Debug, Clone, Copy)]
pub struct TokenIntent(pub RwSignal<Option<(ExpiryAction, TokenView)>>);

/// The banner; empty while no token is in the window. It asks again whenever `version`
/// changes (a token was changed).
#[component]
pub fn ExpiryBanner(
    #[prop(into)] version: Signal<u64>,
    on_action: Callback<(ExpiryAction, TokenView)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let notices: RwSignal<Vec<TokenView>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        version.track();
        spawn_local(async move {
            if let Ok(list) = api::expiry_notices().await {
                notices.set(list);
            }
        })
    });
    view! {
        <Show when=move || notices.with(|n| !n.is_empty())>
            <section class="expiry-banner warning" aria-label=t_string!(i18n, expiry.label) data-testid="expiry-banner" role="status">
                <p><strong>{t_string!(i18n, expiry.heading)}</strong></p>
                <ul>
                    <For each=move || notices.get() key=|t| (t.id, t.expires_at.clone()) let:token>
                        <ExpiryItem token on_action/>
                    </For>
                </ul>
            </section>
        </Show>
    }
}

#[component]
fn ExpiryItem(token: TokenView, on_action: Callback<(ExpiryAction, TokenView)>) -> impl IntoView {
    let i18n = use_i18n();
    let at = token
        .expires_at
        .as_deref()
        .map(wire_to_ui_datetime)
        .unwrap_or_default();
    let when = if token.expired {
        crate::tf!(i18n, expiry.expired_on, at = at)
    } else {
        crate::tf!(i18n, expiry.expires_on, at = at)
    };
    let (edit, regenerate) = (token.clone(), token.clone());
    view! {
        <li data-testid="expiry-notice" data-token-id=token.id>
            "“" {token.description.clone()} "” (#" {token.id} ") " {when} " "
            <button
                type="button"
                class="link-button"
                aria-label=crate::tf!(i18n, expiry.edit_label, description = token.description)
                on:click=move |_| on_action.run((ExpiryAction::Edit, edit.clone()))
            >
                {t_string!(i18n, tokens.edit)}
            </button>
            " "
            <button
                type="button"
                class="link-button"
                aria-label=crate::tf!(i18n, expiry.regenerate_label, description = token.description)
                on:click=move |_| on_action.run((ExpiryAction::Regenerate, regenerate.clone()))
            >
                {t_string!(i18n, confirm.regenerate)}
            </button>
        </li>
    }
}
