//! users.account (GetUserInfo, the account's SSH keys) and
//! users.authentication.SigninByToken over the REST API, on SQLite and PostgreSQL; the
//! token wire gaps (isSystem, sortParam) and the methods no token may hold.

mod common;

use std::time::Duration;

use common::api::{AUTH, Api, ENV, Reply, user_with_session};
use common::{TestDb, TestServer};
use serde_json::Value;
use ssh_key::public::{Ed25519PublicKey, KeyData};
use ssh_key::{HashAlg, PublicKey};

const PW: &str = "correct horse battery staple";
const ACCOUNT: &str = "/1.0/users/account/rest";

/// A 2048-bit RSA key and a 1024-bit one (made with ssh-keygen; public halves only).
const RSA_2048: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDFqDMorD+fF98OUnPYUOZxFTGYX/BnDSc4dgUh+Buf0usQKi3ENyUlVenret2xJ34VASg//AyVdIMt6tW4XjjBVbj87qXR/B3Vul3M0V1RKYfYd6/bc0OOsm4P+nj1+yf3FaUGyYupcIi3xqawoZF5kS0uKVlIpLNgyxyelsu2vTiukKXCI+Rj0KhnDmtGxUPtbdFfTKjR94UnA9jhb6iiik922RLjbLsGPFYjiOrXiJYY6VCD0IGMLPQJFlLjWhokmIgL/AZs7A33f9E0V8m7urEX884c9vnJpkv4bHEvkuvFIKBqdxRdl9jNmjIgg/Yb2i8y4sSjj2qyN6L//4/R ann@laptop";
const RSA_1024: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC/qOsu2tKQL2ahmQ35G1wNmry5/5LURtau6bXB1ShEF4xPwC5v/LaN6Na+N9Bw6pxthaxo1BwbnsfU187ulCPXQ+pddlrSLBfiRzlsCAcBTBtopYJLifD6bHFt36Xd+9DlG7TgO6LOJcGGJhihRcqPfONTNbrmSFLJetCN22wtDQ== ann@laptop";

/// A distinct Ed25519 public key per `seed`: (line with `comment`, fingerprint).
fn ed25519(seed: u8, comment: &str) -> (String, String) {
    let mut bytes = [7u8; 32];
    bytes[0] = seed;
    let key = PublicKey::new(KeyData::Ed25519(Ed25519PublicKey(bytes)), comment);
    (
        key.to_openssh().unwrap(),
        key.fingerprint(HashAlg::Sha256).to_string(),
    )
}

async fn add(api: &Api, credential: &str, title: &str, key: &str) -> Reply {
    api.post(
        &format!("{ACCOUNT}/addsshkey"),
        &[("session", credential), ("title", title), ("sshKey", key)],
    )
    .await
}

async fn keys(api: &Api, credential: &str) -> Vec<Value> {
    api.get(&format!("{ACCOUNT}/getsshkeys"), &[("session", credential)])
        .await
        .ok()["keys"]
        .as_array()
        .unwrap()
        .clone()
}

/// A token allowed `methods` (comma-separated): (id, value).
async fn token_for(api: &Api, session: &str, methods: &str) -> (i64, String) {
    token_with(api, session, &[("apiList", methods)]).await
}

async fn token_with(api: &Api, session: &str, extra: &[(&str, &str)]) -> (i64, String) {
    let mut params = vec![
        ("session", session),
        ("password", PW),
        ("description", "test token"),
    ];
    params.extend_from_slice(extra);
    let r = api.post(&format!("{AUTH}/createtoken"), &params).await;
    let t = &r.ok()["token"];
    (
        t["id"].as_i64().unwrap(),
        t["key"].as_str().unwrap().to_string(),
    )
}

async fn signin_by_token(api: &Api, token: &str) -> Reply {
    api.post(
        &format!("{AUTH}/signinbytoken"),
        &[("token", token), ("userHeaders", "None")],
    )
    .await
}

async fn env_info(api: &Api, credential: &str, env: &str) -> Reply {
    api.get(
        &format!("{ENV}/getenvinfo"),
        &[("session", credential), ("envName", env)],
    )
    .await
}

fn field_names(v: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    names.sort();
    names
}

// ----- GetUserInfo -----

both_databases!(
    get_user_info_answers_the_account_for_sessions_and_tokens,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "ann@example.com", PW).await;
        let r = api
            .get(&format!("{ACCOUNT}/getuserinfo"), &[("session", &session)])
            .await;
        let info = r.ok().clone();
        assert!(info["uid"].as_i64().unwrap() > 0);
        assert_eq!(info["email"], "ann@example.com");
        assert_eq!(info["name"], "ann");
        assert_eq!(info["status"], "ENABLED");
        assert_eq!(info["accessType"], "FULL_ACCESS");
        assert_eq!(info["authType"], "BASIC");
        assert!(info.get("session").is_none(), "no session in {info}");
        // The same fields as CheckSign, in any path case.
        let check = api
            .get(&format!("{AUTH}/checksign"), &[("session", &session)])
            .await;
        assert_eq!(check.ok(), &info);
        let upper = api
            .post_query(
                "/1.0/Users/Account/REST/GetUserInfo",
                &[("session", &session)],
            )
            .await;
        assert_eq!(upper.ok(), &info);

        let (_, token) = token_for(&api, &session, "users.account.GetUserInfo").await;
        let by_token = api
            .get(&format!("{ACCOUNT}/getuserinfo"), &[("session", &token)])
            .await;
        let t = by_token.ok();
        assert_eq!(t["uid"], info["uid"]);
        assert_eq!(t["email"], "ann@example.com");
        assert_eq!(t["accessType"], "RESTRICTED");
        let bearer = api
            .bearer(&format!("{ACCOUNT}/getuserinfo"), &token, &[])
            .await;
        assert_eq!(bearer.ok()["accessType"], "RESTRICTED");

        let (_, other) = token_for(&api, &session, "env.control.GetEnvs").await;
        api.get(&format!("{ACCOUNT}/getuserinfo"), &[("session", &other)])
            .await
            .fails(8202);
        api.get(&format!("{ACCOUNT}/getuserinfo"), &[])
            .await
            .fails(702);
    }
);

// ----- AddSSHKey, GetSSHKeys, DeleteSSHKey -----

both_databases!(
    add_ssh_key_answers_the_key_and_it_reads_back,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "keys@example.com", PW).await;
        assert!(keys(&api, &session).await.is_empty());
        let (line, fingerprint) = ed25519(1, "ann@laptop");
        let (kind, rest) = line.split_once(' ').unwrap();
        let (data, _) = rest.split_once(' ').unwrap();
        // As pasted from a terminal: extra blanks and the file's final newline.
        let pasted = format!("  {kind}\t{data}   ann@laptop\n");
        let r = api
            .post(
                &format!("{ACCOUNT}/addsshkey"),
                &[
                    ("session", session.as_str()),
                    ("title", "  Zoë’s laptop 🚀 "),
                    ("sshKey", pasted.as_str()),
                    ("isPrivate", "False"),
                ],
            )
            .await;
        let key = r.ok()["key"].clone();
        assert_eq!(
            field_names(&key),
            ["fingerprint", "id", "isPrivate", "publicKey", "title"]
        );
        assert!(key["id"].as_i64().unwrap() > 0);
        assert_eq!(key["title"], "Zoë’s laptop 🚀");
        assert_eq!(key["publicKey"], line.as_str(), "normalized");
        assert_eq!(key["fingerprint"], fingerprint.as_str());
        assert!(fingerprint.starts_with("SHA256:"));
        assert_eq!(key["isPrivate"], false);

        let rsa = add(&api, &session, "old box", RSA_2048).await;
        let rsa = rsa.ok()["key"].clone();
        assert_eq!(
            rsa["fingerprint"],
            "SHA256:9zYwSDhc3UWsPBpBA+WiMGr0MysQ8kMhSU4HSPgLAW8"
        );
        let listed = keys(&api, &session).await;
        assert_eq!(listed, vec![key.clone(), rsa.clone()], "in id order");
        let private = api
            .get(
                &format!("{ACCOUNT}/getsshkeys"),
                &[("session", session.as_str()), ("isPrivate", "true")],
            )
            .await;
        assert_eq!(private.ok()["keys"], Value::Array(vec![]));
        let public = api
            .get(
                &format!("{ACCOUNT}/getsshkeys"),
                &[("session", session.as_str()), ("isPrivate", "false")],
            )
            .await;
        assert_eq!(public.ok()["keys"].as_array().unwrap().len(), 2);

        api.post(
            &format!("{ACCOUNT}/deletesshkey"),
            &[
                ("session", session.as_str()),
                ("id", &key["id"].to_string()),
            ],
        )
        .await
        .ok();
        assert_eq!(keys(&api, &session).await, vec![rsa]);
        let kinds: Vec<String> = s
            .kunci
            .security_log
            .list(key_owner(&s, "keys@example.com").await, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            ["ssh_key.deleted", "ssh_key.added", "ssh_key.added"],
            "newest first"
        );
    }
);

/// The account id of `login`.
async fn key_owner(s: &TestServer, login: &str) -> i64 {
    let api = Api::new(&s.url(""));
    let session = api.signin(login, PW).await;
    api.get(&format!("{ACCOUNT}/getuserinfo"), &[("session", &session)])
        .await
        .ok()["uid"]
        .as_i64()
        .unwrap()
}

both_databases!(
    add_ssh_key_refuses_bad_parameters_and_changes_nothing,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "bad@example.com", PW).await;
        let (good, _) = ed25519(2, "ann@laptop");
        let bare = good.rsplit_once(' ').unwrap().0.to_string();
        let private = format!(
            "{}\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
            concat!("-----BEGIN OPENSSH ", "PRIVATE KEY-----")
        );
        let long_title = "é".repeat(101);
        let two_lines = format!("{good}\n{RSA_2048}");
        let renamed = good.replacen("ssh-ed25519", "ssh-rsa", 1);
        let bell = format!("{bare} ann\u{7}laptop");
        let nul = format!("{bare} ann\u{0}laptop");
        let non_ascii_data = bare.replacen('A', "Ä", 1);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("sshKey", &good)], "title"),
            (vec![("title", ""), ("sshKey", &good)], "title"),
            (vec![("title", "   "), ("sshKey", &good)], "title"),
            (vec![("title", &long_title), ("sshKey", &good)], "title"),
            (vec![("title", "a\u{0}b"), ("sshKey", &good)], "title"),
            (vec![("title", "two\nlines"), ("sshKey", &good)], "title"),
            (vec![("title", "\u{1b}[31mred"), ("sshKey", &good)], "title"),
            (vec![("title", "laptop")], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", "")], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", "hello")], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", &private)], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", &two_lines)], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", RSA_1024)], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", &renamed)], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", &bell)], "sshKey"),
            (vec![("title", "laptop"), ("sshKey", &nul)], "sshKey"),
            (
                vec![("title", "laptop"), ("sshKey", &non_ascii_data)],
                "sshKey",
            ),
            (
                vec![
                    ("title", "laptop"),
                    ("sshKey", "ssh-dss AAAAB3NzaC1kc3MAAACBAMio98KK"),
                ],
                "sshKey",
            ),
            (
                vec![
                    ("title", "laptop"),
                    ("sshKey", &good),
                    ("isPrivate", "true"),
                ],
                "isPrivate",
            ),
            (
                vec![("title", "laptop"), ("sshKey", &good), ("isPrivate", "yes")],
                "isPrivate",
            ),
        ];
        for (params, name) in cases {
            let mut all = vec![("session", session.as_str())];
            all.extend(params.iter().copied());
            let r = api.post(&format!("{ACCOUNT}/addsshkey"), &all).await;
            r.fails(3);
            assert!(
                r.error()
                    .starts_with(&format!("invalid parameter [{name}]")),
                "{params:?}: {}",
                r.error()
            );
            assert!(
                !r.error().contains("b3BlbnNzaC1rZXk"),
                "a private key is never quoted back"
            );
        }
        assert!(keys(&api, &session).await.is_empty(), "nothing was added");

        // Nothing is removed by a bad or foreign id either.
        add(&api, &session, "laptop", &good).await.ok();
        let other = user_with_session(&s, "other@example.com", PW).await;
        let (theirs, _) = ed25519(3, "");
        let their_id = add(&api, &other, "theirs", &theirs).await.ok()["key"]["id"].to_string();
        for id in ["", "abc", "999999", their_id.as_str()] {
            let r = api
                .post(
                    &format!("{ACCOUNT}/deletesshkey"),
                    &[("session", session.as_str()), ("id", id)],
                )
                .await;
            r.fails(3);
            assert!(
                r.error().starts_with("invalid parameter [id]"),
                "{}",
                r.error()
            );
        }
        assert_eq!(keys(&api, &session).await.len(), 1);
        assert_eq!(
            keys(&api, &other).await.len(),
            1,
            "the other account's key stays"
        );
    }
);

both_databases!(
    the_same_key_twice_is_6001_under_any_title_and_comment,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "dup@example.com", PW).await;
        let (line, fingerprint) = ed25519(4, "ann@laptop");
        add(&api, &session, "laptop", &line).await.ok();
        let (renamed, _) = ed25519(4, "someone@else");
        for (title, key) in [
            ("laptop", line.as_str()),
            ("another title", renamed.as_str()),
        ] {
            let r = add(&api, &session, title, key).await;
            r.fails(6001);
            assert!(
                r.error().contains("already on the account"),
                "{}",
                r.error()
            );
            assert!(r.error().contains(&fingerprint), "{}", r.error());
        }
        let listed = keys(&api, &session).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["title"], "laptop");
        // Another account may hold the same key.
        let other = user_with_session(&s, "dup2@example.com", PW).await;
        add(&api, &other, "shared", &line).await.ok();
    }
);

both_databases!(
    parallel_adds_of_one_key_let_exactly_one_through,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = std::sync::Arc::new(Api::new(&s.url("")));
        let session = user_with_session(&s, "burst@example.com", PW).await;
        let (line, _) = ed25519(5, "burst");
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (api, session, line) = (api.clone(), session.clone(), line.clone());
                tokio::spawn(async move { add(&api, &session, &format!("copy {i}"), &line).await })
            })
            .collect();
        let mut codes = Vec::new();
        for t in tasks {
            codes.push(t.await.unwrap().result());
        }
        codes.sort();
        assert_eq!(codes[0], 0);
        assert!(codes[1..].iter().all(|&c| c == 6001), "{codes:?}");
        assert_eq!(keys(&api, &session).await.len(), 1);
    }
);

both_databases!(an_account_holds_at_most_50_keys, |db: TestDb| async move {
    let s = TestServer::start(&db).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "many@example.com", PW).await;
    let mut first_id = String::new();
    for seed in 0..50u8 {
        let (line, _) = ed25519(100 + seed, "");
        let r = add(&api, &session, &format!("key {seed}"), &line).await;
        if seed == 0 {
            first_id = r.ok()["key"]["id"].to_string();
        } else {
            r.ok();
        }
    }
    let (one_more, _) = ed25519(200, "");
    let r = add(&api, &session, "one more", &one_more).await;
    r.fails(2338);
    assert!(r.error().contains("50 SSH keys"), "{}", r.error());
    // A key already there is still answered as such.
    let (again, _) = ed25519(100, "");
    add(&api, &session, "again", &again).await.fails(6001);
    assert_eq!(keys(&api, &session).await.len(), 50);
    api.post(
        &format!("{ACCOUNT}/deletesshkey"),
        &[("session", session.as_str()), ("id", first_id.as_str())],
    )
    .await
    .ok();
    add(&api, &session, "one more", &one_more).await.ok();
    assert_eq!(keys(&api, &session).await.len(), 50);
});

both_databases!(
    tokens_reach_ssh_keys_only_with_the_methods,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "tok@example.com", PW).await;
        let (line, _) = ed25519(6, "");
        let (reader_line, _) = ed25519(7, "");
        let id = add(&api, &session, "laptop", &line).await.ok()["key"]["id"].to_string();
        let (_, reader) = token_for(&api, &session, "users.account.GetSSHKeys").await;
        assert_eq!(keys(&api, &reader).await.len(), 1);
        add(&api, &reader, "ci", &reader_line).await.fails(8202);
        api.post(
            &format!("{ACCOUNT}/deletesshkey"),
            &[("session", reader.as_str()), ("id", id.as_str())],
        )
        .await
        .fails(8202);
        api.get(&format!("{ACCOUNT}/getuserinfo"), &[("session", &reader)])
            .await
            .fails(8202);
        assert_eq!(keys(&api, &session).await.len(), 1, "nothing changed");

        let (_, writer) = token_for(
            &api,
            &session,
            "users.account.AddSSHKey,users.account.DeleteSSHKey",
        )
        .await;
        let added = add(&api, &writer, "ci", &reader_line).await;
        let added_id = added.ok()["key"]["id"].to_string();
        api.post(
            &format!("{ACCOUNT}/deletesshkey"),
            &[("session", writer.as_str()), ("id", added_id.as_str())],
        )
        .await
        .ok();
        api.get(&format!("{ACCOUNT}/getsshkeys"), &[("session", &writer)])
            .await
            .fails(8202);
    }
);

// ----- What no token may hold -----

both_databases!(
    account_management_methods_cannot_be_granted_to_tokens,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "priv@example.com", PW).await;
        for method in [
            "users.account.ChangePassword",
            "users.account.ChangeEmail",
            "users.account.SetUserData",
            "users.account.Enable2FA",
            "users.sso.ResetPassword",
            "users.authentication.SigninByToken",
        ] {
            let r = api
                .post(
                    &format!("{AUTH}/createtoken"),
                    &[
                        ("session", session.as_str()),
                        ("password", PW),
                        ("description", "takeover"),
                        ("apiList", &format!("env.control.GetEnvs,{method}")),
                    ],
                )
                .await;
            r.fails(3);
            assert!(r.error().contains("cannot be granted"), "{}", r.error());
        }
        let listed = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await;
        assert!(listed.ok()["apiTokens"].as_array().unwrap().is_empty());

        let names = |r: &Reply| -> Vec<String> {
            r.body["tokenPermissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["method"].as_str().unwrap().to_string())
                .collect()
        };
        let holdable = api
            .get(
                &format!("{AUTH}/gettokenapilist"),
                &[("session", session.as_str()), ("search", "users.account.")],
            )
            .await;
        holdable.ok();
        assert_eq!(
            names(&holdable),
            [
                "users.account.AddSSHKey",
                "users.account.CheckUser",
                "users.account.DeleteSSHKey",
                "users.account.GetSSHKeys",
                "users.account.GetUserInfo",
            ]
        );
        let all = api
            .get(
                &format!("{AUTH}/gettokenapilist"),
                &[
                    ("session", session.as_str()),
                    ("search", "users.account."),
                    ("showPrivate", "true"),
                ],
            )
            .await;
        all.ok();
        assert_eq!(names(&all).len(), 18, "the whole class with showPrivate");
        let everything = api
            .get(&format!("{AUTH}/gettokenapilist"), &[("session", &session)])
            .await;
        everything.ok();
        let everything = names(&everything);
        assert_eq!(everything.len(), 860 - 28 - 13 - 6);
        assert!(!everything.iter().any(|m| m.starts_with("users.sso.")));
    }
);

// ----- Token wire gaps -----

both_databases!(
    token_api_list_filters_by_sort_param_as_well_as_search,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "sort@example.com", PW).await;
        let list = |params: Vec<(&'static str, &'static str)>| {
            let api = &api;
            let session = session.clone();
            async move {
                let mut all = vec![("session", session.as_str())];
                all.extend(params);
                let r = api.get(&format!("{AUTH}/gettokenapilist"), &all).await;
                r.ok()["tokenPermissions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["method"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            list(vec![("sortParam", "STOPENV")]).await,
            ["env.control.StopEnv"]
        );
        assert_eq!(
            list(vec![("sortParam", "environment.control.stopenv")]).await,
            ["env.control.StopEnv"]
        );
        let both = list(vec![("search", "env.control."), ("sortParam", "stop")]).await;
        assert!(both.contains(&"env.control.StopEnv".to_string()));
        assert!(
            both.iter()
                .all(|m| m.starts_with("env.control.") && m.to_lowercase().contains("stop")),
            "{both:?}"
        );
        let control = list(vec![("search", "env.control.")]).await;
        assert!(control.len() > both.len(), "sortParam narrows search");
        assert!(list(vec![("sortParam", "no-such-method")]).await.is_empty());
        assert_eq!(
            list(vec![("sortParam", "")]).await.len(),
            860 - 47,
            "blank is no filter"
        );
    }
);

both_databases!(
    token_objects_carry_is_system_and_collaboration_flags,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "wire@example.com", PW).await;
        let r = api
            .post(
                &format!("{AUTH}/createtoken"),
                &[
                    ("session", session.as_str()),
                    ("password", PW),
                    ("description", "wire"),
                    ("apiList", "env.control.StopEnv,env.control.GetEnvs"),
                ],
            )
            .await;
        let created = r.ok()["token"].clone();
        let listed = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await;
        let listed = listed.ok()["apiTokens"][0].clone();
        for t in [&created, &listed] {
            assert_eq!(t["isSystem"], false, "{t}");
            assert!(
                t.get("extraData").is_none(),
                "Kunci keeps no extra data: {t}"
            );
            let items = t["apiListItems"].as_array().unwrap();
            let stop = items
                .iter()
                .find(|i| i["method"] == "env.control.StopEnv")
                .unwrap();
            assert_eq!(stop["isCollaborationAccessible"], true);
            let envs = items
                .iter()
                .find(|i| i["method"] == "env.control.GetEnvs")
                .unwrap();
            assert_eq!(envs["isCollaborationAccessible"], false);
        }
        let (_, maven) = token_with(&api, &session, &[("tokenTemplate", "Maven Plugin")]).await;
        let listed = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await;
        let t = listed.ok()["apiTokens"][1].clone();
        assert!(!maven.is_empty());
        assert_eq!(t["isSystem"], false);
        for item in t["tokenTemplate"]["apiListItems"].as_array().unwrap() {
            assert!(item["isCollaborationAccessible"].is_boolean(), "{item}");
        }
    }
);

both_databases!(
    signout_sessions_ends_the_current_session_when_listed,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "so@example.com", PW).await;
        let other = api.signin("so@example.com", PW).await;
        let sessions = api
            .get(&format!("{AUTH}/getsessions"), &[("session", &session)])
            .await;
        let sessions = sessions.ok()["sessions"].as_array().unwrap().clone();
        let current = sessions.iter().find(|s| s["current"] == true).unwrap()["id"].to_string();
        api.post(
            &format!("{AUTH}/signoutsessions"),
            &[("session", session.as_str())],
        )
        .await
        .fails(3);
        api.post(
            &format!("{AUTH}/signoutsessions"),
            &[("session", session.as_str()), ("ids", current.as_str())],
        )
        .await
        .ok();
        api.get(&format!("{AUTH}/checksign"), &[("session", &session)])
            .await
            .fails(702);
        api.get(&format!("{AUTH}/checksign"), &[("session", &other)])
            .await
            .ok();
    }
);

// ----- SigninByToken -----

both_databases!(
    signin_by_token_answers_a_session_with_the_tokens_rights,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "sbt@example.com", PW).await;
        api.create_env(&session, "sbt-env").await.ok();
        let (_, token) = token_for(
            &api,
            &session,
            "env.control.GetEnvInfo,users.account.GetUserInfo",
        )
        .await;
        let r = signin_by_token(&api, &token).await;
        let body = r.ok().clone();
        assert_eq!(body["session"], token.as_str());
        assert_eq!(body["email"], "sbt@example.com");
        assert_eq!(body["name"], "sbt");
        assert_eq!(body["status"], "ENABLED");
        assert_eq!(body["accessType"], "RESTRICTED");
        assert_eq!(body["authType"], "BASIC");
        assert!(body["uid"].as_i64().unwrap() > 0);
        // GET works too, and `session` is ignored whatever it holds.
        let get = api
            .get(
                &format!("{AUTH}/signinbytoken"),
                &[("token", token.as_str()), ("session", "garbage")],
            )
            .await;
        assert_eq!(get.ok()["session"], token.as_str());
        let with_session = api
            .get(
                &format!("{AUTH}/signinbytoken"),
                &[("token", token.as_str()), ("session", session.as_str())],
            )
            .await;
        assert_eq!(with_session.ok()["accessType"], "RESTRICTED");

        let as_session = body["session"].as_str().unwrap();
        env_info(&api, as_session, "sbt-env").await.ok();
        let info = api
            .get(
                &format!("{ACCOUNT}/getuserinfo"),
                &[("session", as_session)],
            )
            .await;
        assert_eq!(info.ok()["accessType"], "RESTRICTED");
        api.get(
            &format!("{ENV}/stopenv"),
            &[("session", as_session), ("envName", "sbt-env")],
        )
        .await
        .fails(8202);
        assert_eq!(api.status(&session, "sbt-env").await, 1, "still running");
        // CheckSign answers about the token itself (issue 14); nothing else here.
        let own = api
            .get(&format!("{AUTH}/checksign"), &[("session", as_session)])
            .await;
        assert_eq!(own.ok()["accessType"], "RESTRICTED");
        assert!(own.body["token"]["id"].is_i64(), "{}", own.body);
        for method in [
            "gettokens",
            "getsessions",
            "signout",
            "signoutsessions",
            "gettokenapilist",
        ] {
            api.get(
                &format!("{AUTH}/{method}"),
                &[("session", as_session), ("ids", "*")],
            )
            .await
            .fails(8202);
        }
        api.post(
            &format!("{AUTH}/createtoken"),
            &[
                ("session", as_session),
                ("password", PW),
                ("description", "escalate"),
                ("apiList", "env.control.StopEnv"),
            ],
        )
        .await
        .fails(8202);
        let tokens = api
            .get(&format!("{AUTH}/gettokens"), &[("session", &session)])
            .await;
        assert_eq!(tokens.ok()["apiTokens"].as_array().unwrap().len(), 1);
        env_info(&api, as_session, "sbt-env").await.ok();
    }
);

both_databases!(
    signin_by_token_refuses_missing_unknown_and_malformed_tokens,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "sbt-bad@example.com", PW).await;
        api.post(
            &format!("{AUTH}/signinbytoken"),
            &[("session", session.as_str())],
        )
        .await
        .fails(3);
        let r = api
            .post(&format!("{AUTH}/signinbytoken"), &[("token", "  ")])
            .await;
        r.fails(3);
        assert!(r.error().starts_with("invalid parameter [token]"));
        let made_up = kunci_server::domain::token::PlainToken::generate();
        for value in [made_up.expose(), "abc", "kunci_short", session.as_str()] {
            let r = signin_by_token(&api, value).await;
            r.fails(702);
            assert_eq!(r.error(), "user is not authenticated");
            assert!(!r.error().contains(value));
        }
    }
);

both_databases!(
    a_signin_by_token_session_dies_with_its_token,
    |db: TestDb| async move {
        let s = TestServer::start(&db).await;
        let api = Api::new(&s.url(""));
        let session = user_with_session(&s, "die@example.com", PW).await;
        api.create_env(&session, "die-env").await.ok();
        let get_env = "env.control.GetEnvInfo";

        // Deleted.
        let (id, token) = token_for(&api, &session, get_env).await;
        let as_session = signin_by_token(&api, &token).await.ok()["session"]
            .as_str()
            .unwrap()
            .to_string();
        env_info(&api, &as_session, "die-env").await.ok();
        api.post(
            &format!("{AUTH}/deletetokens"),
            &[
                ("session", session.as_str()),
                ("password", PW),
                ("ids", &id.to_string()),
            ],
        )
        .await
        .ok();
        env_info(&api, &as_session, "die-env").await.fails(702);
        signin_by_token(&api, &token).await.fails(702);

        // Regenerated.
        let (id, token) = token_for(&api, &session, get_env).await;
        let as_session = signin_by_token(&api, &token).await.ok()["session"]
            .as_str()
            .unwrap()
            .to_string();
        let regenerated = api
            .post(
                &format!("{AUTH}/regeneratetoken"),
                &[
                    ("session", session.as_str()),
                    ("password", PW),
                    ("id", &id.to_string()),
                ],
            )
            .await;
        let new_value = regenerated.ok()["token"]["key"]
            .as_str()
            .unwrap()
            .to_string();
        env_info(&api, &as_session, "die-env").await.fails(702);
        signin_by_token(&api, &token).await.fails(702);
        signin_by_token(&api, &new_value).await.ok();

        // Expired.
        let soon = kunci_server::clock::format_wire(kunci_server::clock::now() + 2);
        let (_, token) = token_with(
            &api,
            &session,
            &[("apiList", get_env), ("expiresAt", &soon)],
        )
        .await;
        let as_session = signin_by_token(&api, &token).await.ok()["session"]
            .as_str()
            .unwrap()
            .to_string();
        env_info(&api, &as_session, "die-env").await.ok();
        tokio::time::sleep(Duration::from_millis(3100)).await;
        env_info(&api, &as_session, "die-env").await.fails(702);
        signin_by_token(&api, &token).await.fails(702);

        // The account disabled.
        let (_, token) = token_for(&api, &session, get_env).await;
        let as_session = signin_by_token(&api, &token).await.ok()["session"]
            .as_str()
            .unwrap()
            .to_string();
        s.kunci
            .store
            .set_user_enabled("die@example.com", false, kunci_server::clock::now())
            .await
            .unwrap();
        env_info(&api, &as_session, "die-env").await.fails(704);
        signin_by_token(&api, &token).await.fails(704);
        s.kunci
            .store
            .set_user_enabled("die@example.com", true, kunci_server::clock::now())
            .await
            .unwrap();
        env_info(&api, &as_session, "die-env").await.ok();
    }
);

/// SigninByToken counts made-up values like any other credential: past the limit, an
/// address's unknown tokens are refused without a lookup, while a live token passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signin_by_token_is_under_the_flood_guard() {
    use kunci_server::services::flood::UNKNOWN_CREDENTIALS_PER_MINUTE;
    let db = TestDb::new(common::Backend::Sqlite).await;
    let s = TestServer::start_with(&db, |c| c.http.trust_proxy = true).await;
    let api = Api::new(&s.url(""));
    let session = user_with_session(&s, "flood@example.com", PW).await;
    let (_, live) = token_for(&api, &session, "env.control.GetEnvs").await;
    let from = |token: String| {
        let api = &api;
        async move {
            api.post_from(
                "203.0.113.9",
                &format!("{AUTH}/signinbytoken"),
                &[("token", token.as_str())],
            )
            .await
        }
    };
    for _ in 0..UNKNOWN_CREDENTIALS_PER_MINUTE {
        let made_up = kunci_server::domain::token::PlainToken::generate();
        from(made_up.expose().to_string()).await.fails(702);
    }
    let made_up = kunci_server::domain::token::PlainToken::generate();
    let refused = from(made_up.expose().to_string()).await;
    refused.fails(702);
    assert!(
        refused.error().contains("too many unknown"),
        "{}",
        refused.error()
    );
    from(live).await.ok();
}
