-- Every instance keeps the set of live credential hashes (services::flood), so a flood
-- of made-up values is refused without a lookup while a live value always passes,
-- wherever it was issued. These triggers tell every listening instance when a value is
-- issued (`+HASH`) or dies (`-HASH`), whichever instance or process wrote the row.
CREATE FUNCTION kunci_notify_credential() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('kunci_credentials', '-' || OLD.secret_hash);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('kunci_credentials', '+' || NEW.secret_hash);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tokens_notify_credential
    AFTER INSERT OR DELETE OR UPDATE OF secret_hash ON tokens
    FOR EACH ROW EXECUTE FUNCTION kunci_notify_credential();

CREATE TRIGGER sessions_notify_credential
    AFTER INSERT OR DELETE OR UPDATE OF secret_hash ON sessions
    FOR EACH ROW EXECUTE FUNCTION kunci_notify_credential();
