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

What metadata states is held to a looser idea of a name (`stated_names`, `clean_authors(stated=True)`):
schema.org `author`, `<meta name=author>`, a feed's author field name an author on purpose, so one word
("Nayane"), lower case, or a team's or desk's credit ("Everfit Team", "TOI Lifestyle Desk") is kept as
stated; links, user names, company names (Inc, GmbH...), roles, forum labels and a column's name
("Citadel Financial Tips") still are not.
`page_authors` picks a web page's authors from its metadata, trafilatura's byline and the markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from urllib.parse import urlsplit

from transforms.text.page import PageFacts, name_key, site_names, type_names

MAX_AUTHORS = 10


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# "By", "Von", "Vom", "Par", "Por", "Door", "Di" (German, French, Spanish, Dutch, Italian bylines)
_BY = re.compile(
    r"^(?:by|von|vom|par|por|door|di|(?:written|words|text|reporting|article|story|post|reported|edited)\s+by)\b[\s:]*",
    re.IGNORECASE,
)
_CONTACT = re.compile(
    r"✉|📧|📩|📨|\bemail\b(?:\s+(?:the\s+author|me|us|him|her))?|\be-mail\b(?:\s+(?:the\s+author|me|us))?"
    r"|\bfollow\b(?:\s+(?:on|me|us|@\S+))*|\btwitter\b|\bx\.com\b|@[A-Za-z0-9_]{2,30}\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_EMAIL_WITH_NAME = re.compile(r"^\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*\((?P<name>[^()]+)\)\s*$")
_URL = re.compile(r"https?://|www\.|\.(?:com|org|net|de|fr|co\.uk|io)\b", re.IGNORECASE)
# Separators of several names: "and" in English, German, French, Italian/Portuguese, Danish/Norwegian, Swedish
# (a word between spaces: the "e" of "e.V." joins nothing).
_SPLIT = re.compile(r"\s*(?:[;|/•·]|,|&|\+)\s*|\s+(?:and|und|et|e|og|och)\s+", re.IGNORECASE)
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
    feb mar apr jun jul aug sep sept oct nov dec written certified licensed registered verified name
    contact us about home menu search login sign subscribe share follow newsletter print comments send
    www com http https facebook instagram linkedin youtube tiktok pinterest
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
    auteur auteure autore autora author host anchor presenter intern fellow freelance freelancer guest team
    member members moderator admin administrator webmaster user users poster founder cofounder co-founder owner
    ceo cto cfo coo cmo vp president director manager officer expert specialist consultant
    coach clinician dietitian nutritionist therapist attorney lawyer coordinator marketing content strategist
    """
)
# Whole entries that name no person.
_NOT_PEOPLE = _wordset(
    """
    staff admin administrator editor editors editorial newsroom redaktion anonymous unknown guest team
    author authors reporter press wire desk agency agencies news web online digital webmaster moderator member
    members user users undefined null none false true publisher red agentur agenturen reports service services
    nachrichten noticias notizie nieuws nyheder nyheter uutiset wiadomości actualités
    anonym anonyme anonimo anónimo anônimo unbekannt unbenannt inconnu desconocido sconosciuto
    """
)
# A capitalised word in one of these makes the entry an organisation, not a person ("Reuters Staff").
_ORG_WORDS = _wordset(
    """
    staff news newsroom press agency agencies associated reuters bloomberg afp dpa ap upi ansa efe tass
    xinhua media group team desk board editorial editors times post herald tribune journal gazette daily
    network networks radio television tv online digital wire services service company inc ltd llc corp
    magazine newspaper redaktion gmbh ag plc llp pvt pty limited corporation incorporated
    """
)
# Words that make a credit a company's, not a person's or a newsroom's.
_COMPANY_WORDS = _wordset(
    "inc ltd llc llp corp co gmbh ag plc pvt pty limited corporation incorporated pc bv b.v s.a e.v eg e.g kg ohg"
)
# Countries that close a postal address ("Olympia-Verlag GmbH, Nürnberg, Germany"): never a person's name.
_COUNTRIES = _wordset(
    """
    germany deutschland austria österreich switzerland schweiz suisse svizzera france italy italia spain españa
    netherlands nederland belgium belgië belgique luxembourg poland polska usa u.s.a uk canada australia
    """
)
# An organisation's name read as names joined by "and": "Bundesministerium für Wirtschaft und Klimaschutz",
# "Department of Justice and ...". A part that is a word and "of"/"for" (in English), or holds "für", "pour",
# "voor" or "för", is no person's name.
_ORGANISATION_PART = re.compile(r"^\S+\s+(?:of|for)\s+\S|\s(?:für|fuer|pour|voor|för)\s", re.IGNORECASE)
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
_DATELINE = re.compile(r"\s*\b(?:last\s+)?(?:updated|published|posted|modified|reviewed)\b.*$", re.IGNORECASE)
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
    "alles von",
    "mehr von",
    "alle beiträge",
    "alle artikel",
)


def clean_authors(values: Iterable[str | None], limit: int = MAX_AUTHORS, stated: bool = False) -> list[str]:
    """Personal names from raw author strings, in order, each once (compared without case or accents).

    `stated`: the strings are what metadata states an author is (see `stated_names`), not bylines.
    """
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        for name in author_names(value, stated):
            key = _fold(name)
            if key not in seen:
                seen.add(key)
                found.append(name)
                if len(found) >= limit:
                    return found
    return found


def author_names(value: str | None, stated: bool = False) -> list[str]:
    """The personal names in one raw author string (a field, a byline); [] when there is none.

    `stated`: the string is what metadata states (see `stated_names`).
    """
    if not value or not isinstance(value, str):
        return []
    text = unicodedata.normalize("NFKC", html.unescape(value)).strip()
    if stated and (_URL.search(text) or _HANDLE.fullmatch(text) or "@" in text):
        return []
    with_name = _EMAIL_WITH_NAME.match(text)  # RSS style "jane@example.com (Jane Doe)"
    if with_name:
        text = with_name.group("name")
    if stated:
        text = _DATELINE.split(text, maxsplit=1)[0]  # "Jane Doe Last Updated August 1"
    lowered = text.casefold()
    if any(phrase in lowered for phrase in _DENIED_PHRASES) and not _BY.match(text):
        return []
    text = _EMAIL.sub(" ", text)
    text = _CONTACT.sub(" ", text)
    text = _PAREN.sub(" ", text)
    parts = _SPLIT.split(text)
    if stated and any(_names_an_organisation(part) for part in parts):
        return []  # one organisation's name or address, not several people
    names: list[str] = []
    for part in parts:
        agency = _as_agency(part)
        if agency is not None:
            names.append(agency)
            continue
        if stated and names and _CREDENTIAL.fullmatch(part.strip(" .")):
            continue  # "Dylan Bailey, MS, RD"
        name = _as_stated_name(part) if stated else _as_name(part)
        if name is not None:
            names.append(name)
    return names


def _names_an_organisation(part: str) -> bool:
    """Whether a part of a stated credit shows the whole credit to be an organisation's name or address: it
    holds a company's legal form (GmbH, e.V.), it is a country, or it reads as an organisation's name."""
    words = [w.casefold().strip(".,") for w in part.split()]
    if " ".join(words) in _COUNTRIES or any(w in _COMPANY_WORDS for w in words):
        return True
    return _ORGANISATION_PART.search(part.strip()) is not None


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
    if _is_particle(words[0]) or _is_particle(words[-1]) or words[-1].casefold() in _SERIES_WORDS:
        return None
    if all(w.casefold().strip(".") in _NOT_PEOPLE for w in words):
        return None
    if any(w.casefold().strip(".") in _ORG_WORDS | _NOT_NAME_WORDS for w in words if not _is_particle_or_initial(w)):
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


def _as_stated_name(part: str) -> str | None:
    """A name as metadata states it: one to six words, any case; not a role or a link (a company's credit
    never gets here: `author_names` refuses it whole)."""
    part = _LEADING_THE.sub("", _BY.sub("", part.strip(" \t-–—:.,\"'“”‘’")))
    if not part or _URL.search(part) or _DIGIT.search(part) or _HANDLE.fullmatch(part):
        return None
    words = _AFFILIATION.sub("", part).split()
    if not words or all(w.casefold().strip(".") in _ROLE_WORDS | _NOT_PEOPLE for w in words):
        return None
    if len(words) > 1 and _INITIALS_AVATAR.fullmatch(words[0]) and words[0] == "".join(w[0] for w in words[1:3]):
        words.pop(0)  # "CM Craig McCarthy": the initials of an avatar before the name
    given = len(words)
    while len(words) > 1 and words[-1].casefold().strip(".,") in _ROLE_WORDS - _CREDIT_WORDS | _CREDENTIALS:
        words.pop()  # "Jane Doe Trial Attorney" -> "Jane Doe", "Cara Dumaplin RN"; "Everfit Team" stays
    while len(words) > 1 and words[0].casefold() in _ROLE_WORDS - _CREDIT_WORDS:
        words.pop(0)
    if len(words) == 1 < given:
        return None  # what a role leaves ("Trial Attorney", "NOC Admin") is no name
    if len(words) > 1 and words[-1].casefold() in _SERIES_WORDS:
        return None  # a column's name, "By Citadel Financial Tips"
    month_names = _MONTH_NAMES if len(words) > 1 else frozenset()  # "Tom May", never "May" alone
    if len(words) > 6 or any(
        w.casefold().strip(".") in _NOT_NAME_WORDS - month_names
        for w in words
        if not _is_particle_or_initial(w)  # "Miguel A. Herguedas": an initial, not the word "a"
    ):
        return None
    if not all(_NAME_WORD.fullmatch(w) or _INITIALS.fullmatch(w) or _is_particle(w) for w in words):
        return None
    lower = [w for w in words if w.islower() and not _is_particle(w) and w not in _ROLE_WORDS]
    if lower and len(lower) < len(words):
        return None  # "Un documentaire de Kristen Falchon": prose around a name; "kirstin boatto" is one
    if len(words) == 1 and any(label in words[0].casefold() for label in _ROLE_INSIDE):
        return None  # "Jdadmin", "SiteEditor"
    # "JANE DOE" -> "Jane Doe"; "TOI Lifestyle Desk" and "PTI" stay
    shouted = len(words) > 1 and all(w.isupper() for w in words if len(w) > 2)
    return " ".join(_recase(w) if shouted else w for w in words)


def _is_particle_or_initial(word: str) -> bool:
    """A word of a name that is never read as an ordinary word: "von", "de"; "A." in "Miguel A. Herguedas"."""
    return _is_particle(word) or _INITIALS.fullmatch(word) is not None


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


# What a page's structured metadata states about its authors.
# schema.org types whose `author` is the page's own author (not a review's or a comment's).
_AUTHORED_TYPES = (
    "Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "TechArticle", "ScholarlyArticle", "Report", "LiveBlogPosting",
    "SocialMediaPosting", "DiscussionForumPosting", "HowTo", "Recipe", "WebPage", "ItemPage", "AboutPage",
    "MedicalWebPage", "CollectionPage",
)  # fmt: skip
# `<meta>` names that state a page's author, in the order they are trusted.
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator",
                "byl", "citation_author")  # fmt: skip
_ACCOUNT_META = frozenset({"dc.creator", "dcterms.creator"})
# A user name ("andrew.keaveney", "brandon-peaktwo"), not a name as printed.
_HANDLE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)+")
# Credentials after a name ("Dylan Bailey, MS, RD"): short capitals, or these.
_CREDENTIAL = re.compile(r"(?:[A-Z]{2,5}|Ph\.?\s?D\.?|M\.?D\.?|Dr\.?|Jr\.?|Sr\.?)")
# Words of a newsroom's or a company's credit ("Everfit Team", "Resy Staff", "TOI Lifestyle Desk").
_CREDIT_WORDS = _wordset("team staff desk newsdesk editors newsroom redaktion")
_CREDENTIALS = _wordset("rn bsn md phd ms rd cpa cfp mba jd dds dvm np lcsw")
_ROLE_INSIDE = ("admin", "webmaster", "editor", "moderator")
_MONTH_NAMES = _wordset("april may june august")
_INITIALS_AVATAR = re.compile(r"[A-Z]{2}")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Last words of a column's or a series' name ("Citadel Financial Tips", "Expert Insights"): what the site
# publishes under that credit, not who wrote it. ("Blog" is not one: "Paycom Blog" credits its writers.)
_SERIES_WORDS = _wordset("tips insights advice updates resources guides")
_ORGANISATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation", "LocalBusiness", "Brand"})


def page_authors(found: str | None, facts: PageFacts, sitename: str | None = None, url: str | None = None) -> list[str]:
    """The authors of a web page, from the most to the least deliberate statement: the people its structured
    metadata names (schema.org `author`, `<meta name=author>`...), else the people of the byline trafilatura
    `found`, else those the markup credits (`PageFacts.bylines`), else the organisation or desk credited
    ("Everfit Team", "TOI Lifestyle Desk", the site itself).

    Metadata and trafilatura's byline state names on purpose, so a one-word or lower-case name ("Nayane")
    is taken from them (`stated_names`); a "By ..." line found in the markup is held to `author_names`'
    stricter idea of a name. A credit to the site itself (its `sitename`, its host in `url`, the names the
    page gives it) is an organisation's.
    """
    sites = site_names(facts, sitename, url)
    people: list[str] = []
    organisations: list[str] = []
    # User names ("brandon-peaktwo") and domains ("bueltge.de", the page's host) the page states: trafilatura
    # rewrites them into names ("Bueltge De"), which are none.
    not_names = _domain_keys((urlsplit(url).hostname or "") if url else "")
    judged: set[str] = set()  # every statement read here, as a key
    for group in _stated_authors(facts):
        for value, is_organisation in group:
            judged.add(name_key(value))
            not_names |= _domain_keys(value)
            names = stated_names(value)
            if not names and _HANDLE.fullmatch(value.strip()):
                not_names.add(name_key(value))
            for name in names:
                (organisations if is_organisation or is_organisation_name(name, sites) else people).append(name)
        if people:
            break  # the first source that names people; later ones often list related articles' authors
    found_people: list[str] = []
    found_organisations: list[str] = []
    if found and name_key(found) in judged:
        # trafilatura's reading of a statement judged above ("hessenschau.de, Frankfurt, Germany" made
        # "Hessenschau De; Frankfurt; Germany"): its rewriting is no second witness.
        found = None
    for name in stated_names(found):
        if name_key(name) not in not_names:
            (found_organisations if is_organisation_name(name, sites) else found_people).append(name)
    credited: list[str] = []
    for byline in facts.bylines:
        names = author_names(byline, stated=byline in facts.stated_bylines)
        credited = [name for name in names if not is_organisation_name(name, sites)]
        if credited:
            break
    for names in (people, found_people, credited, organisations, found_organisations):
        if names:
            return clean_authors(names, stated=True)
    return []


# A domain as written ("bueltge.de", "https://www.bueltge.de/about"), not a path's "luis.holuch".
_DOMAIN = re.compile(r"(?<![\w.@-])(?<![^/]/)(?:[a-z0-9-]+\.)+[a-z]{2,6}\b", re.IGNORECASE)


def _domain_keys(text: str) -> set[str]:
    """The domains written in `text` as name keys, with and without a leading "www"."""
    keys = {name_key(domain) for domain in _DOMAIN.findall(text)}
    return keys | {key.removeprefix("www") for key in keys}


def stated_names(value: str | None) -> list[str]:
    """The names in an author field of structured metadata (a feed's, a page's schema.org or `<meta>`):
    as `author_names`, but one-word names, lower-case names and organisations' credits are kept; links,
    user names, e-mail addresses, company names (Inc, GmbH...) and roles alone are not."""
    return author_names(value, stated=True)


def is_organisation_name(name: str, sites: Collection[str] = ()) -> bool:
    """Whether a credited name is an organisation's: a team or a desk, or the site's own name. A news agency
    is not: its credit is the byline of wire copy, beside the reporters'."""
    if _as_agency(name) is not None:
        return False
    words = [w.casefold().strip(".") for w in name.split()]
    if any(w in _ORG_WORDS or w in _ROLE_WORDS for w in words):
        return True
    key = name_key(name)
    return any(key == site or (len(site) >= 4 and (site in key or key in site)) for site in sites)


def _stated_authors(facts: PageFacts) -> Iterator[list[tuple[str, bool]]]:
    """The author credits of each schema.org object, then of each meta tag: (value, stated as an
    organisation)."""
    for obj in facts.objects_of(*_AUTHORED_TYPES):
        group = []
        for item in _as_list(obj.get("author")) + _as_list(obj.get("creator")):
            if isinstance(item, str):
                group.append((item, False))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                group.append((item["name"], bool(_ORGANISATION_TYPES & set(type_names(item.get("@type"))))))
        yield group
    for key in _AUTHOR_META:
        values = facts.meta.get(key, ())
        if key in _ACCOUNT_META:  # a CMS fills these with the account that saved the page: "veena", "admin"
            values = [value for value in values if not (value.islower() and len(value.split()) == 1)]
        yield [(value, False) for value in values]


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value] if value else []
