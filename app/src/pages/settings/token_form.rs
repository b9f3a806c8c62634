//! The Generate / Edit / Copy dialog: description, expiry, and the API permission set —
//! a template or a Custom selection from the catalog, with live Search, Only Checked, a
//! checkbox per method and per group, and a Docs link per method.

use std::collections::HashSet;

use leptos::prelude::*;

use super::tokens::{FormMode, PickerData};
use super::Dialog;
use crate::browser::today_utc;
use crate::error::AppError;
use crate::model::{
    check_ui_expiry, iso_to_ui_date, ui_to_iso_date, wire_to_ui_date, ApiMethodView, TokenForm,
};

/// The form's fields, kept while the password is asked (a refused field returns here).
#[derive(Clone, Copy)]
pub struct FormState {
    description: RwSignal<String>,
    expires: RwSignal<String>,
    /// The chosen template's name; `None` is Custom.
    template: RwSignal<Option<String>>,
    /// Custom selection (method names).
    checked: RwSignal<HashSet<String>>,
    search: RwSignal<String>,
    only_checked: RwSignal<bool>,
    /// A field the browser refused: (field, message).
    client_error: RwSignal<Option<(&'static str, String)>>,
    /// What the server refused.
    pub server_error: RwSignal<Option<AppError>>,
}

impl FormState {
    pub fn new() -> FormState {
        FormState {
            description: RwSignal::new(String::new()),
            expires: RwSignal::new(String::new()),
            template: RwSignal::new(None),
            checked: RwSignal::new(HashSet::new()),
            search: RwSignal::new(String::new()),
            only_checked: RwSignal::new(false),
            client_error: RwSignal::new(None),
            server_error: RwSignal::new(None),
        }
    }

    /// Fills the form for `mode`: empty for Generate, the token's settings for Edit and Copy.
    pub fn reset(&self, mode: &FormMode, picker: PickerData) {
        self.search.set(String::new());
        self.only_checked.set(false);
        self.client_error.set(None);
        self.server_error.set(None);
        match mode {
            FormMode::Generate => {
                self.description.set(String::new());
                self.expires.set(String::new());
                self.template.set(None);
                self.checked.set(HashSet::new());
            }
            FormMode::Edit(t) | FormMode::Copy(t) => {
                let description = match mode {
                    FormMode::Copy(_) => format!("{} (copy)", t.description)
                        .chars()
                        .take(255)
                        .collect(),
                    _ => t.description.clone(),
                };
                self.description.set(description);
                self.expires.set(
                    t.expires_at
                        .as_deref()
                        .map(wire_to_ui_date)
                        .unwrap_or_default(),
                );
                let known = t.template.as_ref().filter(|name| {
                    picker.templates.with_untracked(|ts| {
                        ts.as_ref()
                            .is_none_or(|ts| ts.iter().any(|x| &x.name == *name))
                    })
                });
                self.template.set(known.cloned());
                self.checked.set(t.methods.iter().cloned().collect());
            }
        }
    }

    /// The form as the server function takes it.
    fn to_form(self, order: &[ApiMethodView]) -> TokenForm {
        let template = self.template.get_untracked();
        let methods = if template.is_none() {
            self.checked.with_untracked(|c| {
                order
                    .iter()
                    .filter(|m| c.contains(&m.method))
                    .map(|m| m.method.clone())
                    .collect()
            })
        } else {
            Vec::new()
        };
        TokenForm {
            description: self.description.get_untracked().trim().to_string(),
            expires: self.expires.get_untracked().trim().to_string(),
            template,
            methods,
        }
    }

    /// The message for `field`, from the browser's checks or the server's answer.
    fn error_for(self, field: &'static str) -> Option<String> {
        if let Some((f, m)) = self.client_error.get() {
            if f == field {
                return Some(m);
            }
        }
        match self.server_error.get() {
            Some(AppError::InvalidParameter { name, reason }) if name == field => Some(reason),
            _ => None,
        }
    }
}

/// Maps a server-side parameter name to the form field that shows it.
fn field_of(error: &AppError) -> Option<&'static str> {
    match error.field()? {
        "description" => Some("description"),
        "expires" | "expiresAt" => Some("expires"),
        "methods" | "apiList" | "tokenTemplate" => Some("methods"),
        _ => None,
    }
}

#[component]
pub fn TokenFormDialog(
    mode: FormMode,
    form: FormState,
    picker: PickerData,
    on_submit: Callback<(FormMode, TokenForm)>,
    on_regenerate: Callback<crate::model::TokenView>,
    on_close: Callback<()>,
) -> impl IntoView {
    let (title, action) = match &mode {
        FormMode::Generate => ("Generate access token", "Generate"),
        FormMode::Edit(_) => ("Edit access token", "Save"),
        FormMode::Copy(_) => ("Copy access token", "Create copy"),
    };
    let today = today_utc();
    let submit_mode = mode.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.server_error.set(None);
        let description = form.description.get_untracked();
        let d = description.trim();
        let problem = if d.is_empty() {
            Some((
                "description",
                "A description is required, e.g. “GitLab deploy job”.".to_string(),
            ))
        } else if d.chars().count() > 255 {
            Some((
                "description",
                "A description has at most 255 characters.".to_string(),
            ))
        } else if let Err(m) = check_ui_expiry(&form.expires.get_untracked(), today) {
            Some(("expires", m))
        } else if form.template.get_untracked().is_none()
            && form.checked.with_untracked(|c| c.is_empty())
        {
            Some((
                "methods",
                "Choose a template, or check at least one method.".to_string(),
            ))
        } else {
            None
        };
        form.client_error.set(problem);
        if form.client_error.get_untracked().is_none() {
            let order = picker.methods.get_untracked().unwrap_or_default();
            on_submit.run((submit_mode.clone(), form.to_form(&order)));
        }
    };
    let general_error = move || {
        form.server_error
            .get()
            .filter(|e| field_of(e).is_none())
            .map(|e| e.to_string())
    };
    let regenerate = match &mode {
        FormMode::Edit(t) => {
            let t = t.clone();
            Some(view! {
                <div class="regenerate">
                    <button type="button" class="link-button danger-link" on:click=move |_| on_regenerate.run(t.clone())>
                        "Regenerate token"
                    </button>
                    <span class="muted small">" — makes a new value; the current one stops working at once."</span>
                </div>
            })
        }
        _ => None,
    };
    view! {
        <Dialog id="token-dialog" title=title on_close wide=true>
            <form on:submit=submit novalidate>
                <div class="form-row">
                    <label class="grow">
                        "Description"
                        <input
                            type="text"
                            name="description"
                            maxlength="255"
                            autofocus
                            autocomplete="off"
                            placeholder="What uses this token, e.g. GitLab deploy job"
                            aria-invalid=move || form.error_for("description").is_some().to_string()
                            aria-describedby="description-error"
                            prop:value=move || form.description.get()
                            on:input=move |ev| form.description.set(event_target_value(&ev))
                        />
                        <FieldError id="description-error" message=Signal::derive(move || form.error_for("description"))/>
                    </label>
                    <div class="expires-field">
                        <label for="expires-input">"Expires At"</label>
                        <div class="date-row">
                            <input
                                id="expires-input"
                                type="text"
                                name="expires"
                                inputmode="numeric"
                                placeholder="dd-mm-yyyy (empty: never)"
                                autocomplete="off"
                                aria-invalid=move || form.error_for("expires").is_some().to_string()
                                aria-describedby="expires-error"
                                prop:value=move || form.expires.get()
                                on:input=move |ev| form.expires.set(event_target_value(&ev))
                            />
                            <input
                                type="date"
                                class="date-picker"
                                aria-label="Pick the expiry date"
                                prop:value=move || ui_to_iso_date(&form.expires.get()).unwrap_or_default()
                                on:change=move |ev| {
                                    if let Some(d) = iso_to_ui_date(&event_target_value(&ev)) {
                                        form.expires.set(d);
                                    }
                                }
                            />
                        </div>
                        <FieldError id="expires-error" message=Signal::derive(move || form.error_for("expires"))/>
                    </div>
                </div>
                <MethodPicker form picker/>
                <FieldError id="methods-error" message=Signal::derive(move || form.error_for("methods"))/>
                {move || general_error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {regenerate}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary">{action}</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn FieldError(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <span id=id class="field-error" role="alert" class:hidden=move || message.with(|m| m.is_none())>
            {move || message.get()}
        </span>
    }
}

/// The permission set: the API select, and the method list (all the catalog methods a
/// token may hold, grouped by service and class).
#[component]
fn MethodPicker(form: FormState, picker: PickerData) -> impl IntoView {
    let template_names = move || {
        picker.templates.with(|t| {
            t.as_ref()
                .map(|t| t.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    // The chosen template's methods (empty for Custom).
    let template_set = Memo::new(move |_| {
        let name = form.template.get();
        picker.templates.with(|ts| {
            name.and_then(|n| ts.as_ref().and_then(|ts| ts.iter().find(|t| t.name == n)))
                .map(|t| t.methods.iter().cloned().collect::<HashSet<String>>())
                .unwrap_or_default()
        })
    });
    let is_checked = move |name: &str| {
        if form.template.with(|t| t.is_some()) {
            template_set.with(|s| s.contains(name))
        } else {
            form.checked.with(|c| c.contains(name))
        }
    };
    // Any change of a checkbox makes the selection Custom, starting from what was shown.
    let to_custom = move || {
        if form.template.get_untracked().is_some() {
            form.checked.set(template_set.get_untracked());
            form.template.set(None);
        }
    };
    let count = move || {
        if form.template.with(|t| t.is_some()) {
            template_set.with(HashSet::len)
        } else {
            form.checked.with(HashSet::len)
        }
    };
    let on_select = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if v == "Custom" {
            to_custom();
        } else {
            form.template.set(Some(v));
        }
    };

    view! {
        <fieldset class="picker">
            <legend>"API"</legend>
            <div class="picker-head">
                <label class="api-select">
                    <span class="visually-hidden">"Permission set"</span>
                    <select
                        name="api"
                        aria-label="API permission set"
                        prop:value=move || form.template.get().unwrap_or_else(|| "Custom".into())
                        on:change=on_select
                    >
                        {move || {
                            template_names()
                                .into_iter()
                                .map(|n| view! { <option value=n.clone()>{n.clone()}</option> })
                                .collect_view()
                        }}
                        <option value="Custom">"Custom"</option>
                    </select>
                </label>
                <label class="search-box">
                    <span class="visually-hidden">"Search methods"</span>
                    <input
                        type="search"
                        placeholder="Search, e.g. stopenv"
                        aria-label="Search methods"
                        aria-controls="method-list"
                        prop:value=move || form.search.get()
                        on:input=move |ev| form.search.set(event_target_value(&ev))
                    />
                </label>
                <label class="only-checked">
                    <input
                        type="checkbox"
                        prop:checked=move || form.only_checked.get()
                        on:change=move |ev| form.only_checked.set(event_target_checked(&ev))
                    />
                    "Only Checked"
                </label>
                <span class="checked-count" aria-live="polite">{move || format!("{} checked", count())}</span>
            </div>
            {move || match picker.methods.get() {
                None => view! { <p class="loading">"Loading the method list…"</p> }.into_any(),
                Some(methods) => view! { <MethodList methods form is_checked=Callback::new(move |n: String| is_checked(&n)) to_custom=Callback::new(move |_| to_custom())/> }.into_any(),
            }}
        </fieldset>
    }
}

/// One group of the list: `service.class` and the indexes of its methods.
struct Group {
    name: String,
    rows: Vec<usize>,
}

#[component]
fn MethodList(
    methods: Vec<ApiMethodView>,
    form: FormState,
    is_checked: Callback<String, bool>,
    to_custom: Callback<()>,
) -> impl IntoView {
    // What Search matches: the short and the long form, lower-case.
    let keys: Vec<String> = methods
        .iter()
        .map(|m| {
            let lower = m.method.to_lowercase();
            match lower.strip_prefix("env.") {
                Some(rest) => format!("{lower}|environment.{rest}"),
                None => lower,
            }
        })
        .collect();
    let names: Vec<String> = methods.iter().map(|m| m.method.clone()).collect();
    let names = StoredValue::new(names);
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
    // One pass per keystroke decides every row's visibility; each row then reads a bool.
    let visible = Memo::new(move |_| {
        let q = form.search.get().trim().to_lowercase();
        let only = form.only_checked.get();
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

    let toggle = move |name: String| {
        to_custom.run(());
        form.checked.update(|c| {
            if !c.remove(&name) {
                c.insert(name);
            }
        });
    };
    let list = groups
        .into_iter()
        .map(|g| {
            let rows_for_group = g.rows.clone();
            let group_visible = move || visible.with(|v| rows_for_group.iter().any(|i| v[*i]));
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
                    form.checked.update(|c| {
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
                    view! {
                        <div class="method-row" class:hidden=move || !visible.with(|v| v[i]) data-method=name.clone()>
                            <label>
                                <input
                                    type="checkbox"
                                    prop:checked=move || is_checked.run(checked_name.clone())
                                    on:change=move |_| toggle(toggle_name.clone())
                                />
                                <code>{name.clone()}</code>
                                {(!m.implemented).then(|| view! { <span class="muted small not-yet">" (not in Kunci yet)"</span> })}
                            </label>
                            <a class="docs-link" href=m.docs_href() target="_blank" rel="noopener" aria-label=format!("Docs for {name}")>
                                "Docs"
                            </a>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <div class="method-group" class:hidden=move || !group_visible() role="group" aria-label=group_name.clone()>
                    <label class="group-head">
                        <input
                            type="checkbox"
                            aria-label=format!("All of {group_name}")
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
        <div id="method-list" class="method-list" aria-label="API methods">
            {list}
            <p class="empty" class:hidden=move || shown() != 0>"No method matches."</p>
        </div>
        <p class="muted small shown-count">{move || format!("{} of {} methods shown", shown(), methods.len())}</p>
    }
}
