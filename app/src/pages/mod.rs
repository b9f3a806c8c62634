pub mod admin;
pub mod auth;
pub mod dashboard;
pub mod docs;
pub mod env_detail;
pub mod envs;
pub mod expiry_banner;
pub mod leak_alerts;
pub mod reuse_alerts;
pub mod settings;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <main class="centered">
            <div class="card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <p><a href="/">"Go to the dashboard"</a></p>
            </div>
        </main>
    }
}

/// An error shown where the failed content would have been.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    view! { <p class="error" role="alert">{error.to_string()}</p> }
}
