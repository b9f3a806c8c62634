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
CREATE TRIGGER tokens_notify_change
    AFTER INSERT
       OR UPDATE OF id, user_id, secret_hash, template, api_list, expires_at, ip_allowlist, env_names
       OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change();
-- Every write to the other tables: the sessions, and the environments with their parts.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'environments', 'nodes', 'node_groups', 'env_groups',
                             'env_group_members', 'ext_domains', 'mount_points'] LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION kunci_notify_change()',
            t || '_notify_change', t);
    END LOOP;
END
$$;
