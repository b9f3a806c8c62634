//! What every secret shown once shares (a new token value, new recovery codes): Copy
//! with its outcome announced, Download as a text file, and Done.

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::browser::{copy_to_clipboard, download_text};

/// Copies `text` to the clipboard; `copied` becomes the outcome.
pub fn copy_text(text: String, copied: RwSignal<Option<bool>>) {
    spawn_local(async move {
        copied.set(Some(copy_to_clipboard(&text).await));
    });
}

/// Announces the outcome of the last Copy.
#[component]
pub fn CopyStatus(copied: RwSignal<Option<bool>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="copied" role="status" aria-live="polite">
            {move || match copied.get() {
                Some(true) => t_string!(i18n, show_once.copied),
                Some(false) => t_string!(i18n, show_once.copy_failed),
                None => "",
            }}
        </p>
    }
}

/// Copy and Download of `text` (the file named `file_name`), and Done, offered once
/// `ready` (e.g. after "I have saved these codes").
#[component]
pub fn ShowOnceActions(
    #[prop(into)] text: Signal<String>,
    file_name: String,
    #[prop(into)] ready: Signal<bool>,
    on_done: Callback<()>,
) -> impl IntoView {
    let copied: RwSignal<Option<bool>> = RwSignal::new(None);
    let i18n = use_i18n();
    let label = crate::tf!(i18n, show_once.download, file = file_name);
    view! {
        <CopyStatus copied/>
        <div class="dialog-actions">
            <button type="button" on:click=move |_| copy_text(text.get_untracked(), copied)>{t_string!(i18n, show_once.copy)}</button>
            <button
                type="button"
                on:click=move |_| {
                    download_text(&file_name, &text.get_untracked());
                }
            >
                {label}
            </button>
            <button type="button" class="primary" disabled=move || !ready.get() on:click=move |_| on_done.run(())>
                {t_string!(i18n, show_once.done)}
            </button>
        </div>
    }
}
