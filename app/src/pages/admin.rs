//! The Administration page (administrators only; everyone else gets 8202 from each of
//! its calls): every account's tokens with filters, checkboxes and the two revocations,
//! each confirmed with the administrator's password in a dialog; accounts waiting for
//! approval; and a form that creates an account. No token value ever reaches this page.

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{InventoryQuery, InventoryRow, PendingAccountView};
use crate::pages::dashboard::SignedInPage;
use crate::pages::settings::dialog::Dialog;
use crate::pages::ErrorNote;

#[component]
pub fn AdminPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <SignedInPage title=t_string!(i18n, admin.title)>
            <h1>{t_string!(i18n, admin.title)}</h1>
            <Inventory/>
            <PendingAccounts/>
            <CreateAccount/>
        </SignedInPage>
    }
}

/// What the password dialog confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Revoke {
    Selected(Vec<i64>),
    AllOf(String),
}

impl Revoke {
    fn purpose(&self, i18n: crate::language::I18n) -> String {
        match self {
            Revoke::Selected(ids) => crate::tf!(i18n, admin.revoke_selected_purpose, n = ids.len()),
            Revoke::AllOf(login) => crate::tf!(i18n, admin.revoke_all_purpose, login = login),
        }
    }
}

/// The token inventory: filters, the table, and the revocations.
#[component]
fn Inventory() -> impl IntoView {
    let i18n = use_i18n();
    let rows: RwSignal<Vec<InventoryRow>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let selected: RwSignal<Vec<i64>> = RwSignal::new(Vec::new());
    let login = RwSignal::new(String::new());
    let expired = RwSignal::new(false);
    let never_used = RwSignal::new(false);
    let unused_for = RwSignal::new(String::new());
    let confirming: RwSignal<Option<Revoke>> = RwSignal::new(None);
    let done: RwSignal<Option<String>> = RwSignal::new(None);

    let reload = move || {
        let query = InventoryQuery {
            login: login.get_untracked(),
            expired: expired.get_untracked(),
            never_used: never_used.get_untracked(),
            unused_for_days: unused_for.get_untracked().trim().parse().ok(),
        };
        spawn_local(async move {
            match api::admin_tokens(query).await {
                Ok(list) => {
                    selected.update(|s| s.retain(|id| list.iter().any(|r| r.id == *id)));
                    rows.set(list);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| reload());
    let on_filter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        reload();
    };
    let toggle = move |id: i64| {
        selected.update(|s| {
            if let Some(at) = s.iter().position(|x| *x == id) {
                s.remove(at);
            } else {
                s.push(id);
            }
        })
    };
    let on_done = Callback::new(move |message: String| {
        confirming.set(None);
        selected.set(Vec::new());
        done.set(Some(message));
        reload();
    });
    let on_close = Callback::new(move |_| confirming.set(None));

    view! {
        <section class="admin-inventory" aria-labelledby="inventory-title">
            <h2 id="inventory-title">{t_string!(i18n, admin.inventory)}</h2>
            <p class="muted">{t_string!(i18n, admin.inventory_note)}</p>
            <form class="toolbar" on:submit=on_filter data-testid="inventory-filters">
                <label>
                    {t_string!(i18n, admin.account)} " "
                    <input
                        type="email"
                        name="login"
                        placeholder="name@example.com"
                        data-testid="filter-login"
                        prop:value=move || login.get()
                        on:input=move |ev| login.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    <input type="checkbox" prop:checked=move || expired.get() on:change=move |ev| expired.set(event_target_checked(&ev))/>
                    " " {t_string!(i18n, admin.expired)}
                </label>
                <label>
                    <input type="checkbox" prop:checked=move || never_used.get() on:change=move |ev| never_used.set(event_target_checked(&ev))/>
                    " " {t_string!(i18n, admin.never_used)}
                </label>
                <label>
                    {t_string!(i18n, admin.unused_for)} " "
                    <input
                        type="number"
                        min="1"
                        max="3660"

                        prop:value=move || unused_for.get()
                        on:input=move |ev| unused_for.set(event_target_value(&ev))
                    />
                    " " {t_string!(i18n, admin.days)}
                </label>
                <button type="submit" data-testid="apply-filters">{t_string!(i18n, admin.apply)}</button>
            </form>
            <div class="toolbar">
                <button
                    type="button"
                    data-testid="revoke-selected"
                    disabled=move || selected.with(Vec::is_empty)
                    on:click=move |_| confirming.set(Some(Revoke::Selected(selected.get_untracked())))
                >
                    {t_string!(i18n, admin.revoke_selected)}
                </button>
                <button
                    type="button"
                    data-testid="revoke-all-of-account"
                    title=t_string!(i18n, admin.revoke_all_title)
                    disabled=move || login.with(|l| l.trim().is_empty())
                    on:click=move |_| confirming.set(Some(Revoke::AllOf(login.get_untracked().trim().to_string())))
                >
                    {t_string!(i18n, admin.revoke_all)}
                </button>
                <span class="toolbar-note muted" role="status">{move || done.get()}</span>
            </div>
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
            <div class="table-wrap">
                <table data-testid="inventory">
                    <thead>
                        <tr>
                            <th scope="col"><span class="visually-hidden">{t_string!(i18n, admin.select)}</span></th>
                            <th scope="col">{t_string!(i18n, admin.account)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_description)}</th>
                            <th scope="col">{t_string!(i18n, admin.methods)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_created)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_expires)}</th>
                            <th scope="col">{t_string!(i18n, tokens.col_last_used)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|r| r.id let:row>
                            {
                                let id = row.id;
                                let label = crate::tf!(i18n, admin.select_token, description = row.description, login = row.login);
                                view! {
                                    <tr data-testid="inventory-row" data-login=row.login.clone()>
                                        <td>
                                            <input
                                                type="checkbox"
                                                aria-label=label
                                                prop:checked=move || selected.with(|s| s.contains(&id))
                                                on:change=move |_| toggle(id)
                                            />
                                        </td>
                                        <td>{row.login.clone()}</td>
                                        <td>{row.description.clone()}</td>
                                        <td>{row.methods}</td>
                                        <td>{row.created_on.clone()}</td>
                                        <td>
                                            {row.expires_at.clone().unwrap_or_else(|| t_string!(i18n, tokens.never).into())}
                                            {row.expired.then(|| format!(" ({})", t_string!(i18n, tokens.expired)))}
                                        </td>
                                        <td>{row.last_used.clone().unwrap_or_else(|| t_string!(i18n, tokens.never).into())}</td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="muted" data-testid="inventory-empty">{t_string!(i18n, admin.no_match)}</p>
            </Show>
            {move || confirming.get().map(|what| view! { <RevokeDialog what on_done on_close/> })}
        </section>
    }
}

/// Asks for the administrator's password, then revokes; a wrong one changes nothing.
#[component]
fn RevokeDialog(what: Revoke, on_done: Callback<String>, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let purpose = what.purpose(i18n);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let what = what.clone();
        let pw = password.get_untracked();
        spawn_local(async move {
            let answer = match what {
                Revoke::Selected(ids) => api::admin_revoke(ids, pw).await,
                Revoke::AllOf(login) => api::admin_revoke_all(login, pw).await,
            };
            busy.set(false);
            match answer {
                Ok(ids) => on_done.run(crate::tf!(i18n, admin.revoked, n = ids.len())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let message = move || {
        error.get().map(|e| match e {
            AppError::InvalidPassword => t_string!(i18n, admin.wrong_password).to_string(),
            other => crate::language::error_text(i18n, &other),
        })
    };
    view! {
        <Dialog id="admin-password-dialog" title=t_string!(i18n, password.title) on_close>
            <form on:submit=submit>
                <p>{crate::tf!(i18n, password.prompt, what = purpose)}</p>
                <label>
                    {t_string!(i18n, password.label)}
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        autofocus
                        aria-invalid=move || error.with(|e| e.is_some()).to_string()
                        aria-describedby="admin-password-error"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <p id="admin-password-error" class="error" role="alert" class:hidden=move || message().is_none()>
                    {message}
                </p>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { t_string!(i18n, admin.revoking) } else { t_string!(i18n, admin.revoke) }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// Accounts that signed up under `--signup approval` and wait.
#[component]
fn PendingAccounts() -> impl IntoView {
    let i18n = use_i18n();
    let list: RwSignal<Vec<PendingAccountView>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let reload = move || {
        spawn_local(async move {
            match api::admin_pending().await {
                Ok(l) => {
                    list.set(l);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    Effect::new(move |_| reload());
    let decide = move |id: i64, approve: bool| {
        spawn_local(async move {
            match api::admin_decide(id, approve).await {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <section aria-labelledby="pending-title">
            <h2 id="pending-title">{t_string!(i18n, admin.pending)}</h2>
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
            <Show
                when=move || !list.with(Vec::is_empty)
                fallback=move || view! { <p class="muted">{t_string!(i18n, admin.none)}</p> }
            >
                <ul data-testid="pending-accounts">
                    <For each=move || list.get() key=|a| a.id let:a>
                        {
                            let id = a.id;
                            view! {
                                <li>
                                    {crate::tf!(i18n, admin.pending_item, name = a.name, login = a.login, date = a.created_on)} " "
                                    <button type="button" on:click=move |_| decide(id, true)>{t_string!(i18n, admin.approve)}</button>
                                    " "
                                    <button type="button" on:click=move |_| decide(id, false)>{t_string!(i18n, admin.reject)}</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// Creates an account with an initial password (sign-up is closed by default).
#[component]
fn CreateAccount() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<api::AdminCreateAccount>::new();
    let result = move || {
        action.value().get().map(|r| match r {
            Ok(u) => view! { <p class="muted" role="status">{crate::tf!(i18n, admin.created, name = u.name, login = u.login)}</p> }.into_any(),
            Err(error) => view! { <ErrorNote error/> }.into_any(),
        })
    };
    view! {
        <section aria-labelledby="create-title">
            <h2 id="create-title">{t_string!(i18n, admin.create_title)}</h2>
            <ActionForm action=action>
                <label>{t_string!(i18n, auth.email)} " " <input type="email" name="login" required/></label>
                <label>{t_string!(i18n, auth.name)} " " <input type="text" name="name" required/></label>
                <label>
                    {t_string!(i18n, admin.initial_password)}
                    <input type="password" name="password" required autocomplete="new-password"/>
                </label>
                <input type="hidden" name="admin" value="false"/>
                {result}
                <button type="submit" class="primary" disabled=move || action.pending().get()>{t_string!(i18n, auth.create_account)}</button>
            </ActionForm>
        </section>
    }
}
