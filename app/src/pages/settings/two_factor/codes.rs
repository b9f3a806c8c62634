//! New recovery codes, shown once.

use leptos::prelude::*;

use crate::i18n::*;

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
    let i18n = use_i18n();
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
        t_string!(i18n, tf.new_codes_title)
    } else {
        t_string!(i18n, tf.codes_title)
    };
    view! {
        <Dialog id="recovery-codes-dialog" title=title on_close=escape>
            <p class="warning" role="note">
                <strong>{t_string!(i18n, tf.save_codes)}</strong>
                " " {t_string!(i18n, tf.each_once)}
                {replaced.then(|| format!(" {}", t_string!(i18n, tf.previous_gone)))}
            </p>
            <ol class="recovery-codes" aria-label=t_string!(i18n, tf.codes_label) tabindex="-1" autofocus>
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <label class="check-label">
                <input
                    type="checkbox"
                    prop:checked=move || saved.get()
                    on:change=move |ev| saved.set(event_target_checked(&ev))
                />
                {t_string!(i18n, tf.saved_codes)}
            </label>
            <ShowOnceActions text file_name=FILE_NAME.to_string() ready=saved on_done=close/>
        </Dialog>
    }
}
