//! One environment in detail (`/envs/:name`): its facts, its node groups with their
//! nodes and variables (editable), volumes, mount points, external domains and groups.
//!
//! Live like the list: the open page polls `/ui/envs/{name}` every 1.5 s, and at once
//! after its own change, so a change made through any client shows within one poll.
//! Imports run one way: this module → `parts` (read-only views) and `vars` (the editor).

mod parts;
mod vars;

use leptos::prelude::*;

use crate::i18n::*;
use leptos_router::hooks::use_params_map;

use crate::api::fetch_env_detail;
use crate::error::AppError;
use crate::model::EnvDetail;
use crate::pages::dashboard::SignedInPage;
use crate::pages::ErrorNote;
use parts::{EnvFacts, Mounts, NodeGroupSection};

/// How often an open detail page asks for its environment.
#[cfg(feature = "hydrate")]
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(1500);

/// The environment as the browser last fetched it; `None` when the request failed on
/// the way (the next poll tries again).
#[cfg(feature = "hydrate")]
async fn fetch_env(name: &str) -> Option<Result<EnvDetail, AppError>> {
    let url = format!("/ui/envs/{}", js_sys::encode_uri_component(name));
    let response = gloo_net::http::Request::get(&url).send().await.ok()?;
    if response.ok() {
        response.json().await.ok().map(Ok)
    } else {
        response.json().await.ok().map(Err)
    }
}

#[component]
pub fn EnvDetailPage() -> impl IntoView {
    let params = use_params_map();
    let i18n = use_i18n();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let title = crate::tf!(i18n, env.title, name = name.get_untracked());
    view! {
        <SignedInPage title>
            <EnvDetailPanel name/>
        </SignedInPage>
    }
}

#[component]
fn EnvDetailPanel(name: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let initial = Resource::new(move || name.get(), fetch_env_detail);
    let latest: RwSignal<Option<EnvDetail>> = RwSignal::new(None);
    // Why the last poll was refused (the environment was deleted, the session ended).
    let refused: RwSignal<Option<AppError>> = RwSignal::new(None);

    let refresh = Callback::new(move |_: ()| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match fetch_env(&name.get_untracked()).await {
                Some(Ok(env)) => {
                    latest.set(Some(env));
                    refused.set(None);
                }
                Some(Err(e)) => refused.set(Some(e)),
                None => {}
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (latest, refused);
    });
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(move || refresh.run(()), POLL_EVERY) {
        on_cleanup(move || handle.clear());
    }

    view! {
        <section class="env-detail" aria-labelledby="env-title">
            <p class="back"><a href="/">{t_string!(i18n, env.back)}</a></p>
            {move || refused.get().map(|error| view! { <ErrorNote error/> })}
            <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, env.loading)}</p> }>
                {move || Suspend::new(async move {
                    match initial.await {
                        Ok(first) => {
                            let env = Memo::new(move |_| latest.get().unwrap_or_else(|| first.clone()));
                            view! { <EnvParts env on_change=refresh/> }.into_any()
                        }
                        Err(error) => view! {
                            <h1 id="env-title">{name.get_untracked()}</h1>
                            <ErrorNote error/>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The environment's parts; each node group keeps its own section (and its editor's
/// state) while the polls replace the data around it.
#[component]
fn EnvParts(env: Memo<EnvDetail>, on_change: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let env_name = Memo::new(move |_| env.with(|e| e.name.clone()));
    let group_names = Memo::new(move |_| {
        env.with(|e| {
            e.node_groups
                .iter()
                .map(|g| g.name.clone())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <EnvFacts env/>
        <h2 class="section-title">{t_string!(i18n, env.node_groups)}</h2>
        <For each=move || group_names.get() key=|g| g.clone() let:group>
            {
                let wanted = group.clone();
                let data = Memo::new(move |_| {
                    env.with(|e| e.node_groups.iter().find(|g| g.name == wanted).cloned())
                        .unwrap_or_default()
                });
                view! { <NodeGroupSection env_name group=data on_change/> }
            }
        </For>
        <Mounts env/>
    }
}
