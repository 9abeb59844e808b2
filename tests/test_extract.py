"""Extract: trafilatura's main text and metadata for HTML; plain text passes through to the cleaner."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import apache_beam as beam
import pytest
import trafilatura
import trafilatura.metadata
from apache_beam.testing.test_pipeline import TestPipeline

from schemas.document import RawDocument, RunContext
from tests.beam_util import check
from tests.html_samples import ARTICLE_PARAGRAPHS, news_page, product_page
from tests.http_fixtures import SHARED_DATA, shared
from transforms import extract
from transforms.extract import (
    FULL_EXTRACTION_BELOW,
    Extract,
    TurnedAway,
    extract_html,
    extract_page,
    gate_read,
    read_page,
    split_authors,
    trafilatura_options,
)
from transforms.tag import Taggers, build_article
from transforms.text import authors, dates, identity, maintext, metadata, pagekind, titles
from transforms.web import warc

REFERENCE = dt.date(2026, 11, 21)
CONTEXT = RunContext("run-1", dt.datetime(2026, 11, 21, 9, tzinfo=dt.timezone.utc), REFERENCE)


def test_extract_html_keeps_the_article_and_drops_the_chrome() -> None:
    draft = extract_html(news_page(), "https://gazette.example/2025/harbour", REFERENCE)
    assert draft is not None
    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in draft.text
    for chrome in ("Most read", "Privacy policy", "Share on Facebook", "Ten things to do"):
        assert chrome not in draft.text
    assert draft.title == "Council approves harbour budget"
    assert draft.authors == ["Maria Lopez"]
    assert draft.publisher == "Harbour Gazette"
    assert [(d.source, d.value.date()) for d in draft.dates] == [("html", dt.date(2025, 12, 19))]


def test_html_dates_after_the_reference_are_not_believed() -> None:
    draft = extract_html(news_page(date="2027-01-05"), None, REFERENCE)
    assert draft is not None
    assert all(d.value.date() <= REFERENCE for d in draft.dates)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://web.archive.org/web/20080731095558/http://www.dimido.de/2008/07/29/post/",
         ("http://www.dimido.de/2008/07/29/post/", dt.date(2008, 7, 31))),
        ("https://web.archive.org/web/20130307194448/the-pain.net/2008/05/x.html",
         ("http://the-pain.net/2008/05/x.html", dt.date(2013, 3, 7))),
        ("https://web.archive.org/web/201302id_/https:/example.com/a?b=1",
         ("https://example.com/a?b=1", dt.date(2013, 2, 28))),  # a month: its last day at the latest
        ("https://example.com/web/20130307194448/http://x.org/", None),
        ("https://web.archive.org/web/20130230000000/http://x.org/", None),
        (None, None),
    ],
)  # fmt: skip
def test_a_wayback_capture_url_gives_the_original_and_the_capture_day(
    url: str | None, expected: tuple[str, dt.date] | None
) -> None:
    assert identity.archived_capture(url) == expected


def test_a_wayback_capture_is_read_as_its_original_page() -> None:
    capture = "https://web.archive.org/web/20251220101500/https://gazette.example/2025/harbour"
    # The archive rewrote the page's links, its canonical URL included, to its own; no og:site_name here.
    page = news_page(date="2026-01-05").replace(
        '<meta property="og:site_name" content="Harbour Gazette">', f'<link rel="canonical" href="{capture}">'
    )
    draft = extract_html(page, capture, REFERENCE)
    assert draft is not None
    assert draft.url == capture  # where it was read
    assert draft.not_after == dt.date(2025, 12, 20)
    assert all(d.value.date() <= dt.date(2025, 12, 20) for d in draft.dates)  # stated after the capture: no
    assert draft.publisher is None  # the archive's name only: "web.archive.org" is no publisher
    assert draft.title == "Council approves harbour budget"
    assert build_article(draft, Taggers.load(), CONTEXT).publisher == "gazette.example"  # the original's host


def test_a_capture_in_a_web_archive_is_bounded_by_the_earlier_of_its_two_days() -> None:
    capture = "https://web.archive.org/web/20251220101500/https://gazette.example/2025/harbour"
    crawled = {warc.CRAWLED: "2026-03-01T08:00:00Z"}  # the WARC's crawler fetched the capture later
    doc = RawDocument("a.warc.gz#0", "warc", "html", news_page(), url=capture, meta=crawled)
    (draft,) = extract._ExtractFn("r", REFERENCE).handle(doc)
    assert draft.not_after == dt.date(2025, 12, 20)


def test_split_authors() -> None:
    assert split_authors("Jane Doe; John Roe") == ["Jane Doe", "John Roe"]
    assert split_authors(None) == []


def test_extract_transform_routes_html_text_and_failures() -> None:
    docs = [
        RawDocument("page.html", "html", "html", news_page(), url="https://gazette.example/a"),
        RawDocument("note.txt", "txt", "text", "Line one.\nLine two.", title="Given title"),
        RawDocument("nav.html", "html", "html", "<html><body><script>var a = 1;</script></body></html>"),
    ]

    def check_drafts(drafts: list) -> None:
        by_source = {d.source: d for d in drafts}
        assert set(by_source) == {"page.html", "note.txt"}
        assert by_source["page.html"].kind == "html" and "harbour budget" in by_source["page.html"].text
        assert by_source["note.txt"].kind == "text" and by_source["note.txt"].title == "Given title"

    def check_rejected(rejected: list) -> None:
        assert [(r.source, r.stage, r.reason) for r in rejected] == [("nav.html", "extract", "no-main-text")]

    with TestPipeline() as p:
        drafts, rejected = p | beam.Create(docs) | Extract(run_id="r", reference_date=REFERENCE)
        check(drafts, check_drafts, "Drafts")
        check(rejected, check_rejected, "Rejected")


def _stated_page(title: str, head: str = "", byline: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><main><article><h1>Council approves harbour budget</h1>{byline}{body}</article></main></body></html>"""


def test_extract_html_title_is_the_headline_without_the_site_name() -> None:
    html = _stated_page(
        "Council approves harbour budget - Harbour Gazette",
        '<meta property="og:site_name" content="Harbour Gazette">',
    )
    draft = extract_html(html, "https://harbourgazette.example/a", REFERENCE)
    assert draft is not None
    assert draft.title == "Council approves harbour budget"


def test_extract_html_authors_are_what_the_metadata_states() -> None:
    ld = json.dumps({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Nayane"}})
    head = (
        '<meta property="article:author" content="https://www.facebook.com/harbourgazette/">'
        f'<script type="application/ld+json">{ld}</script>'
    )
    draft = extract_html(_stated_page("Council approves harbour budget", head), None, REFERENCE)
    assert draft is not None
    assert draft.authors == ["Nayane"]


def test_extract_html_drops_forum_labels_and_links_as_authors() -> None:
    head = '<meta property="article:author" content="https://www.facebook.com/harbourgazette/">'
    byline = '<p class="byline">Rurutia Member</p>'
    draft = extract_html(_stated_page("Council approves harbour budget", head, byline), None, REFERENCE)
    assert draft is not None
    assert draft.authors == []


def _real_pages() -> list[tuple[str, str, str | None]]:
    """(name, html, url) of a spread of real pages: every 15th ScrapingHub news page, every 60th WCXB page
    (articles, forums, products, listings...)."""
    found = []
    scrapinghub = shared(SHARED_DATA / "extraction" / "scrapinghub-dev")
    truth = json.loads((scrapinghub / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth)[::15]:
        html = gzip.decompress((scrapinghub / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        found.append((f"scrapinghub {key}", html, truth[key].get("url")))
    wcxb = shared(SHARED_DATA / "extraction" / "wcxb-dev")
    for path in sorted((wcxb / "ground-truth").glob("*.json"))[::60]:
        url = json.loads(path.read_text(encoding="utf-8")).get("url")
        html = gzip.decompress((wcxb / "html" / f"{path.stem}.html.gz").read_bytes()).decode("utf-8", "replace")
        found.append((f"wcxb {path.stem}", html, url))
    return found


def _text(html: str, url: str | None, **options: Any) -> str:
    result = trafilatura.bare_extraction(html, url=url, include_comments=False, include_tables=True, **options)
    return maintext.result_dict(result).get("text") or ""


@pytest.mark.data
def test_read_page_gives_what_trafilaturas_call_with_metadata_gives_on_real_pages() -> None:
    # read_page reads the metadata itself, without categories, tags and licence: every metadata field newsbeam
    # reads (title, author, URL, site name, date, page type) stays what trafilatura's own call gives, and the
    # text is trafilatura's, in its fast mode where that is long and in full where it is short.
    compared = fast = 0
    for name, html, url in _real_pages():
        read = read_page(html, url, REFERENCE)
        full = trafilatura.bare_extraction(html, url=url, **trafilatura_options(REFERENCE))
        expected = full if isinstance(full, dict) or full is None else full.as_dict()
        if expected is not None and not (expected["text"] or "").strip():
            expected = None
        if read is None or expected is None:
            assert read is None and expected is None, name
            continue
        assert {k: read.doc[k] for k in metadata.FIELDS} == {k: expected[k] for k in metadata.FIELDS}, name
        quick = _text(html, url, fast=True)
        if len(quick.strip()) >= FULL_EXTRACTION_BELOW and not maintext.mostly_menu(quick.strip()):
            assert read.doc["text"] == quick, name
            fast += 1
        else:
            assert read.doc["text"] == expected["text"], name
        compared += 1
    assert compared >= 15 and 0 < fast < compared


def _metadata_page(head: str, body: str = "") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head>
<body><main><article><h1>Council approves harbour budget</h1>{body}{paragraphs}</article></main></body></html>"""


def _doc(html: str, url: str | None = None) -> dict[str, Any]:
    read = read_page(html, url, REFERENCE)
    assert read is not None
    return read.doc


def test_read_page_metadata_follows_trafilaturas_rules() -> None:
    head = (
        "<title>Harbour news | harbourgazette.example</title>"
        '<meta name="author" content="webdesk">'  # one word: a user name more often than not
        '<meta property="og:type" content="article">'
        '<link rel="canonical" href="https://harbourgazette.example/2025/12/harbour-budget">'
    )
    doc = _doc(_metadata_page(head, '<div class="author-name">Maria Lopez</div>'), "https://m.example/x")
    assert doc["author"] == "Maria Lopez"  # the markup's byline, searched because the meta tag names nobody
    assert doc["title"] == "Council approves harbour budget"  # the one <h1>, no title stated in metadata
    assert doc["sitename"] == "harbourgazette.example"  # from the <title>
    assert doc["url"] == "https://harbourgazette.example/2025/12/harbour-budget"  # the canonical link
    assert doc["pagetype"] == "article"
    stated = _doc(
        _metadata_page('<meta name="author" content="Jane Doe"><meta name="twitter:site" content="@gazette">')
    )
    assert stated["author"] == "Jane Doe"
    assert stated["sitename"] == "Gazette"  # trafilatura's handle cleaning


def test_read_page_skips_the_metadata_newsbeam_never_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> None:
        raise AssertionError("categories, tags and licence are not read")

    monkeypatch.setattr(trafilatura.metadata, "extract_catstags", never)
    monkeypatch.setattr(trafilatura.metadata, "extract_license", never)
    doc = _doc(news_page(), "https://gazette.example/2025/harbour")
    assert doc["title"] == "Council approves harbour budget"
    assert doc["author"] == "Maria Lopez"
    assert doc["date"] is not None and doc["date"].startswith("2025-12-19")


def test_read_page_reads_no_metadata_for_a_page_without_main_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> None:
        raise AssertionError("a page without main text has no metadata worth reading")

    monkeypatch.setattr(metadata, "page_metadata", never)
    assert read_page("<html><body><script>var a = 1;</script></body></html>", None, REFERENCE) is None


PRODUCT_URL = "https://shop.example/products/trail-runner-3"


def _count_extractions(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """trafilatura's main-text calls from here on, as their `fast` flags."""
    calls: list[bool] = []
    real = maintext.Extraction._run

    def counted(self: maintext.Extraction, fast: bool) -> Any:
        calls.append(fast)
        return real(self, fast)

    monkeypatch.setattr(maintext.Extraction, "_run", counted)
    return calls


def test_a_page_the_gate_turns_away_pays_only_for_what_the_gate_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_extractions(monkeypatch)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("only a page that is written needs this")

    for owner, name in ((metadata, "page_metadata"), (dates, "html_date"), (titles, "headline"),
                        (authors, "page_authors")):  # fmt: skip
        monkeypatch.setattr(owner, name, never)
    away = extract_page(product_page(), PRODUCT_URL, REFERENCE, keep_non_articles=False)
    assert isinstance(away, TurnedAway)
    assert away.kind == "product" and "p(article)=" in away.evidence
    assert calls == [True]  # the fast text only, though it is short
    # its rejected row names the kind, the bar and the evidence
    detail = extract.gate_detail(away.kind, away.evidence, vouched=False)
    assert detail.startswith("product page: p(article)=") and "no article markup" in detail


def test_a_kept_non_article_has_everything_an_article_has(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_extractions(monkeypatch)
    kept = extract_page(product_page(), PRODUCT_URL, REFERENCE, keep_non_articles=True)
    assert kept is not None and not isinstance(kept, TurnedAway)
    assert kept.page_kind == "product" and kept.article_score < 0.5
    assert kept.title and "Trail Runner 3" in kept.title
    assert calls == [True, False]  # the fast text was short: the full extraction for the page that is kept
    read = read_page(product_page(), PRODUCT_URL, REFERENCE)
    assert read is not None and kept.text == read.doc["text"].strip()


def test_an_article_is_read_in_full_after_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    draft = extract_page(news_page(), "https://gazette.example/2025/harbour", REFERENCE, keep_non_articles=False)
    assert draft is not None and not isinstance(draft, TurnedAway)
    assert draft.page_kind == "article"
    assert draft.title == "Council approves harbour budget" and draft.authors == ["Maria Lopez"]
    assert [d.value.date() for d in draft.dates] == [dt.date(2025, 12, 19)]
    assert draft == extract_html(news_page(), "https://gazette.example/2025/harbour", REFERENCE)


@pytest.mark.parametrize(("vouched", "written"), [(False, False), (True, True)])
def test_a_vouched_page_keeps_its_lower_bar(monkeypatch: pytest.MonkeyPatch, vouched: bool, written: bool) -> None:
    model = pagekind.shipped_model()
    vouched_bar = model.thresholds[pagekind.VOUCHED]
    between = (vouched_bar + min(model.thresholds[pagekind.STATED], model.thresholds[pagekind.UNSTATED])) / 2
    monkeypatch.setattr(
        pagekind, "classify", lambda *args: pagekind.PageKind("listing", between, "evidence", vouched_bar)
    )
    result = extract_page(news_page(), None, REFERENCE, vouched=vouched, keep_non_articles=False)
    if written:
        assert result is not None and not isinstance(result, TurnedAway)
        assert result.page_kind == "article" and result.article_score == between
    else:
        assert result == TurnedAway("listing", between, "evidence")


def test_the_gate_reads_the_fast_text_and_no_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "page_metadata", lambda *args: pytest.fail("the gate reads no metadata"))
    read = gate_read(news_page(), None)
    assert read is not None and not read.full
    assert read.doc["text"] == _text(news_page(), None, fast=True)
    assert gate_read("<html><body><script>var a = 1;</script></body></html>", None) is None


def test_the_extract_step_turns_away_a_product_page_unless_kept() -> None:
    """The DoFn's own handling, page by page: a rejected row naming kind and evidence, or with
    `keep_non_articles` a draft of the page's kind."""
    news = RawDocument("page.html", "html", "html", news_page(), url="https://gazette.example/a")
    shop = RawDocument("shop.html", "html", "html", product_page(), url=PRODUCT_URL)
    step, keeping = extract._ExtractFn("r", REFERENCE), extract._ExtractFn("r", REFERENCE, keep_non_articles=True)
    [tagged] = step.handle(shop)
    row = tagged.value
    assert (row.source, row.stage, row.reason) == ("shop.html", "extract", "not-an-article")
    assert row.detail.startswith("product page: p(article)=")
    [kept] = keeping.handle(shop)
    assert (kept.source, kept.page_kind) == ("shop.html", "product") and kept.title
    [written] = step.handle(news)
    assert (written.source, written.page_kind, written.title) == (
        "page.html",
        "article",
        "Council approves harbour budget",
    )


def test_a_long_fast_text_of_menus_is_extracted_again_in_full() -> None:
    # trafilatura's fast mode can fall back to the whole page: a long text that is mostly menu lines. The
    # full mode (compared with readability and jusText) is asked again; a long prose text is kept as it is.
    class Extraction:
        url = PRODUCT_URL

        def full(self) -> dict[str, Any]:
            return {"text": " ".join(ARTICLE_PARAGRAPHS)}

    read = gate_read(product_page(), PRODUCT_URL)
    assert read is not None
    menu = "\n".join(["Skip to content", "Sign In", "World news", "Business & Economy"] * 60)
    prose = "\n".join(ARTICLE_PARAGRAPHS * 10)
    assert len(menu) >= FULL_EXTRACTION_BELOW and len(prose) >= FULL_EXTRACTION_BELOW
    for fast, full in ((menu, True), (prose, False)):
        done = extract.complete(read._replace(doc={"text": fast}, extraction=Extraction()), PRODUCT_URL, REFERENCE)
        assert done.full is full
        assert done.doc["text"] == (" ".join(ARTICLE_PARAGRAPHS) if full else fast)


def _gallery_page(body: str) -> str:
    """A gallery article: its first slides in the page's text, the whole article in its JSON-LD `articleBody`."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Ten harbour walks",
        "articleBody": body,
    }
    shown = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS[:3])
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Ten harbour walks</title>
<script type="application/ld+json">{json.dumps(data)}</script></head>
<body><main><article><h1>Ten harbour walks</h1>{shown}</article></main></body></html>"""


_STARTS = ["ferry pier", "fish market", "old customs house", "dry dock", "marina", "yacht club"]
WALKS = [
    f"Walk {n}: from the {place} to the lighthouse, an hour along the harbour wall."
    for n, place in enumerate(_STARTS, 1)
]


def test_a_stated_article_body_far_longer_than_the_text_is_the_text() -> None:
    # A gallery or a script-rendered page: the extractor sees the first slides, the markup states the article.
    stated = "<p>" + "</p><p>".join(ARTICLE_PARAGRAPHS + WALKS) + "</p><p>Tea &amp; cake at the end.</p>"
    draft = extract_html(_gallery_page(stated), "https://gazette.example/walks", REFERENCE)
    assert draft is not None
    assert draft.text.splitlines() == [*ARTICLE_PARAGRAPHS, *WALKS, "Tea & cake at the end."]
    # A stated body less than twice the text (a summary, or the same article) leaves trafilatura's text.
    same = extract_html(_gallery_page(" ".join(ARTICLE_PARAGRAPHS)), "https://gazette.example/walks", REFERENCE)
    assert same is not None and ARTICLE_PARAGRAPHS[2] in same.text and ARTICLE_PARAGRAPHS[3] not in same.text


def test_the_full_text_resumes_from_the_gates_fast_one(monkeypatch: pytest.MonkeyPatch) -> None:
    prunes: list[object] = []
    real = maintext.prune_unwanted_nodes

    def counted(*args: Any, **kwargs: Any) -> Any:
        prunes.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(maintext, "prune_unwanted_nodes", counted)
    read = gate_read(product_page(), PRODUCT_URL)
    assert read is not None and read.extraction is not None and not read.full
    pruned = len(prunes)
    done = extract.complete(read, PRODUCT_URL, REFERENCE)
    assert done.full and len(prunes) == pruned  # the full text from the raw tree the fast one pruned
    assert done.extraction is None  # not kept with the page once it is read
    assert done.doc["text"] == _text(product_page(), PRODUCT_URL)  # trafilatura's full extraction
