-- Security events as data (issue 16): `params` holds what the event names (the token,
-- the purpose of a refused confirmation, the address...) as JSON, and each adapter words
-- it in its reader's language. `detail` keeps the English sentence of the events recorded
-- before this migration, shown as written; new events leave it empty.
ALTER TABLE security_events ADD COLUMN params TEXT NOT NULL DEFAULT '';
