"""Article identity: canonical URLs, normalised-content hashes and the ids built from them."""

from __future__ import annotations

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
