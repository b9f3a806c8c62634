//! The modal dialog every tab of Settings (and the environment detail) uses, and the flag
//! that tells the Settings frame one is open.

use leptos::prelude::*;

use crate::browser::{focus_first, trap_tab};

/// Whether a dialog is open inside the Settings frame.
#[derive(Clone, Copy)]
pub(super) struct DialogOpen(pub(super) RwSignal<bool>);

/// A modal dialog: `role=dialog`, labelled by its title, focus moved into it on open,
/// kept inside by Tab, and Escape runs `on_close`.
#[component]
pub(crate) fn Dialog(
    id: &'static str,
    #[prop(into)] title: String,
    on_close: Callback<()>,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    if let Some(DialogOpen(open)) = use_context::<DialogOpen>() {
        open.set(true);
        on_cleanup(move || open.set(false));
    }
    Effect::new(move |_| {
        focus_first(
            id,
            "[autofocus], input:not([type=hidden]), select, textarea, button",
        )
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        }
        "Tab" => trap_tab(id, &ev),
        _ => {}
    };
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                class:wide=wide
                id=id
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                on:keydown=on_keydown
            >
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </div>
    }
}
