-- Leaderboards read per-member totals for each period instead of summing the ledger per call.
--
-- Summing a year of a 10,000-member group's ledger costs hundreds of milliseconds however it is
-- indexed (benchmarks/README.md). `board_totals` holds, per member and period, exactly those
-- sums. Triggers keep it in the same transaction as every ledger write, whoever writes, so it is
-- part of the ledger's state the way an index is, never a cache that can lag behind it.
--
-- Periods are keyed by group days: a ledger row's `group_date` (the day a challenge belongs to;
-- for a submission, the group day it was recorded on), so a row's periods never depend on the
-- group's zone after the fact:
--   ('all',    '')            every day;
--   ('week',   its Monday)    Monday to Sunday;
--   ('month',  its 1st)       the calendar month;
--   ('season', season start)  the season's first day on: the admin's season start, else the
--                             group's start date; rebuilt when either changes.
-- `*_at` is when the member reached the score: the latest of their rows counted (the tie-break).

ALTER TABLE submissions ADD COLUMN group_date TEXT;
-- Submissions recorded before this migration did not keep their group day; their UTC day is
-- the closest the database can tell.
UPDATE submissions SET group_date = substr(created_at, 1, 10);

CREATE TABLE board_totals (
    guild_id        INTEGER NOT NULL,
    period          TEXT NOT NULL CHECK (period IN ('all', 'week', 'month', 'season')),
    period_start    TEXT NOT NULL,
    user_id         INTEGER NOT NULL,
    points          INTEGER NOT NULL DEFAULT 0,
    points_n        INTEGER NOT NULL DEFAULT 0,  -- points rows: any puts the member on the points board
    points_at       TEXT,
    completions     INTEGER NOT NULL DEFAULT 0,
    completions_at  TEXT,
    submissions     INTEGER NOT NULL DEFAULT 0,  -- not counting links GitHub reports missing or private
    submissions_at  TEXT,
    PRIMARY KEY (guild_id, period, period_start, user_id)
) STRICT;

-- One index per board, in board order, also holding the columns the fairness filter reads, so
-- a page, the count and a rank are each one walk of one index.
CREATE INDEX board_totals_points ON board_totals
    (guild_id, period, period_start, points DESC, points_at, user_id, points_n, completions);
CREATE INDEX board_totals_completions ON board_totals
    (guild_id, period, period_start, completions DESC, completions_at, user_id);
CREATE INDEX board_totals_submissions ON board_totals
    (guild_id, period, period_start, submissions DESC, submissions_at, user_id, completions);

-- Season start per group: the admin's, else the group's first day.
CREATE VIEW season_starts AS
SELECT g.guild_id AS guild_id, COALESCE(s.season_start, g.start_date) AS start
FROM groups AS g LEFT JOIN leaderboard_settings AS s ON s.guild_id = g.guild_id;

-- Every change to a board passes through this table: the ledger's triggers insert one row per
-- counted row added (delta 1) or removed (delta -1), or a season rebuild (board 'season'), and
-- the triggers on this table apply it and delete it again, so it never holds more than the row
-- being applied.
CREATE TABLE board_changes (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    board       TEXT NOT NULL CHECK (board IN ('points', 'completions', 'submissions', 'season')),
    group_date  TEXT NOT NULL,
    delta       INTEGER NOT NULL,
    amount      INTEGER NOT NULL,  -- points: the entry's amount, signed like delta
    at          TEXT NOT NULL
) STRICT;

-- The one place periods are derived: the periods a change's group day belongs to.
CREATE VIEW board_change_periods AS
SELECT c.rowid AS change_id, 'all' AS period, '' AS start FROM board_changes AS c
UNION ALL
SELECT c.rowid, 'week', date(c.group_date, '-6 days', 'weekday 1') FROM board_changes AS c
UNION ALL
SELECT c.rowid, 'month', strftime('%Y-%m-01', c.group_date) FROM board_changes AS c
UNION ALL
SELECT c.rowid, 'season', s.start FROM board_changes AS c
JOIN season_starts AS s ON s.guild_id = c.guild_id AND c.group_date >= s.start;

-- Adding a row: every period of its day gains it (a period's total is created on first use).
-- One trigger per board, each setting only its own columns: SQLite rewrites every index that
-- holds a column named in SET, so a write touches one board's index, not all three.
CREATE TRIGGER board_changes_add_points AFTER INSERT ON board_changes
WHEN NEW.board = 'points' AND NEW.delta > 0
BEGIN
    INSERT INTO board_totals (guild_id, period, period_start, user_id, points, points_n, points_at)
    SELECT NEW.guild_id, k.period, k.start, NEW.user_id, NEW.amount, 1, NEW.at
    FROM board_change_periods AS k WHERE k.change_id = NEW.rowid
    ON CONFLICT DO UPDATE SET points = points + excluded.points, points_n = points_n + 1,
        points_at = MAX(COALESCE(points_at, ''), excluded.points_at);
    DELETE FROM board_changes WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER board_changes_add_completions AFTER INSERT ON board_changes
WHEN NEW.board = 'completions' AND NEW.delta > 0
BEGIN
    INSERT INTO board_totals (guild_id, period, period_start, user_id, completions, completions_at)
    SELECT NEW.guild_id, k.period, k.start, NEW.user_id, 1, NEW.at
    FROM board_change_periods AS k WHERE k.change_id = NEW.rowid
    ON CONFLICT DO UPDATE SET completions = completions + 1,
        completions_at = MAX(COALESCE(completions_at, ''), excluded.completions_at);
    DELETE FROM board_changes WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER board_changes_add_submissions AFTER INSERT ON board_changes
WHEN NEW.board = 'submissions' AND NEW.delta > 0
BEGIN
    INSERT INTO board_totals (guild_id, period, period_start, user_id, submissions, submissions_at)
    SELECT NEW.guild_id, k.period, k.start, NEW.user_id, 1, NEW.at
    FROM board_change_periods AS k WHERE k.change_id = NEW.rowid
    ON CONFLICT DO UPDATE SET submissions = submissions + 1,
        submissions_at = MAX(COALESCE(submissions_at, ''), excluded.submissions_at);
    DELETE FROM board_changes WHERE rowid = NEW.rowid;
END;

-- Removing a row (rare: a forget, a link gone private): its periods lose it, the time a score
-- was reached is read again from the rows still counted, and totals left empty are deleted.
-- Totals a forget already deleted are simply not there to update.
CREATE TRIGGER board_changes_remove AFTER INSERT ON board_changes WHEN NEW.board != 'season' AND NEW.delta < 0
BEGIN
    UPDATE board_totals SET
        points = points + IIF(NEW.board = 'points', NEW.amount, 0),
        points_n = points_n - (NEW.board = 'points'),
        completions = completions - (NEW.board = 'completions'),
        submissions = submissions - (NEW.board = 'submissions'),
        points_at = IIF(NEW.board != 'points', points_at, (
            SELECT MAX(p.created_at) FROM points AS p
            WHERE p.guild_id = NEW.guild_id AND p.user_id = NEW.user_id
              AND p.group_date >= board_totals.period_start
              AND p.group_date < CASE board_totals.period
                  WHEN 'week' THEN date(board_totals.period_start, '+7 days')
                  WHEN 'month' THEN date(board_totals.period_start, '+1 month')
                  ELSE '9999-12-31' END)),
        completions_at = IIF(NEW.board != 'completions', completions_at, (
            SELECT MAX(c.completed_at) FROM completions AS c
            WHERE c.guild_id = NEW.guild_id AND c.user_id = NEW.user_id
              AND c.group_date >= board_totals.period_start
              AND c.group_date < CASE board_totals.period
                  WHEN 'week' THEN date(board_totals.period_start, '+7 days')
                  WHEN 'month' THEN date(board_totals.period_start, '+1 month')
                  ELSE '9999-12-31' END)),
        submissions_at = IIF(NEW.board != 'submissions', submissions_at, (
            SELECT MAX(s.created_at) FROM submissions AS s
            WHERE s.guild_id = NEW.guild_id AND s.user_id = NEW.user_id AND s.status NOT IN ('not_found', 'private')
              AND s.group_date >= board_totals.period_start
              AND s.group_date < CASE board_totals.period
                  WHEN 'week' THEN date(board_totals.period_start, '+7 days')
                  WHEN 'month' THEN date(board_totals.period_start, '+1 month')
                  ELSE '9999-12-31' END))
    WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id AND (period, period_start) IN (
        SELECT k.period, k.start FROM board_change_periods AS k WHERE k.change_id = NEW.rowid
    );
    DELETE FROM board_totals
    WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id AND (period, period_start) IN (
        SELECT k.period, k.start FROM board_change_periods AS k WHERE k.change_id = NEW.rowid
    ) AND points_n = 0 AND completions = 0 AND submissions = 0;
    DELETE FROM board_changes WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER board_changes_season AFTER INSERT ON board_changes WHEN NEW.board = 'season'
BEGIN
    DELETE FROM board_totals WHERE guild_id = NEW.guild_id AND period = 'season';
    INSERT INTO board_totals (guild_id, period, period_start, user_id, points, points_n, points_at)
    SELECT p.guild_id, 'season', s.start, p.user_id, SUM(p.amount), COUNT(*), MAX(p.created_at)
    FROM points AS p JOIN season_starts AS s ON s.guild_id = p.guild_id
    WHERE p.guild_id = NEW.guild_id AND p.group_date >= s.start
    GROUP BY p.user_id;
    INSERT INTO board_totals (guild_id, period, period_start, user_id, completions, completions_at)
    SELECT c.guild_id, 'season', s.start, c.user_id, COUNT(*), MAX(c.completed_at)
    FROM completions AS c JOIN season_starts AS s ON s.guild_id = c.guild_id
    WHERE c.guild_id = NEW.guild_id AND c.group_date >= s.start
    GROUP BY c.user_id
    ON CONFLICT DO UPDATE SET completions = excluded.completions, completions_at = excluded.completions_at;
    INSERT INTO board_totals (guild_id, period, period_start, user_id, submissions, submissions_at)
    SELECT b.guild_id, 'season', s.start, b.user_id, COUNT(*), MAX(b.created_at)
    FROM submissions AS b JOIN season_starts AS s ON s.guild_id = b.guild_id
    WHERE b.guild_id = NEW.guild_id AND b.group_date >= s.start AND b.status NOT IN ('not_found', 'private')
    GROUP BY b.user_id
    ON CONFLICT DO UPDATE SET submissions = excluded.submissions, submissions_at = excluded.submissions_at;
    DELETE FROM board_changes WHERE rowid = NEW.rowid;
END;

-- --- what changes a board -------------------------------------------------------------------

CREATE TRIGGER points_board_insert AFTER INSERT ON points WHEN NEW.group_date IS NOT NULL
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, NEW.user_id, 'points', NEW.group_date, 1, NEW.amount,
                                      NEW.created_at);
END;

CREATE TRIGGER points_board_delete AFTER DELETE ON points WHEN OLD.group_date IS NOT NULL
BEGIN
    INSERT INTO board_changes VALUES (OLD.guild_id, OLD.user_id, 'points', OLD.group_date, -1, -OLD.amount,
                                      OLD.created_at);
END;

CREATE TRIGGER completions_board_insert AFTER INSERT ON completions
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, NEW.user_id, 'completions', NEW.group_date, 1, 0,
                                      NEW.completed_at);
END;

CREATE TRIGGER completions_board_delete AFTER DELETE ON completions
BEGIN
    INSERT INTO board_changes VALUES (OLD.guild_id, OLD.user_id, 'completions', OLD.group_date, -1, 0,
                                      OLD.completed_at);
END;

CREATE TRIGGER submissions_board_insert AFTER INSERT ON submissions
WHEN NEW.group_date IS NOT NULL AND NEW.status NOT IN ('not_found', 'private')
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, NEW.user_id, 'submissions', NEW.group_date, 1, 0,
                                      NEW.created_at);
END;

CREATE TRIGGER submissions_board_delete AFTER DELETE ON submissions
WHEN OLD.group_date IS NOT NULL AND OLD.status NOT IN ('not_found', 'private')
BEGIN
    INSERT INTO board_changes VALUES (OLD.guild_id, OLD.user_id, 'submissions', OLD.group_date, -1, 0,
                                      OLD.created_at);
END;

-- INSERT OR REPLACE removes the old row without firing its delete trigger unless the connection
-- has `PRAGMA recursive_triggers` on; the bot's connection does (bot/store/database.py).

-- A row rewritten in place counts as its old self removed and its new self added. The ledger
-- is append-only in the bot; this keeps any other writer (an admin's SQL fix) from drifting.
CREATE TRIGGER points_board_update AFTER UPDATE OF guild_id, user_id, amount, group_date, created_at ON points
BEGIN
    INSERT INTO board_changes SELECT OLD.guild_id, OLD.user_id, 'points', OLD.group_date, -1, -OLD.amount,
                                     OLD.created_at WHERE OLD.group_date IS NOT NULL;
    INSERT INTO board_changes SELECT NEW.guild_id, NEW.user_id, 'points', NEW.group_date, 1, NEW.amount,
                                     NEW.created_at WHERE NEW.group_date IS NOT NULL;
END;

CREATE TRIGGER completions_board_update AFTER UPDATE OF guild_id, user_id, group_date, completed_at ON completions
BEGIN
    INSERT INTO board_changes VALUES (OLD.guild_id, OLD.user_id, 'completions', OLD.group_date, -1, 0,
                                      OLD.completed_at);
    INSERT INTO board_changes VALUES (NEW.guild_id, NEW.user_id, 'completions', NEW.group_date, 1, 0,
                                      NEW.completed_at);
END;

-- Also when GitHub reports a link missing or private later (or public again): it leaves or rejoins.
CREATE TRIGGER submissions_board_update AFTER UPDATE OF guild_id, user_id, group_date, created_at, status ON submissions
BEGIN
    INSERT INTO board_changes SELECT OLD.guild_id, OLD.user_id, 'submissions', OLD.group_date, -1, 0, OLD.created_at
    WHERE OLD.group_date IS NOT NULL AND OLD.status NOT IN ('not_found', 'private');
    INSERT INTO board_changes SELECT NEW.guild_id, NEW.user_id, 'submissions', NEW.group_date, 1, 0, NEW.created_at
    WHERE NEW.group_date IS NOT NULL AND NEW.status NOT IN ('not_found', 'private');
END;

-- A new group, a new start date or a new season start moves the season.
CREATE TRIGGER groups_season_insert AFTER INSERT ON groups
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, 0, 'season', '', 0, 0, '');
END;

CREATE TRIGGER groups_season_update AFTER UPDATE OF start_date ON groups
WHEN OLD.start_date IS NOT NEW.start_date
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, 0, 'season', '', 0, 0, '');
END;

CREATE TRIGGER settings_season_insert AFTER INSERT ON leaderboard_settings WHEN NEW.season_start IS NOT NULL
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, 0, 'season', '', 0, 0, '');
END;

CREATE TRIGGER settings_season_update AFTER UPDATE OF season_start ON leaderboard_settings
WHEN OLD.season_start IS NOT NEW.season_start
BEGIN
    INSERT INTO board_changes VALUES (NEW.guild_id, 0, 'season', '', 0, 0, '');
END;

CREATE TRIGGER settings_season_delete AFTER DELETE ON leaderboard_settings WHEN OLD.season_start IS NOT NULL
BEGIN
    INSERT INTO board_changes VALUES (OLD.guild_id, 0, 'season', '', 0, 0, '');
END;

CREATE TRIGGER groups_season_delete AFTER DELETE ON groups
BEGIN
    INSERT INTO board_changes VALUES (OLD.guild_id, 0, 'season', '', 0, 0, '');
END;

-- The history so far (season rows included: the groups and their seasons already exist).
INSERT INTO board_changes
SELECT guild_id, user_id, 'points', group_date, 1, amount, created_at FROM points
WHERE group_date IS NOT NULL ORDER BY id;
INSERT INTO board_changes
SELECT guild_id, user_id, 'completions', group_date, 1, 0, completed_at FROM completions;
INSERT INTO board_changes
SELECT guild_id, user_id, 'submissions', group_date, 1, 0, created_at FROM submissions
WHERE status NOT IN ('not_found', 'private');
