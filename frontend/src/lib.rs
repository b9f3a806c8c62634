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
    leptos::mount::hydrate_body(app::App);
}
