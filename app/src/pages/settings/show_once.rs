//! What every secret shown once shares (a new token value, new recovery codes): Copy
//! with its outcome announced, Download as a text file, and Done.

use leptos::prelude::*;
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
    view! {
        <p class="copied" role="status" aria-live="polite">
            {move || match copied.get() {
                Some(true) => "Copied to the clipboard.",
                Some(false) => "Could not copy: select the text and copy it by hand.",
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
    let label = format!("Download {file_name}");
    view! {
        <CopyStatus copied/>
        <div class="dialog-actions">
            <button type="button" on:click=move |_| copy_text(text.get_untracked(), copied)>"Copy"</button>
            <button
                type="button"
                on:click=move |_| {
                    download_text(&file_name, &text.get_untracked());
                }
            >
                {label}
            </button>
            <button type="button" class="primary" disabled=move || !ready.get() on:click=move |_| on_done.run(())>
                "Done"
            </button>
        </div>
    }
}
