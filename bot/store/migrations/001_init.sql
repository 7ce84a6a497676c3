-- Bookkeeping the bot needs for itself (e.g. the hash of the last synced command tree).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Every server the bot has been in; times are UTC ISO-8601.
CREATE TABLE guilds (
    guild_id      INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    left_at       TEXT
) STRICT;
