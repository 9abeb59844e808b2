"""Keywords: the few words and phrases that set an article apart, by tf-idf over candidate phrases.

How: the text is cut into clauses at punctuation; within a clause, runs of words that are not stop words
(`stop_words`: the function words of the article's language) give the candidates: single words and phrases
of two or three words (in German, which capitalises every noun, noun phrases only). A candidate scores

    occurrences (title counted twice, the first 100 words half again) x mean rarity of its words x length bonus

where a word's rarity is -log10 of its frequency in the language at large (wordfreq, 42 languages; the
same background the story clustering uses): "the" weighs about 1.3, "ceasefire" 5, a name wordfreq has
never seen 8. A candidate must occur at least twice, or in the title, to count, so a rare word in passing
does not. The best candidates are taken in order, skipping one that shares a word with a phrase already
taken ("Putin" after "Vladimir Putin") or is a form of one ("profits" after "profit"), and written in the
spelling the text uses most. In a language wordfreq does not know every word weighs the same.

Chinese, Japanese and Thai, written without spaces, give single units instead of words
(`transforms/text/wordcount.py`): Japanese kanji and katakana runs ("外務省", "エジプト"), Thai segments, and
the Chinese character bigrams that wordfreq lists as words ("经济"; a bigram across two words is not one).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator

from transforms.text import wordcount

MAX_KEYWORDS = 10
MAX_WORDS = 1500  # words read: keywords come from what the article is about, stated early
LEAD_WORDS = 100
LEAD_BOOST = 1.5
TITLE_COUNT = 2
PHRASE_BONUS = {1: 1.0, 2: 1.5, 3: 1.8}
MIN_WORD_CHARS = 3
MIN_UNIT_CHARS = 2  # a Chinese/Japanese word is mostly two characters

_CLAUSE = re.compile(r"[.!?;:,()\[\]{}\"“”«»„‘’|/\\\n\t–—]+|\s[-']\s|'s\b|’s\b")
_WORD = re.compile(r"[^\W_](?:[\w'’&.-]*\w)?")  # ends in a letter or digit, never in "."
_CHARS_PER_WORD = 10  # generous (news has about 6 with spaces and punctuation); only sizes a first slice
# French, Italian and Catalan write an article, preposition or pronoun into the next word: "l'État",
# "d'Emmanuel Macron", "qu'il", "dell'Unione". The elided word is a stop word (its full form, "le", "de",
# "que", "della", is listed), so it is cut off as one, or "qu'il" and "c'est" become keywords.
_ELIDING = frozenset({"fr", "it", "ca"})
_ELISION = re.compile(r"\b([^\W\d_]{1,7})['’](?=[^\W\d_])")
_ELIDED_VOWELS = ("", "e", "a", "o", "i")
# German and Luxembourgish capitalise every noun: a keyword there is a noun phrase (`_noun_phrase`).
_NOUNS_CAPITALISED = frozenset({"de", "lb"})

# jusText's stop-word list names for the languages stopwords-iso also lists; others use English.
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
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "ru": "Russian",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "hu": "Hungarian",
    "ro": "Romanian",
    "el": "Greek",
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "ga": "Irish",
    "gl": "Galician",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hy": "Armenian",
    "id": "Indonesian",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mr": "Marathi",
    "ms": "Malay",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sw": "Swahili",
    "tl": "Tagalog",
    "ur": "Urdu",
    "vi": "Vietnamese",
}
# Words no list names that say nothing about a news article (in any language: English titles and quotes
# stand in other languages' texts).
_EXTRA_STOP_WORDS = (
    "said says say told tells according also would could one two three new year years week weeks "
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow mr mrs ms dr "
    "percent per cent including people time first last additionally however meanwhile the and of"
)
_EXTRA_STOP = frozenset(_EXTRA_STOP_WORDS.split())
# A word among this many of a language's most frequent ones confirms stopwords-iso's list (below).
_FREQUENT = 300


@functools.lru_cache(maxsize=32)
def stop_words(language: str | None) -> frozenset[str]:
    """Lower-cased stop words for an ISO 639-1 code (English when unknown): the function words, which cut
    phrases and are never keywords.

    No one list is right alone. stopwords-iso's lists (58 languages) hold the pronouns and auxiliaries
    ("your", "ich", "wir") but, merged from many sources, also "microsoft", "computer" and "bill" in English.
    jusText's lists, the most frequent words of Wikipedia, hold "government", "war", "film", "London" and
    "Regierung", and lack "your", "our", "ich", "uns". So a word of stopwords-iso's list is a stop word when
    jusText's list or the language's `_FREQUENT` most frequent words (wordfreq) name it too; its contractions
    always are.
    """
    import justext
    import stopwordsiso

    code = (language or "en").lower()
    code = "no" if code == "nb" else code  # Norwegian Bokmål: stopwords-iso's "no"
    if not stopwordsiso.has_lang(code):
        code = "en"
    try:
        frequent_in_wikipedia = justext.get_stoplist(_STOPLIST.get(code, "English"))
    except (ValueError, KeyError, OSError):
        frequent_in_wikipedia = justext.get_stoplist("English")
    table = _frequencies(code) or {}
    frequent = set(heapq.nlargest(_FREQUENT, table, key=table.__getitem__))
    confirming = {w.lower() for w in frequent_in_wikipedia} | frequent
    listed = {w.lower() for w in stopwordsiso.stopwords(code)}
    # Contractions are grammar ("isn't", "c'est"), confirmed or not. A curly apostrophe ends a clause
    # (`_CLAUSE`), so "doesn’t" leaves "doesn": a contraction's stem stops too.
    contractions = {w for w in listed if "'" in w}
    stems = {w.split("'")[0] for w in contractions}
    return frozenset(w for w in listed if w in confirming) | contractions | stems | _EXTRA_STOP


UNSEEN_RARITY = 8.0  # -log10 of a frequency below wordfreq's lists ("Witkoff")


@functools.lru_cache(maxsize=16)
def _frequencies(language: str) -> dict[str, float] | None:
    """wordfreq's word frequencies for an ISO 639-1 code, or None when it has no list for the language."""
    import wordfreq

    if language not in wordfreq.available_languages(wordlist="small"):
        return None
    return wordfreq.get_frequency_dict(language, wordlist="small")


def warm_up(language: str = "en") -> None:
    """Load the stop words and word frequencies of a language now rather than on its first article."""
    stop_words(language)
    _frequencies(language)


def rarity(word: str, language: str | None) -> float:
    """-log10 of the word's frequency in its language (1.0 for every word in a language wordfreq lacks)."""
    return _rarity_in(_frequencies((language or "en").lower()), word)


def known_rarity(word: str, language: str | None) -> float | None:
    """`rarity`, or None when wordfreq has no list for the language (no word is known common there)."""
    table = _frequencies((language or "en").lower())
    return None if table is None else _rarity_in(table, word)


def _rarity_in(table: dict[str, float] | None, word: str) -> float:
    """`rarity` with the language's frequencies looked up already."""
    if table is None:
        return 1.0
    frequency = table.get(word.lower(), 0.0)
    return -math.log10(frequency) if frequency > 10.0**-UNSEEN_RARITY else UNSEEN_RARITY


def extract_keywords(
    text: str, title: str | None = None, language: str | None = None, k: int = MAX_KEYWORDS
) -> list[str]:
    """Up to `k` keywords of an article, best first."""
    stop = stop_words(language)
    capitalises_nouns = (language or "").lower() in _NOUNS_CAPITALISED
    if (language or "").lower() in _ELIDING:
        text, title = _cut_elisions(text or "", stop), title and _cut_elisions(title, stop)
    # Every 1-3 word phrase of every run, in the order they are met (a run's single words, then its pairs, then
    # its triples): lower-cased, as written, and where. Built by C-level joins and counted by Counters, not
    # one phrase at a time in Python (that loop was a third of the cost of keywords); the counts, the first
    # place of each phrase and the order of its spellings come out as the phrase-by-phrase loop made them.
    keys: list[str] = []
    surfaces: list[str] = []
    places: list[int] = []

    def add(words: list[str], lowered: list[str], at: int) -> None:
        n = len(words)
        keys.extend(lowered)
        surfaces.extend(words)
        places.extend(range(at, at + n))
        if n > 1:
            keys.extend(map(" ".join, itertools.pairwise(lowered)))
            surfaces.extend(map(" ".join, itertools.pairwise(words)))
            places.extend(range(at, at + n - 1))
        if n > 2:
            keys.extend(map(" ".join, zip(lowered, lowered[1:], lowered[2:], strict=False)))
            surfaces.extend(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
            places.extend(range(at, at + n - 2))

    # Chinese, Japanese and Thai have no spaces: their candidates are `wordcount.units` (Japanese kanji and
    # katakana runs, Chinese bigrams, Thai segments), each on its own (no phrases of them).
    spaceless = wordcount.spaceless(text or "") or wordcount.spaceless(title or "")
    japanese = spaceless and wordcount.is_japanese((title or "") + (text or ""))
    title_runs = _clauses(title or "", stop, spaceless=spaceless, japanese=japanese)
    body_runs = _clauses(text or "", stop, MAX_WORDS, spaceless=spaceless, japanese=japanese)
    short = sum(len(words) + 1 for words, _ in body_runs) < 150
    # Beyond a short text a phrase is kept only with a count of 2, and one holding a word that the title and
    # body have once occurs once: in the body it counts 1.5 at most, and a phrase of the title alone is not
    # kept. So such words are cut out of the body's runs before phrases are built (about half of them).
    once: set[str] = set()
    if not short:
        seen = Counter(itertools.chain.from_iterable(lowered for _, lowered in title_runs + body_runs))
        once = {word for word, n in seen.items() if n == 1}

    for words, lowered in title_runs:
        add(words, lowered, -1)  # uncut: a title word alone counts 2
    title_end, lead_end = len(keys), -1
    position = 0
    for words, lowered in body_runs:
        if lead_end < 0 and position >= LEAD_WORDS:
            lead_end = len(keys)  # the runs that start in the lead (LEAD_BOOST) come first
        if once.isdisjoint(lowered):
            add(words, lowered, position)
        else:
            for start, end in _pieces(lowered, once):
                add(words[start:end], lowered[start:end], position + start)
        position += len(words) + 1
    if lead_end < 0:
        lead_end = len(keys)

    in_title = Counter(keys[:title_end])
    in_lead = Counter(keys[title_end:lead_end])
    in_rest = Counter(keys[lead_end:])
    total = Counter(keys)
    # The first place of each phrase, as met (the last write of a key wins: walk backwards).
    first_seen = dict(zip(reversed(keys), reversed(places), strict=True))

    weights: dict[str, float] = {}
    table = _frequencies((language or "en").lower())

    def weigh(word: str) -> float:
        weight = weights.get(word)
        if weight is None:
            weight = weights[word] = _rarity_in(table, word)
        return weight

    scored = []
    # Beyond a short text a phrase met once counts 2 only in the title (1.5 at most in the body): only
    # phrases met twice or in the title can reach 2.
    candidates = total if short else [key for key, n in total.items() if n > 1 or key in in_title]
    for key in candidates:
        lead, rest = in_lead.get(key, 0), in_rest.get(key, 0)
        # Weights are multiples of 0.5 and counts small, so this sum is exact: the same float as adding the
        # weights one occurrence at a time.
        count = TITLE_COUNT * in_title.get(key, 0) + LEAD_BOOST * lead + float(rest)
        if count < 2 and not short:
            continue  # once in passing (most phrases: checked before splitting them)
        grams = key.split()
        if len(grams) > 1 and not (lead or rest):
            continue  # a phrase only the title has ("gets jail term")
        weight = weigh(key) if len(grams) == 1 else sum(weigh(w) for w in grams) / len(grams)  # 1 word: the same
        scored.append((count * weight * PHRASE_BONUS[len(grams)], -first_seen[key], key))
    chosen: list[str] = []
    used: set[str] = set()
    spelled = Counter(zip(keys, surfaces, strict=True))  # per spelling, in the order first met
    first_spelling = dict(zip(reversed(keys), reversed(surfaces), strict=True))
    for _, _, key in _best_first(scored):
        parts = set(key.split())
        if parts & used or any(_variant(word, other) for word in parts for other in used):
            continue
        first = first_spelling[key]
        if spelled[key, first] == total[key]:
            spelling = first  # written one way only
        else:
            forms = {surface: n for (phrase, surface), n in spelled.items() if phrase == key}
            spelling = max(forms, key=forms.__getitem__)  # the most common spelling, first on ties
        if capitalises_nouns and not _noun_phrase(spelling):
            continue
        chosen.append(spelling)
        used |= parts
        if len(chosen) >= k:
            break
    return chosen


def _noun_phrase(phrase: str) -> bool:
    """Whether a keyword of a language that capitalises nouns is a noun phrase: nouns and names, after at most
    one modifier ("Bundesregierung", "erneuerbare Energien", "Airbus Helicopters", "iPhone"), not an adjective
    or verb ("aktiv", "basierend") nor a clause ("Mitarbeiter fordern", "Landes kappt Flugverbindungen",
    "fordern neues Streaming-Modell")."""
    capitalised = [not word.islower() for word in phrase.split()]
    return all(capitalised[1:]) and (capitalised[0] or len(capitalised) > 1)


def _cut_elisions(text: str, stop: frozenset[str]) -> str:
    """`text` with each elided stop word ("l'", "qu'", "dell'") made a clause break (as a curly apostrophe is
    already); "aujourd'hui" and "Sant'Angelo" stay whole."""

    def cut(match: re.Match[str]) -> str:
        head = match.group(1).lower()
        # "jusqu'", "lorsqu'", "puisqu'": que's compounds, which no list holds whole.
        elided = head.endswith("qu") or any(head + vowel in stop for vowel in _ELIDED_VOWELS)
        return "\n" if elided else match.group(0)

    return _ELISION.sub(cut, text)


_SHORTLIST = 64  # candidates put in order first: `k` keywords are mostly found among far fewer


def _best_first(scored: list[tuple[float, int, str]]) -> Iterator[tuple[float, int, str]]:
    """`sorted(scored, reverse=True)`, sorting all of them only when the best `_SHORTLIST` are used up."""
    if len(scored) <= _SHORTLIST:
        yield from sorted(scored, reverse=True)
        return
    yield from heapq.nlargest(_SHORTLIST, scored)
    yield from sorted(scored, reverse=True)[_SHORTLIST:]


def _clauses(
    text: str, stop: frozenset[str], max_words: int | None = None, *, spaceless: bool = False, japanese: bool = False
) -> list[tuple[list[str], list[str]]]:
    """Runs of candidate words (no stop words, no numbers, at least `MIN_WORD_CHARS` letters), each with
    its words lower-cased. With `spaceless`, clauses in Chinese, Japanese or Thai give their units one by
    one (at least `MIN_UNIT_CHARS` characters)."""
    if max_words is not None and len(text) > max_words * _CHARS_PER_WORD:
        # A long text: the words read lie in its start, so only the start is cut into clauses. A clause is the
        # same in the start as in the whole text unless it lies at the end of the start (where a clause or a
        # separator may be cut short): the answer stands when at least two clauses of the start are left over.
        head = _CLAUSE.split(text[: max_words * _CHARS_PER_WORD])
        runs, read = _runs(head, stop, max_words, spaceless, japanese)
        if read <= len(head) - 3:
            return runs
    return _runs(_CLAUSE.split(text), stop, max_words, spaceless, japanese)[0]


def _runs(
    clauses: list[str], stop: frozenset[str], max_words: int | None, spaceless: bool, japanese: bool
) -> tuple[list[tuple[list[str], list[str]]], int]:
    """`_clauses` of text cut into `clauses`, and the index of the last clause read."""
    runs: list[tuple[list[str], list[str]]] = []
    seen = 0
    read = len(clauses)
    for read, clause in enumerate(clauses):  # noqa: B007  # `read` is returned
        run: list[str] = []
        lowered: list[str] = []
        if spaceless and wordcount.spaceless(clause):
            found = wordcount.units(clause, japanese)
            for unit in found:
                low = unit.lower()
                short = len(unit) < (MIN_UNIT_CHARS if wordcount.spaceless(unit) else MIN_WORD_CHARS)
                # A Chinese bigram is a word or two halves of two ("定无"): only words wordfreq lists count.
                halves = not japanese and wordcount.han(unit) and low not in (_frequencies("zh") or {})
                if not (low in stop or short or halves or unit.isdigit()):
                    runs.append(([unit], [low]))
            seen += len(found)
            if max_words is not None and seen >= max_words:
                break
            continue
        found = _WORD.findall(clause)
        for word in found:
            low = word.lower()
            # isalpha() first: most words are all letters, and then need no look at each character.
            if low in stop or len(word) < MIN_WORD_CHARS or not (word.isalpha() or any(c.isalpha() for c in word)):
                if run:
                    runs.append((run, lowered))
                    run, lowered = [], []
                continue
            run.append(word)
            lowered.append(low)
        if run:
            runs.append((run, lowered))
        seen += len(found)
        if max_words is not None and seen >= max_words:
            break
    return runs, read


def _pieces(words: list[str], cut: set[str]) -> list[tuple[int, int]]:
    """(start, end) of the stretches of `words` left when the words in `cut` are taken out."""
    pieces = []
    start = 0
    for i, word in enumerate(words):
        if word in cut:
            if i > start:
                pieces.append((start, i))
            start = i + 1
    if start < len(words):
        pieces.append((start, len(words)))
    return pieces


def _variant(a: str, b: str) -> bool:
    """Whether two words look like forms of one ("profit"/"profits", "Russia"/"Russian")."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and len(long) - len(short) <= 3 and long.startswith(short)
