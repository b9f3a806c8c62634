//! The Security log and Sessions tabs.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{error_text, I18n};
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, SecurityEventView, SessionView};

fn event_label(i18n: I18n, kind: &str) -> &'static str {
    match kind {
        "token.created" => t_string!(i18n, security.token_created),
        "token.edited" => t_string!(i18n, security.token_edited),
        "token.copied" => t_string!(i18n, security.token_copied),
        "token.regenerated" => t_string!(i18n, security.token_regenerated),
        "token.deleted" => t_string!(i18n, security.token_deleted),
        "password.confirmation_failed" => t_string!(i18n, security.password_failed),
        "token.dead_value_used" => t_string!(i18n, security.dead_value),
        "ssh_key.added" => t_string!(i18n, security.ssh_added),
        "ssh_key.deleted" => t_string!(i18n, security.ssh_removed),
        "token.leaked" => t_string!(i18n, security.token_leaked),
        _ => t_string!(i18n, security.event),
    }
}

#[component]
pub fn SecurityLogTab() -> impl IntoView {
    let i18n = use_i18n();
    let events: RwSignal<Option<Result<Vec<SecurityEventView>, AppError>>> = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            events.set(Some(api::security_log().await));
        })
    };
    Effect::new(move |_| load());
    view! {
        <div class="toolbar" role="toolbar" aria-label=t_string!(i18n, security.actions)>
            <button type="button" on:click=move |_| load()>{t_string!(i18n, tokens.refresh)}</button>
        </div>
        <p class="muted">{t_string!(i18n, security.intro)}</p>
        {move || match events.get() {
            None => view! { <p class="loading">{t_string!(i18n, security.loading)}</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error_text(i18n, &error)}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{t_string!(i18n, security.empty)}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <div class="table-wrap">
                    <table class="log-table" aria-label=t_string!(i18n, security.table)>
                        <thead>
                            <tr>
                                <th scope="col">{t_string!(i18n, security.when)}</th>
                                <th scope="col">{t_string!(i18n, security.event)}</th>
                                <th scope="col">{t_string!(i18n, security.details)}</th>
                                <th scope="col">{t_string!(i18n, security.ip)}</th>
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
                                            <td>{event_label(i18n, &e.kind)}</td>
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
    let i18n = use_i18n();
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
        <div class="toolbar" role="toolbar" aria-label=t_string!(i18n, sessions.actions)>
            <button type="button" on:click=move |_| load()>{t_string!(i18n, tokens.refresh)}</button>
            <button type="button" disabled=move || others() == 0 on:click=move |_| sign_out(None)>
                {t_string!(i18n, sessions.sign_out_others)}
            </button>
        </div>
        <p class="muted">{t_string!(i18n, sessions.intro)}</p>
        {move || action_error.get().map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })}
        {move || match sessions.get() {
            None => view! { <p class="loading">{t_string!(i18n, sessions.loading)}</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error_text(i18n, &error)}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <div class="table-wrap">
                    <table class="sessions-table" aria-label=t_string!(i18n, sessions.table)>
                        <thead>
                            <tr>
                                <th scope="col">{t_string!(i18n, sessions.kind)}</th>
                                <th scope="col">{t_string!(i18n, security.ip)}</th>
                                <th scope="col">{t_string!(i18n, sessions.client)}</th>
                                <th scope="col">{t_string!(i18n, sessions.signed_in)}</th>
                                <th scope="col">{t_string!(i18n, sessions.last_active)}</th>
                                <th scope="col"><span class="visually-hidden">{t_string!(i18n, sessions.actions_col)}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|s| {
                                    let id = s.id;
                                    view! {
                                        <tr data-session-id=id.to_string()>
                                            <td>{if s.kind == "api" { t_string!(i18n, sessions.api) } else { t_string!(i18n, sessions.browser) }}</td>
                                            <td><code>{s.host}</code></td>
                                            <td class="detail">{s.user_agent}</td>
                                            <td>{wire_to_ui_datetime(&s.created_on)}</td>
                                            <td>{wire_to_ui_datetime(&s.last_access)}</td>
                                            <td class="row-actions">
                                                {if s.current {
                                                    view! { <span class="badge ok">{t_string!(i18n, sessions.this_session)}</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button type="button" on:click=move |_| sign_out(Some(vec![id]))>{t_string!(i18n, sessions.sign_out)}</button>
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
