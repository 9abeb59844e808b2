"""Publication-date evidence from article text, URLs and metadata strings, and the choice among it.

Feeds and HTML metadata are often missing or wrong, so every source is turned into `DateEvidence` and one
rule picks the estimate. Text is the weakest source: news mentions the dates of the events it reports,
which precede publication, so among dates mentioned in passing the most recent one is the best guess,
unless a dateline at the very start states the day outright. Only day-level dates count: "in October" or
"on Tuesday" says too little to partition an archive by day.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote, urlsplit

from transforms.document import DateEvidence

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
# "20 December 2025", "20-21 December", "5th of Dec."
_DAY_FIRST = re.compile(
    rf"""(?P<d1>\d{{1,2}}){_ORD}
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
    # /2025/dec/20/ (The Guardian and others)
    re.compile(rf"/(?P<y>(?:19|20)\d{{2}})/(?P<mon>{_MONTH})/(?P<d>\d{{1,2}})(?=/|$|\.)", re.IGNORECASE),
    # /2025-12-20/ or a slug holding 2025-12-20 / 2025_12_20
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})([-_])(?P<m>\d{2})\2(?P<d>\d{2})(?!\d)"),
    # 20251220
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
)

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
            day = _make_date(int(groups["y"]), month, int(groups["d"]))
            if day is not None and _in_range(day, reference):
                detail = match.group(0)
                return DateEvidence(_midnight(day), "url", URL_CONFIDENCE, has_time=False, detail=detail)
    return None


def parse_iso(value: str | None, reference: dt.date, source: str, confidence: float) -> DateEvidence | None:
    """An ISO 8601 date or datetime from metadata as UTC evidence; naive times are taken as UTC."""
    if source not in SOURCE_RANK:
        raise ValueError(f"unknown date source {source!r}; expected one of {sorted(SOURCE_RANK)}")
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence must be within [0, 1], got {confidence!r}")
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if _ISO_DATE_ONLY.fullmatch(text):
            stamp = _midnight(dt.date.fromisoformat(text))
            has_time = False
        elif _ISO_BASIC_DATE.fullmatch(text):
            stamp = _midnight(dt.datetime.strptime(text, "%Y%m%d").date())
            has_time = False
        else:
            if text[-1:] in ("Z", "z"):  # Python 3.10's fromisoformat does not know "Z"
                text = text[:-1] + "+00:00"
            parsed = dt.datetime.fromisoformat(text)
            stamp = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
            has_time = True
    except (ValueError, OverflowError):
        return None
    if not _in_range(stamp.date(), reference):
        return None
    return DateEvidence(stamp, source, confidence, has_time=has_time, detail=value.strip())


def _utc_value(evidence: DateEvidence) -> dt.datetime:
    value = evidence.value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def choose_date(candidates: list[DateEvidence], reference: dt.date) -> DateEvidence | None:
    """The estimate: strongest source first, then confidence; for text, a dateline or else the latest day.

    Ties among equally confident non-text candidates go to the earliest, since a later one is more
    likely a modification date than the publication.
    """
    usable = [c for c in candidates if _in_range(_utc_value(c).date(), reference)]
    if not usable:
        return None
    top = max(SOURCE_RANK.get(c.source, 0) for c in usable)
    pool = [c for c in usable if SOURCE_RANK.get(c.source, 0) == top]
    if pool[0].source == "text":
        datelines = [c for c in pool if c.confidence >= _DATELINE_MIN]
        if datelines:
            return max(datelines, key=lambda c: (c.confidence, _utc_value(c)))
        return max(pool, key=lambda c: (_utc_value(c), c.confidence))
    return max(pool, key=lambda c: (c.confidence, c.has_time, -_utc_value(c).timestamp()))
