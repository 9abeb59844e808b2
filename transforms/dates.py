"""Publication-date evidence from feeds, HTML metadata, URLs and article text, and the choice among it.

Feeds and HTML metadata are often missing or wrong, so every source is turned into `DateEvidence` and one
rule picks the estimate: feed or sitemap entry > HTML metadata > a day in the URL path > dates in the text
(`SOURCE_RANK`), confidence deciding within a source. Evidence after the reference date or before 1990 is
not believed.

HTML: htmldate (run by trafilatura in extensive mode, preferring the original over the modified date)
picks a date from the page's metadata, markup and text; schema.org `datePublished` (JSON-LD or microdata)
is read beside it. `html_date` reconciles the two: a statement with a time of day keeps that time, and a
day written with the publisher's UTC offset is the publisher's day even when another statement gives the
same moment in UTC (an article published at 21:00 in New York is dated that day, not the next).

Text is the weakest source: news mentions the dates of the events it reports, which precede publication,
so among dates mentioned in passing the most recent one is the best guess, unless a dateline at the very
start states the day outright. Only day-level dates count: "in October" or "on Tuesday" says too little
to partition an archive by day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
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


def evidence_day(evidence: DateEvidence) -> dt.date:
    """The calendar day the evidence states: the publisher's day when known, else the UTC date."""
    if evidence.day is not None:
        return evidence.day
    return _utc_value(evidence).date()


# ---- HTML --------------------------------------------------------------------------------------------------

HTML_CONFIDENCE = 0.8  # htmldate's pick on its own
HTML_STRUCTURED_CONFIDENCE = 0.85  # schema.org datePublished on its own
HTML_AGREED_CONFIDENCE = 0.9  # both state the same day (or the same moment)
HTML_DISPUTED_CONFIDENCE = 0.7  # they disagree; htmldate's pick is kept
# htmldate's output format: its day, plus the time and offset when the page states them.
HTMLDATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

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
    htmldate_value: str | None, structured: list[str], url: str | None, reference: dt.date
) -> DateEvidence | None:
    """The page's publication date from htmldate's pick and the schema.org `datePublished` statements.

    htmldate is the better judge of which date on a page is the publication (on its evaluation pages it
    beats taking `datePublished` first), so its day stands, except that a `datePublished` with a time of
    day describing the same moment as htmldate's bare day gives the time, and, when written with a UTC
    offset, the publisher's day. A day htmldate read from a URL slug that `url_date` refuses is dropped.
    """
    picked = parse_htmldate(htmldate_value, reference)
    if picked is not None and _slug_day(url, evidence_day(picked)) and url_date(url, reference) is None:
        picked = None
    stated = [e for e in (parse_iso(v, reference, "html", HTML_STRUCTURED_CONFIDENCE) for v in structured) if e]
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
        datelines = [c for c in pool if c.confidence >= _DATELINE_MIN]
        if datelines:
            return max(datelines, key=lambda c: (c.confidence, _utc_value(c)))
        return max(pool, key=lambda c: (_utc_value(c), c.confidence))
    return max(pool, key=lambda c: (c.confidence, c.has_time, -_utc_value(c).timestamp()))
