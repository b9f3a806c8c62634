//! The Generate / Edit / Copy dialog: description, expiry, and the API permission set
//! (see [`super::picker`]).

use std::collections::HashSet;

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::{description_problem, error_text, expiry_problem, restrict_problem, I18n};

use super::flow::{field_of, Field, FormMode};
use super::limits::{LimitsFields, LimitsState};
use super::picker::{MethodPicker, PickerData, PickerState};
use crate::browser::now_utc;
use crate::error::AppError;
use crate::model::{
    iso_to_ui_date, ui_to_iso_date, wire_to_ui_date, ApiMethodView, TokenForm, TokenPolicyView,
};
use crate::pages::settings::dialog::Dialog;

/// The form's fields, kept while the password is asked (a refused field returns here).
#[derive(Clone, Copy)]
pub struct FormState {
    description: RwSignal<String>,
    expires: RwSignal<String>,
    /// Edit: the date as the dialog opened; left so, the stored expiry stays.
    initial_expires: RwSignal<Option<String>>,
    /// Edit: when the token was issued (`--token-max-lifetime` counts from there);
    /// otherwise the token is issued now.
    issued_at: RwSignal<Option<i64>>,
    /// The operator's expiry policy (presets and limits).
    pub policy: RwSignal<TokenPolicyView>,
    picker: PickerState,
    /// Allowed addresses and environments.
    pub limits: LimitsState,
    /// A field the browser refused, and why.
    client_error: RwSignal<Option<(Field, String)>>,
    /// What the server refused.
    pub server_error: RwSignal<Option<AppError>>,
    /// The page's language, for the messages.
    i18n: I18n,
}

/// Why the browser refused a field (worded in the page's language when shown).
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    Description(kunci_rules::description::DescriptionError),
    Expiry(kunci_rules::expiry::ExpiryError),
    NoMethods,
}

impl Problem {
    fn text(&self, i18n: I18n) -> String {
        match self {
            Problem::Description(e) => description_problem(i18n, *e),
            Problem::Expiry(e) => expiry_problem(i18n, *e),
            Problem::NoMethods => t_string!(i18n, form.no_methods).to_string(),
        }
    }
}

impl FormState {
    pub fn new() -> FormState {
        FormState {
            description: RwSignal::new(String::new()),
            expires: RwSignal::new(String::new()),
            initial_expires: RwSignal::new(None),
            issued_at: RwSignal::new(None),
            policy: RwSignal::new(TokenPolicyView::default()),
            picker: PickerState::new(),
            limits: LimitsState::new(),
            client_error: RwSignal::new(None),
            server_error: RwSignal::new(None),
            i18n: use_i18n(),
        }
    }

    /// Fills the form for `mode`: empty for Generate, the token's settings for Edit and Copy.
    pub fn reset(&self, mode: &FormMode, picker: PickerData) {
        self.picker.search.set(String::new());
        self.picker.only_checked.set(false);
        self.client_error.set(None);
        self.server_error.set(None);
        self.initial_expires.set(None);
        self.issued_at.set(None);
        match mode {
            FormMode::Generate => {
                self.description.set(String::new());
                let preset = self.policy.get_untracked().rule().preset_day(now_utc());
                self.expires
                    .set(preset.map(|d| d.to_string()).unwrap_or_default());
                self.picker.template.set(None);
                self.picker.checked.set(HashSet::new());
                self.limits.reset(&[], &[]);
            }
            FormMode::Edit(t) | FormMode::Copy(t) => {
                let description = match mode {
                    FormMode::Copy(_) => {
                        { crate::tf!(self.i18n, form.copy_suffix, description = t.description) }
                            .chars()
                            .take(kunci_rules::description::MAX_CHARS)
                            .collect()
                    }
                    _ => t.description.clone(),
                };
                self.description.set(description);
                let expires = t
                    .expires_at
                    .as_deref()
                    .map(wire_to_ui_date)
                    .unwrap_or_default();
                if let FormMode::Edit(_) = mode {
                    self.initial_expires.set(Some(expires.clone()));
                    self.issued_at.set(Some(t.issued_at));
                }
                self.expires.set(expires);
                let known = t.template.as_ref().filter(|name| {
                    picker.templates.with_untracked(|ts| {
                        ts.as_ref()
                            .is_none_or(|ts| ts.iter().any(|x| &x.name == *name))
                    })
                });
                self.picker.template.set(known.cloned());
                self.picker.checked.set(t.methods.iter().cloned().collect());
                self.limits.reset(&t.ip_allowlist, &t.env_names);
            }
        }
    }

    /// The form as the server function takes it.
    fn to_form(self, order: &[ApiMethodView]) -> TokenForm {
        let template = self.picker.template.get_untracked();
        let methods = if template.is_none() {
            self.picker.checked.with_untracked(|c| {
                order
                    .iter()
                    .filter(|m| c.contains(&m.method))
                    .map(|m| m.method.clone())
                    .collect()
            })
        } else {
            Vec::new()
        };
        TokenForm {
            description: self.description.get_untracked().trim().to_string(),
            expires: self.expires.get_untracked().trim().to_string(),
            keep_expiry: self.keeps_expiry(),
            template,
            methods,
            ip_allowlist: self.limits.ip_allowlist.get_untracked().trim().to_string(),
            env_names: self.limits.env_names.get_untracked().trim().to_string(),
        }
    }

    /// Edit with the date as it was: no expiry change is sent.
    fn keeps_expiry(self) -> bool {
        let now = self.expires.get_untracked();
        self.initial_expires
            .with_untracked(|i| i.as_deref().is_some_and(|i| i.trim() == now.trim()))
    }

    /// The latest day the date picker offers.
    fn latest_day(self, now: i64) -> String {
        let issued = self.issued_at.get().unwrap_or(now);
        self.policy.get().rule().latest_day(issued, now).to_iso()
    }

    /// The browser's checks of the fields, before anything is sent.
    fn check(self, now: i64) -> Result<(), (Field, String)> {
        let expires = self.expires.get_untracked();
        if let Some(m) = self
            .limits
            .ip_allowlist
            .with_untracked(|r| super::limits::address_problem(r))
        {
            return Err((Field::Addresses, restrict_problem(self.i18n, &m)));
        }
        if let Some(m) = self
            .limits
            .env_names
            .with_untracked(|r| super::limits::env_problem(r))
        {
            return Err((Field::Environments, restrict_problem(self.i18n, &m)));
        }
        check_fields(
            &self.description.get_untracked(),
            (!self.keeps_expiry()).then_some(expires.as_str()),
            self.policy.get_untracked().rule(),
            self.issued_at.get_untracked().unwrap_or(now),
            self.picker.template.with_untracked(Option::is_some)
                || self.picker.checked.with_untracked(|c| !c.is_empty()),
            now,
        )
        .map_err(|(field, problem)| (field, problem.text(self.i18n)))
    }

    /// The message for `field`, from the browser's checks or the server's answer.
    fn error_for(self, field: Field) -> Option<String> {
        if let Some((f, m)) = self.client_error.get() {
            if f == field {
                return Some(m);
            }
        }
        self.server_error.with(|e| match e {
            Some(e @ AppError::InvalidParameter { .. }) if field_of(e) == Some(field) => {
                Some(error_text(self.i18n, e))
            }
            _ => None,
        })
    }

    /// The server's refusal that belongs to no field, shown under the whole form.
    fn general_error(self) -> Option<String> {
        self.server_error
            .get()
            .filter(|e| field_of(e).is_none())
            .map(|e| error_text(self.i18n, &e))
    }
}

/// The form's own checks: the server's rules for the description and the expiry date
/// under the operator's `policy` (`kunci_rules`, so both answer alike; `None`: the date
/// is kept as stored), and a template or at least one method.
fn check_fields(
    description: &str,
    expires: Option<&str>,
    policy: kunci_rules::expiry::Policy,
    issued_at: i64,
    has_methods: bool,
    now: i64,
) -> Result<(), (Field, Problem)> {
    kunci_rules::description::check(description)
        .map_err(|e| (Field::Description, Problem::Description(e)))?;
    if let Some(expires) = expires {
        policy
            .parse_dd_mm_yyyy(expires, issued_at, now)
            .map_err(|e| (Field::Expires, Problem::Expiry(e)))?;
    }
    if !has_methods {
        return Err((Field::Methods, Problem::NoMethods));
    }
    Ok(())
}

#[component]
pub fn TokenFormDialog(
    mode: FormMode,
    form: FormState,
    picker: PickerData,
    on_submit: Callback<TokenForm>,
    on_regenerate: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (title, action) = match &mode {
        FormMode::Generate => (
            t_string!(i18n, form.title_generate),
            t_string!(i18n, tokens.generate),
        ),
        FormMode::Edit(_) => (t_string!(i18n, form.title_edit), t_string!(i18n, form.save)),
        FormMode::Copy(_) => (
            t_string!(i18n, form.title_copy),
            t_string!(i18n, form.create_copy),
        ),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.server_error.set(None);
        let checked = form.check(now_utc());
        form.client_error.set(checked.clone().err());
        if checked.is_ok() {
            let order = picker.methods.get_untracked().unwrap_or_default();
            on_submit.run(form.to_form(&order));
        }
    };
    let regenerate = matches!(mode, FormMode::Edit(_)).then(|| {
        view! {
            <div class="regenerate">
                <button type="button" class="link-button danger-link" on:click=move |_| on_regenerate.run(())>
                    {t_string!(i18n, form.regenerate_token)}
                </button>
                <span class="muted small">" " {t_string!(i18n, form.regenerate_note)}</span>
            </div>
        }
    });
    view! {
        <Dialog id="token-dialog" title=title on_close wide=true>
            <form on:submit=submit novalidate>
                <div class="form-row">
                    <label class="grow">
                        {t_string!(i18n, form.description)}
                        <input
                            type="text"
                            name="description"
                            maxlength=kunci_rules::description::MAX_CHARS.to_string()
                            autofocus
                            autocomplete="off"
                            placeholder=t_string!(i18n, form.description_placeholder)
                            aria-invalid=move || form.error_for(Field::Description).is_some().to_string()
                            aria-describedby="description-error"
                            prop:value=move || form.description.get()
                            on:input=move |ev| form.description.set(event_target_value(&ev))
                        />
                        <FieldError id="description-error" message=Signal::derive(move || form.error_for(Field::Description))/>
                    </label>
                    <div class="expires-field">
                        <label for="expires-input">{t_string!(i18n, form.expires_at)}</label>
                        <div class="date-row">
                            <input
                                id="expires-input"
                                type="text"
                                name="expires"
                                inputmode="numeric"
                                placeholder=move || if form.policy.get().max_days.is_some() {
                                    t_string!(i18n, form.date_placeholder)
                                } else {
                                    t_string!(i18n, form.date_placeholder_never)
                                }
                                autocomplete="off"
                                aria-invalid=move || form.error_for(Field::Expires).is_some().to_string()
                                aria-describedby="expires-error"
                                prop:value=move || form.expires.get()
                                on:input=move |ev| form.expires.set(event_target_value(&ev))
                            />
                            <input
                                type="date"
                                class="date-picker"
                                aria-label=t_string!(i18n, form.pick_expiry)
                                min=move || kunci_rules::date::Date::of_unix(now_utc()).to_iso()
                                max=move || form.latest_day(now_utc())
                                prop:value=move || ui_to_iso_date(&form.expires.get()).unwrap_or_default()
                                on:change=move |ev| {
                                    if let Some(d) = iso_to_ui_date(&event_target_value(&ev)) {
                                        form.expires.set(d);
                                    }
                                }
                            />
                        </div>
                        <FieldError id="expires-error" message=Signal::derive(move || form.error_for(Field::Expires))/>
                    </div>
                </div>
                <LimitsFields
                    state=form.limits
                    server_address_error=Signal::derive(move || form.error_for(Field::Addresses))
                    server_env_error=Signal::derive(move || form.error_for(Field::Environments))
                />
                <MethodPicker state=form.picker picker/>
                <FieldError id="methods-error" message=Signal::derive(move || form.error_for(Field::Methods))/>
                {move || form.general_error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {regenerate}
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| on_close.run(())>{t_string!(i18n, common.cancel)}</button>
                    <button type="submit" class="primary">{action}</button>
                </div>
            </form>
        </Dialog>
    }
}

#[component]
fn FieldError(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <span id=id class="field-error" role="alert" class:hidden=move || message.with(|m| m.is_none())>
            {move || message.get()}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-29 12:00:00 UTC.
    const NOW: i64 = 1_795_953_600;

    use kunci_rules::expiry::Policy;

    use kunci_rules::expiry::ExpiryError;

    fn check(d: &str, e: &str, m: bool) -> Result<(), (Field, Problem)> {
        check_fields(d, Some(e), Policy::default(), NOW, m, NOW)
    }

    #[test]
    fn check_fields_accepts_a_described_token_with_methods() {
        assert_eq!(check("  CI  ", "", true), Ok(()));
        assert_eq!(check("CI", "31-12-2030", true), Ok(()));
    }

    #[test]
    fn check_fields_follows_the_max_lifetime_and_skips_a_kept_date() {
        let ninety = Policy {
            max_days: Some(90),
            default_days: None,
        };
        let field =
            |e: Option<&str>, issued: i64| check_fields("CI", e, ninety, issued, true, NOW).err();
        assert_eq!(field(Some("27-02-2027"), NOW), None);
        let (f, m) = field(Some(""), NOW).unwrap();
        assert_eq!(f, Field::Expires);
        assert!(
            matches!(
                m,
                Problem::Expiry(ExpiryError::NeverRefused { max_days: 90 })
            ),
            "{m:?}"
        );
        assert_eq!(
            field(Some("28-02-2027"), NOW).map(|(f, _)| f),
            Some(Field::Expires)
        );
        // Edit counts from the token's issue, ten days ago.
        assert!(field(Some("26-02-2027"), NOW - 10 * 86_400).is_some());
        // A date left as it was is not checked (even an expired one).
        assert_eq!(field(None, NOW - 100 * 86_400), None);
    }

    #[test]
    fn check_fields_names_the_first_refused_field() {
        let field = |d: &str, e: &str, m: bool| check(d, e, m).err().map(|(f, _)| f);
        assert_eq!(field("   ", "", true), Some(Field::Description));
        assert_eq!(field(&"x".repeat(256), "", true), Some(Field::Description));
        assert_eq!(field(&"é".repeat(255), "", true), None);
        assert_eq!(field("CI", "31-02-2030", true), Some(Field::Expires));
        assert_eq!(field("CI", "01-01-2020", true), Some(Field::Expires));
        assert_eq!(
            field("CI", "31-12-2036", true),
            Some(Field::Expires),
            "10 × 366 days"
        );
        assert_eq!(field("a\u{0}b", "", true), Some(Field::Description));
        assert_eq!(field("CI", "", false), Some(Field::Methods));
        assert_eq!(field("", "nonsense", false), Some(Field::Description));
    }
}
