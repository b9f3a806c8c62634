-- Leak reports (issue 15). A token revoked because its value was found where it should
-- not be (reported by a secret-scanning service, or by an operator) leaves its owner an
-- alert until dismissed: which token, and what the report said (type, URL, source),
-- escaped and bounded by the service. Never the value.
CREATE TABLE token_leak_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_id    INTEGER NOT NULL,
    description TEXT    NOT NULL,
    token_type  TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    reported_at INTEGER NOT NULL
);
CREATE INDEX token_leak_alerts_user_id ON token_leak_alerts (user_id, id);
