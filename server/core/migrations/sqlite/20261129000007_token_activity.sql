-- What each token did: one row per call made with it (time, method, environment named,
-- client address, result code). Never a secret: no parameter values but a valid
-- environment name, never the token. Written in batches off the request path; pruned
-- after --token-activity-retention days. No foreign key: a batch may name a token
-- deleted since, and its rows simply age out.
CREATE TABLE token_activity (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    method   TEXT    NOT NULL,
    env_name TEXT,
    ip       TEXT    NOT NULL,
    result   INTEGER NOT NULL
);
CREATE INDEX token_activity_token ON token_activity (token_id, id);
CREATE INDEX token_activity_at ON token_activity (at);

-- The last five distinct client addresses each token was used from, with their last time.
CREATE TABLE token_ips (
    token_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    ip        TEXT    NOT NULL,
    last_used INTEGER NOT NULL,
    PRIMARY KEY (token_id, ip)
);
CREATE INDEX token_ips_user ON token_ips (user_id);
