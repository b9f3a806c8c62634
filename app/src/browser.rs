//! Small browser capabilities the dashboard needs: clipboard, file download, focus, and
//! the clock. In the server build they do nothing (the code that calls them only runs
//! after hydration).

/// Copies `text` to the clipboard: the Clipboard API where available (secure contexts),
/// else a selected hidden textarea and `execCommand("copy")`. Returns whether it worked.
pub async fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let window = leptos::prelude::window();
        let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
            .ok()
            .filter(|c| !c.is_undefined() && !c.is_null())
            .map(|c| c.unchecked_into::<web_sys::Clipboard>());
        if let Some(clipboard) = clipboard {
            if wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
                .await
                .is_ok()
            {
                return true;
            }
        }
        // Fallback: a temporary textarea, selected and copied.
        let document = leptos::prelude::document();
        let Ok(area) = document.create_element("textarea") else {
            return false;
        };
        let area: web_sys::HtmlTextAreaElement = area.unchecked_into();
        area.set_value(text);
        let _ = area.set_attribute("readonly", "");
        // Through the CSSOM: the Content-Security-Policy forbids inline style attributes.
        let style = area.style();
        let _ = style.set_property("position", "fixed");
        let _ = style.set_property("top", "-1000px");
        let _ = style.set_property("opacity", "0");
        let Some(body) = document.body() else {
            return false;
        };
        let _ = body.append_child(&area);
        area.select();
        let copied = document
            .dyn_ref::<web_sys::HtmlDocument>()
            .and_then(|d| d.exec_command("copy").ok())
            .unwrap_or(false);
        area.set_value("");
        area.remove();
        copied
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// `description` made safe as a file name: letters, digits, `-`, `_`, `.`; at most 80.
pub fn file_name_for(description: &str) -> String {
    let cleaned: String = description
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed: String = cleaned
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(80)
        .collect();
    let base = if trimmed.is_empty() {
        "access-token".to_string()
    } else {
        trimmed
    };
    format!("{base}.txt")
}

/// Saves `text` as a file named `file_name`, built in the browser from a Blob (nothing
/// goes back to the server).
pub fn download_text(file_name: &str, text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/plain;charset=utf-8");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return false;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return false;
        };
        let document = leptos::prelude::document();
        let Ok(link) = document.create_element("a") else {
            return false;
        };
        let link: web_sys::HtmlAnchorElement = link.unchecked_into();
        link.set_href(&url);
        link.set_download(file_name);
        if let Some(body) = document.body() {
            let _ = body.append_child(&link);
            link.click();
            link.remove();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
        true
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (file_name, text);
        false
    }
}

/// The element that has focus now, to give it back when a dialog closes.
#[cfg(feature = "hydrate")]
pub type Focused = Option<web_sys::HtmlElement>;
#[cfg(not(feature = "hydrate"))]
pub type Focused = Option<()>;

/// Where a dialog's opener is kept while the dialog is open. In the browser the element
/// lives in thread-local storage (a DOM node is not `Send`); on the server there is no
/// element, and the value must be `Send`-stored: server rendering may finish on another
/// thread than it started on, and a thread-local value dropped there panics (it cut the
/// page's stream short under load).
#[cfg(feature = "hydrate")]
pub type FocusOrigin = leptos::prelude::StoredValue<Focused, leptos::prelude::LocalStorage>;
#[cfg(not(feature = "hydrate"))]
pub type FocusOrigin = leptos::prelude::StoredValue<Focused>;

/// An empty [`FocusOrigin`] owned by the current component.
pub fn focus_origin() -> FocusOrigin {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::StoredValue::new_local(None)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos::prelude::StoredValue::new(None)
    }
}

pub fn focused_element() -> Focused {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        leptos::prelude::document()
            .active_element()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

pub fn restore_focus(element: &Focused) {
    #[cfg(feature = "hydrate")]
    if let Some(e) = element {
        let _ = e.focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = element;
}

/// Focuses the first element matching `selector` inside the element with id `within`.
pub fn focus_first(within: &str, selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let found = leptos::prelude::document()
            .get_element_by_id(within)
            .and_then(|root| root.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(e) = found {
            let _ = e.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (within, selector);
}

/// Keeps Tab and Shift+Tab inside the dialog `within` (a focus trap).
pub fn trap_tab(within: &str, ev: &leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(root) = leptos::prelude::document().get_element_by_id(within) else {
            return;
        };
        let Ok(list) = root.query_selector_all(
            "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])",
        ) else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(|e| e.offset_parent().is_some())
            .collect();
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            return;
        };
        let active = leptos::prelude::document().active_element();
        let at = |e: &web_sys::HtmlElement| {
            active
                .as_ref()
                .is_some_and(|a| a == e.unchecked_ref::<web_sys::Element>())
        };
        if ev.shift_key() && at(first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && at(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (within, ev);
}

/// The browser's clock as Unix time (whole seconds, UTC), the `now` the rules in
/// `kunci_rules` take, so the browser and the server judge a date by one function.
pub fn now_utc() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0).floor() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// Loads the page again from the server (after the language changed: every word of it
/// is rendered anew).
pub fn reload() {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().reload();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_safe_and_readable() {
        assert_eq!(file_name_for("gitlab deploy"), "gitlab-deploy.txt");
        assert_eq!(
            file_name_for("<img src=x onerror=alert(1)>"),
            "img-src-x-onerror-alert-1.txt"
        );
        assert_eq!(file_name_for("../../etc/passwd"), "etc-passwd.txt");
        assert_eq!(file_name_for("   "), "access-token.txt");
        assert_eq!(file_name_for("Zoë 🚀"), "Zoë.txt");
    }
}
