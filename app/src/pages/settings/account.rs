//! The Sessions tab.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::error_text;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, SessionView};

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
                                            <td class="detail" translate="no">{s.user_agent}</td>
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
