//! The token list: a table whose rows are selected by click, Ctrl/Cmd+click,
//! Shift+click and the keyboard (arrows, Space, Enter); double-click or Enter edits.

use leptos::prelude::*;

use super::selection::Selection;
use crate::browser::focus_first;
use crate::error::AppError;
use crate::model::{wire_to_ui_date, wire_to_ui_datetime, TokenView};

/// The API column: the template's name, or how many methods a Custom token holds.
fn api_label(t: &TokenView) -> String {
    match &t.template {
        Some(name) => name.clone(),
        None => format!(
            "Custom ({} method{})",
            t.methods.len(),
            if t.methods.len() == 1 { "" } else { "s" }
        ),
    }
}

/// The token's restrictions in a line (`None` when it has none): up to three entries of
/// each list, then how many more.
fn limits_label(t: &TokenView) -> Option<String> {
    let few = |l: &[String]| {
        let shown: Vec<&str> = l.iter().take(3).map(String::as_str).collect();
        match l.len() {
            0..=3 => shown.join(", "),
            n => format!("{} and {} more", shown.join(", "), n - 3),
        }
    };
    let mut parts = Vec::new();
    if !t.ip_allowlist.is_empty() {
        parts.push(format!("from {}", few(&t.ip_allowlist)));
    }
    if !t.env_names.is_empty() {
        parts.push(format!("on {}", few(&t.env_names)));
    }
    (!parts.is_empty()).then(|| format!("Only {}", parts.join("; ")))
}

/// The list, or what stands in its place: the load error, "Loading…", or the empty state.
#[component]
pub fn TokenList(
    #[prop(into)] tokens: Signal<Vec<TokenView>>,
    #[prop(into)] loading: Signal<bool>,
    #[prop(into)] load_error: Signal<Option<AppError>>,
    selection: RwSignal<Selection>,
    on_edit: Callback<TokenView>,
) -> impl IntoView {
    move || {
        if let Some(error) = load_error.get() {
            return view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any();
        }
        let list = tokens.get();
        if list.is_empty() {
            return if loading.get() {
                view! { <p class="loading">"Loading access tokens…"</p> }.into_any()
            } else {
                view! {
                    <div class="empty-state">
                        <p><strong>"No access tokens yet."</strong></p>
                        <p class="muted">
                            "Generate one to call the API from scripts and CI without your password: pass it as the "
                            <code>"session"</code> " parameter or as " <code>"Authorization: Bearer"</code> "."
                        </p>
                    </div>
                }
                .into_any()
            };
        }
        let rows = list
            .into_iter()
            .enumerate()
            .map(|(index, token)| view! { <TokenRow index token tokens selection on_edit/> })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table id="token-table" class="token-table" aria-label="Access tokens" aria-multiselectable="true">
                    <thead>
                        <tr>
                            <th scope="col">"Description"</th>
                            <th scope="col">"API"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"Created"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="muted small hint-line">
                "Click to select, Ctrl/⌘+click to add or remove, Shift+click for a range; double-click or Enter to edit."
            </p>
        }
        .into_any()
    }
}

/// One token of the list, row `index`.
#[component]
fn TokenRow(
    index: usize,
    token: TokenView,
    tokens: Signal<Vec<TokenView>>,
    selection: RwSignal<Selection>,
    on_edit: Callback<TokenView>,
) -> impl IntoView {
    let id = token.id;
    let is_selected = move || selection.with(|s| s.contains(id));
    let click = move |index: usize, toggle: bool, range: bool| {
        tokens.with_untracked(|rows| selection.update(|s| s.click(rows, index, toggle, range)));
    };
    let edit = token.clone();
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        " " => {
            ev.prevent_default();
            click(index, true, false);
        }
        "Enter" => {
            ev.prevent_default();
            click(index, false, false);
            on_edit.run(edit.clone());
        }
        "ArrowDown" | "ArrowUp" => {
            ev.prevent_default();
            let next = if ev.key() == "ArrowDown" {
                index + 1
            } else {
                index.saturating_sub(1)
            };
            if let Some(next_id) = tokens.with_untracked(|t| t.get(next).map(|t| t.id)) {
                click(next, false, ev.shift_key());
                focus_first("token-table", &format!("tr[data-token-id='{next_id}']"));
            }
        }
        _ => {}
    };
    let double = token.clone();
    let expires = match (&token.expires_at, token.expired) {
        (None, _) => view! { <span class="muted">"never"</span> }.into_any(),
        (Some(at), true) => view! {
            <span class="badge bad" title=format!("expired on {}", wire_to_ui_date(at))>"expired"</span>
            " " <span class="muted small">{wire_to_ui_date(at)}</span>
        }
        .into_any(),
        (Some(at), false) => view! { <span>{wire_to_ui_date(at)}</span> }.into_any(),
    };
    view! {
        <tr
            data-token-id=id.to_string()
            tabindex="0"
            aria-selected=move || is_selected().to_string()
            class:selected=is_selected
            on:click=move |ev: leptos::ev::MouseEvent| {
                click(index, ev.ctrl_key() || ev.meta_key(), ev.shift_key())
            }
            on:dblclick=move |_| {
                selection.update(|s| s.only(id));
                on_edit.run(double.clone());
            }
            on:keydown=on_key
        >
            <td class="description">
                {token.description.clone()}
                {limits_label(&token).map(|l| view! { <span class="limits-note muted small">{l}</span> })}
            </td>
            <td>{api_label(&token)}</td>
            <td>{expires}</td>
            <td>{token.last_used.as_deref().map(wire_to_ui_datetime).unwrap_or_else(|| "never".into())}</td>
            <td>{wire_to_ui_date(&token.created_on)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(template: Option<&str>, methods: &[&str]) -> TokenView {
        TokenView {
            id: 1,
            description: "t".into(),
            template: template.map(String::from),
            methods: methods.iter().map(|m| m.to_string()).collect(),
            expires_at: None,
            expired: false,
            last_used: None,
            created_on: String::new(),
            issued_at: 0,
            ip_allowlist: Vec::new(),
            env_names: Vec::new(),
        }
    }

    #[test]
    fn api_label_names_the_template_or_counts_custom_methods() {
        assert_eq!(api_label(&token(Some("Maven Plugin"), &[])), "Maven Plugin");
        assert_eq!(api_label(&token(None, &["a"])), "Custom (1 method)");
        assert_eq!(api_label(&token(None, &["a", "b"])), "Custom (2 methods)");
    }

    #[test]
    fn limits_label_shows_a_few_entries_of_each_list() {
        let mut t = token(None, &["a"]);
        assert_eq!(limits_label(&t), None);
        t.ip_allowlist = vec!["10.0.0.0/8".into()];
        assert_eq!(limits_label(&t).unwrap(), "Only from 10.0.0.0/8");
        t.env_names = ["a1a", "b2b", "c3c", "d4d", "e5e"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            limits_label(&t).unwrap(),
            "Only from 10.0.0.0/8; on a1a, b2b, c3c and 2 more"
        );
    }
}
