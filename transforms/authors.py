"""Author names as a clean list, from whatever a page, a feed or a byline says.

Sources disagree on what an author field holds: trafilatura returns "Jane Doe; John Roe" or
"By Jane Doe, Senior Reporter", feeds give "jane@example.com (Jane Doe)", bylines say "By X and Y" or
"X ✉". `clean_authors` turns each into personal names and drops what is not one: "Email the author",
"Staff", "Reuters Staff", dates, URLs, e-mail addresses, and job titles after a name.

A name is two to five words that start with a capital letter (particles such as "van", "de", "bin" may
sit inside), or initials ("J.R. Smith"). One word alone is not taken: it is far more often a site name,
a desk ("Newsroom") or a fragment than a person. The one exception to "people only" is a news agency
credited as the author of wire copy ("The Associated Press", "Reuters Staff" -> "Reuters"): that credit
is the byline, and dropping it would leave the article without one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_AUTHORS = 10


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# "By", "Von", "Par", "Por", "Door", "Di" (German, French, Spanish, Dutch, Italian bylines)
_BY = re.compile(r"^(?:by|von|par|por|door|di|written by|words by|text by|reporting by)\b[\s:]*", re.IGNORECASE)
_CONTACT = re.compile(
    r"✉|📧|📩|📨|\bemail\b(?:\s+(?:the\s+author|me|us|him|her))?|\be-mail\b(?:\s+(?:the\s+author|me|us))?"
    r"|\bfollow\b(?:\s+(?:on|me|us|@\S+))*|\btwitter\b|\bx\.com\b|@[A-Za-z0-9_]{2,30}\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_EMAIL_WITH_NAME = re.compile(r"^\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*\((?P<name>[^()]+)\)\s*$")
_URL = re.compile(r"https?://|www\.|\.(?:com|org|net|de|fr|co\.uk|io)\b", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:[;|/•·]|,|\band\b|\bund\b|\bet\b|&|\+)\s*", re.IGNORECASE)
_PAREN = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_DIGIT = re.compile(r"\d")
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,3}")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")

# "Jane Doe for CNN", "Jane Doe in Kyiv": what follows is an affiliation or a place, not the name.
_AFFILIATION = re.compile(r"\s+(?:for|at|in|from|with|of)\s+\S.*$")
# Capitalised words that open prose or headlines ("By The Numbers", "By Monday Morning"), never names.
_NOT_NAME_WORDS = _wordset(
    """
    the a an and or of in on at for to with from this that these those its his her their our your my all
    some any each every no not more most new how why what when where who which breaking live update
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december today tomorrow yesterday now then
    contact us about home menu search login sign subscribe share follow newsletter print comments send
    """
)
_PARTICLES = _wordset("de da di du del della der den van von la le bin ibn al el dos das ter af zu y st")
# Words of job titles and desks: a trailing run of them after a name is dropped ("Jane Doe Senior Reporter").
_ROLE_WORDS = _wordset(
    """
    reporter reporters correspondent correspondents editor editors writer writers columnist columnists
    contributor contributors journalist journalists producer producers photographer photographers analyst
    staff senior chief deputy managing executive associate assistant contributing special political
    business foreign national international bureau desk news sports sport tech technology science health
    culture entertainment economics economy investigations investigative data digital video audio photo
    correspondente redakteur redakteurin redaktion autor autorin journaliste rédacteur rédactrice
    author host anchor presenter intern fellow freelance freelancer guest team
    """
)
# Whole entries that name no person.
_NOT_PEOPLE = _wordset(
    """
    staff admin administrator editor editors editorial newsroom redaktion anonymous unknown guest team
    author authors reporter press wire desk agency agencies news web online digital
    """
)
# A capitalised word in one of these makes the entry an organisation, not a person ("Reuters Staff").
_ORG_WORDS = _wordset(
    """
    staff news newsroom press agency agencies associated reuters bloomberg afp dpa ap upi ansa efe tass
    xinhua media group team desk board editorial editors times post herald tribune journal gazette daily
    network networks radio television tv online digital wire services service company inc ltd llc corp
    magazine newspaper redaktion
    """
)
# News agencies whose credit stands as the author of wire copy (compared casefolded, without "the").
_AGENCIES = frozenset(
    {
        "associated press", "ap", "reuters", "afp", "agence france-presse", "agence france presse", "dpa",
        "deutsche presse-agentur", "bloomberg", "bloomberg news", "upi", "united press international",
        "xinhua", "tass", "ria novosti", "interfax", "ansa", "efe", "pa media", "press association", "kyodo",
        "kyodo news", "yonhap", "anadolu", "anadolu agency", "ukrinform", "canadian press", "aap",
        "australian associated press", "apa", "sda", "ats", "anp", "belga", "ctk", "pap", "tt",
    }
)  # fmt: skip
_AGENCY_TAIL = re.compile(r"\s+(?:staff|wire|news\s+service|newsroom|reporters?)$", re.IGNORECASE)
_DENIED_PHRASES = (
    "email the author",
    "contact the author",
    "about the author",
    "more from",
    "more by",
    "read more",
    "view all",
    "all posts",
    "see all",
    "updated",
    "published",
    "last modified",
    "min read",
    "minute read",
)


def clean_authors(values: Iterable[str | None], limit: int = MAX_AUTHORS) -> list[str]:
    """Personal names from raw author strings, in order, each once (compared without case or accents)."""
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        for name in author_names(value):
            key = _fold(name)
            if key not in seen:
                seen.add(key)
                found.append(name)
                if len(found) >= limit:
                    return found
    return found


def author_names(value: str | None) -> list[str]:
    """The personal names in one raw author string (a field, a byline); [] when there is none."""
    if not value or not isinstance(value, str):
        return []
    text = unicodedata.normalize("NFKC", value).strip()
    with_name = _EMAIL_WITH_NAME.match(text)  # RSS style "jane@example.com (Jane Doe)"
    if with_name:
        text = with_name.group("name")
    lowered = text.casefold()
    if any(phrase in lowered for phrase in _DENIED_PHRASES) and not _BY.match(text):
        return []
    text = _EMAIL.sub(" ", text)
    text = _CONTACT.sub(" ", text)
    text = _PAREN.sub(" ", text)
    names = []
    for part in _SPLIT.split(text):
        agency = _as_agency(part)
        if agency is not None:
            names.append(agency)
            continue
        name = _as_name(part)
        if name is not None:
            names.append(name)
    return names


def _as_agency(part: str) -> str | None:
    """A news agency's credit as written ("The Associated Press"), without a trailing "Staff"."""
    text = _AGENCY_TAIL.sub("", _BY.sub("", part.strip(" \t-–—:.,\"'“”‘’")))
    key = text.casefold()
    key = key[4:] if key.startswith("the ") else key
    return text if key in _AGENCIES else None


def _as_name(part: str) -> str | None:
    part = _BY.sub("", part.strip(" \t-–—:.,\"'“”‘’"))
    if not part or _URL.search(part) or _DIGIT.search(part):
        return None
    words = _AFFILIATION.sub("", part).split()
    while words and words[-1].casefold().strip(".,") in _ROLE_WORDS:
        words.pop()  # "Jane Doe Senior Reporter"
    while words and words[0].casefold() in _ROLE_WORDS:
        words.pop(0)  # "Senior Reporter Jane Doe"
    if not 2 <= len(words) <= 5:
        return None
    if _is_particle(words[0]) or _is_particle(words[-1]):
        return None
    if all(w.casefold().strip(".") in _NOT_PEOPLE for w in words):
        return None
    if any(w.casefold().strip(".") in _ORG_WORDS | _NOT_NAME_WORDS for w in words if not _is_particle(w)):
        return None
    core = 0
    fixed = []
    for word in words:
        if _is_particle(word):  # "Ursula von der Leyen"
            fixed.append(word)
            continue
        if not (_NAME_WORD.fullmatch(word) or _INITIALS.fullmatch(word)) or not word[0].isupper():
            return None
        fixed.append(_recase(word))
        core += 1
    if core < 2 and not any(_INITIALS.fullmatch(w) for w in words):
        return None
    return " ".join(fixed)


def _is_particle(word: str) -> bool:
    """ "von", "de", "bin" written in lower case; "Van" or "Al" with a capital is a given name."""
    return word.islower() and word in _PARTICLES


def _recase(word: str) -> str:
    """ "JANE" -> "Jane" (bylines in capitals); any other spelling ("McDonald", "DeSantis") is kept."""
    if word.isupper() and len(word) > 2 and not _INITIALS.fullmatch(word):
        return word.capitalize()
    return word


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
