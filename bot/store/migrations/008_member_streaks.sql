-- The streak board reads each member's streak state instead of replaying the ledger per call.
--
-- `member_streaks` holds, per member, their streak right after their latest completed day
-- (bot.core.streak_state.StreakState). ChallengeService writes it in the same transaction as the
-- completion (LedgerRepository.record_completion). Whether it still holds today is decided when
-- the board is read: the days since `last_date` are either excused or missed, and misses up to
-- the freezes held are covered.
--
-- The rules live in Python (bot.core.streaks), so SQL can't compute a state. Anything that
-- changes a member's past instead puts the member in `streak_restate`, in the same transaction
-- as the change, whoever makes it: an excused day on or before their `last_date` (a repair, a
-- pause or outage excused late), a completion written without its state, a completion removed
-- or rewritten. The streak board replays the members listed there before it reads
-- (StreakStateRepository.restate), so the states are exact on every read, also after a restart.
-- Excused days after a member's `last_date` change nothing stored: the board reads them.

CREATE TABLE member_streaks (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    last_date    TEXT NOT NULL,     -- the latest completed group day
    streak       INTEGER NOT NULL,  -- the streak that day, counting it
    freezes      INTEGER NOT NULL,  -- held after that day
    run_start    TEXT NOT NULL,     -- the first completed day of that streak's run
    achieved_at  TEXT NOT NULL,     -- when `last_date` was completed: the board's tie-break
    PRIMARY KEY (guild_id, user_id)
) STRICT;

-- The board reads the members whose latest day is recent enough to be on a streak (a range of
-- this index, holding every column the board needs); the excuse triggers find whose past an
-- excused day rewrites (`last_date` after it) with the same range.
CREATE INDEX member_streaks_by_last_date ON member_streaks
    (guild_id, last_date, freezes, streak, run_start, achieved_at, user_id);

-- A member's completed days in one period (board_totals, 007), looked up per member on the
-- board for a week, month or season (the part of a run that began before the period, the
-- minimum activity). Holding `completions` makes each lookup one index probe instead of two.
CREATE INDEX board_totals_by_member ON board_totals (guild_id, period, period_start, user_id, completions);

-- Listing a member already listed changes nothing (ON CONFLICT IGNORE), whoever inserts.
CREATE TABLE streak_restate (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id) ON CONFLICT IGNORE
) STRICT;

-- A completion arrives with its state (written just before it in the same transaction), unless
-- someone wrote the ledger directly: then the member is replayed.
CREATE TRIGGER completions_streak_insert AFTER INSERT ON completions
WHEN NOT EXISTS (SELECT 1 FROM member_streaks AS m
                 WHERE m.guild_id = NEW.guild_id AND m.user_id = NEW.user_id AND m.last_date = NEW.group_date)
BEGIN
    INSERT INTO streak_restate VALUES (NEW.guild_id, NEW.user_id);
END;

CREATE TRIGGER completions_streak_delete AFTER DELETE ON completions
BEGIN
    INSERT INTO streak_restate VALUES (OLD.guild_id, OLD.user_id);
END;

CREATE TRIGGER completions_streak_update AFTER UPDATE OF guild_id, user_id, group_date, completed_at ON completions
BEGIN
    INSERT INTO streak_restate VALUES (OLD.guild_id, OLD.user_id);
    INSERT INTO streak_restate VALUES (NEW.guild_id, NEW.user_id);
END;

-- An excused day rewrites the past of the members whose latest completed day is after it, unless
-- they completed that day (a completed day counts as completed, excused or not). user_id 0 is
-- the whole group.
CREATE TRIGGER excused_days_streak_insert AFTER INSERT ON excused_days
BEGIN
    INSERT INTO streak_restate
    SELECT m.guild_id, m.user_id FROM member_streaks AS m
    WHERE m.guild_id = NEW.guild_id AND (NEW.user_id = 0 OR m.user_id = NEW.user_id)
      AND m.last_date > NEW.group_date
      AND NOT EXISTS (SELECT 1 FROM completions AS c
                      WHERE c.guild_id = m.guild_id AND c.user_id = m.user_id AND c.group_date = NEW.group_date);
END;

CREATE TRIGGER excused_days_streak_delete AFTER DELETE ON excused_days
BEGIN
    INSERT INTO streak_restate
    SELECT m.guild_id, m.user_id FROM member_streaks AS m
    WHERE m.guild_id = OLD.guild_id AND (OLD.user_id = 0 OR m.user_id = OLD.user_id)
      AND m.last_date > OLD.group_date
      AND NOT EXISTS (SELECT 1 FROM completions AS c
                      WHERE c.guild_id = m.guild_id AND c.user_id = m.user_id AND c.group_date = OLD.group_date);
END;

CREATE TRIGGER excused_days_streak_update AFTER UPDATE OF guild_id, user_id, group_date ON excused_days
BEGIN
    INSERT INTO streak_restate
    SELECT m.guild_id, m.user_id FROM member_streaks AS m
    WHERE (m.guild_id = OLD.guild_id AND m.last_date > OLD.group_date
           AND (OLD.user_id = 0 OR m.user_id = OLD.user_id))
       OR (m.guild_id = NEW.guild_id AND m.last_date > NEW.group_date
           AND (NEW.user_id = 0 OR m.user_id = NEW.user_id));
END;

-- The history so far: every member with a completed day is replayed before the first board read.
INSERT INTO streak_restate SELECT DISTINCT guild_id, user_id FROM completions;
