//! The dashboard's environments: the list (live, filtered by group), Start/Stop, links to
//! each environment's detail, and "New environment".

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::env_status_text;

use crate::api::{env_groups, list_envs, CreateEnv, EnvAction};
use crate::model::{env_status_label, wire_to_ui_datetime, EnvSummary, NewNode};
use crate::pages::{chunk_missing_note, ChunkMissing, ErrorNote};

/// How often an open dashboard asks for the environment list.
#[cfg(feature = "hydrate")]
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(1500);

/// Node types offered by the "New environment" form: (nodeType, label); the two
/// labels that are not product names are the messages' (empty here).
const NODE_TYPES: &[(&str, &str)] = &[
    ("nginx", ""),
    ("tomcat", "Tomcat"),
    ("nodejs", "Node.js"),
    ("php", "PHP"),
    ("python", "Python"),
    ("golang", "Go"),
    ("mysql", "MySQL"),
    ("postgres", "PostgreSQL"),
    ("mongodb", "MongoDB"),
    ("redis", "Redis"),
    ("docker", ""),
];

/// The list as the browser last fetched it (`/ui/envs`, gloo-net).
#[cfg(feature = "hydrate")]
async fn fetch_envs() -> Option<Vec<EnvSummary>> {
    let response = gloo_net::http::Request::get("/ui/envs").send().await.ok()?;
    if !response.ok() {
        return None;
    }
    response.json().await.ok()
}

#[component]
pub fn EnvironmentsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let initial = Resource::new(|| (), |_| list_envs());
    let account_groups = Resource::new(|| (), |_| env_groups());
    let live: RwSignal<Option<Vec<EnvSummary>>> = RwSignal::new(None);
    let action = ServerAction::<EnvAction>::new();
    let create = ServerAction::<CreateEnv>::new();
    let show_form = RwSignal::new(false);
    // Notified by "Try again" when the form's chunk could not be fetched.
    let retry_form = Trigger::new();

    // In the browser: poll, and refresh at once after our own changes.
    #[cfg(feature = "hydrate")]
    {
        use leptos::task::spawn_local;
        let refresh = move || {
            spawn_local(async move {
                if let Some(list) = fetch_envs().await {
                    live.set(Some(list));
                }
            })
        };
        if let Ok(handle) = set_interval_with_handle(refresh, POLL_EVERY) {
            on_cleanup(move || handle.clear());
        }
        // Not on the first run: the list the page came with is as fresh as a fetch.
        Effect::new(move |ran_before: Option<()>| {
            action.version().get();
            create.version().get();
            if ran_before.is_some() {
                refresh();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = live;

    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            show_form.set(false);
        }
    });

    view! {
        <section class="environments" aria-labelledby="envs-title">
            <div class="section-head">
                <h1 id="envs-title">{t_string!(i18n, envs.title)}</h1>
                <button
                    type="button"
                    class="primary"
                    aria-expanded=move || show_form.get().to_string()
                    on:click=move |_| show_form.update(|s| *s = !*s)
                >
                    {t_string!(i18n, envs.new)}
                </button>
            </div>
            <Show when=move || show_form.get()>
                <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, common.loading)}</p> }>
                    {move || {
                        retry_form.track();
                        Suspend::new(async move {
                            new_environment_form(create).await.unwrap_or_else(|ChunkMissing| chunk_missing_note(retry_form))
                        })
                    }}
                </Suspense>
            </Show>
            {move || {
                action.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorNote error/> })
            }}
            <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, envs.loading)}</p> }>
                {move || Suspend::new(async move {
                    let known = account_groups.await.unwrap_or_default();
                    match initial.await {
                        Ok(first) => {
                            let rows = Signal::derive(move || live.get().unwrap_or_else(|| first.clone()));
                            view! { <FilteredEnvs rows known action/> }.into_any()
                        }
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The account's groups, and any an environment names that the account list lacks (one
/// just set through the API), sorted, once each.
fn group_choices(known: &[String], rows: &[EnvSummary]) -> Vec<String> {
    let mut all: Vec<String> = known
        .iter()
        .chain(rows.iter().flat_map(|e| e.groups.iter()))
        .cloned()
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The group filter above the list; `known` are the account's groups at page load.
#[component]
fn FilteredEnvs(
    rows: Signal<Vec<EnvSummary>>,
    known: Vec<String>,
    action: ServerAction<EnvAction>,
) -> impl IntoView {
    let i18n = use_i18n();
    let group = RwSignal::new(String::new());
    let choices = Memo::new(move |_| rows.with(|r| group_choices(&known, r)));
    let shown = Signal::derive(move || {
        let group = group.get();
        let mut list = rows.get();
        if !group.is_empty() {
            list.retain(|e| e.groups.contains(&group));
        }
        list
    });
    view! {
        <Show when=move || choices.with(|c| !c.is_empty())>
            <div class="list-filter">
                <label>
                    {t_string!(i18n, envs.group)} " "
                    <select
                        name="group"
                        prop:value=move || group.get()
                        on:change=move |ev| group.set(event_target_value(&ev))
                    >
                        <option value="">{t_string!(i18n, envs.all_groups)}</option>
                        <For each=move || choices.get() key=|g| g.clone() let:g>
                            <option value=g.clone()>{g.clone()}</option>
                        </For>
                    </select>
                </label>
            </div>
        </Show>
        <EnvTable rows=shown filtered=Signal::derive(move || !group.get().is_empty()) action/>
    }
}

#[component]
fn EnvTable(
    rows: Signal<Vec<EnvSummary>>,
    filtered: Signal<bool>,
    action: ServerAction<EnvAction>,
) -> impl IntoView {
    let i18n = use_i18n();
    let pending = action.pending();
    view! {
        <Show
            when=move || rows.with(|r| !r.is_empty())
            fallback=move || {
                let text = if filtered.get() {
                    t_string!(i18n, envs.empty_group)
                } else {
                    t_string!(i18n, envs.empty)
                };
                view! { <p class="empty" role="status">{text}</p> }
            }
        >
            <div class="table-wrap">
                <table class="env-table">
                    <caption class="visually-hidden">{t_string!(i18n, envs.caption)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t_string!(i18n, envs.name)}</th>
                            <th scope="col">{t_string!(i18n, envs.status)}</th>
                            <th scope="col">{t_string!(i18n, envs.nodes)}</th>
                            <th scope="col">{t_string!(i18n, envs.created)}</th>
                            <th scope="col"><span class="visually-hidden">{t_string!(i18n, envs.actions)}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|e| (e.name.clone(), e.display_name.clone(), e.status, e.node_count, e.groups.clone())
                            let:env
                        >
                            {
                                let (_, class) = env_status_label(env.status);
                                let label = env_status_text(i18n, env.status);
                                let name = env.name.clone();
                                let start_name = name.clone();
                                let stop_name = name.clone();
                                let can_start = env.status == 2 || env.status == 4;
                                let can_stop = env.status == 1;
                                view! {
                                    <tr data-env=name.clone()>
                                        <td>
                                            <a class="env-name" href=format!("/envs/{name}")>{env.display_name.clone()}</a>
                                            <div class="muted small">
                                                {name.clone()}
                                                {env.groups.iter().map(|g| view! { " " <span class="chip">{g.clone()}</span> }).collect_view()}
                                            </div>
                                        </td>
                                        <td>
                                            <span class=format!("badge {class}") data-status=env.status.to_string()>
                                                {label}
                                            </span>
                                        </td>
                                        <td>{env.node_count}</td>
                                        <td>{wire_to_ui_datetime(&env.created_on)}</td>
                                        <td class="row-actions">
                                            <button
                                                type="button"
                                                disabled=move || !can_start || pending.get()
                                                aria-label=crate::tf!(i18n, envs.start_label, name = name)
                                                on:click=move |_| {
                                                    action.dispatch(EnvAction { name: start_name.clone(), action: "start".into() });
                                                }
                                            >
                                                {t_string!(i18n, envs.start)}
                                            </button>
                                            <button
                                                type="button"
                                                disabled=move || !can_stop || pending.get()
                                                aria-label=crate::tf!(i18n, envs.stop_label, name = stop_name)
                                                on:click={
                                                    let stop_name = stop_name.clone();
                                                    move |_| {
                                                        action.dispatch(EnvAction { name: stop_name.clone(), action: "stop".into() });
                                                    }
                                                }
                                            >
                                                {t_string!(i18n, envs.stop)}
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
        </Show>
    }
}

/// The New environment form, a chunk of its own (fetched on the first click of New
/// environment, like the Settings tabs': see `settings::tokens_tab`).
#[leptos::wasm_split::wasm_split(new_environment_form, wasm_split_path = ::leptos::wasm_split, fallible)]
fn new_environment_form(create: ServerAction<CreateEnv>) -> Result<AnyView, ChunkMissing> {
    Ok(view! { <NewEnvironmentForm create/> }.into_any())
}

#[component]
fn NewEnvironmentForm(create: ServerAction<CreateEnv>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let nodes: RwSignal<Vec<(String, u32)>> =
        RwSignal::new(vec![("nginx".into(), 1), ("tomcat".into(), 1)]);
    let error = move || create.value().get().and_then(|r| r.err());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateEnv {
            name: name.get_untracked(),
            display_name: display_name.get_untracked(),
            nodes: nodes
                .get_untracked()
                .into_iter()
                .map(|(node_type, count)| NewNode { node_type, count })
                .collect(),
        });
    };
    view! {
        <form class="card wide new-env" on:submit=submit aria-label=t_string!(i18n, envs.new)>
            <div class="form-row">
                <label>
                    {t_string!(i18n, envs.name)}
                    <input
                        type="text"
                        name="envName"
                        required
                        autocomplete="off"
                        placeholder="my-project"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    {t_string!(i18n, envs.display_name)}
                    <input
                        type="text"
                        name="displayName"
                        placeholder=t_string!(i18n, envs.display_placeholder)
                        prop:value=move || display_name.get()
                        on:input=move |ev| display_name.set(event_target_value(&ev))
                    />
                </label>
            </div>
            <fieldset>
                <legend>{t_string!(i18n, envs.nodes)}</legend>
                {move || {
                    nodes
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, (node_type, count))| {
                            view! {
                                <div class="node-row">
                                    <select
                                        aria-label=crate::tf!(i18n, envs.node_type, n = i + 1)
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            nodes.update(|n| n[i].0 = v);
                                        }
                                    >
                                        {NODE_TYPES
                                            .iter()
                                            .map(|(value, label)| {
                                                let label = match *value {
                                                    "nginx" => t_string!(i18n, envs.nginx),
                                                    "docker" => t_string!(i18n, envs.custom_container),
                                                    _ => label,
                                                };
                                                view! { <option value=*value selected=*value == node_type>{label}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                    <input
                                        type="number"
                                        min="1"
                                        max="16"
                                        aria-label=crate::tf!(i18n, envs.node_count, n = i + 1)
                                        prop:value=count.to_string()
                                        on:input=move |ev| {
                                            let c = event_target_value(&ev).parse().unwrap_or(1);
                                            nodes.update(|n| n[i].1 = c);
                                        }
                                    />
                                    <button
                                        type="button"
                                        class="link-button"
                                        aria-label=crate::tf!(i18n, envs.remove_node, n = i + 1)
                                        disabled=move || nodes.with(|n| n.len() <= 1)
                                        on:click=move |_| nodes.update(|n| {
                                            n.remove(i);
                                        })
                                    >
                                        {t_string!(i18n, envs.remove)}
                                    </button>
                                </div>
                            }
                        })
                        .collect_view()
                }}
                <button type="button" class="link-button" on:click=move |_| nodes.update(|n| n.push(("docker".into(), 1)))>
                    {t_string!(i18n, envs.add_node)}
                </button>
            </fieldset>
            {move || error().map(|error| view! { <ErrorNote error/> })}
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { t_string!(i18n, envs.creating) } else { t_string!(i18n, envs.create) }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str, groups: &[&str]) -> EnvSummary {
        EnvSummary {
            name: name.into(),
            display_name: name.into(),
            status: 1,
            node_count: 1,
            created_on: String::new(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn group_choices_join_the_account_groups_and_the_environments_once_each() {
        let rows = [env("a", &["prod", "eu"]), env("b", &["prod"])];
        assert_eq!(
            group_choices(&["test".into(), "prod".into()], &rows),
            ["eu", "prod", "test"]
        );
        assert!(group_choices(&[], &[env("c", &[])]).is_empty());
    }
}
