-- Every instance caches token, session and environment lookups (storage::cache). These
-- triggers tell every listening instance that a table those caches read was written,
-- whichever instance or process wrote it: one notification per statement (PostgreSQL
-- folds the same table's notifications within one transaction into one), sent when the
-- transaction commits. An instance empties its caches on each. An UPDATE notifies only
-- when it sets a column a cached lookup uses for a decision: a token's `last_used_at`
-- (written twice a second under load by the activity writer) and an account's sign-in
-- counters do not empty every instance's caches.
CREATE FUNCTION kunci_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kunci_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_change
    AFTER INSERT OR UPDATE OF id, login, name, status, language OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER sessions_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER tokens_notify_change
    AFTER INSERT
       OR UPDATE OF id, user_id, secret_hash, template, api_list, expires_at, ip_allowlist, env_names
       OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER environments_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON environments
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER nodes_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON nodes
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER node_groups_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON node_groups
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER env_groups_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON env_groups
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER env_group_members_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON env_group_members
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER ext_domains_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ext_domains
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
CREATE TRIGGER mount_points_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mount_points
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
