"""A page's statements about itself (`transforms/text/page.py`): what `page_facts` reads from the markup, in
page order, whatever kind of markup states it."""

from __future__ import annotations

import json

from transforms.text import page


def _facts(body: str, head: str = "") -> page.PageFacts:
    tree = page.parse_html(f"<html><head>{head}</head><body><h1>Storm hits the coast</h1>{body}</body></html>")
    return page.page_facts(tree)


def test_author_credits_of_every_kind_keep_page_order() -> None:
    """Microdata, author links and "By" lines are read together: their order on the page is kept, an element
    that states an item type is also a credit when it credits an author, and a "By" line's own text may follow
    a child element."""
    body = (
        '<div itemscope itemtype="https://schema.org/Person" itemprop="author"><span itemprop="name">Ann Lee</span>'
        "</div>"
        "<p><b>Update:</b> by Jane Doe</p>"
        '<section itemscope itemtype="https://schema.org/Offer"><p>Twelve dollars</p></section>'
        '<a rel="nofollow author" href="/people/sam">Sam Poe</a>'
        '<div itemscope itemtype="https://schema.org/Review"><span>By Max Roe</span></div>'
        '<span itemprop="author">Eve Moe</span>'
    )
    facts = _facts(body)
    assert facts.bylines == ["Ann Lee", "Update: by Jane Doe", "Sam Poe", "By Max Roe", "Eve Moe"]
    assert facts.types == ["Person", "Offer", "Review"]


def test_an_item_type_alone_credits_no_one() -> None:
    facts = _facts('<div itemscope itemtype="https://schema.org/Product"><p>Trail runner, by the lake</p></div>')
    assert facts.types == ["Product"]
    assert facts.bylines == []


def test_json_ld_is_read_from_scripts_that_say_so_in_any_case() -> None:
    data = json.dumps({"@type": "NewsArticle", "headline": "Storm hits the coast"})
    head = (
        f'<script type=" Application/LD+JSON ">{data}</script>'
        f'<script type="application/json">{json.dumps({"@type": "Product"})}</script>'
        f"<script>{json.dumps({'@type': 'Offer'})}</script>"
    )
    facts = _facts("<p>Text.</p>", head)
    assert facts.types == ["NewsArticle"]
    assert [obj["headline"] for obj in facts.jsonld] == ["Storm hits the coast"]
