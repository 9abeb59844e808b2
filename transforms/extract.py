"""Extract: HTML through trafilatura (main text plus its metadata); plain text passes on to CleanText."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms import dates
from transforms._deadletter import REJECTED, DeadLetterFn, reject
from transforms._outputs import ParDoWithOutputs
from transforms.document import Draft, RawDocument

logger = logging.getLogger(__name__)

STAGE = "extract"


def split_authors(value: str | None) -> list[str]:
    """trafilatura joins several authors with '; '."""
    if not value:
        return []
    return [name.strip() for name in value.split(";") if name.strip()]


def trafilatura_options(reference: dt.date) -> dict[str, Any]:
    """newsbeam's trafilatura settings, in one place so benchmarks compare against exactly these."""
    return {
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "date_extraction_params": {
            "extensive_search": True,
            "original_date": True,
            "max_date": reference.isoformat(),
            # The time and UTC offset too, where the page states them (no extra cost: same htmldate call).
            "outputformat": dates.HTMLDATE_FORMAT,
        },
    }


def extract_html(html: str, url: str | None, reference: dt.date) -> Draft | None:
    """Main text and metadata of one page; None when trafilatura finds no main text."""
    import trafilatura

    result = trafilatura.bare_extraction(html, url=url, **trafilatura_options(reference))
    if result is None:
        return None
    doc: dict[str, Any] = result if isinstance(result, dict) else result.as_dict()
    text = (doc.get("text") or "").strip()
    if not text:
        return None
    page_url = url or doc.get("url")
    # htmldate's pick reconciled with schema.org datePublished (read from the markup, no second parse).
    published = dates.html_date(doc.get("date"), dates.structured_dates(html), page_url, reference)
    return Draft(
        source="",
        source_format="html",
        kind="html",
        text=text,
        url=page_url,
        title=doc.get("title") or None,
        authors=split_authors(doc.get("author")),
        publisher=doc.get("sitename") or None,
        language_hint=doc.get("language") or None,
        dates=[published] if published is not None else [],
    )


class _ExtractFn(DeadLetterFn):
    stage = STAGE

    def __init__(self, run_id: str, reference_date: dt.date) -> None:
        super().__init__(run_id)
        self.reference_date = reference_date
        self.html_pages = Metrics.counter(STAGE, "html_pages")
        self.text_documents = Metrics.counter(STAGE, "text_documents")

    def setup(self) -> None:
        import trafilatura  # noqa: F401  (pay the import once per worker, not on the first page)

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
                title=doc.title,
                authors=list(doc.authors),
                publisher=doc.publisher,
            )
            return
        self.html_pages.inc()
        draft = extract_html(doc.content, doc.url, self.reference_date)
        if draft is None:
            yield reject(doc.source, STAGE, "no-main-text", "trafilatura found no main text", self.run_id, doc.url)
            return
        draft.source = doc.source
        draft.source_format = doc.source_format
        draft.published = doc.published
        draft.published_source = doc.published_source
        # What the input itself said (feed entry, JSONL record) beats what the page guesses.
        draft.title = doc.title or draft.title
        draft.authors = list(doc.authors) or draft.authors
        draft.publisher = doc.publisher or draft.publisher
        yield draft


class Extract(beam.PTransform):
    """RawDocuments → (Drafts, Rejected rows)."""

    def __init__(self, run_id: str, reference_date: dt.date) -> None:
        super().__init__()
        self.run_id = run_id
        self.reference_date = reference_date

    def expand(self, docs: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        results = docs | "ExtractMainText" >> ParDoWithOutputs(
            _ExtractFn(self.run_id, self.reference_date), REJECTED, main="drafts"
        )
        return results["drafts"], results[REJECTED]
