"""Keywords: the few words and phrases that set an article apart, by tf-idf over candidate phrases.

How: the text is cut into clauses at punctuation; within a clause, runs of words that are not stop words
(jusText's lists, which cover some 100 languages and ship with trafilatura) give the candidates: single
words and phrases of two or three words. A candidate scores

    occurrences (title counted twice, the first 100 words half again) x mean idf of its words x length bonus

where idf is the inverse document frequency over a background of news articles: the 30,000 terms of the
topic model's vocabulary (2,225 BBC articles; see `transforms.topic_model`). Words absent from it (names,
rare words) get the highest idf, so a candidate must occur at least twice, or in the title, to count.
The best candidates are taken in order, skipping one that shares a word with a phrase already taken
("Putin" after "Vladimir Putin"), and written in the spelling the text uses most.

Background frequencies are English; for other languages every word weighs the same and the stop words
of that language still apply.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_KEYWORDS = 10
MAX_WORDS = 1500  # words read: keywords come from what the article is about, stated early
LEAD_WORDS = 100
LEAD_BOOST = 1.5
TITLE_COUNT = 2
PHRASE_BONUS = {1: 1.0, 2: 1.5, 3: 1.8}
MIN_WORD_CHARS = 3

_CLAUSE = re.compile(r"[.!?;:,()\[\]{}\"“”«»„‘’|/\\\n\t–—]+|\s[-']\s|'s\b|’s\b")
_WORD = re.compile(r"[^\W_](?:[\w'’&.-]*\w)?")

# jusText's stop-word list names for the languages newsbeam meets most; others use English.
_STOPLIST = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian_Bokmal",
    "nb": "Norwegian_Bokmal",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "ru": "Russian",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "hu": "Hungarian",
    "ro": "Romanian",
    "el": "Greek",
}
# Words jusText does not list that say nothing about a news article.
_EXTRA_STOP_WORDS = (
    "said says say told tells according also would could one two three new year years week weeks "
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow mr mrs ms dr "
    "percent per cent including people time first last additionally however meanwhile"
)
_EXTRA_STOP = frozenset(_EXTRA_STOP_WORDS.split())


@functools.lru_cache(maxsize=32)
def stop_words(language: str | None) -> frozenset[str]:
    """Lower-cased stop words for an ISO 639-1 code (English when unknown)."""
    import justext

    name = _STOPLIST.get((language or "en").lower(), "English")
    try:
        words = justext.get_stoplist(name)
    except (ValueError, KeyError, OSError):
        words = justext.get_stoplist("English")
    return frozenset(w.lower() for w in words) | _EXTRA_STOP


@dataclass
class KeywordExtractor:
    """Keyword extraction with a background idf table (term -> idf); `default_idf` for unseen words."""

    idf: Mapping[str, float] = field(default_factory=dict)
    default_idf: float = 1.0
    background_language: str = "en"

    @classmethod
    def from_topic_model(cls, vocabulary: list[str] | tuple[str, ...], idf: list[float]) -> KeywordExtractor:
        """Single-word idf from the topic model's vocabulary; unseen words get its highest idf."""
        table = {term: float(value) for term, value in zip(vocabulary, idf, strict=True) if " " not in term}
        return cls(table, max(table.values(), default=1.0))

    def extract(
        self, text: str, title: str | None = None, language: str | None = None, k: int = MAX_KEYWORDS
    ) -> list[str]:
        """Up to `k` keywords, best first."""
        stop = stop_words(language)
        use_idf = bool(self.idf) and (language or self.background_language) == self.background_language
        counts: Counter[str] = Counter()
        in_body: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        first_seen: dict[str, int] = {}
        position = 0

        def add(words: list[str], weight: float, at: int) -> None:
            for size in (1, 2, 3):
                for i in range(len(words) - size + 1):
                    gram = words[i : i + size]
                    key = " ".join(w.lower() for w in gram)
                    counts[key] += weight
                    if at >= 0:
                        in_body[key] += 1
                    spellings.setdefault(key, Counter())[" ".join(gram)] += 1
                    first_seen.setdefault(key, at + i)

        for clause in _clauses(title or "", stop):
            add(clause, TITLE_COUNT, -1)
        for clause in _clauses(text or "", stop, MAX_WORDS):
            weight = LEAD_BOOST if position < LEAD_WORDS else 1.0
            add(clause, weight, position)
            position += len(clause) + 1

        scored = []
        short = position < 150
        for key, count in counts.items():
            words = key.split()
            if (count < 2 and not short) or (len(words) > 1 and not in_body[key]):
                continue  # once in passing, or a phrase only the title has ("gets jail term")
            weight = sum(self.idf.get(w, self.default_idf) for w in words) / len(words) if use_idf else 1.0
            scored.append((count * weight * PHRASE_BONUS[len(words)], -first_seen[key], key))
        scored.sort(reverse=True)
        chosen: list[str] = []
        used: set[str] = set()
        for _, _, key in scored:
            words = set(key.split())
            if words & used or any(_variant(word, other) for word in words for other in used):
                continue
            chosen.append(spellings[key].most_common(1)[0][0])
            used |= words
            if len(chosen) >= k:
                break
        return chosen


def _clauses(text: str, stop: frozenset[str], max_words: int | None = None) -> list[list[str]]:
    """Runs of candidate words (no stop words, no numbers, at least `MIN_WORD_CHARS` letters)."""
    runs: list[list[str]] = []
    seen = 0
    for clause in _CLAUSE.split(text):
        run: list[str] = []
        for word in _WORD.findall(clause):
            seen += 1
            word = word.rstrip(".")
            if word.lower() in stop or len(word) < MIN_WORD_CHARS or not any(c.isalpha() for c in word):
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(word)
        if run:
            runs.append(run)
        if max_words is not None and seen >= max_words:
            break
    return runs


def _variant(a: str, b: str) -> bool:
    """Whether two words look like forms of one ("profit"/"profits", "Russia"/"Russian")."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and len(long) - len(short) <= 3 and long.startswith(short)
