"""Feed dates: the strings of RSS `pubDate`, Dublin Core `dc:date`, Atom `published`/`updated` and JSON Feed
`date_published`, read in full or not at all.

Real feeds write their dates in RFC 822 (as RSS asks), in RFC 3339 (as Atom and JSON Feed ask), in the other
one, or in the publisher's language (`mer, 16 nov 2022 00:38:15 +0100`, written by a French locale). feedparser
reads the English forms only, and reads some strings wrongly without saying so: a 12-hour time
(`Dec 16 2023 02:02:33 PM` becomes 02:02) or a zone it does not know (`CET` becomes UTC). So newsbeam reads the
string itself, with one rule: every word of it must be understood (a weekday, a month, a day, a year, a time,
AM/PM, a zone, or one of a few connecting words such as `de` or `um`), else there is no date.

- Month and weekday names of the languages most feeds are written in (English, French, German, Spanish,
  Italian, Portuguese, Dutch, Swedish, Danish, Norwegian, Polish, Romanian, Turkish, Indonesian, Russian,
  Greek), full,
  abbreviated, or cut to at least three letters (`janv.`, `Mrz`, `sept`); accents optional. A word that would
  name two different months in two languages names none.
- A 12-hour time takes its AM/PM (12 PM is noon, 12 AM midnight).
- Zones: numeric offsets (`+0100`, `-05:00`, `GMT+1`), `Z`/`UT`/`UTC`/`GMT`, the North American zones of
  RFC 822 and unambiguous abbreviations (`CET`, `CEST`, `EET`, `JST`, `AEST`...). `IST`, `BST` or `ET` name
  several zones: a date using one is not trusted.
- A time without a zone could be any of 26 hours, so only its day is kept (`YYYY-MM-DD`), the same day the
  publisher wrote; a date without a time is a day too. A month or a year alone is no publication date.
- Numeric dates only where the order is certain: `2022-11-16`, `2022/11/16`, `16.11.2022`. `11/12/2022` is not.

The result is ISO 8601 with the publisher's own offset (`2022-11-16T00:38:15+01:00`), so that the article is
dated on the publisher's day, or a day alone (`YYYY-MM-DD`). No Beam import: plain logic.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

UTC = dt.timezone.utc

# Full month names (nominative, and genitive where a date uses it), January first, per language.
_MONTH_NAMES: dict[str, str] = {
    "en": "january february march april may june july august september october november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "de-at": "jänner februar märz april mai juni juli august september oktober november dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "es-set": "enero febrero marzo abril mayo junio julio agosto setiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "da": "januar februar marts april maj juni juli august september oktober november december",
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "pl": "styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień",
    "pl-gen": "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
    "ro": "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie",
    "tr": "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "id": "januari februari maret april mei juni juli agustus september oktober november desember",
    "ru": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    "ru-gen": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "el": "ιανουάριος φεβρουάριος μάρτιος απρίλιος μάιος ιούνιος ιούλιος αύγουστος σεπτέμβριος οκτώβριος "
    "νοέμβριος δεκέμβριος",
    "el-gen": "ιανουαρίου φεβρουαρίου μαρτίου απριλίου μαΐου ιουνίου ιουλίου αυγούστου σεπτεμβρίου οκτωβρίου "
    "νοεμβρίου δεκεμβρίου",
}
# Abbreviations that are not the first letters of the full name.
_MONTH_ABBREVIATIONS: dict[str, str] = {
    "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
    "de": "jan feb mrz apr mai jun jul aug sep okt nov dez",
    "sv": "jan feb mar apr maj jun jul aug sep okt nov dec",
}
# Weekday names, Monday first; a weekday is optional and its value is not checked against the date (many
# feeds print a wrong one, and the day of the month is what counts).
_WEEKDAY_NAMES: dict[str, str] = {
    "en": "monday tuesday wednesday thursday friday saturday sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag sonnabend",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "sv": "måndag tisdag onsdag torsdag fredag lördag söndag",
    "da": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    "nb": "mandag tirsdag onsdag torsdag fredag lørdag søndag",
    "pl": "poniedziałek wtorek środa czwartek piątek sobota niedziela",
    "ro": "luni marți miercuri joi vineri sâmbătă duminică",
    "tr": "pazartesi salı çarşamba perşembe cuma cumartesi pazar",
    "id": "senin selasa rabu kamis jumat sabtu minggu",
    "ru": "понедельник вторник среда четверг пятница суббота воскресенье",
    "el": "δευτέρα τρίτη τετάρτη πέμπτη παρασκευή σάββατο κυριακή",
}
_WEEKDAY_ABBREVIATIONS = "pt nd ndz pzt cmt pn вт ср чт пт сб вс"
# Words that join the parts of a date: "16 de noviembre de 2022", "Mittwoch, 16. November 2022 um 10:00 Uhr".
_FILLERS = frozenset(["de", "del", "at", "um", "uhr", "à", "le", "den", "kl", "klo", "o"])

_MIN_PREFIX = 3  # "nov" is November in every language listed; "no" is not a month


def _fold(word: str) -> str:
    """Lower case without accents: "Févr" and "fevr" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _month_table() -> dict[str, int]:
    """Every spelling → month; a spelling two languages give to different months is left out."""
    found: dict[str, set[int]] = {}

    def add(word: str, month: int) -> None:
        for form in {word, _fold(word)}:
            found.setdefault(form, set()).add(month)

    for names in _MONTH_NAMES.values():
        for month, name in enumerate(names.split(), start=1):
            for end in range(_MIN_PREFIX, len(name) + 1):
                add(name[:end], month)
    for names in _MONTH_ABBREVIATIONS.values():
        for month, name in enumerate(names.split(), start=1):
            add(name, month)
    return {word: months.pop() for word, months in found.items() if len(months) == 1}


def _weekday_table() -> frozenset[str]:
    words = set(_WEEKDAY_ABBREVIATIONS.split())
    for names in _WEEKDAY_NAMES.values():
        for name in names.split():
            for end in range(2, len(name) + 1):
                words.update((name[:end], _fold(name[:end])))
    return frozenset(words)


MONTHS = _month_table()
WEEKDAYS = _weekday_table()

# Zones RFC 822 names, and abbreviations that name one zone only.
ZONES: dict[str, int] = {  # minutes east of UTC
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "etc/gmt": 0, "etc/utc": 0,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
    "akst": -540, "akdt": -480, "hst": -600,
    "wet": 0, "west": 60, "cet": 60, "cest": 120, "met": 60, "mest": 120, "eet": 120, "eest": 180, "msk": 180,
    "hkt": 480, "sgt": 480, "awst": 480, "jst": 540, "kst": 540, "acst": 570, "aest": 600, "aedt": 660,
    "nzst": 720, "nzdt": 780,
}  # fmt: skip

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?\s*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
# "+0100", "+01:00", "+01", and after GMT/UTC also "+1" ("GMT+1", "UTC-01:01").
_OFFSET = re.compile(r"(?:(?:gmt|utc|ut)(?P<sign>[+-])(?P<h>\d{1,2})|(?P<sign2>[+-])(?P<h2>\d{2}))(?::?(?P<m>\d{2}))?")
_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?(?P<ampm>am|pm|a\.m\.|p\.m\.)?")
_DAY = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|e|\.)?")
_YMD = re.compile(r"(?P<y>\d{4})(?P<sep>[/-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})")
_DMY = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})")
_COMMENT = re.compile(r"\s*\([^()]*\)\s*$")  # RFC 822 comment after the zone: "+0100 (CET)"


def parse_feed_date(text: str | None) -> str | None:
    """A feed's date string → `YYYY-MM-DDTHH:MM:SS±HH:MM` (the offset the feed wrote) when it states a time
    and its zone, `YYYY-MM-DD` when it states a day (no time, or a time without a zone), None when any part
    of it cannot be read or the date does not exist."""
    if not isinstance(text, str):
        return None
    value = " ".join(text.split())
    if not value or len(value) > 100:
        return None
    iso = _ISO.fullmatch(value)
    if iso:
        clock = (int(iso["h"]), int(iso["mi"]), int(iso["s"] or 0)) if iso["h"] else None
        return _result(int(iso["y"]), int(iso["m"]), int(iso["d"]), clock, _offset(iso["z"]) if iso["z"] else None)
    try:
        return _parse_words(value)
    except ValueError:  # a day or a time that does not exist
        return None


def _offset(zone: str) -> int | None:
    """Minutes east of UTC of a zone token; None when it is not one."""
    word = zone.lower()
    if word in ZONES:
        return ZONES[word]
    match = _OFFSET.fullmatch(word)
    if match is None:
        return None
    sign = match["sign"] or match["sign2"]
    hours, minutes = int(match["h"] or match["h2"]), int(match["m"] or 0)
    if hours > 14 or minutes > 59:
        return None
    return (hours * 60 + minutes) * (-1 if sign == "-" else 1)


def _result(year: int, month: int, day: int, clock: tuple[int, int, int] | None, offset: int | None) -> str | None:
    date = dt.date(year, month, day)  # ValueError for a day that does not exist
    if clock is None or offset is None:
        return date.isoformat()
    hour, minute, second = clock
    if second == 60:  # a leap second: RFC 3339 allows it, datetime does not
        second = 59
    zone = dt.timezone(dt.timedelta(minutes=offset))
    stamp = dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    return stamp.isoformat()


def _parse_words(value: str) -> str | None:
    """RFC 822 and its relatives, in any of the languages above, in any order of day, month and year."""
    text = value.lower()
    comment = _COMMENT.search(text)
    if comment:
        text = text[: comment.start()]
    text = re.sub(r"(\d)(am|pm|a\.m\.|p\.m\.)\b", r"\1 \2", text.replace(",", " "))
    words = text.split()
    year = month = day = None
    numbers: list[tuple[int, str]] = []  # (position, digits) of one- and two-digit numbers
    month_at = -1
    candidates: list[tuple[int, int]] = []  # (position, month) of words that are a month or a weekday
    clock: tuple[int, int, int] | None = None
    meridiem: str | None = None
    offset: int | None = None
    weekdays = 0
    for position, word in enumerate(words):
        bare = word.rstrip(".")
        if (match := _YMD.fullmatch(word) or _DMY.fullmatch(word)) and year is None and month is None:
            year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
            month_at = position
        elif re.fullmatch(r"\d{4}", word) and year is None:
            year = int(word)
        elif (match := _DAY.fullmatch(word)) and len(numbers) < 2:
            numbers.append((position, match["d"]))
        elif (match := _TIME.fullmatch(word)) and clock is None:
            clock = (int(match["h"]), int(match["mi"]), int(match["s"] or 0))
            meridiem = match["ampm"]
        elif word in ("am", "pm", "a.m.", "p.m.") and clock is not None and meridiem is None:
            meridiem = word
        elif clock is not None and offset is None and (zone := _offset(word)) is not None:
            offset = zone
        elif bare in MONTHS or _fold(bare) in MONTHS:
            found = MONTHS.get(bare) or MONTHS[_fold(bare)]
            is_weekday = bare in WEEKDAYS or _fold(bare) in WEEKDAYS
            candidates.append((position, -found if is_weekday else found))
        elif bare in WEEKDAYS or _fold(bare) in WEEKDAYS:
            weekdays += 1
        elif bare in _FILLERS:
            continue
        else:
            return None  # a word that is not part of a date
    if comment and offset is None:
        return None  # "(CET)" after a time without an offset: a zone newsbeam does not read
    # A word that is both a month and a weekday ("mar": March, or Tuesday in French) is the month unless
    # another word is one; of two such words the first is the weekday ("mar, 15 mar 2022").
    months = [(p, m) for p, m in candidates if m > 0]
    either = [(p, -m) for p, m in candidates if m < 0]
    if month is None:
        chosen = months or either[-1:]
        if len(chosen) != 1:
            return None
        month_at, month = chosen[0]
        weekdays += len(either) - (0 if months else 1)
    elif candidates:
        return None
    if weekdays > 1 or month is None:
        return None
    if day is None:
        if year is None and len(numbers) == 2 and numbers[0][0] < month_at < numbers[1][0]:
            # RFC 822's two-digit year: "01 Jan 04" (RFC 5322 4.3: 00-49 are 2000-2049).
            (_, digits), (_, short) = numbers
            day, year = int(digits), int(short) + (2000 if int(short) < 50 else 1900)
        elif len(numbers) == 1 and year is not None:
            day = int(numbers[0][1])
        else:
            return None
    elif numbers:
        return None
    if year is None:
        return None
    if clock is not None and meridiem is not None:
        hour = clock[0]
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
        clock = (hour, clock[1], clock[2])
    if offset is not None and clock is None:
        return None
    return _result(year, month, day, clock, offset)
