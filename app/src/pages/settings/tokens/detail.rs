//! One token in detail, in place of the list: its facts, the last five addresses it
//! was used from, and its activity log (every call made with it, newest first),
//! filtered by method and result.
//!
//! Live: the open view polls `/ui/tokens/{id}` every second (gloo-net, as the
//! environment page does), and at once when a filter changes, so a call made with the
//! token shows within two seconds (the server writes activity within half a second).

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{error_text, I18n};

use crate::browser::focus_first;
use crate::error::AppError;
use crate::model::{
    wire_to_ui_date, wire_to_ui_datetime, ActivityFilter, ActivityView, TokenDetail, TokenView,
};

/// How often the open view asks for the token's activity.
#[cfg(feature = "hydrate")]
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(1000);

/// The result filter's choices: (value sent, label) in the page's language.
fn results(i18n: I18n) -> [(&'static str, String); 7] {
    [
        ("", t_string!(i18n, detail.all_results).into()),
        ("success", t_string!(i18n, detail.success).into()),
        ("failure", t_string!(i18n, detail.failure).into()),
        ("3", format!("3 — {}", t_string!(i18n, detail.code_3))),
        ("11", format!("11 — {}", t_string!(i18n, detail.code_11))),
        (
            "2212",
            format!("2212 — {}", t_string!(i18n, detail.code_2212)),
        ),
        (
            "8202",
            format!("8202 — {}", t_string!(i18n, detail.code_8202)),
        ),
    ]
}

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

/// What a result code means, in a word (`meaning`: the word for 3, 11 and 8202).
fn result_label(code: i32, ok: &str, meaning: impl Fn(i32) -> Option<&'static str>) -> String {
    match code {
        0 => ok.into(),
        c => match meaning(c) {
            Some(m) => format!("{c} {m}"),
            None => c.to_string(),
        },
    }
}

#[component]
pub fn TokenDetailView(token: TokenView, on_back: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
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
                <button type="button" class="link-button" on:click=back>{t_string!(i18n, detail.back)}</button>
            </p>
            <h2 id="token-detail-title" tabindex="-1">{move || facts.get().description}</h2>
            {move || refused.get().map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })}
            <Facts token=facts/>
            <h3 id="token-ips-title">{t_string!(i18n, detail.last_used_from)}</h3>
            {move || {
                let ips = detail.get().map(|d| d.last_ips).unwrap_or_default();
                if ips.is_empty() {
                    return view! { <p class="muted">{t_string!(i18n, detail.not_used)}</p> }.into_any();
                }
                view! {
                    <table class="token-ips" aria-labelledby="token-ips-title">
                        <thead><tr><th scope="col">{t_string!(i18n, detail.address)}</th><th scope="col">{t_string!(i18n, detail.last_used_utc)}</th></tr></thead>
                        <tbody>
                            {ips.into_iter().map(|u| view! {
                                <tr><td><code>{u.ip}</code></td><td>{wire_to_ui_datetime(&u.last_used)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
            <h3 id="token-activity-title">{t_string!(i18n, detail.activity)}</h3>
            <div class="toolbar activity-filter" role="group" aria-label=t_string!(i18n, detail.filter_label)>
                <label>
                    {t_string!(i18n, detail.method)} " "
                    <input
                        type="search"
                        name="activity-method"
                        placeholder=t_string!(i18n, detail.method_placeholder)
                        prop:value=move || method.get()
                        on:input=move |ev| method.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    {t_string!(i18n, detail.result)} " "
                    <select name="activity-result" on:change=move |ev| result.set(event_target_value(&ev))>
                        {results(i18n).into_iter().map(|(value, label)| view! {
                            <option value=value selected=move || result.get() == value>{label}</option>
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
    let i18n = use_i18n();
    move || {
        let t = token.get();
        let api = match &t.template {
            Some(name) => name.clone(),
            None => t.methods.join(", "),
        };
        let expires = match (&t.expires_at, t.expired) {
            (None, _) => t_string!(i18n, tokens.never).to_string(),
            (Some(at), true) => crate::tf!(i18n, tokens.date_expired, date = wire_to_ui_date(at)),
            (Some(at), false) => wire_to_ui_date(at),
        };
        view! {
            <dl class="facts token-facts">
                <dt>{t_string!(i18n, detail.id)}</dt><dd>{t.id}</dd>
                <dt>{t_string!(i18n, tokens.col_api)}</dt><dd>{api}</dd>
                <dt>{t_string!(i18n, tokens.col_expires)}</dt><dd>{expires}</dd>
                <dt>{t_string!(i18n, tokens.col_last_used)}</dt><dd>{t.last_used.as_deref().map(wire_to_ui_datetime).unwrap_or_else(|| t_string!(i18n, tokens.never).into())}</dd>
                <dt>{t_string!(i18n, tokens.col_created)}</dt><dd>{wire_to_ui_date(&t.created_on)}</dd>
            </dl>
        }
    }
}

/// The activity log; `None` while the first answer is on its way.
#[component]
fn ActivityTable(#[prop(into)] rows: Signal<Option<Vec<ActivityView>>>) -> impl IntoView {
    let i18n = use_i18n();
    let status = move || match rows.get() {
        None => t_string!(i18n, detail.loading).to_string(),
        Some(r) if r.is_empty() => t_string!(i18n, detail.no_calls).to_string(),
        Some(r) if r.len() == 1 => t_string!(i18n, detail.calls_one).to_string(),
        Some(r) => crate::tf!(i18n, detail.calls_many, n = r.len()),
    };
    let meaning = move |code: i32| match code {
        3 => Some(t_string!(i18n, detail.code_3)),
        11 => Some(t_string!(i18n, detail.code_11)),
        8202 => Some(t_string!(i18n, detail.code_8202)),
        _ => None,
    };
    view! {
        <p class="muted small" role="status">{status}</p>
        <div class="table-wrap">
            <table id="token-activity" class="token-activity" aria-labelledby="token-activity-title">
                <thead>
                    <tr>
                        <th scope="col">{t_string!(i18n, detail.time_utc)}</th>
                        <th scope="col">{t_string!(i18n, detail.method)}</th>
                        <th scope="col">{t_string!(i18n, detail.environment)}</th>
                        <th scope="col">{t_string!(i18n, detail.address)}</th>
                        <th scope="col">{t_string!(i18n, detail.result)}</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get().unwrap_or_default() key=|r| r.id let:row>
                        <tr data-activity-id=row.id.to_string() class:failed=row.result != 0>
                            <td>{row.time.clone()}</td>
                            <td>
                                <code>{row.method.clone()}</code>
                                {(row.calls > 1).then(|| view! {
                                    " " <span class="calls" title=t_string!(i18n, detail.identical_calls)>{format!("× {}", row.calls)}</span>
                                })}
                            </td>
                            <td>{row.env_name.clone().unwrap_or_default()}</td>
                            <td><code>{row.ip.clone()}</code></td>
                            <td>
                                <span class=if row.result == 0 { "badge ok" } else { "badge bad" }>
                                    {result_label(row.result, t_string!(i18n, detail.ok), meaning)}
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
        let meaning = |c| (c == 8202).then_some("permission denied");
        assert_eq!(result_label(0, "OK", meaning), "OK");
        assert_eq!(result_label(8202, "OK", meaning), "8202 permission denied");
        assert_eq!(result_label(2338, "OK", meaning), "2338");
    }
}
