-- A study group: one per server. Times: post_time is local wall time, next_post_at UTC.
CREATE TABLE groups (
    guild_id        INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL,
    post_time       TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    start_date      TEXT NOT NULL,
    track           TEXT NOT NULL,
    ping_role_id    INTEGER,
    paused_since    TEXT,
    next_post_date  TEXT NOT NULL,
    next_post_at    TEXT NOT NULL,
    last_error      TEXT,
    last_error_at   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

-- The scheduler's question "who is due?" must not scan every group.
CREATE INDEX groups_due ON groups (next_post_at) WHERE paused_since IS NULL;

-- One row per daily post. Inserting the row is the claim: the primary key makes a second
-- claim of the same (guild, day) impossible, whichever worker tries.
CREATE TABLE group_days (
    guild_id      INTEGER NOT NULL REFERENCES groups (guild_id) ON DELETE CASCADE,
    group_date    TEXT NOT NULL,
    day_index     INTEGER NOT NULL,
    challenge_id  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'failed')),
    due_at        TEXT NOT NULL,
    claimed_at    TEXT NOT NULL,
    posted_at     TEXT,
    message_id    INTEGER,
    late          INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    PRIMARY KEY (guild_id, group_date)
) STRICT;

-- Days that never break a streak: for the whole group (user_id 0) when a post failed, went out
-- late or the group was paused; for one member when an admin repaired their day.
CREATE TABLE excused_days (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL DEFAULT 0,
    group_date  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    by_user_id  INTEGER,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, group_date)
) STRICT;

-- The ledger of completed days. Streaks are derived from it, never stored.
CREATE TABLE completions (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    group_date    TEXT NOT NULL,
    challenge_id  TEXT NOT NULL,
    how           TEXT NOT NULL CHECK (how IN ('answer', 'done', 'link')),
    link          TEXT,
    first_try     INTEGER NOT NULL,
    completed_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, group_date)
) STRICT;

-- Wrong answers per member and day: after three the explanation is shown.
CREATE TABLE attempts (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    group_date   TEXT NOT NULL,
    wrong_tries  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, group_date)
) STRICT;

-- Points as entries, so a leaderboard over any period is a sum over a time range.
CREATE TABLE points (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    group_date  TEXT,
    created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX points_by_guild_time ON points (guild_id, created_at, user_id);
CREATE INDEX points_by_member ON points (guild_id, user_id);
