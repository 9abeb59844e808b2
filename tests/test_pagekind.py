"""The article gate (`transforms/text/pagekind.py`): what a page's evidence makes of it, error pages, the lower bar
for pages a source vouched for, and the shipped model against the features the code computes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.html_samples import (
    ARTICLE_PARAGRAPHS,
    CHINESE_PARAGRAPHS,
    chinese_page,
    error_page,
    news_page,
    product_page,
)
from tests.http_fixtures import SHARED_DATA, shared
from transforms.extract import extract_html
from transforms.text import page, pagekind

REFERENCE = dt.date(2026, 11, 21)


def classify_html(html: str, url: str | None) -> pagekind.PageKind:
    draft = extract_html(html, url, REFERENCE)
    assert draft is not None
    return pagekind.PageKind(draft.page_kind, draft.article_score, draft.page_evidence)


def test_a_news_page_is_an_article() -> None:
    kind = classify_html(news_page(), "https://gazette.example/2025/12/19/council-approves-harbour-budget")
    assert kind.kind == "article"
    assert pagekind.admitted(kind, vouched=False)


def test_a_news_page_without_a_url_is_an_article() -> None:
    kind = classify_html(news_page(), None)
    assert kind.kind == "article", kind.evidence


def test_a_product_page_is_turned_away_with_its_kind_and_evidence() -> None:
    kind = classify_html(product_page(), "https://shop.example/products/trail-runner-3")
    assert kind.kind == "product", kind
    assert not pagekind.admitted(kind, vouched=False)
    # the page says nothing of being an article: the higher bar applies, and the evidence says so
    assert kind.score < pagekind.shipped_model().thresholds[pagekind.UNSTATED]
    assert "p(article)=" in kind.evidence and "no article markup" in kind.evidence
    assert len(kind.evidence.split("; ", 1)[1]) > 0


@pytest.mark.parametrize(
    "title",
    [
        "We'll be right back",
        "404 - Page not found",
        "Oops! Something went wrong",
        "Service Unavailable",
        "Seite nicht gefunden - Stadtwerke",
        "Page introuvable | Le Journal",
        "Página no encontrada",
        "ページが見つかりません",
        "页面不存在",
    ],
)
def test_error_pages_are_told_by_their_title_over_a_short_text(title: str) -> None:
    kind = classify_html(error_page(title), "https://gazette.example/2025/12/19/council-approves-harbour-budget")
    assert kind.kind == "error"
    assert kind.score == 0.0
    assert "says" in kind.evidence
    # not even a source's word lets an error page through
    assert not pagekind.admitted(kind, vouched=True)


def test_an_article_about_an_outage_is_not_an_error_page() -> None:
    html = news_page(title="Service unavailable: bank app down for hours")
    kind = classify_html(html, None)
    assert kind.kind != "error"


def test_error_rule_needs_the_error_words() -> None:
    facts = page.PageFacts(title_tag="Council approves harbour budget", h1=["Council approves harbour budget"])
    assert pagekind.error_evidence(facts, {"text": "Short text."}) is None
    facts = page.PageFacts(title_tag="Page not found | Harbour Gazette")
    assert pagekind.error_evidence(facts, {"text": "Short text."}) is not None
    assert pagekind.error_evidence(facts, {"text": "word " * (pagekind.ERROR_MAX_WORDS + 1)}) is None


def test_a_vouched_page_is_turned_away_only_below_the_lower_bar() -> None:
    model = pagekind.shipped_model()
    for bars in (model.bars(words_read=True), model.bars(words_read=False)):
        vouched_bar = bars.pop(pagekind.VOUCHED)
        lowest = min(bars.values())
        assert 0.0 < vouched_bar < lowest <= max(bars.values()) < 1.0
        between = pagekind.PageKind("listing", (vouched_bar + lowest) / 2, "", vouched_bar)
        assert not pagekind.admitted(between, vouched=False)
        assert pagekind.admitted(between, vouched=True)
        below = pagekind.PageKind("listing", vouched_bar / 2, "", vouched_bar)
        assert not pagekind.admitted(below, vouched=True)
    assert pagekind.admitted(pagekind.PageKind("article", 0.9), vouched=False)


def test_a_page_in_another_language_is_judged_by_its_features_alone() -> None:
    """The words the model knows are English: on a German page they are not read, and the bars of the features'
    regression alone apply (the evidence says so)."""
    german = " ".join(["Der Gemeinderat hat am Montag den Haushalt für das kommende Jahr beschlossen."] * 12)
    html = f"<html><head><title>Leistungen</title></head><body><h1>Leistungen</h1><p>{german}</p></body></html>"
    tree = page.parse_html(html)
    facts = page.page_facts(tree)
    model = pagekind.shipped_model()
    kind = pagekind.classify(tree, facts, {"text": german}, "https://zeitung.example/services/")
    assert "words not read" in kind.evidence and kind.vouched_bar == model.bars(words_read=False)[pagekind.VOUCHED]
    values = pagekind.features(tree, facts, {"text": german}, "https://zeitung.example/services/")
    assert kind.score == pytest.approx(model.probabilities(values)[0][0])
    english = pagekind.classify(tree, facts, {"text": "The council passed the budget. " * 12}, "https://x.example/a")
    assert "words not read" not in english.evidence and english.vouched_bar == model.thresholds[pagekind.VOUCHED]


def test_features_are_named_and_bounded() -> None:
    html = product_page()
    tree = page.parse_html(html)
    facts = page.page_facts(tree)
    values = pagekind.features(tree, facts, {"text": "Trail Runner 3\n$129.95\nAdd to cart"}, "https://s.example/p/1")
    assert tuple(values) == pagekind.FEATURES
    assert all(-0.01 <= v <= 10 for v in values.values())
    assert values["schema product type"] == 1.0
    assert values["schema article type"] == 0.0
    assert values["URL product word"] == 1.0


def test_post_marks_bare_titles_and_long_slugs_are_seen() -> None:
    """A forum thread's post marks, a title that only names a brand, and a story's long hyphenated slug are
    features; a story page has neither of the first two."""
    thread = """<html><head><title>Forumly</title></head><body>
<div class="post">Member since 2019. Posts: 412. Last edited by anna.</div>
<div class="post">Member since 2021. Posts: 12. Reply #2 from bob.</div></body></html>"""
    tree = page.parse_html(thread)
    values = pagekind.features(tree, page.page_facts(tree), {"text": "Member since 2019."}, "https://f.example/t/123")
    assert values["forum post marks (log)"] > 1.0
    assert values["title is a bare name"] == 1.0
    assert values["URL slug of 4+ hyphenated words"] == 0.0

    story = news_page()
    tree = page.parse_html(story)
    url = "https://news.example/2026/11/20/council-approves-new-bridge-over-the-river"
    values = pagekind.features(tree, page.page_facts(tree), {"text": "The council voted."}, url)
    assert values["URL slug of 4+ hyphenated words"] == 1.0
    assert values["forum post marks (log)"] == 0.0
    assert values["title is a bare name"] == 0.0


def test_host_template_and_web_page_evidence_is_seen() -> None:
    """What a documentation site's host, a shop's template and a contact page's schema.org type say; a plain
    story page says none of it."""
    docs = """<html><head><title>Indexes - Manual</title>
<script type="application/ld+json">{"@type": "ContactPage", "name": "Contact"}</script></head><body>
<nav><a href="/a">A</a></nav><aside class="sidebar toc">Contents</aside>
<div class="product-card"><span class="price">$5</span><a href="tel:+15550100">Call</a></div>
<div class="product-card"><span class="price">$6</span></div>
<dl><dt>term</dt><dd>meaning</dd></dl><form><select><option>1</option></select></form>
<a href="/2">Next</a><a href="/0">Previous</a></body></html>"""
    tree = page.parse_html(docs)
    values = pagekind.features(tree, page.page_facts(tree), {"text": "Indexes"}, "https://docs.example.org/indexes")
    assert values["host docs word"] == 1.0 and values["host forum word"] == 0.0
    assert values["schema web page subtype"] == 1.0
    assert values["nav elements (log)"] > 0 and values["aside elements (log)"] > 0
    assert values["definition lists (log)"] > 0 and values["forms (log)"] > 0 and values["selects (log)"] > 0
    assert values["tel links (log)"] > 0 and values["previous/next links"] == 2.0
    assert values["class product (log)"] > 0 and values["class price (log)"] > 0
    assert values["class table of contents (log)"] > 0
    assert values["most repeated class (log)"] > 0 and values["class cart (log)"] == 0.0

    story = news_page()
    tree = page.parse_html(story)
    url = "https://www.gazette.example/2026/11/20/council-approves-new-bridge"
    values = pagekind.features(tree, page.page_facts(tree), {"text": "The council voted."}, url)
    assert values["host docs word"] == values["schema web page subtype"] == values["previous/next links"] == 0.0
    assert values["tel links (log)"] == values["class price (log)"] == values["class product (log)"] == 0.0
    # A page read from a file has no URL: that is no evidence, not a site's home page.
    values = pagekind.features(tree, page.page_facts(tree), {"text": "The council voted."}, None)
    assert values["URL is site root"] == 0.0 and values["URL slug words"] == 0.0


def test_the_bar_depends_on_what_the_markup_states() -> None:
    """A news page's article markup puts it on the STATED bar, a product page's none on the UNSTATED one; the
    same article probability can pass one and not the other."""
    story = page.parse_html(news_page())
    assert pagekind.evidence_level(page.page_facts(story), {"text": "The council voted."}) == pagekind.STATED
    shop = page.parse_html(product_page())
    assert pagekind.evidence_level(page.page_facts(shop), {"text": "Add to cart"}) == pagekind.UNSTATED
    model = pagekind.shipped_model()
    bars = {pagekind.STATED: 0.2, pagekind.UNSTATED: 0.6}
    strict = dataclasses.replace(model, thresholds={**bars, pagekind.VOUCHED: 0.1})
    story_kind = pagekind.classify(story, page.page_facts(story), {"text": "The council voted."}, None, strict)
    shop_kind = pagekind.classify(shop, page.page_facts(shop), {"text": "Add to cart"}, None, strict)
    assert "(bar 0.20, article markup)" in story_kind.evidence
    assert "(bar 0.60, no article markup)" in shop_kind.evidence


def test_the_trainer_picks_both_bars_within_the_article_budget() -> None:
    """Unmarked articles score lower than marked ones: the pair of bars turns away more non-articles than
    one bar would, and never more articles than the budget allows."""
    train = _trainer()
    rng = np.random.default_rng(3)
    stated = np.array([True] * 150 + [False] * 50 + [True] * 40 + [False] * 160)
    articles = np.array([True] * 200 + [False] * 200)
    score = np.concatenate(
        [rng.uniform(0.5, 1.0, 150), rng.uniform(0.05, 1.0, 50), rng.uniform(0.0, 0.6, 40), rng.uniform(0, 0.3, 160)]
    )
    bars, _ = train.level_thresholds(score, articles, stated, 0.02)
    turned = np.where(stated, score < bars[pagekind.STATED], score < bars[pagekind.UNSTATED])
    assert turned[articles].sum() <= 4
    one = train.threshold_for(score[articles], 0.02)
    assert turned[~articles].mean() > (score < one)[~articles].mean()
    # unmarked articles score lower here, so theirs is the lower bar
    assert bars[pagekind.UNSTATED] < bars[pagekind.STATED]


def test_element_counts_keep_their_conditions() -> None:
    """Hidden inputs are no inputs, a heading counts as linked only with a link inside, a heading inside
    nested `<article>`s counts once, and `tel:` links are told from the others."""
    html = """<html><body><form><input type="hidden" name="t"><input name="q"><textarea></textarea></form>
<article><article><h1>Inner</h1><time>May 1</time></article></article>
<h2><a href="/x">Linked</a></h2><h3>Plain</h3><a href="tel:+15550100">Call</a><a href="/y">Y</a></body></html>"""
    tree = page.parse_html(html)
    values = pagekind.features(tree, page.page_facts(tree), {"text": "Inner"}, None)
    assert values["form inputs (log)"] == pytest.approx(math.log1p(2))
    assert values["linked heading share"] == pytest.approx(1 / 3)
    assert values["h1 in article (log)"] == pytest.approx(math.log1p(1))
    assert values["time in article (log)"] == pytest.approx(math.log1p(1))
    assert values["tel links (log)"] == pytest.approx(math.log1p(1))
    assert values["article elements (log)"] == pytest.approx(math.log1p(2))


def _trainer() -> Any:
    bench = Path(__file__).resolve().parents[1] / "bench"
    if str(bench) not in sys.path:
        sys.path.insert(0, str(bench))
    import train_pagekind

    return train_pagekind


def test_the_shipped_model_speaks_of_the_features_the_code_computes() -> None:
    model = pagekind.shipped_model()
    assert model.features == pagekind.FEATURES
    assert model.labels[0] == "article" and set(model.labels) <= set(pagekind.KINDS)
    assert model.weights.shape == (len(model.labels), len(model.features))
    assert model.to_json()["weights"]["product"]["schema product type"] > 0


def test_page_words_say_where_each_word_stands() -> None:
    words = pagekind.page_words(
        "https://example.com/services/retirement-calculator.html?utm_source=x", "Retirement Calculator | Bank", "Plan"
    )
    assert words == Counter(
        {
            "url:services": 1,
            "url:retirement": 1,
            "url:calculator": 1,
            "title:retirement": 1,
            "title:calculator": 1,
            "title:bank": 1,
            "h1:plan": 1,
        }
    )
    # the URL's last segment, when it is one word, says so ("url end"); the URL's shape is no word
    assert pagekind.page_words("https://example.com/Pricing.html", None, None) == Counter(
        {"url:pricing": 1, "url end:pricing": 1}
    )
    assert pagekind.page_words("https://example.com/?p=3289", "Home", None) == Counter({"title:home": 1})
    # a page read from a file has no URL words; words of every script are words
    assert pagekind.page_words(None, "Über uns", "東京 2024") == Counter(
        {"title:über": 1, "title:uns": 1, "h1:東京": 1}
    )


def test_words_the_model_does_not_know_add_no_evidence() -> None:
    """The words' regression has no bias: a page whose words are all unknown (another language, no URL) is
    judged by its features alone, neither for nor against being an article."""
    model = pagekind.shipped_model()
    values = pagekind.features(None, page.PageFacts(), {"text": "Der Rat hat heute abgestimmt."}, None)
    unknown = Counter({"title:gemeinderat": 1, "h1:abstimmung": 1})
    alone, _, v = model.probabilities(values, unknown)
    assert not v.any()
    np.testing.assert_allclose(alone, model.probabilities(values)[0])
    known = Counter({"title:services": 1, "url:services": 1})
    assert model.probabilities(values, known)[0][0] < alone[0]


def test_a_service_page_is_told_by_the_words_it_names_itself_with() -> None:
    """A firm's services page reads like prose (sentences, no prices, no cart): what gives it away is what it
    calls itself, and the evidence names those words."""
    body = "".join(
        f"<p>{line}</p>"
        for line in (
            "Acme helps small firms keep their books in order.",
            "Bookkeeping: monthly accounts, payroll and VAT returns, done by a named accountant.",
            "Tax planning: a yearly review of what you owe and how to owe less, within the rules.",
            "Advisory: cash-flow forecasts and help with loans when the business grows.",
            "Talk to us about what your business needs.",
        )
    )

    def classify(title: str, heading: str, url: str) -> pagekind.PageKind:
        tree = page.parse_html(f"<html><head><title>{title}</title></head><body><h1>{heading}</h1>{body}</body></html>")
        return pagekind.classify(tree, page.page_facts(tree), {"text": "\n".join(tree.xpath("//p/text()"))}, url)

    named = classify("Acme Accounting", "Acme", "https://acme.example/what-we-do")
    services = classify("Services | Acme Accounting", "Services", "https://acme.example/what-we-do")
    assert services.score < named.score / 2, (services, named)
    turned = classify("Services | Acme Accounting", "Our services", "https://acme.example/services/")
    assert turned.kind == "service", turned
    assert "'url word services'" in turned.evidence, turned.evidence


def test_model_json_round_trips() -> None:
    model = pagekind.shipped_model()
    again = pagekind.Model.from_json(json.loads(json.dumps(model.to_json())))
    assert again.features == model.features and again.thresholds == model.thresholds
    assert (again.weights == model.weights).all()
    assert again.vocabulary == model.vocabulary and len(model.vocabulary) > 100
    assert (again.idf == model.idf).all() and (again.word_weights == model.word_weights).all()
    with pytest.raises(ValueError):
        pagekind.Model.from_json({**model.to_json(), "format_version": 99})


def test_on_real_pages_the_gate_keeps_articles_and_turns_away_others() -> None:
    """The first pages of each type of the WCXB dev set (the training set: this checks that the runtime
    features and the shipped model agree; the cross-validated figures are in BENCHMARKS.md)."""
    shared(SHARED_DATA / "extraction" / "wcxb-dev")
    bench = Path(__file__).resolve().parents[1] / "bench"
    if str(bench) not in sys.path:
        sys.path.insert(0, str(bench))
    import wcxb

    kept: dict[str, list[bool]] = {}
    for item in wcxb.pages():
        seen = kept.setdefault(item.kind, [])
        if len(seen) >= (12 if item.is_article else 5):
            continue
        draft = extract_html(item.html_bytes().decode("utf-8", "replace"), item.url, REFERENCE)
        seen.append(draft is not None and draft.page_kind == "article")
    articles = kept.pop("article")
    others = [k for values in kept.values() for k in values]
    assert len(others) == 30
    assert sum(articles) >= 11, articles
    # cross-validated, two thirds of non-articles are turned away (BENCHMARKS.md); here at least 40%
    assert len(others) - sum(others) >= 12, kept


# --- who vouches for a page ---------------------------------------------------------------------------------


def test_a_jsonl_record_vouches_only_when_it_states_a_title_or_date() -> None:
    from transforms.read import parse_jsonl_record

    html = product_page()
    assert not parse_jsonl_record(json.dumps({"url": "https://s.example/p", "html": html}), "f.jsonl").vouched
    assert parse_jsonl_record(json.dumps({"html": html, "title": "Trail Runner 3 review"}), "f.jsonl").vouched
    assert parse_jsonl_record(json.dumps({"html": html, "published": "2025-12-01"}), "f.jsonl").vouched


@pytest.mark.parametrize(
    ("source_kind", "title", "vouched"),
    [
        ("feed", None, True),
        ("sitemap", "Harbour budget approved", True),
        ("sitemap", None, False),
        ("urls", None, False),
    ],
)
def test_feed_and_news_sitemap_entries_vouch_for_their_pages(
    source_kind: str, title: str | None, vouched: bool
) -> None:
    from transforms.fetch import document_from
    from transforms.web.client import FetchResult
    from transforms.web.feeds import EntryRef

    url = "https://gazette.example/2025/12/19/harbour"
    entry = EntryRef(
        url=url, canonical=url, source="https://gazette.example/feed", source_kind=source_kind, title=title
    )
    result = FetchResult(url, url, 200, {"content-type": "text/html; charset=utf-8"}, news_page().encode())
    document = document_from(entry, result)
    assert not isinstance(document, tuple)
    assert document.vouched is vouched


def test_extract_stage_rejects_non_articles_or_keeps_them_on_request() -> None:
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline

    from schemas.document import RawDocument
    from tests.beam_util import check
    from transforms.extract import Extract

    url = "https://shop.example/products/trail-runner-3"
    docs = [
        RawDocument("product.html", "html", "html", product_page(), url=url),
        # the product page's evidence is strong: a feed's word does not save it
        RawDocument("vouched.html", "html", "html", product_page(), url=url, vouched=True),
        RawDocument("news.html", "html", "html", news_page()),
    ]

    def drafts_of(keep: bool) -> Any:
        def check_drafts(drafts: list[Any]) -> None:
            kinds = {d.source: d.page_kind for d in drafts}
            expected = {"news.html": "article"}
            if keep:
                expected |= {"product.html": "product", "vouched.html": "product"}
            assert kinds == expected

        return check_drafts

    def check_rejected(rejected: list[Any]) -> None:
        rows = sorted((r.source, r.stage, r.reason) for r in rejected)
        assert rows == [("product.html", "extract", "not-an-article"), ("vouched.html", "extract", "not-an-article")]
        assert all(r.detail.startswith("product page") for r in rejected)
        assert any("vouched" in r.detail for r in rejected)

    for keep in (False, True):
        with TestPipeline() as p:
            drafts, rejected = p | beam.Create(docs) | Extract("r", REFERENCE, keep_non_articles=keep)
            check(drafts, drafts_of(keep), "Drafts")
            if not keep:
                check(rejected, check_rejected, "Rejected")


# --- evidence the gate reads before the metadata -------------------------------------------------------------


def _facts(head: str, body: str = "") -> page.PageFacts:
    return page.page_facts(page.parse_html(f"<html><head>{head}</head><body>{body}<p>Text.</p></body></html>"))


def test_each_article_statement_of_the_markup_sets_the_stated_bar() -> None:
    """A schema.org article type, og:type article (or trafilatura's reading of it) and an
    `article:published_time` meta tag each put a page on the STATED bar; og:type website, a meta author or a
    product type do not."""
    ld = json.dumps({"@type": "BlogPosting", "headline": "Council votes"})
    for head, doc in (
        (f'<script type="application/ld+json">{ld}</script>', {}),
        ('<meta property="og:type" content="article">', {}),
        ("", {"pagetype": "article"}),
        ('<meta property="article:published_time" content="2025-12-19T08:30:00Z">', {}),
    ):
        assert pagekind.evidence_level(_facts(head), doc) == pagekind.STATED, head or doc
    for head in (
        '<meta property="og:type" content="website">',
        '<meta name="author" content="Maria Lopez">',
        '<script type="application/ld+json">{"@type": "Product", "name": "Trail Runner"}</script>',
    ):
        assert pagekind.evidence_level(_facts(head), {}) == pagekind.UNSTATED, head


def test_listing_evidence_dates_headline_links_and_questions() -> None:
    """A listing's teasers: many written dates and long linked headlines; a FAQ's questions. A story has
    one date and no headline links."""
    teasers = "".join(
        f'<li><a href="/2025/{i}">Council approves a new harbour budget after long debate {i}</a>'
        f"\n<span>May {i}, 2025</span></li>\n"
        for i in range(1, 9)
    )
    tree = page.parse_html(f"<html><body><ul>{teasers}</ul></body></html>")
    text = "Is it free?\nHow long does it take?\nWhat do I need?"
    listing = pagekind.features(tree, page.page_facts(tree), {"text": text}, None)
    assert listing["page dates (log)"] == pytest.approx(math.log1p(8))
    assert listing["headline links (log)"] == pytest.approx(math.log1p(8))
    assert listing["question marks per line"] == 1.0
    story = page.parse_html(news_page())
    values = pagekind.features(story, page.page_facts(story), {"text": "The council voted."}, None)
    assert values["headline links (log)"] <= math.log1p(1) and values["question marks per line"] == 0.0


def test_links_and_classes_are_read_whatever_their_markup() -> None:
    """A linked headline counts whether its words sit in the link or in elements inside it, `tel:` links and
    all links count once each, and class names repeat whatever their case."""
    links = (
        '<a href="/a">Council approves a new harbour budget</a>'
        '<a href="/b"><span>Storm floods</span> the <b>northern channel overnight</b></a>'
        '<a href="/c"><img src="x.png"> Five words in this link</a>'
        '<a href="tel:+15550100">Call us</a><a name="top">No href: no link</a>'
    )
    cards = '<div class="Card">1</div><div class="card">2</div><div class="CARD">3</div><div class="tile">4</div>'
    tree = page.parse_html(f"<html><body><p>{links}</p>{cards}</body></html>")
    assert tree is not None
    values = pagekind.features(tree, page.page_facts(tree), {"text": "Text."}, None)
    assert values["headline links (log)"] == pytest.approx(math.log1p(2))
    assert values["tel links (log)"] == pytest.approx(math.log1p(1))
    assert values["most repeated class (log)"] == pytest.approx(math.log1p(3))
    assert values["class card (log)"] == pytest.approx(math.log1p(4))
    words = len(tree.find("body").text_content().split())
    assert values["links per 100 words (log)"] == pytest.approx(math.log1p(4 * 100 / words))


# --- every script -------------------------------------------------------------------------------------------


def test_chinese_and_japanese_prose_is_counted_in_characters() -> None:
    """A page written without spaces between words is prose to the gate, not a menu of one-"word" lines:
    its lines count their characters (`wordcount.word_count`), and a Chinese news page with no article markup
    is let through (it was turned away as a listing, p(article) 0.01, when words were split at spaces)."""
    html = chinese_page()
    tree = page.parse_html(html)
    text = "\n".join(CHINESE_PARAGRAPHS)
    values = pagekind.features(tree, page.page_facts(tree), {"text": text}, None)
    assert values["short line share"] == 0.0
    assert values["prose share"] == 1.0
    assert values["title is a bare name"] == 0.0
    assert values["words per line"] > 2.0  # about 45 characters a line, against 1 "word" split at spaces
    assert values["page link density"] < 0.3
    kind = classify_html(html, None)
    assert kind.kind == "article", kind.evidence


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://blog.example/", True),
        ("https://blog.example/?utm_source=feed&utm_medium=rss", True),
        ("https://shop.example/?srsltid=AfmBOoq0Vakag1D", True),
        ("https://blog.example/?p=3289", False),  # WordPress names a post by its number
        ("https://cms.example/?article717", False),
        ("https://blog.example/2025/12/a-post", False),
    ],
)
def test_a_query_that_names_a_page_is_not_the_site_root(url: str, root: bool) -> None:
    tree = page.parse_html("<html><body><p>Text.</p></body></html>")
    values = pagekind.features(tree, page.page_facts(tree), {"text": "Text."}, url)
    assert values["URL is site root"] == float(root)


def test_the_english_word_lists_speak_only_for_english_pages() -> None:
    """On a page in another language the features read from English word lists are missing (NaN), and the
    model takes them at their mean: a German story has no "how" in its title and no "read more" link, and
    that is no evidence against it. A product grid with no function words at all stays under the lists."""
    german = (
        "Der Stadtrat hat am Donnerstag den Haushalt für den Hafen beschlossen. Die Mehrheit stimmte für den "
        "Umbau der Kaimauern, der nach Angaben der Verwaltung drei Jahre dauern soll. "
    ) * 4
    french = "Le conseil municipal a adopté jeudi le budget du port, qui sera consacré à la rénovation des quais. " * 4
    assert pagekind.reads_english(" ".join(ARTICLE_PARAGRAPHS))
    assert pagekind.reads_english("Trail Runner 3\n$129.95\nColour\nSlate grey\nSize\nEU 38 to 47")
    assert not pagekind.reads_english(german)
    assert not pagekind.reads_english(french)
    assert not pagekind.reads_english("\n".join(CHINESE_PARAGRAPHS))

    html = f"<html><head><title>Haushalt beschlossen</title></head><body><p>{german}</p></body></html>"
    tree = page.parse_html(html)
    values = pagekind.features(tree, page.page_facts(tree), {"text": german}, "https://zeitung.example/lokal/hafen")
    missing = {name for name, value in values.items() if math.isnan(value)}
    assert missing == set(pagekind.ENGLISH_ONLY)
    probabilities, x, _ = pagekind.shipped_model().probabilities(values)
    assert np.isfinite(probabilities).all() and np.isfinite(x).all()
    assert abs(float(probabilities.sum()) - 1.0) < 1e-9
