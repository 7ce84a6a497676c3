-- Two indexes of 002 are prefixes of wider ones 003 added on the same columns: any lookup the
-- narrow one served, the wide one serves too, yet every points row written updated all four.
-- tests/integration/test_store.py holds the schema to no index that is a prefix of another.
DROP INDEX points_by_member;
DROP INDEX points_by_guild_time;
