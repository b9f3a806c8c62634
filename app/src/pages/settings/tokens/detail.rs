//! One token in detail, in place of the list: its facts, the last five addresses it
//! was used from, and its activity log (every call made with it, newest first),
//! filtered by method and result.
//!
//! Live: the open view polls `/ui/tokens/{id}` every second (gloo-net, as the
//! environment page does), and at once when a filter changes, so a call made with the
//! token shows within two seconds (the server writes activity within half a second).

use leptos::prelude::*;

use crate::browser::focus_first;
use crate::error::AppError;
use crate::model::{
    wire_to_ui_date, wire_to_ui_datetime, ActivityFilter, ActivityView, TokenDetail, TokenView,
};

/// How often the open view asks for the token's activity.
#[cfg(feature = "hydrate")]
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);

/// The result filter's choices: (value sent, label).
const RESULTS: &[(&str, &str)] = &[
    ("", "All results"),
    ("success", "Success"),
    ("failure", "Failure (any error)"),
    ("3", "3 — invalid parameter"),
    ("11", "11 — no such environment"),
    ("2212", "2212 — wrong status"),
    ("8202", "8202 — permission denied"),
];

/// The token as the browser last fetched it; `None` when the request failed on the way
/// (the next poll tries again).
#[cfg(feature = "hydrate")]
async fn fetch_detail(id: i64, filter: &ActivityFilter) -> Option<Result<TokenDetail, AppError>> {
    let url = format!(
        "/ui/tokens/{id}?method={}&result={}",
        js_sys::encode_uri_component(&filter.method),
        js_sys::encode_uri_component(&filter.result)
    );
    let response = gloo_net::http::Request::get(&url).send().await.ok()?;
    if response.ok() {
        response.json().await.ok().map(Ok)
    } else {
        response.json().await.ok().map(Err)
    }
}

/// What a result code means, in a word.
fn result_label(code: i32) -> String {
    match code {
        0 => "OK".into(),
        3 => "3 invalid parameter".into(),
        11 => "11 no such environment".into(),
        8202 => "8202 permission denied".into(),
        c => c.to_string(),
    }
}

#[component]
pub fn TokenDetailView(token: TokenView, on_back: Callback<()>) -> impl IntoView {
    let id = token.id;
    let method = RwSignal::new(String::new());
    let result = RwSignal::new(String::new());
    let detail: RwSignal<Option<TokenDetail>> = RwSignal::new(None);
    let refused: RwSignal<Option<AppError>> = RwSignal::new(None);
    let filter = Memo::new(move |_| ActivityFilter {
        method: method.get(),
        result: result.get(),
    });

    let refresh = move || {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let asked = filter.get_untracked();
            match fetch_detail(id, &asked).await {
                // An answer to an older filter is dropped: the next poll brings the right one.
                Some(Ok(d)) if filter.get_untracked() == asked => {
                    detail.set(Some(d));
                    refused.set(None);
                }
                Some(Ok(_)) | None => {}
                Some(Err(e)) => refused.set(Some(e)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, detail, refused);
    };
    Effect::new(move |_| {
        filter.track();
        refresh();
    });
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(refresh, POLL_EVERY) {
        on_cleanup(move || handle.clear());
    }
    Effect::new(move |_| focus_first("token-detail", "#token-detail-title"));

    let facts = Signal::derive(move || {
        detail
            .get()
            .map(|d| d.token)
            .unwrap_or_else(|| token.clone())
    });
    let back = move |_| on_back.run(());
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Backspace" && ev.alt_key() {
            ev.prevent_default();
            on_back.run(());
        }
    };
    view! {
        <section id="token-detail" class="token-detail" aria-labelledby="token-detail-title" on:keydown=on_keydown>
            <p class="back">
                <button type="button" class="link-button" on:click=back>"← All access tokens"</button>
            </p>
            <h2 id="token-detail-title" tabindex="-1">{move || facts.get().description}</h2>
            {move || refused.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <Facts token=facts/>
            <h3 id="token-ips-title">"Last used from"</h3>
            {move || {
                let ips = detail.get().map(|d| d.last_ips).unwrap_or_default();
                if ips.is_empty() {
                    return view! { <p class="muted">"Not used yet."</p> }.into_any();
                }
                view! {
                    <table class="token-ips" aria-labelledby="token-ips-title">
                        <thead><tr><th scope="col">"Address"</th><th scope="col">"Last used (UTC)"</th></tr></thead>
                        <tbody>
                            {ips.into_iter().map(|u| view! {
                                <tr><td><code>{u.ip}</code></td><td>{wire_to_ui_datetime(&u.last_used)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
            <h3 id="token-activity-title">"Activity"</h3>
            <div class="toolbar activity-filter" role="group" aria-label="Filter the activity">
                <label>
                    "Method "
                    <input
                        type="search"
                        name="activity-method"
                        placeholder="e.g. GetEnvInfo"
                        prop:value=move || method.get()
                        on:input=move |ev| method.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Result "
                    <select name="activity-result" on:change=move |ev| result.set(event_target_value(&ev))>
                        {RESULTS.iter().map(|(value, label)| view! {
                            <option value=*value selected=move || result.get() == *value>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <ActivityTable rows=Signal::derive(move || detail.get().map(|d| d.activity)) />
        </section>
    }
}

#[component]
fn Facts(#[prop(into)] token: Signal<TokenView>) -> impl IntoView {
    move || {
        let t = token.get();
        let api = match &t.template {
            Some(name) => name.clone(),
            None => t.methods.join(", "),
        };
        let expires = match (&t.expires_at, t.expired) {
            (None, _) => "never".to_string(),
            (Some(at), true) => format!("{} (expired)", wire_to_ui_date(at)),
            (Some(at), false) => wire_to_ui_date(at),
        };
        view! {
            <dl class="facts token-facts">
                <dt>"Id"</dt><dd>{t.id}</dd>
                <dt>"API"</dt><dd>{api}</dd>
                <dt>"Expires"</dt><dd>{expires}</dd>
                <dt>"Last used"</dt><dd>{t.last_used.as_deref().map(wire_to_ui_datetime).unwrap_or_else(|| "never".into())}</dd>
                <dt>"Created"</dt><dd>{wire_to_ui_date(&t.created_on)}</dd>
            </dl>
        }
    }
}

/// The activity log; `None` while the first answer is on its way.
#[component]
fn ActivityTable(#[prop(into)] rows: Signal<Option<Vec<ActivityView>>>) -> impl IntoView {
    let status = move || match rows.get() {
        None => "Loading the activity…".to_string(),
        Some(r) if r.is_empty() => "No calls match.".to_string(),
        Some(r) if r.len() == 1 => "1 call, newest first; updated every second.".to_string(),
        Some(r) => format!("{} calls, newest first; updated every second.", r.len()),
    };
    view! {
        <p class="muted small" role="status">{status}</p>
        <div class="table-wrap">
            <table id="token-activity" class="token-activity" aria-labelledby="token-activity-title">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Method"</th>
                        <th scope="col">"Environment"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Result"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get().unwrap_or_default() key=|r| r.id let:row>
                        <tr data-activity-id=row.id.to_string() class:failed=row.result != 0>
                            <td>{row.time.clone()}</td>
                            <td>
                                <code>{row.method.clone()}</code>
                                {(row.calls > 1).then(|| view! {
                                    " " <span class="calls" title="identical calls in that second">{format!("× {}", row.calls)}</span>
                                })}
                            </td>
                            <td>{row.env_name.clone().unwrap_or_default()}</td>
                            <td><code>{row.ip.clone()}</code></td>
                            <td>
                                <span class=if row.result == 0 { "badge ok" } else { "badge bad" }>
                                    {result_label(row.result)}
                                </span>
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_labels_name_success_and_the_usual_refusals() {
        assert_eq!(result_label(0), "OK");
        assert_eq!(result_label(8202), "8202 permission denied");
        assert_eq!(result_label(2338), "2338");
    }
}
