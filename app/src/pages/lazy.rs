//! The pages a visit seldom starts on, each a WASM chunk of its own (built with `cargo
//! leptos build --split`): an environment's page, the administration page and the API
//! reference. Their routes are `Lazy` (`app::App`): the server renders them as any
//! page; in the browser, hydration (`leptos::mount::hydrate_lazy`) or a navigation
//! fetches the page's chunk first. Sign-in, sign-up and the dashboard stay in the first
//! download: a visit starts on one of them, and Leptos' lazy routes have no failure
//! path (a sign-in form sent before its chunk has arrived would abort the chunk's
//! fetch, and with it the page's WASM).

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::{admin, docs, env_detail};

pub struct EnvDetail;

#[lazy_route]
impl LazyRoute for EnvDetail {
    fn data() -> Self {
        EnvDetail
    }

    fn view(_this: Self) -> AnyView {
        view! { <env_detail::EnvDetailPage/> }.into_any()
    }
}

pub struct Admin;

#[lazy_route]
impl LazyRoute for Admin {
    fn data() -> Self {
        Admin
    }

    fn view(_this: Self) -> AnyView {
        view! { <admin::AdminPage/> }.into_any()
    }
}

pub struct ApiIndex;

#[lazy_route]
impl LazyRoute for ApiIndex {
    fn data() -> Self {
        ApiIndex
    }

    fn view(_this: Self) -> AnyView {
        view! { <docs::ApiIndexPage/> }.into_any()
    }
}

pub struct ApiMethod;

#[lazy_route]
impl LazyRoute for ApiMethod {
    fn data() -> Self {
        ApiMethod
    }

    fn view(_this: Self) -> AnyView {
        view! { <docs::ApiMethodPage/> }.into_any()
    }
}
