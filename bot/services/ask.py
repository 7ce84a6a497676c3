"""/ask as a use case: admit a question, answer it (model, cache or notes), stream it, record it.

No discord here: the cog hands `answer` a `Sink` that shows the growing text, and renders the
final `AskResult`. What is shown is always free of mentions (`neutralise_mentions`) and, while
the member has not solved today's challenge, of its answer key (`reveals`), mid-stream included.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.ask_rules import (
    ANSWER_TOKENS,
    BudgetCheck,
    Exhausted,
    Usage,
    cache_key,
    check_budget,
    next_reset,
    utc_day,
)
from bot.core.clock import Clock
from bot.core.errors import UserFacingError
from bot.core.messages import neutralise_mentions, plural
from bot.core.retrieval import ConceptIndex, Hit
from bot.core.spoilers import AnswerKey, reveals
from bot.curriculum.loader import Curriculum
from bot.curriculum.models import NumericChallenge, QuizChallenge, ShortChallenge
from bot.llm import LLMClient, LLMError, estimate_tokens
from bot.services.ask_notes import grounded_on, grounding_messages, notes_answer
from bot.services.ask_stream import Publisher, Sink, Sleep
from bot.services.challenges import ChallengeService, Day
from bot.settings import Settings
from bot.store import Store
from bot.store.ask import WHOLE_GROUP, FeedbackSummary, NewAnswer

log = logging.getLogger(__name__)

GROUNDING_NOTES = 3
EDIT_INTERVAL = 1.0  # seconds between two edits of a streaming answer (Discord rate-limits edits)
FEEDBACK_WINDOW = timedelta(days=30)
USAGE_DAYS_KEPT = 7  # budgets count one UTC day; a week back is only for looking into a problem

SPOILER_HELD_BACK = (
    "🙈 This answer would give away today's challenge, so I've held it back. Try the challenge first "
    "(`/challenge today` shows it, `/challenge hint` gives a nudge), then ask again once you've solved it."
)
MODEL_UNAVAILABLE = "⚠️ The model is unavailable right now, so here is the answer from the course notes."
FROM_CACHE = "💾 Answered from the group's cache"


@dataclass(frozen=True)
class AskLimits:
    cooldown: timedelta
    member: Usage
    group: Usage
    cache_ttl: timedelta
    max_question_chars: int
    keep: timedelta = timedelta(days=90)  # how long questions and their records are kept

    @classmethod
    def from_settings(cls, settings: Settings) -> AskLimits:
        return cls(
            cooldown=timedelta(seconds=settings.ask_cooldown_seconds),
            member=Usage(settings.ask_member_daily_requests, settings.ask_member_daily_tokens),
            group=Usage(settings.ask_group_daily_requests, settings.ask_group_daily_tokens),
            cache_ttl=timedelta(seconds=settings.ask_cache_ttl_seconds),
            max_question_chars=settings.ask_max_question_chars,
            keep=timedelta(days=settings.ask_keep_days),
        )


@dataclass(frozen=True)
class Question:
    guild_id: int
    channel_id: int
    user_id: int
    text: str
    private: bool = False


@dataclass(frozen=True)
class AskResult:
    answer_id: int
    text: str  # the whole reply, footer included; mentions neutralised
    source: str  # llm, cache, notes, fallback, budget
    concepts: tuple[str, ...]
    spoiler_blocked: bool = False

    @property
    def wants_feedback(self) -> bool:
        return not self.spoiler_blocked


@dataclass(frozen=True)
class UsageReport:
    llm_enabled: bool
    member_used: Usage
    member_allowance: Usage
    group_used: Usage
    group_allowance: Usage
    resets_at: datetime
    cooldown: timedelta
    ready_at: datetime | None  # None: may ask now

    @property
    def member_left(self) -> Usage:
        return self.member_allowance.left(self.member_used)

    @property
    def group_left(self) -> Usage:
        return self.group_allowance.left(self.group_used)


@dataclass
class _Outcome:
    body: str
    source: str
    notice: str | None = None
    cached: bool = False
    grounded: tuple[str, ...] | None = None  # concept ids, when not the notes found for this question
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int | None = None


class AskService:
    def __init__(
        self,
        store: Store,
        curriculum: Curriculum,
        index: ConceptIndex,
        challenges: ChallengeService,
        clock: Clock,
        limits: AskLimits,
        llm: LLMClient | None = None,
        *,
        edit_interval: float = EDIT_INTERVAL,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.store = store
        self.curriculum = curriculum
        self.index = index
        self.challenges = challenges
        self.clock = clock
        self.limits = limits
        self.llm = llm
        self.edit_interval = edit_interval
        self._sleep = sleep
        # Reading both budgets and reserving a request must not interleave with another question.
        self._budget_lock = asyncio.Lock()

    # ----- admitting a question ----------------------------------------------------------------

    async def admit(
        self, guild_id: int, channel_id: int, user_id: int, text: str, *, private: bool = False
    ) -> Question:
        """Refuse (UserFacingError) a blank or too long question, or one asked within the cooldown.

        Cheap on purpose: the cog calls it before deferring, so a refusal stays private.
        """
        text = text.strip()
        if not text:
            raise UserFacingError("Ask a question, for example: why does gradient descent need a learning rate?")
        limit = self.limits.max_question_chars
        if len(text) > limit:
            raise UserFacingError(
                f"Questions can be up to {limit} characters; yours has {len(text)}. "
                "Ask about one concept at a time, in a sentence or two."
            )
        if self.limits.cooldown > timedelta(0):
            now = self.clock.now()
            ready = await self.store.ask.claim_cooldown(guild_id, user_id, now, self.limits.cooldown)
            if ready is not None:
                wait = max(1, round((ready - now).total_seconds()))
                raise UserFacingError(f"Slow down a little: you can ask again in {wait} s.")
        return Question(guild_id, channel_id, user_id, text, private)

    # ----- answering ---------------------------------------------------------------------------

    async def answer(self, question: Question, sink: Sink) -> AskResult:
        day = await self._today(question.guild_id)
        key = await self._spoiler_key(day, question.user_id)
        phase = day.phase if day else None
        hits = self.index.search(question.text, limit=GROUNDING_NOTES, phase_id=phase.id if phase else None)

        outcome = await self._outcome(question, hits, day, key, sink)
        # A cached answer was grounded on the notes found when it was first asked.
        concepts = outcome.grounded if outcome.grounded is not None else tuple(hit.concept.id for hit in hits)
        blocked = key is not None and reveals(outcome.body, key) is not None
        if blocked:
            text = SPOILER_HELD_BACK
        else:
            footer = [FROM_CACHE] if outcome.cached else []
            footer.append(grounded_on(self._terms(concepts)))
            parts = [outcome.notice, outcome.body.strip(), "-# " + " · ".join(footer)]
            text = "\n\n".join(part for part in parts if part)
        answer_id = await self.store.ask.record_answer(
            NewAnswer(
                guild_id=question.guild_id,
                channel_id=question.channel_id,
                user_id=question.user_id,
                question=question.text,
                source=outcome.source,
                concepts=concepts,
                at=self.clock.now(),
                model=outcome.model,
                prompt_tokens=outcome.prompt_tokens,
                completion_tokens=outcome.completion_tokens,
                latency_ms=outcome.latency_ms,
                spoiler_blocked=blocked,
                private=question.private,
            )
        )
        log.info(
            "ask %d answered: guild=%s user=%s source=%s notes=%s held_back=%s",
            answer_id,
            question.guild_id,
            question.user_id,
            outcome.source,
            ",".join(concepts) or "-",
            blocked,
        )
        return AskResult(answer_id, neutralise_mentions(text), outcome.source, concepts, spoiler_blocked=blocked)

    async def _outcome(
        self, question: Question, hits: Sequence[Hit], day: Day | None, key: AnswerKey | None, sink: Sink
    ) -> _Outcome:
        phase = day.phase if day else None
        if self.llm is None:
            return _Outcome(notes_answer(hits, self.curriculum, phase=phase), "notes")
        now = self.clock.now()
        cache = cache_key(question.text)
        if cache and self.limits.cache_ttl > timedelta(0):
            cached = await self.store.ask.cached(question.guild_id, cache, now - self.limits.cache_ttl)
            if cached is not None:
                return _Outcome(cached.text, "cache", cached=True, model=cached.model, grounded=cached.concepts)

        challenge_prompt = day.challenge.prompt if day is not None and key is not None else None
        messages = grounding_messages(
            question.text, hits, self.curriculum, phase=phase, challenge_prompt=challenge_prompt
        )
        prompt_tokens = estimate_tokens("".join(m["content"] for m in messages))
        budget_day = utc_day(now)
        check = await self._reserve(question, budget_day, prompt_tokens)
        if not check.allowed:
            assert check.exhausted is not None
            notice = self._budget_notice(check.exhausted, now)
            return _Outcome(notes_answer(hits, self.curriculum, phase=phase), "budget", notice=notice)

        streamed = await self._stream(self.llm, messages, prompt_tokens, check.max_tokens, key, sink)
        spent = streamed.prompt_tokens + streamed.completion_tokens
        await self.store.ask.add_usage(
            question.guild_id, question.user_id, budget_day, requests=0, tokens=spent - prompt_tokens
        )
        if streamed.error is not None:
            return _Outcome(
                notes_answer(hits, self.curriculum, phase=phase),
                "fallback",
                notice=MODEL_UNAVAILABLE,
                model=self.llm.model,
                prompt_tokens=streamed.prompt_tokens,
                completion_tokens=streamed.completion_tokens,
                latency_ms=streamed.latency_ms,
            )
        if cache and self.limits.cache_ttl > timedelta(0) and not streamed.stopped:
            concepts = tuple(hit.concept.id for hit in hits)
            await self.store.ask.cache(
                question.guild_id, cache, streamed.text, concepts, streamed.model, now, now - self.limits.cache_ttl
            )
        return _Outcome(
            streamed.text,
            "llm",
            model=streamed.model,
            prompt_tokens=streamed.prompt_tokens,
            completion_tokens=streamed.completion_tokens,
            latency_ms=streamed.latency_ms,
        )

    async def _reserve(self, question: Question, day: date, prompt_tokens: int) -> BudgetCheck:
        """Check both budgets and, if the call fits, count its request and prompt at once."""
        async with self._budget_lock:
            member = await self.store.ask.usage(question.guild_id, question.user_id, day)
            group = await self.store.ask.usage(question.guild_id, WHOLE_GROUP, day)
            check = check_budget(
                member_used=Usage(member.requests, member.tokens),
                group_used=Usage(group.requests, group.tokens),
                member_allowance=self.limits.member,
                group_allowance=self.limits.group,
                prompt_tokens=prompt_tokens,
                answer_tokens=ANSWER_TOKENS,
            )
            if check.allowed:
                await self.store.ask.add_usage(
                    question.guild_id, question.user_id, day, requests=1, tokens=prompt_tokens
                )
        return check

    def _budget_notice(self, exhausted: Exhausted, now: datetime) -> str:
        renews = f"<t:{int(next_reset(now).timestamp())}:R>"
        who = "This server has" if exhausted.whole_group else "You've"
        allowance = self.limits.group if exhausted.whole_group else self.limits.member
        whose = "its" if exhausted.whole_group else "your"
        if exhausted in (Exhausted.MEMBER_REQUESTS, Exhausted.GROUP_REQUESTS):
            spent = plural(allowance.requests, "model answer")
        else:
            spent = plural(allowance.tokens, "model token")
        return (
            f"⏳ {who} used {whose} {spent} for today; the allowance renews {renews}. "
            "Meanwhile, here is the answer from the course notes."
        )

    async def _stream(
        self,
        llm: LLMClient,
        messages: list[dict[str, str]],
        prompt_tokens: int,
        max_tokens: int,
        key: AnswerKey | None,
        sink: Sink,
    ) -> _Streamed:
        """Stream the model's answer to `sink`, stopping at once if it starts to give away the key."""
        result = _Streamed(model=llm.model, prompt_tokens=prompt_tokens)
        started = time.monotonic()
        publisher = Publisher(sink, self.edit_interval, self._sleep)
        try:
            async with aclosing(llm.stream(messages, max_tokens=max_tokens)) as deltas:
                async for delta in deltas:
                    result.text += delta
                    if key is not None and reveals(result.text, key) is not None:
                        result.stopped = True
                        break
                    publisher.publish(neutralise_mentions(result.text))
                completion = llm.last_completion
            if completion is not None:
                result.model = completion.model
                result.prompt_tokens = completion.prompt_tokens
                result.completion_tokens = completion.completion_tokens
            else:
                result.completion_tokens = estimate_tokens(result.text)
        except LLMError as error:
            result.error = error
            result.completion_tokens = estimate_tokens(result.text)
        finally:
            await publisher.close()
        result.latency_ms = round((time.monotonic() - started) * 1000)
        return result

    def _terms(self, concept_ids: Sequence[str]) -> list[str]:
        notes = (self.curriculum.concept(concept_id) for concept_id in concept_ids)
        return [note.term for note in notes if note is not None]

    # ----- the member's day --------------------------------------------------------------------

    async def _today(self, guild_id: int) -> Day | None:
        """Today's group day, or None without a group (or before it starts, or after the track)."""
        try:
            return await self.challenges.today(guild_id)
        except UserFacingError:
            return None

    async def _spoiler_key(self, day: Day | None, user_id: int) -> AnswerKey | None:
        """Today's answer key while the member has not solved today's challenge; else None."""
        if day is None:
            return None
        challenge = day.challenge
        if isinstance(challenge, QuizChallenge):
            key = AnswerKey.quiz(challenge.answer, challenge.correct_letter)
        elif isinstance(challenge, NumericChallenge):
            key = AnswerKey.numeric(challenge.answer, challenge.tolerance)
        elif isinstance(challenge, ShortChallenge):
            key = AnswerKey.short(challenge.answers)
        else:
            return None  # tasks and readings have nothing to give away
        if await self.store.ledger.completion(day.group.guild_id, user_id, day.group_date) is not None:
            return None
        return key

    # ----- usage and feedback ------------------------------------------------------------------

    async def usage(self, guild_id: int, user_id: int) -> UsageReport:
        now = self.clock.now()
        day = utc_day(now)
        member = await self.store.ask.usage(guild_id, user_id, day)
        group = await self.store.ask.usage(guild_id, WHOLE_GROUP, day)
        last = await self.store.ask.last_asked(guild_id, user_id)
        ready = last + self.limits.cooldown if last is not None else None
        return UsageReport(
            llm_enabled=self.llm is not None,
            member_used=Usage(member.requests, member.tokens),
            member_allowance=self.limits.member,
            group_used=Usage(group.requests, group.tokens),
            group_allowance=self.limits.group,
            resets_at=next_reset(now),
            cooldown=self.limits.cooldown,
            ready_at=ready if ready is not None and ready > now else None,
        )

    async def vote(self, guild_id: int, answer_id: int, user_id: int, helpful: bool) -> str:
        """Record a member's verdict on an answer; the reply for them."""
        answer = await self.store.ask.answer(answer_id)
        if answer is None or answer.guild_id != guild_id:
            raise UserFacingError("That answer is no longer available.")
        previous = await self.store.ask.vote(answer_id, user_id, helpful, self.clock.now())
        verdict = "helpful" if helpful else "not helpful"
        if previous is None:
            return f"Thanks! Noted as {verdict}." + ("" if helpful else " The group's admins see this feedback.")
        if previous == helpful:
            return f"You already marked this answer as {verdict}."
        return f"Changed your vote to {verdict}."

    async def feedback(self, guild_id: int) -> FeedbackSummary:
        return await self.store.ask.feedback_summary(guild_id, self.clock.now() - FEEDBACK_WINDOW)

    async def prune(self) -> tuple[int, int]:
        """Forget questions (with their answers' records and votes) older than the limits keep
        them, and usage days long past. Returns (answers, usage rows) deleted."""
        now = self.clock.now()
        return await self.store.ask.prune(now - self.limits.keep, now.date() - timedelta(days=USAGE_DAYS_KEPT))


@dataclass
class _Streamed:
    model: str
    prompt_tokens: int
    text: str = ""
    completion_tokens: int = 0
    latency_ms: int = 0
    stopped: bool = False  # cut short because it started to give away today's answer
    error: LLMError | None = None
