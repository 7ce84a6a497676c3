"""Data access. `Store` is the one object the rest of the bot sees; SQL stays in this package."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from bot.store.ask import AskRepository
from bot.store.database import Database, SchemaTooNewError
from bot.store.fairness import FairnessRepository
from bot.store.groups import GroupRecord, GroupRepository, GroupSettings, PostRecord
from bot.store.leaderboards import LeaderboardRepository
from bot.store.ledger import CompletionRecord, ExcusedDay, LedgerRepository, NewPoints, StreakHistory
from bot.store.milestones import MilestoneRepository
from bot.store.privacy import PrivacyRepository
from bot.store.profiles import ProfileRepository
from bot.store.repositories import GuildRecord, GuildRepository, MetaRepository
from bot.store.standings import StandingsRepository
from bot.store.streaks import StreakStateRepository
from bot.store.submissions import SubmissionRepository

__all__ = [
    "CompletionRecord",
    "ExcusedDay",
    "GroupRecord",
    "GroupSettings",
    "GuildRecord",
    "NewPoints",
    "PostRecord",
    "SchemaTooNewError",
    "Store",
    "StreakHistory",
]


class Store:
    """The repositories over one SQLite database.

    Built unopened in `main()` and opened (with migrations) in the bot's `setup_hook`. A
    PostgreSQL store would offer the same attributes with the same methods; nothing outside this
    package depends on SQLite.
    """

    def __init__(self, path: Path | str) -> None:
        self._db = Database(path)
        self.meta = MetaRepository(self._db)
        self.guilds = GuildRepository(self._db)
        self.groups = GroupRepository(self._db)
        self.ledger = LedgerRepository(self._db)
        self.milestones = MilestoneRepository(self._db)
        self.leaderboards = LeaderboardRepository(self._db)
        self.submissions = SubmissionRepository(self._db)
        self.profiles = ProfileRepository(self._db)
        self.fairness = FairnessRepository(self._db)
        self.standings = StandingsRepository(self._db)
        self.streaks = StreakStateRepository(self._db)
        self.privacy = PrivacyRepository(self._db, forgotten=(self.fairness.forget_member, self.profiles.forget_member))
        self.ask = AskRepository(self._db)

    @property
    def is_open(self) -> bool:
        return self._db.is_open

    async def open(self) -> Store:
        await self._db.open()
        return self

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Store:
        return await self.open()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
