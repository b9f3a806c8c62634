//! The Administration page (administrators only; everyone else gets 8202 from each of
//! its calls): every account's tokens with filters, checkboxes and the two revocations,
//! each confirmed with the administrator's password in a dialog; accounts waiting for
//! approval; and a form that creates an account. No token value ever reaches this page.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{InventoryQuery, InventoryRow, PendingAccountView};
use crate::pages::dashboard::SignedInPage;
use crate::pages::settings::dialog::Dialog;
use crate::pages::ErrorNote;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <SignedInPage title="Administration">
            <h1>"Administration"</h1>
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
    fn purpose(&self) -> String {
        match self {
            Revoke::Selected(ids) => format!("revoke {} selected token(s)", ids.len()),
            Revoke::AllOf(login) => format!("revoke every token of {login}"),
        }
    }
}

/// The token inventory: filters, the table, and the revocations.
#[component]
fn Inventory() -> impl IntoView {
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
            <h2 id="inventory-title">"Access tokens of every account"</h2>
            <p class="muted">"Values are never shown here. Revoking is confirmed with your password and written to both accounts' security logs."</p>
            <form class="toolbar" on:submit=on_filter data-testid="inventory-filters">
                <label>
                    "Account "
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
                    " Expired"
                </label>
                <label>
                    <input type="checkbox" prop:checked=move || never_used.get() on:change=move |ev| never_used.set(event_target_checked(&ev))/>
                    " Never used"
                </label>
                <label>
                    "Unused for "
                    <input
                        type="number"
                        min="1"
                        max="3660"

                        prop:value=move || unused_for.get()
                        on:input=move |ev| unused_for.set(event_target_value(&ev))
                    />
                    " days"
                </label>
                <button type="submit" data-testid="apply-filters">"Apply"</button>
            </form>
            <div class="toolbar">
                <button
                    type="button"
                    data-testid="revoke-selected"
                    disabled=move || selected.with(Vec::is_empty)
                    on:click=move |_| confirming.set(Some(Revoke::Selected(selected.get_untracked())))
                >
                    "Revoke selected"
                </button>
                <button
                    type="button"
                    data-testid="revoke-all-of-account"
                    title="Every token of the account named in the Account filter"
                    disabled=move || login.with(|l| l.trim().is_empty())
                    on:click=move |_| confirming.set(Some(Revoke::AllOf(login.get_untracked().trim().to_string())))
                >
                    "Revoke all of this account's"
                </button>
                <span class="toolbar-note muted" role="status">{move || done.get()}</span>
            </div>
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
            <div class="table-wrap">
                <table data-testid="inventory">
                    <thead>
                        <tr>
                            <th scope="col"><span class="visually-hidden">"Select"</span></th>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"Methods"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Last used"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|r| r.id let:row>
                            {
                                let id = row.id;
                                let label = format!("Select token {} of {}", row.description, row.login);
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
                                            {row.expires_at.clone().unwrap_or_else(|| "never".into())}
                                            {row.expired.then_some(" (expired)")}
                                        </td>
                                        <td>{row.last_used.clone().unwrap_or_else(|| "never".into())}</td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="muted" data-testid="inventory-empty">"No token matches."</p>
            </Show>
            {move || confirming.get().map(|what| view! { <RevokeDialog what on_done on_close/> })}
        </section>
    }
}

/// Asks for the administrator's password, then revokes; a wrong one changes nothing.
#[component]
fn RevokeDialog(what: Revoke, on_done: Callback<String>, on_close: Callback<()>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let purpose = what.purpose();
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
                Ok(ids) => on_done.run(format!("Revoked {} token(s).", ids.len())),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let message = move || {
        error.get().map(|e| match e {
            AppError::InvalidPassword => "Wrong password. Nothing was revoked.".to_string(),
            other => other.to_string(),
        })
    };
    view! {
        <Dialog id="admin-password-dialog" title="Confirm with your password" on_close>
            <form on:submit=submit>
                <p>{format!("Enter your account password to {purpose}.")}</p>
                <label>
                    "Password"
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
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Revoking…" } else { "Revoke" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// Accounts that signed up under `--signup approval` and wait.
#[component]
fn PendingAccounts() -> impl IntoView {
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
            <h2 id="pending-title">"Accounts waiting for approval"</h2>
            {move || error.get().map(|error| view! { <ErrorNote error/> })}
            <Show
                when=move || !list.with(Vec::is_empty)
                fallback=|| view! { <p class="muted">"None."</p> }
            >
                <ul data-testid="pending-accounts">
                    <For each=move || list.get() key=|a| a.id let:a>
                        {
                            let id = a.id;
                            view! {
                                <li>
                                    {format!("{} <{}>, signed up {} ", a.name, a.login, a.created_on)}
                                    <button type="button" on:click=move |_| decide(id, true)>"Approve"</button>
                                    " "
                                    <button type="button" on:click=move |_| decide(id, false)>"Reject"</button>
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
    let action = ServerAction::<api::AdminCreateAccount>::new();
    let result = move || {
        action.value().get().map(|r| match r {
            Ok(u) => view! { <p class="muted" role="status">{format!("Created {} <{}>.", u.name, u.login)}</p> }.into_any(),
            Err(error) => view! { <ErrorNote error/> }.into_any(),
        })
    };
    view! {
        <section aria-labelledby="create-title">
            <h2 id="create-title">"Create an account"</h2>
            <ActionForm action=action>
                <label>"Email" <input type="email" name="login" required/></label>
                <label>"Name" <input type="text" name="name" required/></label>
                <label>
                    "Initial password"
                    <input type="password" name="password" required autocomplete="new-password"/>
                </label>
                <input type="hidden" name="admin" value="false"/>
                {result}
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Create account"</button>
            </ActionForm>
        </section>
    }
}
