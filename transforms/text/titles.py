"""Headlines: the title of an article without the site's name or section.

A page's `<title>` (and often its `og:title`) is written for search results and browser tabs: "Walking can
boost mood - Harvard Health", "Politics | Reuters", "Top 5 HR tools | Blog | Acme". Readers, search and
story clustering want the headline alone. The page says elsewhere what its name is (`og:site_name`, the
schema.org publisher or WebSite, the domain) and what its headline is (the `<h1>`, schema.org `headline`),
so a segment at either end of the title that names the site is dropped, then a short section label
("Opinion", "Patient Education") next to where the site name stood. The `<h1>` is the headline as readers
see it, and titles for search engines often reword it ("Best Tax Preparation Software" over "The Best Tax
Prep Software of 2025"): an `<h1>` that is one of the title's segments, or that shares enough of the
stated titles' words (so it is not the site's banner or a "Menu"), wins over the title.
"""

from __future__ import annotations

import html
import re
import unicodedata

from transforms.text.page import PageFacts, looks_like_domain, name_key, site_names

# Separators between a headline and a site or section name: spaced dashes, bars, bullets, guillemets.
# A colon is left alone: it sits inside headlines ("Fix It Friday: ...") far more often than around them.
# The full-width bar of Japanese titles and the Hangul letter "ㅣ" Korean sites set as a bar count as bars.
_SEPARATOR = re.compile(r"(\s+(?:[-–—·•»«~]|::|\|)\s+|\s*[|｜ㅣ]\s*)")
# A headline is at most this long; an `<h1>` longer than this is a lead paragraph, not a heading.
_MAX_HEADLINE = 300
# A site or section name is short; a segment longer than this is part of the headline.
_MAX_LABEL_WORDS = 6
# A section label is at most this many words, beside a headline at least `_MIN_HEAD_WORDS` long.
_MAX_SECTION_WORDS = 3
_MIN_HEAD_WORDS = 5
# The `<h1>` headings looked at, and the share of an `<h1>`'s words the page's titles must hold for it to
# be taken as the headline.
_MAX_H1 = 3
_MIN_SHARED = 0.2
_STOPWORDS = frozenset(
    ("the", "and", "for", "you", "your", "are", "with", "from", "that", "this", "what", "how", "why", "who", "our",
     "its", "into", "about")
)  # fmt: skip


def headline(title: str | None, facts: PageFacts, sitename: str | None = None, url: str | None = None) -> str | None:
    """The article's headline from the page's title and what else the page states (site name, `<h1>`)."""
    stated = _first(facts, "og:title", "twitter:title") or _clean(facts.title_tag)
    raw = _clean(title) or stated
    if not raw:
        return _clean(_heading(facts.h1)) or None
    sites = site_names(facts, sitename, url)
    if stated and raw != stated and _not_the_headline(raw, stated, sites):
        raw = stated  # trafilatura took the blog's name, a section's heading or a heading with more for it
    segments, seps = _split(raw)
    # An <h1> that is one or more whole segments of the title is the headline as the page shows it.
    for h1 in facts.h1:
        if _is_site(_clean(h1), sites):
            continue
        span = _segment_span(_clean(h1), segments)
        if span is not None and _all_labels(segments[: span[0]] + segments[span[1] :], sites):
            return _without_labels(segments[span[0] : span[1]], seps[span[0] : span[1] - 1], sites)
    stripped = _without_labels(segments, seps, sites)
    shown = _shown_headline(facts, stripped, sites)
    return shown or stripped


def _not_the_headline(title: str, stated: str, sites: list[str]) -> bool:
    """Whether trafilatura's `title` is something other than the headline of the title the page `stated`."""
    segments, seps = _split(stated)
    head = _without_labels(segments, seps, sites)
    return _label_of(title, segments, sites) or _more_than(title, head) or _a_section_of(title, head, stated)


def _label_of(title: str, segments: list[str], sites: list[str]) -> bool:
    """Whether `title` is the site's name (which a blog's <h1> holds on every page) that the stated title's
    `segments` give at either end, beside a longer headline ("Four Years Remaining » Blog Archive » Interning
    of Small Integers in Python")."""
    key = name_key(title)
    if len(segments) < 2 or key not in (name_key(segments[0]), name_key(segments[-1])):
        return False
    longer = len(title.split()) < max(len(s.split()) for s in segments if name_key(s) != key)
    return longer and _is_site(title, sites)


def _more_than(title: str, head: str) -> bool:
    """Whether `title` is the stated headline `head` with more run into it: a heading that holds the byline
    or a subtitle ("»Haltet unsere Gewässer sauber!« Veröffentlicht von SeglerBlog am ...")."""
    key, head_key = name_key(title), name_key(head)
    return len(head.split()) >= 3 and len(key) > len(head_key) and key.startswith(head_key)


def _a_section_of(title: str, head: str, stated: str) -> bool:
    """Whether `title` is a short heading that shares no word with the longer stated headline `head`: a
    section's or a menu's heading ("Allgemein", "Aktuelles", "Navigation und Service")."""
    words = len(title.split())
    if words > _MAX_SECTION_WORDS or len(head.split()) <= words or len(head.split()) < 3:
        return False
    return not _content_words(title) & _content_words(stated)


def _shown_headline(facts: PageFacts, title: str, sites: list[str]) -> str | None:
    """The page's `<h1>` when it reads as this page's headline: not the site's name, and about what the
    titles the page states are about (sharing enough of their words)."""
    stated = [title, facts.first_meta("og:title"), facts.first_meta("twitter:title"), facts.title_tag]
    title_words = {w for text in stated if text for w in _content_words(text)}
    for h1 in facts.h1[:_MAX_H1]:
        text = _clean(h1)
        if not text or len(text) > _MAX_HEADLINE or _is_site(text, sites):
            continue
        text = _without_labels(*_split(text), sites)
        words = _content_words(text)
        if len(text.split()) < 2 or not words:
            continue
        if len(words & title_words) / len(words) >= _MIN_SHARED:
            return title if _kicker_before(text, title) else text
    return None


def _kicker_before(h1: str, title: str) -> bool:
    """Whether the `<h1>` is the title with a kicker run into it: a topic label the page styles apart
    ("Premier League Rückschlag im Titelkampf", "Kultur : Ehrengast der Buchmesse", "Blog: Best Agencies").
    A longer lead before a colon ("The 2024 Beauty Awards: The Best ...") is the headline's own, and a
    leading "The" is no kicker."""
    h1_text, title_text = h1.casefold(), title.casefold()
    if len(title.split()) < 3 or len(h1_text) <= len(title_text) or not h1_text.endswith(title_text):
        return False
    kicker = h1[: len(h1) - len(title)].strip()
    words = kicker.split()
    if not words or all(name_key(w) in _STOPWORDS | {"a", "an"} for w in words) or kicker.endswith("-"):
        return False
    if kicker.endswith(":") and not kicker.endswith(" :"):
        return len(words) == 1
    return True


def _content_words(text: str) -> set[str]:
    return {w for w in (name_key(w) for w in text.split()) if len(w) > 2 and w not in _STOPWORDS}


def _without_labels(segments: list[str], seps: list[str], sites: list[str]) -> str:
    """A title's segments joined again without the site names and section labels at either end."""
    start, end = _strip_labels(segments, sites)
    return _join(segments[start:end], seps[start : end - 1])


def _strip_labels(segments: list[str], sites: list[str]) -> tuple[int, int]:
    """The span of `segments` left when site names, then section labels beside them, are dropped."""
    start, end = 0, len(segments)
    stripped_end = stripped_start = False
    while end - start > 1 and _is_site(segments[end - 1], sites):
        end -= 1
        stripped_end = True
    while end - start > 1 and _is_site(segments[start], sites):
        start += 1
        stripped_start = True
    head_words = max((len(s.split()) for s in segments[start:end]), default=0)
    # A short label at either end beside a long headline: a section ("Opinion", "Patient Education") or
    # a site name the page does not state elsewhere.
    while end - start > 1 and _is_section(segments[end - 1], head_words, stripped_end):
        end -= 1
    while end - start > 1 and _is_section(segments[start], head_words, stripped_start):
        start += 1
    return start, end


def _is_site(segment: str, sites: list[str]) -> bool:
    if len(segment.split()) > _MAX_LABEL_WORDS:
        return False
    key = name_key(segment)
    if len(key) < 3:
        return False
    words = {name_key(word) for word in segment.split()}
    for site in sites:
        if key == site or (len(site) >= 4 and site in key) or (len(key) >= 4 and key in site):
            return True
        if len(site) >= 4 and site in words:
            return True
    return looks_like_domain(segment)


def _is_section(segment: str, head_words: int, beside_site: bool) -> bool:
    """A short capitalised label beside a headline of at least `_MIN_HEAD_WORDS` words."""
    words = segment.split()
    if not words or len(words) > _MAX_SECTION_WORDS or head_words < _MIN_HEAD_WORDS:
        return False
    if any(c in segment for c in "?!"):
        return False
    capitalised = all(w[0].isupper() or not w[0].isalpha() for w in words if len(w) > 3)
    return capitalised and (beside_site or words[0][0].isupper())


def _all_labels(segments: list[str], sites: list[str]) -> bool:
    return all(_is_site(s, sites) or len(s.split()) <= _MAX_LABEL_WORDS for s in segments)


def _segment_span(h1: str, segments: list[str]) -> tuple[int, int] | None:
    """The run of whole segments whose text is `h1`, compared without case, quotes or spacing."""
    if not h1 or len(h1) > _MAX_HEADLINE:
        return None
    target = name_key(h1)
    for start in range(len(segments)):
        for end in range(start + 1, len(segments) + 1):
            joined = name_key(" ".join(segments[start:end]))
            if joined == target:
                return start, end
            if len(joined) > len(target):
                break
    return None


def _split(title: str) -> tuple[list[str], list[str]]:
    parts = _SEPARATOR.split(title)
    segments = [p.strip() for p in parts[0::2]]
    seps = parts[1::2]
    # Empty segments (a title that starts or ends with a bar) are no headline.
    kept_segments: list[str] = []
    kept_seps: list[str] = []
    for i, segment in enumerate(segments):
        if segment:
            if kept_segments:
                kept_seps.append(seps[i - 1])
            kept_segments.append(segment)
    return kept_segments or [title.strip()], kept_seps


def _join(segments: list[str], seps: list[str]) -> str:
    out = segments[0]
    for sep, segment in zip(seps, segments[1:], strict=False):
        out += sep + segment
    return out.strip()


def _heading(h1s: list[str]) -> str | None:
    return next((h for h in h1s if len(h) <= _MAX_HEADLINE), None)


def _first(facts: PageFacts, *keys: str) -> str | None:
    return _clean(facts.first_meta(*keys))


def _clean(text: str | None) -> str:
    """Entities decoded ("&#8217;"), spaces collapsed, icon glyphs and heading anchors ("¶") dropped."""
    if not text:
        return ""
    text = "".join(c for c in html.unescape(text) if unicodedata.category(c) != "Co")  # icon-font glyphs
    return " ".join(text.split()).rstrip(" ¶")
