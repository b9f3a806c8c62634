//! The dashboard's token reuse alerts: a value that was regenerated away or deleted was
//! used again. Each alert stays until its owner dismisses it (one click, no dialog).

use leptos::prelude::*;

use crate::i18n::*;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, ReuseAlertView};

/// The alert area: nothing while there are no alerts. Announced politely when alerts
/// arrive or one is dismissed.
#[component]
pub fn ReuseAlerts() -> impl IntoView {
    let i18n = use_i18n();
    let alerts: RwSignal<Vec<ReuseAlertView>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let status = RwSignal::new(String::new());
    Effect::new(move |_| {
        spawn_local(async move {
            match api::reuse_alerts().await {
                Ok(list) => alerts.set(list),
                Err(e) => error.set(Some(e)),
            }
        })
    });
    let dismiss = Callback::new(move |id: i64| {
        spawn_local(async move {
            match api::dismiss_reuse_alert(id).await {
                Ok(()) => {
                    error.set(None);
                    alerts.update(|l| l.retain(|a| a.id != id));
                    let left = alerts.with(Vec::len);
                    status.set(match left {
                        0 => t_string!(i18n, alerts.reuse_none_left).into(),
                        n => crate::tf!(i18n, alerts.reuse_left, n = n),
                    });
                    crate::browser::focus_first("reuse-alerts", "button");
                }
                Err(e) => error.set(Some(e)),
            }
        })
    });
    view! {
        <section id="reuse-alerts" class="reuse-alerts" aria-label=t_string!(i18n, alerts.reuse_label) data-testid="reuse-alerts">
            <p class="visually-hidden" role="status" aria-live="polite">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{crate::language::error_text(i18n, &e)}</p> })}
            <ul class="alert-list" aria-live="polite">
                <For each=move || alerts.get() key=|a| a.id let:alert>
                    <ReuseAlertItem alert on_dismiss=dismiss/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn ReuseAlertItem(alert: ReuseAlertView, on_dismiss: Callback<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let id = alert.id;
    let what = if alert.regenerated {
        t_string!(i18n, alerts.reuse_regenerated)
    } else {
        t_string!(i18n, alerts.reuse_deleted)
    };
    let uses = match alert.uses {
        1 => String::new(),
        n => format!(", {}", crate::tf!(i18n, alerts.times, n = n)),
    };
    let label = crate::tf!(i18n, alerts.reuse_dismiss_label, id = alert.token_id);
    view! {
        <li class="reuse-alert" data-testid="reuse-alert" data-token-id=alert.token_id>
            <p>
                <strong>{crate::tf!(i18n, alerts.token, description = alert.description, id = alert.token_id)}</strong>
                ": " {crate::tf!(i18n, alerts.reuse_text, what = what)} " "
                <code>{alert.ip.clone()}</code>
                " (" <code>{alert.method.clone()}</code> ", "
                {wire_to_ui_datetime(&alert.first_seen)} " UTC" {uses} ")."
                {alert
                    .revoked
                    .then(|| view! { <span class="revoked">" " {t_string!(i18n, alerts.reuse_revoked)}</span> })}
            </p>
            <button type="button" aria-label=label on:click=move |_| on_dismiss.run(id)>
                {t_string!(i18n, alerts.dismiss)}
            </button>
        </li>
    }
}
