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

use crate::error::{AppError, Limit, Refusal};
use crate::i18n::*;
use kunci_rules::language::{LANGUAGES, NATIVE_NAMES};

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

/// Every language the dashboard speaks, each named in itself; the current one pressed.
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
            {LANGUAGES
                .into_iter()
                .zip(NATIVE_NAMES)
                .map(|(code, name)| view! {
                    <button
                        type="button"
                        class="link-button"
                        lang=code
                        aria-pressed=(current == code).to_string()
                        on:click=move |_| choose(code)
                    >
                        {name}
                    </button>
                })
                .collect_view()}
        </div>
    }
}

/// `template` with each `{name}` replaced by its value: the messages' parameters.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    // One pass over the template: a value that itself holds `{name}` (a description a
    // user typed) is never filled in again.
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let arg = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (value, close))
        });
        match arg {
            Some((value, close)) => {
                out.push_str(&value.to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
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
/// server wrote in English (why an account is blocked, what a permission lacks, the
/// reason of a refusal it did not say as data) are left out; the message says what
/// happened and what to do.
pub fn error_text(i18n: I18n, error: &AppError) -> String {
    match error {
        AppError::InvalidParameter {
            name,
            refusal: Some(refusal),
            ..
        } => refusal_text(i18n, name, refusal),
        AppError::InvalidParameter { name, .. } => tf!(i18n, errors.invalid_parameter, name = name),
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
        AppError::LimitReached(limit) => {
            tf!(i18n, errors.limit_reached, what = limit_text(i18n, *limit))
        }
        AppError::SshKeyExists(fingerprint) => {
            tf!(i18n, errors.ssh_key_exists, fingerprint = fingerprint)
        }
        AppError::PermissionDenied(_) => t_string!(i18n, errors.permission_denied).into(),
        AppError::Internal(id) => tf!(i18n, errors.internal, id = id),
        AppError::Transport(_) => t_string!(i18n, errors.transport).into(),
    }
}

/// Why the server refused the parameter `name`, in the page's language.
pub fn refusal_text(i18n: I18n, name: &str, refusal: &Refusal) -> String {
    use Refusal as R;
    match refusal {
        R::LoginRequired => t_string!(i18n, refused.login_required).into(),
        R::EmailRequired => t_string!(i18n, refused.email_required).into(),
        R::LoginTooLong { max } => tf!(i18n, refused.login_too_long, max = max),
        R::LoginHasSpaces => t_string!(i18n, refused.login_has_spaces).into(),
        R::LoginNotAnEmail => t_string!(i18n, refused.login_not_an_email).into(),
        R::NameRequired => t_string!(i18n, refused.name_required).into(),
        R::NameTooLong { max } => tf!(i18n, refused.name_too_long, max = max),
        R::NameHasControl => t_string!(i18n, refused.name_has_control).into(),
        R::PasswordTooShort { min } => tf!(i18n, refused.password_too_short, min = min),
        R::PasswordTooLong { max_bytes } => {
            tf!(i18n, refused.password_too_long, max = max_bytes)
        }
        R::PasswordOnlySpaces => t_string!(i18n, refused.password_only_spaces).into(),
        R::PasswordRequired => t_string!(i18n, refused.password_required).into(),
        R::UnknownLanguage => t_string!(i18n, refused.unknown_language).into(),
        R::Description(e) => description_problem(i18n, *e),
        R::Expiry(e) => expiry_problem(i18n, *e),
        R::Restrict(e) => restrict_problem(i18n, e),
        R::TooManyMethods { max } => tf!(i18n, refused.too_many_methods, max = max),
        R::PrivateMethod { method } => tf!(i18n, refused.private_method, method = method),
        R::UnknownMethods { names } => tf!(i18n, refused.unknown_methods, names = names),
        R::NoMethod => t_string!(i18n, refused.no_method).into(),
        R::UnknownTemplate { templates } => {
            tf!(i18n, refused.unknown_template, templates = templates)
        }
        R::NoSuchToken { id } => tf!(i18n, refused.no_such_token, id = id),
        R::NoSuchTokens { ids } => tf!(i18n, refused.no_such_tokens, ids = ids),
        R::ExpiredNeedsExpiry { expired_on } => {
            tf!(i18n, refused.expired_needs_expiry, date = expired_on)
        }
        R::NoTokenSelected => t_string!(i18n, refused.no_token_selected).into(),
        R::CodeRequired => t_string!(i18n, refused.code_required).into(),
        R::CodeMalformed => t_string!(i18n, refused.code_malformed).into(),
        R::TwoFactorNotOn => t_string!(i18n, refused.two_factor_not_on).into(),
        R::TwoFactorAlreadyOnSetUp => t_string!(i18n, refused.two_factor_already_on_set_up).into(),
        R::TwoFactorAlreadyOn => t_string!(i18n, refused.two_factor_already_on).into(),
        R::NothingBeingSetUp => t_string!(i18n, refused.nothing_being_set_up).into(),
        R::SetupChanged => t_string!(i18n, refused.setup_changed).into(),
        R::RecoveryCodeCannotRegenerate => {
            t_string!(i18n, refused.recovery_code_cannot_regenerate).into()
        }
        R::SessionNeedsNoCode => t_string!(i18n, refused.session_needs_no_code).into(),
        R::EnvName => t_string!(i18n, refused.env_name).into(),
        // The platform's name of the label is English: the parameter's name stands in.
        R::Label { max, .. } => tf!(i18n, refused.label, name = name, max = max),
        R::NoNodes => t_string!(i18n, refused.no_nodes).into(),
        R::TooManyNodes { max } => tf!(i18n, refused.too_many_nodes, max = max),
        R::OutOfRange { field, min, max } => {
            tf!(
                i18n,
                refused.out_of_range,
                field = field,
                min = min,
                max = max
            )
        }
        R::VarName(e) => var_name_problem(i18n, *e),
        R::VarValueHasNul { name } => tf!(i18n, refused.var_value_has_nul, name = name),
        R::VarsTooBig { kib } => tf!(i18n, refused.vars_too_big, kib = kib),
        R::NoSuchNodeGroup => t_string!(i18n, refused.no_such_node_group).into(),
        R::NodeGroupEmpty => t_string!(i18n, refused.node_group_empty).into(),
        R::NoTokenNumbered { id } => tf!(i18n, refused.no_token_numbered, id = id),
        R::TokensRevokedMeanwhile { ids } => {
            tf!(i18n, refused.tokens_revoked_meanwhile, ids = ids)
        }
        R::NoAccount { login } => tf!(i18n, refused.no_account, login = login),
        R::NotPending { login } => tf!(i18n, refused.not_pending, login = login),
        R::NotPendingId { id } => tf!(i18n, refused.not_pending_id, id = id),
        R::LastAdmin { login } => tf!(i18n, refused.last_admin, login = login),
        R::NoSuchAlert { id } => tf!(i18n, refused.no_such_alert, id = id),
    }
}

/// Which account limit was reached, with its number, in the page's language.
pub fn limit_text(i18n: I18n, limit: Limit) -> String {
    match limit {
        Limit::Tokens { max } => tf!(i18n, refused.limit_tokens, max = max),
        Limit::Environments { max } => tf!(i18n, refused.limit_environments, max = max),
        Limit::EnvGroups { max } => tf!(i18n, refused.limit_env_groups, max = max),
        Limit::SshKeys { max } => tf!(i18n, refused.limit_ssh_keys, max = max),
    }
}

/// A variable name the shared rule refused, in the page's language.
pub fn var_name_problem(i18n: I18n, e: kunci_rules::env::VarNameError) -> String {
    use kunci_rules::env::{VarNameError, VAR_NAME_MAX_CHARS};
    match e {
        VarNameError::Empty => t_string!(i18n, vars.name_empty).into(),
        VarNameError::TooLong => tf!(i18n, vars.name_too_long, max = VAR_NAME_MAX_CHARS),
        VarNameError::NotAName => t_string!(i18n, vars.name_invalid).into(),
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

    /// `f` run with the i18n context of `locale`, as a page in that language has it.
    /// Without the `ssr` feature leptos-use takes the test for a browser and asks for the
    /// window, which panics off wasm; the tests that call this are ignored then, and run
    /// in the test command (`-p server` turns `ssr` on).
    fn in_language<T>(locale: Locale, f: impl FnOnce(I18n) -> T) -> T {
        // The context's effects need an executor; none of them runs here.
        let _ = any_spawner::Executor::init_futures_executor();
        let owner = Owner::new();
        owner.with(|| {
            f(leptos_i18n::context::init_i18n_subcontext::<Locale>(Some(
                Signal::stored(locale),
            )))
        })
    }

    /// A `{name}` left unfilled in a worded message.
    fn unfilled(text: &str) -> Option<&str> {
        parameters(text).into_iter().next()
    }

    #[test]
    #[cfg_attr(
        not(feature = "ssr"),
        ignore = "the i18n context reads the window without `ssr`: run with -p server or --features ssr"
    )]
    fn every_refusal_is_worded_in_both_languages_with_its_parameters() {
        for refusal in crate::refusal::every_refusal() {
            let error = AppError::InvalidParameter {
                name: "x".into(),
                reason: "English reason".into(),
                refusal: Some(refusal.clone()),
            };
            let en = in_language(Locale::en, |i18n| error_text(i18n, &error));
            let id = in_language(Locale::id, |i18n| error_text(i18n, &error));
            for text in [&en, &id] {
                assert!(!text.trim().is_empty(), "{refusal:?}");
                assert_eq!(unfilled(text), None, "{refusal:?}: {text}");
                assert!(!text.contains("English reason"), "{refusal:?}: {text}");
            }
            assert_ne!(en, id, "{refusal:?} is not in Indonesian");
        }
    }

    #[test]
    #[cfg_attr(
        not(feature = "ssr"),
        ignore = "the i18n context reads the window without `ssr`: run with -p server or --features ssr"
    )]
    fn refusals_show_their_parameters() {
        let no_token = AppError::InvalidParameter {
            name: "id".into(),
            reason: "no token with id 42".into(),
            refusal: Some(Refusal::NoSuchToken { id: 42 }),
        };
        let id = in_language(Locale::id, |i18n| error_text(i18n, &no_token));
        assert_eq!(
            id,
            "tidak ada token dengan id 42: mungkin token itu sudah dihapus"
        );
        let label = AppError::InvalidParameter {
            name: "displayName".into(),
            reason: "the display name is 1 to 100 characters, without control characters".into(),
            refusal: Some(Refusal::Label {
                what: "the display name".into(),
                max: 100,
            }),
        };
        let id = in_language(Locale::id, |i18n| error_text(i18n, &label));
        assert!(id.contains("[displayName]") && id.contains("100"), "{id}");
    }

    #[test]
    #[cfg_attr(
        not(feature = "ssr"),
        ignore = "the i18n context reads the window without `ssr`: run with -p server or --features ssr"
    )]
    fn every_limit_is_worded_in_both_languages_with_its_number() {
        for limit in [
            Limit::Tokens { max: 50 },
            Limit::Environments { max: 20 },
            Limit::EnvGroups { max: 100 },
            Limit::SshKeys { max: 50 },
        ] {
            let error = AppError::LimitReached(limit);
            let en = in_language(Locale::en, |i18n| error_text(i18n, &error));
            let id = in_language(Locale::id, |i18n| error_text(i18n, &error));
            for text in [&en, &id] {
                assert_eq!(unfilled(text), None, "{limit:?}: {text}");
                assert!(
                    text.contains(&format!(
                        " {} ",
                        match limit {
                            Limit::Tokens { max }
                            | Limit::Environments { max }
                            | Limit::EnvGroups { max }
                            | Limit::SshKeys { max } => max,
                        }
                    )),
                    "{limit:?}: {text}"
                );
            }
            assert_ne!(en, id, "{limit:?} is not in Indonesian");
            assert!(id.starts_with("batas akun tercapai: satu akun"), "{id}");
        }
    }

    #[test]
    #[cfg_attr(
        not(feature = "ssr"),
        ignore = "the i18n context reads the window without `ssr`: run with -p server or --features ssr"
    )]
    fn a_refusal_without_its_data_names_the_parameter_and_never_its_english_reason() {
        let error = AppError::invalid("request", "missing field `password`");
        let id = in_language(Locale::id, |i18n| error_text(i18n, &error));
        assert_eq!(id, "parameter [request] tidak valid");
        let en = in_language(Locale::en, |i18n| error_text(i18n, &error));
        assert_eq!(en, "invalid parameter [request]");
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

    #[test]
    fn a_value_holding_a_parameter_name_is_not_filled_again() {
        let typed = "{id} {x";
        assert_eq!(
            fill(
                "#{id} “{description}” {",
                &[("description", &typed), ("id", &7)]
            ),
            "#7 “{id} {x” {"
        );
    }
}
