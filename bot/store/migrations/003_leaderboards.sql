-- Leaderboards sum the ledger over a time window on every call (nothing cached, nothing stale).
-- These covering indexes hold every column a board reads, so the aggregate never touches the
-- tables themselves.

-- A bounded window (week, month, season): read only that time range, in time order.
CREATE INDEX points_board_by_time ON points (guild_id, created_at, user_id, amount);
CREATE INDEX completions_board_by_time ON completions (guild_id, completed_at, user_id);

-- An open-ended window (all time): read the guild member by member, so the sum per member
-- streams out in order with no temporary b-tree to group in.
CREATE INDEX points_board_by_member ON points (guild_id, user_id, created_at, amount);
CREATE INDEX completions_board_by_member ON completions (guild_id, user_id, completed_at);
