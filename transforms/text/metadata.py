"""A page's metadata as trafilatura reads it (title, author, canonical URL, site name, Open Graph type, date),
without the parts newsbeam never uses.

`trafilatura.bare_extraction(with_metadata=True)` spends about a third of its time on metadata, much of it on
fields newsbeam drops (categories, tags, licence). newsbeam therefore extracts the main text with
`with_metadata=False` and reads the metadata here, with trafilatura's own functions in trafilatura's own order,
on the tree newsbeam parsed once: the same values `extract_metadata` gives for every field newsbeam reads, the
date being htmldate's pick with newsbeam's settings (`dates.htmldate_pick`), which `dates.html_date` weighs.
No Beam import.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from courlan import is_valid_url
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from transforms.text import dates, xpaths
from transforms.text.page import PageFacts

# The fields `page_metadata` fills, as named in trafilatura's result (`Document.as_dict()`).
FIELDS = ("title", "author", "url", "description", "sitename", "date", "image", "pagetype")


def page_metadata(tree: Any, url: str | None, reference: dt.date) -> dict[str, Any]:
    """trafilatura's metadata of a parsed page (`FIELDS`), as `trafilatura.metadata.extract_metadata` reads it
    with newsbeam's date settings, minus categories, tags and licence. `tree` is left as it is."""
    xpaths.speed_up_trafilatura()  # its byline search, the same results for less; once per process
    found: Document = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # trafilatura's rule: a one-word meta author is a user name more often than not
    with contextlib.suppress(Exception):  # as in trafilatura: a fault of its JSON-LD reader costs only that
        found = extract_meta_json(tree, found)
    if not found.title:
        found.title = extract_title(tree)
    if not found.author:
        # A search of the whole page for a byline, only when the meta tags and JSON-LD name nobody: the
        # dearest field here, and kept for it (`authors.page_authors` without it: WCXB article pages' author
        # match 0.830 -> 0.755; only when nothing else names someone: 0.816).
        found.author = extract_author(tree)
    if not found.url:
        found.url = extract_url(tree, url)
    found.date = dates.htmldate_pick(tree, found.url, reference)
    if not found.sitename:
        found.sitename = extract_sitename(tree)  # "example.com" in "Headline | example.com"
    if found.sitename:
        found.sitename = found.sitename.lstrip("@")  # a Twitter handle
        if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
            found.sitename = found.sitename.title()
    elif found.url and (host := META_URL.match(found.url)):
        found.sitename = host[1]
    found.clean_and_trim()
    return {field: getattr(found, field) for field in FIELDS}


def stated_url(tree: Any, facts: PageFacts) -> str | None:
    """The URL a page that came without one states, as `page_metadata` reads it (og:url, else the canonical
    link), for less: the article gate weighs a URL before the metadata is read."""
    og_url = facts.first_meta("og:url")
    if og_url and is_valid_url(og_url):
        return og_url
    return extract_url(tree)
