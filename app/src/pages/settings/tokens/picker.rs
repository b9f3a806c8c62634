//! The permission set of the token form: a template or a Custom selection from the
//! catalog, with live Search, Only Checked, a checkbox per method and per group, and a
//! Docs link per method.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::model::{ApiMethodView, TemplateView};

/// The catalog and templates the token form picks from, loaded once per frame.
#[derive(Clone, Copy)]
pub struct PickerData {
    pub methods: RwSignal<Option<Vec<ApiMethodView>>>,
    pub templates: RwSignal<Option<Vec<TemplateView>>>,
}

impl PickerData {
    pub fn new() -> PickerData {
        PickerData {
            methods: RwSignal::new(None),
            templates: RwSignal::new(None),
        }
    }

    /// Loads the catalog and the templates, once.
    pub fn load(self) {
        if self.methods.get_untracked().is_none() {
            spawn_local(async move {
                if let Ok(m) = api::token_api_list(String::new()).await {
                    self.methods.set(Some(m));
                }
                if let Ok(t) = api::token_templates().await {
                    self.templates.set(Some(t));
                }
            });
        }
    }
}

/// What the picker shows and what was chosen in it.
#[derive(Clone, Copy)]
pub struct PickerState {
    /// The chosen template's name; `None` is Custom.
    pub template: RwSignal<Option<String>>,
    /// Custom selection (method names).
    pub checked: RwSignal<HashSet<String>>,
    pub search: RwSignal<String>,
    pub only_checked: RwSignal<bool>,
}

impl PickerState {
    pub fn new() -> PickerState {
        PickerState {
            template: RwSignal::new(None),
            checked: RwSignal::new(HashSet::new()),
            search: RwSignal::new(String::new()),
            only_checked: RwSignal::new(false),
        }
    }
}

/// The permission set: the API select, and the method list (all the catalog methods a
/// token may hold, grouped by service and class).
#[component]
pub fn MethodPicker(state: PickerState, picker: PickerData) -> impl IntoView {
    let i18n = use_i18n();
    let template_names = move || {
        picker.templates.with(|t| {
            t.as_ref()
                .map(|t| t.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // The chosen template's methods (empty for Custom).
    let template_set = Memo::new(move |_| {
        let name = state.template.get();
        picker.templates.with(|ts| {
            name.and_then(|n| ts.as_ref().and_then(|ts| ts.iter().find(|t| t.name == n)))
                .map(|t| t.methods.iter().cloned().collect::<HashSet<String>>())
                .unwrap_or_default()
        })
    });
    let is_checked = move |name: &str| {
        if state.template.with(|t| t.is_some()) {
            template_set.with(|s| s.contains(name))
        } else {
            state.checked.with(|c| c.contains(name))
        }
    };
    // Any change of a checkbox makes the selection Custom, starting from what was shown.
    let to_custom = move || {
        if state.template.get_untracked().is_some() {
            state.checked.set(template_set.get_untracked());
            state.template.set(None);
        }
    };
    let count = move || {
        if state.template.with(|t| t.is_some()) {
            template_set.with(HashSet::len)
        } else {
            state.checked.with(HashSet::len)
        }
    };
    let on_select = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if v == "Custom" {
            to_custom();
        } else {
            state.template.set(Some(v));
        }
    };

    view! {
        <fieldset class="picker">
            <legend>{t_string!(i18n, picker.api)}</legend>
            <div class="picker-head">
                <label class="api-select">
                    <span class="visually-hidden">{t_string!(i18n, picker.permission_set)}</span>
                    <select
                        name="api"
                        aria-label=t_string!(i18n, picker.permission_set_label)
                        prop:value=move || state.template.get().unwrap_or_else(|| "Custom".into())
                        on:change=on_select
                    >
                        {move || {
                            template_names()
                                .into_iter()
                                .map(|n| view! { <option value=n.clone()>{n.clone()}</option> })
                                .collect_view()
                        }}
                        <option value="Custom">{t_string!(i18n, picker.custom)}</option>
                    </select>
                </label>
                <label class="search-box">
                    <span class="visually-hidden">{t_string!(i18n, picker.search_label)}</span>
                    <input
                        type="search"
                        placeholder=t_string!(i18n, picker.search_placeholder)
                        aria-label=t_string!(i18n, picker.search_label)
                        aria-controls="method-list"
                        prop:value=move || state.search.get()
                        on:input=move |ev| state.search.set(event_target_value(&ev))
                    />
                </label>
                <label class="only-checked">
                    <input
                        type="checkbox"
                        prop:checked=move || state.only_checked.get()
                        on:change=move |ev| state.only_checked.set(event_target_checked(&ev))
                    />
                    {t_string!(i18n, picker.only_checked)}
                </label>
                <span class="checked-count" aria-live="polite">{move || crate::tf!(i18n, picker.checked_count, n = count())}</span>
            </div>
            {move || match picker.methods.get() {
                None => view! { <p class="loading">{t_string!(i18n, picker.loading)}</p> }.into_any(),
                Some(methods) => view! { <MethodList methods state is_checked=Callback::new(move |n: String| is_checked(&n)) to_custom=Callback::new(move |_| to_custom())/> }.into_any(),
            }}
        </fieldset>
    }
}

/// One group of the list: `service.class` and the indexes of its methods.
#[derive(Debug, PartialEq)]
struct Group {
    name: String,
    rows: Vec<usize>,
}

/// The catalog's methods in groups of `service.class`, as they come (the catalog is sorted).
fn groups_of(methods: &[ApiMethodView]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (i, m) in methods.iter().enumerate() {
        let group = m
            .method
            .rsplit_once('.')
            .map(|(g, _)| g)
            .unwrap_or("")
            .to_string();
        match groups.last_mut() {
            Some(g) if g.name == group => g.rows.push(i),
            _ => groups.push(Group {
                name: group,
                rows: vec![i],
            }),
        }
    }
    groups
}

/// Whether any of `rows` is shown under `visible` (a group is shown when one of its rows is).
fn any_shown(visible: &[bool], rows: &[usize]) -> bool {
    rows.iter().any(|i| visible[*i])
}

/// What Search matches for a method: the short and the long form, lower-case.
fn search_key(method: &str) -> String {
    let lower = method.to_lowercase();
    match lower.strip_prefix("env.") {
        Some(rest) => format!("{lower}|environment.{rest}"),
        None => lower,
    }
}

#[component]
fn MethodList(
    methods: Vec<ApiMethodView>,
    state: PickerState,
    is_checked: Callback<String, bool>,
    to_custom: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let keys: Vec<String> = methods.iter().map(|m| search_key(&m.method)).collect();
    let names: Vec<String> = methods.iter().map(|m| m.method.clone()).collect();
    let names = StoredValue::new(names);
    // One pass per keystroke decides every row's visibility; each row then reads a bool.
    let visible = Memo::new(move |_| {
        let q = state.search.get().trim().to_lowercase();
        let only = state.only_checked.get();
        names.with_value(|names| {
            keys.iter()
                .zip(names)
                .map(|(k, n)| {
                    (q.is_empty() || k.contains(&q)) && (!only || is_checked.run(n.clone()))
                })
                .collect::<Vec<bool>>()
        })
    });
    let shown = move || visible.with(|v| v.iter().filter(|b| **b).count());
    let groups = groups_of(&methods);
    let list_ref = NodeRef::<leptos::html::Div>::new();
    // Rows and groups hide through their `hidden` class, changed here on the elements
    // themselves and only where the answer changed: a keystroke costs one pass over the
    // answers and one class change per row or group it hides or shows, with no reactive
    // update per row (800 of them when Search is emptied).
    let first = visible.with_untracked(Vec::clone);
    #[cfg(feature = "hydrate")]
    {
        let group_rows: Vec<Vec<usize>> = groups.iter().map(|g| g.rows.clone()).collect();
        let mut shown = ShownClasses::new(first.clone());
        Effect::new(move |_| {
            let Some(list) = list_ref.get() else { return };
            visible.with(|v| shown.update(&list, v, &group_rows));
        });
    }
    let toggle = move |name: String| {
        to_custom.run(());
        state.checked.update(|c| {
            if !c.remove(&name) {
                c.insert(name);
            }
        });
    };
    let list = groups
        .into_iter()
        .map(|g| {
            let rows_all = g.rows.clone();
            let all_checked = Signal::derive(move || {
                names.with_value(|n| rows_all.iter().all(|i| is_checked.run(n[*i].clone())))
            });
            let rows_some = g.rows.clone();
            let some_checked = Signal::derive(move || {
                names.with_value(|n| rows_some.iter().any(|i| is_checked.run(n[*i].clone())))
            });
            let rows_toggle = g.rows.clone();
            let toggle_group = move |_| {
                let check = !all_checked.get_untracked();
                to_custom.run(());
                names.with_value(|n| {
                    state.checked.update(|c| {
                        for i in &rows_toggle {
                            if check {
                                c.insert(n[*i].clone());
                            } else {
                                c.remove(&n[*i]);
                            }
                        }
                    })
                });
            };
            let group_name = g.name.clone();
            let rows = g
                .rows
                .iter()
                .map(|&i| {
                    let m = &methods[i];
                    let name = m.method.clone();
                    let checked_name = name.clone();
                    let toggle_name = name.clone();
                    let class = if first[i] { "method-row" } else { "method-row hidden" };
                    view! {
                        <div class=class data-method=name.clone()>
                            <label>
                                <input
                                    type="checkbox"
                                    prop:checked=move || is_checked.run(checked_name.clone())
                                    on:change=move |_| toggle(toggle_name.clone())
                                />
                                <code>{name.clone()}</code>
                                {(!m.implemented).then(|| view! { <span class="muted small not-yet">" " {t_string!(i18n, picker.not_in_kunci)}</span> })}
                            </label>
                            <a class="docs-link" href=m.docs_href() target="_blank" rel="noopener" aria-label=crate::tf!(i18n, picker.docs_for, method = name)>
                                {t_string!(i18n, picker.docs)}
                            </a>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <div class=if any_shown(&first, &g.rows) { "method-group" } else { "method-group hidden" } role="group" aria-label=group_name.clone()>
                    <label class="group-head">
                        <input
                            type="checkbox"
                            aria-label=crate::tf!(i18n, picker.all_of, group = group_name)
                            prop:checked=move || all_checked.get()
                            prop:indeterminate=move || !all_checked.get() && some_checked.get()
                            on:change=toggle_group
                        />
                        <span>{g.name.clone()}</span>
                    </label>
                    {rows}
                </div>
            }
        })
        .collect_view();
    view! {
        <div id="method-list" class="method-list" node_ref=list_ref aria-label=t_string!(i18n, picker.methods_label)>
            {list}
            <p class="empty" class:hidden=move || shown() != 0>{t_string!(i18n, picker.no_match)}</p>
        </div>
        <p class="muted small shown-count">{move || crate::tf!(i18n, picker.shown, shown = shown(), total = methods.len())}</p>
    }
}

/// Which rows the list's elements show (a group shows when one of its rows does), and
/// the elements themselves (found once, in document order: the catalog's).
#[cfg(feature = "hydrate")]
struct ShownClasses {
    rows: Vec<bool>,
    elements: Option<(Vec<web_sys::Element>, Vec<web_sys::Element>)>,
}

#[cfg(feature = "hydrate")]
impl ShownClasses {
    fn new(rows: Vec<bool>) -> ShownClasses {
        ShownClasses {
            rows,
            elements: None,
        }
    }

    /// Shows what `visible` shows: changes the `hidden` class of each row and group
    /// whose answer differs from the last one.
    fn update(&mut self, list: &web_sys::Element, visible: &[bool], group_rows: &[Vec<usize>]) {
        let (rows, groups) = self.elements.get_or_insert_with(|| {
            (
                elements(list, ".method-row"),
                elements(list, ".method-group"),
            )
        });
        // Groups first: what they showed follows from the rows' last answers.
        for (el, members) in groups.iter().zip(group_rows) {
            let now = any_shown(visible, members);
            if any_shown(&self.rows, members) != now {
                let _ = el.class_list().toggle_with_force("hidden", !now);
            }
        }
        for ((el, was), now) in rows.iter().zip(&mut self.rows).zip(visible) {
            if *was != *now {
                let _ = el.class_list().toggle_with_force("hidden", !*now);
                *was = *now;
            }
        }
    }
}

/// The elements under `list` that `selector` matches, in document order.
#[cfg(feature = "hydrate")]
fn elements(list: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    use wasm_bindgen::JsCast;
    let Ok(found) = list.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.get(i)?.dyn_into::<web_sys::Element>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(name: &str) -> ApiMethodView {
        ApiMethodView {
            id: 0,
            method: name.into(),
            path: String::new(),
            params: Vec::new(),
            implemented: true,
            is_safe: false,
            description: None,
            example: None,
        }
    }

    #[test]
    fn groups_of_gathers_neighbours_of_one_service_and_class() {
        let methods = [
            method("env.control.StartEnv"),
            method("env.control.StopEnv"),
            method("users.authentication.Signin"),
        ];
        let groups = groups_of(&methods);
        assert_eq!(
            groups,
            [
                Group {
                    name: "env.control".into(),
                    rows: vec![0, 1]
                },
                Group {
                    name: "users.authentication".into(),
                    rows: vec![2]
                },
            ]
        );
    }

    #[test]
    fn search_key_matches_short_and_long_environment_form() {
        assert_eq!(
            search_key("env.control.StopEnv"),
            "env.control.stopenv|environment.control.stopenv"
        );
        assert_eq!(
            search_key("users.authentication.Signin"),
            "users.authentication.signin"
        );
    }
}
