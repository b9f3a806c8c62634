-- Attempt budgets (issue 11). Keys are bounded (a login is stored as its SHA-256).
-- `failures` counts the wrong guesses of the window, `pending` the attempts taken and not
-- yet decided; `refused` is a scratch column: the reserving UPDATE sets it from the row as
-- it was, so one statement both takes an attempt and says whether it was granted.
DELETE FROM auth_throttle;
ALTER TABLE auth_throttle ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE auth_throttle ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;

-- Browsers (and API clients that keep cookies) that have signed in to an account: each
-- has its own attempt budget, so an attack on the account does not lock its owner out
-- (OWASP's device cookies). Only the SHA-256 of the cookie value is stored.
CREATE TABLE known_devices (
    secret_hash  TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX known_devices_user_id ON known_devices (user_id, last_used_at);
