//! The Security log and Sessions tabs.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, SecurityEventView, SessionView};

fn event_label(kind: &str) -> &'static str {
    match kind {
        "token.created" => "Token generated",
        "token.edited" => "Token edited",
        "token.copied" => "Token copied",
        "token.regenerated" => "Token regenerated",
        "token.deleted" => "Token removed",
        "password.confirmation_failed" => "Wrong password confirmation",
        "token.dead_value_used" => "Dead token value refused",
        "ssh_key.added" => "SSH key added",
        "ssh_key.deleted" => "SSH key removed",
        "token.leaked" => "Token revoked: its value leaked",
        _ => "Event",
    }
}

#[component]
pub fn SecurityLogTab() -> impl IntoView {
    let events: RwSignal<Option<Result<Vec<SecurityEventView>, AppError>>> = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            events.set(Some(api::security_log().await));
        })
    };
    Effect::new(move |_| load());
    view! {
        <div class="toolbar" role="toolbar" aria-label="Security log actions">
            <button type="button" on:click=move |_| load()>"Refresh"</button>
        </div>
        <p class="muted">"Token changes, wrong password confirmations, and refused uses of dead token values. Newest first."</p>
        {move || match events.get() {
            None => view! { <p class="loading">"Loading the security log…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="empty">"Nothing has happened yet."</p> }.into_any(),
            Some(Ok(list)) => view! {
                <div class="table-wrap">
                    <table class="log-table" aria-label="Security log">
                        <thead>
                            <tr>
                                <th scope="col">"When (UTC)"</th>
                                <th scope="col">"Event"</th>
                                <th scope="col">"Details"</th>
                                <th scope="col">"IP address"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|e| {
                                    let alert = e.kind == "password.confirmation_failed" || e.kind == "token.dead_value_used" || e.kind == "token.leaked";
                                    view! {
                                        <tr class:alert-row=alert data-kind=e.kind.clone()>
                                            <td>{wire_to_ui_datetime(&e.at)}</td>
                                            <td>{event_label(&e.kind)}</td>
                                            <td class="detail">{e.detail}</td>
                                            <td><code>{e.ip}</code></td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        }}
    }
}

#[component]
pub fn SessionsTab() -> impl IntoView {
    let sessions: RwSignal<Option<Result<Vec<SessionView>, AppError>>> = RwSignal::new(None);
    let action_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            sessions.set(Some(api::list_sessions().await));
        })
    };
    Effect::new(move |_| load());
    let sign_out = move |ids: Option<Vec<i64>>| {
        spawn_local(async move {
            match api::sign_out_sessions(ids).await {
                Ok(()) => action_error.set(None),
                Err(e) => action_error.set(Some(e)),
            }
            sessions.set(Some(api::list_sessions().await));
        })
    };
    let others = move || {
        sessions.with(|s| match s {
            Some(Ok(list)) => list.iter().filter(|s| !s.current).count(),
            _ => 0,
        })
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label="Session actions">
            <button type="button" on:click=move |_| load()>"Refresh"</button>
            <button type="button" disabled=move || others() == 0 on:click=move |_| sign_out(None)>
                "Sign out all other sessions"
            </button>
        </div>
        <p class="muted">"Where your account is signed in: browsers and API sessions (Signin). Tokens are not sessions; manage them under Access Tokens."</p>
        {move || action_error.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        {move || match sessions.get() {
            None => view! { <p class="loading">"Loading sessions…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <div class="table-wrap">
                    <table class="sessions-table" aria-label="Sessions">
                        <thead>
                            <tr>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"IP address"</th>
                                <th scope="col">"Browser or client"</th>
                                <th scope="col">"Signed in (UTC)"</th>
                                <th scope="col">"Last active"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|s| {
                                    let id = s.id;
                                    view! {
                                        <tr data-session-id=id.to_string()>
                                            <td>{if s.kind == "api" { "API" } else { "Browser" }}</td>
                                            <td><code>{s.host}</code></td>
                                            <td class="detail">{s.user_agent}</td>
                                            <td>{wire_to_ui_datetime(&s.created_on)}</td>
                                            <td>{wire_to_ui_datetime(&s.last_access)}</td>
                                            <td class="row-actions">
                                                {if s.current {
                                                    view! { <span class="badge ok">"this session"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button type="button" on:click=move |_| sign_out(Some(vec![id]))>"Sign out"</button>
                                                    }
                                                    .into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        }}
    }
}
