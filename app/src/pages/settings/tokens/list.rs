//! The token list: a table whose rows are selected by click, Ctrl/Cmd+click,
//! Shift+click and the keyboard (arrows, Space, Enter); double-click or Enter edits.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{error_text, fill};

use super::selection::Selection;
use crate::browser::focus_first;
use crate::error::AppError;
use crate::model::{wire_to_ui_date, wire_to_ui_datetime, TokenView};

/// The list's phrases with parameters, in the page's language (`{n}`, `{list}`, ...).
#[derive(Clone, Copy)]
struct Words {
    custom_one: &'static str,
    custom_many: &'static str,
    only: &'static str,
    from: &'static str,
    on: &'static str,
    more: &'static str,
}

impl Words {
    fn current() -> Words {
        let i18n = use_i18n();
        Words {
            custom_one: t_string!(i18n, tokens.custom_one),
            custom_many: t_string!(i18n, tokens.custom_many),
            only: t_string!(i18n, tokens.limits_only),
            from: t_string!(i18n, tokens.limits_from),
            on: t_string!(i18n, tokens.limits_on),
            more: t_string!(i18n, tokens.limits_more),
        }
    }
}

/// The API column: the template's name, or how many methods a Custom token holds.
fn api_label(t: &TokenView, w: Words) -> String {
    match &t.template {
        Some(name) => name.clone(),
        None => {
            let n = t.methods.len();
            fill(
                if n == 1 { w.custom_one } else { w.custom_many },
                &[("n", &n)],
            )
        }
    }
}

/// The token's restrictions in a line (`None` when it has none): up to three entries of
/// each list, then how many more.
fn limits_label(t: &TokenView, w: Words) -> Option<String> {
    let few = |l: &[String]| {
        let shown: Vec<&str> = l.iter().take(3).map(String::as_str).collect();
        match l.len() {
            0..=3 => shown.join(", "),
            n => fill(w.more, &[("shown", &shown.join(", ")), ("n", &(n - 3))]),
        }
    };
    let mut parts = Vec::new();
    if !t.ip_allowlist.is_empty() {
        parts.push(fill(w.from, &[("list", &few(&t.ip_allowlist))]));
    }
    if !t.env_names.is_empty() {
        parts.push(fill(w.on, &[("list", &few(&t.env_names))]));
    }
    (!parts.is_empty()).then(|| fill(w.only, &[("parts", &parts.join("; "))]))
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
    let i18n = use_i18n();
    move || {
        if let Some(error) = load_error.get() {
            return view! { <p class="error" role="alert">{error_text(i18n, &error)}</p> }
                .into_any();
        }
        let list = tokens.get();
        if list.is_empty() {
            return if loading.get() {
                view! { <p class="loading">{t_string!(i18n, tokens.loading)}</p> }.into_any()
            } else {
                view! {
                    <div class="empty-state">
                        <p><strong>{t_string!(i18n, tokens.empty)}</strong></p>
                        <p class="muted">
                            {t_string!(i18n, tokens.empty_hint_before)} " "
                            <code>"session"</code> " " {t_string!(i18n, tokens.empty_hint_middle)} " " <code>"Authorization: Bearer"</code> "."
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
                <table id="token-table" class="token-table" aria-label=t_string!(i18n, tokens.table_label) aria-multiselectable="true">
                    <thead>
                        <tr>
                            <th scope="col">{t_string!(i18n, tokens.col_description)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_api)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_expires)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_last_used)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_created)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="muted small hint-line">
                {t_string!(i18n, tokens.list_hint)}
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
    let i18n = use_i18n();
    let words = Words::current();
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
        (None, _) => view! { <span class="muted">{t_string!(i18n, tokens.never)}</span> }.into_any(),
        (Some(at), true) => view! {
            <span class="badge bad" title=crate::tf!(i18n, tokens.expired_on, date = wire_to_ui_date(at))>{t_string!(i18n, tokens.expired)}</span>
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
                {limits_label(&token, words).map(|l| view! { <span class="limits-note muted small">{l}</span> })}
            </td>
            <td>{api_label(&token, words)}</td>
            <td>{expires}</td>
            <td>{token.last_used.as_deref().map(wire_to_ui_datetime).unwrap_or_else(|| t_string!(i18n, tokens.never).into())}</td>
            <td>{wire_to_ui_date(&token.created_on)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENGLISH: Words = Words {
        custom_one: "Custom ({n} method)",
        custom_many: "Custom ({n} methods)",
        only: "Only {parts}",
        from: "from {list}",
        on: "on {list}",
        more: "{shown} and {n} more",
    };

    #[test]
    fn english_words_are_the_message_files() {
        let en: serde_json::Value =
            serde_json::from_str(include_str!("../../../../locales/en.json")).unwrap();
        let t = &en["tokens"];
        assert_eq!(t["custom_one"], ENGLISH.custom_one);
        assert_eq!(t["custom_many"], ENGLISH.custom_many);
        assert_eq!(t["limits_only"], ENGLISH.only);
        assert_eq!(t["limits_from"], ENGLISH.from);
        assert_eq!(t["limits_on"], ENGLISH.on);
        assert_eq!(t["limits_more"], ENGLISH.more);
    }

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
        assert_eq!(
            api_label(&token(Some("Maven Plugin"), &[]), ENGLISH),
            "Maven Plugin"
        );
        assert_eq!(
            api_label(&token(None, &["a"]), ENGLISH),
            "Custom (1 method)"
        );
        assert_eq!(
            api_label(&token(None, &["a", "b"]), ENGLISH),
            "Custom (2 methods)"
        );
    }

    #[test]
    fn limits_label_shows_a_few_entries_of_each_list() {
        let mut t = token(None, &["a"]);
        assert_eq!(limits_label(&t, ENGLISH), None);
        t.ip_allowlist = vec!["10.0.0.0/8".into()];
        assert_eq!(limits_label(&t, ENGLISH).unwrap(), "Only from 10.0.0.0/8");
        t.env_names = ["a1a", "b2b", "c3c", "d4d", "e5e"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            limits_label(&t, ENGLISH).unwrap(),
            "Only from 10.0.0.0/8; on a1a, b2b, c3c and 2 more"
        );
    }
}
