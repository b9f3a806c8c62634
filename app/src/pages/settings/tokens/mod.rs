//! The Access Tokens tab: the list with its toolbar (Generate, Edit, Copy, Remove,
//! Refresh), selection by click, Ctrl/Cmd+click, Shift+click and keyboard, and the
//! dialogs of each change: form → password → the value, shown once.
//!
//! Each part has one job; this module only wires them. Imports run one way, from here
//! down: `toolbar` → `flow`, `selection`; `list` → `selection`; `form` → `picker`, `flow`;
//! `password` → `flow`; all dialogs → `super::dialog`.
//! `flow` and `selection` are plain Rust, tested without a browser.

mod confirm;
mod detail;
mod flow;
mod form;
mod limits;
mod list;
mod password;
mod picker;
mod selection;
mod toolbar;
mod value;

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::browser::{focus_origin, focused_element, restore_focus};
use crate::error::AppError;
use crate::model::TokenView;
use crate::pages::expiry_banner::{ExpiryAction, ExpiryBanner, TokenIntent};
use confirm::{RegenerateDialog, RemoveDialog};
use detail::TokenDetailView;
use flow::{FormMode, Outcome, Pending, Step};
use form::{FormState, TokenFormDialog};
use list::TokenList;
use password::PasswordDialog;
use picker::PickerData;
use selection::Selection;
use toolbar::Toolbar;
use value::ValueDialog;

#[component]
pub fn TokensTab() -> impl IntoView {
    let i18n = use_i18n();
    let tokens: RwSignal<Vec<TokenView>> = RwSignal::new(Vec::new());
    let loading = RwSignal::new(true);
    let load_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let selection = RwSignal::new(Selection::default());
    let step = RwSignal::new(Step::Closed);
    // What had focus when the dialogs opened: it gets it back when they close.
    let origin = focus_origin();
    let picker = PickerData::new();
    let form = FormState::new();
    let password_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);

    // Reload the list, selecting `select`, or keeping the selection where the rows still exist.
    let reload = move |select: Option<i64>| {
        loading.set(true);
        spawn_local(async move {
            match api::list_tokens().await {
                Ok(list) => {
                    tokens.set(list);
                    load_error.set(None);
                    selection.update(|s| match select {
                        Some(id) => s.only(id),
                        None => tokens.with_untracked(|t| s.retain_in(t)),
                    });
                }
                Err(e) => load_error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| reload(None));
    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(policy) = api::token_policy().await {
                form.policy.set(policy);
            }
        })
    });

    // Every change of step goes through here, so focus and the password's error follow it.
    let go = move |next: Step| {
        let was_closed = step.with_untracked(|s| *s == Step::Closed);
        if next == Step::Closed {
            step.set(Step::Closed);
            origin.with_value(restore_focus);
            return;
        }
        if was_closed {
            origin.set_value(focused_element());
        }
        if matches!(next, Step::Password(_)) {
            password_error.set(None);
        }
        step.set(next);
    };
    let open_form = move |mode: FormMode| {
        picker.load();
        form.limits.load();
        form.reset(&mode, picker);
        go(Step::Form(mode));
    };
    // The expiry banner's Edit / Regenerate, here or asked on the dashboard.
    let expiry_action = move |(action, token): (ExpiryAction, TokenView)| {
        let token = tokens
            .with_untracked(|l| l.iter().find(|t| t.id == token.id).cloned())
            .unwrap_or(token);
        match action {
            ExpiryAction::Edit => open_form(FormMode::Edit(token)),
            ExpiryAction::Regenerate => go(Step::ConfirmRegenerate(token)),
        }
    };
    let intent = use_context::<TokenIntent>();
    Effect::new(move |_| {
        if loading.get() {
            return;
        }
        if let Some(chosen) = intent.and_then(|i| i.0.try_update(Option::take).flatten()) {
            expiry_action(chosen);
        }
    });

    // Runs a confirmed change; a wrong password keeps the password dialog open.
    let confirm = move |(pending, password): (Pending, String)| {
        busy.set(true);
        password_error.set(None);
        spawn_local(async move {
            let result = password::send(pending, password).await;
            busy.set(false);
            match result {
                Ok(outcome) => {
                    match &outcome {
                        Outcome::Issued(issued) => reload(Some(issued.token.id)),
                        Outcome::Saved(id) => reload(Some(*id)),
                        Outcome::Removed => {
                            selection.update(Selection::clear);
                            reload(None);
                        }
                    }
                    go(step.get_untracked().succeeded(&outcome));
                }
                Err(e) => match step.get_untracked().failed(&e) {
                    Step::Form(mode) => {
                        form.server_error.set(Some(e));
                        go(Step::Form(mode));
                    }
                    _ => password_error.set(Some(e)),
                },
            }
        });
    };

    let close = Callback::new(move |_| go(Step::Closed));
    let accept = Callback::new(move |_| go(step.get_untracked().confirm(None)));
    let accept_regenerate =
        Callback::new(move |expires: Option<String>| go(step.get_untracked().confirm(expires)));
    let on_confirm = Callback::new(confirm);
    let dialogs = move || match step.get() {
        Step::Closed => ().into_any(),
        Step::Form(mode) => {
            let on_submit = Callback::new(move |f| go(step.get_untracked().submit(f)));
            let on_regenerate = Callback::new(move |_| go(step.get_untracked().regenerate()));
            view! { <TokenFormDialog mode form picker on_submit on_regenerate on_close=close/> }
                .into_any()
        }
        Step::ConfirmRemove(list) => {
            view! { <RemoveDialog tokens=list on_confirm=accept on_close=close/> }.into_any()
        }
        Step::ConfirmRegenerate(token) => {
            let policy = form.policy.get_untracked();
            view! { <RegenerateDialog token policy on_confirm=accept_regenerate on_close=close/> }
                .into_any()
        }
        Step::Password(pending) => {
            view! { <PasswordDialog pending error=password_error busy on_confirm on_close=close/> }
                .into_any()
        }
        Step::Value(issued) => view! { <ValueDialog issued on_close=close/> }.into_any(),
    };

    // The token whose detail view replaces the list, if any.
    let detail: RwSignal<Option<TokenView>> = RwSignal::new(None);
    let on_details = Callback::new(move |t: TokenView| detail.set(Some(t)));
    let on_back = Callback::new(move |_| {
        let id = detail.get_untracked().map(|t| t.id);
        detail.set(None);
        if let Some(id) = id {
            request_animation_frame(move || {
                crate::browser::focus_first("token-table", &format!("tr[data-token-id='{id}']"))
            });
        }
    });
    let on_remove = Callback::new(move |chosen: Vec<TokenView>| {
        if let Some(next) = Step::remove(chosen) {
            go(next);
        }
    });
    view! {
        <div class="tokens-tab">
            <p class="muted">
                {t_string!(i18n, tokens.intro)} " "
                <a href="/docs/api" target="_blank" rel="noopener">{t_string!(i18n, tokens.api_reference)}</a>
            </p>
            <ExpiryBanner
                version=Signal::derive(move || tokens.with(|_| 0))
                on_action=Callback::new(expiry_action)
            />
            {move || match detail.get() {
                Some(token) => view! { <TokenDetailView token on_back/> }.into_any(),
                None => view! {
                    <Toolbar
                        tokens
                        selection
                        loading
                        on_form=Callback::new(open_form)
                        on_remove
                        on_refresh=Callback::new(move |_| reload(None))
                        on_details
                    />
                    <TokenList
                        tokens
                        loading
                        load_error
                        selection
                        on_edit=Callback::new(move |t| open_form(FormMode::Edit(t)))
                    />
                }
                .into_any(),
            }}
            {dialogs}
        </div>
    }
}
