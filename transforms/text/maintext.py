"""trafilatura's main text in two steps: its fast mode, then where newsbeam asks for it its full mode, the
full mode resuming from what the fast one already did. Plain (no Beam).

`trafilatura.bare_extraction(tree, fast=True)` and then `bare_extraction(tree)` on the same page repeat the
same work: the copy of the tree, the pruning of the raw tree (scripts, comment sections), and the page's
whole text (`html2txt`) that decides whether a short extraction is retried in recall mode. Only the main
extractor's own pass and the comparison with readability and jusText differ between the modes. `Extraction`
keeps the pruned tree and the page's text length from the fast step, so the full step costs only what
differs, and both give exactly what the two public calls give (`tests/test_maintext.py` holds them to it).

trafilatura's cascade (`trafilatura.core.trafilatura_sequence`) is internal: every name of it used is
imported here and nowhere else, and when one is missing the two steps fall back to the public calls. (The
XPath expressions it prunes with are swapped for faster equal ones by `xpaths`.)
"""

from __future__ import annotations

import logging
from copy import copy
from typing import Any

import trafilatura
from trafilatura.settings import DEFAULT_CONFIG, Document, Extractor

from transforms.text import xpaths
from transforms.text.wordcount import word_count

logger = logging.getLogger(__name__)

# newsbeam's settings for trafilatura's main text; its metadata is read by `metadata.page_metadata`.
TEXT_OPTIONS: dict[str, Any] = {"include_comments": False, "include_tables": True}

try:  # trafilatura's cascade, internal to it (checked against trafilatura 2.3)
    from trafilatura.core import (
        ESCALATION_ACCEPT_RATIO,
        ESCALATION_JUSTEXT_RATIO,
        ESCALATION_MAX_LENGTH,
        ESCALATION_PAGE_SHARE,
        RAW_TREE_PRUNE_XPATH,
        REMOVE_COMMENTS_AND_LISTS_XPATH,
        _extract_and_compare,
        _forum_thread_page,
        _prepare_tree,
        _recall_retry,
        baseline,
        html2txt,
        justext_rescue,
        prune_unwanted_nodes,
        xmltotxt,
    )

    RESUMABLE = True
except ImportError:  # pragma: no cover - another trafilatura: the public calls, each from the start
    RESUMABLE = False


def _options(url: str | None, fast: bool) -> Extractor:
    """The settings `bare_extraction(url=url, fast=fast, with_metadata=False, **TEXT_OPTIONS)` builds."""
    return Extractor(
        config=DEFAULT_CONFIG,
        output_format="python",
        fast=fast,
        comments=TEXT_OPTIONS["include_comments"],
        tables=TEXT_OPTIONS["include_tables"],
        url=url,
    )


# A fast text whose lines of at most `MENU_LINE_WORDS` words hold more than `MENU_SHARE` of its characters
# is the page's menus (trafilatura's fast mode fell back to the whole page); its full mode, which compares
# readability and jusText, finds the article there. On WCXB dev and ScrapingHub dev (1,108 pages) this holds
# for 9: a ScrapingHub news page (word F1 0.13 -> 0.90), one shop listing that loses, seven unchanged.
MENU_LINE_WORDS = 3
MENU_SHARE = 0.5


def mostly_menu(text: str) -> bool:
    """Whether most of `text` is lines of a few words (menus, link lists) rather than prose."""
    menu = sum(len(line) for line in text.splitlines() if word_count(line) <= MENU_LINE_WORDS)
    return menu > MENU_SHARE * len(text)


def result_dict(result: Any) -> dict[str, Any]:
    """trafilatura's result as a dict (empty when it found nothing)."""
    if result is None:
        return {}
    return result if isinstance(result, dict) else result.as_dict()


class Extraction:
    """One page's main text: `fast()` is trafilatura's fast mode, `full()` its full mode, each the dict
    `bare_extraction(tree, url=url, fast=..., with_metadata=False, **TEXT_OPTIONS)` gives (empty when it finds
    nothing). The tree is left as it is."""

    def __init__(self, tree: Any, url: str | None) -> None:
        xpaths.speed_up_trafilatura()  # the same results for less (`transforms.text.xpaths`); once per process
        self.tree, self.url = tree, url
        self._pruned: Any = None  # the raw tree as trafilatura prunes it before any extractor runs
        self._page_length: int | None = None  # of `html2txt` of that tree

    def fast(self) -> dict[str, Any]:
        return self._run(fast=True)

    def full(self) -> dict[str, Any]:
        return self._run(fast=False)

    def _run(self, fast: bool) -> dict[str, Any]:
        if not RESUMABLE:
            return result_dict(trafilatura.bare_extraction(self.tree, url=self.url, fast=fast, **TEXT_OPTIONS))
        options = _options(self.url, fast)
        if options.max_tree_size:  # not newsbeam's setting: the public call, which checks it
            return result_dict(trafilatura.bare_extraction(self.tree, url=self.url, fast=fast, **TEXT_OPTIONS))
        try:
            body, text = self._sequence(options)
        except (TypeError, ValueError):  # as `bare_extraction`: the page is discarded
            logger.warning("discarding data: %s", options.source)
            return {}
        if len(text) < options.min_output_size and options.min_output_comm_size > 0:  # no comments are read
            return {}
        document = Document()
        document.text = document.raw_text = xmltotxt(body, options.formatting)
        document.body = body
        return document.as_dict()

    def _prune(self) -> Any:
        """The raw tree after the prunes every extractor inherits (`trafilatura_sequence`'s start, comments off)."""
        if self._pruned is None:
            tree = copy(self.tree)
            forum = _forum_thread_page(tree)
            tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
            if not forum:  # on a thread forum the comments are the posts
                tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
            self._pruned = tree
        return self._pruned

    def _page_text_length(self) -> int:
        if self._page_length is None:
            self._page_length = len(html2txt(self._prune()))
        return self._page_length

    def _sequence(self, options: Extractor) -> tuple[Any, str]:
        """`trafilatura_sequence` with comments off and the balanced focus, on the pruned tree: the main
        extractor (compared with readability and jusText unless fast), the baseline rescue of a short text, and
        the recall escalation of a text that covers little of the page. The pruned tree is never changed."""
        tree = self._prune()
        body, text = _extract_and_compare(*_prepare_tree(tree, options, self.url), tree, options)
        if len(text) < options.min_extracted_size:
            b_body, b_text, b_len = baseline(tree)
            if b_len > len(text):
                body, text = b_body, b_text
        if 0 < len(text) < ESCALATION_MAX_LENGTH and len(text) < ESCALATION_PAGE_SHARE * self._page_text_length():
            recall = copy(options)
            recall.focus = "recall"
            r_text = j_text = ""
            try:
                r_body, r_text = _recall_retry(tree, recall, self.url)
            except Exception as err:  # pragma: no cover - as trafilatura
                logger.warning("recall retry failed: %s %s", err, self.url)
            if not options.fast:
                try:
                    j_body, j_text = justext_rescue(copy(tree), options)
                except Exception as err:  # pragma: no cover - as trafilatura
                    logger.warning("justext candidate failed: %s %s", err, self.url)
            if len(j_text) > len(r_text) and len(j_text) > ESCALATION_JUSTEXT_RATIO * len(text):
                body, text = j_body, j_text
            elif len(r_text) >= options.min_extracted_size and len(r_text) > ESCALATION_ACCEPT_RATIO * len(text):
                body, text = r_body, r_text
        return body, text
