"""The publisher: the name a page gives its site, as readers know it.

trafilatura's `sitename` is the first name it meets (a meta tag, a JSON-LD name, else a segment cut from the
`<title>`), so runs wrote taglines ("Breaking Australian and World News" for 9News), company names
("Ediciones EL PAÍS S.L.", "TAZ Verlags- und Vertriebs GmbH"), a section ("Security" for heise online), a
headline, a copyright line or "twitter.com" as the publisher. A page usually states its name in several
places, so each statement is a candidate and the best one wins: a brand over a company's legal name, one
that names the site's host (or is its initials) or agrees with another statement over one that stands
alone, a name over a bare domain or a lower-case account name ("usatoday" under "USA TODAY"), and otherwise
the place that names the site rather than its owner (`og:site_name`, the schema.org WebSite and
`application-name` before the publisher's meta tags: "Nature", not "Springer Nature"). A statement that is
the page's headline, a sentence, a copyright notice, a social network, a web archive or a handle
("Handelsblatt_De") is no name at all.
"""

from __future__ import annotations

import re

from transforms.text.page import PageFacts, host_keys, looks_like_domain, name_key, stated_site_names

# A company's legal form: the publishing house, not the publication ("JP/Politikens Hus A/S").
_LEGAL = re.compile(
    r"\b(?:GmbH|AG|KG|KGaA|Inc|Ltd|LLC|LLP|PLC|plc|S\.L|SL|S\.A|SA|S\.p\.A|S\.r\.l|B\.V|N\.V|A/S|Pty|Corp|"
    r"Verlag\w*|Mediengruppe|Medienhaus|Mediehuset)\b|&\s*Co\b"
)
# Not a name: a copyright notice, a web address, a platform's own name (a social network's, or a web
# archive's, which a captured page states where the archive rewrote its links: "web.archive.org").
_NOT_A_NAME = re.compile(r"©|\(c\)|copyright|all rights reserved|版权|저작권|://", re.IGNORECASE)
_SOCIAL = ("twitter", "twittercom", "xcom", "facebook", "facebookcom", "instagram", "youtube", "tiktok")
_PLATFORMS = frozenset((*_SOCIAL, "webarchiveorg", "archiveorg"))
# A name stated with the place the publisher sits: "DER SPIEGEL, Hamburg, Germany".
_PLACE_TAIL = re.compile(r"^(?P<name>[^,]{2,}?),\s*[^,]{2,40},\s*[^,]{2,40}$")
# A domain added in brackets: "Deutsche Welle (www.dw.com)".
_DOMAIN_NOTE = re.compile(r"\s*\((?:www\.)?[\w-]+(?:\.[\w-]+)+\)")
# Segments of a name with a tagline: "HearYa - Indie Music Blog", "2Gewinnt | Kabarett | Satire".
_SEGMENTS = re.compile(r"\s+[-–—|·•:]\s+|\s*\|\s*")
_WORD = re.compile(r"\w+")
_MAX_WORDS = 8
_MAX_CHARS = 80
_MIN_HEADLINE_KEY = 12  # a headline this long (letters and digits) is no part of a site's name
# Host labels that name a kind of site, not the site ("news.orf.at"): they agree with any "News".
_GENERIC = frozenset(("news", "blogs"))


def site_name(facts: PageFacts, sitename: str | None, title: str | None, url: str | None) -> str | None:
    """The page's publisher as it names itself, or None when no statement is a name (the caller may fall
    back to the host). `sitename` is trafilatura's; `title` the page's headline (never a publisher)."""
    host = [key for key in host_keys(url) if key not in _GENERIC]
    headline = name_key(title or "")
    candidates: list[str] = []
    for raw in stated_site_names(facts, sitename):
        name = _cleaned(raw, host)
        if name and name not in candidates and not _holds_headline(name_key(raw), headline):
            candidates.append(name)
    keys = [name_key(name) for name in candidates]
    # A name agrees when it names the host, or when another statement holds it or is held by it.
    agreed = [
        bool(_host_agreement(name, host)) or any(j != i and _related(keys[i], other) for j, other in enumerate(keys))
        for i, name in enumerate(candidates)
    ]
    # A company's legal name that names neither the host nor another statement is the owner, not the site.
    usable = [i for i, name in enumerate(candidates) if agreed[i] or not _LEGAL.search(name)]

    # A bare name's case variants are as bare: trafilatura title-cases "oregonlive" into "Oregonlive".
    bare = {name.lower() for name in candidates if _bare(name)}

    def rank(i: int) -> tuple[bool, bool, bool, int]:
        name = candidates[i]
        return (not _LEGAL.search(name), agreed[i], name.lower() not in bare, -i)

    return candidates[max(usable, key=rank)] if usable else None


def _bare(name: str) -> bool:
    """Whether a name is written as an address or an account, not as readers know the site: a domain
    ("detroitnews.com") or one word in lower case ("detroitnews", "usatoday"), as "The Detroit News" and
    "USA TODAY" are not."""
    return looks_like_domain(name) or (" " not in name and name.islower())


def _holds_headline(key: str, headline: str) -> bool:
    """Whether a statement is (or holds) the page's headline: a title cut wrongly, not a site's name."""
    return bool(headline) and (key == headline or (len(headline) >= _MIN_HEADLINE_KEY and headline in key))


def _cleaned(raw: str, host: list[str]) -> str | None:
    """A statement as a name: whitespace folded, a Twitter handle's "@" and a bracketed domain dropped, the
    segment that names the host kept from a name with a tagline (unless the whole is the host's name), then
    a trailing place dropped; None when it is no name."""
    name = " ".join(raw.split()).strip(" |-–—:@/")
    if not name or len(name) > _MAX_CHARS or _NOT_A_NAME.search(name) or name_key(name) in _PLATFORMS:
        return None
    if "_" in name:
        return None  # a handle ("Handelsblatt_De", "SPOE_at"): the host says it better
    name = _DOMAIN_NOTE.sub("", name).strip()
    segments = [s.strip() for s in _SEGMENTS.split(name) if s.strip()]
    named = [s for s in segments if _host_agreement(s, host)]
    if len(segments) > 1 and named and _host_agreement(name, host) < 2:  # "Osthessen|News" is osthessen-news.de
        name = min(named, key=len)  # "GNU Project", not "The GNU General Public License v3.0"
    # After the tagline's cut: "Boston News, Weather, Sports | WHDH 7News" is WHDH's, not "Boston News".
    if place := _PLACE_TAIL.match(name):
        name = place["name"]
    if len(name.split()) > _MAX_WORDS or len(name_key(name)) < 2:
        return None
    return name


def _host_agreement(name: str, host: list[str]) -> int:
    """2 when the host is the name ("Nature", nature.com) or its initials ("Frankfurter Allgemeine Zeitung",
    faz.net); 1 when one holds the other ("heise online", heise.de); else 0."""
    key = name_key(name)
    initials = "".join(word[0] for word in _WORD.findall(name.casefold()))
    if any(label in (key, initials) for label in host):
        return 2
    return int(any(_related(key, label) for label in host))


def _related(a: str, b: str) -> bool:
    return len(a) >= 3 and len(b) >= 3 and (a in b or b in a)
