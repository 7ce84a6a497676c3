-- Members holding this role may add, edit and remove milestones (admins always may).
ALTER TABLE groups ADD COLUMN lead_role_id INTEGER;

-- A group goal with a due time (UTC). Roadmap milestones (one per phase end of the track) carry
-- their phase id; the unique key makes creating them idempotent. AUTOINCREMENT: ids are never
-- reused, so an old "Remind me" button (bp:ms:optin:<id>) can never reach a newer milestone.
CREATE TABLE milestones (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id            INTEGER NOT NULL REFERENCES groups (guild_id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    description         TEXT,
    due_at              TEXT NOT NULL,
    reminder_minutes    TEXT NOT NULL,  -- offsets asked for, in minutes: "10080,1440,60" (empty: none)
    created_by          INTEGER,        -- NULL for roadmap milestones
    phase_id            TEXT,
    scheduled_event_id  INTEGER,        -- the mirrored Discord scheduled event, if any
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    UNIQUE (guild_id, phase_id)
) STRICT;

CREATE INDEX milestones_by_guild_due ON milestones (guild_id, due_at);

-- One row per reminder (offset_minutes > 0) plus the wrap-up (offset_minutes = 0). The status
-- moves planned -> claimed -> sent (or failed), or planned -> skipped, and the move to claimed
-- happens in the same transaction that decides to send, so no two workers send one reminder.
CREATE TABLE milestone_reminders (
    id              INTEGER PRIMARY KEY,
    milestone_id    INTEGER NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    offset_minutes  INTEGER NOT NULL CHECK (offset_minutes >= 0),
    fire_at         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('planned', 'claimed', 'sent', 'skipped', 'failed')),
    claimed_at      TEXT,
    sent_at         TEXT,
    message_id      INTEGER,
    error           TEXT,
    UNIQUE (milestone_id, offset_minutes)
) STRICT;

-- The scheduler's question "what is due?" reads only planned rows, in time order.
CREATE INDEX milestone_reminders_due ON milestone_reminders (fire_at) WHERE status = 'planned';
CREATE INDEX milestone_reminders_claimed ON milestone_reminders (claimed_at) WHERE status = 'claimed';

-- Who completed a milestone. The display name is kept as it was then: the wrap-up lists names
-- without pinging, and the bot has no member cache (no privileged intents).
CREATE TABLE milestone_completions (
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    display_name  TEXT NOT NULL,
    link          TEXT,
    completed_at  TEXT NOT NULL,
    PRIMARY KEY (milestone_id, user_id)
) STRICT;

-- Members who asked to be pinged by a milestone's reminders ("Remind me").
CREATE TABLE milestone_pings (
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (milestone_id, user_id)
) STRICT;

-- The group settings the roadmap milestones were last built from; a group whose settings differ
-- (new group, other track, start date, post time or zone) gets its roadmap rebuilt on the next tick.
CREATE TABLE milestone_roadmaps (
    guild_id    INTEGER PRIMARY KEY REFERENCES groups (guild_id) ON DELETE CASCADE,
    track       TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    post_time   TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    synced_at   TEXT NOT NULL
) STRICT;
