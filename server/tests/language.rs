//! The dashboard's language: the server-rendered page is in the language the server
//! chose (the account's choice, else the `kunci_lang` cookie, else `Accept-Language`),
//! and `<html lang>` says which, so the hydrated page renders the same words.

mod common;

use common::{TestDb, TestServer, web};

const PW: &str = "correct horse battery staple";

/// The sign-in page as a browser with these headers gets it.
async fn sign_in_page(
    s: &TestServer,
    accept_language: Option<&str>,
    cookie: Option<&str>,
) -> String {
    let mut req = common::client()
        .get(s.url("/signin"))
        .header("accept", "text/html");
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

fn is_indonesian(html: &str) -> bool {
    html.contains("<html lang=\"id\"")
        && html.contains("Kata sandi")
        && !html.contains(">Password<")
}

fn is_english(html: &str) -> bool {
    html.contains("<html lang=\"en\"") && html.contains("Password") && !html.contains("Kata sandi")
}

both_databases!(
    sign_in_page_follows_accept_language,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        for header in ["id", "id-ID,id;q=0.9,en;q=0.8", "fr, id;q=0.5"] {
            let html = sign_in_page(&s, Some(header), None).await;
            assert!(is_indonesian(&html), "Accept-Language: {header}");
        }
        for header in [
            None,
            Some("en-US,en;q=0.9"),
            Some("fr-FR"),
            Some("id;q=0, en"),
        ] {
            let html = sign_in_page(&s, header, None).await;
            assert!(is_english(&html), "Accept-Language: {header:?}");
        }
        // A choice made while signed out (the cookie) beats the header.
        let html = sign_in_page(&s, Some("en"), Some("kunci_lang=id")).await;
        assert!(is_indonesian(&html));
    }
);

both_databases!(
    saved_choice_of_the_account_beats_accept_language,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let session = web::signed_up(&s.url(""), "lang@example.com", PW).await;
        let session_cookie = format!("kunci_session={session}");

        // No choice saved yet: the header decides.
        let html = sign_in_page(&s, Some("en"), Some(&session_cookie)).await;
        assert!(is_english(&html));

        let saved = web::call(
            &s.url(""),
            "/api/language",
            Some(&session),
            &[("language", "id")],
        )
        .await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        assert!(
            saved
                .set_cookie
                .as_deref()
                .is_some_and(|c| c.starts_with("kunci_lang=id")),
            "the choice is also kept in the cookie: {:?}",
            saved.set_cookie
        );

        // The account's choice beats both the header and a cookie saying otherwise.
        let html = sign_in_page(&s, Some("en"), Some(&session_cookie)).await;
        assert!(is_indonesian(&html));
        let both = format!("{session_cookie}; kunci_lang=en");
        let html = sign_in_page(&s, Some("en-US"), Some(&both)).await;
        assert!(is_indonesian(&html));

        // It follows the account to a new session.
        let again = web::sign_in(&s.url(""), "lang@example.com", PW).await;
        let fresh = format!("kunci_session={}", again.cookie.expect("signed in"));
        let html = sign_in_page(&s, Some("en"), Some(&fresh)).await;
        assert!(is_indonesian(&html));

        // A language the dashboard does not speak is refused, and nothing changes.
        let refused = web::call(
            &s.url(""),
            "/api/language",
            Some(&session),
            &[("language", "fr")],
        )
        .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.set_cookie.is_none());
        let html = sign_in_page(&s, Some("en"), Some(&session_cookie)).await;
        assert!(is_indonesian(&html));

        // Signed out, the choice is the cookie's only: the server saves nothing.
        let anonymous = web::call(&s.url(""), "/api/language", None, &[("language", "en")]).await;
        assert_eq!(anonymous.status, 200, "{}", anonymous.body);
        assert!(
            anonymous
                .set_cookie
                .is_some_and(|c| c.starts_with("kunci_lang=en"))
        );
        let html = sign_in_page(&s, Some("en"), Some(&session_cookie)).await;
        assert!(
            is_indonesian(&html),
            "a signed-out switch does not touch the account"
        );
    }
);
