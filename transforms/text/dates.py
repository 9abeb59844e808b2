"""Publication-date evidence from feeds, HTML metadata, URLs and article text, and the choice among it.

Feeds and HTML metadata are often missing or wrong, so every source is turned into `DateEvidence` and one
rule picks the estimate: feed or sitemap entry > HTML metadata > a day in the URL path > dates in the text
(`SOURCE_RANK`), confidence deciding within a source. Evidence after the reference date or before 1990 is
not believed.

HTML: htmldate (with its extensive search, preferring the original over the modified date) picks a date from
the page's metadata, markup and text (dateparser, which that search asks last, only in the languages a string
can be written in: `scope_htmldate_dateparser`); schema.org `datePublished` (JSON-LD or microdata) is read beside it.
`html_date` reconciles the two: a statement with a time of day keeps that time, and a day written with the
publisher's UTC offset is the publisher's day even when another statement gives the same moment in UTC (an
article published at 21:00 in New York is dated that day, not the next). No day is invented: a day the page
does not state as its publication (htmldate's January 1st from a copyright year, a modification date) is
dropped, and a page with nothing better is dated by its ingest time. A page day its URL repeats is surer; one
its URL contradicts, less sure. What the reader sees counts: a day only the markup (or the comments) states
gives way to a dateline under the headline, and a day the page shows only as its last update is less sure. A
day that nothing vouches for (not stated as the publication in the markup, not shown anywhere on the page, not
in the URL: a link's or a script's date) is no evidence, nor is a day shown only above the headline (a
masthead's "today") when the byline under it gives another.

Text is the weakest source: news mentions the dates of the events it reports, which precede publication,
so among dates mentioned in passing the most recent one is the best guess, unless a dateline at the very
start states the day outright. Only day-level dates count: "in October" or "on Tuesday" says too little
to partition an archive by day.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from html import unescape as _unescape
from typing import Any
from urllib.parse import unquote, urlsplit

from schemas.document import DateEvidence

UTC = dt.timezone.utc
MIN_DATE = dt.date(1990, 1, 1)

# Higher is stronger; sources not listed (e.g. "ingested") rank below all of these.
SOURCE_RANK = {"feed": 5, "sitemap": 4, "html": 3, "url": 2, "text": 1}

# Dates that start this close to the beginning of the text are taken as its dateline.
DATELINE_CHARS = 200
DATELINE_CONFIDENCE = 0.6
DATELINE_PARTIAL_CONFIDENCE = 0.5
PASSING_CONFIDENCE = 0.4
PASSING_PARTIAL_CONFIDENCE = 0.3
# Text evidence at or above this confidence came from a dateline; `choose_date` relies on it.
_DATELINE_MIN = DATELINE_PARTIAL_CONFIDENCE
URL_CONFIDENCE = 0.7

_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
# In text a month is written "December", "Dec" or "DECEMBER": lower-case "may" and "march" are verbs. Being
# case-sensitive also lets the regex engine skip to capital letters, which keeps long texts cheap.
_CASED_MONTHS = sorted({*map(str.title, _MONTHS), *map(str.upper, _MONTHS)}, key=lambda m: (-len(m), m))
_MONTH_CASED = "(?:" + "|".join(_CASED_MONTHS) + ")"
_ORD = r"(?i:st|nd|rd|th)?"
# A day number ends at a non-word character and is no part of "1,000", "5.5", "3:30" or "20%".
_DAY_END = r"(?!\w|[.,:]\d|[^\S\n]*%)"
_SP = r"[^\S\n]"  # dates do not span lines
_RANGE_JOIN = rf"{_SP}*(?:-|–|—|(?i:and|to|through)|&){_SP}*"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)"

# What may stand right before a match is checked in Python (`_starts_clean`), not by a leading lookbehind,
# so that the engine can jump to candidate first characters instead of trying every position.

# "December 20, 2025", "Dec. 20", "AUGUST 2, 2013", "December 20 and 21", "December 20–21, 2025", "Dec 5th"
_MONTH_FIRST = re.compile(
    rf"""(?P<month>{_MONTH_CASED})(?![^\W\d_])\.?{_SP}+(?i:the{_SP}+)?
        (?P<d1>\d{{1,2}}){_ORD}{_DAY_END}
        (?:{_RANGE_JOIN}(?P<d2>\d{{1,2}}){_ORD}{_DAY_END})?
        (?:,?{_SP}+{_YEAR})?""",
    re.VERBOSE,
)
# "20 December 2025", "20-21 December", "5th of Dec." (`\d\d?` rather than `\d{1,2}`: a pattern that opens
# with a character class lets the regex engine skip ahead to the next digit.)
_DAY_FIRST = re.compile(
    rf"""(?P<d1>\d\d?){_ORD}
        (?:{_RANGE_JOIN}(?P<d2>\d{{1,2}}){_ORD})?
        {_SP}+(?i:of{_SP}+)?(?P<month>{_MONTH_CASED})(?![^\W\d_])\.?
        (?:,?{_SP}+{_YEAR})?""",
    re.VERBOSE,
)
# "2025-12-20", "2025/12/20"
_ISO_IN_TEXT = re.compile(
    r"""(?P<year>(?:19|20)\d{2})([-/])(?P<m>\d{1,2})\2(?P<d1>\d{1,2})
        (?!\d|/|[.,]\d)""",
    re.VERBOSE,
)

_URL_PATTERNS = (
    # /2025/12/20/ or /2025/12/20 at the end; a bare "/2025/12/5-things" is a slug, not a day
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?=/|$|\.)"),
    # /2020-02/19/ (Xinhua and others)
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})/(?P<d>\d{1,2})(?=/|$|\.)"),
    # /2025/dec/20/ (The Guardian and others)
    re.compile(rf"/(?P<y>(?:19|20)\d{{2}})/(?P<mon>{_MONTH})/(?P<d>\d{{1,2}})(?=/|$|\.)", re.IGNORECASE),
    # /2025-12-20/ or a slug holding 2025-12-20 / 2025_12_20
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})([-_])(?P<m>\d{2})\2(?P<d>\d{2})(?!\d)"),
    # 20251220
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
    # /29-10-2021 (day first, as European sites write it); taken only when it cannot be read month first
    re.compile(r"(?<![\d.])(?P<d>\d{2})([-_.])(?P<m>\d{2})\2(?P<y>(?:19|20)\d{2})(?![\d.])"),
)
_DAY_FIRST_URL = _URL_PATTERNS[-1]

_ISO_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_BASIC_DATE = re.compile(r"\d{8}")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _in_range(day: dt.date, reference: dt.date) -> bool:
    return MIN_DATE <= day <= reference


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve_year(month: int, day: int, reference: dt.date) -> int | None:
    """The year of the latest (month, day) on or before `reference`; leap days may go back a few years."""
    if _make_date(2000, month, day) is None:
        return None
    year = reference.year if (month, day) <= (reference.month, reference.day) else reference.year - 1
    for candidate in range(year, year - 8, -1):
        if _make_date(candidate, month, day) is not None:
            return candidate
    return None


def _starts_clean(text: str, start: int, pattern: re.Pattern[str]) -> bool:
    """Whether a match may start here: not inside a word, a number or a path.

    A month glued to a lower-case word ("...charged againJuly 23, 2008") is allowed: HTML extraction
    leaves such joins behind where a headline meets a dateline.
    """
    if start == 0:
        return True
    before = text[start - 1]
    if pattern is _MONTH_FIRST:
        return not (before.isalnum() or before == "_") or before.islower()
    if pattern is _DAY_FIRST:
        return not (before.isalnum() or before in "_.,:")
    return not (before.isalnum() or before in "_./-")


def _is_real_date(match: re.Match[str], month: int) -> bool:
    """Whether the match names a calendar day at all (it may still be out of range)."""
    return _make_date(2000, month, int(match.group("d1"))) is not None


def _evidence_for(match: re.Match[str], month: int, reference: dt.date) -> list[DateEvidence]:
    days = [int(match.group("d1"))]
    if match.groupdict().get("d2"):
        days.append(int(match.group("d2")))
    year_text = match.groupdict().get("year")
    if year_text:
        year: int | None = int(year_text)
    else:
        # A range shares one year: the one its first day resolves to.
        year = _resolve_year(month, days[0], reference)
    if year is None:
        return []
    dateline = match.start() < DATELINE_CHARS
    if year_text:
        confidence = DATELINE_CONFIDENCE if dateline else PASSING_CONFIDENCE
    else:
        confidence = DATELINE_PARTIAL_CONFIDENCE if dateline else PASSING_PARTIAL_CONFIDENCE
    detail = " ".join(match.group(0).split())
    found = []
    for number in days:
        day = _make_date(year, month, number)
        if day is not None and _in_range(day, reference):
            found.append(DateEvidence(_midnight(day), "text", confidence, has_time=False, detail=detail))
    return found


def is_dateline(evidence: DateEvidence) -> bool:
    """Whether text evidence came from a dateline at the start of the text rather than a passing mention."""
    return evidence.source == "text" and evidence.confidence >= _DATELINE_MIN


def text_dates(text: str, reference: dt.date) -> list[DateEvidence]:
    """Day-level dates written in English text, one per day, in order of first mention."""
    if not text:
        return []
    spans: list[tuple[int, int, re.Match[str], int]] = []
    for pattern in (_MONTH_FIRST, _DAY_FIRST, _ISO_IN_TEXT):
        for match in pattern.finditer(text):
            if not _starts_clean(text, match.start(), pattern):
                continue
            groups = match.groupdict()
            month = _MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["m"])
            spans.append((match.start(), -match.end(), match, month))
    spans.sort(key=lambda item: (item[0], item[1]))

    best: dict[dt.date, DateEvidence] = {}
    covered_until = -1
    for start, neg_end, match, month in spans:
        if start < covered_until:  # overlaps an earlier or longer match, e.g. "5 December 20 people"
            continue
        found = _evidence_for(match, month, reference)
        if not found and not _is_real_date(match, month):
            continue  # "dies at 91 June 6" must not hide "June 6"
        covered_until = -neg_end
        for evidence in found:
            day = evidence.value.date()
            if day not in best or evidence.confidence > best[day].confidence:
                best[day] = evidence
    return list(best.values())


def url_date(url: str | None, reference: dt.date) -> DateEvidence | None:
    """A day written into the URL path; a month alone (`/2025/12/`) is not enough."""
    if not url:
        return None
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    for pattern in _URL_PATTERNS:
        for match in pattern.finditer(path):
            groups = match.groupdict()
            month = _MONTHS.get(groups["mon"].lower()) if groups.get("mon") else int(groups["m"])
            if month is None:
                continue
            if pattern is _DAY_FIRST_URL and int(groups["d"]) <= 12 and int(groups["d"]) != month:
                continue  # 03-04-2021: March 4th or April 3rd
            day = _make_date(int(groups["y"]), month, int(groups["d"]))
            if day is not None and _in_range(day, reference):
                detail = match.group(0)
                return DateEvidence(_midnight(day), "url", URL_CONFIDENCE, has_time=False, detail=detail)
    return None


_ISO_STAMP = re.compile(
    r"""(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)\d*
        \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?""",
    re.VERBOSE,
)


def _parse_stamp(text: str) -> tuple[dt.datetime, dt.date | None, bool] | None:
    """(UTC value, the day as written when an offset is given, has a time) of an ISO 8601 string."""
    if _ISO_DATE_ONLY.fullmatch(text):
        return _midnight(dt.date.fromisoformat(text)), None, False
    if _ISO_BASIC_DATE.fullmatch(text):
        return _midnight(dt.datetime.strptime(text, "%Y%m%d").date()), None, False
    match = _ISO_STAMP.fullmatch(text)
    if match is None:
        return None
    clock = match.group("time").replace(",", ".")
    if len(clock.split(":")[0]) == 1:
        clock = "0" + clock
    if "." in clock:  # fromisoformat of Python 3.10 wants 3 or 6 digits of fractions
        whole, fraction = clock.split(".")
        clock = f"{whole}.{(fraction + '000000')[:6]}"
    zone = match.group("zone")
    if zone is None or zone in ("Z", "z"):
        offset = "+00:00"
    else:
        digits = zone[1:].replace(":", "")
        offset = f"{zone[0]}{digits[:2]}:{(digits[2:] or '00')}"
    parsed = dt.datetime.fromisoformat(f"{match.group('date')}T{clock}{offset}")
    local_day = parsed.date() if zone is not None and parsed.utcoffset() != dt.timedelta(0) else None
    return parsed.astimezone(UTC), local_day, True


def parse_iso(value: str | None, reference: dt.date, source: str, confidence: float) -> DateEvidence | None:
    """An ISO 8601 date or datetime from metadata as UTC evidence; naive times are taken as UTC.

    With an offset other than UTC the day as written is kept (`DateEvidence.day`): it is the publisher's.
    """
    if source not in SOURCE_RANK:
        raise ValueError(f"unknown date source {source!r}; expected one of {sorted(SOURCE_RANK)}")
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be within [0, 1], got {confidence!r}")
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = _parse_stamp(text)
    except (ValueError, OverflowError):
        return None
    if parsed is None:
        return None
    stamp, local_day, has_time = parsed
    found = DateEvidence(stamp, source, confidence, has_time=has_time, detail=text, day=local_day)
    return found if _in_range(evidence_day(found), reference) else None


def latest_day(reference: dt.date, not_after: dt.date | None) -> dt.date:
    """The latest day a page may be dated: the run's reference day, or the day a web archive's crawler
    fetched the page when that is earlier (nothing on it was published later)."""
    return reference if not_after is None else min(reference, not_after)


def evidence_day(evidence: DateEvidence) -> dt.date:
    """The calendar day the evidence states: the publisher's day when known, else the UTC date."""
    if evidence.day is not None:
        return evidence.day
    return _utc_value(evidence).date()


# ---- HTML --------------------------------------------------------------------------------------------------

HTML_CONFIDENCE = 0.8  # htmldate's pick on its own
HTML_STRUCTURED_CONFIDENCE = 0.85  # schema.org datePublished on its own
HTML_AGREED_CONFIDENCE = 0.9  # both state the same day (or the same moment)
HTML_DISPUTED_CONFIDENCE = 0.7  # they disagree (or the URL states another day); htmldate's pick is kept
HTML_URL_AGREED_CONFIDENCE = 0.95  # the page states the day its URL gives
# htmldate's output format: its day, plus the time and offset when the page states them.
HTMLDATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def htmldate_options(reference: dt.date) -> dict[str, Any]:
    """newsbeam's htmldate settings: the original publication, nothing after the run's reference day, the time
    and UTC offset where the page states them, and the extensive search (a day written in the text, in any
    language, where the markup states none).

    The quick pass alone loses accuracy (htmldate set 0.905 against 0.924, WCXB dated 0.878 against 0.889), and
    the quick pass with the search only where it finds nothing keeps it but saves nothing on a real mixed crawl
    (9.8 against 8.9 ms per page on 400 of the evaluation pages: the pages without a quick answer are the ones
    where the search is dear)."""
    return {
        "extensive_search": True,
        "original_date": True,
        "max_date": reference.isoformat(),
        "outputformat": HTMLDATE_FORMAT,
    }


def htmldate_pick(tree: Any, url: str | None, reference: dt.date) -> str | None:
    """htmldate's pick of a parsed page's publication day (`HTMLDATE_FORMAT` or a bare day); htmldate works on
    its own copy of the tree. dateparser, which its extensive search asks last, is asked only in the languages
    the string can be written in (`scope_htmldate_dateparser`)."""
    from htmldate import find_date

    scope_htmldate_dateparser()
    return find_date(tree, url=url, **htmldate_options(reference))


# ---- htmldate's dateparser, asked only in the languages a string can be in ----------------------------------

# htmldate's extensive search hands a string its own rules cannot read to `dateparser.DateDataParser(languages=
# None)`, which then tries every one of its 205 languages: in a fresh process the first string no language
# reads costs 1.3 to 1.8 s of CPU (each language's patterns compiled), every later one 15-100 ms. Such a string is
# mostly no date at all ("Top 5 HR Software in 2026", "Through Dec 20, 2026"). Strictly parsed, a string can
# be read only in a language that knows every word of it (time zone names aside), so newsbeam asks dateparser
# in those languages alone, English first as dateparser's own order has it; the answer is the same as
# dateparser's among all languages (`tests/test_dateparser_scope.py` checks both on real and multilingual
# strings), at a fraction of the cost. htmldate has no setting for this: its one parser comes from
# `htmldate.extractors.get_external_parser`, which `scope_htmldate_dateparser` replaces, once per process.
_DATEPARSER_NON_WORDS = frozenset({"name", "date_order", "sentence_splitter_group"})
_LETTERS = re.compile(r"[^\W\d_]+")
_scope_lock = threading.Lock()


def _fold(text: str) -> str:
    """Lower case without accents: dateparser's own normalisation of the strings it reads (NORMALIZE)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _strings_in(value: Any) -> Iterator[str]:
    """Every string of a dateparser language's data: its words, and the keys of its relative and simplifying
    expressions."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_in(item)


@functools.lru_cache(maxsize=1)
def _dateparser_vocabulary() -> tuple[dict[str, frozenset[str]], frozenset[str], dict[str, int], tuple[str, ...]]:
    """(the languages that know each folded word, the time zone names every language reads, dateparser's order
    of languages, the first language of each date order), from dateparser's data: 0.1 s once, where compiling
    every language costs well over a second."""
    from dateparser.data import language_order
    from dateparser.languages.loader import default_loader
    from dateparser.timezones import timezone_info_list

    known: dict[str, set[str]] = {}
    by_order: dict[str, str] = {}
    for locale in default_loader.get_locales():
        by_order.setdefault(locale.info.get("date_order", ""), locale.shortname)
        for key, value in locale.info.items():
            if key not in _DATEPARSER_NON_WORDS:
                for text in _strings_in(value):
                    for word in _LETTERS.findall(_fold(text)):
                        known.setdefault(word, set()).add(locale.shortname)
    zones = frozenset(_fold(name) for info in timezone_info_list for name, _ in info["timezones"])
    order = {language: rank for rank, language in enumerate(language_order)}
    readers = tuple(sorted(by_order.values(), key=lambda language: order.get(language, len(order))))
    return {word: frozenset(languages) for word, languages in known.items()}, zones, order, readers


def dateparser_languages(text: str) -> tuple[str, ...] | None:
    """The languages dateparser may read `text` in: English and every language that knows all of its words (in
    dateparser's order); English alone when some word is known to none (then no language reads it). Without
    letters, None: dateparser's own choice, which tries one language per date order; with time zone names only,
    those same languages."""
    words = _LETTERS.findall(_fold(text))
    if not words:
        return None
    known, zones, order, readers = _dateparser_vocabulary()
    words = [word for word in words if word not in zones]
    if not words:
        return readers
    found = set(known.get(words[0], ()))
    for word in words:
        languages = known.get(word)
        if languages is None:
            return ("en",)
        found &= languages
    return tuple(sorted(found | {"en"}, key=lambda language: order.get(language, len(order))))


class _ScopedDateParser:
    """Stands for htmldate's `DateDataParser(languages=None)`: the same settings, each string asked in
    `dateparser_languages` only."""

    def __init__(self, everywhere: Any) -> None:
        self.everywhere = everywhere  # htmldate's own parser: its settings, and strings without letters

    @functools.lru_cache(maxsize=256)  # noqa: B019 (one instance per process, kept for its life)
    def _parser(self, languages: tuple[str, ...]) -> Any:
        from dateparser import DateDataParser

        # htmldate's settings, as dateparser holds them (a `Settings` its constructor takes as it is).
        return DateDataParser(languages=list(languages), settings=self.everywhere._settings)

    def get_date_data(self, date_string: str) -> Any:
        """dateparser's `DateDataParser.get_date_data`, in the languages the string can be written in."""
        languages = dateparser_languages(date_string)
        parser = self.everywhere if languages is None else self._parser(languages)
        return parser.get_date_data(date_string)


def scope_htmldate_dateparser() -> bool:
    """Make htmldate ask dateparser in a string's languages only (`_ScopedDateParser`); once per process, safe
    from several threads. False when htmldate no longer gets its parser from `get_external_parser` (then it
    asks every language, as it did before: slower, the same dates)."""
    from htmldate import extractors

    current = getattr(extractors, "get_external_parser", None)
    if current is None:
        return False
    if isinstance(getattr(current, "scoped", None), _ScopedDateParser):
        return True
    with _scope_lock:
        current = extractors.get_external_parser
        if not isinstance(getattr(current, "scoped", None), _ScopedDateParser):
            scoped = _ScopedDateParser(current())

            def get_external_parser() -> _ScopedDateParser:
                return scoped

            get_external_parser.scoped = scoped  # type: ignore[attr-defined]
            extractors.get_external_parser = get_external_parser  # type: ignore[assignment]
    return True


_LD_DATE_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"<>]{8,40})"')
# Attribute names are case-insensitive in HTML ("itemProp"); the property value is not.
_MICRODATA_TAG = re.compile(r"<[a-zA-Z][^<>]*?\b(?i:itemprop)\s*=\s*[\"']?datePublished\b[^<>]*>")
_MICRODATA_VALUE = re.compile(r"""\b(?:content|datetime)\s*=\s*["']([^"'<>]{8,40})["']""", re.IGNORECASE)
# A date-like start of a URL path segment that is no day ("/2023/10/3-questions"); htmldate reads it as one.
_URL_SLUG_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?!\d)")


def structured_dates(html: str) -> list[str]:
    """schema.org `datePublished` values of a page, JSON-LD first, then microdata, in document order.

    A scan of the raw markup rather than a second parse of the page; pages without the word cost a
    substring search, the others a look at the few places that name it.
    """
    if "datePublished" not in html:
        return []
    found = [m.group(1).strip() for m in _LD_DATE_PUBLISHED.finditer(html)]
    at = html.find("datePublished")
    while at >= 0:
        start, end = html.rfind("<", 0, at), html.find(">", at)
        if start >= 0 and end > at and html.rfind(">", start, at) < 0:  # inside one tag
            tag = html[start : end + 1]
            if _MICRODATA_TAG.fullmatch(tag):
                value = _MICRODATA_VALUE.search(tag)
                if value:
                    found.append(value.group(1).strip())
        at = html.find("datePublished", at + 13)
    return found


def parse_htmldate(value: str | None, reference: dt.date) -> DateEvidence | None:
    """htmldate's result (`HTMLDATE_FORMAT` or a bare day) as evidence.

    htmldate writes midnight without an offset when it found only a day, so that reads as a day.
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith("T00:00:00"):
        text = text[:10]
    return parse_iso(text, reference, "html", HTML_CONFIDENCE)


def _same_moment(instant: dt.datetime, day: dt.date) -> bool:
    """Whether `instant` falls on `day` in some time zone (UTC-12 to UTC+14)."""
    start = _midnight(day)
    return start - dt.timedelta(hours=14) <= instant.astimezone(UTC) < start + dt.timedelta(hours=36)


def _slug_day(url: str | None, day: dt.date) -> bool:
    """Whether htmldate's `day` is just a date-like URL slug that `url_date` rightly refuses."""
    if not url:
        return False
    for match in _URL_SLUG_DATE.finditer(url):
        if _make_date(int(match.group("y")), int(match.group("m")), int(match.group("d"))) == day:
            return True
    return False


def html_date(
    htmldate_value: str | None,
    structured: list[str],
    url: str | None,
    reference: dt.date,
    html: str | None = None,
) -> DateEvidence | None:
    """The page's publication date from htmldate's pick and the schema.org `datePublished` statements.

    htmldate is the better judge of which date on a page is the publication (on its evaluation pages it
    beats taking `datePublished` first), so its day stands, except that a `datePublished` with a time of
    day describing the same moment as htmldate's bare day gives the time, and, when written with a UTC
    offset, the publisher's day. A day htmldate read from a URL slug that `url_date` refuses is dropped.

    Given the page's `html`, what the page shows its reader counts too: a day the page does not state as
    its publication is dropped (`_weak_htmldate_pick`), and a day labelled as the publication in the page's
    text ("Published March 9, 2026") wins over one found only in its markup (`labelled_date`), as does one
    labelled as the original publication over any other. A day shown only above the headline gives way to
    the byline's under it; an ambiguous "10/12/2023" takes the reading the markup states in ISO form; a day
    htmldate found that nothing vouches for (`published_in_markup`, `shown_anywhere`, the URL) is dropped; and
    with nothing else, a day written right above the headline is taken (`_kicker_dateline`).
    """
    if html is None:
        return _markup_date(htmldate_value, structured, url, reference, None)
    return _html_date(htmldate_value, structured, url, reference, _Page(html))


def html_dates(
    htmldate_value: str | None, structured: list[str], url: str | None, reference: dt.date, html: str
) -> tuple[DateEvidence | None, DateEvidence | None]:
    """The page's publication date (`html_date`) and its last update (`_page_updated`), from one reading of it."""
    page = _Page(html)
    return _html_date(htmldate_value, structured, url, reference, page), _page_updated(page, reference)


def _html_date(
    htmldate_value: str | None, structured: list[str], url: str | None, reference: dt.date, page: _Page
) -> DateEvidence | None:
    """`html_date` on a page read once."""
    html = page.html
    found = _markup_date(htmldate_value, structured, url, reference, page)
    labelled = labelled_date(page.text, reference)
    if labelled is not None and (found is None or is_original_label(labelled) or not page.shows(evidence_day(found))):
        found = labelled
    under: DateEvidence | None = None
    looked_under = False  # the dateline under the headline is read at most once per page
    if found is not None and page.shown_only_above_headline(evidence_day(found)):
        # A masthead's "today" or a navigation date: the byline under the headline is the page's own day.
        under, looked_under = _heading_dateline(html, reference, page.comments_from), True
        if under is not None and evidence_day(under) != evidence_day(found):
            return under
    if found is not None and page.shown_in_main_text(evidence_day(found)):
        if found.confidence < HTML_AGREED_CONFIDENCE and page.shown_only_as_update(evidence_day(found)):
            # htmldate's pick is the page's last edit ("Updated March 9, 2026"): right on about half the pages.
            return replace(found, confidence=min(found.confidence, HTML_UPDATE_CONFIDENCE))
        return found
    # The day is in the markup only: a dateline under the headline, where the page shows its reader the
    # day, is the better witness; without one the markup's day stands, and htmldate's pick alone is less sure.
    shown = under if looked_under else _heading_dateline(html, reference, page.comments_from)
    if shown is not None:
        return shown
    if found is None:
        return _kicker_dateline(page, reference)
    if found.confidence < HTML_AGREED_CONFIDENCE:
        day = evidence_day(found)
        from_url = url_date(url, reference)
        vouched = published_in_markup(html, day) or (from_url is not None and evidence_day(from_url) == day)
        if not vouched and not page.shown_anywhere(day):
            # htmldate read the day from a link, an image path, a script or a form: nothing says it is this
            # page's publication.
            return _kicker_dateline(page, reference)
        hidden = HTML_UPDATE_CONFIDENCE if page.shown_only_as_update(day) else HTML_HIDDEN_CONFIDENCE
        return replace(found, confidence=min(found.confidence, hidden))
    return found


def _markup_date(
    htmldate_value: str | None,
    structured: list[str],
    url: str | None,
    reference: dt.date,
    page: _Page | None,
) -> DateEvidence | None:
    """htmldate's pick reconciled with `datePublished` (see `html_date`)."""
    picked = parse_htmldate(htmldate_value, reference)
    if picked is not None and _slug_day(url, evidence_day(picked)) and url_date(url, reference) is None:
        picked = None
    stated = [e for e in (parse_iso(v, reference, "html", HTML_STRUCTURED_CONFIDENCE) for v in structured) if e]
    if picked is not None and page is not None:
        picked = _unswapped(picked, page.html)
    if picked is not None and page is not None and _weak_htmldate_pick(picked, page):
        # htmldate found nothing better than an invented or modification day: a `datePublished` beside it
        # counts only when the page shows that day too.
        picked, stated = None, [e for e in stated if page.shows(evidence_day(e))]
    if picked is None and not stated and page is not None:
        # No pick: a publication day a meta tag states (in either attribute order) and the page shows.
        for day in meta_published_days(page.html, reference):
            if page.shows(day):
                return DateEvidence(_midnight(day), "html", HTML_CONFIDENCE, detail=f"meta published {day}")
    if not stated:
        return _with_local_day(picked, stated) if picked is not None else None
    first = stated[0]
    if picked is None:
        return _with_local_day(first, stated)
    both = f"htmldate {picked.detail}; datePublished {first.detail}"
    day = evidence_day(picked)
    if picked.has_time:
        picked = _with_local_day(picked, stated)
        agreed = first.value == picked.value or evidence_day(first) == evidence_day(picked)
    elif first.has_time and _same_moment(first.value, day):
        timed = _with_local_day(first, stated)
        agreed = timed.day is None or timed.day == day
        # A UTC stamp after midnight with htmldate's (often the URL's) day before it: the publisher's day.
        return replace(
            timed,
            day=timed.day or day,
            confidence=HTML_AGREED_CONFIDENCE if agreed else HTML_STRUCTURED_CONFIDENCE,
            detail=both,
        )
    else:
        agreed = evidence_day(first) == day
    return replace(picked, confidence=HTML_AGREED_CONFIDENCE if agreed else HTML_DISPUTED_CONFIDENCE, detail=both)


# ---- days a page does not state ----------------------------------------------------------------------------

# htmldate's extensive search ends in fallbacks that invent a day: a month alone ("March 2021") becomes
# 2021-03-01, a copyright notice ("© 2026") or a bare year becomes 2026-01-01. Such a pick is the 1st of a
# month without a time of day; it is believed only when htmldate finds it without that search too, or when the
# page's text writes the day out.
# An element's body is read up to the first tag that closes it (a comment's up to its first "-->"), as a lazy
# `.*?` would, but by possessive runs between "<" (or "-") marks: a third of the cost on long scripts.
_INVISIBLE = re.compile(
    r"<(?:(script|style|noscript|template|svg)\b[^<]*+(?:<(?!/\1\s*>)[^<]*+)*+</\1\s*>|!--[^-]*+(?:-(?!->)[^-]*+)*+-->)",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
# Month names of the languages newsbeam's evaluation pages are written in (English, German, French).
_MONTH_NAMES = tuple(
    tuple(line.split())
    for line in """
    January Januar janvier
    February Februar février
    March März mars
    April April avril
    May Mai mai
    June Juni juin
    July Juli juillet
    August August août
    September September septembre
    October Oktober octobre
    November November novembre
    December Dezember décembre
    """.strip().splitlines()
)
_MODIFIED_KEYS = (
    "article:modified_time|dateModified|og:updated_time|last-modified|modified|updated_time|dcterms\\.modified"
)
_PUBLISHED_KEYS = (
    "article:published_time|datePublished|pubdate|publishdate|publish[-_]date|date|dc\\.date|dcterms\\.created"
    "|dc\\.date\\.issued|sailthru\\.date|parsely-pub-date|og:published_time|published_time|dcterms\\.date"
)
# The lookaheads on a key's first letter change no match; they let the regex engine pass over the many other
# quoted strings of a page quickly.
_STATEMENT = r"""["'](?=[{first}])(?:{keys})["']\s*(?::|\s[^<>]*?\b(?:content|datetime)\s*=)\s*["']?{value}"""
_DAY_VALUE = r"(\d{4}-\d{2}-\d{2})"
# The whole value of a statement, its time and UTC offset with the day ("2025-03-04T10:20:00+01:00").
_STAMP_VALUE = r"(\d{4}-\d{2}-\d{2}(?:[T ][\d:.,]{4,15}\s?(?:[Zz]|[+-]\d\d:?\d\d)?)?)"
_MODIFIED_STATEMENT = re.compile(
    _STATEMENT.format(keys=_MODIFIED_KEYS, first="adolmu", value=_DAY_VALUE), re.IGNORECASE
)
_PUBLISHED_STATEMENT = re.compile(
    _STATEMENT.format(keys=_PUBLISHED_KEYS, first="adpso", value=_DAY_VALUE), re.IGNORECASE
)
# The same statement with its value first: <meta content="2024-10-08T00:00:00-04:00" property="og:published_time">
# ("content" at a word start, any case: an opening class of uncased letters lets the engine skip to each "c".)
_VALUE_FIRST = (
    r"""[cC](?<!\w[cC])(?i:ontent\s*=\s*["']{value}[^"'<>]*["']"""
    r"""\s+(?:property|name|itemprop)\s*=\s*["'](?:{keys})["'])"""
)
_PUBLISHED_VALUE_FIRST = re.compile(_VALUE_FIRST.format(value=_DAY_VALUE, keys=_PUBLISHED_KEYS))
# The page's last modification with its time, in either order (`_stated_update`).
_MODIFIED_KEY_PARTS = ("odified", "pdated_time")  # what every key of `_MODIFIED_KEYS` holds
_MODIFIED_STAMP = re.compile(_STATEMENT.format(keys=_MODIFIED_KEYS, first="adolmu", value=_STAMP_VALUE), re.IGNORECASE)
_MODIFIED_STAMP_VALUE_FIRST = re.compile(_VALUE_FIRST.format(value=_STAMP_VALUE, keys=_MODIFIED_KEYS))
# Where markup states a publication: a publication key (meta tag, JSON-LD or another JSON blob) or a <time>.
# (One opening class for both branches, checked behind, lets the engine skip to candidate characters.)
_PUBLISHED_KEY = re.compile(
    r"""["'<](?:(?<=["'])(?=[acdfopsw])(?:article:published_time|datePublished|dateCreated|pubdate|publish[-_]?date"""
    r"""|published(?:[-_]?(?:at|date|time|on))?|createdAt|created[-_]at|firstPublished\w*|dc\.date(?:\.issued)?"""
    r"""|dcterms\.(?:created|issued|date)|sailthru\.date|parsely-pub-date|og:published_time|w-published-date"""
    r"""|date)["']"""
    r"""|(?<=<)time\b)""",
    re.IGNORECASE,
)
_STATEMENT_REACH = 90  # characters after a key where its value stands


def published_in_markup(html: str, day: dt.date) -> bool:
    """Whether the page's markup states `day` as its publication: a value right after a publication key or
    in a `<time>` element, written in ISO or another common form ("Thu, 09/25/2025 - 11:38", "Jan 17, 2025")."""
    iso = day.isoformat()
    year = iso[2:4]  # every form of the day holds it
    for match in _PUBLISHED_KEY.finditer(html):
        window = html[match.end() : match.end() + _STATEMENT_REACH]
        if year in window and (iso in window or _day_written(day).search(window)):
            return True
    return False


# A day in ISO form as the markup writes it, found by its "-MM-DD" (a literal "-" lets the engine skip ahead).
_ISO_DAY_WRITTEN = re.compile(r"-\d\d-\d\d(?<=\d{4}-\d\d-\d\d)")


def meta_published_days(html: str, reference: dt.date) -> list[dt.date]:
    """The days the page's meta tags state as its publication, in document order.

    A statement holds no `<` or `>` and ends in a day in ISO form, so only the stretches between them that
    write such a day are read (`_tag_free_stretch`): the same statements as a pass over the whole markup, at a
    quarter of the cost.
    """
    stretches: list[tuple[int, int]] = []
    stop = 0
    for written in _ISO_DAY_WRITTEN.finditer(html):
        if written.start() >= stop:
            start, stop = _tag_free_stretch(html, written.start())
            stretches.append((start, stop))
    found: list[dt.date] = []
    for pattern in (_PUBLISHED_STATEMENT, _PUBLISHED_VALUE_FIRST):
        for match in (m for start, stop in stretches for m in pattern.finditer(html, start, stop)):
            try:
                day = dt.date.fromisoformat(match.group(1))
            except ValueError:
                continue
            if _in_range(day, reference) and day not in found:
                found.append(day)
    return found


def _unswapped(picked: DateEvidence, html: str) -> DateEvidence:
    """htmldate's day with day and month swapped back, when the page writes it ambiguously ("10/12/2023")
    and its markup states the other reading, in ISO form, as the publication."""
    day = evidence_day(picked)
    if day.day > 12 or day.day == day.month or day.isoformat() in html:
        return picked
    swapped = dt.date(day.year, day.day, day.month)
    if swapped.isoformat() not in html or not published_in_markup(html, swapped):
        return picked
    detail = f"{swapped} (the markup's reading of {day})"
    return DateEvidence(_midnight(swapped), "html", picked.confidence, detail=detail)


def visible_text(html: str) -> str:
    """The page's text as a reader sees it, roughly: markup, scripts, styles and comments removed."""
    return _visible(_INVISIBLE.sub(" ", html))


def _visible(kept: str) -> str:
    """`visible_text` of markup whose invisible elements are already blanked out."""
    return " ".join(_unescape(_TAG.sub(" ", kept)).split())


# An invisible element (or comment) that opens and does not close within a piece of markup.
_INVISIBLE_OPEN = re.compile(r"<(?:script|style|noscript|template|svg)\b|<!--", re.IGNORECASE)


def _visible_before(html: str, start: int, cut: int) -> str | None:
    """`visible_text(html[start:cut])` when the visible text of `html[start:stop]` (any `stop` past `cut`) is
    that text followed by the visible text of `html[cut:stop]`: the cut falls outside every tag, script and
    comment, right where a tag starts. None otherwise (then only reading the whole stretch is right)."""
    kept = _INVISIBLE.sub(" ", html[start:cut])
    if _INVISIBLE_OPEN.search(kept) is not None or kept.rfind("<") > kept.rfind(">"):
        return None  # the cut falls inside an element that is not shown, or inside a tag
    close = html.find(">", cut)
    if not html.startswith("<", cut) or close < 0 or html.find("<", cut + 1, close) >= 0:
        return None  # what follows the cut does not start with a whole tag
    return _visible(kept)


def _visible_head(html: str, start: int, stop: int, need: int) -> str:
    """`visible_text(html[start:stop])[:need]`, reading no further into the page than that takes: a byline
    area needs a few hundred characters of text, not the rest of the page."""
    reach = 8 * need
    while start + reach < stop:
        cut = html.find("<", start + reach, stop)
        if cut < 0:
            break
        head = _visible_before(html, start, cut)
        if head is not None and len(head) >= need:
            return head[:need]
        reach *= 4
    return visible_text(html[start:stop])[:need]


# The longest day `_day_written` finds in a page's visible text (single spaces): "1er septembre de 2021" and
# its kin are under 30 characters.
_WRITTEN_REACH = 40


@functools.lru_cache(maxsize=4096)
def _day_written(day: dt.date) -> re.Pattern[str]:
    """`day` as pages write it: 2021-03-01, 1.3.2021, 03/01/21, 1 March 2021, März 1, 2021, 1er mars 2021."""
    y, m, d = day.year, day.month, day.day
    year, dd, mm = rf"(?:{y}|'?{y % 100:02d})", f"0?{d}", f"0?{m}"
    names = [alt for name in _MONTH_NAMES[m - 1] for alt in (re.escape(name), re.escape(name[:3]) + r"\.?")]
    month = "(?:" + "|".join(names + (["Sept\\.?"] if m == 9 else [])) + ")"
    suffix = r"(?:st|nd|rd|th|er|\.)?"
    forms = (
        rf"(?<!\d){y}[-/.]{mm}[-/.]{dd}(?!\d)",
        rf"(?<!\d){dd}[-/.]{mm}[-/.]{year}(?!\d)",
        rf"(?<!\d){mm}[-/.]{dd}[-/.]{year}(?!\d)",
        rf"(?<!\d){dd}{suffix}\s*(?:de\s+|of\s+)?{month}(?![^\W\d_])\.?,?\s*(?:de\s+)?{y}",
        rf"{month}(?![^\W\d_])\.?\s+{dd}{suffix}(?!\d),?\s*{y}",
    )
    return re.compile("|".join(forms), re.IGNORECASE)


def states_day(text: str, day: dt.date) -> bool:
    """Whether `text` (a page's `visible_text`) writes `day` out in a common format."""
    return _day_written(day).search(text) is not None


def _written_spans(text: str, day: dt.date) -> list[tuple[int, int]]:
    """Where `text` (a `visible_text`: single spaces) writes `day`, as `_day_written(day).finditer` finds it.

    Every form holds the year, or its last two digits after "-", "/", "." or "'", so only the few stretches
    around those are searched: one regex pass over a long text per day costs a millisecond, these a few
    microseconds. A match is shorter than `_WRITTEN_REACH`, so it starts at most that far before its year.
    """
    year = str(day.year)
    anchors = _places(text, year)
    anchors += [
        at
        for at in _places(text, year[2:])
        if at > 0 and text[at - 1] in "-/.'" and not text[at + 2 : at + 3].isdigit()
    ]
    if not anchors:
        return []  # the common case for a day a page does not show: no pattern to compile
    anchors.sort()
    written = _day_written(day)
    spans: list[tuple[int, int]] = []
    pos = index = 0
    while index < len(anchors):
        at = anchors[index]
        match = None if at < pos else written.search(text, max(pos, at - _WRITTEN_REACH), at + 2 * _WRITTEN_REACH)
        if match is None or match.start() > at:
            index += 1  # no match holds this year; the next one may
            continue
        spans.append(match.span())
        pos = match.end()
    return spans


def _places(text: str, part: str) -> list[int]:
    """Every index where `part` occurs in `text`."""
    found = []
    at = text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def shown_anywhere(text: str, day: dt.date) -> bool:
    """Whether the page's text shows `day` in any language as its own: as `states_day` finds it, or loosely,
    its day number a few characters before its year ("15 августа 2016") or its year, month and day in that
    order ("2016年8月15日"). A day shown only as a reader's ("ijsbol commented Dec 18, 2025") does not count."""
    spans = [m.span() for m in _day_written(day).finditer(text)]
    return _shows_own(text, spans) or _shows_own(text, _loose_spans(text, day))


def _loose_spans(text: str, day: dt.date) -> list[tuple[int, int]]:
    """Where `text` writes `day`'s number a few characters before its year, or its year, month and day."""
    d, m, y = day.day, day.month, day.year
    loose = re.compile(rf"(?<!\d)0?{d}(?!\d)\D{{1,16}}{y}(?!\d)|(?<!\d){y}\D{{1,4}}0?{m}\D{{1,4}}0?{d}(?!\d)")
    return [m.span() for m in loose.finditer(text)]


def _shows_own(text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether one of `spans` (a day as `text` writes it) is not a reader's comment's."""
    return any(not _COMMENT_LABEL.search(text[max(0, start - 30) : start]) for start, _ in spans)


# A comment's or reply's byline right before a day: "ijsbol commented Dec 18, 2025", "Anna schrieb am 3. Mai".
_COMMENT_LABEL = re.compile(
    r"\b(?:commented|replied|wrote|says|antwortete|schrieb|kommentierte)\b[^.!?\d]{0,12}$", re.IGNORECASE
)


def _weak_htmldate_pick(picked: DateEvidence, page: _Page) -> bool:
    """Whether htmldate's pick is a day the page does not state as its publication.

    Two kinds: the 1st of a month invented by htmldate's fallbacks (a copyright year, a bare year, a month)
    unless the page writes the day out or states it in its metadata, and a day that only a modification
    statement of the metadata gives (`dateModified`, `article:modified_time`) and the text never shows: such
    a page states no publication date, and its last edit is not one.
    """
    day = evidence_day(picked)
    iso = day.isoformat()
    if page.shows(day):
        return False
    published = _states_as(_PUBLISHED_STATEMENT, page.html, iso)
    if day.day == 1 and not picked.has_time:
        return not published
    return not published and _states_as(_MODIFIED_STATEMENT, page.html, iso)


def _states_as(statement: re.Pattern[str], html: str, iso: str) -> bool:
    """Whether a `statement` of the markup (`_PUBLISHED_STATEMENT`, `_MODIFIED_STATEMENT`) gives the day `iso`.

    Such a statement holds no `<` or `>`, so only the stretch between two of them around each place the
    markup writes `iso` is read: a page's markup is long, the places a given day stands in it are few.
    """
    at = html.find(iso)
    while at >= 0:
        start, stop = _tag_free_stretch(html, at)
        if any(m.group(1) == iso for m in statement.finditer(html, start, stop)):
            return True
        at = html.find(iso, stop)  # the stretch is read: on to the next one
    return False


# "Published March 9, 2026", "Posted on 2025-12-19", "This article was originally published on 26 Sep 2019"
_PUBLISHED_WORDS = "published|posted"  # the English publication labels, also in `_DATELINE_LABEL`
_PUBLISHED_LABEL = re.compile(rf"\b(?:(?:originally\s+)?{_PUBLISHED_WORDS})(?:\s+on)?\s*:?\s+", re.IGNORECASE)
_LABEL_REACH = 40
HTML_LABELLED_CONFIDENCE = 0.8


def is_original_label(evidence: DateEvidence) -> bool:
    """Whether a `labelled_date` says outright that it is the original publication ("originally published")."""
    return evidence.detail[:10].lower() == "originally"


def labelled_date(text: str, reference: dt.date) -> DateEvidence | None:
    """The first day with its year written right after a publication label in the page's text."""
    folded = text.casefold()
    if "posted" not in folded and ("publ" not in folded or "shed" not in folded):
        return None  # most pages have no label: substring tests are much cheaper than the regex pass
    for match in _PUBLISHED_LABEL.finditer(text):
        after = text[match.end() : match.end() + _LABEL_REACH]
        for found in text_dates(after, reference):
            if found.confidence >= DATELINE_CONFIDENCE:  # at the label's end, with a year
                detail = f"{match.group(0).strip()} {found.detail}"
                return replace(found, source="html", confidence=HTML_LABELLED_CONFIDENCE, detail=detail)
    return None


# ---- the dateline under the headline -----------------------------------------------------------------------

HTML_HEADING_CONFIDENCE = 0.75  # a dateline right under (or above) the page's <h1>: right on 38 of 45 pages
# htmldate's pick alone, shown only as an update (under the headline or anywhere else): the 0.5 band of the
# WCXB and htmldate sets, 20 of 38 right.
HTML_UPDATE_CONFIDENCE = 0.5
# htmldate's pick alone, a day the page's main text never shows: the 0.7 band of both sets, 68 of 92 right.
HTML_HIDDEN_CONFIDENCE = 0.7
_HEADING_REACH = 300  # visible characters after the </h1> that count as its byline area
_KICKER_REACH = 60  # visible characters before the headline where a dateline may stand above it
_LISTED_DAYS = 3  # different days in that area that make it a list of posts rather than a byline
_MONTH_WORDS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "januar", "jänner", "janvier", "enero", "jan", "jän", "janv", "ene"),
            ("february", "februar", "février", "fevrier", "febrero", "feb", "févr"),
            ("march", "märz", "maerz", "mars", "marzo", "mar", "mär"),
            ("april", "avril", "abril", "apr", "avr", "abr"),
            ("may", "mai", "mayo"),
            ("june", "juni", "juin", "junio", "jun"),
            ("july", "juli", "juillet", "julio", "jul", "juil"),
            ("august", "août", "aout", "agosto", "aug", "ago"),
            ("september", "septembre", "septiembre", "sep", "sept"),
            ("october", "oktober", "octobre", "octubre", "oct", "okt"),
            ("november", "novembre", "noviembre", "nov"),
            ("december", "dezember", "décembre", "decembre", "diciembre", "dec", "dez", "déc", "dic"),
        ),
        start=1,
    )
    for name in names
}
_WORD_MONTH = "(?:" + "|".join(sorted(map(re.escape, _MONTH_WORDS), key=len, reverse=True)) + ")"
# A day with its year as bylines write it in English, German, French and Spanish: 12.03.2021, 2021-03-12,
# 12. März 2021, 12 de marzo de 2021, le 12 mars 2021, March 12, 2021, 12th March 2021.
_BYLINE_DAY = re.compile(
    rf"""(?<![\w.])(?:
        (?P<d1>\d{{1,2}})\.\s?(?P<m1>\d{{1,2}})\.\s?(?P<y1>(?:19|20)\d\d)
        |(?P<y2>(?:19|20)\d\d)-(?P<m2>\d\d)-(?P<d2>\d\d)
        |(?P<d3>\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s*(?:de\s+|of\s+)?(?P<m3>{_WORD_MONTH})\.?,?\s*(?:de\s+)?
            (?P<y3>(?:19|20)\d\d)
        |(?P<m4>{_WORD_MONTH})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d\d)
    )(?!\d)""",
    re.IGNORECASE | re.VERBOSE,
)
# A dateline labelled as a later edit ("Updated", "Aktualisiert am", "Stand:", "mis à jour le") is no
# publication date.
_UPDATED = r"updated|aktualisiert|stand|mis\s+à\s+jour|actualizado|reviewed|revised"
_EDITED = r"active|edited|modified|reviewed"  # "Last edited" in a label
_UPDATE_DAY_FOLLOWS = r"(?:on|am|le|el)?\W*$"
_UPDATE_LABEL = re.compile(rf"(?:{_UPDATED}|last\s+(?:{_EDITED}))\W*{_UPDATE_DAY_FOLLOWS}", re.IGNORECASE)
# The same label where a few words may stand between it and the day ("Zuletzt geändert am", "Last updated on",
# "We updated this article on").
_UPDATE_BEFORE = re.compile(
    rf"(?:{_UPDATED}|{_EDITED}|geändert)\W*(?:\w+\W+){{0,2}}{_UPDATE_DAY_FOLLOWS}", re.IGNORECASE
)
_H1_END = re.compile(r"</h1\s*>", re.IGNORECASE)


# Where a page's comments (or replies) begin, by a class or id that starts with the word: their dates are the
# readers', not the page's.
_COMMENTS_START = re.compile(
    r"""<(?:div|section|ol|ul|aside)\b[^>]*\b(?:class|id)\s*=\s*["'](?:[^"']*\s)?(?:comment|repl|respond|disqus)""",
    re.IGNORECASE,
)


# A day written only in the last quarter of a page (footers, related links, references) is not shown as its date.
_SHOWN_SHARE = 0.75


class _Page:
    """One page as `html_date` reads it, each part once: its visible text, the part of that where it shows
    its own date (`shown_in_main_text`), where its first headline stands, and where it writes a given day."""

    def __init__(self, html: str) -> None:
        self.html = html
        comments = _COMMENTS_START.search(html)
        # Where the page's comments begin its text is cut in two there (the same text as a whole read of
        # the page when the cut falls between tags); else read whole, and the part above them on its own.
        before = None if comments is None else _visible_before(html, 0, comments.start())
        self._main: str | None = None  # the main text when it is no prefix of `text`
        if comments is None:
            self.text = visible_text(html)
            main_length = len(self.text)
        elif before is not None:
            after = visible_text(html[comments.start() :])
            self.text = f"{before} {after}" if before and after else before or after
            main_length = len(before)
        else:
            self.text = visible_text(html)
            main = visible_text(html[: comments.start()])
            main_length = len(main)
        self.main_end = int(main_length * _SHOWN_SHARE)
        if comments is not None and before is None:
            self._main = main[: self.main_end]
        self._spans: dict[dt.date, list[tuple[int, int]]] = {}
        self._headline: int | None = None
        self._comments_at = None if comments is None else comments.start()

    @property
    def main_text(self) -> str:
        """The page's text where it shows its own dates: before its comments, above its last quarter."""
        return self._main if self._main is not None else self.text[: self.main_end]

    def comments_from(self, at: int) -> int:
        """Where the page's comments begin at or after `at` (the page's length without them): the first
        search's answer when it lies past `at`, so the byline area needs no second pass over the markup."""
        if self._comments_at is None:
            return len(self.html)
        if self._comments_at >= at:
            return self._comments_at
        return _comments_start(self.html, at)

    def spans(self, day: dt.date) -> list[tuple[int, int]]:
        """Where the page's text writes `day` (`_day_written`)."""
        if day not in self._spans:
            self._spans[day] = _written_spans(self.text, day)
        return self._spans[day]

    def shows(self, day: dt.date) -> bool:
        """Whether the page's text writes `day` out in a common format (`states_day`)."""
        return bool(self.spans(day))

    def shown_anywhere(self, day: dt.date) -> bool:
        """`shown_anywhere` on the page's text."""
        return _shows_own(self.text, self.spans(day)) or _shows_own(self.text, _loose_spans(self.text, day))

    def shown_in_main_text(self, day: dt.date) -> bool:
        """Whether the page shows `day` as its own where it shows its date: before its comment section, where
        one is marked, and above its last quarter (measured: 0.5 to 0.75 gain the same). A day written only
        in the last quarter of a page (footers, related links, references) is not shown as its date."""
        if self._main is not None:
            return _shows_own(self._main, [m.span() for m in _day_written(day).finditer(self._main)])
        end = self.main_end
        spans = [span for span in self.spans(day) if span[1] <= end]
        # The main text ends where the whole text goes on: a day cut there may still read as one ("1.3.21|5").
        start = max(spans[-1][1] if spans else 0, end - _WRITTEN_REACH)
        tail = _day_written(day).search(self.text, start, end) if str(day.year)[2:] in self.text[start:end] else None
        while tail is not None:
            spans.append(tail.span())
            tail = _day_written(day).search(self.text, tail.end(), end)
        return _shows_own(self.text, spans)

    def shown_only_as_update(self, day: dt.date) -> bool:
        """Whether every place the page's text writes `day` labels it as an update."""
        shown = [start for start, _ in self.spans(day)]
        return bool(shown) and all(_UPDATE_BEFORE.search(self.text[max(0, at - 30) : at]) for at in shown)

    @property
    def headline_at(self) -> int:
        """Where the page's first headline starts in its text, or -1 (`_headline_at`)."""
        if self._headline is None:
            self._headline = _headline_at(self.html, self.text)
        return self._headline

    def shown_only_above_headline(self, day: dt.date) -> bool:
        """Whether the page's text shows `day`, but only above its first headline."""
        spans = self.spans(day)
        at = self.headline_at
        if not spans or at <= spans[0][0]:
            return False
        if any(start < at < end for start, end in spans):  # a day across the headline's start: ask the regex
            return _day_written(day).search(self.text, at) is None
        return all(start < at for start, _ in spans)


def shown_only_as_update(html: str, day: dt.date) -> bool:
    """Whether the page shows `day`, and every place its visible text writes it labels it as an update
    ("Updated August 14, 2025", "Last updated: Dec 4, 2025")."""
    return _Page(html).shown_only_as_update(day)


# ---- the page's last update --------------------------------------------------------------------------------

# A label of an update with the day right after it, as the page's text shows it: "Updated March 9, 2026",
# "Last updated on 12 Jan 2025", "Zuletzt aktualisiert am 12.03.2021", "Stand: 01.02.2022", "mis à jour le 3 mars".
# (The lookahead on the labels' first letters changes no match; it halves the cost of a pass over a page's text.)
_UPDATE_FIRST = "".join(sorted({w[0] + w[0].upper() for w in (*_UPDATED.split("|"), "last")}))
_UPDATE_AHEAD = re.compile(
    rf"(?=[{_UPDATE_FIRST}])\b(?:{_UPDATED}|last\s+(?:{_EDITED}))(?:\s+(?:on|am|le|el))?\s*:?\s*(?=\d|{_WORD_MONTH})",
    re.IGNORECASE,
)


def _shown_update(page: _Page, reference: dt.date) -> DateEvidence | None:
    """The first update the page shows its reader with its day ("Updated March 9, 2026"), from a little above
    its headline to the end of its main text: a teaser's or a comment's update further down is another page's."""
    text = page.main_text
    if _UPDATE_AHEAD.search(text) is None:
        return None  # most pages: the headline need not be looked for
    start = max(0, page.headline_at - _KICKER_REACH) if page.headline_at > 0 else 0
    for label in _UPDATE_AHEAD.finditer(text, start):
        match = _BYLINE_DAY.match(text, label.end())
        day = _byline_day(match, reference) if match is not None else None
        if match is not None and day is not None:
            detail = f"{label.group(0).strip()} {' '.join(match.group(0).split())}"
            return DateEvidence(_midnight(day), "html", HTML_CONFIDENCE, has_time=False, detail=detail)
    return None


def _stated_update(html: str, reference: dt.date) -> DateEvidence | None:
    """The first modification the markup states (`dateModified`, `article:modified_time`, `og:updated_time`),
    with its time of day and offset where written."""
    at = _modified_key_at(html, 0)
    while at >= 0:  # only the tag-free stretches that name a key are read (see `_states_as`)
        start, stop = _tag_free_stretch(html, at)
        for pattern in (_MODIFIED_STAMP, _MODIFIED_STAMP_VALUE_FIRST):
            for match in pattern.finditer(html, start, stop):
                found = parse_iso(match.group(1), reference, "html", HTML_CONFIDENCE)
                if found is not None:
                    return found
        at = _modified_key_at(html, stop)
    return None


def _modified_key_at(html: str, start: int) -> int:
    """Where the next key of `_MODIFIED_KEYS` stands from `start` on (every one holds one of these), or -1."""
    found = [at for at in (html.find(part, start) for part in _MODIFIED_KEY_PARTS) if at >= 0]
    return min(found) if found else -1


def _page_updated(page: _Page, reference: dt.date) -> DateEvidence | None:
    """The page's last update: the day it shows its reader as one, with the markup's time where the markup
    states the same day; else the markup's statement. None when the page states no update."""
    stated = _stated_update(page.html, reference)
    shown = _shown_update(page, reference)
    if shown is None:
        return stated
    if stated is not None and evidence_day(stated) == evidence_day(shown):
        return replace(stated, detail=f"{shown.detail}; {stated.detail}")
    return shown


def _headline_at(html: str, text: str) -> int:
    """Where the page's first headline (`<h1>`) starts in its `visible_text`, or -1."""
    end = _H1_END.search(html)
    if end is None:
        return -1
    start = html.rfind("<h1", 0, end.start())
    headline = visible_text(html[start : end.end()]) if start >= 0 else ""
    return text.find(headline) if headline else -1


def _byline_day(match: re.Match[str], reference: dt.date) -> dt.date | None:
    """The day a `_BYLINE_DAY` match writes, if it is a real day in range."""
    groups = match.groupdict()
    key = next(k for k in "1234" if groups.get("y" + k))
    month_text = groups["m" + key]
    month = int(month_text) if month_text.isdigit() else _MONTH_WORDS[month_text.lower()]
    day = _make_date(int(groups["y" + key]), month, int(groups["d" + key]))
    return day if day is not None and _in_range(day, reference) else None


def _kicker_dateline(page: _Page, reference: dt.date) -> DateEvidence | None:
    """A day with its year written right above the page's headline, where some pages put it instead of
    under it ("Back to all articles February 4, 2025 - 11 minutes" and then the `<h1>`); not an update's."""
    at = page.headline_at
    if at <= 0:
        return None
    area = page.text[max(0, at - _KICKER_REACH) : at]
    matches = list(_BYLINE_DAY.finditer(area))
    if not matches or _UPDATE_LABEL.search(area[max(0, matches[-1].start() - 25) : matches[-1].start()]):
        return None
    day = _byline_day(matches[-1], reference)
    if day is None:
        return None
    detail = f"above the headline: {' '.join(matches[-1].group(0).split())}"
    return DateEvidence(_midnight(day), "html", HTML_HEADING_CONFIDENCE, has_time=False, detail=detail)


def heading_dateline(html: str, reference: dt.date) -> DateEvidence | None:
    """The first day with its year in the byline area under the page's first headline (`<h1>`).

    Many pages, German ones especially, show the day only there ("Von Anna Muster 12.03.2021"); their
    markup then holds another day (a modification, a teaser's) or none. A day labelled as an update is not
    taken, nor one in the comments or after a reader's byline ("… commented"). Dates in the headline itself
    are part of the title, not its dateline.
    """
    return _heading_dateline(html, reference, lambda at: _comments_start(html, at))


def _comments_start(html: str, at: int) -> int:
    """Where the page's comments begin at or after `at` (the page's length without them)."""
    found = _COMMENTS_START.search(html, at)
    return found.start() if found else len(html)


def _heading_dateline(html: str, reference: dt.date, comments_from: Callable[[int], int]) -> DateEvidence | None:
    """`heading_dateline`, given where the comments begin after a place (`_Page.comments_from`)."""
    end = _H1_END.search(html)
    if end is None:
        return None
    area = _visible_head(html, end.end(), comments_from(end.end()), _HEADING_REACH)
    match = _BYLINE_DAY.search(area)
    if match is None:
        return None
    if len({" ".join(m.group(0).split()) for m in _BYLINE_DAY.finditer(area)}) >= _LISTED_DAYS:
        return None  # several posts' days: a blog's home page or an archive, not one page's dateline
    before = area[max(0, match.start() - 30) : match.start()]
    if _UPDATE_LABEL.search(before[-25:]) or _COMMENT_LABEL.search(before):
        return None
    if _in_prose(area[max(0, match.start() - _PROSE_REACH) : match.start()]) or _RANGE_START.search(before):
        return None
    day = _byline_day(match, reference)
    if day is None:
        return None
    detail = f"under the headline: {' '.join(match.group(0).split())}"
    return DateEvidence(_midnight(day), "html", HTML_HEADING_CONFIDENCE, has_time=False, detail=detail)


# How far before a day under the headline to look for the sentence or the caption it stands in.
_PROSE_REACH = 80
# A label that may open a dateline in lower case ("published on", "veröffentlicht am" after a name).
_DATELINE_LABEL = re.compile(
    rf"\b(?:{_PUBLISHED_WORDS}|veröffentlicht|erschienen|publié|publicado|pubblicato|gepubliceerd|publisert|publicerad)\b",
    re.IGNORECASE,
)
_PROSE_WORDS = 4  # lower-case words in a row right before a day: the day is written in a sentence
# The first day of a range right before the day ("vom 9.1. - 10.2.2023", "3 - 5 March 2024"): the day ends a
# period the text speaks of, an offer's or an event's, not the page's dateline.
_RANGE_START = re.compile(r"\d{1,2}\.?(?:\d{1,2}\.)?\s*(?:[-–—]|bis|to|until|au|al)\s*$", re.IGNORECASE)


def _in_prose(before: str) -> bool:
    """Whether a day that follows `before` is written inside a sentence ("... resultaat op 9 juni 2024") or an
    open parenthesis, a photo's caption ("(Kundus, 6.12.2010)"), rather than standing as a dateline."""
    opened = before.rfind("(")
    if opened > before.rfind(")") and before[opened + 1 :].strip():  # "Karlsruhe, (12.11.2021)" is a dateline
        return True
    if _DATELINE_LABEL.search(before):
        return False
    words = before.split()[-_PROSE_WORDS:]
    return len(words) == _PROSE_WORDS and all(w.isalpha() and w.islower() for w in words)


def _with_local_day(evidence: DateEvidence, statements: list[DateEvidence]) -> DateEvidence:
    """`evidence` with the publisher's day taken from another statement of the same moment, if one has it."""
    if evidence.day is not None or not evidence.has_time:
        return evidence
    for other in statements:
        if other.has_time and other.day is not None and other.value == evidence.value:
            return replace(evidence, day=other.day)
    return evidence


def _utc_value(evidence: DateEvidence) -> dt.datetime:
    value = evidence.value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def choose_date(candidates: list[DateEvidence], reference: dt.date) -> DateEvidence | None:
    """The estimate: strongest source first, then confidence; for text, a dateline or else the latest day.

    Ties among equally confident non-text candidates go to the earliest, since a later one is more
    likely a modification date than the publication.
    """
    usable = [c for c in candidates if _in_range(evidence_day(c), reference)]
    if not usable:
        return None
    top = max(SOURCE_RANK.get(c.source, 0) for c in usable)
    pool = [c for c in usable if SOURCE_RANK.get(c.source, 0) == top]
    if pool[0].source == "text":
        datelines = [c for c in pool if is_dateline(c)]
        if datelines:
            return max(datelines, key=lambda c: (c.confidence, _utc_value(c)))
        return max(pool, key=lambda c: (_utc_value(c), c.confidence))
    best = max(pool, key=lambda c: (c.confidence, c.has_time, -_utc_value(c).timestamp()))
    return _reconciled_with_url(best, [c for c in usable if c.source == "url"])


def _reconciled_with_url(best: DateEvidence, from_url: list[DateEvidence]) -> DateEvidence:
    """The page's day checked against the URL's: the same day from both is surer than either (on the
    evaluation pages it was always right); a different one leaves the page's day, but less sure."""
    if best.source != "html" or not from_url:
        return best
    if any(evidence_day(u) == evidence_day(best) for u in from_url):
        return replace(best, confidence=max(best.confidence, HTML_URL_AGREED_CONFIDENCE))
    return replace(best, confidence=min(best.confidence, HTML_DISPUTED_CONFIDENCE))


def _tag_free_stretch(html: str, at: int) -> tuple[int, int]:
    """(start, stop) of the stretch of `html` around `at` that holds no `<` or `>`: a statement of the markup
    lies within one, and a regex pass over that stretch alone finds it as a pass over the whole page would."""
    start = max(html.rfind("<", 0, at), html.rfind(">", 0, at)) + 1
    ends = [e for e in (html.find("<", at), html.find(">", at)) if e >= 0]
    return start, min(ends) if ends else len(html)
