"""Extract: trafilatura's main text and metadata for HTML; plain text passes through to the cleaner."""

from __future__ import annotations

import datetime as dt
import json

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline

from schemas.document import RawDocument
from tests.beam_util import check
from tests.html_samples import ARTICLE_PARAGRAPHS, news_page
from transforms.extract import Extract, extract_html, split_authors

REFERENCE = dt.date(2026, 11, 21)


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
