//! The dialogs that ask: the password before a set-up, the QR code and a first code,
//! and the password with a code before Regenerate or Disable.

use leptos::prelude::*;

use super::fields::{CodeField, Entry, FormError, PasswordField, SubmitButton};
use super::flow::{grouped, Change};
use crate::browser::focus_first;
use crate::model::TwoFactorSetup;
use crate::pages::settings::dialog::Dialog;
use crate::pages::settings::show_once::{copy_text, CopyStatus};

const SET_UP: &str = "Set up two-factor authentication";

fn on_submit(on_submit: Callback<()>) -> impl Fn(leptos::ev::SubmitEvent) {
    move |ev| {
        ev.prevent_default();
        on_submit.run(());
    }
}

/// Set up, first: the password.
#[component]
pub fn BeginDialog(entry: Entry, on_submit: Callback<()>, on_close: Callback<()>) -> impl IntoView {
    view! {
        <Dialog id="two-factor-begin" title=SET_UP on_close>
            <form on:submit=self::on_submit(on_submit) novalidate>
                <p>"Enter your account password to set up two-factor authentication."</p>
                <PasswordField entry/>
                <FormError entry/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <SubmitButton entry label="Continue" busy_label="Checking…"/>
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
        <Dialog id="two-factor-scan" title=SET_UP on_close>
            <form on:submit=self::on_submit(on_submit) novalidate>
                <p>"1. Scan this QR code with your authenticator app."</p>
                <div class="qr-code" role="img" aria-label="QR code for your authenticator app" inner_html=qr></div>
                <p class="muted small">"Cannot scan it? Enter this setup key in the app instead:"</p>
                <div class="secret-row">
                    <code class="totp-secret" data-testid="totp-secret">{shown}</code>
                    <button type="button" on:click=move |_| copy_text(secret.clone(), copied)>"Copy key"</button>
                </div>
                <CopyStatus copied/>
                <p>"2. Enter the 6-digit code the app shows."</p>
                <CodeField entry hint="Codes change every 30 seconds."/>
                <FormError entry/>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <SubmitButton entry label="Enable" busy_label="Enabling…"/>
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
    let (title, intro, hint, label, busy_label) = match change {
        Change::Regenerate => (
            "Regenerate recovery codes",
            "Ten new recovery codes replace your current ones, which stop working.",
            "The 6-digit code from your authenticator app.",
            "Regenerate",
            "Regenerating…",
        ),
        Change::Disable => (
            "Disable two-factor authentication",
            "Signing in will ask only for your password.",
            "The 6-digit code from your authenticator app, or an unused recovery code.",
            "Disable",
            "Disabling…",
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
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <SubmitButton entry label busy_label danger/>
                </div>
            </form>
        </Dialog>
    }
}
