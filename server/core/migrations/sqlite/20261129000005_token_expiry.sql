-- Token expiry (issue 14). `issued_at`: when the token's current value was issued (its
-- creation or last regeneration), from which --token-max-lifetime counts; NULL for rows
-- from before, read as created_at. `expiry_warned_for`: the expiry for which the
-- security log already says "expiring soon", so it says it once per token and again
-- only after the expiry changes.
ALTER TABLE tokens ADD COLUMN issued_at INTEGER;
ALTER TABLE tokens ADD COLUMN expiry_warned_for INTEGER;
