"""Article identity: canonical URLs, normalised-content hashes and the ids built from them."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from urllib.parse import urldefrag, urlsplit

import courlan

_WORD = re.compile(r"\w+")
# Texts whose normalised form and words are remembered. An article's text is normalised for its content
# hash (tagging) and again, with its words, for its MinHash signature and salient terms (dedupe); a worker
# runs these one after the other on one article, so a few recent texts are enough.
_RECENT_TEXTS = 8


# A Wayback Machine capture: https://web.archive.org/web/20080731095558/http://www.example.de/2008/07/29/post/
# (a timestamp of 4 to 14 digits, maybe with a flag such as "id_"; the original's scheme may be missing, or
# have lost a slash).
_WAYBACK = re.compile(
    r"https?://(?:web|wayback)\.archive\.org/web/(\d{4})(\d{2})?(\d{2})?\d*(?:[a-z]{2}_)?/+(.+)", re.IGNORECASE
)
_SCHEME = re.compile(r"^(https?):/*", re.IGNORECASE)


def archived_capture(url: str | None) -> tuple[str, dt.date] | None:
    """The original URL and the capture day of a Wayback Machine capture's URL; None for any other URL. The
    page names the original's site, and nothing on it was published after the capture."""
    match = _WAYBACK.fullmatch((url or "").strip())
    if match is None:
        return None
    year, month, day, original = match.groups()
    try:  # a shorter timestamp is a span: the capture is at its end at the latest
        last_month = int(month or 12)
        captured = dt.date(int(year), last_month, int(day or calendar.monthrange(int(year), last_month)[1]))
    except ValueError:
        return None
    scheme = _SCHEME.match(original)
    original = f"{scheme.group(1).lower()}://{original[scheme.end() :]}" if scheme else f"http://{original}"
    return original, captured


def site_url(url: str | None) -> str | None:
    """The URL that names a page's site: the original of a web-archive capture, else the URL itself."""
    capture = archived_capture(url)
    return url if capture is None else capture[0]


def canonical_url(url: str | None) -> str | None:
    """The URL as an article's identity: http(s) only, lower-cased host, tracking parameters
    (utm_*, fbclid, …) stripped, parameters sorted, fragment dropped. None when not a web URL."""
    if not url:
        return None
    try:  # a feed can list anything: "http://[::1" makes urlsplit raise, and must just be "not a web URL"
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # Only courlan's normalisation, not its `check_url`: that is a crawl filter and turns down hosts
    # with ports, IP addresses, intranet names and paths like /feed, all of which are real article URLs.
    try:
        # A parsed URL, not a string: courlan HTML-unescapes strings, which turns `?a=0&lt=0` into `<`.
        normalised = courlan.normalize_url(parts, strict=False)
    except ValueError:
        return None
    return urldefrag(normalised)[0]


@functools.lru_cache(maxsize=_RECENT_TEXTS)
def normalise_text(text: str) -> str:
    """The text that identity is computed from: NFKC, case-folded, whitespace collapsed, so that
    re-encoded or re-wrapped copies of one article hash alike."""
    # split() and join() are `re.sub(r"\s+", " ", ...).strip()` (the same Unicode whitespace) at a third
    # of the cost.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@functools.lru_cache(maxsize=_RECENT_TEXTS)
def normalised_words(text: str) -> tuple[str, ...]:
    """The runs of word characters of `normalise_text(text)`: what MinHash shingles and story terms are
    made of (a tuple, since it is shared by every caller)."""
    return tuple(_WORD.findall(normalise_text(text)))


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def article_id(canonical: str | None, text_hash: str) -> str:
    """Stable across runs and machines: from the canonical URL when there is one, else from the content."""
    basis = f"url:{canonical}" if canonical else f"content:{text_hash}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]
