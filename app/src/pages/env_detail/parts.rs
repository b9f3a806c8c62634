//! The read-only parts of the detail view: the environment's facts, a node group with
//! its nodes, and the mount points.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{env_status_text, I18n};

use super::vars::GroupVars;
use crate::model::{disk_gb, env_status_label, wire_to_ui_datetime, EnvDetail, NodeGroupView};

/// `items` as chips, or `none`.
fn chips(i18n: I18n, items: Vec<String>) -> AnyView {
    if items.is_empty() {
        return view! { <span class="muted">{t_string!(i18n, env.none)}</span> }.into_any();
    }
    items
        .into_iter()
        .map(|i| view! { <span class="chip">{i}</span> " " })
        .collect_view()
        .into_any()
}

/// Name, status, region, creation, groups and external domains.
#[component]
pub fn EnvFacts(env: Memo<EnvDetail>) -> impl IntoView {
    let i18n = use_i18n();
    let facts = Memo::new(move |_| {
        env.with(|e| {
            (
                e.name.clone(),
                e.display_name.clone(),
                e.status,
                e.region.clone(),
                e.created_on.clone(),
                e.groups.clone(),
                e.domains.clone(),
            )
        })
    });
    move || {
        let (name, display_name, status, region, created, groups, domains) = facts.get();
        let (_, class) = env_status_label(status);
        let label = env_status_text(i18n, status);
        view! {
            <h1 id="env-title">{display_name}</h1>
            <dl class="facts">
                <dt>{t_string!(i18n, envs.name)}</dt>
                <dd><code>{name}</code></dd>
                <dt>{t_string!(i18n, envs.status)}</dt>
                <dd><span class=format!("badge {class}") data-status=status.to_string()>{label}</span></dd>
                <dt>{t_string!(i18n, env.region)}</dt>
                <dd>{if region.is_empty() { t_string!(i18n, env.default_region).to_string() } else { region }}</dd>
                <dt>{t_string!(i18n, envs.created)}</dt>
                <dd>{wire_to_ui_datetime(&created)} " UTC"</dd>
                <dt>{t_string!(i18n, env.groups)}</dt>
                <dd data-testid="env-groups">{chips(i18n, groups)}</dd>
                <dt>{t_string!(i18n, env.domains)}</dt>
                <dd data-testid="env-domains">{chips(i18n, domains)}</dd>
            </dl>
        }
    }
}

/// A node group: its settings, its nodes, and its variables' editor.
#[component]
pub fn NodeGroupSection(
    env_name: Memo<String>,
    group: Memo<NodeGroupView>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = group.with_untracked(|g| g.name.clone());
    let title_id = format!("group-{name}-title");
    let (labelled_by, data_group) = (title_id.clone(), name.clone());
    let vars = Memo::new(move |_| group.with(|g| g.vars.clone()));
    let label = Memo::new(move |_| {
        group.with(|g| g.display_name.clone().unwrap_or_else(|| g.name.clone()))
    });
    let settings = move || {
        let g = group.get();
        let links = g
            .links
            .iter()
            .map(|(to, alias)| crate::tf!(i18n, env.link_as, to = to, alias = alias))
            .collect::<Vec<_>>();
        view! {
            <dl class="facts">
                <dt>{t_string!(i18n, env.node_group)}</dt>
                <dd><code>{g.name.clone()}</code></dd>
                <dt>{t_string!(i18n, env.scaling_mode)}</dt>
                <dd>{g.scaling_mode.clone()}</dd>
                <dt>{t_string!(i18n, env.slb_access)}</dt>
                <dd>{if g.slb_access { t_string!(i18n, env.on) } else { t_string!(i18n, env.off) }}</dd>
                <dt>{t_string!(i18n, env.links)}</dt>
                <dd>{chips(i18n, links)}</dd>
            </dl>
        }
    };
    let nodes = move || {
        group
            .get()
            .nodes
            .into_iter()
            .map(|n| {
                let volumes = n.volumes.join(", ");
                view! {
                    <tr data-node-id=n.id.to_string()>
                        <th scope="row">{n.id}</th>
                        <td>{n.node_type}</td>
                        <td><code>{n.image}</code></td>
                        <td>{if n.is_master { t_string!(i18n, env.yes) } else { t_string!(i18n, env.no) }}</td>
                        <td>{n.fixed_cloudlets} " / " {n.flexible_cloudlets}</td>
                        <td>{disk_gb(n.disk_mb)}</td>
                        <td>{if volumes.is_empty() { t_string!(i18n, env.none).to_string() } else { volumes }}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card wide node-group" aria-labelledby=labelled_by data-group=data_group>
            <h3 id=title_id>{move || label.get()}</h3>
            {settings}
            <div class="table-wrap">
                <table class="detail-table">
                    <caption>{move || crate::tf!(i18n, env.nodes_of, group = label.get())}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t_string!(i18n, env.node_id)}</th>
                            <th scope="col">{t_string!(i18n, env.node_type)}</th>
                            <th scope="col">{t_string!(i18n, env.image)}</th>
                            <th scope="col">{t_string!(i18n, env.master)}</th>
                            <th scope="col">{t_string!(i18n, env.cloudlets)}</th>
                            <th scope="col">{t_string!(i18n, env.disk)}</th>
                            <th scope="col">{t_string!(i18n, env.volumes)}</th>
                        </tr>
                    </thead>
                    <tbody>{nodes}</tbody>
                </table>
            </div>
            <GroupVars env_name group=name label vars on_change/>
        </section>
    }
}

/// The mount points of every node group.
#[component]
pub fn Mounts(env: Memo<EnvDetail>) -> impl IntoView {
    let i18n = use_i18n();
    let mounts = Memo::new(move |_| env.with(|e| e.mounts.clone()));
    view! {
        <section class="card wide" aria-labelledby="mounts-title">
            <h2 id="mounts-title">{t_string!(i18n, env.mounts)}</h2>
            {move || {
                let list = mounts.get();
                if list.is_empty() {
                    return view! { <p class="muted">{t_string!(i18n, env.no_mounts)}</p> }.into_any();
                }
                view! {
                    <div class="table-wrap">
                        <table class="detail-table">
                            <caption class="visually-hidden">{t_string!(i18n, env.mounts)}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{t_string!(i18n, env.node_group)}</th>
                                    <th scope="col">{t_string!(i18n, env.path)}</th>
                                    <th scope="col">{t_string!(i18n, env.source)}</th>
                                    <th scope="col">{t_string!(i18n, env.source_path)}</th>
                                    <th scope="col">{t_string!(i18n, env.read_only)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|m| view! {
                                        <tr>
                                            <td>{m.node_group}</td>
                                            <th scope="row"><code>{m.path}</code></th>
                                            <td>{m.source}</td>
                                            <td><code>{m.source_path}</code></td>
                                            <td>{if m.read_only { t_string!(i18n, env.yes) } else { t_string!(i18n, env.no) }}</td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
