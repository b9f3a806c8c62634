//! Plain data that travels between the server and the browser. No behaviour lives
//! here: the rules are in the server's service layer, and those the browser applies too
//! in `kunci_rules`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The signed-in account, as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// An administrator: the top bar links to the Administration page.
    #[serde(default)]
    pub is_admin: bool,
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
    /// The account's environment groups this environment is a member of, sorted.
    pub groups: Vec<String>,
}

/// One environment with everything that hangs on it: the detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvDetail {
    pub name: String,
    pub display_name: String,
    pub status: i32,
    pub region: String,
    /// UTC, `yyyy-MM-dd HH:mm:ss`.
    pub created_on: String,
    pub groups: Vec<String>,
    pub domains: Vec<String>,
    pub node_groups: Vec<NodeGroupView>,
    pub mounts: Vec<MountView>,
}

/// A node group, its nodes, and its variables (its master node's, as
/// GetContainerEnvVarsByGroup answers them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NodeGroupView {
    pub name: String,
    pub display_name: Option<String>,
    pub scaling_mode: String,
    pub slb_access: bool,
    /// `(group, alias)`: every node of this group reaches `group`'s master as `alias`.
    pub links: Vec<(String, String)>,
    pub nodes: Vec<NodeView>,
    pub vars: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub id: i64,
    pub node_type: String,
    /// `image:tag`.
    pub image: String,
    pub is_master: bool,
    pub fixed_cloudlets: i64,
    pub flexible_cloudlets: i64,
    pub disk_mb: i64,
    pub volumes: Vec<String>,
}

/// A mount point of every node of `node_group`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountView {
    pub node_group: String,
    pub path: String,
    /// `node 42` or the outside host, as given.
    pub source: String,
    pub source_path: String,
    pub read_only: bool,
}

/// Megabytes as the dashboard shows a disk: GB with at most one decimal.
pub fn disk_gb(mb: i64) -> String {
    let tenths = (mb * 10 + 512) / 1024;
    if tenths % 10 == 0 {
        format!("{} GB", tenths / 10)
    } else {
        format!("{}.{} GB", tenths / 10, tenths % 10)
    }
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
    /// A Custom token's methods (short form); empty for a template token, whose
    /// methods are the template's (see [`TemplateView`]).
    pub methods: Vec<String>,
    /// UTC, `yyyy-MM-dd HH:mm:ss`.
    pub expires_at: Option<String>,
    pub expired: bool,
    pub last_used: Option<String>,
    pub created_on: String,
    /// Unix seconds of its creation or last regeneration, from which
    /// `--token-max-lifetime` counts (the Edit dialog's latest date).
    #[serde(default)]
    pub issued_at: i64,
    /// The addresses and CIDR ranges it may be used from (empty: anywhere).
    #[serde(default)]
    pub ip_allowlist: Vec<String>,
    /// The environment names and prefixes (`pr-*`) it may touch (empty: all).
    #[serde(default)]
    pub env_names: Vec<String>,
}

/// The operator's token expiry policy, for the dialog's presets and date limits (the
/// rule itself is `kunci_rules::expiry::Policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenPolicyView {
    /// `--token-max-lifetime`, days.
    pub max_days: Option<u32>,
    /// `--token-default-lifetime`, days.
    pub default_days: Option<u32>,
}

impl TokenPolicyView {
    pub fn rule(self) -> kunci_rules::expiry::Policy {
        kunci_rules::expiry::Policy {
            max_days: self.max_days,
            default_days: self.default_days,
        }
    }
}

/// What the Generate / Edit / Copy dialog sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenForm {
    pub description: String,
    /// `dd-mm-yyyy`, empty for "never".
    pub expires: String,
    /// Edit: the date field was left as it was, so the stored expiry stays (to the
    /// second, expired or not).
    #[serde(default)]
    pub keep_expiry: bool,
    /// A template name, or `None` for Custom.
    pub template: Option<String>,
    /// The Custom list (ignored when a template is chosen).
    pub methods: Vec<String>,
    /// Allowed addresses as typed (`,` `;` spaces or lines between entries; empty:
    /// anywhere).
    #[serde(default)]
    pub ip_allowlist: String,
    /// Environment names and prefixes as typed (empty: all).
    #[serde(default)]
    pub env_names: String,
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
    /// `service.class.Method` with `env` for `environment`: the permission name.
    pub method: String,
    /// The REST path, `/1.0/{service}/{class}/rest/{method}`.
    pub path: String,
    pub params: Vec<String>,
    pub implemented: bool,
    pub is_safe: bool,
    /// What the method does, for the methods Kunci implements.
    pub description: Option<String>,
    /// An example: the query after `session=...`, and the answer (pretty JSON).
    pub example: Option<(String, String)>,
}

impl ApiMethodView {
    /// The method's page in the API reference.
    pub fn docs_href(&self) -> String {
        format!("/docs/api/{}", self.method)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: i64,
    pub name: String,
    pub summary: String,
    pub methods: Vec<String>,
}

/// One entry of the security log: its kind (`token.created`...) and what it names,
/// which the dashboard words in the page's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventView {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub ip: String,
    pub params: SecurityEventParams,
    /// The English sentence of an event recorded before events were data (shown as
    /// written); empty for every newer event.
    pub detail: String,
}

/// What a security event names; the fields its kind uses are set. Codes are the
/// core's (`purpose`: `create_token`..., `because`: `expired`/`regenerated`/`deleted`,
/// `changed`: `description`/`expiry`/`permissions`/`allowed_addresses`/`environments`,
/// `turned_off_with`: `app_code`/`recovery_code`/`console`, `step`: `sign_in`/`change`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventParams {
    /// The token's id and description (empty when the event did not load it).
    pub token: Option<(i64, String)>,
    pub from: Option<i64>,
    pub changed: Vec<String>,
    pub purpose: Option<String>,
    pub because: Option<String>,
    pub method: Option<String>,
    pub revoked_on_reuse: bool,
    /// Wire time (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub expires_at: Option<String>,
    pub address: Option<String>,
    pub allowed: Vec<String>,
    /// The SSH key's id, title and fingerprint.
    pub ssh_key: Option<(i64, String, String)>,
    pub by: Option<String>,
    pub by_console: bool,
    pub owner: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub turned_off_with: Option<String>,
    pub step: Option<String>,
    pub count: Option<i64>,
}

/// An open alert: a token value that was regenerated away or deleted, used again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReuseAlertView {
    pub id: i64,
    pub token_id: i64,
    pub description: String,
    pub ip: String,
    /// The method of the first use.
    pub method: String,
    /// Regenerated away (`true`) or deleted.
    pub regenerated: bool,
    /// The token was revoked because of it (`--token-reuse revoke`).
    pub revoked: bool,
    pub uses: i64,
    /// Wire times (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub first_seen: String,
    pub last_seen: String,
}

/// An open alert: a token revoked because its value was reported leaked. What the
/// report said (type, URL, source) arrives escaped by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakAlertView {
    pub id: i64,
    pub token_id: i64,
    pub description: String,
    pub token_type: String,
    /// Where the value was found (empty when the report named no place).
    pub url: String,
    /// Who reported it: the scanning service's `source`, or `operator`.
    pub source: String,
    /// Wire time (`yyyy-MM-dd HH:mm:ss`, UTC).
    pub reported: String,
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

/// `yyyy-MM-dd HH:mm:ss` (the wire format, UTC) → `dd-mm-yyyy`, the dashboard's format.
pub fn wire_to_ui_date(wire: &str) -> String {
    match (wire.get(0..4), wire.get(5..7), wire.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}-{m}-{y}"),
        _ => wire.to_string(),
    }
}

/// `yyyy-MM-dd HH:mm:ss` → `dd-mm-yyyy HH:mm` (UTC).
pub fn wire_to_ui_datetime(wire: &str) -> String {
    match wire.get(11..16) {
        Some(hm) => format!("{} {hm}", wire_to_ui_date(wire)),
        None => wire_to_ui_date(wire),
    }
}

/// One access token in detail (the Access Tokens tab's detail view): its facts, the
/// last addresses it was used from, and what it did, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDetail {
    pub token: TokenView,
    /// At most five, newest first.
    pub last_ips: Vec<UsedFromView>,
    /// The latest calls matching the filter (at most [`TokenDetail::ROWS`]).
    pub activity: Vec<ActivityView>,
}

impl TokenDetail {
    /// Rows the detail view shows.
    pub const ROWS: i64 = 200;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedFromView {
    pub ip: String,
    /// UTC, `yyyy-MM-dd HH:mm:ss`.
    pub last_used: String,
}

/// One call made with a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: i64,
    /// UTC, `yyyy-MM-dd HH:mm:ss`.
    pub time: String,
    pub method: String,
    pub env_name: Option<String>,
    pub ip: String,
    /// The platform's result code: 0 is success.
    pub result: i32,
    /// Identical calls of that second the row stands for.
    pub calls: i64,
}

/// Which calls the detail view lists: `method` is part of a method name (any case),
/// `result` is empty (all), `success`, `failure` or a result code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFilter {
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub result: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_dates_show_as_dd_mm_yyyy() {
        assert_eq!(wire_to_ui_date("2027-01-31 00:00:00"), "31-01-2027");
        assert_eq!(
            wire_to_ui_datetime("2027-01-31 09:05:00"),
            "31-01-2027 09:05"
        );
        assert_eq!(wire_to_ui_date("junk"), "junk");
    }

    #[test]
    fn disks_show_in_gb() {
        assert_eq!(disk_gb(10 * 1024), "10 GB");
        assert_eq!(disk_gb(1536), "1.5 GB");
        assert_eq!(disk_gb(100), "0.1 GB");
    }
}

/// `yyyy-mm-dd` (a date input's value) → `dd-mm-yyyy`.
pub fn iso_to_ui_date(iso: &str) -> Option<String> {
    let mut p = iso.split('-');
    let (y, m, d) = (p.next()?, p.next()?, p.next()?);
    Some(format!("{d}-{m}-{y}"))
}

/// `dd-mm-yyyy` → `yyyy-mm-dd`, for a date input; `None` unless that day exists.
pub fn ui_to_iso_date(ui: &str) -> Option<String> {
    kunci_rules::date::Date::parse_dd_mm_yyyy(ui).map(|d| d.to_iso())
}

// ----- administration -----

/// Who may sign up here, for the sign-in and sign-up pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupView {
    /// `open`, `closed` or `approval` (`--signup`).
    pub mode: String,
    /// Whether a sign-up could create an account now (not closed, or no account yet:
    /// the first one becomes the administrator).
    pub possible: bool,
}

/// The inventory's filters, as the Administration page sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryQuery {
    /// An account's login; empty: every account.
    pub login: String,
    pub expired: bool,
    pub never_used: bool,
    pub unused_for_days: Option<u32>,
}

/// One token of the inventory: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    pub id: i64,
    /// The owner's login.
    pub login: String,
    pub description: String,
    /// How many methods it may call.
    pub methods: usize,
    pub created_on: String,
    /// `None`: never expires.
    pub expires_at: Option<String>,
    pub expired: bool,
    /// `None`: never used.
    pub last_used: Option<String>,
}

/// An account waiting for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAccountView {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub created_on: String,
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn date_inputs_convert_both_ways() {
        assert_eq!(iso_to_ui_date("2027-01-31").as_deref(), Some("31-01-2027"));
        assert_eq!(ui_to_iso_date("31-01-2027").as_deref(), Some("2027-01-31"));
        assert_eq!(ui_to_iso_date("31-02-2027"), None);
    }
}

/// The account's two-factor sign-in, as the settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorView {
    pub enabled: bool,
    /// Unused recovery codes (0 while two-factor sign-in is off).
    pub recovery_codes_left: u32,
}

/// A new authenticator secret waiting to be confirmed with a code (nothing is on yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorSetup {
    /// Base32, no padding: what an app asks for when the QR code cannot be scanned.
    pub secret: String,
    /// The `otpauth://totp/...` URL the QR code holds.
    pub otpauth_url: String,
    /// A complete `<svg ...>...</svg>` of the QR code, rendered by the server.
    pub qr_svg: String,
}

/// Recovery codes, shown this once (the server keeps only their HMACs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodesView {
    /// Ten codes like `abcd-efgh-ij`; each works once.
    pub codes: Vec<String>,
}
