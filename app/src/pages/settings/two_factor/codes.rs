//! New recovery codes, shown once.

use leptos::prelude::*;

use crate::pages::settings::dialog::Dialog;
use crate::pages::settings::show_once::ShowOnceActions;

/// The file Download saves.
const FILE_NAME: &str = "kunci-recovery-codes.txt";

/// Shows new recovery codes once, with Copy and Download; Done (and Escape) only after
/// "I have saved these codes". Closing forgets them. `replaced`: older codes stopped working.
#[component]
pub fn RecoveryCodesDialog(
    codes: Vec<String>,
    replaced: bool,
    on_close: Callback<()>,
) -> impl IntoView {
    let text: RwSignal<String> = RwSignal::new(codes.iter().map(|c| format!("{c}\n")).collect());
    let saved = RwSignal::new(false);
    let close = Callback::new(move |_| {
        // Drop the only copy the page holds.
        text.set(String::new());
        on_close.run(());
    });
    let escape = Callback::new(move |_| {
        if saved.get_untracked() {
            close.run(());
        }
    });
    let title = if replaced {
        "Your new recovery codes"
    } else {
        "Your recovery codes"
    };
    view! {
        <Dialog id="recovery-codes-dialog" title=title on_close=escape>
            <p class="warning" role="note">
                <strong>"Save these codes now: they will not be shown again."</strong>
                " Each one signs you in once if you lose your authenticator app."
                {replaced.then_some(" Your previous codes no longer work.")}
            </p>
            <ol class="recovery-codes" aria-label="Recovery codes" tabindex="-1" autofocus>
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <label class="check-label">
                <input
                    type="checkbox"
                    prop:checked=move || saved.get()
                    on:change=move |ev| saved.set(event_target_checked(&ev))
                />
                "I have saved these codes"
            </label>
            <ShowOnceActions text file_name=FILE_NAME.to_string() ready=saved on_done=close/>
        </Dialog>
    }
}
