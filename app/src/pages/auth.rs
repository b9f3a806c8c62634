//! Sign-in (with its second step, the two-factor code) and sign-up. All are plain HTML
//! forms posting to server functions, so they work before the WASM has loaded; once
//! hydrated, errors appear in place.

use leptos::prelude::*;
use leptos_meta::Title;

use kunci_rules::account::{DISPLAY_NAME_MAX_CHARS, LOGIN_MAX_CHARS, PASSWORD_MIN_CHARS};

use crate::api::{signup_mode, SignIn, SignUp, VerifySignInCode};
use crate::error::AppError;
use crate::model::SignupView;

/// How to get an account here, under the sign-in form: the sign-up link when a sign-up
/// can create one, else "ask an administrator".
#[component]
fn HowToGetAnAccount() -> impl IntoView {
    let mode = Resource::new(|| (), |_| signup_mode());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match mode.await {
                    Ok(SignupView { possible: true, mode }) => {
                        let note = if mode == "approval" {
                            " (an administrator approves new accounts)"
                        } else {
                            ""
                        };
                        view! {
                            <p class="muted" data-testid="signup-note">
                                "No account yet? " <a href="/signup">"Sign up"</a> {note}
                            </p>
                        }
                        .into_any()
                    }
                    _ => view! {
                        <p class="muted" data-testid="signup-note">
                            "No account yet? Sign-up is closed on this server: ask an administrator to create one for you."
                        </p>
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
    let mode = Resource::new(|| (), |_| signup_mode());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let text = match mode.await {
                    Ok(SignupView { possible: false, .. }) => {
                        "Sign-up is closed on this server: ask an administrator to create your account."
                    }
                    Ok(SignupView { mode, .. }) if mode == "approval" => {
                        "An administrator approves new accounts before they can sign in."
                    }
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
    let action = ServerAction::<SignIn>::new();
    let error = move || action.value().get().and_then(|r| r.err());
    view! {
        <Title text="Sign in"/>
        <main class="centered">
            <div class="card auth-card">
                <h1 class="brand">"Kunci"</h1>
                <h2>"Sign in"</h2>
                <ActionForm action=action>
                    <label>
                        "Email"
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
                        "Password"
                        <input type="password" name="password" required autocomplete="current-password"/>
                    </label>
                    {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <HowToGetAnAccount/>
            </div>
        </main>
    }
}

/// What the code step says about a refusal.
fn code_error(error: &AppError) -> String {
    match error {
        AppError::NotAuthenticated => {
            "Your sign-in has expired or was not started. Sign in again.".to_string()
        }
        AppError::InvalidParameter { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// The second step of a two-factor sign-in: a code from the authenticator app or a
/// recovery code (the password's step left a pending session).
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let action = ServerAction::<VerifySignInCode>::new();
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| code_error(&e))
    };
    view! {
        <Title text="Two-factor authentication"/>
        <main class="centered">
            <div class="card auth-card">
                <h1 class="brand">"Kunci"</h1>
                <h2>"Two-factor authentication"</h2>
                <ActionForm action=action>
                    <div class="stacked-field">
                        <label for="signin-code">"Authentication code"</label>
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
                            aria-invalid=move || error().is_some().to_string()
                            aria-describedby="signin-code-hint signin-code-error"
                        />
                        <small id="signin-code-hint" class="muted">
                            "The 6-digit code from your authenticator app, or one of your recovery codes."
                        </small>
                        <span id="signin-code-error" class="field-error" role="alert" class:hidden=move || error().is_none()>
                            {error}
                        </span>
                    </div>
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Verifying…" } else { "Verify" }}
                    </button>
                </ActionForm>
                <p class="muted"><a href="/signin">"Sign in again"</a></p>
            </div>
        </main>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = move || action.value().get().and_then(|r| r.err());
    // Under approval: the account was created and waits (no session).
    let waiting = move || action.value().get().and_then(|r| r.ok()).flatten();
    view! {
        <Title text="Sign up"/>
        <main class="centered">
            <div class="card auth-card">
                <h1 class="brand">"Kunci"</h1>
                <h2>"Create your account"</h2>
                <SignupRule/>
                {move || waiting().map(|m| view! { <p class="muted" role="status" data-testid="signup-waiting">{m}</p> })}
                <ActionForm action=action>
                    <label>
                        "Email"
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
                        "Name"
                        <input
                            type="text"
                            name="name"
                            required
                            maxlength=DISPLAY_NAME_MAX_CHARS.to_string()
                            autocomplete="name"
                        />
                    </label>
                    <label>
                        "Password"
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
                        {format!("At least {PASSWORD_MIN_CHARS} characters.")}
                    </small>
                    <label>
                        "Password again"
                        <input
                            type="password"
                            name="password_again"
                            required
                            minlength=PASSWORD_MIN_CHARS.to_string()
                            autocomplete="new-password"
                        />
                    </label>
                    {move || error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                    <button type="submit" class="primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create account" }}
                    </button>
                </ActionForm>
                <p class="muted">"Already registered? " <a href="/signin">"Sign in"</a></p>
            </div>
        </main>
    }
}
