//! The Security log tab: each event, recorded by the server as a kind with what it
//! names, worded here in the page's language.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{error_text, I18n};
use crate::tf;
use leptos::task::spawn_local;

use crate::api;
use crate::error::AppError;
use crate::model::{wire_to_ui_datetime, SecurityEventParams, SecurityEventView};

/// The event's kind in a few words.
pub fn event_label(i18n: I18n, kind: &str) -> &'static str {
    match kind {
        "token.created" => t_string!(i18n, security.token_created),
        "token.edited" => t_string!(i18n, security.token_edited),
        "token.copied" => t_string!(i18n, security.token_copied),
        "token.regenerated" => t_string!(i18n, security.token_regenerated),
        "token.deleted" => t_string!(i18n, security.token_deleted),
        "password.confirmation_failed" => t_string!(i18n, security.password_failed),
        "token.dead_value_used" => t_string!(i18n, security.dead_value),
        "token.expiring_soon" => t_string!(i18n, security.token_expiring),
        "ssh_key.added" => t_string!(i18n, security.ssh_added),
        "ssh_key.deleted" => t_string!(i18n, security.ssh_removed),
        "token.address_refused" => t_string!(i18n, security.address_refused),
        "token.leaked" => t_string!(i18n, security.token_leaked),
        "token.revoked_by_admin" => t_string!(i18n, security.revoked_by_admin),
        "admin.token_revoked" => t_string!(i18n, security.admin_revoked),
        "two_factor.enrolment_started" => t_string!(i18n, security.tf_started),
        "two_factor.enabled" => t_string!(i18n, security.tf_enabled),
        "two_factor.disabled" => t_string!(i18n, security.tf_disabled),
        "two_factor.recovery_codes_regenerated" => t_string!(i18n, security.tf_codes_regenerated),
        "two_factor.recovery_code_used" => t_string!(i18n, security.tf_code_used),
        "two_factor.code_rejected" => t_string!(i18n, security.tf_code_rejected),
        _ => t_string!(i18n, security.event),
    }
}

/// The token an event names: `token #7 “CI deploy”`.
fn token_text(i18n: I18n, p: &SecurityEventParams) -> String {
    match &p.token {
        Some((id, description)) if !description.is_empty() => {
            tf!(i18n, security.d_token, id = id, description = description)
        }
        Some((id, _)) => tf!(i18n, security.d_token_unnamed, id = id),
        None => String::new(),
    }
}

fn purpose_text(i18n: I18n, purpose: Option<&str>) -> &'static str {
    match purpose.unwrap_or_default() {
        "create_token" => t_string!(i18n, security.purpose_create_token),
        "copy_token" => t_string!(i18n, security.purpose_copy_token),
        "edit_token" => t_string!(i18n, security.purpose_edit_token),
        "regenerate_token" => t_string!(i18n, security.purpose_regenerate_token),
        "delete_tokens" => t_string!(i18n, security.purpose_delete_tokens),
        "revoke_others_tokens" => t_string!(i18n, security.purpose_revoke_others_tokens),
        "set_up_two_factor" => t_string!(i18n, security.purpose_set_up_two_factor),
        "turn_on_two_factor" => t_string!(i18n, security.purpose_turn_on_two_factor),
        "make_recovery_codes" => t_string!(i18n, security.purpose_make_recovery_codes),
        "turn_off_two_factor" => t_string!(i18n, security.purpose_turn_off_two_factor),
        "see_recovery_codes_left" => t_string!(i18n, security.purpose_see_recovery_codes_left),
        "delete_environment" => t_string!(i18n, security.purpose_delete_environment),
        _ => t_string!(i18n, security.purpose_other),
    }
}

fn part_text(i18n: I18n, part: &str) -> &str {
    match part {
        "description" => t_string!(i18n, security.part_description),
        "expiry" => t_string!(i18n, security.part_expiry),
        "permissions" => t_string!(i18n, security.part_permissions),
        "allowed_addresses" => t_string!(i18n, security.part_allowed_addresses),
        "environments" => t_string!(i18n, security.part_environments),
        other => other,
    }
}

/// What the event names, in the page's language. An event recorded before events
/// were data has only its English sentence, shown as written.
pub fn event_detail(i18n: I18n, e: &SecurityEventView) -> String {
    let p = &e.params;
    if p == &SecurityEventParams::default() && !e.detail.is_empty() {
        return e.detail.clone();
    }
    let token = token_text(i18n, p);
    let method = p.method.clone().unwrap_or_default();
    let count = p.count.unwrap_or_default();
    match e.kind.as_str() {
        "token.created" | "token.regenerated" => token,
        "token.deleted" if p.revoked_on_reuse => {
            tf!(i18n, security.d_revoked_on_reuse, token = token)
        }
        "token.deleted" => token,
        "token.copied" => tf!(
            i18n,
            security.d_copied,
            token = token,
            from = p.from.unwrap_or_default()
        ),
        "token.edited" if p.changed.is_empty() => {
            tf!(i18n, security.d_edited_nothing, token = token)
        }
        "token.edited" => {
            let parts: Vec<&str> = p.changed.iter().map(|c| part_text(i18n, c)).collect();
            tf!(
                i18n,
                security.d_edited,
                token = token,
                parts = parts.join(", ")
            )
        }
        "password.confirmation_failed" => tf!(
            i18n,
            security.d_password_failed,
            purpose = purpose_text(i18n, p.purpose.as_deref())
        ),
        "token.dead_value_used" => {
            let refused = match p.because.as_deref() {
                Some("regenerated") => {
                    tf!(
                        i18n,
                        security.d_dead_regenerated,
                        token = token,
                        method = method
                    )
                }
                Some("deleted") => {
                    tf!(
                        i18n,
                        security.d_dead_deleted,
                        token = token,
                        method = method
                    )
                }
                _ => tf!(
                    i18n,
                    security.d_dead_expired,
                    token = token,
                    method = method
                ),
            };
            if p.revoked_on_reuse {
                format!("{refused}. {}", t_string!(i18n, security.d_dead_revoked))
            } else {
                refused
            }
        }
        "token.expiring_soon" => tf!(
            i18n,
            security.d_expiring,
            token = token,
            date = wire_to_ui_datetime(p.expires_at.as_deref().unwrap_or_default())
        ),
        "ssh_key.added" | "ssh_key.deleted" => match &p.ssh_key {
            Some((id, title, fingerprint)) => tf!(
                i18n,
                security.d_ssh_key,
                id = id,
                title = title,
                fingerprint = fingerprint
            ),
            None => String::new(),
        },
        "token.address_refused" => tf!(
            i18n,
            security.d_address_refused,
            token = token,
            address = p.address.clone().unwrap_or_default(),
            allowed = p.allowed.join(", ")
        ),
        "token.leaked" => {
            let revoked = match &p.source {
                _ if p.by_console => tf!(i18n, security.d_leaked_operator, token = token),
                Some(source) => tf!(i18n, security.d_leaked_by, token = token, source = source),
                None => tf!(i18n, security.d_leaked, token = token),
            };
            match &p.url {
                Some(url) => format!("{revoked}. {}", tf!(i18n, security.d_found_at, url = url)),
                None => revoked,
            }
        }
        "token.revoked_by_admin" => match &p.by {
            Some(login) => tf!(
                i18n,
                security.d_revoked_by_admin,
                token = token,
                login = login
            ),
            None => tf!(i18n, security.d_revoked_by_console, token = token),
        },
        "admin.token_revoked" => tf!(
            i18n,
            security.d_admin_revoked,
            token = token,
            owner = p.owner.clone().unwrap_or_default()
        ),
        "two_factor.enrolment_started" => t_string!(i18n, security.d_tf_started).into(),
        "two_factor.enabled" => tf!(i18n, security.d_tf_enabled, count = count),
        "two_factor.disabled" => match p.turned_off_with.as_deref() {
            Some("recovery_code") => t_string!(i18n, security.d_tf_off_recovery).into(),
            Some("console") => t_string!(i18n, security.d_tf_off_console).into(),
            _ => t_string!(i18n, security.d_tf_off_app).into(),
        },
        "two_factor.recovery_codes_regenerated" => {
            tf!(i18n, security.d_tf_regenerated, count = count)
        }
        "two_factor.recovery_code_used" => tf!(i18n, security.d_tf_code_used, count = count),
        "two_factor.code_rejected" => match p.step.as_deref() {
            Some("sign_in") => t_string!(i18n, security.d_tf_rejected_sign_in).into(),
            _ => t_string!(i18n, security.d_tf_rejected_change).into(),
        },
        _ => token,
    }
}

/// Events shown as alerts (a refusal, or something to act on).
fn is_alert(kind: &str) -> bool {
    matches!(
        kind,
        "password.confirmation_failed"
            | "token.dead_value_used"
            | "token.leaked"
            | "token.address_refused"
            | "two_factor.code_rejected"
    )
}

#[component]
pub fn SecurityLogTab() -> impl IntoView {
    let i18n = use_i18n();
    let events: RwSignal<Option<Result<Vec<SecurityEventView>, AppError>>> = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            events.set(Some(api::security_log().await));
        })
    };
    Effect::new(move |_| load());
    view! {
        <div class="toolbar" role="toolbar" aria-label=t_string!(i18n, security.actions)>
            <button type="button" on:click=move |_| load()>{t_string!(i18n, tokens.refresh)}</button>
        </div>
        <p class="muted">{t_string!(i18n, security.intro)}</p>
        {move || match events.get() {
            None => view! { <p class="loading">{t_string!(i18n, security.loading)}</p> }.into_any(),
            Some(Err(error)) => view! { <p class="error" role="alert">{error_text(i18n, &error)}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{t_string!(i18n, security.empty)}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <div class="table-wrap">
                    <table class="log-table" aria-label=t_string!(i18n, security.table)>
                        <thead>
                            <tr>
                                <th scope="col">{t_string!(i18n, security.when)}</th>
                                <th scope="col">{t_string!(i18n, security.event)}</th>
                                <th scope="col">{t_string!(i18n, security.details)}</th>
                                <th scope="col">{t_string!(i18n, security.ip)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|e| {
                                    let detail = event_detail(i18n, &e);
                                    view! {
                                        <tr class:alert-row=is_alert(&e.kind) data-kind=e.kind.clone()>
                                            <td>{wire_to_ui_datetime(&e.at)}</td>
                                            <td>{event_label(i18n, &e.kind)}</td>
                                            <td class="detail">{detail}</td>
                                            <td><code>{e.ip}</code></td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        }}
    }
}
