//! The platform's method catalog: the 860 user-level methods (service, class, method,
//! parameters), then Kunci's own additions (ids above [`PLATFORM_METHODS`]; today one,
//! `users.authentication.GetTokenActivity`), that the router knows and token permissions are chosen from. The data
//! is `server/core/data/api-catalog.tsv`, compiled into the binary.
//!
//! A method's canonical name is `service.class.Method` with `env` as the short form of
//! `environment` (`env.control.StopEnv`); lookups accept either form, in any case.

use std::collections::HashMap;
use std::sync::OnceLock;

const CATALOG_TSV: &str = include_str!("../../data/api-catalog.tsv");

/// The platform's methods come first in the file; Kunci's additions follow, so every
/// platform method keeps its id.
pub const PLATFORM_METHODS: u32 = 860;

/// Name prefixes of methods that only read (the `isSafe` flag of the platform).
const SAFE_PREFIXES: &[&str] = &[
    "Get", "Check", "Search", "Read", "Is", "Has", "Find", "Count", "Estimate",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiMethod {
    /// 1-based position in the catalog file: the method's stable `id` on the wire.
    pub id: u32,
    /// As in the REST path: `environment`, `users`, ...
    pub service: String,
    pub class: String,
    /// As documented: `StopEnv`.
    pub method: String,
    pub params: Vec<String>,
    /// `env.control.StopEnv`: the name token permissions use.
    pub name: String,
    /// Lower-case `name`, the lookup key.
    pub key: String,
}

impl ApiMethod {
    /// Whether the method only reads (never changes anything).
    pub fn is_safe(&self) -> bool {
        SAFE_PREFIXES.iter().any(|p| {
            self.method.starts_with(p)
                && self.method[p.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
    }

    /// Whether Kunci added the method (it is not the platform's).
    pub fn is_kunci_addition(&self) -> bool {
        self.id > PLATFORM_METHODS
    }

    /// Whether it acts on one environment (usable on shared environments).
    pub fn is_collaboration_accessible(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.eq_ignore_ascii_case("envName"))
    }

    /// The REST path, in the documentation's casing.
    pub fn path(&self) -> String {
        format!(
            "/1.0/{}/{}/rest/{}",
            self.service,
            self.class,
            self.method.to_lowercase()
        )
    }

    /// Whether this is a `users.authentication` method, which no token may call.
    pub fn is_authentication(&self) -> bool {
        self.service == "users" && self.class == "authentication"
    }

    /// Whether no token may hold the method (GetTokenApiList lists it only with
    /// `showPrivate`): the authentication methods (sign-in, sessions, token management),
    /// the account's own management (password, email, name, two-factor settings, user
    /// data, account creation and tenancy) and single sign-on (its sign-ins and password
    /// reset). A token's holder may read the account (GetUserInfo, CheckUser) and manage
    /// its SSH keys when the owner allowed it, never take the account over.
    pub fn is_private(&self) -> bool {
        self.is_authentication()
            || (self.service == "users"
                && match self.class.as_str() {
                    "account" => !TOKEN_ACCOUNT_METHODS.contains(&self.method.as_str()),
                    "sso" => true,
                    _ => false,
                })
    }
}

/// The `users.account` methods a token may hold; the class's others manage the account.
const TOKEN_ACCOUNT_METHODS: &[&str] = &[
    "GetUserInfo",
    "CheckUser",
    "AddSSHKey",
    "GetSSHKeys",
    "DeleteSSHKey",
];

pub struct Catalog {
    methods: Vec<ApiMethod>,
    by_key: HashMap<String, usize>,
}

/// `environment.x.Y` → `env.x.Y`; other services are unchanged.
fn short_service(service: &str) -> &str {
    if service.eq_ignore_ascii_case("environment") {
        "env"
    } else {
        service
    }
}

/// The lookup key of `service.class.method` in any form and case.
pub fn key_of(service: &str, class: &str, method: &str) -> String {
    let service = short_service(service);
    let mut key = String::with_capacity(service.len() + class.len() + method.len() + 2);
    key.push_str(service);
    key.push('.');
    key.push_str(class);
    key.push('.');
    key.push_str(method);
    // Every catalog name is ASCII: lower-cased in place. Other text keeps the full
    // Unicode lower-casing (U+212A, the Kelvin sign, lower-cases to an ASCII `k`).
    if key.is_ascii() {
        key.make_ascii_lowercase();
        key
    } else {
        key.to_lowercase()
    }
}

/// The key prefix of a pattern's `service` or `service.class` part (`environment.control`
/// → `env.control.`), for matching `service.class.*`.
pub fn key_prefix(prefix: &str) -> String {
    let (service, rest) = match prefix.split_once('.') {
        Some((s, r)) => (s, Some(r)),
        None => (prefix, None),
    };
    let mut key = short_service(service).to_lowercase();
    if let Some(rest) = rest {
        key.push('.');
        key.push_str(&rest.to_lowercase());
    }
    key.push('.');
    key
}

impl Catalog {
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::parse(CATALOG_TSV))
    }

    fn parse(tsv: &str) -> Catalog {
        let mut methods = Vec::new();
        for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let mut cols = line.split('\t');
            let (Some(service), Some(class), Some(method)) =
                (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let params = cols
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            let name = format!("{}.{}.{}", short_service(service), class, method);
            methods.push(ApiMethod {
                id: methods.len() as u32 + 1,
                service: service.to_string(),
                class: class.to_string(),
                method: method.to_string(),
                params,
                key: name.to_lowercase(),
                name,
            });
        }
        let by_key = methods
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key.clone(), i))
            .collect();
        Catalog { methods, by_key }
    }

    pub fn all(&self) -> &[ApiMethod] {
        &self.methods
    }

    /// Finds `env.control.StopEnv`, `environment.control.stopenv`, ... (any case).
    pub fn find(&self, name: &str) -> Option<&ApiMethod> {
        let name = name.trim();
        let mut parts = name.splitn(3, '.');
        let (Some(s), Some(c), Some(m)) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        self.find_parts(s, c, m)
    }

    pub fn find_parts(&self, service: &str, class: &str, method: &str) -> Option<&ApiMethod> {
        self.by_key
            .get(&key_of(service, class, method))
            .map(|&i| &self.methods[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_all_860_methods_with_unique_names() {
        let c = Catalog::get();
        assert_eq!(c.all().len(), 861, "860 of the platform, one of Kunci's");
        assert_eq!(c.by_key.len(), 861, "names are unique");
        let added: Vec<_> = c.all().iter().filter(|m| m.is_kunci_addition()).collect();
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].name, "users.authentication.GetTokenActivity");
        assert!(added[0].is_private(), "no token may read token activity");
        assert_eq!(c.all()[0].id, 1);
    }

    #[test]
    fn lookups_accept_both_service_forms_and_any_case() {
        let c = Catalog::get();
        let stop = c.find("env.control.StopEnv").unwrap();
        assert_eq!(stop.name, "env.control.StopEnv");
        assert_eq!(stop.service, "environment");
        assert_eq!(stop.params, vec!["envName"]);
        assert_eq!(c.find("ENVIRONMENT.Control.stopenv"), Some(stop));
        assert_eq!(
            c.find_parts("environment", "control", "STOPENV"),
            Some(stop)
        );
        assert_eq!(stop.path(), "/1.0/environment/control/rest/stopenv");
        assert!(c.find("env.control.NoSuchMethod").is_none());
        assert!(c.find("stopenv").is_none());
    }

    #[test]
    fn safety_follows_the_method_name() {
        let c = Catalog::get();
        assert!(c.find("env.control.GetEnvInfo").unwrap().is_safe());
        assert!(!c.find("env.control.StopEnv").unwrap().is_safe());
        assert!(c.find("users.authentication.CheckSign").unwrap().is_safe());
        assert!(
            c.find("users.authentication.GetTokens")
                .unwrap()
                .is_authentication()
        );
        assert!(
            c.find("env.control.StopEnv")
                .unwrap()
                .is_collaboration_accessible()
        );
    }

    /// Which methods no token may hold, as a truth table.
    #[test]
    fn private_methods_are_authentication_account_management_and_sso() {
        let c = Catalog::get();
        let cases = [
            ("users.authentication.GetTokens", true),
            ("users.authentication.SigninByToken", true),
            ("users.account.ChangePassword", true),
            ("users.account.ChangeEmail", true),
            ("users.account.ChangeName", true),
            ("users.account.SetUserData", true),
            ("users.account.Enable2FA", true),
            ("users.account.SetPassword", true),
            ("users.account.RecoverPassword", true),
            ("users.account.AddAccount", true),
            ("users.sso.ResetPassword", true),
            ("users.sso.SigninByToken", true),
            ("users.account.GetUserInfo", false),
            ("users.account.CheckUser", false),
            ("users.account.AddSSHKey", false),
            ("users.account.GetSSHKeys", false),
            ("users.account.DeleteSSHKey", false),
            ("users.registration.CheckEmailExist", false),
            ("env.control.DeleteEnv", false),
        ];
        for (name, private) in cases {
            assert_eq!(c.find(name).unwrap().is_private(), private, "{name}");
        }
        for name in TOKEN_ACCOUNT_METHODS {
            assert!(c.find_parts("users", "account", name).is_some(), "{name}");
        }
    }
}
