//! The pages the dashboard does not need, each a WASM chunk of its own (built with
//! `cargo leptos build --split`): sign-in, its two-factor step and sign-up, an
//! environment's page, the administration page and the API reference. Their routes are
//! `Lazy` (`app::App`): the server renders them as any page; in the browser, hydration
//! (`leptos::mount::hydrate_from_async`) or a navigation fetches the page's chunk first.
//!
//! Each route's chunk is a `wasm_split` split point with the `fallible` option rather
//! than Leptos' `#[lazy_route]`, whose failed fetch aborts the page's WASM. A fetch
//! fails when the network is gone, and when the page is left before the chunk has
//! arrived (a sign-in form sent before hydration: the forms work without WASM). Then
//! the page stays as the server sent it, unhydrated and still usable as plain HTML; a
//! navigation inside the app whose chunk fails loads the page from the server instead.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::pages::{admin, auth, docs, env_detail, ChunkMissing};

/// The path and query the router is on, to load from the server if the chunk fails;
/// read when it fails (by then the router is on the page being opened), not on every
/// render.
fn current_url() -> String {
    let location = leptos_router::hooks::use_location();
    let (path, query) = (
        location.pathname.get_untracked(),
        location.search.get_untracked(),
    );
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

/// What a lazy route becomes when its chunk could not be fetched: during hydration,
/// nothing (the server's page stays, its forms and links work without WASM); after it,
/// a full load of `url` from the server. The view never resolves, so hydration never
/// touches the server's page.
async fn chunk_failed(url: String) -> AnyView {
    #[cfg(feature = "hydrate")]
    if document()
        .body()
        .is_some_and(|body| body.has_attribute("data-hydrated"))
    {
        let _ = window().location().assign(&url);
    }
    let _ = url;
    std::future::pending().await
}

/// A lazy route `$route` whose page `$page` is the split point `$chunk`, fetched by
/// `$preload`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $chunk:ident, $preload:ident, $page:expr) => {
        $(#[$doc])*
        pub struct $route;

        #[leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload($preload)
        )]
        fn $chunk() -> Result<AnyView, ChunkMissing> {
            Ok($page.into_any())
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                // On the server: the page links the chunk, which then downloads beside
                // the main WASM (`server::web::site::Site::split_manifest`).
                leptos::prefetch_lazy_fn_on_server(stringify!($chunk));
                $route
            }

            async fn view(_: Self) -> AnyView {
                match $chunk().await {
                    Ok(page) => page,
                    Err(ChunkMissing) => chunk_failed(current_url()).await,
                }
            }

            // The router awaits this before it hydrates or shows the page, then
            // expects `view` to be ready at once: a failure must stop here.
            async fn preload() {
                if $preload().await.is_err() {
                    chunk_failed(current_url()).await;
                }
            }
        }
    };
}

lazy_page!(
    /// `/signin`.
    SignIn, page_sign_in, preload_sign_in, view! { <auth::SignInPage/> }
);
lazy_page!(
    /// `/signin/code`, the two-factor step.
    SignInCode, page_sign_in_code, preload_sign_in_code, view! { <auth::SignInCodePage/> }
);
lazy_page!(
    /// `/signup`.
    SignUp, page_sign_up, preload_sign_up, view! { <auth::SignUpPage/> }
);
lazy_page!(
    /// `/envs/:name`.
    EnvDetail, page_env_detail, preload_env_detail, view! { <env_detail::EnvDetailPage/> }
);
lazy_page!(
    /// `/admin`.
    Admin, page_admin, preload_admin, view! { <admin::AdminPage/> }
);
lazy_page!(
    /// `/docs/api`.
    ApiIndex, page_api_index, preload_api_index, view! { <docs::ApiIndexPage/> }
);
lazy_page!(
    /// `/docs/api/:method`.
    ApiMethod, page_api_method, preload_api_method, view! { <docs::ApiMethodPage/> }
);
