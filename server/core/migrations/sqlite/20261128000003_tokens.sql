-- Personal access tokens. Only the SHA-256 of a value is stored (UNIQUE: the lookup
-- key). `template` holds a template key (the token follows the template file) or is
-- NULL for a Custom token, whose methods are `api_list` (one canonical name a line).
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash  TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    template     TEXT,
    api_list     TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    CONSTRAINT tokens_secret_hash_key UNIQUE (secret_hash)
);
CREATE INDEX tokens_user_id ON tokens (user_id);

-- Hashes of values that were regenerated away or deleted, so a later use of one is
-- recognised (and logged) as a dead token rather than a random guess.
CREATE TABLE retired_token_hashes (
    secret_hash TEXT    PRIMARY KEY,
    token_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL CHECK (reason IN ('regenerated', 'deleted')),
    retired_at  INTEGER NOT NULL
);

-- The account's security log. Never holds a secret.
CREATE TABLE security_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    ip      TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
CREATE INDEX security_events_user_id ON security_events (user_id, id);
