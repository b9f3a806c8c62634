//! The new token value, shown once.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{copy_to_clipboard, download_text, file_name_for};
use crate::model::IssuedToken;
use crate::pages::settings::dialog::Dialog;

/// Shows a new token value once, with Copy and Download. Closing forgets it.
#[component]
pub fn ValueDialog(issued: IssuedToken, on_close: Callback<()>) -> impl IntoView {
    let value: RwSignal<String> = RwSignal::new(issued.value);
    let copied: RwSignal<Option<bool>> = RwSignal::new(None);
    let file_name = file_name_for(&issued.token.description);
    let close = Callback::new(move |_| {
        // Drop the only copy the page holds.
        value.set(String::new());
        on_close.run(());
    });
    let copy = move |_| {
        let v = value.get_untracked();
        spawn_local(async move {
            copied.set(Some(copy_to_clipboard(&v).await));
        });
    };
    let download = {
        let file_name = file_name.clone();
        move |_| {
            download_text(&file_name, &value.get_untracked());
        }
    };
    view! {
        <Dialog id="value-dialog" title="Your new access token" on_close=close>
            <p class="warning" role="note">
                <strong>"Save it now: this value will not be shown again."</strong>
                " If you lose it, regenerate the token from its Edit dialog."
            </p>
            <label>
                {format!("Token for “{}”", issued.token.description)}
                <input
                    type="text"
                    class="token-value"
                    readonly
                    autofocus
                    prop:value=move || value.get()
                    on:focus=move |ev| {
                        #[cfg(feature = "hydrate")]
                        {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }
                />
            </label>
            <p class="muted small">
                "Use it as the " <code>"session"</code> " parameter or as " <code>"Authorization: Bearer …"</code> "."
            </p>
            <p class="copied" role="status" aria-live="polite">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Could not copy: select the value and copy it by hand.",
                    None => "",
                }}
            </p>
            <div class="dialog-actions">
                <button type="button" on:click=copy>"Copy"</button>
                <button type="button" on:click=download>{format!("Download {file_name}")}</button>
                <button type="button" class="primary" on:click=move |_| close.run(())>"Done"</button>
            </div>
        </Dialog>
    }
}
