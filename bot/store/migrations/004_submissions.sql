-- The work members ship: one row per member and piece of work (GitHub or Kaggle link).
-- `key` is the normalised identity from bot.core.links, so the same work sent twice by the
-- same member is one row whatever the URL's spelling.
CREATE TABLE submissions (
    id                   INTEGER PRIMARY KEY,
    guild_id             INTEGER NOT NULL,
    user_id              INTEGER NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('github', 'kaggle')),
    type                 TEXT NOT NULL,
    key                  TEXT NOT NULL,
    url                  TEXT NOT NULL,
    owner                TEXT,
    note                 TEXT,
    challenge_id         TEXT,
    status               TEXT NOT NULL CHECK (
        status IN ('unverified', 'verified', 'self_reported', 'matched', 'not_found', 'private')
    ),
    checked_at           TEXT,
    created_at           TEXT NOT NULL,
    announce_channel_id  INTEGER,
    announce_message_id  INTEGER,
    UNIQUE (guild_id, user_id, key)
) STRICT;

-- A member's work, newest first, and the submissions board over a time window.
CREATE INDEX submissions_by_member ON submissions (guild_id, user_id, created_at);
CREATE INDEX submissions_by_time ON submissions (guild_id, created_at, user_id);
-- The re-check job's question "which GitHub links still wait for a check?", oldest check first.
CREATE INDEX submissions_unverified ON submissions (checked_at) WHERE status = 'unverified';

-- A person's linked accounts, the same in every server (GitHub and Kaggle accounts belong to
-- people, not to groups). `github_code` is the pending one-time ownership code.
CREATE TABLE profiles (
    user_id                 INTEGER PRIMARY KEY,
    github_username         TEXT,
    github_verified         INTEGER NOT NULL DEFAULT 0,
    github_code             TEXT,
    github_code_created_at  TEXT,
    kaggle_username         TEXT,
    anonymous               INTEGER NOT NULL DEFAULT 0,
    updated_at              TEXT NOT NULL
) STRICT;

-- Fairness settings of a group's leaderboards.
CREATE TABLE leaderboard_settings (
    guild_id      INTEGER PRIMARY KEY,
    min_activity  INTEGER NOT NULL DEFAULT 0 CHECK (min_activity >= 0),
    season_start  TEXT,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE leaderboard_excluded_roles (
    guild_id  INTEGER NOT NULL,
    role_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, role_id)
) STRICT;

-- The roles a member held when the bot last saw them in an interaction. Without the privileged
-- members intent this is the only way to know who holds an excluded role.
CREATE TABLE member_roles (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    role_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, role_id)
) STRICT;

CREATE INDEX member_roles_by_role ON member_roles (guild_id, role_id, user_id);

-- GitHub answers about a repository, pull request or gist, so the same work is not asked about
-- again and again. `target` is e.g. "repo:octocat/hello-world".
CREATE TABLE github_cache (
    target      TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('public', 'private', 'missing')),
    owner       TEXT,
    checked_at  TEXT NOT NULL
) STRICT;
