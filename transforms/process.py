"""ProcessDocuments: a document becomes an article (Extract → CleanText → TagArticles), or a rejected row.

The middle of every newsbeam graph: a batch run feeds it the files it read and the pages it fetched, a stream
the pages of each window. Nothing in it shuffles, so Beam fuses the three steps into the step that read the
document (`tests/test_graph.py`: no body crosses a shuffle before Dedupe).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple

import apache_beam as beam

from schemas.document import RunContext
from transforms._stage import Stage
from transforms.clean import CleanText
from transforms.extract import Extract
from transforms.tag import DEFAULT_MIN_WORDS, TagArticles


class Processed(NamedTuple):
    """What `ProcessDocuments` returns: one article or one rejected row per document."""

    articles: beam.PCollection  # Articles, on to Dedupe
    rejected: beam.PCollection  # Rejected rows of the extract, clean and tag stages


@dataclass(eq=False, repr=False)
class ProcessDocuments(Stage):
    """RawDocuments → `Processed(articles, rejected)`.

    `keep_non_articles` writes pages the article gate turns away (their `page_kind` says what they are)
    instead of rejecting them; `taxonomy` replaces the bundled topics; drafts under `min_words` are rejected."""

    ctx: RunContext
    _: KW_ONLY
    taxonomy: str | None = None
    min_words: int = DEFAULT_MIN_WORDS
    keep_non_articles: bool = False

    def expand(self, documents: beam.PCollection) -> Processed:
        run_id = self.ctx.run_id
        extracted = documents | "Extract" >> Extract(run_id, self.ctx.reference_date, self.keep_non_articles)
        cleaned = extracted.drafts | "CleanText" >> CleanText(run_id)
        tagged = cleaned.drafts | "Tag" >> TagArticles(self.ctx, self.taxonomy, self.min_words)
        rejected = (extracted.rejected, cleaned.rejected, tagged.rejected) | "Rejected" >> beam.Flatten()
        return Processed(tagged.articles, rejected)
