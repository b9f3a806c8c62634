//! The dashboard: the signed-in user's home, with the environments and the Settings frame,
//! and the frame every signed-in page shares.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::{current_user, SignOut};
use crate::i18n::*;
use crate::language::LanguageSwitch;
use crate::model::TokenView;
use crate::model::UserView;
use crate::pages::envs::EnvironmentsPanel;
use crate::pages::expiry_banner::{ExpiryAction, ExpiryBanner, TokenIntent};
use crate::pages::settings::{preload_tokens_tab, SettingsFrame};
use crate::pages::{chunk_missing_note, ChunkMissing, ErrorNote};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <SignedInPage title=t_string!(i18n, header.dashboard)>
            <EnvironmentsPanel/>
        </SignedInPage>
    }
}

/// A page of the signed-in user: a stranger is sent to sign in; the user gets the top
/// bar (Settings, Sign out) above `children`.
#[component]
pub fn SignedInPage(#[prop(into)] title: String, children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let user = Resource::new(|| (), |_| current_user());
    let children = StoredValue::new(children);
    view! {
        <Title text=title/>
        <Suspense fallback=move || view! { <p class="loading">{t_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => EitherOf3::A(view! { <Dashboard user>{children.read_value()()}</Dashboard> }),
                    Ok(None) => EitherOf3::B(view! { <Redirect path="/signin"/> }),
                    Err(error) => EitherOf3::C(view! { <main class="centered"><ErrorNote error/></main> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(user: UserView, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let sign_out = ServerAction::<SignOut>::new();
    let settings_open = RwSignal::new(false);
    // The expiry banner's Edit / Regenerate: Settings opens on that dialog.
    let intent = TokenIntent(RwSignal::new(None));
    provide_context(intent);
    let on_expiry_action = Callback::new(move |chosen| {
        intent.0.set(Some(chosen));
        settings_open.set(true);
    });
    // Asked again when Settings closes (a token may have changed there).
    let banner_version = Signal::derive(move || u64::from(settings_open.get()));
    let close_settings = Callback::new(move |_| {
        settings_open.set(false);
        crate::browser::focus_first("topbar", "[data-testid=settings-button]");
    });
    view! {
        <header class="topbar" id="topbar">
            <a class="brand" href="/">"Kunci"</a>
            <span class="spacer"></span>
            {user.is_admin.then(|| view! { <a href="/admin" data-testid="admin-link">{t_string!(i18n, header.administration)}</a> })}
            <LanguageSwitch/>
            <span class="account" title=user.login.clone()>{user.name.clone()}</span>
            <button
                type="button"
                class="settings-button"
                data-testid="settings-button"
                aria-haspopup="dialog"
                aria-expanded=move || settings_open.get().to_string()
                on:click=move |_| settings_open.set(true)
                on:pointerenter=|_| preload_tokens_tab()
                on:focus=|_| preload_tokens_tab()
            >
                {t_string!(i18n, header.settings)}
            </button>
            <ActionForm action=sign_out>
                <button type="submit" class="link-button">{t_string!(i18n, header.sign_out)}</button>
            </ActionForm>
        </header>
        <main class="dashboard">
            <Alerts version=banner_version on_expiry_action/>
            {children()}
            <Show when=move || settings_open.get()>
                <SettingsFrame on_close=close_settings/>
            </Show>
        </main>
    }
}

/// The dashboard's alerts: leaked tokens, reused token values, tokens about to expire.
/// Most visits show none, so they are a chunk of their own, asked for once the page has
/// hydrated (an effect runs only in the browser): neither the server's page nor the
/// first download carries them. Each alert area then asks the server for its alerts, as
/// before, into a live region that exists before they arrive.
#[component]
fn Alerts(
    version: Signal<u64>,
    on_expiry_action: Callback<(ExpiryAction, TokenView)>,
) -> impl IntoView {
    let wanted = RwSignal::new(false);
    Effect::new(move |_| wanted.set(true));
    let retry = Trigger::new();
    view! {
        <Show when=move || wanted.get()>
            <Suspense fallback=|| ()>
                {move || {
                    retry.track();
                    Suspend::new(async move {
                        alerts(version, on_expiry_action)
                            .await
                            .unwrap_or_else(|ChunkMissing| chunk_missing_note(retry))
                    })
                }}
            </Suspense>
        </Show>
    }
}

#[leptos::wasm_split::wasm_split(dashboard_alerts, wasm_split_path = ::leptos::wasm_split, fallible)]
fn alerts(
    version: Signal<u64>,
    on_expiry_action: Callback<(ExpiryAction, TokenView)>,
) -> Result<AnyView, ChunkMissing> {
    Ok(view! {
        <crate::pages::leak_alerts::LeakAlerts/>
        <crate::pages::reuse_alerts::ReuseAlerts/>
        <ExpiryBanner version on_action=on_expiry_action/>
    }
    .into_any())
}
