//! The new token value, shown once.

use leptos::prelude::*;

use crate::i18n::*;

use crate::browser::file_name_for;
use crate::model::IssuedToken;
use crate::pages::settings::dialog::Dialog;
use crate::pages::settings::show_once::ShowOnceActions;

/// Shows a new token value once, with Copy and Download. Closing forgets it.
#[component]
pub fn ValueDialog(issued: IssuedToken, on_close: Callback<()>) -> impl IntoView {
    let value: RwSignal<String> = RwSignal::new(issued.value);
    let i18n = use_i18n();
    let file_name = file_name_for(&issued.token.description);
    let close = Callback::new(move |_| {
        // Drop the only copy the page holds.
        value.set(String::new());
        on_close.run(());
    });
    view! {
        <Dialog id="value-dialog" title=t_string!(i18n, value.title) on_close=close>
            <p class="warning" role="note">
                <strong>{t_string!(i18n, value.save_now)}</strong>
                " " {t_string!(i18n, value.lost)}
            </p>
            <label>
                {crate::tf!(i18n, value.token_for, description = issued.token.description)}
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
                {t_string!(i18n, value.use_as)} " " <code>"session"</code> " " {t_string!(i18n, value.use_or)} " " <code>"Authorization: Bearer …"</code> "."
            </p>
            <ShowOnceActions text=value file_name ready=true on_done=close/>
        </Dialog>
    }
}
