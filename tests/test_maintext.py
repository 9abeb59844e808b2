"""maintext: trafilatura's fast and full modes, the full one resumed from the fast one, give exactly what
trafilatura's public calls give."""

from __future__ import annotations

from typing import Any

import pytest
import trafilatura
from lxml import etree

from tests.html_samples import news_page, product_page
from tests.test_extract import _real_pages
from transforms.text import maintext, page

FORUM = """<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting", "headline": "Tyres"}
</script></head><body><main><h1>Which tyres for winter?</h1>
<div class="comments"><div class="comment"><p>I have driven on all-season tyres for three winters now and never
had trouble on the hills around town, even after the heavy snow of last January.</p></div>
<div class="comment"><p>Winter tyres are worth it if you drive every day: they stop much shorter on ice and the
difference in a cold morning is something you can feel at the first corner.</p></div></div></main></body></html>"""


def _public(tree: Any, url: str | None, fast: bool) -> dict[str, Any]:
    return maintext.result_dict(trafilatura.bare_extraction(tree, url=url, fast=fast, **maintext.TEXT_OPTIONS))


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """A result with its trees (`body`, `commentsbody`) as their markup."""
    return {k: etree.tostring(v) if isinstance(v, etree._Element) else v for k, v in doc.items()}


def _pages() -> list[tuple[str, str, str | None]]:
    samples = [("news", news_page(), "https://gazette.example/a"), ("product", product_page(), None)]
    samples += [("forum", FORUM, None), ("no text", "<html><body><script>var a = 1;</script></body></html>", None)]
    return samples + _real_pages()


def test_trafilaturas_internals_are_where_maintext_reads_them() -> None:
    # Fails when trafilatura moves or renames what `Extraction` resumes from: it would silently fall back to
    # the public calls, each from the start, at twice the cost of a page read in full.
    assert maintext.RESUMABLE


@pytest.mark.data
def test_fast_then_full_give_what_the_public_calls_give() -> None:
    resumed = 0
    for name, html, url in _pages():
        tree = page.parse_html(html)
        assert tree is not None, name
        before = etree.tostring(tree)
        extraction = maintext.Extraction(tree, url)
        fast = extraction.fast()
        assert _comparable(fast) == _comparable(_public(tree, url, fast=True)), name
        full = extraction.full()
        assert _comparable(full) == _comparable(_public(tree, url, fast=False)), name
        assert _comparable(maintext.Extraction(tree, url).full()) == _comparable(full), name  # alone, the same
        assert etree.tostring(tree) == before, name  # the page's own tree is left as it is
        resumed += bool(full.get("text")) and full.get("text") != fast.get("text")
    assert resumed >= 1  # some page whose full text is not its fast text


def test_the_full_mode_resumes_from_the_fast_one(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = {"prune": 0, "page text": 0}
    prune, html2txt = maintext.prune_unwanted_nodes, maintext.html2txt

    def counted_prune(*args: Any, **kwargs: Any) -> Any:
        counts["prune"] += 1
        return prune(*args, **kwargs)

    def counted_html2txt(*args: Any, **kwargs: Any) -> Any:
        counts["page text"] += 1
        return html2txt(*args, **kwargs)

    monkeypatch.setattr(maintext, "prune_unwanted_nodes", counted_prune)
    monkeypatch.setattr(maintext, "html2txt", counted_html2txt)
    tree = page.parse_html(product_page())  # short text: escalation weighs it against the page's whole text
    extraction = maintext.Extraction(tree, None)
    extraction.fast()
    after_fast = dict(counts)
    extraction.full()
    assert after_fast["prune"] == 2 and after_fast["page text"] == 1
    assert counts == after_fast  # the pruned tree and the page's text length are reused


def test_without_trafilaturas_internals_the_public_calls_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    real = trafilatura.bare_extraction

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("fast")))
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counted)
    monkeypatch.setattr(maintext, "RESUMABLE", False)
    tree = page.parse_html(news_page())
    extraction = maintext.Extraction(tree, None)
    assert extraction.fast()["text"] == _public(tree, None, fast=True)["text"]
    assert extraction.full()["text"] == _public(tree, None, fast=False)["text"]
    assert calls == [True, True, False, False]  # each mode from the start (and the two comparisons)


MENU = "\n".join(["Skip to content", "Subscribe", "Sign In", "Politics", "World news", "Business & Economy"] * 40)
PROSE = "\n".join(
    ["The council approved the harbour budget on Tuesday after a long debate about the cost of new piers."] * 30
)


def test_a_text_of_menu_lines_is_mostly_menu_and_prose_is_not() -> None:
    assert maintext.mostly_menu(MENU)
    assert not maintext.mostly_menu(PROSE)
    assert not maintext.mostly_menu(MENU[:200] + "\n" + PROSE)  # a menu above the article: the article weighs
    # Japanese is written without spaces: a sentence a line is prose, not a one-word line.
    japanese = "東京都は火曜日、港の新しい予算案を長い議論の末に承認したと発表した。"
    assert not maintext.mostly_menu("\n".join([japanese] * 30))
