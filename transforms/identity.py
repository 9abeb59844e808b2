"""Article identity: canonical URLs, normalised-content hashes and the ids built from them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urldefrag, urlsplit

import courlan

_SPACE = re.compile(r"\s+")


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


def normalise_text(text: str) -> str:
    """The text that identity is computed from: NFKC, case-folded, whitespace collapsed, so that
    re-encoded or re-wrapped copies of one article hash alike."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def article_id(canonical: str | None, text_hash: str) -> str:
    """Stable across runs and machines: from the canonical URL when there is one, else from the content."""
    basis = f"url:{canonical}" if canonical else f"content:{text_hash}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]
