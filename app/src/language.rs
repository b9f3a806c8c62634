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

/// Provides the i18n context in the page's language to `children`.
#[component]
pub fn LanguageProvider(children: Children) -> impl IntoView {
    let locale = page_language().parse::<Locale>().unwrap_or_default();
    view! {
        <I18nSubContextProvider initial_locale=Signal::stored(locale)>
            {children()}
        </I18nSubContextProvider>
    }
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
pub fn error_text(error: &AppError) -> String {
    let i18n = use_i18n();
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
