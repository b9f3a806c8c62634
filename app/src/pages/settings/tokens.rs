//! The Access Tokens tab: the list with its toolbar (Generate, Edit, Copy, Remove,
//! Refresh), selection by click, Ctrl/Cmd+click, Shift+click and keyboard, and the
//! dialogs of each change: form → password → the value, shown once.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::token_form::{FormState, TokenFormDialog};
use super::Dialog;
use crate::api;
use crate::browser::{
    copy_to_clipboard, download_text, file_name_for, focused_element, restore_focus, Focused,
};
use crate::error::AppError;
use crate::model::{
    wire_to_ui_date, wire_to_ui_datetime, ApiMethodView, IssuedToken, TemplateView, TokenView,
};

/// Which form the token dialog shows.
#[derive(Debug, Clone, PartialEq)]
pub enum FormMode {
    Generate,
    Edit(TokenView),
    Copy(TokenView),
}

/// A change waiting for the password.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Create(crate::model::TokenForm),
    Edit(i64, crate::model::TokenForm),
    Copy(i64, crate::model::TokenForm),
    Regenerate(i64),
    Remove(Vec<i64>),
}

/// Where the tab's dialogs are.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Closed,
    Form(FormMode),
    ConfirmRemove(Vec<TokenView>),
    ConfirmRegenerate(TokenView),
    Password(Pending),
    Value(IssuedToken),
}

/// The catalog and templates the token form picks from, loaded once per frame.
#[derive(Clone, Copy)]
pub struct PickerData {
    pub methods: RwSignal<Option<Vec<ApiMethodView>>>,
    pub templates: RwSignal<Option<Vec<TemplateView>>>,
}

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

#[component]
pub fn TokensTab() -> impl IntoView {
    let tokens: RwSignal<Vec<TokenView>> = RwSignal::new(Vec::new());
    let loading = RwSignal::new(true);
    let load_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let selected: RwSignal<Vec<i64>> = RwSignal::new(Vec::new());
    let anchor: RwSignal<Option<usize>> = RwSignal::new(None);
    let step = RwSignal::new(Step::Closed);
    let origin: StoredValue<Focused, LocalStorage> = StoredValue::new_local(None);
    let picker = PickerData {
        methods: RwSignal::new(None),
        templates: RwSignal::new(None),
    };
    let form = FormState::new();

    // Reload the list, keeping the selection where the rows still exist.
    let refresh = move |select: Option<i64>| {
        loading.set(true);
        spawn_local(async move {
            match api::list_tokens().await {
                Ok(list) => {
                    let ids: Vec<i64> = list.iter().map(|t| t.id).collect();
                    tokens.set(list);
                    load_error.set(None);
                    match select {
                        Some(id) => selected.set(vec![id]),
                        None => selected.update(|s| s.retain(|id| ids.contains(id))),
                    }
                }
                Err(e) => load_error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| refresh(None));
    let load_picker = move || {
        if picker.methods.get_untracked().is_none() {
            spawn_local(async move {
                if let Ok(m) = api::token_api_list(String::new()).await {
                    picker.methods.set(Some(m));
                }
                if let Ok(t) = api::token_templates().await {
                    picker.templates.set(Some(t));
                }
            });
        }
    };

    let start = move |next: Step| {
        if step.get_untracked() == Step::Closed {
            origin.set_value(focused_element());
        }
        step.set(next);
    };
    let finish = move || {
        step.set(Step::Closed);
        origin.with_value(restore_focus);
    };
    let one_selected = move || {
        let sel = selected.get();
        if sel.len() == 1 {
            tokens.with(|t| t.iter().find(|t| t.id == sel[0]).cloned())
        } else {
            None
        }
    };
    let open_form = move |mode: FormMode| {
        load_picker();
        form.reset(&mode, picker);
        start(Step::Form(mode));
    };

    // Selection: click, Ctrl/Cmd+click toggles, Shift+click selects a range.
    let click_row = move |index: usize, id: i64, toggle: bool, range: bool| {
        if let (true, Some(a)) = (range, anchor.get_untracked()) {
            let (lo, hi) = if a <= index { (a, index) } else { (index, a) };
            let ids: Vec<i64> = tokens
                .with_untracked(|t| t[lo..=hi.min(t.len() - 1)].iter().map(|t| t.id).collect());
            selected.set(ids);
            return;
        }
        if toggle {
            selected.update(|s| {
                if let Some(p) = s.iter().position(|x| *x == id) {
                    s.remove(p);
                } else {
                    s.push(id);
                }
            });
        } else {
            selected.set(vec![id]);
        }
        anchor.set(Some(index));
    };

    let toolbar = view! {
        <div class="toolbar" role="toolbar" aria-label="Access token actions">
            <button type="button" class="primary" on:click=move |_| open_form(FormMode::Generate)>"Generate"</button>
            <button
                type="button"
                disabled=move || one_selected().is_none()
                on:click=move |_| {
                    if let Some(t) = one_selected() {
                        open_form(FormMode::Edit(t));
                    }
                }
            >
                "Edit"
            </button>
            <button
                type="button"
                disabled=move || one_selected().is_none()
                on:click=move |_| {
                    if let Some(t) = one_selected() {
                        open_form(FormMode::Copy(t));
                    }
                }
            >
                "Copy"
            </button>
            <button
                type="button"
                disabled=move || selected.with(|s| s.is_empty())
                on:click=move |_| {
                    let sel = selected.get_untracked();
                    let chosen: Vec<TokenView> = tokens.with_untracked(|t| t.iter().filter(|t| sel.contains(&t.id)).cloned().collect());
                    if !chosen.is_empty() {
                        start(Step::ConfirmRemove(chosen));
                    }
                }
            >
                "Remove"
            </button>
            <button type="button" on:click=move |_| refresh(None) disabled=move || loading.get()>
                "Refresh"
            </button>
            <span class="toolbar-note muted" aria-live="polite">
                {move || match selected.with(|s| s.len()) {
                    0 => String::new(),
                    1 => "1 selected".to_string(),
                    n => format!("{n} selected"),
                }}
            </span>
        </div>
    };

    let table = move || {
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
            .map(|(index, t)| {
                let id = t.id;
                let is_selected = move || selected.with(|s| s.contains(&id));
                let edit = t.clone();
                let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                    " " => {
                        ev.prevent_default();
                        click_row(index, id, true, false);
                    }
                    "Enter" => {
                        ev.prevent_default();
                        click_row(index, id, false, false);
                        open_form(FormMode::Edit(edit.clone()));
                    }
                    "ArrowDown" | "ArrowUp" => {
                        ev.prevent_default();
                        let next = if ev.key() == "ArrowDown" { index + 1 } else { index.saturating_sub(1) };
                        let target = tokens.with_untracked(|t| t.get(next).map(|t| t.id));
                        if let Some(next_id) = target {
                            click_row(next, next_id, false, ev.shift_key());
                            crate::browser::focus_first("token-table", &format!("tr[data-token-id='{next_id}']"));
                        }
                    }
                    _ => {}
                };
                let double = t.clone();
                let expires = match (&t.expires_at, t.expired) {
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
                            click_row(index, id, ev.ctrl_key() || ev.meta_key(), ev.shift_key())
                        }
                        on:dblclick=move |_| {
                            selected.set(vec![id]);
                            open_form(FormMode::Edit(double.clone()));
                        }
                        on:keydown=on_key
                    >
                        <td class="description">{t.description.clone()}</td>
                        <td>{api_label(&t)}</td>
                        <td>{expires}</td>
                        <td>{t.last_used.as_deref().map(wire_to_ui_datetime).unwrap_or_else(|| "never".into())}</td>
                        <td>{wire_to_ui_date(&t.created_on)}</td>
                    </tr>
                }
            })
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
    };

    // Runs a confirmed change; a wrong password keeps the password dialog open.
    let password_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let confirm = move |pending: Pending, password: String| {
        busy.set(true);
        password_error.set(None);
        spawn_local(async move {
            let outcome: Result<Option<IssuedToken>, AppError> = match pending.clone() {
                Pending::Create(f) => api::create_token(f, password).await.map(Some),
                Pending::Copy(id, f) => api::copy_token(id, f, password).await.map(Some),
                Pending::Regenerate(id) => api::regenerate_token(id, password).await.map(Some),
                Pending::Edit(id, f) => api::edit_token(id, f, password).await.map(|t| {
                    refresh(Some(t.id));
                    None
                }),
                Pending::Remove(ids) => api::delete_tokens(ids, password).await.map(|_| {
                    selected.set(Vec::new());
                    refresh(None);
                    None
                }),
            };
            busy.set(false);
            match outcome {
                Ok(Some(issued)) => {
                    refresh(Some(issued.token.id));
                    step.set(Step::Value(issued));
                }
                Ok(None) => finish(),
                // A field of the form was refused by the server: back to the form.
                Err(e @ AppError::InvalidParameter { .. })
                    if matches!(
                        pending,
                        Pending::Create(_) | Pending::Edit(..) | Pending::Copy(..)
                    ) && e.field() != Some("password") =>
                {
                    form.server_error.set(Some(e));
                    let mode = match pending {
                        Pending::Edit(id, _) => tokens
                            .with_untracked(|t| t.iter().find(|t| t.id == id).cloned())
                            .map(FormMode::Edit),
                        Pending::Copy(id, _) => tokens
                            .with_untracked(|t| t.iter().find(|t| t.id == id).cloned())
                            .map(FormMode::Copy),
                        _ => Some(FormMode::Generate),
                    };
                    step.set(Step::Form(mode.unwrap_or(FormMode::Generate)));
                }
                Err(e) => password_error.set(Some(e)),
            }
        });
    };

    let dialogs = move || {
        match step.get() {
        Step::Closed => ().into_any(),
        Step::Form(mode) => {
            let submit = Callback::new(move |(mode, f): (FormMode, crate::model::TokenForm)| {
                let pending = match mode {
                    FormMode::Generate => Pending::Create(f),
                    FormMode::Edit(t) => Pending::Edit(t.id, f),
                    FormMode::Copy(t) => Pending::Copy(t.id, f),
                };
                password_error.set(None);
                step.set(Step::Password(pending));
            });
            let regenerate = Callback::new(move |t: TokenView| step.set(Step::ConfirmRegenerate(t)));
            view! {
                <TokenFormDialog mode form picker on_submit=submit on_regenerate=regenerate on_close=Callback::new(move |_| finish())/>
            }
            .into_any()
        }
        Step::ConfirmRemove(list) => {
            let ids: Vec<i64> = list.iter().map(|t| t.id).collect();
            let n = list.len();
            view! {
                <Dialog id="remove-dialog" title=if n == 1 { "Remove access token".to_string() } else { format!("Remove {n} access tokens") } on_close=Callback::new(move |_| finish())>
                    <p>"These tokens will stop working at once, for every script that uses them:"</p>
                    <ul class="remove-list">
                        {list.into_iter().map(|t| view! { <li>{t.description}</li> }).collect_view()}
                    </ul>
                    <div class="dialog-actions">
                        <button type="button" on:click=move |_| finish()>"Cancel"</button>
                        <button
                            type="button"
                            class="danger"
                            autofocus
                            on:click=move |_| {
                                password_error.set(None);
                                step.set(Step::Password(Pending::Remove(ids.clone())));
                            }
                        >
                            "Remove"
                        </button>
                    </div>
                </Dialog>
            }
            .into_any()
        }
        Step::ConfirmRegenerate(t) => {
            let id = t.id;
            view! {
                <Dialog id="regenerate-dialog" title="Regenerate token" on_close=Callback::new(move |_| finish())>
                    <p>
                        "A new value will be made for “" {t.description.clone()} "”. "
                        <strong>"The current value stops working at once"</strong>
                        ": every script or CI job that uses it must be updated. Its description, expiry and permissions stay as they are."
                    </p>
                    {t.expired.then(|| view! {
                        <p class="warning">"This token has expired: give it a new expiry date with Edit, or the new value will not work either."</p>
                    })}
                    <div class="dialog-actions">
                        <button type="button" on:click=move |_| finish()>"Cancel"</button>
                        <button
                            type="button"
                            class="danger"
                            autofocus
                            on:click=move |_| {
                                password_error.set(None);
                                step.set(Step::Password(Pending::Regenerate(id)));
                            }
                        >
                            "Regenerate"
                        </button>
                    </div>
                </Dialog>
            }
            .into_any()
        }
        Step::Password(pending) => view! {
            <PasswordDialog pending error=password_error busy on_confirm=Callback::new(move |(p, pw)| confirm(p, pw)) on_close=Callback::new(move |_| finish())/>
        }
        .into_any(),
        Step::Value(issued) => view! { <ValueDialog issued on_close=Callback::new(move |_| finish())/> }.into_any(),
    }
    };

    view! {
        <div class="tokens-tab">
            <p class="muted">
                "Personal access tokens authenticate API calls for scripts and tools, each with only the methods you allow. "
                <a href="/docs/api" target="_blank" rel="noopener">"API reference"</a>
            </p>
            {toolbar}
            {table}
            {dialogs}
        </div>
    }
}

/// Asks for the account password before a change; a wrong one shows here and changes nothing.
#[component]
fn PasswordDialog(
    pending: Pending,
    error: RwSignal<Option<AppError>>,
    busy: RwSignal<bool>,
    on_confirm: Callback<(Pending, String)>,
    on_close: Callback<()>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let what = match &pending {
        Pending::Create(_) => "generate this token",
        Pending::Copy(..) => "create this copy",
        Pending::Edit(..) => "save these changes",
        Pending::Regenerate(_) => "regenerate this token",
        Pending::Remove(ids) if ids.len() == 1 => "remove this token",
        Pending::Remove(_) => "remove these tokens",
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            on_confirm.run((pending.clone(), password.get_untracked()));
        }
    };
    let message = move || {
        error.get().map(|e| match e {
            AppError::InvalidPassword => "Wrong password. Nothing was changed.".to_string(),
            other => other.to_string(),
        })
    };
    view! {
        <Dialog id="password-dialog" title="Confirm with your password" on_close>
            <form on:submit=submit>
                <p>{format!("Enter your account password to {what}.")}</p>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        autofocus
                        aria-invalid=move || error.with(|e| e.is_some()).to_string()
                        aria-describedby="password-error"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <p id="password-error" class="error" role="alert" class:hidden=move || message().is_none()>
                    {message}
                </p>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Confirming…" } else { "Confirm" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// Shows a new token value once, with Copy and Download. Closing forgets it.
#[component]
fn ValueDialog(issued: IssuedToken, on_close: Callback<()>) -> impl IntoView {
    let value: RwSignal<String> = RwSignal::new(issued.value);
    let copied: RwSignal<Option<bool>> = RwSignal::new(None);
    let file_name = file_name_for(&issued.token.description);
    let close = Callback::new(move |_| {
        // Drop the only copy the page holds.
        value.set(String::new());
        on_close.run(());
    });
    let copy = move |_| {
        let v = value.get_untracked();
        spawn_local(async move {
            copied.set(Some(copy_to_clipboard(&v).await));
        });
    };
    let download = {
        let file_name = file_name.clone();
        move |_| {
            download_text(&file_name, &value.get_untracked());
        }
    };
    view! {
        <Dialog id="value-dialog" title="Your new access token" on_close=close>
            <p class="warning" role="note">
                <strong>"Save it now: this value will not be shown again."</strong>
                " If you lose it, regenerate the token from its Edit dialog."
            </p>
            <label>
                {format!("Token for “{}”", issued.token.description)}
                <input
                    type="text"
                    class="token-value"
                    readonly
                    autofocus
                    prop:value=move || value.get()
                    on:focus=move |ev| {
                        #[cfg(feature = "hydrate")]
                        {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }
                />
            </label>
            <p class="muted small">
                "Use it as the " <code>"session"</code> " parameter or as " <code>"Authorization: Bearer …"</code> "."
            </p>
            <p class="copied" role="status" aria-live="polite">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Could not copy: select the value and copy it by hand.",
                    None => "",
                }}
            </p>
            <div class="dialog-actions">
                <button type="button" on:click=copy>"Copy"</button>
                <button type="button" on:click=download>{format!("Download {file_name}")}</button>
                <button type="button" class="primary" on:click=move |_| close.run(())>"Done"</button>
            </div>
        </Dialog>
    }
}
