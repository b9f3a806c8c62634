//! The dashboard's language: which one a page is rendered in, the header's switch, and
//! the words of an [`AppError`] (the messages themselves are in `app/locales/*.json`,
//! read at compile time by `leptos_i18n`).
//!
//! The server decides a page's language before rendering it (the account's choice, else
//! the `kunci_lang` cookie, else `Accept-Language`: `kunci_rules::language::choose`) and
//! writes it into `<html lang>`; the browser reads it back from there when it hydrates,
//! so both render the same words. Switching saves the choice (the account's while signed
//! in, the cookie always) and reloads the page.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::*;

/// The i18n context of the page (`use_i18n()`); passed to the functions here so they
/// also work in event handlers, which run outside the component tree.
pub type I18n = leptos_i18n::I18nContext<Locale>;

/// The language the server chose for the page being rendered; inserted into the
/// request's extensions by the server's middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLanguage(pub &'static str);

/// The language of the page being rendered (server) or hydrated (browser).
pub fn page_language() -> &'static str {
    #[cfg(feature = "ssr")]
    {
        use kunci_rules::language::{choose, LANGUAGE_COOKIE};
        if let Some(parts) = use_context::<http::request::Parts>() {
            if let Some(chosen) = parts.extensions.get::<PageLanguage>() {
                return chosen.0;
            }
            let accept = parts
                .headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok());
            return choose(
                None,
                crate::backend::cookie(&parts.headers, LANGUAGE_COOKIE),
                accept,
            );
        }
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        if let Some(lang) = document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
        {
            if let Some(known) = kunci_rules::language::parse(&lang) {
                return known;
            }
        }
    }
    kunci_rules::language::LANGUAGES[0]
}

/// Provides the i18n context in the page's language to the rest of the app. Provided
/// in `App`'s own scope rather than by the provider component, which would wrap the
/// router in a component of its own and hide the routes' SSR modes from the route list
/// (a stranger's dashboard then answered 200 with a client-side redirect, not a 302).
#[allow(deprecated)] // provide_i18n_subcontext: see above for why not the component.
pub fn provide_language() {
    let locale = page_language().parse::<Locale>().unwrap_or_default();
    leptos_i18n::context::provide_i18n_subcontext::<Locale>(Some(Signal::stored(locale)));
}

/// "English" / "Bahasa Indonesia", each in its own language; the current one pressed.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let current = page_language();
    let choose = move |code: &'static str| {
        if code == current {
            return;
        }
        leptos::task::spawn_local(async move {
            // The page is shown again in the new language whatever the answer: signed
            // out, or the save failed, the cookie still carries the choice.
            let _ = crate::api::set_language(code.to_string()).await;
            crate::browser::reload();
        });
    };
    view! {
        <div class="language-switch" role="group" aria-label=t_string!(i18n, language.switch_label)>
            <button
                type="button"
                class="link-button"
                lang="en"
                aria-pressed=(current == "en").to_string()
                on:click=move |_| choose("en")
            >
                "English"
            </button>
            <button
                type="button"
                class="link-button"
                lang="id"
                aria-pressed=(current == "id").to_string()
                on:click=move |_| choose("id")
            >
                "Bahasa Indonesia"
            </button>
        </div>
    }
}

/// `template` with each `{name}` replaced by its value: the messages' parameters.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// A message with parameters: `tf!(i18n, tokens.selected, n = 3)` is the message
/// `tokens.selected` of the page's language with `{n}` replaced by 3.
#[macro_export]
macro_rules! tf {
    ($i18n:expr, $($key:ident).+ $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::language::fill(
            $crate::i18n::t_string!($i18n, $($key).+),
            &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),*],
        )
    };
}

/// An [`AppError`] in the page's language, its parameters in place. Details the
/// server wrote in English (why an account is blocked, what a permission lacks) are
/// left out; the message says what happened and what to do.
pub fn error_text(i18n: I18n, error: &AppError) -> String {
    match error {
        AppError::InvalidParameter { name, reason } => {
            tf!(i18n, errors.invalid_parameter, name = name, reason = reason)
        }
        AppError::EnvNotFound(env) => tf!(i18n, errors.env_not_found, env = env),
        AppError::AuthenticationFailed => t_string!(i18n, errors.authentication_failed).into(),
        AppError::NotAuthenticated => t_string!(i18n, errors.not_authenticated).into(),
        AppError::TooManyUnknownCredentials(secs) => {
            tf!(i18n, errors.too_many_unknown_credentials, secs = secs)
        }
        AppError::UserBlocked(_) => t_string!(i18n, errors.user_blocked).into(),
        AppError::NotActivated(_) => t_string!(i18n, errors.not_activated).into(),
        AppError::ConfirmationLocked(secs) => tf!(i18n, errors.confirmation_locked, secs = secs),
        AppError::Busy(secs) => tf!(i18n, errors.busy, secs = secs),
        AppError::LoginTaken(login) => tf!(i18n, errors.login_taken, login = login),
        AppError::InvalidPassword => t_string!(i18n, errors.invalid_password).into(),
        AppError::InvalidCode => t_string!(i18n, errors.invalid_code).into(),
        AppError::NotImplemented(method) => tf!(i18n, errors.not_implemented, method = method),
        AppError::WrongEnvStatus { current, required } => tf!(
            i18n,
            errors.wrong_env_status,
            current = current,
            required = required
        ),
        AppError::EnvNameTaken(env) => tf!(i18n, errors.env_name_taken, env = env),
        AppError::LimitReached(what) => tf!(i18n, errors.limit_reached, what = what),
        AppError::SshKeyExists(fingerprint) => {
            tf!(i18n, errors.ssh_key_exists, fingerprint = fingerprint)
        }
        AppError::PermissionDenied(_) => t_string!(i18n, errors.permission_denied).into(),
        AppError::Internal(id) => tf!(i18n, errors.internal, id = id),
        AppError::Transport(_) => t_string!(i18n, errors.transport).into(),
    }
}

/// An environment's status (the platform's number) in a word.
pub fn env_status_text(i18n: I18n, status: i32) -> &'static str {
    match status {
        1 => t_string!(i18n, status.running),
        2 => t_string!(i18n, status.stopped),
        3 => t_string!(i18n, status.launching),
        4 => t_string!(i18n, status.sleeping),
        6 => t_string!(i18n, status.creating),
        7 => t_string!(i18n, status.cloning),
        11 => t_string!(i18n, status.broken),
        13 => t_string!(i18n, status.stopping),
        14 => t_string!(i18n, status.going_to_sleep),
        _ => t_string!(i18n, status.unknown),
    }
}

/// A description the shared rules refused, in the page's language.
pub fn description_problem(i18n: I18n, e: kunci_rules::description::DescriptionError) -> String {
    use kunci_rules::description::{DescriptionError, MAX_CHARS};
    match e {
        DescriptionError::Empty => t_string!(i18n, rules.description_empty).into(),
        DescriptionError::TooLong => tf!(i18n, rules.description_too_long, max = MAX_CHARS),
        DescriptionError::ControlCharacter => t_string!(i18n, rules.description_control).into(),
    }
}

/// An expiry the shared rules refused, in the page's language (dates dd-mm-yyyy).
pub fn expiry_problem(i18n: I18n, e: kunci_rules::expiry::ExpiryError) -> String {
    use kunci_rules::expiry::{ExpiryError, MAX_YEARS};
    match e {
        ExpiryError::NotADate => t_string!(i18n, rules.not_a_date).into(),
        ExpiryError::NotAhead => t_string!(i18n, rules.not_ahead).into(),
        ExpiryError::TooFarAhead => tf!(i18n, rules.too_far_ahead, years = MAX_YEARS),
        ExpiryError::NeverRefused { max_days } => tf!(i18n, rules.never_refused, days = max_days),
        ExpiryError::BeyondMaxLifetime {
            max_days,
            latest,
            from_now,
        } => {
            let date = kunci_rules::date::Date::of_unix(latest);
            if from_now {
                tf!(i18n, rules.beyond_max_today, days = max_days, date = date)
            } else {
                tf!(i18n, rules.beyond_max_issued, days = max_days, date = date)
            }
        }
    }
}

/// An address allowlist or environment scope the shared rules refused, in the page's
/// language, naming the entry at fault.
pub fn restrict_problem(i18n: I18n, e: &kunci_rules::restrict::RestrictError) -> String {
    use kunci_rules::restrict::{RestrictError, MAX_ENTRIES};
    match e {
        RestrictError::NotAnAddress(entry) => tf!(i18n, rules.not_an_address, entry = entry),
        RestrictError::BadPrefix(entry) => tf!(i18n, rules.bad_prefix, entry = entry),
        RestrictError::HostBits { entry, suggestion } => {
            tf!(
                i18n,
                rules.host_bits,
                entry = entry,
                suggestion = suggestion
            )
        }
        RestrictError::NotAnEnvName(entry) => tf!(i18n, rules.not_an_env_name, entry = entry),
        RestrictError::TooMany => tf!(i18n, rules.too_many, max = MAX_ENTRIES),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message of one file as `(key, text)`, keys dotted.
    fn messages(json: &str) -> std::collections::BTreeMap<String, String> {
        fn walk(
            prefix: &str,
            v: &serde_json::Value,
            out: &mut std::collections::BTreeMap<String, String>,
        ) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        let key = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        walk(&key, v, out);
                    }
                }
                serde_json::Value::String(s) => {
                    out.insert(prefix.to_string(), s.clone());
                }
                other => panic!("{prefix}: not a message: {other}"),
            }
        }
        let mut out = std::collections::BTreeMap::new();
        walk(
            "",
            &serde_json::from_str(json).expect("valid JSON"),
            &mut out,
        );
        out
    }

    /// The `{name}` parameters of a message.
    fn parameters(text: &str) -> std::collections::BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .filter(|name| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .collect()
    }

    #[test]
    fn english_and_indonesian_have_the_same_keys_and_parameters() {
        let en = messages(include_str!("../locales/en.json"));
        let id = messages(include_str!("../locales/id.json"));
        let only_en: Vec<_> = en.keys().filter(|k| !id.contains_key(*k)).collect();
        let only_id: Vec<_> = id.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(only_en.is_empty(), "missing from id.json: {only_en:?}");
        assert!(only_id.is_empty(), "missing from en.json: {only_id:?}");
        for (key, text) in &en {
            assert_eq!(
                parameters(text),
                parameters(&id[key]),
                "parameters of {key}"
            );
            assert!(!id[key].trim().is_empty(), "{key} is empty in id.json");
        }
    }

    #[test]
    fn fill_replaces_every_parameter() {
        let n = 3;
        assert_eq!(
            fill("{n} of {m}, {n}", &[("n", &n), ("m", &"x")]),
            "3 of x, 3"
        );
        assert_eq!(fill("no parameters", &[]), "no parameters");
    }
}
