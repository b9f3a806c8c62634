#![recursion_limit = "512"]
//! The browser half of Kunci: compiled to wasm32, it takes over the server-rendered
//! HTML (hydration) so the pages become interactive without a second render.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A server function's redirect (after signing in, up or out) loads the new page from
    // the server, rather than routing to it in the browser: the server then renders it
    // in the language of the account now signed in (or signed out), and the page starts
    // clean. Set before the router, which would install its own hook otherwise.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        let _ = leptos::prelude::window().location().set_href(location);
    });
    // What `leptos::mount::hydrate_lazy` does (a page whose route is a chunk of its own,
    // `app::pages::lazy`, is fetched before it is hydrated), then marks the page as
    // interactive: only now is all of it (end-to-end tests wait for the mark).
    // (`hydrate_from_async` sets up Leptos' executor; this future runs on the browser's.)
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
