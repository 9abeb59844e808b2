"""Keywords' cheaper forms give the answers of the plain ones they replace (issue 17).

`extract_keywords` counts its phrases with Counters over joined lists rather than phrase by phrase, puts only
its best candidates in order, and cuts only the start of a long text into clauses. The plain forms live here
as the specification, and texts built from the pieces that decide the answer (stop words, capitals, repeated
words, clause punctuation, the lead and the cut) are compared on both.
"""

from __future__ import annotations

import itertools
from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from transforms.text import keywords
from transforms.text.keywords import (
    LEAD_BOOST,
    LEAD_WORDS,
    MAX_KEYWORDS,
    MAX_WORDS,
    PHRASE_BONUS,
    TITLE_COUNT,
    extract_keywords,
    rarity,
    stop_words,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plain_keywords(text: str, title: str | None, language: str | None, k: int = MAX_KEYWORDS) -> list[str]:
    """The phrase-by-phrase form: every phrase counted, its spellings and first place noted, as it is met."""
    stop = stop_words(language)
    counts: dict[str, float] = {}
    in_body: dict[str, int] = {}
    spellings: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}

    def add(words: list[str], lowered: list[str], weight: float, at: int) -> None:
        for size in range(1, min(len(words), 3) + 1):
            for i in range(len(words) - size + 1):
                key, surface = " ".join(lowered[i : i + size]), " ".join(words[i : i + size])
                counts[key] = counts.get(key, 0.0) + weight
                if at >= 0:
                    in_body[key] = in_body.get(key, 0) + 1
                if key not in spellings:
                    spellings[key], first_seen[key] = Counter(), at + i
                spellings[key][surface] += 1

    def whole(part: str, max_words: int | None) -> list[tuple[list[str], list[str]]]:  # every clause cut
        return keywords._runs(keywords._CLAUSE.split(part), stop, max_words, False, False)[0]

    title_runs, body_runs = whole(title or "", None), whole(text, MAX_WORDS)
    short = sum(len(words) + 1 for words, _ in body_runs) < 150
    seen = Counter(itertools.chain.from_iterable(lowered for _, lowered in title_runs + body_runs))
    once = set() if short else {word for word, n in seen.items() if n == 1}
    for words, lowered in title_runs:
        add(words, lowered, TITLE_COUNT, -1)
    position = 0
    for words, lowered in body_runs:
        weight = LEAD_BOOST if position < LEAD_WORDS else 1.0
        for start, end in keywords._pieces(lowered, once):
            add(words[start:end], lowered[start:end], weight, position + start)
        position += len(words) + 1
    scored = []
    for key, count in counts.items():
        grams = key.split()
        if (count < 2 and not short) or (len(grams) > 1 and not in_body.get(key)):
            continue
        weight = sum(rarity(w, language) for w in grams) / len(grams)
        scored.append((count * weight * PHRASE_BONUS[len(grams)], -first_seen[key], key))
    chosen: list[str] = []
    used: set[str] = set()
    for _, _, key in sorted(scored, reverse=True):
        parts = set(key.split())
        if parts & used or any(keywords._variant(word, other) for word in parts for other in used):
            continue
        chosen.append(spellings[key].most_common(1)[0][0])  # the most common spelling, first on ties
        used |= parts
        if len(chosen) >= k:
            break
    return chosen


# Words that repeat (so phrases reach a count of 2), in two spellings, stop words that cut runs, forms of one
# word, and the punctuation that ends a clause.
WORDS = [
    "Harbour",
    "harbour",
    "HARBOUR",
    "dredging",
    "budget",
    "Budget",
    "council",
    "profit",
    "profits",
    "Putin",
    "Vladimir",
    "Zanzibar",
    "island",
    "the",
    "and",
    "said",
    "of",
    "2026",
    "U.S.",
    "O'Neill's",
    "co-op",
]
SEPARATORS = [" ", " ", " ", ", ", ". ", "; ", " (", ") ", " - ", "\n", "’s "]
piece = st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)).map("".join)
texts = st.lists(piece, max_size=400).map("".join)


@SETTINGS
@given(texts, st.one_of(st.none(), texts.map(lambda t: t[:80])))
@example("Harbour dredging budget. " * 400, "Harbour budget")  # long: only the start is cut into clauses
@example(("the harbour " * 7499) + "council, council", None)  # the words read end right at the cut
def test_keywords_are_the_plain_forms(text: str, title: str | None) -> None:
    assert extract_keywords(text, title, "en") == plain_keywords(text, title, "en")
    assert extract_keywords(text, title, "en", k=100) == plain_keywords(text, title, "en", k=100)  # all, in order


@SETTINGS
@given(st.lists(piece, min_size=1, max_size=3000).map("".join), st.integers(1, 2000))
def test_the_clauses_of_a_long_texts_start_are_its_clauses(text: str, max_words: int) -> None:
    stop = stop_words("en")
    whole = keywords._runs(keywords._CLAUSE.split(text), stop, max_words, False, False)[0]
    assert keywords._clauses(text, stop, max_words) == whole
