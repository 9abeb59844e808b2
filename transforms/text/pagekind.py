"""The article gate: is a web page an article (news, blog post, report, review, editorial) or something
else (product, service or pricing page, forum thread, listing, collection, documentation, error page)?

A page carries its own evidence: what it says it is (schema.org `@type`, with its author and `datePublished`), the
shape of its URL (a date and a long slug against `/products/`, `/docs/`, `/forum/`...), dates written out and long
linked headlines (a listing's teasers), the structure of its main text as trafilatura's fast mode reads it
(paragraphs of prose against short lines, prices, questions; the gate decides before any full extraction), of the
whole page (link density, forms, code blocks, repeated `<article>` teasers, menus and sidebars, links to the next
page) and of its template (class names of product cards, prices, carts, tables of contents, pagination), and its
host ("docs.", "forums.", "shop."). A page without a URL (read from a file) has no URL evidence, for or against.
Words are counted in every script (a Chinese or Japanese page is prose, not a menu of one-"word" lines), and the
features read from English word lists are missing, not zero, on a page in another language. `features` turns these
into about a hundred named numbers; a multinomial logistic regression over the page types of the WCXB dev set
(`data/pagekind.json`, trained by `bench/train_pagekind.py` with cross-validation) weighs them. A second one weighs
the words the page names itself with (`page_words`: its URL's path, `<title>` and first `<h1>`, where service,
product and listing pages say "Pricing", "Services", "Calculator", "Recipes"), and the two add their logits.
Cross-validated by site, the words raised the non-articles turned away from 82.7% to 88.2% over five fold seeds,
for the same 2% of articles: the hand-made features miss what a page calls itself. Only words found on pages of
three sites or more are learnt (a site's brand or section names would pass for a kind of page), and the URL's
shape is left to the features. The words are English: on a page in another language they are not read, and the
features' regression alone judges it, against its own bars (`Model.plain_thresholds`: with the words, English
articles score higher, and the bars rose with them). The words' regression has no bias, so unknown words add no
evidence either way. The model is small enough to read: each weight belongs to a named feature or word, and a
decision's evidence names those that pushed it most.

Whether the markup says the page is an article (a schema.org article type, `og:type`, `article:published_time`)
sets the bar its article probability must clear (`evidence_level`): the trainer picks the two bars together so
that at most 2% of articles are turned away in all. As features of the model, the meta tags (`og:type`,
`article:*`), a meta author, bylines and whether the markup states an author or a date made it judge sites it had
not seen worse (cross-validated by site, 79.4% of non-articles turned away over five fold seeds with them, 82.2%
without, both with L2 0.003): many service and listing pages carry them too.

Error pages ("We'll be right back", "Page not found" served with status 200) are told by a rule, not the
model: an error title or heading over a very short text.

No Beam import: tested and benchmarked alone.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from lxml import etree
from lxml.html import HtmlElement

from transforms.text import tfidf
from transforms.text.page import PageFacts
from transforms.text.wordcount import spaceless, word_count

KINDS = ("article", "product", "service", "forum", "listing", "collection", "documentation", "error")
MODEL_RESOURCE = "data/pagekind.json"
FORMAT_VERSION = 4
# The page's word about itself, and the bar that goes with it: a page whose markup says it is an article
# (schema.org article type, og:type article, article:published_time) is held to a lower bar than one that
# says nothing, whose article probability must be higher to pass. The trainer picks both bars together.
STATED = "stated"
UNSTATED = "unstated"
VOUCHED = "vouched"
_OG_ARTICLE = ("article", "blog", "news", "newsarticle")


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# schema.org types, grouped by the kind of page they speak for.
_SCHEMA_GROUPS: dict[str, frozenset[str]] = {
    "article": _names(
        "NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle BackgroundNewsArticle "
        "ReviewNewsArticle AskPublicNewsArticle Article BlogPosting LiveBlogPosting Report Review "
        "CriticReview ScholarlyArticle MedicalScholarlyArticle SatiricalArticle AdvertiserContentArticle"
    ),
    "tech": _names("TechArticle APIReference HowTo SoftwareSourceCode"),
    "product": _names(
        "Product ProductGroup IndividualProduct ProductModel Offer AggregateOffer Vehicle Car "
        "SoftwareApplication MobileApplication WebApplication VideoGame"
    ),
    "service": _names(
        "Service FinancialProduct LocalBusiness ProfessionalService Course EducationalOccupationalProgram "
        "MedicalClinic Dentist Physician LegalService Attorney HomeAndConstructionBusiness MovingCompany "
        "Store Restaurant Hotel LodgingBusiness TravelAgency InsuranceAgency RealEstateAgent Event"
    ),
    "faq": _names("FAQPage QAPage Question Answer"),
    "forum": _names("DiscussionForumPosting SocialMediaPosting Comment UserComments"),
    "list": _names("CollectionPage ItemList SearchResultsPage OfferCatalog ProfilePage Blog"),
}

_ARTICLE_TYPES = _SCHEMA_GROUPS["article"] | _SCHEMA_GROUPS["tech"]

_URL_WORDS: dict[str, frozenset[str]] = {
    "news": _names(
        "news blog blogs article articles story stories post posts insights magazine opinion opinions "
        "features feature pulse editorial editorials column columns analysis press press-release "
        "press-releases newsroom journal stories-and-news"
    ),
    "product": _names("product products p dp item itm shop store buy app apps sku gp pd"),
    "docs": _names(
        "docs doc documentation reference api manual manuals guide guides wiki learn developer developers "
        "help support kb knowledge-base knowledgebase library tutorial tutorials sdk"
    ),
    "forum": _names(
        "forum forums thread threads t questions question community communities discussion discussions "
        "topic topics r comments answers viewtopic showthread"
    ),
    "listing": _names(
        "category categories tag tags search collections collection c s list lists browse results archive "
        "archives shop-all catalog catalogue directory index sale deals"
    ),
    "service": _names(
        "services service pricing plans plan solutions solution features contact about tuition admissions "
        "programs program locations quote membership"
    ),
}

# Labels of the host that name a kind of site ("docs.stripe.com", "forums.raspberrypi.com", "shop.x.com").
_HOST_WORDS: dict[str, frozenset[str]] = {
    "docs": _names("docs doc developer developers dev wiki learn help support kb api manual guides guide reference"),
    "forum": _names("forum forums bbs discuss discussion community communities boards board talk"),
    "shop": _names("shop store buy"),
    "news": _names("news blog blogs"),
}
# schema.org WebPage subtypes that say what a page is for, none of them an article.
_WEB_PAGE_SUBTYPES = _names(
    "AboutPage ContactPage CheckoutPage ItemPage MedicalWebPage SearchResultsPage RealEstateListing"
)
_ORGANISATIONS = _names("Organization Corporation LocalBusiness")
# Parts of `class` attributes that name what a template's blocks hold, counted over the whole page.
_CLASS_PARTS: dict[str, tuple[str, ...]] = {
    "product": ("product",),
    "price": ("price",),
    "card": ("card", "tile", "teaser"),
    "post": ("post", "message", "reply"),
    "comment": ("comment",),
    "table of contents": ("toc", "sidebar", "sidenav", "side-nav"),
    "byline": ("byline", "author"),
    "cart": ("cart", "basket"),
    "testimonial": ("testimonial", "review"),
    "pagination": ("pagination", "pager"),
}
_CLASSES = etree.XPath(".//@class", smart_strings=False)
# A link to the next or previous page of a series: documentation chapters, listings' pages.
_PREVIOUS_NEXT = re.compile(r"^(?:next|previous|prev|« previous|next »|older posts|newer posts)\b", re.IGNORECASE)
_DATE_IN_PATH = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/|$)|(?:19|20)\d\d-[01]\d-[0-3]\d|/(?:19|20)\d{6}/")
_SPLIT_WORDS = re.compile(r"[-_]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp)$")
_NUMERIC = re.compile(r"^[\d.]+$|^[a-z]*\d{5,}[a-z]*$")
_PRICE = re.compile(r"[$€£¥₹]\s?\d|\d(?:[.,]\d\d)?\s?(?:€|EUR|USD|GBP)\b")
# The text features read this much of the main text, the page features this many words of the whole page:
# enough to tell, and a flat cost on long pages.
TEXT_CHARS = 10_000
PAGE_WORDS = 1_500
_LINK_TEXT = etree.XPath(".//a[@href]//text()", smart_strings=False)
_LINKS = etree.XPath(".//a[@href]", smart_strings=False)
# A listing's teasers and a service page's calls to action are links; a teaser's headline is a long one.
HEADLINE_LINK_WORDS = 6
MAX_LINKS = 2_000
# Dates written out in the page ("May 4, 2025", "4 May 2025", "2025-05-04"): one on an article, many on a
# listing or a forum thread, none on most service pages. Counted in the first `DATED_CHARS` of the page's text,
# from its years: a regular expression that tries every position of the page costs seven times more.
_YEAR = re.compile(r"(?:19|20)\d\d\b")
_DAY_MONTH_BEFORE = re.compile(
    r"(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? "
    r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* )\Z",
    re.IGNORECASE,
)
_MONTH_DAY_AFTER = re.compile(r"-\d\d-\d\d\b")
DATED_CHARS = 50_000
# What a forum prints around each post, counted in the whole page's text.
_FORUM_MARKS = (
    "member since",
    "joined:",
    "posts:",
    "reply #",
    "replied",
    "last edited",
    "report post",
    "quote from",
    "registered user",
    "reputation",
)
# The elements whose numbers are features: one walk of the tree that hands only these to Python (libxml2
# skips the rest), the conditions (hidden inputs, linked headings, headings inside `<article>`) checked on them.
_COUNTED_TAGS = (
    "nav",
    "aside",
    "form",
    "select",
    "dl",
    "blockquote",
    "p",
    "li",
    "h2",
    "h3",
    "h4",
    "article",
    "button",
    "pre",
    "code",
    "table",
    "time",
    "img",
    "option",
    "input",
    "textarea",
)
# Words and phrases that mark a kind of page, counted in the main text (article, docs) or the whole page
# (the rest): lower-cased words looked up in a set, phrases counted with `str.count` (regular expressions
# with many alternatives cost ten times more).
_LEXICON: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "article": (
        _names("published updated reporter editor correspondent said says told according"),
        ("min read", "minute read", "written by", "posted on", "posted by"),
    ),
    "docs": (
        _names(
            "parameter parameters returns syntax example examples install installation configuration "
            "configure api function method class module version deprecated argument arguments default command "
            "option options"
        ),
        (),
    ),
    "forum": (
        _names(
            "reply replies replied quote joined posts thread upvote upvotes permalink report member moderator "
            "views likes solved op"
        ),
        (),
    ),
    "commerce": (
        _names("checkout sku qty quantity wishlist"),
        (
            "add to cart",
            "add to bag",
            "add to basket",
            "add to wish",
            "in stock",
            "out of stock",
            "buy now",
            "free shipping",
            "free delivery",
            "free returns",
            "shop now",
        ),
    ),
    "service": (
        _names("consultation enquiry inquiry enquire enroll enrol quote"),
        (
            "contact us",
            "get a quote",
            "book a",
            "book now",
            "book online",
            "schedule a",
            "request a demo",
            "get started",
            "sign up",
            "our services",
            "call us",
            "call now",
            "call today",
            "per month",
            "/mo ",
            "free trial",
            "our team",
            "apply now",
        ),
    ),
}
_WE = _names("we our us")
_YOU = _names("you your")
# The words a lexicon or `_WE`/`_YOU` looks up: only these are counted (counting every word cost twice as much).
_LOOKED_UP = frozenset().union(*(names for names, _ in _LEXICON.values()), _WE, _YOU)
# The lexicons, `_WE`/`_YOU` and the phrases above are English: on a page in another language their features
# say nothing (a German news page has no "how" in its title and no "read more" link), so there they are missing
# (NaN), and the model takes them at their mean: no evidence either way. A text is in another language when
# that language's commonest words outnumber English's, or when over a quarter of it is non-Latin letters.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _names("the and of to is that with for this are was it"),
    "de": _names("der die das und ist nicht mit sich auf den dem ein eine zu"),
    "fr": _names("le la les et des est une pour dans que qui du au sur"),
    "es": _names("el la los las y del que en por una para con es se"),
    "it": _names("il di che è per una della non sono del con gli le"),
    "nl": _names("de het een van en is dat niet met voor op zijn"),
    "pt": _names("o os da do que em um uma para com não se as"),
}
_OTHER_LANGUAGES = tuple(words for language, words in _FUNCTION_WORDS.items() if language != "en")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]")
ENGLISH_ONLY = (
    "article words per 100 words",
    "docs words per 100 words",
    "we/our per 100 words",
    "you/your per 100 words",
    "title article words",
    "forum words per 100 page words",
    "commerce words per 100 page words",
    "service words per 100 page words",
    "read more links (log)",
    "forum post marks (log)",
    "previous/next links",
)
# Query parameters that track a visit rather than name a page.
_TRACKING = re.compile(r"utm_\w*|srsltid|fbclid|gclid|dclid|msclkid|mc_[ce]id|ref|source|lang|hl")
_TITLE_ARTICLE = re.compile(
    r"\b(?:how|what|why|when|who|best|guide|tips|ways|reasons|things|vs|review|trends|explained|\d+)\b",
    re.IGNORECASE,
)
_SENTENCE_ENDS = tuple(".!?…:\"'”’)")

# An error page says so in its title or main heading.
_ERROR_TITLE = re.compile(
    r"\b(?:40[0-4]|410|50[0-4])\b(?!\s*(?:[a-z]{3,}\s)?(?:reasons|ways|things|tips|ideas|best))"
    r"|page (?:was )?not (?:be )?found|not found|page (?:is )?(?:no longer |not |un)available|be right back"
    r"|something went wrong|an error (?:has )?occurred|access denied|forbidden|service unavailable"
    r"|temporarily unavailable|under maintenance|down for maintenance|^oops\b|^error\b|page doesn.t exist"
    r"|page does not exist|can.t find (?:th(?:e|is|at) )?page|couldn.t find (?:th(?:e|is|at) )?page"
    # German, French, Spanish, Italian, Dutch, Portuguese, Japanese, Chinese
    r"|(?:seite )?nicht gefunden|seite existiert nicht|ein fehler ist aufgetreten"
    r"|page (?:introuvable|non trouv[ée]e)|une erreur (?:s.est produite|est survenue)"
    r"|p[áa]gina no encontrada|se ha producido un error|pagina non trovata|si [èe] verificato un errore"
    r"|pagina niet gevonden|niet gevonden|p[áa]gina n[ãa]o encontrada"
    r"|ページが見つかりません|見つかりませんでした|页面不存在|找不到(?:该|此)?页面|页面未找到|頁面不存在|找不到網頁",
    re.IGNORECASE,
)
_TITLE_PARTS = re.compile(r"\s+[|\-–—:·»]+\s+")
ERROR_MAX_WORDS = 150  # an error page's text is a sentence or two; an article about errors is longer

FEATURES: tuple[str, ...] = (
    "schema article type",
    "schema tech article type",
    "schema product type",
    "schema service type",
    "schema FAQ/question type",
    "schema forum posting type",
    "schema collection/list type",
    "schema breadcrumb",
    "schema states datePublished",
    "date in URL",
    "URL slug words",
    "URL path depth",
    "URL is site root",
    "URL has query",
    "URL ends in number",
    "URL news word",
    "URL product word",
    "URL docs word",
    "URL forum word",
    "URL listing word",
    "URL service word",
    "text words (log)",
    "text lines (log)",
    "words per line",
    "prose share",
    "short line share",
    "line ends sentence share",
    "prices per 100 lines",
    "question line share",
    "digit share",
    "page link density",
    "links per 100 words (log)",
    "main text share of page",
    "paragraphs (log)",
    "list items per paragraph (log)",
    "form inputs (log)",
    "buttons (log)",
    "code blocks (log)",
    "tables (log)",
    "article elements (log)",
    "time elements (log)",
    "h2-h4 headings (log)",
    "h1 count",
    "images (log)",
    "select options (log)",
    "linked heading share",
    "article words per 100 words",
    "docs words per 100 words",
    "forum words per 100 page words",
    "commerce words per 100 page words",
    "service words per 100 page words",
    "we/our per 100 words",
    "you/your per 100 words",
    "title words",
    "title article words",
    "read more links (log)",
    "URL slug of 4+ hyphenated words",
    "title is a bare name",
    "forum post marks (log)",
    "host docs word",
    "host forum word",
    "host shop word",
    "host news word",
    "schema web page subtype",
    "schema web page, no article type",
    "schema organization type",
    "schema article states author",
    "tel links (log)",
    "nav elements (log)",
    "aside elements (log)",
    "forms (log)",
    "selects (log)",
    "definition lists (log)",
    "blockquotes (log)",
    "h1 in article (log)",
    "time in article (log)",
    "class product (log)",
    "class price (log)",
    "class card (log)",
    "class post (log)",
    "class comment (log)",
    "class table of contents (log)",
    "class byline (log)",
    "class cart (log)",
    "class testimonial (log)",
    "class pagination (log)",
    "most repeated class (log)",
    "previous/next links",
    "title-case short line share",
    "words per line (log)",
    "long paragraphs (log)",
    "URL slug length",
    "question marks per line",
    "page dates (log)",
    "headline links (log)",
)


@dataclass(frozen=True)
class PageKind:
    kind: str
    score: float  # probability that the page is an article
    evidence: str = ""
    vouched_bar: float = 0.0  # the lower bar a page its source vouched for must clear (`admitted`)


def _is_bare_name(title: str) -> bool:
    return len(_TITLE_PARTS.split(title)) == 1 and word_count(title) <= 3


def _schema_flags(types: list[str]) -> dict[str, float]:
    present = set(types)
    return {group: float(bool(present & names)) for group, names in _SCHEMA_GROUPS.items()}


def reads_english(text: str) -> bool:
    """Whether the gate's English word lists apply to `text` (its first 4,000 characters): not when over a
    quarter of its characters are letters outside the Latin script, nor when another language's commonest
    words outnumber English's. A text with none of them (a product grid, a short page) counts as English."""
    sample = text[:4000]
    if not sample.isascii() and len(_NON_LATIN_LETTER.findall(sample)) > len(sample) / 4:
        return False
    tokens = Counter(sample.lower().split())
    english = sum(tokens[word] for word in _FUNCTION_WORDS["en"])
    return all(sum(tokens[word] for word in words) <= english for words in _OTHER_LANGUAGES)


def _query_keys(query: str) -> list[str]:
    return [key.lower() for key, _ in parse_qsl(query, keep_blank_values=True)]


def _url_features(url: str | None) -> dict[str, float]:
    """The URL's evidence; none when the page came without a URL (a file): that is no site root."""
    if not url:
        return {}
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [s for s in path.lower().split("/") if s]
    slug = segments[-1] if segments else ""
    last = _EXTENSION.sub("", slug)
    words = {w for s in segments for w in (s, *_SPLIT_WORDS.split(s))}
    host_labels = set((parts.hostname or "").split(".")[:-1])
    values = {
        "URL slug length": min(len(slug), 100) / 25,
        "date in URL": float(bool(_DATE_IN_PATH.search(path))),
        "URL slug words": min(len([w for w in _SPLIT_WORDS.split(last) if w and not w.isdigit()]), 15) / 5,
        "URL path depth": min(len(segments), 8) / 4,
        # `/?p=3289` (WordPress) or `/?article=12` names a page; `/?utm_source=x` or `/?srsltid=…` is the root.
        "URL is site root": float(not segments and all(map(_TRACKING.fullmatch, _query_keys(parts.query)))),
        "URL has query": float(bool(parts.query)),
        "URL ends in number": float(bool(last and _NUMERIC.match(last))),
        "URL slug of 4+ hyphenated words": float(last.count("-") >= 3),
    }
    for group, names in _URL_WORDS.items():
        values[f"URL {group} word"] = float(bool(words & names))
    for group, names in _HOST_WORDS.items():
        values[f"host {group} word"] = float(bool(host_labels & names))
    return values


def page_words(url: str | None, title: str | None, heading: str | None) -> Counter[str]:
    """The words a page names itself with, each marked with where it stands: its URL's path ("url:services"; the
    last segment, without a file extension, also as "url end:pricing" when it is one word), its `<title>`
    ("title:calculator") and its first `<h1>` ("h1:recipes"). Service, product and listing pages call themselves
    "Pricing", "Services", "Calculator", "Recipes" or "News" there, in words no hand-made list holds; the model
    learns them (`Model.word_weights`). The URL's shape (depth, a query, an extension) is left to `features`:
    as words, a site's conventions would pass for a kind of page. A page without a URL has no URL words."""
    words: Counter[str] = Counter()
    segments = [s for s in urlsplit(url).path.lower().split("/") if s] if url else []
    if segments:
        segments[-1] = _EXTENSION.sub("", segments[-1])
        for segment in segments:
            words.update(f"url:{w}" for w in _LETTERS.findall(segment))
        if _LETTERS.fullmatch(segments[-1]):
            words[f"url end:{segments[-1]}"] += 1
    for where, text in (("title", title), ("h1", heading)):
        words.update(f"{where}:{w}" for w in _LETTERS.findall((text or "").lower()))
    return words


def _written_dates(text: str) -> int:
    """How many dates the text writes out (see `_YEAR`)."""
    found = 0
    for year in _YEAR.finditer(text):
        start, end = year.span()
        iso = (start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")) and bool(
            _MONTH_DAY_AFTER.match(text, end)
        )
        found += iso or bool(_DAY_MONTH_BEFORE.search(text, max(0, start - 24), start))
    return found


def _lexicon(kind: str, lower: str, words: Counter[str]) -> int:
    names, phrases = _LEXICON[kind]
    return sum(words[name] for name in names) + sum(lower.count(phrase) for phrase in phrases)


def _words(text: str) -> tuple[str, Counter[str], int]:
    """The text lower-cased, the words the lexicons look up counted (split at spaces: a word followed by a comma
    is another word, a small loss for a tenth of the cost of a regular expression), and how many words there are."""
    lower = text.lower()
    tokens = lower.split()
    return lower, Counter(filter(_LOOKED_UP.__contains__, tokens)), len(tokens)


def _text_features(text: str, spaceless_script: bool) -> dict[str, float]:
    text = text[:TEXT_CHARS]
    lines = [line for line in map(str.strip, text.splitlines()) if line]
    # Words a line at spaces; in every script (`word_count`) where Chinese, Japanese or Thai would otherwise
    # read as a word or two a line, like a menu.
    counts = [word_count(line) if spaceless_script else line.count(" ") + 1 for line in lines]
    words = sum(counts)
    n = max(len(lines), 1)
    per_100 = 100 / max(words, 1)
    lower, tokens, _ = _words(text)
    return {
        "text words (log)": math.log1p(words),
        "text lines (log)": math.log1p(len(lines)),
        "words per line": min(words / n, 80) / 20,
        "prose share": sum(c for c in counts if c >= 20) / max(words, 1),
        "short line share": sum(1 for c in counts if c <= 5) / n,
        "line ends sentence share": sum(1 for line in lines if line.endswith(_SENTENCE_ENDS)) / n,
        "prices per 100 lines": min(len(_PRICE.findall(text)) * 100 / n, 100) / 25,
        "question line share": sum(1 for line in lines if line.endswith("?")) / n,
        "question marks per line": min(text.count("?") / n, 3),
        "digit share": sum(map(text.count, "0123456789")) / max(len(text), 1) * 10,
        "article words per 100 words": min(_lexicon("article", lower, tokens) * per_100, 10),
        "docs words per 100 words": min(_lexicon("docs", lower, tokens) * per_100, 10),
        "we/our per 100 words": min(sum(tokens[w] for w in _WE) * per_100, 10),
        "you/your per 100 words": min(sum(tokens[w] for w in _YOU) * per_100, 10),
        # Menus and product grids leave short capitalised lines ("Our Services", "Shop All").
        "title-case short line share": sum(c <= 8 and s.istitle() for c, s in zip(counts, lines, strict=True)) / n,
        "words per line (log)": math.log1p(words / n),
        "long paragraphs (log)": math.log1p(sum(1 for c in counts if c >= 40)),
    }


def _link_text(link: HtmlElement) -> str:
    """A link's text: its own text when it holds no element (most links), else all it holds."""
    return link.text_content() if len(link) else link.text or ""


def _tree_features(tree: HtmlElement, main_words: int, spaceless_script: bool) -> dict[str, float]:
    body = tree.find("body")
    root = body if body is not None else tree

    tags: Counter[str] = Counter()
    inputs = linked_headings = 0
    articles_seen: list[HtmlElement] = []
    for element in root.iter(*_COUNTED_TAGS):
        name = element.tag
        tags[name] += 1
        if name in ("h2", "h3", "h4"):
            linked_headings += element.find(".//a") is not None
        elif name == "article":
            articles_seen.append(element)
        elif name == "textarea" or (name == "input" and element.get("type") != "hidden"):
            inputs += 1
    # Headings and times inside an `<article>`, counted once under the outermost one.
    outer = [a for a in articles_seen if next(a.iterancestors("article"), None) is None]
    h1_in_article = sum(len(a.findall(".//h1")) for a in outer)
    time_in_article = sum(len(a.findall(".//time")) for a in outer)

    def tag(*names: str) -> float:
        return float(sum(tags[name] for name in names))

    links = _LINKS(root)
    hrefs = [link.get("href") for link in links]
    page_text = root.xpath("string(.)")
    words = page_text.split()
    # Words in every script (`word_count`) on a page written in Chinese, Japanese or Thai, else at spaces.
    count = word_count if spaceless_script else lambda text: len(text.split())
    headline_links = sum(1 for link in links[:MAX_LINKS] if count(_link_text(link)) >= HEADLINE_LINK_WORDS)
    page_words = max(word_count(page_text) if spaceless_script else len(words), 1)
    link_texts = _LINK_TEXT(root)
    link_words = count(" ".join(link_texts))
    head = " ".join(words[:PAGE_WORDS])
    lower, tokens, n = _words(head)
    per_100 = 100 / max(n, 1)
    # Lower-cased in one call: "\0" is in no attribute value (XML forbids it) and stops no case mapping.
    classes = _CLASSES(root)
    all_classes = "\0".join(classes).lower()
    repeats = Counter(all_classes.split("\0")).most_common(1) if classes else []

    paragraphs = tag("p")
    headings = tag("h2", "h3", "h4")
    articles = tag("article")
    values = {
        "tel links (log)": math.log1p(sum(1 for h in hrefs if h.startswith("tel:"))),
        "nav elements (log)": math.log1p(tag("nav")),
        "aside elements (log)": math.log1p(tag("aside")),
        "forms (log)": math.log1p(tag("form")),
        "selects (log)": math.log1p(tag("select")),
        "definition lists (log)": math.log1p(tag("dl")),
        "blockquotes (log)": math.log1p(tag("blockquote")),
        "h1 in article (log)": math.log1p(h1_in_article),
        "time in article (log)": math.log1p(time_in_article),
        "most repeated class (log)": math.log1p(repeats[0][1]) if repeats else 0.0,
        "previous/next links": float(min(sum(1 for t in link_texts if _PREVIOUS_NEXT.match(t.strip())), 5)),
    }
    for name, parts in _CLASS_PARTS.items():
        values[f"class {name} (log)"] = math.log1p(sum(map(all_classes.count, parts)))
    return values | {
        "page link density": min(link_words / page_words, 1.0),
        "links per 100 words (log)": math.log1p(len(hrefs) * 100 / page_words),
        "main text share of page": min(main_words / page_words, 1.0),
        "paragraphs (log)": math.log1p(paragraphs),
        "list items per paragraph (log)": math.log1p(tag("li") / (paragraphs + 1)),
        "form inputs (log)": math.log1p(inputs),
        "buttons (log)": math.log1p(tag("button")),
        "code blocks (log)": math.log1p(tag("pre", "code")),
        "tables (log)": math.log1p(tag("table")),
        "article elements (log)": math.log1p(articles),
        "time elements (log)": math.log1p(tag("time")),
        "h2-h4 headings (log)": math.log1p(headings),
        "images (log)": math.log1p(tag("img")),
        "select options (log)": math.log1p(tag("option")),
        "linked heading share": linked_headings / (headings + 1),
        "forum words per 100 page words": min(_lexicon("forum", lower, tokens) * per_100, 10),
        "commerce words per 100 page words": min(_lexicon("commerce", lower, tokens) * per_100, 10),
        "service words per 100 page words": min(_lexicon("service", lower, tokens) * per_100, 10),
        "read more links (log)": math.log1p(lower.count("read more") + lower.count("continue reading")),
        "forum post marks (log)": math.log1p(sum(map(lower.count, _FORUM_MARKS))),
        "page dates (log)": math.log1p(_written_dates(page_text[:DATED_CHARS])),
        "headline links (log)": math.log1p(headline_links),
    }


def features(tree: HtmlElement | None, facts: PageFacts, doc: dict[str, Any], url: str | None) -> dict[str, float]:
    """The page's evidence as named numbers (`FEATURES`), each roughly within 0..5, or NaN where it is missing
    (`ENGLISH_ONLY` on a page in another language)."""
    schema = _schema_flags(facts.types)
    types = set(facts.types)
    text = doc.get("text") or ""
    title = doc.get("title") or facts.title_tag or ""
    values: dict[str, float] = {
        "schema article type": schema["article"],
        "schema tech article type": schema["tech"],
        "schema product type": schema["product"],
        "schema service type": schema["service"],
        "schema FAQ/question type": schema["faq"],
        "schema forum posting type": schema["forum"],
        "schema collection/list type": schema["list"],
        "schema breadcrumb": float("BreadcrumbList" in facts.types),
        "schema web page subtype": float(bool(types & _WEB_PAGE_SUBTYPES)),
        "schema web page, no article type": float("WebPage" in types and not types & _ARTICLE_TYPES),
        "schema organization type": float(bool(types & _ORGANISATIONS)),
        "schema article states author": float(any("author" in obj for obj in facts.objects_of(*_ARTICLE_TYPES))),
        "schema states datePublished": float(any("datePublished" in obj for obj in facts.jsonld)),
        "h1 count": float(min(len(facts.h1), 3)),
        "title words": min(word_count(title), 20) / 5,
        "title article words": float(bool(_TITLE_ARTICLE.search(title))),
        # A title of one part and at most three words names a brand, product or section, not a story.
        "title is a bare name": float(_is_bare_name(facts.title_tag or title)),
    }
    values.update(_url_features(url or doc.get("url")))
    # A page in Chinese, Japanese or Thai (its main text holds them) has its words counted in every script.
    spaceless_script = spaceless(text)
    values.update(_text_features(text, spaceless_script))
    main_words = (word_count(text) if spaceless_script else text.count(" ") + text.count("\n") + 1) if text else 0
    if tree is not None:
        values.update(_tree_features(tree, main_words, spaceless_script))
    if not reads_english(text):
        values.update(dict.fromkeys(ENGLISH_ONLY, math.nan))
    return {name: values.get(name, 0.0) for name in FEATURES}


def words_read(values: dict[str, float]) -> bool:
    """Whether the gate reads a page's words (`page_words`): when `features` found it English, so that its
    English-only features are not missing."""
    return not math.isnan(values[ENGLISH_ONLY[0]])


def evidence_level(facts: PageFacts, doc: dict[str, Any]) -> str:
    """STATED when the page's markup says it is an article (a schema.org article type, og:type article, an
    `article:published_time` meta tag), else UNSTATED."""
    og_type = (facts.first_meta("og:type") or doc.get("pagetype") or "").strip().lower()
    said = (
        bool(set(facts.types) & _SCHEMA_GROUPS["article"])
        or og_type in _OG_ARTICLE
        or bool(facts.first_meta("article:published_time"))
    )
    return STATED if said else UNSTATED


@dataclass(frozen=True)
class Model:
    """Two multinomial logistic regressions whose logits add (a product of experts): one over the standardised
    `FEATURES`, one over the tf-idf weights of `page_words` (no bias: a page without a known word gets no
    evidence from its words, so a page in another language is judged by its features). `labels[0]` is
    "article"."""

    labels: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (len(labels), len(features))
    bias: np.ndarray  # (len(labels),)
    # Below these article probabilities a page is turned away: by `evidence_level` (STATED, UNSTATED), and VOUCHED,
    # the lower bar for a page its source vouched for, below both.
    thresholds: dict[str, float]
    # The same three bars for the features' regression alone, which judges a page in another language: the words
    # are English, and without their evidence its scores run lower.
    plain_thresholds: dict[str, float]
    vocabulary: tuple[str, ...]  # `page_words` the model knows
    idf: np.ndarray  # (len(vocabulary),)
    word_weights: np.ndarray  # (len(labels), len(vocabulary))

    def bars(self, words_read: bool) -> dict[str, float]:
        """The STATED, UNSTATED and VOUCHED bars of the article probability: the whole model's when the page's
        words were read, else the features' alone."""
        return dict(self.thresholds if words_read else self.plain_thresholds)

    @cached_property
    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.vocabulary)}

    def word_vector(self, words: Counter[str]) -> np.ndarray:
        """The dense tf-idf vector of a page's words over the vocabulary."""
        return tfidf.dense(words, self.index, self.idf)

    def probabilities(
        self, values: dict[str, float], words: Counter[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Class probabilities, the standardised feature vector (a missing feature, NaN, at its mean: 0) and the
        words' tf-idf vector."""
        x = np.nan_to_num((np.array([values.get(name, 0.0) for name in self.features]) - self.mean) / self.scale)
        v = self.word_vector(words or Counter())
        logits = self.weights @ x + self.bias + self.word_weights @ v
        logits -= logits.max()
        p = np.exp(logits)
        return p / p.sum(), x, v

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "labels": list(self.labels),
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": {
                label: {name: round(float(w), 6) for name, w in zip(self.features, row, strict=True)}
                for label, row in zip(self.labels, self.weights, strict=True)
            },
            "bias": {label: round(float(b), 6) for label, b in zip(self.labels, self.bias, strict=True)},
            "thresholds": dict(self.thresholds),
            "plain_thresholds": dict(self.plain_thresholds),
            # One entry per word: its idf, then its weight for each label in `labels` order.
            "words": {
                word: [round(float(idf), 6), *(round(float(w), 6) for w in self.word_weights[:, i])]
                for i, (word, idf) in enumerate(zip(self.vocabulary, self.idf, strict=True))
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"page-kind model format {data.get('format_version')!r}, expected {FORMAT_VERSION}")
        labels = tuple(data["labels"])
        names = tuple(data["features"])
        words = data.get("words", {})
        rows = np.array(list(words.values()), dtype=float).reshape(len(words), len(labels) + 1)
        return cls(
            labels=labels,
            features=names,
            mean=np.array(data["mean"], dtype=float),
            scale=np.array(data["scale"], dtype=float),
            weights=np.array([[data["weights"][label][name] for name in names] for label in labels], dtype=float),
            bias=np.array([data["bias"][label] for label in labels], dtype=float),
            thresholds=_bars(data["thresholds"]),
            plain_thresholds=_bars(data["plain_thresholds"]),
            vocabulary=tuple(words),
            idf=rows[:, 0],
            word_weights=rows[:, 1:].T,
        )


def _bars(stated: dict[str, Any]) -> dict[str, float]:
    """A model file's STATED, UNSTATED and VOUCHED bars."""
    return {level: float(stated[level]) for level in (STATED, UNSTATED, VOUCHED)}


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    """The model shipped with newsbeam (read once per process)."""
    resource = importlib.resources.files("transforms").joinpath(MODEL_RESOURCE)
    return Model.from_json(json.loads(resource.read_text(encoding="utf-8")))


def error_evidence(facts: PageFacts, doc: dict[str, Any]) -> str | None:
    """What marks the page as an error page served as content, or None: an error title or heading (the
    error words make most of it, or of one of its parts: "404 - Page not found | Site") over a text too
    short to be an article about errors."""
    text = doc.get("text") or ""
    words = word_count(text)
    if words > ERROR_MAX_WORDS:
        return None
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    for where, value in (("title", facts.title_tag), ("h1", facts.h1[0] if facts.h1 else None), ("text", first_line)):
        if not value or len(value) > 120:
            continue
        for part in _TITLE_PARTS.split(value):
            found = [m.group(0) for m in _ERROR_TITLE.finditer(part)]
            if found and sum(map(len, found)) >= 0.5 * len(part.strip(" !.")):
                return f'{where} "{value[:80]}" says {" ".join(found)!r}, text of {words} words'
    return None


def _describe(name: str, value: float) -> str:
    """A feature as a reader wants it: "no code blocks", "og:type product", "links per 100 words=38"."""
    if name.endswith(" (log)"):
        name, value = name.removesuffix(" (log)"), math.expm1(value)
    if value == 0.0:
        return f"no {name}"
    return name if value == 1.0 else f"{name}={value:.2g}"


def _evidence(
    model: Model, kind: str, against: str, x: np.ndarray, v: np.ndarray, values: dict[str, float], top: int = 3
) -> str:
    """The features and words that pushed the decision most: towards `against` and away from "article" for a
    page turned away, the other way round for an article."""
    k, a = model.labels.index(against), model.labels.index("article")
    push = np.concatenate(
        [(model.weights[k] - model.weights[a]) * x, (model.word_weights[k] - model.word_weights[a]) * v]
    )
    if kind == "article":
        push = -push
    parts = []
    for i in np.argsort(-push)[:top]:
        if push[i] <= 0:
            break
        if i < len(model.features):
            parts.append(_describe(model.features[i], values[model.features[i]]))
        else:
            parts.append(f"{model.vocabulary[i - len(model.features)].replace(':', ' word ', 1)!r}")
    return ", ".join(parts)


def classify(
    tree: HtmlElement | None,
    facts: PageFacts,
    doc: dict[str, Any],
    url: str | None,
    model: Model | None = None,
) -> PageKind:
    """What kind of page this is, from what it states and how its text is built.

    `score` is the model's probability that the page is an article. `kind` is "article" when the score
    clears the model's threshold for the page's `evidence_level`, else the likeliest other kind; `evidence`
    names the bar and what weighed most.
    """
    error = error_evidence(facts, doc)
    if error is not None:
        return PageKind("error", 0.0, error)
    model = model or shipped_model()
    values = features(tree, facts, doc, url)
    # The words the model knows are English: a page in another language is judged by its features alone.
    english = words_read(values)
    words = page_words(url or doc.get("url"), facts.title_tag, facts.h1[0] if facts.h1 else None) if english else None
    p, x, v = model.probabilities(values, words)
    article = model.labels.index("article")
    score = float(p[article])
    other = max((i for i in range(len(model.labels)) if i != article), key=lambda i: float(p[i]))
    level = evidence_level(facts, doc)
    bars = model.bars(english)
    kind = "article" if score >= bars[level] else model.labels[other]
    against = model.labels[other]
    said = ("article markup" if level == STATED else "no article markup") + ("" if english else ", words not read")
    head = f"p(article)={score:.2f} (bar {bars[level]:.2f}, {said}); "
    return PageKind(kind, score, head + _evidence(model, kind, against, x, v, values), bars[VOUCHED])


def admitted(page: PageKind, vouched: bool) -> bool:
    """Whether the gate lets a classified page through. A page its source vouched for (a feed or
    news-sitemap entry, a JSONL record stating its title or date) is turned away only on strong evidence:
    an article probability below the lower bar (`PageKind.vouched_bar`). An error page never passes."""
    if page.kind == "article":
        return True
    if page.kind == "error" or not vouched:
        return False
    return page.score >= page.vouched_bar
