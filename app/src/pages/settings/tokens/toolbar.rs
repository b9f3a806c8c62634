//! The toolbar over the token list: Generate, Edit, Copy and Details (one token selected),
//! Remove (any selected), Refresh (when not loading), and the selection count.

use leptos::prelude::*;

use crate::i18n::*;

use super::flow::FormMode;
use super::selection::Selection;
use crate::model::TokenView;

#[component]
pub fn Toolbar(
    #[prop(into)] tokens: Signal<Vec<TokenView>>,
    #[prop(into)] selection: Signal<Selection>,
    #[prop(into)] loading: Signal<bool>,
    on_form: Callback<FormMode>,
    on_remove: Callback<Vec<TokenView>>,
    on_refresh: Callback<()>,
    /// Opens the selected token's detail view (facts, addresses, activity).
    on_details: Callback<TokenView>,
) -> impl IntoView {
    let i18n = use_i18n();
    let single = move || selection.with(|s| tokens.with(|t| s.single(t)));
    let open = move |mode: fn(TokenView) -> FormMode| {
        if let Some(t) = single() {
            on_form.run(mode(t));
        }
    };
    let remove = move |_| {
        let chosen = selection.with_untracked(|s| tokens.with_untracked(|t| s.chosen(t)));
        on_remove.run(chosen);
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label=t_string!(i18n, tokens.toolbar_label)>
            <button type="button" class="primary" on:click=move |_| on_form.run(FormMode::Generate)>{t_string!(i18n, tokens.generate)}</button>
            <button type="button" disabled=move || single().is_none() on:click=move |_| open(FormMode::Edit)>
                {t_string!(i18n, tokens.edit)}
            </button>
            <button type="button" disabled=move || single().is_none() on:click=move |_| open(FormMode::Copy)>
                {t_string!(i18n, tokens.copy)}
            </button>
            <button
                type="button"
                disabled=move || single().is_none()
                on:click=move |_| {
                    if let Some(t) = single() {
                        on_details.run(t);
                    }
                }
            >
                {t_string!(i18n, tokens.details)}
            </button>
            <button type="button" disabled=move || selection.with(Selection::is_empty) on:click=remove>
                {t_string!(i18n, tokens.remove)}
            </button>
            <button type="button" on:click=move |_| on_refresh.run(()) disabled=move || loading.get()>
                {t_string!(i18n, tokens.refresh)}
            </button>
            <span class="toolbar-note muted" aria-live="polite">
                {move || match selection.with(Selection::len) {
                    0 => String::new(),
                    n => crate::tf!(i18n, tokens.selected, n = n),
                }}
            </span>
        </div>
    }
}
