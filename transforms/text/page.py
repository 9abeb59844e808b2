"""What a web page states about itself in its markup: schema.org JSON-LD and microdata types, `<meta>` tags
(Open Graph, Twitter, Dublin Core, `name=author`, ...), `<title>`, `<h1>` and author credits in the markup.

Read once from the parsed tree that extraction also uses (`parse_html`), so the article gate, titles,
authors and dates weigh the same statements without parsing the page again. No Beam import: tested and
benchmarked alone.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

# A JSON-LD block is data, not prose: these bound the work one malformed or huge block can cost.
_MAX_JSONLD_CHARS = 500_000
_MAX_OBJECTS = 200
# The scripts whose type may be JSON-LD (only ASCII letters lower-case to "json"): libxml2 passes over the rest, which
# would cost a Python object each.
_JSON_SCRIPTS = etree.XPath("descendant::script[contains(translate(@type, 'JSON', 'json'), 'json')]")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# Elements that credit an author: microdata `itemprop=author`, `rel=author` links and links to an author page, and
# "By" lines and labels: an element whose first own text (not all it holds: cheap on deep pages), spaces collapsed,
# is "By ...", "By" or "Written by". Asked in one XPath with the microdata item types (a pass over the page per
# question cost twice as much); `_markup` tells the two apart on the few elements that state an item type.
_BY_WORDS = frozenset({"by", "written by", "author", "authors", "autor", "von", "par", "por", "door"})
_BY_TAGS = ("p", "span", "div", "li", "strong", "em", "address")
_SAYS_BY = (
    "[contains(., 'By') or contains(., 'by')]"
    "[starts-with(normalize-space(.), 'By ') or starts-with(normalize-space(.), 'by ') or normalize-space(.) = 'By'"
    " or normalize-space(.) = 'by' or normalize-space(.) = 'Written by']"
)
_AUTHOR_LINK = (
    "contains(concat(' ', @rel, ' '), ' author ') or contains(@href, '/author/') or contains(@href, '/authors/')"
)
_MARKUP = etree.XPath(
    "/descendant-or-self::*/@itemtype/.. | /descendant-or-self::*/@itemprop[. = 'author']/.."
    f" | /descendant-or-self::a[{_AUTHOR_LINK}]"
    + "".join(f" | /descendant-or-self::{tag}/text()[1]{_SAYS_BY}/.." for tag in _BY_TAGS)
)
_AUTHOR_LINK_XPATH = etree.XPath(f"self::a[{_AUTHOR_LINK}]")
_SAYS_BY_XPATH = etree.XPath(f"self::*[{' or '.join(f'self::{tag}' for tag in _BY_TAGS)}]/text()[1]{_SAYS_BY}")
_MAX_BYLINES = 12
_WRITTEN_BY = ("written by", "author", "by", "verfasst von", "geschrieben von", "autor", "écrit par", "escrito por")
_NAVIGATION_DEPTH = 4
_MAX_BYLINE_WORDS = 8
_NOT_KEY = re.compile(r"[\W_]+")
# Labels of a host name that say nothing of the site ("www", generic top-level domains).
_DOMAIN_NAME = re.compile(r"(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}")
_HOST_NOISE = frozenset({"www", "m", "amp", "com", "org", "net", "co", "edu", "gov", "ac", "io", "info", "blog"})


@dataclass(frozen=True)
class PageFacts:
    """A page's statements about itself; empty fields when it makes none."""

    # Every JSON-LD object of the page, `@graph` and nested `mainEntity`/`itemListElement` flattened.
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    # schema.org types stated anywhere (JSON-LD `@type`, microdata `itemtype`), bare names in page order:
    # "NewsArticle", "Product", "FAQPage"...
    types: list[str] = field(default_factory=list)
    # `<meta>` contents by lower-cased `name`, `property` or `itemprop`, in page order.
    meta: dict[str, list[str]] = field(default_factory=dict)
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    # Author credits in the markup, in page order: microdata `itemprop=author`, `rel=author` and author-page
    # links, a "Written by" Twitter label, and short "By ..." lines. Raw text, to be judged as bylines.
    bylines: list[str] = field(default_factory=list)
    # Those of them the markup states on purpose (microdata `itemprop=author`, a `rel=author` link, the
    # Twitter label): a name there is one as written, even of one word ("Daniel", "marc").
    stated_bylines: frozenset[str] = frozenset()

    def first_meta(self, *keys: str) -> str | None:
        """The first non-empty content among `keys`, tried in order."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None

    def objects_of(self, *types: str) -> list[dict[str, Any]]:
        """The JSON-LD objects whose `@type` is one of `types`."""
        wanted = set(types)
        return [obj for obj in self.jsonld if wanted & set(type_names(obj.get("@type")))]

    def article_body(self) -> str | None:
        """The longest schema.org `articleBody` the page states, as plain text (tags and entities some
        publishers leave in it removed, paragraphs kept); None when it states none."""
        bodies = [obj["articleBody"] for obj in self.jsonld if isinstance(obj.get("articleBody"), str)]
        longest = max(bodies, key=len, default="")
        if "<" in longest:
            tree = lxml.html.fromstring(f"<div>{longest}</div>")
            for block in tree.iter("p", "br", "div", "li", "h2", "h3", "h4"):
                block.tail = "\n" + (block.tail or "")
            longest = tree.text_content()
        lines = (" ".join(line.split()) for line in html.unescape(longest).splitlines())
        return "\n".join(line for line in lines if line) or None


def parse_html(html: str) -> HtmlElement | None:
    """The page as the tree trafilatura parses it (same parser and repairs), or None when it is no HTML.

    Pass this tree to `trafilatura.bare_extraction`: it works on a copy, so the tree stays as parsed for
    `page_facts` and other readers.
    """
    from trafilatura.utils import load_html

    return load_html(html)


def type_names(value: Any) -> list[str]:
    """schema.org type names from an `@type` or `itemtype` value ("https://schema.org/NewsArticle" ->
    "NewsArticle"); lists kept in order."""
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        if isinstance(item, str):
            for part in item.split():
                name = part.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].strip()
                if name:
                    names.append(name)
    return names


def _load_json(text: str) -> Any:
    text = text.strip()
    if not text or len(text) > _MAX_JSONLD_CHARS:
        return None
    if text.startswith("<!--"):
        text = text.removeprefix("<!--").removesuffix("-->").strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:  # the most common fault of hand-written blocks
        return json.loads(_TRAILING_COMMA.sub(r"\1", text), strict=False)
    except ValueError:
        return None


def _objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Typed objects of a JSON-LD value, depth first: the value itself, its `@graph`, and the typed objects
    it holds (`mainEntity`, list items, `hasPart`...) — but not the author or publisher it names, which
    are described in the object that names them."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
        return
    if not isinstance(data, dict):
        return
    if "@type" in data:
        yield data
    for key, value in data.items():
        if key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart", "item"):
            yield from _objects(value, depth + 1)


def page_facts(tree: HtmlElement | None) -> PageFacts:
    """Read a parsed page's JSON-LD, microdata types, meta tags, `<title>` and `<h1>` headings."""
    if tree is None:
        return PageFacts()
    itemtypes, credits = _markup(tree)
    jsonld: list[dict[str, Any]] = []
    types: list[str] = []
    for script in _JSON_SCRIPTS(tree):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        for obj in _objects(_load_json(script.text or "")):
            if len(jsonld) >= _MAX_OBJECTS:
                break
            jsonld.append(obj)
            types.extend(type_names(obj.get("@type")))
    for itemtype in itemtypes:
        types.extend(type_names(itemtype))
    meta: dict[str, list[str]] = {}
    for element in tree.iterfind(".//meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), []).append(" ".join(content.split()))
    title = tree.find(".//title")
    title_text = _text(title) if title is not None else ""
    h1 = [text for text in map(_text, tree.iterfind(".//h1")) if text]
    bylines, stated = _bylines(credits, meta)
    return PageFacts(
        jsonld=jsonld,
        types=types,
        meta=meta,
        title_tag=title_text or None,
        h1=h1,
        bylines=bylines,
        stated_bylines=stated,
    )


def _markup(tree: HtmlElement) -> tuple[list[str], list[HtmlElement]]:
    """The document's microdata item types and the elements that credit an author, in page order (`_MARKUP`)."""
    itemtypes: list[str] = []
    credits: list[HtmlElement] = []
    for element in _MARKUP(tree):
        itemtype = element.get("itemtype")
        if itemtype is None:
            credits.append(element)
            continue
        itemtypes.append(itemtype)
        if element.get("itemprop") == "author" or _AUTHOR_LINK_XPATH(element) or _SAYS_BY_XPATH(element):
            credits.append(element)
    return itemtypes, credits


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _in_navigation(element: HtmlElement) -> bool:
    """Whether an element sits in a menu or a footer: its nearest containers say so (a page wrapped in one
    unclosed `<nav>` is not all navigation)."""
    for depth, ancestor in enumerate(element.iterancestors()):
        if depth >= _NAVIGATION_DEPTH:
            break
        classes = (ancestor.get("class") or "").casefold().split()
        if ancestor.tag in ("nav", "footer") or any(c.startswith("menu") for c in classes):
            return True
    return False


def _bylines(credits: list[HtmlElement], meta: dict[str, list[str]]) -> tuple[list[str], frozenset[str]]:
    """Where the markup credits an author, at most `_MAX_BYLINES` of them, and which of them it states on
    purpose (`PageFacts.bylines`, `PageFacts.stated_bylines`)."""
    found: list[str] = []
    stated: set[str] = set()
    for element in credits:
        if len(found) >= _MAX_BYLINES:
            break
        if _in_navigation(element):
            continue  # a menu's link to an author page ("Our writers"), not this page's byline
        names = element.xpath(".//*[@itemprop='name']") if element.get("itemprop") else []
        text = _text(names[0] if names else element)
        if text.casefold().rstrip(" :") in _BY_WORDS:  # "<span>By</span><a>Jane Doe</a>"
            following = element.getnext()
            text = _text(following) if following is not None else ""
        if text and len(text.split()) <= _MAX_BYLINE_WORDS:
            found.append(text)
            if element.get("itemprop") == "author" or "author" in (element.get("rel") or "").split():
                stated.add(text)
    # Yoast's Twitter card: twitter:label1 "Written by" (or "Verfasst von"), twitter:data1 "Jane Doe".
    for n in range(1, 4):
        labels, data = meta.get(f"twitter:label{n}", []), meta.get(f"twitter:data{n}", [])
        if labels and data and labels[0].casefold().startswith(_WRITTEN_BY):
            found.append(data[0])
            stated.add(data[0])
    return found, frozenset(stated)


def site_names(facts: PageFacts, sitename: str | None = None, url: str | None = None) -> list[str]:
    """The names a page gives its site (og:site_name, schema.org publisher/WebSite/Organization names and
    their aliases, the host's labels), as comparison keys: lower case, letters and digits only."""
    names = stated_site_names(facts, sitename, aliases=True)
    keys = [name_key(name) for name in names] + host_keys(url)
    return [key for key in dict.fromkeys(keys) if len(key) >= 3]


def stated_site_names(facts: PageFacts, sitename: str | None = None, *, aliases: bool = False) -> list[str]:
    """Every name the page states for its site, as written: first the statements of the site's own name
    (og:site_name, the schema.org WebSite, `application-name`, then `sitename`, trafilatura's), then those of
    its owner (the schema.org publisher, the publisher meta tags, the Organization). With `aliases`, also the
    app's title, the Twitter handle, schema.org `alternateName`s, Corporation and Brand: as often a product or
    a slogan ("Connected" on sportsnet.ca) as the site's name, but a name the site goes by all the same."""
    names = list(facts.meta.get("og:site_name", ()))
    names += [name for obj in facts.objects_of("WebSite") for name in _strings(obj.get("name"))]
    names += facts.meta.get("application-name", ())
    names.append(sitename or "")
    for obj in facts.jsonld:
        publisher = obj.get("publisher")
        for item in publisher if isinstance(publisher, list) else [publisher]:
            names += _strings(item.get("name")) if isinstance(item, dict) else _strings(item)
    names += facts.meta.get("publisher", ())
    names += facts.meta.get("dc.publisher", ())
    owners = ("NewsMediaOrganization", "Organization")
    names += [name for obj in facts.objects_of(*owners) for name in _strings(obj.get("name"))]
    if aliases:
        names += facts.meta.get("apple-mobile-web-app-title", ())
        names += facts.meta.get("twitter:site", ())
        names += [name for obj in facts.objects_of("Corporation", "Brand") for name in _strings(obj.get("name"))]
        kinds = ("WebSite", *owners, "Corporation", "Brand")
        names += [name for obj in facts.objects_of(*kinds) for name in _strings(obj.get("alternateName"))]
    return names


def looks_like_domain(text: str) -> bool:
    """Whether a name is a bare domain ("FAZ.NET", "www.example.com")."""
    return bool(_DOMAIN_NAME.fullmatch(text.strip().lower()))


def host_keys(url: str | None) -> list[str]:
    """The labels of a URL's host that can name its site, as comparison keys: not "www", the top-level
    domain, "com" or "blog" ("https://www.heise.de/news/1" -> ["heise"])."""
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:
        return []
    return [key for label in host.split(".")[:-1] if label not in _HOST_NOISE and len(key := name_key(label)) >= 3]


def name_key(text: str) -> str:
    """A name as a comparison key: case and accents folded, letters and digits only ("Harvard Health" ->
    "harvardhealth")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_KEY.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
