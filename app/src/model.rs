//! Plain data that travels between the server and the browser. No behaviour lives
//! here: the rules are in the server's service layer.

use serde::{Deserialize, Serialize};

/// The signed-in account, as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub name: String,
}

/// One row of the dashboard's environment list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvSummary {
    pub name: String,
    pub display_name: String,
    /// The platform's status code (1 running, 2 stopped, 4 sleeping ...).
    pub status: i32,
    pub node_count: u32,
    /// UTC, `yyyy-MM-dd HH:mm:ss`.
    pub created_on: String,
}

/// A node requested in the dashboard's "New environment" form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNode {
    pub node_type: String,
    pub count: u32,
}

/// Human label and badge colour class of an environment status code.
pub fn env_status_label(status: i32) -> (&'static str, &'static str) {
    match status {
        1 => ("Running", "ok"),
        2 => ("Stopped", "stopped"),
        3 => ("Launching", "busy"),
        4 => ("Sleeping", "sleeping"),
        6 => ("Creating", "busy"),
        7 => ("Cloning", "busy"),
        11 => ("Broken", "bad"),
        13 => ("Stopping", "busy"),
        14 => ("Going to sleep", "busy"),
        _ => ("Unknown", "bad"),
    }
}

/// An access token as listed: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub description: String,
    /// The template's name, `None` for a Custom token.
    pub template: Option<String>,
    /// The methods the token may call (the template's, or its own list), short form.
    pub methods: Vec<String>,
    /// UTC, `yyyy-MM-dd HH:mm:ss`.
    pub expires_at: Option<String>,
    pub expired: bool,
    pub last_used: Option<String>,
    pub created_on: String,
}

/// What the Generate / Edit / Copy dialog sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenForm {
    pub description: String,
    /// `dd-mm-yyyy`, empty for "never".
    pub expires: String,
    /// A template name, or `None` for Custom.
    pub template: Option<String>,
    /// The Custom list (ignored when a template is chosen).
    pub methods: Vec<String>,
}

/// A freshly issued token value, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub token: TokenView,
    pub value: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// One catalog method, as the permission picker and the API reference show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiMethodView {
    pub id: u32,
    /// `service.class.Method` with `env` for `environment`.
    pub method: String,
    pub params: Vec<String>,
    pub implemented: bool,
    pub is_safe: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: i64,
    pub name: String,
    pub summary: String,
    pub methods: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventView {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub host: String,
    pub user_agent: String,
    pub kind: String,
    pub created_on: String,
    pub last_access: String,
    pub current: bool,
}
