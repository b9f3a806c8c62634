-- The platform model the client libraries read and write (issue 13): per node its
-- container variables, volumes and the image tags it has run; node groups with their
-- settings and free data; the account's environment groups and each environment's
-- membership; external domains (unique on the server); mount points.

ALTER TABLE nodes ADD COLUMN env_vars   TEXT NOT NULL DEFAULT '{}';
ALTER TABLE nodes ADD COLUMN volumes    TEXT NOT NULL DEFAULT '[]';
ALTER TABLE nodes ADD COLUMN known_tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE node_groups (
    env_id        INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    display_name  TEXT,
    scaling_mode  TEXT    NOT NULL,
    slb_access    INTEGER NOT NULL DEFAULT 1,
    data          TEXT    NOT NULL DEFAULT '{}',
    links         TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (env_id, name)
);
INSERT INTO node_groups (env_id, name, position, scaling_mode)
SELECT env_id, node_group, MIN(id),
       CASE WHEN node_group IN ('sqldb', 'nosqldb', 'storage') THEN 'STATEFUL' ELSE 'STATELESS' END
FROM nodes GROUP BY env_id, node_group;

CREATE TABLE env_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    color       TEXT,
    is_isolated INTEGER NOT NULL DEFAULT 0,
    visibility  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    CONSTRAINT env_groups_owner_name_key UNIQUE (owner_id, name)
);

CREATE TABLE env_group_members (
    env_id   INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES env_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (env_id, group_id)
);
CREATE INDEX env_group_members_group_id ON env_group_members (group_id);

-- The groups environments named at creation become the account's groups.
INSERT OR IGNORE INTO env_groups (owner_id, name, created_at)
SELECT DISTINCT e.owner_id, trim(j.value), e.created_at
FROM environments e, json_each(e.env_groups) j
WHERE json_valid(e.env_groups) AND trim(j.value) <> '';
INSERT OR IGNORE INTO env_group_members (env_id, group_id)
SELECT e.id, g.id
FROM environments e, json_each(e.env_groups) j
JOIN env_groups g ON g.owner_id = e.owner_id AND g.name = trim(j.value)
WHERE json_valid(e.env_groups);
ALTER TABLE environments DROP COLUMN env_groups;

CREATE TABLE ext_domains (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id     INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    domain     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT ext_domains_domain_key UNIQUE (domain)
);
CREATE INDEX ext_domains_env_id ON ext_domains (env_id);

-- A mount point belongs to a node group (every node of the group has it); its source is
-- a node of any of the owner's environments (gone with that node) or an outside host.
CREATE TABLE mount_points (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id              INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    node_group          TEXT    NOT NULL,
    path                TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    source_node_id      INTEGER REFERENCES nodes (id) ON DELETE CASCADE,
    source_host         TEXT,
    source_path         TEXT    NOT NULL,
    source_address_type TEXT    NOT NULL,
    protocol            TEXT    NOT NULL,
    read_only           INTEGER NOT NULL,
    CONSTRAINT mount_points_group_path_key UNIQUE (env_id, node_group, path)
);
CREATE INDEX mount_points_source_node_id ON mount_points (source_node_id);
