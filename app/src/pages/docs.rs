//! The API reference served by Kunci: `/docs/api` (a searchable index of the catalog)
//! and `/docs/api/{service.class.Method}` (one page per method). The Access Tokens
//! dialog links each method here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::api_catalog;
use crate::model::ApiMethodView;
use crate::pages::{ErrorNote, NotFound};

/// The result codes a client can meet: (code, meaning).
pub const RESULT_CODES: &[(i32, &str)] = &[
    (0, "success"),
    (3, "invalid parameter: missing or malformed; the message names it, e.g. invalid parameter [envName]"),
    (11, "environment does not exist (or belongs to someone else: the same answer)"),
    (99, "internal error (HTTP 500 when the request itself failed); the message carries a request id to quote"),
    (701, "authentication failed: wrong login or password (one answer for both)"),
    (702, "not authenticated: missing, unknown, expired or signed-out session; unknown, expired, deleted or regenerated-away token"),
    (703, "user not activated: the account signed up under --signup approval and waits for an administrator (said only after a correct password)"),
    (704, "user blocked: sign-in (or sign-up) locked after repeated failures, or the account is disabled"),
    (705, "password confirmation locked after repeated wrong passwords from this session; retry after the time given"),
    (706, "busy: the server could not check the password within 2 s; nothing was counted, retry after the time given"),
    (710, "login already registered"),
    (801, "invalid password: the password confirming a protected call is wrong"),
    (1702, "method not implemented by this server, or no such method (HTTP 404)"),
    (2212, "wrong environment status for this action"),
    (2301, "environment name already taken"),
    (2338, "account limit reached (100 tokens, 50 SSH keys, or the environment limit)"),
    (6001, "the SSH key is already on the account (AddSSHKey; the same key material under any title)"),
    (8202, "permission denied: a token called a method outside its permissions, or any authentication method; a non-administrator asked for the administration inventory; a sign-up while sign-up is closed"),
];

fn docs_header() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Kunci"</a>
            <a href="/docs/api">"API reference"</a>
            <span class="spacer"></span>
            <a href="/">"Dashboard"</a>
        </header>
    }
}

#[component]
pub fn ApiIndexPage() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| api_catalog());
    let query = RwSignal::new(String::new());
    view! {
        <Title text="API reference"/>
        {docs_header()}
        <main class="docs">
            <h1>"API reference"</h1>
            <p>
                "Every method lives at " <code>"/1.0/{service}/{class}/rest/{method}"</code>
                " (any case), takes its parameters in the query string or a form body, and answers JSON: "
                <code>"{\"result\":0, ...}"</code> " on success, " <code>"{\"result\":N, \"error\":\"...\"}"</code>
                " otherwise. Authenticate with " <code>"session"</code>
                " (a sign-in session or a personal access token) or " <code>"Authorization: Bearer"</code> "."
            </p>
            <p>
                "A token's permissions are the names in the first column (" <code>"env"</code> " is short for "
                <code>"environment"</code> ")."
            </p>
            <label class="search">
                <span class="visually-hidden">"Search methods"</span>
                <input
                    type="search"
                    placeholder="Search methods, e.g. stopenv"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </label>
            <Suspense fallback=|| view! { <p class="loading">"Loading the catalog…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(all) => view! { <CatalogTable all query/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Suspense>
            <h2 id="result-codes">"Result codes"</h2>
            <table class="codes">
                <thead><tr><th scope="col">"result"</th><th scope="col">"meaning"</th></tr></thead>
                <tbody>
                    {RESULT_CODES
                        .iter()
                        .map(|(code, meaning)| view! { <tr><td><code>{*code}</code></td><td>{*meaning}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
        </main>
    }
}

#[component]
fn CatalogTable(all: Vec<ApiMethodView>, query: RwSignal<String>) -> impl IntoView {
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
                            view! { <span class="badge ok">"implemented"</span> }.into_any()
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
            {move || format!("{} of {total} methods", shown())} {format!(" · {implemented} implemented by Kunci")}
        </p>
        <div class="table-wrap">
            <table class="catalog">
                <thead>
                    <tr><th scope="col">"Method (permission name)"</th><th scope="col">"Parameters"</th><th scope="col">"Status"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn ApiMethodPage() -> impl IntoView {
    let params = use_params_map();
    let catalog = Resource::new(|| (), |_| api_catalog());
    view! {
        {docs_header()}
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
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
            <p><a href="/docs/api">"← All methods"</a></p>
            <h1><code>{name}</code></h1>
            <dl class="facts">
                <dt>"Service"</dt><dd><code>{service}</code></dd>
                <dt>"Class"</dt><dd><code>{class}</code></dd>
                <dt>"REST path"</dt><dd><code>{method.path.clone()}</code> " (GET or POST, any case)"</dd>
                <dt>"Token permission"</dt><dd><code>{method.method.clone()}</code></dd>
                <dt>"Kind"</dt><dd>{if method.is_safe { "read-only" } else { "changes state" }}</dd>
                <dt>"In Kunci"</dt>
                <dd>
                    {if method.implemented {
                        view! { <span class="badge ok">"implemented"</span> }.into_any()
                    } else {
                        view! { <span class="badge muted-badge">"not implemented: answers result 1702 (HTTP 404)"</span> }.into_any()
                    }}
                </dd>
            </dl>
            {method.description.clone().map(|d| view! { <p class="description">{d}</p> })}
            <h2>"Parameters"</h2>
            {if method.params.is_empty() {
                view! { <p class="muted">"None besides " <code>"session"</code> "."</p> }.into_any()
            } else {
                view! {
                    <ul class="params-list">
                        {method.params.iter().map(|p| view! { <li><code>{p.clone()}</code></li> }).collect_view()}
                        <li><code>"session"</code> " — a sign-in session or an access token (or send " <code>"Authorization: Bearer"</code> ")"</li>
                    </ul>
                }.into_any()
            }}
            <h2>"Example"</h2>
            <pre><code>{example}</code></pre>
            {answer.map(|a| view! { <h3>"Answer"</h3><pre><code>{a}</code></pre> })}
            <p><a href="/docs/api#result-codes">"Result codes"</a></p>
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
            AppError::LimitReached("x".into()),
            AppError::SshKeyExists("x".into()),
            AppError::PermissionDenied("x".into()),
        ];
        for e in errors {
            assert!(
                RESULT_CODES.iter().any(|(code, _)| *code == e.code()),
                "result {} is not in the API reference",
                e.code()
            );
        }
    }

    #[test]
    fn the_token_limit_stated_is_the_rule() {
        let (_, limit) = RESULT_CODES.iter().find(|(code, _)| *code == 2338).unwrap();
        let stated = format!("{} tokens", kunci_rules::token::MAX_PER_ACCOUNT);
        assert!(limit.contains(&stated), "{limit}");
    }
}
