//! The read-only parts of the detail view: the environment's facts, a node group with
//! its nodes, and the mount points.

use leptos::prelude::*;

use super::vars::GroupVars;
use crate::model::{disk_gb, env_status_label, wire_to_ui_datetime, EnvDetail, NodeGroupView};

/// `items` as chips, or `none`.
fn chips(items: Vec<String>) -> AnyView {
    if items.is_empty() {
        return view! { <span class="muted">"none"</span> }.into_any();
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
        let (label, class) = env_status_label(status);
        view! {
            <h1 id="env-title">{display_name}</h1>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd><code>{name}</code></dd>
                <dt>"Status"</dt>
                <dd><span class=format!("badge {class}") data-status=status.to_string()>{label}</span></dd>
                <dt>"Region"</dt>
                <dd>{if region.is_empty() { "default".to_string() } else { region }}</dd>
                <dt>"Created"</dt>
                <dd>{wire_to_ui_datetime(&created)} " UTC"</dd>
                <dt>"Groups"</dt>
                <dd data-testid="env-groups">{chips(groups)}</dd>
                <dt>"External domains"</dt>
                <dd data-testid="env-domains">{chips(domains)}</dd>
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
            .map(|(to, alias)| format!("{to} as {alias}"))
            .collect::<Vec<_>>();
        view! {
            <dl class="facts">
                <dt>"Node group"</dt>
                <dd><code>{g.name.clone()}</code></dd>
                <dt>"Scaling mode"</dt>
                <dd>{g.scaling_mode.clone()}</dd>
                <dt>"SLB access"</dt>
                <dd>{if g.slb_access { "on" } else { "off" }}</dd>
                <dt>"Links"</dt>
                <dd>{chips(links)}</dd>
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
                        <td>{if n.is_master { "yes" } else { "no" }}</td>
                        <td>{n.fixed_cloudlets} " / " {n.flexible_cloudlets}</td>
                        <td>{disk_gb(n.disk_mb)}</td>
                        <td>{if volumes.is_empty() { "none".to_string() } else { volumes }}</td>
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
                    <caption>"Nodes of " {move || label.get()}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Node ID"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Image"</th>
                            <th scope="col">"Master"</th>
                            <th scope="col">"Cloudlets (fixed / flexible)"</th>
                            <th scope="col">"Disk"</th>
                            <th scope="col">"Volumes"</th>
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
    let mounts = Memo::new(move |_| env.with(|e| e.mounts.clone()));
    view! {
        <section class="card wide" aria-labelledby="mounts-title">
            <h2 id="mounts-title">"Mount points"</h2>
            {move || {
                let list = mounts.get();
                if list.is_empty() {
                    return view! { <p class="muted">"No mount points."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap">
                        <table class="detail-table">
                            <caption class="visually-hidden">"Mount points"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Node group"</th>
                                    <th scope="col">"Path"</th>
                                    <th scope="col">"Source"</th>
                                    <th scope="col">"Source path"</th>
                                    <th scope="col">"Read-only"</th>
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
                                            <td>{if m.read_only { "yes" } else { "no" }}</td>
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
