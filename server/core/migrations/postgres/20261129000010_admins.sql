-- Operators (issue 15). `is_admin`: the account may see every account's tokens (never
-- a value), revoke them, create and approve accounts. `pending`: created by a sign-up
-- under `--signup approval` and not yet approved; it cannot sign in. Both 0 or 1. New
-- columns rather than new `status` values, so SQLite's CHECK on `status` needs no
-- table rebuild. The first account ever created is made an administrator by the insert
-- itself (see storage::accounts::insert_user).
ALTER TABLE users ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
