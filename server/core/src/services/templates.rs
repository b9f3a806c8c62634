//! Token templates: named permission sets read from `data/token-templates.toml`
//! (built in), or from the file given with `--token-templates`. Tokens store a
//! template's key, so they follow the file's current content.

use serde::Deserialize;

use crate::domain::catalog::{ApiMethod, Catalog};

const BUILT_IN: &str = include_str!("../../data/token-templates.toml");

#[derive(Debug, Deserialize)]
struct File {
    template: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: i64,
    key: String,
    name: String,
    summary: String,
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    /// Granted even if `exclude` took them away (exceptions to a broad exclusion).
    #[serde(default)]
    also: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub summary: String,
    /// `allowed[method.id]`: whether the template grants the method.
    allowed: Vec<bool>,
    methods: Vec<&'static ApiMethod>,
}

impl Template {
    pub fn allows(&self, method: &ApiMethod) -> bool {
        self.allowed
            .get(method.id as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The granted methods, in catalog order.
    pub fn methods(&self) -> &[&'static ApiMethod] {
        &self.methods
    }
}

#[derive(Debug, Clone)]
pub struct Templates {
    list: Vec<Template>,
}

/// The catalog methods a name or pattern matches: `*`, `service.*`, `service.class.*`
/// or one method.
fn matching(pattern: &str) -> Vec<&'static ApiMethod> {
    let catalog = Catalog::get();
    let p = pattern.trim();
    if p == "*" {
        return catalog.all().iter().collect();
    }
    if let Some(prefix) = p.strip_suffix(".*") {
        let prefix = crate::domain::catalog::key_prefix(prefix);
        return catalog
            .all()
            .iter()
            .filter(|m| m.key.starts_with(&prefix))
            .collect();
    }
    catalog.find(p).into_iter().collect()
}

impl Templates {
    pub fn built_in() -> Templates {
        Templates::parse(BUILT_IN).expect("the built-in token templates are valid")
    }

    pub fn load(path: &std::path::Path) -> Result<Templates, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the token templates {}: {e}", path.display()))?;
        Templates::parse(&text)
            .map_err(|e| format!("the token templates {} are invalid: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Templates, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let catalog_len = Catalog::get().all().len();
        let mut list = Vec::new();
        for e in file.template {
            let mut allowed = vec![false; catalog_len + 1];
            for (patterns, grant) in [(&e.include, true), (&e.exclude, false), (&e.also, true)] {
                for p in patterns {
                    let found = matching(p);
                    if found.is_empty() {
                        return Err(format!(
                            "template {:?}: {p:?} matches no catalog method",
                            e.name
                        ));
                    }
                    for m in found {
                        allowed[m.id as usize] = grant;
                    }
                }
            }
            let methods: Vec<&'static ApiMethod> = Catalog::get()
                .all()
                .iter()
                .filter(|m| allowed[m.id as usize])
                .collect();
            if let Some(m) = methods.iter().find(|m| m.is_private()) {
                return Err(format!(
                    "template {:?} grants {}: tokens never manage tokens or the account",
                    e.name, m.name
                ));
            }
            if methods.is_empty() {
                return Err(format!("template {:?} grants no method", e.name));
            }
            if list.iter().any(|t: &Template| {
                t.id == e.id || t.key == e.key || t.name.eq_ignore_ascii_case(&e.name)
            }) {
                return Err(format!(
                    "template {:?}: id, key and name must be unique",
                    e.name
                ));
            }
            list.push(Template {
                id: e.id,
                key: e.key,
                name: e.name,
                summary: e.summary,
                allowed,
                methods,
            });
        }
        if list.is_empty() {
            return Err("no template defined".into());
        }
        Ok(Templates { list })
    }

    pub fn all(&self) -> &[Template] {
        &self.list
    }

    pub fn by_key(&self, key: &str) -> Option<&Template> {
        self.list.iter().find(|t| t.key == key)
    }

    /// A template by name (any case), key, or wire id.
    pub fn find(&self, name_or_id: &str) -> Option<&Template> {
        let s = name_or_id.trim();
        self.list.iter().find(|t| {
            t.name.eq_ignore_ascii_case(s)
                || t.key.eq_ignore_ascii_case(s)
                || s.parse::<i64>().is_ok_and(|id| id == t.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_are_the_four_named_sets() {
        let t = Templates::built_in();
        let names: Vec<&str> = t.all().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Extended Access",
                "IDE Plugins",
                "Marketplace",
                "Maven Plugin"
            ]
        );
        assert_eq!(t.find("maven plugin").unwrap().id, 4);
        assert_eq!(t.find("3").unwrap().name, "Marketplace");
        assert_eq!(t.find("ide-plugins").unwrap().name, "IDE Plugins");
        assert!(t.find("Custom").is_none());
    }

    #[test]
    fn extended_access_is_everything_but_account_settings_and_tokens() {
        let t = Templates::built_in();
        let ext = t.find("Extended Access").unwrap();
        let c = Catalog::get();
        assert!(ext.allows(c.find("env.control.StopEnv").unwrap()));
        assert!(ext.allows(c.find("billing.account.GetAccount").unwrap()));
        for denied in [
            "users.account.ChangePassword",
            "users.account.SetUserData",
            "users.authentication.CreateToken",
            "users.authentication.Signin",
        ] {
            assert!(!ext.allows(c.find(denied).unwrap()), "{denied}");
        }
        let denied_count = c.all().iter().filter(|m| !ext.allows(m)).count();
        assert_eq!(ext.methods().len() + denied_count, 861);
    }

    #[test]
    fn tool_templates_grant_what_their_tool_does() {
        let t = Templates::built_in();
        let c = Catalog::get();
        let maven = t.find("Maven Plugin").unwrap();
        assert!(maven.allows(c.find("env.deployment.DeployArchive").unwrap()));
        assert!(maven.allows(c.find("env.control.GetEnvInfo").unwrap()));
        assert!(!maven.allows(c.find("env.control.StopEnv").unwrap()));
        let ide = t.find("IDE Plugins").unwrap();
        assert!(ide.allows(c.find("env.control.StopEnv").unwrap()));
        assert!(ide.allows(c.find("env.control.GetLogs").unwrap()));
        assert!(!ide.allows(c.find("env.control.DeleteEnv").unwrap()));
        let market = t.find("Marketplace").unwrap();
        assert!(market.allows(c.find("marketplace.jps.Install").unwrap()));
        assert!(!market.allows(c.find("env.control.StopEnv").unwrap()));
        // Issue 13: client libraries read the user right after signing in; IDE plugins
        // edit container variables and redeploy; add-ons keep data on node groups.
        for name in [
            "IDE Plugins",
            "Marketplace",
            "Maven Plugin",
            "Extended Access",
        ] {
            let tpl = t.find(name).unwrap();
            assert!(
                tpl.allows(c.find("users.account.GetUserInfo").unwrap()),
                "{name}"
            );
        }
        for m in [
            "env.control.AddContainerEnvVars",
            "env.control.SetContainerEnvVarsByGroup",
            "env.control.GetContainerEnvVars",
            "env.control.RedeployContainersByGroup",
        ] {
            assert!(ide.allows(c.find(m).unwrap()), "{m}");
        }
        assert!(market.allows(c.find("env.nodegroup.ApplyData").unwrap()));
        let extended = t.find("Extended Access").unwrap();
        assert!(extended.allows(c.find("users.account.AddSSHKey").unwrap()));
        assert!(extended.allows(c.find("env.control.ChangeTopology").unwrap()));
        assert!(!extended.allows(c.find("users.account.ChangePassword").unwrap()));
    }

    #[test]
    fn invalid_template_files_are_refused() {
        let entry = |include: &str| {
            format!(
                "[[template]]\nid=1\nkey=\"k\"\nname=\"N\"\nsummary=\"s\"\ninclude=[{include}]\n"
            )
        };
        assert!(Templates::parse(&entry("\"env.control.StopEnv\"")).is_ok());
        assert!(
            Templates::parse(&entry("\"env.control.NoSuch\""))
                .unwrap_err()
                .contains("matches no catalog method")
        );
        assert!(
            Templates::parse(&entry("\"users.authentication.GetTokens\""))
                .unwrap_err()
                .contains("never manage tokens")
        );
        assert!(Templates::parse(&entry("")).is_err());
        assert!(Templates::parse("nonsense").is_err());
        let twice = format!(
            "{}{}",
            entry("\"env.control.StopEnv\""),
            entry("\"env.control.StartEnv\"")
        );
        assert!(Templates::parse(&twice).unwrap_err().contains("unique"));
    }
}
