-- Reuse detection (issue 14). A retired value remembers the description its token had
-- when it was retired, so an alert about a deleted token can still name it.
ALTER TABLE retired_token_hashes ADD COLUMN description TEXT NOT NULL DEFAULT '';

CREATE TRIGGER retired_token_hashes_description
    AFTER INSERT ON retired_token_hashes
    FOR EACH ROW
    BEGIN
        UPDATE retired_token_hashes
           SET description = COALESCE((SELECT description FROM tokens WHERE id = NEW.token_id), '')
         WHERE secret_hash = NEW.secret_hash;
    END;

-- The owner's alerts: a retired value used again. One row per (token, address, reason)
-- until the owner dismisses it; later uses from that address only move `last_seen_at`
-- and count in `uses`. Never a secret.
CREATE TABLE token_reuse_alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_id      INTEGER NOT NULL,
    description   TEXT    NOT NULL,
    ip            TEXT    NOT NULL,
    method        TEXT    NOT NULL,
    reason        TEXT    NOT NULL CHECK (reason IN ('regenerated', 'deleted')),
    revoked       INTEGER NOT NULL DEFAULT 0,
    uses          INTEGER NOT NULL DEFAULT 1,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    CONSTRAINT token_reuse_alerts_once UNIQUE (token_id, ip, reason)
);
CREATE INDEX token_reuse_alerts_user_id ON token_reuse_alerts (user_id, id);
