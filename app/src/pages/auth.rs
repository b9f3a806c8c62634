//! Sign-in (with its second step, the two-factor code) and sign-up. All are plain HTML
//! forms posting to server functions, so they work before the WASM has loaded; once
//! hydrated, errors appear in place.

use leptos::prelude::*;
use leptos_meta::Title;

use kunci_rules::account::{DISPLAY_NAME_MAX_CHARS, LOGIN_MAX_CHARS, PASSWORD_MIN_CHARS};

use crate::api::{signup_mode, SignIn, SignUp, VerifySignInCode};
use crate::error::AppError;
use crate::i18n::*;
use crate::language::{error_text, LanguageSwitch};
use crate::model::SignupView;

/// How to get an account here, under the sign-in form: the sign-up link when a sign-up
/// can create one, else "ask an administrator".
#[component]
fn HowToGetAnAccount() -> impl IntoView {
    let i18n = use_i18n();
    let mode = Resource::new(|| (), |_| signup_mode());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match mode.await {
                    Ok(SignupView { possible: true, mode }) => {
                        let note = (mode == "approval")
                            .then(|| view! { " " {t_string!(i18n, auth.approval_note)} });
                        view! {
                            <p class="muted" data-testid="signup-note">
                                {t_string!(i18n, auth.no_account_yet)} " " <a href="/signup">{t_string!(i18n, auth.sign_up)}</a> {note}
                            </p>
                        }
                        .into_any()
                    }
                    _ => view! {
                        <p class="muted" data-testid="signup-note">{t_string!(i18n, auth.signup_closed_ask)}</p>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the sign-up page says about the server's rule: the first account becomes the
/// administrator; under approval an administrator approves; closed refuses.
#[component]
fn SignupRule() -> impl IntoView {
    let i18n = use_i18n();
    let mode = Resource::new(|| (), |_| signup_mode());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let text = match mode.await {
                    Ok(SignupView { possible: false, .. }) => t_string!(i18n, auth.signup_closed),
                    Ok(SignupView { mode, .. }) if mode == "approval" => t_string!(i18n, auth.signup_approval),
                    _ => "",
                };
                (!text.is_empty())
                    .then(|| view! { <p class="muted" data-testid="signup-rule">{text}</p> })
            })}
        </Suspense>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignIn>::new();
    let error = move || action.value().get().and_then(|r| r.err());
    view! {
        <Title text=t_string!(i18n, auth.sign_in)/>
        <main class="centered">
            <div class="card auth-card">
                <LanguageSwitch/>
                <h1 class="brand">"Kunci"</h1>
                <h2>{t_string!(i18n, auth.sign_in)}</h2>
                <ActionForm action=action>
                    <label>
                        {t_string!(i18n, auth.email)}
                        <input
                            type="email"
                            name="login"
                            required
                            maxlength=LOGIN_MAX_CHARS.to_string()
                            autocomplete="username"
                            autofocus
                        />
                    </label>
                    <label>
                        {t_string!(i18n, auth.password)}
                        <input type="password" name="password" required autocomplete="current-password"/>
                    </label>
                    {move || error().map(|e| view! { <p class="error" role="alert">{error_text(i18n, &e)}</p> })}
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { t_string!(i18n, auth.signing_in) } else { t_string!(i18n, auth.sign_in) }}
                    </button>
                </ActionForm>
                <HowToGetAnAccount/>
            </div>
        </main>
    }
}

/// What the code step says about a refusal.
fn code_error(error: &AppError) -> String {
    let i18n = use_i18n();
    match error {
        AppError::NotAuthenticated => t_string!(i18n, auth.code_expired).into(),
        // A malformed code is answered like a wrong one.
        AppError::InvalidParameter { .. } => t_string!(i18n, errors.invalid_code).into(),
        other => error_text(i18n, other),
    }
}

/// The second step of a two-factor sign-in: a code from the authenticator app or a
/// recovery code (the password's step left a pending session).
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<VerifySignInCode>::new();
    let refusal = move || action.value().get().and_then(|r| r.err());
    let error = move || refusal().map(|e| code_error(&e));
    view! {
        <Title text=t_string!(i18n, auth.code_title)/>
        <main class="centered">
            <div class="card auth-card">
                <LanguageSwitch/>
                <h1 class="brand">"Kunci"</h1>
                <h2>{t_string!(i18n, auth.code_title)}</h2>
                <ActionForm action=action>
                    <div class="stacked-field">
                        <label for="signin-code">{t_string!(i18n, auth.code_label)}</label>
                        <input
                            id="signin-code"
                            type="text"
                            name="code"
                            required
                            maxlength="40"
                            autocomplete="one-time-code"
                            spellcheck="false"
                            autocapitalize="off"
                            autofocus
                            aria-invalid=move || refusal().is_some().to_string()
                            aria-describedby="signin-code-hint signin-code-error"
                        />
                        <small id="signin-code-hint" class="muted">{t_string!(i18n, auth.code_hint)}</small>
                        <span id="signin-code-error" class="field-error" role="alert" class:hidden=move || refusal().is_none()>
                            {error}
                        </span>
                    </div>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { t_string!(i18n, auth.verifying) } else { t_string!(i18n, auth.verify) }}
                    </button>
                </ActionForm>
                <p class="muted"><a href="/signin">{t_string!(i18n, auth.sign_in_again)}</a></p>
            </div>
        </main>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignUp>::new();
    let error = move || action.value().get().and_then(|r| r.err());
    // Under approval: the account was created and waits (no session).
    let waiting = move || {
        action
            .value()
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some()
    };
    view! {
        <Title text=t_string!(i18n, auth.sign_up)/>
        <main class="centered">
            <div class="card auth-card">
                <LanguageSwitch/>
                <h1 class="brand">"Kunci"</h1>
                <h2>{t_string!(i18n, auth.create_title)}</h2>
                <SignupRule/>
                {move || waiting().then(|| view! { <p class="muted" role="status" data-testid="signup-waiting">{t_string!(i18n, auth.signup_waiting)}</p> })}
                <ActionForm action=action>
                    <label>
                        {t_string!(i18n, auth.email)}
                        <input
                            type="email"
                            name="login"
                            required
                            maxlength=LOGIN_MAX_CHARS.to_string()
                            autocomplete="username"
                            autofocus
                        />
                    </label>
                    <label>
                        {t_string!(i18n, auth.name)}
                        <input
                            type="text"
                            name="name"
                            required
                            maxlength=DISPLAY_NAME_MAX_CHARS.to_string()
                            autocomplete="name"
                        />
                    </label>
                    <label>
                        {t_string!(i18n, auth.password)}
                        <input
                            type="password"
                            name="password"
                            required
                            minlength=PASSWORD_MIN_CHARS.to_string()
                            autocomplete="new-password"
                            aria-describedby="password-hint"
                        />
                    </label>
                    <small id="password-hint" class="muted hint">
                        {crate::tf!(i18n, auth.password_hint, min = PASSWORD_MIN_CHARS)}
                    </small>
                    <label>
                        {t_string!(i18n, auth.password_again)}
                        <input
                            type="password"
                            name="password_again"
                            required
                            minlength=PASSWORD_MIN_CHARS.to_string()
                            autocomplete="new-password"
                        />
                    </label>
                    {move || error().map(|e| view! { <p class="error" role="alert">{sign_up_error(&e)}</p> })}
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { t_string!(i18n, auth.creating) } else { t_string!(i18n, auth.create_account) }}
                    </button>
                </ActionForm>
                <p class="muted">{t_string!(i18n, auth.already_registered)} " " <a href="/signin">{t_string!(i18n, auth.sign_in)}</a></p>
            </div>
        </main>
    }
}

/// What the sign-up form says about a refusal: the second password is the page's own
/// check, the rest are the server's errors.
fn sign_up_error(error: &AppError) -> String {
    let i18n = use_i18n();
    match error {
        AppError::InvalidParameter { name, .. } if name == "password_again" => {
            t_string!(i18n, auth.passwords_differ).into()
        }
        other => error_text(i18n, other),
    }
}
