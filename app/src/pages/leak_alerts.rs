//! The dashboard's leak alerts: a token was revoked because its value was reported
//! found somewhere (by a secret-scanning service, or by an operator). Each alert stays
//! until its owner dismisses it (one click, no dialog).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, LeakAlertView};

/// The alert area: nothing while there are no alerts. Announced politely when alerts
/// arrive or one is dismissed.
#[component]
pub fn LeakAlerts() -> impl IntoView {
    let alerts: RwSignal<Vec<LeakAlertView>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let status = RwSignal::new(String::new());
    Effect::new(move |_| {
        spawn_local(async move {
            match api::leak_alerts().await {
                Ok(list) => alerts.set(list),
                Err(e) => error.set(Some(e)),
            }
        })
    });
    let dismiss = Callback::new(move |id: i64| {
        spawn_local(async move {
            match api::dismiss_leak_alert(id).await {
                Ok(()) => {
                    error.set(None);
                    alerts.update(|l| l.retain(|a| a.id != id));
                    status.set(match alerts.with(Vec::len) {
                        0 => "Alert dismissed. No leak alerts left.".into(),
                        n => format!("Alert dismissed. {n} leak alert(s) left."),
                    });
                    crate::browser::focus_first("leak-alerts", "button");
                }
                Err(e) => error.set(Some(e)),
            }
        })
    });
    view! {
        <section id="leak-alerts" class="reuse-alerts" aria-label="Leaked tokens" data-testid="leak-alerts">
            <p class="visually-hidden" role="status" aria-live="polite">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <ul class="alert-list" aria-live="polite">
                <For each=move || alerts.get() key=|a| a.id let:alert>
                    <LeakAlertItem alert on_dismiss=dismiss/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn LeakAlertItem(alert: LeakAlertView, on_dismiss: Callback<i64>) -> impl IntoView {
    let id = alert.id;
    let by = if alert.source == "operator" {
        "an operator".to_string()
    } else if alert.source.is_empty() {
        "a secret-scanning service".to_string()
    } else {
        format!("a secret-scanning service ({})", alert.source)
    };
    let label = format!("Dismiss the leak alert about token #{}", alert.token_id);
    // Text only, never a link: the address comes from the report.
    let place = (!alert.url.is_empty()).then(|| {
        view! { " at " <code class="leak-url">{alert.url.clone()}</code> }
    });
    let kind = (!alert.token_type.is_empty())
        .then(|| view! { " (type " <code>{alert.token_type.clone()}</code> ")" });
    view! {
        <li class="reuse-alert leak-alert" data-testid="leak-alert" data-token-id=alert.token_id>
            <p>
                <strong>"Token “" {alert.description.clone()} "” (#" {alert.token_id} ") was revoked"</strong>
                ": its value was reported found by " {by} {place} {kind} ", "
                {wire_to_ui_datetime(&alert.reported)} " UTC. "
                <span class="revoked">"Create a new token for what used it."</span>
            </p>
            <button type="button" aria-label=label on:click=move |_| on_dismiss.run(id)>
                "Dismiss"
            </button>
        </li>
    }
}
