//! The API reference served by Kunci: `/docs/api` (a searchable index of the catalog)
//! and `/docs/api/{service.class.Method}` (one page per method). The Access Tokens
//! dialog links each method here.

use leptos::prelude::*;

use crate::i18n::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::api_catalog;
use crate::model::ApiMethodView;
use crate::pages::{ErrorNote, NotFound};

/// The result codes a client can meet; their meanings are messages (`docs.code_N`).
pub const RESULT_CODES: &[i32] = &[
    0, 3, 11, 99, 701, 702, 703, 704, 705, 706, 710, 801, 1702, 2212, 2301, 2338, 6001, 8202,
];

/// What a result code means, in the page's language.
fn code_meaning(i18n: crate::language::I18n, code: i32) -> &'static str {
    match code {
        0 => t_string!(i18n, docs.code_0),
        3 => t_string!(i18n, docs.code_3),
        11 => t_string!(i18n, docs.code_11),
        99 => t_string!(i18n, docs.code_99),
        701 => t_string!(i18n, docs.code_701),
        702 => t_string!(i18n, docs.code_702),
        703 => t_string!(i18n, docs.code_703),
        704 => t_string!(i18n, docs.code_704),
        705 => t_string!(i18n, docs.code_705),
        706 => t_string!(i18n, docs.code_706),
        710 => t_string!(i18n, docs.code_710),
        801 => t_string!(i18n, docs.code_801),
        1702 => t_string!(i18n, docs.code_1702),
        2212 => t_string!(i18n, docs.code_2212),
        2301 => t_string!(i18n, docs.code_2301),
        2338 => t_string!(i18n, docs.code_2338),
        6001 => t_string!(i18n, docs.code_6001),
        _ => t_string!(i18n, docs.code_8202),
    }
}

fn docs_header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Kunci"</a>
            <a href="/docs/api">{t_string!(i18n, docs.title)}</a>
            <span class="spacer"></span>
            <crate::language::LanguageSwitch/>
            <a href="/">{t_string!(i18n, docs.dashboard)}</a>
        </header>
    }
}

#[component]
pub fn ApiIndexPage() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = Resource::new(|| (), |_| api_catalog());
    let query = RwSignal::new(String::new());
    view! {
        <Title text=t_string!(i18n, docs.title)/>
        {docs_header()}
        <main class="docs">
            <h1>{t_string!(i18n, docs.title)}</h1>
            <p>
                {t_string!(i18n, docs.intro_path)} " " <code>"/1.0/{service}/{class}/rest/{method}"</code>
                " " {t_string!(i18n, docs.intro_params)} " "
                <code>"{\"result\":0, ...}"</code> " " {t_string!(i18n, docs.intro_success)} " " <code>"{\"result\":N, \"error\":\"...\"}"</code>
                " " {t_string!(i18n, docs.intro_otherwise)} " " <code>"session"</code>
                " " {t_string!(i18n, docs.intro_auth)} " " <code>"Authorization: Bearer"</code> "."
            </p>
            <p>
                {t_string!(i18n, docs.permissions_before)} <code>"env"</code> " " {t_string!(i18n, docs.permissions_short)} " "
                <code>"environment"</code> ")."
            </p>
            <label class="search">
                <span class="visually-hidden">{t_string!(i18n, docs.search_label)}</span>
                <input
                    type="search"
                    placeholder=t_string!(i18n, docs.search_placeholder)
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </label>
            <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, docs.loading_catalog)}</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(all) => view! { <CatalogTable all query/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Suspense>
            <h2 id="result-codes">{t_string!(i18n, docs.result_codes)}</h2>
            <table class="codes">
                <thead><tr><th scope="col">{t_string!(i18n, docs.col_result)}</th><th scope="col">{t_string!(i18n, docs.col_meaning)}</th></tr></thead>
                <tbody>
                    {RESULT_CODES
                        .iter()
                        .map(|code| view! { <tr><td><code>{*code}</code></td><td>{code_meaning(i18n, *code)}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
        </main>
    }
}

#[component]
fn CatalogTable(all: Vec<ApiMethodView>, query: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let total = all.len();
    let implemented = all.iter().filter(|m| m.implemented).count();
    let lowered: Vec<String> = all.iter().map(|m| m.method.to_lowercase()).collect();
    let shown = {
        let lowered = lowered.clone();
        move || {
            let q = query.get().trim().to_lowercase();
            lowered.iter().filter(|m| m.contains(&q)).count()
        }
    };
    let rows = all
        .into_iter()
        .zip(lowered)
        .map(|(m, key)| {
            let visible = move || key.contains(&query.get().trim().to_lowercase());
            view! {
                <tr class:hidden=move || !visible()>
                    <td><a href=m.docs_href()><code>{m.method.clone()}</code></a></td>
                    <td class="params">{m.params.join(", ")}</td>
                    <td>
                        {if m.implemented {
                            view! { <span class="badge ok">{t_string!(i18n, docs.implemented)}</span> }.into_any()
                        } else {
                            view! { <span class="badge muted-badge">"1702"</span> }.into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted" aria-live="polite">
            {move || crate::tf!(i18n, docs.shown, shown = shown(), total = total)} " · " {crate::tf!(i18n, docs.implemented_count, n = implemented)}
        </p>
        <div class="table-wrap">
            <table class="catalog">
                <thead>
                    <tr><th scope="col">{t_string!(i18n, docs.col_method)}</th><th scope="col">{t_string!(i18n, docs.col_parameters)}</th><th scope="col">{t_string!(i18n, docs.col_status)}</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn ApiMethodPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let catalog = Resource::new(|| (), |_| api_catalog());
    view! {
        {docs_header()}
        <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, common.loading)}</p> }>
            {move || {
                let wanted = params.read().get("method").unwrap_or_default().to_lowercase();
                Suspend::new(async move {
                    match catalog.await {
                        Ok(all) => match all.into_iter().find(|m| m.method.to_lowercase() == wanted) {
                            Some(method) => view! { <MethodDetails method/> }.into_any(),
                            None => view! { <NotFound/> }.into_any(),
                        },
                        Err(error) => view! { <main class="docs"><ErrorNote error/></main> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn MethodDetails(method: ApiMethodView) -> impl IntoView {
    let i18n = use_i18n();
    let mut parts = method.method.splitn(3, '.');
    let service = match parts.next().unwrap_or_default() {
        "env" => "environment".to_string(),
        other => other.to_string(),
    };
    let class = parts.next().unwrap_or_default().to_string();
    let name = parts.next().unwrap_or_default().to_string();
    let answer = method.example.as_ref().map(|(_, answer)| answer.clone());
    let example = if let Some((request, _)) = &method.example {
        let auth = format!(
            "curl -G 'http://127.0.0.1:3000{}' -H \"Authorization: Bearer $TOKEN\"",
            method.path
        );
        request
            .split('&')
            .filter(|kv| !kv.is_empty())
            .fold(auth, |cmd, kv| {
                format!("{cmd} \\\n  --data-urlencode '{kv}'")
            })
    } else {
        let args: String = method
            .params
            .iter()
            .filter(|p| !p.eq_ignore_ascii_case("session"))
            .take(3)
            .map(|p| format!("&{p}=..."))
            .collect();
        format!(
            "curl 'http://127.0.0.1:3000{}?session=$TOKEN{args}'",
            method.path
        )
    };
    view! {
        <Title text=method.method.clone()/>
        <main class="docs method">
            <p><a href="/docs/api">{t_string!(i18n, docs.all_methods)}</a></p>
            <h1><code>{name}</code></h1>
            <dl class="facts">
                <dt>{t_string!(i18n, docs.service)}</dt><dd><code>{service}</code></dd>
                <dt>{t_string!(i18n, docs.class)}</dt><dd><code>{class}</code></dd>
                <dt>{t_string!(i18n, docs.rest_path)}</dt><dd><code>{method.path.clone()}</code> " " {t_string!(i18n, docs.any_method)}</dd>
                <dt>{t_string!(i18n, docs.token_permission)}</dt><dd><code>{method.method.clone()}</code></dd>
                <dt>{t_string!(i18n, docs.kind)}</dt><dd>{if method.is_safe { t_string!(i18n, docs.read_only) } else { t_string!(i18n, docs.changes_state) }}</dd>
                <dt>{t_string!(i18n, docs.in_kunci)}</dt>
                <dd>
                    {if method.implemented {
                        view! { <span class="badge ok">{t_string!(i18n, docs.implemented)}</span> }.into_any()
                    } else {
                        view! { <span class="badge muted-badge">{t_string!(i18n, docs.not_implemented)}</span> }.into_any()
                    }}
                </dd>
            </dl>
            {method.description.clone().map(|d| view! { <p class="description">{d}</p> })}
            <h2>{t_string!(i18n, docs.parameters)}</h2>
            {if method.params.is_empty() {
                view! { <p class="muted">{t_string!(i18n, docs.none_besides)} " " <code>"session"</code> "."</p> }.into_any()
            } else {
                view! {
                    <ul class="params-list">
                        {method.params.iter().map(|p| view! { <li><code>{p.clone()}</code></li> }).collect_view()}
                        <li><code>"session"</code> " " {t_string!(i18n, docs.session_param)} " " <code>"Authorization: Bearer"</code> ")"</li>
                    </ul>
                }.into_any()
            }}
            <h2>{t_string!(i18n, docs.example)}</h2>
            <pre><code>{example}</code></pre>
            {answer.map(|a| view! { <h3>{t_string!(i18n, docs.answer)}</h3><pre><code>{a}</code></pre> })}
            <p><a href="/docs/api#result-codes">{t_string!(i18n, docs.result_codes)}</a></p>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_result_code_an_error_can_carry_is_listed() {
        use crate::error::AppError;
        let errors = [
            AppError::invalid("x", "y"),
            AppError::EnvNotFound("x".into()),
            AppError::Internal("id".into()),
            AppError::AuthenticationFailed,
            AppError::NotAuthenticated,
            AppError::UserBlocked("x".into()),
            AppError::NotActivated("x".into()),
            AppError::ConfirmationLocked(1),
            AppError::Busy(2),
            AppError::LoginTaken("x".into()),
            AppError::InvalidPassword,
            AppError::NotImplemented("x".into()),
            AppError::WrongEnvStatus {
                current: "a".into(),
                required: "b".into(),
            },
            AppError::EnvNameTaken("x".into()),
            AppError::LimitReached(crate::error::Limit::Tokens { max: 50 }),
            AppError::SshKeyExists("x".into()),
            AppError::PermissionDenied("x".into()),
        ];
        for e in errors {
            assert!(
                RESULT_CODES.contains(&e.code()),
                "result {} is not in the API reference",
                e.code()
            );
        }
    }

    #[test]
    fn the_token_limit_stated_is_the_rule() {
        let en: serde_json::Value =
            serde_json::from_str(include_str!("../../locales/en.json")).unwrap();
        let id: serde_json::Value =
            serde_json::from_str(include_str!("../../locales/id.json")).unwrap();
        let n = kunci_rules::token::MAX_PER_ACCOUNT;
        let limit = en["docs"]["code_2338"].as_str().unwrap();
        assert!(limit.contains(&format!("{n} tokens")), "{limit}");
        let batas = id["docs"]["code_2338"].as_str().unwrap();
        assert!(batas.contains(&format!("{n} token")), "{batas}");
    }
}
