"""Find the concept notes that answer a member's question: `/ask` answers from them without an LLM
and grounds the prompt with them when one is configured.

`ConceptIndex` is built once from the curriculum's notes; `search` returns at most `limit` hits,
best first, and raises nothing whatever the question. How a question is read:

- Words are casefolded, stripped of accents and punctuation and lightly stemmed, so "Overfitting?",
  "overfit" and "over-fitting" agree, as do British and American spellings ("normalisation").
  Two words a note writes as one are joined ("back propagation", "hyper parameter").
- Stop words and question fluff ("what is", "explain", "difference between") carry no weight, though
  they still complete a phrase ("cosine of the angle").
- A word the notes never use is read as the nearest word they do use: one edit away for words of 5+
  letters, two for 8+ (then only words of terms and aliases), so "gradiant", "overfiting" and
  "backpropogation" are understood. A word the notes use only once or twice outside any term may
  also stand for a term word one edit away: "decent" appears in a note, but "gradient decent"
  means descent.
- Notes are scored BM25-style over term + aliases (weighted highest) and explanation; a term or alias
  spelt out as a phrase ("bias variance tradeoff") earns a bonus on top. Where phrases overlap only
  the longest counts, so "gradient descent" earns no bonus for the note on gradients.
- In a comparison ("bagging vs boosting", "difference between precision and recall") each side's best
  note is kept among the hits, even if notes mentioning both sides score higher.
- `phase_id` (the group's current phase) multiplies its notes' scores slightly; it never filters.

Scores rank the hits of one question only; `is_confident` says whether the best hit answers the
question or only deserves a mention as a related term.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from bot.curriculum.loader import Curriculum
    from bot.curriculum.models import Concept

__all__ = ["MAX_QUESTION_WORDS", "ConceptIndex", "Hit", "is_confident"]

# Bounds the work done per question; real questions are far shorter.
MAX_QUESTION_WORDS: Final = 64
_MAX_QUESTION_CHARS: Final = 2000

# BM25F. A term or alias word counts as three explanation words; names are short, so only
# explanations are normalised by length.
_K1: Final = 1.2
_B_TEXT: Final = 0.75
_NAME_WEIGHT: Final = 3.0
_PHRASE_WEIGHT: Final = 0.6  # bonus per unit of idf of a term or alias spelt out in the question
_TERM_WEIGHT: Final = 1.15  # spelling out the term itself beats spelling out one of its aliases
_PHASE_BOOST: Final = 1.1
_MIN_RELATIVE_SCORE: Final = 0.1  # a hit scoring under this share of the best one is noise
# How far we trust a corrected word: one edit is nearly certain, two less so.
_TYPO_WEIGHT: Final[Mapping[int, float]] = {1: 0.8, 2: 0.6}
_RARE_WORD_DF: Final = 2  # a word in at most this many notes, none naming it, may be a typo
_RARE_WORD_WEIGHT: Final = 0.7
_CONFIDENT_COVERAGE: Final = 0.5
_INDEXED_LENGTH: Final = 7  # words of terms this long are indexed for typos of up to two edits
_MAX_TYPO_WORD: Final = 40  # longer "words" are not typos of ours, and their edits cost quadratic time

# Generic English plus the fluff of questions, compared as written (unstemmed).
_STOP_TEXT: Final = """
    a about above after again against ago all almost also although am among an and another any
    anyone anything are aren around as at be because been before being below between both but by can
    cannot cant could couldn d did didn do does doesn doing don done down during each either else even
    ever every few for from further get gets getting give gives go goes going got had has hasn have
    haven having he her here hers him his how however i if in into is isn it its itself just ll let
    lets m may me might more most much must my myself no nor not now of off often on once one only or
    other our ours out over own per please pls plz re really s same shall she should shouldn so some
    something such t than that thats the their theirs them then there these they thing things this
    those though through thus to too u under until up upon ur us ve very was wasn we were weren what
    whats when where whether which while who whom whose why will with within without won would
    wouldn y yes yet you your yours yourself
    basically actually exactly simply simple briefly brief quick quickly short
    explain explained explaining explanation define defined definition meaning
    difference differences different differ differs compare compared comparing comparison contrast
    distinguish versus vs v
    tell know understand understanding confused confusing clarify describe summarize summarise
    example examples eli5 hey hi hello thanks thank guys anybody someone somebody help want wants
    question questions ask asking stuck
    mean means meant
    use used uses using need needs work works purpose point idea concept concepts notion term terms
    word words like way ways kind sort
    good bad great better best worse worst lot lots many wrong
"""
_STOP_WORDS: Final = frozenset(_STOP_TEXT.split())
# "mean" is fluff in "what does X mean" and "what is meant by X", a statistic elsewhere.
_MEAN_WORDS: Final = frozenset({"mean", "means", "meant"})
_MEAN_FLUFF_BEFORE: Final = frozenset({"does", "do", "did"})
# Comparisons: "vs" always splits a question into sides; "and"/"or"/... only after a cue.
_COMPARISON_CUES: Final = frozenset(
    {"difference", "differences", "different", "differ", "differs", "compare", "compared", "comparing",
     "comparison", "contrast", "distinguish", "between", "versus", "vs", "v"}
)  # fmt: skip
_ALWAYS_HINGES: Final = frozenset({"vs", "versus", "v"})
_CUED_HINGES: Final = frozenset({"and", "or", "with", "to", "from", "against"})

_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz"
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")  # accents, once NFKD has split them off letters
_WORD = re.compile(r"[^\W_]+")
_PARENTHESES = re.compile(r"\([^)]*\)")

# --- words --------------------------------------------------------------------------------------

_IRREGULAR: Final[Mapping[str, str]] = {
    "matrices": "matrix",
    "indices": "index",
    "vertices": "vertex",
    "axes": "axis",
    "analyses": "analysis",
    "hypotheses": "hypothesis",
    "criteria": "criterion",
    "neighbours": "neighbor",
    "neighbour": "neighbor",
}
_BRITISH_IS = re.compile(r"(?<=[a-z]{3})is(e|ed|es|er|ers|ing|ation|ations)$")
_BRITISH_YS = re.compile(r"(?<=[a-z]{2})ys(e|ed|es|er|ing)$")
_BRITISH_ELL = re.compile(r"(?<=[a-z]{2})ell(ed|ing)$")
_BRITISH_ENDINGS: Final = ("e", "ed", "es", "er", "ers", "ing", "ation", "ations")
_VOWEL = re.compile(r"[aeiouy]")
_NO_PLURAL_ENDINGS: Final = ("ss", "us", "is", "as")


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """A light stemmer: British spellings, plurals, -ing/-ed, -ization/-ation/-ion, final e.

    It only has to agree with itself: notes and questions go through the same function, so a stem
    that is not an English word ("imput" for impute and imputation) does no harm.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(_BRITISH_ENDINGS):
        word = _BRITISH_IS.sub(r"iz\1", word)
        word = _BRITISH_YS.sub(r"yz\1", word)
        word = _BRITISH_ELL.sub(r"el\1", word)
    if word.endswith("ogue"):
        word = word[:-2]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(_NO_PLURAL_ENDINGS):
        word = word[:-1]
    if len(word) > 5 and word.endswith("our"):
        word = word[:-2] + "r"
    if word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    for suffix in ("ing", "ed"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and _VOWEL.search(stem):
            if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouylsz":
                stem = stem[:-1]  # fitting -> fit, embedded -> embed
            if stem.endswith("at") and len(stem) >= 6:
                stem = stem[:-2]  # correlated -> correl, like correlation
            word = stem
            break
    if word.endswith("ization"):
        word = word[:-5]
    elif word.endswith("ication") and len(word) >= 9:
        word = word[:-7] + "y"
    elif word.endswith("izer"):
        word = word[:-2]
    elif word.endswith("ation") and len(word) >= 9:
        word = word[:-5]
    elif word.endswith(("tion", "sion", "ate")) and len(word) >= 7:
        word = word[:-3]
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


_STOP_STEMS: Final = frozenset(_stem(word) for word in _STOP_WORDS)


def _words(text: str) -> list[str]:
    """Casefolded words without accents or punctuation: "Bayes' théorème" -> ["bayes", "theoreme"]."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", folded))
    return _WORD.findall(folded)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (swapping two neighbours costs 1); limit + 1 once above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _deletions(word: str, depth: int) -> set[str]:
    """`word` and every string made from it by deleting up to `depth` letters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _edits(word: str) -> set[str]:
    """Every string one edit from `word`: a letter deleted, inserted or replaced, or two swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {left + right[1:] for left, right in splits if right}
    found.update(left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1)
    found.update(left + letter + right[1:] for left, right in splits if right for letter in _ALPHABET)
    found.update(left + letter + right for left, right in splits for letter in _ALPHABET)
    return found


def _max_typos(word: str) -> int:
    """How many edits we assume a word carries: none under 5 letters (too many near misses)."""
    if not 5 <= len(word) <= _MAX_TYPO_WORD or not word.isalpha():
        return 0
    return 1 if len(word) < 8 else 2


# --- hits ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One concept note found for a question.

    `score` ranks the hits of one question only. `matched` lists the question's words the note
    matched, spelt as the notes spell them (so typos show corrected: "gradient"). `phrase` is the
    term or alias the question spelt out, if any. `coverage` is the share (0-1) of the question's
    meaningful words, weighted by rarity and by how sure we are of corrections, that the note
    matched anywhere; `name_coverage` the share its term and aliases matched. In a comparison
    both are measured against the side of the question the note answers best.
    """

    concept: Concept
    phase_id: str
    score: float
    matched: tuple[str, ...]
    phrase: str | None
    coverage: float
    name_coverage: float


def is_confident(hits: Sequence[Hit]) -> bool:
    """Whether the best hit answers the question, rather than being worth a mention as related.

    It must match at least half of what the question asks about, and be named by it: a term or
    alias spelt out, or term and alias words covering half the question. A note that merely
    mentions the question's words ("how do I cook pasta" -> a note saying "pasted") is not enough.
    """
    if not hits:
        return False
    best = hits[0]
    named = best.phrase is not None or best.name_coverage >= _CONFIDENT_COVERAGE
    return named and best.coverage >= _CONFIDENT_COVERAGE


# --- the index ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Phrase:
    stems: tuple[str, ...]  # stop words included
    doc: int
    text: str  # the term or alias as written
    weight: float  # the bonus when spelt out in full


@dataclass(frozen=True, slots=True)
class _Position:
    """One word of a question: the stems it may stand for, each with how sure we are of it."""

    word: str
    options: Mapping[str, float]
    content: bool  # False for stop words and fluff


class ConceptIndex:
    """A search index over concept notes, built once (tens of milliseconds for 240 notes)."""

    __slots__ = (
        "_by_first_stem",
        "_concepts",
        "_df",
        "_display",
        "_doc_names",
        "_doc_words",
        "_idf",
        "_max_idf",
        "_name_vocab",
        "_name_words",
        "_phase_of",
        "_postings",
        "_stems",
        "_typo_index",
    )

    def __init__(self, phases: Mapping[str, Sequence[Concept]]) -> None:
        """Index the notes of each phase (phase id -> its notes); a note listed twice counts once."""
        self._concepts: list[Concept] = []
        self._phase_of: list[str] = []
        seen: set[str] = set()
        for phase_id, concepts in phases.items():
            for concept in concepts:
                if concept.id not in seen:
                    seen.add(concept.id)
                    self._concepts.append(concept)
                    self._phase_of.append(phase_id)
        self._stems: dict[str, str] = {}  # every word the notes use -> its stem
        self._display: dict[str, str] = {}  # stem -> the word shown for it (see below)
        self._name_words: set[str] = set()  # the words of terms, aliases and ids
        phrases: list[_Phrase] = []
        self._doc_names: list[frozenset[str]] = []
        text_counts: list[dict[str, int]] = []
        for doc, concept in enumerate(self._concepts):
            names = self._name_phrases(doc, concept)
            phrases.extend(names)
            self._doc_names.append(frozenset(stem for phrase in names for stem in phrase.stems))
            counts: dict[str, int] = defaultdict(int)
            for word in _words(concept.explanation):
                counts[self._stems.get(word) or self._learn(word)] += 1
            text_counts.append(counts)
        self._name_vocab = frozenset(stem for names in self._doc_names for stem in names)
        # A stem is shown as a term's word if one has it, else as its shortest form in the notes
        # ("gradient", not "gradients"); a joined-up phrase as itself ("kmeans").
        by_preference = sorted(self._stems, key=lambda word: (word not in self._name_words, len(word), word))
        for word in by_preference:
            self._display.setdefault(self._stems[word], word)
        for phrase in phrases:
            self._display.setdefault(phrase.stems[0], "".join(_words(phrase.text)))
        self._doc_words = [
            in_name | counts.keys() for in_name, counts in zip(self._doc_names, text_counts, strict=True)
        ]

        docs = len(self._concepts)
        self._df: dict[str, int] = defaultdict(int)
        for words in self._doc_words:
            for stem in words:
                self._df[stem] += 1
        self._idf = {stem: math.log(1 + (docs - df + 0.5) / (df + 0.5)) for stem, df in self._df.items()}
        self._max_idf = math.log(1 + (docs + 0.5) / 0.5)
        lengths = [sum(counts.values()) for counts in text_counts]
        average_length = max(sum(lengths) / max(docs, 1), 1.0)
        # stem -> (note, saturated term frequency): everything about a match but the question.
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, (in_name, counts) in enumerate(zip(self._doc_names, text_counts, strict=True)):
            norm = 1 - _B_TEXT + _B_TEXT * lengths[doc] / average_length
            for stem in self._doc_words[doc]:
                tf = _NAME_WEIGHT * (stem in in_name) + counts.get(stem, 0) / norm
                self._postings[stem].append((doc, tf / (_K1 + tf)))

        self._by_first_stem: dict[str, list[_Phrase]] = defaultdict(list)
        for phrase in phrases:
            content = [stem for stem in phrase.stems if stem not in _STOP_STEMS]
            if content:  # an alias of stop words only ("OVER", "having") would match any question
                rarity = sum(self._idf[stem] for stem in content)
                self._by_first_stem[phrase.stems[0]].append(
                    _Phrase(phrase.stems, phrase.doc, phrase.text, phrase.weight * rarity)
                )

        # Two-edit typos, SymSpell-style: two words within two edits share a string left by deleting
        # at most two letters from each. Only long words of terms and aliases are worth the memory.
        self._typo_index: dict[str, list[str]] = defaultdict(list)
        for word in self._name_words | _STOP_WORDS:
            if len(word) >= _INDEXED_LENGTH and word.isalpha():
                for deleted in _deletions(word, 2):
                    self._typo_index[deleted].append(word)

    @classmethod
    def from_curriculum(cls, curriculum: Curriculum) -> ConceptIndex:
        return cls({phase.id: curriculum.concepts_in(phase.id) for phase in curriculum.phases})

    def __len__(self) -> int:
        return len(self._concepts)

    def _learn(self, word: str) -> str:
        stem = _stem(word)
        self._stems[word] = stem
        return stem

    def _name_phrases(self, doc: int, concept: Concept) -> list[_Phrase]:
        """The phrases naming a note: its term (with and without the parenthesis), aliases and id.

        Each also joined up ("kmeans", "gradientdescent") for members who type it so. `weight` is
        a multiplier here; the index scales it by the phrase's rarity once idf is known.
        """
        named = [(concept.term, _TERM_WEIGHT), (_PARENTHESES.sub(" ", concept.term), _TERM_WEIGHT)]
        named += [(alias, 1.0) for alias in concept.aliases]
        named.append((concept.id.replace("-", " "), 1.0))
        phrases: list[_Phrase] = []
        seen: set[tuple[str, ...]] = set()
        for text, weight in named:
            words = _words(text)
            self._name_words.update(words)
            stems = tuple(self._learn(word) for word in words)
            variants = [stems]
            if 1 < len(words) <= 3:
                variants.append((_stem("".join(words)),))
            for variant in variants:
                if variant and variant not in seen:
                    seen.add(variant)
                    phrases.append(_Phrase(variant, doc, text.strip(), weight))
        return phrases

    # --- reading a question ---

    def _read(self, question: str) -> list[_Position]:
        words = _words(question[:_MAX_QUESTION_CHARS])[:MAX_QUESTION_WORDS]
        positions: list[_Position] = []
        index = 0
        while index < len(words):
            word = words[index]
            after = words[index + 1] if index + 1 < len(words) else ""
            joined = self._join(word, after) if after else None
            if joined is not None:
                positions.append(joined)
                index += 2
                continue
            if word in _STOP_WORDS:
                # Fluff, except "mean" as a statistic: "the mean of" but not "what does X mean".
                content = word in _MEAN_WORDS and not _MEAN_FLUFF_BEFORE.intersection(words[:index]) and after != "by"
                positions.append(_Position(word, {_stem(word): 1.0}, content))
            else:
                positions.append(self._content_word(word))
            index += 1
        return positions

    def _content_word(self, word: str) -> _Position:
        stem = _stem(word)
        if stem in self._df:
            options = {stem: 1.0}
            if self._df[stem] <= _RARE_WORD_DF and stem not in self._name_vocab:
                for near, _ in self._corrections(word, limit=1, names_only=True):
                    if near is not None:
                        options.setdefault(near, _RARE_WORD_WEIGHT)
            return _Position(word, options, True)
        corrections = self._corrections(word, limit=_max_typos(word), names_only=False)
        if any(near is None for near, _ in corrections):
            return _Position(word, {stem: 1.0}, False)  # a typo of fluff: "diffrence", "explian"
        options = {near: _TYPO_WEIGHT[distance] for near, distance in corrections if near is not None}
        return _Position(word, options or {stem: 1.0}, True)

    def _join(self, left: str, right: str) -> _Position | None:
        """One position for two words a note writes as one: "hyper parameter", "back propogation"."""
        joined = left + right
        if left in _STOP_WORDS and right in _STOP_WORDS:
            return None
        left_known = left in self._stems or left in _STOP_WORDS
        right_known = right in self._stems or right in _STOP_WORDS
        if joined in self._name_words or (joined in self._stems and not (left_known and right_known)):
            return _Position(joined, {self._stems[joined]: 1.0}, True)
        if left_known and right_known:
            return None
        corrections = self._corrections(joined, limit=1, names_only=True)
        options = {near: _TYPO_WEIGHT[distance] for near, distance in corrections if near is not None}
        return _Position(joined, options, True) if options else None

    def _corrections(self, word: str, limit: int, names_only: bool) -> list[tuple[str | None, int]]:
        """(stem, edits) of the known words nearest `word`, within `limit` edits; at most three.

        None stands for a stop word. Two edits, or `names_only`, look among the words of terms and
        aliases (and stop words) only.
        """
        if limit <= 0 or not 4 <= len(word) <= _MAX_TYPO_WORD:
            return []
        # Long words of terms are all in the index; other words are found by trying every edit.
        long_names_only = names_only and len(word) >= _INDEXED_LENGTH
        candidates: dict[str, int] = {}
        if not long_names_only:
            candidates = {near: 1 for near in _edits(word) if near in self._stems or near in _STOP_WORDS}
        if limit >= 2 or long_names_only:
            for deleted in _deletions(word, limit):
                for near in self._typo_index.get(deleted, ()):
                    if near not in candidates:
                        candidates[near] = _edit_distance(word, near, limit)
        candidates.pop(word, None)
        nearest: dict[str | None, int] = {}
        for near, distance in candidates.items():
            if distance > limit:
                continue
            is_stop = near in _STOP_WORDS
            if (names_only or distance == 2) and not is_stop and near not in self._name_words:
                continue
            stem = None if is_stop else self._stems[near]
            nearest[stem] = min(distance, nearest.get(stem, distance))
        if not nearest:
            return []
        best = min(nearest.values())
        # Fluff first (a typo is likelier in a common word), then words naming a note, then common
        # words: "recal" reads as "recall", not "real".
        ties = sorted(
            (stem for stem, distance in nearest.items() if distance == best),
            key=lambda stem: (
                (0, 0, "") if stem is None else (1 + (stem not in self._name_vocab), -self._df[stem], stem)
            ),
        )
        return [(stem, best) for stem in ties[:3]]

    # --- scoring ---

    def _score(self, positions: Sequence[_Position]) -> tuple[dict[int, float], dict[int, str]]:
        """Each matching note's score, and the term or alias each was named by, if any."""
        weights: dict[str, float] = {}
        for position in positions:
            if position.content:
                for stem, weight in position.options.items():
                    if stem in self._df and weights.get(stem, 0.0) < weight:
                        weights[stem] = weight
        scores: dict[int, float] = defaultdict(float)
        for stem, weight in weights.items():
            idf = self._idf[stem]
            for doc, saturation in self._postings[stem]:
                scores[doc] += weight * idf * saturation
        named: dict[int, tuple[float, str]] = {}
        for phrase, certainty in self._phrases_in(positions):
            bonus = _PHRASE_WEIGHT * phrase.weight * certainty
            if phrase.doc not in named or named[phrase.doc][0] < bonus:
                named[phrase.doc] = (bonus, phrase.text)
        for doc, (bonus, _) in named.items():
            scores[doc] += bonus
        return scores, {doc: text for doc, (_, text) in named.items()}

    def _phrases_in(self, positions: Sequence[_Position]) -> list[tuple[_Phrase, float]]:
        """The terms and aliases spelt out in the question, with how sure we are of their words.

        Where two overlap only the longer counts: "gradient descent" names gradient descent, not
        gradients.
        """
        found: list[tuple[int, int, _Phrase, float]] = []
        for start in range(len(positions)):
            for first in positions[start].options:
                for phrase in self._by_first_stem.get(first, ()):
                    end = start + len(phrase.stems)
                    if end > len(positions):
                        continue
                    weights = [positions[start + i].options.get(stem) for i, stem in enumerate(phrase.stems)]
                    if all(weight is not None for weight in weights):
                        found.append((start, end, phrase, min(w for w in weights if w is not None)))
        return [
            (phrase, certainty)
            for start, end, phrase, certainty in found
            if not any(s <= start and end <= e and e - s > end - start for s, e, _, _ in found)
        ]

    def _sides(self, positions: Sequence[_Position]) -> list[list[_Position]]:
        """The things compared in "X vs Y" or "difference between X and Y"; [] if not a comparison."""
        if not any(position.word in _COMPARISON_CUES for position in positions):
            return []
        sides: list[list[_Position]] = [[]]
        for position in positions:
            if position.word in _ALWAYS_HINGES or position.word in _CUED_HINGES:
                sides.append([])
            else:
                sides[-1].append(position)
        sides = [side for side in sides if any(position.content for position in side)]
        return sides if len(sides) >= 2 else []

    def _coverage(self, doc: int, positions: Sequence[_Position]) -> tuple[float, float, list[str]]:
        """(coverage, name coverage, matched words) of a note for these words of a question."""
        wanted = anywhere = in_name = 0.0
        matched: list[str] = []
        for position in positions:
            if not position.content:
                continue
            known = {stem: weight for stem, weight in position.options.items() if stem in self._df}
            wanted += max((self._idf[stem] for stem in known), default=self._max_idf)
            present = [
                (weight * self._idf[stem], stem) for stem, weight in known.items() if stem in self._doc_words[doc]
            ]
            if present:
                value, stem = max(present)
                anywhere += value
                in_name += value if stem in self._doc_names[doc] else 0.0
                matched.append(self._display.get(stem, stem))
        if not wanted:
            return 0.0, 0.0, matched
        return anywhere / wanted, in_name / wanted, matched

    def search(self, question: str, limit: int = 3, phase_id: str | None = None) -> list[Hit]:
        """The notes that best answer `question`, best first; [] when none of its words matter or match.

        `phase_id` (the group's current phase) nudges that phase's notes up without excluding others.
        Raises ValueError for a `limit` below 1, and nothing else.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        positions = self._read(question)
        if not any(position.content for position in positions):
            return []
        scores, named = self._score(positions)
        if phase_id is not None:
            for doc in scores:
                if self._phase_of[doc] == phase_id:
                    scores[doc] *= _PHASE_BOOST
        ranked = sorted((doc for doc, score in scores.items() if score > 0), key=lambda doc: (-scores[doc], doc))
        if not ranked:
            return []
        sides = self._sides(positions)
        chosen: list[int] = []
        for side in sides:
            side_scores, _ = self._score(side)
            best = min(side_scores, key=lambda doc: (-side_scores[doc], doc), default=None)
            if best is not None and best not in chosen and scores.get(best, 0.0) > 0:
                chosen.append(best)
        chosen = chosen[:limit]
        floor = scores[ranked[0]] * _MIN_RELATIVE_SCORE
        for doc in ranked:
            if len(chosen) >= limit or scores[doc] < floor:
                break
            if doc not in chosen:
                chosen.append(doc)
        chosen.sort(key=lambda doc: (-scores[doc], doc))
        return [self._hit(doc, scores[doc], named.get(doc), [positions, *sides]) for doc in chosen]

    def _hit(self, doc: int, score: float, phrase: str | None, readings: Sequence[Sequence[_Position]]) -> Hit:
        coverage, name_coverage, matched = self._coverage(doc, readings[0])
        for side in readings[1:]:
            side_coverage, side_name_coverage, _ = self._coverage(doc, side)
            coverage = max(coverage, side_coverage)
            name_coverage = max(name_coverage, side_name_coverage)
        return Hit(
            concept=self._concepts[doc],
            phase_id=self._phase_of[doc],
            score=score,
            matched=tuple(dict.fromkeys(matched)),
            phrase=phrase,
            coverage=coverage,
            name_coverage=name_coverage,
        )
