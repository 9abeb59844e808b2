"""xpaths: trafilatura's expressions with their regular-expression tests guarded give the same node-sets, and
newsbeam's extraction puts them in place."""

from __future__ import annotations

import importlib

import pytest
from lxml import etree, html

from tests.html_samples import news_page, product_page
from tests.test_extract import _real_pages
from transforms.text import maintext, page, xpaths

NS = xpaths.REGEX_NS


def test_a_test_of_an_attribute_runs_only_where_the_attribute_is() -> None:
    source = ".//*[self::div][re:test(@id|@class, '^shar|social') or contains(@class, 'x')]"
    assert xpaths.guard_regex_tests(source) == (
        ".//*[self::div][(@id|@class and re:test(@id|@class, '^shar|social')) or contains(@class, 'x')]"
    )
    flagged = ".//*[re:test(@class, 'cookie[-_]?bar', 'i')]"
    assert xpaths.guard_regex_tests(flagged) == ".//*[(@class and re:test(@class, 'cookie[-_]?bar', 'i'))]"


def test_tests_that_the_empty_string_passes_and_other_node_sets_stay_as_they_are() -> None:
    for source in (
        ".//*[re:test(@class, '^$')]",  # '' matches: an element without the attribute passes
        ".//*[re:test(@class, 'a*|b')]",
        ".//*[re:test(., 'word')]",  # the text, not an attribute
        ".//*[re:test(@class, '(unbalanced')]",  # no pattern Python can compile
        ".//p",
    ):
        assert xpaths.guard_regex_tests(source) == source
    assert xpaths.guarded(etree.XPath(".//p")).path == ".//p"


def test_an_element_without_the_attribute_is_still_selected_when_the_empty_string_matches() -> None:
    tree = html.fromstring("<div><p class='a'>x</p><p>y</p><p id='b'>z</p></div>")
    for source in (".//p[re:test(@class, '^$')]", ".//p[re:test(@class, 'a')]", ".//p[not(re:test(@class, 'a'))]"):
        original = etree.XPath(source, namespaces=NS)
        assert xpaths.guarded(original)(tree) == original(tree), source
    assert len(etree.XPath(".//p[re:test(@class, '^$')]", namespaces=NS)(tree)) == 2


@pytest.mark.data
def test_every_expression_of_trafilaturas_selects_the_same_elements_once_guarded() -> None:
    assert xpaths.speed_up_trafilatura()
    assert xpaths.speed_up_trafilatura()  # once per process: the second call changes nothing
    pairs = xpaths.swapped()
    # the pruning, byline and body expressions, and the page-text cleaning one
    assert len(pairs) >= 10
    assert len({id(original) for original, _ in pairs}) == len(pairs)
    pages = [news_page(), product_page(), *(html for _, html, _ in _real_pages())]
    selected = 0
    for markup in pages:
        tree = page.parse_html(markup)
        assert tree is not None
        for original, faster in pairs:
            expected = original(tree)
            assert faster(tree) == expected, original.path[:120]
            selected += len(expected)
    assert selected > 1000  # the expressions did select elements on these pages


def test_the_extraction_runs_on_the_guarded_expressions() -> None:
    baseline = importlib.import_module("trafilatura.baseline")
    trafilatura_xpaths = importlib.import_module("trafilatura.xpaths")
    maintext.Extraction(page.parse_html(news_page()), None).fast()
    replaced = {id(faster) for _, faster in xpaths.swapped()}
    assert any(id(item) in replaced for item in trafilatura_xpaths.OVERALL_DISCARD_XPATH)
    assert id(baseline.BASIC_CLEAN_XPATH) in replaced
