"""Feeds, sitemaps, OPML and URL lists as newsbeam reads them: plain parsing, no fetching and no Beam.

JSON Feed is parsed with `json` (feedparser 6.0 does not read it), sitemaps and OPML with lxml (entity
resolution, network access and huge trees off: no XXE, no entity bombs), else RSS/Atom through feedparser,
which gets the bytes as a stream. A feed that is not well-formed and lists nothing is a `SourceError`
(`malformed-feed`); dates are read in the publisher's language by `transforms.web.feeddates`.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
import xml.sax
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.parsers.expat import errors as expat_errors

import courlan
import yaml
from lxml import etree

from transforms.text import identity
from transforms.web.client import DEFAULT_MAX_BYTES
from transforms.web.feeddates import parse_feed_date

_SUMMARY_CHARS = 2000


_TAG = re.compile(r"<[^>]+>")


_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SourceRef:
    """A feed, sitemap or list to fetch. `kind` is what the user called it (feed, sitemap, opml);
    the body's content decides how it is read."""

    url: str
    kind: str = "feed"
    title: str | None = None
    depth: int = 0
    via: str | None = None  # the index or OPML list that named it


@dataclass(frozen=True)
class EntryRef:
    """One article URL and the evidence its source gave about it."""

    url: str  # as listed (absolute)
    canonical: str  # entry_key(url): the key of the seen-URL check
    source: str  # the feed or sitemap URL, or `<url list>#L<n>`
    source_kind: str  # "feed", "sitemap" or "urls"
    title: str | None = None
    # ISO 8601 with the publisher's offset, or a day alone (`transforms.web.feeddates`): feed published (else
    # updated); sitemap news date (else lastmod)
    published: str | None = None
    updated: str | None = None
    authors: tuple[str, ...] = ()
    summary: str | None = None
    categories: tuple[str, ...] = ()
    language: str | None = None
    publisher: str | None = None


@dataclass
class ParsedSource:
    kind: str  # "feed", "sitemap", "sitemap-index", "opml"
    entries: list[EntryRef] = field(default_factory=list)
    children: list[SourceRef] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (listed URL or item, why unusable)
    malformed: str | None = None  # the XML parser's complaint about a feed read past its errors


@dataclass(frozen=True)
class WebSources:
    """The web inputs of a run: sources to fetch and URL list files to read."""

    sources: tuple[SourceRef, ...] = ()
    url_lists: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sources or self.url_lists)


class SourceError(ValueError):
    """A source body newsbeam cannot use; `reason` is the rejected row's code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress a gzip file (a `.xml.gz` sitemap) without ever holding more than `limit` bytes of output."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    while pending and not decoder.eof:
        out += decoder.decompress(pending, limit + 1 - len(out))
        if len(out) > limit:
            raise SourceError("too-large-decompressed", f"gzip content over {limit} bytes")
        pending = decoder.unconsumed_tail
    if not decoder.eof:
        raise SourceError("bad-gzip", "truncated gzip data")
    return bytes(out)


def _plain(text: str | None, limit: int = _SUMMARY_CHARS) -> str | None:
    if not text:
        return None
    cleaned = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()
    return cleaned[:limit] or None


def entry_key(url: str) -> str | None:
    """The identity of a listed URL for the seen-URL check: `identity.canonical_url`, or, for a URL its
    crawl filters refuse (a host with a port, an intranet name, a path like `/feed`), courlan's
    normalisation alone (lower-case host, default port dropped, tracking parameters stripped, parameters
    sorted) without the fragment. None when it is not an http(s) URL with a host."""
    canonical = identity.canonical_url(url)
    if canonical is not None:
        return canonical
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        return urldefrag(courlan.normalize_url(url, strict=False))[0]
    except ValueError:
        return None


def make_entry(link: Any, base: str, source: str, source_kind: str, **evidence: Any) -> EntryRef | tuple[str, str]:
    """An EntryRef for `link` (resolved against `base`); (listed, reason) when there is none. One rule for
    every kind of source: `no-url` when the entry gives no link at all (listed by its title), `invalid-url`
    when it gives one that is not an http(s) URL (a `mailto:`, a `tag:` id, a number in JSON)."""
    if link is None or (isinstance(link, str) and not link.strip()):
        return (str(evidence.get("title") or "(untitled)"), "no-url")
    if not isinstance(link, str):
        return (repr(link)[:200], "invalid-url")
    url = urljoin(base, link.strip())
    if urlsplit(url).scheme not in ("http", "https"):
        return (url, "invalid-url")
    canonical = entry_key(url)
    if canonical is None:
        return (url, "invalid-url")
    return EntryRef(url=url, canonical=canonical, source=source, source_kind=source_kind, **evidence)


def _add(parsed: ParsedSource, made: EntryRef | tuple[str, str]) -> None:
    if isinstance(made, EntryRef):
        parsed.entries.append(made)
    else:
        parsed.invalid.append(made)


def _add_feed_entry(
    parsed: ParsedSource,
    feed: str,
    link: Any,
    title: Any,
    summary: Any,
    published: str | None,
    updated: str | None,
    **evidence: Any,
) -> None:
    """One entry of a feed (RSS, Atom or JSON Feed), its title and summary as plain text."""
    plain = {"title": _plain(title, 500), "summary": _plain(summary), "published": published, "updated": updated}
    _add(parsed, make_entry(link, feed, feed, "feed", **plain, **evidence))


def _names(authors: Any) -> tuple[str, ...]:
    out = []
    for author in authors or ():
        name = author.get("name") if isinstance(author, Mapping) else author
        if isinstance(name, str) and name.strip():
            out.append(name.strip())
    return tuple(dict.fromkeys(out))


def parse_json_feed(data: Mapping[str, Any], url: str) -> ParsedSource:
    """JSON Feed 1.0/1.1 (`items`, `date_published`, `authors` or 1.0's `author`, `tags`)."""
    parsed = ParsedSource("feed")
    items = data.get("items")
    if not isinstance(items, list):
        raise SourceError("not-a-feed", "JSON without an `items` list")
    for item in items:
        if not isinstance(item, Mapping):
            parsed.invalid.append((repr(item)[:100], "invalid-item"))
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), Mapping) else [])
        link = _json_item_link(item)
        published = parse_feed_date(item.get("date_published"))
        updated = parse_feed_date(item.get("date_modified"))
        tags: list[Any] = item["tags"] if isinstance(item.get("tags"), list) else []
        summary = item.get("summary") or item.get("content_text") or item.get("content_html")
        categories = tuple(str(t) for t in tags if str(t).strip())
        language = item.get("language") or data.get("language")
        title = item.get("title")
        _add_feed_entry(
            parsed,
            url,
            link,
            title,
            summary,
            published or updated,
            updated,
            authors=_names(authors),
            categories=categories,
            language=language,
        )
    return parsed


def _is_web(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value.strip()).scheme in ("http", "https")


def _is_absolute_web(value: Any) -> bool:
    return _is_web(value) and bool(urlsplit(value.strip()).hostname)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _json_item_link(item: Mapping[str, Any]) -> Any:
    """A JSON Feed item's page: `url`, else `external_url`, else its `id` when that is an absolute web URL
    (an id is an identifier, not a link: "2" or "urn:…" is no link at all). Whatever `url` holds is
    returned, so a non-string gives `invalid-url` in `make_entry`."""
    for key in ("url", "external_url"):
        if not _empty(item.get(key)):
            return item[key]
    return item["id"] if _is_absolute_web(item.get("id")) else None


# Links of an entry that are not its page.
_NOT_A_PAGE = ("enclosure", "replies", "edit", "license")


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    """The page of an RSS/Atom entry, by the same rule as a JSON Feed item: its alternate link, else another
    link it carries (an Atom entry with only rel="self"), else a link that is not a web URL (which
    `make_entry` reports as `invalid-url`), else its id when that is a permalink and an absolute web URL
    (an RSS guid, an Atom id). feedparser copies an id into `link` when there is no link, so `link` alone
    is not trusted: an entry whose only identifier is `1234` or `urn:uuid:…` has no link (`no-url`)."""
    links = [x for x in entry.get("links", []) if not _empty(x.get("href")) and x.get("rel") not in _NOT_A_PAGE]
    web = [x for x in links if _is_web(x["href"])]
    for candidate in web:
        if candidate.get("rel", "alternate") == "alternate":
            return str(candidate["href"])
    if web or links:
        return str((web or links)[0]["href"])
    if entry.get("guidislink") and _is_absolute_web(entry.get("id")):
        return str(entry["id"])
    return None


def _not_well_formed(problem: BaseException | None) -> bool:
    """Whether feedparser's complaint means the XML is broken (truncated, unclosed, mismatched tags), after
    which its lenient parser may have lost entries. An undefined entity (`&nbsp;` in RSS) is not: the
    lenient parser reads HTML entities, so nothing is lost; nor are encoding complaints
    (CharacterEncodingOverride) or a content type that is not XML."""
    if not isinstance(problem, xml.sax.SAXParseException):
        return False
    return bool(problem.getMessage() != expat_errors.XML_ERROR_UNDEFINED_ENTITY)


def _entry_date(entry: Mapping[str, Any], key: str) -> str | None:
    """An entry's date as the feed wrote it, read by `parse_feed_date`, never feedparser's reading (which
    drops a PM and takes an unknown zone for UTC)."""
    return parse_feed_date(entry.get(key))


def parse_feed(body: bytes, url: str, content_type: str = "") -> ParsedSource:
    """RSS 0.9x/1.0/2.0 and Atom through feedparser; an entry's published date, else its updated date.

    A feed that is not well-formed XML (`_not_well_formed`) from which no entry with a link is recovered is a
    `malformed-feed` SourceError: a truncated feed is not an empty one. When feedparser's lenient parser still
    finds entries they are used (an element cut short is dropped whole, so no half link, title or date is
    read) and `ParsedSource.malformed` says so."""
    import feedparser

    # No base URL for feedparser: it would resolve an RSS guid such as `1234` into `<feed URL>/1234`, a page
    # that does not exist. Relative links (after any xml:base) are resolved against `url` by `make_entry`.
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    # A stream, never bytes or str: feedparser opens a str as a URL and tries bytes as a file name.
    result = feedparser.parse(io.BytesIO(body), response_headers=headers)
    problem = result.get("bozo_exception")
    if not result.get("version") and not result.entries:
        raise SourceError("not-a-feed", f"not RSS, Atom, JSON Feed, a sitemap or OPML ({problem or 'no entries'})")
    described = f"{type(problem).__name__}: {problem}" if _not_well_formed(problem) else None
    parsed = ParsedSource("feed", malformed=described)
    for entry in result.entries:
        link = _entry_link(entry)
        published = _entry_date(entry, "published")
        updated = _entry_date(entry, "updated")
        authors = _names(entry.get("authors")) or _names([entry.get("author")])
        tags = tuple(t.get("term") for t in entry.get("tags", []) if t.get("term"))
        published = published or updated or _entry_date(entry, "created")
        language = entry.get("language") or result.feed.get("language")
        summary = entry.get("summary")
        _add_feed_entry(
            parsed,
            url,
            link,
            entry.get("title"),
            summary,
            published,
            updated,
            authors=authors,
            categories=tags,
            language=language,
        )
    if described and not parsed.entries:
        # Nothing usable came through: the fault is the file (an item cut before its link is no "no-url").
        raise SourceError("malformed-feed", f"not well-formed XML, no entry recovered (feedparser: {described})")
    if described:
        # Likewise an item without a link in a broken file: most likely the one the break cut short.
        parsed.invalid = [(listed, "malformed-feed" if why == "no-url" else why) for listed, why in parsed.invalid]
    return parsed


def _local(element: Any) -> str:
    tag = element.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child_text(element: Any, *path: str) -> str | None:
    """Text of the first descendant along `path` (local names, any namespace)."""
    current = [element]
    for name in path:
        current = [c for parent in current for c in parent if _local(c) == name]
        if not current:
            return None
    text = "".join(current[0].itertext()).strip()
    return text or None


def parse_sitemap(root: Any, url: str) -> ParsedSource:
    """`<urlset>` entries (lastmod, Google News publication date and title, hreflang of the page itself) or
    `<sitemapindex>` children.

    A lastmod shared by every URL of a sitemap is when the file was generated, not when the pages were
    published, so it is dropped as date evidence (kept as `updated`)."""
    if _local(root) == "sitemapindex":
        parsed = ParsedSource("sitemap-index")
        for sitemap in root:
            if _local(sitemap) != "sitemap":
                continue
            loc = _child_text(sitemap, "loc")
            target = urljoin(url, loc) if loc else None
            if target and urlsplit(target).scheme in ("http", "https"):
                parsed.children.append(SourceRef(target, "sitemap", depth=0, via=url))
            else:
                parsed.invalid.append((loc or "(no loc)", "invalid-url"))
        return parsed
    parsed = ParsedSource("sitemap")
    rows = []
    for node in root:
        if _local(node) != "url":
            continue
        loc = _child_text(node, "loc")
        lastmod = parse_feed_date(_child_text(node, "lastmod"))
        news = next((c for c in node if _local(c) == "news"), None)
        news_date = parse_feed_date(_child_text(news, "publication_date")) if news is not None else None
        language = None
        for link in node:
            is_alternate = _local(link) == "link" and link.get("rel") == "alternate" and link.get("hreflang")
            if is_alternate and loc and urljoin(url, link.get("href", "")) == urljoin(url, loc):
                language = link.get("hreflang")
        evidence: dict[str, Any] = {"updated": lastmod, "language": language}
        if news is not None:
            keywords = _child_text(news, "keywords")
            evidence.update(
                title=_plain(_child_text(news, "title"), 500),
                publisher=_child_text(news, "publication", "name"),
                language=_child_text(news, "publication", "language") or language,
                categories=tuple(k.strip() for k in (keywords or "").split(",") if k.strip()),
            )
        rows.append((loc, news_date, lastmod, evidence))
    stamps = {lastmod for _, _, lastmod, _ in rows}
    generated = len(rows) >= 3 and len(stamps) == 1
    for loc, news_date, lastmod, evidence in rows:
        published = news_date or (None if generated else lastmod)
        _add(parsed, make_entry(loc, url, url, "sitemap", published=published, **evidence))
    return parsed


def parse_opml(root: Any, url: str) -> list[SourceRef]:
    """Every `<outline xmlUrl=…>` of an OPML subscription list, at any nesting depth."""
    found = []
    for outline in root.iter():
        if _local(outline) != "outline":
            continue
        feed_url = outline.get("xmlUrl") or outline.get("xmlurl")
        if feed_url:
            title = outline.get("title") or outline.get("text")
            found.append(SourceRef(urljoin(url, feed_url.strip()), "feed", title=title, via=url))
    return found


def _xml_root(body: bytes) -> Any | None:
    parser = etree.XMLParser(**_XML_PARSER_OPTIONS)
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None


def parse_source(body: bytes, url: str, content_type: str = "", max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedSource:
    """Whatever a source URL returned → its entries or the sources it lists. SourceError when unusable."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_bytes)
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise SourceError("empty", "the source returned no content")
    if head in (b"{", b"["):
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceError("invalid-json", str(exc)) from exc
        if not isinstance(data, Mapping):
            raise SourceError("not-a-feed", "JSON that is not a JSON Feed object")
        return parse_json_feed(data, url)
    root = _xml_root(body)
    if root is not None:
        name = _local(root)
        if name in ("urlset", "sitemapindex"):
            return parse_sitemap(root, url)
        if name == "opml":
            return ParsedSource("opml", children=parse_opml(root, url))
    return parse_feed(body, url, content_type)


def parse_source_list(data: bytes, path: str) -> list[SourceRef]:
    """A `--feeds` file: OPML (by content), or YAML: a list of URLs / {url, title, kind} mappings, or a
    mapping with `feeds:` and `sitemaps:` lists."""
    if data.lstrip()[:1] == b"<":
        root = _xml_root(data)
        if root is None or _local(root) != "opml":
            raise ValueError(f"{path}: XML but not OPML")
        found = parse_opml(root, "")
        return [dataclasses.replace(s, via=path) for s in found]
    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not YAML or OPML: {exc}") from exc
    if isinstance(doc, list):
        groups = {"feed": doc}
    elif isinstance(doc, Mapping):
        unknown = set(doc) - {"feeds", "sitemaps"}
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)} (expected feeds, sitemaps)")
        groups = {"feed": doc.get("feeds") or [], "sitemap": doc.get("sitemaps") or []}
    else:
        raise ValueError(f"{path}: expected a list of URLs or a mapping with feeds/sitemaps")
    found = []
    for kind, items in groups.items():
        if not isinstance(items, list):
            raise ValueError(f"{path}: {kind}s must be a list")
        for item in items:
            if isinstance(item, str):
                item = {"url": item}
            if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
                raise ValueError(f"{path}: each entry needs a url, got {item!r}")
            source_url = item["url"].strip()
            if urlsplit(source_url).scheme not in ("http", "https"):
                raise ValueError(f"{path}: not an http(s) URL: {source_url!r}")
            found.append(SourceRef(source_url, str(item.get("kind", kind)), item.get("title"), via=path))
    return found


def web_url(url: str, option: str) -> str:
    if urlsplit(url.strip()).scheme not in ("http", "https") or not urlsplit(url.strip()).hostname:
        raise ValueError(f"{option} needs an http(s) URL, got {url!r}")
    return url.strip()


def parse_url_line(line: str, source: str) -> EntryRef | tuple[str, str] | None:
    """One line of a `--urls` file: a URL (anything after whitespace is ignored); None for blank lines and
    `#` comments."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    token = text.split()[0]
    return make_entry(token, token, source, "urls")


def entry_to_json(entry: EntryRef) -> dict[str, Any]:
    return dataclasses.asdict(entry)


def entry_from_json(data: Mapping[str, Any]) -> EntryRef:
    values = dict(data)
    for name in ("authors", "categories"):
        values[name] = tuple(values.get(name) or ())
    return EntryRef(**values)


def snapshot(parsed: ParsedSource) -> str:
    """What a source listed, as stored in `web_sources.entries`."""
    return json.dumps(
        {
            "kind": parsed.kind,
            "entries": [entry_to_json(e) for e in parsed.entries],
            "children": [dataclasses.asdict(c) for c in parsed.children],
            "invalid": parsed.invalid,
        },
        ensure_ascii=False,
    )


def from_snapshot(text: str) -> ParsedSource:
    data = json.loads(text)
    return ParsedSource(
        data.get("kind", "feed"),
        [entry_from_json(e) for e in data.get("entries", [])],
        [SourceRef(**c) for c in data.get("children", [])],
        [(str(listed), str(reason)) for listed, reason in data.get("invalid", [])],
    )


def lane_of(host: str, lanes: int) -> int:
    """Which worker group a host belongs to: stable across processes, one host in exactly one lane."""
    return zlib.crc32(host.encode("utf-8")) % max(1, lanes)


_XML_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
    "recover": True,
}
