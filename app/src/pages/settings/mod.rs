//! Settings: a frame over the dashboard with four tabs — Access Tokens, Security log,
//! Sessions, Two-factor — and the dialog and show-once parts they share.
//!
//! The frame itself is part of the first download; each tab's content is not. Built
//! with `cargo leptos build --split`, every `wasm_split` function below is a WASM chunk
//! of its own (with what only it uses), fetched the first time its tab is shown, so the
//! dashboard becomes interactive before any of it has loaded. Without `--split` they are
//! ordinary functions.

mod account;
pub(crate) mod dialog;
mod security_log;
mod show_once;
mod tokens;
mod two_factor;

use leptos::prelude::*;

use crate::i18n::*;

use crate::browser::focus_first;
use crate::pages::{chunk_missing_note, ChunkMissing};
use dialog::DialogOpen;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Tokens,
    SecurityLog,
    Sessions,
    TwoFactor,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Tokens, Tab::SecurityLog, Tab::Sessions, Tab::TwoFactor];

    fn label(self) -> &'static str {
        let i18n = use_i18n();
        match self {
            Tab::Tokens => t_string!(i18n, settings.tab_tokens),
            Tab::SecurityLog => t_string!(i18n, settings.tab_security),
            Tab::Sessions => t_string!(i18n, settings.tab_sessions),
            Tab::TwoFactor => t_string!(i18n, settings.tab_two_factor),
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tab::Tokens => "tab-tokens",
            Tab::SecurityLog => "tab-security",
            Tab::Sessions => "tab-sessions",
            Tab::TwoFactor => "tab-two-factor",
        }
    }
}

/// The Settings frame. `on_close` runs on the Close button or Escape (when no dialog
/// is open above the frame).
#[component]
pub fn SettingsFrame(on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let tab = RwSignal::new(Tab::Tokens);
    // Set while a dialog of a tab is open, so Escape closes that dialog only.
    let dialog_open = RwSignal::new(false);
    // Notified by "Try again" when a tab's chunk could not be fetched.
    let retry = Trigger::new();
    provide_context(DialogOpen(dialog_open));
    Effect::new(move |_| focus_first("settings-frame", "[role=tab][aria-selected=true]"));
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !dialog_open.get_untracked() {
            ev.prevent_default();
            on_close.run(());
        }
    };
    let on_tab_keys = move |ev: leptos::ev::KeyboardEvent| {
        let i = Tab::ALL
            .iter()
            .position(|t| *t == tab.get_untracked())
            .unwrap_or(0);
        let n = Tab::ALL.len();
        let next = match ev.key().as_str() {
            "ArrowRight" => Some(Tab::ALL[(i + 1) % n]),
            "ArrowLeft" => Some(Tab::ALL[(i + n - 1) % n]),
            "Home" => Some(Tab::ALL[0]),
            "End" => Some(Tab::ALL[n - 1]),
            _ => None,
        };
        if let Some(next) = next {
            ev.prevent_default();
            tab.set(next);
            focus_first("settings-frame", &format!("#{}", next.id()));
        }
    };
    view! {
        <div class="backdrop settings-backdrop">
            <section
                id="settings-frame"
                class="settings-frame"
                role="dialog"
                aria-modal="true"
                aria-labelledby="settings-title"
                on:keydown=on_keydown
            >
                <header class="frame-head">
                    <h1 id="settings-title">{t_string!(i18n, settings.title)}</h1>
                    <button type="button" class="link-button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.close)}</button>
                </header>
                <div role="tablist" class="tabs" aria-label=t_string!(i18n, settings.title) on:keydown=on_tab_keys>
                    {Tab::ALL
                        .into_iter()
                        .map(|t| {
                            view! {
                                <button
                                    type="button"
                                    role="tab"
                                    id=t.id()
                                    aria-selected=move || (tab.get() == t).to_string()
                                    aria-controls="settings-panel"
                                    tabindex=move || if tab.get() == t { "0" } else { "-1" }
                                    on:click=move |_| tab.set(t)
                                >
                                    {t.label()}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
                <div id="settings-panel" class="tab-panel" role="tabpanel" aria-labelledby=move || tab.get().id()>
                    <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, common.loading)}</p> }>
                        {move || {
                            let shown = tab.get();
                            retry.track();
                            Suspend::new(async move {
                                tab_content(shown).await.unwrap_or_else(|ChunkMissing| chunk_missing_note(retry))
                            })
                        }}
                    </Suspense>
                </div>
            </section>
        </div>
    }
}

/// Starts loading the Access Tokens tab's chunk (the tab Settings opens on) without
/// showing it: called when the pointer or focus reaches the Settings button, so the
/// click that follows usually finds it loaded. Loaded once; a failed load is not kept
/// (the tab's own call tries again).
pub fn preload_tokens_tab() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async {
        let _ = preload_tokens_chunk().await;
    });
}

/// The content of `tab`, from its chunk (loaded once, on first use).
async fn tab_content(tab: Tab) -> Result<AnyView, ChunkMissing> {
    match tab {
        Tab::Tokens => tokens_tab().await,
        Tab::SecurityLog => security_log_tab().await,
        Tab::Sessions => sessions_tab().await,
        Tab::TwoFactor => two_factor_tab().await,
    }
}

// Each function is a split point (`wasm_split`, which Leptos' `#[lazy]` wraps; used
// directly for its `fallible` option: a chunk that fails to load is an `Err`, where
// `#[lazy]` would abort the WASM). Elsewhere than in the browser they are plain calls.

#[leptos::wasm_split::wasm_split(
    settings_tokens,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_tokens_chunk)
)]
fn tokens_tab() -> Result<AnyView, ChunkMissing> {
    Ok(view! { <tokens::TokensTab/> }.into_any())
}

#[leptos::wasm_split::wasm_split(settings_security_log, wasm_split_path = ::leptos::wasm_split, fallible)]
fn security_log_tab() -> Result<AnyView, ChunkMissing> {
    Ok(view! { <security_log::SecurityLogTab/> }.into_any())
}

#[leptos::wasm_split::wasm_split(settings_sessions, wasm_split_path = ::leptos::wasm_split, fallible)]
fn sessions_tab() -> Result<AnyView, ChunkMissing> {
    Ok(view! { <account::SessionsTab/> }.into_any())
}

#[leptos::wasm_split::wasm_split(settings_two_factor, wasm_split_path = ::leptos::wasm_split, fallible)]
fn two_factor_tab() -> Result<AnyView, ChunkMissing> {
    Ok(view! { <two_factor::TwoFactorTab/> }.into_any())
}
