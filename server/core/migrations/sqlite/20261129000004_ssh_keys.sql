-- SSH public keys of an account (users.account.AddSSHKey). `public_key` is the
-- normalized OpenSSH line (type, base64, comment); `fingerprint` the SHA-256 of the
-- key material (`SHA256:…`). One key once per account, whatever its title: the UNIQUE
-- constraint decides between parallel adds of the same key.
CREATE TABLE ssh_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT    NOT NULL,
    public_key  TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    CONSTRAINT ssh_keys_user_fingerprint_key UNIQUE (user_id, fingerprint)
);
