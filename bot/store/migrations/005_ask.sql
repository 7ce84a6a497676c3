-- /ask: every answer given, the feedback on it, daily usage, the per-member cooldown and the cache.

-- One row per answer. `source` says where the text came from: the model ('llm'), the group's
-- cache ('cache'), the concept notes because no model is configured ('notes'), because the
-- model failed ('fallback') or because a budget was spent ('budget').
CREATE TABLE ask_answers (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    channel_id         INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,
    question           TEXT NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('llm', 'cache', 'notes', 'fallback', 'budget')),
    model              TEXT,
    prompt_tokens      INTEGER NOT NULL DEFAULT 0,
    completion_tokens  INTEGER NOT NULL DEFAULT 0,
    latency_ms         INTEGER,
    concepts           TEXT NOT NULL,  -- the concept note ids it was grounded on, space-separated
    spoiler_blocked    INTEGER NOT NULL DEFAULT 0,
    private            INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL
) STRICT;

CREATE INDEX ask_answers_by_guild_time ON ask_answers (guild_id, created_at);

-- "Was this helpful?": one vote per member and answer; voting again changes it.
CREATE TABLE ask_feedback (
    answer_id   INTEGER NOT NULL REFERENCES ask_answers (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at    TEXT NOT NULL,
    PRIMARY KEY (answer_id, user_id)
) STRICT;

-- Model requests and tokens spent per UTC day; user_id 0 is the whole server's total.
CREATE TABLE ask_usage (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    day       TEXT NOT NULL,
    requests  INTEGER NOT NULL DEFAULT 0,
    tokens    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id, day)
) STRICT;

-- When each member last asked: the cooldown is claimed by updating this row, so two clicks at
-- once cannot both pass.
CREATE TABLE ask_cooldowns (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    last_asked_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT;

-- The model's earlier answers per server, keyed by the normalised question (bot.core.ask_rules).
-- Rows older than the cache's lifetime are ignored on read and deleted on the next write.
CREATE TABLE ask_cache (
    guild_id    INTEGER NOT NULL,
    key         TEXT NOT NULL,
    answer      TEXT NOT NULL,
    concepts    TEXT NOT NULL,
    model       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
) STRICT;

CREATE INDEX ask_cache_by_time ON ask_cache (created_at);
