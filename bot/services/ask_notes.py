"""What /ask says from the concept notes alone, and the grounding it gives the model.

The offline answer is useful on its own: the best notes' explanations, their related terms and a
resource to read. When the notes only loosely match, it says what it matched and suggests terms
to ask about instead; with no match at all it suggests concepts of the group's current phase. It
never answers "I can't help".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.retrieval import Hit, is_confident
from bot.curriculum.loader import Curriculum
from bot.curriculum.models import Concept, Phase

# Where the group is on the roadmap, so the model pitches its answer at the right level.
ROADMAP = (
    "math → Python and data tools → data-science essentials → classical ML → deep learning → "
    "MLOps → portfolio and career → a specialization"
)
SYSTEM_PROMPT = f"""You are Backprop, a patient tutor for a Discord study group working through a \
roadmap to become ML engineers: {ROADMAP}.
Answer the member's concept question for a learner: start with the intuition in plain words, then \
the key details, and a tiny example or formula when it helps. Be accurate; say so when something \
is a simplification. Keep it under 250 words and use Discord markdown (no tables, no headings).
Ground your answer in the course notes below when they are relevant, using their terms so the \
member can look them up; if they do not cover the question, answer from general knowledge.
Never mention, address or ping anyone (no @-mentions). Do not solve today's group challenge for \
the member: if the question is that challenge, give a hint and the idea behind it instead."""

SUGGESTIONS = 5  # terms suggested when nothing matched


def grounding_messages(
    question: str,
    hits: Sequence[Hit],
    curriculum: Curriculum,
    *,
    phase: Phase | None,
    challenge_prompt: str | None,
) -> list[dict[str, str]]:
    """The chat messages for the model: the system prompt with notes and phase, then the question."""
    parts = [SYSTEM_PROMPT]
    if phase is not None:
        parts.append(f"The group is currently in the phase “{phase.title}”: {phase.summary}")
    if challenge_prompt:
        parts.append(f"Today's group challenge (hints only, never its answer): {challenge_prompt}")
    if hits:
        notes = "\n".join(_note_for_prompt(hit, curriculum) for hit in hits)
        parts.append(f"Course notes that may be relevant:\n{notes}")
    else:
        parts.append("No course note matched this question.")
    return [{"role": "system", "content": "\n\n".join(parts)}, {"role": "user", "content": question}]


def notes_answer(hits: Sequence[Hit], curriculum: Curriculum, *, phase: Phase | None) -> str:
    """The answer from the notes alone (Discord markdown)."""
    if not hits:
        return _nothing_matched(curriculum, phase)
    if not is_confident(hits):
        return _loosely_matched(hits, curriculum)
    # The best note, and in a comparison ("bagging vs boosting") the other side the question named.
    shown = [hits[0], *[hit for hit in hits[1:] if hit.phrase is not None][:1]]
    blocks = [_note_block(hit, curriculum) for hit in shown]
    others = [hit.concept.term for hit in hits if hit not in shown]
    if others:
        blocks.append("**See also:** " + " · ".join(others))
    return "\n\n".join(blocks)


def grounded_on(terms: Sequence[str]) -> str:
    """The footer naming the notes an answer was grounded on."""
    if not terms:
        return "📚 No concept note matched this question"
    return "📚 Grounded on: " + " · ".join(terms)


def suggestions(curriculum: Curriculum, phase: Phase | None, limit: int = SUGGESTIONS) -> list[str]:
    """Terms worth asking about: the current phase's notes, else the roadmap's first ones."""
    concepts = curriculum.concepts_in(phase.id) if phase is not None else curriculum.concepts
    return [concept.term for concept in concepts[:limit]]


# ----- pieces ---------------------------------------------------------------------------------------


def _note_for_prompt(hit: Hit, curriculum: Curriculum) -> str:
    concept = hit.concept
    aliases = f" (also: {', '.join(concept.aliases)})" if concept.aliases else ""
    related = _related_terms(concept, curriculum)
    tail = f" Related: {', '.join(related)}." if related else ""
    return f"- {concept.term}{aliases}: {concept.explanation}{tail}"


def _note_block(hit: Hit, curriculum: Curriculum) -> str:
    concept = hit.concept
    phase = curriculum.phase(hit.phase_id)
    lines = [f"**{concept.term}**" + (f" · *{phase.title}*" if phase else ""), concept.explanation]
    related = _related_terms(concept, curriculum)
    if related:
        lines.append("**Related:** " + " · ".join(related))
    resource = _resource_line(hit, curriculum)
    if resource:
        lines.append(resource)
    return "\n".join(lines)


def _loosely_matched(hits: Sequence[Hit], curriculum: Curriculum) -> str:
    matched = list(dict.fromkeys(word for hit in hits for word in hit.matched))
    words = ", ".join(f"*{word}*" for word in matched) or "a few words"
    lines = [
        "I couldn't find a note that answers exactly that. "
        f"These notes matched {words} in your question and may still help:"
    ]
    for hit in hits:
        lines.append(f"• **{hit.concept.term}**: {_first_sentence(hit.concept.explanation)}")
    terms = list(dict.fromkeys([hit.concept.term for hit in hits] + _related_terms(hits[0].concept, curriculum)))
    lines.append("")
    lines.append("Try asking about one of these terms: " + " · ".join(terms[:6]))
    return "\n".join(lines)


def _nothing_matched(curriculum: Curriculum, phase: Phase | None) -> str:
    where = f"from your group's current phase, *{phase.title}*" if phase else "from the roadmap"
    terms = " · ".join(suggestions(curriculum, phase))
    return (
        "I couldn't find that in the course notes. Try rephrasing with the key term, for example "
        f"“what is …” or “X vs Y”. A few concepts {where} you can ask about: {terms}"
    )


def _related_terms(concept: Concept, curriculum: Curriculum) -> list[str]:
    related = (curriculum.concept(concept_id) for concept_id in concept.related)
    return [note.term for note in related if note is not None]


def _resource_line(hit: Hit, curriculum: Curriculum) -> str | None:
    concept = hit.concept
    resource = curriculum.resource(hit.phase_id, concept.resource) if concept.resource else None
    if resource is None:
        phase = curriculum.phase(hit.phase_id)
        resource = phase.resources[0] if phase else None
    if resource is None:
        return None
    # <...> keeps Discord from unfurling a preview under every answer.
    title = f"[{resource.title}](<{resource.url}>)" if resource.url else resource.title
    return f"📖 Learn more: {title}"


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]
