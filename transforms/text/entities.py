"""Named entities (people PER, organisations ORG, places LOC) by rules: a capitalised-sequence chunker with a
gazetteer and context cues. English first; it runs offline in about a millisecond per article.

Why rules and not a statistical model: no NER model that installs from PyPI runs without a download at
run time (spaCy's `en_core_web_sm`, stanza, flair and GLiNER all fetch their weights from GitHub or the
Hugging Face hub; NLTK's chunker needs `nltk.download`), and newsbeam downloads nothing while it runs.
Expect good precision on well-known names and lower recall on rare ones than a trained model would give.

How:
  1. Sentences are split at `.!?` and line ends (not after "Mr.", "Gen.", initials); the words of each
     are scanned for runs of capitalised words, which may hold "of", "de", "van", "bin", ... inside
     ("Bank of England", "Ursula von der Leyen"). A capitalised sentence opener that is a common word
     ("The", "But", "Officials") is not a name.
  2. Known names win, longest first (`data/gazetteer.yaml`: countries, regions, states, cities;
     institutions, parties, companies, news agencies).
  3. A run ending in an organisation word ("... Ministry", "... Bank", "... Party", "... Inc") is ORG. A word
     in capitals that the gazetteer does not know is an organisation only when the text says so: it spells
     it out as one ("National Transportation Safety Board (NTSB)", or the other way round) or lets it speak
     ("the NTSB said"). Most such words in real pages are terms, not organisations: "AI", "API", "SEO",
     "CEO", "PDF", "DIY", "USB", and words set in capitals for emphasis ("FREE").
  4. A person title splits a run and marks what follows as a person ("US President Donald Trump":
     "US" LOC, "Donald Trump" PER), as does a common given name ("Keir Starmer") or a verb of saying
     right after the name ("Peskov said").
  5. A later mention by surname alone ("Putin") is the same person as the full name ("Vladimir Putin"),
     and is reported under the full name. Anything left unexplained is dropped rather than guessed.

Languages that capitalise every noun (German) keep only steps 2 to 5 for runs of one word.
"""

from __future__ import annotations

import importlib.resources
import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from schemas.article import Entity

GAZETTEER_RESOURCE = "data/gazetteer.yaml"
# libyaml's parser when PyYAML was built with it (every worker loads the gazetteer at start-up).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_ENTITIES = 25
MAX_CHARS = 20_000  # entities come from the article's first pages; the cost stays flat for long texts
PER, ORG, LOC = "PER", "ORG", "LOC"
# A word in capitals the gazetteer does not know, until the text explains it (`EntityRecognizer.extract`).
_ACRONYM = "acronym"
# How far from an acronym's parenthesis its name may reach: "National Transportation Safety Board (NTSB)".
_LONG_FORM_REACH = 160


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SENTENCE = re.compile(r"(?<=[.!?])[\"”’)»]*\s+(?=[\"“‘(„«]*[^\W\d_])|\n+")
# Words, and the punctuation that ends a run of capitalised words ("Smith, Jones", "Putin (Getty Images)"):
# initials ("U.S."); a word, whose ' ’ . - must each be followed by a word character ("O'Neill's", "3.5"),
# with one trailing "."; a punctuation mark. Written so that each branch opens with a character class and
# a word is read by plain class repeats, not one alternation per character (`(?:[\w&]|['’.-](?=\w))*`,
# same matches): the regex engine then skips between tokens fast, a quarter cheaper.
_TOKEN = re.compile(r"[^\W\d_]\.(?:[^\W\d_]\.)+|[^\W_][\w&]*(?:['’.-]\w[\w&]*)*\.?|[,;:()\[\]\"“”«»—–|]")
# Sentence breaks and tokens in one scan: a break always ends in whitespace, a token never holds any, and no
# token can start inside a break or a break inside a token, so this finds the tokens of each `_SENTENCE.split`
# piece in order, with the breaks between them (one pass over the text, not one per sentence).
_BREAK_OR_TOKEN = re.compile(f"{_SENTENCE.pattern}|{_TOKEN.pattern}")
# Inside a name: "Bank of England", "Ursula von der Leyen", "Mohammed bin Salman", "University of the Arts".
_CONNECTORS = _words("of the de du des la le van von der den al bin ibn da di del dos das y")
_LONG_FORM_CONNECTORS = _CONNECTORS | _words("for and on für und")  # "Bureau for Democracy and Human Rights"
_ABBREVIATIONS = _words("mr mrs ms dr prof gen col maj capt lt sen rep gov st jr sr no vs mt ft")
_SAID = _words(
    "said says told tells added wrote writes argued stated noted warned insisted announced asked replied "
    "explained claimed confirmed denied acknowledged"
)
# Lower-case forms of capitalised sentence openers and headline words that are never names on their own.
_COMMON = _words(
    """
    the a an and or but if so yet for nor of in on at to by with from as into about after before since
    while when where why how what who which that this these those there here it its he she they we you i
    his her their our your my me him them us all some any each every no not more most many much few
    other another such one two three four five first second last new old next former late early
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december today tomorrow yesterday
    meanwhile however also still even just only then now later according although though despite
    officials official sources source analysts critics experts residents people police government
    breaking live update updated read watch photo video image getty reuters ap afp
    """
)
_CASE_NOUN_LANGUAGES = frozenset({"de", "lb"})


@dataclass(frozen=True)
class Gazetteer:
    """Known names (word tuples) by label, and the cue words."""

    names: dict[tuple[str, ...], str]
    org_words: frozenset[str]
    demonyms: frozenset[str]
    place_words: frozenset[str]
    titles: frozenset[tuple[str, ...]]
    given_names: frozenset[str]

    @classmethod
    def load(cls, path: str | None = None) -> Gazetteer:
        if path is None:
            text = importlib.resources.files("transforms").joinpath(GAZETTEER_RESOURCE).read_text(encoding="utf-8")
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        data = yaml.load(text, Loader=_SafeLoader)
        names: dict[tuple[str, ...], str] = {}
        for label, key in ((LOC, "places"), (ORG, "organisations")):
            for name in data[key]:
                names.setdefault(tuple(str(name).split()), label)
        return cls(
            names=names,
            org_words=frozenset(str(w) for w in data["org_words"]),
            place_words=frozenset(str(w) for w in data["place_words"]),
            demonyms=frozenset(str(w) for w in data["demonyms"]),
            titles=frozenset(tuple(str(t).split()) for t in data["person_titles"]),
            given_names=frozenset(str(n) for n in data["given_names"]),
        )


@dataclass
class _Mention:
    words: tuple[str, ...]
    label: str | None
    position: int


class EntityRecognizer:
    """Rule-based PER/ORG/LOC recognition; build once (it compiles the gazetteer), call `extract` often."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or Gazetteer.load()
        # The longest known name starting with a word, and the longest title starting or ending with one:
        # most capitalised words begin no name, and for them no word tuple is built and looked up at all.
        self._longest = _longest_by(self.gazetteer.names, 0)
        self._title_longest = _longest_by(self.gazetteer.titles, 0)
        self._title_longest_ending = _longest_by(self.gazetteer.titles, -1)

    def extract(self, text: str, language: str | None = None, limit: int = MAX_ENTITIES) -> list[Entity]:
        """Entities of `text`, most mentioned first (ties: first mentioned first), each once."""
        case_nouns = (language or "").lower() in _CASE_NOUN_LANGUAGES
        mentions: list[_Mention] = []
        # Most tokens are plain words, which `_strip` leaves as they are. (It never empties a token: each starts
        # with a word character or is one punctuation mark, and only a suffix is cut.) A sentence break is None.
        found = _BREAK_OR_TOKEN.findall((text or "")[:MAX_CHARS])
        flat = [t if t.isalpha() else _strip_or_break(t) for t in found]
        _join_names_at_initials(flat, found)
        flat.append(None)
        start, stop, breaks = 0, len(flat), 0
        while start < stop:
            end = flat.index(None, start)
            if end > start:
                tokens: list[str] = flat[start:end]  # type: ignore[assignment]  # no None between breaks
                position = start - breaks  # tokens of the sentences before
                for mention in self._sentence_mentions(tokens, case_nouns):
                    mention.position += position
                    mentions.append(mention)
            start, breaks = end + 1, breaks + 1
        acronyms = [m for m in mentions if m.label == _ACRONYM]
        if acronyms:
            spelt_out = self._spelt_out_organisations(text[:MAX_CHARS], {m.words[0] for m in acronyms})
            for mention in acronyms:
                # Unexplained, it stays unlabelled: another mention of it may still say what it is.
                mention.label = ORG if mention.words[0] in spelt_out else None
        return _resolve(mentions, limit)

    def _spelt_out_organisations(self, text: str, acronyms: set[str]) -> set[str]:
        """Those of `acronyms` that `text` spells out as organisations, either way round: "Environmental
        Protection Agency (EPA)", "NABU (National Anti-Corruption Bureau)" (`_spells_out`)."""
        found = set()
        for acronym in acronyms:
            at = text.find(f"({acronym})")
            while at >= 0 and acronym not in found:
                before = text[max(0, at - _LONG_FORM_REACH) : at].split()
                start = len(before)
                while start and _name_part(before[start - 1]):
                    start -= 1
                if self._spells_out(acronym, before[start:]):
                    found.add(acronym)
                at = text.find(f"({acronym})", at + 1)
            at = text.find(f"{acronym} (")
            while at >= 0 and acronym not in found:
                opened = at + len(acronym) + 2
                closed = text.find(")", opened, opened + _LONG_FORM_REACH)
                words = text[opened:closed].split() if closed >= 0 else []
                if all(map(_name_part, words)) and self._spells_out(acronym, words):
                    found.add(acronym)
                at = text.find(f"{acronym} (", at + 1)
        return found

    def _spells_out(self, acronym: str, words: list[str]) -> bool:
        """Whether a name beside `acronym`, from its first word with the acronym's first letter ("the U.S.
        Commodity Futures Trading Commission"), has the shape of an organisation's (`_names_organisation`)."""
        name = tuple(_strip(w) for w in words)
        while name and name[0][:1] != acronym[:1]:
            name = name[1:]
        return self._names_organisation(name)

    def _names_organisation(self, words: tuple[str, ...]) -> bool:
        """Whether a run of two words or more is shaped as an organisation's name: "Ministry of Finance",
        "Moscow State University", or a known one."""
        g = self.gazetteer
        return len(words) > 1 and (
            words[-1] in g.org_words or (words[0] in g.org_words and words[1] == "of") or g.names.get(words) == ORG
        )

    # ---- one sentence -------------------------------------------------------------------------------

    def _sentence_mentions(self, tokens: list[str], case_nouns: bool) -> list[_Mention]:
        found: list[_Mention] = []
        count = len(tokens)
        capitalised = [t[:1].isupper() for t in tokens]  # asked up to three times per token below
        done = 0  # tokens before this are in a run already
        # Only capitalised words open a run: the loop visits them alone (most words are not).
        for i in itertools.compress(range(count), capitalised):
            if i < done or (i == 0 and tokens[i].lower() in _COMMON):
                continue
            end = i + 1
            while end < count:
                if capitalised[end] or (
                    tokens[end] in _CONNECTORS
                    and end + 1 < count
                    and (capitalised[end + 1] or tokens[end + 1] in _CONNECTORS)
                ):
                    end += 1
                else:
                    break
            while end > i and tokens[end - 1] in _CONNECTORS:
                end -= 1
            organisation = self._organisation_run(tokens, i, end)
            if organisation is not None:
                found.append(organisation)  # "Bank of England" is a bank, not England
            else:
                found.extend(self._split_run(tokens, i, end, case_nouns))
            done = max(end, i + 1)
        return found

    def _split_run(self, tokens: list[str], start: int, end: int, case_nouns: bool) -> list[_Mention]:
        """Known names, titles and the pieces between them, labelled where the rules allow."""
        if end - start == 1:
            return self._one_word(tokens, start, case_nouns)
        out: list[_Mention] = []
        i = start
        # "envoy Steve Witkoff": a title right before the run; "said Georgi Bovt": a verb of saying.
        after_title = start > 0 and self._title_ending_at(tokens, start) is not None
        after_said = start > 0 and tokens[start - 1].lower() in _SAID
        pending: list[int] = []

        def flush(next_is_said: bool) -> None:
            nonlocal after_title, after_said
            while pending and tokens[pending[-1]] in _CONNECTORS:  # "Nestor Kirchner of" Argentina
                pending.pop()
            if pending:
                words = tuple(tokens[j] for j in pending)
                said = next_is_said or after_said
                label = self._label(words, after_title, said, pending[0] == 0, case_nouns)
                if label is not None or len(words) > 1 or not case_nouns:
                    out.append(_Mention(words, label, pending[0]))
                pending.clear()
            after_title = after_said = False

        while i < end:
            known = self._known_at(tokens, i, end)
            if known is not None:
                flush(False)
                size, label = known
                out.append(_Mention(tuple(tokens[i : i + size]), label, i))
                i += size
                continue
            title = self._title_at(tokens, i, end)
            if title is not None:
                flush(False)
                after_title = True
                i += title
                continue
            if not pending and tokens[i] in _CONNECTORS:
                after_title = after_said = False  # "Lord of the Rings" names no lord
                i += 1
                continue
            pending.append(i)
            i += 1
        flush(end < len(tokens) and tokens[end].lower() in _SAID)
        # "US" is a known place; an unexplained "Us" or "However" is nothing.
        return [m for m in out if m.label is not None or not (len(m.words) == 1 and m.words[0].lower() in _COMMON)]

    def _one_word(self, tokens: list[str], i: int, case_nouns: bool) -> list[_Mention]:
        """`_split_run` of a run of one word (most runs), without its machinery for longer ones: a known name,
        or the word labelled by the rules (no title fits in one word and leaves a name after it)."""
        word = tokens[i]
        known = self._known_at(tokens, i, i + 1)
        if known is not None:
            return [_Mention((word,), known[1], i)]
        if word in _CONNECTORS:
            return []
        after_title = i > 0 and self._title_ending_at(tokens, i) is not None
        speaks = i + 1 < len(tokens) and tokens[i + 1].lower() in _SAID
        said = speaks or (i > 0 and tokens[i - 1].lower() in _SAID)
        label = self._label((word,), after_title, said, i == 0, case_nouns)
        if label == _ACRONYM and speaks:
            # An acronym that speaks ("the NTSB said") is an organisation; "an AI wrote" is a common noun.
            label = None if i > 0 and tokens[i - 1].lower() in ("a", "an") else ORG
        if label is None and (case_nouns or word.lower() in _COMMON):
            return []
        return [_Mention((word,), label, i)]

    def _organisation_run(self, tokens: list[str], start: int, end: int) -> _Mention | None:
        """The run (after any leading title) as one ORG when an organisation word shapes it: "Ministry of
        Finance", "Moscow State University", "Zaporizhzhia Nuclear Power Plant"."""
        if end - start < 2:
            return None  # one word names no organisation by its shape (most runs)
        i = start
        title = self._title_at(tokens, i, end)
        if title is not None:
            i += title
        while i < end and tokens[i] in _CONNECTORS:
            i += 1
        if i + 1 < end and tokens[i] in self.gazetteer.demonyms and self._known_at(tokens, i + 1, end):
            i += 1  # "Russian Zaporizhzhia Nuclear Power Plant"; "Ukrainian Armed Forces" stays whole
        words = tuple(tokens[i:end])
        if len(words) < 2 or words in self.gazetteer.names:
            return None
        return _Mention(words, ORG, i) if self._names_organisation(words) else None

    # The three look-ups below run for most capitalised words, which begin (or end) no known phrase: for those
    # they return at the first dict look-up, before any range is built.

    def _known_at(self, tokens: list[str], i: int, end: int) -> tuple[int, str] | None:
        longest = self._longest.get(tokens[i])
        if longest is None:
            return None
        names = self.gazetteer.names
        for size in range(min(longest, end - i), 0, -1):
            label = names.get(tuple(tokens[i : i + size]))
            if label is not None:
                return size, label
        return None

    def _title_at(self, tokens: list[str], i: int, end: int) -> int | None:
        longest = self._title_longest.get(tokens[i])
        if longest is None:
            return None
        titles = self.gazetteer.titles
        for size in range(min(longest, end - i), 0, -1):
            if tuple(tokens[i : i + size]) in titles and i + size < end:  # a title must precede a name
                return size
        return None

    def _title_ending_at(self, tokens: list[str], start: int) -> int | None:
        longest = self._title_longest_ending.get(tokens[start - 1]) if start else None
        if longest is None:
            return None
        titles = self.gazetteer.titles
        for size in range(min(longest, start), 0, -1):
            if tuple(tokens[start - size : start]) in titles:
                return size
        return None

    def _label(
        self, words: tuple[str, ...], after_title: bool, before_said: bool, opens_sentence: bool, case_nouns: bool
    ) -> str | None:
        g = self.gazetteer
        if len(words) > 1 and (words[-1] in g.org_words or (words[0] in g.org_words and "of" in words[1:2])):
            return ORG
        if len(words) > 1 and words[-1] in g.place_words:
            return LOC
        if len(words) == 1 and words[0].isupper() and 2 <= len(words[0].rstrip(".")) <= 6:
            return None if words in g.titles else _ACRONYM  # "the CEO" is a role; "NTSB", as the text says
        if len(words) > 4 or not all(_name_word(w) for w in words if w not in _CONNECTORS):
            return None
        if (words[-1],) in g.titles:
            return None  # "the Salford MP told ..." names a role
        if after_title and not (opens_sentence and len(words) == 1):
            return PER  # "President Putin", "envoy Steve Witkoff", "said Georgi Bovt"
        if len(words) > 1 and (before_said or words[0] in g.given_names):
            return PER  # "Dmitry Peskov said", "Keir Starmer"; one word before "said" is too often not a name
        return None


def _longest_by(phrases: Iterable[tuple[str, ...]], position: int) -> dict[str, int]:
    """The length of the longest phrase by its word at `position` (0: first, -1: last)."""
    longest: dict[str, int] = {}
    for words in phrases:
        if words:
            longest[words[position]] = max(longest.get(words[position], 0), len(words))
    return longest


_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")


def _strip(token: str) -> str:
    """A token without its possessive ending, a lower-case hyphenated tail ("US-backed", "Bush-style") or a
    trailing full stop (kept for initials and "Mr.")."""
    if "-" in token:
        head, _, tail = token.partition("-")
        if head[:1].isupper() and tail[:1].islower():
            token = head
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if token.endswith(".") and token[:-1].lower() not in _ABBREVIATIONS and not _INITIALS.fullmatch(token):
        token = token[:-1]
    return token


def _name_part(word: str) -> bool:
    """Whether `word` may stand in a name spelt out beside its acronym: capitalised, or a connector."""
    return word[:1].isupper() or word in _LONG_FORM_CONNECTORS


def _join_names_at_initials(flat: list[str | None], found: list[str]) -> None:
    """Drop the sentence breaks that follow an initial or an abbreviation on the same line ("John F. Kennedy")
    from `flat` (`found`'s tokens as `_strip_or_break` leaves them, a break None) and from `found` alike.
    `list.index` visits only the breaks, the tokens between them are not looked at in Python."""
    at = 0
    while True:
        try:
            at = flat.index(None, at + 1)
        except ValueError:
            return
        if _ends_no_sentence(found[at - 1], found[at]):
            del flat[at], found[at]
            at -= 1


def _ends_no_sentence(token: str, space: str) -> bool:
    """Whether a full stop followed by `space` (on the same line) is an initial's or an abbreviation's, inside
    a name: "John F. Kennedy", "Mr. Smith", "Gen. Milley"."""
    return (
        "\n" not in space
        and token.endswith(".")
        and ((len(token) == 2 and token[0].isupper()) or token[:-1].lower() in _ABBREVIATIONS)
    )


def _strip_or_break(token: str) -> str | None:
    """None for a sentence break (`_BREAK_OR_TOKEN`), else the token `_strip`ped."""
    return None if token[-1].isspace() else _strip(token)


def _name_word(word: str) -> bool:
    # No letter is a digit, so a word of letters needs no look at each character.
    return word[:1].isupper() and (word.isalpha() or not any(c.isdigit() for c in word))


def _resolve(mentions: list[_Mention], limit: int) -> list[Entity]:
    """Label what the rules left open from other mentions, fold surnames into full names, rank."""
    labels: dict[tuple[str, ...], str] = {}
    for m in mentions:
        if m.label is not None:
            labels.setdefault(m.words, m.label)
    # A person's full name, by surname ("Putin" -> "Vladimir Putin"); a surname of two people is ambiguous.
    by_surname: dict[str, set[tuple[str, ...]]] = {}
    for known, kind in labels.items():
        if kind == PER and len(known) > 1:
            by_surname.setdefault(known[-1], set()).add(known)
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], int] = {}
    for m in mentions:
        words: tuple[str, ...] = m.words
        label: str | None = m.label or labels.get(m.words)
        if len(words) == 1 and words[0] in by_surname and label in (None, PER):
            full = by_surname[words[0]]
            if len(full) == 1:
                words, label = next(iter(full)), PER
        if label is None:
            continue
        key = (" ".join(words), label)
        counts[key] += 1
        first.setdefault(key, m.position)
    # One label per name: the one it was given most often.
    best: dict[str, tuple[str, str]] = {}
    for key, n in counts.items():
        text = key[0]
        if text not in best or (n, -first[key]) > (counts[best[text]], -first[best[text]]):
            best[text] = key
    ranked = sorted(best.values(), key=lambda key: (-counts[key], first[key]))
    return [Entity(text, label) for text, label in ranked[:limit]]
