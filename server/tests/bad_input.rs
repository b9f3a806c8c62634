//! Bad input, table-driven: malformed requests across every implemented REST method and
//! every server function. Each gets its documented result code or HTTP error — never a
//! 5xx — and a rejected mutation leaves every row of every table as it was.

mod common;

use common::api::{Api, user_with_session};
use common::{Backend, TestDb, TestServer, web};
use sqlx::Connection;

const PW: &str = "correct horse battery staple";
const MIB: usize = 1 << 20;

/// A snapshot without the rows of client addresses' attempt budgets.
fn without_address_budgets(snapshot: &str) -> String {
    snapshot
        .lines()
        .filter(|l| !l.starts_with("ip:"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every row of every table, as text. Two columns are left out on purpose: a session's
/// and a token's last use, which using them updates.
async fn snapshot(db: &TestDb) -> String {
    let tables: &[(&str, &str)] = &[
        (
            "users",
            "id, login, name, password_hash, status, created_at, updated_at",
        ),
        (
            "sessions",
            "id, user_id, secret_hash, kind, ip, user_agent, created_at",
        ),
        ("auth_throttle", "key, failures, window_start, locked_until"),
        (
            "environments",
            "id, owner_id, name, display_name, appid, status, region, ssl, ha, created_at, updated_at",
        ),
        (
            "nodes",
            "id, env_id, node_group, node_type, display_name, docker_name, docker_tag, fixed_cloudlets, flexible_cloudlets, disk_limit, is_master, restarted_at, env_vars, volumes, known_tags",
        ),
        (
            "node_groups",
            "env_id, name, position, display_name, scaling_mode, slb_access, data, links",
        ),
        (
            "env_groups",
            "id, owner_id, name, color, is_isolated, visibility",
        ),
        ("env_group_members", "env_id, group_id"),
        ("ext_domains", "id, env_id, domain"),
        (
            "mount_points",
            "id, env_id, node_group, path, name, source_node_id, source_host, source_path, protocol, read_only",
        ),
        (
            "tokens",
            "id, user_id, secret_hash, description, template, api_list, created_at, updated_at, expires_at",
        ),
        (
            "retired_token_hashes",
            "secret_hash, token_id, user_id, reason, retired_at",
        ),
        (
            "security_events",
            "id, user_id, at, kind, ip, detail, params",
        ),
    ];
    let mut out = String::new();
    for (table, cols) in tables {
        let expr: Vec<String> = cols
            .split(", ")
            .map(|c| format!("COALESCE(CAST({c} AS TEXT), '<null>')"))
            .collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY 1",
            expr.join(" || '|' || ")
        );
        let rows: Vec<String> = match db.backend() {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
            }
        };
        out.push_str(&format!("## {table}\n{}\n", rows.join("\n")));
    }
    out
}

/// What a case must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The platform envelope on HTTP 200 with this result code.
    Code(i64),
    /// This HTTP status, with the envelope's result code when it has one.
    Http(u16, Option<i64>),
}

#[derive(Debug, Clone)]
struct Case {
    name: String,
    method: reqwest::Method,
    /// Path and raw query string, sent as is.
    target: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    cookie: bool,
    origin: bool,
    /// Sent with `Origin: https://evil.example`, as a cross-site page would.
    foreign_origin: bool,
    expect: Expect,
    mutation: bool,
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn form(params: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One implemented REST method, with a call that would succeed.
struct Spec {
    path: &'static str,
    post: bool,
    valid: Vec<(&'static str, String)>,
    required: Vec<&'static str>,
    mutation: bool,
    public: bool,
}

impl Spec {
    fn case(
        &self,
        name: &str,
        params: Vec<(String, String)>,
        expect: Expect,
        session: Option<&str>,
    ) -> Case {
        let mut all: Vec<(String, String)> = params;
        if let Some(s) = session {
            all.insert(0, ("session".into(), s.to_string()));
        }
        let encoded = all
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let (target, body, content_type) = if self.post {
            (
                self.path.to_string(),
                encoded.into_bytes(),
                Some("application/x-www-form-urlencoded"),
            )
        } else {
            (format!("{}?{encoded}", self.path), Vec::new(), None)
        };
        Case {
            name: format!("{} {name}", self.path.rsplit('/').next().unwrap()),
            method: if self.post {
                reqwest::Method::POST
            } else {
                reqwest::Method::GET
            },
            target,
            content_type,
            body,
            cookie: false,
            origin: false,
            foreign_origin: false,
            expect,
            mutation: self.mutation,
        }
    }

    fn valid_owned(&self) -> Vec<(String, String)> {
        self.valid
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// The generic malformed variants of this method.
    fn variants(&self, session: &str) -> Vec<Case> {
        let mut out = Vec::new();
        let sess = (!self.public).then_some(session);
        for r in &self.required {
            let without: Vec<(String, String)> = self
                .valid_owned()
                .into_iter()
                .filter(|(k, _)| k != r)
                .collect();
            out.push(self.case(&format!("missing {r}"), without, Expect::Code(3), sess));
            let empty: Vec<(String, String)> = self
                .valid_owned()
                .into_iter()
                .map(|(k, v)| if k == *r { (k, String::new()) } else { (k, v) })
                .collect();
            out.push(self.case(&format!("empty {r}"), empty, Expect::Code(3), sess));
        }
        // A value that is not UTF-8 once decoded.
        let mut bad = self.case("invalid UTF-8", self.valid_owned(), Expect::Code(3), sess);
        let extra = "bogus=%FF%FE%FD";
        if self.post {
            bad.body.extend_from_slice(format!("&{extra}").as_bytes());
        } else {
            bad.target.push_str(&format!("&{extra}"));
        }
        out.push(bad);
        // A body over the 1 MiB limit.
        let mut big = self.case(
            "1 MiB body",
            self.valid_owned(),
            Expect::Http(413, Some(3)),
            sess,
        );
        big.method = reqwest::Method::POST;
        big.body = format!("pad={}", "a".repeat(MIB)).into_bytes();
        big.content_type = Some("application/x-www-form-urlencoded");
        out.push(big);
        // Content types the API does not take.
        for ct in ["multipart/form-data; boundary=xyz", "application/xml"] {
            let mut c = self.case(
                &format!("content type {ct}"),
                Vec::new(),
                Expect::Http(415, Some(3)),
                None,
            );
            c.method = reqwest::Method::POST;
            c.target = self.path.to_string();
            c.content_type = Some(if ct.starts_with("multipart") {
                "multipart/form-data; boundary=xyz"
            } else {
                "application/xml"
            });
            c.body = format!("session={session}&{}", form(&self.valid)).into_bytes();
            out.push(c);
        }
        let mut json_array = self.case(
            "JSON body that is not an object",
            Vec::new(),
            Expect::Code(3),
            None,
        );
        json_array.method = reqwest::Method::POST;
        json_array.target = self.path.to_string();
        json_array.content_type = Some("application/json");
        json_array.body = b"[1,2,3]".to_vec();
        out.push(json_array);
        if !self.public {
            out.push(self.case(
                "without a session",
                self.valid_owned(),
                Expect::Code(702),
                None,
            ));
            out.push(self.case(
                "garbage session",
                self.valid_owned(),
                Expect::Code(702),
                Some("x' OR '1'='1"),
            ));
            out.push(self.case(
                "token with a bad checksum",
                self.valid_owned(),
                Expect::Code(702),
                Some(&format!("kunci_{}000000", "A".repeat(32))),
            ));
        }
        out
    }
}

fn rest_cases(session: &str, token_id: i64, node_id: i64) -> Vec<Case> {
    let s = |v: &str| v.to_string();
    let pw = || s(PW);
    let specs = vec![
        Spec {
            path: "/1.0/users/authentication/rest/signin",
            post: true,
            valid: vec![("login", s("bad@example.com")), ("password", pw())],
            required: vec!["login", "password"],
            mutation: true,
            public: true,
        },
        Spec {
            path: "/1.0/users/authentication/rest/checksign",
            post: false,
            valid: vec![],
            required: vec![],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/getsessions",
            post: false,
            valid: vec![],
            required: vec![],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/signoutsessions",
            post: true,
            valid: vec![("ids", s("999999"))],
            required: vec!["ids"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/createtoken",
            post: true,
            valid: vec![
                ("description", s("d")),
                ("password", pw()),
                ("apiList", s("env.control.GetEnvInfo")),
            ],
            required: vec!["description", "password", "apiList"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/edittoken",
            post: true,
            valid: vec![
                ("id", token_id.to_string()),
                ("password", pw()),
                ("description", s("new")),
            ],
            required: vec!["id", "password"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/regeneratetoken",
            post: true,
            valid: vec![("id", token_id.to_string()), ("password", pw())],
            required: vec!["id", "password"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/deletetokens",
            post: true,
            valid: vec![("ids", token_id.to_string()), ("password", pw())],
            required: vec!["ids", "password"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/gettokens",
            post: false,
            valid: vec![("ids", token_id.to_string())],
            required: vec![],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/gettokenapilist",
            post: false,
            valid: vec![("search", s("env"))],
            required: vec![],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/users/authentication/rest/gettokentemplates",
            post: false,
            valid: vec![],
            required: vec![],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/getenvs",
            post: false,
            valid: vec![("lazy", s("true"))],
            required: vec![],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/getenvinfo",
            post: false,
            valid: vec![("envName", s("bad-env"))],
            required: vec!["envName"],
            mutation: false,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/createenvironment",
            post: true,
            valid: vec![
                ("env", s(r#"{"shortdomain":"fresh-env"}"#)),
                ("nodes", s(r#"[{"nodeType":"nginx"}]"#)),
            ],
            required: vec!["env", "nodes"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/startenv",
            post: true,
            valid: vec![("envName", s("bad-env"))],
            required: vec!["envName"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/stopenv",
            post: false,
            valid: vec![("envName", s("bad-env"))],
            required: vec!["envName"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/sleepenv",
            post: true,
            valid: vec![("envName", s("bad-env"))],
            required: vec!["envName"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/restartnodes",
            post: true,
            valid: vec![("envName", s("bad-env")), ("nodeId", node_id.to_string())],
            required: vec!["envName"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/cloneenv",
            post: true,
            valid: vec![("srcEnvName", s("bad-env")), ("dstEnvName", s("bad-clone"))],
            required: vec!["srcEnvName", "dstEnvName"],
            mutation: true,
            public: false,
        },
        Spec {
            path: "/1.0/environment/control/rest/deleteenv",
            post: true,
            valid: vec![("envName", s("bad-env")), ("password", pw())],
            required: vec!["envName", "password"],
            mutation: true,
            public: false,
        },
    ];
    let mut cases: Vec<Case> = specs.iter().flat_map(|sp| sp.variants(session)).collect();

    // Specific malformations, method by method.
    let by_path = |p: &str| specs.iter().find(|s| s.path.ends_with(p)).unwrap();
    let with = |p: &str, name: &str, params: &[(&str, &str)], expect: i64| {
        let spec = by_path(p);
        let mut all = spec.valid_owned();
        for (k, v) in params {
            all.retain(|(key, _)| key != k);
            all.push((k.to_string(), v.to_string()));
        }
        spec.case(name, all, Expect::Code(expect), Some(session))
    };
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let many_nodes = format!("[{}]", vec![r#"{"nodeType":"nginx"}"#; 5000].join(","));
    let huge_list = vec!["env.control.GetEnvInfo"; 30_000].join(",");
    let specific = vec![
        // Wrong types and duplicates.
        with("getenvs", "lazy not a boolean", &[("lazy", "maybe")], 3),
        with("getenvinfo", "lazy not a boolean", &[("lazy", "2")], 3),
        with(
            "gettokenapilist",
            "showPrivate not a boolean",
            &[("showPrivate", "yes please")],
            3,
        ),
        with("gettokens", "ids not numbers", &[("ids", "one;two")], 3),
        with("edittoken", "id not a number", &[("id", "abc")], 3),
        with(
            "edittoken",
            "id duplicated",
            &[("id", &format!("{token_id}&id={token_id}"))],
            3,
        ),
        with(
            "regeneratetoken",
            "two ids",
            &[("ids", "1;2"), ("id", "")],
            3,
        ),
        with(
            "deletetokens",
            "ids of nobody",
            &[("ids", "999999;888888")],
            3,
        ),
        with("deletetokens", "ids empty list", &[("ids", ";;")], 3),
        with("signoutsessions", "ids not numbers", &[("ids", "x")], 3),
        with(
            "restartnodes",
            "nodeId not a number",
            &[("nodeId", "1.5")],
            3,
        ),
        with(
            "restartnodes",
            "nodeId of no node",
            &[("nodeId", "424242")],
            3,
        ),
        with("restartnodes", "negative delay", &[("delay", "-5")], 3),
        with("restartnodes", "huge delay", &[("delay", "99999999999")], 3),
        with(
            "restartnodes",
            "isSequential not a boolean",
            &[("isSequential", "perhaps")],
            3,
        ),
        with(
            "getenvinfo",
            "envName duplicated",
            &[("envName", "bad-env,other-env")],
            11,
        ),
        with(
            "getenvinfo",
            "invalid percent escape",
            &[("envName", "%zz")],
            11,
        ),
        with(
            "getenvinfo",
            "SQL in envName",
            &[("envName", "x' OR '1'='1")],
            11,
        ),
        with(
            "stopenv",
            "SQL in envName",
            &[("envName", "bad-env'; DROP TABLE environments; --")],
            11,
        ),
        with(
            "getenvinfo",
            "script in envName",
            &[("envName", "<script>alert(1)</script>")],
            11,
        ),
        with(
            "cloneenv",
            "invalid destination name",
            &[("dstEnvName", "Not A Name!")],
            3,
        ),
        with(
            "cloneenv",
            "destination too long",
            &[("dstEnvName", &"a".repeat(40))],
            3,
        ),
        with(
            "cloneenv",
            "SQL in the destination",
            &[("dstEnvName", "x'); DELETE FROM nodes; --")],
            3,
        ),
        with(
            "cloneenv",
            "unknown source",
            &[("srcEnvName", "nope-env")],
            11,
        ),
        with("startenv", "wrong status (already running)", &[], 2212),
        with(
            "sleepenv",
            "unknown environment",
            &[("envName", "nope-env")],
            11,
        ),
        // JSON parameters.
        with(
            "createenvironment",
            "env not JSON",
            &[("env", "{shortdomain:")],
            3,
        ),
        with(
            "createenvironment",
            "env a JSON string",
            &[("env", "\"fresh-env\"")],
            3,
        ),
        with(
            "createenvironment",
            "env deeply nested",
            &[("env", &deep)],
            3,
        ),
        with(
            "createenvironment",
            "nodes deeply nested",
            &[("nodes", &deep)],
            3,
        ),
        with(
            "createenvironment",
            "5000 nodes",
            &[("nodes", &many_nodes)],
            3,
        ),
        with(
            "createenvironment",
            "nodes an object",
            &[("nodes", r#"{"nodeType":"nginx"}"#)],
            3,
        ),
        with(
            "createenvironment",
            "node without a type",
            &[("nodes", r#"[{"count":1}]"#)],
            3,
        ),
        with(
            "createenvironment",
            "node count zero",
            &[("nodes", r#"[{"nodeType":"nginx","count":0}]"#)],
            3,
        ),
        with(
            "createenvironment",
            "node count a word",
            &[("nodes", r#"[{"nodeType":"nginx","count":"many"}]"#)],
            3,
        ),
        with(
            "createenvironment",
            "cloudlets out of range",
            &[("nodes", r#"[{"nodeType":"nginx","fixedCloudlets":1000}]"#)],
            3,
        ),
        with(
            "createenvironment",
            "name with SQL",
            &[("env", r#"{"shortdomain":"x'); DROP TABLE users; --"}"#)],
            3,
        ),
        with(
            "createenvironment",
            "name taken",
            &[("env", r#"{"shortdomain":"bad-env"}"#)],
            2301,
        ),
        with(
            "createenvironment",
            "display name with a NUL",
            &[(
                "env",
                "{\"shortdomain\":\"nul-env\",\"displayName\":\"a\\u0000b\"}",
            )],
            3,
        ),
        with(
            "createenvironment",
            "envGroups an object",
            &[("envGroups", r#"{"a":1}"#)],
            3,
        ),
        // Tokens: descriptions, dates, lists.
        with(
            "createtoken",
            "description 256 characters",
            &[("description", &"é".repeat(256))],
            3,
        ),
        with(
            "createtoken",
            "description of spaces",
            &[("description", "     ")],
            3,
        ),
        with(
            "createtoken",
            "description with a NUL",
            &[("description", "a\u{0}b")],
            3,
        ),
        with(
            "createtoken",
            "date that does not exist",
            &[("expiresAt", "2027-02-31 00:00:00")],
            3,
        ),
        with(
            "createtoken",
            "dashboard date format on the wire",
            &[("expiresAt", "31-02-2027")],
            3,
        ),
        with(
            "createtoken",
            "date in the past",
            &[("expiresAt", "2001-01-01 00:00:00")],
            3,
        ),
        with(
            "createtoken",
            "date far in the future",
            &[("expiresAt", "9999-12-31 23:59:59")],
            3,
        ),
        with(
            "createtoken",
            "date not a date",
            &[("expiresAt", "tomorrow")],
            3,
        ),
        with(
            "createtoken",
            "unknown template",
            &[("tokenTemplate", "Root"), ("apiList", "")],
            3,
        ),
        with(
            "createtoken",
            "unknown method",
            &[("apiList", "env.control.DropDatabase")],
            3,
        ),
        with(
            "createtoken",
            "authentication method",
            &[("apiList", "users.authentication.CreateToken")],
            3,
        ),
        with(
            "createtoken",
            "list deeply nested",
            &[("apiList", &deep)],
            3,
        ),
        with(
            "createtoken",
            "list of 30000 names",
            &[("apiList", &huge_list)],
            3,
        ),
        with(
            "createtoken",
            "Python list with an unknown name",
            &[("apiList", "['env.control.StopEnv', 'nope']")],
            3,
        ),
        with(
            "createtoken",
            "SQL in the list",
            &[("apiList", "env.control.StopEnv'); DELETE FROM tokens; --")],
            3,
        ),
        with("edittoken", "nothing to change", &[("description", "")], 3),
        with(
            "edittoken",
            "past expiry",
            &[("expiresAt", "2020-01-01 00:00:00")],
            3,
        ),
        with("edittoken", "unknown id", &[("id", "777777")], 3),
        with("regeneratetoken", "unknown id", &[("id", "777777")], 3),
        with(
            "deleteenv",
            "unknown environment",
            &[("envName", "nope-env")],
            11,
        ),
    ];
    cases.extend(specific);

    // Transport: methods, paths, casing.
    let raw = |name: &str, method: reqwest::Method, target: String, expect: Expect| Case {
        name: name.to_string(),
        method,
        target,
        content_type: None,
        body: Vec::new(),
        cookie: false,
        origin: false,
        foreign_origin: false,
        expect,
        mutation: true,
    };
    cases.push(raw(
        "signin by GET",
        reqwest::Method::GET,
        format!(
            "/1.0/users/authentication/rest/signin?login=a%40b.c&password={}",
            enc(PW)
        ),
        Expect::Code(3),
    ));
    cases.push(raw(
        "PUT",
        reqwest::Method::PUT,
        format!("/1.0/environment/control/rest/stopenv?envName=bad-env&session={session}"),
        Expect::Http(405, Some(3)),
    ));
    cases.push(raw(
        "DELETE",
        reqwest::Method::DELETE,
        format!(
            "/1.0/environment/control/rest/deleteenv?envName=bad-env&session={session}&password={}",
            enc(PW)
        ),
        Expect::Http(405, Some(3)),
    ));
    cases.push(raw(
        "unknown method",
        reqwest::Method::GET,
        format!("/1.0/environment/control/rest/dropeverything?session={session}"),
        Expect::Http(404, Some(1702)),
    ));
    cases.push(raw(
        "unimplemented method",
        reqwest::Method::POST,
        format!("/1.0/environment/control/rest/addnode?session={session}&envName=bad-env"),
        Expect::Http(404, Some(1702)),
    ));
    cases.push(raw(
        "path too short",
        reqwest::Method::GET,
        "/1.0/environment/control".into(),
        Expect::Http(404, Some(1702)),
    ));
    cases.push(raw(
        "path traversal",
        reqwest::Method::GET,
        "/1.0/environment/control/rest/..%2F..%2Fetc%2Fpasswd".into(),
        Expect::Http(404, Some(1702)),
    ));
    cases.push(raw(
        "2000 parameters",
        reqwest::Method::GET,
        format!(
            "/1.0/environment/control/rest/getenvs?session={session}&{}",
            (0..2000)
                .map(|i| format!("p{i}=1"))
                .collect::<Vec<_>>()
                .join("&")
        ),
        Expect::Code(3),
    ));
    cases
}

/// The dashboard's server functions, malformed.
fn server_fn_cases(token_id: i64) -> Vec<Case> {
    let f =
        |name: &str, path: &str, ct: &'static str, body: String, expect: u16, mutation: bool| {
            Case {
                name: format!("server fn {name}"),
                method: reqwest::Method::POST,
                target: format!("/api/{path}"),
                content_type: Some(ct),
                body: body.into_bytes(),
                cookie: true,
                origin: true,
                foreign_origin: false,
                expect: Expect::Http(expect, None),
                mutation,
            }
        };
    let urlenc = "application/x-www-form-urlencoded";
    let json = "application/json";
    let token_form = |desc: &str, expires: &str, template: &str, methods: &str| {
        format!(
            r#"{{"form":{{"description":{desc},"expires":{expires},"template":{template},"methods":{methods}}},"password":"{PW}"}}"#
        )
    };
    let mut v = vec![
        f(
            "sign_up without fields",
            "auth/sign_up",
            urlenc,
            String::new(),
            400,
            true,
        ),
        f(
            "sign_up bad email",
            "auth/sign_up",
            urlenc,
            format!(
                "login=not-an-email&name=A&password={0}&password_again={0}",
                enc(PW)
            ),
            400,
            true,
        ),
        f(
            "sign_up short password",
            "auth/sign_up",
            urlenc,
            "login=n%40example.com&name=A&password=short&password_again=short".into(),
            400,
            true,
        ),
        f(
            "sign_up passwords differ",
            "auth/sign_up",
            urlenc,
            format!(
                "login=n%40example.com&name=A&password={}&password_again=other+thing+entirely",
                enc(PW)
            ),
            400,
            true,
        ),
        f(
            "sign_up name too long",
            "auth/sign_up",
            urlenc,
            format!(
                "login=n%40example.com&name={}&password={1}&password_again={1}",
                "a".repeat(101),
                enc(PW)
            ),
            400,
            true,
        ),
        f(
            "sign_up taken login",
            "auth/sign_up",
            urlenc,
            format!(
                "login=bad%40example.com&name=A&password={0}&password_again={0}",
                enc(PW)
            ),
            409,
            true,
        ),
        f(
            "sign_in without password",
            "auth/sign_in",
            urlenc,
            "login=bad%40example.com".into(),
            400,
            true,
        ),
        // Not valid UTF-8: decoded lossily, an unknown login, counted as a failed
        // sign-in (the lock counter changes, by design).
        f(
            "sign_in invalid UTF-8",
            "auth/sign_in",
            urlenc,
            "login=%FF%FE&password=x".into(),
            401,
            false,
        ),
        f(
            "envs/create invalid JSON",
            "envs/create",
            json,
            "{not json".into(),
            400,
            true,
        ),
        f(
            "envs/create wrong types",
            "envs/create",
            json,
            r#"{"name":5,"display_name":[],"nodes":"x"}"#.into(),
            400,
            true,
        ),
        f(
            "envs/create bad name",
            "envs/create",
            json,
            r#"{"name":"Bad Name","display_name":"","nodes":[{"node_type":"nginx","count":1}]}"#
                .into(),
            400,
            true,
        ),
        f(
            "envs/create no nodes",
            "envs/create",
            json,
            r#"{"name":"no-nodes","display_name":"","nodes":[]}"#.into(),
            400,
            true,
        ),
        f(
            "envs/create 100 of a node",
            "envs/create",
            json,
            r#"{"name":"too-many","display_name":"","nodes":[{"node_type":"nginx","count":100}]}"#
                .into(),
            400,
            true,
        ),
        f(
            "envs/action unknown action",
            "envs/action",
            urlenc,
            "name=bad-env&action=explode".into(),
            400,
            true,
        ),
        f(
            "envs/action unknown environment",
            "envs/action",
            urlenc,
            "name=nope-env&action=stop".into(),
            404,
            true,
        ),
        f(
            "envs/action wrong status",
            "envs/action",
            urlenc,
            "name=bad-env&action=start".into(),
            409,
            true,
        ),
        f(
            "tokens/create invalid JSON",
            "tokens/create",
            json,
            "{".into(),
            400,
            true,
        ),
        f(
            "tokens/create deeply nested",
            "tokens/create",
            json,
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
            400,
            true,
        ),
        f(
            "tokens/create empty description",
            "tokens/create",
            json,
            token_form("\"\"", "\"\"", "null", "[\"env.control.StopEnv\"]"),
            400,
            true,
        ),
        f(
            "tokens/create description a number",
            "tokens/create",
            json,
            token_form("5", "\"\"", "null", "[]"),
            400,
            true,
        ),
        f(
            "tokens/create 31-02-2027",
            "tokens/create",
            json,
            token_form(
                "\"d\"",
                "\"31-02-2027\"",
                "null",
                "[\"env.control.StopEnv\"]",
            ),
            400,
            true,
        ),
        f(
            "tokens/create date in the past",
            "tokens/create",
            json,
            token_form(
                "\"d\"",
                "\"01-01-2001\"",
                "null",
                "[\"env.control.StopEnv\"]",
            ),
            400,
            true,
        ),
        f(
            "tokens/create date far ahead",
            "tokens/create",
            json,
            token_form(
                "\"d\"",
                "\"31-12-9999\"",
                "null",
                "[\"env.control.StopEnv\"]",
            ),
            400,
            true,
        ),
        f(
            "tokens/create wire date format",
            "tokens/create",
            json,
            token_form(
                "\"d\"",
                "\"2027-01-31\"",
                "null",
                "[\"env.control.StopEnv\"]",
            ),
            400,
            true,
        ),
        f(
            "tokens/create unknown template",
            "tokens/create",
            json,
            token_form("\"d\"", "\"\"", "\"Root Access\"", "[]"),
            400,
            true,
        ),
        f(
            "tokens/create no methods",
            "tokens/create",
            json,
            token_form("\"d\"", "\"\"", "null", "[]"),
            400,
            true,
        ),
        f(
            "tokens/create unknown method",
            "tokens/create",
            json,
            token_form("\"d\"", "\"\"", "null", "[\"nope.nope.Nope\"]"),
            400,
            true,
        ),
        f(
            "tokens/edit unknown id",
            "tokens/edit",
            json,
            format!(
                r#"{{"id":777777,"form":{{"description":"d","expires":"","template":null,"methods":["env.control.StopEnv"]}},"password":"{PW}"}}"#
            ),
            400,
            true,
        ),
        f(
            "tokens/edit id a string",
            "tokens/edit",
            json,
            format!(
                r#"{{"id":"one","form":{{"description":"d","expires":"","template":null,"methods":[]}},"password":"{PW}"}}"#
            ),
            400,
            true,
        ),
        f(
            "tokens/copy unknown source",
            "tokens/copy",
            json,
            format!(
                r#"{{"source_id":777777,"form":{{"description":"d","expires":"","template":"Maven Plugin","methods":[]}},"password":"{PW}"}}"#
            ),
            400,
            true,
        ),
        f(
            "tokens/regenerate unknown id",
            "tokens/regenerate",
            json,
            format!(r#"{{"id":777777,"password":"{PW}"}}"#),
            400,
            true,
        ),
        f(
            "tokens/delete no ids",
            "tokens/delete",
            json,
            format!(r#"{{"ids":[],"password":"{PW}"}}"#),
            400,
            true,
        ),
        f(
            "tokens/delete unknown ids",
            "tokens/delete",
            json,
            format!(r#"{{"ids":[{token_id},777777],"password":"{PW}"}}"#),
            400,
            true,
        ),
        f(
            "tokens/delete ids not numbers",
            "tokens/delete",
            json,
            format!(r#"{{"ids":["a"],"password":"{PW}"}}"#),
            400,
            true,
        ),
        f(
            "account/sign_out_sessions ids not numbers",
            "account/sign_out_sessions",
            json,
            r#"{"ids":"all"}"#.into(),
            400,
            true,
        ),
        f(
            "tokens/create 2 MiB body",
            "tokens/create",
            json,
            format!(r#"{{"pad":"{}"}}"#, "a".repeat(2 * MIB)),
            413,
            true,
        ),
        f(
            "tokens/create wrong content type",
            "tokens/create",
            "text/xml",
            "<form/>".into(),
            400,
            true,
        ),
    ];
    let mut no_cookie = f(
        "tokens/list without a session",
        "tokens/list",
        urlenc,
        String::new(),
        401,
        false,
    );
    no_cookie.cookie = false;
    v.push(no_cookie);
    let mut cross = f(
        "tokens/delete from another origin",
        "tokens/delete",
        json,
        format!(r#"{{"ids":[{token_id}],"password":"{PW}"}}"#),
        403,
        true,
    );
    cross.origin = false;
    cross.foreign_origin = true;
    v.push(cross);
    v.push(f(
        "unknown server function",
        "nope/nothing",
        urlenc,
        String::new(),
        404,
        true,
    ));
    v
}

both_databases!(
    malformed_requests_get_documented_errors_and_change_nothing,
    |db: TestDb| async move {
        // Open sign-up: the sign-up cases test how its input is read, which a closed
        // server (the default) never gets to.
        let s = TestServer::start_with(&db, |c| c.signup = kunci_core::config::Signup::Open).await;
        let base = s.url("");
        let api = Api::new(&base);
        let session = user_with_session(&s, "bad@example.com", PW).await;
        let cookie = web::sign_in(&base, "bad@example.com", PW)
            .await
            .cookie
            .unwrap();
        let created = api.create_env(&session, "bad-env").await;
        let node_id = created.ok()["response"]["nodes"][0]["id"].as_i64().unwrap();
        let token = api
            .post(
                "/1.0/users/authentication/rest/createtoken",
                &[
                    ("session", &session),
                    ("password", PW),
                    ("description", "t"),
                    ("apiList", "env.control.GetEnvInfo"),
                ],
            )
            .await;
        let token_id = token.ok()["token"]["id"].as_i64().unwrap();

        let mut cases = rest_cases(&session, token_id, node_id);
        cases.extend(server_fn_cases(token_id));
        assert!(cases.len() >= 150, "only {} cases", cases.len());

        let client = common::client();
        let mut failures = Vec::new();
        for case in &cases {
            let before = if case.mutation {
                Some(snapshot(&db).await)
            } else {
                None
            };
            let mut req = client
                .request(case.method.clone(), format!("{base}{}", case.target))
                .body(case.body.clone());
            if let Some(ct) = case.content_type {
                req = req.header("content-type", ct);
            }
            if case.cookie {
                req = req.header("cookie", format!("kunci_session={cookie}"));
            }
            if case.origin {
                req = req.header("origin", &base);
            }
            if case.foreign_origin {
                req = req.header("origin", "https://evil.example");
            }
            let res = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: no answer: {e}", case.name));
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            let code = json
                .as_ref()
                .and_then(|j| j.get("result"))
                .and_then(|r| r.as_i64());
            let ok = match case.expect {
                Expect::Code(c) => status == 200 && code == Some(c),
                Expect::Http(h, c) => status == h && (c.is_none() || code == c),
            };
            if status >= 500 || !ok {
                failures.push(format!(
                    "{}: expected {:?}, got HTTP {status} {}",
                    case.name,
                    case.expect,
                    &text[..text.len().min(200)]
                ));
            }
            if let Some(before) = before {
                let mut after = snapshot(&db).await;
                // A taken login costs the address a sign-in attempt (so sign-up is no
                // free oracle of which logins exist): its budget is the one change.
                let before = if case.name.ends_with("sign_up taken login") {
                    after = without_address_budgets(&after);
                    without_address_budgets(&before)
                } else {
                    before
                };
                if before != after {
                    failures.push(format!("{}: the database changed", case.name));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
);
