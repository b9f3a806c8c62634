//! The platform REST API: `/1.0/{service}/{class}/rest/{method}`.
//!
//! One handler takes every call: it finds the method in the catalog (any case; 404
//! and result 1702 when the path names no method, or one this server does not
//! implement), merges the parameters, passes the caller through the one authorization
//! point, and runs the method. API failures are HTTP 200 with the envelope
//! `{"result": N, "error": "...", "source": "kunci"}`, as the platform answers.

mod account;
mod activity;
mod auth;
mod env;
mod env_binder;
mod env_groups;
mod env_model;
mod env_wire;
pub mod envelope;
pub mod examples;
pub mod params;
mod tokens;

use std::sync::Arc;

use app::backend::ClientMeta;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use kunci_core::Error;
use kunci_core::clock::format_wire;
use serde_json::{Map, Value};

use crate::body::read_body;
use crate::client::core_client;
use crate::kunci::Kunci;
use envelope::{failure, failure_with, success};
use kunci_core::domain::catalog::{ApiMethod, Catalog};
use kunci_core::services::authz::Principal;
use params::{BodyKind, Params};

/// The fields a method answers with, beside `result`.
pub type Fields = Map<String, Value>;

/// A method's answer: fields, or (for the hot read paths) a JSON object already
/// serialized from typed data, which the envelope extends with `"result":0`, or the
/// whole success envelope written before (GetEnvInfo's kept answers, `answers::KeptAnswers`).
pub enum Reply {
    Fields(Fields),
    Object(String),
    Written(bytes::Bytes),
}

impl From<Fields> for Reply {
    fn from(f: Fields) -> Reply {
        Reply::Fields(f)
    }
}

impl Reply {
    /// Serializes typed data (a JSON object) as the answer.
    pub fn object<T: serde::Serialize>(value: &T) -> Result<Reply, Error> {
        serde_json::to_string(value)
            .map(Reply::Object)
            .map_err(kunci_core::error::internal)
    }
}

/// One API call, as a handler sees it.
pub struct Call<'a> {
    pub kunci: &'a Kunci,
    pub params: Params,
    /// `None` only for public methods (Signin).
    pub principal: Option<Principal>,
    pub client: ClientMeta,
    pub http_method: Method,
    pub api: &'static ApiMethod,
    /// The device cookie the client sent (Signin reads it).
    pub device: Option<String>,
    /// A `Set-Cookie` value for the answer (Signin's device cookie).
    pub set_cookie: std::sync::OnceLock<String>,
}

impl Call<'_> {
    /// The authenticated caller (every non-public method has one).
    pub fn caller(&self) -> Result<&Principal, Error> {
        self.principal.as_ref().ok_or(Error::NotAuthenticated)
    }

    /// The account whose environments the call works on: the caller's.
    pub fn owner(&self) -> Result<i64, Error> {
        Ok(self.caller()?.user_id)
    }

    /// The required `envName`, once the caller may use it (8202 for a token whose
    /// environment scope does not cover it; [`check_env_scope`] asked already).
    pub fn env_name(&self) -> Result<&str, Error> {
        let name = self.params.required("envName")?;
        self.caller()?.check_env(name, "use")?;
        Ok(name)
    }
}

/// The parameters that name an environment, and what a call does to the one named.
const ENV_PARAMS: &[(&str, &str)] = &[
    ("envName", "use"),
    ("srcEnvName", "use"),
    ("dstEnvName", "create"),
    ("ditEnvName", "create"),
];

/// A token limited to some environments ([`Principal::check_env`]) is refused (8202),
/// before its method runs, when any parameter names an environment outside its scope,
/// and on the group changes that reach every environment of the account (EditGroup
/// renames memberships, RemoveGroup removes them). CreateEnvironment checks the new
/// name itself; GetEnvs lists only the environments in scope; a mount's source node is
/// checked in AddMountPointByGroup.
fn check_env_scope(call: &Call<'_>) -> Result<(), Error> {
    let Some(principal) = call.principal.as_ref().filter(|p| p.is_env_scoped()) else {
        return Ok(());
    };
    for (param, doing) in ENV_PARAMS {
        if let Some(name) = call.params.text(param) {
            principal.check_env(name, doing)?;
        }
    }
    if matches!(
        call.api.key.as_str(),
        "env.group.editgroup" | "env.group.removegroup"
    ) {
        return Err(Error::PermissionDenied(format!(
            "{} changes the groups of every environment of the account: a token limited to some environments cannot call it",
            call.api.name
        )));
    }
    Ok(())
}

/// Declares the implemented methods: catalog key, handler and description, in one place.
macro_rules! methods {
    ($($key:literal => $handler:path, $doc:literal;)*) => {
        /// Catalog keys (lower-case short names) of the methods this server implements.
        pub const IMPLEMENTED: &[&str] = &[$($key),*];

        /// What an implemented method does, for the API reference.
        pub fn describe(key: &str) -> Option<&'static str> {
            match key {
                $($key => Some($doc),)*
                _ => None,
            }
        }

        /// Each handler's future is boxed: unboxed, this future would be as large as
        /// the largest handler's, for every call.
        async fn dispatch(key: &str, call: &Call<'_>) -> Result<Reply, Error> {
            match key {
                $($key => Box::pin($handler(call)).await.map(Into::into),)*
                _ => Err(kunci_core::error::internal(format!("no handler for {key}"))),
            }
        }
    };
}

methods! {
    "users.authentication.signin" => auth::signin,
        "Signs in with login and password (POST only) and answers a new session id with the account's fields. Sets the `kunci_device` cookie: a client that sends it back has a sign-in attempt budget of its own.";
    "users.authentication.signout" => auth::signout,
        "Ends the session given in `session`.";
    "users.authentication.checksign" => auth::check_sign,
        "Answers the account's fields while the session is valid (result 702 otherwise). The one `users.authentication` method a token may call (with GetDescriptionByToken and GetUidByToken, about itself), whatever its permissions; then the answer adds `token`: `{id, description, expiresAt, methods, ipAllowlist, envNames}` (`expiresAt` absent when it never expires; `methods`: the API list names it may call; the two restrictions empty when it has none).";
    "users.authentication.getdescriptionbytoken" => auth::get_description_by_token,
        "A token asking about itself: answers its `description`. The token is the credential (`session` or `Authorization: Bearer`); `checksum` is accepted and ignored. 3 for a sign-in session, which has no token.";
    "users.authentication.getuidbytoken" => auth::get_uid_by_token,
        "A token asking about itself: answers its owner's `uid`. The token is the credential (`session` or `Authorization: Bearer`); `checksum` is accepted and ignored. 3 for a sign-in session.";
    "users.authentication.getsessions" => auth::get_sessions,
        "Lists the account's live sessions (browser and API) with their address, user agent and times; `current` marks the caller's.";
    "users.authentication.signoutsessions" => auth::signout_sessions,
        "Ends the sessions whose ids are given (`1;4;6`, `1,4,6`), or all but the current one with `*`.";
    "users.authentication.createtoken" => tokens::create_token,
        "Creates a personal access token: `description` (required), `tokenTemplate` (a template name or id) or `apiList` (methods, as a JSON array, comma/semicolon-separated text, repeated parameters or a Python-style list), optional `expiresAt` (yyyy-MM-dd HH:mm:ss UTC; with `--token-max-lifetime` set, required to be within it, and the default lifetime or the maximum when absent), optional restrictions (Kunci's additions): `ipAllowlist`, the IPv4/IPv6 addresses and CIDR ranges it may be used from (comma, semicolon, space or line separated; empty: anywhere; at most 100), and `envNames`, the environments it may touch, by name or prefix ending in `*` (`shop, pr-*`; empty: all; a limited token lists only those in GetEnvs, gets 8202 on any other, and creates or clones into only names they cover), and the account `password`. Answers the token with its value in `key`, shown this once.";
    "users.authentication.edittoken" => tokens::edit_token,
        "Changes only the fields given of token `id` (description, tokenTemplate, apiList, expiresAt, ipAllowlist, envNames; an empty expiresAt removes the expiry, an empty ipAllowlist or envNames lifts that restriction); needs the account `password`. The value stays the same.";
    "users.authentication.regeneratetoken" => tokens::regenerate_token,
        "Gives token `id` (or `ids` naming one token) a new value, answered in `key`; the old value stops working at once; everything else is kept, but the expiry when `expiresAt` gives a new one (Kunci's addition; empty: never), which an expired token needs. Needs the account `password`.";
    "users.authentication.deletetokens" => tokens::delete_tokens,
        "Deletes the tokens `ids` (`1;4;6`, `1,4,6`, or `*` for all); all or nothing. Needs the account `password`.";
    "users.authentication.gettokens" => tokens::get_tokens,
        "Lists the account's tokens (or those in `ids`) in `apiTokens`, never with their values; each with `ipAllowlist` and `envNames` (empty arrays: not restricted).";
    "users.authentication.gettokenapilist" => tokens::get_token_api_list,
        "Lists the methods a token can be allowed in `tokenPermissions` (`{id, method, isSafe, isCollaborationAccessible}`, catalog order), filtered by `search` and by `sortParam` (each a substring of service.class.Method, any case; with both, a method matches both); `showPrivate=true` includes the private methods no token may hold (authentication, token management, the account's own settings, single sign-on).";
    "users.authentication.gettokentemplates" => tokens::get_token_templates,
        "Lists the predefined templates (Extended Access, IDE Plugins, Marketplace, Maven Plugin) with their methods.";
    "users.authentication.gettokenactivity" => activity::get_token_activity,
        "**Kunci**: what token `id` (one of the caller's) did: every call made with it, newest first, in `activity` (`{id, time, method, envName, ip, resultCode}`; `envName` only when the call named a valid one, never another parameter). Optional `from` (rows older than this activity id: the `next` of the previous page; the last page has no `next`), `count` (1–500, default 50), `method` (part of a method name, any case) and `result` (`success`, `failure` or a result code). Rows are kept for `--token-activity-retention` days (default 30) and written in batches within a second of the call. Sign-in sessions only.";
    "users.authentication.signinbytoken" => auth::signin_by_token,
        "Signs in with a personal access token: `token` (required; `session` is ignored, `userHeaders` too). Answers the Signin fields (`session`, `uid`, `email`, `name`, `status`, `accessType` `RESTRICTED`, `authType`), where `session` is the token value itself: it has exactly the token's permissions and expiry, and stops working with the token. 3 without `token`; 702 for an unknown, expired, deleted, regenerated-away or malformed token; 704 when its account is disabled; 8202 from an address the token's `ipAllowlist` does not name.";
    "users.authentication.verify2facode" => auth::verify_2fa_code,
        "The second step of a sign-in on an account with two-factor sign-in: Signin answered `twoFactorRequired: true` and a session good for nothing but this call (and Signout) for 5 minutes; `code` (the 6 digits of the authenticator app, or an unused recovery code `abcd-efgh-ij`) makes it a full session. Answers the account fields. 707 for a wrong or used code, counted like a wrong password (704 once the sign-in budget is spent); 3 naming `code` for one that is not a code.";
    "users.account.get2faconfig" => account::get_2fa_config,
        "Starts setting up two-factor sign-in (`password`): answers a new authenticator secret as `secret` (base32), `otpauthUrl` and `qrSvg` (the QR code as an SVG element). Nothing is on until Enable2FA confirms it with a code; 3 while two-factor sign-in is on.";
    "users.account.enable2fa" => account::enable_2fa,
        "Turns two-factor sign-in on: `code` (a current code of the secret from Get2FAConfig) and `password`. Answers ten single-use `recoveryCodes`, shown this once. 707 for a wrong code (counted like a wrong password confirmation: 705 once spent), 801 for a wrong password.";
    "users.account.disable2fa" => account::disable_2fa,
        "Turns two-factor sign-in off: `password` and `code` (a current code of the authenticator app, or an unused recovery code). 707 for a wrong or used code, 801 for a wrong password.";
    "users.account.get2fabackupcodes" => account::get_2fa_backup_codes,
        "Answers `enabled` and `recoveryCodesLeft` (`password` required). Kunci keeps only MACs of the recovery codes, so the codes themselves are shown once, by Enable2FA and Regenerate2FABackupCodes, never again.";
    "users.account.regenerate2fabackupcodes" => account::regenerate_2fa_backup_codes,
        "Ten new `recoveryCodes` (the old ones stop working): `password` and `code` (a current code of the authenticator app). 707 for a wrong code, 801 for a wrong password.";
    "users.account.getuserinfo" => account::get_user_info,
        "Answers the caller's account: `uid`, `email`, `name`, `status`, `accessType` (`FULL_ACCESS` for a sign-in session, `RESTRICTED` for a token) and `authType`.";
    "users.account.addsshkey" => account::add_ssh_key,
        "Adds an SSH public key to the account: `title` (1–100 characters) and `sshKey`, one OpenSSH public key line (`ssh-ed25519`, `ecdsa-sha2-nistp256/384/521`, or `ssh-rsa` of at least 2048 bits); `isPrivate=true` is refused (Kunci stores no private keys). Answers `key`: `{id, title, publicKey, fingerprint, isPrivate}`, with the line normalized and its `SHA256:` fingerprint. 6001 when the same key is on the account already (under any title), 2338 past 50 keys.";
    "users.account.getsshkeys" => account::get_ssh_keys,
        "Lists the account's SSH keys in `keys` (`{id, title, publicKey, fingerprint, isPrivate}`), in id order; `isPrivate=true` answers `keys: []`.";
    "users.account.deletesshkey" => account::delete_ssh_key,
        "Removes the account's SSH key `id`; result 3 naming `id` when the account has no key by that id.";
    "env.control.getenvs" => env::get_envs,
        "Lists the caller's environments as EnvInfo objects in `infos`; `lazy=true` leaves out the nodes.";
    "env.control.getenvinfo" => env::get_env_info,
        "Answers the EnvInfo of one environment (env, envGroups, nodeGroups, nodes) at the top level.";
    "env.control.createenvironment" => env::create_environment,
        "Creates an environment from `env` (JSON: shortdomain, displayName, region...) and `nodes` (JSON array: nodeType, count, nodeGroup, fixedCloudlets, flexibleCloudlets, diskLimit, image, tag). Answers its EnvInfo in `response`.";
    "env.control.startenv" => env::start_env,
        "Starts a stopped or sleeping environment (status 2 or 4 → 1); result 2212 from any other status.";
    "env.control.stopenv" => env::stop_env,
        "Stops a running environment (status 1 → 2); result 2212 from any other status.";
    "env.control.sleepenv" => env::sleep_env,
        "Puts a running environment to sleep (status 1 → 4); result 2212 from any other status.";
    "env.control.restartnodes" => env::restart_nodes,
        "Restarts the nodes of a running environment, all or those of `nodeGroup` or the node `nodeId`.";
    "env.control.cloneenv" => env::clone_env,
        "Copies a running or stopped environment with its nodes under the name `dstEnvName` (`ditEnvName` is accepted too) and answers the clone's EnvInfo.";
    "env.control.deleteenv" => env::delete_env,
        "Deletes an environment and its nodes. With a sign-in session the account `password` is required (801 when wrong); a token allowed this method needs none.";
    "env.control.addcontainerenvvars" => env_model::add_container_env_vars,
        "Adds or overwrites container variables: `vars` (JSON object NAME: value; names `[A-Za-z_][A-Za-z0-9_]*`, at most 64 KiB per node) on the node `nodeId`, the nodes of `nodeGroup`, or every node when neither is given.";
    "env.control.getcontainerenvvars" => env_model::get_container_env_vars,
        "Answers the variables Kunci holds for node `nodeId` in `object` (those set through the API or at creation; Kunci has no image metadata).";
    "env.control.getcontainerenvvarsbygroup" => env_model::get_container_env_vars_by_group,
        "Answers the variables of the master node of `nodeGroup` in `object`.";
    "env.control.setcontainerenvvars" => env_model::set_container_env_vars,
        "Replaces the variables of node `nodeId` with `vars` (a JSON object; `{}` clears them).";
    "env.control.setcontainerenvvarsbygroup" => env_model::set_container_env_vars_by_group,
        "Replaces the variables of every node of `nodeGroup` with `data` (a JSON object).";
    "env.control.removecontainerenvvars" => env_model::remove_container_env_vars,
        "Removes the variables named in `vars` (a JSON array of names) from node `nodeId`, the nodes of `nodeGroup`, or every node; names a node lacks are skipped.";
    "env.control.setcloudletscountbygroup" => env_model::set_cloudlets_count_by_group,
        "Sets `fixedCloudlets` (1–64) and `flexibleCloudlets` (fixedCloudlets–256) on every node of `nodeGroup`; `delay` (ms) is validated and has no effect in Kunci.";
    "env.control.setcloudletscountbyid" => env_model::set_cloudlets_count_by_id,
        "Sets `fixedCloudlets` and `flexibleCloudlets` of node `nodeId` (`count` is accepted and ignored).";
    "env.control.changetopology" => env_model::change_topology,
        "Makes the environment's topology what `nodes` lists (one entry per node group: nodeGroup, nodeType or image, count, cloudlets, displayName, diskLimit, isSLBAccessEnabled, env, volumes, links such as `sqldb:DB`, or a nested `docker` object); a group left out is removed with its nodes; `env` may change displayName, sslstate, ishaenabled. All or nothing; answers the new EnvInfo in `response`.";
    "env.control.addcontainervolumes" => env_model::add_container_volumes,
        "Adds the paths in `volumes` (a JSON array of absolute paths) to node `nodeId`, the nodes of `nodeGroup`, or every node; answers one `responses` entry per node.";
    "env.control.removecontainervolumes" => env_model::remove_container_volumes,
        "Removes the paths in `volumes` from the chosen nodes (a path that is not a volume is skipped; mount points stay).";
    "env.control.getcontainervolumesbygroup" => env_model::get_container_volumes_by_group,
        "Answers the volumes of the master node of `nodeGroup`, with the paths of the group's mount points, in `object`.";
    "env.control.setenvdisplayname" => env_model::set_env_display_name,
        "Sets the environment's `displayName` (1–100 characters); blank resets it to the environment's name.";
    "env.control.setenvgroup" => env_model::set_env_group,
        "Makes the environment a member of exactly the groups in `envGroup` (one name, a JSON array, or comma-separated; `[]` leaves every group); names not yet groups are created.";
    "env.control.getsumstat" => env_model::get_sum_stat,
        "Answers `stats` for the last `duration` seconds (up to 31 days) before `endtime`: always `[]`, because Kunci runs no containers and measures nothing; with `appid`, `status` and `isTransferring`.";
    "env.control.getnodegroups" => env_model::get_node_groups,
        "Lists the environment's node groups in `object`: name, displayName, scalingMode, isSLBAccessEnabled and the keys stored with ApplyData.";
    "env.control.getcontainernodetags" => env_model::get_container_node_tags,
        "Answers the image tags Kunci knows for node `nodeId`'s image in `object`, current first (tags its nodes run or ran; Kunci queries no registry).";
    "env.control.redeploycontainersbygroup" => env_model::redeploy_containers_by_group,
        "Records `tag` as the image version of every node of `nodeGroup` and marks them restarted (the environment must be running). Kunci pulls no image: `responses` carry empty output.";
    "env.control.applynodegroupdata" => env_model::apply_data,
        "The older name of environment.nodegroup.ApplyData; the group may be given as `nodeGroupData`.";
    "env.control.setslbaccessenabled" => env_model::set_slb_access_enabled,
        "The deprecated name of environment.nodegroup.SetSLBAccessEnabled.";
    "env.nodegroup.applydata" => env_model::apply_data,
        "Merges `data` (a JSON object) into node group `nodeGroup`'s data: `displayName` names the group, other keys come back in GetNodeGroups, a key set to null is removed; at most 64 KiB per group.";
    "env.nodegroup.setslbaccessenabled" => env_model::set_slb_access_enabled,
        "Sets whether the shared load balancer routes to node group `nodeGroup` (`enabled`, true or false).";
    "env.tracking.getcurrentactions" => env_model::get_current_actions,
        "Lists the caller's actions still running in `array`: always empty, since Kunci finishes every action before it answers.";
    "env.group.creategroup" => env_groups::create_group,
        "Creates the groups in `envGroup` (alias `groupName`; comma-separated; `a/b` creates `a` too) with optional `data` (color `#rrggbb`, isIsolated, visibility 0/1/2); answers them in `array`. At most 100 groups per account.";
    "env.group.editgroup" => env_groups::edit_group,
        "Changes group `srcGroupName` (alias `groupName`): `dstGroupName` renames it with its subgroups and every membership; `data` changes only the keys given. Answers the group in `array`.";
    "env.group.getgroups" => env_groups::get_groups,
        "Lists every group of the account in `array` (id, name, color, isIsolated, visibility), sorted by name.";
    "env.group.removegroup" => env_groups::remove_group,
        "Removes the groups in `envGroup` (alias `groupName`; comma-separated) and their subgroups; their environments stay and lose the membership.";
    "env.file.getmountpoints" => env_binder::get_mount_points,
        "Lists the mount points of node `nodeId`, of the nodes of `nodeGroup`, or of every node, in `array` (name, path, sourcePath, sourceNodeId or sourceHost, protocol, readOnly, nodeId).";
    "env.file.addmountpointbygroup" => env_binder::add_mount_point_by_group,
        "Mounts `sourcePath` of node `sourceNodeId` (any of your environments) or of NFS server `sourceHost` at `path` on every node of `nodeGroup`; `readOnly`, `name`, `protocol` (NFS). Cross mounts are refused.";
    "env.file.removemountpointbygroup" => env_binder::remove_mount_point_by_group,
        "Removes the mount point at `path` from every node of `nodeGroup`.";
    "env.binder.bindextdomain" => env_binder::bind_ext_domain,
        "Binds external domain `extdomain` to the environment (unique on the server, at most 50 per environment); answers it in `extDomain`. `certId` is refused: Kunci stores no certificates.";
    "env.binder.removeextdomains" => env_binder::remove_ext_domains,
        "Unbinds the domains in `extdomain` (comma-separated), all or nothing. Also served at the singular path `.../binder/rest/removeextdomain`.";
    "env.binder.swapextips" => env_binder::swap_ext_ips,
        "Would swap the external IP addresses of `sourceNodeId` and `targetNodeId`; Kunci allocates no external addresses, so it answers result 3 saying neither node has one.";
}

/// Methods that need a container runtime or a script engine behind the nodes. Kunci is
/// a control plane: it answers 1702 for them and says why, rather than invent output.
pub const NEEDS_RUNTIME: &[&str] = &[
    "env.control.execcmdbyid",
    "env.file.read",
    "development.scripting.eval",
    "marketplace.jps.install",
    "marketplace.jps.getengineversion",
];

pub fn is_implemented(api: &ApiMethod) -> bool {
    IMPLEMENTED.contains(&api.key.as_str())
}

/// The catalog method a path names: `/1.0/{service}/{class}/rest/{method}`, any case.
pub fn method_of_path(path: &str) -> Option<&'static ApiMethod> {
    let rest = path.strip_prefix("/1.0/")?.trim_end_matches('/');
    let mut parts = rest.split('/');
    let parts: [Option<&str>; 5] = std::array::from_fn(|_| parts.next());
    match parts {
        [Some(service), Some(class), Some(r), Some(method), None]
            if r.eq_ignore_ascii_case("rest") =>
        {
            Catalog::get()
                .find_parts(service, class, method)
                .or_else(|| {
                    // The singular path clients call (API 8.0.2) for the catalog's plural.
                    let singular = ["environment", "env"]
                        .iter()
                        .any(|s| service.eq_ignore_ascii_case(s))
                        && class.eq_ignore_ascii_case("binder")
                        && method.eq_ignore_ascii_case("removeextdomain");
                    singular
                        .then(|| Catalog::get().find_parts(service, class, "RemoveExtDomains"))
                        .flatten()
                })
        }
        _ => None,
    }
}

/// The credential of a call: the `session` parameter, else `Authorization: Bearer`.
fn credential<'p>(params: &'p Params, headers: &'p axum::http::HeaderMap) -> Option<&'p str> {
    params.text("session").or_else(|| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            })
            .map(|(_, token)| token.trim())
    })
}

pub async fn handle(State(kunci): State<Arc<Kunci>>, req: Request) -> Response {
    let api = method_of_path(req.uri().path());
    // Boxed, as the handlers (`dispatch`) and the authorization are: this future is
    // moved through every layer above, so it must stay small (a test holds it to 1 KiB).
    let mut response = Box::pin(handle_method(&kunci, api, req)).await;
    response
        .extensions_mut()
        .insert(crate::metrics::Answered(api));
    response
}

async fn handle_method(kunci: &Kunci, api: Option<&'static ApiMethod>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Some(api) = api else {
        let shown = parts.uri.path().trim_start_matches("/1.0/");
        return failure_with(
            1702,
            &format!("unknown method [{shown}]"),
            StatusCode::NOT_FOUND,
        );
    };
    if NEEDS_RUNTIME.contains(&api.key.as_str()) {
        return failure_with(
            1702,
            &format!(
                "method [{}] needs a container runtime: Kunci is a control plane and runs no containers, so it cannot run commands, read container files, run scripts or install manifests",
                api.name
            ),
            StatusCode::NOT_FOUND,
        );
    }
    if !is_implemented(api) {
        return failure_with(
            1702,
            &format!("method [{}] is not implemented", api.name),
            StatusCode::NOT_FOUND,
        );
    }
    if !matches!(parts.method, Method::GET | Method::POST | Method::HEAD) {
        return failure(
            &Error::invalid("request", "use GET or POST"),
            StatusCode::METHOD_NOT_ALLOWED,
        );
    }
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(status) => {
            let e = Error::invalid("request", "the request body is larger than the 1 MiB limit");
            return failure(&e, status);
        }
    };
    let kind = BodyKind::from_content_type(
        parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let params = match Params::parse(parts.uri.query(), &body, kind) {
        Ok(p) => p,
        Err(e) if kind == BodyKind::Other => {
            return failure(&e, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
        Err(e) => return failure(&e, StatusCode::OK),
    };
    let client = parts
        .extensions
        .get::<ClientMeta>()
        .cloned()
        .unwrap_or(ClientMeta {
            ip: "unknown".into(),
            user_agent: String::new(),
            https: false,
        });
    let presented = credential(&params, &parts.headers);
    // Boxed: its rare paths (a dead value's record, a session's) would make this
    // future, moved on every call, several KiB larger.
    let decision = Box::pin(
        kunci
            .authz
            .authorize_call(presented, api, &core_client(&client)),
    )
    .await;
    count_credential(kunci, api, presented, &decision);
    let token = decision.token;
    let mut response = match decision.outcome {
        Ok(principal) => {
            let call = Call {
                kunci,
                params,
                principal,
                client,
                http_method: parts.method,
                api,
                device: app::backend::cookie(&parts.headers, app::backend::DEVICE_COOKIE)
                    .map(str::to_string),
                set_cookie: Default::default(),
            };
            answer(&call).await
        }
        Err(e) => {
            if let Some(token) = &token {
                activity::record_refused(kunci, token, api, &params, &client, &e);
            }
            failure(&e, StatusCode::OK)
        }
    };
    if let Some(value) = token
        .and_then(|t| t.expires_at)
        .and_then(|at| axum::http::HeaderValue::from_str(&format!("{} UTC", format_wire(at))).ok())
    {
        response.headers_mut().insert(TOKEN_EXPIRATION, value);
    }
    response
}

/// Counts the authentication of the credential a call presented (for the metrics): a
/// token that was recognised authenticated, whatever it was then allowed.
fn count_credential(
    kunci: &Kunci,
    api: &ApiMethod,
    presented: Option<&str>,
    decision: &kunci_core::services::authz::Decision,
) {
    use crate::metrics::AuthKind;
    let Some(credential) = presented.map(str::trim).filter(|c| !c.is_empty()) else {
        return;
    };
    if kunci_core::services::authz::is_public(api) {
        return;
    }
    let kind = if kunci_core::services::tokens::Tokens::looks_like_token(credential) {
        AuthKind::Token
    } else {
        AuthKind::Session
    };
    let result = match (&decision.token, &decision.outcome) {
        (Some(_), _) | (None, Ok(_)) => Ok(()),
        (None, Err(e)) => Err(e),
    };
    crate::metrics::authenticated(kunci.metrics.as_deref(), kind, result);
}

/// The kind of authentication a method's own answer is (Signin's password, the second
/// step's code, SigninByToken's token).
fn authenticates(api: &ApiMethod) -> Option<crate::metrics::AuthKind> {
    use crate::metrics::AuthKind;
    match api.key.as_str() {
        "users.authentication.signin" => Some(AuthKind::Password),
        "users.authentication.verify2facode" => Some(AuthKind::TwoFactorCode),
        "users.authentication.signinbytoken" => Some(AuthKind::Token),
        _ => None,
    }
}

/// On every answer to a token that expires (GitHub's `GitHub-Authentication-Token-Expiration`).
pub const TOKEN_EXPIRATION: &str = "kunci-token-expiration";

/// Runs an authorized call and writes its answer.
async fn answer(call: &Call<'_>) -> Response {
    let result = match check_env_scope(call) {
        Ok(()) => dispatch(&call.api.key, call).await,
        Err(e) => Err(e),
    };
    activity::record(call, result.as_ref().err().map_or(0, Error::code));
    if let Some(kind) = authenticates(call.api) {
        let result = result.as_ref().map(|_| ());
        crate::metrics::authenticated(call.kunci.metrics.as_deref(), kind, result);
    }
    let mut response = match result {
        Ok(Reply::Fields(fields)) => success(fields),
        Ok(Reply::Object(json)) => envelope::success_object(&json),
        Ok(Reply::Written(body)) => envelope::success_written(body),
        Err(e) => return failure(&e, StatusCode::OK),
    };
    if let Some(cookie) = call
        .set_cookie
        .get()
        .and_then(|c| axum::http::HeaderValue::from_str(c).ok())
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_naming_no_catalog_method_is_labelled_unknown() {
        for path in [
            "/1.0/environment/control/rest/nosuchmethod",
            "/1.0/users/authentication/rest/signin-ALICE-secret",
            "/1.0/env/control/rest/getenvinfo/extra",
            "/1.0/",
            "/2.0/environment/control/rest/getenvinfo",
            "/1.0/environment/control/rest/getenvinfo\u{0}",
        ] {
            assert_eq!(
                crate::metrics::api_method_label(method_of_path, path),
                crate::metrics::UNKNOWN_METHOD,
                "{path:?}"
            );
        }
    }

    #[test]
    fn a_catalog_method_is_labelled_with_its_catalog_name_in_any_case() {
        for path in [
            "/1.0/environment/control/rest/getenvinfo",
            "/1.0/ENV/Control/REST/GETENVINFO",
            "/1.0/env/control/rest/GetEnvInfo/",
        ] {
            assert_eq!(
                crate::metrics::api_method_label(method_of_path, path),
                "env.control.GetEnvInfo",
                "{path}"
            );
        }
    }

    /// A request's future is moved by value through the layers above it (axum's
    /// handler, the middleware, hyper) several times per request: the method's own state
    /// (any handler's, the authorization's) lives in boxes of its own, so what is moved
    /// stays small. Unboxed it was 8,416 bytes (this test's build), and the copies were
    /// a tenth of a token call's instructions (BENCHMARKS).
    #[test]
    fn the_request_future_moved_through_the_layers_stays_small() {
        fn size_of_future<A, B, F: Future>(_: impl Fn(A, B) -> F) -> usize {
            std::mem::size_of::<F>()
        }
        let size = size_of_future(handle);
        assert!(size <= 1024, "the REST handler's future is {size} bytes");
    }

    #[test]
    fn every_implemented_method_is_in_the_catalog() {
        for key in IMPLEMENTED {
            assert!(
                Catalog::get().find(key).is_some(),
                "{key} is not a catalog method"
            );
        }
    }

    #[test]
    fn paths_match_in_any_case_and_either_service_form() {
        let stop = Catalog::get().find("env.control.StopEnv").unwrap();
        for path in [
            "/1.0/environment/control/rest/stopenv",
            "/1.0/Environment/Control/REST/StopEnv",
            "/1.0/env/control/rest/stopenv/",
        ] {
            assert_eq!(method_of_path(path), Some(stop), "{path}");
        }
        for path in [
            "/1.0/environment/control/stopenv",
            "/1.0/environment/control/rest/nosuch",
            "/2.0/environment/control/rest/stopenv",
            "/1.0/environment/control/api/stopenv",
        ] {
            assert_eq!(method_of_path(path), None, "{path}");
        }
    }
}
