pub mod admin;
pub mod auth;
pub mod dashboard;
pub mod docs;
pub mod env_detail;
pub mod envs;
pub mod expiry_banner;
pub mod lazy;
pub mod leak_alerts;
pub mod reuse_alerts;
pub mod settings;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;
use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, not_found.title)/>
        <main class="centered">
            <div class="card">
                <h1>{t_string!(i18n, not_found.heading)}</h1>
                <p>{t_string!(i18n, not_found.text)}</p>
                <p><a href="/">{t_string!(i18n, not_found.home)}</a></p>
            </div>
        </main>
    }
}

/// An error shown where the failed content would have been, in the page's language.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="error" role="alert">{crate::language::error_text(i18n, &error)}</p> }
}

/// A chunk of the split build (`cargo leptos build --split`) could not be fetched (the
/// network is gone). Split points declared `fallible` (see `settings::tokens_tab`)
/// return it rather than aborting the page's WASM.
#[derive(Debug, Clone, Copy)]
pub struct ChunkMissing;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkMissing {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkMissing
    }
}

/// Shown where a part of the page whose chunk could not be fetched would be; "Try
/// again" notifies `retry`, which the caller tracks to ask for the chunk again (a
/// failed fetch is not remembered).
pub fn chunk_missing_note(retry: Trigger) -> AnyView {
    let i18n = use_i18n();
    view! {
        <p class="error" role="alert">
            {t_string!(i18n, common.chunk_missing)} " "
            <button type="button" class="link-button" on:click=move |_| retry.notify()>
                {t_string!(i18n, common.chunk_retry)}
            </button>
        </p>
    }
    .into_any()
}
