-- Identical calls of one second (same token, method, environment, address and result)
-- are one row with their number: a flood of token calls costs the log one row a second
-- per kind of call instead of one per call, so the log keeps up and drops nothing.
ALTER TABLE token_activity ADD COLUMN calls INTEGER NOT NULL DEFAULT 1;
