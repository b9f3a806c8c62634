//! A node group's variables: the list (its master node's values) and one form that
//! adds a variable or changes the one chosen, on every node of the group. The rules are
//! the server's (the API's own `var_name` and `parse_vars`); its refusal shows next to
//! the field it names, and the outcome of every save is announced in a live region.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{error_text, var_name_problem};

use leptos::task::spawn_local;

use crate::api::{remove_env_var, save_env_var};
use crate::browser::{focus_first, focus_origin, focused_element, restore_focus};
use crate::error::AppError;
use crate::pages::settings::dialog::Dialog;
use crate::pages::ErrorNote;

/// Which field of the form a refusal belongs to (the parameter the server names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Value,
}

fn field_of(error: &AppError) -> Option<Field> {
    match error.field()? {
        "name" => Some(Field::Name),
        // `vars`: the node's variables as a whole grew too large with this value.
        "value" | "vars" => Some(Field::Value),
        _ => None,
    }
}

#[component]
pub fn GroupVars(
    env_name: Memo<String>,
    group: String,
    label: Memo<String>,
    vars: Memo<BTreeMap<String, String>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    // The variable being changed (`None`: the form adds one).
    let was: RwSignal<Option<String>> = RwSignal::new(None);
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let removing: RwSignal<Option<String>> = RwSignal::new(None);
    let remove_error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let origin = focus_origin();

    let group = StoredValue::new(group);
    let id = move |part: &str| format!("vars-{}-{part}", group.read_value());
    let form_id = StoredValue::new(id("form"));
    let focus_field =
        move |field: &str| focus_first(&form_id.read_value(), &format!("input[name={field}]"));
    let reset = move || {
        name.set(String::new());
        value.set(String::new());
        was.set(None);
        error.set(None);
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let var = name.get_untracked().trim().to_string();
        busy.set(true);
        error.set(None);
        status.set(String::new());
        spawn_local(async move {
            let result = save_env_var(
                env_name.get_untracked(),
                group.get_value(),
                was.get_untracked(),
                var.clone(),
                value.get_untracked(),
            )
            .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    reset();
                    status.set(crate::tf!(i18n, vars.saved, var = var));
                    on_change.run(());
                    focus_field("name");
                }
                Err(e) => {
                    status.set(crate::tf!(
                        i18n,
                        vars.not_saved,
                        error = error_text(i18n, &e)
                    ));
                    match field_of(&e) {
                        Some(Field::Value) => focus_field("value"),
                        Some(Field::Name) => focus_field("name"),
                        None => {}
                    }
                    error.set(Some(e));
                }
            }
        });
    };

    let change = move |(var, current): (String, String)| {
        name.set(var.clone());
        value.set(current);
        was.set(Some(var));
        error.set(None);
        focus_field("value");
    };
    let cancel = move |_| {
        reset();
        focus_field("name");
    };

    let close_remove = Callback::new(move |_: ()| {
        removing.set(None);
        remove_error.set(None);
        origin.with_value(restore_focus);
    });
    let confirm_remove = move |_| {
        let Some(var) = removing.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result =
                remove_env_var(env_name.get_untracked(), group.get_value(), var.clone()).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    removing.set(None);
                    remove_error.set(None);
                    if was.get_untracked().as_deref() == Some(var.as_str()) {
                        reset();
                    }
                    status.set(crate::tf!(i18n, vars.removed, var = var));
                    on_change.run(());
                    focus_field("name");
                }
                Err(e) => remove_error.set(Some(e)),
            }
        });
    };

    let field_error = move |field: Field| {
        error.with(|e| {
            e.as_ref()
                .filter(|e| field_of(e) == Some(field))
                .map(|e| error_text(i18n, e))
        })
    };
    // The name's rule as it is typed (the server applies the same one on save).
    let name_error = move || {
        field_error(Field::Name).or_else(|| {
            let typed = name.get();
            let typed = typed.trim();
            (!typed.is_empty())
                .then(|| kunci_rules::env::check_var_name(typed).err())
                .flatten()
                .map(|e| var_name_problem(i18n, e))
        })
    };
    let general_error = move || error.get().filter(|e| field_of(e).is_none());
    let (name_id, value_id) = (id("name"), id("value"));
    let (name_err, value_err) = (id("name-error"), id("value-error"));

    view! {
        <div class="vars" data-testid=format!("vars-{}", group.read_value())>
            <h4 id=id("title")>{t_string!(i18n, vars.title)}</h4>
            <Show
                when=move || vars.with(|v| !v.is_empty())
                fallback=move || view! { <p class="muted">{t_string!(i18n, vars.none)}</p> }
            >
                <div class="table-wrap">
                    <table class="detail-table vars-table">
                        <caption>{move || crate::tf!(i18n, vars.caption, group = label.get())}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t_string!(i18n, vars.name)}</th>
                                <th scope="col">{t_string!(i18n, vars.value)}</th>
                                <th scope="col"><span class="visually-hidden">{t_string!(i18n, envs.actions)}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=move || vars.get() key=|kv| kv.clone() let:kv>
                                {
                                    let (var, current) = kv;
                                    let (edit_var, remove_var) = (var.clone(), var.clone());
                                    let edit_value = current.clone();
                                    view! {
                                        <tr data-var=var.clone()>
                                            <th scope="row"><code>{var.clone()}</code></th>
                                            <td class="var-value"><code>{current}</code></td>
                                            <td class="row-actions">
                                                <button
                                                    type="button"
                                                    aria-label=crate::tf!(i18n, vars.change_var, var = var)
                                                    on:click=move |_| change((edit_var.clone(), edit_value.clone()))
                                                >
                                                    {t_string!(i18n, vars.change)}
                                                </button>
                                                <button
                                                    type="button"
                                                    aria-label=crate::tf!(i18n, vars.remove_var, var = var)
                                                    aria-haspopup="dialog"
                                                    on:click=move |_| {
                                                        origin.set_value(focused_element());
                                                        remove_error.set(None);
                                                        removing.set(Some(remove_var.clone()));
                                                    }
                                                >
                                                    {t_string!(i18n, vars.remove)}
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
            <form id=form_id.get_value() class="var-form" aria-labelledby=id("form-title") on:submit=save novalidate>
                <h5 id=id("form-title")>
                    {move || match was.get() {
                        Some(var) => crate::tf!(i18n, vars.change_var, var = var),
                        None => t_string!(i18n, vars.add_title).to_string(),
                    }}
                </h5>
                <div class="form-row">
                    <div class="field">
                        <label for=name_id.clone()>{t_string!(i18n, vars.name)}</label>
                        <input
                            id=name_id
                            name="name"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            required
                            aria-invalid=move || name_error().is_some().to_string()
                            aria-describedby=name_err.clone()
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                        <p id=name_err class="field-error">{name_error}</p>
                    </div>
                    <div class="field">
                        <label for=value_id.clone()>{t_string!(i18n, vars.value)}</label>
                        <input
                            id=value_id
                            name="value"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            aria-invalid=move || field_error(Field::Value).is_some().to_string()
                            aria-describedby=value_err.clone()
                            prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))
                        />
                        <p id=value_err class="field-error">{move || field_error(Field::Value)}</p>
                    </div>
                </div>
                {move || general_error().map(|error| view! { <ErrorNote error/> })}
                <div class="form-actions">
                    <Show when=move || was.with(Option::is_some)>
                        <button type="button" on:click=cancel>{t_string!(i18n, common.cancel)}</button>
                    </Show>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if was.with(Option::is_some) { t_string!(i18n, form.save) } else { t_string!(i18n, vars.add) }}
                    </button>
                </div>
            </form>
            <p class="muted small" role="status" aria-live="polite" data-testid="vars-status">{move || status.get()}</p>
            {move || {
                removing
                    .get()
                    .map(|var| {
                        view! {
                            <Dialog id="remove-var-dialog" title=crate::tf!(i18n, vars.remove_var, var = var) on_close=close_remove>
                                <p>
                                    <code>{var.clone()}</code>
                                    " " {crate::tf!(i18n, vars.removed_from, group = label.get_untracked())}
                                </p>
                                {move || remove_error.get().map(|error| view! { <ErrorNote error/> })}
                                <div class="dialog-actions">
                                    <button type="button" on:click=move |_| close_remove.run(())>{t_string!(i18n, common.cancel)}</button>
                                    <button
                                        type="button"
                                        class="danger"
                                        autofocus
                                        disabled=move || busy.get()
                                        on:click=confirm_remove
                                    >
                                        {t_string!(i18n, vars.remove)}
                                    </button>
                                </div>
                            </Dialog>
                        }
                    })
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_go_to_the_field_the_server_names() {
        assert_eq!(field_of(&AppError::invalid("name", "x")), Some(Field::Name));
        assert_eq!(
            field_of(&AppError::invalid("value", "x")),
            Some(Field::Value)
        );
        assert_eq!(
            field_of(&AppError::invalid("vars", "too big")),
            Some(Field::Value)
        );
        assert_eq!(field_of(&AppError::invalid("nodeGroup", "x")), None);
        assert_eq!(field_of(&AppError::EnvNotFound("e".into())), None);
    }
}
