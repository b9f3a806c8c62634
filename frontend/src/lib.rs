#![recursion_limit = "512"]
//! The browser half of Kunci: compiled to wasm32, it takes over the server-rendered
//! HTML (hydration) so the pages become interactive without a second render.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
