//! Kunci's pages, shared types and server functions. Compiled twice: with `ssr` into
//! the server (which renders the HTML and runs the server functions) and with
//! `hydrate` into the browser's WASM (which makes that HTML interactive).

#![recursion_limit = "512"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod browser;
pub mod error;
pub mod language;
pub mod model;
mod pages;
pub mod refusal;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

pub use error::AppError;

/// The messages of `app/locales/*.json` (`crate::i18n::{use_i18n, t!, t_string!}`),
/// checked at compile time: a key missing from one file does not build.
#[allow(deprecated)] // load_locales! is deprecated in favour of build-script codegen,
                     // which would pull the ICU data exporter (and a TLS stack) into the build.
mod locales {
    leptos_i18n::load_locales!();
}
pub use locales::i18n;

/// The Content-Security-Policy of every page: scripts only from this origin or with
/// this response's nonce (the hydration script), WebAssembly compilation allowed, no
/// inline styles, no framing, no plugins.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The HTML document around the app; rendered by the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(csp) = http::HeaderValue::from_str(&content_security_policy(&nonce)) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    // The language the server chose for this page; the browser reads it back from here.
    let lang = language::page_language();
    // The server names the WASM, JS and CSS by their content (`kunci.<hash>`).
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    language::provide_language();
    view! {
        <Title formatter=|page: String| {
            if page.is_empty() { "Kunci".to_string() } else { format!("{page} · Kunci") }
        }/>
        <Router>
            <Routes fallback=|| view! { <pages::NotFound/> }>
                // Async: the whole page waits for the session check, so a stranger gets a real
                // 302 to the sign-in page rather than a streamed page that redirects later.
                <Route path=path!("/") view=pages::dashboard::DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/envs/:name") view={Lazy::<pages::lazy::EnvDetail>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/admin") view={Lazy::<pages::lazy::Admin>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/signin") view={Lazy::<pages::lazy::SignIn>::new()}/>
                <Route path=path!("/signin/code") view={Lazy::<pages::lazy::SignInCode>::new()}/>
                <Route path=path!("/signup") view={Lazy::<pages::lazy::SignUp>::new()}/>
                <Route path=path!("/docs/api") view={Lazy::<pages::lazy::ApiIndex>::new()}/>
                <Route path=path!("/docs/api/:method") view={Lazy::<pages::lazy::ApiMethod>::new()} ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
