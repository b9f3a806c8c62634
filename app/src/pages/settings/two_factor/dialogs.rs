//! The dialogs that ask: the password before a set-up, the QR code and a first code,
//! and the password with a code before Regenerate or Disable.

use leptos::prelude::*;

use crate::i18n::*;

use super::fields::{CodeField, Entry, FormError, PasswordField, SubmitButton};
use super::flow::{grouped, Change};
use crate::browser::focus_first;
use crate::model::TwoFactorSetup;
use crate::pages::settings::dialog::Dialog;
use crate::pages::settings::show_once::{copy_text, CopyStatus};

fn on_submit(on_submit: Callback<()>) -> impl Fn(leptos::ev::SubmitEvent) {
    move |ev| {
        ev.prevent_default();
        on_submit.run(());
    }
}

/// Set up, first: the password.
#[component]
pub fn BeginDialog(entry: Entry, on_submit: Callback<()>, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Dialog id="two-factor-begin" title=t_string!(i18n, tf.set_up) on_close>
            <form on:submit=self::on_submit(on_submit) novalidate>
                <p>{t_string!(i18n, tf.begin_text)}</p>
                <PasswordField entry/>
                <FormError entry/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                    <SubmitButton entry label=t_string!(i18n, tf.next) busy_label=t_string!(i18n, tf.checking)/>
                </div>
            </form>
        </Dialog>
    }
}

/// Set up, second: the QR code (and the key to type when it cannot be scanned), and
/// the first code from the app, which turns two-factor sign-in on.
#[component]
pub fn ScanDialog(
    setup: TwoFactorSetup,
    entry: Entry,
    on_submit: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let copied: RwSignal<Option<bool>> = RwSignal::new(None);
    // The code field, not the first control (Copy key): after scanning, the code is next.
    Effect::new(|_| request_animation_frame(|| focus_first("two-factor-scan", "#tf-code")));
    let secret = setup.secret;
    let shown = grouped(&secret);
    // The container is the image, with its name; the drawing inside is not a second one.
    let qr = setup
        .qr_svg
        .replacen("<svg", "<svg aria-hidden=\"true\"", 1);
    view! {
        <Dialog id="two-factor-scan" title=t_string!(i18n, tf.set_up) on_close>
            <form on:submit=self::on_submit(on_submit) novalidate>
                <p>{t_string!(i18n, tf.scan)}</p>
                <div class="qr-code" role="img" aria-label=t_string!(i18n, tf.qr_label) inner_html=qr></div>
                <p class="muted small">{t_string!(i18n, tf.cannot_scan)}</p>
                <div class="secret-row">
                    <code class="totp-secret" data-testid="totp-secret">{shown}</code>
                    <button type="button" on:click=move |_| copy_text(secret.clone(), copied)>{t_string!(i18n, tf.copy_key)}</button>
                </div>
                <CopyStatus copied/>
                <p>{t_string!(i18n, tf.enter_code)}</p>
                <CodeField entry hint=t_string!(i18n, tf.codes_change)/>
                <FormError entry/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                    <SubmitButton entry label=t_string!(i18n, tf.enable) busy_label=t_string!(i18n, tf.enabling)/>
                </div>
            </form>
        </Dialog>
    }
}

/// Regenerate or Disable: the password and a code.
#[component]
pub fn ConfirmDialog(
    change: Change,
    entry: Entry,
    on_submit: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (title, intro, hint, label, busy_label) = match change {
        Change::Regenerate => (
            t_string!(i18n, tf.regenerate_codes),
            t_string!(i18n, tf.regenerate_intro),
            t_string!(i18n, tf.hint_app),
            t_string!(i18n, tf.regenerate),
            t_string!(i18n, tf.regenerating),
        ),
        Change::Disable => (
            t_string!(i18n, tf.disable_title),
            t_string!(i18n, tf.disable_intro),
            t_string!(i18n, tf.hint_app_or_recovery),
            t_string!(i18n, tf.disable),
            t_string!(i18n, tf.disabling),
        ),
    };
    let danger = change == Change::Disable;
    view! {
        <Dialog id="two-factor-confirm" title=title on_close>
            <form on:submit=self::on_submit(on_submit) novalidate>
                <p>{intro}</p>
                <PasswordField entry/>
                <CodeField entry hint/>
                <FormError entry/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                    <SubmitButton entry label busy_label danger/>
                </div>
            </form>
        </Dialog>
    }
}
