"""Extract: HTML through trafilatura (main text plus its metadata); plain text passes on to CleanText."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.document import Draft, RawDocument
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms._stage import Stage
from transforms.text import authors, dates, identity, maintext, metadata, page, pagekind, publisher, titles
from transforms.web import warc

logger = logging.getLogger(__name__)

STAGE = "extract"
NOT_AN_ARTICLE = "not-an-article"


def split_authors(value: str | None) -> list[str]:
    """trafilatura joins several authors with '; '."""
    if not value:
        return []
    return [name.strip() for name in value.split(";") if name.strip()]


# trafilatura's fast mode skips its comparison with readability and jusText, about half of its cost. Where the
# fast text is long the comparison seldom changes it; where it is short (a page the main extractor misreads) it
# matters, so such a page is extracted again in full. Measured on the dev sets, text F1 against the full
# extraction everywhere: WCXB article pages 0.9325 against 0.9323, ScrapingHub 0.9546 against 0.9539, at 52%
# and 67% of its CPU (fast alone: 0.922 and 0.959; below 1,500 characters: 0.9320 and 0.9546).
# The full extraction resumes from the fast one (`maintext.Extraction`: the tree's copy, its pruning and the
# page's text are not paid again): fast then full costs 53.4 ms a page against 59.4 for the two public calls
# (the 1,906 real pages of the shared data, identical results).
FULL_EXTRACTION_BELOW = 2500  # characters of fast text
# A schema.org `articleBody` at least this many times as long as trafilatura's text is the article, which the
# page lays out where the extractor does not look (slides of a gallery, a script-rendered body). On the
# 1,364 pages of WCXB dev, ScrapingHub dev and 256 news pages of other publishers, 105 state a body; the two
# at least twice as long as the text gain (word F1 0.39 -> 0.99, 0.64 -> 0.98), the three between 1.3 and
# 1.9 times would lose.
STATED_BODY_RATIO = 2.0


def trafilatura_options(reference: dt.date) -> dict[str, Any]:
    """trafilatura's single call that `read_page` stands for: newsbeam's settings with trafilatura's own
    metadata and newsbeam's date settings. `read_page` gives the same title, author, site name and date for
    less (see `metadata.page_metadata`), and the main text of trafilatura's fast mode where that is long
    (`FULL_EXTRACTION_BELOW`); benchmarks compare against exactly this call."""
    return {**maintext.TEXT_OPTIONS, "with_metadata": True, "date_extraction_params": dates.htmldate_options(reference)}


class PageRead(NamedTuple):
    """One page read once: its parsed tree, what it states about itself, and trafilatura's result."""

    tree: Any  # lxml HtmlElement, never changed by the extraction
    facts: page.PageFacts
    doc: dict[str, Any]  # trafilatura's main text, and once `complete` its metadata (title, author, date, ...)
    full: bool = False  # whether the text is trafilatura's full extraction (not its fast mode)
    extraction: maintext.Extraction | None = None  # what the full extraction resumes from (`complete`)


class TurnedAway(NamedTuple):
    """A page the article gate turned away, and why: what a rejected row says of it."""

    kind: str
    score: float
    evidence: str


def gate_read(html: str, url: str | None) -> PageRead | None:
    """What the article gate weighs, and no more: the parsed page, its facts and trafilatura's main text in
    its fast mode (in full only where the fast mode finds none, to tell a page without main text); None when
    there is no main text. Runs and the gate's trainer read pages through this, so the gate learns from
    exactly what a run sees; what only written pages need (`complete`) waits until the gate has let a page in.
    """
    tree = page.parse_html(html)
    if tree is None:
        return None
    extraction = maintext.Extraction(tree, url)
    doc, full = extraction.fast(), False
    if not (doc.get("text") or "").strip():
        doc, full = extraction.full(), True
    if not (doc.get("text") or "").strip():
        return None
    return PageRead(tree, page.page_facts(tree), doc, full, extraction)


def complete(read: PageRead, url: str | None, reference: dt.date) -> PageRead:
    """A page the gate let in (or a run keeps) read in full: the main text again in full where the fast text
    is short (`FULL_EXTRACTION_BELOW`) or mostly menus (`maintext.mostly_menu`), resumed from the fast one
    (`maintext.Extraction`); the page's stated `articleBody` where that is far longer (`STATED_BODY_RATIO`);
    and the metadata (`metadata.page_metadata`: title, author, date...)."""
    doc, full = read.doc, read.full
    text = (doc.get("text") or "").strip()
    if not full and (len(text) < FULL_EXTRACTION_BELOW or maintext.mostly_menu(text)):
        extraction = read.extraction
        if extraction is None or extraction.url != url:
            extraction = maintext.Extraction(read.tree, url)
        again = extraction.full()
        again_text = (again.get("text") or "").strip()
        if again_text:  # else the fast text stands
            doc, full, text = again, True, again_text
    body = read.facts.article_body()
    if body is not None and len(body) >= STATED_BODY_RATIO * len(text):
        doc = {**doc, "text": body}  # the extractor missed most of the article the page states
    # The extraction (and its pruned copy of the tree) is done with: not kept with the page.
    return read._replace(doc={**doc, **metadata.page_metadata(read.tree, url, reference)}, full=full, extraction=None)


def read_page(html: str, url: str | None, reference: dt.date) -> PageRead | None:
    """The page parsed once and extracted in full (`gate_read`, then `complete`); None when trafilatura finds
    no main text.

    trafilatura extracts the main text only (in its fast mode, again in full where that text is short); the
    metadata it would add (`trafilatura_options`) is read from the same tree by `metadata.page_metadata`,
    without the categories, tags and licence newsbeam never uses, and only for a page that has a main text.
    """
    read = gate_read(html, url)
    return None if read is None else complete(read, url, reference)


def extract_page(
    html: str, url: str | None, reference: dt.date, vouched: bool = False, keep_non_articles: bool = True
) -> Draft | TurnedAway | None:
    """One page as a run extracts it: a Draft, a `TurnedAway` page, or None when it has no main text.

    The article gate decides first, on `gate_read`; a page it turns away costs no more unless the run keeps
    non-articles. The rest (the full text where the fast one is short, metadata, date chain, title,
    authors) is for pages that are written. A page the gate lets through, or that its source vouched for
    and that clears the lower bar (`pagekind.admitted`), is an "article"; a kept non-article has its kind.

    A Wayback Machine capture (`identity.archived_capture`) is read as the original page: its URL, not the
    archive's, tells the gate, the dates, the title, authors and publisher about the site, and nothing on
    it was published after the capture (`Draft.not_after`).
    """
    capture = identity.archived_capture(url)
    site_url, captured = capture if capture is not None else (url, None)
    reference = dates.latest_day(reference, captured)
    read = gate_read(html, site_url)
    if read is None:
        return None
    kind = pagekind.classify(read.tree, read.facts, read.doc, site_url or metadata.stated_url(read.tree, read.facts))
    passed = pagekind.admitted(kind, vouched)
    if not passed and not keep_non_articles:
        return TurnedAway(kind.kind, kind.score, kind.evidence)
    facts, doc = read.facts, complete(read, site_url, reference).doc
    text = (doc.get("text") or "").strip()
    page_url = site_url or doc.get("url")
    # htmldate's pick reconciled with schema.org datePublished (read from the markup, no second parse).
    published, updated = dates.html_dates(doc.get("date"), dates.structured_dates(html), page_url, reference, html)
    title = titles.headline(doc.get("title"), facts, doc.get("sitename"), page_url)
    return Draft(
        source="",
        source_format="html",
        kind="html",
        text=text,
        url=url or doc.get("url"),
        title=title,
        authors=authors.page_authors(doc.get("author"), facts, doc.get("sitename"), page_url),
        publisher=publisher.site_name(facts, doc.get("sitename"), title, page_url),
        language_hint=doc.get("language") or None,
        dates=[published] if published is not None else [],
        page_kind="article" if passed else kind.kind,
        page_evidence=kind.evidence,
        article_score=kind.score,
        not_after=captured,
        page_updated=updated,
    )


def extract_html(html: str, url: str | None, reference: dt.date) -> Draft | None:
    """Main text and metadata of one page, whatever the gate says of it (its `page_kind`, "article" or the
    likeliest other kind; no source vouches); None when trafilatura finds no main text. What benchmarks
    and tests score: the path of a run that keeps non-articles."""
    draft = extract_page(html, url, reference)
    assert not isinstance(draft, TurnedAway)  # kept: never turned away
    return draft


def gate_detail(page_kind: str, evidence: str, vouched: bool) -> str:
    """A rejected row's detail for a page the article gate turned away: its kind and the evidence."""
    bar = " (its source vouched for it: the lower bar applied)" if vouched else ""
    return f"{page_kind} page{bar}: {evidence}"


class _ExtractFn(DeadLetterFn):
    stage = STAGE

    def __init__(self, run_id: str, reference_date: dt.date, keep_non_articles: bool = False) -> None:
        super().__init__(run_id)
        self.reference_date = reference_date
        self.keep_non_articles = keep_non_articles
        self.html_pages = Metrics.counter(STAGE, "html_pages")
        self.text_documents = Metrics.counter(STAGE, "text_documents")
        self.non_articles = Metrics.counter(STAGE, "non_articles")

    def setup(self) -> None:
        import trafilatura  # noqa: F401  (pay the import once per worker, not on the first page)

        pagekind.shipped_model()  # and the gate's model

    def handle(self, doc: RawDocument) -> Iterable[Any]:
        if doc.kind != "html":
            self.text_documents.inc()
            yield Draft(
                source=doc.source,
                source_format=doc.source_format,
                kind="text",
                text=doc.content,
                url=doc.url,
                published=doc.published,
                published_source=doc.published_source,
                updated=doc.updated,
                title=doc.title,
                authors=list(doc.authors),
                publisher=doc.publisher,
            )
            return
        self.html_pages.inc()
        crawled = warc.crawl_day(doc.meta)  # a web archive's page: no date after its fetch
        reference = dates.latest_day(self.reference_date, crawled)
        draft = extract_page(doc.content, doc.url, reference, doc.vouched, self.keep_non_articles)
        if draft is None:
            yield reject(doc.source, STAGE, "no-main-text", "trafilatura found no main text", self.run_id, doc.url)
            return
        if isinstance(draft, TurnedAway):
            self.non_articles.inc()
            detail = gate_detail(draft.kind, draft.evidence, doc.vouched)
            yield reject(doc.source, STAGE, NOT_AN_ARTICLE, detail, self.run_id, doc.url)
            return
        if draft.page_kind != "article":
            self.non_articles.inc()  # kept (`keep_non_articles`), with its kind
        draft.source = doc.source
        draft.source_format = doc.source_format
        draft.not_after = draft.not_after if crawled is None else dates.latest_day(crawled, draft.not_after)
        draft.published = doc.published
        draft.published_source = doc.published_source
        draft.updated = doc.updated
        # What the input itself said (feed entry, JSONL record) beats what the page guesses.
        draft.title = doc.title or draft.title
        draft.authors = list(doc.authors) or draft.authors
        draft.publisher = doc.publisher or draft.publisher
        yield draft


class Extracted(NamedTuple):
    """What `Extract` returns."""

    drafts: beam.PCollection  # Drafts, on to CleanText
    rejected: beam.PCollection  # Rejected rows, stage "extract"


@dataclass(eq=False, repr=False)
class Extract(Stage):
    """RawDocuments → `Extracted(drafts, rejected)`. Pages that are not articles are rejected rows
    (`not-an-article`), or with `keep_non_articles` drafts whose `page_kind` says what they are."""

    run_id: str
    reference_date: dt.date
    keep_non_articles: bool = False

    def expand(self, docs: beam.PCollection) -> Extracted:
        results = docs | "ExtractMainText" >> ParDoWithOutputs(
            _ExtractFn(self.run_id, self.reference_date, self.keep_non_articles), REJECTED, main="drafts"
        )
        return Extracted(results["drafts"], results[REJECTED])
