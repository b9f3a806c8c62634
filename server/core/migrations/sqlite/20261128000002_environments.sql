-- Environments and their nodes, per owner. Names are unique on the platform.
CREATE TABLE environments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    appid        TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    region       TEXT    NOT NULL,
    ssl          INTEGER NOT NULL DEFAULT 0,
    ha           INTEGER NOT NULL DEFAULT 0,
    env_groups   TEXT    NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CONSTRAINT environments_name_key UNIQUE (name),
    CONSTRAINT environments_appid_key UNIQUE (appid)
);
CREATE INDEX environments_owner_id ON environments (owner_id);

CREATE TABLE nodes (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id             INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    node_group         TEXT    NOT NULL,
    node_type          TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    docker_name        TEXT    NOT NULL,
    docker_tag         TEXT    NOT NULL,
    fixed_cloudlets    INTEGER NOT NULL,
    flexible_cloudlets INTEGER NOT NULL,
    disk_limit         INTEGER NOT NULL,
    is_master          INTEGER NOT NULL,
    restarted_at       INTEGER
);
CREATE INDEX nodes_env_id ON nodes (env_id);
