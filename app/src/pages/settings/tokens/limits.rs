//! The dialog's Restrictions: the addresses a token may be used from, and the
//! environments it may touch. Both are checked as they are typed, with the server's own
//! rules (`kunci_rules::restrict`).

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::restrict_problem;
use leptos::task::spawn_local;

use crate::api;
use kunci_rules::restrict::{self, EnvPattern};

/// What the Restrictions fields hold.
#[derive(Clone, Copy)]
pub struct LimitsState {
    /// Allowed addresses as typed (empty: anywhere).
    pub ip_allowlist: RwSignal<String>,
    /// Environment names and prefixes as typed (empty: all).
    pub env_names: RwSignal<String>,
    /// The account's environments, offered as checkboxes (loaded once).
    envs: RwSignal<Option<Vec<String>>>,
}

impl LimitsState {
    pub fn new() -> LimitsState {
        LimitsState {
            ip_allowlist: RwSignal::new(String::new()),
            env_names: RwSignal::new(String::new()),
            envs: RwSignal::new(None),
        }
    }

    /// Fills the fields from a token's lists (empty for a new token).
    pub fn reset(&self, ip_allowlist: &[String], env_names: &[String]) {
        self.ip_allowlist.set(ip_allowlist.join(", "));
        self.env_names.set(env_names.join(", "));
    }

    /// Loads the account's environment names, once.
    pub fn load(self) {
        if self.envs.get_untracked().is_none() {
            spawn_local(async move {
                if let Ok(list) = api::list_envs().await {
                    self.envs
                        .set(Some(list.into_iter().map(|e| e.name).collect()));
                }
            });
        }
    }

    /// What is wrong with the allowed addresses, as the server would say it.
    pub fn address_problem(self) -> Option<restrict::RestrictError> {
        address_problem(&self.ip_allowlist.get())
    }

    /// What is wrong with the environments, as the server would say it.
    pub fn env_problem(self) -> Option<restrict::RestrictError> {
        env_problem(&self.env_names.get())
    }
}

pub fn address_problem(raw: &str) -> Option<restrict::RestrictError> {
    restrict::parse_allowlist(raw).err()
}

pub fn env_problem(raw: &str) -> Option<restrict::RestrictError> {
    restrict::parse_env_scope(raw).err()
}

/// `raw` with the environment `name` added (`on`) or removed; other entries, patterns
/// included, are kept as typed.
pub fn toggle_env(raw: &str, name: &str, on: bool) -> String {
    let mut entries: Vec<String> = restrict::split_entries(raw)
        .into_iter()
        .filter(|e| !e.eq_ignore_ascii_case(name))
        .map(str::to_string)
        .collect();
    if on {
        entries.push(name.to_string());
    }
    entries.join(", ")
}

/// Whether `raw` names the environment `name` itself (not only through a prefix).
fn names_env(raw: &str, name: &str) -> bool {
    restrict::split_entries(raw)
        .iter()
        .any(|e| EnvPattern::parse(e).is_ok_and(|p| p == EnvPattern::Name(name.to_string())))
}

/// The Restrictions section of the token dialog. `server_address_error` and
/// `server_env_error` are the server's refusals of the fields, shown when the browser's
/// own check has nothing to say.
#[component]
pub fn LimitsFields(
    state: LimitsState,
    server_address_error: Signal<Option<String>>,
    server_env_error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let address_error = move || {
        state
            .address_problem()
            .map(|e| restrict_problem(i18n, &e))
            .or_else(|| server_address_error.get())
    };
    let env_error = move || {
        state
            .env_problem()
            .map(|e| restrict_problem(i18n, &e))
            .or_else(|| server_env_error.get())
    };
    let env_boxes = move || {
        state.envs.get().map(|names| {
            if names.is_empty() {
                return view! { <p class="muted small">{t_string!(i18n, limits.no_envs)}</p> }
                    .into_any();
            }
            names
                .into_iter()
                .map(|name| {
                    let checked_name = name.clone();
                    let toggled_name = name.clone();
                    view! {
                        <label class="env-choice">
                            <input
                                type="checkbox"
                                prop:checked=move || names_env(&state.env_names.get(), &checked_name)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    state
                                        .env_names
                                        .update(|raw| *raw = toggle_env(raw, &toggled_name, on));
                                }
                            />
                            {name}
                        </label>
                    }
                })
                .collect_view()
                .into_any()
        })
    };
    view! {
        <fieldset class="limits">
            <legend>{t_string!(i18n, limits.legend)}</legend>
            <div class="limit-field">
                <label for="ip-allowlist-input">{t_string!(i18n, limits.addresses)}</label>
                <input
                    id="ip-allowlist-input"
                    type="text"
                    name="ip_allowlist"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=t_string!(i18n, limits.addresses_placeholder)
                    aria-invalid=move || address_error().is_some().to_string()
                    aria-describedby="addresses-error"
                    prop:value=move || state.ip_allowlist.get()
                    on:input=move |ev| state.ip_allowlist.set(event_target_value(&ev))
                />
                <span id="addresses-error" class="field-error" role="alert" class:hidden=move || address_error().is_none()>
                    {address_error}
                </span>
            </div>
            <div class="limit-field">
                <label for="env-names-input">{t_string!(i18n, limits.environments)}</label>
                <input
                    id="env-names-input"
                    type="text"
                    name="env_names"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=t_string!(i18n, limits.environments_placeholder)
                    aria-invalid=move || env_error().is_some().to_string()
                    aria-describedby="envs-error"
                    prop:value=move || state.env_names.get()
                    on:input=move |ev| state.env_names.set(event_target_value(&ev))
                />
                <span id="envs-error" class="field-error" role="alert" class:hidden=move || env_error().is_none()>
                    {env_error}
                </span>
            </div>
            <div class="env-choices" aria-label=t_string!(i18n, limits.your_environments)>{env_boxes}</div>
            <p class="muted small">
                {t_string!(i18n, limits.note)}
            </p>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_an_environment_keeps_the_other_entries() {
        assert_eq!(toggle_env("", "shop", true), "shop");
        assert_eq!(toggle_env("pr-*, shop", "blog", true), "pr-*, shop, blog");
        assert_eq!(toggle_env("pr-*, SHOP; blog", "shop", false), "pr-*, blog");
        assert!(names_env("pr-*, Shop", "shop"));
        assert!(!names_env("shop-*", "shop"));
    }

    #[test]
    fn problems_are_the_servers_messages() {
        assert_eq!(address_problem("10.0.0.0/8, 2001:db8::/32"), None);
        let m = address_problem("10.0.0.0/8, nope").unwrap().to_string();
        assert!(m.contains("[nope]"), "{m}");
        assert_eq!(env_problem("shop, pr-*"), None);
        assert!(env_problem("sh").unwrap().to_string().contains("[sh]"));
    }
}
