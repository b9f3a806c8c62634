//! The dashboard's leak alerts: a token was revoked because its value was reported
//! found somewhere (by a secret-scanning service, or by an operator). Each alert stays
//! until its owner dismisses it (one click, no dialog).

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, LeakAlertView};

/// The alert area: nothing while there are no alerts. Announced politely when alerts
/// arrive or one is dismissed.
#[component]
pub fn LeakAlerts() -> impl IntoView {
    let i18n = use_i18n();
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
                        0 => t_string!(i18n, alerts.leak_none_left).into(),
                        n => crate::tf!(i18n, alerts.leak_left, n = n),
                    });
                    crate::browser::focus_first("leak-alerts", "button");
                }
                Err(e) => error.set(Some(e)),
            }
        })
    });
    view! {
        <section id="leak-alerts" class="reuse-alerts" aria-label=t_string!(i18n, alerts.leak_label) data-testid="leak-alerts">
            <p class="visually-hidden" role="status" aria-live="polite">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{crate::language::error_text(i18n, &e)}</p> })}
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
    let i18n = use_i18n();
    let id = alert.id;
    let by = if alert.source == "operator" {
        t_string!(i18n, alerts.leak_by_operator).to_string()
    } else if alert.source.is_empty() {
        t_string!(i18n, alerts.leak_by_scanner).to_string()
    } else {
        crate::tf!(i18n, alerts.leak_by_named_scanner, source = alert.source)
    };
    let label = crate::tf!(i18n, alerts.leak_dismiss_label, id = alert.token_id);
    // Text only, never a link: the address comes from the report.
    let place = (!alert.url.is_empty()).then(|| {
        view! { " " {t_string!(i18n, alerts.leak_at)} " " <code class="leak-url">{alert.url.clone()}</code> }
    });
    let kind = (!alert.token_type.is_empty())
        .then(|| view! { " (" {t_string!(i18n, alerts.leak_type)} " " <code>{alert.token_type.clone()}</code> ")" });
    view! {
        <li class="reuse-alert leak-alert" data-testid="leak-alert" data-token-id=alert.token_id>
            <p>
                <strong>{crate::tf!(i18n, alerts.leak_revoked, description = alert.description, id = alert.token_id)}</strong>
                ": " {t_string!(i18n, alerts.leak_found_by)} " " {by} {place} {kind} ", "
                {wire_to_ui_datetime(&alert.reported)} " UTC. "
                <span class="revoked">{t_string!(i18n, alerts.leak_create_new)}</span>
            </p>
            <button type="button" aria-label=label on:click=move |_| on_dismiss.run(id)>
                {t_string!(i18n, alerts.dismiss)}
            </button>
        </li>
    }
}
