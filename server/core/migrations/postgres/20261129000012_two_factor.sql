-- Two-factor sign-in (TOTP, RFC 6238). Nothing here is usable without the server's
-- secret key, which is a file outside the database (--secret-key-file):
-- `secret_enc` and `pending_enc` are XChaCha20-Poly1305 ciphertexts of the TOTP secret
-- (hex of nonce || ciphertext, the user id as associated data); `secret_enc` is the
-- active secret (NULL: two-factor sign-in is off), `pending_enc` one being enrolled.
-- `last_step` is the last accepted 30-second step: a code is accepted once, by a
-- conditional UPDATE (`... WHERE last_step < step`).
CREATE TABLE two_factor (
    user_id     BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_enc  TEXT,
    pending_enc TEXT,
    last_step   BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);

-- Recovery codes, as HMAC-SHA256 under the server key (a dump alone is useless); each
-- works once: using one deletes its row.
CREATE TABLE recovery_codes (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_mac TEXT   NOT NULL,
    PRIMARY KEY (user_id, code_mac)
);

-- A session opened by a password sign-in on an account with two-factor sign-in: 1 until
-- the second step succeeds; it can do nothing else, and lives 5 minutes at most.
ALTER TABLE sessions ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;

-- Which server key this database was set up with (an HMAC of a fixed text under it,
-- never the key), so an instance started with another key file refuses to start.
CREATE TABLE server_key_check (
    id          BIGINT NOT NULL PRIMARY KEY,
    check_value TEXT   NOT NULL
);
